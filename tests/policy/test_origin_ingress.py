"""The main policy through its validate function: a passing stack, then one change per test."""

from __future__ import annotations

from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from tests.policy.stacks import (
    ALB,
    DIST,
    INSTANCE,
    LB,
    RECORD,
    SG,
    SG_RULE,
    STACK,
    VPC_IN,
    VPC_ORIGIN,
    R,
    Stack,
    at_preview,
    origin_stack,
    run_stack_policy,
)

NAME = "origin-sg-no-world-ingress"
DESCRIPTION = (
    "No origin security group may admit 0.0.0.0/0 or ::/0 on port 80 or 443: only CloudFront may reach an origin "
    "behind it."
)
FIX = (
    "Fix: remove the rule(s) and admit 80 or 443 only from the CloudFront origin-facing managed prefix lists "
    "(com.amazonaws.global.cloudfront.origin-facing and com.amazonaws.global.ipv6.cloudfront.origin-facing, looked "
    "up with aws.ec2.get_managed_prefix_list) or, for a VPC origin, from the CloudFront-VPCOrigins-Service-SG group, "
    "so that only CloudFront can reach the origin."
)
ANYONE = "Anyone on the internet can reach the origin without going through CloudFront. "
ALB_CHAIN = (
    "on load balancer 'origin-alb' (distribution 'cdn' -> origin 'origin' (origin-alb-1.us-east-1.elb.amazonaws.com) "
    "-> load balancer 'origin-alb')"
)
MAYBE_TAIL = (
    "Treated as a violation because unknownValues is 'deny' (the policy does not switch itself off at preview). Fix: "
    "use values known at preview (a literal CIDR, or the CloudFront managed prefix list id from "
    "aws.ec2.get_managed_prefix_list), pass resources' outputs rather than lookups or copied strings so that their "
    "property dependencies are recorded, or set unknownValues to 'allow' to have it checked only once the values are "
    "known."
)


def check(stack: Stack, config: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    return run_stack_policy(NAME, stack.snapshots(), config)


def messages(stack: Stack, config: dict[str, Any] | None = None) -> list[str]:
    return [m for m, _ in check(stack, config)]


def open_rule(stack: Stack, **props: Any) -> None:
    """Turn the origin's only ingress rule into ``props`` (keeping its group and dependency)."""
    rule = stack["origin-in-v4"]
    rule.props = {"securityGroupId": "sg-0origin", **props}


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_program_shape_passes(architecture: str) -> None:
    assert check(origin_stack(architecture)) == []


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_program_shape_passes_at_preview(architecture: str) -> None:
    assert check(at_preview(origin_stack(architecture))) == []


def test_ordinary_public_alb_passes() -> None:
    s = origin_stack()
    assert s["public-sg"].props["ingress"][0]["cidrBlocks"] == ["0.0.0.0/0"]
    assert check(s) == []


def test_world_ipv4_on_443_exact_message() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert check(s) == [
        (
            "Rule 'origin-in-v4' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits 0.0.0.0/0 = all "
            f"of IPv4 on tcp 443 to security group 'origin-sg' {ALB_CHAIN}. " + ANYONE + FIX,
            s["origin-in-v4"].urn,
        )
    ]


def test_message_is_prefixed_by_description_on_the_wire() -> None:
    # pulumi-policy prepends the description; the policy's message must still stand alone.
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert DESCRIPTION not in messages(s)[0]


def test_world_ipv6_on_80() -> None:
    s = origin_stack("direct")
    open_rule(s, ipProtocol="6", fromPort=80, toPort=80, cidrIpv6="::/0")
    assert messages(s) == [
        "Rule 'origin-in-v4' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits ::/0 = all of IPv6 on "
        "tcp 80 to security group 'origin-sg' on instance 'origin-vm' (distribution 'cdn' -> origin 'origin' "
        "(ec2-3-1-1-1.compute-1.amazonaws.com) -> instance 'origin-vm'). " + ANYONE + FIX
    ]


def test_protocol_all_without_ports() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="-1", cidrIpv4="0.0.0.0/0")
    [message] = messages(s)
    assert "admits 0.0.0.0/0 = all of IPv4 on tcp 80 and 443 to" in message


