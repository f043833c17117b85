"""Companion policies through their validate functions: a passing stack, then one change per test."""

from __future__ import annotations

from typing import Any

import pytest

from offline.snapshot import UNKNOWN, make_secret
from tests.policy.stacks import (
    PASSWORD,
    SG,
    VPC_IN,
    R,
    Stack,
    at_preview,
    origin_stack,
    run_resource_policy,
    run_stack_policy,
)

SECRET_HEADER = "cloudfront-origin-secret-header"
LITERAL = "cloudfront-origin-header-not-literal"
CLEARTEXT = "cloudfront-secret-header-not-cleartext"
ADMIN = "origin-sg-no-world-admin-or-all-ports"
QUOTA = "origin-sg-prefix-list-quota"
ALL = (SECRET_HEADER, LITERAL, CLEARTEXT, ADMIN, QUOTA)


def run(name: str, stack: Stack, config: dict[str, Any] | None = None) -> list[str]:
    if name in (SECRET_HEADER, CLEARTEXT):
        return [m for r in stack.values() for m in run_resource_policy(name, r.snapshot(), config)]
    return [m for m, _ in run_stack_policy(name, stack.snapshots(), config)]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_program_shape_passes(name: str, architecture: str) -> None:
    assert run(name, origin_stack(architecture)) == []
    assert run(name, at_preview(origin_stack(architecture))) == []


# -- cloudfront-origin-secret-header -------------------------------------------------------------------------------


def test_custom_origin_without_header() -> None:
    s = origin_stack()
    del s["cdn"].props["origins"][0]["customHeaders"]
    assert run(SECRET_HEADER, s) == [
        "Custom origin 'origin' (origin-alb-1.us-east-1.elb.amazonaws.com) sends no custom header, so the origin "
        "cannot tell requests from this distribution from those of any other CloudFront distribution (the "
        "origin-facing prefix list admits every CloudFront customer). Fix: add a custom header whose value comes "
        "from a generated secret (e.g. random.RandomPassword(...).result) and make the origin (an ALB listener rule "
        "with an http-header condition, or the web server) reject requests without it; see "
        "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html"
    ]


def test_required_header_names() -> None:
    s = origin_stack()
    assert run(SECRET_HEADER, s, {"requiredHeaderNames": ["x-origin-verify"]}) == []
    [message] = run(SECRET_HEADER, s, {"requiredHeaderNames": ["X-Other"]})
    assert message.startswith(
        "Custom origin 'origin' (origin-alb-1.us-east-1.elb.amazonaws.com) sends none of the "
        "required secret headers (x-other)"
    )


def test_s3_and_vpc_origins_need_no_header() -> None:
    s = origin_stack()
    s["cdn"].props["origins"] = [
        {"originId": "s3", "domainName": "b.s3.amazonaws.com", "s3OriginConfig": {"originAccessIdentity": ""}},
        {"originId": "vpc", "domainName": "internal.elb", "vpcOriginConfig": {"vpcOriginId": "vo_1"}},
    ]
    assert run(SECRET_HEADER, s) == []
    assert len(run(SECRET_HEADER, s, {"checkVpcOrigins": True})) == 1


def test_unknown_header_list_is_not_flagged() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"] = UNKNOWN
    assert run(SECRET_HEADER, s) == []


def test_native_distribution_without_header() -> None:
    s = Stack()
    s.add(
        R(
            "aws-native:cloudfront:Distribution",
            "n",
            {
                "distributionConfig": {
                    "origins": [
                        {
                            "id": "o",
                            "domainName": "x.example.com",
                            "customOriginConfig": {"originProtocolPolicy": "https-only"},
                        }
                    ]
                }
            },
        )
    )
    [message] = run(SECRET_HEADER, s)
    assert message.startswith("Custom origin 'o' (x.example.com) sends no custom header")


# -- cloudfront-origin-header-not-literal ----------------------------------------------------------------------------


def test_literal_header_value() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"][0]["value"] = "hunter2-but-longer"
    s["cdn"].deps["origins"] = [s["origin-alb"].urn]
    assert run_stack_policy(LITERAL, s.snapshots()) == [
        (
            "Distribution 'cdn', origin 'origin' (origin-alb-1.us-east-1.elb.amazonaws.com): the value of header "
            "'X-Origin-Verify' is written as a literal, not taken from a generated secret. A literal lives in source "
            "control and in every checkout, and cannot be rotated without a code change. Fix: use the result of a "
            "random.RandomPassword (or a Secrets Manager secret version) as the value, e.g. value=password.result.",
            s["cdn"].urn,
        )
    ]


def test_literal_even_when_marked_secret() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"][0]["value"] = make_secret("typed-in-by-hand")
    s["cdn"].deps["origins"] = [s["origin-alb"].urn]
    assert len(run(LITERAL, s)) == 1


