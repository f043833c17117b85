"""Origin discovery: from CloudFront distributions to the network interfaces the world must not reach.

Chains followed (each hop both by value and by property dependency)::

    Distribution.origins[*] (every origin: origin-group members and every cache behavior's target are
    origins of the same list)
      .domainName ──> load balancer .dnsName | instance .publicDns/.privateDns/.publicIp/.privateIp
                   ──> Elastic IP .publicDns/.publicIp ──> instance | network interface   (eip.instance,
                       eip.networkInterface, EipAssociation.instanceId/.networkInterfaceId) | NLB
                       (subnetMappings[].allocationId)
                   ──> Route 53 record (absolute or relative name + zone, wildcards at any depth) ──> aliases[].name,
                       records[] (names or addresses), recursively
      .vpcOriginConfig.vpcOriginId ──> VpcOrigin .vpcOriginEndpointConfig.arn ──> load balancer | instance
    load balancer ──> listeners ──> (default) actions / listener rules ──> target groups ──> attachments,
                      Auto Scaling groups (targetGroupArns, attachments, traffic sources)
    classic load balancer ──> instances, ELB attachments, Auto Scaling groups (loadBalancers, attachments)

Every interface found is a :class:`Unit`: the load balancer itself and every interface of an origin
instance are reached through CloudFront (the world must not reach them); the instances behind an origin
load balancer matter when the internet reaches them *themselves* (a public IPv4 address or an IPv6
address), or always behind a network load balancer without security groups (it passes clients' addresses
through). A distribution whose origins cannot be determined at preview makes every endpoint a *maybe*.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from . import dns
from . import kinds as k
from .graph import StackGraph, norm
from .lightsail import Lightsail, lightsail_origins
from .model import Res
from .network import Group, Interface, Membership, Network, tri_flag
from .rules import INGRESS, Rule
from .values import UNKNOWN, as_list, get, is_unknown, strings
from .world_cidr import Tri

_ENDPOINTS = k.LB_TYPES | k.INSTANCE_TYPES | k.ENI_TYPES
# Every front of CloudFront: its distributions (both providers, multi-tenant too) and Lightsail's.
DISTRIBUTIONS = k.DIST_TYPES | {k.LIGHTSAIL_DISTRIBUTION}
Target = Res | dns.Entry  # what a name or a dependency leads to
_BALANCERS = k.TARGET_GROUP_TYPES | k.LB_CLASSIC_TYPES
_FOLLOW = k.ADDRESSABLE | k.VPC_ORIGIN_TYPES


@dataclass(slots=True)
class Unit:
    """One interface judged as a whole (the union of its groups' rules), and why it is an origin."""

    iface: Interface
    chain: tuple[str, ...]  # hops from the distribution to the interface (or why a group is in scope)
    certainty: Tri = Tri.YES  # MAYBE: it may be an origin (a distribution's origins are not known yet)
    certainty_why: tuple[str, str] = ("", "")
    other_paths: int = 0  # further chains that reach the same interface
    group_unit: bool = False  # a group in scope on its own (the chain says why), not an interface
    ports: frozenset[int] = frozenset()  # ports the origin is served on (CloudFront's, the target group's)

    @property
    def where(self) -> str:
        """``on load balancer 'web' (distribution 'cdn' -> ... -> load balancer 'web')`` or ``(why)``."""
        if self.group_unit:
            return f"({'; '.join(self.chain)})"
        more = f"; and {self.other_paths} other path(s)" if self.other_paths else ""
        return f"on {self.iface.label} ({' -> '.join(self.chain)}{more})"


def origins_of_distribution(dist: Res) -> tuple[list[Any] | None, tuple[str, ...]]:
    """The distribution's origin objects (``None`` if the list is unknown) and the URNs they depend on.

    A multi-tenant distribution (``aws:cloudfront/multitenantDistribution``) writes an origin's settings as
    one-item lists (``customOriginConfigs``, ``vpcOriginConfigs``) and its id as ``id``: read as the others'.
    """
    if dist.type == k.DIST_NATIVE:
        return as_list(get(dist.props, "distributionConfig", "origins")), dist.dep("distributionConfig")
    if dist.type == k.LIGHTSAIL_DISTRIBUTION:
        return lightsail_origins(dist)
    if dist.type == k.DIST_MULTITENANT:
        items = as_list(dist.props.get("origins"))
        if items is not None:
            items = [single_configs(o) for o in items]
        return items, dist.dep("origins")
    return as_list(dist.props.get("origins")), dist.dep("origins", "origin")


def single_configs(origin: Any) -> Any:
    if not isinstance(origin, dict):
        return origin
    out = dict(origin)
    for many, one in (("customOriginConfigs", "customOriginConfig"), ("vpcOriginConfigs", "vpcOriginConfig")):
        items = as_list(origin.get(many))
        out[one] = origin.get(many) if items is None else (items[0] if items else None)
    return out


_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def tenant_parameters(dist: Res, tenant: Res) -> dict[str, Any]:
    """A distribution tenant's parameter values over the multi-tenant distribution's defaults (by name)."""
    values: dict[str, Any] = {}
    config = get(dist.props, "distributionConfig", "tenantConfig") if dist.type == k.DIST_NATIVE else None
    config = config or dist.props.get("tenantConfig")
    for definition in as_list(get(config, "parameterDefinitions")) or []:
        name = get(definition, "name")
        default = _find(get(definition, "definition") or get(definition, "definitions"), "defaultValue")
        if isinstance(name, str) and default is not None:
            values[name] = default
    for param in as_list(tenant.props.get("parameters")) or []:
        name = get(param, "name")
        if isinstance(name, str):
            values[name] = get(param, "value")
    return values


def _find(obj: Any, key: str) -> Any:
    """The first value of ``key`` anywhere in a nested dict/list (a parameter definition's default)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        obj = list(obj.values())
    if isinstance(obj, list):
        for item in obj:
            found = _find(item, key)
            if found is not None:
                return found
    return None


def substitute(domain: str, params: dict[str, Any]) -> Any:
    """``domain`` with every ``{{name}}`` replaced by the tenant's value: the unknown marker if one is not known
    yet, ``None`` if one has no value (CloudFront refuses such a tenant)."""
    missing = False
    unknown = False

    def value(m: re.Match[str]) -> str:
        nonlocal missing, unknown
        v = params.get(m.group(1))
        if is_unknown(v):
            unknown = True
            return ""
        if not isinstance(v, str):
            missing = True
            return ""
        return v

    out = _PLACEHOLDER.sub(value, domain)
    return UNKNOWN if unknown else None if missing else out


def _port(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str) or is_unknown(value):
        return default
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # "x", nan, inf
        return default


def served_ports(config: Any) -> frozenset[int]:
    """The ports CloudFront connects to for a custom origin or VPC origin configuration.

    ``http-only`` uses ``httpPort``, ``https-only`` uses ``httpsPort``, ``match-viewer`` (or a policy not known
    yet) both; the defaults are 80 and 443 (CloudFront's, and the provider's).
    """
    if not isinstance(config, dict):
        return frozenset()
    http, https = _port(get(config, "httpPort"), 80), _port(get(config, "httpsPort"), 443)
    policy = get(config, "originProtocolPolicy")
    if policy == "http-only":
        return frozenset({http})
    if policy == "https-only":
        return frozenset({https})
    return frozenset({http, https})


def record_names(graph: StackGraph, record: Res) -> list[str]:
    """The fully qualified names a Route 53 ``Record`` answers for (normalised; :func:`.dns.expand`)."""
    zones = graph.refs(record.props.get("zoneId"), record.dep("zoneId"), k.ZONE_TYPES)
    return dns.expand(record.props.get("name"), dns.zone_names(zones), record.props.get("fqdn"))


def _lightsail_ports(lb: Res) -> frozenset[int]:
    items = as_list(lb.props.get("publicPorts"))
    return frozenset(p for p in (_port(v, 0) for v in items or []) if 0 < p <= 65535) or frozenset({80, 443})


def _urn_label(urn: str) -> str:
    """``'name' (type)`` of a URN (``urn:pulumi:<stack>::<project>::<parent$>type::name``): the resource may be of a
    type the judge was not handed (a ``random`` generator)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return urn
    return f"'{parts[-1]}' ({parts[-2].rsplit('$', 1)[-1]})"


def _internal(lb: Res) -> Tri:
    """Whether a load balancer is internal (aws ``internal``, aws-native ``scheme``; internet-facing by default)."""
    if lb.type == k.LB_NATIVE:
        scheme = lb.props.get("scheme")
        return Tri.MAYBE if is_unknown(scheme) else Tri.YES if str(scheme or "").lower() == "internal" else Tri.NO
    return tri_flag(lb.props.get("internal"))


def _preserve_client_ip(tg: Res) -> Any:
    """A target group's client IP preservation setting: pulumi-aws's ``preserveClientIp``, or aws-native's
    ``targetGroupAttributes`` entry ``preserve_client_ip.enabled``."""
    if tg.type != k.TARGET_GROUP_NATIVE:
        return tg.props.get("preserveClientIp")
    items = as_list(tg.props.get("targetGroupAttributes"))
    if items is None:
        return UNKNOWN
    for item in items:
        if get(item, "key") == "preserve_client_ip.enabled":
            return get(item, "value")
    return None


def preservation_off(tg: Res) -> Tri:
    """Whether a network load balancer's target group hides clients' addresses from its targets."""
    value = _preserve_client_ip(tg)
    if is_unknown(value) and tg.type != k.TARGET_GROUP_NATIVE and tg.provider_default("preserveClientIp"):
        value = None  # left to the provider (unknown at preview): the default for the target type and protocol
    if is_unknown(value):
        return Tri.MAYBE
    if value is not None and value != "":
        return Tri.NO if tri_flag(value) is Tri.YES else Tri.YES
    target_type, protocol = tg.props.get("targetType"), tg.props.get("protocol")
    if is_unknown(target_type) or is_unknown(protocol):
        return Tri.MAYBE
    kind = str(target_type or "instance").lower()
    if kind == "ip":
        return Tri.YES if str(protocol or "TCP").upper() in ("TCP", "TLS") else Tri.NO
    return Tri.NO  # instance targets preserve; alb and lambda targets are not followed


def _ipv4_targets(tg: Res) -> bool:
    """Whether a target group's targets are IPv4 (the default: ``ipAddressType`` ipv4)."""
    value = tg.props.get("ipAddressType")
    return not (isinstance(value, str) and value.lower() == "ipv6")


def _implicit_rule(owner: Res, where: str, protocol: Any, port: Any, cidrs: tuple[tuple[str, str], ...]) -> Rule:
    return Rule(
        owner=owner,
        where=where,
        direction=INGRESS,
        protocol=protocol,
        from_port=port,
        to_port=port,
        cidrs=cidrs,
        unknown_cidr_lists=(),
        prefix_lists=(),
        prefix_lists_unknown=False,
        prefix_list_deps=(),
        peer_groups=0,
        target_prop="",
    )


def _relative_match(relative: str, name: str) -> bool:
    """Whether a record named ``relative`` in a zone this stack does not show may answer for ``name``.

    ``www`` answers ``www`` and ``www.<zone>``; a wildcard ``*.api`` answers any name with a label before
    ``api.<zone>`` (``x.api.example.com``, ``a.b.api.example.org``), and ``*`` any name with a label before the
    zone: without the zone's name every one of them may be it (a possible match, judged as one).
    """
    if not relative.startswith("*"):
        return name == relative or name.startswith(relative + ".")
    rest = relative[2:].split(".") if relative != "*" else []
    labels = name.split(".")
    # At least one label before (what the wildcard stands for) and one after (the zone's name).
    return any(labels[i : i + len(rest)] == rest for i in range(1, len(labels) - len(rest)))


class _Walker:
    def __init__(self, graph: StackGraph, net: Network) -> None:
        self.graph = graph
        self.net = net
        self.units: dict[str, Unit] = {}
        self.reached_yes: set[str] = set()
        # Record sets by name; those of private zones are left out: CloudFront never resolves them (dns.py).
        self._records: dict[str, list[dns.Entry]] = defaultdict(list)
        self._relative: list[tuple[str, dns.Entry]] = []
        self._entries_of: dict[str, list[dns.Entry]] = defaultdict(list)
        self._unnamed: list[dns.Entry] = []  # names not known yet (preview)
        for entry in dns.entries(graph):
            if entry.private:
                continue
            self._entries_of[entry.res.urn].append(entry)
            if not entry.name_known or any(n.endswith(".*") for n in entry.names):  # name or zone not known yet
                self._unnamed.append(entry)
            for n in entry.names:
                if n.endswith(".*"):
                    self._relative.append((n[:-2], entry))
                else:
                    self._records[n].append(entry)
        # Every name that exists: each record's name and every name above it, and the stack's public zones' names
        # (a zone's apex exists, so a parent zone's wildcard never answers below a zone cut it can see).
        self._existing: set[str] = set()
        for n in [*self._records, *dns.public_zone_names(graph)]:
            labels = n.split(".")
            self._existing.update(".".join(labels[i:]) for i in range(len(labels)))
        self._targets_built = False
        self._in_lb: set[str] = set()  # load balancers being walked (an ALB target of an NLB)
        self._maybe: tuple[str, str] | None = None  # while following a possible match: why it is only possible
        # Every resource on an origin chain (URN -> the chain that reaches it), for the closed world's check.
        self.reached: dict[str, tuple[str, ...]] = {
            d.urn: (f"{k.noun(d.type)} '{d.name}'",) for d in graph.of(DISTRIBUTIONS)
        }
        self._lightsail: Lightsail | None = None

    @property
    def lightsail(self) -> Lightsail:
        if self._lightsail is None:
            self._lightsail = Lightsail(self.graph, self.net)
        return self._lightsail

    def reach(self, res: Res | None, chain: tuple[str, ...]) -> None:
        if res is not None and self._maybe is None:
            self.reached.setdefault(res.urn, chain)

    # -- names ----------------------------------------------------------------------------------------------

    def by_domain(self, domain: str) -> list[Target]:
        """What a DNS name (or an address) points at directly: endpoints, Elastic IPs, record sets."""
        name = norm(domain)
        found: list[Target] = list(self.graph.by_value(domain, k.ADDRESSABLE - k.RECORD_TYPES))
        records = list(self._records.get(name, ()))
        if not records:
            records = self._wildcard(name)
        return found + [r for r in records if r not in found]

    def possibly_by_domain(self, domain: str) -> list[tuple[Target, tuple[str, str]]]:
        """Records that *may* answer for a name: relative names in a zone whose name is not known (at preview,
        a zone outside the stack), each with why it is only a possibility."""
        name = norm(domain)
        certain = self.by_domain(domain)
        return [
            (rec, (f"the zone of {rec.label} ({prefix}) is not known yet, so it may answer for {name}", rec.res.urn))
            for prefix, rec in self._relative
            if rec not in certain and _relative_match(prefix, name)
        ]

    def _wildcard(self, name: str) -> list[dns.Entry]:
        """The wildcard records that answer for ``name``, which has no record of its own.

        The *closest encloser* answers: the nearest ancestor of ``name`` that exists (it has a record, or a
        name below it has one). Its wildcard, if any, answers for every name below it that does not exist,
        at any depth (``*.example.com`` answers ``a.b.example.com`` unless ``b.example.com`` exists); a name
        that exists without records of its own gets no answer (RFC 4592 sections 2.2.1 and 3.3.1; Route 53
        follows it: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
        Records outside the stack cannot make a closer name exist here, so this errs towards the wildcard.
        """
        if name in self._existing:
            return []
        labels = name.split(".")
        for i in range(1, len(labels)):
            ancestor = ".".join(labels[i:])
            if ancestor in self._existing:
                return list(self._records.get("*." + ancestor, ()))
        return []

    # -- walking --------------------------------------------------------------------------------------------

    def _tenants(self, dist: Res) -> list[Res]:
        """The distribution tenants of a multi-tenant distribution (``distributionId``, by value or dependency)."""
        ids = {norm(v) for v in strings([dist.props.get("id"), dist.props.get("arn")])}
        return [
            t
            for t in self.graph.of(k.DIST_TENANT_TYPES)
            if dist.urn in t.dep("distributionId") or {norm(v) for v in strings(t.props.get("distributionId"))} & ids
        ]

    def _origin_views(self, dist: Res, items: list[Any]) -> list[tuple[str, Any, Any, frozenset[int], tuple[str, ...]]]:
        """(hop, domain, VPC origin id, ports, extra dependencies) of every origin, once per tenant where a
        multi-tenant distribution's domain names a parameter (``{{name}}``, CloudFront SaaS Manager)."""
        tenants = self._tenants(dist) if dist.type in k.DIST_MULTITENANT_TYPES else []
        views = []
        for origin in items:
            oid = get(origin, "originId") or get(origin, "id")
            domain = get(origin, "domainName")
            vpc_origin = get(origin, "vpcOriginConfig", "vpcOriginId")
            ports = served_ports(get(origin, "customOriginConfig"))
            name = oid if isinstance(oid, str) and not is_unknown(oid) else "?"
            if isinstance(domain, str) and _PLACEHOLDER.search(domain) and not is_unknown(domain):
                for tenant in tenants:
                    value = substitute(domain, tenant_parameters(dist, tenant))
                    if value is None:
                        continue
                    shown = value if not is_unknown(value) else "domain not known yet"
                    hop = f"origin '{name}' ({shown}) of tenant '{tenant.name}'"
                    views.append((hop, value, vpc_origin, ports, tenant.dep("parameters")))
                continue
            lightsail = get(origin, "lightsailName")
            if lightsail is not None:  # a Lightsail distribution names its origin resource
                domain = lightsail
            shown = domain if isinstance(domain, str) and not is_unknown(domain) else "domain not known yet"
            views.append((f"origin '{name}' ({shown})", domain, vpc_origin, ports, ()))
        return views

    def distribution(self, dist: Res) -> bool:
        """Follow every origin of ``dist``; False when some origin cannot be determined at all."""
        items, deps = origins_of_distribution(dist)
        head = f"{k.noun(dist.type)} '{dist.name}'"
        undetermined = items is None
        unknown_hops: list[str] = []
        unknown_ports: frozenset[int] = frozenset()
        seen: set[str] = set()
        # Possible paths are followed after every certain one, so that a certain path to the same resource wins.
        maybes: list[tuple[Target, tuple[str, ...], frozenset[int], tuple[str, str]]] = []
        if any(not isinstance(origin, dict) for origin in items or []):
            undetermined = True
        for hop, domain, vpc_origin, ports, extra_deps in self._origin_views(
            dist, [o for o in items or [] if isinstance(o, dict)]
        ):
            if is_unknown(domain) or is_unknown(vpc_origin):
                undetermined = True
                unknown_hops.append(hop)
                unknown_ports |= ports
                deps = (*deps, *extra_deps)
            targets: list[Target] = (
                list(self.graph.by_value(vpc_origin, k.VPC_ORIGIN_TYPES)) if isinstance(vpc_origin, str) else []
            )
            possible: list[tuple[Target, tuple[str, str]]] = []
            if isinstance(domain, str) and not is_unknown(domain):
                targets += [t for t in self.by_domain(domain) if t not in targets]
                possible = self.possibly_by_domain(domain)
            for t in targets:
                self.follow(t, (head, hop), seen, ports)
            maybes += [(t, (head, hop), ports, why) for t, why in possible]
        if unknown_hops:
            maybes += [(e, (head, unknown_hops[0]), unknown_ports, why) for e, why in self._same_source(deps)]
        for t, chain, ports, why in maybes:
            self.follow_maybe(t, chain, seen, ports, why)
        # What the origins depend on and was not reached through a value: at preview, where the origins
        # whose domain is not known yet point (all of them, for want of a way to tell which is which).
        hop = unknown_hops[0] if len(unknown_hops) == 1 else "an origin (through its property dependencies)"
        for t in self.graph.by_deps(deps, _FOLLOW):
            if t.urn not in seen:
                self.follow(t, (head, hop), seen, unknown_ports)
        # Unknown and depending on nothing: only a lookup whose input is unknown gives that at preview.
        # Depending on something else only (an S3 bucket, an API) is an origin this pack does not judge.
        return not undetermined or bool(deps)

    def _same_source(self, deps: tuple[str, ...]) -> list[tuple[dns.Entry, tuple[str, str]]]:
        """Record sets whose name is not known yet and derives from a resource an origin's domain (not known yet
        either) derives from too: one generated name (a ``random`` pet, a stack output) may be both, so they are
        linked (a possible match; at up the values decide)."""
        wanted = set(deps)
        out = []
        for entry in self._unnamed:
            shared = [u for u in entry.name_deps if u in wanted]
            if shared:
                what = _urn_label(shared[0])
                why = (
                    f"the name of {entry.label} and an origin's domain both derive from {what}, not known yet, so "
                    "they may be the same name",
                    entry.res.urn,
                )
                out.append((entry, why))
        return out

    def follow_maybe(
        self, res: Target, chain: tuple[str, ...], seen: set[str], ports: frozenset[int], why: tuple[str, str]
    ) -> None:
        """Follow ``res``, whose every interface is then only *maybe* an origin (``why``), unless a certain
        path reaches it too."""
        outer = self._maybe
        self._maybe = outer or why
        try:
            self.follow(res, chain, seen, ports)
        finally:
            self._maybe = outer

    def follow(self, res: Target, chain: tuple[str, ...], seen: set[str], ports: frozenset[int]) -> None:
        if isinstance(res, dns.Entry):
            self.record(res, chain, seen, ports)
            return
        if res.type in k.RECORD_TYPES:  # reached through a dependency: every record set it holds
            for entry in self._entries_of.get(res.urn, ()):
                self.record(entry, chain, seen, ports)
            return
        if res.urn in seen:
            return
        seen.add(res.urn)
        hop = f"{k.noun(res.type)} '{res.name}'"
        self.reach(res, (*chain, hop))
        if res.type in k.EIP_TYPES:
            for t in self.net.eip_targets.get(res.urn, ()):
                self.follow(t, (*chain, hop), seen, ports)
        elif res.type in (k.LIGHTSAIL_STATIC_IP, k.LIGHTSAIL_STATIC_IP_ATTACHMENT):
            for t in self.lightsail.instances_of_address(res):
                self.follow(t, (*chain, hop), seen, ports)
        elif res.type in k.LIGHTSAIL_INSTANCE_TYPES:
            self.add(self.lightsail.instance(res), chain, True, ports)
        elif res.type in k.LIGHTSAIL_LB_TYPES:
            self.add(self.lightsail.load_balancer(res), chain, True, ports | _lightsail_ports(res))
            instance_port = _port(res.props.get("instancePort"), 0)
            for inst in self.lightsail.behind.get(res.urn, ()):
                here = (*chain, f"Lightsail load balancer '{res.name}'")
                self.add(self.lightsail.instance(inst), here, False, frozenset({instance_port} - {0}))
        elif res.type == k.LIGHTSAIL_CONTAINER_SERVICE:
            self.add(self.lightsail.container_service(res), chain, True, ports)
        elif res.type in k.VPC_ORIGIN_TYPES:
            config = get(res.props, "vpcOriginEndpointConfig")
            endpoint_ports = ports | served_ports(config)
            for t in self.graph.refs(
                get(config, "arn"), res.dep("vpcOriginEndpointConfig"), k.LB_TYPES | k.INSTANCE_TYPES
            ):
                self.follow(t, (*chain, hop), seen, endpoint_ports)
        elif res.type in k.LB_TYPES:
            self.load_balancer(res, chain, ports)
        elif res.type in k.INSTANCE_TYPES:
            self.instance(res, chain, None, ports)
        elif res.type in k.ENI_TYPES:
            owner = self.net.instance_of.get(res.urn)
            if owner is not None:
                self.instance(owner, chain, res.urn, ports)
            else:
                self.add(self.net.eni_interface(res), chain, True, ports)

    def record(self, entry: dns.Entry, chain: tuple[str, ...], seen: set[str], ports: frozenset[int]) -> None:
        """A record set: what its values name, by value and (what is not known yet) by dependency."""
        if entry.key in seen:
            return
        seen.add(entry.key)
        shown = next((n for n in entry.names if not n.endswith(".*")), "")
        here = (*chain, f"{entry.label} ({shown})" if shown else entry.label)
        self.reach(entry.res, here)
        targets: list[Target] = []
        possible: list[tuple[Target, tuple[str, str]]] = []
        for v in strings(list(entry.values)):
            targets += [t for t in self.by_domain(v) if t not in targets]
            possible += self.possibly_by_domain(v)
        by_deps = [t for t in self.graph.by_deps(entry.value_deps, _FOLLOW) if t not in targets]
        if entry.shared:
            # One of several record sets of a resource whose values depend on these resources together: a value
            # known names its target; a dependency may belong to another record set (only a possible match).
            unknown = any(is_unknown(v) for v in entry.values) or not entry.values
            why = (f"the values of {entry.label} are not known yet: it may point at any of them", entry.res.urn)
            possible += [(t, why) for t in by_deps] if unknown else []
        else:
            targets += by_deps
        for t in targets:
            self.follow(t, here, seen, ports)
        for t, why in possible:
            self.follow_maybe(t, here, seen, ports, why)

    def add(
        self,
        iface: Interface,
        chain: tuple[str, ...],
        reached: bool,
        ports: frozenset[int],
        certainty: Tri = Tri.YES,
        why: tuple[str, str] = ("", ""),
    ) -> None:
        if self._maybe is not None and certainty is Tri.YES:
            certainty, why = Tri.MAYBE, self._maybe
        if reached:
            iface = replace(iface, reach=(Tri.YES, Tri.YES))
        if iface.reach == (Tri.NO, Tri.NO):
            return
        chain = (*chain, iface.label)
        if certainty is Tri.YES:
            self.reach(iface.res, chain)
        current = self.units.get(iface.key)
        if current is None:
            self.units[iface.key] = Unit(iface, chain, certainty, why, ports=ports)
        else:  # reached again: the widest reach, every port, and the first certain path
            reach = (current.iface.reach[0] | iface.reach[0], current.iface.reach[1] | iface.reach[1])
            current.iface = replace(current.iface, reach=reach)
            current.ports = current.ports | ports
            if current.certainty is Tri.MAYBE and certainty is Tri.YES:
                current.chain, current.certainty, current.certainty_why = chain, certainty, why
                current.other_paths += 1
            elif current.chain != chain:
                current.other_paths += 1
        if certainty is Tri.YES:
            self.reached_yes.add(iface.key)

    def instance(self, inst: Res, chain: tuple[str, ...], reached_eni: str | None, ports: frozenset[int]) -> None:
        ifaces = self.net.instance_interfaces(inst)
        for i, iface in enumerate(ifaces):
            reached = iface.key == reached_eni if reached_eni is not None else i == 0
            self.add(iface, chain, reached, ports if reached else frozenset())

    def load_balancer(self, lb: Res, chain: tuple[str, ...], ports: frozenset[int]) -> None:
        """A load balancer on an origin chain: its own interface, judged on the ports CloudFront uses *and* every
        listener's port (another listener reaches the same application around CloudFront), and its targets."""
        iface, kind = self.net.lb_interface(lb)
        if kind == "gateway":
            return
        if not self._targets_built:
            self._build_targets()
        served = ports | self.listener_ports(lb)
        passthrough = kind == "network" and not iface.membership.named
        if not passthrough:
            self.add(iface, chain, True, served)
        else:
            hidden = self._clients_hidden(lb)
            if hidden is not None:
                self.add(hidden, chain, True, served)
        here = (*chain, iface.label if not passthrough else f"{iface.label} (no security groups: targets see clients)")
        for listener in self._listeners_of.get(lb.urn, ()):
            self.reach(listener, (*here, f"listener '{listener.name}'"))
        for target, hops, port in self.targets(lb):
            for tg in self._tgs_on_path(lb, hops):
                self.reach(tg, (*here, *hops))
            target_ports = frozenset() if port is None else frozenset({port})
            if target.type in k.LB_V2_TYPES:  # an ALB registered in an ``alb`` target group
                if target.urn not in self._in_lb:  # never around a cycle of malformed registrations
                    self._in_lb.add(target.urn)
                    try:
                        self._balancer_target(target, (*here, *hops), passthrough, port)
                    finally:
                        self._in_lb.discard(target.urn)
                continue
            for t_iface in self._target_interfaces(target):
                self.add(t_iface, (*here, *hops), passthrough, target_ports)

    def _balancer_target(self, alb: Res, chain: tuple[str, ...], passthrough: bool, port: int | None) -> None:
        """An Application Load Balancer behind a network load balancer (a target group of type ``alb``). Behind one
        without security groups it receives whatever reaches the NLB, so it is an origin of its own: its groups, its
        listeners' ports and its targets are judged as an origin load balancer's (an ``alb`` target group preserves
        clients' addresses, read as such by :func:`preservation_off`). Behind an NLB with groups, those groups
        filter first: the ALB counts only where the internet reaches it itself (internet-facing)
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html)."""
        ports = frozenset() if port is None else frozenset({port})
        if passthrough:
            self.load_balancer(alb, chain, ports)
            return
        iface, kind = self.net.lb_interface(alb)
        if kind == "gateway":
            return
        internal = _internal(alb)
        public = Tri.NO if internal is Tri.YES else Tri.MAYBE if internal is Tri.MAYBE else Tri.YES
        why = f"whether load balancer '{alb.name}' is internal"
        iface = replace(iface, reach=(public, public), reach_why=(why, why))
        self.add(iface, chain, False, ports | self.listener_ports(alb))

    def listener_ports(self, lb: Res) -> frozenset[int]:
        """Every port a load balancer listens on: its listener resources' (v2) or its own listeners' (Classic)."""
        if lb.type in k.LB_CLASSIC_TYPES:
            values = [get(item, "lbPort") for item in as_list(lb.props.get("listeners")) or []]
        else:
            values = [listener.props.get("port") for listener in self._listeners_of.get(lb.urn, ())]
        return frozenset(p for p in (_port(v, 0) for v in values) if 0 < p <= 65535)

    def _tgs_on_path(self, lb: Res, hops: tuple[str, ...]) -> list[Res]:
        return [tg for tg, tg_hops in self._tg_of_lb.get(lb.urn, ()) if hops[: len(tg_hops)] == tg_hops]

    def _clients_hidden(self, lb: Res) -> Interface | None:
        """An internet-facing network load balancer without security groups whose targets cannot tell clients
        apart: what reaches it reaches the application whatever the targets' groups say.

        With client IP preservation off, targets see the load balancer's private addresses, so their groups must
        admit those and then admit everyone the load balancer passes on: the whole internet, on every listener
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html
        #client-ip-preservation). Off is the default for IP targets over TCP or TLS, on for instance targets
        and for UDP, TCP_UDP, QUIC and TCP_QUIC. Even with it on, IPv6 clients of a dual-stack load balancer
        reach IPv4 targets from the load balancer's IPv4 address (same page). The proxy protocol header carries
        the client's address to the application, not to its security groups, so it changes nothing here.
        The rules written down here are what the load balancer then admits, per target group.
        """
        if _internal(lb) is Tri.YES:
            return None
        dualstack = str(lb.props.get("ipAddressType") or "").lower().startswith("dualstack")
        rules: list[Rule] = []
        for listener in self._listeners_of.get(lb.urn, ()):
            port = listener.props.get("port")
            for tg in self._forwarded(listener, "defaultActions"):
                hidden = preservation_off(tg)
                v6 = dualstack and _ipv4_targets(tg)
                cidrs: list[tuple[str, str]] = []
                certain = Tri.YES
                if hidden is not Tri.NO:
                    cidrs.append(("cidrBlocks", "0.0.0.0/0"))
                    certain = hidden
                if dualstack and (hidden is not Tri.NO or v6):
                    cidrs.append(("ipv6CidrBlocks", "::/0"))
                if not cidrs:
                    continue
                protocol = UNKNOWN if certain is Tri.MAYBE else "tcp"
                rule = _implicit_rule(tg, "preserveClientIp", protocol, port, tuple(cidrs))
                rules.append(replace(rule, unknown_as="client IP preservation (preserveClientIp, or the target type "
                                     "and protocol that decide its default)"))  # fmt: skip
        if not rules:
            return None
        key = f"nlb-open:{lb.urn}"
        label = (
            f"no security group (network load balancer '{lb.name}' has none, and its targets see its own addresses "
            "instead of clients')"
        )
        self.net.add_implicit_group(Group(key, label, None, None), rules)
        membership = Membership({key: Tri.YES}, named=True)
        return Interface(f"{lb.urn}#clients-hidden", f"load balancer '{lb.name}'", lb, membership)

    def _target_interfaces(self, target: Res) -> list[Interface]:
        if target.type in k.INSTANCE_TYPES:
            return self.net.instance_interfaces(target)
        if target.type in k.ENI_TYPES:
            return [self.net.eni_interface(target)]
        if target.type in k.ECS_SERVICE_TYPES:
            return self.net.service_interfaces(target)
        return [self.net.fleet_interface(target)]

    # -- what a load balancer forwards to ---------------------------------------------------------------------

    def _build_targets(self) -> None:
        g = self.graph
        self._tg_of_lb: dict[str, list[tuple[Res, tuple[str, ...]]]] = defaultdict(list)
        self._targets_of_tg: dict[str, list[tuple[Res, int | None]]] = defaultdict(list)
        self._targets_of_elb: dict[str, list[tuple[Res, int | None]]] = defaultdict(list)
        listeners_of: dict[str, list[Res]] = defaultdict(list)
        self._listeners_of = listeners_of
        for listener in g.of(k.LISTENER_TYPES):
            for lb in g.refs(listener.props.get("loadBalancerArn"), listener.dep("loadBalancerArn"), k.LB_V2_TYPES):
                listeners_of[lb.urn].append(listener)
        rules_of: dict[str, list[Res]] = defaultdict(list)
        for rule in g.of(k.LISTENER_RULE_TYPES):
            for listener in g.refs(rule.props.get("listenerArn"), rule.dep("listenerArn"), k.LISTENER_TYPES):
                rules_of[listener.urn].append(rule)
        for lb in g.of(k.LB_V2_TYPES):
            for listener in listeners_of.get(lb.urn, ()):
                hop = f"listener '{listener.name}'"
                for tg in self._forwarded(listener, "defaultActions"):
                    self._tg_of_lb[lb.urn].append((tg, (hop,)))
                for rule in rules_of.get(listener.urn, ()):
                    for tg in self._forwarded(rule, "actions"):
                        self._tg_of_lb[lb.urn].append((tg, (hop, f"listener rule '{rule.name}'")))
        # What a target group registers: instances, interfaces (by id or address), and an ALB (type ``alb``).
        compute = k.INSTANCE_TYPES | k.ENI_TYPES | k.FLEET_TYPES | k.LB_V2_TYPES
        for tg in g.of(k.TARGET_GROUP_TYPES):
            for lb in g.by_value(tg.props.get("loadBalancerArns"), k.LB_V2_TYPES):
                if all(t is not tg for t, _ in self._tg_of_lb[lb.urn]):
                    self._tg_of_lb[lb.urn].append((tg, ()))
        for tg in g.of({k.TARGET_GROUP_NATIVE}):  # aws-native registers its targets inline: targets[].id/.port
            for item in as_list(tg.props.get("targets")) or []:
                port = _port(get(item, "port"), 0) or None
                for t in g.by_value(get(item, "id"), compute):
                    self._targets_of_tg[tg.urn].append((t, port))
            for t in g.by_deps(tg.dep("targets"), compute):
                if all(x is not t for x, _ in self._targets_of_tg[tg.urn]):
                    self._targets_of_tg[tg.urn].append((t, None))
        for att in g.of(k.TARGET_ATTACHMENT_TYPES):
            targets = g.refs(att.props.get("targetId"), att.dep("targetId"), compute | k.LB_V2_TYPES)
            port = _port(att.props.get("port"), 0) or None
            for tg in g.refs(att.props.get("targetGroupArn"), att.dep("targetGroupArn"), k.TARGET_GROUP_TYPES):
                self._targets_of_tg[tg.urn].extend((t, port) for t in targets)
        for elb in g.of(k.LB_CLASSIC_TYPES):
            insts = g.refs(elb.props.get("instances"), elb.dep("instances"), k.INSTANCE_TYPES)
            self._targets_of_elb[elb.urn].extend((t, None) for t in insts)
        for att in g.of(k.ELB_ATTACHMENT_TYPES):
            insts = g.refs(att.props.get("instance"), att.dep("instance"), k.INSTANCE_TYPES)
            for elb in g.refs(att.props.get("elb"), att.dep("elb"), k.LB_CLASSIC_TYPES):
                self._targets_of_elb[elb.urn].extend((t, None) for t in insts)
        for fleet in g.of(k.FLEET_TYPES | k.ECS_SERVICE_TYPES):
            tgs: list[tuple[Res, int | None]]
            if fleet.type in k.FLEET_TYPES:
                tgs = [(asg_tg, None) for asg_tg in self._refs(fleet, "targetGroupArns", k.TARGET_GROUP_TYPES)]
                elbs = self._refs(fleet, "loadBalancers", k.LB_CLASSIC_TYPES)
                idents = [get(source, "identifier") for source in as_list(fleet.props.get("trafficSources")) or []]
                balancers = g.refs(idents, fleet.dep("trafficSources"), _BALANCERS)
            else:  # an ECS service: loadBalancers[] of {targetGroupArn | elbName, containerPort}
                tgs, elbs, balancers = [], [], []
                for item in as_list(fleet.props.get("loadBalancers")) or []:
                    port = _port(get(item, "containerPort"), 0) or None
                    tgs += [(tg, port) for tg in g.by_value(get(item, "targetGroupArn"), k.TARGET_GROUP_TYPES)]
                    elbs += g.by_value(get(item, "elbName"), k.LB_CLASSIC_TYPES)
                balancers = g.by_deps(fleet.dep("loadBalancers"), _BALANCERS)
            for tg, port in tgs:
                self._targets_of_tg[tg.urn].append((fleet, port))
            for b in elbs + balancers:
                self._fleet_behind(b, fleet)
        for att in g.of({k.ASG_ATTACHMENT, k.ASG_TRAFFIC_SOURCE}):
            asgs = self._refs(att, "autoscalingGroupName", k.ASG_TYPES)
            refs = [
                att.props.get("lbTargetGroupArn"),
                att.props.get("elb"),
                get(att.props, "trafficSource", "identifier"),
            ]
            for b in g.refs(refs, att.dep("lbTargetGroupArn", "elb", "trafficSource"), _BALANCERS):
                for asg in asgs:
                    self._fleet_behind(b, asg)
        self._targets_built = True

    def _refs(self, holder: Res, prop: str, types: frozenset[str]) -> list[Res]:
        return self.graph.refs(holder.props.get(prop), holder.dep(prop), types)

    def _fleet_behind(self, balancer: Res, fleet: Res) -> None:
        targets = self._targets_of_tg if balancer.type in k.TARGET_GROUP_TYPES else self._targets_of_elb
        if all(t is not fleet for t, _ in targets[balancer.urn]):
            targets[balancer.urn].append((fleet, None))

    def _forwarded(self, holder: Res, prop: str) -> list[Res]:
        """Target groups an action list forwards to (``targetGroupArn``, ``forward.targetGroups[].arn`` or
        aws-native's ``forwardConfig.targetGroups[].targetGroupArn``)."""
        arns: list[Any] = []
        for action in as_list(holder.props.get(prop)) or []:
            arns.append(get(action, "targetGroupArn"))
            arns.extend(get(t, "arn") for t in as_list(get(action, "forward", "targetGroups")) or [])
            # aws-native: forwardConfig.targetGroups[].targetGroupArn
            arns.extend(get(t, "targetGroupArn") for t in as_list(get(action, "forwardConfig", "targetGroups")) or [])
        return self.graph.refs(arns, holder.dep(prop), k.TARGET_GROUP_TYPES)

    def targets(self, lb: Res) -> list[tuple[Res, tuple[str, ...], int | None]]:
        """What ``lb`` forwards to (instances, interfaces, Auto Scaling groups, ECS services), each with the hops
        that lead there and the port it is served on (the attachment's, else the target group's)."""
        if not self._targets_built:
            self._build_targets()
        if lb.type in k.LB_CLASSIC_TYPES:
            # A Classic Load Balancer forwards to each listener's instancePort: its targets are served there.
            items = as_list(lb.props.get("listeners")) or []
            found = sorted({p for p in (_port(get(i, "instancePort"), 0) for i in items) if 0 < p <= 65535})
            instance_ports: list[int | None] = list(found) or [None]
            return [(t, (), port or p) for t, port in self._targets_of_elb.get(lb.urn, ()) for p in instance_ports]
        out: list[tuple[Res, tuple[str, ...], int | None]] = []
        for tg, hops in self._tg_of_lb.get(lb.urn, ()):
            tg_port = _port(tg.props.get("port"), 0) or None
            for t, port in self._targets_of_tg.get(tg.urn, ()):
                out.append((t, (*hops, f"target group '{tg.name}'"), port or tg_port))
        return out

    def everything_maybe(self, dists: Iterable[Res]) -> None:
        """A distribution's origins cannot be determined: every endpoint may be one of them."""
        names = ", ".join(f"'{d.name}'" for d in dists)
        for res in self.graph.of(_ENDPOINTS):
            if res.type in k.ENI_TYPES and res.urn in self.net.instance_of:
                continue
            why = (
                f"an origin of distribution {names} is not known yet and nothing in its dependencies names it",
                res.urn,
            )
            if res.type in k.LB_TYPES:
                iface, kind = self.net.lb_interface(res)
                ifaces = [] if kind == "gateway" or (kind == "network" and not iface.membership.named) else [iface]
            elif res.type in k.INSTANCE_TYPES:
                ifaces = self.net.instance_interfaces(res)[:1]
            else:
                ifaces = [self.net.eni_interface(res)]
            for iface in ifaces:
                if iface.key not in self.reached_yes:
                    chain = (f"distribution {names}", "an origin not known yet")
                    self.add(iface, chain, True, frozenset(), Tri.MAYBE, why)


def explore(graph: StackGraph, net: Network) -> tuple[list[Unit], dict[str, tuple[str, ...]]]:
    """Every interface reachable from the stack's CloudFront distributions, each with its chain, and every
    resource certainly on the way (URN -> the chain that reaches it)."""
    walker = _Walker(graph, net)
    undetermined = [d for d in graph.of(DISTRIBUTIONS) if not walker.distribution(d)]
    if undetermined:
        walker.everything_maybe(undetermined)
    return list(walker.units.values()), walker.reached


def discover(graph: StackGraph, net: Network) -> list[Unit]:
    """Every interface reachable from the stack's CloudFront distributions, each with its chain."""
    return explore(graph, net)[0]


def discover_each(graph: StackGraph, net: Network, dists: Iterable[Res]) -> Iterator[tuple[Res, list[Unit]]]:
    """The interfaces each of ``dists`` leads to on its own, one walk each over one shared index.

    For the audit, which judges an account one origin at a time (``dists`` may be copies of a distribution
    reduced to one origin, not in the graph): the records, listeners and targets are indexed once for all walks,
    which a :func:`discover` per origin would redo each time.
    """
    walker = _Walker(graph, net)
    for dist in dists:
        walker.units, walker.reached_yes = {}, set()
        if not walker.distribution(dist):
            walker.everything_maybe([dist])
        yield dist, list(walker.units.values())