@pytest.mark.parametrize(
    ("props", "flagged"),
    [
        ({"ipProtocol": "tcp", "fromPort": 0, "toPort": 65535, "cidrIpv4": "0.0.0.0/0"}, True),
        ({"ipProtocol": "tcp", "fromPort": 444, "toPort": 65535, "cidrIpv4": "0.0.0.0/0"}, False),
        ({"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}, False),
        ({"ipProtocol": "icmp", "fromPort": 0, "toPort": 443, "cidrIpv4": "0.0.0.0/0"}, False),
        ({"ipProtocol": "udp", "fromPort": 443, "toPort": 443, "cidrIpv6": "::/0"}, False),
        ({"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"}, False),
        ({"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.9.9.9/0"}, True),
        ({"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv6": "0:0:0:0:0:0:0:0/0"}, True),
        ({"ipProtocol": "all", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}, True),
    ],
)
def test_rule_table(props: dict[str, Any], flagged: bool) -> None:
    s = origin_stack()
    open_rule(s, **props)
    assert bool(check(s)) is flagged


def test_inline_ingress_on_origin_group() -> None:
    s = origin_stack()
    s["origin-sg"].props["ingress"] = [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-3b927c52"]},
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]},
    ]
    assert check(s) == [
        (
            "Rule 'origin-sg.ingress[1]' (aws:ec2/securityGroup:SecurityGroup) admits 0.0.0.0/0 = all of IPv4 on tcp "
            f"80 to security group 'origin-sg' {ALB_CHAIN}. " + ANYONE + FIX,
            s["origin-sg"].urn,
        )
    ]


def test_inline_protocol_minus_one_zero_ports() -> None:
    s = origin_stack()
    s["origin-sg"].props["ingress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]
    assert "admits ::/0 = all of IPv6 on tcp 80 and 443 to security group 'origin-sg'" in messages(s)[0]


def test_security_group_rule_ingress() -> None:
    s = origin_stack()
    s.add(
        R(
            SG_RULE,
            "extra",
            {
                "type": "ingress",
                "securityGroupId": "sg-0origin",
                "protocol": "tcp",
                "fromPort": 0,
                "toPort": 65535,
                "ipv6CidrBlocks": ["::/0"],
            },
            {"securityGroupId": [s["origin-sg"].urn]},
        )
    )
    assert [u for _, u in check(s)] == [s["extra"].urn]
    assert "admits ::/0 = all of IPv6 on tcp 80 and 443" in messages(s)[0]


def test_security_group_rule_egress_is_not_ingress() -> None:
    s = origin_stack()
    s.add(
        R(
            SG_RULE,
            "extra",
            {
                "type": "egress",
                "securityGroupId": "sg-0origin",
                "protocol": "-1",
                "fromPort": 0,
                "toPort": 0,
                "cidrBlocks": ["0.0.0.0/0"],
            },
        )
    )
    assert check(s) == []


def test_rule_linked_by_value_only() -> None:
    s = origin_stack()
    s.add(
        R(
            VPC_IN,
            "by-value",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
            },
        )
    )
    assert [u for _, u in check(s)] == [s["by-value"].urn]


def test_rule_linked_by_name_to_instance_security_groups() -> None:
    s = origin_stack("direct")
    vm = s["origin-vm"]
    vm.props["vpcSecurityGroupIds"] = []
    vm.props["securityGroups"] = ["origin-sg"]  # EC2-Classic/default-VPC style: group names
    vm.deps = {}
    open_rule(s, ipProtocol="tcp", fromPort=80, toPort=80, cidrIpv4="0.0.0.0/0")
    assert len(check(s)) == 1


