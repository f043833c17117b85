"""Every type token the pack reads is a real one, and every one it reads is read."""

from __future__ import annotations

import pytest

from origin_lockdown_judge import catalog
from origin_lockdown_judge import kinds as k

ALL_SETS = [value for name, value in vars(k).items() if name.isupper() and isinstance(value, frozenset)]
ALL_TOKENS = sorted(
    {t for s in ALL_SETS for t in s} | {v for n, v in vars(k).items() if n.isupper() and isinstance(v, str)}
)
# Every class token of the families the installed SDKs register, and the legacy tokens they alias
# (tools/provider_types.py reads them from the SDKs; tests/policy/test_coverage.py keeps the table fresh).
REGISTERED = set(catalog.types_of("aws")) | set(catalog.types_of("aws-native")) | set(catalog.aliases())


@pytest.mark.parametrize("token", ALL_TOKENS)
def test_every_token_read_is_registered_by_an_sdk(token: str) -> None:
    assert token in REGISTERED, token


def test_every_token_is_aws_or_aws_native() -> None:
    assert ALL_TOKENS and all(t.startswith(("aws:", "aws-native:")) for t in ALL_TOKENS)


def test_every_token_read_is_relevant() -> None:
    assert set(ALL_TOKENS) == k.RELEVANT_TYPES


@pytest.mark.parametrize(
    ("types", "word"),
    [
        (k.SG_TYPES, "security group"),
        (k.RULE_TYPES, "rule"),
        (k.PREFIX_LIST_TYPES, "prefix list"),
        (k.DIST_TYPES, "distribution"),
        (k.VPC_ORIGIN_TYPES, "VPC origin"),
        (k.LB_TYPES, "load balancer"),
        (k.LISTENER_TYPES, "listener"),
        (k.LISTENER_RULE_TYPES, "listener rule"),
        (k.TARGET_GROUP_TYPES, "target group"),
        (k.INSTANCE_TYPES - {k.SPOT_INSTANCE}, "instance"),
        ({k.SPOT_INSTANCE}, "spot instance request"),
        (k.ENI_TYPES, "network interface"),
        (k.EIP_TYPES, "Elastic IP"),
        (k.EIP_ASSOCIATION_TYPES, "Elastic IP association"),
        (k.ASG_TYPES, "Auto Scaling group"),
        ({k.SPOT_FLEET_AWS, k.SPOT_FLEET_NATIVE}, "Spot Fleet"),
        ({k.FLEET_AWS, k.EC2_FLEET_NATIVE}, "EC2 Fleet"),
        (k.LAUNCH_TEMPLATE_TYPES, "launch template"),
        (k.LAUNCH_CONFIGURATION_TYPES, "launch configuration"),
        ({k.ECS_SERVICE, "aws-native:ecs:Service"}, "ECS service"),
        (k.ECS_SERVICE_TYPES - {k.ECS_SERVICE, "aws-native:ecs:Service"}, "ECS task set"),
        (k.LIGHTSAIL_INSTANCE_TYPES, "Lightsail instance"),
        (k.LIGHTSAIL_LB_TYPES, "Lightsail load balancer"),
        (k.VPC_TYPES, "VPC"),
        (k.SUBNET_TYPES, "subnet"),
        (k.RECORD_TYPES - {k.LIGHTSAIL_DOMAIN_ENTRY}, "Route 53 record"),
        ({k.LIGHTSAIL_DOMAIN_ENTRY}, "Lightsail DNS entry"),
    ],
)
def test_nouns(types: frozenset[str], word: str) -> None:
    assert {k.noun(t) for t in types} == {word}


def test_noun_of_an_unknown_type_is_the_type() -> None:
    assert k.noun("aws:s3/bucket:Bucket") == "aws:s3/bucket:Bucket"


def test_groups_of_kinds() -> None:
    assert k.LB_TYPES == k.LB_V2_TYPES | k.LB_CLASSIC_TYPES and not k.LB_V2_TYPES & k.LB_CLASSIC_TYPES
    assert k.LB_NATIVE in k.LB_V2_TYPES
    assert k.LB_TYPES | k.INSTANCE_TYPES | k.EIP_TYPES | k.ENI_TYPES | k.RECORD_TYPES | k.LIGHTSAIL_ENDPOINTS == (
        k.ADDRESSABLE
    )
    assert {k.SG_AWS, k.SG_DEFAULT, k.SG_NATIVE} == k.SG_TYPES
    assert {k.RULE_EC2, k.RULE_VPC_IN, k.RULE_VPC_OUT, k.RULE_NATIVE_IN, k.RULE_NATIVE_OUT} == k.RULE_TYPES
    assert k.VPC_DEFAULT in k.VPC_TYPES and k.SUBNET_DEFAULT in k.SUBNET_TYPES
    assert {k.DIST_AWS, k.DIST_NATIVE, k.DIST_MULTITENANT} == k.DIST_TYPES
    assert {k.INSTANCE_AWS, k.INSTANCE_NATIVE, k.SPOT_INSTANCE} == k.INSTANCE_TYPES
    assert {k.EIP_AWS, k.EIP_NATIVE} == k.EIP_TYPES
    assert {k.PREFIX_LIST_AWS, k.PREFIX_LIST_NATIVE} == k.PREFIX_LIST_TYPES
    assert {
        k.RECORD_AWS,
        k.RECORD_NATIVE,
        k.RECORDS_EXCLUSIVE,
        k.TRAFFIC_POLICY_INSTANCE,
        k.LIGHTSAIL_DOMAIN_ENTRY,
    } == (k.RECORD_TYPES)
    assert k.ASG_TYPES < k.FLEET_TYPES and k.ECS_SERVICE in k.ECS_SERVICE_TYPES
