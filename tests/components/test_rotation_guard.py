"""The rotation guard: a skipped step is refused, judged against what the stack last deployed."""

from __future__ import annotations

from typing import Any

import pytest

from cloudfront_origin_lockdown.rotation import DeployedRotation, parse_deployed, rotation_step_problem
from offline.mocks import ProgramError, run_program
from offline.snapshot import UNKNOWN

V1 = DeployedRotation(accepted=("v1",), active="v1")
V1_V2 = DeployedRotation(accepted=("v1", "v2"), active="v1")
V1_V2_ON_V2 = DeployedRotation(accepted=("v1", "v2"), active="v2")


@pytest.mark.parametrize(
    ("deployed", "slots", "active"),
    [
        (None, ["v9"], "v9"),  # first deployment: nothing to compare
        (V1, ["v1"], "v1"),  # no change
        (V1, ["v1", "v2"], "v1"),  # step 1
        (V1_V2, ["v1", "v2"], "v2"),  # step 2
        (V1_V2_ON_V2, ["v2"], "v2"),  # step 3
        (V1_V2, ["v1"], "v1"),  # abandoning a rotation before switching is safe
    ],
)
def test_documented_steps_pass(deployed: DeployedRotation | None, slots: list[str], active: str) -> None:
    assert rotation_step_problem(deployed, slots, active) is None


def test_retiring_the_slot_cloudfront_sends_is_refused() -> None:
    problem = rotation_step_problem(V1_V2, ["v2"], "v2")
    assert problem is not None
    assert str(problem) == (
        "invalid setting secretSlots: ['v2'] is not allowed; the deployed CloudFront still sends slot 'v1'; keep "
        "it until activeSecretSlot has moved to another slot and that `pulumi up` has finished (README: Rotating "
        "the secret)"
    )


def test_switching_to_a_slot_the_origin_does_not_accept_yet_is_refused() -> None:
    problem = rotation_step_problem(V1, ["v1", "v2"], "v2")
    assert problem is not None
    assert str(problem) == (
        "invalid setting activeSecretSlot: 'v2' is not allowed; the deployed origin accepts only ['v1']; add 'v2' "
        "to secretSlots and run `pulumi up` before CloudFront switches to it (README: Rotating the secret)"
    )


@pytest.mark.parametrize(
    ("accepted", "active", "expected"),
    [
        (["v1", "v2"], "v1", DeployedRotation(("v1", "v2"), "v1")),
        (None, None, None),
        (["v1"], None, None),
        ("v1", "v1", None),
        ([1], "v1", None),
    ],
)
def test_parse_deployed(accepted: Any, active: Any, expected: DeployedRotation | None) -> None:
    assert parse_deployed(accepted, active) == expected


def deploy(config: dict[str, Any], deployed: dict[str, Any] | None = None, preview: bool = False) -> dict[str, Any]:
    return dict(
        run_program({"architecture": "alb", **config}, preview=preview, deployed_outputs=deployed).stack_outputs
    )


def test_program_exports_slot_names_and_never_values() -> None:
    outputs = deploy({"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"})
    assert outputs["acceptedSecretSlots"] == ["v1", "v2"]
    assert outputs["activeSecretSlot"] == "v2"


@pytest.mark.parametrize("preview", [False, True])
def test_a_skipped_step_fails_before_any_resource_is_registered(preview: bool) -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    with pytest.raises(ProgramError) as caught:
        run_program(
            {"architecture": "alb", "secretSlots": ["v2"], "activeSecretSlot": "v2"},
            preview=preview,
            deployed_outputs=deployed,
        )
    assert "invalid setting secretSlots: ['v2'] is not allowed; the deployed CloudFront still sends slot 'v1'" in str(
        caught.value
    )
    assert caught.value.run.resources == []


def test_the_documented_steps_chain_through_deployed_outputs() -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    for step in (
        {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"},
        {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"},
        {"secretSlots": ["v2"], "activeSecretSlot": "v2"},
    ):
        deployed = deploy(step, deployed)
    assert deployed["activeSecretSlot"] == "v2"


def test_the_guard_can_be_switched_off_for_an_emergency() -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    outputs = deploy({"secretSlots": ["v2"], "activeSecretSlot": "v2", "rotationGuard": False}, deployed)
    assert outputs["acceptedSecretSlots"] == ["v2"]


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_rotation_state_is_recorded_only_once_deployed(architecture: str) -> None:
    """At preview nothing has been updated yet, so nothing is recorded as accepted or sent."""
    config = {"architecture": architecture, "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}
    preview = run_program(config, preview=True).stack_outputs
    assert preview["acceptedSecretSlots"] == UNKNOWN and preview["activeSecretSlot"] == UNKNOWN
    up = run_program(config).stack_outputs
    assert up["acceptedSecretSlots"] == ["v1", "v2"] and up["activeSecretSlot"] == "v2"
