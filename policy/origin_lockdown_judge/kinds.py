"""Type tokens of every resource the pack reads, grouped by role.

Both the primary token of each pulumi-aws class and its legacy alias are listed where one exists (a stack
created with an older provider keeps the alias in its state), plus the aws-native equivalents the pack
follows. Nothing outside this list has its properties read.
"""

from __future__ import annotations

# Security groups and their rules.
SG_AWS = "aws:ec2/securityGroup:SecurityGroup"
SG_DEFAULT = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_NATIVE = "aws-native:ec2:SecurityGroup"
SG_TYPES = frozenset({SG_AWS, SG_DEFAULT, SG_NATIVE})

RULE_EC2 = "aws:ec2/securityGroupRule:SecurityGroupRule"
RULE_VPC_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
RULE_VPC_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RULE_NATIVE_IN = "aws-native:ec2:SecurityGroupIngress"
RULE_NATIVE_OUT = "aws-native:ec2:SecurityGroupEgress"
RULE_TYPES = frozenset({RULE_EC2, RULE_VPC_IN, RULE_VPC_OUT, RULE_NATIVE_IN, RULE_NATIVE_OUT})

PREFIX_LIST_AWS = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_NATIVE = "aws-native:ec2:PrefixList"
PREFIX_LIST_TYPES = frozenset({PREFIX_LIST_AWS, PREFIX_LIST_NATIVE})
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"

# CloudFront.
DIST_AWS = "aws:cloudfront/distribution:Distribution"
DIST_NATIVE = "aws-native:cloudfront:Distribution"
DIST_MULTITENANT = "aws:cloudfront/multitenantDistribution:MultitenantDistribution"
# aws-native has one Distribution type for both (connectionMode tenant-only): it is multi-tenant too.
DIST_MULTITENANT_TYPES = frozenset({DIST_MULTITENANT, DIST_NATIVE})
DIST_TYPES = frozenset({DIST_AWS, DIST_NATIVE, DIST_MULTITENANT})
DIST_TENANT_TYPES = frozenset(
    {"aws:cloudfront/distributionTenant:DistributionTenant", "aws-native:cloudfront:DistributionTenant"}
)
VPC_ORIGIN_TYPES = frozenset({"aws:cloudfront/vpcOrigin:VpcOrigin", "aws-native:cloudfront:VpcOrigin"})

# Load balancers (v2: application, network, gateway) and Classic Load Balancers.
LB_NATIVE = "aws-native:elasticloadbalancingv2:LoadBalancer"
LB_V2_TYPES = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
        "aws:applicationloadbalancing/loadBalancer:LoadBalancer",
        LB_NATIVE,
    }
)
LB_CLASSIC_NATIVE = "aws-native:elasticloadbalancing:LoadBalancer"
LB_CLASSIC_TYPES = frozenset(
    {"aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer", LB_CLASSIC_NATIVE}
)
LB_TYPES = LB_V2_TYPES | LB_CLASSIC_TYPES
LISTENER_NATIVE = "aws-native:elasticloadbalancingv2:Listener"
LISTENER_RULE_NATIVE = "aws-native:elasticloadbalancingv2:ListenerRule"
TARGET_GROUP_NATIVE = "aws-native:elasticloadbalancingv2:TargetGroup"
LISTENER_TYPES = frozenset(
    {
        LISTENER_NATIVE,
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws:elasticloadbalancingv2/listener:Listener",
        "aws:applicationloadbalancing/listener:Listener",
    }
)
LISTENER_RULE_TYPES = frozenset(
    {
        LISTENER_RULE_NATIVE,
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws:elasticloadbalancingv2/listenerRule:ListenerRule",
        "aws:applicationloadbalancing/listenerRule:ListenerRule",
    }
)
TARGET_GROUP_TYPES = frozenset(
    {
        TARGET_GROUP_NATIVE,
        "aws:lb/targetGroup:TargetGroup",
        "aws:alb/targetGroup:TargetGroup",
        "aws:elasticloadbalancingv2/targetGroup:TargetGroup",
        "aws:applicationloadbalancing/targetGroup:TargetGroup",
    }
)
TARGET_ATTACHMENT_TYPES = frozenset(
    {
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        "aws:alb/targetGroupAttachment:TargetGroupAttachment",
        "aws:elasticloadbalancingv2/targetGroupAttachment:TargetGroupAttachment",
        "aws:applicationloadbalancing/targetGroupAttachment:TargetGroupAttachment",
    }
)
ELB_ATTACHMENT_TYPES = frozenset({"aws:elb/attachment:Attachment", "aws:elasticloadbalancing/attachment:Attachment"})

