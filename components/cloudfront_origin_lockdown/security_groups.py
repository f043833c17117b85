"""Layer 1: security groups that admit the origin's port only from CloudFront.

Why the layout looks the way it does (numbers from
https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups):

* A rule that references a managed prefix list counts as the list's *weight* (its max entries)
  against "Inbound or outbound rules per security group", default 60. Both CloudFront
  origin-facing lists weigh 55. So a group can hold exactly one such rule: two ports, or IPv4 plus
  IPv6, in one group is 110 > 60 and the API refuses it (``RulesPerSecurityGroupLimitExceeded``).
* Therefore: one origin-facing group per address family, each with a single rule for the single
  port CloudFront uses (80 with ``http-only``, 443 with HTTPS to the origin). No second port is ever
  opened "just in case".
* "Security groups per network interface" defaults to 5. The ALB carries the IPv4 group and, with
  IPv6 on, the IPv6 group: 2 of 5; the direct instance carries 1. Instances behind the ALB carry one group
  that admits only the ALB's IPv4 origin group on the app port: 1 of 5. That leaves room for the
  user's own groups on every interface.

With ``vpcOrigin`` the origin group admits the origin port from ``CloudFront-VPCOrigins-Service-SG``
instead (a group reference, weight 1; only this account's distributions, see vpc_origin.py). That group
exists only once the VPC origin does, which needs the ALB or instance, which needs the origin group: so
rules from it are *deferred* (:data:`DEFERRED_PEERS`) and built by :func:`build_deferred_rules` after the
VPC origin, under a name of their own. Switching an existing stack to or from ``vpcOrigin`` replaces the origin
group (its description says what it admits, and a description is ForceNew): the new group holds only the new
rule, created before anything moves to it, and the old group keeps its prefix-list rule until it is deleted, so no
group ever holds both. The direct instance behind a VPC origin
reads its secret through an ``ssm`` interface endpoint whose group admits HTTPS from the instance's group
only.

HTTP and HTTPS to an internet-facing ALB need different ports from the prefix list, and two prefix-list rules
do not fit one group: so the HTTPS load balancer's origin groups are groups of their own (``<name>-https-origin-
ipv4``, :attr:`GroupSpec.variant`), and switching ``originDomain`` creates them, with their load balancer, next to
the HTTP ones, which keep serving (and their names) until CloudFront has moved (load_balancer.py). Behind a VPC
origin the rule from CloudFront's service group weighs 1: one group holds both ports' rules during a switch, each
rule named after its port (the HTTP one keeps its name).

The plan is pure data (:func:`plan_security_groups`) so the quota arithmetic is unit-tested without
mocks; :func:`build_security_groups` turns it into resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from . import aws_limits
from .inputs import Tags, tagged
from .settings import HTTPS_PORT

Role = Literal["origin-ipv4", "origin-ipv6", "app", "endpoints"]
ROLES: tuple[Role, ...] = ("origin-ipv4", "origin-ipv6", "app", "endpoints")
# Where a rule's traffic comes from or goes to.
Peer = Literal[
    "cloudfront-ipv4", "cloudfront-ipv6", "cloudfront-vpc-origins", "origin-ipv4", "app", "anywhere-ipv4", "vpc"
]
# Peers whose group id only exists after other resources do: their rules are built by build_deferred_rules.
DEFERRED_PEERS: tuple[Peer, ...] = ("cloudfront-vpc-origins",)

Direction = Literal["ingress", "egress"]
Interface = Literal["origin", "instances", "endpoints"]
DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")
INTERFACES: tuple[Interface, ...] = ("origin", "instances", "endpoints")

PREFIX_LIST_NAMES: Mapping[Peer, str] = {
    "cloudfront-ipv4": aws_limits.CLOUDFRONT_PREFIX_LIST_IPV4,
    "cloudfront-ipv6": aws_limits.CLOUDFRONT_PREFIX_LIST_IPV6,
}


@dataclass(frozen=True)
class RuleSpec:
    """One ingress or egress rule: a TCP port and a peer."""

    direction: Literal["ingress", "egress"]
    port: int
    peer: Peer
    description: str

    @property
    def weight(self) -> int:
        """What the rule counts against the rules-per-group quota."""
        return aws_limits.CLOUDFRONT_PREFIX_LIST_WEIGHT if self.peer in PREFIX_LIST_NAMES else 1


@dataclass(frozen=True)
class GroupSpec:
    """One security group, its rules, and which network interfaces carry it."""

    role: Role
    description: str
    rules: tuple[RuleSpec, ...]
    attached_to: tuple[Interface, ...]
    # Part of the group's resource name before its role: "https" for the HTTPS load balancer's own groups.
    variant: str = ""

    def resource_name(self, name: str) -> str:
        return f"{name}-{self.variant}-{self.role}" if self.variant else f"{name}-{self.role}"

    def weight(self, direction: Literal["ingress", "egress"]) -> int:
        return sum(rule.weight for rule in self.rules if rule.direction == direction)


@dataclass(frozen=True)
class SecurityGroupPlan:
    groups: tuple[GroupSpec, ...]

    def group(self, role: Role) -> GroupSpec:
        return next(g for g in self.groups if g.role == role)

    def groups_on(self, interface: Interface) -> list[GroupSpec]:
        return [g for g in self.groups if interface in g.attached_to]


def plan_security_groups(
    architecture: str,
    origin_port: int,
    app_port: int,
    ipv6: bool,
    private_endpoints: bool,
    vpc_origin: bool = False,
) -> SecurityGroupPlan:
    """The security groups for one origin, checked against the default quotas.

    IPv6 to the origin exists only for ``alb`` without a VPC origin (settings.py says why); asking for it
    otherwise is a programming error here, not a plan. ``private_endpoints`` means interface endpoints in
    a created VPC: for ``alb`` the optional Session Manager ones (reached from the whole VPC); for
    ``direct`` behind a VPC origin the ones its instance reads its secret through (reached from the
    instance's group only).
    """
    if ipv6 and architecture != "alb":
        raise ValueError(f"IPv6 to the origin needs architecture alb, not {architecture}")
    if ipv6 and vpc_origin:
        raise ValueError("IPv6 to the origin is not possible through a VPC origin (IPv4 only)")
    outbound_https = [RuleSpec("egress", 443, "anywhere-ipv4", "HTTPS to AWS APIs and package repositories")]
    origin_v4_rules = [
        RuleSpec("ingress", origin_port, "cloudfront-vpc-origins", "CloudFront VPC origins of this account")
        if vpc_origin
        else RuleSpec("ingress", origin_port, "cloudfront-ipv4", "CloudFront origin-facing servers (IPv4)"),
    ]
    only = "CloudFront VPC origins only" if vpc_origin else "CloudFront only (IPv4)"
    groups: list[GroupSpec] = []
    if architecture == "alb":
        # The HTTPS load balancer on the internet has groups of its own (see the module's docstring).
        variant = "https" if origin_port == HTTPS_PORT and not vpc_origin else ""
        origin_v4_rules.append(RuleSpec("egress", app_port, "app", "to the instances on the app port"))
        groups.append(GroupSpec("origin-ipv4", f"ALB: {only}", tuple(origin_v4_rules), ("origin",), variant))
        if ipv6:
            groups.append(
                GroupSpec(
                    "origin-ipv6",
                    "ALB: CloudFront only (IPv6)",
                    (RuleSpec("ingress", origin_port, "cloudfront-ipv6", "CloudFront origin-facing servers (IPv6)"),),
                    ("origin",),
                    variant,
                )
            )
        groups.append(
            GroupSpec(
                "app",
                "Instances: the ALB only, on the app port",
                (
                    RuleSpec("ingress", app_port, "origin-ipv4", "from the ALB"),
                    *outbound_https,
                ),
                ("instances",),
            )
        )
        if private_endpoints:
            groups.append(
                GroupSpec(
                    "endpoints",
                    "VPC interface endpoints: HTTPS from inside the VPC",
                    (RuleSpec("ingress", 443, "vpc", "HTTPS from the VPC"),),
                    ("endpoints",),
                )
            )
    else:
        origin_v4_rules.extend(outbound_https)
        groups.append(GroupSpec("origin-ipv4", f"Instance: {only}", tuple(origin_v4_rules), ("origin",)))
        if private_endpoints:
            groups.append(
                GroupSpec(
                    "endpoints",
                    "VPC interface endpoints: HTTPS from the instance only",
                    (RuleSpec("ingress", 443, "origin-ipv4", "HTTPS from the origin instance"),),
                    ("endpoints",),
                )
            )
    plan = SecurityGroupPlan(tuple(groups))
    check_quotas(plan)
    return plan


def check_quotas(plan: SecurityGroupPlan) -> None:
    """Fail at preview, not half-way through ``pulumi up``, if the plan breaks a default quota."""
    for group in plan.groups:
        for direction in DIRECTIONS:
            weight = group.weight(direction)
            if weight > aws_limits.RULES_PER_SECURITY_GROUP:
                raise ValueError(
                    f"security group {group.role} would hold {direction} rules of weight {weight}, over the "
                    f"default quota of {aws_limits.RULES_PER_SECURITY_GROUP} rules per group"
                )
    for interface in INTERFACES:
        count = len(plan.groups_on(interface))
        if count > aws_limits.SECURITY_GROUPS_PER_NETWORK_INTERFACE:
            raise ValueError(f"{interface} would carry {count} security groups, over the default quota of 5")


@dataclass(frozen=True)
class BuiltGroups:
    ids: Mapping[Role, pulumi.Output[str]]
    # Each group's rules that exist with it (not the deferred ones).
    rules: Mapping[Role, Sequence[pulumi.Resource]] = field(default_factory=dict)
    # Each group's name (monitoring reports rule changes that name a group instead of giving its id).
    names: Mapping[Role, pulumi.Output[str]] = field(default_factory=dict)

    def ids_on(self, plan: SecurityGroupPlan, interface: Interface) -> list[pulumi.Output[str]]:
        return [self.ids[g.role] for g in plan.groups_on(interface)]

    def rules_on(self, plan: SecurityGroupPlan, interface: Interface) -> list[pulumi.Resource]:
        """The rules of the groups ``interface`` carries: what carries them (a load balancer, an instance) depends
        on them, so it is created or moved to a new group only once that group admits what it must (when a switch
        replaces a group, neither the load balancer nor CloudFront moves before the new group's rules exist:
        offline/switches.py finds that race)."""
        return [rule for g in plan.groups_on(interface) for rule in self.rules.get(g.role, ())]


def build_security_groups(
    name: str,
    plan: SecurityGroupPlan,
    vpc_id: pulumi.Input[str],
    vpc_cidr: pulumi.Input[str],
    tags: Tags,
    parent: pulumi.Resource,
) -> BuiltGroups:
    """Create the planned groups, then their rules as separate resources (one per rule), except rules
    from a :data:`DEFERRED_PEERS` peer (see :func:`build_deferred_rules`).

    Separate ``aws.vpc.SecurityGroupIngressRule``/``EgressRule`` resources, not inline rules: each
    rule gets its own id and tags, and AWS's "one rule per CIDR or prefix list" model maps 1:1.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    prefix_lists = {
        peer: aws.ec2.get_managed_prefix_list(name=list_name, opts=pulumi.InvokeOptions(parent=parent)).id
        for peer, list_name in PREFIX_LIST_NAMES.items()
        if any(rule.peer == peer for group in plan.groups for rule in group.rules)
    }
    groups: dict[Role, aws.ec2.SecurityGroup] = {}
    for spec in plan.groups:
        group_name = spec.resource_name(name)
        groups[spec.role] = aws.ec2.SecurityGroup(
            group_name,
            description=spec.description,
            vpc_id=vpc_id,
            # No inline rules: the provider then removes AWS's default allow-all egress rule, so a
            # group only allows what the rules below say.
            tags=tagged(tags, {"Name": group_name, "origin-lockdown:role": spec.role}),
            opts=opts,
        )
    ids: dict[Role, pulumi.Output[str]] = {role: group.id for role, group in groups.items()}
    rules: dict[Role, list[pulumi.Resource]] = {}
    for spec in plan.groups:
        for index, rule in enumerate(spec.rules):
            if rule.peer in DEFERRED_PEERS:
                continue
            peer_id: pulumi.Input[str] | None = prefix_lists.get(rule.peer)
            if peer_id is None and rule.peer in ROLES:
                peer_id = ids[rule.peer]
            built = _build_rule(
                f"{spec.resource_name(name)}-{rule.direction}-{index + 1}",
                ids[spec.role],
                rule,
                peer_id,
                vpc_cidr,
                tags,
                opts,
            )
            rules.setdefault(spec.role, []).append(built)
    return BuiltGroups(ids=ids, rules=rules, names={role: group.name for role, group in groups.items()})


