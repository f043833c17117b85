"""Automatic rotation, driven through sequences of `pulumi up` across simulated time.

Every sequence runs the real program under the engine-like mocks with the engine's checkpoint carried
between operations (``offline.mocks.operate``), for ``alb``, ``alb`` with WAF and ``direct``. The world model
(``rotation_world.Deployments``) checks at every `pulumi up` that each value an edge may send, during the
update and after it, is accepted by every state each origin-side resource may be in meanwhile; its
``violations`` list is the worst-case window in which an edge could send a value the origin does not accept.
The tests assert it stays empty, and (test_the_world_model_catches_a_skipped_step) that it is not empty for
a step that is unsafe.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from offline.mocks import Failure, parameters_in
from offline.snapshot import UNKNOWN, reveal
from tests.components.rotation_world import (
    DISTRIBUTION,
    PARAMETER,
    PASSWORD,
    RULE,
    WAF,
    Deployments,
    accepted,
    carriers,
    record_in_aws,
    sent,
    slot_of,
    stable_inputs,
    values_by_slot,
)

# Deploys over simulated time and failures: `make test-simulations` (CI runs it after `make test`).
pytestmark = pytest.mark.simulation

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
PERIOD = 7
VARIANTS: dict[str, dict[str, Any]] = {
    "alb": {"architecture": "alb"},
    "alb+waf": {"architecture": "alb", "waf": True},
    "direct": {"architecture": "direct"},
}
CARRIER_TYPES = {"alb": {RULE}, "alb+waf": {RULE, WAF}, "direct": {PARAMETER}}


def deployments(variant: str, **extra: Any) -> Deployments:
    return Deployments({**VARIANTS[variant], "secretRotationDays": PERIOD, **extra})


def slots(d: Deployments, values: frozenset[str] | set[str]) -> list[str]:
    return sorted(slot_of(d.state, value) for value in values)


def generation(slot: str) -> int:
    """The step that generated a slot's value; -1 for the hand-made v1 it started from."""
    return -1 if slot == "v1" else int(slot.removeprefix("auto-"))


def assert_safe(d: Deployments) -> None:
    """No edge ever sent a value the origin did not accept; nothing that carries traffic changed."""
    assert [str(v) for v in d.violations] == []
    assert d.disruptions == []


def record(d: Deployments) -> dict[str, Any]:
    return dict(d.state.outputs["secretRotation"])


def types_of(d: Deployments, urns: set[str]) -> set[str]:
    known = {**d.history[-1].before.resources, **d.history[-1].after.resources}
    return {known[urn].type for urn in urns}


# --- the regular cadence, a long pause, deploys in between ----------------------------------------

# (days after T0, step expected afterwards, slot CloudFront sends, slots the origin accepts)
CADENCE = [
    (0, 0, "v1", ["auto-0", "v1"]),  # turned on: the origin learns auto-0, CloudFront keeps v1
    (1, 0, "v1", ["auto-0", "v1"]),  # within the period: nothing changes
    (7, 1, "auto-0", ["auto-0", "auto-1", "v1"]),  # step 1: switch to auto-0, learn auto-1, keep v1
    (14, 2, "auto-1", ["auto-0", "auto-1", "auto-2"]),  # step 2: v1 retired
    (200, 3, "auto-2", ["auto-1", "auto-2", "auto-3"]),  # 186 days later: still one step, not 26
    (207, 4, "auto-3", ["auto-2", "auto-3", "auto-4"]),
]


@pytest.fixture(scope="module", params=list(VARIANTS))
def cadence(request: pytest.FixtureRequest) -> tuple[str, Deployments, list[dict[str, Any]]]:
    variant = request.param
    d = deployments(variant)
    seen = []
    for days, _, _, _ in CADENCE:
        result = d.up(T0 + days * DAY)
        assert result.error is None, result.error
        seen.append(
            {
                "values": values_by_slot(d.state),
                "sent": slot_of(d.state, sent(d.state) or ""),
                "accepted": slots(d, accepted(d.state)),
                "record": record(d),
                "changed": types_of(d, result.changed),
                "deleted": types_of(d, result.deleted),
                "stable": stable_inputs(d.state),
                "logs": [message for level, message in result.logs if level == "info" and "secret rotation" in message],
            }
        )
    return variant, d, seen


