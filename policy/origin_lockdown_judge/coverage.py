"""Every family type is modelled, cannot carry an origin's traffic (and why), or fails closed (and why).

*Modelled* types are the ones the judge reads (:data:`.kinds.RELEVANT_TYPES`). The two lists below hold every
other type of the families (:mod:`.catalog`) that the provider SDKs register, one reason each;
``tests/policy/test_coverage.py`` fails when an installed pulumi-aws type (or a type of the checked-in
aws-native table) is in none of the three, or in two.

* :data:`CANNOT_CARRY` (:func:`cannot_carry`): the type cannot put an origin within the internet's reach around
  CloudFront (the reason says why); its resources are skipped.
* :data:`FAILS_CLOSED` (:func:`fails_closed`): the type can carry traffic to an origin and the judge does not
  follow it; a resource of it that is connected to an origin chain is a violation (:mod:`.closed_world`), as is
  one of a family type the table does not know (a newer provider).
"""

from __future__ import annotations

from functools import cache

from . import kinds as k

# -- reasons ------------------------------------------------------------------------------------------------------

SETTING = "an account, region or service setting: it puts nothing on a network"
TAGS = "tags: no effect on who can connect"
IMAGE = "a machine image or its permissions: instances launched from it are judged as instances"
CAPACITY = "capacity or placement for instances: the instances that use it are judged as instances"
STORAGE = "a disk or its attachment: no network path"
KEYS = "a key, certificate or trust store: it decides who completes a handshake, never who can connect"
LOGS = "logging, metrics, monitoring or analysis: it observes traffic and carries none"
ROUTING = (
    "routing (route tables, gateways, peering, VPN, transit gateways): the judge counts every public address as "
    "reachable whatever the routes (fail closed), so a route can only narrow what reaches an origin"
)
PRIVATE_LINK = (
    "private connectivity (peering, VPN, Client VPN, transit gateways, endpoints, Instance Connect): it joins "
    "networks you name, never the internet at large, to the VPC"
)
NAT = "a NAT gateway, or its address: it accepts no connection from the internet"
NACL = "a network ACL: traffic must pass it and the security groups, so it can only narrow what the groups admit"
ADDRESS_SPACE = (
    "address space (VPC and subnet CIDR blocks, IPAM): whether an interface is public is read from its own "
    "addresses and its subnet's settings"
)
VPC_DNS = (
    "DNS for the VPC's own resolvers (DHCP options, Resolver, Profiles): CloudFront resolves origins on the internet"
)
SECONDARY = (
    "a secondary network or subnet (for instances' secondary interfaces): it has no internet gateway, load balancer "
    "or public address of its own; an instance's interfaces are judged as interfaces"
)
PTR = "a reverse DNS name for an Elastic IP: CloudFront resolves forward names only"
ENCRYPTION = "encryption-in-transit settings of a VPC: they change no reachability"
BLOCK_PUBLIC = "VPC Block Public Access or its exclusions: the judge assumes public addresses are reachable anyway"
MIRROR = "traffic mirroring: a copy of traffic sent to a mirror target; nothing reaches an origin through it"
PERMISSION = "a permission to use or attach a resource in another account: the resource keeps its groups here"
GROUP_VPC = (
    "makes a group usable in another VPC: the group's rules and every interface that names it are judged as they are"
)
RULES_EXCLUSIVE = "removes the group's rules it does not list: it can only narrow what the group admits"
ENDPOINT_PART = (
    "part of a VPC endpoint or endpoint service (policy, subnets, notifications, DNS, acceptance): the endpoint "
    "service, which can reach an origin, fails closed on its own"
)
PROXY_PROTOCOL = "adds a proxy-protocol header to connections a load balancer already accepts"
LB_POLICY = (
    "a Classic Load Balancer policy (stickiness, TLS negotiation, back-end authentication): how it serves "
    "connections it accepts"
)
ELB_TLS = "a listener's certificate or client-certificate trust store: who completes a handshake, never who can connect"
HEALTH = "a health check: it probes an endpoint and carries no traffic to it"
DNSSEC = "DNSSEC signing, a delegation set or query logging: it changes no answer"
CIDR_ROUTING = (
    "CIDR collections choose between a record's answers by the resolver's address: the record's answers are judged"
)
ZONE_AUTH = (
    "authorises another account's VPC to be associated with a private zone: private zones are never what "
    "CloudFront resolves"
)
SCALING = (
    "when and how many instances a group runs (hooks, policies, schedules, warm pools): the group's interface "
    "covers every instance"
)
ECS_CONFIG = (
    "an ECS account setting, task definition or gateway's cluster association: where tasks are reachable is "
    "their service's or task set's network configuration or their container instances' interfaces (judged)"
)
ECS_DAEMON = (
    "runs a task on each instance of its capacity providers without a load balancer: the instances' interfaces "
    "are theirs"
)
ECS_PRIMARY = "marks which task set of a service is primary: the task sets are judged"
CF_POLICY = "how CloudFront caches, forwards or answers (policies, field-level encryption): not where it connects"
CF_SIGNING = (
    "signs or authenticates CloudFront's requests to an origin (OAC, OAI, key groups, public keys): not a network path"
)
CF_EDGE = (
    "viewer-facing side of CloudFront (anycast static IPs, connection groups, connection functions): traffic "
    "through it is CloudFront's own"
)
CF_STAGING = "sends a share of viewers to a staging distribution, itself a Distribution resource judged as one"
CF_TRUST = "a viewer mutual-TLS trust store: who completes a handshake with CloudFront"
CF_KVS_STORE = (
    "a key value store itself reaches nothing: the Functions that read it, and the keys a stack writes to it, fail "
    "closed"
)
STORAGE_ORIGIN = (
    "object storage: who reads it is decided by bucket permissions, which the judge does not model (S3-style "
    "origins are out of scope)"
)
LIGHTSAIL_DB = "a Lightsail database serves database protocols only: it cannot be a CloudFront origin"
LIGHTSAIL_TLS = (
    "a Lightsail certificate, HTTPS redirection or stickiness policy: how a load balancer serves connections it accepts"
)
LIGHTSAIL_DEPLOY = "which container a container service's public endpoint serves: the service itself is judged"
ACCELERATOR = "an accelerator or its listener: traffic reaches only its endpoint groups, which fail closed"
VERIFIED_ACCESS = (
    "a Verified Access instance, group, trust provider or logging: traffic reaches only its endpoints, which fail"
    " closed"
)
IPAM_RESOLVER = "IPAM prefix-list resolver rules: the resolver target, which writes a list's entries, fails closed"
NOTIFICATION = "notifications about a group's instances: no network effect"
SQL_HA = "a SQL Server high-availability setting of an instance: no network effect"
APP_STATUS = "an application health check definition for instances: it probes and carries no traffic"


