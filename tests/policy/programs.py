"""Small Pulumi programs written the way real programs are, run under the project's engine-like mocks.

The adversarial tables build their stacks as *programs* (``pulumi_aws`` resources wired by outputs), not as
hand-written property dictionaries: the SDK then records the property dependencies, and the mocks give the
engine's preview (inputs known, every provider-computed output unknown) and up (everything known), so a
case is judged on exactly what ``pulumi preview`` and ``pulumi up`` would hand the pack.

:class:`PackMocks` extends ``offline.mocks.AwsMocks`` with the resource types and lookups these programs use
and, like the Terraform bridge, puts ``id`` among a resource's outputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from offline.mocks import MANAGED_PREFIX_LISTS, PROJECT, AwsMocks, EngineLikeMonitor
from offline.snapshot import UNKNOWN, ResourceSnapshot

Program = Callable[[], None]


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def record_fqdn(name: str, zone: str) -> str:
    """The record's FQDN as the provider computes it (terraform-provider-aws internal/service/route53
    ``expandRecordName``): a name that does not end with the zone's name is relative to it."""
    record = name.lower().rstrip(".")
    zone = zone.lower().rstrip(".")
    if not record:
        return zone
    return record if record.endswith(zone) else f"{record}.{zone}"


class PackMocks(AwsMocks):
    """``AwsMocks`` plus the types the policy tables use; outputs carry ``id`` as the bridged provider's do."""

    def __init__(self, preview: bool = False) -> None:
        super().__init__(preview=preview)
        self.subnets: dict[str, dict[str, Any]] = {}
        self.zones: dict[str, str] = {}
        self.default_vpc_id = "vpc-0default000000000"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        outputs = dict(outputs)
        outputs["id"] = UNKNOWN if self.preview else resource_id
        return resource_id, outputs

    def _computed_outputs(self, typ: str, name: str, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
        out = super()._computed_outputs(typ, name, inputs, region)
        digest = _digest(typ, name)
        if typ == "aws:ec2/subnet:Subnet":
            self.subnets[out["id"]] = dict(inputs)
        elif typ == "aws:ec2/defaultVpc:DefaultVpc":
            out.update(id=self.default_vpc_id, defaultSecurityGroupId="sg-0defaultvpc0000000")
        elif typ == "aws:ec2/defaultSubnet:DefaultSubnet":
            out.update(id=f"subnet-{digest}", vpcId=self.default_vpc_id, mapPublicIpOnLaunch=True)
            self.subnets[out["id"]] = {"vpcId": self.default_vpc_id, "mapPublicIpOnLaunch": True}
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            group_name = inputs.get("name") or f"terraform-{digest[:20]}"
            out.update(name=group_name, vpcId=inputs.get("vpcId") or self.default_vpc_id)
        elif typ == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
            out.update(id=f"sg-{digest}", name="default", vpcId=inputs.get("vpcId") or self.default_vpc_id)
        elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            subnet_ids = list(inputs.get("subnets") or []) + [
                m.get("subnetId") for m in inputs.get("subnetMappings") or []
            ]
            vpcs = [self.subnets.get(str(s), {}).get("vpcId") for s in subnet_ids]
            out["vpcId"] = next((v for v in vpcs if v), self.default_vpc_id)
            if inputs.get("internal"):
                out["dnsName"] = f"internal-{out['dnsName']}"
        elif typ == "aws:elb/loadBalancer:LoadBalancer":
            lb_name = inputs.get("name") or f"{name}-{digest[:6]}"
            out.update(id=lb_name, name=lb_name, dnsName=f"{lb_name}-{int(digest[:8], 16)}.{region}.elb.amazonaws.com")
        elif typ == "aws:ec2/instance:Instance":
            subnet = self.subnets.get(str(inputs.get("subnetId")), {})
            has_eni = bool(inputs.get("primaryNetworkInterface"))
            if "associatePublicIpAddress" in inputs:
                public = bool(inputs["associatePublicIpAddress"])
            elif has_eni:
                public = False
            elif inputs.get("subnetId"):
                public = bool(subnet.get("mapPublicIpOnLaunch"))
            else:
                public = True  # the default VPC's subnets map public IPv4 addresses
            if not public:
                out.update(publicIp="", publicDns="")
            else:
                ip = "54.{}.{}.{}".format(*(int(digest[i : i + 2], 16) for i in (0, 2, 4)))
                out.update(publicIp=ip, publicDns=f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com")
            count = int(inputs.get("ipv6AddressCount") or 0)
            out["ipv6Addresses"] = [f"2600:1f18:abcd:ef00::{digest[:4]}"] if count else []
            if has_eni:
                out["primaryNetworkInterfaceId"] = inputs["primaryNetworkInterface"].get("networkInterfaceId")
        elif typ == "aws:ec2/networkInterface:NetworkInterface":
            out.update(
                id=f"eni-{digest}",
                privateIp="10.{}.{}.{}".format(*(int(digest[i : i + 2], 16) for i in (0, 2, 4))),
            )
        elif typ == "aws:ec2/eipAssociation:EipAssociation":
            out.update(id=f"eipassoc-{digest}")
        elif typ == "aws:cloudfront/vpcOrigin:VpcOrigin":
            out.update(id=f"vo_{digest}", arn=f"arn:aws:cloudfront::123456789012:vpcorigin/vo_{digest}")
        elif typ == "aws:route53/zone:Zone":
            zone_id = f"Z{digest[:13].upper()}"
            out.update(id=zone_id, zoneId=zone_id)
            self.zones[zone_id] = str(inputs.get("name"))
        elif typ == "aws:route53/record:Record":
            zone_name = self.zones.get(str(inputs.get("zoneId")), "example.com")
            fqdn = record_fqdn(str(inputs.get("name", "")), zone_name)
            out.update(id=f"{inputs.get('zoneId')}_{fqdn}_{inputs.get('type')}", fqdn=fqdn)
        elif typ == "aws:ec2/managedPrefixList:ManagedPrefixList":
            out.update(id=f"pl-{digest}", version=1, ownerId="123456789012")
        elif typ == "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry":
            out.update(id=f"{inputs.get('prefixListId')},{inputs.get('cidr')}")
        elif typ in ("aws:autoscaling/group:Group", "aws:ec2/launchConfiguration:LaunchConfiguration"):
            group_name = inputs.get("name") or f"{name}-{digest[:8]}"
            out.update(id=group_name, name=group_name)
        elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
            out.update(id=f"lt-{digest}", name=inputs.get("name") or f"{name}-{digest[:8]}", latestVersion=1)
        out.update(self._closed_world_outputs(typ, name, inputs, digest))
        return out

    def _closed_world_outputs(self, typ: str, name: str, inputs: Mapping[str, Any], digest: str) -> dict[str, Any]:
        """Outputs of the types the closed world's tables use (issue 18), as their providers compute them."""
        octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4)]
        if typ == "aws:ec2/spotInstanceRequest:SpotInstanceRequest":
            subnet = self.subnets.get(str(inputs.get("subnetId")), {})
            public = inputs.get("associatePublicIpAddress", subnet.get("mapPublicIpOnLaunch", True))
            ip = "54.{}.{}.{}".format(*octets)
            return {
                "id": f"sir-{digest[:8]}",
                "spotInstanceId": f"i-{digest}",
                "publicIp": ip if public else "",
                "publicDns": f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com" if public else "",
                "privateIp": "10.0.{}.{}".format(*octets[1:]),
                "primaryNetworkInterfaceId": f"eni-{digest}",
            }
        if typ == "aws:lightsail/instance:Instance":
            return {
                "id": inputs.get("name"),
                "publicIpAddress": "34.{}.{}.{}".format(*octets),
                "privateIpAddress": "172.26.{}.{}".format(*octets[1:]),
                "ipv6Addresses": [f"2600:1f18:1::{digest[:4]}"] if inputs.get("ipAddressType") != "ipv4" else [],
            }
        if typ == "aws:lightsail/staticIp:StaticIp":
            return {"id": inputs.get("name"), "ipAddress": "35.{}.{}.{}".format(*octets)}
        if typ == "aws:lightsail/staticIpAttachment:StaticIpAttachment":
            static = _digest("aws:lightsail/staticIp:StaticIp", str(inputs.get("staticIpName")))
            return {"ipAddress": "35.{}.{}.{}".format(*(int(static[i : i + 2], 16) for i in (0, 2, 4)))}
        if typ == "aws:lightsail/lb:Lb":
            dns = f"{inputs.get('name')}-{digest[:8]}.us-east-1.elb.amazonaws.com"
            return {"id": inputs.get("name"), "dnsName": dns, "publicPorts": [80]}
        if typ in ("aws:cloudfront/multitenantDistribution:MultitenantDistribution",
                   "aws:cloudfront/distributionTenant:DistributionTenant"):  # fmt: skip
            return {"id": f"E{digest[:13].upper()}", "domainName": f"d{digest[:13]}.cloudfront.net"}
        if typ == "aws:ec2/vpcEndpointService:VpcEndpointService":
            return {"id": f"vpce-svc-{digest}", "serviceName": f"com.amazonaws.vpce.us-east-1.vpce-svc-{digest}"}
        return {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token, inputs = args.token, dict(args.args)
        if token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            # The id a group of that name gets when this program creates it (resource name = group name), so
            # the lookup may race the group's registration; any other name is a group the stack does not
            # create (e.g. CloudFront-VPCOrigins-Service-SG).
            name = str(inputs.get("name") or "")
            group_id = f"sg-{_digest('aws:ec2/securityGroup:SecurityGroup', name)}"
            return {"id": group_id, "name": name, "vpcId": inputs.get("vpcId"), "arn": f"arn:aws:ec2:sg/{group_id}"}
        if token == "aws:ec2/getSecurityGroups:getSecurityGroups":
            # Every group of a VPC: here the one named "web" that the programs create.
            group_id = f"sg-{_digest('aws:ec2/securityGroup:SecurityGroup', 'web')}"
            return {"id": "lookup", "ids": [group_id], "vpcIds": ["vpc"], "arns": [f"arn:aws:ec2:sg/{group_id}"]}
        if token == "aws:ec2/getManagedPrefixList:getManagedPrefixList" and inputs.get("name") == "partners":
            # A customer-managed list created in another stack (another team's), looked up by name.
            return {"id": "pl-0partners00000000", "name": "partners", "maxEntries": 10, "addressFamily": "IPv4",
                    "ownerId": "123456789012", "entries": []}  # fmt: skip
        if token == "aws:route53/getZone:getZone":
            zone_name = str(inputs.get("name"))
            return {"id": f"Z{_digest('zone', zone_name)[:13].upper()}", "zoneId": "Z0LOOKUP", "name": zone_name}
        return super().call(args)


def run(program: Program, preview: bool) -> list[ResourceSnapshot]:
    """Run ``program`` (a function that declares resources) as the engine would, at preview or at up."""
    mocks = PackMocks(preview=preview)
    monitor = EngineLikeMonitor(mocks)
    set_all_config({"aws:region": "us-east-1"})
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="dev", preview=preview, monitor=monitor)
    pulumi_settings.ROOT.set(None)
    _sync_await(run_in_stack(program))
    return list(monitor.snapshots)


