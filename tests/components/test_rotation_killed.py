"""The rotation guard after what issue 19's review found: a `pulumi up` *killed* while it waited (AWS has the
change, Pulumi's checkpoint the old state), a record gone from AWS, a switch before the origin's checks can
know a value, two stacks of the same names.

A killed `pulumi up` (a cancelled CI job, its ``timeout-minutes``, Ctrl-C twice, a lost connection) leaves a
pending operation; the next `pulumi up` only warns and diffs against the old state
(https://www.pulumi.com/docs/iac/concepts/state-and-backends/#interrupted-updates, pulumi/pulumi#9293), so an
input equal to the checkpoint's is not sent again whatever AWS holds. The mocks model it (``Failure.killed``,
``EngineState.cloud``) and the world model (rotation_world.Deployments) judges what AWS holds.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from offline import mocks
from offline.mocks import EngineState, Failure, OperationResult, ProgramError, operate, run_program
from offline.snapshot import reveal
from tests.components.rotation_world import Deployments, record_in_aws, sent, slot_of

# Deploys over simulated time and failures: `make test-simulations` (CI runs it after `make test`).
pytestmark = pytest.mark.simulation

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
VARIANTS: dict[str, dict[str, Any]] = {
    "alb": {"architecture": "alb"},
    "alb+waf": {"architecture": "alb", "waf": True},
    "direct": {"architecture": "direct"},
}
V1 = {"secretSlots": ["v1"], "activeSecretSlot": "v1"}
BOTH_V1 = {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}
BOTH_V2 = {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}


def names(result: OperationResult) -> set[str]:
    return {urn.rsplit("::", 1)[1] for urn in result.changed}


def checkpoint_sends(state: EngineState) -> str:
    """The value the distribution sends according to Pulumi's checkpoint (not AWS)."""
    [entry] = [entry for entry in state.resources.values() if entry.type == mocks.DISTRIBUTION]
    return str(reveal(entry.inputs)["origins"][0]["customHeaders"][0]["value"])


_ADDED: dict[str, Deployments] = {}


def added(variant: str) -> Deployments:
    """[v1]/v1 deployed at T0, then [v1, v2]/v1 a day later: run once per variant, a copy for each test."""
    if variant not in _ADDED:
        _ADDED[variant] = deployed(variant, (BOTH_V1, T0 + DAY))
    return copy.deepcopy(_ADDED[variant])


def deployed(variant: str, *steps: tuple[dict[str, Any], datetime]) -> Deployments:
    d = Deployments({**VARIANTS[variant], **V1})
    assert d.up(T0).error is None
    for config, at in steps:
        d.config = {**VARIANTS[variant], **config}
        result = d.up(at)
        assert result.error is None, result.error
    return d


# --- finding 1: a killed `pulumi up`, then an undo or rotation off ---------------------------------------------


# Plain alb: its rule is read back (test_a_killed_update_of_the_listener_rule_is_read_back_from_aws); every
# killed fault of every step for all three runs in `make test-sequences`.
@pytest.mark.parametrize("variant", ["alb+waf", "direct"])
def test_a_killed_switch_undone_then_retired_never_drops_what_cloudfront_sends(variant: str) -> None:
    """The switch to v2 reaches CloudFront, the CLI is killed while it waits for Deployed; an hour later the
    operator undoes it ([v1, v2]/v1), a day later retires v2. The undo's new intent is stamped into the
    distribution's comment, so CloudFront is sent v1 again and waited for: only then may v2 go."""
    d = added(variant)
    d.config = {**VARIANTS[variant], **BOTH_V2}
    killed = d.up(T0 + 2 * DAY, fail=Failure("origin-cdn", killed=True))
    assert killed.error is not None
    values = {slot_of(d.state, value): value for value in (sent(d.state) or "",)}
    assert list(values) == ["v2"], "AWS took the switch"
    assert slot_of(d.state, checkpoint_sends(d.state)) == "v1", "the checkpoint kept the old distribution"

    d.config = {**VARIANTS[variant], **BOTH_V1}
    undo = d.up(T0 + 2 * DAY + timedelta(hours=1))
    assert undo.error is None, undo.error
    assert "origin-cdn" in names(undo), "the undo must send CloudFront its configuration again"
    assert slot_of(d.state, sent(d.state) or "") == "v1"

    d.config = {**VARIANTS[variant], **V1}
    retire = d.up(T0 + 3 * DAY)
    assert retire.error is None, retire.error
    assert [str(v) for v in d.violations] == []


