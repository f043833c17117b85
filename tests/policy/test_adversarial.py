"""Adversarial table for ``origin-sg-no-world-ingress``: every way a group can open an origin, flag and clean.

Each case is a small program written the way real programs are (``pulumi_aws`` resources wired by outputs)
with two variants that differ in one detail: ``flag`` opens an origin to the world on 80/443 through the
class of shape under test, ``clean`` builds the same shape without opening an origin. Both run at ``up``
(everything known) and at ``preview`` (provider-computed outputs unknown, as the engine sends them). The
flag variant must fail at both (at up with a definite message, never only "Cannot verify"); the clean
variant must pass at both (no "Cannot verify" either: a gate that blocks safe stacks gets turned off).

Classes: U = a group admits the union of its rules; O = every way a group lands on an origin's interface;
T = instances behind an origin load balancer that the internet reaches themselves; P = preview decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi_aws as aws
import pytest

from tests.policy.programs import (
    CF_PREFIX_LIST,
    Net,
    cloudfront_only,
    custom_origin,
    distribution,
    ingress,
    run,
    vpc_origin,
)
from tests.policy.stacks import DIST, INSTANCE, SG, SG_RULE, R, Stack, origin_stack, run_stack_policy

NAME = "origin-sg-no-world-ingress"
CANNOT = "Cannot verify at preview"


@dataclass(frozen=True)
class Case:
    id: str
    program: Callable[[bool], None]
    says: tuple[str, ...] = ()  # substrings of the flag variant's message at up
    notes: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    # When the clean variant cannot be told from the flag variant before the values exist (a list the
    # program sets from a lookup that is not resolved yet): what its one "Cannot verify" message says.
    clean_preview_cannot_verify: str = ""


def _origin_alb(net: Net, *groups: aws.ec2.SecurityGroup) -> aws.lb.LoadBalancer:
    lb = net.alb("origin-alb", list(groups))
    distribution("cdn", [custom_origin("web", lb.dns_name)])
    return lb


def _locked(net: Net, name: str = "origin-sg") -> aws.ec2.SecurityGroup:
    sg = net.group(name)
    cloudfront_only(f"{name}-cloudfront", sg)
    return sg


# -- U: a group admits the union of its rules ----------------------------------------------------------------------


def u_two_rules(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("low-half", sg, "0.0.0.0/1")
    ingress("high-half", sg, "128.0.0.0/1" if flag else "128.0.0.0/2")
    _origin_alb(net, sg)


def u_one_rule_two_cidrs(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    aws.ec2.SecurityGroupRule(
        "two-halves",
        type="ingress",
        security_group_id=sg.id,
        protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_blocks=["0.0.0.0/1", "128.0.0.0/1" if flag else "192.0.0.0/2"],
    )
    _origin_alb(net, sg)


def u_mixed_shapes(flag: bool) -> None:
    net = Net()
    sg = aws.ec2.SecurityGroup(
        "origin-sg",
        vpc_id=net.vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/2"]}],
    )
    aws.ec2.SecurityGroupRule(
        "second-quarter",
        type="ingress",
        security_group_id=sg.id,
        protocol="6",
        from_port=443,
        to_port=443,
        cidr_blocks=["64.0.0.0/2"],
    )
    ingress("upper-half", sg, "128.0.0.0/1" if flag else "128.0.0.0/2")
    _origin_alb(net, sg)


def u_port_ranges(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("low-wide", sg, "0.0.0.0/1", (400, 500))
    ingress("high-narrow", sg, "128.0.0.0/1", (443, 443) if flag else (444, 500))
    _origin_alb(net, sg)


def u_all_protocols_plus_tcp(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("low-everything", sg, "0.0.0.0/1", protocol="-1" if flag else "udp")
    ingress("high-443", sg, "128.0.0.0/1")
    _origin_alb(net, sg)


def u_ipv6_halves(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    # Halves of 2000::/3, IPv6's global unicast space: together everyone on the IPv6 internet.
    ingress("v6-low", sg, "2000::/4")
    ingress("v6-high", sg, "3000::/4" if flag else "3000::/5")
    _origin_alb(net, sg)


def u_families_do_not_mix(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("v4-low", sg, "0.0.0.0/1")
    # An IPv4-mapped IPv6 range never matches IPv4 traffic: a group matches IPv4 packets against IPv4 rules.
    ingress("v4-high", sg, "128.0.0.0/1" if flag else "::ffff:8000:0/97")
    _origin_alb(net, sg)


def u_many_slash_eights(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    # Without 8.0.0.0/8 the union misses internet addresses; without 255.0.0.0/8 (reserved) it would not.
    blocks = [f"{i}.0.0.0/8" for i in range(256) if flag or i != 8] + ([] if flag else ["7.0.0.0/8"])
    for k in range(4):
        aws.ec2.SecurityGroupRule(
            f"quarter-{k}",
            type="ingress",
            security_group_id=sg.id,
            protocol="tcp",
            from_port=80,
            to_port=80,
            cidr_blocks=blocks[k * 64 : (k + 1) * 64],
        )
    _origin_alb(net, sg)


def u_prefix_list_entries_inline(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    pl = aws.ec2.ManagedPrefixList(
        "partners",
        name="partners",
        address_family="IPv4",
        max_entries=5,
        entries=[{"cidr": "0.0.0.0/1" if flag else "10.0.0.0/8", "description": "partner"}],
    )
    aws.vpc.SecurityGroupIngressRule(
        "from-partners", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443, prefix_list_id=pl.id
    )
    ingress("high-half", sg, "128.0.0.0/1")
    _origin_alb(net, sg)


def u_prefix_list_entry_resources(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    pl = aws.ec2.ManagedPrefixList("offices", name="offices", address_family="IPv4", max_entries=5)
    aws.ec2.ManagedPrefixListEntry("office-a", prefix_list_id=pl.id, cidr="0.0.0.0/1")
    aws.ec2.ManagedPrefixListEntry("office-b", prefix_list_id=pl.id, cidr="128.0.0.0/1" if flag else "128.0.0.0/2")
    aws.ec2.SecurityGroupRule(
        "from-offices",
        type="ingress",
        security_group_id=sg.id,
        protocol="tcp",
        from_port=80,
        to_port=80,
        prefix_list_ids=[pl.id],
    )
    _origin_alb(net, sg)


def u_two_groups_one_interface(flag: bool) -> None:
    net = Net()
    a = _locked(net, "origin-a")
    b = net.group("origin-b")
    ingress("a-low", a, "0.0.0.0/1")
    ingress("b-high", b, "128.0.0.0/1")
    if flag:
        _origin_alb(net, a, b)
    else:
        _origin_alb(net, a)
        net.alb("other-alb", [b])


def u_host_bits(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("low", sg, "0.1.2.3/1")
    ingress("high", sg, "128.1.2.3/1" if flag else "128.1.2.3/2")
    _origin_alb(net, sg)


def u_different_ports_do_not_add(flag: bool) -> None:
    net = Net()
    sg = _locked(net)
    ingress("low-80-443", sg, "0.0.0.0/1", (80, 443) if flag else (80, 80))
    ingress("high-443", sg, "128.0.0.0/1", 443)
    _origin_alb(net, sg)


# -- O: every way a group lands on an origin's network interface --------------------------------------------------


def _open_group(net: Net, name: str = "open-sg") -> aws.ec2.SecurityGroup:
    sg = net.group(name)
    ingress(f"{name}-world", sg, "0.0.0.0/0")
    return sg


def o_nlb_with_groups(flag: bool) -> None:
    net = Net()
    open_sg = _open_group(net)
    nlb = aws.lb.LoadBalancer(
        "nlb", load_balancer_type="network", security_groups=[open_sg.id], subnets=[s.id for s in net.public]
    )
    closed = net.alb("closed-alb", [_locked(net)])
    distribution("cdn", [custom_origin("web", nlb.dns_name if flag else closed.dns_name)])


def o_classic_elb_with_groups(flag: bool) -> None:
    net = Net()
    open_sg = _open_group(net)
    elb = aws.elb.LoadBalancer(
        "classic",
        subnets=[s.id for s in net.public],
        security_groups=[open_sg.id],
        listeners=[{"instance_port": 443, "instance_protocol": "tcp", "lb_port": 443, "lb_protocol": "tcp"}],
    )
    closed = net.alb("closed-alb", [_locked(net)])
    distribution("cdn", [custom_origin("web", elb.dns_name if flag else closed.dns_name)])


def o_classic_elb_default_group(flag: bool) -> None:
    net = Net()
    aws.ec2.DefaultSecurityGroup(
        "default-sg",
        vpc_id=net.vpc.id,
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_blocks": ["0.0.0.0/0" if flag else "10.0.0.0/16"],
            }
        ],
    )
    elb = aws.elb.LoadBalancer(
        "classic",
        subnets=[s.id for s in net.public],
        listeners=[{"instance_port": 443, "instance_protocol": "tcp", "lb_port": 443, "lb_protocol": "tcp"}],
    )
    distribution("cdn", [custom_origin("web", elb.dns_name)])


def o_instance_public_dns(flag: bool) -> None:
    net = Net()
    vm = net.instance("open-vm", [_open_group(net)])
    closed = net.instance("closed-vm", [_locked(net)])
    distribution("cdn", [custom_origin("web", (vm if flag else closed).public_dns)])


def o_eip_on_instance(flag: bool) -> None:
    net = Net()
    vm = net.instance("open-vm", [_open_group(net)], public=False)
    closed = net.instance("closed-vm", [_locked(net)], public=False)
    eip = aws.ec2.Eip("origin-ip", domain="vpc", instance=(vm if flag else closed).id)
    distribution("cdn", [custom_origin("web", eip.public_dns)])


def o_eip_association_to_instance(flag: bool) -> None:
    net = Net()
    vm = net.instance("open-vm", [_open_group(net)], public=False)
    closed = net.instance("closed-vm", [_locked(net)], public=False)
    eip = aws.ec2.Eip("origin-ip", domain="vpc")
    aws.ec2.EipAssociation("origin-ip-assoc", allocation_id=eip.id, instance_id=(vm if flag else closed).id)
    distribution("cdn", [custom_origin("web", eip.public_dns)])


def o_eip_association_to_eni(flag: bool) -> None:
    net = Net()
    open_eni = aws.ec2.NetworkInterface("open-eni", subnet_id=net.public[0].id, security_groups=[_open_group(net).id])
    closed_eni = aws.ec2.NetworkInterface("closed-eni", subnet_id=net.public[0].id, security_groups=[_locked(net).id])
    eip = aws.ec2.Eip("origin-ip", domain="vpc")
    aws.ec2.EipAssociation(
        "origin-ip-assoc", allocation_id=eip.id, network_interface_id=(open_eni if flag else closed_eni).id
    )
    distribution("cdn", [custom_origin("web", eip.public_dns)])


def _zone() -> aws.route53.Zone:
    return aws.route53.Zone("zone", name="example.com")


def o_route53_absolute_alias(flag: bool) -> None:
    net = Net()
    open_lb = net.alb("open-alb", [_open_group(net)])
    closed_lb = net.alb("closed-alb", [_locked(net)])
    target = open_lb if flag else closed_lb
    aws.route53.Record(
        "origin-name",
        zone_id=_zone().zone_id,
        name="origin.example.com.",
        type="A",
        aliases=[{"name": target.dns_name, "zone_id": target.zone_id, "evaluate_target_health": True}],
    )
    distribution("cdn", [custom_origin("web", "origin.example.com")])  # the name, written by hand


def o_route53_relative_cname(flag: bool) -> None:
    net = Net()
    open_lb = net.alb("open-alb", [_open_group(net)])
    zone = _zone() if flag else aws.route53.Zone("other-zone", name="example.org")
    aws.route53.Record(
        "origin-name", zone_id=zone.zone_id, name="origin", type="CNAME", ttl=60, records=[open_lb.dns_name]
    )
    closed_lb = net.alb("closed-alb", [_locked(net)])
    distribution("cdn", [custom_origin("web", "ORIGIN.Example.com"), custom_origin("static", closed_lb.dns_name)])


def o_route53_fqdn_output(flag: bool) -> None:
    net = Net()
    target = net.alb("open-alb", [_open_group(net)]) if flag else net.alb("closed-alb", [_locked(net)])
    if not flag:
        net.alb("open-alb", [_open_group(net)])
    record = aws.route53.Record(
        "origin-name",
        zone_id=_zone().zone_id,
        name="origin",
        type="A",
        aliases=[{"name": target.dns_name, "zone_id": target.zone_id, "evaluate_target_health": False}],
    )
    distribution("cdn", [custom_origin("web", record.fqdn)])


def o_route53_a_record_to_eip(flag: bool) -> None:
    net = Net()
    vm = net.instance("open-vm", [_open_group(net)], public=False)
    closed = net.instance("closed-vm", [_locked(net)], public=False)
    eip_open = aws.ec2.Eip("open-ip", domain="vpc", instance=vm.id)
    eip_closed = aws.ec2.Eip("closed-ip", domain="vpc", instance=closed.id)
    aws.route53.Record(
        "app", zone_id=_zone().zone_id, name="app", type="A", ttl=60,
        records=[(eip_open if flag else eip_closed).public_ip],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", "app.example.com")])


def o_primary_network_interface(flag: bool) -> None:
    net = Net()
    open_eni = aws.ec2.NetworkInterface("open-eni", subnet_id=net.public[0].id, security_groups=[_open_group(net).id])
    closed_eni = aws.ec2.NetworkInterface("closed-eni", subnet_id=net.public[0].id, security_groups=[_locked(net).id])
    vm = aws.ec2.Instance(
        "origin-vm",
        ami="ami-0123456789abcdef0",
        instance_type="t3.micro",
        primary_network_interface={"network_interface_id": (open_eni if flag else closed_eni).id},
    )
    eip = aws.ec2.Eip("origin-ip", domain="vpc", instance=vm.id)
    distribution("cdn", [custom_origin("web", eip.public_dns)])


def o_secondary_eni_with_public_ip(flag: bool) -> None:
    net = Net()
    vm = net.instance("origin-vm", [_locked(net)])
    extra = aws.ec2.NetworkInterface("extra-eni", subnet_id=net.public[0].id, security_groups=[_open_group(net).id])
    aws.ec2.NetworkInterfaceAttachment("extra-attach", instance_id=vm.id, network_interface_id=extra.id, device_index=1)
    if flag:  # the extra interface gets a public address of its own: the world reaches the origin through it
        aws.ec2.Eip("extra-ip", domain="vpc", network_interface=extra.id)
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def o_sg_attachment_to_origin_eni(flag: bool) -> None:
    net = Net()
    vm = net.instance("origin-vm", [_locked(net)])
    other = net.instance("other-vm", [_locked(net, "other-sg")])
    aws.ec2.NetworkInterfaceSecurityGroupAttachment(
        "open-attach",
        security_group_id=_open_group(net).id,
        network_interface_id=(vm if flag else other).primary_network_interface_id,
    )
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def o_origin_group_failover_member(flag: bool) -> None:
    net = Net()
    primary = net.alb("primary-alb", [_locked(net)])
    backup = net.instance("backup-vm", [_open_group(net) if flag else _locked(net, "backup-sg")])
    if not flag:
        net.instance("unrelated-vm", [_open_group(net)])
    distribution(
        "cdn",
        [custom_origin("primary", primary.dns_name), custom_origin("backup", backup.public_dns)],
        origin_groups=[
            {
                "origin_id": "failover",
                "failover_criteria": {"status_codes": [500, 502, 503, 504]},
                "members": [{"origin_id": "primary"}, {"origin_id": "backup"}],
            }
        ],
        default_target="failover",
    )


def o_ordered_behavior_target(flag: bool) -> None:
    net = Net()
    main = net.alb("main-alb", [_locked(net)])
    api = net.alb("api-alb", [_open_group(net) if flag else _locked(net, "api-sg")])
    if not flag:
        net.alb("unrelated-alb", [_open_group(net)])
    distribution(
        "cdn", [custom_origin("main", main.dns_name), custom_origin("api", api.dns_name)], ordered=[("/api/*", "api")]
    )


def o_vpc_origin_internal_alb(flag: bool) -> None:
    net = Net()
    open_lb = net.alb("open-internal", [_open_group(net)], internal=True)
    closed_lb = net.alb("closed-internal", [_locked(net)], internal=True)
    target = open_lb if flag else closed_lb
    distribution("cdn", [vpc_origin("web", target.arn, target.dns_name)])


def o_vpc_origin_instance(flag: bool) -> None:
    net = Net()
    vm = net.instance("open-vm", [_open_group(net)], public=False)
    closed = net.instance("closed-vm", [_locked(net)], public=False)
    target = vm if flag else closed
    distribution("cdn", [vpc_origin("web", target.arn, target.private_dns)])


def o_group_by_name_default_vpc(flag: bool) -> None:
    net = Net()
    # Names select groups of the default VPC only; a same-named group in another VPC is another group.
    aws.ec2.SecurityGroup(
        "web-sg",
        name="web",
        vpc_id=None if flag else net.vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    )
    vm = aws.ec2.Instance("origin-vm", ami="ami-0123456789abcdef0", instance_type="t3.micro", security_groups=["web"])
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def o_alb_without_groups_gets_its_vpc_default(flag: bool) -> None:
    net = Net()
    other = Net("other", "10.1.0.0/16")
    aws.ec2.DefaultSecurityGroup(
        "default-sg",
        vpc_id=(net if flag else other).vpc.id,
        ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
    )
    lb = aws.lb.LoadBalancer("origin-alb", load_balancer_type="application", subnets=[s.id for s in net.public])
    distribution("cdn", [custom_origin("web", lb.dns_name)])


def o_instance_without_groups_gets_its_vpc_default(flag: bool) -> None:
    net = Net()
    other = Net("other", "10.1.0.0/16")
    aws.ec2.DefaultSecurityGroup(
        "default-sg",
        vpc_id=(net if flag else other).vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "ipv6_cidr_blocks": ["::/0"]}],
    )
    vm = aws.ec2.Instance(
        "origin-vm", ami="ami-0123456789abcdef0", instance_type="t3.micro", subnet_id=net.public[0].id
    )
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def o_rule_on_vpc_default_group_id(flag: bool) -> None:
    net = Net()
    ingress("default-world", net.vpc.default_security_group_id, "0.0.0.0/0")
    groups = [] if flag else [_locked(net)]
    lb = aws.lb.LoadBalancer(
        "origin-alb", load_balancer_type="application", security_groups=[g.id for g in groups],
        subnets=[s.id for s in net.public],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", lb.dns_name)])


def o_external_group_named_by_origin_and_rule(flag: bool) -> None:
    net = Net()
    shared = "sg-0123456789abcdef0"  # created by another stack; its id is pasted here
    ingress("shared-world", shared if flag else "sg-0fedcba9876543210", "0.0.0.0/0")
    lb = aws.lb.LoadBalancer(
        "origin-alb", load_balancer_type="application", security_groups=[shared], subnets=[s.id for s in net.public]
    )
    distribution("cdn", [custom_origin("web", lb.dns_name)])


# -- T: instances behind an origin load balancer that the internet reaches themselves -----------------------------


def _alb_with_targets(net: Net) -> aws.lb.TargetGroup:
    lb = _origin_alb(net, _locked(net))
    tg = aws.lb.TargetGroup("app-tg", port=443, protocol="HTTPS", vpc_id=net.vpc.id)
    aws.lb.Listener(
        "https", load_balancer_arn=lb.arn, port=443, protocol="HTTP",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
    )  # fmt: skip
    return tg


def t_public_instance_target(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    vm = net.instance("app-vm", [_open_group(net, "app-sg")], public=flag)
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id, port=443)


def t_target_with_eip(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    vm = net.instance("app-vm", [_open_group(net, "app-sg")], public=False)
    other = net.instance("other-vm", [_locked(net, "other-sg")], public=False)
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id, port=443)
    aws.ec2.Eip("stray-ip", domain="vpc", instance=(vm if flag else other).id)


def t_asg_launch_template_public_interface(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    lt = aws.ec2.LaunchTemplate(
        "app-lt",
        image_id="ami-0123456789abcdef0",
        instance_type="t3.micro",
        network_interfaces=[
            {"associate_public_ip_address": "true" if flag else "false", "security_groups": [_open_group(net).id]}
        ],
    )
    aws.autoscaling.Group(
        "app-asg",
        min_size=1,
        max_size=2,
        vpc_zone_identifiers=[s.id for s in net.private],
        target_group_arns=[tg.arn],
        launch_template={"id": lt.id, "version": "$Latest"},
    )


def t_asg_in_public_subnets(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    lt = aws.ec2.LaunchTemplate(
        "app-lt",
        image_id="ami-0123456789abcdef0",
        instance_type="t3.micro",
        vpc_security_group_ids=[_open_group(net).id],
    )
    asg = aws.autoscaling.Group(
        "app-asg",
        min_size=1,
        max_size=2,
        vpc_zone_identifiers=[s.id for s in (net.public if flag else net.private)],
        launch_template={"id": lt.id, "version": "$Latest"},
    )
    aws.autoscaling.Attachment("app-asg-tg", autoscaling_group_name=asg.name, lb_target_group_arn=tg.arn)


def t_listener_rule_forward(flag: bool) -> None:
    net = Net()
    origin_lb = _origin_alb(net, _locked(net))
    other_lb = net.alb("internal-tools", [_locked(net, "tools-sg")])
    listener = aws.lb.Listener(
        "https", load_balancer_arn=(origin_lb if flag else other_lb).arn, port=443, protocol="HTTP",
        default_actions=[
            {"type": "fixed-response", "fixed_response": {"content_type": "text/plain", "status_code": "403"}}
        ],
    )  # fmt: skip
    tg = aws.lb.TargetGroup("app-tg", port=443, protocol="HTTPS", vpc_id=net.vpc.id)
    aws.lb.ListenerRule(
        "forward-verified", listener_arn=listener.arn, priority=10,
        actions=[{"type": "forward", "forward": {"target_groups": [{"arn": tg.arn, "weight": 1}]}}],
        conditions=[{"http_header": {"http_header_name": "X-Origin-Verify", "values": ["x"]}}],
    )  # fmt: skip
    vm = net.instance("app-vm", [_open_group(net, "app-sg")])
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id, port=443)


def t_classic_elb_instances(flag: bool) -> None:
    net = Net()
    vm = net.instance("app-vm", [_open_group(net, "app-sg")], public=flag)
    elb = aws.elb.LoadBalancer(
        "classic",
        subnets=[s.id for s in net.public],
        security_groups=[_locked(net).id],
        instances=[vm.id],
        listeners=[{"instance_port": 443, "instance_protocol": "tcp", "lb_port": 443, "lb_protocol": "tcp"}],
    )
    distribution("cdn", [custom_origin("web", elb.dns_name)])


def t_ipv6_target(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    app_sg = net.group("app-sg")
    ingress("app-v6-world", app_sg, "::/0")
    # Public IPv4 address but no IPv6 address: ::/0 reaches nothing (clean); one IPv6 address: it does (flag).
    vm = net.instance("app-vm", [app_sg], public=True, ipv6_address_count=1 if flag else 0)
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id, port=443)


def t_nlb_without_groups_passes_clients_to_targets(flag: bool) -> None:
    net = Net()
    nlb = aws.lb.LoadBalancer("origin-nlb", load_balancer_type="network", subnets=[s.id for s in net.public])
    other = aws.lb.LoadBalancer("other-nlb", load_balancer_type="network", subnets=[s.id for s in net.public])
    distribution("cdn", [custom_origin("web", nlb.dns_name)])
    tg = aws.lb.TargetGroup("app-tg", port=443, protocol="TCP", vpc_id=net.vpc.id)
    aws.lb.Listener(
        "tcp", load_balancer_arn=(nlb if flag else other).arn, port=443, protocol="TCP",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
    )  # fmt: skip
    vm = net.instance("app-vm", [_open_group(net, "app-sg")], public=False)  # private: only the NLB reaches it
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id, port=443)


def t_target_port_open_on_public_instance(flag: bool) -> None:
    """A public target's own app port is a way around CloudFront as much as 80/443 are."""
    net = Net()
    lb = _origin_alb(net, _locked(net))
    tg = aws.lb.TargetGroup("app-tg", port=8080, protocol="HTTP", vpc_id=net.vpc.id)
    aws.lb.Listener(
        "http", load_balancer_arn=lb.arn, port=443, protocol="HTTP",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
    )  # fmt: skip
    app_sg = net.group("app-sg")
    ingress("app-8080-world", app_sg, "0.0.0.0/0", 8080)
    vm = net.instance("app-vm", [app_sg], public=flag)
    aws.lb.TargetGroupAttachment("app-vm-target", target_group_arn=tg.arn, target_id=vm.id)


