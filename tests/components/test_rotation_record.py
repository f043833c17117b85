"""The record of rotation intent survives a failed `pulumi up` (issue 19).

The sequences run the real program under the engine-like mocks with the engine's checkpoint carried between
operations; the world model (``rotation_world.Deployments``) checks, at every `pulumi up`, every value an edge
may send against every state each origin-side resource may be in.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cloudfront_origin_lockdown.auto_rotation import CLOCK_VARIABLE, PINNED_VARIABLE, DeployClock, read_clock
from cloudfront_origin_lockdown.component_rotation import decide_rotation
from cloudfront_origin_lockdown.rotation_record import (
    NOTHING_SETTLED,
    GuardedSlots,
    RecordError,
    RecordState,
    Settled,
    from_stack_outputs,
    guard_slots,
    next_intent,
    parse_records,
    record_names,
    settled_record,
    texts_by_name,
)
from cloudfront_origin_lockdown.settings import SettingError, Settings
from offline.mocks import Failure, OperationResult
from tests.components.rotation_world import Deployments

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
PERIOD = 7
VARIANTS: dict[str, dict[str, Any]] = {
    "alb": {"architecture": "alb"},
    "alb+waf": {"architecture": "alb", "waf": True},
    "direct": {"architecture": "direct"},
}


# alb+waf has the ALB rule too; alb alone runs through the same sequences in `make test-sequences`.
@pytest.mark.parametrize("variant", ["alb+waf", "direct"])
def test_the_issue_example_turning_rotation_off_after_a_step_that_failed_at_the_distribution(variant: str) -> None:
    """Automatic rotation is on; step 1's `pulumi up` updates the carriers and the distribution, then fails while
    waiting for the distribution to deploy (CloudFront already sends auto-0); the operator turns rotation off with
    the stack file's slots ([v1]/v1). Every value an edge may send must stay accepted."""
    d = Deployments({**VARIANTS[variant], "secretRotationDays": PERIOD})
    assert d.up(T0).error is None
    failed = d.up(T0 + PERIOD * DAY, fail=Failure("origin-cdn", applied=True))
    assert failed.error is not None
    d.config = {**VARIANTS[variant], "secretRotationDays": 0, "secretSlots": ["v1"], "activeSecretSlot": "v1"}
    d.up(T0 + PERIOD * DAY + timedelta(minutes=10))
    assert [str(v) for v in d.violations] == []


# --- the record's pure parts -------------------------------------------------------------------------------

NAMES = record_names("cloudfront-origin-lockdown", "dev", "origin")
STEP = {"step": 1, "steppedAt": "2026-03-09T06:17:00Z", "sends": "auto-0"}


def intent(**change: Any) -> str:
    value = {
        "format": 1,
        "generation": 2,
        "slots": ["v1", "auto-0", "auto-1"],
        "sends": "auto-0",
        "mayBeSending": ["auto-0", "v1"],
        "accepted": ["v1", "auto-0"],
        "rotation": STEP,
        **change,
    }
    return json.dumps(value)


def settled(**change: Any) -> str:
    return json.dumps(
        {"format": 1, "generation": 2, "sends": "auto-0", "accepted": ["v1", "auto-0", "auto-1"], **change}
    )


def test_names_are_one_record_per_component_under_the_stack() -> None:
    assert NAMES.intent == "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/intent"
    assert NAMES.settled == "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/settled"
    assert record_names("p", "s", "shop").path != record_names("p", "s", "blog").path


def test_the_pulumi_organization_is_in_the_path_when_there_is_one() -> None:
    """Two Pulumi organizations may hold stacks of the same names in one account and region (finding 5); a
    self-managed backend reports the placeholder ``organization``, which is left out."""
    acme = record_names("shop", "dev", "origin", "acme")
    assert acme.path == "/cloudfront-origin-lockdown/acme/shop/dev/origin/rotation"
    assert acme.path != record_names("shop", "dev", "origin", "globex").path
    assert record_names("shop", "dev", "origin", "organization").path == record_names("shop", "dev", "origin").path
    # A user's project never starts the path, so SSM's reserved "aws"/"ssm" prefixes cannot meet it.
    assert record_names("awsome-shop", "dev", "origin").path.startswith("/cloudfront-origin-lockdown/awsome-shop/")


