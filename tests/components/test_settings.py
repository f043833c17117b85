"""Validation of the component's args: every bad value fails with key, value and rule; every limit is
tried exactly at its maximum (accepted) and one past it (refused)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cloudfront_origin_lockdown import aws_limits
from cloudfront_origin_lockdown.settings import (
    COMPONENT_TAG_KEYS,
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
    NAMED_CHILDREN,
    ExistingNetwork,
    MtlsSettings,
    OriginTls,
    SettingError,
    Settings,
    WafSettings,
    check_certificate_region,
    check_component_name,
    check_parameter_name,
    check_policy_name,
    check_tags,
    child_aws_name,
    child_name_limit,
    component_name_limit,
    header_name_problem,
    tag_text_problem,
)

VPC = "vpc-0123456789abcdef0"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"
ZONE = "Z0123456789ABC"


def make(**changes: Any) -> Settings:
    """The happy path (the defaults) with some changes."""
    return Settings(**changes)


def refused(changes: dict[str, Any]) -> str:
    with pytest.raises(SettingError) as caught:
        make(**changes)
    return str(caught.value)


def network(
    public: tuple[str, ...] = ("subnet-0000000a", "subnet-0000000b"), private: tuple[str, ...] = ("subnet-0000000c",)
) -> ExistingNetwork:
    return ExistingNetwork(VPC, public, private)


def domain(length: int) -> str:
    """A DNS name of exactly ``length`` characters (labels of at most 63)."""
    labels, left = [], length - len(".com")
    while left > 0:
        take = min(63, left)
        if left - take == 1:  # a label may not be empty: leave two for the last one
            take -= 1
        labels.append("a" * take)
        left -= take + 1
    name = ".".join(labels) + ".com"
    assert len(name) == length, (len(name), length)
    return name


def test_defaults_are_valid_and_secure() -> None:
    args = make()
    assert args.architecture == "alb"
    assert args.header_name == "X-Origin-Verify"
    assert args.secret_length == 48
    assert args.origin_protocol == "http"
    assert args.origin_port == 80
    assert args.instances == 2
    assert make(architecture="direct").instances == 1
    assert make(instance_count=3).instances == 3


def test_tls_moves_the_origin_to_443() -> None:
    args = make(origin_tls=OriginTls("origin.example.com", hosted_zone_id=ZONE))
    assert (args.origin_protocol, args.origin_port) == ("https", 443)


def test_args_are_immutable() -> None:
    args = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.architecture = "direct"  # type: ignore[misc]


def test_error_carries_key_value_and_rule_for_tools() -> None:
    with pytest.raises(SettingError) as caught:
        make(app_port=0)
    error = caught.value
    assert (error.key, error.value) == ("appPort", 0)
    assert error.allowed == "expected an integer from 1024 to 65535 (the sample app runs unprivileged)"
    assert isinstance(error, ValueError)


# --- every limit at its maximum and one past it -------------------------------------------------------

ALB_LIMIT = "expected an integer from 0 to 10 (0 means 2, one per Availability Zone)"
SAMPLE_PORT = "expected an integer from 1024 to 65535 (the sample app runs unprivileged)"
ANY_PORT = "expected an integer from 1 to 65535"
HEALTH = "expected a path starting with / of at most 1024 visible ASCII characters (no spaces)"
SLOTS = "expected 1 to 5 slots (an ALB listener rule condition takes at most 5 values)"
SLOT_NAME = "expected slot names of 1 to 16 lowercase letters, digits and '-' (e.g. v2)"
RATE = "expected an integer from 10 to 2000000000"
CIDR_SHAPE = (
    "expected an IPv4 network in CIDR notation from /16 to /25 (four subnets of at least /27 are carved from it), "
    "such as 10.80.0.0/16"
)
POLICY_SHAPE = (
    "expected a CloudFront policy name of 1 to 128 letters, digits, '-' and '_', such as Managed-CachingDisabled"
)
ZONE_SHAPE = "expected a Route 53 zone id such as Z0123456789ABC (Z and at most 31 upper-case letters and digits)"
SIX_SLOTS = ("v1", "v2", "v3", "v4", "v5", "v6")
MANY_TAGS = {f"Tag{i}": "x" for i in range(47)}

# (changes at the limit, changes one past it, key, value shown, what is allowed)
LIMITS: list[tuple[dict[str, Any], dict[str, Any], str, Any, str]] = [
    ({"instance_count": 10}, {"instance_count": 11}, "instanceCount", 11, ALB_LIMIT),
    ({"instance_count": 0}, {"instance_count": -1}, "instanceCount", -1, ALB_LIMIT),
    (
        {"architecture": "direct", "instance_count": 1},
        {"architecture": "direct", "instance_count": 2},
        "instanceCount",
        2,
        "architecture direct runs exactly 1 instance (or 0 for automatic); use alb for more",
    ),
    ({"app_port": 65535}, {"app_port": 65536}, "appPort", 65536, SAMPLE_PORT),
    ({"app_port": 1024}, {"app_port": 1023}, "appPort", 1023, SAMPLE_PORT),
    (
        {"app_port": 1, "app_boot_script": "run"},
        {"app_port": 0, "app_boot_script": "run"},
        "appPort",
        0,
        ANY_PORT,
    ),
    (
        {"app_port": 65535, "app_boot_script": "run"},
        {"app_port": 65536, "app_boot_script": "run"},
        "appPort",
        65536,
        ANY_PORT,
    ),
    (
        {"health_check_path": "/" + "a" * 1023},
        {"health_check_path": "/" + "a" * 1024},
        "healthCheckPath",
        "/" + "a" * 1024,
        HEALTH,
    ),
    (
        {"header_name": "X" + "a" * 39},
        {"header_name": "X" + "a" * 40},
        "originHeaderName",
        "X" + "a" * 40,
        "expected 1 to 40 letters, digits and '-' (not at either end)",
    ),
    (
        {"architecture": "direct", "header_name": "X" + "a" * 255},
        {"architecture": "direct", "header_name": "X" + "a" * 256},
        "originHeaderName",
        "X" + "a" * 256,
        "expected 1 to 256 letters, digits and '-' (not at either end)",
    ),
    ({"secret_length": 128}, {"secret_length": 129}, "secretLength", 129, "expected an integer from 32 to 128"),
    ({"secret_length": 32}, {"secret_length": 31}, "secretLength", 31, "expected an integer from 32 to 128"),
    ({"secret_slots": SIX_SLOTS[:5]}, {"secret_slots": SIX_SLOTS}, "secretSlots", list(SIX_SLOTS), SLOTS),
    (
        {"secret_slots": ("v" * 16,), "active_secret_slot": "v" * 16},
        {"secret_slots": ("v" * 17,), "active_secret_slot": "v" * 17},
        "secretSlots",
        "v" * 17,
        SLOT_NAME,
    ),
    ({"cache_policy_name": "p" * 128}, {"cache_policy_name": "p" * 129}, "cachePolicy", "p" * 129, POLICY_SHAPE),
    (
        {"origin_request_policy_name": "p" * 128},
        {"origin_request_policy_name": "p" * 129},
        "originRequestPolicy",
        "p" * 129,
        POLICY_SHAPE,
    ),
    ({"vpc_cidr": "10.0.0.0/16"}, {"vpc_cidr": "10.0.0.0/15"}, "vpcCidr", "10.0.0.0/15", CIDR_SHAPE),
    ({"vpc_cidr": "10.0.0.0/25"}, {"vpc_cidr": "10.0.0.0/26"}, "vpcCidr", "10.0.0.0/26", CIDR_SHAPE),
    (
        {"origin_tls": OriginTls(domain(64), hosted_zone_id=ZONE)},
        {"origin_tls": OriginTls(domain(65), hosted_zone_id=ZONE)},
        "originDomain",
        domain(65),
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls(domain(253), certificate_arn=CERTIFICATE)},
        {"origin_tls": OriginTls(domain(254), certificate_arn=CERTIFICATE)},
        "originDomain",
        domain(254),
        "expected a lowercase DNS name of at most 253 characters such as origin.example.com",
    ),
    (  # a DNS label: at most 63 characters
        {"origin_tls": OriginTls("a" * 63 + ".com", certificate_arn=CERTIFICATE)},
        {"origin_tls": OriginTls("a" * 64 + ".com", certificate_arn=CERTIFICATE)},
        "originDomain",
        "a" * 64 + ".com",
        "expected a lowercase DNS name of at most 253 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("origin.example.com", hosted_zone_id="Z" + "A" * 31)},
        {"origin_tls": OriginTls("origin.example.com", hosted_zone_id="Z" + "A" * 32)},
        "hostedZoneId",
        "Z" + "A" * 32,
        ZONE_SHAPE,
    ),
    ({"waf": WafSettings(rate_limit=10)}, {"waf": WafSettings(rate_limit=9)}, "wafRateLimit", 9, RATE),
    (
        {"waf": WafSettings(rate_limit=2_000_000_000)},
        {"waf": WafSettings(rate_limit=2_000_000_001)},
        "wafRateLimit",
        2_000_000_001,
        RATE,
    ),
    (
        {"tags": dict(list(MANY_TAGS.items())[:46])},
        {"tags": MANY_TAGS},
        "tags",
        "47 tags",
        "expected at most 46 tags",
    ),
    (
        {"tags": {"k" * 128: "v"}},
        {"tags": {"k" * 129: "v"}},
        "tags",
        "k" * 129 + "=v",
        "expected tag keys of 1 to 128 characters",
    ),
    (
        {"tags": {"Team": "v" * 256}},
        {"tags": {"Team": "v" * 257}},
        "tags",
        "Team=" + "v" * 257,
        "expected tag values of 0 to 256 characters",
    ),
]


@pytest.mark.parametrize(("at_limit", "past_limit", "key", "shown", "allowed"), LIMITS)
def test_every_limit_holds_its_maximum_and_refuses_one_more(
    at_limit: dict[str, Any], past_limit: dict[str, Any], key: str, shown: Any, allowed: str
) -> None:
    make(**at_limit)
    assert refused(past_limit) == f"invalid setting {key}: {shown!r} is not allowed; {allowed}"


def test_the_limits_are_awss() -> None:
    """The numbers above come from aws_limits (with its documentation pages), not from the tests."""
    assert aws_limits.ALB_HEADER_NAME_MAX == 40
    assert aws_limits.CLOUDFRONT_HEADER_NAME_MAX == 256
    assert aws_limits.ALB_HEADER_VALUE_MAX == 128
    assert aws_limits.ALB_CONDITION_VALUES_PER_RULE == 5
    assert aws_limits.HEALTH_CHECK_PATH_MAX == 1024
    assert (aws_limits.WAF_RATE_LIMIT_MIN, aws_limits.WAF_RATE_LIMIT_MAX) == (10, 2_000_000_000)
    assert (aws_limits.TAGS_PER_RESOURCE_MAX, aws_limits.TAG_KEY_MAX, aws_limits.TAG_VALUE_MAX) == (50, 128, 256)
    assert (aws_limits.ACM_DOMAIN_NAME_MAX, aws_limits.DNS_NAME_MAX) == (64, 253)
    assert aws_limits.VPC_PREFIX_MIN == 16 and aws_limits.ALB_SUBNET_PREFIX_MAX == 27
    assert len(COMPONENT_TAG_KEYS) == 4


# --- bad values of every setting, beside a good one ------------------------------------------------------------

BAD: list[tuple[dict[str, Any], str, Any, str]] = [
    ({"architecture": "lambda"}, "architecture", "lambda", "expected one of alb, direct"),
    ({"architecture": "ALB"}, "architecture", "ALB", "expected one of alb, direct"),
    ({"instance_type": "t3.micro\n"}, "instanceType", "t3.micro\n", "expected an EC2 instance type such as t3.micro"),
    ({"instance_type": "micro"}, "instanceType", "micro", "expected an EC2 instance type such as t3.micro"),
    ({"instance_type": None}, "instanceType", None, "expected an EC2 instance type such as t3.micro"),
    ({"instance_count": True}, "instanceCount", True, ALB_LIMIT),
    ({"instance_count": "2"}, "instanceCount", "2", ALB_LIMIT),
    (
        {"architecture": "direct", "instance_count": False},
        "instanceCount",
        False,
        "architecture direct runs exactly 1 instance (or 0 for automatic); use alb for more",
    ),
    ({"app_port": "8080"}, "appPort", "8080", SAMPLE_PORT),
    ({"app_port": 8080.0}, "appPort", 8080.0, SAMPLE_PORT),
    (
        {"app_port": 80, "app_boot_script": "#!/bin/bash\n", "architecture": "direct"},
        "appPort",
        80,
        "with architecture direct nginx owns ports 80 and 443; pick another port",
    ),
    (
        {"app_port": 443, "app_boot_script": "#!/bin/bash\n", "architecture": "direct"},
        "appPort",
        443,
        "with architecture direct nginx owns ports 80 and 443; pick another port",
    ),
    ({"app_boot_script": "  \n"}, "appBootScript", "  \n", "expected a file with a boot script, or no setting"),
    ({"app_boot_script": b"#!"}, "appBootScript", b"#!", "expected a file with a boot script, or no setting"),
    ({"health_check_path": "healthz"}, "healthCheckPath", "healthz", HEALTH),
    ({"health_check_path": "/healthz\n"}, "healthCheckPath", "/healthz\n", HEALTH),
    ({"health_check_path": "/héalth"}, "healthCheckPath", "/héalth", HEALTH),
    (
        {"header_name": "X_Origin"},
        "originHeaderName",
        "X_Origin",
        "expected 1 to 40 letters, digits and '-' (not at either end)",
    ),
    (
        {"header_name": "X-Origin-Verify\n"},
        "originHeaderName",
        "X-Origin-Verify\n",
        "expected 1 to 40 letters, digits and '-' (not at either end)",
    ),
    (
        {"header_name": "-X-Origin"},
        "originHeaderName",
        "-X-Origin",
        "expected 1 to 40 letters, digits and '-' (not at either end)",
    ),
    (
        {"header_name": "Host"},
        "originHeaderName",
        "Host",
        "CloudFront refuses to add this header to origin requests; pick a custom name such as X-Origin-Verify",
    ),
    ({"secret_length": 48.0}, "secretLength", 48.0, "expected an integer from 32 to 128"),
    ({"secret_slots": ("v1", "V2")}, "secretSlots", "V2", SLOT_NAME),
    ({"secret_slots": ("v1", "v2\n")}, "secretSlots", "v2\n", SLOT_NAME),
    ({"secret_slots": ("v1", "-v2")}, "secretSlots", "-v2", SLOT_NAME),
    ({"secret_slots": ()}, "secretSlots", [], SLOTS),
    ({"secret_slots": "v1"}, "secretSlots", "v1", SLOTS),
    ({"secret_slots": ("v1", "v1")}, "secretSlots", ["v1", "v1"], "expected each slot name once"),
    (
        {"secret_slots": ("v2",), "active_secret_slot": "v1"},
        "activeSecretSlot",
        "v1",
        "expected one of the accepted slots ['v2']: CloudFront must send a value the origin accepts",
    ),
    ({"origin_ipv6": "false"}, "originIpv6", "false", "expected true or false"),
    ({"vpc_endpoints": 1}, "vpcEndpoints", 1, "expected true or false"),
    (
        {"price_class": "PriceClass_Cheap"},
        "priceClass",
        "PriceClass_Cheap",
        "expected one of PriceClass_100, PriceClass_200, PriceClass_All",
    ),
    ({"cache_policy_name": ""}, "cachePolicy", "", POLICY_SHAPE),
    ({"cache_policy_name": "my-policy\n"}, "cachePolicy", "my-policy\n", POLICY_SHAPE),
    ({"vpc_cidr": "10.80.0.0/16\n"}, "vpcCidr", "10.80.0.0/16\n", CIDR_SHAPE),
    ({"vpc_cidr": "10.80.0.0"}, "vpcCidr", "10.80.0.0", CIDR_SHAPE),
    ({"vpc_cidr": "010.80.0.0/16"}, "vpcCidr", "010.80.0.0/16", CIDR_SHAPE),
    ({"vpc_cidr": "10.80.300.0/16"}, "vpcCidr", "10.80.300.0/16", CIDR_SHAPE),
    ({"vpc_cidr": None}, "vpcCidr", None, CIDR_SHAPE),
    (
        {"vpc_cidr": "8.8.0.0/16"},
        "vpcCidr",
        "8.8.0.0/16",
        "expected a block inside a private RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), e.g. "
        "10.80.0.0/16",
    ),
    (
        {"vpc_cidr": "172.32.0.0/16"},
        "vpcCidr",
        "172.32.0.0/16",
        "expected a block inside a private RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), e.g. "
        "10.80.0.0/16",
    ),
    ({"ami_id": "ubuntu"}, "amiId", "ubuntu", "expected an AMI id such as ami-0123456789abcdef0"),
    (
        {"ami_id": "ami-0123456789abcdef"},
        "amiId",
        "ami-0123456789abcdef",
        "expected an AMI id such as ami-0123456789abcdef0",
    ),
    ({"ami_id": "ami-01234567\n"}, "amiId", "ami-01234567\n", "expected an AMI id such as ami-0123456789abcdef0"),
    (
        {"origin_tls": OriginTls("origin.example.com")},
        "originDomain",
        "origin.example.com",
        "set exactly one of hostedZoneId (to issue and validate a certificate) or certificateArn",
    ),
    (
        {"origin_tls": OriginTls("Origin_Example", certificate_arn=CERTIFICATE)},
        "originDomain",
        "Origin_Example",
        "expected a lowercase DNS name of at most 253 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("origin.example.com\n", hosted_zone_id=ZONE)},
        "originDomain",
        "origin.example.com\n",
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("-origin.example.com", hosted_zone_id=ZONE)},
        "originDomain",
        "-origin.example.com",
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("10.0.0.256", hosted_zone_id=ZONE)},
        "originDomain",
        "10.0.0.256",
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("192.0.2.10", hosted_zone_id=ZONE)},
        "originDomain",
        "192.0.2.10",
        "expected a DNS name, not an IP address: a public certificate covers names",
    ),
    (
        {"origin_tls": OriginTls(None, hosted_zone_id=ZONE)},  # type: ignore[arg-type]
        "originDomain",
        None,
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls(42, hosted_zone_id=ZONE)},  # type: ignore[arg-type]
        "originDomain",
        42,
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    (
        {"origin_tls": OriginTls("origin.example.123", hosted_zone_id=ZONE)},
        "originDomain",
        "origin.example.123",
        "expected a lowercase DNS name of at most 64 characters such as origin.example.com",
    ),
    ({"origin_tls": OriginTls("origin.example.com", hosted_zone_id="Z")}, "hostedZoneId", "Z", ZONE_SHAPE),
    (
        {"origin_tls": OriginTls("origin.example.com", hosted_zone_id=ZONE + "\n")},
        "hostedZoneId",
        ZONE + "\n",
        ZONE_SHAPE,
    ),
    (
        {"origin_tls": OriginTls("origin.example.com", certificate_arn="arn:aws:iam::123:role/x")},
        "certificateArn",
        "arn:aws:iam::123:role/x",
        "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
    ),
    (
        {"origin_tls": OriginTls("origin.example.com", certificate_arn=CERTIFICATE + "\n")},
        "certificateArn",
        CERTIFICATE + "\n",
        "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
    ),
    (
        {"origin_tls": OriginTls("origin.example.com", certificate_arn=CERTIFICATE.replace("123456789012", "12345"))},
        "certificateArn",
        CERTIFICATE.replace("123456789012", "12345"),
        "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
    ),
    (
        {"architecture": "direct", "origin_tls": OriginTls("origin.example.com", hosted_zone_id=ZONE)},
        "originDomain",
        "origin.example.com",
        "HTTPS to the origin needs architecture alb: CloudFront requires a publicly trusted certificate on the origin "
        "and an ACM certificate cannot be installed on an EC2 instance",
    ),
    (
        {"architecture": "direct", "origin_ipv6": True},
        "originIpv6",
        True,
        "IPv6 to the origin needs architecture alb: CloudFront reaches the direct instance by its public DNS name, "
        "which has no IPv6 (AAAA) record, while a dual-stack ALB's name has one",
    ),
    (
        {"network": ExistingNetwork("vpc-xyz", ("subnet-01234567",))},
        "vpcId",
        "vpc-xyz",
        "expected a VPC id such as vpc-0123456789abcdef0",
    ),
    (
        {"network": ExistingNetwork(VPC + "\n", ("subnet-01234567",))},
        "vpcId",
        VPC + "\n",
        "expected a VPC id such as vpc-0123456789abcdef0",
    ),
    (
        {"network": network(public=("subnet-0000000a", "subnet-000000xb"))},
        "publicSubnetIds",
        "subnet-000000xb",
        "expected subnet ids such as subnet-0123456789abcdef0",
    ),
    (
        {"network": network(private=("subnet-0000000c\n",))},
        "privateSubnetIds",
        "subnet-0000000c\n",
        "expected subnet ids such as subnet-0123456789abcdef0",
    ),
    (
        {"network": network(private=("subnet-0000000c", "subnet-0000000c"))},
        "privateSubnetIds",
        ["subnet-0000000c", "subnet-0000000c"],
        "expected each subnet once",
    ),
    (
        {"network": network(private=("subnet-0000000c", "subnet-0000000a"))},
        "privateSubnetIds",
        ["subnet-0000000a"],
        "expected subnets that are not also in publicSubnetIds: the instances behind the load balancer must not "
        "sit in a public subnet",
    ),
    (
        {"architecture": "direct", "network": network(private=("subnet-0000000a",))},
        "privateSubnetIds",
        ["subnet-0000000a"],
        "expected subnets that are not also in publicSubnetIds: the instances behind the load balancer must not "
        "sit in a public subnet",
    ),
    (
        {"network": network(public=("subnet-0000000a",))},
        "publicSubnetIds",
        ["subnet-0000000a"],
        "expected at least 2 public subnets in different Availability Zones (an ALB needs two)",
    ),
    (
        {"network": network(private=())},
        "privateSubnetIds",
        [],
        "expected at least 1 private subnet for the instances behind the ALB",
    ),
    (
        {"architecture": "direct", "network": network(public=())},
        "publicSubnetIds",
        [],
        "expected at least 1 public subnet for the instance",
    ),
    (
        {"architecture": "direct", "waf": WafSettings()},
        "waf",
        True,
        "a WAF web ACL attaches to the load balancer: it needs architecture alb",
    ),
    ({"waf": WafSettings(rate_limit=5)}, "wafRateLimit", 5, RATE),
    ({"waf": WafSettings(rate_limit=True)}, "wafRateLimit", True, RATE),
    ({"tags": ["Env=dev"]}, "tags", ["Env=dev"], "expected a map of tag keys to values"),
    ({"tags": {"Env": 1}}, "tags", {"Env": 1}, "expected string tag keys and values"),
    (
        {"tags": {"aws:owner": "me"}},
        "tags",
        "aws:owner=me",
        "expected tag keys not starting with aws: (reserved for AWS)",
    ),
    (
        {"tags": {"AWS:Owner": "me"}},
        "tags",
        "AWS:Owner=me",
        "expected tag keys not starting with aws: (reserved for AWS)",
    ),
    (
        {"tags": {"Owner": "aws:me"}},
        "tags",
        "Owner=aws:me",
        "expected tag values not starting with aws: (reserved for AWS)",
    ),
    ({"tags": {" Env": "dev"}}, "tags", " Env=dev", "expected tag keys without leading or trailing whitespace"),
    ({"tags": {"Env": "dev\n"}}, "tags", "Env=dev\n", "expected tag values without leading or trailing whitespace"),
    (
        {"tags": {"Team": "R&D"}},
        "tags",
        "Team=R&D",
        "expected tag values of letters, digits, spaces and _ . : / = + - @ only "
        "(CloudFront, ELB, WAF and SSM refuse '&')",
    ),
    (
        {"tags": {"Cost*Center": "1"}},
        "tags",
        "Cost*Center=1",
        "expected tag keys of letters, digits, spaces and _ . : / = + - @ only "
        "(CloudFront, ELB, WAF and SSM refuse '*')",
    ),
    (
        {"tags": {"Stack": "prod"}},
        "tags",
        "Stack",
        "expected keys other than the component's own (Name, Project, Stack, origin-lockdown:role), in any letter case",
    ),
    (
        {"tags": {"Project": "web"}},
        "tags",
        "Project",
        "expected keys other than the component's own (Name, Project, Stack, origin-lockdown:role), in any letter case",
    ),
    # IAM refuses keys that differ only in case (the instance role is tagged): found by the review.
    (
        {"tags": {"stack": "prod"}},
        "tags",
        "stack",
        "expected keys other than the component's own (Name, Project, Stack, origin-lockdown:role), in any letter case",
    ),
    (
        {"tags": {"env": "a", "Env": "b"}},
        "tags",
        "Env",
        "expected each tag key once, whatever its letter case: 'env' is already set (IAM treats tag keys "
        "case-insensitively and refuses both)",
    ),
    # Headers CloudFront adds but that cannot carry the secret (appended to, set by CloudFront, or the viewer's).
    *(
        (
            {"header_name": name},
            "originHeaderName",
            name,
            "a standard header that viewers, CloudFront, the load balancer or the app give a meaning of their own "
            "(CloudFront appends to X-Forwarded-For and sets CloudFront-*, the load balancer X-Amzn-*); pick a "
            "custom name such as X-Origin-Verify",
        )
        for name in (
            "X-Forwarded-For",
            "authorization",
            "Content-Type",
            "CloudFront-Viewer-Country",
            "X-Amzn-Trace-Id",
            "x-amzn-mtls-clientcert",
            "X-Amzn-Oidc-Data",
            "Keep-Alive",
            "expect",
            "Proxy-Authenticate",
        )
    ),
]


@pytest.mark.parametrize(("changes", "key", "shown", "allowed"), BAD)
def test_bad_values_fail_with_key_value_and_rule(changes: dict[str, Any], key: str, shown: Any, allowed: str) -> None:
    assert refused(changes) == f"invalid setting {key}: {shown!r} is not allowed; {allowed}"


GOOD: list[dict[str, Any]] = [
    {"architecture": "direct"},
    {"instance_type": "m7i-flex.large"},
    {"instance_type": "c7gn.metal"},
    {"instance_count": 1},
    {"architecture": "direct", "instance_count": 0},
    {"app_port": 80, "app_boot_script": "run", "architecture": "alb"},
    {"app_port": 8443, "architecture": "direct"},
    {"health_check_path": "/"},
    {"health_check_path": "/status?full=1&x=%20"},
    {"header_name": "X-1"},
    {"header_name": "x"},
    {"secret_slots": ("v1", "rotation-2"), "active_secret_slot": "rotation-2"},
    {"secret_slots": ("a",), "active_secret_slot": "a"},
    {"origin_ipv6": True},
    {"vpc_endpoints": False},
    {"price_class": "PriceClass_All"},
    {"cache_policy_name": "my_team-policy"},
    {"cache_policy_name": "Managed-CachingOptimized"},
    {"origin_request_policy_name": "Managed-HostHeaderOnly"},
    {"vpc_cidr": "172.16.0.0/20"},
    {"vpc_cidr": "192.168.0.0/24"},
    {"ami_id": "ami-01234567"},
    {"ami_id": "ami-0123456789abcdef0"},
    {"origin_tls": OriginTls("origin.example.com", certificate_arn=CERTIFICATE)},
    {"origin_tls": OriginTls("a-1.b2.example", hosted_zone_id="Z1")},
    {"origin_tls": OriginTls("xn--bcher-kva.example", hosted_zone_id=ZONE)},
    {"origin_tls": OriginTls("a.123.com", hosted_zone_id=ZONE)},  # numeric labels are fine, but not the last
    {"network": network(), "vpc_cidr": "10.80.0.0/16"},
    {"architecture": "direct", "network": ExistingNetwork(VPC, ("subnet-0123456789abcdef0",))},
    {"waf": WafSettings()},
    {"waf": WafSettings(rate_limit=2000)},
    {"tags": {}},
    {"tags": {"Environment": "dev", "Owner": "team=web", "Empty": ""}},
    {"tags": {"Équipe": "Café au lait", "Kostenstelle": "4711", "e-mail": "web@example.com", "path": "a/b:c+d"}},
]


@pytest.mark.parametrize("changes", GOOD)
def test_good_values_pass(changes: dict[str, Any]) -> None:
    args = make(**changes)
    for name, value in changes.items():
        assert getattr(args, name) == value


# --- functions issue 11 will call on values known only at deploy time ----------------------------------


@pytest.mark.parametrize(
    "name",
    ["Cache-Control", "connection", "COOKIE", "TE", "X-Real-Ip", "x-edge-foo", "X-Amz-Cf-Id", "Transfer-Encoding"],
)
def test_every_header_cloudfront_refuses_is_refused_in_any_case(name: str) -> None:
    assert header_name_problem(name, "direct") == (
        "CloudFront refuses to add this header to origin requests; pick a custom name such as X-Origin-Verify"
    )


@pytest.mark.parametrize("name", [None, 7, "", "a b", "a\n", "X-", "ä"])
def test_header_names_that_are_no_token_are_refused(name: Any) -> None:
    assert header_name_problem(name, "direct") == "expected 1 to 256 letters, digits and '-' (not at either end)"


def test_direct_allows_longer_header_names_than_alb() -> None:
    name = "X-" + "a" * 60
    assert header_name_problem(name, "direct") is None
    assert header_name_problem(name, "alb") is not None


def test_a_certificate_must_be_in_the_stacks_region() -> None:
    check_certificate_region(CERTIFICATE, "us-east-1")
    with pytest.raises(SettingError) as caught:
        check_certificate_region(CERTIFICATE, "us-east-2")
    assert str(caught.value) == (
        f"invalid setting certificateArn: {CERTIFICATE!r} is not allowed; expected a certificate in the stack's "
        "region us-east-2 (the load balancer can only use certificates of its own region; this one is in us-east-1)"
    )
    govcloud = "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"
    check_certificate_region(govcloud, "us-gov-west-1")
    with pytest.raises(SettingError):
        check_certificate_region(govcloud, "us-west-1")


@pytest.mark.parametrize(
    ("name", "managed", "message"),
    [
        ("Managed-CachingDisabled", MANAGED_CACHE_POLICIES, None),
        ("Managed-AllViewer", MANAGED_CACHE_POLICIES, "exact"),  # a request policy is no cache policy
        ("Managed-CachingDisabled", MANAGED_ORIGIN_REQUEST_POLICIES, "exact"),
        ("Managed-AllViewer", MANAGED_ORIGIN_REQUEST_POLICIES, None),
        ("MANAGED-AllViewer", MANAGED_ORIGIN_REQUEST_POLICIES, "exact"),
        ("Managed-Amplify-Default", MANAGED_CACHE_POLICIES, "exact"),
        ("AllViewer", MANAGED_ORIGIN_REQUEST_POLICIES, "prefix"),
        ("cachingoptimized", MANAGED_CACHE_POLICIES, "prefix"),
        ("CachingDisabled-Copy", MANAGED_CACHE_POLICIES, None),  # a policy of the user's own account
        ("Managed", MANAGED_CACHE_POLICIES, None),
        ("my policy", MANAGED_CACHE_POLICIES, "shape"),
        (None, MANAGED_CACHE_POLICIES, "shape"),
    ],
)
def test_policy_names(name: Any, managed: frozenset[str], message: str | None) -> None:
    if message is None:
        check_policy_name("cachePolicy", name, managed)
        return
    with pytest.raises(SettingError) as caught:
        check_policy_name("cachePolicy", name, managed)
    expected = {
        "exact": "expected an AWS-managed policy name exactly as AWS spells it (",
        "prefix": "expected Managed-",
        "shape": "expected a CloudFront policy name of 1 to 128 letters",
    }[message]
    assert caught.value.allowed.startswith(expected), caught.value.allowed


def test_the_managed_policy_lists_are_exactly_awss() -> None:
    """AWS's documented general-purpose managed policies (aws-facts.md, plus Managed-HostHeaderOnly)."""
    assert sorted(MANAGED_CACHE_POLICIES) == [
        "Managed-Amplify",
        "Managed-CachingDisabled",
        "Managed-CachingOptimized",
        "Managed-CachingOptimizedForUncompressedObjects",
        "Managed-Elemental-MediaPackage",
        "Managed-UseOriginCacheControlHeaders",
        "Managed-UseOriginCacheControlHeaders-QueryStrings",
    ]
    assert sorted(MANAGED_ORIGIN_REQUEST_POLICIES) == [
        "Managed-AllViewer",
        "Managed-AllViewerAndCloudFrontHeaders-2022-06",
        "Managed-AllViewerExceptHostHeader",
        "Managed-CORS-CustomOrigin",
        "Managed-CORS-S3Origin",
        "Managed-Elemental-MediaTailor-PersonalizedManifests",
        "Managed-HostHeaderOnly",
        "Managed-UserAgentRefererHeaders",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Environment", None),
        ("a b", None),
        ("ü", None),
        ("٣", None),  # a digit in another script: \p{N}
        ("_.:/=+-@", None),
        ("a\u2028b", None),  # a line separator is \p{Z}: AWS's pattern allows it
        ("a#b", "chars"),
        ("a\u200bb", "chars"),  # zero-width space: a format character, not \p{Z}
        ("a\tb", "chars"),
        ("a!b", "chars"),
        ('a"b', "chars"),
    ],
)
def test_tag_characters_follow_the_strictest_tagged_service(text: str, problem: str | None) -> None:
    found = tag_text_problem(text, "value", 0, 256)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith("expected tag values of letters, digits, spaces")
        assert found.endswith(f"refuse {next(c for c in text if c not in 'ab')!r})")


