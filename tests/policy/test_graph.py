"""The stack index: references resolved by value (ids, ARNs, DNS names, addresses) and by dependency."""

from __future__ import annotations

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.graph import StackGraph, norm
from origin_lockdown_judge.model import Res

SG = "aws:ec2/securityGroup:SecurityGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
VM = "aws:ec2/instance:Instance"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
BUCKET = "aws:s3/bucket:Bucket"


def res(rtype: str, resource_name: str, deps: dict[str, tuple[str, ...]] | None = None, **props: object) -> Res:
    return Res(f"urn:pulumi:dev::p::{rtype}::{resource_name}", rtype, resource_name, props, deps or {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Web-1.US-East-1.ELB.amazonaws.com.", "web-1.us-east-1.elb.amazonaws.com"),
        ("dualstack.web-1.elb.amazonaws.com", "web-1.elb.amazonaws.com"),
        ("  sg-123  ", "sg-123"),
        ("a.dualstack.b", "a.dualstack.b"),
        ("name..", "name"),
    ],
)
def test_norm(value: str, expected: str) -> None:
    assert norm(value) == expected


def stack() -> tuple[StackGraph, dict[str, Res]]:
    sg = res(SG, "web-sg", id="sg-0abc", arn="arn:aws:ec2:r:1:security-group/sg-0abc", name="web")
    lb = res(LB, "web-lb", id="arn:lb", arn="arn:lb", dnsName="Web-LB.elb.amazonaws.com", securityGroups=["sg-0abc"])
    vm = res(
        VM,
        "vm",
        id="i-1",
        publicIp="3.3.3.3",
        privateIp="10.0.0.5",
        publicDns="ec2-3-3-3-3.compute-1.amazonaws.com",
        ipv6Addresses=["2600::1"],
        primaryNetworkInterfaceId="eni-1",
    )
    rule = res(RULE, "rule", {"securityGroupId": (sg.urn,)}, securityGroupId="sg-0abc")
    bucket = res(BUCKET, "bucket", id="sg-0abc")  # not indexed: not a type the pack follows by reference
    resources = {r.name: r for r in (sg, lb, vm, rule, bucket)}
    return StackGraph.build(resources.values()), resources


def test_every_resource_by_urn_type_and_position() -> None:
    g, r = stack()
    assert list(g.by_urn) == [x.urn for x in r.values()]
    assert g.by_type[SG] == [r["web-sg"]]
    assert [x.name for x in g.of({RULE, SG, LB})] == ["web-sg", "web-lb", "rule"]  # stack order, not type order
    assert g.of({"aws:nothing"}) == []
    assert g.position[r["vm"].urn] == 2


@pytest.mark.parametrize(
    ("value", "types", "names"),
    [
        ("sg-0abc", k.SG_TYPES, ["web-sg"]),
        ("ARN:AWS:EC2:R:1:SECURITY-GROUP/SG-0ABC", k.SG_TYPES, ["web-sg"]),
        ("web-lb.elb.amazonaws.com.", k.LB_TYPES, ["web-lb"]),
        ("dualstack.web-lb.elb.amazonaws.com", k.LB_TYPES, ["web-lb"]),
        ("3.3.3.3", k.INSTANCE_TYPES, ["vm"]),
        ("10.0.0.5", k.INSTANCE_TYPES, ["vm"]),
        ("2600::1", k.INSTANCE_TYPES, ["vm"]),
        ("eni-1", k.INSTANCE_TYPES, ["vm"]),
        ("ec2-3-3-3-3.compute-1.amazonaws.com", k.INSTANCE_TYPES, ["vm"]),
        ("sg-0abc", k.LB_TYPES, []),  # the value names a group, not a load balancer
        ("web", k.SG_TYPES, []),  # names are not ids
        (["sg-0abc", "arn:lb", UNKNOWN], k.SG_TYPES | k.LB_TYPES, ["web-sg", "web-lb"]),
        (UNKNOWN, k.SG_TYPES, []),
        (None, k.SG_TYPES, []),
    ],
)
def test_by_value(value: object, types: frozenset[str], names: list[str]) -> None:
    g, _ = stack()
    assert [x.name for x in g.by_value(value, types)] == names