def test_no_edge_ever_sends_a_value_the_origin_refuses(cadence: tuple[str, Deployments, list[dict[str, Any]]]) -> None:
    _, d, _ = cadence
    assert_safe(d)


def test_each_deploy_takes_at_most_one_step_and_only_after_the_period(
    cadence: tuple[str, Deployments, list[dict[str, Any]]],
) -> None:
    _, _, seen = cadence
    for (days, step, want_sent, want_accepted), got in zip(CADENCE, seen, strict=True):
        assert got["record"]["step"] == step, f"day {days}"
        assert got["sent"] == want_sent, f"day {days}"
        assert got["accepted"] == want_accepted, f"day {days}"
        assert got["record"]["sends"] == want_sent, f"day {days}"


def test_cloudfront_switches_to_the_value_generated_one_step_earlier_and_keeps_the_previous_accepted(
    cadence: tuple[str, Deployments, list[dict[str, Any]]],
) -> None:
    _, _, seen = cadence
    for before, after in itertools.pairwise(seen):
        if after["record"]["step"] == before["record"]["step"]:
            assert after["values"] == before["values"], "no step, yet a value changed"
            continue
        # The value CloudFront now sends is the one generated (and accepted) one step earlier, unchanged.
        assert after["values"][after["sent"]] == before["values"][after["sent"]]
        assert after["sent"] in before["accepted"]
        # The value it sent before is still accepted while the change propagates.
        assert before["sent"] in after["accepted"]


def test_a_step_regenerates_only_the_oldest_value(cadence: tuple[str, Deployments, list[dict[str, Any]]]) -> None:
    _, _, seen = cadence
    every_value: list[str] = []
    for before, after in itertools.pairwise(seen):
        if after["record"]["step"] == before["record"]["step"]:
            continue
        new = set(after["values"]) - set(before["values"])
        gone = set(before["values"]) - set(after["values"])
        assert len(new) == 1, new
        assert gone <= {min(before["accepted"], key=generation)}, gone
        every_value.extend(after["values"][slot] for slot in new)
    assert len(set(every_value)) == len(every_value), "a generated value repeated"


def test_a_deploy_within_the_period_changes_nothing(cadence: tuple[str, Deployments, list[dict[str, Any]]]) -> None:
    """No drift: the engine would find every resource unchanged, and the record stays as it was."""
    _, d, seen = cadence
    for (days, _, _, _), result, got in zip(CADENCE, d.history, seen, strict=True):
        if days == 1:
            assert result.changed == set() and result.deleted == set(), f"day {days}"
            assert result.after.outputs == result.before.outputs, f"day {days}"
            assert got["logs"][0].startswith("secret rotation: no step"), got["logs"]


def test_a_step_changes_only_the_passwords_and_what_carries_the_values(
    cadence: tuple[str, Deployments, list[dict[str, Any]]],
) -> None:
    variant, _, seen = cadence
    for (days, _, _, _), got in zip(CADENCE[1:], seen[1:], strict=True):
        if days == 1:
            continue
        # ... and the rotation record in SSM (intent before, settled after the distribution).
        assert got["changed"] == {PASSWORD, DISTRIBUTION, PARAMETER} | CARRIER_TYPES[variant], f"day {days}"
        # The retired value's password is deleted (none on the first step: v1 stays accepted until step 2).
        assert got["deleted"] == ({PASSWORD} if days != 7 else set()), f"day {days}"
        assert got["stable"] == seen[0]["stable"], f"day {days}: an instance, LB, listener, TG or EIP changed"
    assert seen[0]["stable"], "expected instances (and, with alb, the load balancer) to compare"


