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

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime import rpc

from .aws_limits import CLOUDFRONT_PREFIX_LIST_IPV4, CLOUDFRONT_PREFIX_LIST_IPV6
from .mock_certificates import mock_private_ca
from .mock_outputs import ACCOUNT_ID, computed_outputs, name_digest, plain
from .vpc_origin import EXCLUDED_ZONE_IDS, SERVICE_SECURITY_GROUP_NAME

__all__ = ["ACCOUNT_ID", "AMI_ID", "LOOKUPS", "OriginLockdownMocks"]

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
        # Origin mutual TLS's Private CA (originMtlsPrivateCaArn); its record is read with the rotation's.
        "aws:acmpca/getCertificateAuthority:getCertificateAuthority",
        "aws:lb/getListenerRule:getListenerRule",
        "aws:lb/getListener:getListener",
        "aws:resourcegroupstaggingapi/getResources:getResources",
    }
)


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
        # The listeners created so far, by ARN: their client certificate check (reading a listener back answers it).
        self.listeners: dict[str, Any] = {}

    # -- lookups ---------------------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        token, inputs = args.token, dict(args.args)
        answer = self._answer(token, inputs)
        if answer is not None:
            return answer
        if self.fallback is not None:
            return self.fallback.call(args)
        raise NotImplementedError(f"OriginLockdownMocks does not answer {token}: pass fallback= to your own mocks")

    def _answer(self, token: str, inputs: Mapping[str, Any]) -> Any:
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
            return {"id": f"pl-{name_digest(region, name, length=8)}", "name": name, "maxEntries": 55}
        if token in (
            "aws:cloudfront/getCachePolicy:getCachePolicy",
            "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy",
        ):
            name = str(inputs.get("name"))
            return {
                "id": f"{name_digest(token, name, length=8)}-0000-4000-8000-{name_digest(name, length=12)}",
                "name": name,
            }
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
            group = f"sg-{name_digest('cloudfront-vpc-origins', str(inputs.get('vpcId')))}"
            return {"id": group, "name": SERVICE_SECURITY_GROUP_NAME, "vpcId": inputs.get("vpcId")}
        if token == "aws:ec2/getVpc:getVpc":
            return {"id": inputs.get("id"), "cidrBlock": "10.0.0.0/16", "ipv6CidrBlock": ""}
        if token == "aws:ec2/getSubnet:getSubnet":
            # A subnet of your account: its facts are AWS's to say (unknown: the component checks them only when known).
            unknown = ("vpcId", "availabilityZone", "availabilityZoneId", "availableIpAddressCount", "ipv6Native")
            return {"id": inputs.get("id"), **{key: rpc.UNKNOWN for key in unknown}}
        if token == "aws:ec2/getInternetGateway:getInternetGateway":
            gateway = f"igw-{name_digest(str(inputs.get('filters')))}"
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
        if token == "aws:acmpca/getCertificateAuthority:getCertificateAuthority":
            # An active general-purpose root CA with a real certificate (mock_certificates.py).
            _, pem = mock_private_ca()
            arn = inputs.get("arn")
            return {
                "arn": arn,
                "certificate": pem,
                "certificateChain": "",
                "status": "ACTIVE",
                "usageMode": "GENERAL_PURPOSE",
                "type": "ROOT",
            }
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
        if token == "aws:lb/getListener:getListener":
            # The listener read back after its update (its client certificate check): as it was created.
            arn = str(inputs.get("arn"))
            found = self.listeners.get(arn)
            return {"id": arn, "arn": arn, "mutualAuthentications": [found] if found else []}
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
        resource_id = computed.pop("id", None) or f"{args.name}-{name_digest(args.typ, args.name, length=8)}"
        if args.typ == "aws:lb/listenerRule:ListenerRule":
            conditions = inputs.get("conditions") or []
            if isinstance(conditions, dict) and rpc._special_sig_key in conditions:
                conditions = conditions.get("value") or []  # a secret (the values are), as the engine passes it
            self.rules[str(computed.get("arn"))] = list(conditions)
        if args.typ == "aws:lb/listener:Listener":
            self.listeners[str(computed.get("arn"))] = inputs.get("mutualAuthentication")
        return resource_id, {**inputs, **computed}

    def _outputs(self, typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The component's resources: the table offline/mocks.py uses too (mock_outputs.py). Resources of other types
        (your program's) go to ``fallback``."""
        if not (typ.startswith(("aws:", "random:", "tls:"))) or _foreign(typ):
            return None
        return computed_outputs(typ, name, plain(dict(inputs)), self.region)


def _foreign(typ: str) -> bool:
    """A type of a provider the component uses that the component itself never registers (left to ``fallback``)."""
    return typ.split(":", 1)[0] == "aws" and not typ.startswith(_COMPONENT_MODULES)


# The AWS modules whose resources the component registers (its resources' type tokens start so).
_COMPONENT_MODULES = tuple(
    f"aws:{module}/"
    for module in (
        "acm",
        "acmpca",
        "cloudfront",
        "cloudwatch",
        "ec2",
        "iam",
        "lambda",
        "lb",
        "route53",
        "s3",
        "sns",
        "ssm",
        "vpc",
        "wafv2",
    )
)