@pytest.mark.parametrize("variant", ["alb+waf", "direct"])
def test_the_issue_example_with_the_up_killed_instead_of_failed(variant: str) -> None:
    """Automatic rotation on; step 1 reaches CloudFront (auto-0) and the CLI is killed; rotation is then turned off
    with the stack file's [v1]/v1, and deploys go on: auto-0 stays accepted until CloudFront is really sent v1."""
    d = Deployments({**VARIANTS[variant], **V1, "secretRotationDays": 7})
    assert d.up(T0).error is None
    assert d.up(T0 + 7 * DAY, fail=Failure("origin-cdn", killed=True)).error is not None
    assert slot_of(d.state, sent(d.state) or "") == "auto-0"
    d.config = {**VARIANTS[variant], **V1}
    off = d.up(T0 + 7 * DAY + timedelta(minutes=30))
    assert off.error is None, off.error
    assert any("slot auto-0 stays accepted" in message for _, message in off.logs)
    for at in (T0 + 8 * DAY, T0 + 9 * DAY):
        assert d.up(at).error is None
    read = record_in_aws(d.state)
    assert read is not None and read.settled and read.accepted == ("v1",)
    assert [str(v) for v in d.violations] == []


def test_without_the_stamp_the_killed_switch_is_not_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above can fail: with no stamp in the distribution's comment (and the WAF's and SSM list's
    descriptions), the undo finds nothing to update, the record settles "sends v1" while CloudFront sends v2, and
    retiring v2 refuses every request."""
    from cloudfront_origin_lockdown import origin_lockdown

    monkeypatch.setattr(origin_lockdown, "rotation_stamp", lambda intent: "")
    d = deployed("direct", (BOTH_V1, T0 + DAY))  # its own: every deploy without stamps
    d.config = {**VARIANTS["direct"], **BOTH_V2}
    d.up(T0 + 2 * DAY, fail=Failure("origin-cdn", killed=True))
    d.config = {**VARIANTS["direct"], **BOTH_V1}
    assert "origin-cdn" not in names(d.up(T0 + 2 * DAY + timedelta(hours=1)))
    d.config = {**VARIANTS["direct"], **V1}
    d.up(T0 + 3 * DAY)
    assert [(v.slot, v.carrier) for v in d.violations] == [("v2", "instance (ssm)")]


def test_a_killed_update_of_the_listener_rule_is_read_back_from_aws() -> None:
    """The listener rule has no field to stamp: retiring v1 reaches the rule and the CLI is killed; the operator
    puts v1 back ([v1, v2]/v2), which the checkpoint already shows, so nothing is sent and AWS's rule still lacks
    v1. The record takes what the rule holds in AWS (read back), and a switch to v1 is refused with what to do."""
    d = deployed("alb", (BOTH_V1, T0 + DAY), (BOTH_V2, T0 + 2 * DAY))
    d.config = {**VARIANTS["alb"], "secretSlots": ["v2"], "activeSecretSlot": "v2"}
    assert d.up(T0 + 3 * DAY, fail=Failure("origin-forward-with-secret", killed=True)).error is not None
    d.config = {**VARIANTS["alb"], **BOTH_V2}
    back = d.up(T0 + 4 * DAY)
    assert back.error is None, back.error
    read = record_in_aws(d.state)
    assert read is not None and read.settled and read.accepted == ("v2",), "what the rule holds in AWS"
    d.config = {**VARIANTS["alb"], **BOTH_V1}
    refused = d.up(T0 + 5 * DAY)
    assert str(refused.error).startswith(
        "invalid setting activeSecretSlot: 'v1' is not allowed; the origin in AWS accepts only ['v2'], although "
        "'v1' is in secretSlots: a `pulumi up` interrupted earlier left AWS and Pulumi's state apart; run `pulumi "
        "refresh`, then `pulumi up` (which gives the origin the value again), then switch"
    )
    # As the message says: refresh, deploy, switch.
    d.refresh(T0 + 5 * DAY)
    d.config = {**VARIANTS["alb"], **BOTH_V2}
    assert d.up(T0 + 5 * DAY + timedelta(minutes=1)).error is None
    d.config = {**VARIANTS["alb"], **BOTH_V1}
    assert d.up(T0 + 6 * DAY).error is None
    assert slot_of(d.state, sent(d.state) or "") == "v1"
    assert [str(v) for v in d.violations] == []


# --- finding 2: no record in AWS for a component that has deployed -------------------------------------------

PIP_PROGRAM = """
import json
import pulumi
from cloudfront_origin_lockdown import OriginLockdown