def test_every_deploy_says_what_it_does(cadence: tuple[str, Deployments, list[dict[str, Any]]]) -> None:
    _, _, seen = cadence
    assert seen[0]["logs"] == [
        "secret rotation: no rotation record at /cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/"
        "rotation and no distribution tagged with it: this component's first deploy, judged by nothing; it writes the "
        "record. (A stack renamed, or deployed by 0.2.0 without this repository's program, looks the same: README, "
        "Rotating the secret, Upgrading from 0.2.0)",
        "secret rotation: automatic every 7 days from now: the origin learns slot auto-0; CloudFront keeps sending "
        "v1 until the first step, after 2026-03-09T06:17:00Z",
    ]
    assert seen[3]["logs"] == [
        "secret rotation: step 2 (7.0 days since step 1): the origin learns auto-2, CloudFront switches from auto-0 "
        "to auto-1, v1 retired; next step after 2026-03-23T06:17:00Z"
    ]
    assert seen[1]["logs"] == [
        "secret rotation: no step: CloudFront sends v1 since step 0 at 2026-03-02T06:17:00Z; next step after "
        "2026-03-09T06:17:00Z"
    ]


def test_the_record_is_slot_names_and_times_never_values(
    cadence: tuple[str, Deployments, list[dict[str, Any]]],
) -> None:
    _, d, seen = cadence
    assert d.state.outputs["secretRotation"] == {"step": 4, "steppedAt": "2026-09-25T06:17:00Z", "sends": "auto-3"}
    assert d.state.outputs["acceptedSecretSlots"] == ["auto-2", "auto-3", "auto-4"]
    assert d.state.outputs["activeSecretSlot"] == "auto-3"
    held = parameters_in(d.state)
    text = repr(d.state.outputs) + repr({name: value for name, value in held.items() if "/rotation/" in name})
    assert "rotation/intent" in text and "rotation/settled" in text
    assert not any(value in text for got in seen for value in got["values"].values())


def test_the_distribution_waits_for_every_resource_that_checks_the_header(
    cadence: tuple[str, Deployments, list[dict[str, Any]]],
) -> None:
    """Explicit dependencies: the origin learns before CloudFront may switch, whatever the engine parallelises;
    the record of intent is written before either, the settled record after the distribution."""
    variant, d, _ = cadence
    run = d.history[-1].run
    distribution = run.one(DISTRIBUTION)
    intent, settled = run.by_name("origin-rotation-intent"), run.by_name("origin-rotation-settled")
    checkers = [r for r in run.resources if r.type in CARRIER_TYPES[variant] and r not in (intent, settled)]
    assert len(checkers) == len(CARRIER_TYPES[variant])
    assert {r.urn for r in checkers} <= set(distribution.dependencies)
    for resource in (*checkers, distribution):
        assert intent.urn in resource.dependencies, resource.name
    assert distribution.urn in settled.dependencies
    assert not ({r.urn for r in checkers} | {distribution.urn}) & set(intent.dependencies), "the intent comes first"


# --- a `pulumi up` that fails half-way ------------------------------------------------------------

# Where a `pulumi up` can stop: creating the new password, updating a resource that checks the header
# (the others may have been updated in parallel), or the distribution, before or after its change reached
# CloudFront (":applied", e.g. the wait for Deployed timed out).
FAILURES = {
    "alb": ["origin-secret-auto-2", "origin-cdn"],
    "alb+waf": ["origin-forward-with-secret", "origin-waf", "origin-cdn:applied"],
    "direct": ["origin-accepted-secrets", "origin-cdn:applied"],
}
CASES = [(variant, point) for variant, points in FAILURES.items() for point in points]


@pytest.fixture(scope="module")
def before_step_two() -> dict[str, Deployments]:
    """Each variant after two deploys: step 1 is recorded, step 2 (the first that retires a value) is due."""
    ready = {}
    for variant in VARIANTS:
        d = deployments(variant)
        d.up(T0)
        d.up(T0 + PERIOD * DAY)
        ready[variant] = d
    return ready