# Compute and its network interfaces.
INSTANCE_AWS = "aws:ec2/instance:Instance"
INSTANCE_NATIVE = "aws-native:ec2:Instance"
# A spot instance request is an instance (the same properties, plus spotInstanceId).
SPOT_INSTANCE = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
INSTANCE_TYPES = frozenset({INSTANCE_AWS, INSTANCE_NATIVE, SPOT_INSTANCE})
ENI = "aws:ec2/networkInterface:NetworkInterface"
ENI_NATIVE = "aws-native:ec2:NetworkInterface"
ENI_TYPES = frozenset({ENI, ENI_NATIVE})
ENI_ATTACHMENT = "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"
ENI_ATTACHMENT_TYPES = frozenset({ENI_ATTACHMENT, "aws-native:ec2:NetworkInterfaceAttachment"})
ENI_SG_ATTACHMENT = "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
EIP_AWS = "aws:ec2/eip:Eip"
EIP_NATIVE = "aws-native:ec2:Eip"
EIP_TYPES = frozenset({EIP_AWS, EIP_NATIVE})
EIP_ASSOCIATION_TYPES = frozenset({"aws:ec2/eipAssociation:EipAssociation", "aws-native:ec2:EipAssociation"})
ASG = "aws:autoscaling/group:Group"
ASG_NATIVE = "aws-native:autoscaling:AutoScalingGroup"
ASG_TYPES = frozenset({ASG, ASG_NATIVE})
# Fleets launch instances like an Auto Scaling group, read in its shape (shapes.py).
SPOT_FLEET_AWS = "aws:ec2/spotFleetRequest:SpotFleetRequest"
FLEET_AWS = "aws:ec2/fleet:Fleet"
SPOT_FLEET_NATIVE = "aws-native:ec2:SpotFleet"
EC2_FLEET_NATIVE = "aws-native:ec2:Ec2Fleet"
FLEET_TYPES = ASG_TYPES | {SPOT_FLEET_AWS, FLEET_AWS, SPOT_FLEET_NATIVE, EC2_FLEET_NATIVE}
ASG_ATTACHMENT = "aws:autoscaling/attachment:Attachment"
ASG_TRAFFIC_SOURCE = "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_TEMPLATE_NATIVE = "aws-native:ec2:LaunchTemplate"
LAUNCH_TEMPLATE_TYPES = frozenset({LAUNCH_TEMPLATE, LAUNCH_TEMPLATE_NATIVE})
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
LAUNCH_CONFIGURATION_NATIVE = "aws-native:autoscaling:LaunchConfiguration"
LAUNCH_CONFIGURATION_TYPES = frozenset({LAUNCH_CONFIGURATION, LAUNCH_CONFIGURATION_NATIVE})
ECS_SERVICE = "aws:ecs/service:Service"
# A task set is a set of a service's tasks, with the service's network configuration and load balancers.
ECS_SERVICE_TYPES = frozenset(
    {ECS_SERVICE, "aws:ecs/taskSet:TaskSet", "aws-native:ecs:Service", "aws-native:ecs:TaskSet"}
)
# Where an ECS service without awsvpc networking runs its tasks: the container instances of its cluster's capacity
# providers (an Auto Scaling group each).
ECS_CLUSTER_TYPES = frozenset({"aws:ecs/cluster:Cluster", "aws-native:ecs:Cluster"})
ECS_CLUSTER_PROVIDERS_TYPES = frozenset(
    {"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "aws-native:ecs:ClusterCapacityProviderAssociations"}
)
ECS_CAPACITY_PROVIDER_TYPES = frozenset(
    {"aws:ecs/capacityProvider:CapacityProvider", "aws-native:ecs:CapacityProvider"}
)

# Lightsail (lightsail.py): instances with their own firewall, load balancers and container services without one.
LIGHTSAIL_INSTANCE = "aws:lightsail/instance:Instance"
LIGHTSAIL_INSTANCE_TYPES = frozenset({LIGHTSAIL_INSTANCE})
LIGHTSAIL_PUBLIC_PORTS = "aws:lightsail/instancePublicPorts:InstancePublicPorts"
LIGHTSAIL_STATIC_IP = "aws:lightsail/staticIp:StaticIp"
LIGHTSAIL_STATIC_IP_ATTACHMENT = "aws:lightsail/staticIpAttachment:StaticIpAttachment"
LIGHTSAIL_LB = "aws:lightsail/lb:Lb"
LIGHTSAIL_LB_TYPES = frozenset({LIGHTSAIL_LB})
LIGHTSAIL_LB_ATTACHMENT = "aws:lightsail/lbAttachment:LbAttachment"
LIGHTSAIL_CONTAINER_SERVICE = "aws:lightsail/containerService:ContainerService"
LIGHTSAIL_DISTRIBUTION = "aws:lightsail/distribution:Distribution"
LIGHTSAIL_ENDPOINTS = frozenset(
    {LIGHTSAIL_INSTANCE, LIGHTSAIL_STATIC_IP, LIGHTSAIL_STATIC_IP_ATTACHMENT, LIGHTSAIL_LB, LIGHTSAIL_CONTAINER_SERVICE}
)

# Networks.
VPC_NATIVE = "aws-native:ec2:Vpc"
VPC_TYPES = frozenset({"aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc", VPC_NATIVE})
VPC_DEFAULT = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET_NATIVE = "aws-native:ec2:Subnet"
SUBNET_TYPES = frozenset({"aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet", SUBNET_NATIVE})
SUBNET_DEFAULT = "aws:ec2/defaultSubnet:DefaultSubnet"

# DNS: every shape of record set (see dns.py), hosted zones and what makes one private.
RECORD_AWS = "aws:route53/record:Record"
RECORD_NATIVE = "aws-native:route53:RecordSet"
RECORDS_EXCLUSIVE = "aws:route53/recordsExclusive:RecordsExclusive"
TRAFFIC_POLICY_INSTANCE = "aws:route53/trafficPolicyInstance:TrafficPolicyInstance"
TRAFFIC_POLICY_TYPES = frozenset({"aws:route53/trafficPolicy:TrafficPolicy", "aws-native:route53:TrafficPolicy"})
LIGHTSAIL_DOMAIN_ENTRY = "aws:lightsail/domainEntry:DomainEntry"
LIGHTSAIL_DOMAIN_TYPES = frozenset({"aws:lightsail/domain:Domain"})
RECORD_TYPES = frozenset(
    {RECORD_AWS, RECORD_NATIVE, RECORDS_EXCLUSIVE, TRAFFIC_POLICY_INSTANCE, LIGHTSAIL_DOMAIN_ENTRY}
)
ZONE_TYPES = frozenset({"aws:route53/zone:Zone", "aws-native:route53:HostedZone"})
ZONE_ASSOCIATION_TYPES = frozenset({"aws:route53/zoneAssociation:ZoneAssociation"})

# What a domain name or an address can point at directly.
ADDRESSABLE = LB_TYPES | INSTANCE_TYPES | EIP_TYPES | ENI_TYPES | RECORD_TYPES | LIGHTSAIL_ENDPOINTS

# Every type any policy of the pack reads; the others are skipped without touching their properties.
RELEVANT_TYPES = (
    SG_TYPES
    | RULE_TYPES
    | PREFIX_LIST_TYPES
    | {PREFIX_LIST_ENTRY}
    | DIST_TYPES
    | DIST_TENANT_TYPES
    | VPC_ORIGIN_TYPES
    | LB_TYPES
    | LISTENER_TYPES
    | LISTENER_RULE_TYPES
    | TARGET_GROUP_TYPES
    | TARGET_ATTACHMENT_TYPES
    | ELB_ATTACHMENT_TYPES
    | INSTANCE_TYPES
    | ENI_TYPES
    | ENI_ATTACHMENT_TYPES
    | {ENI_SG_ATTACHMENT}
    | EIP_TYPES
    | EIP_ASSOCIATION_TYPES
    | FLEET_TYPES
    | {ASG_ATTACHMENT, ASG_TRAFFIC_SOURCE}
    | LAUNCH_TEMPLATE_TYPES
    | LAUNCH_CONFIGURATION_TYPES
    | ECS_SERVICE_TYPES
    | ECS_CLUSTER_TYPES
    | ECS_CLUSTER_PROVIDERS_TYPES
    | ECS_CAPACITY_PROVIDER_TYPES
    | VPC_TYPES
    | SUBNET_TYPES
    | RECORD_TYPES
    | LIGHTSAIL_ENDPOINTS
    | {LIGHTSAIL_PUBLIC_PORTS, LIGHTSAIL_LB_ATTACHMENT, LIGHTSAIL_DISTRIBUTION}
    | TRAFFIC_POLICY_TYPES
    | LIGHTSAIL_DOMAIN_TYPES
    | ZONE_TYPES
    | ZONE_ASSOCIATION_TYPES
)

# How each kind is named in messages.
_NOUNS = (
    (SG_TYPES, "security group"),
    (RULE_TYPES, "rule"),
    (PREFIX_LIST_TYPES, "prefix list"),
    (DIST_TYPES, "distribution"),
    (VPC_ORIGIN_TYPES, "VPC origin"),
    (LB_TYPES, "load balancer"),
    (LISTENER_TYPES, "listener"),
    (LISTENER_RULE_TYPES, "listener rule"),
    (TARGET_GROUP_TYPES, "target group"),
    (frozenset({SPOT_INSTANCE}), "spot instance request"),
    (INSTANCE_TYPES, "instance"),
    (ENI_TYPES, "network interface"),
    (EIP_TYPES, "Elastic IP"),
    (EIP_ASSOCIATION_TYPES, "Elastic IP association"),
    (ASG_TYPES, "Auto Scaling group"),
    (frozenset({SPOT_FLEET_AWS, SPOT_FLEET_NATIVE}), "Spot Fleet"),
    (frozenset({FLEET_AWS, EC2_FLEET_NATIVE}), "EC2 Fleet"),
    (LAUNCH_TEMPLATE_TYPES, "launch template"),
    (LAUNCH_CONFIGURATION_TYPES, "launch configuration"),
    (frozenset({ECS_SERVICE, "aws-native:ecs:Service"}), "ECS service"),
    (ECS_SERVICE_TYPES, "ECS task set"),
    (ECS_CLUSTER_TYPES, "ECS cluster"),
    (ECS_CAPACITY_PROVIDER_TYPES, "ECS capacity provider"),
    (LIGHTSAIL_INSTANCE_TYPES, "Lightsail instance"),
    (frozenset({LIGHTSAIL_STATIC_IP, LIGHTSAIL_STATIC_IP_ATTACHMENT}), "Lightsail static IP"),
    (LIGHTSAIL_LB_TYPES, "Lightsail load balancer"),
    (frozenset({LIGHTSAIL_CONTAINER_SERVICE}), "Lightsail container service"),
    (frozenset({LIGHTSAIL_DISTRIBUTION}), "Lightsail distribution"),
    (VPC_TYPES, "VPC"),
    (SUBNET_TYPES, "subnet"),
    (frozenset({LIGHTSAIL_DOMAIN_ENTRY}), "Lightsail DNS entry"),
    (RECORD_TYPES, "Route 53 record"),
)


def noun(rtype: str) -> str:
    """``load balancer``, ``instance``, ...: what a resource of type ``rtype`` is called in a message."""
    for types, word in _NOUNS:
        if rtype in types:
            return word
    return rtype