def test_nothing_recorded_is_none_and_both_parts_round_trip() -> None:
    assert parse_records(None, None) is None
    read = parse_records(intent(), settled())
    assert read is not None and read.settled and read.sends == "auto-0"
    assert read.may_be_sending == {"auto-0"} and read.accepted == ("v1", "auto-0", "auto-1")
    assert parse_records(read.intent.to_json(), read.last_settled.to_json()) == read  # type: ignore[union-attr]


def test_an_intent_not_settled_yet_stands_for_the_worst_case() -> None:
    for settled_text in (None, settled(generation=1), NOTHING_SETTLED.to_json()):
        read = parse_records(intent(), settled_text)
        assert read is not None and not read.settled and read.sends is None
        assert read.may_be_sending == {"v1", "auto-0"} and read.accepted == ("v1", "auto-0")
        assert read.deployed() is None


@pytest.mark.parametrize(
    ("intent_text", "settled_text", "why"),
    [
        ("{", None, "intent is not JSON"),
        (intent(format=2), None, "intent is not a record of format 1"),
        (intent(generation=0), None, "generation 0 is not a whole number from 1"),
        (intent(generation=True), None, "generation True is not a whole number from 1"),
        (intent(slots="v1"), None, "slots is not a list of slot names"),
        (intent(slots=["v1", "v1"], sends="v1", accepted=[], mayBeSending=["v1"], rotation=None), None, "repeats"),
        (intent(slots=["V1"], sends="V1"), None, "slots is not a list of slot names"),
        (intent(sends="v9"), None, "sends 'v9' is not one of the slots"),
        (intent(mayBeSending=["v1"]), None, "mayBeSending ['v1'] leaves out sends 'auto-0'"),
        (intent(mayBeSending=[]), None, "mayBeSending is empty"),
        (intent(accepted=["v9"]), None, "accepted ['v9'] is not within the slots"),
        (intent(rotation={**STEP, "sends": "v1"}), None, "does not send 'auto-0'"),
        (intent(rotation={"step": "one"}), None, "is unreadable"),
        (None, settled(), "there is a settled record but no intent record"),
        (intent(), settled(generation=3), "the settled record's generation 3 is newer than the intent's 2"),
        (intent(), settled(sends="v9"), "names slots that its intent record does not deploy"),
        (intent(), settled(accepted=["v9"]), "names slots that its intent record does not deploy"),
        (intent(), settled(generation=0), "generation 0 settles nothing, yet names slots"),
        (intent(), settled(sends=7), "sends 7 is not a slot name"),
    ],
)
def test_an_unreadable_record_is_refused_with_the_reason(
    intent_text: str | None, settled_text: str | None, why: str
) -> None:
    with pytest.raises(RecordError) as caught:
        parse_records(intent_text, settled_text)
    assert why in str(caught.value)


def test_a_value_that_is_no_text_reads_as_unreadable() -> None:
    texts = texts_by_name(
        {"names": [NAMES.intent, NAMES.settled, "/other"], "values": [{"a": 1}, settled(), "x"]}, NAMES
    )
    assert texts == ("{'a': 1}", settled())
    assert texts_by_name({}, NAMES) == (None, None)
    with pytest.raises(RecordError):
        parse_records(*texts)


