"""Amazon Lightsail: instances behind their own firewall, and load balancers and container services without one.

Lightsail resources do not use security groups. What admits traffic is written down here as rules of groups the
stack does not hold (:meth:`.network.Network.add_implicit_group`), so that the same union judges them:

* An instance's firewall is its ``InstancePublicPorts`` (``portInfos[]`` of ``{protocol, fromPort, toPort, cidrs,
  ipv6Cidrs}``), which replaces every rule (PutInstancePublicPorts "closes all currently open ports that are not
  included": https://docs.aws.amazon.com/lightsail/2016-11-28/api-reference/API_PutInstancePublicPorts.html).
  Without one the instance keeps its default firewall, which opens SSH and HTTP, and HTTPS or RDP depending on
  the blueprint, to everyone (https://docs.aws.amazon.com/lightsail/latest/userguide/understanding-firewall-and-
  port-mappings-in-amazon-lightsail.html): read as 22, 80, 443 and 3389 open to all of IPv4 and IPv6 (fail closed).
  Reach: ``ipAddressType`` ``dualstack`` (the default), ``ipv4`` or ``ipv6``.
* A load balancer has no firewall: it admits everyone on its ``publicPorts`` (80, and 443 with a certificate;
  read as both when not known) and forwards to the instances attached to it (``LbAttachment``) on
  ``instancePort``; those instances are reachable themselves through their public addresses.
* A container service's public endpoint (``url``) admits everyone on 443 (and 80, which redirects).

References are by name (``instanceName``, ``lbName``, ``staticIpName``) or by address.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import kinds as k
from .graph import StackGraph
from .model import Res
from .network import Group, Interface, Membership, Network
from .rules import INGRESS, Rule, entry_rule
from .values import as_list, get, is_unknown
from .world_cidr import Tri

_DEFAULT_PORTS = (22, 80, 443, 3389)
_WORLD = (("cidrBlocks", "0.0.0.0/0"), ("ipv6CidrBlocks", "::/0"))


def _reach(res: Res) -> tuple[Tri, Tri]:
    kind = res.props.get("ipAddressType")
    if is_unknown(kind):
        return Tri.MAYBE, Tri.MAYBE
    kind = str(kind or "dualstack").lower()
    return (Tri.NO if kind == "ipv6" else Tri.YES), (Tri.NO if kind == "ipv4" else Tri.YES)


def _open_rule(owner: Res, where: str, port: Any) -> Rule:
    return Rule(
        owner=owner,
        where=where,
        direction=INGRESS,
        protocol="tcp",
        from_port=port,
        to_port=port,
        cidrs=_WORLD,
        unknown_cidr_lists=(),
        prefix_lists=(),
        prefix_lists_unknown=False,
        prefix_list_deps=(),
        peer_groups=0,
        target_prop="",
    )


class Lightsail:
    """Lightsail's interfaces of one stack, built on first use."""

    def __init__(self, graph: StackGraph, net: Network) -> None:
        self.graph = graph
        self.net = net
        self.ports_of: dict[str, list[Res]] = defaultdict(list)  # instance URN -> InstancePublicPorts
        for ports in graph.of({k.LIGHTSAIL_PUBLIC_PORTS}):
            for inst in self._named(ports, "instanceName", k.LIGHTSAIL_INSTANCE_TYPES):
                self.ports_of[inst.urn].append(ports)
        self.behind: dict[str, list[Res]] = defaultdict(list)  # load balancer URN -> instances
        for att in graph.of({k.LIGHTSAIL_LB_ATTACHMENT}):
            insts = self._named(att, "instanceName", k.LIGHTSAIL_INSTANCE_TYPES)
            for lb in self._named(att, "lbName", k.LIGHTSAIL_LB_TYPES):
                self.behind[lb.urn] += insts

    def _named(self, holder: Res, prop: str, types: frozenset[str]) -> list[Res]:
        return self.graph.refs(holder.props.get(prop), holder.dep(prop), types)

    def instances_of_address(self, res: Res) -> list[Res]:
        """The instances a static IP (or its attachment) is attached to."""
        if res.type == k.LIGHTSAIL_STATIC_IP_ATTACHMENT:
            return self._named(res, "instanceName", k.LIGHTSAIL_INSTANCE_TYPES)
        out: list[Res] = []
        for att in self.graph.of({k.LIGHTSAIL_STATIC_IP_ATTACHMENT}):
            if res in self._named(att, "staticIpName", frozenset({k.LIGHTSAIL_STATIC_IP})):
                out += [i for i in self._named(att, "instanceName", k.LIGHTSAIL_INSTANCE_TYPES) if i not in out]
        return out

    def instance(self, inst: Res) -> Interface:
        """An instance and its firewall."""
        key = f"lightsail-firewall:{inst.urn}"
        rules: list[Rule] = []
        for ports in self.ports_of.get(inst.urn, ()):
            infos = as_list(ports.props.get("portInfos"))
            if infos is None:
                rules.append(_open_rule(ports, "portInfos[*]", None))  # not known yet: any port, anyone
                continue
            for i, info in enumerate(infos):
                entry = {
                    "protocol": get(info, "protocol"),
                    "fromPort": get(info, "fromPort"),
                    "toPort": get(info, "toPort"),
                    "cidrBlocks": get(info, "cidrs"),
                    "ipv6CidrBlocks": get(info, "ipv6Cidrs"),
                }
                rules.append(entry_rule(ports, f"portInfos[{i}]", entry))
        if not self.ports_of.get(inst.urn):
            rules = [_open_rule(inst, f"default firewall (tcp {p})", p) for p in _DEFAULT_PORTS]
        label = f"the firewall of Lightsail instance '{inst.name}'"
        self.net.add_implicit_group(Group(key, label, None, None), rules)
        what = f"Lightsail instance '{inst.name}'"
        why = (f"the address type of {what}", f"the address type of {what}")
        return Interface(inst.urn, what, inst, Membership({key: Tri.YES}, named=True), _reach(inst), why)

    def load_balancer(self, lb: Res) -> Interface:
        """A load balancer: everyone, on every public port."""
        key = f"lightsail-lb:{lb.urn}"
        ports = as_list(lb.props.get("publicPorts"))
        wanted = [p for p in ports or [] if not is_unknown(p)] or [80, 443]
        rules = [_open_rule(lb, "publicPorts", p) for p in wanted]
        label = f"no firewall (a Lightsail load balancer admits everyone on its public ports, '{lb.name}' included)"
        self.net.add_implicit_group(Group(key, label, None, None), rules)
        return Interface(
            lb.urn, f"Lightsail load balancer '{lb.name}'", lb, Membership({key: Tri.YES}, named=True), _reach(lb)
        )

    def container_service(self, svc: Res) -> Interface:
        key = f"lightsail-containers:{svc.urn}"
        rules = [_open_rule(svc, "url", p) for p in (80, 443)]
        label = (
            f"no firewall (the public endpoint of a Lightsail container service admits everyone, '{svc.name}' included)"
        )
        self.net.add_implicit_group(Group(key, label, None, None), rules)
        return Interface(
            svc.urn, f"Lightsail container service '{svc.name}'", svc, Membership({key: Tri.YES}, named=True)
        )


def lightsail_origins(dist: Res) -> tuple[list[Any] | None, tuple[str, ...]]:
    """A Lightsail distribution's one origin (``origin: {name, regionName, protocolPolicy}``), as a CloudFront
    origin whose target is named by ``lightsailName``."""
    origin = dist.props.get("origin")
    if is_unknown(origin):
        return None, dist.dep("origin")
    if not isinstance(origin, dict):
        return [], ()
    policy = get(origin, "protocolPolicy")
    config = {"originProtocolPolicy": policy or "match-viewer", "httpPort": 80, "httpsPort": 443}
    name = get(origin, "name")
    return [{"originId": name, "lightsailName": name, "customOriginConfig": config}], dist.dep("origin")
