"""Every AWS API action the audit calls: the IAM policy it needs, exactly (README: "Audit an existing account").

All are Describe, Get or List actions (read-only). ``sts:GetCallerIdentity`` needs no permission (AWS allows it
always) and is listed because the audit calls it. The tests record every call the audit makes against a moto
server and hold them to this list, and check that the README's policy is this one.
"""

from __future__ import annotations

import json

ACTIONS: tuple[str, ...] = (
    "cloudfront:GetVpcOrigin",
    "cloudfront:ListDistributions",
    "ec2:DescribeAddresses",
    "ec2:DescribeInstances",
    "ec2:DescribeManagedPrefixLists",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRegions",
    "ec2:DescribeSecurityGroups",
    "ec2:GetManagedPrefixListEntries",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "sts:GetCallerIdentity",
    "wafv2:GetWebACLForResource",
)

# The IAM action each botocore operation name stands for (error messages name the action to grant).
ACTION_OF_OPERATION = {action.split(":", 1)[1]: action for action in ACTIONS}


def policy() -> dict[str, object]:
    """The identity policy the audit needs."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "OriginLockdownAuditReadOnly", "Effect": "Allow", "Action": list(ACTIONS), "Resource": "*"}
        ],
    }


def policy_json() -> str:
    return json.dumps(policy(), indent=2)
