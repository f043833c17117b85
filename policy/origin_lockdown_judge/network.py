"""Where security groups land: group identities, VPCs, subnets, network interfaces and public addresses.

A *group* is what AWS sees as one security group, whatever the stack calls it: a ``SecurityGroup`` resource;
a VPC's default group (managed through ``DefaultSecurityGroup``, named through ``Vpc.defaultSecurityGroupId``
or applied by AWS to an interface that names no group); or a group the stack does not create but names by
id or by name, so that a rule in the stack and an origin naming the same id are judged together.

An *interface* is one network interface (an ENI, a load balancer's nodes, the instances of an Auto Scaling
group) with the groups on it and whether the internet reaches it over IPv4 and IPv6. Everything is
three-valued (:class:`~.world_cidr.Tri`): at preview a value may not be known yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import kinds as k
from .graph import StackGraph, norm
from .model import Res
from .rules import INGRESS, Rule
from .values import as_list, get, is_unknown, strings
from .world_cidr import Tri

DEFAULT_VPC = "vpc:default"  # the account's default VPC, when the stack does not manage it


def tri_flag(value: Any) -> Tri:
    """A boolean property (``True``/``"true"``) as Tri; unset is ``NO``, not known yet is ``MAYBE``."""
    if is_unknown(value):
        return Tri.MAYBE
    if isinstance(value, str):
        return Tri.YES if value.strip().lower() == "true" else Tri.NO
    return Tri.YES if value is True else Tri.NO


def _count(value: Any) -> Tri:
    """An address count or list property: ``YES`` if it asks for at least one address."""
    if is_unknown(value):
        return Tri.MAYBE
    if isinstance(value, list | tuple):
        return Tri.YES if value else Tri.NO  # an address not known yet is still an address
    try:
        return Tri.YES if value is not None and float(value) > 0 else Tri.NO
    except (TypeError, ValueError):
        return Tri.NO


def _ipv6(holder: Res, addresses: Any, subnet_assigns: Tri) -> Tri:
    """Whether an interface has an IPv6 address (IPv6 addresses are global: no separate public address)."""
    if isinstance(addresses, list):
        return Tri.YES if addresses else Tri.NO  # the provider's output (or the program's own list): decisive
    set_by_program = Tri.MAYBE if is_unknown(addresses) and holder.dep("ipv6Addresses") else Tri.NO
    count = holder.props.get("ipv6AddressCount")
    if is_unknown(count) and holder.provider_default("ipv6AddressCount"):
        count = None  # left to the provider: the subnet decides (``subnet_assigns``)
    return set_by_program | _count(count) | subnet_assigns


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    label: str  # "security group 'origin-sg'"
    res: Res | None  # None: not a resource of this stack
    vpc: str | None  # VPC key; None when not known


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A group reference that may be any group (of one VPC, if known): a lookup not known yet."""

    vpc: str | None
    why: str
    urn: str


@dataclass(slots=True)
class Membership:
    """The groups a property names: each ``YES`` (named) or ``MAYBE`` (may be), plus open-ended lookups."""

    members: dict[str, Tri] = field(default_factory=dict)
    why: dict[str, tuple[str, str]] = field(default_factory=dict)  # MAYBE member -> (reason, URN to blame)
    wildcards: list[Wildcard] = field(default_factory=list)
    named: bool = False  # names any group at all (if not, AWS applies the VPC's default group)

    def add(self, key: str, tri: Tri, why: tuple[str, str] | None = None) -> None:
        if tri is Tri.NO:
            return
        if self.members.get(key) is Tri.YES:
            return
        self.members[key] = tri
        if tri is Tri.MAYBE and why is not None:
            self.why[key] = why
        elif tri is Tri.YES:
            self.why.pop(key, None)

    def merge(self, other: Membership) -> None:
        for key, tri in other.members.items():
            self.add(key, tri, other.why.get(key))
        self.wildcards.extend(w for w in other.wildcards if w not in self.wildcards)
        self.named = self.named or other.named


@dataclass(slots=True)
class Interface:
    """One network interface and the groups on it."""

    key: str  # identity (URN of the ENI, instance, load balancer or Auto Scaling group)
    label: str  # "load balancer 'web'", "network interface 'eni' of instance 'vm'"
    res: Res | None  # None: a group not in the stack, judged on its own
    membership: Membership
    reach: tuple[Tri, Tri] = (Tri.YES, Tri.YES)  # reachable from the internet over IPv4, IPv6
    reach_why: tuple[str, str] = ("", "")  # what is not known when MAYBE
    vpc: str | None = None


