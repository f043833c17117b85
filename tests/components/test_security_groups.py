"""The security-group layout, as pure data: every rule of every group pinned, for every plan variant, and the
default quotas tried exactly at their maximum and one past it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import MockCallArgs

from cloudfront_origin_lockdown import aws_limits
from cloudfront_origin_lockdown.network import carve_subnets, ipv6_subnet
from cloudfront_origin_lockdown.security_groups import (
    PREFIX_LIST_NAMES,
    GroupSpec,
    RuleSpec,
    SecurityGroupPlan,
    check_quotas,
    plan_security_groups,
)
from offline.mocks import MANAGED_PREFIX_LISTS, AwsMocks, run_program
from offline.snapshot import ProgramRun, reveal
from tests.components.test_program import TLS, run

APP = 9000
HTTPS_OUT = RuleSpec("egress", 443, "anywhere-ipv4", "HTTPS to AWS APIs and package repositories")


def cloudfront_v4(port: int) -> RuleSpec:
    return RuleSpec("ingress", port, "cloudfront-ipv4", "CloudFront origin-facing servers (IPv4)")


def vpc_origins(port: int) -> RuleSpec:
    return RuleSpec("ingress", port, "cloudfront-vpc-origins", "CloudFront VPC origins of this account")


def alb_groups(
    port: int, ipv6: bool, endpoints: bool, app: int = APP, vpc_origin: bool = False
) -> tuple[GroupSpec, ...]:
    """The alb plan, written out by hand. HTTPS on the internet has origin groups of their own (a switch of
    protocol creates them next to the HTTP ones: two prefix-list rules do not fit one group)."""
    variant = "https" if port == 443 and not vpc_origin else ""
    groups = [
        GroupSpec(
            "origin-ipv4",
            "ALB: CloudFront VPC origins only" if vpc_origin else "ALB: CloudFront only (IPv4)",
            (
                vpc_origins(port) if vpc_origin else cloudfront_v4(port),
                RuleSpec("egress", app, "app", "to the instances on the app port"),
            ),
            ("origin",),
            variant,
        )
    ]
    if ipv6:
        groups.append(
            GroupSpec(
                "origin-ipv6",
                "ALB: CloudFront only (IPv6)",
                (RuleSpec("ingress", port, "cloudfront-ipv6", "CloudFront origin-facing servers (IPv6)"),),
                ("origin",),
                variant,
            )
        )
    groups.append(
        GroupSpec(
            "app",
            "Instances: the ALB only, on the app port",
            (RuleSpec("ingress", app, "origin-ipv4", "from the ALB"), HTTPS_OUT),
            ("instances",),
        )
    )
    if endpoints:
        groups.append(
            GroupSpec(
                "endpoints",
                "VPC interface endpoints: HTTPS from inside the VPC",
                (RuleSpec("ingress", 443, "vpc", "HTTPS from the VPC"),),
                ("endpoints",),
            )
        )
    return tuple(groups)


def direct_groups(port: int, endpoints: bool = False, vpc_origin: bool = False) -> tuple[GroupSpec, ...]:
    groups = [
        GroupSpec(
            "origin-ipv4",
            "Instance: CloudFront VPC origins only" if vpc_origin else "Instance: CloudFront only (IPv4)",
            (vpc_origins(port) if vpc_origin else cloudfront_v4(port), HTTPS_OUT),
            ("origin",),
        )
    ]
    if endpoints:
        groups.append(
            GroupSpec(
                "endpoints",
                "VPC interface endpoints: HTTPS from the instance only",
                (RuleSpec("ingress", 443, "origin-ipv4", "HTTPS from the origin instance"),),
                ("endpoints",),
            )
        )
    return tuple(groups)


ALB_VARIANTS = list(itertools.product((80, 443), (False, True), (False, True)))


@pytest.mark.parametrize(("port", "ipv6", "endpoints"), ALB_VARIANTS)
def test_the_alb_plan_is_exactly_this(port: int, ipv6: bool, endpoints: bool) -> None:
    plan = plan_security_groups("alb", port, APP, ipv6, endpoints)
    assert plan == SecurityGroupPlan(alb_groups(port, ipv6, endpoints))


@pytest.mark.parametrize(("port", "endpoints"), list(itertools.product((80, 443), (False, True))))
def test_the_alb_plan_behind_a_vpc_origin_is_exactly_this(port: int, endpoints: bool) -> None:
    """The origin group admits CloudFront's VPC-origins service group instead of the prefix list."""
    plan = plan_security_groups("alb", port, APP, False, endpoints, vpc_origin=True)
    assert plan == SecurityGroupPlan(alb_groups(port, False, endpoints, vpc_origin=True))