def t_ecs_service_public_tasks(flag: bool) -> None:
    net = Net()
    tg = _alb_with_targets(net)
    aws.ecs.Service(
        "app-svc",
        cluster="arn:aws:ecs:us-east-1:123456789012:cluster/app",
        task_definition="app:1",
        desired_count=2,
        launch_type="FARGATE",
        network_configuration={
            "subnets": [s.id for s in net.public],
            "security_groups": [_open_group(net, "task-sg").id],
            "assign_public_ip": flag,
        },
        load_balancers=[{"target_group_arn": tg.arn, "container_name": "app", "container_port": 443}],
    )


def o_custom_origin_port(flag: bool) -> None:
    """CloudFront connects to 8443: that port open to the world is the origin open to the world."""
    net = Net()
    sg = _locked(net)
    ingress("alt-https-world", sg, "0.0.0.0/0", 8443)
    lb = net.alb("origin-alb", [sg])
    origin = custom_origin("web", lb.dns_name)
    origin["custom_origin_config"]["https_port"] = 8443 if flag else 443
    distribution("cdn", [origin])


# -- P: preview decisions --------------------------------------------------------------------------------------------


def p_prefix_list_managed_here(flag: bool) -> None:
    """A list this stack manages, referenced by its (at preview unknown) id: decidable from its entries."""
    net = Net()
    sg = _locked(net)
    offices = aws.ec2.ManagedPrefixList(
        "offices",
        name="offices",
        address_family="IPv4",
        max_entries=5,
        entries=[{"cidr": "203.0.113.0/24"}, {"cidr": "0.0.0.0/0" if flag else "198.51.100.0/24"}],
    )
    aws.vpc.SecurityGroupIngressRule(
        "from-offices", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
        prefix_list_id=offices.id,
    )  # fmt: skip
    _origin_alb(net, sg)