# -- building blocks that read like a real program -------------------------------------------------------------

CF_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
CF_PREFIX_LIST_V6 = "com.amazonaws.global.ipv6.cloudfront.origin-facing"
assert CF_PREFIX_LIST in MANAGED_PREFIX_LISTS


class Net:
    """A VPC with two public subnets (mapping public IPv4 addresses) and two private ones."""

    def __init__(self, name: str = "net", cidr: str = "10.0.0.0/16") -> None:
        self.vpc = aws.ec2.Vpc(name, cidr_block=cidr)
        base = cidr.split(".")[:2]
        self.public = [
            aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=self.vpc.id,
                cidr_block=f"{base[0]}.{base[1]}.{i}.0/24",
                map_public_ip_on_launch=True,
            )
            for i in (0, 1)
        ]
        self.private = [
            aws.ec2.Subnet(f"{name}-private-{i}", vpc_id=self.vpc.id, cidr_block=f"{base[0]}.{base[1]}.{10 + i}.0/24")
            for i in (0, 1)
        ]

    def group(self, name: str) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(name, name=name, vpc_id=self.vpc.id, description=name)

    def alb(self, name: str, groups: Sequence[aws.ec2.SecurityGroup], internal: bool = False) -> aws.lb.LoadBalancer:
        subnets = self.private if internal else self.public
        return aws.lb.LoadBalancer(
            name,
            load_balancer_type="application",
            internal=internal,
            security_groups=[g.id for g in groups],
            subnets=[s.id for s in subnets],
        )

    def instance(
        self, name: str, groups: Sequence[aws.ec2.SecurityGroup], public: bool = True, **kwargs: Any
    ) -> aws.ec2.Instance:
        subnet = self.public[0] if public else self.private[0]
        return aws.ec2.Instance(
            name,
            ami="ami-0123456789abcdef0",
            instance_type="t3.micro",
            subnet_id=subnet.id,
            vpc_security_group_ids=[g.id for g in groups],
            **kwargs,
        )