class Network:
    """Group identities and interfaces of one stack (built once, shared by every policy)."""

    def __init__(self, graph: StackGraph) -> None:
        self.graph = graph
        self.groups: dict[str, Group] = {}
        self._group_keys: dict[str, str] = {}
        defaults = graph.of({k.VPC_DEFAULT})
        self.default_vpc = defaults[0].urn if defaults else DEFAULT_VPC
        self._default_ids: dict[str, str] = {}
        for vpc in graph.of(k.VPC_TYPES):
            for v in strings(vpc.props.get("defaultSecurityGroupId")):
                self._default_ids[norm(v)] = self.default_group(vpc.urn)
        self._sg_names: dict[str, list[Res]] = defaultdict(list)
        for sg in graph.of(k.SG_TYPES):
            self.group_of(sg)
            for v in strings(sg.props.get("groupName" if sg.type == k.SG_NATIVE else "name")):
                self._sg_names[v].append(sg)
        self._link_interfaces()
        self.implicit_rules: dict[str, list[Rule]] = {}
        for elb in graph.of(k.LB_CLASSIC_TYPES):
            self._classic_default_group(elb)

    # -- VPCs and subnets ------------------------------------------------------------------------------------

    def vpc_key(self, holder: Res, prop: str) -> str | None:
        """The VPC a property names: a VPC resource's URN, ``vpc:<id>`` for another one, ``None`` if unknown."""
        value = holder.props.get(prop)
        if value is None or value == "":
            return self.default_vpc
        if isinstance(value, str) and not is_unknown(value):
            found = self.graph.by_value(value, k.VPC_TYPES)
            return found[0].urn if found else f"vpc:{norm(value)}"
        found = self.graph.by_deps(holder.dep(prop), k.VPC_TYPES)
        return found[0].urn if len(found) == 1 else None

    def maybe_default_vpc(self, vpc: str | None) -> bool:
        """Could ``vpc`` be the default VPC? Only a VPC this stack creates (``aws:ec2/vpc``) never is."""
        if vpc is None or not vpc.startswith("urn:"):
            return True
        res = self.graph.by_urn.get(vpc)
        return res is not None and res.type == k.VPC_DEFAULT

    def vpc_label(self, vpc: str | None) -> str:
        if vpc is None:
            return "a VPC not known yet"
        if vpc == DEFAULT_VPC:
            return "the default VPC"
        res = self.graph.by_urn.get(vpc)
        return f"VPC '{res.name}'" if res is not None else f"VPC {vpc.removeprefix('vpc:')}"

    def subnets(
        self, holder: Res, prop: str, value: Any = None, deps: tuple[str, ...] | None = None
    ) -> tuple[list[Res], bool]:
        """The subnets a property names (``value``/``deps`` override its own), and whether all are known."""
        raw = holder.props.get(prop) if value is None else value
        items = as_list(raw)
        if items is not None:
            items = [v for v in items if v != ""]
        found = self.graph.by_value(items or [], k.SUBNET_TYPES)
        by_deps = self.graph.by_deps(holder.dep(prop) if deps is None else deps, k.SUBNET_TYPES)
        for s in by_deps:
            if s not in found:
                found.append(s)
        if items is None:
            return found, bool(by_deps)
        known = [v for v in items if isinstance(v, str) and not is_unknown(v)]
        unknown = [v for v in items if is_unknown(v)]
        complete = len(self.graph.by_value(known, k.SUBNET_TYPES)) >= len(known) and len(by_deps) >= len(unknown)
        return found, complete

    def subnet_vpc(self, subnet: Res) -> str | None:
        if subnet.type == k.SUBNET_DEFAULT:
            return self.default_vpc
        return self.vpc_key(subnet, "vpcId")

    def vpc_of_subnets(self, subnets: list[Res], complete: bool) -> str | None:
        vpcs = {self.subnet_vpc(s) for s in subnets}
        return vpcs.pop() if len(vpcs) == 1 and complete else None

    # -- groups ----------------------------------------------------------------------------------------------

    def _register(self, group: Group) -> str:
        """Record a group; the resource that manages a group replaces a placeholder of the same key."""
        if group.res is not None or group.key not in self.groups:
            self.groups[group.key] = group
        return group.key

    def group_of(self, sg: Res) -> str:
        """The key of the group a ``SecurityGroup`` (or ``DefaultSecurityGroup``) resource manages."""
        known = self._group_keys.get(sg.urn)
        if known is not None:
            return known
        key = self._group_key(sg)
        self._group_keys[sg.urn] = key
        return key

    def _group_key(self, sg: Res) -> str:
        vpc = self.vpc_key(sg, "vpcId")
        if sg.type == k.SG_DEFAULT and vpc is not None:
            label = f"security group '{sg.name}' (the default group of {self.vpc_label(vpc)})"
            return self._register(Group(f"default:{vpc}", label, sg, vpc))
        return self._register(Group(sg.urn, f"security group '{sg.name}'", sg, vpc))

    def default_ids(self) -> dict[str, str]:
        """Every default group id a VPC of the stack outputs (normalised) -> that group's key."""
        return dict(self._default_ids)

    def default_group(self, vpc: str) -> str:
        key = f"default:{vpc}"
        if key not in self.groups:
            self._register(Group(key, f"the default security group of {self.vpc_label(vpc)}", None, vpc))
        return key

    def group_by_id(self, value: str) -> str:
        """The group a known id (or ARN) names: one of the stack's, a VPC's default group, or another one."""
        found = self.graph.by_value(value, k.SG_TYPES)
        if found:
            return self.group_of(found[0])
        default = self._default_ids.get(norm(value))
        if default is not None:
            return default
        key = f"id:{norm(value)}"
        self._register(Group(key, f"security group {value.strip()} (not created in this stack)", None, None))
        return key

    def groups_by_name(self, name: str) -> list[str]:
        """Groups a *name* selects: names only select groups of the default VPC (EC2 API, ``GroupName``)."""
        keys = [
            self.group_of(sg)
            for sg in self._sg_names.get(name, ())
            if self.maybe_default_vpc(self.vpc_key(sg, "vpcId"))
        ]
        if name == "default":
            keys.append(self.default_group(self.default_vpc))
        if not keys:
            key = f"name:{name}"
            self._register(Group(key, f"security group named '{name}' (not created in this stack)", None, None))
            keys.append(key)
        return keys

    def resolve_ids(
        self, holder: Res, prop: str, what: str, scalar: bool = False, value: Any = None, vpc: str | None = None
    ) -> Membership:
        """The groups a property of ids names (``value`` overrides the property's own value, for nested ones)."""
        raw = holder.props.get(prop) if value is None else value
        items = as_list(raw)
        deps = holder.dep(prop)
        m = Membership()
        if items is None:  # the whole value is unknown
            if not deps and not scalar and not holder.set_by_program(prop):
                return m  # unset, computed by the provider: names no group (rules._inline explains why)
            m.named = True
            self._from_deps(m, holder, deps, what, scalar, None, vpc)
            return m
        unknown = 0
        for v in items:
            if v is None or v == "":
                continue
            m.named = True
            if is_unknown(v):
                unknown += 1
            elif isinstance(v, str):
                m.add(self.group_by_id(v), Tri.YES)
        if unknown:
            self._from_deps(m, holder, deps, what, scalar, unknown, vpc)
        return m

    def _from_deps(
        self,
        m: Membership,
        holder: Res,
        deps: tuple[str, ...],
        what: str,
        scalar: bool,
        unknown: int | None,
        vpc: str | None,
    ) -> None:
        """Groups named by values not known yet, decided from the property's dependencies.

        A dependency on a security group is that group. A dependency on a VPC alone is the VPC's default
        group (``defaultSecurityGroupId`` is the only group a VPC outputs). A value with no dependency that
        explains it comes from a lookup: pulumi's output-form invokes return an unknown *without*
        dependencies at preview when one of their inputs is unknown (pulumi/runtime/invoke.py), so it may be
        any group.
        """
        sgs = self.graph.by_deps(deps, k.SG_TYPES)
        vpcs = self.graph.by_deps(deps, k.VPC_TYPES) if not sgs else []
        explained = len(sgs) + len(vpcs)
        several = scalar and explained > 1
        why = (f"{what} is not known yet and depends on several groups", holder.urn)
        for sg in sgs:
            m.add(self.group_of(sg), Tri.MAYBE if several else Tri.YES, why)
        for v in vpcs:
            m.add(self.default_group(v.urn), Tri.MAYBE if several else Tri.YES, why)
        if explained == 0 or (unknown is not None and unknown > explained):
            m.wildcards.append(
                Wildcard(vpc, f"{what} is not known yet and comes from a lookup (no dependency names it)", holder.urn)
            )

    def resolve_names(self, holder: Res, prop: str, what: str, value: Any = None) -> Membership:
        raw = holder.props.get(prop) if value is None else value
        items = as_list(raw)
        m = Membership()
        if items is None:
            if holder.dep(prop) or holder.set_by_program(prop):
                m.named = True
                m.wildcards.append(Wildcard(self.default_vpc, f"{what} is not known yet", holder.urn))
            return m
        for v in items:
            if is_unknown(v):
                m.named = True
                m.wildcards.append(Wildcard(self.default_vpc, f"{what} is not known yet", holder.urn))
            elif isinstance(v, str) and v:
                m.named = True
                for key in self.groups_by_name(v):
                    m.add(key, Tri.YES)
        return m

    def resolve_mixed(self, holder: Res, prop: str, what: str) -> Membership:
        """A list of ids *or* names (a launch configuration's ``securityGroups``)."""
        items = as_list(holder.props.get(prop))
        ids = [v for v in items or [] if isinstance(v, str) and (v.startswith("sg-") or is_unknown(v))]
        m = self.resolve_ids(holder, prop, what, value=ids if items is not None else None)
        for name in items or []:
            if isinstance(name, str) and name and name not in ids:
                m.named = True
                for key in self.groups_by_name(name):
                    m.add(key, Tri.YES)
        return m

    def default_membership(self, vpc: str | None, holder: Res, what: str) -> Membership:
        """What AWS applies to an interface that names no group: the default group of *its own* VPC."""
        m = Membership(named=False)
        if vpc is not None:
            m.add(self.default_group(vpc), Tri.YES)
            return m
        why = (f"the VPC of {what} is not known yet, so neither is the default group AWS applies", holder.urn)
        for group in list(self.groups.values()):
            if group.key.startswith("default:"):
                m.add(group.key, Tri.MAYBE, why)
        return m

    # -- interfaces ------------------------------------------------------------------------------------------

    def _link_interfaces(self) -> None:
        """Index attachments: ENIs to instances, extra groups to interfaces, Elastic IPs to their targets."""
        g = self.graph
        self.enis_of: dict[str, list[tuple[Res, bool]]] = defaultdict(list)  # instance URN -> (ENI, primary)
        self.instance_of: dict[str, Res] = {}  # ENI URN -> instance
        self.extra_groups: dict[str, list[Res]] = defaultdict(list)  # ENI/instance URN -> SG attachments
        self.addresses: dict[str, list[Res]] = defaultdict(list)  # ENI/instance URN -> Elastic IPs
        self.eip_targets: dict[str, list[Res]] = defaultdict(list)  # EIP URN -> instances / ENIs

        def attach(instance: Res, eni: Res, primary: bool) -> None:
            if all(e is not eni for e, _ in self.enis_of[instance.urn]):
                self.enis_of[instance.urn].append((eni, primary))
            self.instance_of[eni.urn] = instance

        for inst in g.of(k.INSTANCE_TYPES):
            primary = get(inst.props, "primaryNetworkInterface", "networkInterfaceId")
            for eni in g.refs(primary, inst.dep("primaryNetworkInterface"), k.ENI_TYPES):
                attach(inst, eni, True)
            for item in as_list(inst.props.get("networkInterfaces")) or []:
                index = str(get(item, "deviceIndex"))
                for eni in g.refs(get(item, "networkInterfaceId"), (), k.ENI_TYPES):
                    attach(inst, eni, index in ("0", "0.0"))
        for inst in g.of(k.INSTANCE_TYPES):  # a launch template may attach existing ENIs (networkInterfaceId)
            for lt in self._templates(inst):
                for item in as_list(lt.props.get("networkInterfaces")) or []:
                    value = get(item, "networkInterfaceId")
                    deps = lt.dep("networkInterfaces") if is_unknown(value) else ()
                    for eni in g.refs(value, deps, k.ENI_TYPES):
                        attach(inst, eni, str(get(item, "deviceIndex")) in ("0", "0.0", "None"))
        for eni in g.of(k.ENI_TYPES):
            for item in as_list(eni.props.get("attachments")) or []:
                for inst in g.refs(get(item, "instance"), (), k.INSTANCE_TYPES):
                    attach(inst, eni, str(get(item, "deviceIndex")) in ("0", "0.0"))
        for att in g.of(k.ENI_ATTACHMENT_TYPES):
            insts = g.refs(att.props.get("instanceId"), att.dep("instanceId"), k.INSTANCE_TYPES)
            for eni in g.refs(att.props.get("networkInterfaceId"), att.dep("networkInterfaceId"), k.ENI_TYPES):
                for inst in insts:
                    attach(inst, eni, str(att.props.get("deviceIndex")) in ("0", "0.0"))
        for att in g.of({k.ENI_SG_ATTACHMENT}):
            for target in self._nic_targets(att, "networkInterfaceId"):
                self.extra_groups[target.urn].append(att)
        for eip in g.of(k.EIP_TYPES):
            targets = g.refs(
                [eip.props.get("instance"), eip.props.get("instanceId")],
                eip.dep("instance", "instanceId"),
                k.INSTANCE_TYPES,
            ) + self._nic_targets(eip, "networkInterface")
            self._bind_eip(eip, targets)
        for lb in g.of(k.LB_V2_TYPES):  # a network load balancer's static addresses: subnetMappings[].allocationId
            mappings = as_list(lb.props.get("subnetMappings")) or []
            eips = g.refs([get(m, "allocationId") for m in mappings], lb.dep("subnetMappings"), k.EIP_TYPES)
            for eip in eips:
                self._bind_eip(eip, [lb])
        for assoc in g.of(k.EIP_ASSOCIATION_TYPES):
            eips = g.refs(
                [assoc.props.get(p) for p in ("allocationId", "publicIp", "eip")],
                assoc.dep("allocationId", "publicIp", "eip"),
                k.EIP_TYPES,
            )
            targets = g.refs(assoc.props.get("instanceId"), assoc.dep("instanceId"), k.INSTANCE_TYPES)
            targets += self._nic_targets(assoc, "networkInterfaceId")
            for eip in eips:
                self._bind_eip(eip, targets)

    def _nic_targets(self, holder: Res, prop: str) -> list[Res]:
        """What a network-interface id names: an ENI resource, or an instance (its primary interface's id)."""
        value, deps = holder.props.get(prop), holder.dep(prop)
        found = self.graph.refs(value, deps, k.ENI_TYPES)
        if not found:
            found = self.graph.refs(value, deps, k.INSTANCE_TYPES)
        return found

    def _bind_eip(self, eip: Res, targets: Iterable[Res]) -> None:
        for t in targets:
            if all(x is not t for x in self.eip_targets[eip.urn]):
                self.eip_targets[eip.urn].append(t)
            if all(x is not eip for x in self.addresses[t.urn]):
                self.addresses[t.urn].append(eip)

    def _extra(self, *urns: str) -> Membership:
        m = Membership()
        for urn in urns:
            for att in self.extra_groups.get(urn, ()):
                m.merge(
                    self.resolve_ids(att, "securityGroupId", f"securityGroupId of attachment '{att.name}'", scalar=True)
                )
        return m

    def eni_interface(self, eni: Res) -> Interface:
        """An ENI resource: its groups (or its VPC's default group) and how the internet reaches it itself."""
        subnets, complete = self.subnets(eni, "subnetId")
        vpc = self.vpc_of_subnets(subnets, complete)
        what = f"network interface '{eni.name}'"
        m = self.resolve_ids(eni, "securityGroups", f"securityGroups of {what}", vpc=vpc)
        if not m.named:
            m = self.default_membership(vpc, eni, what)
        m.merge(self._extra(eni.urn))
        owner = self.instance_of.get(eni.urn)
        label = f"{what} of {k.noun(owner.type)} '{owner.name}'" if owner is not None else what
        # Only an instance's primary interface gets an automatic public IPv4 address; any other needs an EIP.
        v4 = Tri.YES if self.addresses.get(eni.urn) else Tri.NO
        v6 = _ipv6(eni, eni.props.get("ipv6Addresses"), Tri.NO)
        why = (f"whether {what} gets a public IPv4 address", f"whether {what} gets an IPv6 address")
        return Interface(eni.urn, label, eni, m, (v4, v6), why, vpc)

    def instance_interfaces(self, inst: Res) -> list[Interface]:
        """Every interface of an instance, its primary one first, each with how the internet reaches it."""
        enis = self.enis_of.get(inst.urn, [])
        primary_eni = next((e for e, primary in enis if primary), None)
        if primary_eni is not None:
            primary = self.eni_interface(primary_eni)
            primary.membership.merge(self._extra(inst.urn))
        else:
            primary = self._instance_primary(inst)
        primary.reach, primary.reach_why = self._instance_reach(inst, primary_eni)
        return [primary] + [self.eni_interface(eni) for eni, is_primary in enis if not is_primary]

    def _instance_primary(self, inst: Res) -> Interface:
        what = f"{k.noun(inst.type)} '{inst.name}'"
        nic, nic_holder, nic_what = self._launch_nic(inst)
        subnet_value = inst.props.get("subnetId")
        if subnet_value in (None, "") and nic is not None and get(nic, "subnetId") not in (None, ""):
            subnets, complete = self.subnets(nic_holder, "networkInterfaces", [get(nic, "subnetId")])
            vpc: str | None = self.vpc_of_subnets(subnets, complete)
        elif subnet_value in (None, ""):
            vpc = self.default_vpc
        else:
            subnets, complete = self.subnets(inst, "subnetId")
            vpc = self.vpc_of_subnets(subnets, complete)
        if inst.type == k.INSTANCE_NATIVE:
            m = self.resolve_ids(inst, "securityGroupIds", f"securityGroupIds of {what}", vpc=vpc)
        else:
            m = self.resolve_ids(inst, "vpcSecurityGroupIds", f"vpcSecurityGroupIds of {what}", vpc=vpc)
        m.merge(self.resolve_names(inst, "securityGroups", f"securityGroups of {what}"))
        if not m.named and nic is not None:  # the groups of the interface it launches with (and only those)
            key = "groupSet" if nic_holder is inst else "securityGroups"
            m = self.resolve_ids(nic_holder, "networkInterfaces", f"{key} of {nic_what}", value=get(nic, key) or [])
        elif not m.named:  # a template without interfaces: its own groups apply when the instance names none
            for lt in self._templates(inst):
                m.merge(self._template_level_groups(lt, vpc))
        if not m.named:
            m = self.default_membership(vpc, inst, what)
        m.merge(self._extra(inst.urn))
        return Interface(inst.urn, what, inst, m, vpc=vpc)

    def _templates(self, holder: Res) -> list[Res]:
        """The launch templates an instance, Auto Scaling group or fleet launches from (by id or name)."""
        specs = [
            get(holder.props, "launchTemplate"),
            get(holder.props, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification"),
            *(as_list(holder.props.get("launchTemplates")) or []),  # a fleet's (shapes.py)
        ]
        keys = ("id", "name", "launchTemplateId", "launchTemplateName")
        refs = [get(spec, key) for spec in specs if spec for key in keys]
        deps = holder.dep("launchTemplate", "mixedInstancesPolicy", "launchTemplates")
        return self.graph.refs(refs, deps, k.LAUNCH_TEMPLATE_TYPES)

    def _template_groups(self, lt: Res, vpc: str | None) -> Membership:
        """The groups a launch template puts on the instances it launches (its interfaces' or its own)."""
        lt_what = f"launch template '{lt.name}'"
        m = Membership()
        for nic in as_list(lt.props.get("networkInterfaces")) or []:
            m.merge(
                self.resolve_ids(
                    lt,
                    "networkInterfaces",
                    f"networkInterfaces[].securityGroups of {lt_what}",
                    value=get(nic, "securityGroups") or [],
                )
            )
        m.merge(self._template_level_groups(lt, vpc))
        return m

    def _template_level_groups(self, lt: Res, vpc: str | None) -> Membership:
        """A launch template's own groups (``vpcSecurityGroupIds``, ``securityGroupNames``)."""
        lt_what = f"launch template '{lt.name}'"
        m = self.resolve_ids(lt, "vpcSecurityGroupIds", f"vpcSecurityGroupIds of {lt_what}", vpc=vpc)
        m.merge(self.resolve_names(lt, "securityGroupNames", f"securityGroupNames of {lt_what}"))
        return m

    def _launch_nic(self, inst: Res) -> tuple[Any, Res, str]:
        """The primary interface an instance is launched with when it is described rather than attached:
        aws-native's ``networkInterfaces[]`` entry of device 0 without a ``networkInterfaceId``, or else the
        device-0 (first) interface of its launch template. ``(None, inst, "")`` when there is none."""
        if inst.type == k.INSTANCE_NATIVE:
            for item in as_list(inst.props.get("networkInterfaces")) or []:
                if str(get(item, "deviceIndex")) in ("0", "0.0") and get(item, "networkInterfaceId") in (None, ""):
                    return item, inst, f"networkInterfaces[0] of instance '{inst.name}'"
        for lt in self._templates(inst):
            nics = [
                n
                for n in as_list(lt.props.get("networkInterfaces")) or []
                if isinstance(n, dict) and get(n, "networkInterfaceId") in (None, "")  # an attached ENI: linked
            ]
            first = [n for n in nics if str(get(n, "deviceIndex")) in ("0", "0.0", "None")] or nics
            if first:
                return first[0], lt, f"networkInterfaces[0] of launch template '{lt.name}'"
        return None, inst, ""

    def _instance_reach(self, inst: Res, primary_eni: Res | None) -> tuple[tuple[Tri, Tri], tuple[str, str]]:
        """Whether the internet reaches an instance itself (not through its load balancer), per family."""
        what = f"{k.noun(inst.type)} '{inst.name}'"
        eips = self.addresses.get(inst.urn, []) + (self.addresses.get(primary_eni.urn, []) if primary_eni else [])
        public_ip = inst.props.get("publicIp")
        if eips:
            v4 = Tri.YES
        elif isinstance(public_ip, str) and not is_unknown(public_ip):
            v4 = Tri.YES if public_ip else Tri.NO  # known after the instance exists: decisive
        elif primary_eni is not None:
            v4 = Tri.NO  # launched with an existing interface: AWS assigns no public address to it
        elif inst.props.get("associatePublicIpAddress") is not None and not (
            is_unknown(inst.props["associatePublicIpAddress"]) and inst.provider_default("associatePublicIpAddress")
        ):  # left to the provider (unknown at preview), the launch interface or the subnet decides
            v4 = tri_flag(inst.props["associatePublicIpAddress"])
        elif (nic := self._launch_nic(inst)[0]) is not None and get(nic, "associatePublicIpAddress") is not None:
            v4 = tri_flag(get(nic, "associatePublicIpAddress"))
        elif inst.props.get("subnetId") in (None, ""):
            v4 = Tri.YES  # the default VPC's subnets map public IPv4 addresses
        else:
            v4 = self._subnets_flag(inst, "subnetId", "mapPublicIpOnLaunch")
        if inst.props.get("subnetId") in (None, ""):
            assigns = Tri.NO  # the default VPC's subnets assign no IPv6 address unless someone changes them
        else:
            assigns = self._subnets_flag(inst, "subnetId", "assignIpv6AddressOnCreation")
        v6 = _ipv6(inst, inst.props.get("ipv6Addresses"), assigns)
        return (v4, v6), (f"whether {what} gets a public IPv4 address", f"whether {what} gets an IPv6 address")

    def _subnets_flag(self, holder: Res, prop: str, flag: str, value: Any = None) -> Tri:
        """``flag`` over the subnets a property names: YES if any sets it, NO if all known ones do not."""
        subnets, complete = self.subnets(holder, prop, value)
        result = Tri.NO if complete else Tri.MAYBE
        for s in subnets:
            if s.type == k.SUBNET_DEFAULT and flag == "mapPublicIpOnLaunch" and s.props.get(flag) is None:
                result = result | Tri.YES
            else:
                result = result | tri_flag(s.props.get(flag))
        return result

    def lb_interface(self, lb: Res) -> tuple[Interface, str]:
        """A load balancer's interface and its kind (``application``, ``network``, ``gateway``, ``classic``)."""
        what = f"load balancer '{lb.name}'"
        if lb.type in k.LB_CLASSIC_TYPES:
            kind = "classic"
        else:
            raw = lb.props.get("type" if lb.type == k.LB_NATIVE else "loadBalancerType")
            kind = raw if isinstance(raw, str) and not is_unknown(raw) else "application"
        vpc = self._lb_vpc(lb)
        m = self.resolve_ids(lb, "securityGroups", f"securityGroups of {what}", vpc=vpc)
        implicit = f"elb-default:{lb.urn}"
        if implicit in self.implicit_rules:
            m.add(implicit, Tri.YES)
        elif not m.named and kind in ("application", "classic"):
            m = self.default_membership(vpc, lb, what)
        return Interface(lb.urn, what, lb, m, vpc=vpc), kind

    def add_implicit_group(self, group: Group, rules: list[Rule]) -> None:
        """A group the stack does not hold, with the rules AWS gives it (written down by the judge)."""
        self._register(group)
        self.implicit_rules[group.key] = rules

    def _classic_default_group(self, elb: Res) -> None:
        """A Classic Load Balancer created through the API in the *default* VPC without groups gets the
        ``default_elb_*`` group, which Elastic Load Balancing creates with rules that allow all traffic on the
        load balancer's listener ports (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/
        elb-vpc-security-groups.html). It is not in the stack, so its rules are written down here."""
        if self.resolve_ids(elb, "securityGroups", "").named or self._lb_vpc(elb) != self.default_vpc:
            return
        key = f"elb-default:{elb.urn}"
        label = f"the default_elb security group Elastic Load Balancing creates for load balancer '{elb.name}'"
        self._register(Group(key, label, None, self.default_vpc))
        rules = []
        for i, listener in enumerate(as_list(elb.props.get("listeners")) or []):
            port = get(listener, "lbPort")
            rules.append(
                Rule(
                    owner=elb,
                    where=f"listeners[{i}]",
                    direction=INGRESS,
                    protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidrs=(("cidrBlocks", "0.0.0.0/0"),),
                    unknown_cidr_lists=(),
                    prefix_lists=(),
                    prefix_lists_unknown=False,
                    prefix_list_deps=(),
                    peer_groups=0,
                    target_prop="",
                )
            )
        self.implicit_rules[key] = rules

    def _lb_vpc(self, lb: Res) -> str | None:
        value = lb.props.get("vpcId")
        if isinstance(value, str) and value and not is_unknown(value):
            return self.vpc_key(lb, "vpcId")
        mappings = as_list(lb.props.get("subnetMappings")) or []
        listed = (as_list(lb.props.get("subnets")) or []) + [get(m, "subnetId") for m in mappings]
        deps = lb.dep("subnets", "subnetMappings")
        if not listed and lb.props.get("subnets") is None and not deps:
            return self.default_vpc  # no subnets at all: a Classic Load Balancer in the default VPC
        return self.vpc_of_subnets(*self.subnets(lb, "subnets", listed, deps))

    def container_instances(self, svc: Res) -> list[Res]:
        """The Auto Scaling groups whose instances run an ECS service's tasks (bridge or host networking)."""
        g = self.graph
        strategy = (
            "capacityProviderStrategies" if "capacityProviderStrategies" in svc.props else "capacityProviderStrategy"
        )
        names = [get(item, "capacityProvider") for item in as_list(svc.props.get(strategy)) or []]
        providers = g.refs(names, svc.dep(strategy), k.ECS_CAPACITY_PROVIDER_TYPES)
        if not providers:
            clusters = g.refs(svc.props.get("cluster"), svc.dep("cluster"), k.ECS_CLUSTER_TYPES)
            for cluster in clusters:  # aws-native's cluster holds its providers itself
                providers += g.refs(cluster.props.get("capacityProviders"), cluster.dep("capacityProviders"),
                                    k.ECS_CAPACITY_PROVIDER_TYPES)  # fmt: skip
            for assoc in g.of(k.ECS_CLUSTER_PROVIDERS_TYPES):
                named = g.refs([assoc.props.get("clusterName"), assoc.props.get("cluster")],
                               assoc.dep("clusterName", "cluster"), k.ECS_CLUSTER_TYPES)  # fmt: skip
                if any(c in clusters for c in named):
                    providers += g.refs(assoc.props.get("capacityProviders"), assoc.dep("capacityProviders"),
                                        k.ECS_CAPACITY_PROVIDER_TYPES)  # fmt: skip
        asgs: list[Res] = []
        for provider in providers:
            arn = get(provider.props, "autoScalingGroupProvider", "autoScalingGroupArn")
            for asg in g.refs(arn, provider.dep("autoScalingGroupProvider"), k.ASG_TYPES):
                if asg not in asgs:
                    asgs.append(asg)
        return asgs

    def fleet_interface(self, asg: Res) -> Interface:
        """The instances an Auto Scaling group (or a fleet) launches, from its launch templates, configuration or
        inline specifications."""
        what = f"{k.noun(asg.type)} '{asg.name}'"
        g = self.graph
        templates = self._templates(asg)
        configs = g.refs(
            asg.props.get("launchConfiguration"), asg.dep("launchConfiguration"), k.LAUNCH_CONFIGURATION_TYPES
        )
        subnets_value = asg.props.get("vpcZoneIdentifiers")
        subnets, complete = self.subnets(asg, "vpcZoneIdentifiers")
        vpc = self.vpc_of_subnets(subnets, complete) if subnets_value else self.default_vpc
        m = Membership()
        v4, v6 = Tri.NO, Tri.NO
        public_flags: list[Tri] = []
        for lt in templates:
            m.merge(self._template_groups(lt, vpc))
            for nic in as_list(lt.props.get("networkInterfaces")) or []:
                public_flags.append(
                    tri_flag(get(nic, "associatePublicIpAddress"))
                    if get(nic, "associatePublicIpAddress") is not None
                    else Tri.MAYBE
                )
                v6 = v6 | _count(get(nic, "ipv6AddressCount")) | _count(get(nic, "ipv6Addresses"))
            what = f"{what} (launch template '{lt.name}')"
        for lc in configs:
            m.merge(self.resolve_mixed(lc, "securityGroups", f"securityGroups of launch configuration '{lc.name}'"))
            flag = lc.props.get("associatePublicIpAddress")
            public_flags.append(tri_flag(flag) if flag is not None else Tri.MAYBE)
            what = f"{what} (launch configuration '{lc.name}')"
        specs = as_list(asg.props.get("launchSpecifications"))
        if specs is None:  # a fleet's inline specifications, not known yet: any group, any address
            m.named = True
            m.wildcards.append(Wildcard(vpc, f"launchSpecifications of {what} is not known yet", asg.urn))
            public_flags.append(Tri.MAYBE)
            v6 = v6 | Tri.MAYBE
        for i, spec in enumerate(specs or []):
            spec_m, flag, spec_v6 = self._inline_spec(asg, i, spec, vpc)
            m.merge(spec_m)
            public_flags.append(flag)
            v6 = v6 | spec_v6
        if not m.named:
            m = self.default_membership(vpc, asg, what)
        subnet_public = (
            self._subnets_flag(asg, "vpcZoneIdentifiers", "mapPublicIpOnLaunch") if subnets_value else Tri.YES
        )
        for flag in public_flags or [Tri.MAYBE]:
            v4 = v4 | (subnet_public if flag is Tri.MAYBE else flag)
        if subnets_value:
            v6 = v6 | self._subnets_flag(asg, "vpcZoneIdentifiers", "assignIpv6AddressOnCreation")
        if not templates and not configs and specs == []:
            v4, v6 = Tri.MAYBE, Tri.MAYBE
        why = (f"whether the instances of {what} get a public IPv4 address", "whether they get an IPv6 address")
        return Interface(asg.urn, f"the instances of {what}", asg, m, (v4, v6), why, vpc)

    def _inline_spec(self, fleet: Res, i: int, spec: Any, vpc: str | None) -> tuple[Membership, Tri, Tri]:
        """A fleet's inline launch specification: its groups (or its device-0 interface's), whether its instances
        get a public IPv4 address (``MAYBE``: the subnet decides) and an IPv6 address."""
        what = f"launchSpecifications[{i}] of {k.noun(fleet.type)} '{fleet.name}'"
        m = self.resolve_ids(
            fleet, "launchSpecifications", f"securityGroups of {what}", value=get(spec, "securityGroups") or [], vpc=vpc
        )
        nics = [n for n in as_list(get(spec, "networkInterfaces")) or [] if isinstance(n, dict)]
        first = next((n for n in nics if str(get(n, "deviceIndex")) in ("0", "0.0", "None")), nics[0] if nics else None)
        if not m.named and first is not None:
            m = self.resolve_ids(
                fleet,
                "launchSpecifications",
                f"networkInterfaces[0].securityGroups of {what}",
                value=get(first, "securityGroups") or [],
                vpc=vpc,
            )
        flag = get(spec, "associatePublicIpAddress")
        if flag is None and first is not None:
            flag = get(first, "associatePublicIpAddress")
        v6 = _count(get(spec, "ipv6AddressCount")) | _count(get(spec, "ipv6Addresses"))
        for nic in nics:
            v6 = v6 | _count(get(nic, "ipv6AddressCount")) | _count(get(nic, "ipv6Addresses"))
        return m, tri_flag(flag) if flag is not None else Tri.MAYBE, v6

    def service_interfaces(self, svc: Res) -> list[Interface]:
        """The tasks of an ECS service with ``awsvpc`` networking (each task has its own interface).

        Without a network configuration (bridge or host networking) the tasks answer on their container
        instances' interfaces: the Auto Scaling groups of the capacity providers the service's strategy names, or
        else its cluster's (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html).
        Container instances that join a cluster by their own configuration (user data) are not seen from it.
        """
        config = svc.props.get("networkConfiguration")
        if not isinstance(config, dict):
            return [self.fleet_interface(asg) for asg in self.container_instances(svc)]
        what = f"the tasks of {k.noun(svc.type)} '{svc.name}'"
        subnets_value = get(config, "subnets")
        subnets, complete = self.subnets(svc, "networkConfiguration", subnets_value or [])
        vpc = self.vpc_of_subnets(subnets, complete)
        m = self.resolve_ids(
            svc, "networkConfiguration", f"networkConfiguration.securityGroups of {k.noun(svc.type)} '{svc.name}'",
            value=get(config, "securityGroups") or [], vpc=vpc,
        )  # fmt: skip
        if not m.named:
            m = self.default_membership(vpc, svc, what)
        # Tasks get a public IPv4 address only with assignPublicIp (the subnet's own setting does not apply).
        v4 = tri_flag(get(config, "assignPublicIp"))
        v6 = self._subnets_flag(svc, "networkConfiguration", "assignIpv6AddressOnCreation", subnets_value or [])
        why = (f"whether {what} get a public IPv4 address", f"whether {what} get an IPv6 address")
        return [Interface(svc.urn, what, svc, m, (v4, v6), why, vpc)]
