"""The rotation guard's rules, in slot names: a step must not refuse requests.

Validating one configuration cannot see that a step was skipped: going from ``[v1]``/``v1`` straight to
``[v2]``/``v2`` is a valid configuration, yet it retires ``v1`` while CloudFront, until its new
configuration has deployed to every edge, still sends it, so requests are refused. So a step is refused when it:

* retires the slot CloudFront currently sends (switch ``activeSecretSlot`` first, then retire it), or
* makes CloudFront send a slot the deployed origin did not accept yet (add it to ``secretSlots`` first).

What is deployed comes from the component's record in AWS (rotation_record.py). This module also reads what the
deployed resources report (:func:`recorded_rotation`), and, once, a 0.2.0 stack's own outputs
(:func:`read_deployed_state`), which is all 0.2.0 recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from .settings import SettingError

ACCEPTED_OUTPUT = "acceptedSecretSlots"
ACTIVE_OUTPUT = "activeSecretSlot"


@dataclass(frozen=True)
class DeployedRotation:
    """The slots the deployed origin accepts and the one the deployed CloudFront sends."""

    accepted: tuple[str, ...]
    active: str


def still_sent(slots: Sequence[str], sent: str) -> SettingError:
    """``slots`` retire the slot CloudFront sends."""
    return SettingError(
        "secretSlots",
        list(slots),
        f"the deployed CloudFront still sends slot {sent!r}; keep it until activeSecretSlot has moved to another "
        "slot and that `pulumi up` has finished (README: Rotating the secret)",
    )


def not_learned(active: str, accepted: Sequence[str]) -> SettingError:
    """CloudFront would switch to ``active`` before the origin accepts it."""
    return SettingError(
        "activeSecretSlot",
        active,
        f"the deployed origin accepts only {list(accepted)}; add {active!r} to secretSlots and run `pulumi up` "
        "before CloudFront switches to it (README: Rotating the secret)",
    )


def rotation_step_problem(deployed: DeployedRotation | None, slots: Sequence[str], active: str) -> SettingError | None:
    """Why moving from ``deployed`` to (``slots``, ``active``) would refuse requests, or ``None``."""
    if deployed is None:
        return None
    if deployed.active not in slots:
        return still_sent(slots, deployed.active)
    if active != deployed.active and active not in deployed.accepted:
        return not_learned(active, deployed.accepted)
    return None


def parse_deployed(accepted: Any, active: Any) -> DeployedRotation | None:
    """The deployed state from raw stack outputs; ``None`` when absent or malformed."""
    if not isinstance(active, str) or not isinstance(accepted, list):
        return None
    if not all(isinstance(slot, str) for slot in accepted):
        return None
    return DeployedRotation(accepted=tuple(accepted), active=active)


@dataclass(frozen=True)
class DeployedState:
    """What the stack's last deployment recorded: the slots, and the automatic rotation's step record."""

    rotation: DeployedRotation | None
    automatic: Any = None


def _output_value(details: pulumi.StackReferenceOutputDetails) -> Any:
    # Slot names are not secret, but read them even if an output was ever recorded as one: a read that
    # comes back empty would look like a stack that was never deployed, and switch the guard off.
    return details.value if details.value is not None else details.secret_value


# The organization a self-managed (DIY) backend reports, in both layouts: its references accept a bare stack
# name for the current project, and the legacy layout accepts nothing else (pulumi/pulumi
# pkg/backend/diy/store.go, ParseReference). Pulumi Cloud needs organization/project/stack.
DIY_ORGANIZATION = "organization"


def own_stack_reference_name(organization: str, project: str, stack: str) -> str:
    """How a StackReference addresses this very stack on the backend the program runs on."""
    return stack if organization == DIY_ORGANIZATION else f"{organization}/{project}/{stack}"


def read_deployed_state(record_output: str) -> DeployedState:
    """Read this stack's last deployed rotation state (its own outputs) before any resource registers.

    Only a stack deployed by 0.2.0 needs this, once (rotation_record.from_stack_outputs); since then the
    record lives in AWS.
    """
    own_stack = own_stack_reference_name(pulumi.get_organization(), pulumi.get_project(), pulumi.get_stack())
    reference = pulumi.StackReference("deployed-rotation-state", stack_name=own_stack)

    def read(name: str) -> Any:
        return _output_value(_sync_await(reference.get_output_details(name)))

    return DeployedState(
        rotation=parse_deployed(read(ACCEPTED_OUTPUT), read(ACTIVE_OUTPUT)), automatic=read(record_output)
    )


def recorded_rotation(
    values_by_slot: Mapping[str, str | None], accepted_by_carrier: Sequence[Collection[str]], sent: str | None
) -> DeployedRotation:
    """The rotation state as the deployed resources report it, in slot names (what the next run is judged by).

    A slot counts as accepted only when every resource that checks the header (the ALB rule and the WAF, or
    the SSM parameter the instance reads) reports its value; the active slot is the one whose value the
    distribution reports sending. These are the resources' outputs, so after a failed update, or in a refresh
    that runs the program (resources keep their old state, new ones are skipped and report nothing), the
    record is never what the program merely planned. It is what AWS holds only because a settled record is
    written after this deploy sent every carrier and the distribution their configuration: a `pulumi up` killed
    while it waited leaves Pulumi's checkpoint behind AWS, so each new intent is stamped into the distribution,
    the WAF and the SSM list (resent whole), and the listener rule is read back from AWS (rotation_record.py).
    """
    accepted = tuple(
        slot
        for slot, value in values_by_slot.items()
        if value is not None and accepted_by_carrier and all(value in carrier for carrier in accepted_by_carrier)
    )
    active = next((slot for slot, value in values_by_slot.items() if value is not None and value == sent), None)
    if active is None:
        # Fail closed: recording nothing keeps the last record, which the next run is judged against.
        raise ValueError(
            "the distribution reports a secret header value that matches none of the rotation slots "
            f"{list(values_by_slot)}: it was changed outside this stack; `pulumi up` restores it"
        )
    return DeployedRotation(accepted=accepted, active=active)