@pytest.mark.parametrize("token", [LB, ALB])
def test_both_load_balancer_tokens(token: str) -> None:
    s = origin_stack()
    s["origin-alb"].type = token
    s["cdn"].deps["origins"] = [s["origin-alb"].urn]
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert len(check(s)) == 1


@pytest.mark.parametrize(
    "domain", ["ORIGIN-ALB-1.us-east-1.elb.amazonaws.com.", "dualstack.origin-alb-1.us-east-1.elb.amazonaws.com"]
)
def test_origin_found_by_dns_name_without_dependencies(domain: str) -> None:
    s = origin_stack()
    s["cdn"].deps = {}
    s["cdn"].props["origins"][0]["domainName"] = domain
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert len(check(s)) == 1


def test_origin_through_route53_record() -> None:
    s = origin_stack()
    s["cdn"].deps = {}
    s["cdn"].props["origins"][0]["domainName"] = "origin.example.com"
    s.add(
        R(
            RECORD,
            "origin-record",
            {
                "name": "origin.example.com",
                "fqdn": "origin.example.com",
                "type": "A",
                "aliases": [
                    {
                        "name": "origin-alb-1.us-east-1.elb.amazonaws.com",
                        "zoneId": "Z35SXDOTRQ7X7K",
                        "evaluateTargetHealth": True,
                    }
                ],
            },
        )
    )
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    [message] = messages(s)
    assert (
        "on load balancer 'origin-alb' (distribution 'cdn' -> origin 'origin' (origin.example.com) -> Route 53 record "
        "'origin-record' (origin.example.com) -> load balancer 'origin-alb')"
    ) in message


def test_origin_through_vpc_origin() -> None:
    s = origin_stack()
    s["cdn"].deps = {}
    s["cdn"].props["origins"] = [
        {"originId": "vpc", "domainName": "internal-o.elb.amazonaws.com", "vpcOriginConfig": {"vpcOriginId": "vo_123"}}
    ]
    s.add(
        R(
            VPC_ORIGIN,
            "vpc-origin",
            {
                "id": "vo_123",
                "arn": "arn:aws:cloudfront::1:vpcorigin/vo_123",
                "vpcOriginEndpointConfig": {
                    "arn": s["origin-alb"].props["arn"],
                    "name": "o",
                    "httpPort": 80,
                    "httpsPort": 443,
                    "originProtocolPolicy": "http-only",
                },
            },
        )
    )
    open_rule(s, ipProtocol="tcp", fromPort=80, toPort=80, cidrIpv4="0.0.0.0/0")
    assert len(check(s)) == 1


def test_default_security_group_of_an_alb_without_groups() -> None:
    s = origin_stack()
    s["origin-alb"].props["securityGroups"] = []
    s["origin-alb"].deps = {}
    s.add(
        R(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "default-sg",
            {
                "id": "sg-default",
                "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        )
    )
    assert [u for _, u in check(s)] == [s["default-sg"].urn]


def test_customer_prefix_list_holding_the_world() -> None:
    s = origin_stack()
    s.add(
        R(
            "aws:ec2/managedPrefixList:ManagedPrefixList",
            "everyone",
            {
                "id": "pl-0everyone",
                "name": "everyone",
                "maxEntries": 2,
                "addressFamily": "IPv4",
                "entries": [{"cidr": "0.0.0.0/0"}],
            },
        )
    )
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, prefixListId="pl-0everyone")
    [message] = messages(s)
    assert "admits 0.0.0.0/0 (prefix list 'everyone') = all of IPv4 on tcp 443" in message


def test_network_interface_attachment() -> None:
    s = origin_stack("direct")
    s["origin-vm"].props["primaryNetworkInterfaceId"] = "eni-1"
    s.add(
        R(
            SG,
            "extra-sg",
            {
                "id": "sg-extra",
                "ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        )
    )
    s.add(
        R(
            "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment",
            "att",
            {"securityGroupId": "sg-extra", "networkInterfaceId": "eni-1"},
        )
    )
    assert [u for _, u in check(s)] == [s["extra-sg"].urn]


# -- preview: unknowns are decided, never a silent pass -------------------------------------------------------------


def test_unknown_cidr_at_preview_is_a_violation() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="10.0.0.0/16")
    p = at_preview(s, unknown=[("origin-in-v4", "cidrIpv4")])
    assert check(p) == [
        (
            "Cannot verify at preview: cidrIpv4 of rule 'origin-in-v4' "
            "(aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) is not known yet. So security group "
            "'origin-sg' on load balancer 'origin-alb' (distribution 'cdn' -> an origin (through its property "
            "dependencies) -> load balancer 'origin-alb') may admit all of IPv4 on tcp 443. " + MAYBE_TAIL,
            p["origin-in-v4"].urn,
        )
    ]


def test_unknown_cidr_allowed_by_config() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="10.0.0.0/16")
    p = at_preview(s, unknown=[("origin-in-v4", "cidrIpv4")])
    assert check(p, {"unknownValues": "allow"}) == []


def test_known_world_still_fails_with_unknown_allowed() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert len(check(at_preview(s), {"unknownValues": "allow"})) == 1


def test_unknown_cidr_on_a_port_that_cannot_matter() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=22, toPort=22, cidrIpv4="10.0.0.0/16")
    assert check(at_preview(s, unknown=[("origin-in-v4", "cidrIpv4")])) == []