def test_generated_value_matched_by_value_without_dependency() -> None:
    s = origin_stack()
    s["cdn"].deps["origins"] = [s["origin-alb"].urn]
    assert run(LITERAL, s) == []


def test_derived_from_a_generator_it_depends_on() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"][0]["value"] = "v1:" + s["origin-secret"].props["result"]["value"]
    assert run(LITERAL, s) == []


def test_literal_exempt_header() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customHeaders"].append({"name": "X-Env", "value": "prod"})
    [message] = run(LITERAL, s)  # the distribution depends on a generator, but "prod" is not derived from it
    assert "the value of header 'X-Env' is written as a literal" in message
    assert run(LITERAL, s, {"exemptHeaderNames": ["x-env"]}) == []


def test_unknown_value_at_preview_is_not_a_literal() -> None:
    s = at_preview(origin_stack())
    s["cdn"].props["origins"][0]["customHeaders"][0]["value"] = UNKNOWN
    assert run(LITERAL, s) == []


def test_other_generator_types() -> None:
    s = origin_stack()
    s["origin-secret"].type = "aws:secretsmanager/secretVersion:SecretVersion"
    s["cdn"].deps["origins"] = [s["origin-alb"].urn]
    assert run(LITERAL, s) == []
    s["origin-secret"].type = PASSWORD + "X"
    assert len(run(LITERAL, s)) == 1


# -- cloudfront-secret-header-not-cleartext --------------------------------------------------------------------------


def test_http_only_with_secret_header() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["originProtocolPolicy"] = "http-only"
    assert run(CLEARTEXT, s) == [
        "Custom origin 'origin' (origin-alb-1.us-east-1.elb.amazonaws.com) sends the secret header(s) "
        "X-Origin-Verify but its origin protocol policy is http-only: the secret crosses the internet in cleartext "
        "and anyone on the path can replay it. Fix: set originProtocolPolicy to https-only (give the origin a "
        "certificate, e.g. an ACM certificate on the ALB listener for a domain you own), as AWS recommends: "
        "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html"
    ]


def test_match_viewer_with_plain_http_viewers() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["originProtocolPolicy"] = "match-viewer"
    assert run(CLEARTEXT, s) == []
    s["cdn"].props["defaultCacheBehavior"]["viewerProtocolPolicy"] = "allow-all"
    [message] = run(CLEARTEXT, s)
    assert "match-viewer and a cache behavior allows viewers on plain HTTP" in message


def test_http_only_without_header_is_another_policy() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["originProtocolPolicy"] = "http-only"
    s["cdn"].props["origins"][0]["customHeaders"] = []
    assert run(CLEARTEXT, s) == []
    assert len(run(SECRET_HEADER, s)) == 1


def test_cleartext_header_names_filter() -> None:
    s = origin_stack()
    s["cdn"].props["origins"][0]["customOriginConfig"]["originProtocolPolicy"] = "http-only"
    assert run(CLEARTEXT, s, {"headerNames": ["X-Something-Else"]}) == []


# -- origin-sg-no-world-admin-or-all-ports ---------------------------------------------------------------------------


def open_rule(s: Stack, **props: Any) -> None:
    s["origin-in-v4"].props = {"securityGroupId": "sg-0origin", **props}


def test_ssh_open_to_world_on_origin_group() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="tcp", fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0")
    assert run(ADMIN, s) == [
        "Rule 'origin-in-v4' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits 0.0.0.0/0 = all of "
        "IPv4 on tcp 22 to security group 'origin-sg' on load balancer 'origin-alb' (distribution 'cdn' -> origin "
        "'origin' (origin-alb-1.us-east-1.elb.amazonaws.com) -> load balancer 'origin-alb'). An origin behind "
        "CloudFront needs no public administration: it invites brute force and, for all ports, bypasses CloudFront "
        "entirely. Fix: remove the rule; use AWS Systems Manager Session Manager (no inbound port) or admit a "
        "specific admin CIDR."
    ]


