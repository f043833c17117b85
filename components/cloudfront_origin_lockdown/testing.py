"""Unit-test a Pulumi program that uses ``OriginLockdown``, without AWS: mocks that answer the component's lookups.

The component looks things up before it registers anything (the region, its zones and instance type offerings,
the CloudFront prefix lists and policies, the newest AMI, and, depending on the settings, your VPC, subnets,
internet gateway, hosted zone and CloudFront's service group; the rotation record and, without one, a
distribution tagged with it; after its update, the ALB listener rule): under ``pulumi.runtime.set_mocks`` each lookup
needs an answer. :class:`OriginLockdownMocks` gives every one of them (:data:`LOOKUPS`), and gives the
component's resources the outputs it reads (a load balancer's DNS name, an instance's private DNS name, a
certificate's validation record, a generated secret, ...). Anything else your program creates or looks up goes
to ``fallback`` (your own ``pulumi.runtime.Mocks``), or gets its inputs back as outputs (resources) or a
``NotImplementedError`` naming the data source (lookups).

Copy this into ``test_site.py`` next to your program and run ``pytest``::

    import pulumi

    from cloudfront_origin_lockdown.testing import OriginLockdownMocks

    pulumi.runtime.set_mocks(OriginLockdownMocks(region="eu-west-1"), preview=False)

    from cloudfront_origin_lockdown import OriginLockdown, OriginLockdownArgs  # noqa: E402


    @pulumi.runtime.test
    def test_the_site_sends_its_secret_header_to_an_alb():
        site = OriginLockdown("shop", OriginLockdownArgs(architecture="alb", tags={"Team": "web"}))

        def check(values):
            url, header, architecture = values
            assert url.startswith("https://") and url.endswith(".cloudfront.net/")
            assert header == "X-Origin-Verify"
            assert architecture == "alb"

        return pulumi.Output.all(site.url, site.origin_header_name, site.architecture).apply(check)

The values are made up (``ami-0123456789abcdef0``, ``d0123456789abc.cloudfront.net``); what the mocks cannot
know (the facts of your subnets, the name of your hosted zone) is unknown, as at preview, so the component skips
the checks that need them; pass ``zones={"Z123...": "example.com"}`` to have ``originDomain`` checked against a
zone.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime import rpc

from .aws_limits import CLOUDFRONT_PREFIX_LIST_IPV4, CLOUDFRONT_PREFIX_LIST_IPV6
from .vpc_origin import EXCLUDED_ZONE_IDS, SERVICE_SECURITY_GROUP_NAME

ACCOUNT_ID = "123456789012"
AMI_ID = "ami-0123456789abcdef0"

# Every data source the component may call (a test checks this against what the program calls, whatever the
# settings): add a lookup here, with an answer in OriginLockdownMocks.call, when the component gains one.
LOOKUPS = frozenset(
    {
        "aws:index/getRegion:getRegion",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings",
        "aws:ec2/getManagedPrefixList:getManagedPrefixList",
        "aws:cloudfront/getCachePolicy:getCachePolicy",
        "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy",
        "aws:ssm/getParameter:getParameter",
        "aws:ec2/getSecurityGroup:getSecurityGroup",
        "aws:ec2/getVpc:getVpc",
        "aws:ec2/getSubnet:getSubnet",
        "aws:ec2/getInternetGateway:getInternetGateway",
        "aws:route53/getZone:getZone",
        "aws:ssm/getParametersByPath:getParametersByPath",
        "aws:cloudfront/getDistribution:getDistribution",
        "aws:lb/getListenerRule:getListenerRule",
        "aws:resourcegroupstaggingapi/getResources:getResources",
    }
)


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _password(name: str, length: int) -> str:
    """Alphanumeric, deterministic, with upper, lower and digits (as RandomPassword's minimums ask)."""
    seed = hashlib.sha256(name.encode()).digest()
    alphabet = string.ascii_letters + string.digits
    body = "".join(alphabet[b % len(alphabet)] for b in (seed * (length // len(seed) + 1))[: max(length - 12, 0)])
    return ("ABCDabcd1234" + body)[:length]


class OriginLockdownMocks(pulumi.runtime.Mocks):
    """Answers for every lookup of ``OriginLockdown`` and plausible outputs for its resources."""

    def __init__(
        self,
        region: str = "us-east-1",
        zones: Mapping[str, str] | None = None,
        fallback: pulumi.runtime.Mocks | None = None,
    ) -> None:
        self.region = region
        self.zones = dict(zones or {})
        self.fallback = fallback
        # The listener rules created so far, by ARN: what reading a rule back answers (its conditions).
        self.rules: dict[str, list[Any]] = {}

    # -- lookups ---------------------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        token, inputs = args.token, dict(args.args)
        answer = self._answer(token, inputs)
        if answer is not None:
            return answer
        if self.fallback is not None:
            return self.fallback.call(args)
        raise NotImplementedError(f"OriginLockdownMocks does not answer {token}: pass fallback= to your own mocks")

    def _answer(self, token: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        region = self.region
        if token == "aws:index/getRegion:getRegion":
            return {"id": region, "name": region, "region": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names, ids = self._zones()
            return {"id": region, "names": names, "zoneIds": ids}
        if token == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            _, ids = self._zones()
            return {"id": region, "locations": ids, "locationTypes": ["availability-zone-id"] * len(ids)}
        if token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            name = str(inputs.get("name"))
            if name not in (CLOUDFRONT_PREFIX_LIST_IPV4, CLOUDFRONT_PREFIX_LIST_IPV6):
                return None
            return {"id": f"pl-{_digest(region, name, length=8)}", "name": name, "maxEntries": 55}
        if token in (
            "aws:cloudfront/getCachePolicy:getCachePolicy",
            "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy",
        ):
            name = str(inputs.get("name"))
            return {"id": f"{_digest(token, name, length=8)}-0000-4000-8000-{_digest(name, length=12)}", "name": name}
        if token == "aws:ssm/getParameter:getParameter":
            return {
                "id": inputs.get("name"),
                "name": inputs.get("name"),
                "value": AMI_ID,
                "insecureValue": AMI_ID,
                "type": "String",
            }
        if token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            if inputs.get("name") != SERVICE_SECURITY_GROUP_NAME:
                return None
            group = f"sg-{_digest('cloudfront-vpc-origins', str(inputs.get('vpcId')))}"
            return {"id": group, "name": SERVICE_SECURITY_GROUP_NAME, "vpcId": inputs.get("vpcId")}
        if token == "aws:ec2/getVpc:getVpc":
            return {"id": inputs.get("id"), "cidrBlock": "10.0.0.0/16", "ipv6CidrBlock": ""}
        if token == "aws:ec2/getSubnet:getSubnet":
            # A subnet of your account: its facts are AWS's to say (unknown: the component checks them only when known).
            unknown = ("vpcId", "availabilityZone", "availabilityZoneId", "availableIpAddressCount", "ipv6Native")
            return {"id": inputs.get("id"), **{key: rpc.UNKNOWN for key in unknown}}
        if token == "aws:ec2/getInternetGateway:getInternetGateway":
            gateway = f"igw-{_digest(str(inputs.get('filters')))}"
            return {"id": gateway, "internetGatewayId": gateway}
        if token == "aws:route53/getZone:getZone":
            zone = str(inputs.get("zoneId"))
            return {"id": zone, "zoneId": zone, "name": self.zones.get(zone, rpc.UNKNOWN)}
        if token == "aws:ssm/getParametersByPath:getParametersByPath":
            # The rotation record (rotation_record.py): none yet, as for a stack deploying for the first time.
            path = inputs.get("path")
            return {"id": path, "path": path, "names": [], "values": [], "types": [], "arns": []}
        if token == "aws:cloudfront/getDistribution:getDistribution":
            # Read after the distribution, to settle the rotation record: a deployed distribution.
            return {"id": inputs.get("id"), "status": "Deployed", "enabled": True}
        if token == "aws:resourcegroupstaggingapi/getResources:getResources":
            # No distribution tagged with the rotation record: a first deploy, as above.
            return {"id": region, "resourceTagMappingLists": []}
        if token == "aws:lb/getListenerRule:getListenerRule":
            # The rule read back after its update (what the origin accepts): as it was created.
            arn = str(inputs.get("arn"))
            conditions = [
                {"httpHeaders": [{**condition["httpHeader"], "regexValues": []}] if condition.get("httpHeader") else []}
                for condition in self.rules.get(arn, [])
            ]
            return {"id": arn, "arn": arn, "conditions": conditions}
        return None

    def _zones(self) -> tuple[list[str], list[str]]:
        """Three zones of the region, none that CloudFront VPC origins exclude."""
        short = "".join(part[0] for part in self.region.split("-")[:-1]) + self.region.rsplit("-", 1)[-1]
        zones = [(f"{self.region}{letter}", f"{short}-az{n}") for n, letter in enumerate("abcdef", 1)]
        usable = [(name, zone) for name, zone in zones if zone not in EXCLUDED_ZONE_IDS][:3]
        return [name for name, _ in usable], [zone for _, zone in usable]

    # -- resources ---------------------------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        computed = self._outputs(args.typ, args.name, inputs)
        if computed is None:
            if self.fallback is not None:
                return self.fallback.new_resource(args)
            computed = {}
        resource_id = computed.pop("id", None) or f"{args.name}-{_digest(args.typ, args.name, length=8)}"
        if args.typ == "aws:lb/listenerRule:ListenerRule":
            conditions = inputs.get("conditions") or []
            if isinstance(conditions, dict) and rpc._special_sig_key in conditions:
                conditions = conditions.get("value") or []  # a secret (the values are), as the engine passes it
            self.rules[str(computed.get("arn"))] = list(conditions)
        return resource_id, {**inputs, **computed}

    def _outputs(self, typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        region, digest = self.region, _digest(typ, name)
        service = typ.split(":")[1].split("/", 1)[0]
        arn = f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{name}"
        ids = {
            "aws:ec2/vpc:Vpc": "vpc",
            "aws:ec2/subnet:Subnet": "subnet",
            "aws:ec2/securityGroup:SecurityGroup": "sg",
            "aws:ec2/internetGateway:InternetGateway": "igw",
            "aws:ec2/routeTable:RouteTable": "rtb",
            "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
            "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
        }
        if typ in ids:
            outputs: dict[str, Any] = {"id": f"{ids[typ]}-{digest}", "arn": arn}
            if typ == "aws:ec2/vpc:Vpc" and inputs.get("assignGeneratedIpv6CidrBlock"):
                outputs["ipv6CidrBlock"] = "2600:1f18:abcd:ef00::/56"
            return outputs
        if typ == "random:index/randomPassword:RandomPassword":
            return {"result": _password(name, int(inputs.get("length") or 32)), "bcryptHash": "$2a$10$mock"}
        if typ == "aws:ec2/instance:Instance":
            octets = [int(digest[i : i + 2], 16) for i in (0, 2)]
            return {
                "id": f"i-{digest}",
                "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:instance/i-{digest}",
                "privateIp": "10.0.{}.{}".format(*octets),
                "privateDns": "ip-10-0-{}-{}.ec2.internal".format(*octets),
            }
        if typ == "aws:ec2/eip:Eip":
            octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4)]
            address = "3.{}.{}.{}".format(*octets)
            return {
                "id": f"eipalloc-{digest}",
                "publicIp": address,
                "publicDns": f"ec2-{address.replace('.', '-')}.compute-1.amazonaws.com",
            }
        if typ == "aws:lb/loadBalancer:LoadBalancer":
            lb_arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{name[:32]}/{digest[:16]}"
            scheme = "internal-" if inputs.get("internal") else ""
            return {
                "id": lb_arn,
                "arn": lb_arn,
                "dnsName": f"{scheme}{name}-{int(digest[:8], 16)}.{region}.elb.amazonaws.com",
                "zoneId": "Z35SXDOTRQ7X7K",
            }
        if typ in ("aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
            lb_arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:{service}/{name[:32]}/{digest[:16]}"
            return {"id": lb_arn, "arn": lb_arn}
        if typ == "aws:cloudfront/distribution:Distribution":
            distribution = f"E{digest[:13].upper()}"
            return {
                "id": distribution,
                "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution}",
                "domainName": f"d{digest[:13]}.cloudfront.net",
                "hostedZoneId": "Z2FDTNDATAQYW2",
                "status": "Deployed",
            }
        if typ == "aws:cloudfront/vpcOrigin:VpcOrigin":
            origin = f"vo_{digest[:22]}"
            return {"id": origin, "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:vpcorigin/{origin}"}
        if typ == "aws:acm/certificate:Certificate":
            domain = str(inputs.get("domainName", "example.com"))
            return {
                "arn": f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{digest}",
                "domainValidationOptions": [
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_{digest[:12]}.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{digest[12:]}.acm-validations.aws.",
                    }
                ],
            }
        if typ == "aws:route53/record:Record":
            return {"fqdn": str(inputs.get("name"))}
        if typ in ("aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile"):
            return {"name": f"{name}-{digest[:7]}", "arn": f"arn:aws:iam::{ACCOUNT_ID}:{service}/{name}"}
        if typ == "aws:ssm/parameter:Parameter":
            return {"arn": f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter{inputs.get('name', '/' + name)}"}
        if typ in (
            "aws:wafv2/webAcl:WebAcl",
            "aws:wafv2/webAclAssociation:WebAclAssociation",
            "aws:acm/certificateValidation:CertificateValidation",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        ):
            return {"arn": arn}
        return None