def test_unknown_port_with_world_cidr() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=8000, toPort=8000, cidrIpv4="0.0.0.0/0")
    [message] = messages(at_preview(s, unknown=[("origin-in-v4", "fromPort")]))
    assert message.startswith("Cannot verify at preview: fromPort of rule 'origin-in-v4'")
    assert "may admit all of IPv4 on tcp 80 and 443" in message


def test_unknown_inline_ingress_list() -> None:
    s = at_preview(origin_stack(), unknown=[("origin-sg", "ingress")])
    s["origin-sg"].deps["ingress"] = [s["origin-secret"].urn]  # set from another resource's output
    [message] = messages(s)
    assert message.startswith("Cannot verify at preview: the whole ingress list of rule 'origin-sg.ingress[*]' ")
    assert "may admit all of IPv4 on tcp 80 and 443 and all of IPv6 on tcp 80 and 443" in message


def test_world_rule_on_group_known_only_through_dependencies() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    p = at_preview(s)
    assert p["origin-in-v4"].props["securityGroupId"] == UNKNOWN
    assert p["cdn"].props["origins"][0]["domainName"] != UNKNOWN  # made unknown below
    p["cdn"].props["origins"][0]["domainName"] = UNKNOWN
    [(message, urn)] = check(p)
    assert message.startswith("Rule 'origin-in-v4'") and urn == p["origin-in-v4"].urn


def test_rule_whose_group_cannot_be_determined() -> None:
    s = origin_stack()
    s.add(
        R(
            VPC_IN,
            "orphan",
            {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"},
        )
    )
    [message] = messages(s)
    assert message.startswith(
        "Cannot verify at preview: securityGroupId of rule 'orphan' "
        "(aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) is not known yet and comes from a lookup (no "
        "dependency names it). So security group 'origin-sg' on load balancer 'origin-alb'"
    )


def test_unknown_values_never_escape_as_unknown_value_error() -> None:
    s = at_preview(origin_stack())
    for r in s.values():  # every value unknown: the policy must still decide, not raise
        for key in list(r.props):
            r.props[key] = UNKNOWN
    findings = check(s)
    assert all(m.startswith("Cannot verify at preview") for m, _ in findings)


# -- scope ---------------------------------------------------------------------------------------------------------


def test_scope_all_flags_the_public_alb() -> None:
    urns = [u for _, u in check(origin_stack(), {"scope": "all"})]
    s = origin_stack()
    assert urns == [s["public-sg"].urn, s["public-http"].urn]


def test_scope_by_tag_without_a_distribution() -> None:
    s = origin_stack()
    del s["cdn"]
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert check(s) == []
    [message] = messages(s, {"originSecurityGroupTags": {"Role": "origin"}})
    assert "to security group 'origin-sg' (tagged Role=origin)" in message
    assert len(check(s, {"originSecurityGroupTags": {"Role": "*"}})) == 1
    assert check(s, {"originSecurityGroupTags": {"Role": "web"}}) == []


def test_scope_by_id_of_a_group_in_another_stack() -> None:
    s = origin_stack()
    s.add(
        R(
            VPC_IN,
            "remote",
            {
                "securityGroupId": "sg-0remote",
                "ipProtocol": "tcp",
                "fromPort": 80,
                "toPort": 80,
                "cidrIpv4": "0.0.0.0/0",
            },
        )
    )
    assert check(s) == []
    [message] = messages(s, {"originSecurityGroupIds": ["sg-0remote"]})
    assert "to security group sg-0remote (not created in this stack) (named in originSecurityGroupIds)" in message


def test_ports_are_configurable() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=8080, toPort=8080, cidrIpv4="0.0.0.0/0")
    assert check(s) == []
    assert len(check(s, {"ports": [8080]})) == 1


