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

Which group a rule applies to is resolved later (:mod:`.network`); here a rule only says which property
names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import kinds as k
from .model import Res
from .values import UNKNOWN, as_list, is_unknown

INGRESS = "ingress"
EGRESS = "egress"

# The CIDR properties of every shape and the address family each one holds.
CIDR_FAMILIES = {"cidrBlocks": 4, "ipv6CidrBlocks": 6, "cidrIpv4": 4, "cidrIpv6": 6, "cidrIp": 4}
_AWS_CIDRS = ("cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6")
_NATIVE_CIDRS = ("cidrIp", "cidrIpv6")


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One rule as AWS sees it, whatever resource declared it."""

    owner: Res  # the resource that declares the rule (a security group for inline rules)
    where: str  # "ingress[2]" for an inline rule, "" for a rule resource
    direction: str | None  # "ingress", "egress", or None when not known yet (preview)
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[tuple[str, Any], ...]  # (property, CIDR string or the unknown marker)
    unknown_cidr_lists: tuple[str, ...]  # CIDR properties whose whole list is unknown
    prefix_lists: tuple[Any, ...]  # ids, or the unknown marker
    prefix_lists_unknown: bool  # the whole prefix-list property is unknown
    prefix_list_deps: tuple[str, ...]  # URNs the prefix list properties depend on
    peer_groups: int  # security-group references (each counts as one rule against the quota)
    target_prop: str  # the property naming the group ("" for an inline rule: the owner is the group)
    opaque: bool = False  # the whole rule object is unknown (preview): any source, any port
    # A rule the judge writes down (no resource declares it) whose protocol is unknown only because what decides
    # it is: what to name instead (e.g. a target group's client IP preservation setting).
    unknown_as: str = ""

    @property
    def label(self) -> str:
        return f"{self.owner.name}.{self.where}" if self.where else self.owner.name

    @property
    def described(self) -> str:
        return f"'{self.label}' ({self.owner.type})"

    def unknown_fields(self) -> list[str]:
        """The properties of the rule that are not known yet, as a user would look for them."""
        if self.opaque:
            return [f"the whole {self.where[:-3]} list" if self.where.endswith("[*]") else "the whole rule object"]
        names = []
        if self.direction is None:
            names.append("type")
        for prop, value in (("protocol", self.protocol), ("fromPort", self.from_port), ("toPort", self.to_port)):
            if is_unknown(value):
                names.append(self.unknown_as if prop == "protocol" and self.unknown_as else prop)
        for prop in dict.fromkeys([p for p, c in self.cidrs if is_unknown(c)] + list(self.unknown_cidr_lists)):
            names.append(prop)
        if self.prefix_lists_unknown or any(is_unknown(p) for p in self.prefix_lists):
            names.append("prefix list")
        return names


def _collect(entry: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[list[tuple[str, Any]], list[str]]:
    """(property, value) of every non-empty item of ``keys``, and the keys whose whole list is unknown."""
    values: list[tuple[str, Any]] = []
    unknown: list[str] = []
    for key in keys:
        raw = entry.get(key)
        if raw is None:  # the common case: most of the keys are absent
            continue
        items = as_list(raw)
        if items is None:
            unknown.append(key)
            continue
        values.extend((key, v) for v in items if v is not None and v != "")
    return values, unknown


def _direction(value: Any) -> str | None:
    if is_unknown(value):
        return None
    return EGRESS if str(value).lower() == EGRESS else INGRESS


def _entry_rule(
    owner: Res, where: str, direction: str | None, entry: Mapping[str, Any], native: bool, target_prop: str
) -> Rule:
    if native:
        cidrs, unknown = _collect(entry, _NATIVE_CIDRS)
        pl_keys: tuple[str, ...] = ("sourcePrefixListId", "destinationPrefixListId")
        peer_keys: tuple[str, ...] = ("sourceSecurityGroupId", "destinationSecurityGroupId", "sourceSecurityGroupName")
        protocol = entry.get("ipProtocol")
        peers = len(_collect(entry, peer_keys)[0])
    else:
        cidrs, unknown = _collect(entry, _AWS_CIDRS)
        pl_keys = ("prefixListIds", "prefixListId")
        peer_keys = ("securityGroups", "sourceSecurityGroupId", "referencedSecurityGroupId")
        protocol = entry.get("protocol") if "protocol" in entry else entry.get("ipProtocol")
        peers = len(_collect(entry, peer_keys)[0]) + (1 if entry.get("self") is True else 0)
    pls, pl_unknown = _collect(entry, pl_keys)
    return Rule(
        owner=owner,
        where=where,
        direction=direction,
        protocol=protocol,
        from_port=entry.get("fromPort"),
        to_port=entry.get("toPort"),
        cidrs=tuple(cidrs),
        unknown_cidr_lists=tuple(unknown),
        prefix_lists=tuple(v for _, v in pls),
        prefix_lists_unknown=bool(pl_unknown),
        prefix_list_deps=owner.dep(*pl_keys) if not where else owner.dep(where.split("[", 1)[0]),
        peer_groups=peers,
        target_prop=target_prop,
    )


def entry_rule(owner: Res, where: str, entry: Mapping[str, Any]) -> Rule:
    """An ingress rule written in pulumi-aws's inline shape by another resource (a Lightsail firewall's port)."""
    return _entry_rule(owner, where, INGRESS, entry, False, "")


def _opaque(owner: Res, where: str, direction: str) -> Rule:
    """A rule (or a whole list of them) that is not known yet: it may admit anything on any port."""
    return Rule(
        owner=owner,
        where=where,
        direction=direction,
        protocol=UNKNOWN,
        from_port=UNKNOWN,
        to_port=UNKNOWN,
        cidrs=(),
        unknown_cidr_lists=(),
        prefix_lists=(),
        prefix_lists_unknown=False,
        prefix_list_deps=(),
        peer_groups=0,
        target_prop="",
        opaque=True,
    )


def _inline(res: Res, key: str, direction: str, native: bool) -> Iterator[Rule]:
    entries = as_list(res.props.get(key))
    if entries is None:
        # Set by the program from another resource's output (a property dependency), or from a lookup whose
        # input is not known yet (the SDK drops an output-form invoke's dependencies then: the engine's
        # Analyze call shows the input set): any rule at all may be in it.
        if res.dep(key) or res.set_by_program(key):
            yield _opaque(res, f"{key}[*]", direction)
        # Otherwise the program did not set the list and the provider computes it (Terraform's "known after
        # apply" for an unset Optional+Computed list): it holds the rules of the stack's rule resources.
        return
    for i, entry in enumerate(entries):
        if is_unknown(entry):
            yield _opaque(res, f"{key}[{i}]", direction)
        elif isinstance(entry, dict):
            yield _entry_rule(res, f"{key}[{i}]", direction, entry, native, "")


def rules_of(res: Res) -> Iterator[Rule]:
    """Every rule ``res`` declares (none if it declares none)."""
    t = res.type
    if t in (k.SG_AWS, k.SG_DEFAULT):
        yield from _inline(res, "ingress", INGRESS, native=False)
        yield from _inline(res, "egress", EGRESS, native=False)
    elif t == k.SG_NATIVE:
        yield from _inline(res, "securityGroupIngress", INGRESS, native=True)
        yield from _inline(res, "securityGroupEgress", EGRESS, native=True)
    elif t == k.RULE_EC2:
        direction = _direction(res.props.get("type"))
        yield _entry_rule(res, "", direction, res.props, False, "securityGroupId")
    elif t in (k.RULE_VPC_IN, k.RULE_VPC_OUT):
        direction = INGRESS if t == k.RULE_VPC_IN else EGRESS
        yield _entry_rule(res, "", direction, res.props, False, "securityGroupId")
    elif t in (k.RULE_NATIVE_IN, k.RULE_NATIVE_OUT):
        direction = INGRESS if t == k.RULE_NATIVE_IN else EGRESS
        prop = "groupName" if res.props.get("groupId") is None and res.props.get("groupName") else "groupId"
        yield _entry_rule(res, "", direction, res.props, True, prop)
