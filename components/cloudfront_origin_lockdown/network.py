"""The VPC the origin lives in: created small and cheap, or the user's own.

The created VPC spans two Availability Zones (an ALB needs two) with a public subnet in each, and for
``alb`` a private subnet in each. With ``vpcOrigin`` nothing is public: no public subnets, the internal ALB
and its instances in the two private subnets, or the direct instance in one private subnet (it reads its
secret through a single ``ssm`` interface endpoint there). The zones are the first two that need no
opt-in and that VPC origins support, whatever the settings (so no setting change ever moves a subnet);
they must offer the instance type (checked at preview, before any resource). Private instances get no
NAT gateway: an S3 gateway endpoint (free) reaches the Amazon Linux package repositories, which are served
from S3, and interface endpoints for ``ssm``,
``ssmmessages`` and ``ec2messages`` carry Session Manager. Interface endpoints cost about
$0.01 per hour per AZ each (https://aws.amazon.com/privatelink/pricing/), so three endpoints in two
AZs are about $44 a month; a NAT gateway is about $33 a month *per AZ* plus $0.045 per GB
(https://aws.amazon.com/vpc/pricing/) and would let instances reach the whole internet, which they
do not need.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import rpc
from pulumi_aws import _utilities as aws_utilities

from . import vpc_origin as vpc_origin_module
from .inputs import SubnetIds, Tags, subnet_list, tagged
from .settings import ExistingNetwork, SettingError, Settings

AZ_COUNT = 2
# Interface endpoints Session Manager needs from a private subnet:
# https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
SSM_ENDPOINT_SERVICES = ("ssm", "ssmmessages", "ec2messages")


@dataclass(frozen=True)
class NetworkOutputs:
    """Ids the rest of the component needs, whichever way the network came to be."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    # An existing network's may be Outputs (a VPC of the caller's program): see inputs.py.
    public_subnet_ids: SubnetIds
    private_subnet_ids: SubnetIds
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


@dataclass(frozen=True)
class Zone:
    name: str
    zone_id: str


def choose_zones(
    names: Sequence[str],
    zone_ids: Sequence[str],
    offered_zone_ids: Sequence[str],
    instance_type: str,
    region: str,
    count: int = AZ_COUNT,
) -> list[Zone]:
    """The first ``count`` opt-in-free zones (AWS's order) that CloudFront VPC origins support, whatever the
    settings; the instance type must be offered in each of them.

    The choice depends on the region alone, never on a setting a user changes later: a subnet whose zone
    changes is replaced, its replacement is created first with the same address block (refused as
    overlapping: the update stops half-way), and the instances in it go with it. So switching ``vpcOrigin``
    or ``instanceType`` must never move a subnet: the zones CloudFront VPC origins exclude are skipped even
    without a VPC origin, and an instance type those zones do not offer is refused instead of moving to
    others.

    ``names``/``zone_ids`` are the region's opt-in-free Availability Zones (Local and Wavelength Zones need
    an opt-in and lack most services); ``offered_zone_ids`` are the zone ids where EC2 offers
    ``instance_type`` (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-type-offerings.html:
    not every zone offers every type). Raises :class:`SettingError`.
    """
    supported = [
        Zone(n, z) for n, z in zip(names, zone_ids, strict=True) if z not in vpc_origin_module.EXCLUDED_ZONE_IDS
    ]
    chosen = supported[:count]
    if len(chosen) < count:
        raise SettingError(
            "aws:region",
            region,
            f"expected a region with at least {count} opt-in-free Availability Zones that CloudFront VPC origins "
            f"support; found {', '.join(f'{z.name} ({z.zone_id})' for z in chosen) or 'none'}",
        )
    offered = set(offered_zone_ids)
    missing = [zone for zone in chosen if zone.zone_id not in offered]
    if missing:
        raise SettingError(
            "instanceType",
            instance_type,
            f"expected a type offered in the Availability Zones this stack's subnets use "
            f"({', '.join(f'{z.name} ({z.zone_id})' for z in chosen)}); it is not offered in "
            f"{', '.join(z.name for z in missing)}. The zones stay fixed so that no setting ever moves a subnet",
        )
    return chosen


