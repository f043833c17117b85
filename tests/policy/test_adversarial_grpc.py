"""A representative subset of the adversarial table, through the real analyzer gRPC protocol.

The pack runs as the CLI starts it (``python -m pulumi.policy`` in ``policy/``), each program's resources go
through ``Analyze`` and ``AnalyzeStack`` exactly as ``pulumi preview``/``pulumi up`` send them, and the
verdict is read off the diagnostics: a mandatory ``origin-sg-no-world-ingress`` for the flag variant (at up,
a definite one), none for the clean variant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.analyzer import AnalyzerProcess
from tests.policy import test_adversarial_closed_world as closed_world
from tests.policy.programs import run
from tests.policy.test_adversarial import CANNOT, CASES, NAME, Case

pytestmark = pytest.mark.live

# One or more per class: unions, every way onto an interface, instances behind a load balancer, preview.
SUBSET = (
    "U1-two-rules",
    "U3-mixed-shapes",
    "U9-prefix-list-entries",
    "O3-classic-elb-default-group",
    "O7-eip-association-eni",
    "O9-route53-relative-cname",
    "O17-vpc-origin-internal-alb",
    "O20-alb-own-vpc-default-group",
    "O23-external-group-in-origin-and-rule",
    "O24-custom-origin-port",
    "T3-asg-template-public-interface",
    "T8-nlb-without-groups",
    "T10-ecs-public-tasks",
    "P1-prefix-list-managed-here",
    "P2-origin-groups-from-lookup",
    "P3-vpc-origin-service-group",
    "O25-nlb-static-addresses",
    "O26-route53-wildcard-at-depth",
    "O27-instance-from-launch-template",
    "O28-launch-template-attaching-an-eni",
    "P5-ingress-list-from-lookup",  # the server learns which inputs the program set from Analyze
    "P6-origin-group-list-from-lookup",
)
# The closed world's (issue 18): what fails closed (a type the server must hand the judge although no policy models
# it), a foreign list's entry, an NLB that hides clients, a generated name at preview.
CLOSED_WORLD_SUBSET = (
    "C1-endpoint-service-on-origin-nlb",
    "L1-entry-on-a-list-from-elsewhere",
    "N1-ip-targets",
    "G1-generated-name",
)
CHOSEN = [c for c in CASES if c.id in SUBSET] + [c for c in closed_world.CASES if c.id in CLOSED_WORLD_SUBSET]


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerProcess]:
    with AnalyzerProcess() as p:
        yield p


def test_the_subset_is_in_the_table() -> None:
    assert sorted(c.id for c in CHOSEN) == sorted(SUBSET + CLOSED_WORLD_SUBSET)


@pytest.mark.parametrize("stage", ["up", "preview"])
@pytest.mark.parametrize("case", CHOSEN, ids=[c.id for c in CHOSEN])
def test_flag_over_grpc(pack: AnalyzerProcess, case: Case, stage: str) -> None:
    snaps = run(lambda: case.program(True), preview=stage == "preview")
    mandatory = [v for v in pack.analyze_resources(snaps, preview=stage == "preview") if v.mandatory]
    assert mandatory and {v.policy_name for v in mandatory} == {NAME}, mandatory
    assert all(v.stage == "analyze-stack" and v.urn for v in mandatory)
    if stage == "up":
        assert any(CANNOT not in v.message for v in mandatory)
        for expected in case.says:
            assert any(expected in v.message for v in mandatory), expected


@pytest.mark.parametrize("stage", ["up", "preview"])
@pytest.mark.parametrize("case", CHOSEN, ids=[c.id for c in CHOSEN])
def test_clean_over_grpc(pack: AnalyzerProcess, case: Case, stage: str) -> None:
    snaps = run(lambda: case.program(False), preview=stage == "preview")
    violations = pack.analyze_resources(snaps, preview=stage == "preview")
    ours = [v for v in violations if v.policy_name == NAME]
    if stage == "preview" and case.clean_preview_cannot_verify:
        [only] = ours
        assert CANNOT in only.message and case.clean_preview_cannot_verify in only.message, only
    else:
        assert ours == []
    assert all("can't run policy" not in v.message for v in violations)


@pytest.mark.parametrize("stage", ["up", "preview"])
def test_a_type_no_table_knows_fails_closed_over_grpc(pack: AnalyzerProcess, stage: str) -> None:
    """The real server hands the judge a type no policy models and the table does not know (a newer provider)."""
    preview = stage == "preview"
    flagged = [v for v in pack.analyze_resources(closed_world.new_type_names_the_origin_group(True, preview),
                                                 preview=preview) if v.mandatory]  # fmt: skip
    assert [f"Cannot verify: {closed_world.STACK_TYPE_NEW} 'tomorrow'" in v.message for v in flagged] == [True]
    clean = pack.analyze_resources(closed_world.new_type_names_the_origin_group(False, preview), preview=preview)
    assert [v for v in clean if v.policy_name == NAME] == []
