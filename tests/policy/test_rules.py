"""Every rule shape normalised into one Rule: protocol, ports, CIDRs, prefix lists, peers, target, unknowns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.rules import EGRESS, INGRESS, Rule, rules_of


def res(rtype: str, props: dict[str, Any], deps: Mapping[str, tuple[str, ...]] | None = None, name: str = "r") -> Res:
    return Res(f"urn:pulumi:dev::p::{rtype}::{name}", rtype, name, props, deps or {})


def one(r: Res) -> Rule:
    [rule] = list(rules_of(r))
    return rule


def shape(rule: Rule) -> dict[str, Any]:
    return {
        "where": rule.where,
        "direction": rule.direction,
        "protocol": rule.protocol,
        "ports": (rule.from_port, rule.to_port),
        "cidrs": rule.cidrs,
        "unknown_cidr_lists": rule.unknown_cidr_lists,
        "prefix_lists": rule.prefix_lists,
        "prefix_lists_unknown": rule.prefix_lists_unknown,
        "peers": rule.peer_groups,
        "target": rule.target_prop,
        "opaque": rule.opaque,
    }


BASE = {
    "where": "",
    "direction": INGRESS,
    "protocol": "tcp",
    "ports": (443, 443),
    "cidrs": (),
    "unknown_cidr_lists": (),
    "prefix_lists": (),
    "prefix_lists_unknown": False,
    "peers": 0,
    "target": "securityGroupId",
    "opaque": False,
}


@pytest.mark.parametrize(
    ("rtype", "props", "expected"),
    [
        (
            k.RULE_VPC_IN,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg"},
            {"cidrs": (("cidrIpv4", "0.0.0.0/0"),)},
        ),
        (
            k.RULE_VPC_OUT,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv6": "::/0"},
            {"direction": EGRESS, "cidrs": (("cidrIpv6", "::/0"),)},
        ),
        (
            k.RULE_VPC_IN,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListId": "pl-1"},
            {"prefix_lists": ("pl-1",)},
        ),
        (
            k.RULE_VPC_IN,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "referencedSecurityGroupId": "sg-2"},
            {"peers": 1},
        ),
        (
            k.RULE_EC2,
            {
                "type": "ingress",
                "protocol": "6",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["10.0.0.0/8", "", None, "0.0.0.0/0"],
                "ipv6CidrBlocks": ["::/0"],
                "prefixListIds": ["pl-1", "pl-2"],
                "sourceSecurityGroupId": "sg-3",
            },
            {
                "protocol": "6",
                "cidrs": (("cidrBlocks", "10.0.0.0/8"), ("cidrBlocks", "0.0.0.0/0"), ("ipv6CidrBlocks", "::/0")),
                "prefix_lists": ("pl-1", "pl-2"),
                "peers": 1,
            },
        ),
        (
            k.RULE_EC2,
            {"type": "EGRESS", "protocol": "tcp", "fromPort": 443, "toPort": 443, "self": True},
            {"direction": EGRESS, "peers": 1},
        ),
        (
            k.RULE_EC2,
            {"type": UNKNOWN, "protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": UNKNOWN},
            {"direction": None, "unknown_cidr_lists": ("cidrBlocks",)},
        ),
        (
            k.RULE_EC2,
            {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": UNKNOWN},
            {"prefix_lists_unknown": True},
        ),
        (
            k.RULE_NATIVE_IN,
            {
                "groupId": "sg-1",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIp": "0.0.0.0/0",
                "cidrIpv6": "::/0",
                "sourcePrefixListId": "pl-1",
                "sourceSecurityGroupName": "web",
            },
            {
                "cidrs": (("cidrIp", "0.0.0.0/0"), ("cidrIpv6", "::/0")),
                "prefix_lists": ("pl-1",),
                "peers": 1,
                "target": "groupId",
            },
        ),
        (
            k.RULE_NATIVE_IN,
            {"groupName": "web", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443},
            {"target": "groupName"},
        ),
        (
            k.RULE_NATIVE_IN,
            {"groupId": "sg-1", "groupName": "web", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443},
            {"target": "groupId"},  # the id wins when both are given
        ),
        (
            k.RULE_NATIVE_IN,
            {"groupId": "g", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "sourceSecurityGroupId": "sg-2"},
            {"peers": 1, "target": "groupId"},
        ),
        (
            k.RULE_NATIVE_OUT,
            {"groupId": "g", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "destinationSecurityGroupId": "s"},
            {"direction": EGRESS, "peers": 1, "target": "groupId"},
        ),
        (
            k.RULE_EC2,
            {
                "type": "ingress",
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": UNKNOWN,
                "ipv6CidrBlocks": ["::/0"],
            },
            {"unknown_cidr_lists": ("cidrBlocks",), "cidrs": (("ipv6CidrBlocks", "::/0"),)},
        ),
        (
            k.RULE_NATIVE_OUT,
            {"groupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "destinationPrefixListId": "pl-9"},
            {"direction": EGRESS, "prefix_lists": ("pl-9",), "target": "groupId"},
        ),
    ],
)
def test_rule_resources(rtype: str, props: dict[str, Any], expected: dict[str, Any]) -> None:
    assert shape(one(res(rtype, props))) == {**BASE, **expected}


def test_ec2_rule_reads_protocol_before_ip_protocol() -> None:
    rule = one(res(k.RULE_EC2, {"type": "ingress", "protocol": "udp", "ipProtocol": "tcp"}))
    assert rule.protocol == "udp"
    assert one(res(k.RULE_VPC_IN, {"ipProtocol": "icmp"})).protocol == "icmp"


def test_prefix_list_dependencies_of_rule_resources() -> None:
    deps = {"prefixListId": ("urn:pl",), "prefixListIds": ("urn:pl2",), "securityGroupId": ("urn:sg",)}
    assert one(res(k.RULE_VPC_IN, {"prefixListId": UNKNOWN}, deps)).prefix_list_deps == ("urn:pl2", "urn:pl")
    native = {"sourcePrefixListId": ("urn:a",), "destinationPrefixListId": ("urn:b",), "groupId": ("urn:sg",)}
    assert one(res(k.RULE_NATIVE_IN, {"groupId": "sg"}, native)).prefix_list_deps == ("urn:a", "urn:b")


def test_inline_rules_of_a_group() -> None:
    sg = res(
        k.SG_AWS,
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]},
                UNKNOWN,
                "not a rule",
                {"protocol": "-1", "fromPort": 0, "toPort": 0, "securityGroups": ["sg-1", "sg-2"], "self": True},
            ],
            "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-1"]}],
        },
        {"ingress": ("urn:pl",)},
        name="web",
    )
    ingress0, opaque, peers, egress = list(rules_of(sg))
    assert (ingress0.label, ingress0.where, ingress0.direction, ingress0.target_prop) == (
        "web.ingress[0]",
        "ingress[0]",
        INGRESS,
        "",
    )
    assert ingress0.cidrs == (("cidrBlocks", "0.0.0.0/0"),) and ingress0.prefix_list_deps == ("urn:pl",)
    assert shape(opaque) == {
        **BASE,
        "where": "ingress[1]",
        "protocol": UNKNOWN,
        "ports": (UNKNOWN, UNKNOWN),
        "target": "",
        "opaque": True,
    }
    assert opaque.prefix_list_deps == () and opaque.owner is sg
    assert opaque.unknown_fields() == ["the whole rule object"]
    assert (peers.where, peers.peer_groups) == ("ingress[3]", 3)
    assert (egress.where, egress.direction, egress.prefix_lists) == ("egress[0]", EGRESS, ("pl-1",))
    assert egress.described == "'web.egress[0]' (aws:ec2/securityGroup:SecurityGroup)"


def test_default_group_and_native_group_inline_rules() -> None:
    default = res(k.SG_DEFAULT, {"ingress": [{"protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]}]})
    assert [r.where for r in rules_of(default)] == ["ingress[0]"]
    native = res(
        k.SG_NATIVE,
        {
            "securityGroupIngress": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "0.0.0.0/0"}],
            "securityGroupEgress": [{"ipProtocol": "-1", "destinationPrefixListId": "pl-1"}],
        },
    )
    ingress, egress = list(rules_of(native))
    assert (ingress.where, ingress.cidrs, ingress.protocol, ingress.direction) == (
        "securityGroupIngress[0]",
        (("cidrIp", "0.0.0.0/0"),),
        "tcp",
        INGRESS,
    )
    assert (egress.direction, egress.prefix_lists) == (EGRESS, ("pl-1",))


def test_whole_inline_list_unknown() -> None:
    set_by_program = res(k.SG_AWS, {"ingress": UNKNOWN, "egress": UNKNOWN}, {"ingress": ("urn:x",)}, name="web")
    [rule] = list(rules_of(set_by_program))  # egress has no dependency: unset and computed by the provider
    assert (rule.where, rule.opaque, rule.direction) == ("ingress[*]", True, INGRESS)
    assert rule.unknown_fields() == ["the whole ingress list"]
    assert rule.label == "web.ingress[*]"
    assert list(rules_of(res(k.SG_AWS, {"ingress": UNKNOWN}))) == []


def test_unknown_fields() -> None:
    rule = one(
        res(
            k.RULE_EC2,
            {
                "type": UNKNOWN,
                "protocol": UNKNOWN,
                "fromPort": UNKNOWN,
                "toPort": UNKNOWN,
                "cidrBlocks": [UNKNOWN, UNKNOWN],
                "ipv6CidrBlocks": UNKNOWN,
                "prefixListIds": [UNKNOWN],
            },
        )
    )
    assert rule.unknown_fields() == [
        "type",
        "protocol",
        "fromPort",
        "toPort",
        "cidrBlocks",
        "ipv6CidrBlocks",
        "prefix list",
    ]
    assert one(res(k.RULE_EC2, {"type": "ingress", "prefixListIds": UNKNOWN})).unknown_fields() == ["prefix list"]
    assert one(res(k.RULE_VPC_IN, {"ipProtocol": "tcp", "fromPort": 1, "toPort": 2})).unknown_fields() == []


def test_label_and_description_of_a_rule_resource() -> None:
    rule = one(res(k.RULE_VPC_IN, {}, name="open"))
    assert rule.label == "open"
    assert rule.described == "'open' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule)"


def test_other_resources_declare_no_rules() -> None:
    assert list(rules_of(res("aws:s3/bucket:Bucket", {"ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]}))) == []
