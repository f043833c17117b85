"""Zero-downtime rotation, step by step, and the optional WAF layer.

The README's procedure is four stack configurations. For each step these tests check which values the
origin accepts, which one CloudFront sends, that no request carrying the value CloudFront was sending
is refused across the step, and that nothing that would be replaced (instances, user data, the load
balancer) depends on a secret or changes.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from offline.mocks import ProgramError, operate, run_program
from offline.snapshot import ProgramRun, reveal

PASSWORD = "random:index/randomPassword:RandomPassword"
STEPS: list[dict[str, Any]] = [
    {"secretSlots": ["v1"], "activeSecretSlot": "v1"},  # before
    {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"},  # 1. the origin learns v2
    {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"},  # 2. CloudFront switches (and deploys)
    {"secretSlots": ["v2"], "activeSecretSlot": "v2"},  # 3. v1 is retired
]
# Resources whose change would interrupt traffic (replacement or restart).
STABLE_TYPES = (
    "aws:ec2/instance:Instance",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/listener:Listener",
    "aws:ec2/eip:Eip",
    "aws:ec2/launchTemplate:LaunchTemplate",
)


def values_by_slot(program: ProgramRun) -> dict[str, str]:
    return {p.name.rsplit("-secret-", 1)[1]: reveal(p.outputs)["result"] for p in program.of_type(PASSWORD)}


def accepted(program: ProgramRun, architecture: str) -> list[str]:
    if architecture == "alb":
        rule = program.one("aws:lb/listenerRule:ListenerRule")
        return list(reveal(rule.inputs)["conditions"][0]["httpHeader"]["values"])
    parameter = program.by_name("origin-accepted-secrets")
    return list(json.loads(reveal(parameter.inputs)["value"]))


def sent(program: ProgramRun) -> str:
    origin = reveal(program.one("aws:cloudfront/distribution:Distribution").inputs)["origins"][0]
    (header,) = origin["customHeaders"]
    return str(header["value"])


def stable_inputs(program: ProgramRun) -> dict[str, Any]:
    return {r.name: reveal(r.inputs) for r in program.resources if r.type in STABLE_TYPES}


@pytest.fixture(scope="module", params=["alb", "direct"])
def steps(request: pytest.FixtureRequest) -> tuple[str, list[ProgramRun]]:
    architecture = request.param
    runs: list[ProgramRun] = []
    state = None
    for day, step in enumerate(STEPS):
        # Each step is judged against the previous deployment (its record in AWS), as the rotation guard does; a
        # day apart, so the direct instance has long learned a value before CloudFront switches to it.
        when = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc) + timedelta(days=day)
        result = operate("up", {"architecture": architecture, **step}, state, now=when)
        assert result.error is None, result.error
        state = result.after
        runs.append(result.run)
    return architecture, runs


def test_each_step_accepts_and_sends_the_documented_values(steps: tuple[str, list[ProgramRun]]) -> None:
    architecture, runs = steps
    v1 = values_by_slot(runs[0])["v1"]
    v2 = values_by_slot(runs[1])["v2"]
    assert v1 != v2
    expectations = [([v1], v1), ([v1, v2], v1), ([v1, v2], v2), ([v2], v2)]
    for index, (program, (want_accepted, want_sent)) in enumerate(zip(runs, expectations, strict=True)):
        assert accepted(program, architecture) == want_accepted, f"step {index}"
        assert sent(program) == want_sent, f"step {index}"


def test_no_step_refuses_what_cloudfront_sends(steps: tuple[str, list[ProgramRun]]) -> None:
    """While a step deploys, CloudFront may send the old step's value or the new one: both must pass."""
    architecture, runs = steps
    for before, after in itertools.pairwise(runs):
        for value in (sent(before), sent(after)):
            assert value in accepted(before, architecture)
            assert value in accepted(after, architecture)


def test_a_kept_slot_keeps_its_value(steps: tuple[str, list[ProgramRun]]) -> None:
    _, runs = steps
    assert values_by_slot(runs[0])["v1"] == values_by_slot(runs[2])["v1"]
    assert values_by_slot(runs[1])["v2"] == values_by_slot(runs[3])["v2"]


def test_no_step_changes_what_would_be_replaced_or_restarted(steps: tuple[str, list[ProgramRun]]) -> None:
    _, runs = steps
    first = stable_inputs(runs[0])
    assert first, "expected instances (and a load balancer) to compare"
    for index, program in enumerate(runs[1:], start=1):
        assert stable_inputs(program) == first, f"step {index} changed a stable resource"