def test_a_tag_value_may_be_empty_but_a_key_may_not() -> None:
    check_tags({"Empty": ""})
    with pytest.raises(SettingError):
        check_tags({"": "x"})


# --- the component's name in its children's AWS names -----------------------------------------------


def test_autonamed_children_and_their_aws_limits() -> None:
    table = {(child.what, child.suffix, child.limit, child.autonamed) for child in NAMED_CHILDREN}
    assert table == {
        ("load balancer", "-alb", 32, True),
        ("target group", "-tg", 32, True),
        ("WAF web ACL", "-waf", 128, True),
        ("IAM role", "-instance-role", 64, True),
        ("IAM instance profile", "-instance-profile", 128, True),
        ("IAM role policy", "-read-origin-secrets", 128, True),
        ("security group", "-origin-ipv4", 255, True),
        ("CloudFront comment", ": origin locked to CloudFront", 128, False),
        ("trust store", "-ts", 32, True),
        ("CA bundle bucket prefix", "-mtls-", 37, False),
    }


@pytest.mark.parametrize(
    ("changes", "limit", "what"),
    [
        ({}, 20, "load balancer"),  # 20 + "-alb" + "-" + 7 = 32
        ({"waf": WafSettings()}, 20, "load balancer"),
        ({"architecture": "direct"}, 42, "IAM role"),  # 42 + "-instance-role" + 8 = 64
    ],
)
def test_the_longest_name_fits_every_child(changes: dict[str, Any], limit: int, what: str) -> None:
    args = make(**changes)
    found, child = component_name_limit(args)
    assert (found, child.what) == (limit, what)
    check_component_name("a" * limit, args)
    with pytest.raises(SettingError) as caught:
        check_component_name("a" * (limit + 1), args)
    assert str(caught.value) == (
        f"invalid setting name: {'a' * (limit + 1)!r} is not allowed; expected a component name of at most {limit} "
        f"characters: the {what}'s name is '{'a' * (limit + 1)}{child.suffix}' plus '-' and 7 random characters, "
        f"and AWS allows at most {child.limit}"
    )