@pytest.mark.parametrize(("variant", "point"), CASES, ids=[f"{v}-{p}" for v, p in CASES])
def test_a_failed_up_is_safe_and_the_next_one_finishes_the_step(
    before_step_two: dict[str, Deployments], variant: str, point: str
) -> None:
    d = copy.deepcopy(before_step_two[variant])
    name, _, applied = point.partition(":")
    due = T0 + 2 * PERIOD * DAY
    step_one = record(d)
    values = values_by_slot(d.state)

    failed = d.up(due, fail=Failure(name, applied=bool(applied)))
    assert failed.error is not None and f"simulated provider failure on {name}" in str(failed.error)
    # Nothing recorded: the stack is judged by step 1 until a `pulumi up` completes step 2.
    assert record(d) == step_one
    if applied:
        assert slot_of(d.state, sent(d.state) or "") == "auto-1"  # the change reached CloudFront anyway
    else:
        assert slot_of(d.state, sent(d.state) or "") == "auto-0"

    # Retried 30 seconds later (inside the direct instance's refresh window): the same step, the same values.
    retry = d.up(due + timedelta(seconds=30))
    assert retry.error is None, retry.error
    assert record(d)["step"] == 2 and record(d)["sends"] == "auto-1"
    assert slot_of(d.state, sent(d.state) or "") == "auto-1"
    assert slots(d, accepted(d.state)) == ["auto-0", "auto-1", "auto-2"]
    assert values_by_slot(d.state)["auto-1"] == values["auto-1"], "the value CloudFront switched to changed"

    read = record_in_aws(d.state)
    assert read is not None and read.intent.rotation is not None and read.intent.rotation["step"] == 2
    if applied:
        # The retry found CloudFront still deploying the change (InProgress): it changed nothing and settled
        # nothing: CloudFront may still send auto-0 or auto-1, and both stay accepted.
        assert retry.changed == set()
        assert not read.settled and read.may_be_sending == {"auto-0", "auto-1"}
        # A period later CloudFront reports it Deployed: that deploy settles step 2 and takes no other step ...
        settles = d.up(due + PERIOD * DAY + timedelta(seconds=30))
        assert settles.error is None and record(d)["step"] == 2
        assert types_of(d, settles.changed) == {PARAMETER}, "only the settled record"
        assert record_in_aws(d.state).settled  # type: ignore[union-attr]
        # ... and the next one steps, once auto-2 (first seen accepted by that settling deploy) has been accepted
        # for as long as WAF may take to propagate (a step sooner waits: test_rotation_killed.py).
        after = d.up(due + PERIOD * DAY + timedelta(minutes=16))
        assert after.error is None
        assert record(d)["step"] == 3 and slots(d, accepted(d.state)) == ["auto-1", "auto-2", "auto-3"]
    else:
        assert read.settled and read.may_be_sending == {"auto-1"}
    assert_safe(d)
    assert stable_inputs(d.state) == stable_inputs(before_step_two[variant].state)


def test_a_new_secret_length_is_phased_in_by_rotation(before_step_two: dict[str, Deployments]) -> None:
    """Regenerating every value at once (what a RandomPassword does when its length changes) would retire the
    one CloudFront sends: a new length applies to the values generated from then on."""
    d = copy.deepcopy(before_step_two["alb+waf"])
    d.config = {**d.config, "secretLength": 64}
    within = d.up(T0 + 10 * DAY)
    assert within.error is None and within.changed == set(), "a length change alone regenerated a value"
    step = d.up(T0 + 2 * PERIOD * DAY)
    assert step.error is None
    lengths = {slot: len(value) for slot, value in values_by_slot(d.state).items()}
    assert lengths == {"auto-0": 48, "auto-1": 48, "auto-2": 64}
    assert_safe(d)


# --- preview and a refresh that runs the program --------------------------------------------------