def subnet_layout(architecture: str, vpc_origin: bool) -> list[tuple[str, int, int, bool]]:
    """The created subnets: (tier, first block, how many, public?).

    Blocks are fixed per tier (public 0-1, private 2-3; the VPC is always carved in four), so switching
    architecture or vpcOrigin adds or removes subnets and never moves one. Private subnets exist where
    something uses them: the instances behind an ALB, and any origin reached through a VPC origin (then
    nothing is public at all, so there are no public subnets).
    """
    tiers: list[tuple[str, int, int, bool]] = []
    if not vpc_origin:
        tiers.append(("public", 0, AZ_COUNT, True))
    if architecture == "alb":
        tiers.append(("private", AZ_COUNT, AZ_COUNT, False))
    elif vpc_origin:
        # One instance, one subnet: the interface endpoint it reads its secret through sits there too.
        tiers.append(("private", AZ_COUNT, 1, False))
    return tiers


def available_zones(args: Settings, region: str, invoke: pulumi.InvokeOptions) -> list[Zone]:
    """Look the usable zones up before any resource exists, so a region that cannot work fails the preview
    (called by preflight.run_preflight)."""
    # No state filter: a zone that is impaired for a while must not shift the list and move subnets.
    zones = aws.get_availability_zones(
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"]),
            aws.GetAvailabilityZonesFilterArgs(name="zone-type", values=["availability-zone"]),
        ],
        opts=invoke,
    )
    offerings = aws.ec2.get_instance_type_offerings(
        location_type="availability-zone-id",
        filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=[args.instance_type])],
        opts=invoke,
    )
    return choose_zones(zones.names, zones.zone_ids, offerings.locations, args.instance_type, region, AZ_COUNT)


def check_instance_type_offered(instance_type: str, region: str, invoke: pulumi.InvokeOptions) -> None:
    """An existing VPC: the type must at least be offered in the region (a typo such as ``t3.micrp`` fails
    here, not at RunInstances after the groups and load balancer exist). A created VPC's zones are chosen
    where the type is offered (:func:`available_zones`); an existing VPC's subnets are the user's choice."""
    offerings = aws.ec2.get_instance_type_offerings(
        location_type="availability-zone-id",
        filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=[instance_type])],
        opts=invoke,
    )
    if not offerings.locations:
        raise SettingError(
            "instanceType",
            instance_type,
            f"expected an EC2 instance type offered in {region}; no Availability Zone of the region offers it "
            "(https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html)",
        )


def check_existing_network_for_vpc_origin(
    net: ExistingNetwork, architecture: str, invoke: pulumi.InvokeOptions
) -> None:
    """An existing VPC that is to hold a VPC origin: internet gateway attached, usable private subnets.

    Plain lookups of things that already exist, so they run at preview too, before any resource (called
    by preflight.run_preflight; inside ``apply`` when the ids are Outputs).
    """
    try:
        aws.ec2.get_internet_gateway(
            filters=[aws.ec2.GetInternetGatewayFilterArgs(name="attachment.vpc-id", values=[net.vpc_id])],
            opts=invoke,
        )
    except Exception as error:
        # The provider's words for "none": anything else (credentials, throttling) is not ours to rename.
        if "no matching" not in str(error).lower():
            raise
        raise SettingError(
            "vpcId",
            net.vpc_id,
            "expected a VPC with an internet gateway attached: CloudFront VPC origins require one although "
            f"nothing is routed through it ({vpc_origin_module.VPC_ORIGINS_PAGE}); attach one, no route needed",
        ) from None
    needed = vpc_origin_module.free_addresses_needed(architecture)
    for subnet_id in net.private_subnet_ids:
        found = _subnet_lookup(subnet_id, invoke)
        if found is None:
            continue  # not knowable here (an offline review of your account's subnets): the real preview checks
        facts = vpc_origin_module.SubnetFacts(
            subnet_id=subnet_id,
            vpc_id=str(found.get("vpcId")),
            zone_id=str(found.get("availabilityZoneId")),
            available_ipv4=int(found.get("availableIpAddressCount") or 0),
            ipv6_native=bool(found.get("ipv6Native")),
        )
        problem = vpc_origin_module.subnet_problem(facts, net.vpc_id, needed)
        if problem is not None:
            raise SettingError("privateSubnetIds", subnet_id, problem)