def build_deferred_rules(
    name: str,
    plan: SecurityGroupPlan,
    groups: BuiltGroups,
    peer: Peer,
    peer_group_id: pulumi.Input[str],
    tags: Tags,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> list[pulumi.CustomResource]:
    """The planned rules from ``peer`` (a group that exists only now), each named after its peer (and its port,
    when it is HTTPS's).

    A name of its own (not the position-based name of the rule it replaces when a stack switches to a
    VPC origin), so the engine creates it before it deletes the old rule: CloudFront keeps reaching the
    origin throughout the switch; the same when ``originDomain`` moves the rule between ports 80 and 443 (both
    fit one group: weight 1 each). ``depends_on`` is what creates the peer group (the VPC origin): stated
    explicitly because a lookup still unknown at preview carries no dependencies of its own.
    """
    opts = pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on))
    return [
        _build_rule(
            f"{spec.resource_name(name)}-{rule.direction}-{rule.peer}" + ("-https" if rule.port == HTTPS_PORT else ""),
            groups.ids[spec.role],
            rule,
            peer_group_id,
            "",
            tags,
            opts,
        )
        for spec in plan.groups
        for rule in spec.rules
        if rule.peer == peer
    ]


def _build_rule(
    resource_name: str,
    group_id: pulumi.Input[str],
    rule: RuleSpec,
    peer_id: pulumi.Input[str] | None,
    vpc_cidr: pulumi.Input[str],
    tags: Tags,
    opts: pulumi.ResourceOptions,
) -> pulumi.CustomResource:
    """One rule: ``peer_id`` is a prefix list id (``pl-``) or a security group id, else a CIDR peer."""
    is_prefix_list = rule.peer in PREFIX_LIST_NAMES
    cidr_ipv4: pulumi.Input[str] | None = {"anywhere-ipv4": "0.0.0.0/0", "vpc": vpc_cidr}.get(rule.peer)
    rule_class = aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
    if not is_prefix_list and cidr_ipv4 is None:
        # A rule between groups grants access: when its peer group or port changes (a switch replaces the load
        # balancer's group, the app port moves), a new rule is created next to the old one, which keeps admitting
        # what still uses it until the end of the update. Updated in place (ModifySecurityGroupRules, the
        # provider's default) it would stop admitting the old peer at once. A prefix-list rule is changed in place:
        # two of them do not fit one group (weight 55 each, 60 rules per group).
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(replace_on_changes=["referencedSecurityGroupId", "fromPort", "toPort"])
        )
    return rule_class(
        resource_name,
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=rule.port,
        to_port=rule.port,
        description=rule.description,
        tags=tagged(tags, {"Name": resource_name}),
        prefix_list_id=peer_id if is_prefix_list else None,
        cidr_ipv4=cidr_ipv4,
        referenced_security_group_id=None if is_prefix_list or cidr_ipv4 is not None else peer_id,
        opts=opts,
    )