@pytest.mark.parametrize("variant", ["alb+waf", "direct"])
def test_previews_and_refreshes_that_run_the_program_record_nothing(
    before_step_two: dict[str, Deployments], variant: str
) -> None:
    """A preview shows the step it would take and changes nothing. `pulumi refresh --run-program` rewrites the
    stack's outputs from the program's exports while every resource keeps its state (and the new password is
    skipped): the record must stay what is deployed, however many periods pass."""
    d = copy.deepcopy(before_step_two[variant])
    deployed_before = record(d)
    due = T0 + 2 * PERIOD * DAY

    preview = d.preview(due)
    assert preview.error is None
    assert preview.after is preview.before and d.state is preview.before, "a preview changed the checkpoint"
    # It shows the step: a new password, CloudFront switching to auto-1's (known, unchanged) value ...
    registered = {r.name for r in preview.run.of_type(PASSWORD)}
    assert registered == {"origin-secret-auto-0", "origin-secret-auto-1", "origin-secret-auto-2"}
    header = preview.run.one(DISTRIBUTION).inputs["origins"][0]["customHeaders"][0]["value"]
    assert header["value"] == values_by_slot(d.state)["auto-1"]
    assert [m for _, m in preview.logs if m.startswith("secret rotation: step 2")]
    # ... and would record nothing even if its outputs were kept.
    assert preview.run.stack_outputs["secretRotation"] == UNKNOWN

    for days in (2 * PERIOD, 3 * PERIOD):  # a weekly refresh job, periods passing
        refreshed = d.refresh(T0 + days * DAY)
        assert refreshed.error is None, refreshed.error
        assert refreshed.after.resources == before_step_two[variant].state.resources
        assert record(d) == deployed_before
        assert d.state.outputs["activeSecretSlot"] == "auto-0"
        # What the resources report: a subset of what they accept, never more.
        assert set(d.state.outputs["acceptedSecretSlots"]) <= {"v1", "auto-0", "auto-1"}

    up = d.up(T0 + 3 * PERIOD * DAY)
    assert up.error is None
    assert record(d)["step"] == 2, "one step from what is deployed, not one per refresh"
    assert_safe(d)


# --- guard, mutual exclusion with the manual procedure, taking over by hand -------------------------


