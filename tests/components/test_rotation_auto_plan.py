"""Automatic rotation's pure parts: the step planner, its record, the clock, the reported-state readers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cloudfront_origin_lockdown.auto_rotation import (
    RotationRecord,
    clock_override_warning,
    deploy_time,
    generation_of,
    parse_record,
    plan_automatic_rotation,
)
from cloudfront_origin_lockdown.cdn import reported_header_value
from cloudfront_origin_lockdown.config import load_settings
from cloudfront_origin_lockdown.load_balancer import reported_rule_values
from cloudfront_origin_lockdown.origin_secret import reported_parameter_values
from cloudfront_origin_lockdown.rotation import DeployedRotation, recorded_rotation, rotation_step_problem
from cloudfront_origin_lockdown.settings import SettingError, check_secret_rotation_days, requires_guard_problem
from cloudfront_origin_lockdown.waf import ALLOW_RULE_NAME, reported_allowed_values

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def deployed(accepted: list[str], active: str) -> DeployedRotation:
    return DeployedRotation(accepted=tuple(accepted), active=active)


def raw(step: int, days_ago: float, sends: str) -> dict[str, Any]:
    return RotationRecord(step, NOW - days_ago * DAY, sends).to_output()


# (deployed slots, deployed active, raw record, -> planned slots, planned active, step recorded once in effect)
PLANS = [
    # Turning it on: a new stack, or one settled on one slot (named by hand or by an earlier automatic run).
    (None, None, None, ("v1", "auto-0"), "v1", 0),
    (["v1"], "v1", None, ("v1", "auto-0"), "v1", 0),
    # Within the period: exactly what is deployed.
    (["v1", "auto-0"], "v1", raw(0, 6.9, "v1"), ("v1", "auto-0"), "v1", 0),
    (["auto-3", "auto-4", "auto-5"], "auto-4", raw(5, 6.99, "auto-4"), ("auto-3", "auto-4", "auto-5"), "auto-4", 5),
    # Due: one step, whatever the pause.
    (["v1", "auto-0"], "v1", raw(0, 7, "v1"), ("v1", "auto-0", "auto-1"), "auto-0", 1),
    (["v1", "auto-0", "auto-1"], "auto-0", raw(1, 7, "auto-0"), ("auto-0", "auto-1", "auto-2"), "auto-1", 2),
    (["auto-3", "auto-4", "auto-5"], "auto-4", raw(5, 400, "auto-4"), ("auto-4", "auto-5", "auto-6"), "auto-5", 6),
    # A refresh that ran the program recorded only what the resources report (a subset): still one step.
    (["auto-4", "auto-5"], "auto-4", raw(5, 8, "auto-4"), ("auto-4", "auto-5", "auto-6"), "auto-5", 6),
    # CloudFront already sends the newest value (a failed `pulumi up` got that far): finish the step now.
    (["auto-4", "auto-5", "auto-6"], "auto-5", raw(5, 0.01, "auto-4"), ("auto-4", "auto-5", "auto-6"), "auto-5", 6),
    # Due, but the value to switch to is not reported accepted: restore it, no switch this time.
    (["auto-3", "auto-4"], "auto-4", raw(5, 8, "auto-4"), ("auto-3", "auto-4", "auto-5"), "auto-4", 5),
]


@pytest.mark.parametrize(("accepted", "active", "record", "slots", "sends", "step"), PLANS)
def test_plans(
    accepted: list[str] | None,
    active: str | None,
    record: dict[str, Any] | None,
    slots: tuple[str, ...],
    sends: str,
    step: int,
) -> None:
    state = deployed(accepted, active) if accepted is not None and active is not None else None
    plan = plan_automatic_rotation(7, ["v1"], "v1", state, record, NOW)
    assert (plan.slots, plan.active, plan.record.step) == (slots, sends, step)
    # Every plan is a step the rotation guard lets through, and fits an ALB rule (5 values) with room.
    assert rotation_step_problem(state, plan.slots, plan.active) is None
    assert 2 <= len(plan.slots) <= 3
    # A step is stamped now; no step keeps the recorded time.
    if record is not None and step == record["step"]:
        assert plan.record.stepped_at == parse_record(record).stepped_at  # type: ignore[union-attr]
    else:
        assert plan.record.stepped_at == NOW


def test_a_postponed_step_is_a_warning() -> None:
    plan = plan_automatic_rotation(7, ["v1"], "v1", deployed(["auto-3", "auto-4"], "auto-4"), raw(5, 8, "auto-4"), NOW)
    assert not plan.steps
    assert plan.warning == (
        "secret rotation: step 6 postponed; the origin does not report accepting auto-5 yet: this deploy restores "
        "it, the next one steps"
    )


def test_starting_from_an_automatic_slot_continues_its_numbering() -> None:
    """After taking over by hand and settling on auto-7, the next generation is auto-8, never a live name."""
    plan = plan_automatic_rotation(30, ["auto-7"], "auto-7", deployed(["auto-7"], "auto-7"), None, NOW)
    assert plan.slots == ("auto-7", "auto-8") and plan.record.step == 8


@pytest.mark.parametrize(
    ("accepted", "reported_active", "expected_step"),
    [
        (["auto-4", "auto-5", "auto-6"], "auto-5", 6),  # the step is in effect: record it
        (["auto-4", "auto-5"], "auto-4", 5),  # nothing changed (a refresh): keep the old record
        (["auto-4", "auto-5", "auto-6"], "auto-4", 5),  # learned, not switched: keep the old record
        (["auto-4", "auto-5"], "auto-5", 5),  # switched, the new value not reported: keep
    ],
)
def test_the_record_counts_a_step_only_when_the_resources_report_it(
    accepted: list[str], reported_active: str, expected_step: int
) -> None:
    plan = plan_automatic_rotation(
        7, ["v1"], "v1", deployed(["auto-3", "auto-4", "auto-5"], "auto-4"), raw(5, 8, "auto-4"), NOW
    )
    assert plan.steps and plan.record.step == 6
    exported = plan.record_to_export(accepted, reported_active)
    assert exported is not None and exported["step"] == expected_step


def test_the_first_record_is_none_until_the_resources_report_it() -> None:
    plan = plan_automatic_rotation(7, ["v1"], "v1", deployed(["v1"], "v1"), None, NOW)
    assert plan.record_to_export(["v1"], "v1") is None
    assert plan.record_to_export(["v1", "auto-0"], "v1") == {
        "step": 0,
        "steppedAt": "2026-05-01T12:00:00Z",
        "sends": "v1",
    }


@pytest.mark.parametrize(
    ("slots", "active", "state", "record", "message"),
    [
        (
            ["v1", "v2"],
            "v1",
            None,
            None,
            "invalid setting secretSlots: ['v1', 'v2'] is not allowed; with secretRotationDays set, expected exactly "
            "[activeSecretSlot] (['v1']): automatic rotation manages the slots itself, starting from the one value "
            "CloudFront sends; to rotate by hand, set secretRotationDays to 0 first (README: Rotating the secret)",
        ),
        (
            ["v1"],
            "v1",
            deployed(["v1", "v2"], "v2"),
            None,
            "invalid setting secretRotationDays: 7 is not allowed; a rotation is in progress: the deployed origin "
            "accepts ['v1', 'v2'] and CloudFront sends 'v2'; finish it by hand (one slot left) before turning on "
            "automatic rotation (README: Rotating the secret)",
        ),
        (
            ["v1"],
            "v1",
            deployed(["v2"], "v2"),
            None,
            "invalid setting activeSecretSlot: 'v1' is not allowed; the deployed CloudFront sends slot 'v2'; automatic "
            "rotation starts from it: set secretSlots to ['v2'] and activeSecretSlot to 'v2' (README: Rotating the "
            "secret)",
        ),
        (
            ["v1"],
            "v1",
            None,
            raw(2, 1, "auto-1"),
            "invalid setting secretRotationDays: 7 is not allowed; the stack recorded rotation step 2 but not the "
            "slots it deployed",
        ),
        (
            ["v1"],
            "v1",
            deployed(["auto-1", "auto-2"], "auto-0"),
            raw(2, 1, "auto-1"),
            "invalid setting secretRotationDays: 7 is not allowed; the stack recorded rotation step 2, which sends "
            "slot 'auto-1', but the deployed CloudFront sends 'auto-0'; take over by hand: turn automatic rotation off "
            "and set secretSlots to ['auto-1', 'auto-2'] and activeSecretSlot to 'auto-0'",
        ),
        (
            ["v1"],
            "v1",
            deployed(["auto-1", "auto-2"], "auto-1"),
            {"step": "2", "steppedAt": "2026-01-01T00:00:00Z", "sends": "auto-1"},
            "invalid setting secretRotationDays: 7 is not allowed; the stack's recorded rotation state secretRotation=",
        ),
    ],
)
def test_what_cannot_rotate_automatically_is_refused(
    slots: list[str], active: str, state: DeployedRotation | None, record: Any, message: str
) -> None:
    with pytest.raises(SettingError) as caught:
        plan_automatic_rotation(7, slots, active, state, record, NOW)
    assert str(caught.value).startswith(message)


def test_the_guard_must_stay_on() -> None:
    assert requires_guard_problem(0, False) is None
    assert requires_guard_problem(7, True) is None
    problem = requires_guard_problem(7, False)
    assert problem is not None and problem.key == "rotationGuard"


@pytest.mark.parametrize(
    ("raw_record", "expected"),
    [
        (None, None),
        (
            {"step": 3, "steppedAt": "2026-01-01T00:00:00Z", "sends": "auto-2"},
            RotationRecord(3, datetime(2026, 1, 1, tzinfo=timezone.utc), "auto-2"),
        ),
        (
            {"step": 3.0, "steppedAt": "2026-01-01T01:00:00+01:00", "sends": "v1"},
            RotationRecord(3, datetime(2026, 1, 1, tzinfo=timezone.utc), "v1"),
        ),
    ],
)
def test_parse_record(raw_record: Any, expected: RotationRecord | None) -> None:
    assert parse_record(raw_record) == expected


@pytest.mark.parametrize(
    "raw_record",
    [
        "step 3",
        {"step": -1, "steppedAt": "2026-01-01T00:00:00Z", "sends": "v1"},
        {"step": True, "steppedAt": "2026-01-01T00:00:00Z", "sends": "v1"},
        {"step": 1.5, "steppedAt": "2026-01-01T00:00:00Z", "sends": "v1"},
        {"step": 1, "steppedAt": "2026-01-01T00:00:00", "sends": "v1"},  # no time zone: ambiguous
        {"step": 1, "steppedAt": "yesterday", "sends": "v1"},
        {"step": 1, "steppedAt": "2026-01-01T00:00:00Z"},
    ],
)
def test_unreadable_records_are_errors(raw_record: Any) -> None:
    with pytest.raises(ValueError):
        parse_record(raw_record)


def test_the_clock_is_read_in_one_place() -> None:
    assert deploy_time({"ORIGIN_LOCKDOWN_NOW": "2026-03-01T06:00:00Z"}) == datetime(2026, 3, 1, 6, tzinfo=timezone.utc)
    six_utc = datetime(2026, 3, 1, 6, tzinfo=timezone.utc)
    assert deploy_time({"ORIGIN_LOCKDOWN_NOW": "2026-03-01T07:00:00+01:00"}) == six_utc
    before = datetime.now(timezone.utc)
    assert before <= deploy_time({}) <= datetime.now(timezone.utc)
    assert clock_override_warning({}) is None and clock_override_warning({"ORIGIN_LOCKDOWN_NOW": " "}) is None
    assert clock_override_warning({"ORIGIN_LOCKDOWN_NOW": "2026-03-01T06:00:00Z"}) == (
        "secret rotation: the clock is set by ORIGIN_LOCKDOWN_NOW=2026-03-01T06:00:00Z; unset it outside tests and "
        "rehearsals"
    )
    with pytest.raises(SettingError) as caught:
        deploy_time({"ORIGIN_LOCKDOWN_NOW": "2026-03-01 06:00"})
    assert str(caught.value) == (
        "invalid setting ORIGIN_LOCKDOWN_NOW: '2026-03-01 06:00' is not allowed; expected an ISO 8601 time with a "
        "time zone, e.g. 2026-03-01T06:00:00Z (or unset)"
    )


@pytest.mark.parametrize(
    ("slot", "step"), [("auto-0", 0), ("auto-42", 42), ("v1", None), ("auto-01", None), ("auto-x", None)]
)
def test_generation_names(slot: str, step: int | None) -> None:
    assert generation_of(slot) == step


# --- the setting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 1, 30, 365])
def test_rotation_days_in_range(days: int) -> None:
    check_secret_rotation_days(days)
    assert load_settings({"secretRotationDays": str(days)}.get).secret_rotation_days == days


@pytest.mark.parametrize("days", [-1, 366, True, 1.5, "30"])
def test_rotation_days_out_of_range(days: Any) -> None:
    with pytest.raises(SettingError) as caught:
        check_secret_rotation_days(days)
    assert str(caught.value) == (
        f"invalid setting secretRotationDays: {days!r} is not allowed; expected an integer from 0 to 365 "
        "(0 turns automatic rotation off)"
    )


# --- what the deployed resources report ---------------------------------------------------------------


def test_recorded_rotation_is_what_every_carrier_reports() -> None:
    values = {"a": "AAA", "b": "BBB", "c": None}  # c: a password a refresh skipped (reports nothing)
    state = recorded_rotation(values, [{"AAA", "BBB", "ZZZ"}, {"BBB", "AAA"}], "BBB")
    assert state == DeployedRotation(accepted=("a", "b"), active="b")
    # A value one carrier lacks is not accepted (the ALB rule has it, the WAF does not).
    assert recorded_rotation(values, [{"AAA", "BBB"}, {"BBB"}], "BBB").accepted == ("b",)
    # No carrier reported: nothing counts as accepted.
    assert recorded_rotation(values, [], "AAA").accepted == ()


def test_recorded_rotation_refuses_a_header_no_slot_has() -> None:
    with pytest.raises(ValueError, match="matches none of the rotation slots"):
        recorded_rotation({"a": "AAA"}, [{"AAA"}], "changed-by-hand")
    with pytest.raises(ValueError):
        recorded_rotation({"a": "AAA"}, [{"AAA"}], None)


def test_reported_values_are_read_from_each_resource_shape() -> None:
    conditions = [
        {"http_header": None, "path_pattern": {"values": ["/*"]}},
        {"http_header": {"http_header_name": "x-origin-verify", "values": ["AAA", "BBB"]}},
        {"http_header": {"http_header_name": "X-Other", "values": ["CCC"]}},
    ]
    assert reported_rule_values(conditions, "X-Origin-Verify") == {"AAA", "BBB"}
    assert reported_rule_values(None, "X-Origin-Verify") == set()

    def match(value: str, header: str = "x-origin-verify") -> dict[str, Any]:
        return {"byte_match_statement": {"field_to_match": {"single_header": {"name": header}}, "search_string": value}}

    rules = [
        {"name": "rate-limit-per-viewer", "statement": match("RATE")},
        {
            "name": ALLOW_RULE_NAME,
            "statement": {"or_statement": {"statements": [match("AAA"), match("BBB"), match("X", "other")]}},
        },
    ]
    assert reported_allowed_values(rules, "X-Origin-Verify") == {"AAA", "BBB"}
    assert reported_allowed_values([{"name": ALLOW_RULE_NAME, "statement": match("AAA")}], "X-Origin-Verify") == {"AAA"}

    assert reported_parameter_values('["AAA", "BBB"]') == {"AAA", "BBB"}
    assert reported_parameter_values("not json") == set()
    assert reported_parameter_values(None) == set()
    assert reported_parameter_values('{"a": 1}') == set()

    origins = [
        {"origin_id": "other", "custom_headers": [{"name": "X-Origin-Verify", "value": "OTHER"}]},
        {"origin_id": "origin", "custom_headers": [{"name": "x-origin-verify", "value": "AAA"}]},
    ]
    assert reported_header_value(origins, "X-Origin-Verify") == "AAA"
    assert reported_header_value([{"origin_id": "origin", "custom_headers": []}], "X-Origin-Verify") is None