@pytest.mark.parametrize(
    ("props", "flagged"),
    [
        ({"ipProtocol": "-1", "cidrIpv6": "::/0"}, True),
        ({"ipProtocol": "tcp", "fromPort": 0, "toPort": 65535, "cidrIpv4": "0.0.0.0/0"}, True),
        ({"ipProtocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrIpv4": "0.0.0.0/0"}, True),
        ({"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "203.0.113.0/24"}, False),
        ({"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"}, False),  # the main policy's
        ({"ipProtocol": "icmp", "fromPort": -1, "toPort": -1, "cidrIpv4": "0.0.0.0/0"}, False),
    ],
)
def test_admin_table(props: dict[str, Any], flagged: bool) -> None:
    s = origin_stack()
    open_rule(s, **props)
    assert bool(run(ADMIN, s)) is flagged


def test_ssh_on_a_non_origin_group_passes() -> None:
    s = origin_stack()
    s["public-sg"].props["ingress"].append(
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}
    )
    assert run(ADMIN, s) == []
    assert len(run(ADMIN, s, {"scope": "all"})) == 1


def test_all_ports_flag_can_be_switched_off() -> None:
    s = origin_stack()
    open_rule(s, ipProtocol="-1", cidrIpv4="0.0.0.0/0")
    [message] = run(ADMIN, s)
    assert "admits 0.0.0.0/0 = all of IPv4 on every tcp port to security group 'origin-sg'" in message
    [message] = run(ADMIN, s, {"flagAllPorts": False})
    assert "admits 0.0.0.0/0 = all of IPv4 on tcp 22 and 3389 to security group 'origin-sg'" in message
    assert run(ADMIN, s, {"flagAllPorts": False, "ports": []}) == []


# -- origin-sg-prefix-list-quota -------------------------------------------------------------------------------------


def test_both_cloudfront_lists_in_one_group_exceed_the_quota() -> None:
    s = origin_stack()
    s.add(
        R(
            VPC_IN,
            "origin-in-v6",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "prefixListId": "pl-0d6f5e0e3a7f1c2b4",
            },
            {"securityGroupId": [s["origin-sg"].urn]},
        )
    )
    assert run_stack_policy(QUOTA, s.snapshots()) == [
        (
            "Origin security group 'origin-sg' has ingress rules of total weight 110, over the quota of 60 rules per "
            "security group (a prefix list counts as its max entries: 'origin-in-v4': pl-3b927c52 (weight not known, "
            "assumed 55); 'origin-in-v6': pl-0d6f5e0e3a7f1c2b4 (weight not known, assumed 55)). AWS will refuse the "
            "rules at deploy time with RulesPerSecurityGroupLimitExceeded, half-way through the update. Fix: put "
            "each CloudFront prefix list (IPv4 and IPv6, 55 each) in its own security group and attach both to the "
            "origin, or request a higher quota (L-0EA8095F) and set rulesPerSecurityGroup. See "
            "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
            s["origin-sg"].urn,
        )
    ]
    assert run(QUOTA, s, {"rulesPerSecurityGroup": 200}) == []
    assert run(QUOTA, s, {"unknownPrefixListWeight": 1}) == []
    [message] = run(
        QUOTA, s, {"prefixListWeights": {"pl-3b927c52": 55, "pl-0d6f5e0e3a7f1c2b4": 55}, "unknownPrefixListWeight": 1}
    )
    assert "'origin-in-v4': pl-3b927c52 (55); 'origin-in-v6': pl-0d6f5e0e3a7f1c2b4 (55)" in message


def test_same_list_on_two_ports() -> None:
    s = origin_stack()
    s.add(
        R(
            VPC_IN,
            "origin-in-80",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 80,
                "toPort": 80,
                "prefixListId": "pl-3b927c52",
            },
            {"securityGroupId": [s["origin-sg"].urn]},
        )
    )
    assert len(run(QUOTA, s)) == 1


def test_managed_prefix_list_in_stack_uses_max_entries() -> None:
    s = origin_stack()
    s.add(
        R(
            "aws:ec2/managedPrefixList:ManagedPrefixList",
            "office",
            {"id": "pl-0office", "name": "office", "maxEntries": 10, "entries": []},
        )
    )
    s.add(
        R(
            VPC_IN,
            "office-in",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 22,
                "toPort": 22,
                "prefixListId": "pl-0office",
            },
            {"securityGroupId": [s["origin-sg"].urn]},
        )
    )
    [message] = run(QUOTA, s)  # 55 (assumed for the CloudFront list) + 10 (maxEntries) = 65 > 60
    assert "total weight 65" in message
    assert "'office-in': office (maxEntries 10)" in message
    assert run(QUOTA, s, {"prefixListWeights": {"pl-3b927c52": 45}}) == []


def test_inline_cidrs_count_one_each() -> None:
    s = origin_stack()
    s.add(
        R(
            SG,
            "big",
            {
                "id": "sg-big",
                "tags": {"Role": "origin"},
                "ingress": [
                    {
                        "protocol": "tcp",
                        "fromPort": 443,
                        "toPort": 443,
                        "cidrBlocks": [f"10.0.{i}.0/24" for i in range(61)],
                    }
                ],
            },
        )
    )
    [message] = run(QUOTA, s, {"originSecurityGroupTags": {"Role": "origin"}})
    assert "total weight 61" in message