def test_manual_takeover_keeps_the_values_and_automatic_rotation_can_resume() -> None:
    d = deployments("direct")
    for days in (0, PERIOD, 2 * PERIOD):
        d.up(T0 + days * DAY)
    values = values_by_slot(d.state)

    # Turning it off with the stack file's old slots: refused, and the message says what to start from.
    d.config = {**VARIANTS["direct"], "secretRotationDays": 0, "secretSlots": ["v1"], "activeSecretSlot": "v1"}
    refused = d.up(T0 + 15 * DAY)
    assert refused.error is not None and refused.run.resources == []
    assert "invalid setting secretSlots: ['v1'] is not allowed; the deployed CloudFront still sends slot 'auto-1'" in (
        str(refused.error)
    )
    assert (
        "automatic rotation left this stack with secretSlots ['auto-0', 'auto-1', 'auto-2'] and activeSecretSlot "
        "'auto-1': start a manual rotation from exactly those" in str(refused.error)
    )

    # Taking over exactly what is deployed changes no value that is accepted or sent: the record notes that
    # automatic rotation is off, and its new intent is stamped into the distribution's comment and the SSM list's
    # description (sent again whole, rotation_record.rotation_stamp).
    manual = ["auto-0", "auto-1", "auto-2"]
    d.config = {**VARIANTS["direct"], "secretSlots": manual, "activeSecretSlot": "auto-1"}
    before = (carriers(d.state), sent(d.state))
    takeover = d.up(T0 + 15 * DAY)
    assert takeover.error is None and takeover.deleted == set()
    assert {urn.rsplit("::", 1)[1] for urn in takeover.changed} == {
        "origin-rotation-intent",
        "origin-rotation-settled",
        "origin-accepted-secrets",
        "origin-cdn",
    }
    assert (carriers(d.state), sent(d.state)) == before
    assert "secretRotation" not in d.state.outputs
    assert record_in_aws(d.state).intent.rotation is None  # type: ignore[union-attr]

    # An emergency rotation by hand: learn e1 (and drop what CloudFront does not send), switch, retire.
    # With direct, each step waits for the instance's guard (README): minutes apart, not in the same instant.
    hand_steps = ((["auto-1", "e1"], "auto-1"), (["auto-1", "e1"], "e1"), (["e1"], "e1"))
    for minutes, (step_slots, active) in zip((30, 35, 40), hand_steps, strict=True):
        d.config = {**VARIANTS["direct"], "secretSlots": step_slots, "activeSecretSlot": active}
        assert d.up(T0 + 15 * DAY + timedelta(minutes=minutes)).error is None
    assert slots(d, accepted(d.state)) == ["e1"]

    # Back on: it starts from e1; the re-created auto-0 gets a new value, not the retired one.
    d.config = {**VARIANTS["direct"], "secretRotationDays": PERIOD, "secretSlots": ["e1"], "activeSecretSlot": "e1"}
    assert d.up(T0 + 16 * DAY).error is None
    assert record(d) == {"step": 0, "steppedAt": "2026-03-18T06:17:00Z", "sends": "e1"}
    assert values_by_slot(d.state)["auto-0"] != values["auto-0"]
    assert_safe(d)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"},
            "invalid setting secretSlots: ['v1', 'v2'] is not allowed; with secretRotationDays set, expected exactly "
            "[activeSecretSlot] (['v1']): automatic rotation manages the slots itself",
        ),
        (
            {"rotationGuard": False},
            "invalid setting rotationGuard: False is not allowed; automatic rotation (secretRotationDays) judges each "
            "step against what the stack last deployed",
        ),
        ({"secretRotationDays": 366}, "invalid setting secretRotationDays: 366 is not allowed; expected an integer"),
    ],
)
def test_settings_that_cannot_rotate_automatically_fail_before_anything_changes(
    config: dict[str, Any], message: str
) -> None:
    d = deployments("alb", **config)
    result = d.up(T0)
    assert result.error is not None and message in str(result.error)
    assert result.run.resources == []


def test_turning_it_on_during_a_manual_rotation_is_refused() -> None:
    d = Deployments({**VARIANTS["direct"], "secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"})
    assert d.up(T0).error is None
    d.config = {**VARIANTS["direct"], "secretRotationDays": PERIOD, "secretSlots": ["v1"], "activeSecretSlot": "v1"}
    refused = d.up(T0 + DAY)
    assert refused.error is not None and refused.run.resources == []
    assert (
        "invalid setting secretRotationDays: 7 is not allowed; a rotation is in progress: the deployed origin accepts "
        "['v1', 'v2'] and CloudFront sends 'v1'; finish it by hand (one slot left)" in str(refused.error)
    )


def test_a_clock_behind_the_last_step_takes_no_step_and_says_so(before_step_two: dict[str, Deployments]) -> None:
    d = copy.deepcopy(before_step_two["direct"])
    early = d.up(T0 + 3 * DAY)
    assert early.error is None and early.changed == set()
    assert record(d)["step"] == 1
    warnings = [message for level, message in early.logs if level == "warning"]
    assert "is before the last step (2026-03-09T06:17:00Z); no step until it has passed" in warnings[0]
    # The simulated clock is the override a real run would warn about too.
    assert warnings[1] == (
        "secret rotation: the clock is set by ORIGIN_LOCKDOWN_NOW=2026-03-05T06:17:00+00:00; unset it outside "
        "tests and rehearsals"
    )


def _tamper(d: Deployments, part: str, change: dict[str, Any]) -> None:
    """Edit the record in AWS (the checkpoint's parameter, as an edit in the console would leave it)."""
    for urn, entry in list(d.state.resources.items()):
        if urn.endswith(f"::origin-rotation-{part}"):
            inputs = reveal(entry.inputs)
            value = {**json.loads(inputs["insecureValue"]), **change}
            d.state.resources[urn] = replace(entry, inputs={**inputs, "insecureValue": json.dumps(value)})