# -- aws-native ----------------------------------------------------------------------------------------------------


def native_stack() -> Stack:
    s = Stack()
    sg = s.add(
        R(
            "aws-native:ec2:SecurityGroup",
            "nsg",
            {
                "id": "sg-n",
                "groupId": "sg-n",
                "securityGroupIngress": [
                    {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "sourcePrefixListId": "pl-3b927c52"}
                ],
            },
        )
    )
    lb = s.add(
        R(
            "aws-native:elasticloadbalancingv2:LoadBalancer",
            "nlb",
            {"loadBalancerArn": "arn:n", "dnsName": "n-1.elb.amazonaws.com", "securityGroups": ["sg-n"]},
            {"securityGroups": [sg.urn]},
        )
    )
    s.add(
        R(
            "aws-native:cloudfront:Distribution",
            "ncdn",
            {
                "distributionConfig": {
                    "origins": [
                        {
                            "id": "o",
                            "domainName": "n-1.elb.amazonaws.com",
                            "customOriginConfig": {"originProtocolPolicy": "https-only"},
                            "originCustomHeaders": [{"headerName": "X-Origin-Verify", "headerValue": "x" * 32}],
                        }
                    ]
                }
            },
            {"distributionConfig": [lb.urn]},
        )
    )
    return s


def test_native_passes() -> None:
    assert check(native_stack()) == []


def test_native_inline_world() -> None:
    s = native_stack()
    s["nsg"].props["securityGroupIngress"].append({"ipProtocol": "-1", "cidrIpv6": "::/0"})
    [message] = messages(s)
    assert message.startswith("Rule 'nsg.securityGroupIngress[1]' (aws-native:ec2:SecurityGroup) admits ::/0")


def test_native_standalone_ingress_and_instance() -> None:
    s = native_stack()
    s["ncdn"].deps = {}
    s["ncdn"].props["distributionConfig"]["origins"][0]["domainName"] = "ec2-9.compute-1.amazonaws.com"
    s.add(
        R(
            "aws-native:ec2:Instance",
            "nvm",
            {"instanceId": "i-n", "publicDnsName": "ec2-9.compute-1.amazonaws.com", "securityGroupIds": ["sg-n"]},
        )
    )
    s.add(
        R(
            "aws-native:ec2:SecurityGroupIngress",
            "nrule",
            {"groupId": "sg-n", "ipProtocol": "tcp", "fromPort": 80, "toPort": 80, "cidrIp": "0.0.0.0/0"},
        )
    )
    [message] = messages(s)
    assert (
        "on instance 'nvm' (distribution 'ncdn' -> origin 'o' (ec2-9.compute-1.amazonaws.com) -> instance 'nvm')"
        in message
    )
    assert message.startswith(
        "Rule 'nrule' (aws-native:ec2:SecurityGroupIngress) admits 0.0.0.0/0 = all of IPv4 on tcp 80"
    )


