"""The union verdict: sources of every rule, what applies to an interface, and when it covers the world."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.graph import StackGraph
from origin_lockdown_judge.judge import Judge, Source, _versions_of_family
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import Interface, Membership, Network, Wildcard
from origin_lockdown_judge.origins import Unit
from origin_lockdown_judge.rules import rules_of
from origin_lockdown_judge.world_cidr import Tri

Y, M, N = Tri.YES, Tri.MAYBE, Tri.NO
PL = k.PREFIX_LIST_AWS


class Stack:
    def __init__(self) -> None:
        self.items: list[Res] = []

    def add(self, rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
        r = Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))
        self.items.append(r)
        return r

    def judge(self) -> Judge:
        graph = StackGraph.build(self.items)
        return Judge(graph, Network(graph))


def rule_res(s: Stack, name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
    base = {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    return s.add(k.RULE_VPC_IN, name, deps, **{**base, **props})


def sources(judge: Judge, res: Res) -> list[tuple[str | None, tuple[int, ...], str, str, Tri, tuple[Any, ...]]]:
    [rule] = list(rules_of(res))
    return [
        (str(src.network) if src.network else None, src.versions, src.text, src.via, src.certainty, src.why)
        for src in judge.sources(rule)
    ]


@pytest.mark.parametrize(("family", "versions"), [("IPv4", (4,)), ("IPv6", (6,)), (None, (4, 6)), (UNKNOWN, (4, 6))])
def test_versions_of_family(family: object, versions: tuple[int, ...]) -> None:
    assert _versions_of_family(family) == versions


def test_sources_of_cidrs() -> None:
    s = Stack()
    plain = rule_res(s, "plain", cidrIpv4=" 10.1.2.3/8 ")
    unknown = rule_res(s, "unknown", cidrIpv6=UNKNOWN)
    invalid = rule_res(s, "invalid", cidrIpv4="anywhere")
    lists = s.add(
        k.RULE_EC2, "lists", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=1, toPort=1,
        cidrBlocks=UNKNOWN, ipv6CidrBlocks=["::/0"],
    )  # fmt: skip
    opaque = s.add(k.SG_AWS, "sg", id="sg-1", ingress=[UNKNOWN])
    j = s.judge()
    assert sources(j, plain) == [("10.0.0.0/8", (4,), "10.1.2.3/8", "", Y, ())]
    described = "rule 'unknown' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule)"
    assert sources(j, unknown) == [
        (None, (6,), "cidrIpv6", "", Y, ((f"cidrIpv6 of {described} is not known yet", unknown.urn),))
    ]
    assert sources(j, invalid) == []
    described = "rule 'lists' (aws:ec2/securityGroupRule:SecurityGroupRule)"
    assert sources(j, lists) == [
        ("::/0", (6,), "::/0", "", Y, ()),
        (None, (4,), "cidrBlocks", "", Y, ((f"cidrBlocks of {described} is not known yet", lists.urn),)),
    ]
    assert sources(j, opaque) == [
        (
            None,
            (4, 6),
            "anything",
            "",
            Y,
            (
                (
                    "the whole rule object of rule 'sg.ingress[0]' (aws:ec2/securityGroup:SecurityGroup) is not "
                    "known yet",
                    opaque.urn,
                ),
            ),
        )
    ]
    [rule] = list(rules_of(plain))
    assert j.sources(rule) is j.sources(rule)  # computed once per rule


def test_sources_of_prefix_lists_managed_here() -> None:
    s = Stack()
    office = s.add(
        PL,
        "office",
        id="pl-o",
        addressFamily="IPv4",
        entries=[{"cidr": "0.0.0.0/1"}, {"cidr": UNKNOWN}, {"cidr": "nope"}],
    )
    s.add(k.PREFIX_LIST_ENTRY, "e1", prefixListId="pl-o", cidr="128.0.0.0/1")
    s.add(k.PREFIX_LIST_ENTRY, "e2", {"prefixListId": (office.urn,)}, prefixListId=UNKNOWN, cidr="10.0.0.0/8")
    v6 = s.add(PL, "v6", {"entries": ("urn:x",)}, id="pl-6", addressFamily="IPv6", entries=UNKNOWN)
    native = s.add(k.PREFIX_LIST_NATIVE, "native", prefixListId="pl-n", entries=[{"cidr": "::/0"}])
    computed = s.add(PL, "computed", id="pl-c", entries=UNKNOWN)
    by_value = rule_res(s, "by-value", prefixListId="pl-o")
    by_dep = rule_res(s, "by-dep", {"prefixListId": (v6.urn,)}, prefixListId=UNKNOWN)
    several = s.add(
        k.RULE_EC2, "several", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=1, toPort=1,
        prefixListIds=["pl-n", "pl-c", "pl-3b927c52"],
    )  # fmt: skip
    j = s.judge()
    via = "prefix list 'office'"
    assert sources(j, by_value) == [
        ("0.0.0.0/1", (4,), "0.0.0.0/1", via, Y, ()),
        (None, (4,), "an entry", via, Y, ((f"an entry of {via} is not known yet", office.urn),)),
        ("128.0.0.0/1", (4,), "128.0.0.0/1", via, Y, ()),
        ("10.0.0.0/8", (4,), "10.0.0.0/8", via, Y, ()),
    ]
    assert sources(j, by_dep) == [
        (
            None,
            (6,),
            "its entries",
            "prefix list 'v6'",
            Y,
            (("the entries of prefix list 'v6' are not known yet", v6.urn),),
        )
    ]
    assert sources(j, several) == [("::/0", (6,), "::/0", "prefix list 'native'", Y, ())]  # others: no entries
    assert native.name == "native" and computed.name == "computed"


def test_a_prefix_list_not_known_yet() -> None:
    s = Stack()
    lookup = rule_res(s, "lookup", prefixListId=UNKNOWN)
    elsewhere = rule_res(s, "elsewhere", {"prefixListId": ("urn:some-vpc",)}, prefixListId=UNKNOWN)
    whole = s.add(
        k.RULE_EC2, "whole", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=1, toPort=1,
        prefixListIds=UNKNOWN,
    )  # fmt: skip
    j = s.judge()
    assert sources(j, lookup) == [] and sources(j, whole) == []  # no list managed here: not the world
    s.add(PL, "world", id="pl-w", addressFamily="IPv4", entries=[{"cidr": "0.0.0.0/0"}])
    j = s.judge()
    why = (
        "the prefix list of rule 'lookup' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) is not known yet "
        "and nothing names it",
        lookup.urn,
    )
    assert sources(j, lookup) == [("0.0.0.0/0", (4,), "0.0.0.0/0", "prefix list 'world'", M, (why,))]
    assert sources(j, elsewhere) == []  # depends on something that is not a list of this stack
    assert len(sources(j, whole)) == 1


def test_a_list_named_and_depended_on_counts_once() -> None:
    s = Stack()
    pl = s.add(PL, "pl", id="pl-1", entries=[{"cidr": "0.0.0.0/0"}])
    r = s.add(
        k.RULE_EC2, "r", {"prefixListIds": (pl.urn,)}, type="ingress", securityGroupId="sg-1", protocol="tcp",
        fromPort=1, toPort=1, prefixListIds=["pl-1", UNKNOWN],
    )  # fmt: skip
    assert sources(s.judge(), r) == [("0.0.0.0/0", (4,), "0.0.0.0/0", "prefix list 'pl'", Y, ())]


# -- which rules apply to which group --------------------------------------------------------------------------


def test_rules_by_group() -> None:
    s = Stack()
    sg = s.add(
        k.SG_AWS,
        "sg",
        id="sg-1",
        ingress=[{"protocol": "tcp", "fromPort": 1, "toPort": 1, "cidrBlocks": ["1.1.1.1/32"]}],
    )
    other = s.add(k.SG_AWS, "other", id="sg-2")
    a = rule_res(s, "a", cidrIpv4="2.2.2.2/32")
    b = rule_res(s, "b", {"securityGroupId": (sg.urn, other.urn)}, securityGroupId=UNKNOWN, cidrIpv4="3.3.3.3/32")
    n = s.add(k.RULE_NATIVE_IN, "n", groupId="sg-2", ipProtocol="tcp")
    by_name = s.add(k.RULE_NATIVE_IN, "by-name", groupName="legacy", ipProtocol="tcp")
    rule_res(s, "lost", securityGroupId=UNKNOWN, cidrIpv4="0.0.0.0/0")
    j = s.judge()
    got = [(r.label, tri, why) for r, tri, why in j.rules_of_group(sg.urn)]
    several = (
        "securityGroupId of rule 'b' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) is not known yet and "
        "depends on several groups",
        b.urn,
    )
    assert got == [("sg.ingress[0]", Y, None), ("a", Y, None), ("b", M, several)]
    assert [r.label for r, _, _ in j.rules_of_group(other.urn)] == ["b", "n"]
    assert [r.label for r, _, _ in j.rules_of_group("name:legacy")] == ["by-name"]
    assert j.rules_of_group(sg.urn) is j.rules_of_group(sg.urn)  # parsed once
    assert [(r.label, w.why) for r, w in j.wild] == [
        (
            "lost",
            "securityGroupId of rule 'lost' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) is not known "
            "yet and comes from a lookup (no dependency names it)",
        )
    ]
    assert j.rules_of_group("nothing") == []
    assert (a.name, n.name, by_name.name) == ("a", "n", "by-name")


def test_wildcard_rules_apply_to_groups_of_their_vpc() -> None:
    s = Stack()
    vpc = s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1")
    inside = s.add(k.SG_AWS, "inside", id="sg-in", vpcId="vpc-1")
    outside = s.add(k.SG_AWS, "outside", id="sg-out", vpcId="vpc-9")
    anywhere = s.add(k.SG_AWS, "anywhere", id="sg-any", vpcId=UNKNOWN)
    rule_res(s, "lost", securityGroupId=UNKNOWN)
    j = s.judge()
    rule, wildcard = j.wild[0]
    j.wild[0] = (rule, Wildcard(vpc.urn, wildcard.why, wildcard.urn))
    assert [x.label for x, _, _ in j.rules_on(inside.urn)] == ["lost"]
    assert j.rules_on(outside.urn) == []
    assert [x.label for x, _, _ in j.rules_on(anywhere.urn)] == ["lost"]
    assert [(tri, why) for _, tri, why in j.rules_on(inside.urn)] == [(M, (wildcard.why, wildcard.urn))]
    assert j.rules_on("not-a-group") == []


def test_groups_of_an_interface() -> None:
    s = Stack()
    s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1")
    a = s.add(k.SG_AWS, "a", id="sg-a", vpcId="vpc-1")
    b = s.add(k.SG_AWS, "b", id="sg-b", vpcId="vpc-9")
    c = s.add(k.SG_AWS, "c", id="sg-c", vpcId="vpc-1")
    j = s.judge()
    vpc = j.net.vpc_key(a, "vpcId")
    m = Membership({a.urn: Y, c.urn: M}, {c.urn: ("why c", "u")}, [Wildcard(vpc, "lookup", "urn:lb")], named=True)
    got = j.groups_of(m)
    assert got[:2] == [(a.urn, Y, None), (c.urn, M, ("why c", "u"))]
    assert (c.urn, M, ("lookup", "urn:lb")) in got[2:]  # a MAYBE member may also be what the lookup returns
    assert all(key != a.urn for key, _, _ in got[2:]) and all(key != b.urn for key, _, _ in got)
    anywhere = j.groups_of(Membership({}, {}, [Wildcard(None, "lookup", "u")], named=True))
    assert {key for key, _, _ in anywhere} >= {a.urn, b.urn, c.urn}


def test_order_is_stack_position_then_inline_place() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1", ingress=[{"protocol": "tcp"}, {"protocol": "tcp"}])
    r = rule_res(s, "r")
    j = s.judge()
    first, second = list(rules_of(sg))
    [third] = list(rules_of(r))
    assert [j.order(x) for x in (first, second, third)] == [(0, "ingress[0]"), (0, "ingress[1]"), (1, "")]
    stranger = Res("urn:elsewhere", k.RULE_VPC_IN, "x", {})
    assert j.order(next(iter(rules_of(stranger)))) == (2, "")


# -- verdicts ------------------------------------------------------------------------------------------------


def unit(
    j: Judge,
    members: dict[str, Tri],
    reach: tuple[Tri, Tri] = (Y, Y),
    certainty: Tri = Y,
    why: dict[str, tuple[str, str]] | None = None,
    res: Res | None = None,
) -> Unit:
    iface = Interface(
        "iface",
        "load balancer 'lb'",
        res,
        Membership(members, dict(why or {}), named=True),
        reach,
        ("reach v4", "reach v6"),
    )
    return Unit(iface, ("distribution 'cdn'",), certainty, ("origin unsure", "urn:cdn"))


def verdict(
    j: Judge, u: Unit, version: int = 4, port: int | None = 443, protocol: str = "tcp"
) -> tuple[Any, ...] | None:
    e = j.exposure(u, version, protocol, port)
    if e is None:
        return None
    return e.certainty, [(i.rule.label, i.source.text, i.certainty) for i in e.items], list(e.reasons)


def two_halves(**extra: Any) -> tuple[Stack, Res]:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule_res(s, "low", cidrIpv4="0.0.0.0/1", **extra)
    rule_res(s, "high", cidrIpv4="128.0.0.0/1")
    return s, sg


def test_the_union_covers_the_world() -> None:
    s, sg = two_halves()
    rule_res(s, "inner", cidrIpv4="64.0.0.0/2")
    rule_res(s, "again", cidrIpv4="0.0.0.0/1")
    j = s.judge()
    assert verdict(j, unit(j, {sg.urn: Y})) == (Y, [("low", "0.0.0.0/1", Y), ("high", "128.0.0.0/1", Y)], [])
    assert verdict(j, unit(j, {sg.urn: Y}), version=6) is None
    assert verdict(j, unit(j, {sg.urn: Y}), port=80) is None
    assert verdict(j, unit(j, {sg.urn: Y}), protocol="udp") is None
    assert verdict(j, unit(j, {sg.urn: Y}, reach=(N, Y))) is None
    assert verdict(j, unit(j, {sg.urn: Y}, certainty=N)) is None
    assert verdict(j, unit(j, {})) is None


def test_maybe_parts_and_their_reasons() -> None:
    s, sg = two_halves(type=None)
    j = s.judge()
    u = unit(j, {sg.urn: M}, why={sg.urn: ("groups unsure", "urn:lb")})
    assert verdict(j, u) == (
        M,
        [("low", "0.0.0.0/1", M), ("high", "128.0.0.0/1", M)],
        [("groups unsure", "urn:lb")],
    )
    reach = unit(j, {sg.urn: Y}, reach=(M, N), res=sg)
    assert verdict(j, reach) == (
        M,
        [("low", "0.0.0.0/1", M), ("high", "128.0.0.0/1", M)],
        [("reach v4 is not known yet", sg.urn)],
    )
    assert verdict(j, unit(j, {sg.urn: Y}, reach=(N, M)), version=6) is None
    unsure = unit(j, {sg.urn: Y}, certainty=M)
    assert verdict(j, unsure) == (
        M,
        [("low", "0.0.0.0/1", M), ("high", "128.0.0.0/1", M)],
        [("origin unsure", "urn:cdn")],
    )
    blank = unit(j, {sg.urn: Y}, reach=(M, M))
    assert verdict(j, blank)[2] == [("reach v4 is not known yet", "")]  # type: ignore[index]


def test_unknown_direction_ports_and_protocol() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(
        k.RULE_EC2,
        "typed",
        type=UNKNOWN,
        securityGroupId="sg-1",
        protocol="tcp",
        fromPort=443,
        toPort=443,
        cidrBlocks=["0.0.0.0/0"],
    )
    s.add(
        k.RULE_EC2,
        "ported",
        type="ingress",
        securityGroupId="sg-1",
        protocol="tcp",
        fromPort=UNKNOWN,
        toPort=443,
        cidrBlocks=["0.0.0.0/0"],
    )
    s.add(
        k.RULE_EC2,
        "proto",
        type="ingress",
        securityGroupId="sg-1",
        protocol=UNKNOWN,
        fromPort=0,
        toPort=0,
        cidrBlocks=["::/0"],
    )
    s.add(
        k.RULE_EC2,
        "egress",
        type="egress",
        securityGroupId="sg-1",
        protocol="-1",
        fromPort=0,
        toPort=0,
        cidrBlocks=["0.0.0.0/0"],
    )
    j = s.judge()
    certainty, items, reasons = verdict(j, unit(j, {sg.urn: Y}))  # type: ignore[misc]
    assert certainty is M and [label for label, _, _ in items] == ["typed", "ported"]
    rule = "rule '{}' (aws:ec2/securityGroupRule:SecurityGroupRule)"
    assert reasons == [
        (f"type of {rule.format('typed')} is not known yet", s.items[1].urn),
        (f"fromPort of {rule.format('ported')} is not known yet", s.items[2].urn),
    ]
    assert verdict(j, unit(j, {sg.urn: Y}), version=6) == (
        M,
        [("proto", "::/0", M)],
        [(f"protocol of {rule.format('proto')} is not known yet", s.items[3].urn)],
    )


def test_an_opaque_rule_gives_its_own_reason_only() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1", ingress=[UNKNOWN])
    j = s.judge()
    certainty, items, reasons = verdict(j, unit(j, {sg.urn: Y}))  # type: ignore[misc]
    assert certainty is M and items == [("sg.ingress[0]", "anything", M)]
    assert reasons == [
        ("the whole rule object of rule 'sg.ingress[0]' (aws:ec2/securityGroup:SecurityGroup) is not known yet", sg.urn)
    ]


def test_every_port_and_may_cover() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    rule_res(s, "all", ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="0.0.0.0/0")
    rule_res(s, "web", cidrIpv6="::/0")
    rule_res(s, "half", cidrIpv6="2000::/4", fromPort=0, toPort=65535)
    j = s.judge()
    u = unit(j, {sg.urn: Y})
    assert verdict(j, u, port=None) == (Y, [("all", "0.0.0.0/0", Y)], [])
    assert verdict(j, u, version=6, port=None) is None  # half of 2000::/3 on every port is not the world
    assert j.may_cover(u, 4) and j.may_cover(u, 6)
    empty = Stack()
    quiet = empty.add(k.SG_AWS, "quiet", id="sg-1")
    rule_res(empty, "office", cidrIpv4="203.0.113.0/24", prefixListId="pl-3b927c52")
    jq = empty.judge()
    assert not jq.may_cover(unit(jq, {quiet.urn: Y}), 4)
    unknown = Stack()
    u_sg = unknown.add(k.SG_AWS, "u", id="sg-1")
    rule_res(unknown, "r", cidrIpv4=UNKNOWN)
    ju = unknown.judge()
    assert ju.may_cover(unit(ju, {u_sg.urn: Y}), 4) and not ju.may_cover(unit(ju, {u_sg.urn: Y}), 6)


def test_candidates_are_cached_per_unit() -> None:
    s, sg = two_halves()
    j = s.judge()
    u = unit(j, {sg.urn: Y})
    assert j._candidates(u) is j._candidates(u)
    other = unit(j, {})
    assert j._candidates(other) == []


def test_implicit_rules_apply_to_their_group() -> None:
    s = Stack()
    elb = s.add("aws:elb/loadBalancer:LoadBalancer", "classic", listeners=[{"lbPort": 443}])
    j = s.judge()
    key = f"elb-default:{elb.urn}"
    assert verdict(j, unit(j, {key: Y})) == (Y, [("classic.listeners[0]", "0.0.0.0/0", Y)], [])


def test_source_is_a_value() -> None:
    src = Source(ipaddress.ip_network("10.0.0.0/8"), (4,), "10.0.0.0/8", "", Y)
    assert src.why == () and src == Source(ipaddress.ip_network("10.0.0.0/8"), (4,), "10.0.0.0/8", "", Y)


def test_more_sources_and_targets() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    pl = s.add(PL, "pl", id="pl-1", entries=[{"cidr": "0.0.0.0/0"}])
    element = s.add(
        k.RULE_EC2, "element", type="ingress", securityGroupId="sg-1", protocol="tcp", fromPort=1, toPort=1,
        cidrBlocks=["10.0.0.0/8", UNKNOWN],
    )  # fmt: skip
    by_dep = s.add(
        k.RULE_EC2, "by-dep", {"prefixListIds": (pl.urn,)}, type="ingress", securityGroupId="sg-1", protocol="tcp",
        fromPort=1, toPort=1, prefixListIds=[UNKNOWN],
    )  # fmt: skip
    both = s.add(k.RULE_NATIVE_IN, "both", groupId="sg-1", groupName="legacy", ipProtocol="tcp")
    later = s.add(k.RULE_NATIVE_IN, "later", {"groupName": ("urn:x",)}, groupName=UNKNOWN, ipProtocol="tcp")
    j = s.judge()
    described = "rule 'element' (aws:ec2/securityGroupRule:SecurityGroupRule)"
    assert sources(j, element) == [
        ("10.0.0.0/8", (4,), "10.0.0.0/8", "", Y, ()),
        (None, (4,), "cidrBlocks", "", Y, ((f"cidrBlocks of {described} is not known yet", element.urn),)),
    ]
    assert sources(j, by_dep) == [("0.0.0.0/0", (4,), "0.0.0.0/0", "prefix list 'pl'", Y, ())]
    assert [r.label for r, _, _ in j.rules_of_group(sg.urn)] == ["element", "by-dep", "both"]
    assert [(r.label, w.why) for r, w in j.wild] == [
        ("later", "groupName of rule 'later' (aws-native:ec2:SecurityGroupIngress) is not known yet")
    ]
    assert both.name == "both" and later.name == "later"


def test_ipv6_reach_and_reasons() -> None:
    s = Stack()
    sg = s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(
        k.RULE_EC2,
        "r",
        type="ingress",
        securityGroupId="sg-1",
        protocol="tcp",
        fromPort=UNKNOWN,
        toPort=UNKNOWN,
        ipv6CidrBlocks=["::/0"],
    )
    j = s.judge()
    assert verdict(j, unit(j, {sg.urn: Y}, reach=(N, M), res=sg), version=6) == (
        M,
        [("r", "::/0", M)],
        [
            ("reach v6 is not known yet", sg.urn),
            (
                "fromPort, toPort of rule 'r' (aws:ec2/securityGroupRule:SecurityGroupRule) is not known yet",
                s.items[1].urn,
            ),
        ],
    )
    s2 = Stack()
    sg2 = s2.add(k.SG_AWS, "sg", id="sg-1")
    rule_res(s2, "v6", cidrIpv6="::/0")
    j2 = s2.judge()
    assert verdict(j2, unit(j2, {sg2.urn: Y}, reach=(N, Y)), version=6) == (Y, [("v6", "::/0", Y)], [])
    assert verdict(j2, unit(j2, {sg2.urn: Y}, reach=(Y, N)), version=6) is None
    s3 = Stack()
    sg3 = s3.add(k.SG_AWS, "sg", id="sg-1")
    s3.add(
        k.RULE_EC2,
        "t",
        type="ingress",
        securityGroupId="sg-1",
        protocol="tcp",
        fromPort=443,
        toPort=UNKNOWN,
        cidrBlocks=["0.0.0.0/0"],
    )
    j3 = s3.judge()
    assert verdict(j3, unit(j3, {sg3.urn: Y}))[2] == [  # type: ignore[index]
        ("toPort of rule 't' (aws:ec2/securityGroupRule:SecurityGroupRule) is not known yet", s3.items[1].urn)
    ]
