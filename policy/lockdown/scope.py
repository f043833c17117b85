"""Which security groups count as origin groups, and which rules apply to them (shared by several policies)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .graph import Discovery, Origin, StackGraph, discover
from .model import Res
from .rules import SG_NATIVE, SG_TYPES, Rule, rules_of
from .values import as_list, get, strings


def _tags(sg: Res) -> dict[str, Any]:
    tags = sg.props.get("tags")
    if isinstance(tags, dict):
        return tags
    if sg.type == SG_NATIVE:  # aws-native: [{key, value}]
        return {get(t, "key"): get(t, "value") for t in as_list(tags) or [] if isinstance(t, dict)}
    return {}


def _tags_match(sg: Res, wanted: Mapping[str, str]) -> bool:
    tags = _tags(sg)
    return all(k in tags and (v == "*" or tags[k] == v) for k, v in wanted.items())


@dataclass(slots=True)
class Scope:
    graph: StackGraph
    discovery: Discovery
    origins: dict[str, Origin]  # SG URN or "ref:<id>" -> Origin
    configured_ids: frozenset[str]
    everything: bool

    def origins_for(self, rule: Rule) -> tuple[list[Origin], bool]:
        """The origin groups ``rule`` applies to, and whether its group could not be determined."""
        if rule.where:  # inline: the owner is the group
            o = self.origins.get(rule.owner.urn)
            if o is None and self.everything:
                o = Origin(rule.owner, "", ["every security group is in scope"])
            return ([o] if o else []), False
        groups = self.graph.lookup(rule.target_values, rule.target_deps, SG_TYPES)
        for v in rule.target_values:
            groups.extend(self.graph.sg_names.get(v, ()))
        found: dict[str, Origin] = {}
        for g in groups:
            o = self.origins.get(g.urn)
            if o is None and self.everything:
                o = Origin(g, "", ["every security group is in scope"])
            if o is not None:
                found[g.urn] = o
        if not groups:
            for v in rule.target_values:  # a group from another stack
                if v in self.configured_ids or self.everything:
                    why = (
                        "named in originSecurityGroupIds"
                        if v in self.configured_ids
                        else "every security group is in scope"
                    )
                    found[f"ref:{v}"] = Origin(None, v, [why])
        undetermined = not groups and rule.target_unknown and not found
        return list(found.values()), undetermined


def build_scope(resources: Iterable[Res], cfg: Mapping[str, Any]) -> Scope:
    graph = StackGraph.build(resources)
    everything = cfg.get("scope") == "all"
    discovery = discover(graph) if not everything else Discovery({}, [], [], {})
    origins = dict(discovery.origins)
    wanted_tags = cfg.get("originSecurityGroupTags") or {}
    ids = frozenset(strings(cfg.get("originSecurityGroupIds") or []))
    if wanted_tags or ids:
        for r in graph.by_urn.values():
            if r.type not in SG_TYPES:
                continue
            why = []
            if wanted_tags and _tags_match(r, wanted_tags):
                why.append("tagged " + ", ".join(f"{k}={v}" for k, v in wanted_tags.items()))
            keys = set(strings([r.props.get(k) for k in ("id", "arn", "name", "groupId", "groupName")]))
            if keys & ids:
                why.append("named in originSecurityGroupIds")
            if why:
                origin = origins.setdefault(r.urn, Origin(r, ""))
                origin.reasons.extend(w for w in why if w not in origin.reasons)
    return Scope(graph, discovery, origins, ids, everything)


def scoped_rules(scope: Scope, directions: tuple[str | None, ...]) -> Iterator[tuple[Rule, list[Origin], bool]]:
    """Every rule of the stack with the given directions, with its origin groups (possibly none)."""
    for res in scope.graph.rules:
        for rule in rules_of(res):
            if rule.direction not in directions:
                continue
            origins, undetermined = scope.origins_for(rule)
            yield rule, origins, undetermined