SUBNET_LOOKUP = "aws:ec2/getSubnet:getSubnet"
_SUBNET_FACTS = ("vpcId", "availabilityZoneId", "availableIpAddressCount", "ipv6Native")


def _subnet_lookup(subnet_id: str, invoke: pulumi.InvokeOptions) -> dict[str, Any] | None:
    """The facts of an existing subnet, ``None`` when one of them is unknown (only a review without your
    account, such as the offline mocks, cannot know them). A subnet AWS does not know is a SettingError.

    The untyped form of the data source: its typed result cannot carry an unknown value.
    """
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    try:
        found = dict(pulumi.runtime.invoke(SUBNET_LOOKUP, {"id": subnet_id}, opts=opts).value or {})
    except Exception as error:
        if "notfound" not in str(error).lower().replace(" ", ""):
            raise  # credentials, throttling: not the setting's fault
        raise SettingError(
            "privateSubnetIds", subnet_id, f"expected a subnet of this account and region; AWS says: {error}"
        ) from None
    if not all(_known(found.get(key)) for key in _SUBNET_FACTS):
        return None
    return found


def _known(value: Any) -> bool:
    """A plain value: not missing, not the engine's unknown (a marker string, or an Unknown object at preview)."""
    return isinstance(value, str | int | float | bool) and value != rpc.UNKNOWN


