"""Every type token the pack reads is a real one, and every one it reads is read."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pulumi_aws
import pytest

from origin_lockdown_judge import kinds as k

AWS_SDK = Path(pulumi_aws.__file__).parent

# aws-native tokens and the CloudFormation types they stand for: the provider serves exactly the types of the
# Cloud Control API (pulumi/pulumi-aws-native, provider/cmd/pulumi-gen-aws-native/supported-types.txt), with
# names in Pulumi's casing.
NATIVE = {
    "aws-native:ec2:SecurityGroup": "AWS::EC2::SecurityGroup",
    "aws-native:ec2:SecurityGroupIngress": "AWS::EC2::SecurityGroupIngress",
    "aws-native:ec2:SecurityGroupEgress": "AWS::EC2::SecurityGroupEgress",
    "aws-native:ec2:PrefixList": "AWS::EC2::PrefixList",
    "aws-native:cloudfront:Distribution": "AWS::CloudFront::Distribution",
    "aws-native:cloudfront:VpcOrigin": "AWS::CloudFront::VpcOrigin",
    "aws-native:elasticloadbalancingv2:LoadBalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "aws-native:elasticloadbalancingv2:Listener": "AWS::ElasticLoadBalancingV2::Listener",
    "aws-native:elasticloadbalancingv2:ListenerRule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "aws-native:elasticloadbalancingv2:TargetGroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "aws-native:ec2:Instance": "AWS::EC2::Instance",
    "aws-native:ec2:Eip": "AWS::EC2::EIP",
    "aws-native:ec2:EipAssociation": "AWS::EC2::EIPAssociation",
    "aws-native:ec2:Vpc": "AWS::EC2::VPC",
    "aws-native:ec2:Subnet": "AWS::EC2::Subnet",
    "aws-native:route53:HostedZone": "AWS::Route53::HostedZone",
}

ALL_SETS = [value for name, value in vars(k).items() if name.isupper() and isinstance(value, frozenset)]
ALL_TOKENS = sorted(
    {t for s in ALL_SETS for t in s} | {v for n, v in vars(k).items() if n.isupper() and isinstance(v, str)}
)


@cache
def sdk_text() -> str:
    return "\n".join(p.read_text() for p in AWS_SDK.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("token", [t for t in ALL_TOKENS if t.startswith("aws:")])
def test_aws_tokens_exist_in_the_sdk(token: str) -> None:
    # Each class registers its token (and its legacy aliases) as a string literal.
    assert f'"{token}"' in sdk_text(), token


@pytest.mark.parametrize("token", [t for t in ALL_TOKENS if t.startswith("aws-native:")])
def test_native_tokens_are_cloud_control_types(token: str) -> None:
    assert token in NATIVE, token


def test_every_token_is_aws_or_aws_native() -> None:
    assert ALL_TOKENS and all(t.startswith(("aws:", "aws-native:")) for t in ALL_TOKENS)
    assert set(NATIVE) <= set(ALL_TOKENS)


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
        (k.INSTANCE_TYPES, "instance"),
        ({k.ENI}, "network interface"),
        (k.EIP_TYPES, "Elastic IP"),
        (k.EIP_ASSOCIATION_TYPES, "Elastic IP association"),
        ({k.ASG}, "Auto Scaling group"),
        ({k.LAUNCH_TEMPLATE}, "launch template"),
        ({k.LAUNCH_CONFIGURATION}, "launch configuration"),
        ({k.ECS_SERVICE}, "ECS service"),
        (k.VPC_TYPES, "VPC"),
        (k.SUBNET_TYPES, "subnet"),
        (k.RECORD_TYPES, "Route 53 record"),
    ],
)
def test_nouns(types: frozenset[str], word: str) -> None:
    assert {k.noun(t) for t in types} == {word}


def test_noun_of_an_unknown_type_is_the_type() -> None:
    assert k.noun("aws:s3/bucket:Bucket") == "aws:s3/bucket:Bucket"


def test_groups_of_kinds() -> None:
    assert k.LB_TYPES == k.LB_V2_TYPES | k.LB_CLASSIC_TYPES and not k.LB_V2_TYPES & k.LB_CLASSIC_TYPES
    assert k.LB_NATIVE in k.LB_V2_TYPES
    assert k.LB_TYPES | k.INSTANCE_TYPES | k.EIP_TYPES | {k.ENI} | k.RECORD_TYPES == k.ADDRESSABLE
    assert {k.SG_AWS, k.SG_DEFAULT, k.SG_NATIVE} == k.SG_TYPES
    assert {k.RULE_EC2, k.RULE_VPC_IN, k.RULE_VPC_OUT, k.RULE_NATIVE_IN, k.RULE_NATIVE_OUT} == k.RULE_TYPES
    assert k.VPC_DEFAULT in k.VPC_TYPES and k.SUBNET_DEFAULT in k.SUBNET_TYPES
    assert {k.DIST_AWS, k.DIST_NATIVE} == k.DIST_TYPES
    assert {k.INSTANCE_AWS, k.INSTANCE_NATIVE} == k.INSTANCE_TYPES
    assert {k.EIP_AWS, k.EIP_NATIVE} == k.EIP_TYPES
    assert {k.PREFIX_LIST_AWS, k.PREFIX_LIST_NATIVE} == k.PREFIX_LIST_TYPES
    assert {k.RECORD_AWS} == k.RECORD_TYPES