def p_origin_groups_from_a_lookup(flag: bool) -> None:
    """The origin's group list comes from a lookup; it may return a group of this stack that is open."""
    net = Net()
    web = net.group("web")
    if flag:
        ingress("web-world", web, "0.0.0.0/0")
    else:
        cloudfront_only("web-cloudfront", web)
    looked_up = aws.ec2.get_security_group_output(vpc_id=net.vpc.id, name="web")
    lb = aws.lb.LoadBalancer(
        "origin-alb", load_balancer_type="application", security_groups=[looked_up.id],
        subnets=[s.id for s in net.public],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", lb.dns_name)])


def p_vpc_origin_service_group(flag: bool) -> None:
    """Issue 10's shape: an internal ALB behind a VPC origin admits 443 from CloudFront-VPCOrigins-Service-SG."""
    net = Net()
    sg = net.group("origin-sg")
    lb = net.alb("origin-alb", [sg], internal=True)
    origin = vpc_origin("web", lb.arn, lb.dns_name)
    service = aws.ec2.get_security_group_output(vpc_id=net.vpc.id, name="CloudFront-VPCOrigins-Service-SG")
    aws.vpc.SecurityGroupIngressRule(
        "from-cloudfront", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
        referenced_security_group_id=service.id,
    )  # fmt: skip
    if flag:
        ingress("world", sg, "::/0")
    distribution("cdn", [origin])


def p_vpc_origin_private_instance(flag: bool) -> None:
    """Issue 10's direct shape: a private instance behind a VPC origin, admitting 80 from the prefix list."""
    net = Net()
    sg = net.group("origin-sg")
    cloudfront_only("from-cloudfront", sg, port=80)
    if flag:
        aws.ec2.SecurityGroupRule(
            "world", type="ingress", security_group_id=sg.id, protocol="-1", from_port=0, to_port=0,
            cidr_blocks=["0.0.0.0/0"],
        )  # fmt: skip
    vm = net.instance("origin-vm", [sg], public=False)
    distribution("cdn", [vpc_origin("web", vm.arn, vm.private_dns)])


# -- found by the second adversarial review -------------------------------------------------------------------------


def o_nlb_static_addresses(flag: bool) -> None:
    """An NLB with static Elastic IPs (subnetMappings[].allocationId), reached through an A record of them."""
    net = Net()
    sg = _open_group(net) if flag else _locked(net)
    eips = [aws.ec2.Eip(f"nlb-ip-{i}", domain="vpc") for i in (0, 1)]
    aws.lb.LoadBalancer(
        "static-nlb", load_balancer_type="network", security_groups=[sg.id],
        subnet_mappings=[{"subnet_id": s.id, "allocation_id": e.id} for s, e in zip(net.public, eips, strict=True)],
    )  # fmt: skip
    aws.route53.Record(
        "app", zone_id=_zone().zone_id, name="app", type="A", ttl=60, records=[e.public_ip for e in eips]
    )
    distribution("cdn", [custom_origin("web", "app.example.com")])


def o_route53_wildcard_at_depth(flag: bool) -> None:
    """``*.example.com`` answers ``web.app.example.com`` too (RFC 4592); ``*.other.example.com`` does not."""
    net = Net()
    lb = net.alb("open-alb", [_open_group(net)])
    aws.route53.Record(
        "wildcard", zone_id=_zone().zone_id, name="*" if flag else "*.other", type="A",
        aliases=[{"name": lb.dns_name, "zone_id": lb.zone_id, "evaluate_target_health": False}],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", "web.app.example.com")])


def o_instance_from_launch_template(flag: bool) -> None:
    """An instance naming no group of its own gets its launch template's (the interface's groups)."""
    net = Net()
    sg = _open_group(net) if flag else _locked(net)
    lt = aws.ec2.LaunchTemplate(
        "web-lt", image_id="ami-0123456789abcdef0", instance_type="t3.micro",
        network_interfaces=[{"device_index": 0, "associate_public_ip_address": "true",
                             "subnet_id": net.public[0].id, "security_groups": [sg.id]}],
    )  # fmt: skip
    vm = aws.ec2.Instance("origin-vm", launch_template={"id": lt.id, "version": "$Latest"})
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def p_ingress_list_from_a_lookup(flag: bool) -> None:
    """A group's inline ingress list built from a lookup whose input is not known at preview (the SDK drops
    the lookup's dependencies then): it may hold anything, so preview cannot pass it; up decides."""
    net = Net()
    vpc_info = aws.ec2.get_vpc_output(id=net.vpc.id)
    world = ["0.0.0.0/0"] if flag else []
    sg = aws.ec2.SecurityGroup(
        "origin-sg", name="origin-sg", vpc_id=net.vpc.id, description="origin",
        ingress=vpc_info.cidr_block.apply(
            lambda c: [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [c, *world]}]
        ),
    )  # fmt: skip
    _origin_alb(net, sg)


def p_origin_group_list_from_a_lookup(flag: bool) -> None:
    """The origin's whole group list is a lookup's result (unknown at preview, no dependency)."""
    net = Net()
    web = net.group("web")
    if flag:
        ingress("web-world", web, "0.0.0.0/0")
    else:
        cloudfront_only("web-cloudfront", web)
    in_this_vpc: Any = [{"name": "vpc-id", "values": [net.vpc.id]}]  # an Output where the stubs want a str
    found = aws.ec2.get_security_groups_output(filters=in_this_vpc)
    lb = aws.lb.LoadBalancer(
        "origin-alb", load_balancer_type="application", security_groups=found.ids,
        subnets=[s.id for s in net.public],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", lb.dns_name)])


def o_launch_template_attaching_an_eni(flag: bool) -> None:
    """A launch template whose device-0 interface is an existing ENI: that ENI (and its groups) is the
    instance's primary interface, not the template's empty group list."""
    net = Net()
    sg = _open_group(net) if flag else _locked(net)
    eni = aws.ec2.NetworkInterface("web-eni", subnet_id=net.public[0].id, security_groups=[sg.id])
    aws.ec2.Eip("web-ip", domain="vpc", network_interface=eni.id)
    lt = aws.ec2.LaunchTemplate(
        "web-lt", image_id="ami-0123456789abcdef0", instance_type="t3.micro",
        network_interfaces=[{"device_index": 0, "network_interface_id": eni.id}],
    )  # fmt: skip
    vm = aws.ec2.Instance("origin-vm", launch_template={"id": lt.id, "version": "$Latest"})
    distribution("cdn", [custom_origin("web", vm.public_dns)])


def o_relative_wildcard_in_a_zone_elsewhere(flag: bool) -> None:
    """A wildcard record ('*') in a hosted zone of another stack: at preview its zone's name is not known, so
    it may answer for the origin's name."""
    net = Net()
    lb = net.alb("wild-alb", [_open_group(net) if flag else _locked(net)])
    aws.route53.Record(
        "wildcard", zone_id="Z0123456789ABC", name="*", type="A",
        aliases=[{"name": lb.dns_name, "zone_id": lb.zone_id, "evaluate_target_health": False}],
    )  # fmt: skip
    distribution("cdn", [custom_origin("web", "web.example.com")])


CASES = [
    Case("U1-two-rules", u_two_rules, ("0.0.0.0/1 (rule 'low-half') + 128.0.0.0/1 (rule 'high-half')",)),
    Case("U2-one-rule-two-cidrs", u_one_rule_two_cidrs, ("0.0.0.0/1 + 128.0.0.0/1 = all of IPv4",)),
    Case("U3-mixed-shapes", u_mixed_shapes, ("origin-sg.ingress[0]", "second-quarter", "upper-half")),
    Case("U4-port-ranges", u_port_ranges, ("on tcp 443",)),
    Case("U5-protocol-all-plus-tcp", u_all_protocols_plus_tcp),
    Case(
        "U6-ipv6-halves",
        u_ipv6_halves,
        (
            "2000::/4 (rule 'v6-low') + 3000::/4 (rule 'v6-high') = all of the IPv6 internet (everything but ::/3, "
            "4000::/2 and 8000::/1, which hold no internet address) on tcp 443",
        ),
    ),
    Case("U7-families-do-not-mix", u_families_do_not_mix),
    Case("U8-256-slash-eights", u_many_slash_eights, ("on tcp 80",)),
    Case("U9-prefix-list-entries", u_prefix_list_entries_inline, ("prefix list 'partners'",)),
    Case("U10-prefix-list-entry-resources", u_prefix_list_entry_resources, ("prefix list 'offices'",)),
    Case("U11-two-groups-one-interface", u_two_groups_one_interface, ("'origin-a'", "'origin-b'")),
    Case("U12-host-bits", u_host_bits),
    Case("U13-ports-must-overlap", u_different_ports_do_not_add),
    Case("O1-nlb-with-groups", o_nlb_with_groups, ("load balancer 'nlb'",)),
    Case("O2-classic-elb", o_classic_elb_with_groups, ("load balancer 'classic'",)),
    Case("O3-classic-elb-default-group", o_classic_elb_default_group, ("default-sg",)),
    Case("O4-instance-public-dns", o_instance_public_dns, ("instance 'open-vm'",)),
    Case("O5-eip-on-instance", o_eip_on_instance, ("Elastic IP 'origin-ip'", "instance 'open-vm'")),
    Case("O6-eip-association-instance", o_eip_association_to_instance, ("instance 'open-vm'",)),
    Case("O7-eip-association-eni", o_eip_association_to_eni, ("network interface 'open-eni'",)),
    Case("O8-route53-absolute-alias", o_route53_absolute_alias, ("Route 53 record 'origin-name'",)),
    Case("O9-route53-relative-cname", o_route53_relative_cname, ("Route 53 record 'origin-name'",)),
    Case("O10-route53-fqdn-output", o_route53_fqdn_output, ("load balancer 'open-alb'",)),
    Case("O11-route53-a-record-eip", o_route53_a_record_to_eip, ("instance 'open-vm'",)),
    Case("O12-primary-network-interface", o_primary_network_interface, ("network interface 'open-eni'",)),
    Case("O13-secondary-eni-public", o_secondary_eni_with_public_ip, ("network interface 'extra-eni'",)),
    Case("O14-sg-attachment-origin-eni", o_sg_attachment_to_origin_eni, ("instance 'origin-vm'",)),
    Case("O15-origin-group-member", o_origin_group_failover_member, ("instance 'backup-vm'",)),
    Case("O16-ordered-behavior-target", o_ordered_behavior_target, ("load balancer 'api-alb'",)),
    Case("O17-vpc-origin-internal-alb", o_vpc_origin_internal_alb, ("VPC origin 'web-vpc-origin'",)),
    Case("O18-vpc-origin-instance", o_vpc_origin_instance, ("instance 'open-vm'",)),
    Case("O19-group-by-name-default-vpc", o_group_by_name_default_vpc, ("'web-sg'",)),
    Case("O20-alb-own-vpc-default-group", o_alb_without_groups_gets_its_vpc_default, ("default-sg",)),
    Case("O21-instance-own-vpc-default-group", o_instance_without_groups_gets_its_vpc_default, ("default-sg",)),
    Case("O22-rule-on-vpc-default-group-id", o_rule_on_vpc_default_group_id, ("default-world",)),
    Case("O23-external-group-in-origin-and-rule", o_external_group_named_by_origin_and_rule, ("sg-0123456789abcdef0",)),
    Case("T1-public-instance-target", t_public_instance_target, ("target group 'app-tg'", "instance 'app-vm'")),
    Case("T2-target-with-eip", t_target_with_eip, ("instance 'app-vm'",)),
    Case("T3-asg-template-public-interface", t_asg_launch_template_public_interface, ("launch template 'app-lt'",)),
    Case("T4-asg-public-subnets", t_asg_in_public_subnets, ("Auto Scaling group 'app-asg'",)),
    Case("T5-listener-rule-forward", t_listener_rule_forward, ("listener 'https'", "instance 'app-vm'")),
    Case("T6-classic-elb-instances", t_classic_elb_instances, ("instance 'app-vm'",)),
    Case("T7-ipv6-target", t_ipv6_target, ("::/0",)),
    Case("T8-nlb-without-groups", t_nlb_without_groups_passes_clients_to_targets, ("instance 'app-vm'",)),
    Case("T9-target-app-port", t_target_port_open_on_public_instance, ("on tcp 8080",)),
    Case("T10-ecs-public-tasks", t_ecs_service_public_tasks, ("the tasks of ECS service 'app-svc'",)),
    Case("O24-custom-origin-port", o_custom_origin_port, ("on tcp 8443",)),
    Case("P1-prefix-list-managed-here", p_prefix_list_managed_here, ("prefix list 'offices'",)),
    Case("P2-origin-groups-from-lookup", p_origin_groups_from_a_lookup, ("web-world",)),
    Case("P3-vpc-origin-service-group", p_vpc_origin_service_group, ("::/0",)),
    Case("P4-vpc-origin-private-instance", p_vpc_origin_private_instance, ("world",)),
    Case("O25-nlb-static-addresses", o_nlb_static_addresses, ("Elastic IP 'nlb-ip-0'", "load balancer 'static-nlb'")),
    Case("O26-route53-wildcard-at-depth", o_route53_wildcard_at_depth, ("Route 53 record 'wildcard'",)),
    Case("O27-instance-from-launch-template", o_instance_from_launch_template, ("instance 'origin-vm'",)),
    Case("O28-launch-template-attaching-an-eni", o_launch_template_attaching_an_eni, ("network interface 'web-eni'",)),
    Case(
        "O29-relative-wildcard-zone-elsewhere", o_relative_wildcard_in_a_zone_elsewhere, ("Route 53 record 'wildcard'",)
    ),
    Case(
        "P5-ingress-list-from-lookup",
        p_ingress_list_from_a_lookup,
        ("origin-sg.ingress[0]",),
        clean_preview_cannot_verify="the whole ingress list of rule 'origin-sg.ingress[*]'",
    ),
    Case("P6-origin-group-list-from-lookup", p_origin_group_list_from_a_lookup, ("web-world",)),
]


def verdicts(program: Callable[[], None], preview: bool) -> list[tuple[str, str]]:
    return run_stack_policy(NAME, run(program, preview=preview))


@pytest.mark.parametrize("stage", ["up", "preview"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_flag(case: Case, stage: str) -> None:
    found = verdicts(lambda: case.program(True), preview=stage == "preview")
    assert found, f"{case.id}: nothing flagged at {stage}"
    if stage == "up":
        certain = [m for m, _ in found if not m.startswith(CANNOT)]
        assert certain, f"{case.id}: only 'Cannot verify' at up: {found}"
        text = "\n".join(certain)
        for expected in case.says:
            assert expected in text, f"{case.id}: {expected!r} not in {text}"


@pytest.mark.parametrize("stage", ["up", "preview"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_clean(case: Case, stage: str) -> None:
    found = verdicts(lambda: case.program(False), preview=stage == "preview")
    if stage == "preview" and case.clean_preview_cannot_verify:
        [(message, _)] = found
        assert message.startswith(CANNOT) and case.clean_preview_cannot_verify in message, message
    else:
        assert found == []


def test_the_cloudfront_list_is_the_managed_one() -> None:
    assert CF_PREFIX_LIST == "com.amazonaws.global.cloudfront.origin-facing"


# -- messages: the rule, the union, the group, the origin and the chain between them --------------------------------

FIX_443 = (
    "Fix: remove the rule(s) and admit 80 or 443 only from the CloudFront origin-facing managed prefix lists "
    "(com.amazonaws.global.cloudfront.origin-facing and com.amazonaws.global.ipv6.cloudfront.origin-facing, looked "
    "up with aws.ec2.get_managed_prefix_list) or, for a VPC origin, from the CloudFront-VPCOrigins-Service-SG group, "
    "so that only CloudFront can reach the origin."
)
ANYONE = "Anyone on the internet can reach the origin without going through CloudFront. "
VPC_RULE = "(aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule)"
ALB_DNS = "origin-alb-2194629011.us-east-1.elb.amazonaws.com"  # the mocks' DNS name for resource 'origin-alb'


def _case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def test_message_union_across_two_groups_at_up_and_preview() -> None:
    case = _case("U11-two-groups-one-interface")
    for preview, origin in ((False, ALB_DNS), (True, "domain not known yet")):
        [(message, urn)] = verdicts(lambda: case.program(True), preview=preview)
        assert message == (
            f"Rules 'a-low' {VPC_RULE} and 'b-high' {VPC_RULE} together admit 0.0.0.0/1 (rule 'a-low') + "
            "128.0.0.0/1 (rule 'b-high') = all of IPv4 on tcp 443 to security group 'origin-a' and security group "
            f"'origin-b' on load balancer 'origin-alb' (distribution 'cdn' -> origin 'web' ({origin}) -> load "
            f"balancer 'origin-alb'). " + ANYONE + FIX_443
        )
        assert urn.endswith(f"{VPC_RULE[1:-1]}::a-low")


def test_message_prefix_list_entries_and_chain_behind_the_load_balancer() -> None:
    [(message, urn)] = verdicts(lambda: _case("U10-prefix-list-entry-resources").program(True), preview=False)
    assert message.startswith(
        "Rule 'from-offices' (aws:ec2/securityGroupRule:SecurityGroupRule) admits 0.0.0.0/1 (prefix list 'offices') "
        "+ 128.0.0.0/1 (prefix list 'offices') = all of IPv4 on tcp 80 to security group 'origin-sg' on load "
        f"balancer 'origin-alb' (distribution 'cdn' -> origin 'web' ({ALB_DNS}) -> load balancer 'origin-alb')."
    )
    assert urn.endswith("::from-offices")
    [(message, _)] = verdicts(lambda: _case("T1-public-instance-target").program(True), preview=False)
    assert (
        "to security group 'app-sg' on instance 'app-vm' (distribution 'cdn' -> origin 'web' "
        f"({ALB_DNS}) -> load balancer 'origin-alb' -> listener 'https' -> target group 'app-tg' -> instance "
        "'app-vm')."
    ) in message


def test_message_same_rule_both_families_and_ports_is_one_finding() -> None:
    def program() -> None:
        net = Net()
        sg = aws.ec2.SecurityGroup(
            "origin-sg",
            vpc_id=net.vpc.id,
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 80,
                    "to_port": 443,
                    "cidr_blocks": ["0.0.0.0/0"],
                    "ipv6_cidr_blocks": ["::/0"],
                }
            ],
        )
        _origin_alb(net, sg)

    [(message, _)] = verdicts(program, preview=False)
    assert message.startswith(
        "Rule 'origin-sg.ingress[0]' (aws:ec2/securityGroup:SecurityGroup) admits 0.0.0.0/0 = all of IPv4 on tcp 80 "
        "and 443; ::/0 = all of IPv6 on tcp 80 and 443 to security group 'origin-sg' on load balancer 'origin-alb'"
    )


def test_message_lookup_at_preview_names_the_property_and_the_candidate() -> None:
    [(message, urn)] = verdicts(lambda: _case("P2-origin-groups-from-lookup").program(True), preview=True)
    assert message.startswith(
        "Cannot verify at preview: securityGroups of load balancer 'origin-alb' is not known yet and comes from a "
        "lookup (no dependency names it). So security group 'web' on load balancer 'origin-alb' (distribution 'cdn' "
        "-> origin 'web' (domain not known yet) -> load balancer 'origin-alb') may admit all of IPv4 on tcp 443. "
        "Treated as a violation because unknownValues is 'deny'"
    )
    assert urn.endswith("aws:lb/loadBalancer:LoadBalancer::origin-alb")


# -- preview: maybe only when it really could be open ----------------------------------------------------------------


def cidr_from_an_output() -> None:
    """A CIDR computed from another resource's output is not known at preview: it could be anything."""
    net = Net()
    sg = _locked(net)
    office = aws.ec2.Eip("office-ip", domain="vpc")
    aws.vpc.SecurityGroupIngressRule(
        "from-office", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
        cidr_ipv4=office.public_ip.apply(lambda ip: f"{ip}/32"),
    )  # fmt: skip
    _origin_alb(net, sg)


def test_a_cidr_not_known_at_preview_is_maybe_then_decided_at_up() -> None:
    [(message, urn)] = verdicts(cidr_from_an_output, preview=True)
    assert message.startswith(f"Cannot verify at preview: cidrIpv4 of rule 'from-office' {VPC_RULE} is not known yet.")
    assert urn.endswith("::from-office")
    snaps = run(cidr_from_an_output, preview=True)
    assert run_stack_policy(NAME, snaps, {"unknownValues": "allow"}) == []
    assert verdicts(cidr_from_an_output, preview=False) == []


def test_unknown_values_that_cannot_open_anything_are_not_maybe() -> None:
    def program() -> None:
        net = Net()
        sg = _locked(net)
        office = aws.ec2.Eip("office-ip", domain="vpc")
        for port, protocol in ((22, "tcp"), (443, "udp")):  # neither port nor protocol can reach 80/443 on tcp
            aws.vpc.SecurityGroupIngressRule(
                f"office-{port}", security_group_id=sg.id, ip_protocol=protocol, from_port=port, to_port=port,
                cidr_ipv4=office.public_ip.apply(lambda ip: f"{ip}/32"),
            )  # fmt: skip
        _origin_alb(net, sg)

    assert verdicts(program, preview=True) == []


# -- aws-native shapes, and spellings (stacks as the engine reports them) ----------------------------------------------

NATIVE_INSTANCE = "aws-native:ec2:Instance"
NATIVE_LB = "aws-native:elasticloadbalancingv2:LoadBalancer"
NATIVE_LISTENER = "aws-native:elasticloadbalancingv2:Listener"
NATIVE_RULE = "aws-native:elasticloadbalancingv2:ListenerRule"
NATIVE_TG = "aws-native:elasticloadbalancingv2:TargetGroup"
HTTPS_ONLY = {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only"}


def _group(s: Stack, name: str, world: bool, **source: Any) -> R:
    rule = {"protocol": "tcp", "fromPort": 443, "toPort": 443}
    rule.update({"cidrBlocks": ["0.0.0.0/0"]} if world else source)
    return s.add(R(SG, name, {"id": f"sg-0{name}", "name": name, "vpcId": "vpc-1", "ingress": [rule]}))


def native_instance_group_set(flag: bool) -> Stack:
    """aws-native instance whose groups sit on the interface it launches with (networkInterfaces[].groupSet)."""
    s = Stack()
    sg = _group(s, "web-sg", flag, prefixListIds=["pl-3b927c52"])
    vm = s.add(
        R(NATIVE_INSTANCE, "origin-vm", {
            "id": "i-0native", "instanceId": "i-0native", "publicDnsName": "ec2-3-2-2-2.compute-1.amazonaws.com",
            "publicIp": "3.2.2.2",
            "networkInterfaces": [
                {"deviceIndex": "0", "associatePublicIpAddress": True, "subnetId": "subnet-1",
                 "groupSet": ["sg-0web-sg"]}
            ],
        }, {"networkInterfaces": [sg.urn]}),
    )  # fmt: skip
    origin = {"originId": "web", "domainName": "ec2-3-2-2-2.compute-1.amazonaws.com", "customOriginConfig": HTTPS_ONLY}
    s.add(R(DIST, "cdn", {"id": "E1", "origins": [origin]}, {"origins": [vm.urn]}))
    return s


def native_listener_rule_target_group(flag: bool) -> Stack:
    """aws-native ALB -> listener -> listener rule (forwardConfig) -> target group with inline targets -> a public
    instance whose own group admits the world (or only the load balancer's group)."""
    s = Stack()
    lb_sg = _group(s, "lb-sg", False, prefixListIds=["pl-3b927c52"])
    app_sg = _group(s, "app-sg", flag, securityGroups=["sg-0lb-sg"])
    vm = s.add(
        R(INSTANCE, "app-vm", {"id": "i-0app", "publicIp": "3.3.3.3", "publicDns": "ec2-3-3-3-3.x",
                               "subnetId": "subnet-1", "vpcSecurityGroupIds": ["sg-0app-sg"]},
          {"vpcSecurityGroupIds": [app_sg.urn]}),
    )  # fmt: skip
    lb = s.add(
        R(NATIVE_LB, "origin-alb", {"id": "arn:lb", "loadBalancerArn": "arn:lb", "dnsName": "o-1.elb.amazonaws.com",
                                   "type": "application", "securityGroups": ["sg-0lb-sg"]},
          {"securityGroups": [lb_sg.urn]}),
    )  # fmt: skip
    tg = s.add(
        R(NATIVE_TG, "app-tg", {"id": "arn:tg", "targetGroupArn": "arn:tg", "port": 443, "protocol": "HTTPS",
                                "targets": [{"id": "i-0app", "port": 443}]}, {"targets": [vm.urn]}),
    )  # fmt: skip
    listener = s.add(
        R(NATIVE_LISTENER, "https", {"id": "arn:l", "listenerArn": "arn:l", "loadBalancerArn": "arn:lb", "port": 443,
                                     "defaultActions": [{"type": "fixed-response"}]},
          {"loadBalancerArn": [lb.urn]}),
    )  # fmt: skip
    s.add(
        R(NATIVE_RULE, "forward", {"id": "arn:r", "listenerArn": "arn:l", "priority": 1, "actions": [
            {"type": "forward", "forwardConfig": {"targetGroups": [{"targetGroupArn": "arn:tg", "weight": 1}]}}]},
          {"listenerArn": [listener.urn], "actions": [tg.urn]}),
    )  # fmt: skip
    origin = {"originId": "web", "domainName": "o-1.elb.amazonaws.com", "customOriginConfig": HTTPS_ONLY}
    s.add(R(DIST, "cdn", {"id": "E1", "origins": [origin]}, {"origins": [lb.urn]}))
    return s


NATIVE_CASES = {
    "N1-native-instance-group-set": (native_instance_group_set, "instance 'origin-vm'"),
    "N2-native-listener-rule-target-group": (
        native_listener_rule_target_group,
        "listener rule 'forward' -> target group 'app-tg' -> instance 'app-vm'",
    ),
}


@pytest.mark.parametrize("case", list(NATIVE_CASES))
def test_native_shapes_flag_and_clean(case: str) -> None:
    build, says = NATIVE_CASES[case]
    found = run_stack_policy(NAME, build(True).snapshots())
    assert found and any(says in m for m, _ in found), found
    assert run_stack_policy(NAME, build(False).snapshots()) == []


@pytest.mark.parametrize("protocol", ["tcp", "TCP", " Tcp ", "6", "06", "+6", "6.0", "-1", "-01", "all", "ALL"])
def test_every_spelling_of_tcp_or_all_protocols_is_judged(protocol: str) -> None:
    """EC2 reads protocol numbers as integers (terraform-provider-aws uses strconv.Atoi): "06" is tcp."""
    s = origin_stack("alb")
    props = {"type": "ingress", "securityGroupId": "sg-0origin", "protocol": protocol, "fromPort": 443, "toPort": 443}
    s.add(R(SG_RULE, "open", {**props, "cidrBlocks": ["0.0.0.0/0"]}, {"securityGroupId": [s["origin-sg"].urn]}))
    assert run_stack_policy(NAME, s.snapshots()), protocol


@pytest.mark.parametrize("protocol", ["udp", "17", "017", "icmp", "1", "58", "50", "6.5"])
def test_other_protocols_do_not_reach_a_tcp_origin(protocol: str) -> None:
    s = origin_stack("alb")
    props = {"type": "ingress", "securityGroupId": "sg-0origin", "protocol": protocol, "fromPort": 443, "toPort": 443}
    s.add(R(SG_RULE, "open", {**props, "cidrBlocks": ["0.0.0.0/0"]}, {"securityGroupId": [s["origin-sg"].urn]}))
    assert run_stack_policy(NAME, s.snapshots()) == []


@pytest.mark.parametrize("bound", ["inf", "-inf", "nan", "1e400", "x", None])
def test_a_port_bound_that_is_no_number_means_every_port(bound: Any) -> None:
    s = origin_stack("alb")
    props = {"type": "ingress", "securityGroupId": "sg-0origin", "protocol": "tcp", "fromPort": bound, "toPort": bound}
    s.add(R(SG_RULE, "open", {**props, "cidrBlocks": ["0.0.0.0/0"]}, {"securityGroupId": [s["origin-sg"].urn]}))
    [(message, _)] = run_stack_policy(NAME, s.snapshots())
    assert "0.0.0.0/0 = all of IPv4 on tcp 80 and 443" in message


def test_a_record_whose_zone_is_not_known_yet_is_only_a_possible_origin_at_preview() -> None:
    """At preview a relative name in a zone outside the stack may or may not be the origin's name: a *maybe*
    (denied by default, passed with unknownValues: allow); at up the record's fqdn decides."""
    snaps = run(lambda: o_relative_wildcard_in_a_zone_elsewhere(True), preview=True)
    found = run_stack_policy(NAME, snaps)
    assert found and all(m.startswith(CANNOT) for m, _ in found), found
    assert any(
        "the zone of Route 53 record 'wildcard' (*) is not known yet, so it may answer for web.example.com" in m
        for m, _ in found
    ), found
    assert run_stack_policy(NAME, snaps, {"unknownValues": "allow"}) == []
    at_up = run_stack_policy(NAME, run(lambda: o_relative_wildcard_in_a_zone_elsewhere(True), preview=False))
    assert at_up and not any(m.startswith(CANNOT) for m, _ in at_up)
