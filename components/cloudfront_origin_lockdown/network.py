"""The VPC the origin lives in: created small and cheap, or the user's own.

The created VPC spans two Availability Zones (an ALB needs two) with a public subnet in each, and for
``alb`` a private subnet in each. Private instances get no NAT gateway: an S3 gateway endpoint (free)
reaches the Amazon Linux package repositories, which are served from S3, and interface endpoints for ``ssm``,
``ssmmessages`` and ``ec2messages`` carry Session Manager. Interface endpoints cost about
$0.01 per hour per AZ each (https://aws.amazon.com/privatelink/pricing/), so three endpoints in two
AZs are about $44 a month; a NAT gateway is about $33 a month *per AZ* plus $0.045 per GB
(https://aws.amazon.com/vpc/pricing/) and would let instances reach the whole internet, which they
do not need.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_aws as aws

from .settings import OriginLockdownArgs

AZ_COUNT = 2
# Interface endpoints Session Manager needs from a private subnet:
# https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
SSM_ENDPOINT_SERVICES = ("ssm", "ssmmessages", "ec2messages")


@dataclass(frozen=True)
class NetworkOutputs:
    """Ids the rest of the component needs, whichever way the network came to be."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    # Route tables of the private subnets (for the S3 gateway endpoint), empty for an existing VPC.
    private_route_table_ids: Sequence[pulumi.Input[str]]
    created: bool


def carve_subnets(vpc_cidr: str, count: int = 2 * AZ_COUNT) -> list[str]:
    """Split the VPC block into ``count`` equal subnets (public ones first, then private)."""
    network = ipaddress.IPv4Network(vpc_cidr)
    extra_bits = (count - 1).bit_length()
    return [str(subnet) for subnet in list(network.subnets(prefixlen_diff=extra_bits))[:count]]


def ipv6_subnet(vpc_ipv6_cidr: str, index: int) -> str:
    """The ``index``-th /64 of the VPC's Amazon-provided /56."""
    return str(list(ipaddress.IPv6Network(vpc_ipv6_cidr).subnets(new_prefix=64))[index])


def build_network(
    name: str, args: OriginLockdownArgs, tags: Mapping[str, str], parent: pulumi.Resource
) -> NetworkOutputs:
    """Create the VPC (or adopt the user's) with every child parented to the component."""
    if args.network is not None:
        existing = aws.ec2.get_vpc_output(id=args.network.vpc_id, opts=pulumi.InvokeOutputOptions(parent=parent))
        return NetworkOutputs(
            vpc_id=args.network.vpc_id,
            vpc_cidr=existing.cidr_block,
            public_subnet_ids=list(args.network.public_subnet_ids),
            private_subnet_ids=list(args.network.private_subnet_ids),
            private_route_table_ids=[],
            created=False,
        )

    opts = pulumi.ResourceOptions(parent=parent)
    zones = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=parent)).names[:AZ_COUNT]
    vpc = aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=args.vpc_cidr,
        enable_dns_support=True,
        # Interface endpoints with private DNS need both DNS settings on.
        enable_dns_hostnames=True,
        assign_generated_ipv6_cidr_block=args.origin_ipv6,
        tags={**tags, "Name": f"{name}-vpc"},
        opts=opts,
    )
    igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"}, opts=opts)
    public_routes = [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)]
    if args.origin_ipv6:
        public_routes.append(aws.ec2.RouteTableRouteArgs(ipv6_cidr_block="::/0", gateway_id=igw.id))
    public_table = aws.ec2.RouteTable(
        f"{name}-public-rt",
        vpc_id=vpc.id,
        routes=public_routes,
        tags={**tags, "Name": f"{name}-public"},
        opts=opts,
    )
    tiers = [("public", public_table, 0, True)]
    private_table = None
    if args.architecture == "alb":
        # No default route: private instances reach AWS only through the VPC endpoints.
        private_table = aws.ec2.RouteTable(
            f"{name}-private-rt", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-private"}, opts=opts
        )
        tiers.append(("private", private_table, AZ_COUNT, False))

    # The block is always carved in four, so a later switch to alb keeps the public subnets as they are.
    blocks = carve_subnets(args.vpc_cidr)
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    for index, zone in enumerate(zones):
        for tier, table, first_block, is_public in tiers:
            block_index = first_block + index
            ipv6_block = (
                vpc.ipv6_cidr_block.apply(partial(ipv6_subnet, index=block_index)) if args.origin_ipv6 else None
            )
            subnet = aws.ec2.Subnet(
                f"{name}-{tier}-{index + 1}",
                vpc_id=vpc.id,
                cidr_block=blocks[block_index],
                availability_zone=zone,
                # Public IPs are set per instance (only the direct origin gets one), never by default.
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{name}-{tier}-{zone}"},
                ipv6_cidr_block=ipv6_block,
                assign_ipv6_address_on_creation=is_public if args.origin_ipv6 else None,
                opts=opts,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-{tier}-{index + 1}-rta", subnet_id=subnet.id, route_table_id=table.id, opts=opts
            )
            (public_ids if is_public else private_ids).append(subnet.id)

    return NetworkOutputs(
        vpc_id=vpc.id,
        vpc_cidr=vpc.cidr_block,
        public_subnet_ids=public_ids,
        private_subnet_ids=private_ids,
        private_route_table_ids=[private_table.id] if private_table is not None else [],
        created=True,
    )


def build_private_endpoints(
    name: str,
    network: NetworkOutputs,
    region: str,
    endpoint_security_group_id: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> list[aws.ec2.VpcEndpoint]:
    """The S3 gateway endpoint (package repositories; free, so always) and, given a security group for
    them, the SSM interface endpoints (Session Manager; billed per hour, so optional)."""
    opts = pulumi.ResourceOptions(parent=parent)
    endpoints = [
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=network.vpc_id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=list(network.private_route_table_ids),
            tags={**tags, "Name": f"{name}-s3"},
            opts=opts,
        )
    ]
    if endpoint_security_group_id is None:
        return endpoints
    for service in SSM_ENDPOINT_SERVICES:
        endpoints.append(
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=network.vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=list(network.private_subnet_ids),
                security_group_ids=[endpoint_security_group_id],
                tags={**tags, "Name": f"{name}-{service}"},
                opts=opts,
            )
        )
    return endpoints