def test_a_tampered_record_stops_the_deploy(before_step_two: dict[str, Deployments]) -> None:
    d = copy.deepcopy(before_step_two["alb"])
    _tamper(d, "settled", {"sends": "auto-9"})
    refused = d.up(T0 + 2 * PERIOD * DAY)
    assert refused.error is not None and refused.run.resources == []
    assert str(refused.error) == (
        "invalid setting rotationGuard: True is not allowed; the rotation record in AWS "
        "(/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/intent, "
        "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/settled) is unreadable: the "
        "settled record names slots that its intent record does not deploy. Restore it, "
        "or, accepting that this deploy may refuse requests while CloudFront deploys, set rotationGuard to false for "
        "one `pulumi up`, which writes a new one (README: Rotating the secret, What survives a failed deploy)"
    )


def test_the_stack_outputs_are_never_trusted(before_step_two: dict[str, Deployments]) -> None:
    """Informational only: outputs edited (or left stale by a failed update) change nothing."""
    d = copy.deepcopy(before_step_two["alb"])
    honest = copy.deepcopy(before_step_two["alb"])
    d.state.outputs.update(
        secretRotation={**d.state.outputs["secretRotation"], "sends": "auto-9"},
        acceptedSecretSlots=["v9"],
        activeSecretSlot="v9",
    )
    lied, told = d.up(T0 + 2 * PERIOD * DAY), honest.up(T0 + 2 * PERIOD * DAY)
    assert lied.error is None and told.error is None
    assert {r.name: r.inputs for r in lied.run.resources} == {r.name: r.inputs for r in told.run.resources}


# --- the world model can fail ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["alb+waf", "direct"])
def test_the_world_model_catches_a_skipped_step(variant: str) -> None:
    """With the guard off, [v1]/v1 -> [v2]/v2 retires v1 while edges still send it, and switches to a value the
    origin learns in the same `pulumi up`: the model reports both, with the resource that refuses."""
    d = Deployments({**VARIANTS[variant], "secretSlots": ["v1"], "activeSecretSlot": "v1"})
    d.up(T0)
    d.config = {**VARIANTS[variant], "secretSlots": ["v2"], "activeSecretSlot": "v2", "rotationGuard": False}
    assert d.up(T0 + DAY).error is None
    found = {(v.slot, v.carrier) for v in d.violations}
    names = set(carriers(d.state))
    expected_carriers = {"instance (ssm)"} if "ssm" in names else names
    assert {carrier for _, carrier in found} == expected_carriers
    assert {slot for slot, _ in found} == {"v1", "v2"}, "both the retired v1 and the unlearned v2"


def test_the_world_model_catches_a_switch_before_the_direct_instance_has_learned() -> None:
    """The manual procedure's step 2 run within the instance guard's refresh window after step 1: an edge may
    send v2 before nginx has it. The guard refuses it (test_rotation_killed.py); with the guard off, the model sees
    the window."""
    d = Deployments({**VARIANTS["direct"], "secretSlots": ["v1"], "activeSecretSlot": "v1"})
    d.up(T0)
    d.config = {**VARIANTS["direct"], "secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}
    d.up(T0 + DAY)
    d.config = {**VARIANTS["direct"], "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2", "rotationGuard": False}
    d.up(T0 + DAY + timedelta(seconds=20))
    assert [(v.slot, v.carrier) for v in d.violations] == [("v2", "instance (ssm)")]
    d.violations.clear()
    # Two minutes later the same step is safe.
    d.config = {**VARIANTS["direct"], "secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}
    d.up(T0 + 2 * DAY)
    d.config = {**VARIANTS["direct"], "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}
    d.up(T0 + 2 * DAY + timedelta(minutes=2))
    assert d.violations == []