def test_the_same_target_keeps_the_intent_and_a_new_one_starts_a_generation_covering_both() -> None:
    read = parse_records(intent(), settled())
    assert read is not None
    same = next_intent(read, ["v1", "auto-0", "auto-1"], "auto-0", STEP)
    assert same is read.intent, "a deploy that changes nothing must not rewrite the record"
    moved = next_intent(read, ["auto-0", "auto-1", "auto-2"], "auto-1", {**STEP, "step": 2, "sends": "auto-1"})
    assert moved.generation == 3
    assert moved.may_be_sending == ("auto-0", "auto-1")  # what it may send now, and the new one
    assert moved.accepted == ("auto-0", "auto-1")  # accepted before and after
    unsettled = parse_records(moved.to_json(), settled())
    assert unsettled is not None and not unsettled.settled
    assert next_intent(unsettled, moved.slots, moved.sends, moved.rotation) is unsettled.intent, "a retry"
    # Undoing before it settled: the worst case stays until a settled record; v1, dropped, is no longer sure.
    undo = next_intent(unsettled, ["v1", "auto-0", "auto-1"], "auto-0", None)
    assert (undo.generation, undo.may_be_sending, undo.accepted) == (4, ("auto-0", "auto-1"), ("auto-0", "auto-1"))


def test_the_first_record_assumes_the_worst() -> None:
    first = next_intent(None, ["v1", "v2"], "v2", None)
    assert (first.generation, first.may_be_sending, first.accepted) == (1, ("v1", "v2"), ())


def test_a_settled_record_only_when_cloudfront_reports_deployed() -> None:
    read = parse_records(intent(), settled(generation=1))
    assert read is not None
    at = T0 + DAY
    assert settled_record(read.intent, read.last_settled, "Deployed", ["v1"], "auto-0", at, "E1") == Settled(
        2, "auto-0", ("v1",), {"v1": "2026-03-03T06:17:00Z"}, "E1"
    )
    assert settled_record(read.intent, read.last_settled, "InProgress", ["v1"], "auto-0", at) == read.last_settled
    assert settled_record(read.intent, None, "InProgress", ["v1"], "auto-0", at) == NOTHING_SETTLED


def test_a_settled_record_keeps_when_a_slot_was_first_accepted_while_it_stays_accepted() -> None:
    first = parse_records(
        intent(generation=1, rotation=None, slots=["v1"], sends="v1", mayBeSending=["v1"], accepted=[]), None
    )
    assert first is not None
    one = settled_record(first.intent, None, "Deployed", ["v1"], "v1", T0)
    assert one.learned_at == {"v1": "2026-03-02T06:17:00Z"}
    added = next_intent(parse_records(first.intent.to_json(), one.to_json()), ["v1", "v2"], "v1", None)
    two = settled_record(added, one, "Deployed", ["v1", "v2"], "v1", T0 + DAY)
    assert two.learned_at == {"v1": "2026-03-02T06:17:00Z", "v2": "2026-03-03T06:17:00Z"}
    # Round trip; a settled record written before learnedAt existed reads as "not known since when".
    assert parse_records(added.to_json(), two.to_json()).last_settled == two  # type: ignore[union-attr]
    old = json.loads(two.to_json())
    del old["learnedAt"]
    legacy = parse_records(added.to_json(), json.dumps(old))
    assert legacy is not None and legacy.learned_at("v2") is None and legacy.accepted == ("v1", "v2")


def test_the_guard_keeps_what_cloudfront_may_still_send_and_says_so() -> None:
    read = parse_records(intent(), None)
    guarded = guard_slots(read, NAMES, ["v1"], "v1", guard_on=True)
    assert guarded.slots == ("v1", "auto-0") and guarded.kept == ("auto-0",)
    assert guarded.warnings == (
        "secret rotation: slot auto-0 stays accepted whatever secretSlots says: CloudFront may still be sending it; "
        "the `pulumi up` that switched the distribution to 'auto-0' has not been seen deployed (record "
        "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/intent: CloudFront may be sending "
        "['auto-0', 'v1']). It can go once a `pulumi up` has finished with the distribution deployed.",
    )
    # Off: the emergency path takes the settings as they are.
    assert guard_slots(read, NAMES, ["v1"], "v1", guard_on=False) == GuardedSlots(("v1",), (), ())


