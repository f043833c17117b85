"""The security-group layout, as pure data: ports, peers and the default quotas."""

from __future__ import annotations

import itertools

import pytest

from cloudfront_origin_lockdown import aws_limits
from cloudfront_origin_lockdown.network import carve_subnets, ipv6_subnet
from cloudfront_origin_lockdown.security_groups import (
    GroupSpec,
    RuleSpec,
    SecurityGroupPlan,
    check_quotas,
    plan_security_groups,
)

ALL_PLANS = [
    (architecture, port, ipv6, endpoints)
    for architecture, port, ipv6, endpoints in itertools.product(
        ("alb", "direct"), (80, 443), (False, True), (False, True)
    )
    if not (architecture == "direct" and (endpoints or ipv6))
]


@pytest.mark.parametrize(("architecture", "port", "ipv6", "endpoints"), ALL_PLANS)
def test_every_layout_fits_the_default_quotas(architecture: str, port: int, ipv6: bool, endpoints: bool) -> None:
    plan = plan_security_groups(architecture, port, 8080, ipv6, endpoints)
    for group in plan.groups:
        assert group.weight("ingress") <= aws_limits.RULES_PER_SECURITY_GROUP
        assert group.weight("egress") <= aws_limits.RULES_PER_SECURITY_GROUP
    for interface in ("origin", "instances", "endpoints"):
        assert len(plan.groups_on(interface)) <= aws_limits.SECURITY_GROUPS_PER_NETWORK_INTERFACE


@pytest.mark.parametrize(("architecture", "port", "ipv6", "endpoints"), ALL_PLANS)
def test_origin_groups_admit_only_cloudfront_on_the_one_origin_port(
    architecture: str, port: int, ipv6: bool, endpoints: bool
) -> None:
    plan = plan_security_groups(architecture, port, 8080, ipv6, endpoints)
    origin_ingress = [r for g in plan.groups_on("origin") for r in g.rules if r.direction == "ingress"]
    expected = {("cloudfront-ipv4", port)} | ({("cloudfront-ipv6", port)} if ipv6 else set())
    assert {(r.peer, r.port) for r in origin_ingress} == expected
    # One prefix-list rule per group: the only way two of them fit under the quota.
    for group in plan.groups:
        assert sum(1 for r in group.rules if r.peer.startswith("cloudfront")) <= 1


@pytest.mark.parametrize(("architecture", "port", "ipv6", "endpoints"), ALL_PLANS)
def test_nothing_is_open_to_the_world_and_no_ssh(architecture: str, port: int, ipv6: bool, endpoints: bool) -> None:
    plan = plan_security_groups(architecture, port, 8080, ipv6, endpoints)
    for group in plan.groups:
        for rule in group.rules:
            if rule.direction == "ingress":
                assert not rule.peer.startswith("anywhere"), (group.role, rule)
            assert rule.port != 22


def test_alb_instances_admit_only_the_albs_group_on_the_app_port() -> None:
    plan = plan_security_groups("alb", 80, 9000, ipv6=True, private_endpoints=True)
    app = plan.group("app")
    assert [(r.peer, r.port) for r in app.rules if r.direction == "ingress"] == [("origin-ipv4", 9000)]
    assert app.attached_to == ("instances",)
    alb_egress = [(r.peer, r.port) for r in plan.group("origin-ipv4").rules if r.direction == "egress"]
    assert alb_egress == [("app", 9000)]


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


def test_six_groups_on_one_interface_break_the_quota() -> None:
    groups = tuple(GroupSpec("app", f"g{i}", (), ("instances",)) for i in range(6))
    with pytest.raises(ValueError, match="instances would carry 6 security groups"):
        check_quotas(SecurityGroupPlan(groups))


def test_subnets_are_carved_without_overlap() -> None:
    blocks = carve_subnets("10.80.0.0/16")
    assert blocks == ["10.80.0.0/18", "10.80.64.0/18", "10.80.128.0/18", "10.80.192.0/18"]
    assert carve_subnets("10.0.0.0/26") == ["10.0.0.0/28", "10.0.0.16/28", "10.0.0.32/28", "10.0.0.48/28"]


def test_ipv6_subnets_are_distinct_64s_of_the_vpc_block() -> None:
    subnets = [ipv6_subnet("2600:1f18:abcd:ef00::/56", i) for i in range(4)]
    assert subnets[0] == "2600:1f18:abcd:ef00::/64"
    assert len(set(subnets)) == 4 and all(s.endswith("/64") for s in subnets)


def test_ipv6_with_a_direct_origin_is_refused_by_the_plan_too() -> None:
    with pytest.raises(ValueError, match="IPv6 to the origin needs architecture alb, not direct"):
        plan_security_groups("direct", 80, 8080, ipv6=True, private_endpoints=False)
