"""A program's side of rotation: the informational stack outputs, and the one-time read of a 0.2.0 stack.

Since 0.3.0 the rotation guard and automatic rotation are the component's own (``secret_rotation_days``,
``rotation_guard``), judged against its record in AWS (rotation_record.py). What is left for a program:

* :func:`export_rotation_outputs`: ``acceptedSecretSlots``, ``activeSecretSlot`` and ``secretRotation`` as stack
  outputs, for people and scripts to read (``pulumi stack output``). Nothing reads them back for safety.
* :func:`stack_outputs_record`: a stack deployed by 0.2.0 has no record in AWS yet; its program exported those
  outputs, and this reads them once (through a StackReference to the stack itself) for the first deploy after
  the upgrade, which then writes the record. Pass it as ``OriginLockdown(..., legacy_record=...)``.
* :func:`origin_lockdown_with_rotation`: 0.2.0's entry point, deprecated: the component with both of the above.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Mapping
from typing import Any, cast

import pulumi
from pulumi.runtime import settings as pulumi_settings

from .args import OriginLockdownArgs, setting_key
from .auto_rotation import ROTATION_OUTPUT
from .origin_lockdown import OriginLockdown
from .rotation import ACCEPTED_OUTPUT, ACTIVE_OUTPUT, DeployedState, read_deployed_state
from .rotation_record import RecordState, from_stack_outputs
from .settings import SettingError

# One read per program run, whatever the number of components asking (one StackReference per stack).
_READ: weakref.WeakKeyDictionary[Any, DeployedState] = weakref.WeakKeyDictionary()


def stack_outputs_record() -> RecordState | None:
    """The rotation state this stack's program exported (0.2.0's outputs), as the record a first deploy after
    the upgrade is judged by; ``None`` for a stack without them (a new stack: nothing to keep)."""
    root = pulumi_settings.get_root_resource()
    state = _READ.get(root) if root is not None else None
    if state is None:
        state = read_deployed_state(ROTATION_OUTPUT)
        if root is not None:
            _READ[root] = state
    if state.rotation is None:
        return None
    return from_stack_outputs(list(state.rotation.accepted), state.rotation.active, state.automatic)


def export_rotation_outputs(origin: OriginLockdown) -> None:
    """Slot names, never values, as the deployed resources report them: informational stack outputs."""
    pulumi.export(ACCEPTED_OUTPUT, origin.accepted_secret_slots)
    pulumi.export(ACTIVE_OUTPUT, origin.active_secret_slot)
    if origin.rotation_step is not None:
        pulumi.export(ROTATION_OUTPUT, origin.rotation_step)


DEPRECATED = (
    "origin_lockdown_with_rotation is deprecated since 0.3.0: pass secret_rotation_days and rotation_guard to "
    "OriginLockdown itself (README: Using the component); it keeps working until 1.0"
)


def origin_lockdown_with_rotation(
    name: str,
    args: OriginLockdownArgs,
    opts: pulumi.ResourceOptions | None = None,
    *,
    secret_rotation_days: int | None = None,
    rotation_guard: bool | None = None,
) -> OriginLockdown:
    """Deprecated: ``OriginLockdown(name, {**args, secret_rotation_days, rotation_guard}, opts)``, reading a
    0.2.0 stack's outputs once (:func:`stack_outputs_record`) and exporting the informational outputs
    (:func:`export_rotation_outputs`: at most one per stack). Raises
    :class:`~cloudfront_origin_lockdown.settings.SettingError` before any resource is registered."""
    warnings.warn(DEPRECATED, DeprecationWarning, stacklevel=2)
    merged: dict[str, Any] = dict(args)
    for key, value in (("secret_rotation_days", secret_rotation_days), ("rotation_guard", rotation_guard)):
        if value is None:
            continue
        if merged.get(key) is not None and merged[key] != value:
            raise SettingError(
                setting_key(key), value, f"given twice, differently: {merged[key]!r} in args; give it once"
            )
        merged[key] = value
    origin = OriginLockdown(name, _as_args(merged), opts, legacy_record=stack_outputs_record)
    pulumi.log.warn(DEPRECATED, resource=origin)
    export_rotation_outputs(origin)
    return origin


def _as_args(values: Mapping[str, Any]) -> OriginLockdownArgs:
    return cast(OriginLockdownArgs, dict(values))
