"""The rotation guard and automatic rotation, for the program that owns the stack.

Both judge a rotation step against what the stack last deployed: the slot names its own outputs record
(``acceptedSecretSlots``, ``activeSecretSlot`` and, with automatic rotation, ``secretRotation``), read back
through a StackReference to the stack itself (rotation.py, auto_rotation.py). Only a program can export
stack outputs and read its own stack, so this is a function for the program, not an argument of the
component (a component hosted for another language could do neither): :func:`origin_lockdown_with_rotation`
checks the arguments, reads the record, plans this deploy's step, builds the component and exports the
record the next run reads. This repository's ``__main__.py`` is one such program; yours can be another.

A component built without it deploys exactly the slots it is given: rotating by hand works
(``secret_slots``, ``active_secret_slot``), unguarded, and nothing rotates by itself.
"""

from __future__ import annotations

from typing import Any

import pulumi

from .args import OriginLockdownArgs
from .auto_rotation import (
    ROTATION_OUTPUT,
    RotationPlan,
    clock_override_warning,
    deploy_time,
    plan_automatic_rotation,
    requires_guard_problem,
)
from .origin_lockdown import OriginLockdown, preflight_for
from .rotation import ACCEPTED_OUTPUT, ACTIVE_OUTPUT, read_deployed_state, rotation_step_problem, takeover_hint
from .settings import check_flag, check_secret_rotation_days


def origin_lockdown_with_rotation(
    name: str,
    args: OriginLockdownArgs,
    opts: pulumi.ResourceOptions | None = None,
    *,
    secret_rotation_days: int = 0,
    rotation_guard: bool = True,
) -> OriginLockdown:
    """``OriginLockdown(name, args, opts)`` with the stack's rotation guard and, given
    ``secret_rotation_days`` (1 to 365), automatic rotation: one zero-downtime step per deploy once that many
    days have passed since the last. Exports ``acceptedSecretSlots`` and ``activeSecretSlot`` (and
    ``secretRotation``) as stack outputs, which the next run reads back: at most one per stack.

    ``rotation_guard`` refuses a hand-made step that would refuse requests (``secret_slots`` dropping the
    slot CloudFront still sends, or ``active_secret_slot`` switching to one the origin does not accept yet);
    automatic rotation needs it. Raises :class:`~cloudfront_origin_lockdown.settings.SettingError` before
    any resource is registered, the checks of the arguments first, then those against the deployed record.
    """
    check_secret_rotation_days(secret_rotation_days)
    check_flag("rotationGuard", rotation_guard)
    problem = requires_guard_problem(secret_rotation_days, rotation_guard)
    if problem is not None:
        raise problem
    # Names, region, boot script size, policy lookups: before the guard's read of the stack (a StackReference
    # is a registered resource). None of them depends on the rotation slots.
    preflight = preflight_for(name, args, opts)
    automatic: RotationPlan | None = None
    if rotation_guard:
        deployed = read_deployed_state(ROTATION_OUTPUT)
        slots, active = preflight.settings.secret_slots, preflight.settings.active_secret_slot
        if secret_rotation_days:
            # Automatic rotation: the slots come from the deployed record and the clock, not from the args.
            automatic = plan_automatic_rotation(
                secret_rotation_days, slots, active, deployed.rotation, deployed.automatic, deploy_time()
            )
            slots, active = automatic.slots, automatic.active
            args = {**args, "secret_slots": list(slots), "active_secret_slot": active}
            preflight = preflight.for_slots(args, slots, active)
        problem = rotation_step_problem(deployed.rotation, slots, active)
        if problem is not None:
            raise problem if automatic is not None else takeover_hint(problem, deployed)
    if automatic is not None:
        # Shown by `pulumi preview` and `pulumi up` alike: the step this deploy takes, or why none.
        pulumi.log.info(automatic.summary)
        for warning in (automatic.warning, clock_override_warning()):
            if warning:
                pulumi.log.warn(warning)

    origin = OriginLockdown(name, args, opts, preflight=preflight)
    # Slot names, never values, as the deployed resources report them: the next run reads them back to
    # refuse a skipped step and, with automatic rotation, to plan the next one.
    pulumi.export(ACCEPTED_OUTPUT, origin.accepted_secret_slots)
    pulumi.export(ACTIVE_OUTPUT, origin.active_secret_slot)
    if automatic is not None:
        plan = automatic

        def record(reported: list[Any]) -> dict[str, Any] | None:
            return plan.record_to_export(reported[0], reported[1])

        pulumi.export(
            ROTATION_OUTPUT, pulumi.Output.all(origin.accepted_secret_slots, origin.active_secret_slot).apply(record)
        )
    return origin
