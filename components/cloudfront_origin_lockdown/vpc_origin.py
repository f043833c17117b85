"""CloudFront VPC origins: the origin sits in private subnets and has no public address at all.

CloudFront reaches an internal ALB or a private EC2 instance through a service-managed network
interface that it creates in the origin's subnet, over AWS's network. AWS's page for everything here
(prerequisites, restrictions, security groups, supported Regions and zones):
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html

What the page requires, and where this component honours it:

* the VPC has an internet gateway attached (it only marks the VPC as able to receive internet
  traffic; nothing routes through it): network.py always creates one, and an existing VPC is checked;
* the origin's subnets have at least one free IPv4 address for CloudFront's network interface and are
  not IPv6-only, in a supported Region and not in an excluded zone: :func:`subnet_problem`,
  :func:`region_problem`, and network.py's zone choice;
* Gateway Load Balancers, dual-stack NLBs and NLBs with TLS listeners cannot be origins, and an NLB needs
  a security group: :func:`endpoint_problem` (this component builds an ALB or an instance);
* the origin's security group admits CloudFront either through the origin-facing prefix list or
  through ``CloudFront-VPCOrigins-Service-SG``, which CloudFront creates in the VPC once a VPC origin
  exists. The service group is the tighter one (only this account's distributions), so the origin group
  references it: :func:`cloudfront_service_security_group_id` looks it up by VPC and name after the VPC
  origin exists (its id is not returned by any API).

A VPC origin cannot be updated while a distribution uses it: even a tag change fails with 409
(hashicorp/terraform-provider-aws#40905, aws/aws-cdk#34629, aws/aws-cdk#35765). :func:`build_vpc_origin`
therefore replaces it on every change, creating the new one before deleting the old one, and gives each
replacement its own name (:func:`vpc_origin_name`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .inputs import Tags, resolved_tags, tagged

VPC_ORIGINS_PAGE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html"

# "Supported AWS Regions for VPC origins" on VPC_ORIGINS_PAGE: the commercial Regions listed, and the
# Availability Zone IDs the table excepts. Zone IDs, not names: names map to different physical zones
# in different accounts (https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html).
SUPPORTED_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-south-1",
        "eu-south-2",
        "eu-north-1",
        "il-central-1",
        "me-south-1",
        "me-central-1",
        "sa-east-1",
        "mx-central-1",
    }
)
EXCLUDED_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "apne1-az3", "cac1-az3"})

# Same page, "Security Group Configuration": created by CloudFront, one per VPC, never to be edited or
# imitated (a group of our own with this name prefix is refused).
SERVICE_SECURITY_GROUP_NAME = "CloudFront-VPCOrigins-Service-SG"

# Same page: a VPC origin "can take up to 15 minutes" to reach Deployed, and 15 minutes is also the
# provider's default create/update/delete timeout (SetDefaultCreateTimeout(15 * time.Minute) in
# terraform-provider-aws internal/service/cloudfront/vpc_origin.go); terraform-aws-modules/cloudfront
# hit it (#163). Twice the documented time leaves room for a slow deployment.
PROVIDER_DEFAULT_TIMEOUT_MINUTES = 15
TIMEOUT_MINUTES = 30
TIMEOUT = f"{TIMEOUT_MINUTES}m"

# The CloudFront API documents no length or character rule for VpcOriginEndpointConfig.Name
# (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_VpcOriginEndpointConfig.html); we stay
# within what CloudFront accepts for other names (letters, digits, '-', at most 64).
NAME_MAX = 64
_NAME_DIGEST = 10
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")

# Same page, "Private subnet with at least one available IPv4 address" for CloudFront's interface;
# an ALB needs 8 free addresses in each of its subnets to scale
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer),
# and an instance one for itself.
CLOUDFRONT_INTERFACE_ADDRESSES = 1
ALB_FREE_ADDRESSES = 8


def region_problem(region: str) -> str | None:
    """Why CloudFront cannot have a VPC origin in ``region``, or ``None``."""
    if region in SUPPORTED_REGIONS:
        return None
    return (
        f"CloudFront VPC origins are not available in {region} (supported: {', '.join(sorted(SUPPORTED_REGIONS))}; "
        f"{VPC_ORIGINS_PAGE}#vpc-origins-supported-regions); deploy in a supported Region or set vpcOrigin false"
    )


def endpoint_problem(
    kind: str, ip_address_type: str, listener_protocols: Sequence[str], security_group_count: int
) -> str | None:
    """Why a resource cannot be the endpoint of a VPC origin (VPC_ORIGINS_PAGE, "Origin restrictions").

    ``kind`` is ``application``/``network``/``gateway`` (a load balancer's type) or ``instance``.
    """
    if kind not in ("application", "network", "gateway", "instance"):
        return f"{kind!r} is not a resource type a VPC origin can point at (an ALB, an NLB or an EC2 instance)"
    if kind == "gateway":
        return "a Gateway Load Balancer cannot be a VPC origin"
    if ip_address_type.startswith("dualstack-without-public"):
        return "an origin without IPv4 cannot be a VPC origin: CloudFront reaches it over IPv4"
    if kind == "network":
        if ip_address_type == "dualstack":
            return "a dual-stack Network Load Balancer cannot be a VPC origin"
        if any(protocol.upper() == "TLS" for protocol in listener_protocols):
            return "a Network Load Balancer with a TLS listener cannot be a VPC origin"
    if security_group_count < 1:
        return "a VPC origin needs a security group on the origin (it admits CloudFront's service group)"
    return None


@dataclass(frozen=True)
class SubnetFacts:
    """What AWS says about an existing subnet (``aws.ec2.get_subnet``), as far as a VPC origin cares."""

    subnet_id: str
    vpc_id: str
    zone_id: str
    available_ipv4: int
    ipv6_native: bool


def subnet_problem(facts: SubnetFacts, vpc_id: str, free_addresses_needed: int) -> str | None:
    """Why an existing subnet cannot hold a VPC origin's endpoint, or ``None``."""
    if facts.vpc_id != vpc_id:
        return f"subnet {facts.subnet_id} is in {facts.vpc_id}, not in vpcId {vpc_id}"
    if facts.ipv6_native:
        return f"subnet {facts.subnet_id} is IPv6-only; CloudFront VPC origins need IPv4 subnets ({VPC_ORIGINS_PAGE})"
    if facts.zone_id in EXCLUDED_ZONE_IDS:
        return (
            f"subnet {facts.subnet_id} is in zone {facts.zone_id}, where CloudFront VPC origins are not available "
            f"({VPC_ORIGINS_PAGE}#vpc-origins-supported-regions); use subnets in other zones"
        )
    if facts.available_ipv4 < free_addresses_needed:
        return (
            f"subnet {facts.subnet_id} has {facts.available_ipv4} free IPv4 addresses; the origin needs "
            f"{free_addresses_needed} (one for the network interface CloudFront creates, {VPC_ORIGINS_PAGE})"
        )
    return None


def free_addresses_needed(architecture: str) -> int:
    """Free IPv4 addresses each origin subnet needs: CloudFront's interface plus the ALB or the instance."""
    return CLOUDFRONT_INTERFACE_ADDRESSES + (ALB_FREE_ADDRESSES if architecture == "alb" else 1)


def vpc_origin_name(prefix: str, fingerprint: Mapping[str, object]) -> str:
    """A name that changes whenever anything else in the VPC origin does.

    Every change replaces the VPC origin while the old one still exists (create before delete), so two
    exist for a while; a name derived from the rest of its configuration never collides with the one it
    replaces. Letters, digits and '-', at most :data:`NAME_MAX`.
    """
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()[:_NAME_DIGEST]
    safe = _NAME_UNSAFE.sub("-", prefix).strip("-") or "origin"
    return f"{safe[: NAME_MAX - _NAME_DIGEST - 1].rstrip('-')}-{digest}"


def build_vpc_origin(
    name: str,
    name_prefix: str,
    endpoint_arn: pulumi.Input[str],
    origin_protocol: str,
    tags: Tags,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.cloudfront.VpcOrigin:
    """The VPC origin for an internal ALB's or a private instance's ARN.

    ``origin_protocol`` is ``http`` (port 80) or ``https`` (port 443, TLS 1.2), the single port the
    origin's security group opens. ``depends_on``: what must serve before it is created (the listener rule).
    """
    protocol_policy = "https-only" if origin_protocol == "https" else "http-only"
    ssl_protocols = ["TLSv1.2"]
    timeouts = {"create": TIMEOUT, "update": TIMEOUT, "delete": TIMEOUT}

    def origin_name(parts: list[Any]) -> str:
        arn, known_tags = parts
        fingerprint = {
            "arn": arn,
            "httpPort": 80,
            "httpsPort": 443,
            "originProtocolPolicy": protocol_policy,
            "originSslProtocols": ssl_protocols,
            "tags": dict(known_tags),
            "timeouts": timeouts,
        }
        return vpc_origin_name(name_prefix, fingerprint)

    return aws.cloudfront.VpcOrigin(
        f"{name}-vpc-origin",
        vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
            name=pulumi.Output.all(endpoint_arn, resolved_tags(tags)).apply(origin_name),
            arn=endpoint_arn,
            http_port=80,
            https_port=443,
            origin_protocol_policy=protocol_policy,
            origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                items=ssl_protocols, quantity=len(ssl_protocols)
            ),
        ),
        tags=tagged(tags),
        # The provider's own wait (the resource's timeouts block) and the engine's deadline for it.
        timeouts=aws.cloudfront.VpcOriginTimeoutsArgs(**timeouts),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(depends_on),
            # Never update in place (409 while a distribution uses it): a new one is created, the
            # distribution moves to it, and only then is the old one deleted.
            replace_on_changes=["*"],
            delete_before_replace=False,
            custom_timeouts=pulumi.CustomTimeouts(create=TIMEOUT, update=TIMEOUT, delete=TIMEOUT),
        ),
    )


def cloudfront_service_security_group_id(
    vpc_id: pulumi.Input[str], vpc_origin: aws.cloudfront.VpcOrigin, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """The id of ``CloudFront-VPCOrigins-Service-SG`` in the VPC, looked up once the VPC origin exists.

    CloudFront creates the group with the first VPC origin in a VPC, and no API returns its id. The
    lookup depends on the VPC origin, so the engine runs it only after the VPC origin is created; while
    the VPC origin is still to be created (a preview of a new stack, or of a replacement) the result is
    unknown instead of a failure, and the rule that uses it shows as "known after apply". The output
    carries the VPC origin as a dependency, so on delete the rule goes before the VPC origin does.
    """
    group = aws.ec2.get_security_group_output(
        vpc_id=vpc_id,
        name=SERVICE_SECURITY_GROUP_NAME,
        opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=[vpc_origin]),
    )
    return group.id
