"""What the audit read from an account: the AWS APIs' answers, kept as they came (boto3's dictionaries).

:mod:`.aws` fills it, :mod:`.convert` turns it into the judge's model; tests and the Prowler checks build it
from recorded answers. Nothing here calls AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class RegionData:
    """One region's answers. Listeners, rules, target groups, targets and web ACLs are read only for the load
    balancers a distribution reaches (:func:`.aws.collect`)."""

    region: str
    load_balancers: list[Json] = field(default_factory=list)  # elbv2 DescribeLoadBalancers
    listeners: list[Json] = field(default_factory=list)  # elbv2 DescribeListeners
    rules: list[Json] = field(default_factory=list)  # elbv2 DescribeRules, each with its "ListenerArn" added
    target_groups: list[Json] = field(default_factory=list)  # elbv2 DescribeTargetGroups
    target_health: dict[str, list[Json]] = field(default_factory=dict)  # target group ARN -> DescribeTargetHealth
    # target group ARN -> DescribeTargetGroupAttributes as {Key: Value} (network load balancers' target groups)
    target_group_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    classic_load_balancers: list[Json] = field(default_factory=list)  # elb DescribeLoadBalancers
    instances: list[Json] = field(default_factory=list)  # ec2 DescribeInstances (every reservation's instances)
    network_interfaces: list[Json] = field(default_factory=list)  # ec2 DescribeNetworkInterfaces (not instances')
    addresses: list[Json] = field(default_factory=list)  # ec2 DescribeAddresses
    security_groups: list[Json] = field(default_factory=list)  # ec2 DescribeSecurityGroups
    prefix_lists: list[Json] = field(default_factory=list)  # ec2 DescribeManagedPrefixLists + "Entries"
    web_acls: dict[str, Json | None] = field(default_factory=dict)  # load balancer ARN -> wafv2 WebACL


@dataclass
class Inventory:
    account: str
    partition: str = "aws"
    regions: list[str] = field(default_factory=list)
    distributions: list[Json] = field(default_factory=list)  # cloudfront ListDistributions (DistributionSummary)
    vpc_origins: list[Json] = field(default_factory=list)  # cloudfront GetVpcOrigin (VpcOrigin)
    zones: list[Json] = field(default_factory=list)  # route53 ListHostedZones (public zones)
    record_sets: dict[str, list[Json]] = field(default_factory=dict)  # zone id -> ListResourceRecordSets
    regional: dict[str, RegionData] = field(default_factory=dict)

    def region(self, name: str) -> RegionData:
        return self.regional.setdefault(name, RegionData(name))
