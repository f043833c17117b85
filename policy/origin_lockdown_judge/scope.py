"""The stack analysed once per request, and which interfaces and groups each policy's settings put in scope.

:func:`analyse` builds the index, the group identities, the origin discovery and the rule index once; the
pack's stack policies share one :class:`Analysis` per request (``policy/lockdown/model.py``), the audit builds
one per account. Only the settings (``scope``, tags, ids) differ per policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import kinds as k
from .graph import StackGraph, norm
from .judge import Judge
from .model import Res
from .network import Interface, Membership, Network
from .origins import Unit, explore
from .shapes import reshape
from .values import as_list, get, strings
from .world_cidr import Tri


@dataclass(slots=True)
class Analysis:
    resources: list[Res]
    graph: StackGraph
    net: Network
    units: list[Unit]  # every interface reachable from the stack's distributions
    judge: Judge
    reached: dict[str, tuple[str, ...]] = field(default_factory=dict)  # URN on an origin chain -> the chain


def analyse(resources: Iterable[Res]) -> Analysis:
    resources = [reshape(r) for r in resources]
    graph = StackGraph.build(resources)
    net = Network(graph)
    units, reached = explore(graph, net)
    return Analysis(resources, graph, net, units, Judge(graph, net), reached)


def _tags(sg: Res) -> dict[str, Any]:
    tags = sg.props.get("tags")
    if isinstance(tags, dict):
        return tags
    if sg.type == k.SG_NATIVE:  # aws-native: [{key, value}]
        return {get(t, "key"): get(t, "value") for t in as_list(tags) or [] if isinstance(t, dict)}
    return {}


def tags_match(sg: Res, wanted: Mapping[str, str]) -> bool:
    tags = _tags(sg)
    return all(key in tags and (value == "*" or tags[key] == value) for key, value in wanted.items())


def group_unit(a: Analysis, key: str, why: str) -> Unit:
    """One group judged on its own (for groups the settings name, or every group with scope ``all``)."""
    group = a.net.groups[key]
    membership = Membership({key: Tri.YES}, named=True)
    iface = Interface(f"group:{key}", group.label, group.res, membership, vpc=group.vpc)
    return Unit(iface, (why,), group_unit=True)


def configured_groups(a: Analysis, cfg: Mapping[str, Any]) -> dict[str, list[str]]:
    """Group key -> why, for the groups ``originSecurityGroupIds``/``originSecurityGroupTags`` name."""
    out: dict[str, list[str]] = {}
    wanted_tags: Mapping[str, str] = cfg.get("originSecurityGroupTags") or {}
    ids: dict[str, str] = {}  # normalised -> first spelling
    for v in strings(cfg.get("originSecurityGroupIds") or []):
        ids.setdefault(norm(v), v)
    wanted_ids = set(ids)
    matched: set[str] = set()
    for sg in a.graph.of(k.SG_TYPES):
        why = []
        if wanted_tags and tags_match(sg, wanted_tags):
            why.append("tagged " + ", ".join(f"{key}={value}" for key, value in wanted_tags.items()))
        # By name here (a name selects a group of any VPC in this setting); ids and ARNs resolve below.
        names = {norm(v) for v in strings([sg.props.get("name"), sg.props.get("groupName")])}
        if names & wanted_ids:
            why.append("named in originSecurityGroupIds")
            matched |= names & wanted_ids
        if why:
            out.setdefault(a.net.group_of(sg), []).extend(why)
    for wanted, v in ids.items():
        if wanted in matched:
            continue
        keys = [a.net.group_by_id(v)] if wanted.startswith(("sg-", "arn:")) else a.net.groups_by_name(v)
        for key in keys:
            out.setdefault(key, []).append("named in originSecurityGroupIds")
    return out


def units_in_scope(a: Analysis, cfg: Mapping[str, Any]) -> list[Unit]:
    """The discovered origin interfaces plus one unit per group the settings put in scope."""
    units = list(a.units)
    extra = configured_groups(a, cfg)
    if cfg.get("scope") == "all":
        for key in list(a.net.groups):
            extra.setdefault(key, []).append("every security group is in scope")
    for key, why in extra.items():
        units.append(group_unit(a, key, "; ".join(dict.fromkeys(why))))
    return units