# A user's program: the component from pip, nothing of the rotation in its outputs, no StackReference.
site = OriginLockdown("origin", json.loads(pulumi.Config().require("args")))
pulumi.export("url", site.url)
"""


@pytest.fixture
def without_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parameter Store no longer holds the record (deleted by hand, a clean-up script, another stack of the same
    names destroyed); Pulumi's checkpoint still has the two parameters."""
    held = mocks.parameters_in
    monkeypatch.setattr(
        mocks, "parameters_in", lambda state: {k: v for k, v in held(state).items() if "/rotation/" not in k}
    )


def pip_stack(tmp_path: Path, **args: Any) -> Deployments:
    program = tmp_path / "program.py"
    program.write_text(PIP_PROGRAM)
    return Deployments({"args": json.dumps(args)}, program=program)


def test_a_first_deploy_is_judged_by_nothing_and_says_so(tmp_path: Path) -> None:
    d = pip_stack(tmp_path, architecture="direct", secret_slots=["v1"], active_secret_slot="v1")
    first = d.up(T0)
    assert first.error is None, first.error
    assert (
        "info",
        "secret rotation: no rotation record at /cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/"
        "rotation and no distribution tagged with it: this component's first deploy, judged by nothing; it writes the "
        "record. (A stack renamed, or deployed by 0.2.0 without this repository's program, looks the same: README, "
        "Rotating the secret, Upgrading from 0.2.0)",
    ) in first.logs
    assert record_in_aws(d.state) is not None


@pytest.mark.parametrize("program", ["pip", "this repository's"])
def test_a_record_gone_from_aws_stops_the_guard(tmp_path: Path, program: str, request: pytest.FixtureRequest) -> None:
    """Both parameters gone: the distribution still carries the record's tag, so this is no first deploy; the
    guard refuses (it would otherwise judge nothing), naming the path and the ways on."""
    if program == "pip":
        d = pip_stack(tmp_path, architecture="direct", secret_slots=["v1"], active_secret_slot="v1")
    else:
        d = Deployments({**VARIANTS["direct"], **V1})
    assert d.up(T0).error is None
    request.getfixturevalue("without_record")
    skipped = {"architecture": "direct", "secret_slots": ["v2"], "active_secret_slot": "v2"}
    d.config = (
        {"args": json.dumps(skipped)}
        if program == "pip"
        else {**VARIANTS["direct"], "secretSlots": ["v2"], "activeSecretSlot": "v2"}
    )
    refused = d.up(T0 + DAY)
    assert refused.error is not None and refused.changed == set()
    message = str(refused.error)
    assert message.startswith(
        "invalid setting rotationGuard: True is not allowed; there is no rotation record at "
        "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation, yet the distribution "
        "arn:aws:cloudfront::123456789012:distribution/"
    )
    assert "set rotationGuard to false for one `pulumi up` with the slots the stack deployed" in message
    assert d.violations == []


# --- findings 3 and 4: a switch before every copy of the origin's check can know the value -------------------


@pytest.mark.parametrize(
    ("variant", "too_soon", "later", "why"),
    [
        (
            "direct",
            timedelta(seconds=30),
            timedelta(seconds=126),
            "the direct instance's guard reads the accepted values from SSM every 60 s",
        ),
        (
            "alb+waf",
            timedelta(minutes=5),
            timedelta(minutes=16),
            "a WAF change takes from a few seconds to a number of minutes to reach every place it is enforced",
        ),
    ],
)
def test_a_switch_waits_until_the_origin_has_learned_the_value(
    variant: str, too_soon: timedelta, later: timedelta, why: str
) -> None:
    d, learned = added(variant), T0 + DAY
    d.config = {**VARIANTS[variant], **BOTH_V2}
    refused = d.up(learned + too_soon)
    assert refused.error is not None and refused.changed == set()
    assert str(refused.error).startswith(
        f"invalid setting activeSecretSlot: 'v2' is not allowed; the origin was first seen accepting it at "
        f"2026-03-03T06:17:00Z ({int(too_soon.total_seconds())} s ago) and {why}"
    ), str(refused.error)
    ready = "06:19:05" if variant == "direct" else "06:32:00"  # 2 x 60 s + the timer's 5 s; WAF: 15 minutes
    assert f"CloudFront may switch to it from 2026-03-03T{ready}Z; run `pulumi up` again then" in str(refused.error)
    assert d.up(learned + later).error is None
    assert slot_of(d.state, sent(d.state) or "") == "v2" and d.violations == []