def test_urns_used_are_real() -> None:
    s = origin_stack()
    assert s["cdn"].urn == f"{STACK}{DIST}::cdn"
    assert s["origin-vm" if "origin-vm" in s else "origin-alb"].type in (LB, INSTANCE)


def test_unset_computed_ingress_list_at_preview_is_empty() -> None:
    # pulumi-aws computes `ingress` when the program does not set it: unknown at preview, no dependency.
    # The engine's Analyze call shows the program's inputs: there, `ingress` is absent.
    s = at_preview(origin_stack())
    s["origin-sg"].props["ingress"] = UNKNOWN
    s["origin-sg"].props["egress"] = UNKNOWN
    s["origin-sg"].inputs = {k: v for k, v in s["origin-sg"].props.items() if k not in ("ingress", "egress")}
    assert check(s) == []
    s["origin-sg"].deps["ingress"] = [s["origin-secret"].urn]  # set by the program from another output
    [message] = messages(s)
    assert message.startswith("Cannot verify at preview: the whole ingress list of rule 'origin-sg.ingress[*]'")


def test_an_ingress_list_set_from_a_lookup_not_resolved_at_preview_may_be_anything() -> None:
    # An output-form invoke whose input is unknown resolves to an unknown with no dependency (the SDK drops
    # them): only the inputs the engine's Analyze call showed tell it from a list the provider computes.
    s = at_preview(origin_stack())
    s["origin-sg"].props["ingress"] = UNKNOWN
    s["origin-sg"].inputs = {**s["origin-sg"].props}
    [message] = messages(s)
    assert message.startswith("Cannot verify at preview: the whole ingress list of rule 'origin-sg.ingress[*]'")


