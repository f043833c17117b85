"""Where groups land: group identities, VPCs, subnets, interfaces and whether the internet reaches them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.graph import StackGraph
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import DEFAULT_VPC, Membership, Network, Wildcard, tri_flag
from origin_lockdown_judge.world_cidr import Tri

Y, M, N = Tri.YES, Tri.MAYBE, Tri.NO


class Stack:
    """Resources in stack order; ``net()`` builds the Network over them."""

    def __init__(self) -> None:
        self.items: list[Res] = []

    def add(self, rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
        r = Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))
        self.items.append(r)
        return r

    def net(self) -> Network:
        return Network(StackGraph.build(self.items))


def base() -> tuple[Stack, dict[str, Res]]:
    s = Stack()
    vpc = s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1", defaultSecurityGroupId="sg-default-1")
    other = s.add("aws:ec2/vpc:Vpc", "other", id="vpc-2", defaultSecurityGroupId="sg-default-2")
    pub = s.add(
        "aws:ec2/subnet:Subnet", "pub", {"vpcId": (vpc.urn,)}, id="subnet-pub", vpcId="vpc-1", mapPublicIpOnLaunch=True
    )
    priv = s.add("aws:ec2/subnet:Subnet", "priv", {"vpcId": (vpc.urn,)}, id="subnet-priv", vpcId="vpc-1")
    v6 = s.add("aws:ec2/subnet:Subnet", "v6", id="subnet-v6", vpcId="vpc-1", assignIpv6AddressOnCreation=True)
    far = s.add("aws:ec2/subnet:Subnet", "far", id="subnet-far", vpcId="vpc-2")
    sg = s.add(k.SG_AWS, "web", {"vpcId": (vpc.urn,)}, id="sg-web", name="web", vpcId="vpc-1")
    return s, {r.name: r for r in (vpc, other, pub, priv, v6, far, sg)}


# -- small helpers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, Y), ("true", Y), (" TRUE ", Y), (False, N), ("false", N), (None, N), (1, N), (UNKNOWN, M)],
)
def test_tri_flag(value: object, expected: Tri) -> None:
    assert tri_flag(value) is expected


def test_membership_add_and_merge() -> None:
    m = Membership()
    m.add("a", M, ("why a", "urn:a"))
    m.add("a", Y)  # YES wins and forgets the doubt
    m.add("b", M, ("why b", "urn:b"))
    m.add("c", N)
    m.add("a", M, ("again", "urn:x"))  # never downgraded
    assert m.members == {"a": Y, "b": M} and m.why == {"b": ("why b", "urn:b")}
    other = Membership({"b": Y, "d": M}, {"d": ("why d", "")}, [Wildcard(None, "w", "u")], named=True)
    m.merge(other)
    m.merge(other)
    assert m.members == {"a": Y, "b": Y, "d": M} and m.why == {"d": ("why d", "")}
    assert m.wildcards == [Wildcard(None, "w", "u")] and m.named


# -- VPCs and subnets ----------------------------------------------------------------------------------------


def test_vpc_keys() -> None:
    s, r = base()
    s.add(k.SG_AWS, "unset")
    s.add(k.SG_AWS, "empty", vpcId="")
    s.add(k.SG_AWS, "external", vpcId="VPC-9 ")
    s.add(k.SG_AWS, "by-dep", {"vpcId": (r["net"].urn,)}, vpcId=UNKNOWN)
    s.add(k.SG_AWS, "two-deps", {"vpcId": (r["net"].urn, r["other"].urn)}, vpcId=UNKNOWN)
    s.add(k.SG_AWS, "lookup", vpcId=UNKNOWN)
    net = s.net()
    got = {x.name: net.vpc_key(x, "vpcId") for x in s.items if x.type == k.SG_AWS}
    assert got == {
        "web": r["net"].urn,
        "unset": DEFAULT_VPC,
        "empty": DEFAULT_VPC,
        "external": "vpc:vpc-9",
        "by-dep": r["net"].urn,
        "two-deps": None,
        "lookup": None,
    }


def test_the_default_vpc_resource_is_the_default_vpc() -> None:
    s = Stack()
    default = s.add(k.VPC_DEFAULT, "default", id="vpc-d", defaultSecurityGroupId="sg-d")
    sg = s.add(k.SG_AWS, "unset")
    net = s.net()
    assert net.default_vpc == default.urn and net.vpc_key(sg, "vpcId") == default.urn
    assert net.maybe_default_vpc(default.urn)
    assert net.group_by_id("sg-d") == f"default:{default.urn}"
    assert net.vpc_label(default.urn) == "VPC 'default'"


def test_maybe_default_and_labels() -> None:
    s, r = base()
    net = s.net()
    assert net.maybe_default_vpc(None) and net.maybe_default_vpc(DEFAULT_VPC) and net.maybe_default_vpc("vpc:vpc-9")
    assert not net.maybe_default_vpc(r["net"].urn)
    assert not net.maybe_default_vpc("urn:pulumi:dev::p::aws:ec2/vpc:Vpc::gone")
    assert net.vpc_label(None) == "a VPC not known yet"
    assert net.vpc_label(DEFAULT_VPC) == "the default VPC"
    assert net.vpc_label(r["net"].urn) == "VPC 'net'"
    assert net.vpc_label("vpc:vpc-9") == "VPC vpc-9"


def test_subnets_and_their_vpc() -> None:
    s, r = base()
    lb = s.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "lb",
        {"subnets": (r["priv"].urn,)},
        subnets=["subnet-pub", UNKNOWN],
    )
    ext = s.add("aws:lb/loadBalancer:LoadBalancer", "ext", subnets=["subnet-pub", "subnet-elsewhere"])
    few = s.add("aws:lb/loadBalancer:LoadBalancer", "few", subnets=[UNKNOWN, UNKNOWN])
    whole = s.add("aws:lb/loadBalancer:LoadBalancer", "whole", {"subnets": (r["pub"].urn,)}, subnets=UNKNOWN)
    lost = s.add("aws:lb/loadBalancer:LoadBalancer", "lost", subnets=UNKNOWN)
    mixed = s.add("aws:lb/loadBalancer:LoadBalancer", "mixed", subnets=["subnet-pub", "subnet-far"])
    default = s.add(k.SUBNET_DEFAULT, "dflt", id="subnet-dflt")
    net = s.net()
    names = lambda found: [x.name for x in found]  # noqa: E731
    found, complete = net.subnets(lb, "subnets")
    assert (names(found), complete) == (["pub", "priv"], True)
    assert net.vpc_of_subnets(found, complete) == r["net"].urn
    found, complete = net.subnets(ext, "subnets")
    assert (names(found), complete) == (["pub"], False)
    assert net.vpc_of_subnets(found, complete) is None  # one subnet is not known: its VPC neither
    assert net.subnets(few, "subnets") == ([], False)
    assert (names(net.subnets(whole, "subnets")[0]), net.subnets(whole, "subnets")[1]) == (["pub"], True)
    assert net.subnets(lost, "subnets") == ([], False)
    found, complete = net.subnets(mixed, "subnets")
    assert complete and net.vpc_of_subnets(found, complete) is None  # two VPCs
    assert net.subnets(lb, "subnets", ["subnet-far"])[0] == [r["far"], r["priv"]]  # a value given instead
    assert net.subnet_vpc(default) == DEFAULT_VPC and net.subnet_vpc(r["far"]) == r["other"].urn


# -- groups --------------------------------------------------------------------------------------------------


def test_group_identities() -> None:
    s, r = base()
    dsg = s.add(k.SG_DEFAULT, "dsg", {"vpcId": (r["net"].urn,)}, vpcId=UNKNOWN)
    unknown_vpc = s.add(k.SG_DEFAULT, "dsg-lost", vpcId=UNKNOWN)
    native = s.add(k.SG_NATIVE, "nsg", groupId="sg-n", groupName="native", vpcId="vpc-2")
    net = s.net()
    assert net.group_of(r["web"]) == r["web"].urn
    assert net.groups[r["web"].urn].label == "security group 'web'" and net.groups[r["web"].urn].res is r["web"]
    assert net.groups[r["web"].urn].vpc == r["net"].urn
    key = net.group_of(dsg)
    assert key == f"default:{r['net'].urn}" and net.group_of(dsg) == key
    assert (
        net.groups[key].label == "security group 'dsg' (the default group of VPC 'net')" and net.groups[key].res is dsg
    )
    assert net.groups[key].vpc == r["net"].urn
    assert net.group_of(unknown_vpc) == unknown_vpc.urn
    assert net.group_by_id("sg-default-1") == key  # the VPC's defaultSecurityGroupId is that group
    other = net.group_by_id("sg-default-2")
    assert other == f"default:{r['other'].urn}"
    assert net.groups[other].label == "the default security group of VPC 'other'" and net.groups[other].res is None
    assert net.group_by_id("sg-n") == native.urn
    assert net.group_by_id(" SG-X ") == "id:sg-x"
    assert net.groups["id:sg-x"].label == "security group SG-X (not created in this stack)"
    assert net.default_group(DEFAULT_VPC) == f"default:{DEFAULT_VPC}"
    assert net.groups[f"default:{DEFAULT_VPC}"].label == "the default security group of the default VPC"


def test_a_managed_group_replaces_a_placeholder_of_the_same_key() -> None:
    s = Stack()
    vpc = s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1", defaultSecurityGroupId="sg-d")
    dsg = s.add(k.SG_DEFAULT, "dsg", vpcId="vpc-1")
    net = s.net()  # the VPC's default group is registered first (no resource), then the resource's
    assert net.groups[f"default:{vpc.urn}"].res is dsg
    net.default_group(vpc.urn)
    assert net.groups[f"default:{vpc.urn}"].res is dsg


def test_groups_by_name_select_the_default_vpc_only() -> None:
    s, r = base()
    s.add(k.SG_AWS, "in-default", name="shared")
    s.add(k.SG_AWS, "in-created", {"vpcId": (r["net"].urn,)}, name="shared", vpcId="vpc-1")
    s.add(k.SG_AWS, "in-external", name="ext", vpcId="vpc-9")
    s.add(k.SG_NATIVE, "native", groupName="nat")
    net = s.net()
    by_name = lambda n: [net.groups[key].label for key in net.groups_by_name(n)]  # noqa: E731
    assert by_name("shared") == ["security group 'in-default'"]
    assert by_name("ext") == ["security group 'in-external'"]  # may be the default VPC: not ruled out
    assert by_name("nat") == ["security group 'native'"]
    assert by_name("web") == ["security group named 'web' (not created in this stack)"]  # created in vpc-1
    assert net.groups_by_name("default") == [f"default:{DEFAULT_VPC}"]


def m_of(m: Membership) -> tuple[dict[str, Tri], list[str], bool]:
    return dict(m.members), [w.why for w in m.wildcards], m.named


def test_resolve_ids() -> None:
    s, r = base()
    sg2 = s.add(k.SG_AWS, "api", id="sg-api")
    h = s.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "h",
        {
            "known": (),
            "one": (r["web"].urn,),
            "two": (r["web"].urn, sg2.urn),
            "vpc": (r["net"].urn,),
            "short": (r["web"].urn,),
        },
        known=["sg-web", "", None, "sg-elsewhere"],
        one=UNKNOWN,
        two=UNKNOWN,
        vpc=UNKNOWN,
        lookup=UNKNOWN,
        short=[UNKNOWN, UNKNOWN],
        empty=[],
        scalar="sg-api",
    )
    net = s.net()
    web, api = r["web"].urn, sg2.urn
    assert m_of(net.resolve_ids(h, "known", "known")) == ({web: Y, "id:sg-elsewhere": Y}, [], True)
    assert m_of(net.resolve_ids(h, "one", "one", scalar=True)) == ({web: Y}, [], True)
    assert m_of(net.resolve_ids(h, "two", "two")) == ({web: Y, api: Y}, [], True)
    two = net.resolve_ids(h, "two", "two of h", scalar=True)
    assert m_of(two) == ({web: M, api: M}, [], True)
    assert two.why[web] == ("two of h is not known yet and depends on several groups", h.urn)
    assert m_of(net.resolve_ids(h, "vpc", "vpc", scalar=True)) == ({f"default:{r['net'].urn}": Y}, [], True)
    lookup = "lookup of h is not known yet and comes from a lookup (no dependency names it)"
    assert m_of(net.resolve_ids(h, "lookup", "lookup of h", scalar=True)) == ({}, [lookup], True)
    assert net.resolve_ids(h, "lookup", "x", scalar=True, vpc="vpc:v").wildcards[0].vpc == "vpc:v"
    assert net.resolve_ids(h, "lookup", "x", scalar=True).wildcards[0].urn == h.urn
    assert m_of(net.resolve_ids(h, "lookup", "x")) == ({}, [], False)  # an unset list the provider computes
    short = "short of h is not known yet and comes from a lookup (no dependency names it)"
    assert m_of(net.resolve_ids(h, "short", "short of h")) == ({web: Y}, [short], True)
    assert m_of(net.resolve_ids(h, "empty", "e")) == ({}, [], False)
    assert m_of(net.resolve_ids(h, "missing", "e")) == ({}, [], False)
    assert m_of(net.resolve_ids(h, "scalar", "s", scalar=True)) == ({api: Y}, [], True)
    assert m_of(net.resolve_ids(h, "one", "v", value=["sg-api"])) == ({api: Y}, [], True)


def test_resolve_names_and_mixed() -> None:
    s, r = base()
    s.add(k.SG_AWS, "named", name="legacy")
    h = s.add(
        k.LAUNCH_CONFIGURATION,
        "lc",
        {"names": ("urn:x",)},
        names=UNKNOWN,
        computed=UNKNOWN,
        some=["legacy", UNKNOWN, ""],
        mixed=["sg-web", "legacy", UNKNOWN],
        plain=["sg-web"],
    )
    net = s.net()
    named = net.groups_by_name("legacy")
    assert m_of(net.resolve_names(h, "names", "names of lc")) == ({}, ["names of lc is not known yet"], True)
    assert net.resolve_names(h, "names", "x").wildcards[0].vpc == DEFAULT_VPC
    assert m_of(net.resolve_names(h, "computed", "x")) == ({}, [], False)
    assert m_of(net.resolve_names(h, "some", "some")) == ({named[0]: Y}, ["some is not known yet"], True)
    assert m_of(net.resolve_names(h, "x", "x", value=["legacy"])) == ({named[0]: Y}, [], True)
    mixed = net.resolve_mixed(h, "mixed", "mixed")
    assert (mixed.members, mixed.named) == ({r["web"].urn: Y, named[0]: Y}, True)
    assert len(mixed.wildcards) == 1  # the unknown id: no dependency explains it
    assert m_of(net.resolve_mixed(h, "plain", "plain")) == ({r["web"].urn: Y}, [], True)
    assert m_of(net.resolve_mixed(h, "computed", "c")) == ({}, [], False)


def test_default_membership() -> None:
    s, r = base()
    s.add(k.SG_DEFAULT, "dsg", vpcId="vpc-1")
    net = s.net()
    holder = r["web"]
    known = net.default_membership(r["net"].urn, holder, "it")
    assert (known.members, known.named) == ({f"default:{r['net'].urn}": Y}, False)
    unknown = net.default_membership(None, holder, "instance 'vm'")
    assert set(unknown.members) == {f"default:{r['net'].urn}", f"default:{r['other'].urn}"}
    assert set(unknown.members.values()) == {M}
    why = ("the VPC of instance 'vm' is not known yet, so neither is the default group AWS applies", holder.urn)
    assert set(unknown.why.values()) == {why}


# -- interfaces --------------------------------------------------------------------------------------------------


def test_enis_attachments_and_addresses() -> None:
    s, _ = base()
    e0 = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    e1 = s.add(k.ENI, "e1", id="eni-1", subnetId="subnet-priv")
    e2 = s.add(k.ENI, "e2", id="eni-2", attachments=[{"instance": "i-legacy", "deviceIndex": 0}])
    e3 = s.add(k.ENI, "e3", id="eni-3")
    vm = s.add(
        k.INSTANCE_AWS,
        "vm",
        {"primaryNetworkInterface": (e0.urn,)},
        id="i-vm",
        primaryNetworkInterface={"networkInterfaceId": UNKNOWN},
        networkInterfaces=[{"networkInterfaceId": "eni-1", "deviceIndex": 1.0}],
        primaryNetworkInterfaceId="eni-0",
    )
    legacy = s.add(k.INSTANCE_AWS, "legacy", id="i-legacy")
    other = s.add(k.INSTANCE_AWS, "other", id="i-other", primaryNetworkInterfaceId="eni-other")
    s.add(
        k.ENI_ATTACHMENT,
        "att",
        {"instanceId": (other.urn,)},
        instanceId=UNKNOWN,
        networkInterfaceId="eni-3",
        deviceIndex=2,
    )
    s.add(k.ENI_SG_ATTACHMENT, "sga-eni", securityGroupId="sg-extra", networkInterfaceId="eni-1")
    s.add(
        k.ENI_SG_ATTACHMENT,
        "sga-vm",
        {"networkInterfaceId": (other.urn,)},
        securityGroupId="sg-more",
        networkInterfaceId=UNKNOWN,
    )
    eip_vm = s.add(k.EIP_AWS, "ip-vm", id="eipalloc-1", publicIp="3.3.3.3", instance="i-other")
    eip_eni = s.add(k.EIP_AWS, "ip-eni", {"networkInterface": (e3.urn,)}, id="eipalloc-2", networkInterface=UNKNOWN)
    eip_free = s.add(k.EIP_AWS, "ip-free", id="eipalloc-3", publicIp="4.4.4.4")
    s.add("aws:ec2/eipAssociation:EipAssociation", "assoc", allocationId="eipalloc-3", networkInterfaceId="eni-0")
    s.add("aws:ec2/eipAssociation:EipAssociation", "assoc2", publicIp="4.4.4.4", instanceId="i-other")
    net = s.net()
    assert net.enis_of[vm.urn] == [(e0, True), (e1, False)]
    assert net.enis_of[legacy.urn] == [(e2, True)]
    assert net.enis_of[other.urn] == [(e3, False)]
    assert net.instance_of == {e0.urn: vm, e1.urn: vm, e2.urn: legacy, e3.urn: other}
    assert [a.name for a in net.extra_groups[e1.urn]] == ["sga-eni"]
    assert [a.name for a in net.extra_groups[other.urn]] == ["sga-vm"]
    assert net.eip_targets[eip_vm.urn] == [other] and net.eip_targets[eip_eni.urn] == [e3]
    assert net.eip_targets[eip_free.urn] == [e0, other]
    assert net.addresses[e0.urn] == [eip_free] and net.addresses[other.urn] == [eip_vm, eip_free]


def test_eni_interface() -> None:
    s, r = base()
    e0 = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    bare = s.add(k.ENI, "bare", id="eni-b", subnetId="subnet-far", ipv6AddressCount=1)
    vm = s.add(k.INSTANCE_AWS, "vm", id="i-vm", networkInterfaces=[{"networkInterfaceId": "eni-0", "deviceIndex": 1}])
    s.add(k.ENI_SG_ATTACHMENT, "sga", securityGroupId="sg-extra", networkInterfaceId="eni-0")
    s.add(k.EIP_AWS, "ip", id="eipalloc-1", networkInterface="eni-0")
    net = s.net()
    i0 = net.eni_interface(e0)
    assert (i0.key, i0.label, i0.res, i0.vpc) == (e0.urn, "network interface 'e0' of instance 'vm'", e0, r["net"].urn)
    assert i0.membership.members == {r["web"].urn: Y, "id:sg-extra": Y}
    assert i0.reach == (Y, N)
    assert i0.reach_why == (
        "whether network interface 'e0' gets a public IPv4 address",
        "whether network interface 'e0' gets an IPv6 address",
    )
    b = net.eni_interface(bare)
    assert b.label == "network interface 'bare'"
    assert b.membership.members == {f"default:{r['other'].urn}": Y}  # no group: its own VPC's default
    assert b.reach == (N, Y)
    assert vm.name == "vm"


def instance_reach(**props: Any) -> tuple[Tri, Tri]:
    s, _ = base()
    vm = s.add(k.INSTANCE_AWS, "vm", id="i-vm", **props)
    return s.net().instance_interfaces(vm)[0].reach


@pytest.mark.parametrize(
    ("props", "reach"),
    [
        ({"publicIp": "54.1.1.1"}, (Y, N)),
        ({"publicIp": "", "associatePublicIpAddress": True}, (N, N)),  # known after creation: decisive
        ({"associatePublicIpAddress": True, "subnetId": "subnet-priv"}, (Y, N)),
        ({"associatePublicIpAddress": False, "subnetId": "subnet-pub"}, (N, N)),
        ({"associatePublicIpAddress": None, "subnetId": "subnet-pub"}, (Y, N)),
        ({"associatePublicIpAddress": UNKNOWN}, (M, N)),
        ({"subnetId": "subnet-pub"}, (Y, N)),
        ({"subnetId": "subnet-priv"}, (N, N)),
        ({"subnetId": "subnet-elsewhere"}, (M, M)),  # a subnet of another stack: anything is possible
        ({"subnetId": ""}, (Y, N)),  # the default VPC maps public addresses
        ({}, (Y, N)),
        ({"publicIp": UNKNOWN, "subnetId": "subnet-priv"}, (N, N)),
        ({"subnetId": "subnet-v6"}, (N, Y)),
        ({"subnetId": "subnet-priv", "ipv6AddressCount": 2}, (N, Y)),
        ({"subnetId": "subnet-priv", "ipv6AddressCount": "0"}, (N, N)),
        ({"subnetId": "subnet-priv", "ipv6AddressCount": UNKNOWN}, (N, M)),
        ({"subnetId": "subnet-priv", "ipv6Addresses": []}, (N, N)),
        ({"subnetId": "subnet-v6", "ipv6Addresses": []}, (N, N)),  # known: decisive
        ({"subnetId": "subnet-priv", "ipv6Addresses": [UNKNOWN]}, (N, Y)),
        ({"subnetId": "subnet-priv", "ipv6AddressCount": "many"}, (N, N)),
    ],
)
def test_instance_reach(props: dict[str, Any], reach: tuple[Tri, Tri]) -> None:
    assert instance_reach(**props) == reach


def test_ipv6_addresses_set_from_another_output() -> None:
    s, _ = base()
    vm = s.add(k.INSTANCE_AWS, "vm", {"ipv6Addresses": ("urn:x",)}, subnetId="subnet-priv", ipv6Addresses=UNKNOWN)
    assert s.net().instance_interfaces(vm)[0].reach == (N, M)


def test_instance_interfaces() -> None:
    s, r = base()
    e0 = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    e1 = s.add(k.ENI, "e1", id="eni-1", subnetId="subnet-pub")
    vm = s.add(
        k.INSTANCE_AWS,
        "vm",
        id="i-vm",
        primaryNetworkInterface={"networkInterfaceId": "eni-0"},
        publicIp="54.1.1.1",
    )
    s.add(k.ENI_ATTACHMENT, "att", instanceId="i-vm", networkInterfaceId="eni-1", deviceIndex=1)
    s.add(k.ENI_SG_ATTACHMENT, "sga", securityGroupId="sg-extra", networkInterfaceId="i-vm-primary")
    plain = s.add(
        k.INSTANCE_AWS,
        "plain",
        id="i-p",
        subnetId="subnet-pub",
        vpcSecurityGroupIds=["sg-web"],
        securityGroups=["legacy"],
        primaryNetworkInterfaceId="eni-p",
    )
    s.add(k.ENI_SG_ATTACHMENT, "sga-p", securityGroupId="sg-extra2", networkInterfaceId="eni-p")
    bare = s.add(k.INSTANCE_AWS, "bare", id="i-b", subnetId="subnet-far")
    lost = s.add(k.INSTANCE_AWS, "lost", id="i-l", subnetId=UNKNOWN)
    native = s.add(k.INSTANCE_NATIVE, "native", instanceId="i-n", securityGroupIds=["sg-web"], subnetId="subnet-pub")
    dflt = s.add(k.INSTANCE_AWS, "dflt", id="i-d")
    net = s.net()
    primary, second = net.instance_interfaces(vm)
    assert (primary.key, primary.res, primary.reach) == (e0.urn, e0, (Y, N))  # the primary ENI's own groups
    assert primary.membership.members == {r["web"].urn: Y}
    assert (second.key, second.reach) == (e1.urn, (N, N))
    assert second.membership.members == {f"default:{r['net'].urn}": Y}
    [p] = net.instance_interfaces(plain)
    assert (p.key, p.label, p.res, p.vpc) == (plain.urn, "instance 'plain'", plain, r["net"].urn)
    assert p.membership.members == {r["web"].urn: Y, "name:legacy": Y, "id:sg-extra2": Y}
    assert p.reach_why == (
        "whether instance 'plain' gets a public IPv4 address",
        "whether instance 'plain' gets an IPv6 address",
    )
    assert net.instance_interfaces(bare)[0].membership.members == {f"default:{r['other'].urn}": Y}
    assert net.instance_interfaces(lost)[0].vpc is None
    assert set(net.instance_interfaces(lost)[0].membership.members.values()) == {M}
    assert net.instance_interfaces(native)[0].membership.members == {r["web"].urn: Y}
    assert net.instance_interfaces(dflt)[0].membership.members == {f"default:{DEFAULT_VPC}": Y}
    assert net.instance_interfaces(dflt)[0].vpc == DEFAULT_VPC


def test_an_instance_on_an_existing_interface_gets_no_public_address_of_its_own() -> None:
    s, _ = base()
    s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub")
    vm = s.add(k.INSTANCE_AWS, "vm", primaryNetworkInterface={"networkInterfaceId": "eni-0"}, publicIp=UNKNOWN)
    s.add(k.EIP_AWS, "ip", networkInterface="eni-0")
    assert s.net().instance_interfaces(vm)[0].reach == (Y, N)  # the EIP on its interface
    s2, _ = base()
    s2.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub")
    vm2 = s2.add(k.INSTANCE_AWS, "vm", primaryNetworkInterface={"networkInterfaceId": "eni-0"}, publicIp=UNKNOWN)
    assert s2.net().instance_interfaces(vm2)[0].reach == (N, N)


def test_subnets_flag() -> None:
    s, _ = base()
    h = s.add(k.ASG, "h", any=["subnet-priv", "subnet-pub"], none=["subnet-priv"], lost=["subnet-priv", "subnet-x"])
    s.add(k.SUBNET_DEFAULT, "dflt", id="subnet-d")
    s.add(k.SUBNET_DEFAULT, "dflt-off", id="subnet-d2", mapPublicIpOnLaunch=False)
    net = s.net()
    assert net._subnets_flag(h, "any", "mapPublicIpOnLaunch") is Y
    assert net._subnets_flag(h, "none", "mapPublicIpOnLaunch") is N
    assert net._subnets_flag(h, "lost", "mapPublicIpOnLaunch") is M
    assert net._subnets_flag(h, "x", "mapPublicIpOnLaunch", ["subnet-d"]) is Y  # default subnets map
    assert net._subnets_flag(h, "x", "mapPublicIpOnLaunch", ["subnet-d2"]) is N
    assert net._subnets_flag(h, "x", "assignIpv6AddressOnCreation", ["subnet-d"]) is N


# -- load balancers ----------------------------------------------------------------------------------------------


def test_load_balancers() -> None:
    s, r = base()
    alb = s.add("aws:lb/loadBalancer:LoadBalancer", "alb", securityGroups=["sg-web"], subnets=["subnet-pub"])
    bare = s.add("aws:alb/loadBalancer:LoadBalancer", "bare", subnets=["subnet-far"])
    nlb = s.add("aws:lb/loadBalancer:LoadBalancer", "nlb", loadBalancerType="network", subnets=["subnet-pub"])
    gwlb = s.add("aws:lb/loadBalancer:LoadBalancer", "gwlb", loadBalancerType="gateway")
    lost = s.add("aws:lb/loadBalancer:LoadBalancer", "lost", loadBalancerType=UNKNOWN, subnets=UNKNOWN)
    native = s.add(k.LB_NATIVE, "native", type="network", securityGroups=["sg-web"])
    by_vpc = s.add("aws:lb/loadBalancer:LoadBalancer", "by-vpc", vpcId="vpc-2", subnets=["subnet-pub"])
    mapped = s.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "mapped",
        {"subnetMappings": (r["far"].urn,)},
        subnetMappings=[{"subnetId": UNKNOWN}],
    )
    classic = s.add("aws:elb/loadBalancer:LoadBalancer", "classic", subnets=["subnet-far"])
    net = s.net()

    def lb(x: Res) -> tuple[str, dict[str, Tri], str | None]:
        iface, kind = net.lb_interface(x)
        return kind, dict(iface.membership.members), iface.vpc

    assert lb(alb) == ("application", {r["web"].urn: Y}, r["net"].urn)
    assert lb(bare) == ("application", {f"default:{r['other'].urn}": Y}, r["other"].urn)
    assert lb(nlb) == ("network", {}, r["net"].urn)  # no groups at all
    assert lb(gwlb)[0] == "gateway"
    assert lb(lost)[0] == "application" and lb(lost)[2] is None
    assert lb(native) == ("network", {r["web"].urn: Y}, DEFAULT_VPC)
    assert lb(by_vpc)[2] == r["other"].urn  # the provider's vpcId wins
    assert lb(mapped)[2] == r["other"].urn
    assert lb(classic) == ("classic", {f"default:{r['other'].urn}": Y}, r["other"].urn)
    iface, _ = net.lb_interface(alb)
    assert (iface.key, iface.label, iface.res, iface.reach) == (alb.urn, "load balancer 'alb'", alb, (Y, Y))
    assert not net.implicit_rules


def test_classic_load_balancer_in_the_default_vpc_gets_elbs_own_group() -> None:
    s, r = base()
    elb = s.add(
        "aws:elb/loadBalancer:LoadBalancer",
        "classic",
        availabilityZones=["us-east-1a"],
        listeners=[{"lbPort": 443, "instancePort": 8443}, {"lbPort": 80.0}],
    )
    grouped = s.add("aws:elb/loadBalancer:LoadBalancer", "grouped", securityGroups=["sg-web"])
    net = s.net()
    key = f"elb-default:{elb.urn}"
    assert list(net.implicit_rules) == [key]
    assert (
        net.groups[key].label
        == "the default_elb security group Elastic Load Balancing creates for load balancer 'classic'"
    )
    first, second = net.implicit_rules[key]
    assert (first.label, first.direction, first.protocol, first.from_port, first.to_port) == (
        "classic.listeners[0]",
        "ingress",
        "tcp",
        443,
        443,
    )
    assert first.cidrs == (("cidrBlocks", "0.0.0.0/0"),) and first.owner is elb and second.from_port == 80.0
    iface, kind = net.lb_interface(elb)
    assert kind == "classic" and iface.membership.members == {key: Y}
    assert net.lb_interface(grouped)[0].membership.members == {r["web"].urn: Y}


# -- fleets --------------------------------------------------------------------------------------------------


def fleet(asg: dict[str, Any], lt: dict[str, Any] | None = None, lc: dict[str, Any] | None = None) -> Any:
    s, r = base()
    if lt is not None:
        s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", name="tmpl", **lt)
    if lc is not None:
        s.add(k.LAUNCH_CONFIGURATION, "lc", id="conf", name="conf", **lc)
    group = s.add(k.ASG, "asg", **asg)
    return s.net().fleet_interface(group), r


def test_fleet_from_a_launch_template_interface() -> None:
    iface, r = fleet(
        {"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-priv"]},
        {
            "networkInterfaces": [
                {"associatePublicIpAddress": "true", "securityGroups": ["sg-web"], "ipv6AddressCount": 1}
            ]
        },
    )
    assert iface.label == "the instances of Auto Scaling group 'asg' (launch template 'lt')"
    assert (iface.membership.members, iface.reach, iface.vpc) == ({r["web"].urn: Y}, (Y, Y), r["net"].urn)
    assert (
        iface.reach_why[0]
        == "whether the instances of Auto Scaling group 'asg' (launch template 'lt') get a public IPv4 address"
    )


@pytest.mark.parametrize(
    ("asg", "lt", "reach"),
    [
        (
            {"vpcZoneIdentifiers": ["subnet-pub"]},
            {"networkInterfaces": [{"associatePublicIpAddress": "false"}]},
            (N, N),
        ),
        ({"vpcZoneIdentifiers": ["subnet-pub"]}, {"networkInterfaces": [{"deviceIndex": 0}]}, (Y, N)),
        ({"vpcZoneIdentifiers": ["subnet-priv"]}, {"vpcSecurityGroupIds": ["sg-web"]}, (N, N)),
        ({"vpcZoneIdentifiers": ["subnet-pub"]}, {"vpcSecurityGroupIds": ["sg-web"]}, (Y, N)),
        ({"vpcZoneIdentifiers": ["subnet-v6"]}, {}, (N, Y)),
        ({"vpcZoneIdentifiers": ["subnet-priv"]}, {"networkInterfaces": [{"ipv6Addresses": ["2600::1"]}]}, (N, Y)),
        ({}, {}, (Y, N)),  # no subnets: the default VPC, whose subnets map public addresses
    ],
)
def test_fleet_reach(asg: dict[str, Any], lt: dict[str, Any], reach: tuple[Tri, Tri]) -> None:
    iface, _ = fleet({"launchTemplate": {"name": "tmpl"}, **asg}, lt)
    assert iface.reach == reach


def test_fleet_groups() -> None:
    iface, r = fleet(
        {"mixedInstancesPolicy": {"launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": "lt-1"}}}},
        {"vpcSecurityGroupIds": ["sg-web"], "securityGroupNames": ["legacy"]},
    )
    assert iface.membership.members == {r["web"].urn: Y, "name:legacy": Y}
    assert iface.vpc == DEFAULT_VPC
    bare, r = fleet({"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-far"]}, {})
    assert bare.membership.members == {f"default:{r['other'].urn}": Y}


def test_fleet_from_a_launch_configuration() -> None:
    iface, r = fleet(
        {"launchConfiguration": "conf", "vpcZoneIdentifiers": ["subnet-priv"]},
        lc={"securityGroups": ["sg-web", "legacy"], "associatePublicIpAddress": True},
    )
    assert iface.label == "the instances of Auto Scaling group 'asg' (launch configuration 'lc')"
    assert iface.membership.members == {r["web"].urn: Y, "name:legacy": Y}
    assert iface.reach == (Y, N)
    quiet, _ = fleet(
        {"launchConfiguration": "conf", "vpcZoneIdentifiers": ["subnet-priv"]}, lc={"securityGroups": ["sg-web"]}
    )
    assert quiet.reach == (N, N)


def test_fleet_without_a_known_template_may_be_anything() -> None:
    iface, _ = fleet({"launchTemplate": {"id": UNKNOWN}, "vpcZoneIdentifiers": ["subnet-priv"]})
    assert iface.reach == (M, M)
    assert iface.key.endswith("::asg")


def test_ecs_service_tasks() -> None:
    s, r = base()
    public = s.add(
        k.ECS_SERVICE,
        "public",
        networkConfiguration={"subnets": ["subnet-v6"], "securityGroups": ["sg-web"], "assignPublicIp": True},
    )
    private = s.add(k.ECS_SERVICE, "private", networkConfiguration={"subnets": ["subnet-far"], "assignPublicIp": False})
    bridge = s.add(k.ECS_SERVICE, "bridge")
    net = s.net()
    [p] = net.service_interfaces(public)
    assert (p.key, p.label, p.res) == (public.urn, "the tasks of ECS service 'public'", public)
    assert (p.membership.members, p.reach, p.vpc) == ({r["web"].urn: Y}, (Y, Y), r["net"].urn)
    assert p.reach_why == (
        "whether the tasks of ECS service 'public' get a public IPv4 address",
        "whether the tasks of ECS service 'public' get an IPv6 address",
    )
    [q] = net.service_interfaces(private)
    assert (q.membership.members, q.reach) == ({f"default:{r['other'].urn}": Y}, (N, N))
    assert net.service_interfaces(bridge) == []


# -- the same topology by value (up) and by property dependency (preview) -------------------------------------


def twin(by_deps: bool, s: Stack, holder: str, prop: str, target: Res, value: Any, list_value: bool = False) -> dict:
    """``prop`` of the resource being built points at ``target``: by its value, or (preview) by a dependency."""
    if not by_deps:
        return {"props": {prop: value}, "deps": {}}
    return {"props": {prop: [UNKNOWN] if list_value else UNKNOWN}, "deps": {prop: (target.urn,)}}


@pytest.mark.parametrize("by_deps", [False, True], ids=["value", "dependency"])
def test_links_by_value_and_by_dependency(by_deps: bool) -> None:
    s, r = base()
    e0 = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    e1 = s.add(k.ENI, "e1", id="eni-1", subnetId="subnet-priv")
    vm = s.add(k.INSTANCE_AWS, "vm", id="i-vm", primaryNetworkInterfaceId="eni-vm", subnetId="subnet-pub")

    def link(rtype: str, name: str, **refs: tuple[Res, Any, bool]) -> Res:
        props: dict[str, Any] = {}
        deps: dict[str, tuple[str, ...]] = {}
        for prop, (target, value, is_list) in refs.items():
            linked = twin(by_deps, s, name, prop, target, value, is_list)
            props.update(linked["props"])
            deps.update(linked["deps"])
        return s.add(rtype, name, deps, **props)

    link(k.ENI_ATTACHMENT, "att", instanceId=(vm, "i-vm", False), networkInterfaceId=(e1, "eni-1", False))
    ip1 = link(k.EIP_AWS, "ip1", instance=(vm, "i-vm", False))
    ip2 = s.add(k.EIP_AWS, "ip2", id="eipalloc-2", publicIp="5.5.5.5")
    link(
        "aws:ec2/eipAssociation:EipAssociation",
        "a1",
        allocationId=(ip2, "eipalloc-2", False),
        networkInterfaceId=(e0, "eni-0", False),
    )
    ip3 = s.add(k.EIP_AWS, "ip3", id="eipalloc-3", publicIp="6.6.6.6")
    link(
        "aws:ec2/eipAssociation:EipAssociation", "a2", publicIp=(ip3, "6.6.6.6", False), instanceId=(vm, "i-vm", False)
    )
    ip4 = s.add(k.EIP_NATIVE, "ip4", allocationId="eipalloc-4")
    link("aws-native:ec2:EipAssociation", "a3", eip=(ip4, "eipalloc-4", False), instanceId=(vm, "i-vm", False))
    ip5 = link(k.EIP_NATIVE, "ip5", instanceId=(vm, "i-vm", False))
    link(
        k.ENI_SG_ATTACHMENT, "sga", networkInterfaceId=(e1, "eni-1", False), securityGroupId=(r["web"], "sg-web", False)
    )
    lb = link(
        "aws:lb/loadBalancer:LoadBalancer",
        "lb",
        subnets=(r["far"], ["subnet-far"], True),
        securityGroups=(r["web"], ["sg-web"], True),
    )
    mapped = link(
        "aws:lb/loadBalancer:LoadBalancer", "mapped", subnetMappings=(r["far"], [{"subnetId": "subnet-far"}], False)
    )
    net = s.net()
    assert net.enis_of[vm.urn] == [(e1, False)] and net.instance_of[e1.urn] is vm
    assert net.eip_targets[ip1.urn] == [vm] and net.eip_targets[ip2.urn] == [e0]
    assert net.eip_targets[ip3.urn] == [vm] and net.eip_targets[ip4.urn] == [vm] and net.eip_targets[ip5.urn] == [vm]
    assert [a.name for a in net.extra_groups[e1.urn]] == ["sga"]
    assert net.eni_interface(e1).membership.members == {f"default:{r['net'].urn}": Y, r["web"].urn: Y}
    iface, _ = net.lb_interface(lb)
    assert (iface.membership.members, iface.vpc) == ({r["web"].urn: Y}, r["other"].urn)
    assert net.lb_interface(mapped)[0].vpc == r["other"].urn


@pytest.mark.parametrize("index", [0, 0.0, "0"])
def test_device_index_zero_is_the_primary_interface(index: Any) -> None:
    s, _ = base()
    e0 = s.add(k.ENI, "e0", id="eni-0")
    e1 = s.add(k.ENI, "e1", id="eni-1", attachments=[{"instance": "i-b", "deviceIndex": index}])
    e2 = s.add(k.ENI, "e2", id="eni-2")
    a = s.add(k.INSTANCE_AWS, "a", id="i-a", networkInterfaces=[{"networkInterfaceId": "eni-0", "deviceIndex": index}])
    b = s.add(k.INSTANCE_AWS, "b", id="i-b")
    c = s.add(k.INSTANCE_AWS, "c", id="i-c")
    s.add(k.ENI_ATTACHMENT, "att", instanceId="i-c", networkInterfaceId="eni-2", deviceIndex=index)
    net = s.net()
    assert (
        net.enis_of[a.urn] == [(e0, True)] and net.enis_of[b.urn] == [(e1, True)] and net.enis_of[c.urn] == [(e2, True)]
    )


# -- what a message says when a group list is not known yet -----------------------------------------------------


def lookups() -> tuple[Network, dict[str, Res], dict[str, Res]]:
    s, r = base()
    h = {
        "lb": s.add("aws:lb/loadBalancer:LoadBalancer", "lb", securityGroups=[UNKNOWN], subnets=["subnet-pub"]),
        "vm": s.add(k.INSTANCE_AWS, "vm", subnetId="subnet-pub", vpcSecurityGroupIds=[UNKNOWN]),
        "names": s.add(k.INSTANCE_AWS, "names", {"securityGroups": ("urn:x",)}, securityGroups=UNKNOWN),
        "native": s.add(k.INSTANCE_NATIVE, "native", subnetId="subnet-pub", securityGroupIds=[UNKNOWN]),
        "eni": s.add(k.ENI, "eni", subnetId="subnet-pub", securityGroups=[UNKNOWN]),
        "lt": s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", vpcSecurityGroupIds=[UNKNOWN], securityGroupNames=[UNKNOWN]),
        "lt-nic": s.add(k.LAUNCH_TEMPLATE, "lt-nic", id="lt-2", networkInterfaces=[{"securityGroups": [UNKNOWN]}]),
        "lc": s.add(k.LAUNCH_CONFIGURATION, "lc", id="lc-1", name="lc-1", securityGroups=[UNKNOWN]),
        "svc": s.add(
            k.ECS_SERVICE, "svc", networkConfiguration={"subnets": ["subnet-pub"], "securityGroups": [UNKNOWN]}
        ),
        "att": s.add(k.ENI_SG_ATTACHMENT, "att", securityGroupId=UNKNOWN, networkInterfaceId="eni-z"),
        "z": s.add(k.ENI, "z", id="eni-z", subnetId="subnet-far"),
    }
    h["asg"] = s.add(k.ASG, "asg", launchTemplate={"id": "lt-1"}, vpcZoneIdentifiers=["subnet-pub"])
    h["asg-nic"] = s.add(k.ASG, "asg-nic", launchTemplate={"name": UNKNOWN}, vpcZoneIdentifiers=["subnet-pub"])
    h["asg-lc"] = s.add(k.ASG, "asg-lc", launchConfiguration="lc-1", vpcZoneIdentifiers=["subnet-pub"])
    return s.net(), r, h


def wildcards(m: Membership) -> list[tuple[str | None, str, str]]:
    return [(w.vpc, w.why, w.urn.rsplit("::", 1)[-1]) for w in m.wildcards]


LOOKUP = "is not known yet and comes from a lookup (no dependency names it)"


def test_lookups_name_the_property_the_resource_and_the_vpc() -> None:
    net, r, h = lookups()
    vpc = r["net"].urn
    assert wildcards(net.lb_interface(h["lb"])[0].membership) == [
        (vpc, f"securityGroups of load balancer 'lb' {LOOKUP}", "lb")
    ]
    assert wildcards(net.instance_interfaces(h["vm"])[0].membership) == [
        (vpc, f"vpcSecurityGroupIds of instance 'vm' {LOOKUP}", "vm")
    ]
    assert wildcards(net.instance_interfaces(h["names"])[0].membership) == [
        (DEFAULT_VPC, "securityGroups of instance 'names' is not known yet", "names")
    ]
    assert wildcards(net.instance_interfaces(h["native"])[0].membership) == [
        (vpc, f"securityGroupIds of instance 'native' {LOOKUP}", "native")
    ]
    assert wildcards(net.eni_interface(h["eni"]).membership) == [
        (vpc, f"securityGroups of network interface 'eni' {LOOKUP}", "eni")
    ]
    assert wildcards(net.fleet_interface(h["asg"]).membership) == [
        (vpc, f"vpcSecurityGroupIds of launch template 'lt' {LOOKUP}", "lt"),
        (DEFAULT_VPC, "securityGroupNames of launch template 'lt' is not known yet", "lt"),
    ]
    assert wildcards(net.fleet_interface(h["asg-lc"]).membership) == [
        (None, f"securityGroups of launch configuration 'lc' {LOOKUP}", "lc")
    ]
    [svc] = net.service_interfaces(h["svc"])
    assert wildcards(svc.membership) == [
        (vpc, f"networkConfiguration.securityGroups of ECS service 'svc' {LOOKUP}", "svc")
    ]
    z = net.eni_interface(h["z"])
    assert wildcards(z.membership) == [(None, f"securityGroupId of attachment 'att' {LOOKUP}", "att")]
    assert net.fleet_interface(h["asg-nic"]).reach == (M, M)  # which template is not known: anything goes


def test_a_launch_template_interface_lookup_names_the_template() -> None:
    s, r = base()
    s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-2", networkInterfaces=[{"securityGroups": [UNKNOWN]}])
    asg = s.add(k.ASG, "asg", launchTemplate={"id": "lt-2"}, vpcZoneIdentifiers=["subnet-pub"])
    iface = s.net().fleet_interface(asg)
    assert wildcards(iface.membership) == [
        (None, f"networkInterfaces[].securityGroups of launch template 'lt' {LOOKUP}", "lt")
    ]
    assert iface.res is asg and iface.vpc == r["net"].urn


def test_an_unknown_vpc_makes_every_default_group_a_maybe_and_says_whose() -> None:
    s, r = base()
    vm = s.add(k.INSTANCE_AWS, "vm", subnetId=UNKNOWN)
    eni = s.add(k.ENI, "eni", subnetId=UNKNOWN)
    lb = s.add("aws:lb/loadBalancer:LoadBalancer", "lb", subnets=[UNKNOWN])
    asg = s.add(k.ASG, "asg", launchTemplate={"id": "none"}, vpcZoneIdentifiers=[UNKNOWN])
    svc = s.add(k.ECS_SERVICE, "svc", networkConfiguration={"subnets": [UNKNOWN]})
    net = s.net()
    nets = {f"default:{r['net'].urn}", f"default:{r['other'].urn}"}

    def why(m: Membership) -> set[tuple[str, str]]:
        assert set(m.members) == nets and set(m.members.values()) == {M}
        return {(text, urn.rsplit("::", 1)[-1]) for text, urn in m.why.values()}

    tail = "is not known yet, so neither is the default group AWS applies"
    assert why(net.instance_interfaces(vm)[0].membership) == {(f"the VPC of instance 'vm' {tail}", "vm")}
    assert why(net.eni_interface(eni).membership) == {(f"the VPC of network interface 'eni' {tail}", "eni")}
    assert why(net.lb_interface(lb)[0].membership) == {(f"the VPC of load balancer 'lb' {tail}", "lb")}
    assert why(net.fleet_interface(asg).membership) == {(f"the VPC of Auto Scaling group 'asg' {tail}", "asg")}
    assert why(net.service_interfaces(svc)[0].membership) == {
        (f"the VPC of the tasks of ECS service 'svc' {tail}", "svc")
    }


def test_resolution_details() -> None:
    s, r = base()
    h = s.add(
        k.ASG,
        "h",
        {
            "both": (r["web"].urn, r["net"].urn),
            "vpcs": (r["net"].urn, r["other"].urn),
            "el": (r["net"].urn,),
            "mixed": (r["web"].urn,),
            "lc": ("urn:x",),
        },
        both=UNKNOWN,
        vpcs=UNKNOWN,
        el=[UNKNOWN],
        mixed=[UNKNOWN, "legacy"],
        lc=UNKNOWN,
        blank=[""],
    )
    s.add(k.SG_AWS, "legacy", name="legacy")
    net = s.net()
    assert net.resolve_ids(h, "both", "b", scalar=True).members == {r["web"].urn: Y}  # a group explains it
    two = net.resolve_ids(h, "vpcs", "vpcs of h", scalar=True)
    assert two.members == {f"default:{r['net'].urn}": M, f"default:{r['other'].urn}": M}
    assert set(two.why.values()) == {("vpcs of h is not known yet and depends on several groups", h.urn)}
    el = net.resolve_ids(h, "el", "el")
    assert (el.members, el.wildcards) == ({f"default:{r['net'].urn}": Y}, [])
    mixed = net.resolve_mixed(h, "mixed", "mixed")
    assert (mixed.members, mixed.wildcards) == ({r["web"].urn: Y, net.groups_by_name("legacy")[0]: Y}, [])
    lc = net.resolve_mixed(h, "lc", "lc of h")
    assert (lc.named, wildcards(lc)) == (True, [(None, f"lc of h {LOOKUP}", "h")])
    assert net.subnets(h, "blank") == ([], True)
    assert net.groups[f"default:{r['net'].urn}"].vpc == r["net"].urn


def test_membership_never_keeps_a_reason_for_a_named_group() -> None:
    m = Membership()
    m.add("a", Y, ("ignored", "urn"))
    assert m.why == {}


def test_ipv6_set_from_a_value_the_program_did_not_give() -> None:
    s, _ = base()
    vm = s.add(k.INSTANCE_AWS, "vm", {"ipv6Addresses": ("urn:x",)}, subnetId="subnet-priv")
    assert s.net().instance_interfaces(vm)[0].reach == (N, N)


def test_elastic_ip_on_the_instance_itself() -> None:
    s, _ = base()
    vm = s.add(k.INSTANCE_AWS, "vm", id="i-vm", subnetId="subnet-priv", publicIp=UNKNOWN)
    s.add(k.EIP_AWS, "ip", instance="i-vm")
    assert s.net().instance_interfaces(vm)[0].reach == (Y, N)


def test_extra_groups_of_an_instance_on_an_interface_resource() -> None:
    s, r = base()
    s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    vm = s.add(k.INSTANCE_AWS, "vm", id="i-vm", primaryNetworkInterface={"networkInterfaceId": "eni-0"})
    s.add(
        k.ENI_SG_ATTACHMENT,
        "sga",
        {"networkInterfaceId": (vm.urn,)},
        securityGroupId="sg-more",
        networkInterfaceId=UNKNOWN,
    )
    assert s.net().instance_interfaces(vm)[0].membership.members == {r["web"].urn: Y, "id:sg-more": Y}


def test_instance_with_an_empty_subnet_is_in_the_default_vpc() -> None:
    s, _ = base()
    vm = s.add(k.INSTANCE_AWS, "vm", subnetId="")
    assert s.net().instance_interfaces(vm)[0].vpc == DEFAULT_VPC


def test_eni_ipv6_addresses() -> None:
    s, _ = base()
    eni = s.add(k.ENI, "eni", ipv6Addresses=["2600::1"])
    none = s.add(k.ENI, "none", ipv6Addresses=[])
    net = s.net()
    assert net.eni_interface(eni).reach == (N, Y) and net.eni_interface(none).reach == (N, N)


def test_load_balancer_vpc_from_subnets_when_its_own_is_not_known() -> None:
    s, r = base()
    lb = s.add("aws:lb/loadBalancer:LoadBalancer", "lb", vpcId=UNKNOWN, subnets=["subnet-far"])
    mapped = s.add("aws:lb/loadBalancer:LoadBalancer", "mapped", subnetMappings=[{"subnetId": "subnet-far"}])
    net = s.net()
    assert net.lb_interface(lb)[0].vpc == r["other"].urn and net.lb_interface(mapped)[0].vpc == r["other"].urn


def test_the_implicit_classic_rule_in_full() -> None:
    s, _ = base()
    elb = s.add("aws:elb/loadBalancer:LoadBalancer", "classic", listeners=[{"lbPort": 443}])
    net = s.net()
    [rule] = net.implicit_rules[f"elb-default:{elb.urn}"]
    assert (rule.unknown_cidr_lists, rule.prefix_lists, rule.prefix_lists_unknown, rule.prefix_list_deps) == (
        (),
        (),
        False,
        (),
    )
    assert (rule.peer_groups, rule.target_prop, rule.opaque, rule.where) == (0, "", False, "listeners[0]")
    assert net.groups[f"elb-default:{elb.urn}"].vpc == DEFAULT_VPC


@pytest.mark.parametrize("by_deps", [False, True], ids=["value", "dependency"])
def test_fleets_by_value_and_by_dependency(by_deps: bool) -> None:
    s, r = base()
    lt = s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", name="tmpl", vpcSecurityGroupIds=["sg-web"])
    lc = s.add(k.LAUNCH_CONFIGURATION, "lc", id="conf", name="conf", securityGroups=["sg-web"])
    spec = {"launchTemplateName": UNKNOWN if by_deps else "tmpl"}
    deps = {"mixedInstancesPolicy": (lt.urn,)} if by_deps else {}
    a = s.add(k.ASG, "a", deps, mixedInstancesPolicy={"launchTemplate": {"launchTemplateSpecification": spec}})
    b_deps = {"launchTemplate": (lt.urn,), "vpcZoneIdentifiers": (r["far"].urn,)} if by_deps else {}
    b = s.add(
        k.ASG,
        "b",
        b_deps,
        launchTemplate={"id": UNKNOWN if by_deps else "lt-1"},
        vpcZoneIdentifiers=[UNKNOWN] if by_deps else ["subnet-far"],
    )
    c = s.add(
        k.ASG,
        "c",
        {"launchConfiguration": (lc.urn,)} if by_deps else {},
        launchConfiguration=UNKNOWN if by_deps else "conf",
    )
    svc_deps = {"networkConfiguration": (r["far"].urn,)} if by_deps else {}
    svc = s.add(
        k.ECS_SERVICE, "svc", svc_deps, networkConfiguration={"subnets": [UNKNOWN] if by_deps else ["subnet-far"]}
    )
    net = s.net()
    for asg in (a, b, c):
        assert net.fleet_interface(asg).membership.members == {r["web"].urn: Y}, asg.name
    assert net.fleet_interface(b).vpc == r["other"].urn
    assert net.fleet_interface(a).label == "the instances of Auto Scaling group 'a' (launch template 'lt')"
    assert net.service_interfaces(svc)[0].vpc == r["other"].urn


def test_fleet_reach_details() -> None:
    s, _ = base()
    s.add(k.LAUNCH_CONFIGURATION, "lc", id="conf", name="conf")
    asg = s.add(k.ASG, "asg", launchConfiguration="conf", vpcZoneIdentifiers=["subnet-pub"])
    lt = s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", networkInterfaces=[{"ipv6Addresses": []}])
    v6 = s.add(k.ASG, "v6", launchTemplate={"id": "lt-1"}, vpcZoneIdentifiers=["subnet-priv"])
    svc = s.add(k.ECS_SERVICE, "svc", networkConfiguration={"subnets": ["subnet-v6"], "assignPublicIp": True})
    net = s.net()
    iface = net.fleet_interface(asg)
    assert iface.reach == (Y, N)  # no flag on the configuration: the subnet's own setting
    assert iface.reach_why == (
        "whether the instances of Auto Scaling group 'asg' (launch configuration 'lc') get a public IPv4 address",
        "whether they get an IPv6 address",
    )
    assert net.fleet_interface(v6).reach == (N, N) and lt.name == "lt"
    assert net.service_interfaces(svc)[0].reach == (Y, Y)


def test_nested_group_lists_by_dependency() -> None:
    s, r = base()
    lt = s.add(
        k.LAUNCH_TEMPLATE, "lt", {"networkInterfaces": (r["web"].urn,)}, id="lt-1",
        networkInterfaces=[{"securityGroups": [UNKNOWN]}],
    )  # fmt: skip
    asg = s.add(k.ASG, "asg", launchTemplate={"id": "lt-1"}, vpcZoneIdentifiers=["subnet-priv"])
    svc = s.add(
        k.ECS_SERVICE, "svc", {"networkConfiguration": (r["web"].urn, r["v6"].urn)},
        networkConfiguration={"subnets": [UNKNOWN], "securityGroups": [UNKNOWN]},
    )  # fmt: skip
    net = s.net()
    assert (net.fleet_interface(asg).membership.members, lt.name) == ({r["web"].urn: Y}, "lt")
    [tasks] = net.service_interfaces(svc)
    assert (tasks.membership.members, tasks.membership.wildcards) == ({r["web"].urn: Y}, [])
    assert tasks.reach == (N, Y)  # the dual-stack subnet, known through the dependency


# -- instances launched from a description: a launch template, or aws-native's inline interfaces ---------------


def test_an_instance_naming_no_group_gets_its_launch_templates_interface() -> None:
    s, r = base()
    sg_other = s.add(k.SG_AWS, "other-sg", id="sg-other", name="other", vpcId="vpc-1")
    nic = {"deviceIndex": 0, "associatePublicIpAddress": "true", "subnetId": "subnet-pub", "securityGroups": ["sg-web"]}
    s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", name="web-lt", networkInterfaces=[nic], vpcSecurityGroupIds=["sg-x"])
    vm = s.add(k.INSTANCE_AWS, "vm", launchTemplate={"id": "lt-1"}, publicIp=UNKNOWN)
    by_name = s.add(k.INSTANCE_AWS, "by-name", launchTemplate={"name": "web-lt"}, publicIp=UNKNOWN)
    own = s.add(
        k.INSTANCE_AWS, "own", launchTemplate={"id": "lt-1"}, vpcSecurityGroupIds=["sg-other"], subnetId="subnet-priv"
    )
    net = s.net()
    [iface] = net.instance_interfaces(vm)
    # The template's interface names the groups (its own vpcSecurityGroupIds are for templates without one).
    assert (iface.membership.members, iface.vpc, iface.reach) == ({r["web"].urn: Y}, r["net"].urn, (Y, N))
    assert net.instance_interfaces(by_name)[0].membership.members == {r["web"].urn: Y}
    [own_iface] = net.instance_interfaces(own)  # the instance's own groups win (RunInstances overrides)
    assert own_iface.membership.members == {sg_other.urn: Y}
    assert own_iface.reach == (Y, N)  # the template's interface asks for a public address


SECOND_NIC = {"deviceIndex": 1, "securityGroups": ["sg-x"]}
YN = (Tri.YES, Tri.NO)
WEB_NIC = {"securityGroups": ["sg-web"]}


@pytest.mark.parametrize(
    ("template", "subnet", "members", "reach"),
    [
        ({"vpcSecurityGroupIds": ["sg-web"]}, "subnet-priv", {"web"}, (N, N)),
        ({"vpcSecurityGroupIds": ["sg-web"]}, "subnet-pub", {"web"}, (Y, N)),  # no interface: the subnet decides
        ({"securityGroupNames": ["legacy"]}, "subnet-priv", {"name:legacy"}, (N, N)),
        (
            {"networkInterfaces": [SECOND_NIC, {"deviceIndex": 0, "securityGroups": ["sg-web"]}]},
            "subnet-priv", {"web"}, (N, N),
        ),
        ({"networkInterfaces": [{**WEB_NIC, "associatePublicIpAddress": False}]}, "subnet-pub", {"web"}, (N, N)),
        ({"networkInterfaces": [{"deviceIndex": "0.0", "associatePublicIpAddress": "true"}]}, "subnet-priv", set(), YN),
        # With interfaces, the interface's groups are the instance's (the template's own ones cannot be combined).
        ({"networkInterfaces": [{"deviceIndex": 0}], "vpcSecurityGroupIds": ["sg-web"]}, "subnet-priv", set(), (N, N)),
        ({}, "subnet-priv", set(), (N, N)),
        ({}, "subnet-v6", set(), (N, Y)),
    ],
)  # fmt: skip
def test_what_a_launch_template_gives_an_instance(
    template: dict[str, Any], subnet: str, members: set[str], reach: tuple[Tri, Tri]
) -> None:
    s, r = base()
    s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", **template)
    vm = s.add(k.INSTANCE_AWS, "vm", launchTemplate={"id": "lt-1"}, subnetId=subnet, publicIp=UNKNOWN)
    [iface] = s.net().instance_interfaces(vm)
    if members:
        assert iface.membership.members == {r[m].urn if m in r else m: Y for m in members}
    else:  # names no group: AWS applies its VPC's default group
        assert iface.membership.members == {f"default:{r['net'].urn}": Y}
    assert iface.reach == reach


def test_a_launch_template_by_dependency_and_an_eni_it_attaches() -> None:
    s, r = base()
    eni = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-pub", securityGroups=["sg-web"])
    extra = s.add(k.ENI, "e1", id="eni-1", subnetId="subnet-priv")
    lt = s.add(
        k.LAUNCH_TEMPLATE,
        "lt",
        {"networkInterfaces": (eni.urn, extra.urn)},
        id=UNKNOWN,
        networkInterfaces=[
            {"deviceIndex": 0, "networkInterfaceId": "eni-0"},
            {"deviceIndex": 1, "networkInterfaceId": UNKNOWN},
        ],
    )
    vm = s.add(k.INSTANCE_AWS, "vm", {"launchTemplate": (lt.urn,)}, launchTemplate={"id": UNKNOWN}, publicIp=UNKNOWN)
    net = s.net()
    assert net.enis_of[vm.urn] == [(eni, True), (extra, False)]  # the unknown id: by dependency
    primary, *rest = net.instance_interfaces(vm)
    assert (primary.key, primary.membership.members) == (eni.urn, {r["web"].urn: Y})
    assert [i.key for i in rest] == [extra.urn]
    assert net.instance_of[eni.urn] is vm and net.instance_of[extra.urn] is vm


def test_an_aws_native_instance_gets_the_groups_of_the_interface_it_launches_with() -> None:
    s, r = base()
    attached = s.add(k.ENI, "e9", id="eni-9", subnetId="subnet-priv")
    vm = s.add(
        k.INSTANCE_NATIVE,
        "vm",
        instanceId="i-n",
        publicIp=UNKNOWN,
        networkInterfaces=[
            {"deviceIndex": "1", "groupSet": ["sg-x"], "subnetId": "subnet-far"},
            {"deviceIndex": "0", "groupSet": ["sg-web"], "subnetId": "subnet-pub", "associatePublicIpAddress": False},
        ],
    )
    on_eni = s.add(
        k.INSTANCE_NATIVE,
        "on-eni",
        instanceId="i-e",
        networkInterfaces=[{"deviceIndex": "0", "networkInterfaceId": "eni-9"}],
    )
    own = s.add(
        k.INSTANCE_NATIVE,
        "own",
        instanceId="i-o",
        securityGroupIds=["sg-y"],
        networkInterfaces=[{"deviceIndex": "0", "groupSet": ["sg-web"]}],
    )
    net = s.net()
    [iface] = net.instance_interfaces(vm)
    assert (iface.membership.members, iface.vpc, iface.reach) == ({r["web"].urn: Y}, r["net"].urn, (N, N))
    assert net.instance_interfaces(on_eni)[0].key == attached.urn  # an existing interface: that ENI
    assert net.instance_interfaces(own)[0].membership.members == {"id:sg-y": Y}


def test_a_network_load_balancers_static_addresses_are_its_own() -> None:
    s, _ = base()
    eip = s.add(k.EIP_AWS, "ip0", id="eipalloc-0", allocationId="eipalloc-0", publicIp="3.3.3.3")
    eip_dep = s.add(k.EIP_AWS, "ip1", id=UNKNOWN, publicIp=UNKNOWN)
    nlb = s.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "nlb",
        {"subnetMappings": (eip_dep.urn,)},
        loadBalancerType="network",
        subnetMappings=[{"subnetId": "subnet-pub", "allocationId": "eipalloc-0"}, {"allocationId": UNKNOWN}],
    )
    other = s.add("aws:lb/loadBalancer:LoadBalancer", "alb", subnetMappings=[{"subnetId": "subnet-pub"}])
    net = s.net()
    assert net.eip_targets[eip.urn] == [nlb] and net.eip_targets[eip_dep.urn] == [nlb]
    assert net.addresses[nlb.urn] == [eip, eip_dep] and net.addresses[other.urn] == []


@pytest.mark.parametrize("how", ["ids", "names"])
def test_a_whole_list_the_program_set_from_a_lookup_may_be_any_group(how: str) -> None:
    s, _ = base()
    prop = "vpcSecurityGroupIds" if how == "ids" else "securityGroups"
    lookup: dict[str, Any] = {prop: UNKNOWN}
    vm = s.add(k.INSTANCE_AWS, "vm", subnetId="subnet-pub", **lookup)
    net = s.net()
    resolve = net.resolve_ids if how == "ids" else net.resolve_names
    unset = resolve(vm, prop, "groups")  # the engine's inputs are not known: the provider's, unset
    assert not unset.named and not unset.wildcards
    from dataclasses import replace as with_inputs

    told_unset = with_inputs(vm, inputs=frozenset({"subnetId"}))
    assert not resolve(told_unset, prop, "groups").named
    set_by_program = with_inputs(vm, inputs=frozenset({"subnetId", prop}))
    m = resolve(set_by_program, prop, "groups of vm")
    assert m.named and len(m.wildcards) == 1 and "groups of vm is not known yet" in m.wildcards[0].why


def test_where_an_instance_launched_from_a_template_sits() -> None:
    s, r = base()
    nic_pub = {"deviceIndex": 0, "subnetId": "subnet-pub", "securityGroups": ["sg-web"]}
    s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", networkInterfaces=[nic_pub])
    s.add(k.LAUNCH_TEMPLATE, "lt-no-subnet", id="lt-2", networkInterfaces=[{"deviceIndex": 0, "subnetId": ""}])
    in_nic = s.add(k.INSTANCE_AWS, "in-nic", launchTemplate={"id": "lt-1"}, subnetId="", publicIp=UNKNOWN)
    own = s.add(k.INSTANCE_AWS, "own", launchTemplate={"id": "lt-1"}, subnetId="subnet-far", publicIp=UNKNOWN)
    nowhere = s.add(k.INSTANCE_AWS, "nowhere", launchTemplate={"id": "lt-2"}, publicIp=UNKNOWN)
    net = s.net()
    [iface] = net.instance_interfaces(in_nic)  # an empty subnetId is no subnet: the interface's decides
    assert (iface.vpc, iface.reach) == (r["net"].urn, (Y, N))
    assert net.instance_interfaces(own)[0].vpc == r["other"].urn  # the instance's own subnet wins
    [lost] = net.instance_interfaces(nowhere)  # no subnet anywhere: the default VPC
    assert (lost.vpc, lost.membership.members) == (DEFAULT_VPC, {f"default:{DEFAULT_VPC}": Y})


def test_a_template_interface_not_known_yet_is_decided_by_its_dependencies() -> None:
    s, r = base()
    s.add(
        k.LAUNCH_TEMPLATE,
        "lt",
        {"networkInterfaces": (r["pub"].urn, r["web"].urn)},
        id="lt-1",
        networkInterfaces=[{"deviceIndex": 0, "subnetId": UNKNOWN, "securityGroups": [UNKNOWN]}],
    )
    s.add(k.LAUNCH_TEMPLATE, "lt-lookup", id="lt-2", vpcSecurityGroupIds=UNKNOWN)
    vm = s.add(k.INSTANCE_AWS, "vm", launchTemplate={"id": "lt-1"}, publicIp=UNKNOWN)
    looked_up = s.add(k.INSTANCE_AWS, "vm2", launchTemplate={"id": "lt-2"}, subnetId="subnet-pub")
    from dataclasses import replace as with_inputs

    s.items[-3] = with_inputs(s.items[-3], inputs=frozenset({"vpcSecurityGroupIds"}))  # the program set it
    net = s.net()
    [iface] = net.instance_interfaces(vm)
    assert (iface.vpc, iface.membership.members, iface.reach) == (r["net"].urn, {r["web"].urn: Y}, (Y, N))
    [wild] = net.instance_interfaces(looked_up).pop().membership.wildcards
    assert wild.vpc == r["net"].urn  # a lookup's group may be any group of the instance's VPC


@pytest.mark.parametrize("index", ["0.0", 0.0])
def test_device_zero_written_as_a_float_is_the_primary_interface_everywhere(index: Any) -> None:
    s, r = base()
    eni = s.add(k.ENI, "e0", id="eni-0", subnetId="subnet-priv", securityGroups=["sg-web"])
    s.add(
        k.LAUNCH_TEMPLATE,
        "attaching",
        id="lt-a",
        networkInterfaces=[{"deviceIndex": index, "networkInterfaceId": "eni-0"}],
    )
    s.add(
        k.LAUNCH_TEMPLATE,
        "second-first",
        id="lt-b",
        networkInterfaces=[
            {"deviceIndex": 1, "securityGroups": ["sg-x"]},
            {"deviceIndex": index, "securityGroups": ["sg-web"]},
        ],
    )
    on_eni = s.add(k.INSTANCE_AWS, "on-eni", launchTemplate={"id": "lt-a"})
    second = s.add(k.INSTANCE_AWS, "second", launchTemplate={"id": "lt-b"}, subnetId="subnet-priv", publicIp=UNKNOWN)
    native = s.add(
        k.INSTANCE_NATIVE,
        "native",
        instanceId="i-n",
        subnetId="subnet-priv",
        networkInterfaces=[
            {"deviceIndex": "1", "groupSet": ["sg-x"]},
            {"deviceIndex": str(index), "groupSet": ["sg-web"]},
        ],
    )
    net = s.net()
    assert net.enis_of[on_eni.urn] == [(eni, True)]
    assert net.instance_interfaces(second)[0].membership.members == {r["web"].urn: Y}
    assert net.instance_interfaces(native)[0].membership.members == {r["web"].urn: Y}


def test_a_template_interface_without_a_public_address_flag_follows_its_subnet() -> None:
    s, _ = base()
    s.add(k.LAUNCH_TEMPLATE, "lt", id="lt-1", networkInterfaces=[{"deviceIndex": 0, "securityGroups": ["sg-web"]}])
    vm = s.add(k.INSTANCE_AWS, "vm", launchTemplate={"id": "lt-1"}, subnetId="subnet-pub", publicIp=UNKNOWN)
    bare = s.add(k.INSTANCE_AWS, "bare", subnetId="", publicIp=UNKNOWN)
    net = s.net()
    assert net.instance_interfaces(vm)[0].reach == (Y, N)  # the subnet maps public addresses
    assert net.instance_interfaces(bare)[0].reach == (Y, N)  # no subnet: the default VPC's, public, no IPv6