def test_the_guard_refuses_what_would_refuse_requests() -> None:
    read = parse_records(intent(), settled())
    with pytest.raises(SettingError) as dropped:
        guard_slots(read, NAMES, ["auto-1"], "auto-1", guard_on=True)
    assert str(dropped.value).startswith(
        "invalid setting secretSlots: ['auto-1'] is not allowed; the deployed CloudFront still sends slot 'auto-0'"
    )
    with pytest.raises(SettingError) as unlearned:
        guard_slots(read, NAMES, ["auto-0", "v3"], "v3", guard_on=True)
    assert str(unlearned.value).startswith(
        "invalid setting activeSecretSlot: 'v3' is not allowed; the deployed origin accepts only ['v1', 'auto-0', "
        "'auto-1']; add 'v3' to secretSlots"
    )
    wide = parse_records(
        intent(slots=["a", "b", "c", "d", "e"], sends="a", mayBeSending=["a", "b", "c"], accepted=["a"], rotation=None),
        None,
    )
    with pytest.raises(SettingError) as crowded:
        guard_slots(wide, NAMES, ["a", "x", "y", "z"], "a", guard_on=True)
    assert "CloudFront may still be sending ['b', 'c'], which stay accepted: with them the origin would accept 6" in (
        str(crowded.value)
    )


def test_a_0_2_0_stack_is_judged_by_its_outputs_once() -> None:
    legacy = from_stack_outputs(["v1", "v2"], "v1", None)
    assert legacy is not None and legacy.source == "stack outputs" and not legacy.settled
    assert legacy.may_be_sending == {"v1", "v2"}
    guarded = guard_slots(legacy, NAMES, ["v1"], "v1", guard_on=True)
    assert guarded.kept == ("v2",) and "no rotation record in AWS yet (deployed by 0.2.0)" in guarded.warnings[0]
    assert next_intent(legacy, ["v1", "v2"], "v1", None).generation == 1, "the first record, even for the same slots"
    for bad in ((None, "v1", None), (["v1"], "v2", None), (["v1"], "v1", {"step": 0, "steppedAt": "x", "sends": "v1"})):
        assert from_stack_outputs(*bad) is None


# --- the decision: record, legacy, clock ---------------------------------------------------------------------


def clock(now: datetime = T0, pinned: bool = False) -> Callable[[], DeployClock]:
    return lambda: DeployClock(now=now, pinned=pinned)


def test_an_unreadable_record_stops_the_guard_unless_it_is_off() -> None:
    texts = ("{", settled(generation=5))
    with pytest.raises(SettingError) as caught:
        decide_rotation(Settings(), NAMES, texts, clock())
    assert str(caught.value).startswith(
        "invalid setting rotationGuard: True is not allowed; the rotation record in AWS "
        "(/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/intent, "
        "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/settled) is unreadable: intent is "
        "not JSON."
    )
    off = decide_rotation(Settings(rotation_guard=False), NAMES, texts, clock())
    assert off.intent.generation == 6, "above every generation still readable, so the stale part cannot match"
    assert off.warnings and "unreadable" in off.warnings[0]


def test_the_stack_outputs_are_read_only_when_aws_has_no_record() -> None:
    calls: list[str] = []

    def legacy() -> RecordState | None:
        calls.append("read")
        return from_stack_outputs(["v1"], "v1", None)

    with pytest.raises(SettingError):
        decide_rotation(Settings(), NAMES, (intent(), settled()), clock(), legacy)  # v1 is not accepted any more
    assert calls == []
    decide_rotation(Settings(), NAMES, (None, None), clock(), legacy)
    assert calls == ["read"]


