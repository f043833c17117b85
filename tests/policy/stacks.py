"""Synthetic stacks in wire form, and helpers that run a policy the way pulumi-policy's server does."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from lockdown.model import INPUT_KEYS_ATTRIBUTE
from lockdown.policies import build_policies
from offline.snapshot import UNKNOWN, ResourceSnapshot, make_secret

STACK = "urn:pulumi:dev::cloudfront-origin-lockdown::"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"
DIST = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
PASSWORD = "random:index/randomPassword:RandomPassword"
RECORD = "aws:route53/record:Record"
CF_V4 = "pl-3b927c52"
CF_V6 = "pl-0d6f5e0e3a7f1c2b4"
SECRET = "s3cr3tGeneratedValue0123456789ab"


@dataclass
class R:
    """A mutable resource under construction."""

    type: str
    name: str
    props: dict[str, Any]
    deps: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, Any] | None = None

    @property
    def urn(self) -> str:
        return f"{STACK}{self.type}::{self.name}"

    def snapshot(self) -> ResourceSnapshot:
        return ResourceSnapshot(
            urn=self.urn,
            type=self.type,
            name=self.name,
            custom=True,
            parent="",
            provider="",
            id=str(self.props.get("id", "")),
            inputs=self.inputs if self.inputs is not None else self.props,
            outputs=self.props,
            dependencies=tuple(sorted({u for us in self.deps.values() for u in us})),
            property_dependencies={k: tuple(v) for k, v in self.deps.items()},
        )


class Stack(dict[str, R]):
    def add(self, r: R) -> R:
        self[r.name] = r
        return r

    def snapshots(self) -> list[ResourceSnapshot]:
        return [r.snapshot() for r in self.values()]

    def copy_deep(self) -> Stack:
        return copy.deepcopy(self)


def origin_stack(architecture: str = "alb") -> Stack:
    """CloudFront -> (ALB | instance) whose group admits 443 from the CloudFront prefix list only, plus an
    ordinary public ALB (0.0.0.0/0 and ::/0 on 443) that no distribution points at."""
    s = Stack()
    sg = s.add(
        R(
            SG,
            "origin-sg",
            {
                "id": "sg-0origin",
                "arn": "arn:aws:ec2:us-east-1:1:security-group/sg-0origin",
                "name": "origin-sg",
                "vpcId": "vpc-1",
                "tags": {"Role": "origin"},
            },
        )
    )
    s.add(
        R(
            VPC_IN,
            "origin-in-v4",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "prefixListId": CF_V4,
            },
            {"securityGroupId": [sg.urn]},
        )
    )
    s.add(
        R(
            VPC_OUT,
            "origin-out",
            {
                "securityGroupId": "sg-0origin",
                "ipProtocol": "tcp",
                "fromPort": 80,
                "toPort": 80,
                "referencedSecurityGroupId": "sg-0app",
            },
            {"securityGroupId": [sg.urn]},
        )
    )
    if architecture == "alb":
        ep = s.add(
            R(
                LB,
                "origin-alb",
                {
                    "id": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/o/1",
                    "arn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/o/1",
                    "dnsName": "origin-alb-1.us-east-1.elb.amazonaws.com",
                    "loadBalancerType": "application",
                    "securityGroups": ["sg-0origin"],
                },
                {"securityGroups": [sg.urn]},
            )
        )
        domain = "origin-alb-1.us-east-1.elb.amazonaws.com"
    else:
        ep = s.add(
            R(
                INSTANCE,
                "origin-vm",
                {
                    "id": "i-0origin",
                    "arn": "arn:aws:ec2:us-east-1:1:instance/i-0origin",
                    "publicDns": "ec2-3-1-1-1.compute-1.amazonaws.com",
                    "publicIp": "3.1.1.1",
                    "vpcSecurityGroupIds": ["sg-0origin"],
                },
                {"vpcSecurityGroupIds": [sg.urn]},
            )
        )
        domain = "ec2-3-1-1-1.compute-1.amazonaws.com"
    pw = s.add(R(PASSWORD, "origin-secret", {"id": "none", "length": 32, "result": make_secret(SECRET)}))
    s.add(
        R(
            DIST,
            "cdn",
            {
                "id": "E123",
                "origins": [
                    {
                        "originId": "origin",
                        "domainName": domain,
                        "customOriginConfig": {
                            "httpPort": 80,
                            "httpsPort": 443,
                            "originProtocolPolicy": "https-only",
                            "originSslProtocols": ["TLSv1.2"],
                        },
                        "customHeaders": [{"name": "X-Origin-Verify", "value": make_secret(SECRET)}],
                    }
                ],
                "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
            },
            {"origins": [ep.urn, pw.urn]},
        )
    )
    # An ordinary public load balancer, not behind CloudFront: must pass.
    pub = s.add(
        R(
            SG,
            "public-sg",
            {
                "id": "sg-0public",
                "name": "public-sg",
                "ingress": [
                    {
                        "protocol": "tcp",
                        "fromPort": 443,
                        "toPort": 443,
                        "cidrBlocks": ["0.0.0.0/0"],
                        "ipv6CidrBlocks": ["::/0"],
                    }
                ],
            },
        )
    )
    s.add(
        R(
            SG_RULE,
            "public-http",
            {
                "type": "ingress",
                "securityGroupId": "sg-0public",
                "protocol": "tcp",
                "fromPort": 80,
                "toPort": 80,
                "cidrBlocks": ["0.0.0.0/0"],
            },
            {"securityGroupId": [pub.urn]},
        )
    )
    s.add(
        R(
            ALB,
            "public-alb",
            {
                "id": "arn:public",
                "arn": "arn:public",
                "dnsName": "public-1.elb.amazonaws.com",
                "securityGroups": ["sg-0public"],
            },
            {"securityGroups": [pub.urn]},
        )
    )
    return s


def at_preview(stack: Stack, unknown: Iterable[tuple[str, str]] = ()) -> Stack:
    """The stack as preview sees it before anything exists: ids, ARNs, DNS names unknown (and ``unknown``)."""
    s = stack.copy_deep()
    computed = {"id", "arn", "dnsName", "publicDns", "publicIp", "result"}
    for r in s.values():
        for key in list(r.props):
            if key in computed:
                r.props[key] = UNKNOWN
        for key in ("securityGroupId", "securityGroups", "vpcSecurityGroupIds"):
            if key in r.props and r.deps.get(key):
                r.props[key] = UNKNOWN if isinstance(r.props[key], str) else [UNKNOWN]
    for name, key in unknown:
        s[name].props[key] = UNKNOWN
    return s


# -- running policies like pulumi-policy's server ----------------------------------------------------------------

POLICIES = {p.name: p for p in build_policies()}
_OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def _wire_roundtrip(values: Mapping[str, Any]) -> dict[str, Any]:
    s = struct_pb2.Struct()
    json_format.ParseDict(dict(values), s)
    return json_format.MessageToDict(s)


def policy_resources(snaps: Iterable[ResourceSnapshot]) -> list[PolicyResource]:
    snaps = list(snaps)
    resources = [
        PolicyResource(
            s.type,
            unknown_checking_proxy(deserialize_properties(_wire_roundtrip(s.outputs))),
            s.urn,
            s.name,
            _OPTS,
            None,
            None,
            [],
            {},
        )
        for s in snaps
    ]
    by_urn = {r.urn: r for r in resources}
    for snap, r in zip(snaps, resources, strict=True):
        for key, urns in snap.property_dependencies.items():
            r.property_dependencies[key] = [by_urn[u] for u in urns if u in by_urn]
        # What the pack's server learns from the engine's Analyze call for the resource: its input keys.
        setattr(r, INPUT_KEYS_ATTRIBUTE, frozenset(snap.inputs))
    return resources


def run_stack_policy(
    name: str,
    snaps: Iterable[ResourceSnapshot],
    config: Mapping[str, Any] | None = None,
    resources: list[PolicyResource] | None = None,
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    args = StackValidationArgs(resources if resources is not None else policy_resources(snaps), dict(config or {}))
    policy = POLICIES[name]
    assert isinstance(policy, StackValidationPolicy)

    def report(message: str, urn: str | None = None) -> None:
        out.append((message, urn or ""))

    policy.validate(args, report)
    return out


def run_resource_policy(name: str, snap: ResourceSnapshot, config: Mapping[str, Any] | None = None) -> list[str]:
    out: list[str] = []
    props = unknown_checking_proxy(deserialize_properties(_wire_roundtrip(snap.inputs)))
    args = ResourceValidationArgs(snap.type, props, snap.urn, snap.name, _OPTS, None, dict(config or {}))
    policy = POLICIES[name]
    assert isinstance(policy, ResourceValidationPolicy)

    def report(message: str, urn: str | None = None) -> None:
        out.append(message)

    policy.validate(args, report)
    return out
