"""Findings (grouping and wording) and scope (which interfaces and groups each policy's settings judge)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lockdown.model import CACHE_ATTRIBUTE, analysis_of
from offline.snapshot import UNKNOWN
from origin_lockdown_judge import findings as f
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.judge import Exposure, Item, Judge
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import Interface, Membership
from origin_lockdown_judge.origins import Unit
from origin_lockdown_judge.scope import (
    Analysis,
    analyse,
    configured_groups,
    group_unit,
    tags_match,
    units_in_scope,
)
from origin_lockdown_judge.world_cidr import Tri
from tests.policy.stacks import origin_stack, policy_resources

Y, M, N = Tri.YES, Tri.MAYBE, Tri.NO


class Stack:
    def __init__(self) -> None:
        self.items: list[Res] = []

    def add(self, rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
        r = Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))
        self.items.append(r)
        return r

    def analysis(self) -> Analysis:
        return analyse(self.items)


def rule(s: Stack, name: str, cidr: str, port: int = 443, group: str = "sg-1") -> Res:
    props: dict[str, Any] = {"securityGroupId": group, "ipProtocol": "tcp", "fromPort": port, "toPort": port}
    props["cidrIpv6" if ":" in cidr else "cidrIpv4"] = cidr
    return s.add(k.RULE_VPC_IN, name, **props)


def unit_for(a: Analysis, *keys: str, label: str = "load balancer 'lb'", chain: tuple[str, ...] = ("d",)) -> Unit:
    iface = Interface(label, label, None, Membership(dict.fromkeys(keys, Y), named=True))
    return Unit(iface, chain)


def exposures(
    a: Analysis, unit: Unit, ports: tuple[int | None, ...] = (443,), protocols: tuple[str, ...] = ("tcp",)
) -> list[Exposure]:
    out = []
    for version in (4, 6):
        for protocol in protocols:
            for port in ports:
                e = a.judge.exposure(unit, version, protocol, port)
                if e is not None:
                    out.append(e)
    return out


# -- words -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "text"),
    [(["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c"), (["a", "b", "c", "d"], "a, b, c and d")],
)
def test_join(words: list[str], text: str) -> None:
    assert f._join(words) == text


def test_ports_text() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(k.RULE_VPC_IN, "all", securityGroupId="sg-1", ipProtocol="-1", cidrIpv4="0.0.0.0/0")
    a = s.analysis()
    u = unit_for(a, sg.urn)
    both = exposures(a, u, (443, 80, 8080), ("tcp", "udp"))
    assert f.ports_text([e for e in both if e.version == 4]) == "tcp 80, 443 and 8080, udp 80, 443 and 8080"
    every = exposures(a, u, (22, None))
    assert f.ports_text(every) == "every tcp port"
    assert f.ports_text(exposures(a, u, (443, 443))) == "tcp 443"


def internet_but(*holes: str) -> list[str]:
    """Every block of IPv4 but ``holes``, as CIDR text."""
    import ipaddress

    blocks = [ipaddress.IPv4Network("0.0.0.0/0")]
    for hole in map(ipaddress.IPv4Network, holes):
        blocks = [piece for b in blocks for piece in (b.address_exclude(hole) if hole.subnet_of(b) else [b])]
    return [str(b) for b in blocks]


@pytest.mark.parametrize(
    ("holes", "covered"),
    [
        ((), "all of IPv4"),
        (("10.0.0.0/8",), "all of the IPv4 internet (everything but 10.0.0.0/8, which hold no internet address)"),
        (("10.0.0.0/8", "127.0.0.0/8", "100.64.0.0/10"), "all of the IPv4 internet (everything but 10.0.0.0/8, "
         "100.64.0.0/10 and 127.0.0.0/8, which hold no internet address)"),
        (("10.0.0.0/8", "127.0.0.0/8", "100.64.0.0/10", "0.0.0.0/8"), "all of the IPv4 internet (everything but "
         "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10 and 1 more, which hold no internet address)"),
        (("10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4"), "all of the IPv4 internet "
         "(everything but 10.0.0.0/8, 127.0.0.0/8, 172.16.0.0/12 and 2 more, which hold no internet address)"),
    ],
)  # fmt: skip
def test_covered_text_names_what_the_union_leaves_out(holes: tuple[str, ...], covered: str) -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(k.SG_AWS, "sg-2", id="sg-2", ingress=[{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                                 "cidrBlocks": internet_but(*holes)}])  # fmt: skip
    a = s.analysis()
    [e] = exposures(a, unit_for(a, sg.urn, "urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg-2"))
    assert f.covered_text(e, 4) == covered


def test_where_lists_three_and_counts_the_rest() -> None:
    units = [Unit(Interface(f"k{i}", f"thing {i}", None, Membership()), (f"d{i}",)) for i in range(5)]
    assert f._where(units[:1]) == "on thing 0 (d0 -> thing 0)" or f._where(units[:1]).startswith("on thing 0")
    assert f._where(units[:3]).count("; ") == 2 and "more" not in f._where(units[:3])
    assert f._where(units[:4]).endswith("; and 1 more")
    assert f._where(units).endswith("; and 2 more") and f._where(units).count("on thing") == 3


def test_groups_in_stack_order() -> None:
    s = Stack()
    first = s.add(k.SG_AWS, "first", id="sg-1")
    second = s.add(k.SG_AWS, "second", id="sg-2")
    a = s.analysis()
    external = a.net.group_by_id("sg-9")
    assert f._groups(a.net, [external, second.urn, first.urn, second.urn]) == (
        "security group 'first', security group 'second' and security group sg-9 (not created in this stack)"
    )


def test_definite_messages_name_each_part() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    pl = s.add(k.PREFIX_LIST_AWS, "pl", id="pl-1", entries=[{"cidr": "128.0.0.0/1"}])
    rule(s, "low", "0.0.0.0/1")
    s.add(
        k.RULE_VPC_IN,
        "via-list",
        securityGroupId="sg-1",
        ipProtocol="tcp",
        fromPort=443,
        toPort=443,
        prefixListId="pl-1",
    )
    rule(s, "inner", "64.0.0.0/2")
    rule(s, "v6", "::/0")
    a = s.analysis()
    u = unit_for(a, sg.urn, chain=("distribution 'cdn'", "load balancer 'lb'"))
    groups = f.group_exposures(a.judge, exposures(a, u))
    assert [len(g) for g in groups] == [1, 1]
    text, urn = f.definite_message(a.judge, groups[0], "THE END")
    assert text == (
        "Rules 'low' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) and 'via-list' "
        "(aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) together admit 0.0.0.0/1 (rule 'low') + "
        "128.0.0.0/1 (rule 'via-list', prefix list 'pl') = all of IPv4 on tcp 443 to security group 'sg' on load "
        "balancer 'lb' (distribution 'cdn' -> load balancer 'lb'). THE END"
    )
    assert urn.endswith("::low")
    text, urn = f.definite_message(a.judge, groups[1], "")
    assert text.startswith(
        "Rule 'v6' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits ::/0 = all of IPv6 on tcp 443 to"
    )
    assert urn.endswith("::v6") and pl.name == "pl"


def test_three_rules_are_joined_and_sources_sorted_by_address() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule(s, "c", "192.0.0.0/2")
    rule(s, "b", "128.0.0.0/2")
    rule(s, "a", "0.0.0.0/1")
    a = s.analysis()
    [group] = f.group_exposures(a.judge, exposures(a, unit_for(a, sg.urn)))
    text, urn = f.definite_message(a.judge, group, "")
    assert text.startswith("Rules 'c' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule), 'b' (")
    assert "0.0.0.0/1 (rule 'a') + 128.0.0.0/2 (rule 'b') + 192.0.0.0/2 (rule 'c') = all of IPv4" in text
    assert urn.endswith("::c")


def test_one_rule_with_two_blocks_names_no_rule_per_block() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(
        k.RULE_EC2, "two", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=443, toPort=443,
        cidrBlocks=["128.0.0.0/1", "0.0.0.0/1"],
    )  # fmt: skip
    a = s.analysis()
    [group] = f.group_exposures(a.judge, exposures(a, unit_for(a, sg.urn)))
    assert "admits 0.0.0.0/1 + 128.0.0.0/1 = all of IPv4 on tcp 443" in f.definite_message(a.judge, group, "")[0]


def test_maybe_messages_and_whom_they_blame() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule(s, "later", "0.0.0.0/0")
    s.items[-1] = Res(
        s.items[-1].urn, k.RULE_VPC_IN, "later", {**s.items[-1].props, "cidrIpv4": UNKNOWN, "cidrIpv6": UNKNOWN}
    )
    a = s.analysis()
    u = unit_for(a, sg.urn, chain=("distribution 'cdn'", "load balancer 'lb'"))
    group, group6 = f.group_exposures(a.judge, exposures(a, u, (80, 443)))
    assert {e.version for e in group} == {4} and {e.version for e in group6} == {6}
    text, urn = f.maybe_message(a.judge, group, "FIX")
    described = "rule 'later' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule)"
    assert text == (
        f"Cannot verify at preview: cidrIpv4 of {described} is not known yet. So security group 'sg' on load balancer "
        "'lb' (distribution 'cdn' -> load balancer 'lb') may admit all of IPv4 on tcp 443. Treated as a "
        "violation because unknownValues is 'deny' (the policy does not switch itself off at preview). FIX"
    )
    assert urn.endswith("::later")
    [v6] = [e for e in exposures(a, u, (443,)) if e.version == 6]
    assert f"cidrIpv6 of {described} is not known yet. So" in f.maybe_message(a.judge, [v6], "")[0]


def test_maybe_message_blames_the_first_resource_that_has_a_urn() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule(s, "r", "0.0.0.0/0")
    a = s.analysis()
    iface = Interface("i", "thing", None, Membership({sg.urn: Y}, named=True), (M, N), ("whether it is public", ""))
    [e] = exposures(a, Unit(iface, ("d",)))
    text, urn = f.maybe_message(a.judge, [e], "")
    assert text.startswith("Cannot verify at preview: whether it is public is not known yet. So security group 'sg'")
    assert urn.endswith("::r")  # the reason has no resource of its own: the rule
    both = Exposure(e.unit, 4, "tcp", 443, M, e.items, (("x", ""), ("y", "urn:y")))
    assert f.maybe_message(a.judge, [both], "")[1] == "urn:y"


def test_grouping_merges_families_and_ports_and_orders_by_the_stack() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    late = s.add(
        k.RULE_EC2,
        "late",
        type="ingress",
        securityGroupId="sg-1",
        protocol="tcp",
        fromPort=80,
        toPort=80,
        cidrBlocks=["0.0.0.0/0"],
    )
    s.items.insert(1, s.items.pop())  # 'late' is second in the stack
    s.add(
        k.RULE_EC2, "both", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=443, toPort=443,
        cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"],
    )  # fmt: skip
    a = s.analysis()
    groups = f.group_exposures(a.judge, exposures(a, unit_for(a, sg.urn), (80, 443)))
    assert [[(e.version, e.port) for e in g] for g in groups] == [[(4, 80)], [(4, 443), (6, 443)]]
    assert late.name == "late"
    assert f.group_exposures(a.judge, []) == []


def test_unique_units_keep_the_first() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule(s, "r", "0.0.0.0/0")
    a = s.analysis()
    one = unit_for(a, sg.urn, label="a")
    two = unit_for(a, sg.urn, label="b")
    again = unit_for(a, sg.urn, label="a")
    es = exposures(a, one) + exposures(a, two) + exposures(a, again)
    assert [u.iface.label for u in f._unique_units(es)] == ["a", "b"]


def test_source_text() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(k.PREFIX_LIST_AWS, "pl", id="pl-1", entries=[{"cidr": "0.0.0.0/0"}])
    s.add(k.RULE_VPC_IN, "r", securityGroupId="sg-1", ipProtocol="tcp", fromPort=443, toPort=443, prefixListId="pl-1")
    a = s.analysis()
    [e] = exposures(a, unit_for(a, sg.urn))
    [item] = e.items
    assert f._source_text(item, True) == "0.0.0.0/0 (rule 'r', prefix list 'pl')"
    assert f._source_text(item, False) == "0.0.0.0/0 (prefix list 'pl')"
    plain = Item(item.rule, item.group, type(item.source)(item.source.network, (4,), "0.0.0.0/0", "", Y), Y, ())
    assert f._source_text(plain, False) == "0.0.0.0/0" and f._source_text(plain, True) == "0.0.0.0/0 (rule 'r')"


# -- scope -------------------------------------------------------------------------------------------------------


def test_analysis_is_computed_once_per_list_that_can_carry_it() -> None:
    class Carrier(list):
        pass

    resources = Carrier(policy_resources(origin_stack().snapshots()))
    first = analysis_of(resources)
    assert getattr(resources, CACHE_ATTRIBUTE) is first and analysis_of(resources) is first
    assert [r.urn for r in first.resources] == [r.urn for r in resources if r.resource_type in k.RELEVANT_TYPES]
    assert first.units and first.graph.by_urn
    plain = list(resources)
    assert analysis_of(plain) is not first  # a plain list carries nothing: computed again
    only = [r for r in resources if r.resource_type == "random:index/randomPassword:RandomPassword"]
    assert analysis_of(only).resources == []  # only the types the pack reads are converted


def test_tags() -> None:
    aws = Res("urn:a", k.SG_AWS, "a", {"tags": {"Role": "origin", "Team": "web"}})
    native = Res("urn:n", k.SG_NATIVE, "n", {"tags": [{"key": "Role", "value": "origin"}, "junk"]})
    none = Res("urn:x", k.SG_AWS, "x", {"tags": UNKNOWN})
    assert tags_match(aws, {"Role": "origin"}) and tags_match(aws, {"Role": "*", "Team": "web"})
    assert not tags_match(aws, {"Role": "web"}) and not tags_match(aws, {"Owner": "*"})
    assert tags_match(native, {"Role": "origin"}) and not tags_match(native, {"Role": "x"})
    assert not tags_match(none, {"Role": "*"}) and tags_match(none, {})
    assert not tags_match(Res("urn:y", k.SG_AWS, "y", {"tags": [{"key": "Role", "value": "origin"}]}), {"Role": "*"})


def test_group_unit() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1", vpcId="vpc-9")
    a = s.analysis()
    u = group_unit(a, sg.urn, "named in originSecurityGroupIds")
    assert (u.group_unit, u.chain, u.iface.key, u.iface.label, u.iface.res) == (
        True,
        ("named in originSecurityGroupIds",),
        f"group:{sg.urn}",
        "security group 'sg'",
        sg,
    )
    assert (u.iface.membership.members, u.iface.membership.named, u.iface.vpc) == ({sg.urn: Y}, True, "vpc:vpc-9")
    assert u.iface.reach == (Y, Y)


def test_configured_groups() -> None:
    s = Stack()
    vpc = s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1")
    by_id = s.add(k.SG_AWS, "by-id", id="sg-1", tags={"Role": "origin"})
    s.add(k.SG_AWS, "by-arn", id="sg-2", arn="arn:aws:ec2:r:1:security-group/sg-2")
    s.add(k.SG_AWS, "by-name", id="sg-3", name="Legacy", vpcId="vpc-1")  # not the default VPC: named here
    s.add(k.SG_NATIVE, "native-id", groupId="sg-4")
    s.add(k.SG_NATIVE, "native-name", groupId="sg-5", groupName="nat", vpcId="vpc-1")
    s.add(k.SG_AWS, "tagged", id="sg-6", tags={"Role": "origin", "Team": "x"})
    a = s.analysis()
    cfg = {
        "originSecurityGroupIds": [
            "SG-1",
            "arn:aws:ec2:r:1:security-group/sg-2",
            "legacy",
            "sg-4",
            "nat",
            "sg-404",
            "gone",
            "sg-1",
        ],
        "originSecurityGroupTags": {"Role": "origin", "Team": "*"},
    }
    got = {a.net.groups[key].label: why for key, why in configured_groups(a, cfg).items()}
    assert got == {
        "security group 'by-id'": ["named in originSecurityGroupIds"],
        "security group 'by-arn'": ["named in originSecurityGroupIds"],
        "security group 'by-name'": ["named in originSecurityGroupIds"],
        "security group 'native-id'": ["named in originSecurityGroupIds"],
        "security group 'native-name'": ["named in originSecurityGroupIds"],
        "security group 'tagged'": ["tagged Role=origin, Team=*"],
        "security group sg-404 (not created in this stack)": ["named in originSecurityGroupIds"],
        "security group named 'gone' (not created in this stack)": ["named in originSecurityGroupIds"],
    }
    both = configured_groups(a, {"originSecurityGroupIds": ["sg-1"], "originSecurityGroupTags": {"Role": "origin"}})
    assert both[by_id.urn] == ["tagged Role=origin", "named in originSecurityGroupIds"]
    assert configured_groups(a, {}) == {}
    assert vpc.name == "net"


def test_units_in_scope() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(k.SG_AWS, "other", id="sg-2")
    s.add("aws:lb/loadBalancer:LoadBalancer", "lb", dnsName="lb-1.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(k.DIST_AWS, "cdn", origins=[{"originId": "o", "domainName": "lb-1.elb.amazonaws.com"}])
    a = s.analysis()
    origins = units_in_scope(a, {})
    assert [u.iface.label for u in origins] == ["load balancer 'lb'"]
    named = units_in_scope(a, {"originSecurityGroupIds": ["sg-1"]})
    assert [(u.iface.label, u.chain) for u in named] == [
        ("load balancer 'lb'", origins[0].chain),
        ("security group 'sg'", ("named in originSecurityGroupIds",)),
    ]
    everything = units_in_scope(a, {"scope": "all", "originSecurityGroupIds": ["sg-1", "sg-1"]})
    assert [(u.iface.label, u.chain) for u in everything[1:]] == [
        ("security group 'sg'", ("named in originSecurityGroupIds; every security group is in scope",)),
        ("security group 'other'", ("every security group is in scope",)),
    ]
    assert sg.name == "sg"


def test_analyse_keeps_the_resources() -> None:
    items = [Res("urn:a", k.SG_AWS, "a", {"id": "sg-1"})]
    assert analyse(iter(items)).resources == items
    assert isinstance(analyse(items).judge, Judge)


def test_a_rule_opening_both_families_reads_as_one_finding() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(
        k.RULE_EC2, "both", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=443, toPort=443,
        cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"],
    )  # fmt: skip
    a = s.analysis()
    [group] = f.group_exposures(a.judge, exposures(a, unit_for(a, sg.urn)))
    assert (
        "admits 0.0.0.0/0 = all of IPv4 on tcp 443; ::/0 = all of IPv6 on tcp 443 to"
        in f.definite_message(a.judge, group, "")[0]
    )


def test_several_reasons_are_listed() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(
        k.RULE_EC2, "r", type=UNKNOWN, securityGroupId="sg-1", protocol="tcp", fromPort=UNKNOWN, toPort=443,
        cidrBlocks=["0.0.0.0/0"],
    )  # fmt: skip
    a = s.analysis()
    [group] = f.group_exposures(a.judge, exposures(a, unit_for(a, sg.urn)))
    rule_text = "rule 'r' (aws:ec2/securityGroupRule:SecurityGroupRule)"
    assert f.maybe_message(a.judge, group, "")[0].startswith(
        f"Cannot verify at preview: type of {rule_text} is not known yet; fromPort of {rule_text} is not known yet. So"
    )