@pytest.mark.parametrize(
    ("port", "endpoints", "vpc_origin"), list(itertools.product((80, 443), (False, True), (False, True)))
)
def test_the_direct_plan_is_exactly_this(port: int, endpoints: bool, vpc_origin: bool) -> None:
    """An endpoints group for direct only when asked for (the program asks only behind a VPC origin, where the
    private instance reads its secret through it), reachable from the instance's group alone."""
    plan = plan_security_groups("direct", port, APP, False, endpoints, vpc_origin=vpc_origin)
    assert plan == SecurityGroupPlan(direct_groups(port, endpoints, vpc_origin))


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_ipv6_through_a_vpc_origin_is_refused_by_the_plan_too(architecture: str) -> None:
    with pytest.raises(ValueError, match=r"^IPv6 to the origin"):
        plan_security_groups(architecture, 80, APP, ipv6=True, private_endpoints=False, vpc_origin=True)


def test_ipv6_with_a_direct_origin_is_refused_by_the_plan_too() -> None:
    with pytest.raises(ValueError, match=r"^IPv6 to the origin needs architecture alb, not direct$"):
        plan_security_groups("direct", 80, 8080, ipv6=True, private_endpoints=False)


def test_lookups_by_role_and_interface() -> None:
    plan = plan_security_groups("alb", 443, APP, ipv6=True, private_endpoints=True)
    assert plan.group("app").description == "Instances: the ALB only, on the app port"
    assert [g.role for g in plan.groups_on("origin")] == ["origin-ipv4", "origin-ipv6"]
    assert [g.role for g in plan.groups_on("instances")] == ["app"]
    assert [g.role for g in plan.groups_on("endpoints")] == ["endpoints"]
    with pytest.raises(StopIteration):
        plan_security_groups("direct", 80, APP, False, False).group("app")


def test_rule_weights_count_a_prefix_list_as_its_maximum_entries() -> None:
    assert set(PREFIX_LIST_NAMES) == {"cloudfront-ipv4", "cloudfront-ipv6"}
    assert PREFIX_LIST_NAMES["cloudfront-ipv4"] == "com.amazonaws.global.cloudfront.origin-facing"
    assert PREFIX_LIST_NAMES["cloudfront-ipv6"] == "com.amazonaws.global.ipv6.cloudfront.origin-facing"
    assert cloudfront_v4(80).weight == aws_limits.CLOUDFRONT_PREFIX_LIST_WEIGHT == 55
    for peer in ("origin-ipv4", "app", "anywhere-ipv4", "vpc"):
        assert RuleSpec("ingress", 1, peer, "x").weight == 1
    group = alb_groups(80, True, True)[0]
    assert (group.weight("ingress"), group.weight("egress")) == (55, 1)


# --- the quotas, at their maximum and one past it -------------------------------------------------------


def group_of_weight(direction: str, weight: int) -> GroupSpec:
    """One prefix-list rule (55) topped up with plain rules (1 each) to ``weight``."""
    rules = [RuleSpec(direction, 443, "cloudfront-ipv4", "cf")]  # type: ignore[arg-type]
    rules += [RuleSpec(direction, 1000 + i, "vpc", "plain") for i in range(weight - 55)]  # type: ignore[arg-type]
    return GroupSpec("origin-ipv4", "full", tuple(rules), ("origin",))


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_rules_per_group_hold_60_and_refuse_61(direction: str) -> None:
    assert aws_limits.RULES_PER_SECURITY_GROUP == 60
    check_quotas(SecurityGroupPlan((group_of_weight(direction, 60),)))
    with pytest.raises(ValueError) as caught:
        check_quotas(SecurityGroupPlan((group_of_weight(direction, 61),)))
    assert str(caught.value) == (
        f"security group origin-ipv4 would hold {direction} rules of weight 61, over the default quota of 60 rules "
        "per group"
    )


