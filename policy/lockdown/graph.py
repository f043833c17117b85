"""Origin discovery: from CloudFront distributions to the security groups that guard their origins.

Linear time: one pass builds indexes (by URN, and by every value another resource may use to point at
a resource: ids, ARNs, DNS names, IPs, names), then each origin is followed through at most a few hops.
Links are found both through *property dependencies* (which work at preview, when ids, ARNs and DNS names
are still unknown) and through *values* (which work when a reference is a plain string, e.g. an id
copied from another stack or a DNS name written by hand).

Chains followed::

    Distribution.origins[].domainName ─┬─> LoadBalancer (aws:lb, aws:alb, aws-native elbv2) .dnsName
                                        ├─> Instance .publicDns/.publicIp/.privateDns/.privateIp
                                        ├─> Eip .publicDns/.publicIp  ──> Instance
                                        └─> Route53 Record .name/.fqdn ──> aliases[].name / records[]
    Distribution.origins[].vpcOriginConfig.vpcOriginId ──> VpcOrigin .id ──> vpcOriginEndpointConfig.arn
    LoadBalancer.securityGroups, Instance.vpcSecurityGroupIds/.securityGroups,
    NetworkInterfaceSecurityGroupAttachment(networkInterfaceId = Instance.primaryNetworkInterfaceId)
        ──> SecurityGroup (by id, ARN or name)
    an ALB or instance with no security group at all ──> the VPC's default security group, if managed here
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Res
from .rules import RULE_TYPES, SG_DEFAULT, SG_TYPES
from .values import as_list, get, is_unknown, strings

DIST_AWS = "aws:cloudfront/distribution:Distribution"
DIST_NATIVE = "aws-native:cloudfront:Distribution"
DIST_TYPES = frozenset({DIST_AWS, DIST_NATIVE})
VPC_ORIGIN_TYPES = frozenset({"aws:cloudfront/vpcOrigin:VpcOrigin", "aws-native:cloudfront:VpcOrigin"})
LB_TYPES = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws-native:elasticloadbalancingv2:LoadBalancer",
    }
)
INSTANCE_AWS = "aws:ec2/instance:Instance"
INSTANCE_NATIVE = "aws-native:ec2:Instance"
INSTANCE_TYPES = frozenset({INSTANCE_AWS, INSTANCE_NATIVE})
RECORD_TYPES = frozenset({"aws:route53/record:Record", "aws-native:route53:RecordSet"})
EIP_TYPES = frozenset({"aws:ec2/eip:Eip", "aws-native:ec2:Eip"})
NIC_SG_ATTACHMENT = "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
PREFIX_LIST_TYPES = frozenset({"aws:ec2/managedPrefixList:ManagedPrefixList", "aws-native:ec2:PrefixList"})
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"

ENDPOINT_TYPES = LB_TYPES | INSTANCE_TYPES
# Every type the origin policies read; the others are skipped without touching their properties.
RELEVANT_TYPES = (
    DIST_TYPES
    | VPC_ORIGIN_TYPES
    | ENDPOINT_TYPES
    | RECORD_TYPES
    | EIP_TYPES
    | SG_TYPES
    | RULE_TYPES
    | PREFIX_LIST_TYPES
    | frozenset({NIC_SG_ATTACHMENT, PREFIX_LIST_ENTRY})
)

# Properties through which a resource can be pointed at, per type.
_KEYS: dict[str, tuple[str, ...]] = {
    "aws:lb/loadBalancer:LoadBalancer": ("id", "arn", "dnsName"),
    "aws:alb/loadBalancer:LoadBalancer": ("id", "arn", "dnsName"),
    "aws-native:elasticloadbalancingv2:LoadBalancer": ("id", "loadBalancerArn", "dnsName"),
    INSTANCE_AWS: ("id", "arn", "publicDns", "publicIp", "privateDns", "privateIp", "ipv6Addresses"),
    INSTANCE_NATIVE: ("id", "instanceId", "publicDnsName", "publicIp", "privateDnsName", "privateIp"),
    "aws:cloudfront/vpcOrigin:VpcOrigin": ("id", "arn"),
    "aws-native:cloudfront:VpcOrigin": ("id", "arn", "vpcOriginId"),
    "aws:route53/record:Record": ("name", "fqdn"),
    "aws-native:route53:RecordSet": ("name", "id"),
    "aws:ec2/eip:Eip": ("publicIp", "publicDns", "id"),
    "aws-native:ec2:Eip": ("publicIp", "id"),
    "aws:ec2/securityGroup:SecurityGroup": ("id", "arn"),
    SG_DEFAULT: ("id", "arn"),
    "aws-native:ec2:SecurityGroup": ("id", "groupId"),
    "aws:ec2/managedPrefixList:ManagedPrefixList": ("id", "arn", "name"),
    "aws-native:ec2:PrefixList": ("id", "prefixListId", "arn", "prefixListName"),
}
_SG_NAME_KEYS = {"aws:ec2/securityGroup:SecurityGroup": "name", "aws-native:ec2:SecurityGroup": "groupName"}


def norm(value: str) -> str:
    """Normalise a reference: DNS names compare case-insensitively, without a trailing dot or ``dualstack.``."""
    v = value.strip().lower().rstrip(".")
    return v.removeprefix("dualstack.")


@dataclass(slots=True)
class Origin:
    """One origin security group and why it is one."""

    sg: Res | None  # None when only known by id (configured, or in another stack)
    sg_ref: str  # the id/name when ``sg`` is None
    reasons: list[str] = field(default_factory=list)  # "load balancer 'web' behind distribution 'cdn'"

    @property
    def label(self) -> str:
        return f"'{self.sg.name}'" if self.sg is not None else f"'{self.sg_ref}'"


@dataclass(slots=True)
class Unresolved:
    """Something at preview that may hide an origin security group (an unknown reference)."""

    res: Res
    why: str


@dataclass(slots=True)
class StackGraph:
    by_urn: dict[str, Res]
    index: dict[str, list[Res]]  # normalised value -> resources pointed at by it
    sg_names: dict[str, list[Res]]
    rules: list[Res]
    prefix_entries: dict[str, list[Res]]  # prefix list URN -> entry resources
    instances_by_nic: dict[str, list[Res]]  # primary network interface id -> instances

    @classmethod
    def build(cls, resources: Iterable[Res]) -> StackGraph:
        by_urn: dict[str, Res] = {}
        index: dict[str, list[Res]] = defaultdict(list)
        sg_names: dict[str, list[Res]] = defaultdict(list)
        rules: list[Res] = []
        entries: list[Res] = []
        for r in resources:
            by_urn[r.urn] = r
            for key in _KEYS.get(r.type, ()):
                for v in strings(r.props.get(key)):
                    index[norm(v)].append(r)
            name_key = _SG_NAME_KEYS.get(r.type)
            if name_key:
                for v in strings(r.props.get(name_key)):
                    sg_names[v].append(r)
            if r.type in SG_TYPES or r.type in RULE_TYPES:
                rules.append(r)
            elif r.type == PREFIX_LIST_ENTRY:
                entries.append(r)
        nics: dict[str, list[Res]] = defaultdict(list)
        for r in by_urn.values():
            if r.type == INSTANCE_AWS:
                for v in strings(r.props.get("primaryNetworkInterfaceId")):
                    nics[v].append(r)
        graph = cls(by_urn, dict(index), dict(sg_names), rules, {}, dict(nics))
        for e in entries:
            for pl in graph.lookup(e.props.get("prefixListId"), e.dep("prefixListId"), PREFIX_LIST_TYPES):
                graph.prefix_entries.setdefault(pl.urn, []).append(e)
        return graph

    def lookup(self, value: Any, deps: Iterable[str], types: frozenset[str]) -> list[Res]:
        """Resources of ``types`` referenced by ``value`` (string or list) or by the dependency URNs ``deps``."""
        found: dict[str, Res] = {}
        for urn in deps:
            r = self.by_urn.get(urn)
            if r is not None and r.type in types:
                found[r.urn] = r
        for v in strings(value):
            for r in self.index.get(norm(v), ()):
                if r.type in types:
                    found[r.urn] = r
        return list(found.values())


@dataclass(slots=True)
class Discovery:
    origins: dict[str, Origin]  # SG URN (or "id:<value>") -> Origin
    unresolved: list[Unresolved]
    distributions: list[Res]
    endpoints: dict[str, list[str]]  # endpoint URN -> reasons


def origins_of_distribution(dist: Res) -> tuple[list[Any] | None, tuple[str, ...]]:
    """The distribution's origin objects (``None`` if the list is unknown) and the URNs they depend on."""
    if dist.type == DIST_NATIVE:
        return as_list(get(dist.props, "distributionConfig", "origins")), dist.dep("distributionConfig")
    return as_list(dist.props.get("origins")), dist.dep("origins", "origin")