def _each(reason: str, *tokens: str) -> dict[str, str]:
    return dict.fromkeys(tokens, reason)


def _aws(module: str, *names: str) -> list[str]:
    """``aws:<module>/<camel>:<Pascal>`` tokens from Pascal-case names (``Route`` -> ``aws:ec2/route:Route``)."""
    return [f"aws:{module}/{n[0].lower()}{n[1:]}:{n}" for n in names]


def _native(module: str, *names: str) -> list[str]:
    return [f"aws-native:{module}:{n}" for n in names]


@cache
def cannot_carry() -> dict[str, str]:
    """Every family type that cannot carry an origin's traffic -> why (built on first use, once per process)."""
    return {
        # -- interfaces and groups: pulumi-aws ec2 / vpc ------------------------------------------------------------
        **_each(
            SETTING,
            *_aws(
                "ec2",
                "AllowedImagesSettings",
                "AvailabilityZoneGroup",
                "DefaultCreditSpecification",
                "InstanceMetadataDefaults",
                "SerialConsoleAccess",
                "ImageBlockPublicAccess",
                "SpotDatafeedSubscription",
            ),
            *_native("ec2", "SnapshotBlockPublicAccess", "InstanceEventWindow", "CapacityManagerDataExport"),
        ),
        **_each(TAGS, *_aws("ec2", "Tag"), *_aws("autoscaling", "Tag"), *_aws("ecs", "Tag")),
        **_each(
            IMAGE,
            *_aws("ec2", "Ami", "AmiCopy", "AmiFromInstance", "AmiLaunchPermission", "SnapshotCreateVolumePermission"),
            *_native("ec2", "FpgaImage"),
        ),
        **_each(
            CAPACITY,
            *_aws("ec2", "CapacityBlockReservation", "CapacityReservation", "DedicatedHost", "PlacementGroup"),
            *_native("ec2", "CapacityReservation", "CapacityReservationFleet", "Host", "PlacementGroup"),
        ),
        **_each(STORAGE, *_aws("ec2", "VolumeAttachment"), *_native("ec2", "Volume", "VolumeAttachment")),
        **_each(KEYS, *_aws("ec2", "KeyPair"), *_native("ec2", "KeyPair", "EnclaveCertificateIamRoleAssociation")),
        **_each(
            LOGS,
            *_aws(
                "ec2",
                "FlowLog",
                "NetworkInsightsAccessScope",
                "NetworkInsightsAnalysis",
                "NetworkInsightsPath",
                "VpcNetworkPerformanceMetricSubscription",
            ),
            *_native(
                "ec2",
                "FlowLog",
                "NetworkInsightsAccessScope",
                "NetworkInsightsAccessScopeAnalysis",
                "NetworkInsightsAnalysis",
                "NetworkInsightsPath",
                "NetworkPerformanceMetricSubscription",
                "TransitGatewayMeteringPolicy",
                "TransitGatewayMeteringPolicyEntry",
            ),
        ),
        **_each(
            ROUTING,
            *_aws(
                "ec2",
                "CarrierGateway",
                "DefaultRouteTable",
                "EgressOnlyInternetGateway",
                "InternetGateway",
                "InternetGatewayAttachment",
                "LocalGatewayRoute",
                "LocalGatewayRouteTable",
                "LocalGatewayRouteTableVirtualInterfaceGroupAssociation",
                "LocalGatewayRouteTableVpcAssociation",
                "MainRouteTableAssociation",
                "Route",
                "RouteTable",
                "RouteTableAssociation",
                "VpcEndpointRouteTableAssociation",
                "VpnGatewayRoutePropagation",
            ),
            *_aws(
                "vpc",
                "RouteServer",
                "RouteServerEndpoint",
                "RouteServerPeer",
                "RouteServerPropagation",
                "RouteServerVpcAssociation",
            ),
            *_native(
                "ec2",
                "CarrierGateway",
                "EgressOnlyInternetGateway",
                "GatewayRouteTableAssociation",
                "InternetGateway",
                "IpPoolRouteTableAssociation",
                "LocalGatewayRoute",
                "LocalGatewayRouteTable",
                "LocalGatewayRouteTableVirtualInterfaceGroupAssociation",
                "LocalGatewayRouteTableVpcAssociation",
                "LocalGatewayVirtualInterface",
                "LocalGatewayVirtualInterfaceGroup",
                "Route",
                "RouteServer",
                "RouteServerAssociation",
                "RouteServerEndpoint",
                "RouteServerPeer",
                "RouteServerPropagation",
                "RouteTable",
                "SubnetRouteTableAssociation",
                "VpcGatewayAttachment",
            ),
        ),
        **_each(
            PRIVATE_LINK,
            *_aws(
                "ec2",
                "CustomerGateway",
                "PeeringConnectionOptions",
                "VpcEndpoint",
                "VpcPeeringConnection",
                "VpcPeeringConnectionAccepter",
                "VpnConcentrator",
                "VpnConnection",
                "VpnConnectionRoute",
                "VpnGateway",
                "VpnGatewayAttachment",
            ),
            *_native(
                "ec2",
                "ClientVpnAuthorizationRule",
                "ClientVpnRoute",
                "CustomerGateway",
                "InstanceConnectEndpoint",
                "TransitGateway",
                "TransitGatewayAttachment",
                "TransitGatewayAttachmentNatConfiguration",
                "TransitGatewayConnect",
                "TransitGatewayConnectPeer",
                "TransitGatewayMulticastDomain",
                "TransitGatewayMulticastDomainAssociation",
                "TransitGatewayMulticastGroupMember",
                "TransitGatewayMulticastGroupSource",
                "TransitGatewayPeeringAttachment",
                "TransitGatewayPolicyTable",
                "TransitGatewayPolicyTableAssociation",
                "TransitGatewayPolicyTableEntry",
                "TransitGatewayRoute",
                "TransitGatewayRouteTable",
                "TransitGatewayRouteTableAssociation",
                "TransitGatewayRouteTablePropagation",
                "TransitGatewayVpcAttachment",
                "VpcEndpoint",
                "VpcPeeringConnection",
                "VpnConcentrator",
                "VpnConnection",
                "VpnConnectionRoute",
                "VpnGateway",
            ),
        ),
        **_each(NAT, *_aws("ec2", "NatGateway", "NatGatewayEipAssociation"), *_native("ec2", "NatGateway")),
        **_each(
            NACL,
            *_aws("ec2", "DefaultNetworkAcl", "NetworkAcl", "NetworkAclAssociation", "NetworkAclRule"),
            *_native("ec2", "NetworkAcl", "SubnetNetworkAclAssociation"),
        ),
        **_each(
            ADDRESS_SPACE,
            *_aws(
                "ec2",
                "SubnetCidrReservation",
                "VpcIpam",
                "VpcIpamOrganizationAdminAccount",
                "VpcIpamPool",
                "VpcIpamPoolCidr",
                "VpcIpamPoolCidrAllocation",
                "VpcIpamPreviewNextCidr",
                "VpcIpamResourceDiscovery",
                "VpcIpamResourceDiscoveryAssociation",
                "VpcIpamScope",
                "VpcIpv4CidrBlockAssociation",
                "VpcIpv6CidrBlockAssociation",
            ),
            *_native(
                "ec2",
                "IPv4Pool",
                "Ipam",
                "IpamAllocation",
                "IpamExternalResourceVerificationToken",
                "IpamInternetRegistryAssociation",
                "IpamPool",
                "IpamPoolCidr",
                "IpamResourceDiscovery",
                "IpamResourceDiscoveryAssociation",
                "IpamScope",
                "SubnetCidrBlock",
                "SubnetCidrReservation",
                "VpcCidrBlock",
            ),
        ),
        **_each(
            VPC_DNS,
            *_aws("ec2", "DefaultVpcDhcpOptions", "VpcDhcpOptions", "VpcDhcpOptionsAssociation"),
            *_native("ec2", "DhcpOptions", "VpcdhcpOptionsAssociation"),
            *_aws(
                "route53",
                "ResolverConfig",
                "ResolverDnsSecConfig",
                "ResolverEndpoint",
                "ResolverFirewallConfig",
                "ResolverFirewallDomainList",
                "ResolverFirewallRule",
                "ResolverFirewallRuleGroup",
                "ResolverFirewallRuleGroupAssociation",
                "ResolverQueryLogConfig",
                "ResolverQueryLogConfigAssociation",
                "ResolverRule",
                "ResolverRuleAssociation",
                "ProfilesAssociation",
                "ProfilesProfile",
                "ProfilesResourceAssociation",
            ),
        ),
        **_each(SECONDARY, *_aws("ec2", "SecondaryNetwork", "SecondarySubnet"), *_native("ec2", "SecondaryNetwork")),
        **_each(PTR, *_aws("ec2", "EipDomainName")),
        **_each(
            ENCRYPTION,
            *_aws("ec2", "EncryptionControl", "VpcEncryptionControl"),
            *_native("ec2", "VpcEncryptionControl"),
        ),
        **_each(
            BLOCK_PUBLIC,
            *_aws("ec2", "VpcBlockPublicAccessExclusion", "VpcBlockPublicAccessOptions"),
            *_native("ec2", "VpcBlockPublicAccessExclusion", "VpcBlockPublicAccessOptions"),
        ),
        **_each(
            MIRROR,
            *_aws(
                "ec2", "TrafficMirrorFilter", "TrafficMirrorFilterRule", "TrafficMirrorSession", "TrafficMirrorTarget"
            ),
            *_native(
                "ec2", "TrafficMirrorFilter", "TrafficMirrorFilterRule", "TrafficMirrorSession", "TrafficMirrorTarget"
            ),
        ),
        **_each(PERMISSION, *_aws("ec2", "NetworkInterfacePermission")),
        **_each(GROUP_VPC, *_aws("vpc", "SecurityGroupVpcAssociation"), *_native("ec2", "SecurityGroupVpcAssociation")),
        **_each(RULES_EXCLUSIVE, *_aws("ec2", "VpcSecurityGroupRulesExclusive")),
        **_each(
            ENDPOINT_PART,
            *_aws(
                "ec2",
                "SecurityGroupAssociation",
                "VpcEndpointConnectionAccepter",
                "VpcEndpointConnectionNotification",
                "VpcEndpointPolicy",
                "VpcEndpointServiceAllowedPrinciple",
                "VpcEndpointSubnetAssociation",
            ),
            *_aws("vpc", "EndpointPrivateDns", "EndpointServicePrivateDnsVerification"),
            *_native("ec2", "VpcEndpointConnectionNotification", "VpcEndpointServicePermissions"),
        ),
        **_each(PROXY_PROTOCOL, *_aws("ec2", "ProxyProtocolPolicy")),
        **_each(IPAM_RESOLVER, *_native("ec2", "IpamPrefixListResolver")),
        **_each(SQL_HA, *_native("ec2", "SqlHaStandbyDetectedInstance")),
        **_each(APP_STATUS, *_native("ec2", "ApplicationStatusCheck")),
        # -- load balancers -----------------------------------------------------------------------------------------
        **_each(
            LB_POLICY,
            *_aws(
                "elb",
                "AppCookieStickinessPolicy",
                "ListenerPolicy",
                "LoadBalancerBackendServerPolicy",
                "LoadBalancerCookieStickinessPolicy",
                "LoadBalancerPolicy",
                "SslNegotiationPolicy",
            ),
        ),
        **_each(
            ELB_TLS,
            *_aws("lb", "ListenerCertificate", "TrustStore", "TrustStoreRevocation"),
            *_aws("alb", "ListenerCertificate"),
            *_native("elasticloadbalancingv2", "TrustStore", "TrustStoreRevocation"),
        ),
        # -- DNS ----------------------------------------------------------------------------------------------------
        **_each(HEALTH, *_aws("route53", "HealthCheck"), *_native("route53", "HealthCheck")),
        **_each(
            DNSSEC,
            *_aws("route53", "DelegationSet", "HostedZoneDnsSec", "KeySigningKey", "QueryLog"),
            *_native("route53", "DelegationSet", "Dnssec", "KeySigningKey"),
        ),
        **_each(
            CIDR_ROUTING, *_aws("route53", "CidrCollection", "CidrLocation"), *_native("route53", "CidrCollection")
        ),
        **_each(ZONE_AUTH, *_aws("route53", "VpcAssociationAuthorization")),
        # -- compute ------------------------------------------------------------------------------------------------
        **_each(
            SCALING,
            *_aws("autoscaling", "LifecycleHook", "Policy", "Schedule"),
            *_native("autoscaling", "LifecycleHook", "ScalingPolicy", "ScheduledAction", "WarmPool"),
        ),
        **_each(NOTIFICATION, *_aws("autoscaling", "Notification")),
        **_each(
            ECS_CONFIG,
            *_aws("ecs", "AccountSettingDefault", "DaemonTaskDefinition", "TaskDefinition"),
            *_native(
                "ecs",
                "DaemonTaskDefinition",
                "GatewayClusterAssociations",
                "TaskDefinition",
            ),
        ),
        **_each(ECS_DAEMON, *_aws("ecs", "Daemon"), *_native("ecs", "Daemon")),
        **_each(ECS_PRIMARY, *_native("ecs", "PrimaryTaskSet")),
        **_each(STORAGE_ORIGIN, *_aws("lightsail", "Bucket", "BucketAccessKey", "BucketResourceAccess")),
        **_each(LIGHTSAIL_DB, *_aws("lightsail", "Database")),
        **_each(STORAGE, "aws:lightsail/disk:Disk", "aws:lightsail/disk_attachment:Disk_attachment"),
        **_each(KEYS, *_aws("lightsail", "KeyPair")),
        **_each(
            LIGHTSAIL_TLS,
            *_aws(
                "lightsail",
                "Certificate",
                "LbCertificate",
                "LbCertificateAttachment",
                "LbHttpsRedirectionPolicy",
                "LbStickinessPolicy",
            ),
        ),
        **_each(LIGHTSAIL_DEPLOY, *_aws("lightsail", "ContainerServiceDeploymentVersion")),
        # -- distributions ------------------------------------------------------------------------------------------
        **_each(
            CF_POLICY,
            *_aws(
                "cloudfront",
                "CachePolicy",
                "FieldLevelEncryptionConfig",
                "FieldLevelEncryptionProfile",
                "OriginRequestPolicy",
                "ResponseHeadersPolicy",
            ),
            *_native("cloudfront", "CachePolicy", "OriginRequestPolicy", "ResponseHeadersPolicy"),
        ),
        **_each(
            CF_SIGNING,
            *_aws("cloudfront", "KeyGroup", "OriginAccessControl", "OriginAccessIdentity", "PublicKey"),
            *_native("cloudfront", "CloudFrontOriginAccessIdentity", "KeyGroup", "OriginAccessControl", "PublicKey"),
        ),
        **_each(
            CF_EDGE,
            *_aws("cloudfront", "AnycastIpList", "ConnectionFunction", "ConnectionGroup"),
            *_native("cloudfront", "ConnectionFunction", "ConnectionGroup"),
        ),
        **_each(
            CF_STAGING,
            *_aws("cloudfront", "ContinuousDeploymentPolicy"),
            *_native("cloudfront", "ContinuousDeploymentPolicy"),
        ),
        **_each(CF_TRUST, *_aws("cloudfront", "TrustStore"), *_native("cloudfront", "TrustStore")),
        **_each(
            LOGS,
            *_aws("cloudfront", "MonitoringSubscription", "RealtimeLogConfig"),
            *_native("cloudfront", "MonitoringSubscription", "RealtimeLogConfig"),
        ),
        **_each(CF_KVS_STORE, *_aws("cloudfront", "KeyValueStore"), *_native("cloudfront", "KeyValueStore")),
        # -- entry points -------------------------------------------------------------------------------------------
        **_each(
            ACCELERATOR,
            *_aws("globalaccelerator", "Accelerator", "CustomRoutingAccelerator", "CustomRoutingListener", "Listener"),
            *_native("globalaccelerator", "Accelerator", "Listener"),
        ),
        **_each(
            VERIFIED_ACCESS,
            *_aws(
                "verifiedaccess",
                "Group",
                "Instance",
                "InstanceLoggingConfiguration",
                "InstanceTrustProviderAttachment",
                "TrustProvider",
            ),
            *_native("ec2", "VerifiedAccessGroup", "VerifiedAccessInstance", "VerifiedAccessTrustProvider"),
        ),
    }