def test_both_families_in_one_group_would_break_the_quota() -> None:
    """The reason for one group per family: 55 + 55 > 60."""
    crowded = GroupSpec(
        "origin-ipv4",
        "both families",
        (
            RuleSpec("ingress", 443, "cloudfront-ipv4", "v4"),
            RuleSpec("ingress", 443, "cloudfront-ipv6", "v6"),
        ),
        ("origin",),
    )
    with pytest.raises(ValueError, match="ingress rules of weight 110, over the default quota of 60"):
        check_quotas(SecurityGroupPlan((crowded,)))


@pytest.mark.parametrize("interface", ["origin", "instances", "endpoints"])
def test_groups_per_interface_hold_5_and_refuse_6(interface: str) -> None:
    assert aws_limits.SECURITY_GROUPS_PER_NETWORK_INTERFACE == 5
    five = tuple(GroupSpec("app", f"g{i}", (), (interface,)) for i in range(5))  # type: ignore[arg-type]
    check_quotas(SecurityGroupPlan(five))
    six = (*five, GroupSpec("app", "g5", (), (interface,)))  # type: ignore[arg-type]
    with pytest.raises(ValueError) as caught:
        check_quotas(SecurityGroupPlan(six))
    assert str(caught.value) == f"{interface} would carry 6 security groups, over the default quota of 5"


def test_a_plan_over_a_quota_is_never_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    """plan_security_groups checks what it built (a broken layout fails at preview, not half-way)."""
    from cloudfront_origin_lockdown import security_groups

    monkeypatch.setattr(aws_limits, "SECURITY_GROUPS_PER_NETWORK_INTERFACE", 1)
    with pytest.raises(ValueError, match="origin would carry 2 security groups"):
        security_groups.plan_security_groups("alb", 80, APP, ipv6=True, private_endpoints=False)


# --- the registered rules are the plan, nothing more ---------------------------------------------------------

SG = "aws:ec2/securityGroup:SecurityGroup"
ALB = "aws:lb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"
RULE_TYPES = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "ingress",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "egress",
}
PREFIX_PEERS = {MANAGED_PREFIX_LISTS[name]: peer for peer, name in PREFIX_LIST_NAMES.items()}


def registered_rules(program: ProgramRun, vpc_cidr: str) -> set[tuple[str, str, int, str, str]]:
    """(group role, direction, port, peer, description) of every registered rule."""
    role_of = {sg.urn: reveal(sg.inputs)["tags"]["origin-lockdown:role"] for sg in program.of_type(SG)}
    found: set[tuple[str, str, int, str, str]] = set()
    for type_token, direction in RULE_TYPES.items():
        for rule in program.of_type(type_token):
            inputs: dict[str, Any] = reveal(rule.inputs)
            assert inputs["ipProtocol"] == "tcp" and inputs["fromPort"] == inputs["toPort"]
            # Exactly one source or destination: the EC2 API refuses a rule with two (AuthorizeSecurityGroupIngress,
            # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html).
            sources = ("prefixListId", "referencedSecurityGroupId", "cidrIpv4", "cidrIpv6")
            assert [key for key in sources if inputs.get(key) is not None] in ([key] for key in sources), inputs
            (owner,) = rule.property_dependencies["securityGroupId"]
            if inputs.get("prefixListId"):
                peer = PREFIX_PEERS[inputs["prefixListId"]]
            elif inputs.get("referencedSecurityGroupId"):
                (referenced,) = rule.property_dependencies["referencedSecurityGroupId"]
                peer = role_of[referenced]
            elif inputs.get("cidrIpv4") == "0.0.0.0/0":
                peer = "anywhere-ipv4"
            else:
                assert inputs["cidrIpv4"] == vpc_cidr
                peer = "vpc"
            found.add((role_of[owner], direction, inputs["fromPort"], peer, inputs["description"]))
    return found