def cloudfront_only(name: str, group: aws.ec2.SecurityGroup, port: int = 443) -> None:
    """The lockdown rule: ``port`` only from CloudFront's origin-facing managed prefix list."""
    pl = aws.ec2.get_managed_prefix_list_output(name=CF_PREFIX_LIST)
    aws.vpc.SecurityGroupIngressRule(
        name, security_group_id=group.id, ip_protocol="tcp", from_port=port, to_port=port, prefix_list_id=pl.id
    )


def ingress(
    name: str,
    group: aws.ec2.SecurityGroup | pulumi.Input[str],
    cidr: str,
    port: int | tuple[int, int] = 443,
    protocol: str = "tcp",
) -> aws.vpc.SecurityGroupIngressRule:
    low, high = port if isinstance(port, tuple) else (port, port)
    group_id = group.id if isinstance(group, aws.ec2.SecurityGroup) else group
    args: dict[str, Any] = {"security_group_id": group_id, "ip_protocol": protocol}
    args.update({"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr})
    if protocol != "-1":
        args.update(from_port=low, to_port=high)
    return aws.vpc.SecurityGroupIngressRule(name, **args)


def custom_origin(origin_id: str, domain: pulumi.Input[str]) -> dict[str, Any]:
    return {
        "origin_id": origin_id,
        "domain_name": domain,
        "custom_origin_config": {
            "http_port": 80,
            "https_port": 443,
            "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"],
        },
        "custom_headers": [{"name": "X-Origin-Verify", "value": "from-a-generated-secret-in-real-life"}],
    }


def vpc_origin(origin_id: str, target_arn: pulumi.Input[str], domain: pulumi.Input[str]) -> dict[str, Any]:
    vo = aws.cloudfront.VpcOrigin(
        f"{origin_id}-vpc-origin",
        vpc_origin_endpoint_config={
            "arn": target_arn,
            "http_port": 80,
            "https_port": 443,
            "name": origin_id,
            "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": {"items": ["TLSv1.2"], "quantity": 1},
        },
    )
    return {"origin_id": origin_id, "domain_name": domain, "vpc_origin_config": {"vpc_origin_id": vo.id}}


def distribution(
    name: str,
    origins: Sequence[dict[str, Any]],
    ordered: Sequence[tuple[str, str]] = (),
    origin_groups: Sequence[dict[str, Any]] = (),
    default_target: str | None = None,
) -> aws.cloudfront.Distribution:
    behavior: dict[str, Any] = {
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
        "viewer_protocol_policy": "redirect-to-https",
        "cache_policy_id": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    }
    args: dict[str, Any] = {
        "enabled": True,
        "origins": list(origins),
        "origin_groups": list(origin_groups) or None,
        "default_cache_behavior": {**behavior, "target_origin_id": default_target or origins[0]["origin_id"]},
        "ordered_cache_behaviors": [{**behavior, "path_pattern": p, "target_origin_id": t} for p, t in ordered] or None,
        "restrictions": {"geo_restriction": {"restriction_type": "none"}},
        "viewer_certificate": {"cloudfront_default_certificate": True},
    }
    return aws.cloudfront.Distribution(name, **args)
