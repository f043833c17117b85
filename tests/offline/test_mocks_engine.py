"""offline.mocks.operate keeps the engine's checkpoint between operations, as the engine does."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from offline.mocks import CLOCK_VARIABLE, EngineState, Failure, operate
from offline.snapshot import UNKNOWN, reveal

# A password whose inputs come from config (so a test can change them), a resource that carries its value,
# and exports that depend on both, plus the clock the program read.
PROGRAM = """
import os
import pulumi
import pulumi_aws as aws
import pulumi_random as random

config = pulumi.Config()
keep = random.RandomPassword("keep", length=20, special=False)
change = random.RandomPassword("change", length=int(config.get("length") or 20), special=False)
shaped = random.RandomPassword(
    "shaped",
    length=int(config.get("length") or 20),
    special=False,
    opts=pulumi.ResourceOptions(ignore_changes=["length"]),
)
if config.get_bool("third"):
    random.RandomPassword("third", length=20, special=False)
carrier = aws.ssm.Parameter("carrier", type="SecureString", value=change.result)
pulumi.export("carried", carrier.value)
pulumi.export("keep", keep.result)
pulumi.export("clock", os.environ.get("ORIGIN_LOCKDOWN_NOW", ""))
pulumi.log.info("ran")
"""
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "__main__.py"
    path.write_text(PROGRAM)
    return path


def values(state: EngineState) -> dict[str, str]:
    return {
        urn.rsplit("::", 1)[1]: reveal(entry.outputs)["result"]
        for urn, entry in state.resources.items()
        if entry.type.startswith("random:")
    }


def test_an_unchanged_password_keeps_its_value_and_is_not_sent_to_the_provider(program: Path) -> None:
    first = operate("up", {}, program=program)
    second = operate("up", {}, first.after, program=program)
    assert second.error is None
    assert values(second.after) == values(first.after)
    assert second.changed == set() and second.deleted == set()
    assert second.after.outputs == first.after.outputs


def test_changed_inputs_replace_a_password_with_a_new_value(program: Path) -> None:
    first = operate("up", {}, program=program)
    second = operate("up", {"length": "24"}, first.after, program=program)
    assert values(second.after)["keep"] == values(first.after)["keep"]
    assert values(second.after)["change"] != values(first.after)["change"]
    assert len(values(second.after)["change"]) == 24
    assert {urn.rsplit("::", 1)[1] for urn in second.changed} == {"change", "carrier"}


def test_ignored_changes_keep_the_checkpoint_value_and_the_password(program: Path) -> None:
    first = operate("up", {}, program=program)
    second = operate("up", {"length": "24"}, first.after, program=program)
    assert values(second.after)["shaped"] == values(first.after)["shaped"]
    shaped = next(entry for urn, entry in second.after.resources.items() if urn.endswith("::shaped"))
    assert shaped.inputs["length"] == 20
    assert not any(urn.endswith("::shaped") for urn in second.changed)


def test_a_deleted_and_recreated_password_gets_a_new_value(program: Path) -> None:
    with_third = operate("up", {"third": "true"}, program=program)
    without = operate("up", {}, with_third.after, program=program)
    assert {urn.rsplit("::", 1)[1] for urn in without.deleted} == {"third"}
    again = operate("up", {"third": "true"}, without.after, program=program)
    assert values(again.after)["third"] != values(with_third.after)["third"]


@pytest.mark.parametrize("applied", [False, True])
def test_a_failure_keeps_the_old_outputs_and_records_only_what_reached_the_cloud(program: Path, applied: bool) -> None:
    first = operate("up", {}, program=program)
    failed = operate("up", {"length": "24"}, first.after, fail=Failure("carrier", applied=applied), program=program)
    assert failed.error is not None and "simulated provider failure on carrier" in str(failed.error)
    # The password was replaced before the carrier failed; the stack's outputs are the previous ones.
    assert values(failed.after)["change"] != values(first.after)["change"]
    assert failed.after.outputs == first.after.outputs
    carried = reveal(next(e for u, e in failed.after.resources.items() if u.endswith("::carrier")).inputs)["value"]
    assert (carried == values(failed.after)["change"]) is applied
    # A later run is not poisoned by the failure's leftovers.
    retry = operate("up", {"length": "24"}, failed.after, program=program)
    assert retry.error is None
    assert values(retry.after)["change"] == values(failed.after)["change"]


def test_a_refresh_that_runs_the_program_reads_state_skips_creates_and_rewrites_outputs(program: Path) -> None:
    first = operate("up", {}, program=program)
    refreshed = operate("refresh", {"length": "24", "third": "true"}, first.after, program=program)
    assert refreshed.error is None
    assert refreshed.after.resources == first.after.resources
    assert refreshed.changed == set()
    third = refreshed.run.by_name("third")
    assert third.outputs == {} and third.id == UNKNOWN, "a skipped create reports nothing"
    # The outputs are the program's, computed from the old state of every resource.
    assert reveal(refreshed.after.outputs["carried"]) == values(first.after)["change"]


def test_a_preview_knows_unchanged_outputs_and_changes_nothing(program: Path) -> None:
    first = operate("up", {}, program=program)
    preview = operate("preview", {"length": "24"}, first.after, program=program)
    assert preview.after is first.after
    assert reveal(preview.run.stack_outputs["keep"]) == values(first.after)["keep"]
    assert reveal(preview.run.stack_outputs["carried"]) == UNKNOWN


def test_the_clock_and_the_logs(program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CLOCK_VARIABLE, raising=False)
    run = operate("up", {}, now=NOW, program=program)
    assert run.after.outputs["clock"] == NOW.isoformat()
    assert ("info", "ran") in run.logs
    assert not any(level == "debug" for level, _ in run.logs)
    assert CLOCK_VARIABLE not in os.environ, "the clock leaked out of the run"


# --- what the rotation sequences need of the engine model (issue 19) ------------------------------------------

RECORDS = """
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
first = aws.ssm.Parameter("first", name="/p/s/first", type="String", insecure_value=config.get("value") or "1")
second = aws.ssm.Parameter("second", name="/p/s/second", type="String", insecure_value=config.get("value") or "1")
after = aws.ssm.Parameter(
    "after",
    name="/p/s/deeper/after",
    type="String",
    insecure_value=config.get("value") or "1",
    opts=pulumi.ResourceOptions(depends_on=[first]),
)
found = aws.ssm.get_parameters_by_path(path="/p/s")
pulumi.export("found", dict(zip(found.names, found.values)))
pulumi.export("label", config.get("label") or "old")
pulumi.export("status", aws.cloudfront.get_distribution(id="E1").status)
"""


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("records") / "__main__.py"
    path.write_text(RECORDS)
    return path


def held(state: EngineState) -> dict[str, str]:
    return {urn.rsplit("::", 1)[1]: reveal(entry.inputs)["insecureValue"] for urn, entry in state.resources.items()}


def test_a_parameter_lookup_reads_what_the_checkpoint_holds(records: Path) -> None:
    first = operate("up", {}, program=records)
    assert first.after.outputs["found"] == {}, "nothing in Parameter Store before the first update"
    second = operate("up", {"value": "2"}, first.after, program=records)
    # Read before this run changed them, directly under the path only (not recursive).
    assert second.after.outputs["found"] == {"/p/s/first": "1", "/p/s/second": "1"}


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        # The others go through (in flight, or independent); one that depends on the failed one cannot.
        (Failure("first"), {"first": "1", "second": "2", "after": "1"}),
        (Failure("first", applied=True), {"first": "2", "second": "2", "after": "1"}),
        # Stopped after the failure: what the program registers later is not started.
        (Failure("first", halt=True), {"first": "1", "second": "1", "after": "1"}),
        (Failure("second", halt=True), {"first": "2", "second": "1", "after": "1"}),
        # One of them not started, whatever its place in the program.
        (Failure("second", not_started=("first",)), {"first": "1", "second": "1", "after": "1"}),
    ],
)
def test_a_failure_leaves_any_subset_of_the_independent_resources_done(
    records: Path, fail: Failure, expected: dict[str, str]
) -> None:
    first = operate("up", {}, program=records)
    failed = operate("up", {"value": "2"}, first.after, fail=fail, program=records)
    assert failed.error is not None
    assert held(failed.after) == expected


@pytest.mark.parametrize("recorded", [False, True])
def test_outputs_a_failed_update_registered_are_recorded_or_not(records: Path, recorded: bool) -> None:
    first = operate("up", {}, program=records)
    failed = operate(
        "up",
        {"label": "new", "value": "2"},
        first.after,
        fail=Failure("first", outputs_recorded=recorded),
        program=records,
    )
    assert failed.error is not None
    assert failed.after.outputs["label"] == ("new" if recorded else "old")


def test_the_distribution_status_is_the_worlds_until_this_run_updates_it(records: Path) -> None:
    assert operate("up", {}, program=records).after.outputs["status"] == "Deployed"
    assert operate("up", {}, program=records, distribution_status="InProgress").after.outputs["status"] == "InProgress"


def test_extra_environment_for_one_run(program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CLOCK_VARIABLE, raising=False)
    run = operate("up", {}, program=program, environ={CLOCK_VARIABLE: "2026-01-02T00:00:00Z"})
    assert run.after.outputs["clock"] == "2026-01-02T00:00:00Z"
    assert CLOCK_VARIABLE not in os.environ


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_a_second_up_of_a_vpc_origin_stack_finds_cloudfronts_service_group(architecture: str) -> None:
    """CloudFront's service group exists from the first VPC origin on: the second `pulumi up` (the VPC origin in the
    checkpoint, not created again) finds it too, as every later step of such a stack needs."""
    config = {"architecture": architecture, "vpcOrigin": True}
    first = operate("up", config)
    assert first.error is None, first.error
    second = operate("up", config, first.after)
    assert second.error is None, second.error
    assert not second.changed  # the same program again: nothing to send
