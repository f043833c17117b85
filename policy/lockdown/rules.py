"""Every shape of security group rule, normalised into :class:`Rule`.

Shapes (property names as they travel on the wire, camelCase):

* ``aws:ec2/securityGroup:SecurityGroup`` and ``aws:ec2/defaultSecurityGroup:DefaultSecurityGroup``:
  inline ``ingress``/``egress`` lists of ``{protocol, fromPort, toPort, cidrBlocks, ipv6CidrBlocks,
  prefixListIds, securityGroups, self}``.
* ``aws:ec2/securityGroupRule:SecurityGroupRule``: ``type`` ingress/egress, same fields plus
  ``securityGroupId``.
* ``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` (and ``...EgressRule``): ``ipProtocol``,
  ``fromPort``, ``toPort``, ``cidrIpv4``, ``cidrIpv6``, ``prefixListId``, ``referencedSecurityGroupId``,
  ``securityGroupId``.
* ``aws-native:ec2:SecurityGroup``: ``securityGroupIngress``/``securityGroupEgress`` lists of
  ``{ipProtocol, fromPort, toPort, cidrIp, cidrIpv6, sourcePrefixListId | destinationPrefixListId,
  sourceSecurityGroupId}``; ``aws-native:ec2:SecurityGroupIngress``/``SecurityGroupEgress`` with ``groupId``
  (or ``groupName``) on top.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .model import Res
from .values import UNKNOWN, as_list, get, is_unknown

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

INGRESS = "ingress"
EGRESS = "egress"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule as AWS sees it, whatever resource declared it."""

    owner: Res  # the resource that declares the rule (a security group for inline rules)
    where: str  # "ingress[2]" for an inline rule, "" for a rule resource
    direction: str | None  # "ingress", "egress", or None when not known yet (preview)
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]  # strings, or the unknown marker
    cidrs_unknown: bool  # a whole CIDR list is unknown
    cidr_paths: tuple[str, ...]  # property names the CIDRs came from (for messages)
    prefix_lists: tuple[Any, ...]  # ids, or the unknown marker
    prefix_lists_unknown: bool
    prefix_list_deps: tuple[str, ...]  # URNs the prefix list properties depend on
    peer_groups: int  # security-group references (each counts as one rule against the quota)
    target_values: tuple[str, ...]  # known ids/names of the group the rule is applied to
    target_deps: tuple[str, ...]  # URNs the target property depends on (the owner for inline rules)
    target_unknown: bool  # the target id is not known yet

    @property
    def label(self) -> str:
        return f"{self.owner.name}.{self.where}" if self.where else self.owner.name

    def unknown_fields(self) -> list[str]:
        if self.where.endswith("[*]"):
            return [f"the whole {self.where[:-3]} list"]
        if self.cidr_paths == (self.where,) and self.where:
            return ["the whole rule object"]
        names = []
        if self.direction is None:
            names.append("type")
        if is_unknown(self.protocol):
            names.append("protocol")
        if is_unknown(self.from_port):
            names.append("fromPort")
        if is_unknown(self.to_port):
            names.append("toPort")
        if self.cidrs_unknown or any(is_unknown(c) for c in self.cidrs):
            names.extend(self.cidr_paths or ("cidr",))
        if self.prefix_lists_unknown or any(is_unknown(p) for p in self.prefix_lists):
            names.append("prefix list")
        return names


def _collect(entry: Any, *keys: str) -> tuple[tuple[Any, ...], bool, tuple[str, ...]]:
    values: list[Any] = []
    unknown = False
    paths: list[str] = []
    for key in keys:
        raw = get(entry, key)
        items = as_list(raw)
        if items is None:
            unknown = True
            paths.append(key)
            continue
        items = [v for v in items if v not in (None, "")]
        if items:
            paths.append(key)
        values.extend(items)
    return tuple(values), unknown, tuple(paths)


def _direction(value: Any) -> str | None:
    if is_unknown(value):
        return None
    return EGRESS if str(value).lower() == EGRESS else INGRESS


