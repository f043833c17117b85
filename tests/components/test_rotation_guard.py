"""The rotation guard: a skipped step is refused, judged against what the stack last deployed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import pytest

from cloudfront_origin_lockdown.rotation import DeployedRotation, parse_deployed, rotation_step_problem
from offline.mocks import EngineState, ProgramError, operate, run_program
from offline.snapshot import UNKNOWN, reveal
from tests.components.rotation_world import record_in_aws

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


def deploy(config: dict[str, Any], state: EngineState | None = None) -> EngineState:
    """`pulumi up` from ``state`` (the engine's checkpoint: what AWS holds, the record included)."""
    result = operate("up", {"architecture": "alb", **config}, state)
    assert result.error is None, result.error
    return result.after


def test_program_exports_slot_names_and_never_values() -> None:
    outputs = deploy({"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}).outputs
    assert outputs["acceptedSecretSlots"] == ["v1", "v2"]
    assert outputs["activeSecretSlot"] == "v2"


@pytest.mark.parametrize("kind", ["up", "preview"])
def test_a_skipped_step_fails_before_any_resource_is_registered(kind: Literal["up", "preview"]) -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    refused = operate(kind, {"architecture": "alb", "secretSlots": ["v2"], "activeSecretSlot": "v2"}, deployed)
    assert refused.error is not None
    assert "invalid setting secretSlots: ['v2'] is not allowed; the deployed CloudFront still sends slot 'v1'" in str(
        refused.error
    )
    assert refused.run.resources == []


def test_the_documented_steps_chain_through_the_record_in_aws() -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    for step in (
        {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"},
        {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"},
        {"secretSlots": ["v2"], "activeSecretSlot": "v2"},
    ):
        deployed = deploy(step, deployed)
    assert deployed.outputs["activeSecretSlot"] == "v2"
    read = record_in_aws(deployed)
    assert read is not None and read.settled and read.sends == "v2" and read.accepted == ("v2",)


def test_the_guard_can_be_switched_off_for_an_emergency() -> None:
    deployed = deploy({"secretSlots": ["v1"], "activeSecretSlot": "v1"})
    outputs = deploy({"secretSlots": ["v2"], "activeSecretSlot": "v2", "rotationGuard": False}, deployed).outputs
    assert outputs["acceptedSecretSlots"] == ["v2"]


def test_a_stack_deployed_by_0_2_0_is_read_once_from_its_outputs() -> None:
    """No record in AWS yet: the program reads its own stack outputs (0.2.0's), as 0.2.0 did, and that deploy
    writes the record; every slot the outputs list stays accepted, since a failed 0.2.0 `pulumi up` may have
    switched CloudFront to any of them."""
    legacy = {"acceptedSecretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}
    # A skipped step is refused as 0.2.0 refused it.
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", "secretSlots": ["v2"], "activeSecretSlot": "v2"}, deployed_outputs=legacy)
    assert "the deployed CloudFront still sends slot 'v1'" in str(caught.value)
    # Retiring v2 (which 0.2.0's outputs list) keeps it, with a warning naming it, for this one deploy.
    migrated = operate(
        "up",
        {"architecture": "alb", "secretSlots": ["v1"], "activeSecretSlot": "v1"},
        EngineState(outputs=dict(legacy)),
    )
    assert migrated.error is None
    assert any("slot v2 stays accepted" in message and "0.2.0" in message for _, message in migrated.logs)
    values = reveal(migrated.run.one("aws:lb/listenerRule:ListenerRule").inputs)["conditions"][0]["httpHeader"]
    assert len(values["values"]) == 2
    read = record_in_aws(migrated.after)
    assert read is not None and read.settled and read.sends == "v1"
    # From then on the record rules and the outputs are never read again (these would be refused), and v2 goes.
    bogus = replace(migrated.after, outputs={"acceptedSecretSlots": ["v9"], "activeSecretSlot": "v9"})
    after = operate("up", {"architecture": "alb", "secretSlots": ["v1"], "activeSecretSlot": "v1"}, bogus)
    assert after.error is None
    assert record_in_aws(after.after).accepted == ("v1",)  # type: ignore[union-attr]


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_rotation_state_is_recorded_only_once_deployed(architecture: str) -> None:
    """At preview nothing has been updated yet, so nothing is recorded as accepted or sent."""
    config = {"architecture": architecture, "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}
    preview = run_program(config, preview=True).stack_outputs
    assert preview["acceptedSecretSlots"] == UNKNOWN and preview["activeSecretSlot"] == UNKNOWN
    up = run_program(config).stack_outputs
    assert up["acceptedSecretSlots"] == ["v1", "v2"] and up["activeSecretSlot"] == "v2"
