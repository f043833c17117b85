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
DIST_TYPES = frozenset({DIST_AWS, DIST_NATIVE})
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
LB_CLASSIC_TYPES = frozenset(
    {"aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer"}
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
INSTANCE_TYPES = frozenset({INSTANCE_AWS, INSTANCE_NATIVE})
ENI = "aws:ec2/networkInterface:NetworkInterface"
ENI_ATTACHMENT = "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"
ENI_SG_ATTACHMENT = "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
EIP_AWS = "aws:ec2/eip:Eip"
EIP_NATIVE = "aws-native:ec2:Eip"
EIP_TYPES = frozenset({EIP_AWS, EIP_NATIVE})
EIP_ASSOCIATION_TYPES = frozenset({"aws:ec2/eipAssociation:EipAssociation", "aws-native:ec2:EipAssociation"})
ASG = "aws:autoscaling/group:Group"
ASG_ATTACHMENT = "aws:autoscaling/attachment:Attachment"
ASG_TRAFFIC_SOURCE = "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
ECS_SERVICE = "aws:ecs/service:Service"

# Networks.
VPC_TYPES = frozenset({"aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc", "aws-native:ec2:Vpc"})
VPC_DEFAULT = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET_TYPES = frozenset({"aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet", "aws-native:ec2:Subnet"})
SUBNET_DEFAULT = "aws:ec2/defaultSubnet:DefaultSubnet"

# DNS.
# (aws-native has no record type: AWS::Route53::RecordSet is not in the Cloud Control API.)
RECORD_AWS = "aws:route53/record:Record"
RECORD_TYPES = frozenset({RECORD_AWS})
ZONE_TYPES = frozenset({"aws:route53/zone:Zone", "aws-native:route53:HostedZone"})

# What a domain name or an address can point at directly.
ADDRESSABLE = LB_TYPES | INSTANCE_TYPES | EIP_TYPES | {ENI} | RECORD_TYPES

# Every type any policy of the pack reads; the others are skipped without touching their properties.
RELEVANT_TYPES = (
    SG_TYPES
    | RULE_TYPES
    | PREFIX_LIST_TYPES
    | {PREFIX_LIST_ENTRY}
    | DIST_TYPES
    | VPC_ORIGIN_TYPES
    | LB_TYPES
    | LISTENER_TYPES
    | LISTENER_RULE_TYPES
    | TARGET_GROUP_TYPES
    | TARGET_ATTACHMENT_TYPES
    | ELB_ATTACHMENT_TYPES
    | INSTANCE_TYPES
    | {ENI, ENI_ATTACHMENT, ENI_SG_ATTACHMENT}
    | EIP_TYPES
    | EIP_ASSOCIATION_TYPES
    | {ASG, ASG_ATTACHMENT, ASG_TRAFFIC_SOURCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, ECS_SERVICE}
    | VPC_TYPES
    | SUBNET_TYPES
    | RECORD_TYPES
    | ZONE_TYPES
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
    (INSTANCE_TYPES, "instance"),
    (frozenset({ENI}), "network interface"),
    (EIP_TYPES, "Elastic IP"),
    (EIP_ASSOCIATION_TYPES, "Elastic IP association"),
    (frozenset({ASG}), "Auto Scaling group"),
    (frozenset({LAUNCH_TEMPLATE}), "launch template"),
    (frozenset({LAUNCH_CONFIGURATION}), "launch configuration"),
    (frozenset({ECS_SERVICE}), "ECS service"),
    (VPC_TYPES, "VPC"),
    (SUBNET_TYPES, "subnet"),
    (RECORD_TYPES, "Route 53 record"),
)


def noun(rtype: str) -> str:
    """``load balancer``, ``instance``, ...: what a resource of type ``rtype`` is called in a message."""
    for types, word in _NOUNS:
        if rtype in types:
            return word
    return rtype
