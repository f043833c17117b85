"""The pack over the program's own resources (from the engine-like mocks), at up and at preview.

The program must pass every mandatory policy; the same program with its origin security group opened to
the world must fail, both over the gRPC protocol (as ``pulumi preview/up --policy-pack policy`` would run
it) and in-process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from offline.analyzer import AnalyzerProcess, Violation
from offline.snapshot import ProgramRun, ResourceSnapshot

mocks = pytest.importorskip("offline.mocks", reason="offline.mocks (the program's engine-like mocks) is not there yet")

MAIN = "origin-sg-no-world-ingress"
VPC_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CASES = [(arch, preview) for arch in ("alb", "direct") for preview in (False, True)]
IDS = [f"{arch}-{'preview' if preview else 'up'}" for arch, preview in CASES]


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerProcess]:
    with AnalyzerProcess() as p:
        yield p


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, bool], ProgramRun]:
    return {(arch, preview): mocks.run_program({"architecture": arch}, preview=preview) for arch, preview in CASES}


def origin_rules(run: ProgramRun) -> list[ResourceSnapshot]:
    """The program's CloudFront-only ingress rules (the ones referencing a managed prefix list)."""
    found = [r for r in run.of_type(VPC_IN) if r.inputs.get("prefixListId")]
    assert found, "the program has no prefix-list ingress rule"
    return found


def opened(run: ProgramRun, cidr_key: str = "cidrIpv4", cidr: str = "0.0.0.0/0") -> list[ResourceSnapshot]:
    """The same resources with the first CloudFront-only rule admitting ``cidr`` instead."""
    target = origin_rules(run)[0]

    def world(values: Any) -> dict[str, Any]:
        out = {k: v for k, v in dict(values).items() if k != "prefixListId"}
        out[cidr_key] = cidr
        return out

    return [
        dataclasses.replace(r, inputs=world(r.inputs), outputs=world(r.outputs)) if r.urn == target.urn else r
        for r in run.resources
    ]


def mandatory(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.mandatory]


@pytest.mark.live
@pytest.mark.parametrize(("arch", "preview"), CASES, ids=IDS)
def test_program_passes(
    pack: AnalyzerProcess, runs: dict[tuple[str, bool], ProgramRun], arch: str, preview: bool
) -> None:
    violations = pack.analyze_resources(runs[arch, preview].resources, preview=preview)
    assert mandatory(violations) == []
    assert all("can't run policy" not in v.message for v in violations)


@pytest.mark.live
@pytest.mark.parametrize(("arch", "preview"), CASES, ids=IDS)
@pytest.mark.parametrize(("key", "cidr"), [("cidrIpv4", "0.0.0.0/0"), ("cidrIpv6", "::/0")])
def test_program_with_world_open_origin_fails(
    pack: AnalyzerProcess, runs: dict[tuple[str, bool], ProgramRun], arch: str, preview: bool, key: str, cidr: str
) -> None:
    run = runs[arch, preview]
    target = origin_rules(run)[0]
    violations = mandatory(pack.analyze_resources(opened(run, key, cidr), preview=preview))
    assert [(v.policy, v.urn) for v in violations] == [(MAIN, target.urn)]
    family = "IPv6" if ":" in cidr else "IPv4"
    assert f"Rule '{target.name}' ({VPC_IN}) admits {cidr} = all of {family} on tcp" in violations[0].message


def test_origin_security_group_is_discovered(runs: dict[tuple[str, bool], ProgramRun]) -> None:
    from lockdown.model import analysis_of
    from origin_lockdown_judge.world_cidr import Tri
    from tests.policy.stacks import policy_resources

    for (arch, preview), run in runs.items():
        a = analysis_of(policy_resources(run.resources))
        target = origin_rules(run)[0]
        sg_urns = set(target.property_dependencies.get("securityGroupId", ()))
        on_origins = {key for u in a.units for key, tri in u.iface.membership.members.items() if tri is Tri.YES}
        assert sg_urns & on_origins, (arch, preview, sorted(on_origins))
        assert all(u.certainty is Tri.YES for u in a.units), (arch, preview)