def test_automatic_rotation_finishes_a_step_not_seen_deployed_before_the_next() -> None:
    days = Settings(secret_rotation_days=7, secret_slots=("v1",), active_secret_slot="v1")
    late = T0 + timedelta(days=100)
    decision = decide_rotation(days, NAMES, (intent(), settled(generation=1)), clock(late))
    assert (decision.slots, decision.active) == (("v1", "auto-0", "auto-1"), "auto-0")
    assert decision.intent.generation == 2, "the same intent: nothing new to record"
    assert decision.notes[0].startswith(
        "secret rotation: step 1 has not been seen deployed (CloudFront may be sending any of ['auto-0', 'v1']): this "
        "deploy finishes it with the same values"
    )
    settled_now = decide_rotation(days, NAMES, (intent(), settled()), clock(late))
    assert settled_now.automatic is not None and settled_now.automatic.record.step == 2


def test_an_update_that_takes_a_step_on_an_unpinned_clock_names_it() -> None:
    days = Settings(secret_rotation_days=7, secret_slots=("v1",), active_secret_slot="v1")
    due = T0 + timedelta(days=15)
    warned = decide_rotation(days, NAMES, (intent(), settled()), clock(due), dry_run=False).warnings
    assert warned == (
        "secret rotation: this update takes step 2, due since 2026-03-16T06:17:00Z: a preview run before then did not "
        "show it. Pin the deploy's clock (make up and the workflows pin ORIGIN_LOCKDOWN_DEPLOY_TIME) so that the "
        "preview you approve shows the step the update takes",
    )
    assert decide_rotation(days, NAMES, (intent(), settled()), clock(due), dry_run=True).warnings == ()
    assert decide_rotation(days, NAMES, (intent(), settled()), clock(due, pinned=True), dry_run=False).warnings == ()


# --- the clock ------------------------------------------------------------------------------------------------

NOW_TEXT = "2026-03-02T06:17:00Z"


@pytest.mark.parametrize(
    ("pinned", "expected"),
    [
        ("2026-03-02T06:17:00Z", T0),
        ("2026-03-02T06:22:00Z", T0 + timedelta(minutes=5)),  # a little skew between machines
        ("2026-03-01T18:17:00Z", T0 - timedelta(hours=12)),  # the preview was read for twelve hours
    ],
)
def test_a_pinned_deploy_time_is_the_runs_clock(pinned: str, expected: datetime) -> None:
    clock_now = read_clock({CLOCK_VARIABLE: NOW_TEXT, PINNED_VARIABLE: pinned})
    assert clock_now.now == expected and clock_now.pinned
    assert clock_now.notes[0].startswith("secret rotation: this deploy's clock is pinned to ")


@pytest.mark.parametrize(
    ("pinned", "why"),
    [
        ("2026-03-02T06:22:01Z", "it is ahead of the clock (2026-03-02T06:17:00Z): a deploy time in the future"),
        (
            "2026-03-01T18:16:59Z",
            "it was pinned 0.5 days ago (at most 12 hours): the preview it was pinned for is stale",
        ),
        ("yesterday", "expected an ISO 8601 time with a time zone"),
        ("2026-03-02T06:17:00", "expected an ISO 8601 time with a time zone"),
    ],
)
def test_a_pinned_deploy_time_must_be_now_or_a_little_before(pinned: str, why: str) -> None:
    with pytest.raises(SettingError) as caught:
        read_clock({CLOCK_VARIABLE: NOW_TEXT, PINNED_VARIABLE: pinned})
    assert str(caught.value).startswith(
        f"invalid setting ORIGIN_LOCKDOWN_DEPLOY_TIME: {pinned!r} is not allowed; {why}"
    )
    assert "export ORIGIN_LOCKDOWN_DEPLOY_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ) (make up does)" in str(caught.value)


def test_no_pin_is_the_clock() -> None:
    assert read_clock({CLOCK_VARIABLE: NOW_TEXT}) == DeployClock(
        now=T0,
        pinned=False,
        warnings=(
            f"secret rotation: the clock is set by ORIGIN_LOCKDOWN_NOW={NOW_TEXT}; unset it "
            "outside tests and rehearsals",
        ),
    )
    real = read_clock({PINNED_VARIABLE: " "})
    assert not real.pinned and abs((real.now - datetime.now(timezone.utc)).total_seconds()) < 60