def build_network(
    name: str, args: Settings, tags: Tags, zones: Sequence[Zone], parent: pulumi.Resource
) -> NetworkOutputs:
    """Create the VPC in ``zones`` (chosen by preflight) or adopt the user's (its ids known, or Outputs of the
    caller's program, checked), every child parented to the component."""
    if args.network is not None:
        existing = aws.ec2.get_vpc_output(id=args.network.vpc_id, opts=pulumi.InvokeOutputOptions(parent=parent))
        public, private = args.network.public_subnet_ids, args.network.private_subnet_ids
        return NetworkOutputs(
            vpc_id=args.network.vpc_id,
            vpc_cidr=existing.cidr_block,
            public_subnet_ids=public if isinstance(public, pulumi.Output) else list(public),
            private_subnet_ids=private if isinstance(private, pulumi.Output) else list(private),
            private_route_table_ids=[],
            created=False,
        )

    opts = pulumi.ResourceOptions(parent=parent)
    # Turning originIpv6 off leaves the IPv6 blocks (and the public ::/0 route) where they are: the engine would
    # remove them from the VPC and the subnets first, while the dual-stack load balancer still has addresses in
    # them, which AWS refuses (a VPC's IPv6 block goes only once no subnet has one, a subnet's only once nothing
    # in it has an IPv6 address: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html). Unused,
    # they admit nothing: the groups have no IPv6 rule then. A stack created without IPv6 never gets them.
    keep_ipv6 = [] if args.origin_ipv6 else ["assignGeneratedIpv6CidrBlock"]
    vpc = aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=args.vpc_cidr,
        enable_dns_support=True,
        # Interface endpoints with private DNS need both DNS settings on.
        enable_dns_hostnames=True,
        assign_generated_ipv6_cidr_block=args.origin_ipv6,
        tags=tagged(tags, {"Name": f"{name}-vpc"}),
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=keep_ipv6),
    )
    # Always attached: public subnets route through it, and a VPC origin requires one even though
    # nothing routes through it (vpc_origin.VPC_ORIGINS_PAGE, "Internet gateway").
    igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tagged(tags, {"Name": f"{name}-igw"}), opts=opts)
    layout = subnet_layout(args.architecture, args.vpc_origin)
    tables: dict[str, aws.ec2.RouteTable] = {}
    for tier, _, _, is_public in layout:
        if is_public:
            public_routes = [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)]
            if args.origin_ipv6:
                public_routes.append(aws.ec2.RouteTableRouteArgs(ipv6_cidr_block="::/0", gateway_id=igw.id))
            # Routes are compared, not ignored: a default route changed or removed outside Pulumi is put back by the
            # next `pulumi up`. Turning originIpv6 off removes the IPv6 route in place, with the load balancer's IPv6
            # addresses (README "Changing settings on a running stack"); the VPC's IPv6 blocks stay (see above).
            tables[tier] = aws.ec2.RouteTable(
                f"{name}-public-rt",
                vpc_id=vpc.id,
                routes=public_routes,
                tags=tagged(tags, {"Name": f"{name}-public"}),
                opts=opts,
            )
        else:
            # No default route: private instances reach AWS only through the VPC endpoints.
            tables[tier] = aws.ec2.RouteTable(
                f"{name}-private-rt", vpc_id=vpc.id, tags=tagged(tags, {"Name": f"{name}-private"}), opts=opts
            )

    blocks = carve_subnets(args.vpc_cidr)
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    for index, zone in enumerate(zones):
        for tier, first_block, count, is_public in layout:
            if index >= count:
                continue
            block_index = first_block + index
            ipv6_block = (
                vpc.ipv6_cidr_block.apply(partial(ipv6_subnet, index=block_index)) if args.origin_ipv6 else None
            )
            subnet = aws.ec2.Subnet(
                f"{name}-{tier}-{index + 1}",
                vpc_id=vpc.id,
                cidr_block=blocks[block_index],
                availability_zone=zone.name,
                # Public IPs are set per instance (only the direct origin gets one), never by default.
                map_public_ip_on_launch=False,
                tags=tagged(tags, {"Name": f"{name}-{tier}-{zone.name}"}),
                ipv6_cidr_block=ipv6_block,
                assign_ipv6_address_on_creation=is_public if args.origin_ipv6 else None,
                opts=pulumi.ResourceOptions(
                    parent=parent,
                    ignore_changes=[] if args.origin_ipv6 else ["ipv6CidrBlock", "assignIpv6AddressOnCreation"],
                ),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-{tier}-{index + 1}-rta", subnet_id=subnet.id, route_table_id=tables[tier].id, opts=opts
            )
            (public_ids if is_public else private_ids).append(subnet.id)

    private_table = tables.get("private")
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
    tags: Tags,
    parent: pulumi.Resource,
    interface_services: Sequence[str] = SSM_ENDPOINT_SERVICES,
    interface_subnet_ids: SubnetIds | None = None,
) -> list[aws.ec2.VpcEndpoint]:
    """The S3 gateway endpoint (package repositories; free, so always) and, given a security group for
    them, interface endpoints for ``interface_services`` in ``interface_subnet_ids`` (default: every
    private subnet). Interface endpoints are billed per hour and per subnet, so callers pick both."""
    opts = pulumi.ResourceOptions(parent=parent)
    endpoints = [
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=network.vpc_id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=list(network.private_route_table_ids),
            tags=tagged(tags, {"Name": f"{name}-s3"}),
            opts=opts,
        )
    ]
    if endpoint_security_group_id is None:
        return endpoints
    subnet_ids = subnet_list(network.private_subnet_ids if interface_subnet_ids is None else interface_subnet_ids)
    for service in interface_services:
        endpoints.append(
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=network.vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[endpoint_security_group_id],
                tags=tagged(tags, {"Name": f"{name}-{service}"}),
                opts=opts,
            )
        )
    return endpoints