def test_unset_computed_security_groups_of_an_alb_at_preview() -> None:
    s = origin_stack()
    s.add(
        R(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "default-sg",
            {
                "id": "sg-default",
                "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        )
    )
    p = at_preview(s)
    p["origin-alb"].props["securityGroups"] = UNKNOWN
    p["origin-alb"].deps = {}
    p["origin-alb"].inputs = {k: v for k, v in p["origin-alb"].props.items() if k != "securityGroups"}
    assert [u for _, u in check(p)] == [p["default-sg"].urn]


def test_security_groups_of_an_alb_set_from_a_lookup_not_resolved_at_preview_may_be_any_group() -> None:
    s = origin_stack()
    s.add(
        R(
            SG,
            "open-sg",
            {
                "id": "sg-0open",
                "name": "open",
                "vpcId": "vpc-1",
                "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        )
    )
    p = at_preview(s)
    p["origin-alb"].props["securityGroups"] = UNKNOWN
    p["origin-alb"].deps = {}
    p["origin-alb"].inputs = {**p["origin-alb"].props}  # the program set it: Analyze showed the key
    found = messages(p)
    assert found and all(m.startswith("Cannot verify at preview") for m in found), found
    assert any(
        "securityGroups of load balancer 'origin-alb' is not known yet and comes from a lookup" in m for m in found
    )


def test_unknown_rule_type_at_preview_is_decided() -> None:
    s = origin_stack()
    s.add(
        R(
            SG_RULE,
            "typed-later",
            {
                "type": UNKNOWN,
                "securityGroupId": "sg-0origin",
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
            },
            {"securityGroupId": [s["origin-sg"].urn], "type": [s["origin-secret"].urn]},
        )
    )
    [message] = messages(s)
    assert message.startswith("Cannot verify at preview: type of rule 'typed-later'")


def test_unknown_element_of_a_cidr_list() -> None:
    s = origin_stack()
    s["origin-sg"].props["ingress"] = [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", UNKNOWN]}
    ]
    s["origin-sg"].deps["ingress"] = [s["origin-secret"].urn]
    [message] = messages(s)
    assert message.startswith("Cannot verify at preview: cidrBlocks of rule 'origin-sg.ingress[0]'")


def test_native_rule_by_group_name() -> None:
    s = origin_stack()
    s.add(
        R(
            "aws-native:ec2:SecurityGroupIngress",
            "by-name",
            {"groupName": "origin-sg", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "0.0.0.0/0"},
        )
    )
    assert [u for _, u in check(s)] == [s["by-name"].urn]


# -- the policy function itself --------------------------------------------------------------------------------


def test_analyze_takes_resources_or_an_analysis_and_marks_certainty() -> None:
    from lockdown import config
    from lockdown.model import from_policy_resources
    from origin_lockdown_judge.ingress import analyze
    from origin_lockdown_judge.scope import analyse
    from tests.policy.stacks import policy_resources

    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    s.add(
        R(
            VPC_IN,
            "later",
            {"securityGroupId": "sg-0origin", "ipProtocol": "tcp", "fromPort": 80, "toPort": 80, "cidrIpv4": UNKNOWN},
        )
    )
    resources = from_policy_resources(policy_resources(s.snapshots()))
    cfg = config.settings(NAME, None)
    by_resources = analyze(resources, cfg)
    by_analysis = analyze(analyse(resources), cfg)
    assert [(x.certain, x.urn) for x in by_resources] == [(x.certain, x.urn) for x in by_analysis]
    assert [(x.certain, x.urn.rsplit("::", 1)[-1]) for x in by_resources] == [(True, "origin-in-v4"), (False, "later")]
    bare = {"ports": [80, 443], "protocols": []}  # no unknownValues: deny; no protocols: tcp all the same
    assert [(x.certain, x.urn.rsplit("::", 1)[-1]) for x in analyze(resources, bare)] == [
        (True, "origin-in-v4"),
        (False, "later"),
    ]
    assert [x.certain for x in analyze(resources, {**cfg, "unknownValues": "allow"})] == [True]


def test_the_ports_an_origin_is_served_on_are_judged_too() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["httpsPort"] = 8443
    open_rule(s, ipProtocol="tcp", fromPort=8443, toPort=8443, cidrIpv4="0.0.0.0/0")
    [message] = messages(s)
    assert "admits 0.0.0.0/0 = all of IPv4 on tcp 8443 to security group 'origin-sg'" in message
    open_rule(s, ipProtocol="tcp", fromPort=80, toPort=8443, cidrIpv4="0.0.0.0/0")
    [message] = messages(s)
    assert "= all of IPv4 on tcp 80, 443 and 8443 to" in message
    s["cdn"].props["origins"][0]["customOriginConfig"]["httpsPort"] = 443
    open_rule(s, ipProtocol="tcp", fromPort=8443, toPort=8443, cidrIpv4="0.0.0.0/0")
    assert check(s) == []  # 8443 is not a port this origin is served on


def test_udp_is_judged_only_when_configured_and_tcp_always() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="udp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")
    assert check(s) == []
    [message] = messages(s, {"protocols": ["udp"]})
    assert "= all of IPv4 on udp 443 to" in message
    s.add(
        R(
            VPC_IN,
            "quic",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
            },
        )
    )
    assert [u.rsplit("::", 1)[-1] for _, u in check(s, {"protocols": []})] == ["quic"]
    assert len(check(s, {"protocols": ["udp"]})) == 2


def test_exposures_judge_served_ports_only_when_asked() -> None:
    from lockdown import config
    from lockdown.model import from_policy_resources
    from origin_lockdown_judge.ingress import exposures
    from origin_lockdown_judge.scope import analyse
    from tests.policy.stacks import policy_resources

    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["httpsPort"] = 8443
    open_rule(s, ipProtocol="tcp", fromPort=8443, toPort=8443, cidrIpv4="0.0.0.0/0")
    a = analyse(from_policy_resources(policy_resources(s.snapshots())))
    cfg = config.settings(NAME, None)
    assert exposures(a, cfg, (80, 443)) == []
    assert [(e.protocol, e.port) for e in exposures(a, cfg, (80, 443), served=True)] == [("tcp", 8443)]