def _targets(res: Res, *keys: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    values: list[str] = []
    unknown = False
    for key in keys:
        v = res.props.get(key)
        if is_unknown(v):
            unknown = True
        elif isinstance(v, str) and v:
            values.append(v)
    return tuple(values), res.dep(*keys), unknown


def _entry_rule(
    owner: Res,
    where: str,
    direction: str | None,
    entry: Any,
    native: bool,
    targets: tuple[tuple[str, ...], tuple[str, ...], bool],
) -> Rule:
    if native:
        cidrs, c_unknown, c_paths = _collect(entry, "cidrIp", "cidrIpv6")
        pls, p_unknown, _ = _collect(entry, "sourcePrefixListId", "destinationPrefixListId")
        peers = len(
            _collect(entry, "sourceSecurityGroupId", "destinationSecurityGroupId", "sourceSecurityGroupName")[0]
        )
        protocol = get(entry, "ipProtocol")
        pl_deps = owner.dep("sourcePrefixListId", "destinationPrefixListId")
    else:
        cidrs, c_unknown, c_paths = _collect(entry, "cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6")
        pls, p_unknown, _ = _collect(entry, "prefixListIds", "prefixListId")
        groups, _, _ = _collect(entry, "securityGroups", "sourceSecurityGroupId", "referencedSecurityGroupId")
        peers = len(groups) + (1 if get(entry, "self") is True else 0)
        protocol = get(entry, "protocol") if "protocol" in entry else get(entry, "ipProtocol")
        pl_deps = owner.dep("prefixListIds", "prefixListId")
    t_values, t_deps, t_unknown = targets
    return Rule(
        owner=owner,
        where=where,
        direction=direction,
        protocol=protocol,
        from_port=get(entry, "fromPort"),
        to_port=get(entry, "toPort"),
        cidrs=cidrs,
        cidrs_unknown=c_unknown,
        cidr_paths=c_paths,
        prefix_lists=pls,
        prefix_lists_unknown=p_unknown,
        prefix_list_deps=pl_deps,
        peer_groups=peers,
        target_values=t_values,
        target_deps=t_deps,
        target_unknown=t_unknown,
    )


def _inline(res: Res, key: str, direction: str, native: bool) -> Iterator[Rule]:
    entries = as_list(res.props.get(key))
    own: tuple[tuple[str, ...], tuple[str, ...], bool] = ((), (res.urn,), False)
    if entries is None and not res.dep(key):
        # Unknown, and no property dependency explains it: the program did not set the list and the
        # provider computes it (Terraform's "known after apply" for an unset Optional+Computed list).
        # An unknown the program did set always comes from another resource's output, which the
        # SDK records as a property dependency.
        return
    if entries is None:  # the whole list is unknown at preview: any rule at all may be in it
        rule = _entry_rule(res, f"{key}[*]", direction, {}, native, own)
        yield replace(rule, protocol=UNKNOWN, cidrs_unknown=True, prefix_lists_unknown=True, cidr_paths=(key,))
        return
    for i, entry in enumerate(entries):
        if is_unknown(entry):  # one rule object is unknown
            rule = _entry_rule(res, f"{key}[{i}]", direction, {}, native, own)
            yield replace(
                rule, protocol=UNKNOWN, cidrs_unknown=True, prefix_lists_unknown=True, cidr_paths=(f"{key}[{i}]",)
            )
        elif isinstance(entry, dict):
            yield _entry_rule(res, f"{key}[{i}]", direction, entry, native, own)


def rules_of(res: Res) -> Iterator[Rule]:
    """Every rule ``res`` declares (none if it declares none)."""
    t = res.type
    if t in (SG_AWS, SG_DEFAULT):
        yield from _inline(res, "ingress", INGRESS, native=False)
        yield from _inline(res, "egress", EGRESS, native=False)
    elif t == SG_NATIVE:
        yield from _inline(res, "securityGroupIngress", INGRESS, native=True)
        yield from _inline(res, "securityGroupEgress", EGRESS, native=True)
    elif t == RULE_EC2:
        yield _entry_rule(
            res, "", _direction(res.props.get("type")), res.props, False, _targets(res, "securityGroupId")
        )
    elif t in (RULE_VPC_IN, RULE_VPC_OUT):
        direction = INGRESS if t == RULE_VPC_IN else EGRESS
        yield _entry_rule(res, "", direction, res.props, False, _targets(res, "securityGroupId"))
    elif t in (RULE_NATIVE_IN, RULE_NATIVE_OUT):
        direction = INGRESS if t == RULE_NATIVE_IN else EGRESS
        yield _entry_rule(res, "", direction, res.props, True, _targets(res, "groupId", "groupName"))
