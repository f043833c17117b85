"""Validation of the component's args: every bad value fails with key, value and what is allowed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cloudfront_origin_lockdown.settings import (
    ExistingNetwork,
    OriginLockdownArgs,
    OriginTls,
    SettingError,
    WafSettings,
    header_name_problem,
)


def make(**changes: Any) -> OriginLockdownArgs:
    """The happy path (the defaults) with one change."""
    return OriginLockdownArgs(**changes)


def test_defaults_are_valid_and_secure() -> None:
    args = make()
    assert args.architecture == "alb"
    assert args.header_name == "X-Origin-Verify"
    assert args.secret_length >= 32
    assert args.origin_protocol == "http"
    assert args.origin_port == 80
    assert args.instances == 2
    assert make(architecture="direct").instances == 1


def test_tls_moves_the_origin_to_443() -> None:
    args = make(origin_tls=OriginTls("origin.example.com", hosted_zone_id="Z0123456789ABC"))
    assert (args.origin_protocol, args.origin_port) == ("https", 443)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"architecture": "lambda"},
            "invalid setting architecture: 'lambda' is not allowed; expected one of alb, direct",
        ),
        (
            {"app_port": 70000},
            "invalid setting appPort: 70000 is not allowed; expected an integer from 1024 to 65535 "
            "(the sample app runs unprivileged)",
        ),
        (
            {"app_port": 80, "app_boot_script": "#!/bin/bash\n", "architecture": "direct"},
            "invalid setting appPort: 80 is not allowed; with architecture direct nginx owns ports 80 and 443; "
            "pick another port",
        ),
        (
            {"instance_count": 11},
            "invalid setting instanceCount: 11 is not allowed; expected an integer from 0 to 10 "
            "(0 means 2, one per Availability Zone)",
        ),
        (
            {"architecture": "direct", "instance_count": 2},
            "invalid setting instanceCount: 2 is not allowed; architecture direct runs exactly 1 instance "
            "(or 0 for automatic); use alb for more",
        ),
        (
            {"header_name": "Host"},
            "invalid setting originHeaderName: 'Host' is not allowed; CloudFront refuses to add this header to "
            "origin requests; pick a custom name such as X-Origin-Verify",
        ),
        (
            {"header_name": "X-Amz-Secret"},
            "invalid setting originHeaderName: 'X-Amz-Secret' is not allowed; CloudFront refuses to add this "
            "header to origin requests; pick a custom name such as X-Origin-Verify",
        ),
        (
            {"header_name": "X_Origin"},
            "invalid setting originHeaderName: 'X_Origin' is not allowed; expected 1 to 40 letters, digits and '-' "
            "(not at either end)",
        ),
        (
            {"header_name": "X-" + "a" * 39},
            f"invalid setting originHeaderName: {'X-' + 'a' * 39!r} is not allowed; expected 1 to 40 letters, "
            "digits and '-' (not at either end)",
        ),
        (
            {"secret_length": 16},
            "invalid setting secretLength: 16 is not allowed; expected an integer from 32 to 128",
        ),
        (
            {"secret_length": 129},
            "invalid setting secretLength: 129 is not allowed; expected an integer from 32 to 128",
        ),
        (
            {"secret_slots": ("v1", "v2", "v3", "v4", "v5", "v6")},
            "invalid setting secretSlots: ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'] is not allowed; expected 1 to 5 "
            "slots (an ALB listener rule condition takes at most 5 values)",
        ),
        (
            {"secret_slots": ("v1", "V2")},
            "invalid setting secretSlots: 'V2' is not allowed; expected slot names of 1 to 16 lowercase letters, "
            "digits and '-' (e.g. v2)",
        ),
        (
            {"secret_slots": ("v1", "v1")},
            "invalid setting secretSlots: ['v1', 'v1'] is not allowed; expected each slot name once",
        ),
        (
            {"secret_slots": ("v2",), "active_secret_slot": "v1"},
            "invalid setting activeSecretSlot: 'v1' is not allowed; expected one of the accepted slots ['v2']: "
            "CloudFront must send a value the origin accepts",
        ),
        (
            {"price_class": "PriceClass_Cheap"},
            "invalid setting priceClass: 'PriceClass_Cheap' is not allowed; expected one of PriceClass_100, "
            "PriceClass_200, PriceClass_All",
        ),
        (
            {"vpc_cidr": "10.0.0.0/8"},
            "invalid setting vpcCidr: '10.0.0.0/8' is not allowed; expected an IPv4 network from /16 to /25 "
            "(four subnets of at least /27 are carved from it)",
        ),
        (
            {"vpc_cidr": "10.0.0.0/26"},
            "invalid setting vpcCidr: '10.0.0.0/26' is not allowed; expected an IPv4 network from /16 to /25 "
            "(four subnets of at least /27 are carved from it)",
        ),
        (
            {"vpc_cidr": "8.8.0.0/16"},
            "invalid setting vpcCidr: '8.8.0.0/16' is not allowed; expected a private range (RFC 1918), e.g. "
            "10.80.0.0/16",
        ),
        (
            {"network": ExistingNetwork("vpc-0123456789abcdef0", ("subnet-0123456789abcdef0",), ("subnet-01234567",))},
            "invalid setting publicSubnetIds: ['subnet-0123456789abcdef0'] is not allowed; expected at least 2 public "
            "subnets in different Availability Zones (an ALB needs two)",
        ),
        (
            {"network": ExistingNetwork("vpc-0123456789abcdef0", ("subnet-01234567", "subnet-12345678"), ())},
            "invalid setting privateSubnetIds: [] is not allowed; expected at least 1 private subnet for the "
            "instances behind the ALB",
        ),
        (
            {"network": ExistingNetwork("vpc-xyz", ("subnet-01234567",))},
            "invalid setting vpcId: 'vpc-xyz' is not allowed; expected a VPC id such as vpc-0123456789abcdef0",
        ),
        (
            {"architecture": "direct", "origin_tls": OriginTls("origin.example.com", hosted_zone_id="Z0123")},
            "invalid setting originDomain: 'origin.example.com' is not allowed; HTTPS to the origin needs "
            "architecture alb: CloudFront requires a publicly trusted certificate on the origin and an ACM "
            "certificate cannot be installed on an EC2 instance",
        ),
        (
            {"origin_tls": OriginTls("origin.example.com")},
            "invalid setting originDomain: 'origin.example.com' is not allowed; set exactly one of hostedZoneId "
            "(to issue and validate a certificate) or certificateArn",
        ),
        (
            {
                "origin_tls": OriginTls(
                    "Origin_Example", certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/x"
                )
            },
            "invalid setting originDomain: 'Origin_Example' is not allowed; expected a lowercase DNS name such as "
            "origin.example.com",
        ),
        (
            {"origin_tls": OriginTls("origin.example.com", certificate_arn="arn:aws:iam::123:role/x")},
            "invalid setting certificateArn: 'arn:aws:iam::123:role/x' is not allowed; expected an ACM certificate "
            "ARN (arn:aws:acm:REGION:ACCOUNT:...)",
        ),
        (
            {"architecture": "direct", "origin_ipv6": True},
            "invalid setting originIpv6: True is not allowed; IPv6 to the origin needs architecture alb: CloudFront "
            "reaches the direct instance by its public DNS name, which has no IPv6 (AAAA) record, while a dual-stack "
            "ALB's name has one",
        ),
        (
            {"architecture": "direct", "waf": WafSettings()},
            "invalid setting waf: True is not allowed; a WAF web ACL attaches to the load balancer: it needs "
            "architecture alb",
        ),
        (
            {"waf": WafSettings(rate_limit=5)},
            "invalid setting wafRateLimit: 5 is not allowed; expected an integer from 10 to 2000000000",
        ),
        (
            {"health_check_path": "healthz"},
            "invalid setting healthCheckPath: 'healthz' is not allowed; expected a path starting with / of at most "
            "1024 printable characters",
        ),
        (
            {"tags": {"aws:owner": "me"}},
            "invalid setting tags: 'aws:owner' is not allowed; expected tag keys of 1 to 128 characters, not aws:*",
        ),
        (
            {"ami_id": "ubuntu"},
            "invalid setting amiId: 'ubuntu' is not allowed; expected an AMI id such as ami-0123456789abcdef0",
        ),
    ],
)
def test_bad_values_fail_with_key_value_and_rule(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError) as caught:
        make(**changes)
    assert str(caught.value) == message


def test_error_carries_the_key_for_tools() -> None:
    with pytest.raises(SettingError) as caught:
        make(app_port=0)
    assert (caught.value.key, caught.value.value) == ("appPort", 0)


@pytest.mark.parametrize(
    "name",
    ["Cache-Control", "connection", "COOKIE", "TE", "X-Real-Ip", "x-edge-foo", "X-Amz-Cf-Id", "Transfer-Encoding"],
)
def test_every_header_cloudfront_refuses_is_refused_in_any_case(name: str) -> None:
    assert header_name_problem(name, "direct") is not None


def test_direct_allows_longer_header_names_than_alb() -> None:
    name = "X-" + "a" * 60
    assert header_name_problem(name, "direct") is None
    assert header_name_problem(name, "alb") is not None


def test_args_are_immutable() -> None:
    args = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.architecture = "direct"  # type: ignore[misc]