def test_by_deps_and_refs() -> None:
    g, r = stack()
    urns = (r["web-lb"].urn, "urn:not-in-stack", r["web-sg"].urn, r["web-sg"].urn)
    assert [x.name for x in g.by_deps(urns, k.SG_TYPES)] == ["web-sg"]
    assert [x.name for x in g.by_deps(urns, k.SG_TYPES | k.LB_TYPES)] == ["web-lb", "web-sg"]
    assert g.by_deps((), k.SG_TYPES) == []
    both = g.refs("sg-0abc", (r["web-sg"].urn, r["web-lb"].urn), k.SG_TYPES | k.LB_TYPES)
    assert [x.name for x in both] == ["web-sg", "web-lb"]  # by value first, each once
    assert [x.name for x in g.refs(UNKNOWN, (r["web-sg"].urn,), k.SG_TYPES)] == ["web-sg"]
    assert [x.name for x in g.refs("sg-0abc", (), k.SG_TYPES)] == ["web-sg"]


def test_ids_missing_from_outputs_are_learned_from_references() -> None:
    # A provider (or a mock) that does not put ``id`` among the outputs: the rule both names the group by
    # value and depends on it, so the value is learned as the group's id.
    sg = res(SG, "web-sg", name="web")
    rule = res(RULE, "rule", {"securityGroupId": (sg.urn,)}, securityGroupId="sg-0learned")
    listed = res(LB, "lb", {"securityGroups": (sg.urn,)}, securityGroups=["sg-0listed"])
    two = res(LB, "lb2", {"securityGroups": (sg.urn, rule.urn)}, securityGroups=["sg-0two"])
    known = res(VM, "vm", {"subnetId": (sg.urn,)}, id="i-1", subnetId="i-1")  # already names another
    outside = res(VM, "vm2", {"subnetId": ("urn:elsewhere",)}, subnetId="subnet-9")
    unknown = res(VM, "vm3", {"subnetId": (sg.urn,)}, subnetId=UNKNOWN)
    # a first property with two dependencies does not stop the next one from being learned; a number is
    # not a reference
    later = res(RULE, "later", {"tags": (sg.urn, rule.urn), "fromPort": (sg.urn,), "groupId": (sg.urn,)}, tags="x")
    later.props.update(fromPort=443, groupId="sg-0later")  # type: ignore[attr-defined]
    g = StackGraph.build([sg, rule, listed, two, known, outside, unknown, later])
    assert [x.name for x in g.by_value("sg-0later", k.SG_TYPES)] == ["web-sg"]
    assert [x.name for x in g.by_value("sg-0learned", k.SG_TYPES)] == ["web-sg"]
    assert [x.name for x in g.by_value("sg-0listed", k.SG_TYPES)] == ["web-sg"]
    assert g.by_value("sg-0two", k.SG_TYPES) == []  # two dependencies: which one is it?
    assert [x.name for x in g.by_value("i-1", k.SG_TYPES | k.INSTANCE_TYPES)] == ["vm"]
    assert g.by_value("subnet-9", k.SG_TYPES | k.INSTANCE_TYPES) == []
    assert norm(UNKNOWN) not in g.index


def test_a_type_the_judge_only_looks_at_teaches_no_alias() -> None:
    """A resource of a type that is not modelled (checked by the closed world) never teaches the judge an id."""
    sg = res(SG, "web-sg", name="web")
    res(RULE, "rule", {"securityGroupId": (sg.urn,)}, securityGroupId="sg-0learned")
    new = res("aws:ec2/thingOfTomorrow:ThingOfTomorrow", "new", {"groupId": (sg.urn,)}, groupId="sg-0guess")
    g = StackGraph.build([sg, new])
    assert g.by_value("sg-0guess", k.SG_TYPES) == [] and norm("sg-0guess") not in g.index


def test_a_value_two_resources_share_is_filed_under_both_once() -> None:
    a = res(SG, "a", id="sg-1", arn="sg-1")
    b = res(k.SG_DEFAULT, "b", id="sg-1")
    g = StackGraph.build([a, b])
    assert g.index["sg-1"] == [a, b]