def test_no_secret_flows_into_a_stable_resource(steps: tuple[str, list[ProgramRun]]) -> None:
    """Neither by value nor through a dependency on the generated passwords or the parameter."""
    _, runs = steps
    for program in runs:
        secret_sources = {r.urn for r in program.resources if r.type in (PASSWORD, "aws:ssm/parameter:Parameter")}
        secrets = list(values_by_slot(program).values())
        for resource in program.resources:
            if resource.type not in STABLE_TYPES:
                continue
            assert not secret_sources & set(resource.dependencies), resource.name
            for urns in resource.property_dependencies.values():
                assert not secret_sources & set(urns), resource.name
            text = json.dumps(reveal(resource.inputs))
            assert all(secret not in text for secret in secrets), resource.name
        # User data replaces the instance when it changes (cloud-init runs it once), which is exactly
        # why no secret may reach it: the checks above hold for it, and the stable-inputs test shows
        # it never changes across the rotation.


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"secretSlots": ["v2"], "activeSecretSlot": "v1"},
            "invalid setting activeSecretSlot: 'v1' is not allowed; expected one of the accepted slots ['v2']: "
            "CloudFront must send a value the origin accepts",
        ),
        (
            {"secretSlots": ["v1"], "activeSecretSlot": "v3"},
            "invalid setting activeSecretSlot: 'v3' is not allowed; expected one of the accepted slots ['v1']",
        ),
        (
            {"secretSlots": ["v1", "v2", "v3", "v4", "v5", "v6"]},
            "invalid setting secretSlots: ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'] is not allowed; expected 1 to 5 slots",
        ),
        ({"secretSlots": []}, "invalid setting secretSlots: [] is not allowed; expected 1 to 5 slots"),
    ],
)
def test_bad_rotation_states_fail_before_anything_changes(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", **config})
    assert message in str(caught.value)
    assert caught.value.run.resources == []


# --- WAF ------------------------------------------------------------------------------------------


def waf_statement_values(statement: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(header, constraint, value, transformations) of every byte match under ``statement``."""
    if "byteMatchStatement" in statement:
        match = statement["byteMatchStatement"]
        return [
            (
                match["fieldToMatch"]["singleHeader"]["name"],
                match["positionalConstraint"],
                match["searchString"],
                [t["type"] for t in match["textTransformations"]],
            )
        ]
    return [item for inner in statement["orStatement"]["statements"] for item in waf_statement_values(inner)]


@pytest.mark.parametrize("step", [0, 1, 3])
def test_waf_blocks_by_default_and_allows_exactly_the_accepted_values(step: int) -> None:
    program = run_program({"architecture": "alb", "waf": True, **STEPS[step]})
    acl = program.one("aws:wafv2/webAcl:WebAcl")
    inputs = reveal(acl.inputs)
    assert inputs["scope"] == "REGIONAL"
    assert "block" in inputs["defaultAction"] and "allow" not in inputs["defaultAction"]
    (rule,) = inputs["rules"]
    assert "allow" in rule["action"]
    matches = waf_statement_values(rule["statement"])
    # The same values, each once: the order of an OR's statements means nothing to WAF, and the passwords'
    # registration order (values_by_slot) depends on the event loop.
    want = list(values_by_slot(program).values())
    assert Counter(m[2] for m in matches) == Counter(want)
    assert all(m[0] == "x-origin-verify" and m[1] == "EXACTLY" and m[3] == ["NONE"] for m in matches)
    assert "searchString" not in json.dumps({k: v for k, v in acl.inputs.items() if k != "rules"}), (
        "secret outside the (secret) rules"
    )
    assert all(not r["visibilityConfig"]["sampledRequestsEnabled"] for r in inputs["rules"])
    association = program.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    alb = program.one("aws:lb/loadBalancer:LoadBalancer")
    assert association.property_dependencies["resourceArn"] == (alb.urn,)


def test_waf_rate_rule_counts_viewers_not_cloudfront_edges() -> None:
    program = run_program({"architecture": "alb", "waf": True, "wafRateLimit": 2000})
    rules = reveal(program.one("aws:wafv2/webAcl:WebAcl").inputs)["rules"]
    assert [r["name"] for r in sorted(rules, key=lambda r: r["priority"])] == [
        "rate-limit-per-viewer",
        "allow-cloudfront-secret-header",
    ]
    rate = rules[0]["statement"]["rateBasedStatement"]
    assert rate["limit"] == 2000
    assert rate["aggregateKeyType"] == "FORWARDED_IP"
    assert rate["forwardedIpConfig"]["headerName"] == "X-Forwarded-For"
    assert "block" in rules[0]["action"]


def test_waf_is_off_by_default() -> None:
    assert not run_program({"architecture": "alb"}).of_type("aws:wafv2/webAcl:WebAcl")
