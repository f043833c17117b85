"""Unit tests of the closed world's modules (dns, shapes, lightsail, closed_world) and of what issue 18 added to
origins and judge, on hand-written resources: fast enough for mutation testing (tools/mutation/targets.toml)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from offline.snapshot import UNKNOWN
from origin_lockdown_judge import closed_world, coverage, dns, shapes
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.graph import StackGraph
from origin_lockdown_judge.ingress import analyze
from origin_lockdown_judge.lightsail import Lightsail, lightsail_origins
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import Group, Network
from origin_lockdown_judge.origins import (
    _urn_label,
    preservation_off,
    single_configs,
    substitute,
    tenant_parameters,
)
from origin_lockdown_judge.scope import analyse
from origin_lockdown_judge.world_cidr import Tri

Y, M, N = Tri.YES, Tri.MAYBE, Tri.NO
CFG = {"ports": [80, 443], "protocols": ["tcp"], "unknownValues": "deny", "scope": "origins"}
SG = k.SG_AWS
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
ZONE = "aws:route53/zone:Zone"
WORLD = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
LOCKED = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-3b927c52"]}


class Stack:
    def __init__(self) -> None:
        self.items: list[Res] = []

    def add(self, rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
        r = Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))
        self.items.append(r)
        return r

    def graph(self) -> StackGraph:
        return StackGraph.build(self.items)

    def findings(self, **cfg: Any) -> list[str]:
        return [f.message for f in analyze(self.items, {**CFG, **cfg})]


def alb(s: Stack, name: str, world: bool, dns_name: str | None = None) -> Res:
    s.add(SG, f"{name}-sg", id=f"sg-{name}", vpcId="vpc-1", ingress=[WORLD if world else LOCKED])
    return s.add(LB, name, id=f"arn:{name}", arn=f"arn:{name}", dnsName=dns_name or f"{name}.elb.amazonaws.com",
                 securityGroups=[f"sg-{name}"])  # fmt: skip


def cdn(s: Stack, domain: Any, rtype: str = k.DIST_AWS, deps: tuple[str, ...] = ()) -> Res:
    return s.add(rtype, "cdn", {"origins": deps} if deps else {}, origins=[{"originId": "web", "domainName": domain}])


# -- dns ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "zones", "fqdn", "expected"),
    [
        ("www", ["example.com"], None, ["www.example.com"]),
        ("www.example.com", ["example.com"], None, ["www.example.com"]),
        ("WWW.Example.com.", ["example.com"], None, ["www.example.com"]),
        ("", ["example.com"], None, ["example.com"]),
        ("www", [], None, ["www", "www.*"]),
        ("www.", [], None, ["www"]),
        ("www", ["example.com"], "api.example.org", ["api.example.org"]),
        ("www", ["example.com"], UNKNOWN, ["www.example.com"]),
        (UNKNOWN, ["example.com"], None, []),
        (None, ["example.com"], None, []),
    ],
)
def test_expand(name: Any, zones: list[str], fqdn: Any, expected: list[str]) -> None:
    assert dns.expand(name, zones, fqdn) == expected


def test_record_shapes_become_entries() -> None:
    s = Stack()
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    s.add("aws-native:route53:HostedZone", "native-zone", id="Z2", name="example.org.")
    s.add(k.RECORD_AWS, "plain", zoneId="Z1", name="www", records=["1.2.3.4"], aliases=[{"name": "a.elb.com"}])
    s.add(k.RECORDS_EXCLUSIVE, "all", {"resourceRecordSets": ("urn:x",)}, zoneId="Z1", resourceRecordSets=[
        {"name": "one.example.com", "resourceRecords": [{"value": "x.example.net"}]},
        {"name": "two", "aliasTarget": {"dnsName": "b.elb.com"}},
    ])  # fmt: skip
    s.add(k.RECORD_NATIVE, "native", name="api.example.org.", hostedZoneName="example.org.",
          resourceRecords=["5.6.7.8"], aliasTarget={"dnsName": "c.elb.com"})  # fmt: skip
    s.add(k.LIGHTSAIL_DOMAIN_ENTRY, "entry", domainName="example.net", name="shop", target="d.elb.com")
    s.add(
        "aws:route53/trafficPolicy:TrafficPolicy",
        "policy",
        id="tp-1",
        document=json.dumps(
            {"Endpoints": {"a": {"Type": "value", "Value": "e.elb.com"}, "b": {"Type": "cloudfront", "Value": "f.net"}}}
        ),
    )
    s.add(k.TRAFFIC_POLICY_INSTANCE, "tpi", name="tp", hostedZoneId="Z1", trafficPolicyId="tp-1")
    got = [(e.label, e.names, e.values, e.shared, e.private, e.name_known) for e in dns.entries(s.graph())]
    assert got == [
        ("Route 53 record 'plain'", ("www.example.com",), ("a.elb.com", "1.2.3.4"), False, False, True),
        ("Route 53 record 'all' resourceRecordSets[0]", ("one.example.com",), ("x.example.net",), True, False, True),
        ("Route 53 record 'all' resourceRecordSets[1]", ("two.example.com",), ("b.elb.com",), True, False, True),
        ("Route 53 record 'native'", ("api.example.org",), ("c.elb.com", "5.6.7.8"), False, False, True),
        ("Lightsail DNS entry 'entry'", ("shop.example.net",), ("d.elb.com",), False, False, True),
        ("Route 53 record 'tpi'", ("tp.example.com",), ("e.elb.com", "f.net"), False, False, True),
    ]
    entry = dns.entries(s.graph())[1]
    assert entry.key == entry.res.urn + "#resourceRecordSets[0]" and entry.value_deps == ("urn:x",)


def test_an_unknown_set_list_and_an_unknown_document() -> None:
    s = Stack()
    s.add(k.RECORDS_EXCLUSIVE, "all", {"resourceRecordSets": ("urn:lb",)}, zoneId="Z9", resourceRecordSets=UNKNOWN)
    s.add("aws:route53/trafficPolicy:TrafficPolicy", "policy", {"document": ("urn:lb",)}, id="tp-1", document=UNKNOWN)
    s.add(k.TRAFFIC_POLICY_INSTANCE, "tpi", {"trafficPolicyId": ("urn:pulumi:dev::p::aws:route53/trafficPolicy:"
                                                                 "TrafficPolicy::policy",)},
          name=UNKNOWN, hostedZoneId="Z9", trafficPolicyId=UNKNOWN)  # fmt: skip
    s.add("aws:route53/trafficPolicy:TrafficPolicy", "broken", id="tp-2", document="{not json")
    s.add(k.TRAFFIC_POLICY_INSTANCE, "bad", name="x.", hostedZoneId="Z9", trafficPolicyId="tp-2")
    [whole, tpi, bad] = dns.entries(s.graph())
    assert (whole.where, whole.names, whole.values, whole.value_deps) == ("resourceRecordSets[*]", (), (UNKNOWN,),
                                                                          ("urn:lb",))  # fmt: skip
    assert (tpi.names, tpi.name_known, tpi.values, tpi.value_deps) == ((), False, (UNKNOWN,), ("urn:lb",))
    assert (bad.names, bad.values) == (("x",), ())


def test_private_zones() -> None:
    s = Stack()
    s.add(ZONE, "public", zoneId="Z1", name="example.com")
    s.add(ZONE, "inside", zoneId="Z2", name="example.com", vpcs=[{"vpcId": UNKNOWN}])
    s.add(ZONE, "associated", zoneId="Z3", name="corp.example", vpcs=[{"vpcId": "vpc-0"}])
    s.add("aws:route53/zoneAssociation:ZoneAssociation", "assoc", zoneId="Z3", vpcId="vpc-1")
    # An association alone makes no zone private: AWS refuses it on a public zone (PublicZoneVPCAssociation).
    s.add(ZONE, "claimed", zoneId="Z5", name="claimed.example")
    s.add("aws:route53/zoneAssociation:ZoneAssociation", "claim", zoneId="Z5", vpcId="vpc-1")
    s.add("aws-native:route53:HostedZone", "native", id="Z4", name="int.example", vpcs=[{"vpcId": "vpc-1"}])
    for zone in ("Z1", "Z2", "Z3", "Z5"):
        s.add(k.RECORD_AWS, f"r-{zone}", zoneId=zone, name="www")
    s.add(k.RECORD_NATIVE, "r-native", hostedZoneId="Z4", name="www.int.example.")
    s.add(k.RECORD_NATIVE, "r-by-name", hostedZoneName="example.com.", name="api.example.com.")  # public wins
    s.add(k.RECORD_NATIVE, "r-elsewhere", hostedZoneName="other.example.", name="x.other.example.")
    s.add(k.RECORD_NATIVE, "r-private-by-name", hostedZoneName="corp.example.", name="db")
    s.add(k.RECORDS_EXCLUSIVE, "r-all-private", zoneId="Z3", resourceRecordSets=[{"name": "a"}, {"name": "b"}])
    s.add(k.RECORDS_EXCLUSIVE, "r-later-private", zoneId="Z3", resourceRecordSets=UNKNOWN)
    assert [(e.res.name, e.private) for e in dns.entries(s.graph())] == [
        ("r-Z1", False), ("r-Z2", True), ("r-Z3", True), ("r-Z5", False), ("r-native", True), ("r-by-name", False),
        ("r-elsewhere", False), ("r-private-by-name", True), ("r-all-private", True), ("r-all-private", True),
        ("r-later-private", True),
    ]  # fmt: skip
    assert [e.names for e in dns.entries(s.graph()) if e.res.name == "r-private-by-name"] == [("db.corp.example",)]
    s.add("aws:lightsail/domain:Domain", "ls", domainName="shop.example")
    assert dns.public_zone_names(s.graph()) == ["example.com", "claimed.example", "shop.example"]


def test_a_private_record_leads_nowhere_and_makes_no_name_exist() -> None:
    s = Stack()
    open_alb = alb(s, "inner", world=True)
    s.add(ZONE, "inside", zoneId="Z2", name="example.com", vpcs=[{"vpcId": "vpc-1"}])
    s.add(ZONE, "public", zoneId="Z1", name="example.com")
    s.add(k.RECORD_AWS, "private", zoneId="Z2", name="origin", aliases=[{"name": open_alb.props["dnsName"]}])
    s.add(k.RECORD_AWS, "wild", zoneId="Z1", name="*", aliases=[{"name": open_alb.props["dnsName"]}])
    cdn(s, "origin.example.com")
    # The private name does not exist for CloudFront: the public wildcard answers, and leads to the open ALB.
    [message] = s.findings()
    assert (
        "to security group 'inner-sg' on load balancer 'inner' (distribution 'cdn' -> origin 'web' "
        "(origin.example.com) "
        "-> Route 53 record 'wild' (*.example.com) -> load balancer 'inner')"
    ) in message


# -- shapes ---------------------------------------------------------------------------------------------------------


def shaped(rtype: str, deps: Mapping[str, tuple[str, ...]] | None = None, **props: Any) -> Res:
    return shapes.reshape(Res(f"urn:x::{rtype}::r", rtype, "r", props, dict(deps or {})))


def test_a_resource_of_no_other_shape_is_itself() -> None:
    res = Res("urn:x", SG, "sg", {"id": "sg-1"})
    assert shapes.reshape(res) is res and shapes.added_properties(SG) == frozenset()


def test_native_network_interface() -> None:
    r = shaped(k.ENI_NATIVE, {"groupSet": ("urn:sg",), "ipv6Addresses": ("urn:v6",)}, groupSet=["sg-1"],
               primaryPrivateIpAddress="10.0.0.5", privateIpAddress="10.0.0.4",
               privateIpAddresses=[{"privateIpAddress": "10.0.0.6"}], secondaryPrivateIpAddresses=["10.0.0.7"],
               ipv6Addresses=[{"ipv6Address": "2600::1"}], primaryIpv6Address="2600::2")  # fmt: skip
    assert dict(r.props) | {} == {**r.props}
    assert (r.props["securityGroups"], r.props["privateIp"], r.props["privateIps"], r.props["ipv6Addresses"]) == (
        ["sg-1"], "10.0.0.5", ["10.0.0.5", "10.0.0.6", "10.0.0.7"], ["2600::1", "2600::2"])  # fmt: skip
    assert r.dep("securityGroups") == ("urn:sg",) and r.dep("ipv6Addresses") == ("urn:v6",)
    assert r.props["groupSet"] == ["sg-1"] and "groupSet" in r.props and len(r.props) == len(set(r.props))
    unknown = shaped(k.ENI_NATIVE, ipv6Addresses=UNKNOWN, privateIpAddress="10.0.0.4", primaryIpv6Address="2600::2")
    assert unknown.props["ipv6Addresses"] == UNKNOWN and unknown.props["privateIps"] == ["10.0.0.4"]


def test_native_launch_template_and_configuration() -> None:
    r = shaped(k.LAUNCH_TEMPLATE_NATIVE, {"launchTemplateData": ("urn:sg",)}, launchTemplateName="lt",
               launchTemplateId="lt-1", launchTemplateData={"securityGroupIds": ["sg-1"], "securityGroups": ["web"],
               "networkInterfaces": [{"groups": ["sg-2"], "ipv6Addresses": [{"ipv6Address": "2600::1"}]}]})  # fmt: skip
    assert (r.props["name"], r.props["id"], r.props["vpcSecurityGroupIds"], r.props["securityGroupNames"]) == (
        "lt", "lt-1", ["sg-1"], ["web"])  # fmt: skip
    assert r.props["networkInterfaces"][0]["securityGroups"] == ["sg-2"]
    assert r.props["networkInterfaces"][0]["ipv6Addresses"] == ["2600::1"]
    assert r.dep("networkInterfaces") == r.dep("vpcSecurityGroupIds") == r.dep("securityGroupNames") == ("urn:sg",)
    unknown = shaped(k.LAUNCH_TEMPLATE_NATIVE, id="x", launchTemplateData=UNKNOWN)
    assert (unknown.props["id"], unknown.props["networkInterfaces"], unknown.props["vpcSecurityGroupIds"]) == (
        "x", UNKNOWN, UNKNOWN)  # fmt: skip
    assert shaped(k.LAUNCH_CONFIGURATION_NATIVE, launchConfigurationName="lc").props["name"] == "lc"


def test_native_auto_scaling_group() -> None:
    r = shaped(k.ASG_NATIVE, {"vpcZoneIdentifier": ("urn:s",), "launchConfigurationName": ("urn:lc",),
                              "loadBalancerNames": ("urn:elb",)}, autoScalingGroupName="asg", vpcZoneIdentifier=["s-1"],
               launchConfigurationName="lc", loadBalancerNames=["elb"], autoScalingGroupArn="arn:asg")  # fmt: skip
    assert [r.props[p] for p in ("name", "arn", "vpcZoneIdentifiers", "launchConfiguration", "loadBalancers")] == [
        "asg", "arn:asg", ["s-1"], "lc", ["elb"]]  # fmt: skip
    assert (r.dep("vpcZoneIdentifiers"), r.dep("launchConfiguration"), r.dep("loadBalancers")) == (
        ("urn:s",), ("urn:lc",), ("urn:elb",))  # fmt: skip


@pytest.mark.parametrize(("public", "expected"), [("ENABLED", True), ("enabled", True), ("DISABLED", False),
                                                  (UNKNOWN, UNKNOWN)])  # fmt: skip
def test_ecs_task_sets_and_native_services(public: Any, expected: Any) -> None:
    r = shaped("aws-native:ecs:Service", networkConfiguration={"awsvpcConfiguration": {
        "subnets": ["s-1"], "securityGroups": ["sg-1"], "assignPublicIp": public}},
        loadBalancers=[{"targetGroupArn": "arn:tg", "loadBalancerName": "elb", "containerPort": 80}])  # fmt: skip
    assert r.props["networkConfiguration"] == {
        "subnets": ["s-1"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": expected,
    }
    assert r.props["loadBalancers"][0]["elbName"] == "elb"
    aws_set = shaped("aws:ecs/taskSet:TaskSet", networkConfiguration={"subnets": ["s-1"], "assignPublicIp": True})
    assert aws_set.props["networkConfiguration"] == {"subnets": ["s-1"], "assignPublicIp": True}
    assert shaped("aws-native:ecs:TaskSet", networkConfiguration={"awsvpcConfiguration": UNKNOWN}).props[
        "networkConfiguration"] == UNKNOWN  # fmt: skip


def test_fleets() -> None:
    spot = shaped(k.SPOT_FLEET_AWS, {"launchSpecifications": ("urn:sg",)}, targetGroupArns=["arn:tg"],
                  launchSpecifications=[{"subnetId": "s-1", "vpcSecurityGroupIds": ["sg-1"],
                                         "associatePublicIpAddress": True}],
                  launchTemplateConfigs=[{"launchTemplateSpecification": {"id": "lt-1"},
                                          "overrides": [{"subnetId": "s-2"}]}])  # fmt: skip
    assert (spot.props["vpcZoneIdentifiers"], spot.props["launchTemplates"], spot.props["targetGroupArns"]) == (
        ["s-2", "s-1"], [{"id": "lt-1", "name": None}], ["arn:tg"])  # fmt: skip
    assert spot.props["launchSpecifications"][0]["securityGroups"] == ["sg-1"]
    assert spot.dep("launchSpecifications") == spot.dep("vpcZoneIdentifiers") == ("urn:sg",)
    fleet = shaped(k.FLEET_AWS, launchTemplateConfig=[{"launchTemplateSpecification": {"launchTemplateName": "lt"}}])
    assert fleet.props["launchTemplates"] == [{"id": None, "name": "lt"}] and fleet.props["launchSpecifications"] == []
    native = shaped(k.SPOT_FLEET_NATIVE, {"spotFleetRequestConfigData": ("urn:tg",)}, spotFleetRequestConfigData={
        "launchSpecifications": [{"securityGroups": [{"groupId": "sg-9"}], "subnetId": "s-9",
                                  "networkInterfaces": [{"groups": ["sg-8"], "deviceIndex": 0}]}],
        "loadBalancersConfig": {"targetGroupsConfig": {"targetGroups": [{"arn": "arn:tg"}]},
                                "classicLoadBalancersConfig": {"classicLoadBalancers": [{"name": "elb"}]}},
    })  # fmt: skip
    assert (native.props["targetGroupArns"], native.props["loadBalancers"], native.props["vpcZoneIdentifiers"]) == (
        ["arn:tg"], ["elb"], ["s-9"])  # fmt: skip
    assert native.props["launchSpecifications"][0]["securityGroups"] == ["sg-9"]
    assert native.props["launchSpecifications"][0]["networkInterfaces"][0]["securityGroups"] == ["sg-8"]
    assert native.dep("targetGroupArns") == ("urn:tg",)
    unknown = shaped(k.EC2_FLEET_NATIVE, launchTemplateConfigs=UNKNOWN)
    assert (unknown.props["vpcZoneIdentifiers"], unknown.props["launchTemplates"]) == (UNKNOWN, UNKNOWN)


def test_classic_container_service_and_vpc() -> None:
    elb = shaped(k.LB_CLASSIC_NATIVE, loadBalancerName="elb", scheme="internal",
                 listeners=[{"loadBalancerPort": "443", "instancePort": "80"}])  # fmt: skip
    assert (elb.props["name"], elb.props["internal"], elb.props["listeners"][0]["lbPort"]) == ("elb", True, "443")
    assert shaped(k.LB_CLASSIC_NATIVE, scheme=UNKNOWN).props["internal"] == UNKNOWN
    assert shaped(k.LB_CLASSIC_NATIVE).props["internal"] is False
    svc = shaped(k.LIGHTSAIL_CONTAINER_SERVICE, url="https://app.x1.us-east-1.cs.amazonlightsail.com/")
    assert svc.props["dnsName"] == "app.x1.us-east-1.cs.amazonlightsail.com"
    later = shaped(k.LIGHTSAIL_CONTAINER_SERVICE, {"url": ("urn:u",)}, url=UNKNOWN)
    assert later.props["dnsName"] == UNKNOWN and later.dep("dnsName") == ("urn:u",)
    assert shaped(k.VPC_NATIVE, defaultSecurityGroup="sg-d").props["defaultSecurityGroupId"] == "sg-d"
    assert shapes.added_properties(k.VPC_NATIVE) == frozenset({"defaultSecurityGroupId"})


# -- lightsail --------------------------------------------------------------------------------------------------------


def lightsail_stack(ports: Any = None, address_type: Any = None) -> tuple[Stack, Res]:
    s = Stack()
    vm = s.add(k.LIGHTSAIL_INSTANCE, "site", id="site", name="site", publicIpAddress="34.1.1.1",
               **({"ipAddressType": address_type} if address_type is not None else {}))  # fmt: skip
    if ports is not None:
        s.add(k.LIGHTSAIL_PUBLIC_PORTS, "ports", instanceName="site", portInfos=ports)
    return s, vm


def test_an_instance_without_ports_keeps_the_default_firewall() -> None:
    s, vm = lightsail_stack()
    graph = s.graph()
    net = Network(graph)
    iface = Lightsail(graph, net).instance(vm)
    key = f"lightsail-firewall:{vm.urn}"
    assert (iface.label, iface.membership.members, iface.reach) == ("Lightsail instance 'site'", {key: Y}, (Y, Y))
    rules = net.implicit_rules[key]
    assert [(r.where, r.from_port, r.cidrs) for r in rules] == [
        (f"default firewall (tcp {p})", p, (("cidrBlocks", "0.0.0.0/0"), ("ipv6CidrBlocks", "::/0")))
        for p in (22, 80, 443, 3389)
    ]
    assert net.groups[key].label == "the firewall of Lightsail instance 'site'"


@pytest.mark.parametrize(("kind", "reach"), [("ipv4", (Y, N)), ("ipv6", (N, Y)), ("dualstack", (Y, Y)),
                                              (UNKNOWN, (M, M))])  # fmt: skip
def test_an_instances_address_type(kind: Any, reach: tuple[Tri, Tri]) -> None:
    s, vm = lightsail_stack(address_type=kind)
    graph = s.graph()
    assert Lightsail(graph, Network(graph)).instance(vm).reach == reach


def test_public_ports_replace_the_default() -> None:
    s, vm = lightsail_stack([{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrs": ["203.0.113.0/24"],
                              "ipv6Cidrs": ["2001:db8::/32"]}])  # fmt: skip
    graph = s.graph()
    net = Network(graph)
    Lightsail(graph, net).instance(vm)
    [rule] = net.implicit_rules[f"lightsail-firewall:{vm.urn}"]
    assert (rule.label, rule.protocol, rule.cidrs) == (
        "ports.portInfos[0]", "tcp",
        (("cidrBlocks", "203.0.113.0/24"), ("ipv6CidrBlocks", "2001:db8::/32")))  # fmt: skip
    s2, vm2 = lightsail_stack(UNKNOWN)
    graph2 = s2.graph()
    net2 = Network(graph2)
    Lightsail(graph2, net2).instance(vm2)
    [opaque] = net2.implicit_rules[f"lightsail-firewall:{vm2.urn}"]
    assert (opaque.where, opaque.from_port) == ("portInfos[*]", None)


def test_load_balancers_static_ips_and_distributions() -> None:
    s, vm = lightsail_stack()
    lb = s.add(k.LIGHTSAIL_LB, "lb", name="lb", dnsName="lb.elb.com", publicPorts=[80, 443], instancePort=8080)
    s.add(k.LIGHTSAIL_LB_ATTACHMENT, "att", lbName="lb", instanceName="site")
    ip = s.add(k.LIGHTSAIL_STATIC_IP, "ip", name="ip", ipAddress="35.1.1.1")
    att = s.add(
        k.LIGHTSAIL_STATIC_IP_ATTACHMENT, "ip-att", staticIpName="ip", instanceName="site", ipAddress="35.1.1.1"
    )
    svc = s.add(k.LIGHTSAIL_CONTAINER_SERVICE, "svc", name="svc")
    graph = s.graph()
    net = Network(graph)
    ls = Lightsail(graph, net)
    assert ls.behind == {lb.urn: [vm]}
    assert ls.instances_of_address(ip) == [vm] and ls.instances_of_address(att) == [vm]
    assert [r.from_port for r in net.implicit_rules.get(f"lightsail-lb:{lb.urn}", [])] == []
    assert ls.load_balancer(lb).label == "Lightsail load balancer 'lb'"
    assert [r.from_port for r in net.implicit_rules[f"lightsail-lb:{lb.urn}"]] == [80, 443]
    ls.container_service(svc)
    assert [r.from_port for r in net.implicit_rules[f"lightsail-containers:{svc.urn}"]] == [
        80, 443]  # fmt: skip
    no_ports = s.add(k.LIGHTSAIL_LB, "lb2", name="lb2", publicPorts=UNKNOWN)
    ls.load_balancer(no_ports)
    assert [r.from_port for r in net.implicit_rules[f"lightsail-lb:{no_ports.urn}"]] == [80, 443]
    dist = Res("urn:d", k.LIGHTSAIL_DISTRIBUTION, "d", {"origin": {"name": "site", "protocolPolicy": "http-only"}})
    items, _ = lightsail_origins(dist)
    assert items == [{"originId": "site", "lightsailName": "site",
                      "customOriginConfig": {"originProtocolPolicy": "http-only", "httpPort": 80,
                                             "httpsPort": 443}}]  # fmt: skip
    assert lightsail_origins(Res("urn:d", k.LIGHTSAIL_DISTRIBUTION, "d", {"origin": UNKNOWN}, {"origin": ("u",)})) == (
        None, ("u",))  # fmt: skip
    assert lightsail_origins(Res("urn:d", k.LIGHTSAIL_DISTRIBUTION, "d", {})) == ([], ())


def test_a_lightsail_origin_end_to_end() -> None:
    s, _ = lightsail_stack()
    s.add(k.LIGHTSAIL_STATIC_IP, "ip", name="ip", ipAddress="35.1.1.1")
    s.add(k.LIGHTSAIL_STATIC_IP_ATTACHMENT, "ip-att", staticIpName="ip", instanceName="site")
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    s.add(k.RECORD_AWS, "a", zoneId="Z1", name="origin", records=["35.1.1.1"])
    cdn(s, "origin.example.com")
    https, http = s.findings()
    for message, port in ((https, 443), (http, 80)):
        assert message.startswith(
            f"Rule 'site.default firewall (tcp {port})' (aws:lightsail/instance:Instance) admits 0.0.0.0/0 = all of "
            f"IPv4 on tcp {port}; ::/0 = all of IPv6 on tcp {port} to the firewall of Lightsail instance 'site' on "
            "Lightsail instance 'site' (distribution 'cdn' -> origin 'web' (origin.example.com) -> Route 53 record 'a' "
            "(origin.example.com) -> Lightsail static IP 'ip' -> Lightsail instance 'site')."
        )


# -- origins: tenants, NLB client addresses, listener ports ---------------------------------------------------------


def test_tenant_parameters_and_substitution() -> None:
    dist = Res("urn:d", k.DIST_MULTITENANT, "saas", {"tenantConfig": {"parameterDefinitions": [
        {"name": "origin", "definitions": [{"stringSchemas": [{"required": False, "defaultValue": "d.example"}]}]},
        {"name": "path", "definitions": [{"stringSchemas": [{"required": True}]}]}]}})  # fmt: skip
    tenant = Res("urn:t", "aws:cloudfront/distributionTenant:DistributionTenant", "t",
                 {"parameters": [{"name": "path", "value": "p"}, {"name": 7, "value": "x"}]})  # fmt: skip
    assert tenant_parameters(dist, tenant) == {"origin": "d.example", "path": "p"}
    assert substitute("{{origin}}.x", {"origin": "a"}) == "a.x"
    assert substitute("{{ origin }}-{{other}}", {"origin": "a", "other": "b"}) == "a-b"
    assert substitute("{{origin}}", {"origin": UNKNOWN}) == UNKNOWN
    assert substitute("{{origin}}", {}) is None
    native = Res("urn:n", k.DIST_NATIVE, "n", {"distributionConfig": {"tenantConfig": {"parameterDefinitions": [
        {"name": "origin", "definition": {"stringSchema": {"defaultValue": "n.example"}}}]}}})  # fmt: skip
    assert tenant_parameters(native, Res("urn:t2", "x", "t2", {})) == {"origin": "n.example"}


def test_single_configs() -> None:
    origin = {"id": "web", "customOriginConfigs": [{"httpPort": 81}], "vpcOriginConfigs": []}
    assert single_configs(origin) == {**origin, "customOriginConfig": {"httpPort": 81}, "vpcOriginConfig": None}
    vpc = {"vpcOriginConfigs": [{"vpcOriginId": "vo-1"}]}
    assert single_configs(vpc) == {**vpc, "customOriginConfig": None, "vpcOriginConfig": {"vpcOriginId": "vo-1"}}
    assert single_configs({"customOriginConfigs": UNKNOWN})["customOriginConfig"] == UNKNOWN
    assert single_configs("x") == "x"


@pytest.mark.parametrize(
    ("props", "off"),
    [
        ({}, N),  # instance targets: on
        ({"targetType": "ip", "protocol": "TCP"}, Y),
        ({"targetType": "ip", "protocol": "tls"}, Y),
        ({"targetType": "ip"}, Y),  # TCP by default
        ({"targetType": "ip", "protocol": "UDP"}, N),
        ({"targetType": "ip", "protocol": "TCP_UDP"}, N),
        ({"targetType": "IP", "protocol": "TCP", "preserveClientIp": "true"}, N),
        ({"preserveClientIp": "false"}, Y),
        ({"preserveClientIp": False}, Y),
        ({"preserveClientIp": UNKNOWN}, M),
        ({"targetType": UNKNOWN}, M),
        ({"targetType": "ip", "protocol": UNKNOWN}, M),
        ({"targetType": "alb", "protocol": "TCP"}, N),
    ],
)
def test_preservation_off(props: dict[str, Any], off: Tri) -> None:
    assert preservation_off(Res("urn:tg", TG, "tg", props)) is off


@pytest.mark.parametrize(
    ("attributes", "off"),
    [
        ([{"key": "preserve_client_ip.enabled", "value": "false"}], Y),
        ([{"key": "preserve_client_ip.enabled", "value": "true"}], N),
        ([{"key": "stickiness.enabled", "value": "true"}], N),
        (UNKNOWN, M),
    ],
)
def test_preservation_off_native(attributes: Any, off: Tri) -> None:
    tg = Res("urn:tg", k.TARGET_GROUP_NATIVE, "tg", {"targetGroupAttributes": attributes, "targetType": "instance"})
    assert preservation_off(tg) is off


def nlb_stack(tg_props: dict[str, Any], lb_props: dict[str, Any] | None = None, port: Any = 443) -> Stack:
    s = Stack()
    lb = s.add(LB, "nlb", id="arn:nlb", arn="arn:nlb", dnsName="nlb.elb.com", loadBalancerType="network",
               **(lb_props or {}))  # fmt: skip
    tg = s.add(TG, "tg", id="arn:tg", arn="arn:tg", **tg_props)
    s.add(LISTENER, "l", loadBalancerArn=lb.props["arn"], port=port,
          defaultActions=[{"type": "forward", "targetGroupArn": tg.props["arn"]}])  # fmt: skip
    cdn(s, "nlb.elb.com")
    return s


def test_an_nlb_that_hides_clients() -> None:
    [message] = nlb_stack({"preserveClientIp": "false"}).findings()
    assert message.startswith(
        "Rule 'tg.preserveClientIp' (aws:lb/targetGroup:TargetGroup) admits 0.0.0.0/0 = all of IPv4 on tcp 443 to no "
        "security group (network load balancer 'nlb' has none, and its targets see its own addresses instead of "
        "clients') on load balancer 'nlb' (distribution 'cdn' -> origin 'web' (nlb.elb.com) -> load balancer 'nlb')."
    )
    assert nlb_stack({"preserveClientIp": "true"}).findings() == []
    assert nlb_stack({"preserveClientIp": "false"}, {"internal": True}).findings() == []
    dual = nlb_stack({}, {"ipAddressType": "dualstack"}).findings()
    assert len(dual) == 1 and "::/0 = all of IPv6 on tcp 443" in dual[0] and "0.0.0.0/0" not in dual[0]
    assert nlb_stack({"ipAddressType": "ipv6"}, {"ipAddressType": "dualstack"}).findings() == []
    both = nlb_stack({"preserveClientIp": "false"}, {"ipAddressType": "dualstack-without-public-ipv4"}).findings()
    assert "0.0.0.0/0" in both[0] and "::/0" in both[0]
    [maybe] = nlb_stack({"preserveClientIp": UNKNOWN}).findings()
    assert maybe.startswith("Cannot verify at preview")
    assert nlb_stack({"preserveClientIp": "false"}, port=8443).findings()[0].split(" on load")[0].endswith("tcp 8443 to"
        " no security group (network load balancer 'nlb' has none, and its targets see its own addresses instead of"
        " clients')")  # fmt: skip


def test_every_listener_port_is_served() -> None:
    s = Stack()
    s.add(SG, "sg", id="sg-1", vpcId="vpc-1", ingress=[LOCKED, {**WORLD, "fromPort": 8080, "toPort": 8080}])
    lb = s.add(LB, "alb", id="arn:alb", arn="arn:alb", dnsName="alb.elb.com", securityGroups=["sg-1"])
    for port in (8080, "x", 70000):
        s.add(LISTENER, f"l{port}", loadBalancerArn="arn:alb", port=port, defaultActions=[])
    cdn(s, "alb.elb.com")
    [message] = s.findings()
    assert "on tcp 8080 to security group 'sg' on load balancer 'alb'" in message and lb.name == "alb"
    elb = Stack()
    elb.add(SG, "sg", id="sg-1", vpcId="vpc-1", ingress=[{**WORLD, "fromPort": 8443, "toPort": 8443}])
    elb.add("aws:elb/loadBalancer:LoadBalancer", "classic", dnsName="classic.elb.com", securityGroups=["sg-1"],
            subnets=["s-1"], listeners=[{"lbPort": 8443, "instancePort": 80}])  # fmt: skip
    cdn(elb, "classic.elb.com")
    assert ["on tcp 8443" in m for m in elb.findings()] == [True]


def test_a_name_from_the_same_generated_value_links_a_record_at_preview() -> None:
    s = Stack()
    pet = "urn:pulumi:dev::p::random:index/randomPet:RandomPet::name"
    alb(s, "open", world=True, dns_name=UNKNOWN)
    s.add(k.RECORD_AWS, "rec", {"name": (pet,), "records": ("urn:pulumi:dev::p::" + LB + "::open",)},
          zoneId="Z1", name=UNKNOWN, records=[UNKNOWN])  # fmt: skip
    s.add(k.RECORD_AWS, "other", {"name": ("urn:other",)}, zoneId="Z1", name=UNKNOWN, records=["1.2.3.4"])
    cdn(s, UNKNOWN, deps=(pet,))
    [message] = s.findings()
    assert message.startswith(
        "Cannot verify at preview: the name of Route 53 record 'rec' and an origin's domain both derive from 'name' "
        "(random:index/randomPet:RandomPet), not known yet, so they may be the same name."
    )
    assert _urn_label(pet) == "'name' (random:index/randomPet:RandomPet)" and _urn_label("urn:x") == "urn:x"
    assert _urn_label("urn:pulumi:s::p::a$b:c/d:E::n") == "'n' (b:c/d:E)"


# -- judge: prefix-list entries of lists from elsewhere ---------------------------------------------------------------


def entry_stack(rule_list: Any, entry_list: Any, cidr: Any, rule_deps: tuple[str, ...] = ()) -> Stack:
    s = Stack()
    s.add(SG, "sg", id="sg-1", vpcId="vpc-1", ingress=[LOCKED])
    s.add(k.RULE_VPC_IN, "from-partners", {"prefixListId": rule_deps} if rule_deps else {}, securityGroupId="sg-1",
          ipProtocol="tcp", fromPort=443, toPort=443, prefixListId=rule_list)  # fmt: skip
    s.add(k.PREFIX_LIST_ENTRY, "entry", prefixListId=entry_list, cidr=cidr)
    s.add(LB, "alb", arn="arn:alb", dnsName="alb.elb.com", securityGroups=["sg-1"])
    cdn(s, "alb.elb.com")
    return s


def test_an_entry_on_a_foreign_list_the_origin_admits() -> None:
    [message] = entry_stack("pl-0abc", "PL-0ABC", "0.0.0.0/0").findings()
    assert message.startswith(
        "Rule 'from-partners' (aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule) admits 0.0.0.0/0 (prefix "
        "list "
        "pl-0abc (entry 'entry')) = all of IPv4 on tcp 443"
    )
    assert entry_stack("pl-0abc", "pl-0other", "0.0.0.0/0").findings() == []
    assert entry_stack("pl-0abc", "pl-0abc", "10.0.0.0/8").findings() == []
    [unknown_cidr] = entry_stack("pl-0abc", "pl-0abc", UNKNOWN).findings()
    assert "cidr of entry 'entry' is not known yet" in unknown_cidr
    [unplaced] = entry_stack("pl-0abc", UNKNOWN, "0.0.0.0/0").findings()
    assert "the prefix list of entry 'entry' is not known yet: it may be pl-0abc" in unplaced
    [lookup] = entry_stack(UNKNOWN, "pl-0abc", "0.0.0.0/0").findings()
    assert "is not known yet and may be the one entry 'entry' adds to" in lookup
    # Depending on a list of the stack, it is that list (with no entries), not the foreign one.
    managed = entry_stack(
        UNKNOWN, "pl-0abc", "0.0.0.0/0", rule_deps=("urn:pulumi:dev::p::" + k.PREFIX_LIST_AWS + "::mine",)
    )
    managed.add(k.PREFIX_LIST_AWS, "mine", id=UNKNOWN, entries=[])
    assert managed.findings() == []


# -- closed_world -----------------------------------------------------------------------------------------------------


def connected_stack(new_props: dict[str, Any], deps: Mapping[str, tuple[str, ...]] | None = None) -> Stack:
    s = Stack()
    origin = alb(s, "origin", world=False)
    s.add(k.PREFIX_LIST_AWS, "partners", id="pl-0partners", entries=[])
    s.add(k.RULE_VPC_IN, "from-partners", securityGroupId="sg-origin", ipProtocol="tcp", fromPort=443, toPort=443,
          prefixListId="pl-0partners")  # fmt: skip
    cdn(s, origin.props["dnsName"])
    s.add("aws:ec2/vpcEndpointService:VpcEndpointService", "svc", deps, **new_props)
    return s


@pytest.mark.parametrize(
    ("props", "deps", "names"),
    [
        ({"networkLoadBalancerArns": ["arn:origin"]}, None, "networkLoadBalancerArns[0] names load balancer 'origin'"),
        ({"x": {"y": ["ORIGIN.elb.amazonaws.com."]}}, None, "x.y[0] names load balancer 'origin'"),
        ({"groups": ["sg-origin"]}, None, "groups[0] names security group 'origin-sg'"),
        ({"lists": "pl-0partners"}, None, "lists names prefix list 'partners' of security group 'origin-sg'"),
        ({"d": UNKNOWN}, {"d": ("urn:pulumi:dev::p::aws:cloudfront/distribution:Distribution::cdn",)},
         "d names distribution 'cdn'"),
    ],
)  # fmt: skip
def test_what_connects_a_resource_to_an_origin(props: dict[str, Any], deps: Any, names: str) -> None:
    [message] = connected_stack(props, deps).findings()
    assert message.startswith(
        "Cannot verify: aws:ec2/vpcEndpointService:VpcEndpointService 'svc' is not modelled (PrivateLink: every VPC"
    )
    assert f"It is connected to an origin: {names}" in message
    assert message.endswith(closed_world.FIX)


@pytest.mark.parametrize(
    ("props", "deps"),
    [
        ({"vpcId": "vpc-1", "subnetIds": ["s-1"]}, None),  # a VPC or subnet alone
        ({"tags": {"lb": "arn:origin"}, "tagsAll": {"x": "sg-origin"}}, None),  # tags are free text
        ({"description": "origin"}, None),  # a name alone is not a reference
        ({"x": "arn:other"}, None),
        ({"x": UNKNOWN}, {"x": ("urn:unrelated",)}),
    ],
)
def test_what_does_not_connect(props: dict[str, Any], deps: Any) -> None:
    assert connected_stack(props, deps).findings() == []


def test_exempt_types_and_aliases() -> None:
    s = connected_stack({"networkLoadBalancerArns": ["arn:origin"]})
    assert s.findings(exemptTypes=["aws:ec2/vpcEndpointService:VpcEndpointService"]) == []
    assert len(s.findings(exemptTypes=["aws:ec2/route:Route", 7])) == 1
    many = connected_stack({"a": "arn:origin", "b": "sg-origin", "c": "pl-0partners", "d": "origin.elb.amazonaws.com"})
    [message] = many.findings()
    assert "; and 1 more." in message


def test_an_unknown_type_says_the_table_does_not_know_it() -> None:
    s = Stack()
    origin = alb(s, "origin", world=False)
    cdn(s, origin.props["dnsName"])
    s.add("aws:lb/listenerOfTomorrow:ListenerOfTomorrow", "new", loadBalancerArn="arn:origin")
    [message] = s.findings()
    assert message.startswith(
        "Cannot verify: aws:lb/listenerOfTomorrow:ListenerOfTomorrow 'new' is not modelled (a type the pack's table of "
        "provider types does not know). It is connected to an origin: loadBalancerArn names load balancer 'origin'"
    )


def test_the_default_group_of_a_vpc_is_on_the_chain_by_its_id() -> None:
    s = Stack()
    s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1", defaultSecurityGroupId="sg-default")
    s.add(LB, "alb", arn="arn:alb", dnsName="alb.elb.com", subnets=["s-1"])
    s.add("aws:ec2/subnet:Subnet", "s", id="s-1", vpcId="vpc-1")
    cdn(s, "alb.elb.com")
    s.add("aws:ec2/securityGroupRulesOfTomorrow:SecurityGroupRulesOfTomorrow", "new", groupId="sg-default")
    [message] = s.findings()
    assert "groupId names the default security group of VPC 'net'" in message


def test_nothing_to_look_at_costs_nothing() -> None:
    a = analyse([Res("urn:a", "aws:s3/bucket:Bucket", "b", {"bucket": "arn:origin"})])
    assert closed_world.findings(a, CFG) == []


def rule_fields(rule: Any) -> tuple[Any, ...]:
    """Every field of a rule (what the judge may read of it)."""
    return (
        rule.owner, rule.where, rule.direction, rule.protocol, rule.from_port, rule.to_port, rule.cidrs,
        rule.unknown_cidr_lists, rule.prefix_lists, rule.prefix_lists_unknown, rule.prefix_list_deps, rule.peer_groups,
        rule.target_prop, rule.opaque,
    )  # fmt: skip


def iface_fields(iface: Any) -> tuple[Any, ...]:
    m = iface.membership
    return (iface.key, iface.label, iface.res, m.members, m.why, m.wildcards, m.named, iface.reach, iface.reach_why,
            iface.vpc)  # fmt: skip


WORLD_CIDRS = (("cidrBlocks", "0.0.0.0/0"), ("ipv6CidrBlocks", "::/0"))


def test_lightsail_interfaces_and_rules_field_by_field() -> None:
    s, vm = lightsail_stack()
    first = s.add(k.LIGHTSAIL_PUBLIC_PORTS, "later", {"instanceName": (vm.urn,)}, instanceName=UNKNOWN,
                  portInfos=UNKNOWN)  # fmt: skip
    second = s.add(k.LIGHTSAIL_PUBLIC_PORTS, "ports", instanceName="site", portInfos=[
        {"protocol": "tcp", "fromPort": 8000, "toPort": 8080, "cidrs": ["203.0.113.0/24"]}])  # fmt: skip
    lb = s.add(k.LIGHTSAIL_LB, "lb", name="lb", publicPorts=[8443, UNKNOWN], ipAddressType="ipv4")
    svc = s.add(k.LIGHTSAIL_CONTAINER_SERVICE, "svc", name="svc")
    other = s.add(k.LIGHTSAIL_INSTANCE, "other", name="other")
    s.add(k.LIGHTSAIL_LB_ATTACHMENT, "att-1", lbName="lb", instanceName="site")
    s.add(k.LIGHTSAIL_LB_ATTACHMENT, "att-2", {"instanceName": (other.urn,)}, lbName="lb", instanceName=UNKNOWN)
    ip = s.add(k.LIGHTSAIL_STATIC_IP, "ip", name="ip")
    s.add(k.LIGHTSAIL_STATIC_IP_ATTACHMENT, "ip-1", staticIpName="ip", instanceName="site")
    s.add(k.LIGHTSAIL_STATIC_IP_ATTACHMENT, "ip-2", {"staticIpName": (ip.urn,)}, staticIpName=UNKNOWN,
          instanceName="other")  # fmt: skip
    graph = s.graph()
    net = Network(graph)
    ls = Lightsail(graph, net)
    assert ls.ports_of == {vm.urn: [first, second]} and ls.behind == {lb.urn: [vm, other]}
    assert ls.instances_of_address(ip) == [vm, other]
    what = "Lightsail instance 'site'"
    key = f"lightsail-firewall:{vm.urn}"
    assert iface_fields(ls.instance(vm)) == (
        vm.urn, what, vm, {key: Y}, {}, [], True, (Y, Y), (f"the address type of {what}",) * 2, None)  # fmt: skip
    assert [rule_fields(r) for r in net.implicit_rules[key]] == [
        (first, "portInfos[*]", "ingress", "tcp", None, None, WORLD_CIDRS, (), (), False, (), 0, "", False),
        (second, "portInfos[0]", "ingress", "tcp", 8000, 8080, (("cidrBlocks", "203.0.113.0/24"),), (), (), False, (),
         0, "", False),
    ]  # fmt: skip
    assert net.groups[key] == Group(key, "the firewall of Lightsail instance 'site'", None, None)
    lb_key = f"lightsail-lb:{lb.urn}"
    assert iface_fields(ls.load_balancer(lb)) == (
        lb.urn, "Lightsail load balancer 'lb'", lb, {lb_key: Y}, {}, [], True, (Y, N), ("", ""), None)  # fmt: skip
    assert [rule_fields(r) for r in net.implicit_rules[lb_key]] == [
        (lb, "publicPorts", "ingress", "tcp", 8443, 8443, WORLD_CIDRS, (), (), False, (), 0, "", False)]  # fmt: skip
    assert net.groups[lb_key].label == (
        "no firewall (a Lightsail load balancer admits everyone on its public ports, 'lb' included)")  # fmt: skip
    svc_key = f"lightsail-containers:{svc.urn}"
    assert iface_fields(ls.container_service(svc)) == (
        svc.urn, "Lightsail container service 'svc'", svc, {svc_key: Y}, {}, [], True, (Y, Y), ("", ""), None,
    )  # fmt: skip
    assert [rule_fields(r) for r in net.implicit_rules[svc_key]] == [
        (svc, "url", "ingress", "tcp", p, p, WORLD_CIDRS, (), (), False, (), 0, "", False) for p in (80, 443)
    ]  # fmt: skip
    assert net.groups[svc_key].label == (
        "no firewall (the public endpoint of a Lightsail container service admits everyone, 'svc' included)"
    )  # fmt: skip


def test_a_lightsail_distribution_without_a_protocol_policy_matches_the_viewer() -> None:
    dist = Res("urn:d", k.LIGHTSAIL_DISTRIBUTION, "d", {"origin": {"name": "site"}}, {"origin": ("urn:site",)})
    assert lightsail_origins(dist) == (
        [{"originId": "site", "lightsailName": "site",
          "customOriginConfig": {"originProtocolPolicy": "match-viewer", "httpPort": 80, "httpsPort": 443}}],
        ("urn:site",),
    )  # fmt: skip


def entry_fields(e: dns.Entry) -> tuple[Any, ...]:
    return (e.res.name, e.where, e.names, e.name_known, e.values, e.value_deps, e.name_deps, e.shared, e.private)


def test_every_field_of_every_record_shape() -> None:
    s = Stack()
    zone = s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    inside = s.add(ZONE, "inside", zoneId="Z2", name="corp.example", vpcs=[{"vpcId": "vpc-0"}])
    s.add("aws:route53/zoneAssociation:ZoneAssociation", "assoc", {"zoneId": (inside.urn,)}, zoneId=UNKNOWN)
    native = s.add("aws-native:route53:HostedZone", "native", name="example.org")
    s.add(k.RECORD_AWS, "fq", {"zoneId": (zone.urn,), "name": ("urn:n",), "aliases": ("urn:a",)}, zoneId=UNKNOWN,
          name=UNKNOWN, fqdn="www.example.com", aliases=[{"name": "a.elb.com"}])  # fmt: skip
    s.add(k.RECORD_AWS, "private", zoneId="Z2", name="db", records=["10.0.0.1"])
    s.add(k.RECORD_NATIVE, "by-dep", {"hostedZoneId": (native.urn,), "resourceRecords": ("urn:r",),
                                       "aliasTarget": ("urn:at",)},
          hostedZoneId=UNKNOWN, name="api", resourceRecords=[UNKNOWN])  # fmt: skip
    s.add(k.RECORDS_EXCLUSIVE, "one", {"resourceRecordSets": ("urn:s",)}, zoneId="Z1",
          resourceRecordSets=[{"name": UNKNOWN, "aliasTarget": {"dnsName": UNKNOWN}}])  # fmt: skip
    policy = s.add("aws:route53/trafficPolicy:TrafficPolicy", "policy", {"document": ("urn:d",)}, id="tp-1",
                   document=json.dumps({"Endpoints": {"a": {"Value": "e.elb.com"}}}))  # fmt: skip
    s.add(k.TRAFFIC_POLICY_INSTANCE, "tpi", {"name": ("urn:tn",), "trafficPolicyId": (policy.urn,)}, name="tp",
          hostedZoneId="Z2", trafficPolicyId=UNKNOWN)  # fmt: skip
    s.add(k.LIGHTSAIL_DOMAIN_ENTRY, "entry", {"target": ("urn:t",), "name": ("urn:en",), "domainName": ("urn:ed",)},
          domainName=UNKNOWN, name="shop", target="d.elb.com")  # fmt: skip
    s.add(k.LIGHTSAIL_DOMAIN_ENTRY, "known", domainName="shop.example", name=UNKNOWN, target="x")
    assert [entry_fields(e) for e in dns.entries(s.graph())] == [
        ("fq", "", ("www.example.com",), True, ("a.elb.com",), ("urn:a",), ("urn:n",), False, False),
        ("private", "", ("db.corp.example",), True, ("10.0.0.1",), (), (), False, True),
        ("by-dep", "", ("api.example.org",), True, (UNKNOWN,), ("urn:at", "urn:r"), (), False, False),
        ("one", "resourceRecordSets[0]", (), False, (UNKNOWN,), ("urn:s",), ("urn:s",), False, False),
        ("tpi", "", ("tp.corp.example",), True, ("e.elb.com",), ("urn:d",), ("urn:tn",), False, True),
        ("entry", "", (), False, ("d.elb.com",), ("urn:t",), ("urn:en", "urn:ed"), False, False),
        ("known", "", (), False, ("x",), (), (), False, False),
    ]


@pytest.mark.parametrize(
    ("document", "values"),
    [
        (None, []),
        ({"Endpoints": {"a": {"Value": "x"}}}, []),  # a document is JSON text
        ("[]", []),
        ('{"Endpoints": []}', []),
        ('{"Endpoints": {"a": {"Value": "x"}, "b": {}}}', ["x", None]),
        (UNKNOWN, [UNKNOWN]),
    ],
)
def test_traffic_policy_endpoints(document: Any, values: list[Any]) -> None:
    assert dns._endpoints(document) == values


def chain_stack() -> tuple[Stack, dict[str, Res]]:
    s = Stack()
    r: dict[str, Res] = {}
    r["vpc"] = s.add("aws:ec2/vpc:Vpc", "net", id="vpc-1", defaultSecurityGroupId="sg-default")
    r["sg"] = s.add(SG, "web-sg", id="sg-web", vpcId="vpc-1", ingress=[
        LOCKED, {"protocol": "tcp", "fromPort": 22, "toPort": 22, "prefixListIds": [UNKNOWN, "pl-0second"]},
    ])  # fmt: skip
    r["pl"] = s.add(k.PREFIX_LIST_AWS, "partners", id=UNKNOWN, entries=[])
    s.add(k.RULE_VPC_IN, "from-partners", {"prefixListId": (r["pl"].urn,)}, securityGroupId="sg-web",
          ipProtocol="tcp", fromPort=443, toPort=443, prefixListId=UNKNOWN)  # fmt: skip
    s.add(k.RULE_VPC_IN, "from-elsewhere", securityGroupId="sg-web", ipProtocol="tcp", fromPort=443, toPort=443,
          prefixListId="pl-0ext")  # fmt: skip
    s.add(k.RULE_VPC_IN, "unknown-list", {"prefixListId": (r["vpc"].urn, "urn:pulumi:dev::p::random:x::gone")},
          securityGroupId="sg-web", ipProtocol="tcp", fromPort=22, toPort=22, prefixListId=UNKNOWN)  # fmt: skip
    r["alb"] = s.add(LB, "alb", arn="arn:alb", dnsName="alb.elb.com", securityGroups=["sg-web", "sg-0pasted"])
    r["vm"] = s.add(k.INSTANCE_AWS, "vm", id="i-1", subnetId="s-1", ipv6Addresses=["2600::1"], publicIp="3.3.3.3")
    s.add("aws:ec2/subnet:Subnet", "s", id="s-1", vpcId="vpc-1")
    r["elb"] = s.add("aws:elb/loadBalancer:LoadBalancer", "classic", name="classic", dnsName="classic.elb.com",
                     securityGroups=["sg-web"], subnets=["s-1"])  # fmt: skip
    r["cdn"] = s.add(k.DIST_AWS, "cdn", id="E1", arn="arn:cdn", domainName="d1.cloudfront.net", origins=[
        {"originId": "a", "domainName": "alb.elb.com"}, {"originId": "v", "domainName": "3.3.3.3"},
        {"originId": "c", "domainName": "classic.elb.com"}])  # fmt: skip
    return s, r


def test_the_origin_chain_exactly() -> None:
    s, r = chain_stack()
    a = analyse(s.items)
    chain = closed_world.origin_chain(a)
    alb_where = "on load balancer 'alb' (distribution 'cdn' -> origin 'a' (alb.elb.com) -> load balancer 'alb')"
    vm_where = "on instance 'vm' (distribution 'cdn' -> origin 'v' (3.3.3.3) -> instance 'vm')"
    assert chain.by_urn == {
        r["cdn"].urn: "distribution 'cdn'",
        r["alb"].urn: "load balancer 'alb' (distribution 'cdn' -> origin 'a' (alb.elb.com) -> load balancer 'alb')",
        r["vm"].urn: "instance 'vm' (distribution 'cdn' -> origin 'v' (3.3.3.3) -> instance 'vm')",
        r["elb"].urn: "load balancer 'classic' (distribution 'cdn' -> origin 'c' (classic.elb.com) -> load balancer "
        "'classic')",
        r["sg"].urn: f"security group 'web-sg' {alb_where}",
        r["pl"].urn: f"prefix list 'partners' of security group 'web-sg' {alb_where}",
    }
    assert chain.by_value == {
        "e1": "distribution 'cdn'",
        "arn:cdn": "distribution 'cdn'",
        "d1.cloudfront.net": "distribution 'cdn'",
        "sg-0pasted": f"security group sg-0pasted (not created in this stack) {alb_where}",
        "pl-3b927c52": f"prefix list pl-3b927c52 of security group 'web-sg' {alb_where}",
        "pl-0second": f"prefix list pl-0second of security group 'web-sg' {alb_where}",
        "pl-0ext": f"prefix list pl-0ext of security group 'web-sg' {alb_where}",
        "sg-default": f"the default security group of VPC 'net' {vm_where}",
    }
    assert chain.named("2600::1") == chain.by_urn[r["vm"].urn]  # a list-valued reference
    assert chain.named("ALB.elb.com.") == chain.by_urn[r["alb"].urn]
    assert chain.named("classic") == chain.by_urn[r["elb"].urn]  # a Classic ELB is named by its name
    assert chain.named("alb") is None  # an ALB's bare name is not a reference
    assert chain.named("s-1") is None and chain.named("vpc-1") is None  # a subnet or VPC alone


def test_connections_and_findings_exactly() -> None:
    s, r = chain_stack()
    first = s.add("aws:ec2/vpcEndpointService:VpcEndpointService", "quiet", {"tags": (r["alb"].urn,)},
                  tags={"x": "arn:alb"}, note="", other=UNKNOWN)  # fmt: skip
    svc = s.add("aws:ec2/vpcEndpointService:VpcEndpointService", "svc",
                {"tags": (r["alb"].urn,), "networkLoadBalancerArns": (r["alb"].urn,)},
                tags={"x": "arn:alb"}, networkLoadBalancerArns=["arn:alb"], a="sg-default", b="E1")  # fmt: skip
    a = analyse(s.items)
    chain = closed_world.origin_chain(a)
    assert closed_world.connections(first, chain) == []
    assert closed_world.connections(svc, chain) == [
        ("networkLoadBalancerArns", chain.by_urn[r["alb"].urn]),
        ("networkLoadBalancerArns[0]", chain.by_urn[r["alb"].urn]),
        ("a", chain.by_value["sg-default"]),
        ("b", "distribution 'cdn'"),
    ]
    [finding] = closed_world.findings(a, CFG)
    assert (finding.urn, finding.certain) == (svc.urn, True)
    assert finding.message == (
        f"Cannot verify: aws:ec2/vpcEndpointService:VpcEndpointService 'svc' is not modelled "
        f"({coverage.FAILS_CLOSED['aws:ec2/vpcEndpointService:VpcEndpointService']}). It is connected to an origin: "
        f"networkLoadBalancerArns names {chain.by_urn[r['alb'].urn]}; networkLoadBalancerArns[0] names "
        f"{chain.by_urn[r['alb'].urn]}; a names {chain.by_value['sg-default']}; and 1 more. The pack cannot tell "
        f"whether it lets the internet reach the origin without going through CloudFront, so it fails closed. "
        f"{closed_world.FIX}"
    )
    three = s.add("aws:ec2/vpcEndpointService:VpcEndpointService", "three", x="E1", y="arn:cdn", z="sg-0pasted")
    message = next(f.message for f in closed_world.findings(analyse(s.items), CFG) if f.urn == three.urn)
    assert f"y names distribution 'cdn'; z names {chain.by_value['sg-0pasted']}. The pack cannot tell" in message


def test_an_unknown_id_names_nothing() -> None:
    s = Stack()
    alb(s, "origin", world=False)
    s.add(k.DIST_AWS, "cdn", id=UNKNOWN, arn=UNKNOWN, domainName=UNKNOWN,
          origins=[{"originId": "o", "domainName": "origin.elb.amazonaws.com"}])  # fmt: skip
    s.add("aws:ec2/vpcEndpointService:VpcEndpointService", "svc", networkLoadBalancerArns=[UNKNOWN])
    a = analyse(s.items)
    assert closed_world.origin_chain(a).by_value.get(UNKNOWN) is None and closed_world.findings(a, CFG) == []


def test_reshape_keeps_the_resource_and_overlays_its_properties() -> None:
    base = Res("urn:x", k.VPC_NATIVE, "net", {"defaultSecurityGroup": "sg-d", "cidrBlock": "10.0.0.0/16"},
               {"cidrBlock": ("urn:c",)}, frozenset({"cidrBlock"}))  # fmt: skip
    r = shapes.reshape(base)
    assert (r.urn, r.type, r.name, r.deps, r.inputs) == ("urn:x", k.VPC_NATIVE, "net", {"cidrBlock": ("urn:c",)},
                                                         frozenset({"cidrBlock"}))  # fmt: skip
    assert "defaultSecurityGroupId" in r.props and "cidrBlock" in r.props and "nothing" not in r.props
    assert list(r.props) == ["defaultSecurityGroupId", "defaultSecurityGroup", "cidrBlock"] and len(r.props) == 3
    assert r.props["defaultSecurityGroupId"] == "sg-d" and r.props["cidrBlock"] == "10.0.0.0/16"
    overlay = shapes.Overlay({"a": 1}, {"a": 2, "b": 3})
    assert ("a" in overlay, "b" in overlay, "c" in overlay) == (True, True, False)
    assert (overlay["a"], overlay["b"], list(overlay), len(overlay)) == (1, 3, ["a", "b"], 2)


def test_fleet_shapes_field_by_field() -> None:
    spot = shaped(k.SPOT_FLEET_AWS, {"launchTemplateConfigs": ("urn:lt",), "launchSpecifications": ("urn:spec",)},
                  launchTemplateConfigs=[
                      {"launchTemplateSpecification": {"name": "lt-n"}, "overrides": [{"subnetId": "s-1"}, {}]},
                      {"launchTemplateSpecification": {"id": "lt-i"}, "overrides": [{"subnetId": "s-2"}]}],
                  launchSpecifications=[UNKNOWN, {"subnetId": "", "vpcSecurityGroupIds": ["sg-1"]}])  # fmt: skip
    assert spot.props["vpcZoneIdentifiers"] == ["s-1", "s-2", UNKNOWN]
    assert spot.props["launchTemplates"] == [{"id": None, "name": "lt-n"}, {"id": "lt-i", "name": None}]
    assert [sp["securityGroups"] for sp in spot.props["launchSpecifications"]] == [UNKNOWN, ["sg-1"]]
    assert spot.props["launchSpecifications"][1]["vpcSecurityGroupIds"] == ["sg-1"]  # the spec's own keys stay
    keys = ("vpcZoneIdentifiers", "launchTemplates", "launchSpecifications")
    assert {key: spot.dep(key) for key in keys} == dict.fromkeys(keys, ("urn:lt", "urn:spec"))
    assert shaped(k.SPOT_FLEET_AWS, launchSpecifications=UNKNOWN).props["launchSpecifications"] == UNKNOWN
    fleet = shaped(k.FLEET_AWS, launchTemplateConfig=[{"launchTemplateSpecification": {"launchTemplateId": "lt-2"}}])
    assert fleet.props["launchTemplates"] == [{"id": "lt-2", "name": None}]
    native = shaped(k.SPOT_FLEET_NATIVE, {"spotFleetRequestConfigData": ("urn:cfg",)}, spotFleetRequestConfigData={
        "launchSpecifications": [{"vpcSecurityGroupIds": ["sg-x"], "securityGroups": [{"groupId": "sg-9"}]}],
    })  # fmt: skip
    assert native.props["launchSpecifications"][0]["securityGroups"] == ["sg-9"]
    assert {key: native.dep(key) for key in ("vpcZoneIdentifiers", "launchTemplates", "launchSpecifications",
                                            "targetGroupArns", "loadBalancers")} == dict.fromkeys(
        ("vpcZoneIdentifiers", "launchTemplates", "launchSpecifications", "targetGroupArns", "loadBalancers"),
        ("urn:cfg",))  # fmt: skip


def test_other_shapes_field_by_field() -> None:
    lt = shaped(k.LAUNCH_TEMPLATE_NATIVE, id="pulumi-id", launchTemplateId="lt-9", launchTemplateData=UNKNOWN)
    assert (lt.props["id"], lt.props["networkInterfaces"], lt.props["securityGroupNames"]) == ("pulumi-id", UNKNOWN,
                                                                                               UNKNOWN)  # fmt: skip
    svc = shaped("aws:ecs/taskSet:TaskSet", loadBalancers=[{"loadBalancerName": "elb"}, "odd"])
    assert svc.props["loadBalancers"] == [{"loadBalancerName": "elb", "elbName": "elb"}, "odd"]
    assert shaped(k.ENI_NATIVE).props["privateIps"] == [] and shaped(k.ENI_NATIVE).deps == {}
    for url, host in (("https://h.example/a/b", "h.example"), ("h.example/x", "h.example"),
                      ("https://h.example/x://y", "h.example"), ("https://h.example", "h.example")):  # fmt: skip
        assert shaped(k.LIGHTSAIL_CONTAINER_SERVICE, url=url).props["dnsName"] == host, url


def test_foreign_entries_as_sources_exactly() -> None:
    s = Stack()
    s.add(SG, "sg", id="sg-1", vpcId="vpc-1")
    managed = s.add(k.PREFIX_LIST_AWS, "mine", id="pl-m", entries=[])
    two = s.add(k.RULE_VPC_IN, "two", securityGroupId="sg-1", ipProtocol="tcp", fromPort=443, toPort=443)
    two.props.update(prefixListId=None)  # type: ignore[attr-defined]
    inline = s.add(SG, "inline", id="sg-2", vpcId="vpc-1", ingress=[
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-a", "pl-b", "pl-m"]}])  # fmt: skip
    by_dep = s.add(k.RULE_VPC_IN, "by-dep", {"prefixListId": (managed.urn,)}, securityGroupId="sg-1",
                   ipProtocol="tcp", fromPort=443, toPort=443, prefixListId=UNKNOWN)  # fmt: skip
    s.add(k.PREFIX_LIST_ENTRY, "ea", prefixListId="pl-a", cidr="0.0.0.0/1")
    s.add(k.PREFIX_LIST_ENTRY, "eb", prefixListId="pl-b", cidr=UNKNOWN)
    s.add(k.PREFIX_LIST_ENTRY, "on-mine", prefixListId="pl-m", cidr="10.0.0.0/8")
    s.add(k.PREFIX_LIST_ENTRY, "empty", prefixListId="", cidr="0.0.0.0/0")
    s.add(k.PREFIX_LIST_ENTRY, "explained", {"prefixListId": ("urn:pulumi:dev::p::random:x::other",)},
          prefixListId=UNKNOWN, cidr="0.0.0.0/0")  # fmt: skip
    unplaced = s.add(k.PREFIX_LIST_ENTRY, "unplaced", prefixListId=UNKNOWN, cidr="0.0.0.0/2")
    inline_dep = s.add(SG, "inline-dep", {"ingress": (managed.urn,)}, id="sg-3", vpcId="vpc-1", ingress=[
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": [UNKNOWN]}])  # fmt: skip
    named_mine = s.add(k.RULE_VPC_IN, "named-mine", securityGroupId="sg-1", ipProtocol="tcp", fromPort=443,
                       toPort=443, prefixListId="pl-m")  # fmt: skip
    a = analyse(s.items)
    [rule] = [r for r, _, _ in a.judge.rules_of_group(a.net.group_of(inline))]
    got = [(src.network and str(src.network), src.versions, src.text, src.via, src.certainty, src.why)
           for src in a.judge.sources(rule)]  # fmt: skip
    assert got == [
        ("0.0.0.0/1", (4,), "0.0.0.0/1", "prefix list pl-a (entry 'ea')", Y, ()),
        (None, (4, 6), "an entry", "prefix list pl-b (entry 'eb')", Y,
         (("cidr of entry 'eb' is not known yet", "urn:pulumi:dev::p::aws:ec2/managedPrefixListEntry:"
           "ManagedPrefixListEntry::eb"),)),
        ("0.0.0.0/2", (4,), "0.0.0.0/2", "prefix list pl-a (entry 'unplaced')", M,
         (("the prefix list of entry 'unplaced' is not known yet: it may be pl-a", unplaced.urn),)),
        ("10.0.0.0/8", (4,), "10.0.0.0/8", "prefix list 'mine'", Y, ()),
    ]  # fmt: skip
    # A list depended on (and one named by value) is the stack's own: no entry from elsewhere, and neither an
    # empty list id nor one explained by a dependency is a list not known yet.
    [dep_rule] = [r for r, _, _ in a.judge.rules_of_group("urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg")
                  if r.owner is by_dep]  # fmt: skip
    assert [(src.text, src.via) for src in a.judge.sources(dep_rule)] == [("10.0.0.0/8", "prefix list 'mine'")]
    [mine_rule] = [r for r, _, _ in a.judge.rules_of_group("urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg")
                   if r.owner is named_mine]  # fmt: skip
    assert [(src.text, src.via) for src in a.judge.sources(mine_rule)] == [("10.0.0.0/8", "prefix list 'mine'")]
    # An id not known yet inside a list, depending on a list of the stack: that list, no entry from elsewhere.
    [dep_item] = [r for r, _, _ in a.judge.rules_of_group(a.net.group_of(inline_dep))]
    assert [(src.text, src.via) for src in a.judge.sources(dep_item)] == [("10.0.0.0/8", "prefix list 'mine'")]


def test_an_unplaced_entry_is_a_possibility_for_a_foreign_list_only() -> None:
    s = Stack()
    s.add(SG, "sg", id="sg-1", vpcId="vpc-1")
    s.add(k.PREFIX_LIST_AWS, "mine", id="pl-m", entries=[])
    lookup = s.add(k.RULE_VPC_IN, "lookup", securityGroupId="sg-1", ipProtocol="tcp", fromPort=443, toPort=443,
                   prefixListId=UNKNOWN)  # fmt: skip
    s.add(k.PREFIX_LIST_ENTRY, "unplaced", prefixListId=UNKNOWN, cidr="0.0.0.0/0")
    a = analyse(s.items)
    [rule] = [r for r, _, _ in a.judge.rules_of_group("urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg")]
    sources = a.judge.sources(rule)
    assert [(src.text, src.via, src.certainty) for src in sources if src.via.endswith("(entry 'unplaced')")] == [
        ("0.0.0.0/0", "prefix list not known yet (entry 'unplaced')", M)]  # fmt: skip
    assert rule.owner is lookup


# -- origins: the walker's new paths, unit by unit ----------------------------------------------------------------


def units(s: Stack) -> list[tuple[str, str, tuple[Tri, Tri], Tri, list[int]]]:
    from origin_lockdown_judge.origins import discover

    graph = StackGraph.build([shapes.reshape(r) for r in s.items])  # as analyse() reads them
    return [(u.iface.label, " -> ".join(u.chain), u.iface.reach, u.certainty, sorted(u.ports))
            for u in discover(graph, Network(graph))]  # fmt: skip


def test_lightsail_paths_unit_by_unit() -> None:
    s = Stack()
    s.add(k.LIGHTSAIL_INSTANCE, "site", name="site", ipAddressType="ipv4")
    s.add(k.LIGHTSAIL_INSTANCE, "api", name="api", ipAddressType="ipv4")
    s.add(k.LIGHTSAIL_LB, "lb", name="lb", dnsName="lb.ls.com", publicPorts=[443, 0, 70000, UNKNOWN], instancePort=8080)
    s.add(k.LIGHTSAIL_LB_ATTACHMENT, "a1", lbName="lb", instanceName="site")
    s.add(k.LIGHTSAIL_LB_ATTACHMENT, "a2", lbName="lb", instanceName="api")
    s.add(k.LIGHTSAIL_CONTAINER_SERVICE, "svc", name="svc", url="https://svc.cs.amazonlightsail.com/")
    s.add(k.LIGHTSAIL_LB, "bare", name="bare", dnsName="bare.ls.com", instancePort=UNKNOWN)
    s.add(k.LIGHTSAIL_DISTRIBUTION, "ls-cdn", origin={"name": "site", "protocolPolicy": "https-only"})
    s.add(k.DIST_AWS, "cdn", origins=[{"originId": "l", "domainName": "lb.ls.com"},
                                      {"originId": "c", "domainName": "svc.cs.amazonlightsail.com"},
                                      {"originId": "b", "domainName": "bare.ls.com"}])  # fmt: skip
    lb_chain = "distribution 'cdn' -> origin 'l' (lb.ls.com) -> Lightsail load balancer 'lb'"
    assert units(s) == [
        # Reached first from the Lightsail distribution (its https-only origin), then behind the load balancer.
        ("Lightsail instance 'site'", "Lightsail distribution 'ls-cdn' -> origin 'site' (site) -> Lightsail instance "
         "'site'", (Y, Y), Y, [443, 8080]),
        ("Lightsail load balancer 'lb'", lb_chain, (Y, Y), Y, [443]),
        ("Lightsail instance 'api'", f"{lb_chain} -> Lightsail instance 'api'", (Y, N), Y, [8080]),
        ("Lightsail container service 'svc'", "distribution 'cdn' -> origin 'c' (svc.cs.amazonlightsail.com) -> "
         "Lightsail container service 'svc'", (Y, Y), Y, []),
        ("Lightsail load balancer 'bare'", "distribution 'cdn' -> origin 'b' (bare.ls.com) -> Lightsail load "
         "balancer 'bare'", (Y, Y), Y, [80, 443]),
    ]  # fmt: skip
    from origin_lockdown_judge.origins import explore

    graph = StackGraph.build([shapes.reshape(r) for r in s.items])
    _, reached = explore(graph, Network(graph))
    assert reached["urn:pulumi:dev::p::aws:lightsail/distribution:Distribution::ls-cdn"] == (
        "Lightsail distribution 'ls-cdn'",)  # fmt: skip
    assert reached["urn:pulumi:dev::p::aws:lightsail/lb:Lb::lb"] == (
        "distribution 'cdn'", "origin 'l' (lb.ls.com)", "Lightsail load balancer 'lb'")  # fmt: skip


def mt_stack(origin_domain: Any, *tenants: tuple[str, Any, Any], native: bool = False) -> Stack:
    s = Stack()
    alb(s, "open", world=True)
    alb(s, "shut", world=False)
    definitions = {"parameterDefinitions": [{"name": "host", "definitions": [{"stringSchemas": [{"required": True}]}]}]}
    origin = {"id": "web", "domainName": origin_domain,
              "customOriginConfigs": [{"originProtocolPolicy": "https-only", "httpsPort": 8443}]}  # fmt: skip
    if native:
        dist = s.add(k.DIST_NATIVE, "saas", id="E9", distributionConfig={
            "origins": [{"id": "web", "domainName": origin_domain}], "tenantConfig": definitions})  # fmt: skip
    else:
        dist = s.add(k.DIST_MULTITENANT, "saas", id="E9", origins=[origin], tenantConfig=definitions)
    for name, value, link in tenants:
        deps = {"distributionId": (dist.urn,)} if link == "dep" else {}
        params = [] if value is None else [{"name": "host", "value": value}]
        s.add("aws:cloudfront/distributionTenant:DistributionTenant" if not native
              else "aws-native:cloudfront:DistributionTenant", name, deps,
              distributionId=UNKNOWN if link == "dep" else link, parameters=params)  # fmt: skip
    return s


def test_tenants_unit_by_unit() -> None:
    s = mt_stack("{{host}}", ("a", "open.elb.amazonaws.com", "E9"), ("b", "shut.elb.amazonaws.com", "dep"),
                 ("c", None, "E9"), ("d", "open.elb.amazonaws.com", "E-other"))  # fmt: skip
    assert units(s) == [
        ("load balancer 'open'", "distribution 'saas' -> origin 'web' (open.elb.amazonaws.com) of tenant 'a' -> load "
         "balancer 'open'", (Y, Y), Y, [8443]),
        ("load balancer 'shut'", "distribution 'saas' -> origin 'web' (shut.elb.amazonaws.com) of tenant 'b' -> load "
         "balancer 'shut'", (Y, Y), Y, [8443]),
    ]  # fmt: skip
    assert units(mt_stack("shut.elb.amazonaws.com", ("a", "open.elb.amazonaws.com", "E9"))) == [
        ("load balancer 'shut'", "distribution 'saas' -> origin 'web' (shut.elb.amazonaws.com) -> load balancer "
         "'shut'", (Y, Y), Y, [8443])]  # fmt: skip
    native = units(mt_stack("{{host}}", ("a", "open.elb.amazonaws.com", "E9"), native=True))
    assert [u[1] for u in native] == [
        "distribution 'saas' -> origin 'web' (open.elb.amazonaws.com) of tenant 'a' -> load balancer 'open'"
    ]
    # A tenant's parameter not known yet (preview): where it points is decided by its dependencies.
    later = mt_stack("{{host}}", ("a", UNKNOWN, "E9"))
    later.items[-1] = Res(later.items[-1].urn, later.items[-1].type, "a", later.items[-1].props,
                          {"parameters": ("urn:pulumi:dev::p::" + LB + "::open",)})  # fmt: skip
    # A multi-tenant origin not known yet: its dependencies.
    dep = mt_stack(UNKNOWN)
    saas = next(r for r in dep.items if r.name == "saas")
    dep.items[dep.items.index(saas)] = Res(saas.urn, saas.type, saas.name, saas.props,
                                           {"origins": ("urn:pulumi:dev::p::" + LB + "::shut",)})  # fmt: skip
    assert [u[0] for u in units(dep)] == ["load balancer 'shut'"]
    assert units(later) == [
        ("load balancer 'open'", "distribution 'saas' -> origin 'web' (domain not known yet) of tenant 'a' -> load "
         "balancer 'open'", (Y, Y), Y, [8443])]  # fmt: skip


def test_record_sets_of_one_resource_unit_by_unit() -> None:
    s = Stack()
    alb(s, "open", world=True)
    alb(s, "shut", world=False)
    open_urn, shut_urn = (f"urn:pulumi:dev::p::{LB}::{n}" for n in ("open", "shut"))
    s.add(ZONE, "zone", zoneId="Z1", name="example.com")
    s.add(k.RECORDS_EXCLUSIVE, "all", {"resourceRecordSets": (open_urn, shut_urn)}, zoneId="Z1",
          resourceRecordSets=[{"name": "origin", "resourceRecords": [{"value": "shut.elb.amazonaws.com"}]},
                              {"name": "other", "resourceRecords": [{"value": "open.elb.amazonaws.com"}]},
                              {"name": "later", "resourceRecords": [{"value": UNKNOWN}]}])  # fmt: skip
    s.add(k.RECORD_AWS, "rel", zoneId="Z-elsewhere", name="x")
    s.add(k.DIST_AWS, "cdn", origins=[{"originId": "o", "domainName": "origin.example.com"},
                                      {"originId": "l", "domainName": "later.example.com"}])  # fmt: skip
    got = units(s)
    assert got[0] == (
        "load balancer 'shut'", "distribution 'cdn' -> origin 'o' (origin.example.com) -> Route 53 record 'all' "
        "resourceRecordSets[0] (origin.example.com) -> load balancer 'shut'", (Y, Y), Y, [],
    )  # fmt: skip
    assert [(u[0], u[3]) for u in got[1:]] == [("load balancer 'open'", M)]
    a = analyse(s.items)
    [open_unit] = [u for u in a.units if u.iface.label == "load balancer 'open'"]
    assert open_unit.certainty_why == (
        "the values of Route 53 record 'all' resourceRecordSets[2] are not known yet: it may point at any of them",
        "urn:pulumi:dev::p::aws:route53/recordsExclusive:RecordsExclusive::all")  # fmt: skip
    assert open_unit.iface.res is not None and open_unit.iface.res.urn not in a.reached  # a possible path only


def test_an_nlb_that_hides_clients_field_by_field() -> None:
    s = Stack()
    lb = s.add(k.LB_NATIVE, "nlb", loadBalancerArn="arn:nlb", dnsName="nlb.elb.com", type="network")
    tg = s.add(TG, "tg", arn="arn:tg", preserveClientIp="false")
    tg2 = s.add(TG, "tg2", arn="arn:tg2", preserveClientIp="")
    for name, port, target in (("l1", 80, "arn:tg2"), ("l2", 443, "arn:tg"), ("l3", 65535, "arn:tg"), ("l4", 1, "x")):
        s.add(LISTENER, name, loadBalancerArn="arn:nlb", port=port,
              defaultActions=[{"type": "forward", "targetGroupArn": target}])  # fmt: skip
    cdn(s, "nlb.elb.com")
    graph = s.graph()
    net = Network(graph)
    from origin_lockdown_judge.origins import discover

    [unit] = discover(graph, net)
    key = f"nlb-open:{lb.urn}"
    assert iface_fields(unit.iface) == (f"{lb.urn}#clients-hidden", "load balancer 'nlb'", lb, {key: Y}, {}, [], True,
                                        (Y, Y), ("", ""), None)  # fmt: skip
    assert sorted(unit.ports) == [1, 80, 443, 65535]
    assert [rule_fields(r) for r in net.implicit_rules[key]] == [
        (tg, "preserveClientIp", "ingress", "tcp", p, p, (("cidrBlocks", "0.0.0.0/0"),), (), (), False, (), 0, "",
         False) for p in (443, 65535)]  # fmt: skip
    assert tg2.props["preserveClientIp"] == ""  # empty: the default (instance targets preserve)
    for scheme, hidden in (("internal", False), ("internet-facing", True), (None, True)):
        props = {**lb.props} | ({"scheme": scheme} if scheme else {})
        s.items[0] = Res(lb.urn, lb.type, lb.name, props)
        assert bool(units(s)) is hidden, scheme
    s.items[0] = Res(lb.urn, lb.type, lb.name, {**lb.props, "scheme": UNKNOWN})
    assert bool(units(s)) is True  # not known yet: not known to be internal


def test_tenant_parameter_defaults_by_either_key() -> None:
    dist = Res("urn:d", k.DIST_MULTITENANT, "saas", {"tenantConfig": {"parameterDefinitions": [
        {"name": "a", "definition": {"defaultValue": "x"}}, {"name": "b", "definitions": [{"defaultValue": "y"}]},
        {"name": 5, "definition": {"defaultValue": "z"}}]}})  # fmt: skip
    assert tenant_parameters(dist, Res("urn:t", "t", "t", {})) == {"a": "x", "b": "y"}
    assert substitute("{{a}}", {"a": "v"}) == "v" and substitute("{{a}}{{b}}", {"a": UNKNOWN, "b": "v"}) == UNKNOWN