def test_every_childs_own_limit_and_how_its_name_is_made() -> None:
    """Only the ALB (alb) and the IAM role (direct) bind today; the others are checked all the same, so a
    longer suffix or a new child cannot slip past."""
    by_what = {child.what: child for child in NAMED_CHILDREN}
    assert {what: child_name_limit(child) for what, child in by_what.items()} == {
        "load balancer": 20,
        "target group": 21,
        "WAF web ACL": 116,
        "IAM role": 42,
        "IAM instance profile": 103,
        "IAM role policy": 100,
        "security group": 235,
        "CloudFront comment": 99,  # an explicit name: no random suffix
        "trust store": 21,
        "CA bundle bucket prefix": 31,  # the provider adds its own 26-character suffix to S3's 63
    }
    assert child_aws_name("web", by_what["IAM role"]) == "'web-instance-role' plus '-' and 7 random characters"
    assert child_aws_name("web", by_what["CloudFront comment"]) == "'web: origin locked to CloudFront'"


@pytest.mark.parametrize(
    ("changes", "children"),
    [
        ({}, {"load balancer", "target group", "IAM role", "IAM instance profile", "security group"}),
        (
            {"waf": WafSettings()},
            {"load balancer", "target group", "WAF web ACL", "IAM role", "IAM instance profile", "security group"},
        ),
        ({"architecture": "direct"}, {"IAM role", "IAM instance profile", "IAM role policy", "security group"}),
    ],
)
def test_which_children_a_configuration_creates(changes: dict[str, Any], children: set[str]) -> None:
    args = make(**changes)
    applying = {child.what for child in NAMED_CHILDREN if child.applies(args)}
    assert applying == children | {"CloudFront comment"}


