"""End to end over the analyzer gRPC protocol: policy/__main__.py started the way the CLI starts it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline.analyzer import AnalyzerProcess, AnalyzerStartError
from tests.policy.stacks import Stack, at_preview, origin_stack

pytestmark = pytest.mark.live

MAIN = "origin-sg-no-world-ingress"


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerProcess]:
    with AnalyzerProcess() as p:
        yield p


@pytest.fixture
def fresh(pack: AnalyzerProcess) -> Iterator[AnalyzerProcess]:
    pack.configure({})
    yield pack
    pack.configure({})


def with_origin_rule_from(cidr: str) -> Stack:
    """The program-shaped stack with its origin group's rule admitting ``cidr`` on 443."""
    s = origin_stack()
    s["origin-in-v4"].props = {
        "securityGroupId": "sg-0origin",
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": cidr,
    }
    return s


def opened() -> list:
    return with_origin_rule_from("0.0.0.0/0").snapshots()


def test_analyzer_info(pack: AnalyzerProcess) -> None:
    info = pack.info
    assert info is not None
    assert info.name == "cloudfront-origin-lockdown"
    assert info.supportsConfig
    levels = {p.name: pack.default_level(p.name) for p in info.policies}
    assert levels == {
        MAIN: "mandatory",
        "cloudfront-origin-secret-header": "advisory",
        "cloudfront-origin-header-not-literal": "advisory",
        "cloudfront-secret-header-not-cleartext": "advisory",
        "origin-sg-no-world-admin-or-all-ports": "advisory",
        "origin-sg-prefix-list-quota": "advisory",
        "cloudfront-origin-alb-mutual-tls": "advisory",
    }
    main = next(p for p in info.policies if p.name == MAIN)
    assert set(main.configSchema.properties) == {
        "scope",
        "originSecurityGroupTags",
        "originSecurityGroupIds",
        "ports",
        "protocols",
        "exemptTypes",
        "unknownValues",
    }
    assert main.remediation_steps


def test_program_shape_passes_at_up_and_preview(fresh: AnalyzerProcess) -> None:
    assert fresh.analyze_resources(origin_stack().snapshots(), preview=False) == []
    assert fresh.analyze_resources(at_preview(origin_stack()).snapshots(), preview=True) == []


def test_open_origin_fails_at_up(fresh: AnalyzerProcess) -> None:
    snaps = opened()
    [v] = fresh.analyze_resources(snaps)
    assert (v.policy, v.enforcement_level, v.stage) == (MAIN, "mandatory", "analyze-stack")
    assert v.urn.endswith("::origin-in-v4")
    assert v.message.startswith("No origin security group may admit 0.0.0.0/0 or ::/0 on port 80 or 443")
    assert (
        "Rule 'origin-in-v4' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits 0.0.0.0/0" in v.message
    )


def test_open_origin_fails_at_preview(fresh: AnalyzerProcess) -> None:
    s = origin_stack()
    s["origin-in-v4"].props = {"securityGroupId": "sg-0origin", "ipProtocol": "-1", "cidrIpv6": "::/0"}
    violations = fresh.analyze_resources(at_preview(s).snapshots(), preview=True)
    assert [(v.policy, v.enforcement_level) for v in violations] == [
        (MAIN, "mandatory"),
        ("origin-sg-no-world-admin-or-all-ports", "advisory"),  # protocol -1 opens every port
    ]
    assert all("can't run policy" not in v.message for v in violations)


def test_unknown_cidr_is_decided_not_skipped(fresh: AnalyzerProcess) -> None:
    s = with_origin_rule_from("10.0.0.0/16")
    snaps = at_preview(s, unknown=[("origin-in-v4", "cidrIpv4")]).snapshots()
    [v] = fresh.analyze_resources(snaps, preview=True)
    assert v.enforcement_level == "mandatory"
    assert "Cannot verify at preview: cidrIpv4 of rule 'origin-in-v4'" in v.message
    fresh.configure({MAIN: {"unknownValues": "allow"}})
    assert fresh.analyze_resources(snaps, preview=True) == []


def test_enforcement_level_override(fresh: AnalyzerProcess) -> None:
    fresh.configure({MAIN: "advisory"})
    [v] = fresh.analyze_resources(opened())
    assert v.enforcement_level == "advisory"
    fresh.configure({MAIN: {"enforcementLevel": "disabled"}})
    assert fresh.analyze_resources(opened()) == []


def test_resource_policies_run_in_analyze(fresh: AnalyzerProcess) -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"] = []
    violations = fresh.analyze_resources(s.snapshots())
    assert [(v.policy, v.stage, v.enforcement_level) for v in violations] == [
        ("cloudfront-origin-secret-header", "analyze", "advisory")
    ]
    assert violations[0].urn == s["cdn"].urn


def test_broken_pack_reports_its_stderr(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('the pack is broken on purpose')\n")
    with (
        pytest.raises(AnalyzerStartError, match="the pack is broken on purpose"),
        AnalyzerProcess(policy_dir=tmp_path, start_timeout=20),
    ):
        pass


def test_example_policy_config(fresh: AnalyzerProcess) -> None:
    example = json.loads((Path(__file__).resolve().parents[2] / "policy" / "policy-config.json").read_text())
    fresh.configure(example)
    assert [v.policy_name for v in fresh.analyze_resources(origin_stack().snapshots())] == []
    assert [(v.policy_name, v.enforcement_level) for v in fresh.analyze_resources(opened())] == [(MAIN, "mandatory")]
