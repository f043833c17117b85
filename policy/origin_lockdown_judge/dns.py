"""DNS records of every shape, as entries: the names one record set answers for and what it answers.

Shapes (each a family type of the closed world, :mod:`.catalog`):

* ``aws:route53/record:Record``: ``name`` (absolute, or relative to ``zoneId``'s zone), ``records[]``,
  ``aliases[].name``; its ``fqdn`` once known.
* ``aws:route53/recordsExclusive:RecordsExclusive``: every record set of a zone, ``resourceRecordSets[]`` of
  ``{name, resourceRecords[].value, aliasTarget.dnsName}``: one entry each.
* ``aws-native:route53:RecordSet``: ``name``, ``hostedZoneId`` or ``hostedZoneName``, ``resourceRecords[]``,
  ``aliasTarget.dnsName``.
* ``aws:route53/trafficPolicyInstance:TrafficPolicyInstance``: a record named ``name`` in ``hostedZoneId``
  whose answers are the endpoints of its traffic policy's JSON ``document`` (``Endpoints.*.Value``).
* ``aws:lightsail/domainEntry:DomainEntry``: ``name`` in Lightsail's DNS zone ``domainName``, answering
  ``target``.

A record set in a *private* hosted zone (a zone created with ``vpcs``; a ``ZoneAssociation`` only adds VPCs to one)
answers only inside those VPCs: CloudFront resolves origins on the internet, so such a record never leads to an origin
(split-horizon DNS: the public name points at CloudFront or a locked origin, the private one at an internal load
balancer). A zone outside the stack counts as public (fail closed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import kinds as k
from .graph import StackGraph, norm
from .model import Res
from .values import as_list, get, is_unknown, strings


@dataclass(frozen=True, slots=True)
class Entry:
    """One record set: the (normalised) names it answers for and the values it answers with."""

    res: Res
    where: str  # "" for a resource that is one record set, "resourceRecordSets[2]" for one of several
    names: tuple[str, ...]  # fully qualified; "<relative>.*" for a relative name in a zone not known yet
    name_known: bool  # the name is known (False at preview when it derives from another resource's output)
    values: tuple[Any, ...]  # alias targets and record values, as written (unknown markers kept)
    value_deps: tuple[str, ...]  # URNs the values depend on
    name_deps: tuple[str, ...]  # URNs the name depends on
    shared: bool  # the resource holds several entries whose values share ``value_deps``
    private: bool  # in a private hosted zone: never what CloudFront resolves

    @property
    def key(self) -> str:
        return f"{self.res.urn}#{self.where}" if self.where else self.res.urn

    @property
    def label(self) -> str:
        noun = k.noun(self.res.type)
        where = f" {self.where}" if self.where else ""
        return f"{noun} '{self.res.name}'{where}"


def expand(name: Any, zone_names: list[str], fqdn: Any = None) -> list[str]:
    """The fully qualified names a record name answers for (normalised).

    A name that does not end with its zone's name is relative to the zone, after any trailing dot is dropped
    (terraform-provider-aws, internal/service/route53 ``expandRecordName``). When the zone is not known, a name
    with a trailing dot is taken as absolute, and any other both as written and as a prefix (``name.*``).
    """
    if isinstance(fqdn, str) and fqdn and not is_unknown(fqdn):
        return [norm(fqdn)]
    if not isinstance(name, str) or is_unknown(name):
        return []
    written = norm(name)
    if zone_names:  # as the provider expands it (a trailing dot is dropped first)
        zone = zone_names[0]
        return [zone] if not written else [written if written.endswith(zone) else f"{written}.{zone}"]
    return [written] if name.strip().endswith(".") or not written else [written, f"{written}.*"]


def _zone_private(zone: Res) -> bool:
    """A zone created with ``vpcs`` (a list, even of values not known yet): the only way to make one private.

    A ``ZoneAssociation`` proves nothing about a zone of the stack: AWS refuses to associate a VPC with a public
    zone (AssociateVPCWithHostedZone, error PublicZoneVPCAssociation:
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html), so an association
    naming a zone without ``vpcs`` fails at deploy time, after the zone's records exist; read as private, that
    zone's records would pass the gate at preview and stay on the internet.
    """
    return bool(as_list(zone.props.get("vpcs")))


def _zones(graph: StackGraph, holder: Res, id_prop: str, name_prop: str | None = None) -> list[Res]:
    zones = graph.refs(holder.props.get(id_prop), holder.dep(id_prop), k.ZONE_TYPES)
    if not zones and name_prop is not None:  # aws-native's hostedZoneName: every zone of that name may be it
        wanted = {norm(v) for v in strings(holder.props.get(name_prop))}
        zones = [z for z in graph.of(k.ZONE_TYPES) if {norm(v) for v in strings(z.props.get("name"))} & wanted]
    return zones


def zone_names(zones: Iterable[Res]) -> list[str]:
    return [norm(n) for zone in zones for n in strings(zone.props.get("name"))]


def _endpoints(document: Any) -> list[Any]:
    """The endpoint values of a traffic policy document (JSON, https://docs.aws.amazon.com/Route53/latest/
    APIReference/api-policies-traffic-policy-document-format.html): ``Endpoints.<id>.Value``."""
    if is_unknown(document):
        return [document]
    if not isinstance(document, str):
        return []
    try:
        parsed = json.loads(document)
    except ValueError:
        return []
    endpoints = get(parsed, "Endpoints")
    return [get(e, "Value") for e in endpoints.values()] if isinstance(endpoints, dict) else []


def entries(graph: StackGraph) -> list[Entry]:
    """Every record set of the stack, in stack order."""
    out: list[Entry] = []

    def private(zones: list[Res]) -> bool:
        # Private only when every zone it may be in is private (one public zone of the same name: public).
        return bool(zones) and all(_zone_private(z) for z in zones)

    for rec in graph.of(k.RECORD_TYPES):
        if rec.type == k.RECORD_AWS:
            zones = _zones(graph, rec, "zoneId")
            values: list[Any] = [get(a, "name") for a in as_list(rec.props.get("aliases")) or []]
            values += as_list(rec.props.get("records")) or []
            out.append(_entry(rec, "", rec.props.get("name"), zones, values, ("aliases", "records"), private(zones),
                              fqdn=rec.props.get("fqdn")))  # fmt: skip
        elif rec.type == k.RECORD_NATIVE:
            zones = _zones(graph, rec, "hostedZoneId", "hostedZoneName")
            values = [get(rec.props, "aliasTarget", "dnsName"), *(as_list(rec.props.get("resourceRecords")) or [])]
            out.append(
                _entry(
                    rec, "", rec.props.get("name"), zones, values, ("aliasTarget", "resourceRecords"), private(zones)
                )
            )
        elif rec.type == k.RECORDS_EXCLUSIVE:
            zones = _zones(graph, rec, "zoneId")
            sets = as_list(rec.props.get("resourceRecordSets"))
            if sets is None:
                out.append(_entry(rec, "resourceRecordSets[*]", None, zones, [rec.props.get("resourceRecordSets")],
                                  ("resourceRecordSets",), private(zones)))  # fmt: skip
                continue
            for i, item in enumerate(sets):
                values = [get(item, "aliasTarget", "dnsName")]
                values += [get(r, "value") for r in as_list(get(item, "resourceRecords")) or []]
                entry = _entry(rec, f"resourceRecordSets[{i}]", get(item, "name"), zones, values,
                               ("resourceRecordSets",), private(zones), shared=len(sets) > 1)  # fmt: skip
                out.append(entry)
        elif rec.type == k.TRAFFIC_POLICY_INSTANCE:
            zones = _zones(graph, rec, "hostedZoneId")
            policies = graph.refs(rec.props.get("trafficPolicyId"), rec.dep("trafficPolicyId"), k.TRAFFIC_POLICY_TYPES)
            values = [v for p in policies for v in _endpoints(p.props.get("document"))]
            deps = tuple(u for p in policies for u in p.dep("document"))
            out.append(
                Entry(rec, "", tuple(expand(rec.props.get("name"), zone_names(zones))), _known(rec.props.get("name")),
                      tuple(values), deps, rec.dep("name"), False, private(zones))
            )  # fmt: skip
        elif rec.type == k.LIGHTSAIL_DOMAIN_ENTRY:
            domain = rec.props.get("domainName")
            zone = [norm(domain)] if isinstance(domain, str) and not is_unknown(domain) else []
            name = rec.props.get("name")
            names = expand(name, zone) if zone else []
            out.append(Entry(rec, "", tuple(names), _known(name) and bool(zone), (rec.props.get("target"),),
                             rec.dep("target"), rec.dep("name", "domainName"), False, False))  # fmt: skip
    return out


def _known(value: Any) -> bool:
    return isinstance(value, str) and not is_unknown(value)


def _entry(
    rec: Res,
    where: str,
    name: Any,
    zones: list[Res],
    values: list[Any],
    value_props: tuple[str, ...],
    private: bool,
    fqdn: Any = None,
    shared: bool = False,
) -> Entry:
    names = expand(name, zone_names(zones), fqdn)
    name_deps = rec.dep(*value_props) if where else rec.dep("name")  # a set of a list: its name is in the list
    if zones and not zone_names(zones) and not _known(fqdn):
        # A zone whose name is not known yet (generated): the record's full name derives from the zone and from
        # whatever the zone's name derives from, as an origin domain built from them does.
        name_deps = tuple(
            dict.fromkeys([*name_deps, *(z.urn for z in zones), *(u for z in zones for u in z.dep("name"))])
        )
    return Entry(
        rec,
        where,
        tuple(names),
        _known(name) or _known(fqdn),
        tuple(v for v in values if v is not None),
        rec.dep(*value_props),
        name_deps,
        shared,
        private,
    )


def public_zone_names(graph: StackGraph) -> list[str]:
    """The names of the stack's public hosted zones (and of Lightsail's DNS zones, which are public)."""
    names = zone_names(z for z in graph.of(k.ZONE_TYPES) if not _zone_private(z))
    names += [norm(v) for d in graph.of(k.LIGHTSAIL_DOMAIN_TYPES) for v in strings(d.props.get("domainName"))]
    return names


__all__ = ["Entry", "entries", "expand", "public_zone_names", "zone_names"]
