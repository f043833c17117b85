"""Policy names, defaults and JSON schemas of every configurable setting.

pulumi-policy hands a validation only the properties the user configured; :func:`settings` fills in
the defaults below so the policies never depend on the CLI having applied the schema's ``default``s.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema

ORIGIN_INGRESS = "origin-sg-no-world-ingress"
SECRET_HEADER = "cloudfront-origin-secret-header"
LITERAL_HEADER = "cloudfront-origin-header-not-literal"
HTTP_ONLY = "cloudfront-secret-header-not-cleartext"
SSH_ALL_PORTS = "origin-sg-no-world-admin-or-all-ports"
PREFIX_QUOTA = "origin-sg-prefix-list-quota"
ORIGIN_MTLS = "cloudfront-origin-alb-mutual-tls"

# Managed prefix-list weights (a referenced list counts as its max entries against the rules-per-group quota):
# https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html (CloudFront origin-facing: 55 each)
CLOUDFRONT_PREFIX_LISTS = {
    "com.amazonaws.global.cloudfront.origin-facing": 55,
    "com.amazonaws.global.ipv6.cloudfront.origin-facing": 55,
}
# "Inbound or outbound rules per security group": 60 by default (quota L-0EA8095F), same page.
DEFAULT_RULES_PER_GROUP = 60

_SCOPE: dict[str, dict[str, Any]] = {
    "scope": {
        "type": "string",
        "enum": ["origins", "all"],
        "default": "origins",
        "description": "origins: the security groups of the stack's CloudFront origins (plus the ones named "
        "below); all: every security group and rule in the stack.",
    },
    "originSecurityGroupTags": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
        "description": "Security groups carrying all these tags are origin groups too ('*' matches any value), "
        "e.g. for distributions that live in another stack.",
    },
    "originSecurityGroupIds": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Ids (or names) of origin security groups, also those of groups created in another stack "
        "that this stack adds rules to.",
    },
}

_PORTS: dict[str, Any] = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}}
_PROTOCOLS: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": ["tcp", "udp"]}}

SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    ORIGIN_INGRESS: {
        **_SCOPE,
        "ports": {**_PORTS, "default": [80, 443], "description": "Ports the world must not reach."},
        "protocols": {
            **_PROTOCOLS,
            "default": ["tcp"],
            "description": "Protocols checked besides -1/all; tcp always is (add udp for HTTP/3 origins).",
        },
        "exemptTypes": {
            "type": "array",
            "items": {"type": "string", "pattern": "^aws(-native)?:[A-Za-z0-9_/]+:[A-Za-z0-9_]+$"},
            "default": [],
            "description": "Resource types (tokens such as aws:ec2/vpcEndpointService:VpcEndpointService) that "
            "the pack does not model and that you have judged unable to let the internet reach an origin around "
            "CloudFront: a resource of such a type connected to an origin is then not reported as 'Cannot verify "
            "... is not modelled'.",
        },
        "unknownValues": {
            "type": "string",
            "enum": ["deny", "allow"],
            "default": "deny",
            "description": "At preview, a rule on an origin group whose CIDR, ports, protocol or target is not "
            "known yet: deny reports it as a violation naming the resource and the unknown property; allow "
            "passes it (it is checked again when the values are known).",
        },
    },
    SECRET_HEADER: {
        "requiredHeaderNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "If set, a custom origin must send one of these headers (case-insensitive).",
        },
        "checkVpcOrigins": {
            "type": "boolean",
            "default": False,
            "description": "Also require a header on VPC origins (private: not reachable from the internet).",
        },
    },
    LITERAL_HEADER: {
        "generatorTypes": {
            "type": "array",
            "items": {"type": "string"},
            "default": [
                "random:index/randomPassword:RandomPassword",
                "random:index/randomString:RandomString",
                "random:index/randomUuid:RandomUuid",
                "random:index/randomId:RandomId",
                "aws:secretsmanager/secretVersion:SecretVersion",
                "aws:secretsmanager/getRandomPassword:getRandomPassword",
            ],
            "description": "Resource types whose outputs count as generated secrets.",
        },
        "exemptHeaderNames": {"type": "array", "items": {"type": "string"}, "default": []},
    },
    HTTP_ONLY: {
        "headerNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Only these headers count as secrets (default: every custom header).",
        },
    },
    SSH_ALL_PORTS: {
        **_SCOPE,
        "ports": {**_PORTS, "default": [22, 3389], "description": "Administrative ports the world must not reach."},
        "protocols": {**_PROTOCOLS, "default": ["tcp"]},
        "flagAllPorts": {
            "type": "boolean",
            "default": True,
            "description": "Also flag protocol -1 or a TCP range 0-65535 open to the world.",
        },
    },
    PREFIX_QUOTA: {
        **_SCOPE,
        "rulesPerSecurityGroup": {
            "type": "integer",
            "minimum": 1,
            "default": DEFAULT_RULES_PER_GROUP,
            "description": "The account's 'Inbound or outbound rules per security group' quota (L-0EA8095F).",
        },
        "prefixListWeights": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "default": dict(CLOUDFRONT_PREFIX_LISTS),
            "description": 'Weight (max entries) of prefix lists by id or name, e.g. {"pl-3b927c52": 55}. '
            "Lists managed in the stack use their maxEntries.",
        },
        "unknownPrefixListWeight": {
            "type": "integer",
            "minimum": 0,
            "default": 55,
            "description": "Weight assumed for a prefix list that is neither in the stack nor in prefixListWeights "
            "(default: 55, the weight of the CloudFront lists, the ones origin groups reference).",
        },
    },
    # Nothing to configure: the enforcement level alone (advisory by default).
    ORIGIN_MTLS: {},
}

# Default enforcement: the lockdown itself blocks; companions advise (see policy/README.md for the reasoning).
ENFORCEMENT: dict[str, EnforcementLevel] = {
    ORIGIN_INGRESS: EnforcementLevel.MANDATORY,
    SECRET_HEADER: EnforcementLevel.ADVISORY,
    LITERAL_HEADER: EnforcementLevel.ADVISORY,
    HTTP_ONLY: EnforcementLevel.ADVISORY,
    SSH_ALL_PORTS: EnforcementLevel.ADVISORY,
    PREFIX_QUOTA: EnforcementLevel.ADVISORY,
    ORIGIN_MTLS: EnforcementLevel.ADVISORY,
}


def schema(name: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties=SCHEMAS[name])


def settings(name: str, configured: Mapping[str, Any] | None) -> dict[str, Any]:
    """The configured values of policy ``name`` over its defaults (unknown keys are ignored)."""
    out = {key: copy.copy(spec["default"]) for key, spec in SCHEMAS[name].items()}  # the caller's own (flat)
    for key, value in (configured or {}).items():
        if key in out and value is not None:
            out[key] = value
    return out