# --- one clock per deploy, through the program ----------------------------------------------------------------


def inputs_by_name(result: OperationResult) -> dict[str, Any]:
    return {r.name: r.inputs for r in result.run.resources}


@pytest.fixture(scope="module")
def step_two_due() -> tuple[Deployments, datetime]:
    """direct, automatic every 7 days: step 1 taken at T0 + 7 days, so step 2 falls due at T0 + 14 days."""
    d = Deployments({**VARIANTS["direct"], "secretRotationDays": PERIOD})
    for days in (0, PERIOD):
        assert d.up(T0 + days * DAY).error is None
    return d, T0 + 2 * PERIOD * DAY


def test_either_side_of_a_period_boundary_only_the_step_differs(step_two_due: tuple[Deployments, datetime]) -> None:
    boundary, second = step_two_due[1], timedelta(seconds=1)
    early = copy.deepcopy(step_two_due[0]).up(boundary - second)
    late = copy.deepcopy(step_two_due[0]).up(boundary + second)
    before, after = inputs_by_name(early), inputs_by_name(late)
    # A second early: exactly what is deployed (no change at all).
    assert early.error is None and early.changed == set()
    # A second late: the step, and nothing else.
    assert late.error is None
    assert set(after) - set(before) == {"origin-secret-auto-2"}
    assert set(before) - set(after) == {"origin-secret-v1"}
    assert {name for name in set(before) & set(after) if before[name] != after[name]} == {
        "origin-rotation-intent",
        "origin-accepted-secrets",
        "origin-cdn",
        "origin-rotation-settled",
    }


def test_a_pinned_clock_takes_the_step_its_preview_showed(step_two_due: tuple[Deployments, datetime]) -> None:
    """The preview runs a second before the period ends, the update (after the person read it) a minute after:
    pinned, the update does what the preview showed; bare, it takes step 2 and says so in its log."""
    d, boundary = copy.deepcopy(step_two_due[0]), step_two_due[1]
    pin = {PINNED_VARIABLE: (boundary - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    shown = d.preview(boundary - timedelta(seconds=1), environ=pin)
    taken = d.up(boundary + timedelta(minutes=1), environ=pin)
    assert taken.error is None and taken.changed == set()
    assert inputs_by_name(taken) == inputs_by_name(shown)
    assert not any("this update takes step" in message for _, message in taken.logs)

    bare = copy.deepcopy(step_two_due[0])
    stepped = bare.up(boundary + timedelta(minutes=1))
    assert stepped.error is None and "origin-secret-auto-2" in inputs_by_name(stepped)
    assert (
        "warning",
        "secret rotation: this update takes step 2, due since 2026-03-16T06:17:00Z: a preview run before then did not "
        "show it. Pin the deploy's clock (make up and the workflows pin ORIGIN_LOCKDOWN_DEPLOY_TIME) so that the "
        "preview you approve shows the step the update takes",
    ) in stepped.logs


def test_the_stamp_fits_the_distributions_comment_whatever_the_components_name() -> None:
    """The comment holds 128 characters (API_DistributionConfig); the longest allowed name (99: settings) gives up
    characters to the stamp, never the other way round: the stamp is what makes a new intent an update."""
    from cloudfront_origin_lockdown.cdn import distribution_comment
    from cloudfront_origin_lockdown.rotation_record import ROTATION_STAMP_MAX, rotation_stamp

    stamp = rotation_stamp(next_intent(None, ["v1"], "v1", None))
    assert stamp.startswith("rotation intent 1-") and len(stamp) <= ROTATION_STAMP_MAX
    assert distribution_comment("web", stamp) == f"web: origin locked to CloudFront; {stamp}"
    longest = "n" * 99
    assert distribution_comment(longest) == f"{longest}: origin locked to CloudFront"
    cut = distribution_comment(longest, "rotation intent 999999999999-01234567")
    assert len(cut) == 128 and cut.endswith("~: origin locked to CloudFront; rotation intent 999999999999-01234567")
