"""Accounts built through boto3, the way teams built them by hand: one origin per distribution, each shape once.

:class:`World` creates resources in a moto server with ordinary boto3 calls (the console's and Terraform's
calls), names every distribution after the scenario it holds (its comment), and remembers the ids a test
asserts on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.audit.moto_server import MotoServer

CLOUDFRONT_IPV4 = "com.amazonaws.global.cloudfront.origin-facing"
# A header value planted in the account: no output of the audit may ever contain it.
PLANTED = "planted-Secret-9f3c2e71b4a8d6"

# A saved copy of ip-ranges.json (the shape AWS publishes): CloudFront's origin-facing prefixes (moto's
# managed list holds the first ten IPv4 ones), one more IPv4 prefix the hand-kept copies miss, two IPv6 ones,
# and other services' prefixes that must not count.
RANGES: dict[str, Any] = {
    "syncToken": "1700000000",
    "createDate": "2026-11-01-00-00-00",
    "prefixes": [
        *(
            {
                "ip_prefix": p,
                "region": "GLOBAL",
                "service": "CLOUDFRONT_ORIGIN_FACING",
                "network_border_group": "GLOBAL",
            }
            for p in (
                "13.124.199.0/24",
                "130.176.0.0/18",
                "15.158.0.0/16",
                "18.68.0.0/16",
                "204.246.166.0/24",
                "205.251.218.0/24",
                "3.172.0.0/18",
                "54.239.208.0/21",
                "64.252.64.0/18",
                "70.132.0.0/18",
                "3.29.40.0/22",
            )
        ),
        {"ip_prefix": "52.95.0.0/16", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
        {"ip_prefix": "120.52.22.96/27", "region": "GLOBAL", "service": "CLOUDFRONT", "network_border_group": "GLOBAL"},
    ],
    "ipv6_prefixes": [
        {"ipv6_prefix": "2600:9000:2000::/36", "region": "GLOBAL", "service": "CLOUDFRONT_ORIGIN_FACING"},
        {"ipv6_prefix": "2600:9000:3000::/36", "region": "GLOBAL", "service": "CLOUDFRONT_ORIGIN_FACING"},
        {"ipv6_prefix": "2600:1f00::/24", "region": "us-east-1", "service": "AMAZON"},
    ],
}
# What a team copied by hand: the first 8 IPv4 prefixes (so 3 current ones are missing), on 443.
HAND_KEPT = [p["ip_prefix"] for p in RANGES["prefixes"][:8]]


@dataclass
class World:
    moto: MotoServer
    ids: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ec2 = self.moto.client("ec2")
        self.elbv2 = self.moto.client("elbv2")
        self.elb = self.moto.client("elb")
        self.cf = self.moto.client("cloudfront")
        self.r53 = self.moto.client("route53")
        self.waf = self.moto.client("wafv2")
        self.vpc = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"]
        self.subnets = sorted(s["SubnetId"] for s in subnets)[:2]
        lists = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT_IPV4]}]
        )["PrefixLists"]
        self.cloudfront_list = lists[0]["PrefixListId"]
        self._n = 0

    # -- security groups -------------------------------------------------------------------------------------

    def group(self, name: str, *perms: dict[str, Any], tags: dict[str, str] | None = None) -> str:
        gid: str = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]
        if perms:
            self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(perms))
        if tags:
            self.ec2.create_tags(Resources=[gid], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return gid

    @staticmethod
    def cidrs(port: int, *cidrs: str) -> dict[str, Any]:
        v4 = [{"CidrIp": c} for c in cidrs if ":" not in c]
        v6 = [{"CidrIpv6": c} for c in cidrs if ":" in c]
        return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": v4, "Ipv6Ranges": v6}

    def from_cloudfront(self, port: int) -> dict[str, Any]:
        return {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "PrefixListIds": [{"PrefixListId": self.cloudfront_list}],
        }

    # -- origins ---------------------------------------------------------------------------------------------

    def alb(self, name: str, groups: list[str], lb_type: str = "application") -> dict[str, Any]:
        kwargs: dict[str, Any] = {"Name": name, "Subnets": self.subnets, "Type": lb_type}
        if groups:
            kwargs["SecurityGroups"] = groups
        lb: dict[str, Any] = self.elbv2.create_load_balancer(**kwargs)["LoadBalancers"][0]
        return lb

    def listener(self, lb: dict[str, Any], port: int, default: dict[str, Any]) -> str:
        arn: str = self.elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port, DefaultActions=[default]
        )["Listeners"][0]["ListenerArn"]
        return arn

    def target_group(self, name: str, port: int, protocol: str = "HTTP") -> str:
        arn: str = self.elbv2.create_target_group(Name=name, Protocol=protocol, Port=port, VpcId=self.vpc)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        return arn

    def instance(self, groups: list[str], public: bool = True) -> dict[str, Any]:
        nic = {"DeviceIndex": 0, "SubnetId": self.subnets[0], "Groups": groups, "AssociatePublicIpAddress": public}
        inst = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, NetworkInterfaces=[nic])
        iid = inst["Instances"][0]["InstanceId"]
        described: dict[str, Any] = self.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        return described

    @staticmethod
    def fixed_403() -> dict[str, Any]:
        return {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}

    @staticmethod
    def forward(tg: str) -> dict[str, Any]:
        return {"Type": "forward", "TargetGroupArn": tg}

    def header_rule(self, listener: str, priority: int, tg: str, values: list[str]) -> None:
        self.elbv2.create_rule(
            ListenerArn=listener,
            Priority=priority,
            Conditions=[
                {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": values}}
            ],
            Actions=[self.forward(tg)],
        )

    # -- CloudFront and Route 53 ---------------------------------------------------------------------------------

    def distribution(self, scenario: str, domain: str, policy: str = "https-only", header: str | None = PLANTED) -> str:
        self._n += 1
        origin: dict[str, Any] = {
            "Id": scenario,
            "DomainName": domain,
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": policy},
        }
        if header is not None:
            origin["CustomHeaders"] = {
                "Quantity": 1,
                "Items": [{"HeaderName": "X-Origin-Verify", "HeaderValue": header}],
            }
        config = {
            "CallerReference": f"{scenario}-{self._n}",
            "Comment": scenario,
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": scenario, "ViewerProtocolPolicy": "redirect-to-https"},
        }
        did: str = self.cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        self.ids[scenario] = did
        return did

    def zone(self, name: str) -> str:
        zid: str = self.r53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
        return zid

    def record(
        self, zone: str, name: str, rtype: str, values: list[str] | None = None, alias: str | None = None
    ) -> None:
        rrset: dict[str, Any] = {"Name": name, "Type": rtype}
        if alias is not None:
            rrset["AliasTarget"] = {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": alias, "EvaluateTargetHealth": False}
        else:
            rrset["TTL"] = 60
            rrset["ResourceRecords"] = [{"Value": v} for v in values or []]
        self.r53.change_resource_record_sets(
            HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": rrset}]}
        )


def ranges_file(tmp: Any) -> str:
    path = tmp / "ip-ranges.json"
    path.write_text(json.dumps(RANGES))
    return str(path)
