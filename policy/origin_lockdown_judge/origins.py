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

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from . import kinds as k
from .graph import StackGraph, norm
from .model import Res
from .network import Interface, Network
from .values import as_list, get, is_unknown, strings
from .world_cidr import Tri

_ENDPOINTS = k.LB_TYPES | k.INSTANCE_TYPES | frozenset({k.ENI})
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
    """The distribution's origin objects (``None`` if the list is unknown) and the URNs they depend on."""
    if dist.type == k.DIST_NATIVE:
        return as_list(get(dist.props, "distributionConfig", "origins")), dist.dep("distributionConfig")
    return as_list(dist.props.get("origins")), dist.dep("origins", "origin")


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
    """The fully qualified names a Route 53 record answers for (normalised).

    A name that does not end with its zone's name is relative to the zone, after any trailing dot is dropped
    (terraform-provider-aws, internal/service/route53 ``expandRecordName``). When the zone is not in the stack,
    a name with a trailing dot is taken as absolute, and any other both as written and as a prefix (``name.``).
    """
    fqdn = record.props.get("fqdn")
    if isinstance(fqdn, str) and fqdn and not is_unknown(fqdn):
        return [norm(fqdn)]
    name = record.props.get("name")
    if not isinstance(name, str) or is_unknown(name):
        return []
    zones = graph.refs(record.props.get("zoneId"), record.dep("zoneId"), k.ZONE_TYPES)
    zone_names = [norm(z) for zone in zones for z in strings(zone.props.get("name"))]
    written = norm(name)
    if zone_names:  # as the provider expands it (a trailing dot is dropped first)
        zone = zone_names[0]
        return [zone] if not written else [written if written.endswith(zone) else f"{written}.{zone}"]
    return [written] if name.strip().endswith(".") or not written else [written, f"{written}.*"]


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
        self._records: dict[str, list[Res]] = defaultdict(list)
        self._relative: list[tuple[str, Res]] = []
        for rec in graph.of(k.RECORD_TYPES):
            for n in record_names(graph, rec):
                if n.endswith(".*"):
                    self._relative.append((n[:-2], rec))
                else:
                    self._records[n].append(rec)
        # Every name that exists: each record's name and every name above it, and the stack's zones' names
        # (a zone's apex exists, so a parent zone's wildcard never answers below a zone cut it can see).
        self._existing: set[str] = set()
        zone_names = [norm(n) for zone in graph.of(k.ZONE_TYPES) for n in strings(zone.props.get("name"))]
        for n in [*self._records, *zone_names]:
            labels = n.split(".")
            self._existing.update(".".join(labels[i:]) for i in range(len(labels)))
        self._targets_built = False
        self._maybe: tuple[str, str] | None = None  # while following a possible match: why it is only possible

    # -- names ----------------------------------------------------------------------------------------------

    def by_domain(self, domain: str) -> list[Res]:
        """What a DNS name (or an address) points at directly: endpoints, Elastic IPs, records."""
        name = norm(domain)
        found = self.graph.by_value(domain, k.ADDRESSABLE - k.RECORD_TYPES)
        records = list(self._records.get(name, ()))
        if not records:
            records = self._wildcard(name)
        return found + [r for r in records if r not in found]

    def possibly_by_domain(self, domain: str) -> list[tuple[Res, tuple[str, str]]]:
        """Records that *may* answer for a name: relative names in a zone whose name is not known (at preview,
        a zone outside the stack), each with why it is only a possibility."""
        name = norm(domain)
        certain = self.by_domain(domain)
        return [
            (rec, (f"the zone of Route 53 record '{rec.name}' ({prefix}) is not known yet, so it may answer for "
                   f"{name}", rec.urn))
            for prefix, rec in self._relative
            if rec not in certain and _relative_match(prefix, name)
        ]  # fmt: skip

    def _wildcard(self, name: str) -> list[Res]:
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

    def distribution(self, dist: Res) -> bool:
        """Follow every origin of ``dist``; False when some origin cannot be determined at all."""
        items, deps = origins_of_distribution(dist)
        head = f"distribution '{dist.name}'"
        undetermined = items is None
        unknown_hops: list[str] = []
        unknown_ports: frozenset[int] = frozenset()
        seen: set[str] = set()
        # Possible paths are followed after every certain one, so that a certain path to the same resource wins.
        maybes: list[tuple[Res, tuple[str, ...], frozenset[int], tuple[str, str]]] = []
        for origin in items or []:
            if not isinstance(origin, dict):
                undetermined = True
                continue
            oid = get(origin, "originId") or get(origin, "id")
            domain = get(origin, "domainName")
            vpc_origin = get(origin, "vpcOriginConfig", "vpcOriginId")
            shown = domain if isinstance(domain, str) and not is_unknown(domain) else "domain not known yet"
            hop = f"origin '{oid if isinstance(oid, str) and not is_unknown(oid) else '?'}' ({shown})"
            ports = served_ports(get(origin, "customOriginConfig"))
            if is_unknown(domain) or is_unknown(vpc_origin):
                undetermined = True
                unknown_hops.append(hop)
                unknown_ports |= ports
            targets = self.graph.by_value(vpc_origin, k.VPC_ORIGIN_TYPES) if isinstance(vpc_origin, str) else []
            possible: list[tuple[Res, tuple[str, str]]] = []
            if isinstance(domain, str) and not is_unknown(domain):
                targets += [t for t in self.by_domain(domain) if t not in targets]
                possible = self.possibly_by_domain(domain)
            for t in targets:
                self.follow(t, (head, hop), seen, ports)
            maybes += [(t, (head, hop), ports, why) for t, why in possible]
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

    def follow_maybe(
        self, res: Res, chain: tuple[str, ...], seen: set[str], ports: frozenset[int], why: tuple[str, str]
    ) -> None:
        """Follow ``res``, whose every interface is then only *maybe* an origin (``why``), unless a certain
        path reaches it too."""
        outer = self._maybe
        self._maybe = outer or why
        try:
            self.follow(res, chain, seen, ports)
        finally:
            self._maybe = outer

    def follow(self, res: Res, chain: tuple[str, ...], seen: set[str], ports: frozenset[int]) -> None:
        if res.urn in seen:
            return
        seen.add(res.urn)
        hop = f"{k.noun(res.type)} '{res.name}'"
        if res.type in k.RECORD_TYPES:
            names = record_names(self.graph, res)
            shown = next((n for n in names if not n.endswith(".*")), "")
            here = (*chain, f"{hop} ({shown})" if shown else hop)
            values: list[Any] = [get(a, "name") for a in as_list(res.props.get("aliases")) or []]
            values += as_list(res.props.get("records")) or []
            targets: list[Res] = []
            possible: list[tuple[Res, tuple[str, str]]] = []
            for v in strings(values):
                targets += [t for t in self.by_domain(v) if t not in targets]
                possible += self.possibly_by_domain(v)
            deps = res.dep("aliases", "records")
            targets += [t for t in self.graph.by_deps(deps, _FOLLOW) if t not in targets]
            for t in targets:
                self.follow(t, here, seen, ports)
            for t, why in possible:
                self.follow_maybe(t, here, seen, ports, why)
        elif res.type in k.EIP_TYPES:
            for t in self.net.eip_targets.get(res.urn, ()):
                self.follow(t, (*chain, hop), seen, ports)
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
        elif res.type == k.ENI:
            owner = self.net.instance_of.get(res.urn)
            if owner is not None:
                self.instance(owner, chain, res.urn, ports)
            else:
                self.add(self.net.eni_interface(res), chain, True, ports)

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
        iface, kind = self.net.lb_interface(lb)
        if kind == "gateway":
            return
        passthrough = kind == "network" and not iface.membership.named
        if not passthrough:
            self.add(iface, chain, True, ports)
        here = (*chain, iface.label if not passthrough else f"{iface.label} (no security groups: targets see clients)")
        for target, hops, port in self.targets(lb):
            for t_iface in self._target_interfaces(target):
                self.add(t_iface, (*here, *hops), passthrough, frozenset() if port is None else frozenset({port}))

    def _target_interfaces(self, target: Res) -> list[Interface]:
        if target.type in k.INSTANCE_TYPES:
            return self.net.instance_interfaces(target)
        if target.type == k.ENI:
            return [self.net.eni_interface(target)]
        if target.type == k.ECS_SERVICE:
            return self.net.service_interfaces(target)
        return [self.net.fleet_interface(target)]

    # -- what a load balancer forwards to ---------------------------------------------------------------------

    def _build_targets(self) -> None:
        g = self.graph
        self._tg_of_lb: dict[str, list[tuple[Res, tuple[str, ...]]]] = defaultdict(list)
        self._targets_of_tg: dict[str, list[tuple[Res, int | None]]] = defaultdict(list)
        self._targets_of_elb: dict[str, list[tuple[Res, int | None]]] = defaultdict(list)
        listeners_of: dict[str, list[Res]] = defaultdict(list)
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
        compute = k.INSTANCE_TYPES | frozenset({k.ENI})
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
            targets = g.refs(att.props.get("targetId"), att.dep("targetId"), compute)
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
        for fleet in g.of({k.ASG, k.ECS_SERVICE}):
            tgs: list[tuple[Res, int | None]]
            if fleet.type == k.ASG:
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
            asgs = self._refs(att, "autoscalingGroupName", frozenset({k.ASG}))
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
            return [(t, (), port) for t, port in self._targets_of_elb.get(lb.urn, ())]
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
            if res.type == k.ENI and res.urn in self.net.instance_of:
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


def discover(graph: StackGraph, net: Network) -> list[Unit]:
    """Every interface reachable from the stack's CloudFront distributions, each with its chain."""
    walker = _Walker(graph, net)
    undetermined = [d for d in graph.of(k.DIST_TYPES) if not walker.distribution(d)]
    if undetermined:
        walker.everything_maybe(undetermined)
    return list(walker.units.values())


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