@pytest.mark.parametrize(
    ("name", "architecture", "allowed"),
    [
        ("", "alb", "expected the component's resource name: letters, digits and '-', starting with a letter or digit"),
        (
            "-origin",
            "alb",
            "expected the component's resource name: letters, digits and '-', starting with a letter or digit",
        ),
        (
            "my origin",
            "alb",
            "expected the component's resource name: letters, digits and '-', starting with a letter or digit",
        ),
        (
            "origin_1",
            "direct",
            "expected the component's resource name: letters, digits and '-', starting with a letter or digit",
        ),
        (
            "origin\n",
            "direct",
            "expected the component's resource name: letters, digits and '-', starting with a letter or digit",
        ),
        (
            None,
            "alb",
            "expected the component's resource name: letters, digits and '-', starting with a letter or digit",
        ),
        ("sg-origin", "direct", "expected a name not starting with sg- (AWS refuses such security group names)"),
        ("SG-origin", "alb", "expected a name not starting with sg- (AWS refuses such security group names)"),
        ("internal-web", "alb", "expected a name not starting with internal- (AWS refuses such ALB names)"),
    ],
)
def test_names_aws_would_refuse_are_refused(name: Any, architecture: str, allowed: str) -> None:
    with pytest.raises(SettingError) as caught:
        check_component_name(name, make(architecture=architecture))
    assert str(caught.value) == f"invalid setting name: {name!r} is not allowed; {allowed}"