# -- can carry an origin's traffic, not followed: fail closed when connected to an origin chain -------------------


@cache
def fails_closed() -> dict[str, str]:
    """Every family type that can carry an origin's traffic and is not followed -> why (built on first use)."""
    return {
        **_each(
            "PrivateLink: every VPC of an allowed principal reaches the service's load balancers (and the origin "
            "behind them) without CloudFront, and the judge does not model who is allowed",
            *_aws("ec2", "VpcEndpointService"),
            *_native("ec2", "VpcEndpointService"),
        ),
        **_each(
            "Verified Access: a public endpoint of its own in front of a load balancer or network interface",
            *_aws("verifiedaccess", "Endpoint"),
            *_native("ec2", "VerifiedAccessEndpoint"),
        ),
        **_each(
            "Global Accelerator: its static addresses reach the endpoints (load balancers, instances, Elastic IPs) "
            "without CloudFront",
            *_aws("globalaccelerator", "EndpointGroup", "CustomRoutingEndpointGroup", "CrossAccountAttachment"),
            *_native("globalaccelerator", "EndpointGroup", "CrossAccountAttachment"),
        ),
        **_each(
            "a CloudFront Function can send a request to any origin domain it computes (cf.updateRequestOrigin), from "
            "its code or a key value store's values: the judge does not read code",
            *_aws("cloudfront", "Function", "KeyvaluestoreKey", "KeyvaluestoreKeysExclusive"),
            *_native("cloudfront", "Function"),
        ),
        **_each(
            "writes a managed prefix list's entries from IPAM: which addresses it adds is not known to the judge",
            *_native("ec2", "IpamPrefixListResolverTarget"),
        ),
        **_each(
            "ECS Express Mode and ECS gateways create their own load balancer, groups and public endpoint outside the "
            "stack",
            *_aws("ecs", "ExpressGatewayService"),
            *_native("ecs", "ExpressGatewayService", "Gateway"),
        ),
    }


MODELLED: frozenset[str] = k.RELEVANT_TYPES


def __getattr__(name: str) -> dict[str, str]:
    """``CANNOT_CARRY`` and ``FAILS_CLOSED`` as module attributes (PEP 562), built on first use: a list built at
    import would be built before mutation testing can select a mutant of its helpers."""
    if name == "CANNOT_CARRY":
        return cannot_carry()
    if name == "FAILS_CLOSED":
        return fails_closed()
    raise AttributeError(name)