_FOLLOW = ENDPOINT_TYPES | VPC_ORIGIN_TYPES | RECORD_TYPES | EIP_TYPES


def _next_hops(graph: StackGraph, r: Res) -> list[Res]:
    """Where an alias-like resource (record, EIP, VPC origin) points."""
    if r.type in RECORD_TYPES:
        aliases = as_list(r.props.get("aliases") or r.props.get("aliasTarget")) or []
        values: list[Any] = [get(a, "name") if isinstance(a, dict) else a for a in aliases]
        alias_target = r.props.get("aliasTarget")
        if isinstance(alias_target, dict):
            values.append(alias_target.get("dnsName"))
        values.extend(as_list(r.props.get("records")) or [])
        values.extend(as_list(r.props.get("resourceRecords")) or [])
        return graph.lookup(values, r.dep("aliases", "records", "aliasTarget", "resourceRecords"), _FOLLOW)
    if r.type in EIP_TYPES:
        return graph.lookup(
            [r.props.get("instance"), r.props.get("instanceId")], r.dep("instance", "instanceId"), INSTANCE_TYPES
        )
    if r.type in VPC_ORIGIN_TYPES:
        return graph.lookup(
            get(r.props, "vpcOriginEndpointConfig", "arn"), r.dep("vpcOriginEndpointConfig"), ENDPOINT_TYPES
        )
    return []


