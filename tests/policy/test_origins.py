"""Origin discovery: every chain from a distribution to an interface, by value and by dependency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.dns import Entry
from origin_lockdown_judge.graph import StackGraph
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import Interface, Membership, Network
from origin_lockdown_judge.origins import (
    Unit,
    _port,
    _relative_match,
    _Walker,
    discover,
    origins_of_distribution,
    record_names,
    served_ports,
)
from origin_lockdown_judge.world_cidr import Tri

Y, M, N = Tri.YES, Tri.MAYBE, Tri.NO
LB = "aws:lb/loadBalancer:LoadBalancer"
ELB = "aws:elb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
ATTACH = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
RECORD = k.RECORD_AWS
ZONE = "aws:route53/zone:Zone"
VPCO = "aws:cloudfront/vpcOrigin:VpcOrigin"


class Stack:
    def __init__(self) -> None:
        self.items: list[Res] = []

    def add(self, rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
        r = Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))
        self.items.append(r)
        return r

    def graph(self) -> StackGraph:
        return StackGraph.build(self.items)

    def units(self) -> list[tuple[str, str, tuple[Tri, Tri], Tri, list[int], int]]:
        graph = self.graph()
        return [
            (u.iface.label, " -> ".join(u.chain), u.iface.reach, u.certainty, sorted(u.ports), u.other_paths)
            for u in discover(graph, Network(graph))
        ]

    def labels(self) -> list[str]:
        return [label for label, *_ in self.units()]


def origin(domain: Any, oid: Any = "web", **extra: Any) -> dict[str, Any]:
    return {"originId": oid, "domainName": domain, **extra}


def dist(s: Stack, *origins: dict[str, Any], deps: tuple[str, ...] = (), name: str = "cdn") -> Res:
    return s.add(k.DIST_AWS, name, {"origins": deps} if deps else {}, origins=list(origins))


# -- pure helpers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (8443, 8443),
        (8443.0, 8443),
        ("8443", 8443),
        (" 80 ", 80),
        ("x", 7),
        (True, 7),
        (None, 7),
        (UNKNOWN, 7),
        ([1], 7),
    ],
)
def test_port(value: Any, expected: int) -> None:
    assert _port(value, 7) == expected


@pytest.mark.parametrize(
    ("config", "ports"),
    [
        ({"originProtocolPolicy": "http-only", "httpPort": 8080, "httpsPort": 8443}, {8080}),
        ({"originProtocolPolicy": "https-only", "httpPort": 8080, "httpsPort": 8443}, {8443}),
        ({"originProtocolPolicy": "match-viewer", "httpPort": 8080, "httpsPort": 8443}, {8080, 8443}),
        ({"originProtocolPolicy": UNKNOWN}, {80, 443}),
        ({"originProtocolPolicy": "https-only", "httpsPort": UNKNOWN}, {443}),
        ({}, {80, 443}),
        (None, set()),
        (UNKNOWN, set()),
    ],
)
def test_served_ports(config: Any, ports: set[int]) -> None:
    assert served_ports(config) == frozenset(ports)


def test_origins_of_distribution() -> None:
    aws = Res("urn:a", k.DIST_AWS, "a", {"origins": [{"originId": "o"}]}, {"origins": ("u1",), "origin": ("u2",)})
    native = Res(
        "urn:n", k.DIST_NATIVE, "n", {"distributionConfig": {"origins": [{"id": "o"}]}}, {"distributionConfig": ("u3",)}
    )
    unknown = Res("urn:x", k.DIST_AWS, "x", {"origins": UNKNOWN})
    assert origins_of_distribution(aws) == ([{"originId": "o"}], ("u1", "u2"))
    assert origins_of_distribution(native) == ([{"id": "o"}], ("u3",))
    assert origins_of_distribution(unknown) == (None, ())


@pytest.mark.parametrize(
    ("record", "zone", "names"),
    [
        ({"fqdn": "WWW.Example.com.", "name": "ignored"}, None, ["www.example.com"]),
        ({"fqdn": UNKNOWN, "name": "www"}, "example.com", ["www.example.com"]),
        ({"name": "www.example.com"}, "example.com.", ["www.example.com"]),
        ({"name": "www.example.com."}, None, ["www.example.com"]),
        ({"name": "www.other.com."}, "example.com", ["www.other.com.example.com"]),  # as the provider does
        ({"name": "www"}, None, ["www", "www.*"]),
        ({"name": ""}, "example.com", ["example.com"]),
        ({"name": ""}, None, [""]),
        ({"name": UNKNOWN}, "example.com", []),
        ({"name": None}, "example.com", []),
        ({"fqdn": "", "name": "api"}, "example.com", ["api.example.com"]),
    ],
)
def test_record_names(record: dict[str, Any], zone: str | None, names: list[str]) -> None:
    s = Stack()
    if zone is not None:
        z = s.add(ZONE, "zone", zoneId="Z1", name=zone)
        s.add(RECORD, "rec", {"zoneId": (z.urn,)}, zoneId=UNKNOWN, **record)
    else:
        s.add(RECORD, "rec", zoneId="Z-elsewhere", **record)
    graph = s.graph()
    assert record_names(graph, graph.by_urn[s.items[-1].urn]) == names


def test_record_zone_by_value() -> None:
    s = Stack()
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    rec = s.add(RECORD, "rec", zoneId="Z1", name="api")
    assert record_names(s.graph(), rec) == ["api.example.com"]


# -- by name ---------------------------------------------------------------------------------------------------


def found(targets: list[Any]) -> list[Any]:
    """What a name leads to, record sets shown as their resource."""
    return [t.res if isinstance(t, Entry) else t for t in targets]


def test_by_domain() -> None:
    s = Stack()
    lb = s.add(LB, "lb", dnsName="lb-1.elb.amazonaws.com", securityGroups=["sg-1"])
    z = s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    exact = s.add(RECORD, "exact", zoneId="Z1", name="api")
    wild = s.add(RECORD, "wild", zoneId="Z1", name="*")
    rel = s.add(RECORD, "rel", zoneId="Z-elsewhere", name="www")
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    assert found(w.by_domain("LB-1.elb.amazonaws.com.")) == [lb]
    assert found(w.by_domain("api.example.com")) == [exact]
    assert found(w.by_domain("other.example.com")) == [wild]  # no record of its own: the wildcard answers
    assert found(w.by_domain("deep.other.example.com")) == [wild]  # at any depth (RFC 4592): a.b.example.com too
    assert found(w.by_domain("www")) == [rel] and found(w.by_domain("www.example.org")) == []
    [(possible, why)] = w.possibly_by_domain("www.example.org")  # its zone's name is not known
    assert (
        isinstance(possible, Entry)
        and possible.res is rel
        and why
        == (
            "the zone of Route 53 record 'rel' (www) is not known yet, so it may answer for www.example.org",
            rel.urn,
        )
    )
    assert w.possibly_by_domain("www") == []  # a certain match is not also a possible one
    assert found(w.by_domain("wwwx.example.org")) == [] and w.possibly_by_domain("wwwx.example.org") == []
    assert found(w.by_domain("nothing")) == [] and z.name == "zone"


def test_a_relative_wildcard_in_a_zone_not_known_needs_a_label_before_it_and_a_zone_after_it() -> None:
    s = Stack()
    own = s.add(RECORD, "own", zoneId="Z-elsewhere", name="origin.example.com")
    wild = s.add(RECORD, "wild", zoneId="Z-elsewhere", name="*.example.com")
    star = s.add(RECORD, "star", zoneId="Z-other", name="*")
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    assert found(w.by_domain("origin.example.com")) == [own]
    assert found([r for r, _ in w.possibly_by_domain("origin.example.com")]) == [star]  # *.<zone>: example.com
    assert found([r for r, _ in w.possibly_by_domain("a.example.com.org")]) == [wild, star]  # *.example.com.<org>
    assert found([r for r, _ in w.possibly_by_domain("localhost")]) == []  # no label left for a zone


def test_a_zone_of_the_stack_is_a_zone_cut_for_its_parents_wildcard() -> None:
    s = Stack()
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    s.add(ZONE, "eu", zoneId="Z2", name="eu.example.com")
    wild = s.add(RECORD, "wild", zoneId="Z1", name="*")
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    assert found(w.by_domain("origin.eu.example.com")) == []
    assert found(w.by_domain("origin.us.example.com")) == [wild]


def test_a_wildcard_answers_below_its_closest_encloser_only() -> None:
    """RFC 4592 3.3.1: the nearest existing ancestor decides; its own wildcard answers, or nothing does."""
    s = Stack()
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    wild = s.add(RECORD, "wild", zoneId="Z1", name="*")
    s.add(RECORD, "api", zoneId="Z1", name="api")
    s.add(RECORD, "below", zoneId="Z1", name="x.team")  # makes team.example.com exist, with no record
    nested = s.add(RECORD, "nested", zoneId="Z1", name="*.apps")
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    assert found(w.by_domain("a.b.c.example.com")) == [wild]
    assert found(w.by_domain("deep.api.example.com")) == []  # api exists and has no wildcard of its own
    assert found(w.by_domain("a.team.example.com")) == []  # team exists (a name below it does)
    assert found(w.by_domain("team.example.com")) == []  # exists without records: no answer, not the wildcard
    assert found(w.by_domain("web.apps.example.com")) == [nested]  # the closer wildcard, not *.example.com
    assert found(w.by_domain("a.web.apps.example.com")) == [nested]
    assert found(w.by_domain("example.org")) == []


# -- distributions ----------------------------------------------------------------------------------------------


def base() -> tuple[Stack, dict[str, Res]]:
    s = Stack()
    r = {
        "sg": s.add(k.SG_AWS, "sg", id="sg-1"),
        "lb": s.add(LB, "lb", id="arn:lb", arn="arn:lb", dnsName="lb-1.elb.amazonaws.com", securityGroups=["sg-1"]),
        "vm": s.add(
            k.INSTANCE_AWS,
            "vm",
            id="i-1",
            arn="arn:vm",
            publicDns="ec2-1.compute.amazonaws.com",
            publicIp="3.3.3.3",
            privateDns="ip-10-0-0-1.ec2.internal",
            vpcSecurityGroupIds=["sg-1"],
        ),
    }
    return s, r


WEB = "load balancer 'lb'"


def test_every_origin_by_value_with_its_ports() -> None:
    s, _ = base()
    dist(
        s,
        origin("lb-1.elb.amazonaws.com", customOriginConfig={"originProtocolPolicy": "https-only", "httpsPort": 8443}),
        origin("ec2-1.compute.amazonaws.com", "vm"),
        origin("nothing.example.com", "external"),
        "not an origin",  # type: ignore[arg-type]
    )
    assert s.units() == [
        (
            WEB,
            "distribution 'cdn' -> origin 'web' (lb-1.elb.amazonaws.com) -> load balancer 'lb'",
            (Y, Y),
            Y,
            [8443],
            0,
        ),
        (
            "instance 'vm'",
            "distribution 'cdn' -> origin 'vm' (ec2-1.compute.amazonaws.com) -> instance 'vm'",
            (Y, Y),
            Y,
            [],
            0,
        ),
    ]


def test_native_distribution_origin_ids() -> None:
    s, _ = base()
    s.add(k.DIST_NATIVE, "ncdn", distributionConfig={"origins": [{"id": "n", "domainName": "lb-1.elb.amazonaws.com"}]})
    s.add(k.DIST_AWS, "odd", origins=[{"originId": UNKNOWN, "domainName": "3.3.3.3"}])
    assert [chain for _, chain, *_ in s.units()] == [
        "distribution 'ncdn' -> origin 'n' (lb-1.elb.amazonaws.com) -> load balancer 'lb'",
        "distribution 'odd' -> origin '?' (3.3.3.3) -> instance 'vm'",
    ]


def test_origins_not_known_yet_are_followed_through_dependencies() -> None:
    s, r = base()
    pw = s.add("random:index/randomPassword:RandomPassword", "pw")
    ports = {"originProtocolPolicy": "http-only", "httpPort": 8080}
    dist(
        s,
        origin(UNKNOWN, customOriginConfig=ports),
        origin("ec2-1.compute.amazonaws.com", "vm"),
        deps=(r["lb"].urn, pw.urn, r["vm"].urn),
    )
    assert s.units() == [
        (
            "instance 'vm'",
            "distribution 'cdn' -> origin 'vm' (ec2-1.compute.amazonaws.com) -> instance 'vm'",
            (Y, Y),
            Y,
            [],
            0,
        ),
        (WEB, "distribution 'cdn' -> origin 'web' (domain not known yet) -> load balancer 'lb'", (Y, Y), Y, [8080], 0),
    ]
    s2, r2 = base()
    dist(s2, origin(UNKNOWN), origin(UNKNOWN, "other"), deps=(r2["lb"].urn,))
    assert (
        s2.units()[0][1] == "distribution 'cdn' -> an origin (through its property dependencies) -> load balancer 'lb'"
    )


def test_an_origin_nothing_explains_makes_every_endpoint_a_maybe() -> None:
    s, r = base()
    gw = s.add(LB, "gw", loadBalancerType="gateway")
    nlb = s.add(LB, "nlb", loadBalancerType="network")
    eni = s.add(k.ENI, "eni", id="eni-1")
    owned = s.add(k.ENI, "owned", id="eni-2", attachments=[{"instance": "i-1", "deviceIndex": 1}])
    dist(s, origin("ec2-1.compute.amazonaws.com", "vm"), origin(UNKNOWN, "lost"))
    s.add(k.DIST_AWS, "all-lost", origins=UNKNOWN)
    got = s.units()
    why = "distribution 'cdn', 'all-lost' -> an origin not known yet"
    assert got == [
        (
            "instance 'vm'",
            "distribution 'cdn' -> origin 'vm' (ec2-1.compute.amazonaws.com) -> instance 'vm'",
            (Y, Y),
            Y,
            [],
            0,
        ),
        (WEB, f"{why} -> load balancer 'lb'", (Y, Y), M, [], 0),
        ("network interface 'eni'", f"{why} -> network interface 'eni'", (Y, Y), M, [], 0),
    ]
    graph = s.graph()
    units = discover(graph, Network(graph))
    assert units[1].certainty_why == (
        "an origin of distribution 'cdn', 'all-lost' is not known yet and nothing in its dependencies names it",
        r["lb"].urn,
    )
    assert (gw.name, nlb.name, eni.name, owned.name) == ("gw", "nlb", "eni", "owned")


def test_an_origin_that_depends_on_something_else_is_not_ours() -> None:
    s, _ = base()
    bucket = s.add("aws:s3/bucket:Bucket", "bucket")
    dist(s, origin(UNKNOWN), deps=(bucket.urn,))
    assert s.units() == []


def test_a_whole_list_not_known_or_an_opaque_origin() -> None:
    s, r = base()
    s.add(k.DIST_AWS, "cdn", {"origins": (r["lb"].urn,)}, origins=UNKNOWN)
    assert s.labels() == [WEB]
    s2, r2 = base()
    s2.add(k.DIST_AWS, "cdn", {"origins": (r2["vm"].urn,)}, origins=[UNKNOWN])
    assert s2.labels() == ["instance 'vm'"]
    s3, _ = base()
    s3.add(k.DIST_AWS, "cdn", origins=[UNKNOWN])
    assert {c for *_, c, _, _ in s3.units()} == {M}


def test_vpc_origins_by_value_and_by_dependency() -> None:
    s, r = base()
    vo = s.add(
        VPCO,
        "vo",
        id="vo_1",
        vpcOriginEndpointConfig={"arn": "arn:lb", "originProtocolPolicy": "http-only", "httpPort": 81},
    )
    vo2 = s.add(
        VPCO, "vo2", {"vpcOriginEndpointConfig": (r["vm"].urn,)}, id="vo_2", vpcOriginEndpointConfig={"arn": UNKNOWN}
    )
    dist(
        s,
        origin("internal", vpcOriginConfig={"vpcOriginId": "vo_1"}),
        origin(UNKNOWN, "vm", vpcOriginConfig={"vpcOriginId": UNKNOWN}),
        deps=(vo2.urn,),
    )
    assert s.units() == [
        (
            WEB,
            "distribution 'cdn' -> origin 'web' (internal) -> VPC origin 'vo' -> load balancer 'lb'",
            (Y, Y),
            Y,
            [81],
            0,
        ),
        (
            "instance 'vm'",
            "distribution 'cdn' -> origin 'vm' (domain not known yet) -> VPC origin 'vo2' -> instance 'vm'",
            (Y, Y),
            Y,
            [80, 443],
            0,
        ),
    ]
    assert vo.name == "vo"


def test_records_elastic_ips_and_interfaces() -> None:
    s, r = base()
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    eip = s.add(
        k.EIP_AWS, "ip", id="eipalloc-1", publicIp="4.4.4.4", publicDns="ec2-4.compute.amazonaws.com", instance="i-1"
    )
    eni = s.add(k.ENI, "eni", id="eni-1", securityGroups=["sg-1"])
    s.add(k.EIP_AWS, "ip2", publicIp="5.5.5.5", networkInterface="eni-1")
    owned = s.add(k.ENI, "owned", id="eni-2", attachments=[{"instance": "i-1", "deviceIndex": 1}])
    s.add(k.EIP_AWS, "ip3", publicIp="6.6.6.6", networkInterface="eni-2")
    s.add(RECORD, "alias", zoneId="Z1", name="a", aliases=[{"name": "dualstack.lb-1.elb.amazonaws.com"}])
    s.add(RECORD, "cname", zoneId="Z1", name="c", records=["a.example.com"])
    s.add(RECORD, "to-ip", zoneId="Z1", name="i", records=["4.4.4.4"])
    s.add(RECORD, "loop", zoneId="Z1", name="loop", records=["loop.example.com"])
    s.add(RECORD, "by-dep", {"records": (eni.urn,)}, zoneId="Z1", name="d", records=[UNKNOWN])
    s.add(RECORD, "secondary", zoneId="Z1", name="s", records=["6.6.6.6"])
    dist(
        s,
        origin("c.example.com", "c"),
        origin("i.example.com", "i"),
        origin("loop.example.com", "loop"),
        origin("d.example.com", "d"),
        origin("ec2-4.compute.amazonaws.com", "ip"),
        origin("s.example.com", "s"),
    )
    got = {(label, chain) for label, chain, *_ in s.units()}
    assert got == {
        (
            WEB,
            (
                "distribution 'cdn' -> origin 'c' (c.example.com) -> Route 53 record 'cname' (c.example.com) -> "
                "Route 53 record 'alias' (a.example.com) -> load balancer 'lb'"
            ),
        ),
        (
            "instance 'vm'",
            (
                "distribution 'cdn' -> origin 'i' (i.example.com) -> Route 53 record 'to-ip' (i.example.com) -> "
                "Elastic IP 'ip' -> instance 'vm'"
            ),
        ),
        (
            "network interface 'eni'",
            (
                "distribution 'cdn' -> origin 'd' (d.example.com) -> Route 53 record 'by-dep' (d.example.com) -> "
                "network interface 'eni'"
            ),
        ),
        (
            "network interface 'owned' of instance 'vm'",
            # first reached as an interface of the origin instance, then as an origin itself (its own EIP)
            (
                "distribution 'cdn' -> origin 'i' (i.example.com) -> Route 53 record 'to-ip' (i.example.com) -> "
                "Elastic IP 'ip' -> network interface 'owned' of instance 'vm'"
            ),
        ),
    }
    units = {label: (reach, other) for label, _, reach, _, _, other in s.units()}
    assert units["instance 'vm'"] == ((Y, Y), 1)  # reached twice: through the record and through the EIP
    assert units["network interface 'owned' of instance 'vm'"] == ((Y, Y), 1)
    assert eip.name == "ip" and owned.name == "owned" and r["sg"].name == "sg"


def test_a_record_without_a_known_name_is_still_followed_by_dependency() -> None:
    s, r = base()
    rec = s.add(RECORD, "rec", {"aliases": (r["lb"].urn,)}, zoneId="Z-x", name=UNKNOWN, aliases=[{"name": UNKNOWN}])
    dist(s, origin(UNKNOWN), deps=(rec.urn,))
    assert (
        s.units()[0][1]
        == "distribution 'cdn' -> origin 'web' (domain not known yet) -> Route 53 record 'rec' -> load balancer 'lb'"
    )


# -- what a unit is, and how reaching it twice merges --------------------------------------------------------


def iface(key: str = "k", reach: tuple[Tri, Tri] = (N, N)) -> Interface:
    return Interface(key, "thing 'x'", None, Membership(), reach)


def test_add_merges_paths_ports_and_certainty() -> None:
    s = Stack()
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    w.add(iface(), ("a",), False, frozenset({1}))
    assert w.units == {}  # not reachable at all, not reached: nothing to judge
    w.add(iface(reach=(M, N)), ("z",), False, frozenset())
    assert w.units["k"].iface.reach == (M, N)
    del w.units["k"]
    w.add(iface(), ("a",), True, frozenset({1}), M, ("maybe", "u"))
    w.add(iface(), ("b",), True, frozenset({2}))  # a certain path replaces a maybe one
    [unit] = w.units.values()
    assert (unit.chain, unit.certainty, unit.ports, unit.other_paths) == (("b", "thing 'x'"), Y, frozenset({1, 2}), 1)
    w.add(iface(), ("b",), True, frozenset({3}))  # the same path again adds nothing but its ports
    w.add(iface(), ("c", "thing 'x'"), True, frozenset(), M)
    assert (unit.chain, unit.ports, unit.other_paths, unit.certainty) == (
        ("b", "thing 'x'"),
        frozenset({1, 2, 3}),
        2,
        Y,
    )
    assert w.reached_yes == {"k"}
    w.add(iface(reach=(N, Y)), ("d",), False, frozenset())  # reached again, more widely: the widest reach
    assert unit.iface.reach == (Y, Y) and unit.other_paths == 3


def test_unit_where() -> None:
    u = Unit(iface(), ("distribution 'cdn'", "thing 'x'"))
    assert u.where == "on thing 'x' (distribution 'cdn' -> thing 'x')"
    u.other_paths = 2
    assert u.where == "on thing 'x' (distribution 'cdn' -> thing 'x'; and 2 other path(s))"
    g = Unit(iface(), ("named in originSecurityGroupIds", "tagged a=b"), group_unit=True)
    assert g.where == "(named in originSecurityGroupIds; tagged a=b)"
    assert (g.certainty, g.certainty_why, g.ports) == (Y, ("", ""), frozenset())


# -- what a load balancer forwards to -------------------------------------------------------------------------


def forwarding(by_deps: bool) -> Stack:
    """An origin ALB forwarding, through every kind of link, to targets the internet reaches themselves."""
    s = Stack()
    s.add(k.SG_AWS, "sg", id="sg-1")
    s.add("aws:ec2/subnet:Subnet", "pub", id="subnet-pub", mapPublicIpOnLaunch=True)
    alb = s.add(LB, "alb", id="arn:alb", arn="arn:alb", dnsName="alb-1.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(TG, "tg1", id="arn:tg1", arn="arn:tg1", port=8080)
    tg2 = s.add(TG, "tg2", id="arn:tg2", arn="arn:tg2", port=9090)
    tg3 = s.add(TG, "tg3", id="arn:tg3", arn="arn:tg3", loadBalancerArns=["arn:alb"])

    def ref(prop: str, target: Res, value: Any) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        return ({prop: UNKNOWN}, {prop: (target.urn,)}) if by_deps else ({prop: value}, {})

    props, deps = ref("loadBalancerArn", alb, "arn:alb")
    listener = s.add(
        LISTENER, "https", deps, **props, defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg1"}]
    )
    props, deps = ref("listenerArn", listener, "arn:https")
    s.add(
        "aws:lb/listenerRule:ListenerRule",
        "rule",
        deps,
        **props,
        actions=[{"type": "forward", "forward": {"targetGroups": [{"arn": "arn:tg2"}]}}],
    )
    s.items[-2] = Res(listener.urn, listener.type, listener.name, {**listener.props, "arn": "arn:https"}, listener.deps)
    vm1 = s.add(k.INSTANCE_AWS, "vm1", id="i-1", publicIp="3.1.1.1", vpcSecurityGroupIds=["sg-1"])
    vm2 = s.add(k.INSTANCE_AWS, "vm2", id="i-2", privateIp="10.0.0.2", publicIp="3.2.2.2")
    props, deps = ref("targetId", vm1, "i-1")
    s.add(ATTACH, "a1", deps, targetGroupArn="arn:tg1", **props, port=8443)
    s.add(ATTACH, "a2", targetGroupArn="arn:tg2", targetId="10.0.0.2")
    lt = s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1")
    props, deps = ref("targetGroupArns", tg3, ["arn:tg3"])
    s.add(k.ASG, "asg", deps, **props, launchTemplate={"id": "lt-1"}, vpcZoneIdentifiers=["subnet-pub"])
    s.add(k.ASG, "asg2", name="asg2", launchTemplate={"id": "lt-1"}, vpcZoneIdentifiers=["subnet-pub"])
    s.add(k.ASG_ATTACHMENT, "asg2-tg", autoscalingGroupName="asg2", lbTargetGroupArn="arn:tg2")
    s.add(
        k.ASG,
        "asg3",
        name="asg3",
        launchTemplate={"id": "lt-1"},
        vpcZoneIdentifiers=["subnet-pub"],
        trafficSources=[{"identifier": "arn:tg3", "type": "elbv2"}],
    )
    s.add(
        k.ECS_SERVICE,
        "svc",
        networkConfiguration={"securityGroups": ["sg-1"], "assignPublicIp": True},
        loadBalancers=[{"targetGroupArn": "arn:tg1", "containerPort": 7000}],
    )
    s.add(
        k.ECS_SERVICE,
        "svc2",
        {"loadBalancers": (tg2.urn,)},
        networkConfiguration={"assignPublicIp": True},
        loadBalancers=[{"targetGroupArn": UNKNOWN}],
    )
    dist(s, origin("alb-1.elb.amazonaws.com"))
    assert (vm2.name, lt.name) == ("vm2", "lt")
    return s


@pytest.mark.parametrize("by_deps", [False, True], ids=["value", "dependency"])
def test_targets_behind_an_origin_load_balancer(by_deps: bool) -> None:
    got = {
        label: (chain.split(" -> ", 2)[-1], reach, ports)
        for label, chain, reach, _, ports, _ in forwarding(by_deps).units()
    }
    assert got == {
        "load balancer 'alb'": ("load balancer 'alb'", (Y, Y), []),
        "instance 'vm1'": (
            "load balancer 'alb' -> listener 'https' -> target group 'tg1' -> instance 'vm1'",
            (Y, N),
            [8443],
        ),
        "the tasks of ECS service 'svc'": (
            "load balancer 'alb' -> listener 'https' -> target group 'tg1' -> the tasks of ECS service 'svc'",
            (Y, N),
            [7000],
        ),
        "instance 'vm2'": (
            "load balancer 'alb' -> listener 'https' -> listener rule 'rule' -> target group 'tg2' -> instance 'vm2'",
            (Y, N),
            [9090],
        ),
        "the instances of Auto Scaling group 'asg2' (launch template 'lt')": (
            (
                "load balancer 'alb' -> listener 'https' -> listener rule 'rule' -> target group 'tg2' -> "
                "the instances of Auto Scaling group 'asg2' (launch template 'lt')"
            ),
            (Y, N),
            [9090],
        ),
        "the tasks of ECS service 'svc2'": (
            (
                "load balancer 'alb' -> listener 'https' -> listener rule 'rule' -> target group 'tg2' -> "
                "the tasks of ECS service 'svc2'"
            ),
            (Y, N),
            [9090],
        ),
        "the instances of Auto Scaling group 'asg' (launch template 'lt')": (
            (
                "load balancer 'alb' -> target group 'tg3' -> "
                "the instances of Auto Scaling group 'asg' (launch template 'lt')"
            ),
            (Y, N),
            [],
        ),
        "the instances of Auto Scaling group 'asg3' (launch template 'lt')": (
            (
                "load balancer 'alb' -> target group 'tg3' -> "
                "the instances of Auto Scaling group 'asg3' (launch template 'lt')"
            ),
            (Y, N),
            [],
        ),
    }


def test_classic_load_balancer_targets_and_passthrough_network_load_balancers() -> None:
    s = Stack()
    s.add(k.SG_AWS, "sg", id="sg-1")
    elb = s.add(
        ELB,
        "classic",
        id="classic",
        name="classic",
        dnsName="classic-1.elb.amazonaws.com",
        securityGroups=["sg-1"],
        instances=["i-1"],
    )
    s.add(k.INSTANCE_AWS, "vm1", id="i-1", publicIp="3.1.1.1")
    s.add(k.INSTANCE_AWS, "vm2", id="i-2", publicIp="", privateIp="10.0.0.2")
    s.add("aws:elb/attachment:Attachment", "att", elb="classic", instance="i-2")
    s.add(k.ASG, "asg", name="asg", loadBalancers=["classic"], launchTemplate={"id": "lt-x"})
    s.add(k.ASG, "asg2", name="asg2", launchTemplate={"id": "lt-x"})
    s.add(
        k.ASG_TRAFFIC_SOURCE, "ts", autoscalingGroupName="asg2", trafficSource={"identifier": "classic", "type": "elb"}
    )
    nlb = s.add(LB, "nlb", id="arn:nlb", dnsName="nlb-1.elb.amazonaws.com", loadBalancerType="network")
    tg = s.add(TG, "tg", id="arn:tg", arn="arn:tg")
    s.add(LISTENER, "tcp", loadBalancerArn="arn:nlb", defaultActions=[{"targetGroupArn": "arn:tg"}])
    s.add(ATTACH, "a", targetGroupArn="arn:tg", targetId="i-2")
    eni = s.add(k.ENI, "eni", id="eni-9", privateIp="10.0.0.9")
    s.add(ATTACH, "b", targetGroupArn="arn:tg", targetId="10.0.0.9")
    dist(s, origin("classic-1.elb.amazonaws.com"), origin("nlb-1.elb.amazonaws.com", "nlb"))
    got = {label: (reach, chain.split(" -> ")[-2]) for label, chain, reach, *_ in s.units()}
    assert got == {
        "load balancer 'classic'": ((Y, Y), "origin 'web' (classic-1.elb.amazonaws.com)"),
        "instance 'vm1'": ((Y, N), "load balancer 'classic'"),
        "the instances of Auto Scaling group 'asg'": ((M, M), "load balancer 'classic'"),
        "the instances of Auto Scaling group 'asg2'": ((M, M), "load balancer 'classic'"),
        "instance 'vm2'": ((Y, Y), "target group 'tg'"),  # behind an NLB without groups: reached as it is
        "network interface 'eni'": ((Y, Y), "target group 'tg'"),
    }
    chains = [chain for label, chain, *_ in s.units() if label == "instance 'vm2'"]
    assert "load balancer 'nlb' (no security groups: targets see clients)" in chains[0]
    assert (elb.name, nlb.name, tg.name, eni.name) == ("classic", "nlb", "tg", "eni")


def test_a_gateway_load_balancer_is_no_origin() -> None:
    s = Stack()
    s.add(LB, "gw", dnsName="gw-1.elb.amazonaws.com", loadBalancerType="gateway")
    dist(s, origin("gw-1.elb.amazonaws.com"))
    assert s.units() == []


def test_targets_are_built_once() -> None:
    s = forwarding(False)
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    alb = next(r for r in s.items if r.name == "alb")
    first = w.targets(alb)
    tg_of_lb = w._tg_of_lb
    assert w.targets(alb) == first and w._tg_of_lb is tg_of_lb
    assert [t.name for t, _, _ in first][:2] == ["vm1", "svc"]


# -- more of every link ---------------------------------------------------------------------------------------


def test_origin_list_details() -> None:
    s, r = base()
    dist(
        s,
        "not an origin",  # type: ignore[arg-type]
        {"originId": "no-domain"},
        origin("internal", "vo", vpcOriginConfig={"vpcOriginId": UNKNOWN}, customOriginConfig={"httpPort": 8081}),
        origin(UNKNOWN, "x", customOriginConfig={"originProtocolPolicy": "https-only", "httpsPort": 9443}),
        origin("lb-1.elb.amazonaws.com"),
        deps=(r["vm"].urn,),
    )
    got = {label: (chain, ports) for label, chain, _, _, ports, _ in s.units()}
    assert got == {
        WEB: ("distribution 'cdn' -> origin 'web' (lb-1.elb.amazonaws.com) -> load balancer 'lb'", []),
        "instance 'vm'": (
            "distribution 'cdn' -> an origin (through its property dependencies) -> instance 'vm'",
            [443, 8081, 9443],
        ),
    }


def test_one_unknown_vpc_origin_names_its_origin() -> None:
    s, r = base()
    dist(s, origin("internal", "vo", vpcOriginConfig={"vpcOriginId": UNKNOWN}), deps=(r["vm"].urn,))
    assert s.units()[0][1] == "distribution 'cdn' -> origin 'vo' (internal) -> instance 'vm'"


def test_a_record_with_several_targets_and_an_elastic_ip_on_nothing() -> None:
    s, r = base()
    s.add(LB, "lb2", dnsName="lb-2.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    s.add(RECORD, "rr", zoneId="Z1", name="rr", records=["lb-1.elb.amazonaws.com", "lb-2.elb.amazonaws.com"])
    s.add(k.EIP_AWS, "loose", publicDns="ec2-9.compute.amazonaws.com")
    dist(s, origin("rr.example.com"), origin("ec2-9.compute.amazonaws.com", "loose"))
    assert s.labels() == [WEB, "load balancer 'lb2'"] and r["lb"].name == "lb"


def test_reach_merges_per_family_and_paths_are_counted() -> None:
    graph = Stack().graph()
    w = _Walker(graph, Network(graph))
    w.add(iface(reach=(M, N)), ("a",), False, frozenset(), M)
    w.add(iface(reach=(N, Y)), ("b",), False, frozenset(), M)
    unit = w.units["k"]
    assert (unit.iface.reach, unit.other_paths, unit.certainty) == ((M, Y), 1, M)
    w.add(iface(reach=(N, N)), ("c",), True, frozenset())
    assert (unit.iface.reach, unit.other_paths, unit.certainty, unit.chain) == ((Y, Y), 2, Y, ("c", "thing 'x'"))
    assert w.reached_yes == {"k"}


def test_only_the_reached_interface_takes_the_origin_ports() -> None:
    s, _ = base()
    s.add(k.ENI, "extra", id="eni-x", attachments=[{"instance": "i-1", "deviceIndex": 1}], ipv6AddressCount=1)
    ports = {"originProtocolPolicy": "http-only", "httpPort": 8080}
    dist(s, origin("ec2-1.compute.amazonaws.com", "vm", customOriginConfig=ports))
    got = {label: (reach, p) for label, _, reach, _, p, _ in s.units()}
    assert got == {"instance 'vm'": ((Y, Y), [8080]), "network interface 'extra' of instance 'vm'": ((N, Y), [])}


def test_an_interface_reached_through_its_elastic_ip_is_reached_over_both_families() -> None:
    s, _ = base()
    s.add(k.ENI, "eni", id="eni-1", securityGroups=["sg-1"])
    s.add(k.EIP_AWS, "ip", publicIp="5.5.5.5", networkInterface="eni-1")
    dist(s, origin("5.5.5.5"))
    assert [(label, reach) for label, _, reach, *_ in s.units()] == [("network interface 'eni'", (Y, Y))]


def test_load_balancers_without_targets_and_maybe_endpoints() -> None:
    s = Stack()
    s.add(k.ENI, "owned", id="eni-2", attachments=[{"instance": "i-9", "deviceIndex": 1}])
    s.add(k.INSTANCE_AWS, "vm", id="i-9")
    s.add(ELB, "bare-classic", dnsName="c.elb.amazonaws.com", subnets=["subnet-x"])
    s.add(LB, "bare-alb", id="arn:a", arn="arn:a", dnsName="a.elb.amazonaws.com")
    s.add(TG, "empty", id="arn:tg", arn="arn:tg", loadBalancerArns=["arn:a"])
    dist(s, origin("c.elb.amazonaws.com"), origin("a.elb.amazonaws.com", "a"))
    assert s.labels() == ["load balancer 'bare-classic'", "load balancer 'bare-alb'"]
    s.add(k.DIST_AWS, "lost", origins=UNKNOWN)
    maybe = [(label, c) for label, _, _, c, _, _ in s.units()]
    assert maybe == [("load balancer 'bare-classic'", Y), ("load balancer 'bare-alb'", Y), ("instance 'vm'", M)]


def test_an_alb_without_groups_may_be_the_unknown_origin() -> None:
    s = Stack()
    s.add(k.ENI, "owned", id="eni-2", attachments=[{"instance": "i-9", "deviceIndex": 1}])
    s.add(LB, "bare-alb", dnsName="a.elb.amazonaws.com")
    s.add(k.INSTANCE_AWS, "vm", id="i-9")
    s.add(k.DIST_AWS, "lost", origins=UNKNOWN)
    assert s.labels() == ["load balancer 'bare-alb'", "instance 'vm'"]


@pytest.mark.parametrize("by_deps", [False, True], ids=["value", "dependency"])
def test_classic_and_fleet_links_by_value_and_by_dependency(by_deps: bool) -> None:
    s = Stack()
    s.add(k.SG_AWS, "sg", id="sg-1")
    elb = s.add(ELB, "classic", id="classic", name="classic", dnsName="c.elb.amazonaws.com", securityGroups=["sg-1"])
    alb = s.add(LB, "alb", id="arn:alb", arn="arn:alb", dnsName="a.elb.amazonaws.com", securityGroups=["sg-1"])
    tg = s.add(TG, "tg", id="arn:tg", arn="arn:tg", port=8080)
    vm1 = s.add(k.INSTANCE_AWS, "vm1", id="i-1", publicIp="3.1.1.1")
    vm2 = s.add(k.INSTANCE_AWS, "vm2", id="i-2", publicIp="3.2.2.2")
    vm3 = s.add(k.INSTANCE_AWS, "vm3", id="i-3", publicIp="3.3.3.3")
    asg1 = s.add(k.ASG, "asg1", name="asg1", launchTemplate={"id": "lt-x"})
    asg2 = s.add(k.ASG, "asg2", name="asg2", launchTemplate={"id": "lt-x"})
    asg3 = s.add(k.ASG, "asg3", name="asg3", launchTemplate={"id": "lt-x"})

    def ref(prop: str, target: Res, value: Any) -> dict[str, Any]:
        if by_deps:
            return {"deps": {prop: (target.urn,)}, prop: [UNKNOWN] if isinstance(value, list) else UNKNOWN}
        return {"deps": {}, prop: value}

    def add(rtype: str, res_name: str, *refs: dict[str, Any], **props: Any) -> Res:
        deps: dict[str, tuple[str, ...]] = {}
        for r in refs:
            deps.update(r.pop("deps"))
            props.update(r)
        return s.add(rtype, res_name, deps, **props)

    s.items.remove(elb)
    s.items.insert(
        1,
        add(
            ELB,
            "classic",
            ref("instances", vm1, ["i-1"]),
            id="classic",
            name="classic",
            dnsName="c.elb.amazonaws.com",
            securityGroups=["sg-1"],
        ),
    )
    add("aws:elb/attachment:Attachment", "ea", ref("elb", elb, "classic"), ref("instance", vm2, "i-2"))
    add(k.ASG_ATTACHMENT, "aa", ref("autoscalingGroupName", asg1, "asg1"), ref("elb", elb, "classic"))
    add(k.ASG_ATTACHMENT, "ab", ref("autoscalingGroupName", asg2, "asg2"), ref("lbTargetGroupArn", tg, "arn:tg"))
    add(
        k.ASG_TRAFFIC_SOURCE, "ts", ref("autoscalingGroupName", asg3, "asg3"), trafficSource={"identifier": "arn:tg"}
    ) if not by_deps else add(
        k.ASG_TRAFFIC_SOURCE,
        "ts",
        ref("autoscalingGroupName", asg3, "asg3"),
        {"deps": {"trafficSource": (tg.urn,)}},
        trafficSource={"identifier": UNKNOWN},
    )
    s.add(
        k.ASG,
        "asg4",
        {"trafficSources": (tg.urn,)} if by_deps else {},
        name="asg4",
        launchTemplate={"id": "lt-x"},
        trafficSources=[{"identifier": UNKNOWN if by_deps else "arn:tg"}],
    )
    add(
        LISTENER,
        "l",
        ref("loadBalancerArn", alb, "arn:alb"),
        {"deps": {"defaultActions": (tg.urn,)} if by_deps else {}},
        defaultActions=[{"targetGroupArn": UNKNOWN if by_deps else "arn:tg"}],
    )
    add(ATTACH, "ta", ref("targetGroupArn", tg, "arn:tg"), ref("targetId", vm3, "i-3"))
    s.add(
        k.ECS_SERVICE,
        "svc",
        networkConfiguration={"assignPublicIp": True},
        loadBalancers=[{"elbName": "classic"}, {"targetGroupArn": "arn:tg"}],
    )
    dist(s, origin("c.elb.amazonaws.com"), origin("a.elb.amazonaws.com", "a"))
    got = {label: (chain.split(" -> ")[-2], ports) for label, chain, _, _, ports, _ in s.units()}
    assert got == {
        "load balancer 'classic'": ("origin 'web' (c.elb.amazonaws.com)", []),
        "instance 'vm1'": ("load balancer 'classic'", []),
        "instance 'vm2'": ("load balancer 'classic'", []),
        "the instances of Auto Scaling group 'asg1'": ("load balancer 'classic'", []),
        "the tasks of ECS service 'svc'": ("load balancer 'classic'", [8080]),
        "load balancer 'alb'": ("origin 'a' (a.elb.amazonaws.com)", []),
        "the instances of Auto Scaling group 'asg2'": ("target group 'tg'", [8080]),
        "the instances of Auto Scaling group 'asg3'": ("target group 'tg'", [8080]),
        "the instances of Auto Scaling group 'asg4'": ("target group 'tg'", [8080]),
        "instance 'vm3'": ("target group 'tg'", [8080]),
    }


def test_an_ecs_service_behind_two_target_groups() -> None:
    s = Stack()
    s.add(LB, "alb", id="arn:alb", arn="arn:alb", dnsName="a.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(TG, "tg1", id="arn:tg1", arn="arn:tg1", loadBalancerArns=["arn:alb"])
    s.add(TG, "tg2", id="arn:tg2", arn="arn:tg2", loadBalancerArns=["arn:alb"])
    s.add(
        k.ECS_SERVICE,
        "svc",
        networkConfiguration={"assignPublicIp": True},
        loadBalancers=[
            {"targetGroupArn": "arn:tg1", "containerPort": 81},
            {"targetGroupArn": "arn:tg2", "containerPort": 82},
        ],
    )
    dist(s, origin("a.elb.amazonaws.com"))
    [(_, _, _, _, ports, paths)] = [u for u in s.units() if u[0] == "the tasks of ECS service 'svc'"]
    assert (ports, paths) == ([81, 82], 1)


@pytest.mark.parametrize(
    ("relative", "name", "answers"),
    [
        ("www", "www", True),
        ("www", "www.example.com", True),
        ("www", "wwwx.example.com", False),
        ("www", "x.www.example.com", False),
        ("*", "a.example", True),
        ("*", "example", False),  # a label for the wildcard and one for the zone
        ("*.api", "x.api.example.com", True),
        ("*.api", "a.b.api.example.org", True),
        ("*.api", "api.example.com", False),
        ("*.api", "x.api", False),  # no label left for the zone
        ("*.api.v1", "x.api.v1.z", True),
        ("*.api.v1", "x.api.v2.z", False),
        ("*.api.v1", "x.api.z.v1", False),
    ],
)
def test_what_a_relative_name_in_a_zone_not_known_may_answer(relative: str, name: str, answers: bool) -> None:
    assert _relative_match(relative, name) is answers


def test_what_a_record_in_a_zone_not_known_reaches_is_only_maybe_an_origin() -> None:
    s = Stack()
    s.add(LB, "lb", id="arn:lb", dnsName="lb-1.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(LB, "other", id="arn:other", dnsName="other-1.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(RECORD, "wild", zoneId="Z-elsewhere", name="*", aliases=[{"name": "lb-1.elb.amazonaws.com"}])
    s.add(RECORD, "api", zoneId="Z-elsewhere", name="api", records=["web.example.com"])
    dist(s, origin("web.example.com"))
    graph = s.graph()
    [unit] = discover(graph, Network(graph))
    assert (unit.iface.label, unit.certainty) == ("load balancer 'lb'", M)
    assert unit.chain == (
        "distribution 'cdn'",
        "origin 'web' (web.example.com)",
        "Route 53 record 'wild' (*)",
        "load balancer 'lb'",
    )
    assert unit.certainty_why == (
        "the zone of Route 53 record 'wild' (*) is not known yet, so it may answer for web.example.com",
        s.items[2].urn,
    )
    # Reached for certain by another origin too: certain (the possible path is not the one that counts).
    s.items.pop()
    dist(s, origin("web.example.com", "maybe"), origin("lb-1.elb.amazonaws.com", "sure"))
    graph = s.graph()
    [unit] = discover(graph, Network(graph))
    assert (unit.certainty, unit.certainty_why) == (Y, ("", ""))
    # A possible path inside a certain one stays possible below it: the record 'api' (zone not known either)
    # may answer for api.example.com, which the wildcard may answer too.
    s.items.pop()
    dist(s, origin("api.example.com"))
    graph = s.graph()
    assert {(u.iface.label, u.certainty) for u in discover(graph, Network(graph))} == {("load balancer 'lb'", M)}


@pytest.mark.parametrize("by_deps", [False, True])
def test_aws_native_listeners_rules_and_target_groups_with_inline_targets(by_deps: bool) -> None:
    """aws-native: listener -> listener rule (forwardConfig.targetGroups[].targetGroupArn) or default action ->
    target group with inline targets[] (id, port), each link by value or by dependency."""
    s = Stack()
    s.add(k.INSTANCE_AWS, "vm1", id="i-1", publicIp="3.3.3.1", vpcSecurityGroupIds=["sg-1"])
    vm2 = s.add(k.INSTANCE_AWS, "vm2", id="i-2", publicIp="3.3.3.2", vpcSecurityGroupIds=["sg-1"])
    eni = s.add(k.ENI, "eni", id="eni-1", privateIp="10.0.0.9", securityGroups=["sg-1"])
    lb = s.add(k.LB_NATIVE, "alb", id="arn:lb", loadBalancerArn="arn:lb", dnsName="alb-1.elb.amazonaws.com",
               securityGroups=["sg-1"])  # fmt: skip
    s.add(
        k.TARGET_GROUP_NATIVE, "tg1", {"targets": (vm2.urn,)} if by_deps else None, id="arn:tg1",
        targetGroupArn="arn:tg1", port=8443,
        targets=[{"id": "i-1", "port": 9443}, {"id": "10.0.0.9"}] + ([{"id": UNKNOWN}] if by_deps else []),
    )  # fmt: skip
    tg2 = s.add(k.TARGET_GROUP_NATIVE, "tg2", id="arn:tg2", targetGroupArn="arn:tg2", port=7000, targets=[])
    listener = s.add(
        k.LISTENER_NATIVE, "https", {"loadBalancerArn": (lb.urn,)} if by_deps else None, id="arn:l",
        listenerArn="arn:l", loadBalancerArn=UNKNOWN if by_deps else "arn:lb",
        defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg2"}],
    )  # fmt: skip
    s.add(
        k.LISTENER_RULE_NATIVE, "rule", {"listenerArn": (listener.urn,)}, id="arn:r", listenerArn="arn:l",
        actions=[{"type": "forward", "forwardConfig": {"targetGroups": [{"targetGroupArn": "arn:tg1", "weight": 1}]}}],
    )  # fmt: skip
    graph = s.graph()
    w = _Walker(graph, Network(graph))
    got = [(t.name, hops, port) for t, hops, port in w.targets(lb)]
    rule_hops = ("listener 'https'", "listener rule 'rule'", "target group 'tg1'")
    expected = [("vm1", rule_hops, 9443), ("eni", rule_hops, 8443)]
    if by_deps:
        expected.append(("vm2", rule_hops, 8443))  # named by dependency only: the group's port
    assert got == expected
    assert tg2.name == "tg2" and eni.name == "eni"  # tg2 (the default action's) has no targets


def test_an_alb_registered_as_a_network_load_balancers_target_is_followed() -> None:
    """Target type ``alb``: the attachment's targetId is the ALB's ARN; what reaches the NLB reaches the ALB."""
    s = Stack()
    s.add(k.SG_AWS, "sg", id="sg-1")
    s.add(LB, "nlb", id="arn:nlb", arn="arn:nlb", dnsName="n.elb.amazonaws.com", loadBalancerType="network")
    s.add(LB, "inner", id="arn:alb", arn="arn:alb", dnsName="i.elb.amazonaws.com", securityGroups=["sg-1"])
    s.add(LISTENER, "inner-80", loadBalancerArn="arn:alb", port=8081, defaultActions=[{"type": "fixed-response"}])
    s.add(TG, "to-alb", id="arn:tg", arn="arn:tg", port=80, protocol="TCP", targetType="alb")
    s.add(LISTENER, "l", loadBalancerArn="arn:nlb", port=80, defaultActions=[{"targetGroupArn": "arn:tg"}])
    s.add(ATTACH, "att", targetGroupArn="arn:tg", targetId="arn:alb", port=80)
    dist(s, origin("n.elb.amazonaws.com", customOriginConfig={"originProtocolPolicy": "http-only"}))
    got = {label: (reach, ports) for label, _, reach, _, ports, _ in s.units()}
    # The ALB is judged on the NLB's target port and its own listener's, reached from the internet.
    assert got["load balancer 'inner'"] == ((Y, Y), [80, 8081])


def test_targets_of_a_classic_load_balancer_are_served_on_the_listeners_instance_ports() -> None:
    s = Stack()
    s.add(k.SG_AWS, "sg", id="sg-1")
    listeners = [{"lbPort": 80, "instancePort": 8080}, {"lbPort": 443, "instancePort": 8443}]
    s.add(ELB, "classic", id="classic", dnsName="c.elb.amazonaws.com", securityGroups=["sg-1"], instances=["i-1"],
          listeners=listeners)  # fmt: skip
    s.add(k.INSTANCE_AWS, "vm", id="i-1", publicIp="3.1.1.1")
    dist(s, origin("c.elb.amazonaws.com", customOriginConfig={"originProtocolPolicy": "http-only"}))
    got = {label: ports for label, _, _, _, ports, _ in s.units()}
    assert got["instance 'vm'"] == [8080, 8443]