def planned_rules(plan: SecurityGroupPlan) -> set[tuple[str, str, int, str, str]]:
    return {(g.role, r.direction, r.port, r.peer, r.description) for g in plan.groups for r in g.rules}


# The program's default app port (8080): the same runs as test_program's, from its cache. Each
# configuration is used by this one test only, so that a mutation tool that runs "the tests that
# reach build_security_groups" runs all of these assertions, not just those of whichever test ran first.
@pytest.mark.parametrize(
    ("config", "plan", "lists"),
    [
        ({"architecture": "alb"}, SecurityGroupPlan(alb_groups(80, False, True, 8080)), ["cloudfront-ipv4"]),
        (
            {"architecture": "alb", "vpcEndpoints": False},
            SecurityGroupPlan(alb_groups(80, False, False, 8080)),
            ["cloudfront-ipv4"],
        ),
        (
            {"architecture": "alb", "originIpv6": True, **TLS},
            SecurityGroupPlan(alb_groups(443, True, True, 8080)),
            ["cloudfront-ipv4", "cloudfront-ipv6"],
        ),
        (
            {
                "architecture": "alb",
                "vpcId": "vpc-0123456789abcdef0",
                "publicSubnetIds": ["subnet-0000000a", "subnet-0000000b"],
                "privateSubnetIds": ["subnet-0000000c"],
            },
            SecurityGroupPlan(alb_groups(80, False, False, 8080)),
            ["cloudfront-ipv4"],
        ),
        ({"architecture": "direct"}, SecurityGroupPlan(direct_groups(80)), ["cloudfront-ipv4"]),
    ],
)
def test_the_program_registers_the_plan_and_nothing_else(
    config: dict[str, Any], plan: SecurityGroupPlan, lists: list[str]
) -> None:
    program = run(**config)
    existing_vpc = "vpcId" in config
    vpc_cidr = "10.0.0.0/16" if existing_vpc else "10.80.0.0/16"
    # Every rule of every group, and nothing else.
    assert registered_rules(program, vpc_cidr) == planned_rules(plan)
    # Only the prefix lists a rule uses are looked up.
    looked_up = [i.args["name"] for i in program.invokes if i.token.endswith("getManagedPrefixList")]
    assert sorted(looked_up) == sorted(PREFIX_LIST_NAMES[peer] for peer in lists)  # type: ignore[index]
    # Groups and rules: named, described, tagged, in the VPC and under the component as planned.
    component = program.one("cloudfront-origin-lockdown:index:OriginLockdown")
    base_tags = {"Project": "cloudfront-origin-lockdown", "Stack": "dev"}
    groups = {sg.name: sg for sg in program.of_type(SG)}
    assert sorted(groups) == sorted(g.resource_name("origin") for g in plan.groups)
    for spec in plan.groups:
        named = spec.resource_name("origin")
        group = groups[named]
        inputs = reveal(group.inputs)
        assert "ingress" not in inputs and "egress" not in inputs
        assert inputs["description"] == spec.description
        assert inputs["tags"] == {**base_tags, "Name": named, "origin-lockdown:role": spec.role}
        if existing_vpc:
            assert inputs["vpcId"] == config["vpcId"]
        else:
            assert group.property_dependencies["vpcId"] == (program.one("aws:ec2/vpc:Vpc").urn,)
        assert group.parent == component.urn
        for type_token, direction in RULE_TYPES.items():
            rules = sorted(
                (r for r in program.of_type(type_token) if r.property_dependencies["securityGroupId"] == (group.urn,)),
                key=lambda r: r.name,
            )
            planned = [rule for rule in spec.rules if rule.direction == direction]
            indexes = [i + 1 for i, rule in enumerate(spec.rules) if rule.direction == direction]
            assert [r.name for r in rules] == [f"{named}-{direction}-{i}" for i in indexes]
            assert [reveal(r.inputs)["tags"] for r in rules] == [
                {**base_tags, "Name": f"{named}-{direction}-{i}"} for i in indexes
            ]
            assert [reveal(r.inputs)["fromPort"] for r in rules] == [rule.port for rule in planned]
            assert all(r.parent == component.urn for r in rules)
    # Each interface carries exactly its planned groups.
    carried = {
        "origin": [r.property_dependencies.get("securityGroups", ()) for r in program.of_type(ALB)]
        + [
            i.property_dependencies["vpcSecurityGroupIds"]
            for i in program.of_type(INSTANCE)
            if config["architecture"] == "direct"
        ],
        "instances": [
            i.property_dependencies["vpcSecurityGroupIds"]
            for i in program.of_type(INSTANCE)
            if config["architecture"] == "alb"
        ],
        "endpoints": [
            e.property_dependencies["securityGroupIds"]
            for e in program.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
            if reveal(e.inputs)["vpcEndpointType"] == "Interface"
        ],
    }
    for interface, found in carried.items():
        expected = {groups[g.resource_name("origin")].urn for g in plan.groups_on(interface)}  # type: ignore[arg-type]
        assert all(set(urns) == expected for urns in found), interface
        assert bool(found) == bool(expected), interface


