"""The main policy: no origin security group admits the world (0.0.0.0/0, ::/0) on 80/443.

A stack policy, because whether a group guards a CloudFront origin is a property of the graph. It runs
at preview and at up; at preview it reads values that may not be known yet *without* letting
pulumi-policy's ``UnknownValueError`` escape (which would downgrade it to an advisory "can't run during
preview" note), and decides about every unknown explicitly (setting ``unknownValues``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import ORIGIN_INGRESS, settings
from .graph import PREFIX_LIST_TYPES, RELEVANT_TYPES, Origin, StackGraph
from .model import Res, from_policy_resources
from .rules import INGRESS, Rule
from .scope import Scope, build_scope, scoped_rules
from .values import as_list, get, is_unknown, strings
from .world_cidr import ALL, Tri, cidr_is_world, protocol_class, range_hits, reaches_ports

FIX = (
    "Fix: remove this rule and admit {ports} only from the CloudFront origin-facing managed prefix lists "
    "(com.amazonaws.global.cloudfront.origin-facing and com.amazonaws.global.ipv6.cloudfront.origin-facing, "
    "looked up with aws.ec2.get_managed_prefix_list), so that only CloudFront can reach the origin."
)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: Rule
    origins: tuple[Origin, ...]
    certain: bool
    message: str
    urn: str = ""  # the resource to report against (default: the rule's owner)

    @property
    def report_urn(self) -> str:
        return self.urn or self.rule.owner.urn


def prefix_list_world(graph: StackGraph, rule: Rule) -> Tri:
    """Does a prefix list the rule references (one managed in this stack) contain a world CIDR?"""
    result = Tri.MAYBE if rule.prefix_lists_unknown or any(is_unknown(p) for p in rule.prefix_lists) else Tri.NO
    for pl in graph.lookup(list(rule.prefix_lists), rule.prefix_list_deps, PREFIX_LIST_TYPES):
        entries = as_list(pl.props.get("entries"))
        if entries is None:
            result = result | Tri.MAYBE
            continue
        cidrs = [get(e, "cidr") for e in entries] + [e.props.get("cidr") for e in graph.prefix_entries.get(pl.urn, ())]
        result = result | Tri.any(cidr_is_world(c) for c in cidrs)
    return result


def world_of(graph: StackGraph, rule: Rule) -> Tri:
    direct = Tri.any(cidr_is_world(c) for c in rule.cidrs)
    if rule.cidrs_unknown:
        direct = direct | Tri.MAYBE
    if direct is Tri.YES or not (rule.prefix_lists or rule.prefix_lists_unknown):
        return direct
    return direct | prefix_list_world(graph, rule)


def _num(value: Any) -> Any:
    if is_unknown(value):
        return "?"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe_ports(rule: Rule) -> str:
    """``tcp 443``, ``tcp 0-65535``, ``all traffic (protocol -1)``: how the rule reads."""
    kind = protocol_class(rule.protocol)
    if kind == ALL:
        return f"all traffic (protocol {rule.protocol if rule.protocol is not None else 'unset'})"
    if kind is None:
        return "an unknown protocol"
    low, high = rule.from_port, rule.to_port
    if low is None and high is None:
        return f"{kind} (every port)"
    lo, hi = _num(low), _num(high)
    return f"{kind} {lo}" if lo == hi else f"{kind} {lo}-{hi}"


def hit_ports(rule: Rule, ports: Iterable[int]) -> str:
    """The checked ports the rule reaches, e.g. ``443`` or ``80 and 443``."""
    if protocol_class(rule.protocol) == ALL:
        hits = list(ports)
    else:
        hits = [p for p in ports if range_hits(rule.from_port, rule.to_port, (p,)) is not Tri.NO]
    return " and ".join(str(p) for p in hits) or "/".join(str(p) for p in ports)


def _world_cidrs(graph: StackGraph, rule: Rule) -> str:
    shown = [c for c in rule.cidrs if isinstance(c, str) and not is_unknown(c) and cidr_is_world(c) is Tri.YES]
    if not shown and (rule.prefix_lists or rule.prefix_lists_unknown):
        shown = [f"prefix list {p}" for p in strings(list(rule.prefix_lists))] or ["a prefix list"]
    return ", ".join(shown) or "the world"


def _where(origins: Iterable[Origin]) -> str:
    parts = []
    for o in origins:
        shown = o.reasons[:3] + ([f"and {len(o.reasons) - 3} more"] if len(o.reasons) > 3 else [])
        reasons = "; ".join(shown) if shown else "an origin security group"
        parts.append(f"security group {o.label} ({reasons})")
    return " and ".join(parts)


def analyze(
    resources: Iterable[Res],
    cfg: Mapping[str, Any],
    ports: Iterable[int] | None = None,
    scope: Scope | None = None,
) -> list[Finding]:
    """Findings of this policy over ``resources`` with settings ``cfg`` (already merged with defaults)."""
    wanted_ports = tuple(int(p) for p in (ports if ports is not None else cfg["ports"]))
    protocols = tuple(cfg["protocols"])
    deny_unknown = cfg.get("unknownValues", "deny") == "deny"
    scope = scope or build_scope(resources, cfg)
    if not (scope.origins or scope.everything or scope.discovery.unresolved or scope.configured_ids):
        return []
    port_text = " or ".join(str(p) for p in wanted_ports)
    findings: list[Finding] = []
    leftovers: list[Rule] = []  # world-open rules on groups not (yet) known to be origin groups
    for rule, origins, undetermined in scoped_rules(scope, (INGRESS, None)):
        direction = Tri.YES if rule.direction == INGRESS else Tri.MAYBE
        verdict = direction & reaches_ports(rule.protocol, rule.from_port, rule.to_port, wanted_ports, protocols)
        if verdict is Tri.NO:
            continue
        verdict = verdict & world_of(scope.graph, rule)
        if verdict is Tri.NO:
            continue
        if not origins:
            if undetermined and deny_unknown:
                findings.append(
                    Finding(
                        rule,
                        (),
                        False,
                        f"Cannot verify at preview: the security group that rule '{rule.label}' ({rule.owner.type}) "
                        f"applies to is not known yet and nothing in its property dependencies names one; the rule may "
                        f"admit {_world_cidrs(scope.graph, rule)} on {describe_ports(rule)} to an origin. Treated as a "
                        f"violation because unknownValues is 'deny'. Fix: pass the security group resource's id "
                        f"output (so the dependency is recorded) or set unknownValues to 'allow'.",
                    )
                )
            elif verdict is not Tri.NO:
                leftovers.append(rule)
            continue
        where = _where(origins)
        if verdict is Tri.YES:
            msg = (
                f"Rule '{rule.label}' ({rule.owner.type}) admits {_world_cidrs(scope.graph, rule)} on "
                f"{describe_ports(rule)} (port {hit_ports(rule, wanted_ports)}) to {where}. Anyone on the internet can "
                f"reach the origin without going through CloudFront. " + FIX.format(ports=port_text)
            )
            findings.append(Finding(rule, tuple(origins), True, msg))
        elif deny_unknown:
            unknown = ", ".join(rule.unknown_fields()) or "a referenced prefix list"
            msg = (
                f"Cannot verify at preview: {unknown} of rule '{rule.label}' ({rule.owner.type}) on {where} "
                f"is not known yet, so it may admit the world on port {port_text}. Treated as a violation because "
                f"unknownValues is 'deny' (the policy does not switch itself off at preview). Fix: use values known "
                f"at preview (a literal CIDR, or the CloudFront managed prefix list id from "
                f"aws.ec2.get_managed_prefix_list), or set unknownValues to 'allow' to have it checked only once "
                f"the value is known."
            )
            findings.append(Finding(rule, tuple(origins), False, msg))
    if deny_unknown and leftovers:
        for item in scope.discovery.unresolved:
            findings.append(
                Finding(
                    leftovers[0],
                    (),
                    False,
                    f"Cannot verify at preview: {item.res.type} '{item.res.name}': {item.why}, so its origin security "
                    f"groups cannot be determined, and {len(leftovers)} rule(s) in this stack admit or may admit the "
                    f"world on port {port_text} (first: '{leftovers[0].label}'). Treated as a violation because "
                    f"unknownValues is 'deny'. Fix: reference the resources (not copied strings) so their property "
                    f"dependencies are recorded, or set unknownValues to 'allow'.",
                    item.res.urn,
                )
            )
    return findings


def validate(args: Any, report_violation: Any) -> None:
    cfg = settings(ORIGIN_INGRESS, args.get_config())
    resources = from_policy_resources(args.resources, RELEVANT_TYPES)
    for finding in analyze(resources, cfg):
        report_violation(finding.message, finding.report_urn)


__all__ = ["Finding", "analyze", "validate"]
