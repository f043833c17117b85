"""Exposures grouped into findings, and the words of each: rule, union, group, origin and the chain between.

One finding per set of rules that opens the world (the same rules opening 80 and 443, IPv4 and IPv6, or the
same group on several interfaces is one finding), reported against the first of those rules in stack
order; one finding per set of unknowns at preview, reported against the first resource whose value is not
known yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .judge import Exposure, Item, Judge
from .network import Network
from .origins import Unit
from .rules import Rule
from .world_cidr import Tri, uncovered


@dataclass(frozen=True, slots=True)
class Finding:
    message: str
    urn: str
    certain: bool


def _key(e: Exposure) -> tuple[object, ...]:
    if e.certainty is Tri.YES:
        return (Tri.YES, frozenset(id(i.rule) for i in e.items))
    return (Tri.MAYBE, e.reasons)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def ports_text(exposures: Iterable[Exposure]) -> str:
    """``tcp 443``, ``tcp 80 and 443``, ``tcp 443, udp 443``, ``every tcp port``."""
    by_protocol: dict[str, list[int | None]] = {}
    for e in exposures:
        ports = by_protocol.setdefault(e.protocol, [])
        if e.port not in ports:
            ports.append(e.port)
    parts = []
    for protocol, ports in by_protocol.items():
        if None in ports:  # every port: the single ports say nothing more
            parts.append(f"every {protocol} port")
        else:
            parts.append(f"{protocol} {_join([str(p) for p in sorted(p for p in ports if p is not None)])}")
    return ", ".join(parts)


def _where(units: list[Unit]) -> str:
    shown = [u.where for u in units[:3]]
    if len(units) > 3:
        shown.append(f"and {len(units) - 3} more")
    return "; ".join(shown)


def _groups(net: Network, keys: Iterable[str]) -> str:
    """The groups' labels, in stack order (groups the stack does not create last, as first named)."""
    groups = [net.groups[key] for key in dict.fromkeys(keys)]
    position = net.graph.position
    groups.sort(key=lambda g: position.get(g.res.urn, len(position)) if g.res is not None else len(position))
    return _join([g.label for g in groups])


def _unique_units(exposures: Iterable[Exposure]) -> list[Unit]:
    seen: dict[str, Unit] = {}
    for e in exposures:
        seen.setdefault(e.unit.iface.key, e.unit)
    return list(seen.values())


def _source_text(item: Item, several_rules: bool) -> str:
    tags = []
    if several_rules:
        tags.append(f"rule '{item.rule.label}'")
    if item.source.via:
        tags.append(item.source.via)
    return item.source.text + (f" ({', '.join(tags)})" if tags else "")


def covered_text(exposure: Exposure, version: int) -> str:
    """``all of IPv4``, or ``all of the IPv4 internet (everything but 10.0.0.0/8 and 192.168.0.0/16, which hold no
    internet address)`` when the union leaves out only ranges the internet never sends from."""
    networks = [i.source.network for i in exposure.items if i.source.network is not None]
    gaps = uncovered(networks, version)
    if not gaps:
        return f"all of IPv{version}"
    shown = [str(g) for g in gaps[:3]] + ([f"{len(gaps) - 3} more"] if len(gaps) > 3 else [])
    return f"all of the IPv{version} internet (everything but {_join(shown)}, which hold no internet address)"


def _union_text(exposures: list[Exposure], several_rules: bool) -> str:
    parts = []
    for version in (4, 6):
        mine = [e for e in exposures if e.version == version]
        if not mine:
            continue
        items = sorted({id(i): i for i in mine[0].items}.values(), key=lambda i: (i.source.network, i.source.text))
        union = " + ".join(_source_text(i, several_rules) for i in items)
        parts.append(f"{union} = {covered_text(mine[0], version)} on {ports_text(mine)}")
    return "; ".join(parts)


def definite_message(judge: Judge, exposures: list[Exposure], consequence: str) -> tuple[str, str]:
    """The message (and the URN to report it on) of exposures that share their covering rules."""
    rules: list[Rule] = sorted({id(i.rule): i.rule for e in exposures for i in e.items}.values(), key=judge.order)
    subject = f"Rule {rules[0].described}" if len(rules) == 1 else "Rules " + _join([r.described for r in rules])
    verb = "admits" if len(rules) == 1 else "together admit"
    groups = _groups(judge.net, (i.group for e in exposures for i in e.items))
    where = _where(_unique_units(exposures))
    text = f"{subject} {verb} {_union_text(exposures, len(rules) > 1)} to {groups} {where}. {consequence}"
    return text, rules[0].owner.urn


def maybe_message(judge: Judge, exposures: list[Exposure], fix: str) -> tuple[str, str]:
    reasons = exposures[0].reasons
    groups = _groups(judge.net, (i.group for e in exposures for i in e.items))
    where = _where(_unique_units(exposures))
    reach = " and ".join(
        f"all of IPv{v} on {ports_text([e for e in exposures if e.version == v])}"
        for v in (4, 6)
        if any(e.version == v for e in exposures)
    )
    text = (
        f"Cannot verify at preview: {'; '.join(r for r, _ in reasons)}. So {groups} {where} may admit {reach}. "
        f"Treated as a violation because unknownValues is 'deny' (the policy does not switch itself off at "
        f"preview). {fix}"
    )
    urn = next((u for _, u in reasons if u), "") or exposures[0].items[0].rule.owner.urn
    return text, urn


def group_exposures(judge: Judge, exposures: Iterable[Exposure]) -> list[list[Exposure]]:
    """Exposures that share their covering rules (or their unknowns), in the stack order of their rules."""
    groups: dict[tuple[object, ...], list[Exposure]] = {}
    for e in exposures:
        groups.setdefault(_key(e), []).append(e)
    return sorted(groups.values(), key=lambda g: min((judge.order(i.rule) for i in g[0].items), default=(0, "")))