@pytest.mark.parametrize(
    ("name", "architecture"), [("origin", "alb"), ("internal-web", "direct"), ("0", "alb"), ("a-", "direct")]
)
def test_names_aws_accepts_pass(name: str, architecture: str) -> None:
    check_component_name(name, make(architecture=architecture))


def test_the_parameter_path_fits_ssm() -> None:
    check_parameter_name("/" + "a" * 1010)
    check_parameter_name("/" + "/".join("l" * 15))
    for bad in ("/" + "a" * 1011, "/" + "/".join("l" * 16), "/aws/x", "/SSM-x/y", "/a b", "/a//b"):
        with pytest.raises(SettingError) as caught:
            check_parameter_name(bad)
        assert str(caught.value) == (
            f"invalid setting name: {bad!r} is not allowed; expected project, stack and component names that give an "
            "SSM parameter path of at most 1011 characters and 15 levels of letters, digits and _.- (not starting "
            "with aws or ssm)"
        )


def test_origin_mtls_names_its_bucket_after_the_component_so_s3s_reserved_prefixes_are_refused() -> None:
    args = make(origin_tls=OriginTls("origin.example.com", hosted_zone_id="Z0123456789ABC"), origin_mtls=MtlsSettings())
    assert {c.what for c in NAMED_CHILDREN if c.applies(args)} >= {"trust store", "CA bundle bucket prefix"}
    check_component_name("web", args)
    with pytest.raises(SettingError) as caught:
        check_component_name("xn--web", args)
    assert "expected a name not starting with xn--, sthree-, amzn-s3-demo- (S3 refuses" in str(caught.value)
    check_component_name("xn--web", make())  # only a bucket's name has that rule


@pytest.mark.parametrize("name", ["web-", "web--1", "a-b--c"])
def test_origin_mtls_refuses_names_its_trust_store_could_not_take(name: str) -> None:
    """The trust store is '<name>-ts-<7 random>': AWS takes words joined by single hyphens only (issue 22's review,
    finding 8), so 'web-' would fail at CreateTrustStore, part-way through a deploy."""
    args = make(origin_tls=OriginTls("origin.example.com", hosted_zone_id="Z0123456789ABC"), origin_mtls=MtlsSettings())
    with pytest.raises(SettingError) as caught:
        check_component_name(name, args)
    assert str(caught.value).startswith(
        f"invalid setting name: {name!r} is not allowed; expected a name without a trailing '-' or two '-' in a row"
    )
    check_component_name(name, make())  # without origin mTLS nothing is named so
    check_component_name("web-1", args)