PROVIDER_PROGRAM = """
import sys
import pulumi
import pulumi_aws as aws
sys.path.insert(0, {components!r})
from cloudfront_origin_lockdown.origin_lockdown import OriginLockdown
from cloudfront_origin_lockdown import OriginLockdownArgs

frankfurt = aws.Provider("frankfurt", region="eu-central-1")
OriginLockdown("origin", OriginLockdownArgs(architecture={architecture!r}), opts=pulumi.ResourceOptions({how}))
"""


@pytest.mark.parametrize("how", ["providers=[frankfurt]", "providers={{'aws': frankfurt}}", "provider=frankfurt"])
@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_lookups_go_through_the_components_own_provider(architecture: str, how: str, tmp_path: Path) -> None:
    """A component given a provider for another region must look up that region's prefix lists (their ids
    differ per region) and render that region into its boot script, not the stack's."""
    program = tmp_path / "__main__.py"
    components = str(Path(__file__).resolve().parents[2] / "components")
    program.write_text(PROVIDER_PROGRAM.format(components=components, architecture=architecture, how=how.format()))
    run = run_program({}, program=program)
    frankfurt_list = AwsMocks(region="eu-central-1").call(
        MockCallArgs(
            "aws:ec2/getManagedPrefixList:getManagedPrefixList", {"name": PREFIX_LIST_NAMES["cloudfront-ipv4"]}, ""
        )
    )["id"]
    assert frankfurt_list != MANAGED_PREFIX_LISTS[PREFIX_LIST_NAMES["cloudfront-ipv4"]]
    ingress = [reveal(r.inputs) for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert [r["prefixListId"] for r in ingress if r.get("prefixListId")] == [frankfurt_list]
    for instance in run.of_type("aws:ec2/instance:Instance"):
        assert "eu-central-1" in reveal(instance.inputs)["userData"] or architecture == "alb"
    regions = {reveal(e.inputs)["serviceName"].split(".")[2] for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert regions <= {"eu-central-1"}


# --- subnets ------------------------------------------------------------------------------------------------


def test_subnets_are_carved_without_overlap() -> None:
    blocks = carve_subnets("10.80.0.0/16")
    assert blocks == ["10.80.0.0/18", "10.80.64.0/18", "10.80.128.0/18", "10.80.192.0/18"]
    assert carve_subnets("10.0.0.0/25") == ["10.0.0.0/27", "10.0.0.32/27", "10.0.0.64/27", "10.0.0.96/27"]


def test_ipv6_subnets_are_distinct_64s_of_the_vpc_block() -> None:
    subnets = [ipv6_subnet("2600:1f18:abcd:ef00::/56", i) for i in range(4)]
    assert subnets[0] == "2600:1f18:abcd:ef00::/64"
    assert len(set(subnets)) == 4 and all(s.endswith("/64") for s in subnets)