def _endpoints(graph: StackGraph, start: list[Res]) -> list[Res]:
    seen: set[str] = set()
    out: list[Res] = []
    todo = list(start)
    while todo:
        r = todo.pop()
        if r.urn in seen:
            continue
        seen.add(r.urn)
        if r.type in ENDPOINT_TYPES:
            out.append(r)
        else:
            todo.extend(_next_hops(graph, r))
    return out


def _security_groups(
    graph: StackGraph, ep: Res, nic_attachments: Mapping[str, list[Res]]
) -> tuple[list[Res], bool, bool]:
    """(groups, some group reference is unknown, the endpoint names no group at all)."""
    if ep.type in LB_TYPES:
        id_keys: tuple[str, ...] = ("securityGroups",)
        name_keys: tuple[str, ...] = ()
    elif ep.type == INSTANCE_AWS:
        id_keys, name_keys = ("vpcSecurityGroupIds",), ("securityGroups",)
    else:
        id_keys, name_keys = ("securityGroupIds",), ("securityGroups",)
    groups: dict[str, Res] = {}
    unknown = False
    named_any = False
    for key in id_keys + name_keys:
        raw = ep.props.get(key)
        items = as_list(raw)
        deps = ep.dep(key)
        if items is None and not deps:
            continue  # unset and computed by the provider (see rules._inline): names no group
        if items is None or any(is_unknown(i) for i in items):
            if not deps:
                unknown = True
            named_any = True
        if items:
            named_any = True
        for g in graph.lookup(items or [], deps, SG_TYPES):
            groups[g.urn] = g
        if key in name_keys:
            for name in strings(items):
                for g in graph.sg_names.get(name, ()):
                    groups[g.urn] = g
    for att in nic_attachments.get(ep.urn, ()):
        named_any = True
        found = graph.lookup(att.props.get("securityGroupId"), att.dep("securityGroupId"), SG_TYPES)
        if not found and is_unknown(att.props.get("securityGroupId")):
            unknown = True
        for g in found:
            groups[g.urn] = g
    return list(groups.values()), unknown, not named_any


def discover(graph: StackGraph) -> Discovery:
    """Find every origin security group reachable from the stack's CloudFront distributions."""
    origins: dict[str, Origin] = {}
    unresolved: list[Unresolved] = []
    endpoints: dict[str, list[str]] = {}
    dists = [r for r in graph.by_urn.values() if r.type in DIST_TYPES]
    for dist in dists:
        items, deps = origins_of_distribution(dist)
        starts = graph.lookup([], deps, _FOLLOW)
        if items is None:
            if not starts:
                unresolved.append(Unresolved(dist, "its origins are not known yet"))
        else:
            for o in items:
                domain = get(o, "domainName")
                vpc_origin_id = get(o, "vpcOriginConfig", "vpcOriginId")
                starts.extend(graph.lookup([domain, vpc_origin_id], (), _FOLLOW))
                if is_unknown(domain) and not deps:
                    unresolved.append(Unresolved(dist, "an origin's domainName is not known yet"))
        for ep in _endpoints(graph, starts):
            kind = "load balancer" if ep.type in LB_TYPES else "instance"
            endpoints.setdefault(ep.urn, []).append(f"{kind} '{ep.name}' behind distribution '{dist.name}'")

    if not endpoints:
        return Discovery(origins, unresolved, dists, endpoints)

    nic_by_instance: dict[str, list[Res]] = defaultdict(list)
    default_sgs: list[Res] = []
    for r in graph.by_urn.values():
        if r.type == NIC_SG_ATTACHMENT:
            nic_ref = r.props.get("networkInterfaceId")
            for ep in graph.lookup([], r.dep("networkInterfaceId"), INSTANCE_TYPES):
                nic_by_instance[ep.urn].append(r)
            if isinstance(nic_ref, str) and not is_unknown(nic_ref):
                for ep in graph.instances_by_nic.get(nic_ref, ()):
                    nic_by_instance[ep.urn].append(r)
        elif r.type == SG_DEFAULT:
            default_sgs.append(r)

    for ep_urn, reasons in endpoints.items():
        ep = graph.by_urn[ep_urn]
        groups, unknown, none_named = _security_groups(graph, ep, nic_by_instance)
        if unknown:
            unresolved.append(Unresolved(ep, "its security groups are not known yet"))
        if none_named and ep.props.get("loadBalancerType") in (None, "application"):
            groups.extend(default_sgs)  # AWS applies the VPC's default group
        for g in groups:
            origins.setdefault(g.urn, Origin(g, "")).reasons.extend(reasons)
    for origin in origins.values():
        origin.reasons = list(dict.fromkeys(origin.reasons))  # linear de-duplication, order kept
    return Discovery(origins, unresolved, dists, endpoints)
