"""What an interface admits: the union of every rule of every group on it, per address family, protocol, port.

A packet is admitted when any rule of any group on the interface admits it, so an interface admits the world
on (protocol, port) over IPv4 when the CIDRs of all its applicable rules, together, cover every internet address
of IPv4 (:func:`.world_cidr.internet`: all but the special-purpose ranges), and the same for IPv6, separately.
Sources are every rule shape's CIDRs and the entries of prefix lists managed
in the stack. Three-valued: a CIDR, port, protocol, direction, target group, list entry, public address
or origin that is not known yet makes a contribution *maybe*, and the verdict is *maybe* when the union
could cover the world with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from . import kinds as k
from .graph import StackGraph, norm
from .model import Res
from .network import Group, Membership, Network, Wildcard
from .origins import Unit
from .rules import CIDR_FAMILIES, INGRESS, Rule, rules_of
from .values import as_list, get, is_unknown
from .world_cidr import Network as Net
from .world_cidr import Tri, covers_family, on_internet, outermost, parse_cidr, reaches_ports, spans_all_ports

Reason = tuple[str, str]  # (what is not known yet, URN of the resource to look at)


@dataclass(frozen=True, slots=True)
class Source:
    """One CIDR a rule admits (directly or through a prefix list), or a CIDR not known yet."""

    network: Net | None  # None: not known yet, may be anything
    versions: tuple[int, ...]
    text: str  # as written
    via: str  # "" or "prefix list 'partners'"
    certainty: Tri
    why: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """A source as it applies to one interface on one (family, protocol, port)."""

    rule: Rule
    group: str
    source: Source
    certainty: Tri
    why: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Exposure:
    """An interface that admits (or may admit) all of IPv4 or IPv6 on one protocol and port."""

    unit: Unit
    version: int
    protocol: str
    port: int | None  # None: every port
    certainty: Tri
    items: tuple[Item, ...]  # YES: the outermost blocks that cover the world; MAYBE: the uncertain part
    reasons: tuple[Reason, ...]


def _versions_of_family(value: object) -> tuple[int, ...]:
    if value == "IPv4":
        return (4,)
    if value == "IPv6":
        return (6,)
    return (4, 6)


class Judge:
    """Rules indexed by the group they apply to, and the union verdict of any set of groups."""

    def __init__(self, graph: StackGraph, net: Network) -> None:
        self.graph = graph
        self.net = net
        # Rules are indexed by the group they apply to and parsed only when that group is judged: in a large
        # stack most groups guard no origin. Inline rules are found through their group, rule resources
        # through the group their target property names (resolved without parsing the rest of the rule).
        self._pending: dict[str, list[tuple[Res, Tri, Reason | None]]] = defaultdict(list)
        self._parsed: dict[str, list[tuple[Rule, Tri, Reason | None]]] = {}
        self.wild: list[tuple[Rule, Wildcard]] = []
        self._sources: dict[int, tuple[Rule, list[Source]]] = {}
        self._per_unit: dict[int, tuple[Unit, list[tuple[Rule, str, Tri, tuple[Reason, ...]]]]] = {}
        # Prefix-list entries belong to the list they name, wherever it was created: a list of the stack (by
        # value or dependency), or a list id from elsewhere that a rule names too (by value), or, for an id not
        # known yet that depends on nothing (a lookup), maybe any list from elsewhere.
        self._entries: dict[str, list[Res]] = defaultdict(list)
        self._foreign_entries: dict[str, list[Res]] = defaultdict(list)
        self._unplaced_entries: list[Res] = []
        for entry in graph.of({k.PREFIX_LIST_ENTRY}):
            value = entry.props.get("prefixListId")
            lists = graph.refs(value, entry.dep("prefixListId"), k.PREFIX_LIST_TYPES)
            for pl in lists:
                self._entries[pl.urn].append(entry)
            if not lists and isinstance(value, str) and value and not is_unknown(value):
                self._foreign_entries[norm(value)].append(entry)
            elif not lists and is_unknown(value) and not entry.dep("prefixListId"):
                self._unplaced_entries.append(entry)
        for res in graph.of(k.SG_TYPES | k.RULE_TYPES):
            if res.type in k.SG_TYPES:
                self._pending[net.group_of(res)].append((res, Tri.YES, None))
                continue
            m = self._target(res)
            for key, tri in m.members.items():
                self._pending[key].append((res, tri, m.why.get(key)))
            if m.wildcards:
                self.wild.extend((rule, w) for rule in rules_of(res) for w in m.wildcards)
        self._implicit = net.implicit_rules

    def _target(self, res: Res) -> Membership:
        """The group(s) a rule resource applies to (``securityGroupId``; aws-native ``groupId``/``groupName``)."""
        if res.type in (k.RULE_NATIVE_IN, k.RULE_NATIVE_OUT):
            if res.props.get("groupId") is None and res.props.get("groupName"):
                return self.net.resolve_names(res, "groupName", f"groupName of rule '{res.name}' ({res.type})")
            prop = "groupId"
        else:
            prop = "securityGroupId"
        return self.net.resolve_ids(res, prop, f"{prop} of rule '{res.name}' ({res.type})", scalar=True)

    def rules_of_group(self, key: str) -> list[tuple[Rule, Tri, Reason | None]]:
        """The rules that apply (``YES``) or may apply (``MAYBE``) to group ``key``, parsed on first use."""
        found = self._parsed.get(key)
        if found is None:
            found = [(rule, Tri.YES, None) for rule in self._implicit.get(key, ())]
            for res, tri, why in self._pending.get(key, ()):
                found.extend((rule, tri, why) for rule in rules_of(res))
            self._parsed[key] = found
        return found

    def order(self, rule: Rule) -> tuple[int, str]:
        """A rule's place in the stack (its resource's position, then its place in an inline list)."""
        return self.graph.position.get(rule.owner.urn, len(self.graph.position)), rule.where

    # -- sources --------------------------------------------------------------------------------------------

    def sources(self, rule: Rule) -> list[Source]:
        """The rule's sources, computed once (the rule is kept with them: an id is only unique while alive)."""
        cached = self._sources.get(id(rule))
        if cached is not None and cached[0] is rule:
            return cached[1]
        found = list(self._compute_sources(rule))
        self._sources[id(rule)] = (rule, found)
        return found

    def _compute_sources(self, rule: Rule) -> Iterable[Source]:
        urn = rule.owner.urn
        if rule.opaque:
            yield Source(
                None,
                (4, 6),
                "anything",
                "",
                Tri.YES,
                ((f"{rule.unknown_fields()[0]} of {_r(rule)} is not known yet", urn),),
            )
            return
        for prop, value in rule.cidrs:
            if is_unknown(value):
                yield Source(
                    None, (CIDR_FAMILIES[prop],), prop, "", Tri.YES, ((f"{prop} of {_r(rule)} is not known yet", urn),)
                )
            elif isinstance(value, str):
                network = parse_cidr(value)
                if network is not None:  # anything else is refused by EC2 at deploy time
                    yield Source(network, (network.version,), value.strip(), "", Tri.YES)
        for prop in rule.unknown_cidr_lists:
            yield Source(
                None, (CIDR_FAMILIES[prop],), prop, "", Tri.YES, ((f"{prop} of {_r(rule)} is not known yet", urn),)
            )
        yield from self._prefix_list_sources(rule)

    def _prefix_list_sources(self, rule: Rule) -> Iterable[Source]:
        g = self.graph
        unknown = rule.prefix_lists_unknown or any(is_unknown(p) for p in rule.prefix_lists)
        lists: list[tuple[Res, Tri, tuple[Reason, ...]]] = []
        why: tuple[Reason, ...]
        for pl in g.by_value([p for p in rule.prefix_lists if isinstance(p, str)], k.PREFIX_LIST_TYPES):
            lists.append((pl, Tri.YES, ()))
        if unknown:
            # A list managed here is named through its dependency; a value with no dependency (a lookup)
            # is an AWS-managed or another stack's list, except that it may be any list of this stack.
            by_deps = g.by_deps(rule.prefix_list_deps, k.PREFIX_LIST_TYPES)
            candidates = by_deps or ([] if rule.prefix_list_deps else g.of(k.PREFIX_LIST_TYPES))
            why = (
                ()
                if by_deps
                else ((f"the prefix list of {_r(rule)} is not known yet and nothing names it", rule.owner.urn),)
            )
            for pl in candidates:
                if all(pl is not x for x, _, _ in lists):
                    lists.append((pl, Tri.YES if by_deps else Tri.MAYBE, why))
        yield from self._foreign_sources(rule, unknown)
        for pl, tri, pl_why in lists:
            via = f"prefix list '{pl.name}'"
            family = pl.props.get("addressFamily")
            entries = as_list(pl.props.get("entries"))
            if entries is None and pl.dep("entries"):
                yield Source(
                    None,
                    _versions_of_family(family),
                    "its entries",
                    via,
                    tri,
                    (*pl_why, (f"the entries of {via} are not known yet", pl.urn)),
                )
            cidrs = [get(e, "cidr") for e in entries or []]
            cidrs += [e.props.get("cidr") for e in self._entries.get(pl.urn, ())]
            for cidr in cidrs:
                if is_unknown(cidr):
                    yield Source(
                        None,
                        _versions_of_family(family),
                        "an entry",
                        via,
                        tri,
                        (*pl_why, (f"an entry of {via} is not known yet", pl.urn)),
                    )
                elif isinstance(cidr, str) and (network := parse_cidr(cidr)) is not None:
                    yield Source(network, (network.version,), cidr.strip(), via, tri, pl_why)

    def _foreign_sources(self, rule: Rule, unknown: bool) -> Iterable[Source]:
        """Entries this stack adds to a list created elsewhere that the rule names (by id), and, when the rule's
        list is not known yet, entries whose list is not known yet either (the same lookup may give both)."""
        ids = [
            p
            for p in rule.prefix_lists
            if isinstance(p, str) and not is_unknown(p) and not self.graph.by_value(p, k.PREFIX_LIST_TYPES)
        ]
        found: list[tuple[Res, str, Tri, tuple[Reason, ...]]] = []
        for pl_id in ids:
            found += [(e, pl_id.strip(), Tri.YES, ()) for e in self._foreign_entries.get(norm(pl_id), ())]
        if unknown and not self.graph.by_deps(rule.prefix_list_deps, k.PREFIX_LIST_TYPES):
            for e in [e for es in self._foreign_entries.values() for e in es] + self._unplaced_entries:
                why: tuple[Reason, ...] = (
                    (
                        f"the prefix list of {_r(rule)} is not known yet and may be the one entry '{e.name}' adds to",
                        rule.owner.urn,
                    ),
                )
                found.append((e, "not known yet", Tri.MAYBE, why))
        elif ids:
            for e in self._unplaced_entries:
                why = ((f"the prefix list of entry '{e.name}' is not known yet: it may be {ids[0]}", e.urn),)
                found.append((e, ids[0].strip(), Tri.MAYBE, why))
        for entry, pl_id, tri, why in found:
            via = f"prefix list {pl_id} (entry '{entry.name}')"
            cidr = entry.props.get("cidr")
            if is_unknown(cidr):
                yield Source(
                    None,
                    (4, 6),
                    "an entry",
                    via,
                    tri,
                    (*why, (f"cidr of entry '{entry.name}' is not known yet", entry.urn)),
                )
            elif isinstance(cidr, str) and (network := parse_cidr(cidr)) is not None:
                yield Source(network, (network.version,), cidr.strip(), via, tri, why)

    # -- verdicts -------------------------------------------------------------------------------------------

    def groups_of(self, m: Membership) -> list[tuple[str, Tri, Reason | None]]:
        """The groups on an interface: named ones, and every group an open-ended lookup may return."""
        out = [(key, tri, m.why.get(key)) for key, tri in m.members.items()]
        for w in m.wildcards:
            for key, group in self.net.groups.items():
                if m.members.get(key) is not Tri.YES and _in_vpc(group, w.vpc):
                    out.append((key, Tri.MAYBE, (w.why, w.urn)))
        return out

    def rules_on(self, key: str) -> list[tuple[Rule, Tri, Reason | None]]:
        out = list(self.rules_of_group(key))
        group = self.net.groups.get(key)
        for rule, w in self.wild:
            if group is not None and _in_vpc(group, w.vpc):
                out.append((rule, Tri.MAYBE, (w.why, w.urn)))
        return out

    def _candidates(self, unit: Unit) -> list[tuple[Rule, str, Tri, tuple[Reason, ...]]]:
        """Every (rule, group) that may apply to ``unit``, with what is certain regardless of port and family.

        Cached per unit: a unit is judged on several (family, protocol, port), and by several policies.
        """
        cached = self._per_unit.get(id(unit))
        if cached is not None and cached[0] is unit:
            return cached[1]
        out: list[tuple[Rule, str, Tri, tuple[Reason, ...]]] = []
        for key, g_tri, g_why in self.groups_of(unit.iface.membership):
            for rule, r_tri, r_why in self.rules_on(key):
                direction = Tri.YES if rule.direction == INGRESS else Tri.MAYBE if rule.direction is None else Tri.NO
                tri = unit.certainty & g_tri & r_tri & direction
                if tri is Tri.NO:
                    continue
                why: list[Reason] = [unit.certainty_why] if unit.certainty is Tri.MAYBE else []
                if g_tri is Tri.MAYBE and g_why is not None:
                    why.append(g_why)
                if r_tri is Tri.MAYBE and r_why is not None:
                    why.append(r_why)
                if direction is Tri.MAYBE:
                    why.append((f"type of {_r(rule)} is not known yet", rule.owner.urn))
                out.append((rule, key, tri, tuple(why)))
        self._per_unit[id(unit)] = (unit, out)
        return out

    def may_cover(self, unit: Unit, version: int) -> bool:
        """Could the rules on ``unit`` cover all of IPv``version`` on *some* port? (Cheap test first.)"""
        networks: list[Net] = []
        for rule, _, _, _ in self._candidates(unit):
            for src in self.sources(rule):
                if version in src.versions:
                    if src.network is None:
                        return True
                    networks.append(src.network)
        return covers_family(networks, version)

    def exposure(self, unit: Unit, version: int, protocol: str, port: int | None) -> Exposure | None:
        """Does ``unit`` admit all of IPv``version`` on ``protocol`` ``port`` (``None``: on every port)?"""
        reach = unit.iface.reach[0 if version == 4 else 1]
        if reach is Tri.NO or unit.certainty is Tri.NO or not self.may_cover(unit, version):
            return None
        base_why: tuple[Reason, ...] = ()
        if reach is Tri.MAYBE:
            urn = unit.iface.res.urn if unit.iface.res is not None else ""
            base_why = ((f"{unit.iface.reach_why[0 if version == 4 else 1]} is not known yet", urn),)
        items: list[Item] = []
        for rule, key, applies, why in self._candidates(unit):
            if port is None:
                hits = spans_all_ports(rule.protocol, rule.from_port, rule.to_port, (protocol,))
            else:
                hits = reaches_ports(rule.protocol, rule.from_port, rule.to_port, (port,), (protocol,))
            tri = applies & hits & reach
            if tri is Tri.NO:
                continue
            reasons = base_why + why
            if hits is Tri.MAYBE and not rule.opaque:
                fields = [f for f in rule.unknown_fields() if f in ("protocol", "fromPort", "toPort", rule.unknown_as)]
                reasons += ((f"{', '.join(fields)} of {_r(rule)} is not known yet", rule.owner.urn),)
            for src in self.sources(rule):
                if version in src.versions:
                    items.append(Item(rule, key, src, tri & src.certainty, reasons + src.why))
        return _verdict(unit, version, protocol, port, items)


def _in_vpc(group: Group, vpc: str | None) -> bool:
    return vpc is None or group.vpc is None or group.vpc == vpc


def _r(rule: Rule) -> str:
    return f"rule {rule.described}"


def _verdict(unit: Unit, version: int, protocol: str, port: int | None, items: list[Item]) -> Exposure | None:
    definite = [i for i in items if i.certainty is Tri.YES and i.source.network is not None]
    networks = [i.source.network for i in definite if i.source.network is not None]
    if covers_family(networks, version):
        # The outermost blocks, less those wholly inside special-purpose space (not needed to reach everyone).
        shown = tuple(definite[i] for i in outermost(networks) if on_internet(networks[i]))
        return Exposure(unit, version, protocol, port, Tri.YES, shown, ())
    known = [i.source.network for i in items if i.source.network is not None]
    uncertain = [i for i in items if i.certainty is Tri.MAYBE or i.source.network is None]
    if any(i.source.network is None for i in items) or covers_family(known, version):
        reasons = tuple(dict.fromkeys(w for i in uncertain for w in i.why))
        return Exposure(unit, version, protocol, port, Tri.MAYBE, tuple(uncertain), reasons)
    return None
