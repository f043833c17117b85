"""Guard the secret rotation against skipped steps, using what the stack last deployed.

Validating one configuration cannot see that a step was skipped: going from ``[v1]``/``v1`` straight to
``[v2]``/``v2`` is a valid configuration, yet it retires ``v1`` while CloudFront, until its new
configuration has deployed to every edge, still sends it, so requests are refused. The program
exports the slot *names* (never values) it deployed; on the next run it reads them back through a
StackReference to its own stack and refuses a step that:

* retires the slot CloudFront currently sends (switch ``activeSecretSlot`` first, then retire it), or
* makes CloudFront send a slot the deployed origin did not accept yet (add it to ``secretSlots`` first).

A stack that has never been deployed, or whose outputs predate these names, has nothing to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def rotation_step_problem(deployed: DeployedRotation | None, slots: Sequence[str], active: str) -> SettingError | None:
    """Why moving from ``deployed`` to (``slots``, ``active``) would refuse requests, or ``None``."""
    if deployed is None:
        return None
    if deployed.active not in slots:
        return SettingError(
            "secretSlots",
            list(slots),
            f"the deployed CloudFront still sends slot {deployed.active!r}; keep it until activeSecretSlot has "
            f"moved to another slot and that `pulumi up` has finished (README: Rotating the secret)",
        )
    if active != deployed.active and active not in deployed.accepted:
        return SettingError(
            "activeSecretSlot",
            active,
            f"the deployed origin accepts only {list(deployed.accepted)}; add {active!r} to secretSlots and run "
            f"`pulumi up` before CloudFront switches to it (README: Rotating the secret)",
        )
    return None


def parse_deployed(accepted: Any, active: Any) -> DeployedRotation | None:
    """The deployed state from raw stack outputs; ``None`` when absent or malformed."""
    if not isinstance(active, str) or not isinstance(accepted, list):
        return None
    if not all(isinstance(slot, str) for slot in accepted):
        return None
    return DeployedRotation(accepted=tuple(accepted), active=active)


def read_deployed_rotation() -> DeployedRotation | None:
    """Read this stack's last deployed rotation state (its own outputs) before any resource registers."""
    own_stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference("deployed-rotation-state", stack_name=own_stack)
    accepted = _sync_await(reference.get_output_details(ACCEPTED_OUTPUT)).value
    active = _sync_await(reference.get_output_details(ACTIVE_OUTPUT)).value
    return parse_deployed(accepted, active)