def test_the_plain_alb_rule_needs_no_wait_and_the_world_model_sees_waf_lag() -> None:
    """alb alone: the rule is updated in place and read back, so a switch right after the add is fine. With WAF
    and the guard off, the world model sees an edge send v2 while a WAF node may still enforce [v1]."""
    plain = added("alb")
    plain.config = {**VARIANTS["alb"], **BOTH_V2}
    assert plain.up(T0 + DAY + timedelta(seconds=30)).error is None and plain.violations == []
    waf = added("alb+waf")
    waf.config = {**VARIANTS["alb+waf"], **BOTH_V2, "rotationGuard": False}
    assert waf.up(T0 + DAY + timedelta(minutes=5)).error is None
    assert {(v.slot, v.carrier) for v in waf.violations} == {("v2", "waf")}


# --- finding 5: two stacks of the same names in one account and region ----------------------------------------


def test_stacks_of_the_same_names_in_two_organizations_keep_their_own_records(monkeypatch: pytest.MonkeyPatch) -> None:
    first = operate("up", {"architecture": "alb"}, None, now=T0, organization="acme")
    assert first.error is None
    held_by_first = mocks.parameters_in(first.after)
    assert sorted(held_by_first) == [
        "/cloudfront-origin-lockdown/acme/cloudfront-origin-lockdown/dev/origin/rotation/intent",
        "/cloudfront-origin-lockdown/acme/cloudfront-origin-lockdown/dev/origin/rotation/settled",
    ]
    real = mocks.parameters_in
    monkeypatch.setattr(mocks, "parameters_in", lambda state: {**held_by_first, **real(state)})
    other = {"architecture": "alb", "secretSlots": ["b1"], "activeSecretSlot": "b1"}
    assert operate("up", other, None, now=T0 + DAY, organization="globex").error is None
    # Two self-managed backends (no organization a program can see): the second is refused, and told why.
    solo = operate("up", {"architecture": "alb"}, None, now=T0)
    monkeypatch.setattr(mocks, "parameters_in", lambda state: {**real(solo.after), **real(state)})
    clash = operate("up", other, None, now=T0 + DAY)
    assert clash.error is not None and clash.run.resources == []
    assert str(clash.error).endswith(
        "judged by the rotation record /cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation "
        f"(distribution {solo.after.outputs['distributionId']}). If this stack or component is new, that record is "
        "another stack's of the same names in this account and region (another backend, or a stack removed with "
        "`pulumi stack rm --force`): rename this stack or component, or delete that record if its stack is gone (aws "
        "ssm delete-parameters --names /cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/"
        "intent /cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/rotation/settled) (README: Rotating "
        "the secret, What survives a failed deploy)"
    )


@pytest.mark.parametrize("project", ["awsome-shop", "ssm-portal"])
def test_a_project_named_aws_or_ssm_keeps_its_record_out_of_ssms_reserved_names(project: str) -> None:
    """SSM refuses names "prefixed with aws or ssm (case-insensitive)", /aws/testparam1 among its examples
    (sysman-parameter-name-constraints.html), and /TestParam1 and TestParam1 are one name there, so the prefix is
    read after the leading "/": /awsome-shop/... is refused too. The record's path starts with the package's own
    level, so an alb stack (no other SSM name) deploys; direct's list under /<project>/ is refused up front."""
    assert run_program({"architecture": "alb"}, project=project, now=T0).resources
    with pytest.raises(ProgramError) as refused:
        run_program({"architecture": "direct"}, project=project, now=T0)
    assert f"/{project}/dev/origin" in str(refused.value), str(refused.value)
