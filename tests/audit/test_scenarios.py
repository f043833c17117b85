"""The audit against a real moto server: one account holding every scenario, each a distribution of its own.

Every check and every origin kind has a scenario that must be found and a clean one beside it that must not
(the same shape, closed). The test compares the whole set of findings with the expected set, so a clean
scenario that is flagged fails as surely as a flagged one that is missed. The report is produced by the
command itself (``cli.run``), in JSON, table and SARIF, with a header value planted in the account that no
output may contain, and every AWS call recorded and held to the IAM policy.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from cloudfront_origin_lockdown.audit import aws, cli, iam
from cloudfront_origin_lockdown.audit.aws import iam_action
from tests.audit.moto_server import MotoServer
from tests.audit.world import HAND_KEPT, PLANTED, RANGES, World, ranges_file

OPEN, HARDCODED, SECRET, LEGACY, UNVERIFIED = (
    "origin-open-to-world",
    "origin-cloudfront-ranges-hardcoded",
    "origin-secret-not-checked",
    "legacy-cloudfront-ip-updater",
    "origin-not-verified",
)


@dataclass
class Built:
    world: World
    expected: set[tuple[str, str, str]] = field(default_factory=set)  # (scenario, check, resource)
    calls: list[str] = field(default_factory=list)
    ranges: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # other ids a test asserts on

    def expect(self, scenario: str, check: str, resource: str) -> None:
        self.expected.add((scenario, check, resource))


def _locked_alb(w: World, name: str, groups: list[str], port: int = 443) -> dict[str, Any]:
    """AWS's recipe: default 403, forward only with the exact header."""
    lb = w.alb(name, groups)
    tg = w.target_group(f"{name}-tg", 8080)
    listener = w.listener(lb, port, w.fixed_403())
    w.header_rule(listener, 10, tg, [PLANTED])
    return lb


def build(w: World, b: Built) -> None:
    cf443 = w.from_cloudfront(443)
    # -- ALB -----------------------------------------------------------------------------------------------
    sg = w.group("alb-open", w.cidrs(443, "0.0.0.0/0"))
    shared = _locked_alb(w, "alb-open", [sg])["DNSName"]
    w.distribution("alb-open", shared)
    b.expect("alb-open", OPEN, sg)
    # A second distribution on the same exposed origin: exposed too, its own finding (review finding 3).
    w.distribution("alb-open-second", shared)
    b.expect("alb-open-second", OPEN, sg)
    w.distribution("alb-clean", _locked_alb(w, "alb-clean", [w.group("alb-clean", cf443)])["DNSName"])
    low, high = w.group("union-low", w.cidrs(443, "0.0.0.0/1")), w.group("union-high", w.cidrs(443, "128.0.0.0/1"))
    w.distribution("alb-union", w.alb("alb-union", [low, high])["DNSName"])
    b.expect("alb-union", OPEN, low)
    b.expect("alb-union", OPEN, high)
    v6 = w.group("alb-ipv6", w.cidrs(443, "::/0"), cf443)
    w.distribution("alb-ipv6", w.alb("alb-ipv6", [v6])["DNSName"])  # no listener yet: nothing to check there
    b.expect("alb-ipv6", OPEN, v6)
    # The world on 80 in front of an https-only origin without a listener there yet: the pack judges every origin
    # interface on 80 and 443 (its default ports), so the audit does too (one verdict for both; review finding 2).
    other = w.group("alb-other-port", w.cidrs(80, "0.0.0.0/0"), cf443)
    w.distribution("alb-other-port", w.alb("alb-other-port", [other])["DNSName"])
    b.expect("alb-other-port", OPEN, other)
    # The world on a port that is neither the pack's nor one the origin serves on: not this check's.
    far = w.group("alb-far-port", w.cidrs(9000, "0.0.0.0/0"), cf443)
    w.distribution("alb-far-port", w.alb("alb-far-port", [far])["DNSName"])
    # An open load balancer no distribution reaches: not reported.
    w.alb("alb-unreached", [w.group("alb-unreached", w.cidrs(443, "0.0.0.0/0"))])

    # -- NLB without groups: clients' addresses reach the targets ---------------------------------------------
    for name, perm in (("nlb-open", w.cidrs(80, "0.0.0.0/0")), ("nlb-clean", w.from_cloudfront(80))):
        target_sg = w.group(name, perm)
        nlb = w.alb(name, [], lb_type="network")
        tg = w.target_group(f"{name}-tg", 80, protocol="TCP")
        target = w.instance([target_sg], public=False)
        w.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": target["InstanceId"], "Port": 80}])
        w.elbv2.create_listener(
            LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP", Port=80, DefaultActions=[w.forward(tg)]
        )
        w.distribution(name, nlb["DNSName"], policy="http-only")
        if name == "nlb-open":
            b.expect(name, OPEN, target_sg)

    # -- NLB without groups whose targets cannot tell clients apart (review of issue 21, finding 1) ------------
    # IP targets over TCP: client IP preservation is off by default (AWS: "IP type target groups (TCP, TLS):
    # Disabled"), so the targets see the NLB's addresses and admitting the VPC admits the world through it.
    # The target is a task's interface (no instance): DescribeInstances never shows it.
    vpc_cidr = w.ec2.describe_vpcs(VpcIds=[w.vpc])["Vpcs"][0]["CidrBlock"]
    for name, preserve in (("nlb-task-hidden", None), ("nlb-task-preserved", "true")):
        task_sg = w.group(name, w.cidrs(80, vpc_cidr))
        task = w.ec2.create_network_interface(SubnetId=w.subnets[0], Groups=[task_sg], Description="ecs task")
        nlb = w.alb(name, [], lb_type="network")
        tg = w.elbv2.create_target_group(Name=f"{name}-tg", Protocol="TCP", Port=80, VpcId=w.vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        if preserve is not None:  # turned on: the targets see clients, and their group admits only the VPC
            w.elbv2.modify_target_group_attributes(
                TargetGroupArn=tg, Attributes=[{"Key": "preserve_client_ip.enabled", "Value": preserve}]
            )
        w.elbv2.register_targets(
            TargetGroupArn=tg, Targets=[{"Id": task["NetworkInterface"]["PrivateIpAddress"], "Port": 80}]
        )
        w.elbv2.create_listener(
            LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP", Port=80, DefaultActions=[w.forward(tg)]
        )
        w.distribution(name, nlb["DNSName"], policy="http-only")
        if preserve is None:
            b.expect(name, OPEN, nlb["LoadBalancerArn"])
    # A task interface open to the world behind an NLB: found through its IP target.
    task_open = w.group("nlb-task-open", w.cidrs(80, "0.0.0.0/0"))
    task = w.ec2.create_network_interface(SubnetId=w.subnets[0], Groups=[task_open], Description="ecs task")
    nlb = w.alb("nlb-task-open", [], lb_type="network")
    tg = w.elbv2.create_target_group(Name="nlb-task-open-tg", Protocol="UDP", Port=80, VpcId=w.vpc, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]  # UDP: preservation on (AWS's default, and it cannot be turned off)
    w.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": task["NetworkInterface"]["PrivateIpAddress"]}])
    w.elbv2.create_listener(
        LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="UDP", Port=80, DefaultActions=[w.forward(tg)]
    )
    w.distribution("nlb-task-open", nlb["DNSName"], policy="http-only")
    b.expect("nlb-task-open", OPEN, task_open)
    # An ALB registered as an NLB's target (target type alb): the ALB's groups face the world.
    for name, perm in (("nlb-alb-open", w.cidrs(80, "0.0.0.0/0")), ("nlb-alb-clean", w.from_cloudfront(80))):
        alb_sg = w.group(name, perm)
        inner = w.alb(f"{name}-inner", [alb_sg])
        w.listener(inner, 80, w.fixed_403())
        nlb = w.alb(name, [], lb_type="network")
        tg = w.elbv2.create_target_group(Name=f"{name}-tg", Protocol="TCP", Port=80, VpcId=w.vpc, TargetType="alb")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        w.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": inner["LoadBalancerArn"], "Port": 80}])
        w.elbv2.create_listener(
            LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP", Port=80, DefaultActions=[w.forward(tg)]
        )
        w.distribution(name, nlb["DNSName"], policy="http-only")
        if name == "nlb-alb-open":
            b.expect(name, OPEN, alb_sg)

    # -- Classic ELB ---------------------------------------------------------------------------------------
    for name, perm in (("elb-open", w.cidrs(80, "0.0.0.0/0")), ("elb-clean", w.from_cloudfront(80))):
        elb_sg = w.group(name, perm)
        w.elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
            Subnets=w.subnets[:1],
            SecurityGroups=[elb_sg],
        )
        dns = w.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]["DNSName"]
        w.distribution(name, dns, policy="http-only")
        if name == "elb-open":
            b.expect(name, OPEN, elb_sg)

    # A public instance behind a Classic ELB, open to the world on the listener's instance port (8080): the
    # pack judges it there, so must the audit (finding 2a).
    elb_front = w.group("elb-target-front", w.from_cloudfront(80))
    for name, perm in (("elb-target-open", w.cidrs(8080, "0.0.0.0/0")), ("elb-target-clean", w.cidrs(8080, vpc_cidr))):
        target_sg = w.group(name, perm)
        inst = w.instance([target_sg], public=True)
        w.elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
            Subnets=w.subnets[:1],
            SecurityGroups=[elb_front],
        )
        w.elb.register_instances_with_load_balancer(
            LoadBalancerName=name, Instances=[{"InstanceId": inst["InstanceId"]}]
        )
        dns = w.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]["DNSName"]
        w.distribution(name, dns, policy="http-only")
        if name == "elb-target-open":
            b.expect(name, OPEN, target_sg)

    # -- an instance by its public DNS name, and by an Elastic IP's --------------------------------------------
    for name, perm in (("instance-open", w.cidrs(443, "0.0.0.0/0")), ("instance-clean", cf443)):
        inst_sg = w.group(name, perm)
        w.distribution(name, w.instance([inst_sg])["PublicDnsName"])
        if name == "instance-open":
            b.expect(name, OPEN, inst_sg)
    for name, perm in (("eip-open", w.cidrs(443, "0.0.0.0/0")), ("eip-clean", cf443)):
        eip_sg = w.group(name, perm)
        inst = w.instance([eip_sg], public=False)
        address = w.ec2.allocate_address(Domain="vpc")
        w.ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=inst["InstanceId"])
        w.distribution(name, "ec2-" + address["PublicIp"].replace(".", "-") + ".compute-1.amazonaws.com")
        if name == "eip-open":
            b.expect(name, OPEN, eip_sg)
    # An origin instance's secondary interface with an Elastic IP of its own, open on the origin's port (2b).
    secondary = w.group("instance-secondary-open", w.cidrs(443, "0.0.0.0/0"))
    inst = w.instance([w.group("instance-secondary-primary", cf443)])
    eth1 = w.ec2.create_network_interface(SubnetId=w.subnets[0], Groups=[secondary])["NetworkInterface"]
    w.ec2.attach_network_interface(
        NetworkInterfaceId=eth1["NetworkInterfaceId"], InstanceId=inst["InstanceId"], DeviceIndex=1
    )
    address = w.ec2.allocate_address(Domain="vpc")
    w.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=eth1["NetworkInterfaceId"])
    w.distribution("instance-secondary-open", inst["PublicDnsName"])
    b.expect("instance-secondary-open", OPEN, secondary)
    # An Elastic IP on a network interface of its own (no instance).
    eni_sg = w.group("eni-eip-open", w.cidrs(443, "0.0.0.0/0"))
    eni = w.ec2.create_network_interface(SubnetId=w.subnets[0], Groups=[eni_sg])["NetworkInterface"]
    address = w.ec2.allocate_address(Domain="vpc")
    w.ec2.associate_address(AllocationId=address["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"])
    w.distribution("eni-eip-open", "ec2-" + address["PublicIp"].replace(".", "-") + ".compute-1.amazonaws.com")
    b.expect("eni-eip-open", OPEN, eni_sg)

    # -- Route 53: alias, AAAA alias, CNAME chains, A to an address, wildcards --------------------------------
    zone = w.zone("example.com")
    r53 = {}
    for name in ("r53-alias", "r53-aaaa", "r53-cname", "r53-wildcard", "r53-clean"):
        perm = cf443 if name == "r53-clean" else w.cidrs(443, "0.0.0.0/0", "::/0")
        r53[name] = (w.group(name, perm), name)
        r53[name] = (r53[name][0], w.alb(name, [r53[name][0]])["DNSName"])
    w.record(zone, "alias.example.com", "A", alias=f"dualstack.{r53['r53-alias'][1]}")
    w.distribution("r53-alias", "alias.example.com")
    w.record(zone, "six.example.com", "AAAA", alias=f"dualstack.{r53['r53-aaaa'][1]}")
    w.distribution("r53-aaaa", "six.example.com")
    w.record(zone, "app.example.com", "A", alias=r53["r53-cname"][1])
    w.record(zone, "www.example.com", "CNAME", ["app.example.com"])
    w.distribution("r53-cname", "www.example.com")
    w.record(zone, "*.wild.example.com", "A", alias=r53["r53-wildcard"][1])
    w.distribution("r53-wildcard", "shop.wild.example.com")
    w.record(zone, "clean.example.com", "A", alias=r53["r53-clean"][1])
    w.distribution("r53-clean", "clean.example.com")
    for name in ("r53-alias", "r53-aaaa", "r53-cname", "r53-wildcard"):
        b.expect(name, OPEN, r53[name][0])
    a_sg = w.group("r53-a", w.cidrs(443, "0.0.0.0/0"))
    w.record(zone, "ip.example.com", "A", [w.instance([a_sg])["PublicIpAddress"]])
    w.distribution("r53-a", "ip.example.com")
    b.expect("r53-a", OPEN, a_sg)

    # -- hand-kept CloudFront ranges -----------------------------------------------------------------------
    split_sg = w.group("hand-kept", w.cidrs(443, *HAND_KEPT))
    split_host = w.instance([split_sg])["PublicDnsName"]
    w.distribution("hardcoded-split", split_host)
    b.expect("hardcoded-split", HARDCODED, split_sg)
    w.distribution("hardcoded-split-second", split_host)  # the same group, a second distribution: its own finding
    b.expect("hardcoded-split-second", HARDCODED, split_sg)
    # The same group on a server no distribution reaches (review finding 6): the split plan attaches there too.
    b.extra["split-other-holder"] = w.instance([split_sg])["NetworkInterfaces"][0]["NetworkInterfaceId"]
    # AWS's updater layout: cloudfront_g and cloudfront_r on one interface cover every prefix together (finding 7).
    cf4 = [p["ip_prefix"] for p in RANGES["prefixes"] if p["service"] == "CLOUDFRONT_ORIGIN_FACING"]
    pair = [
        w.group("pair-g", w.cidrs(443, *cf4[:6]), tags={"AutoUpdate": "true", "Name": "cloudfront_g"}),
        w.group("pair-r", w.cidrs(443, *cf4[6:]), tags={"AutoUpdate": "true", "Name": "cloudfront_r"}),
    ]
    w.distribution("hardcoded-pair", w.instance(pair)["PublicDnsName"])
    for gid in pair:
        b.expect("hardcoded-pair", HARDCODED, gid)
        b.expect("hardcoded-pair", LEGACY, gid)
    # A supernet (CloudFront's service range 130.176.0.0/16) holds the origin-facing 130.176.0.0/18.
    supernet = w.group("hand-kept-supernet", w.cidrs(443, "15.158.0.0/16", "130.176.0.0/16"))
    w.distribution("hardcoded-supernet", w.instance([supernet])["PublicDnsName"])
    b.expect("hardcoded-supernet", HARDCODED, supernet)
    # Mid-migration: the prefix list is there, two literal CIDRs are left over.
    mid = w.group("hand-kept-mid", w.cidrs(443, "15.158.0.0/16", "18.68.0.0/16"), cf443)
    w.distribution("hardcoded-mid", w.instance([mid])["PublicDnsName"])
    b.expect("hardcoded-mid", HARDCODED, mid)
    small_sg = w.group("hand-kept-small", w.cidrs(443, "13.124.199.0/24", "130.176.1.0/24"))
    w.distribution("hardcoded-inplace", w.instance([small_sg])["PublicDnsName"])
    b.expect("hardcoded-inplace", HARDCODED, small_sg)
    # Amazon's (not CloudFront's) ranges, and SSH from the world: neither is a hand-kept CloudFront list.
    amazon = w.group("not-cloudfront", w.cidrs(443, "52.95.0.0/16"), w.cidrs(22, "0.0.0.0/0"), cf443)
    w.distribution("hardcoded-clean", w.instance([amazon])["PublicDnsName"])

    # -- the secret header ---------------------------------------------------------------------------------
    clean_sg = w.group("secret-network", cf443)
    w.distribution("secret-none", _locked_alb(w, "secret-none", [clean_sg])["DNSName"], header=None)
    b.expect("secret-none", SECRET, "DIST:secret-none")
    for name in ("secret-default", "secret-wildcard", "secret-path", "secret-waf"):
        lb = w.alb(name, [clean_sg])
        tg = w.target_group(f"{name}-tg", 8080)
        if name == "secret-wildcard":
            listener = w.listener(lb, 443, w.fixed_403())
            w.header_rule(listener, 5, tg, [PLANTED, "*"])
        elif name == "secret-path":
            listener = w.listener(lb, 443, w.fixed_403())
            w.elbv2.create_rule(
                ListenerArn=listener,
                Priority=3,
                Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
                Actions=[w.forward(tg)],
            )
            w.header_rule(listener, 10, tg, [PLANTED])
        else:
            listener = w.listener(lb, 443, w.forward(tg))
        if name == "secret-waf":
            acl = w.waf.create_web_acl(
                Name="require-header",
                Scope="REGIONAL",
                DefaultAction={"Block": {}},
                VisibilityConfig={
                    "SampledRequestsEnabled": False,
                    "CloudWatchMetricsEnabled": False,
                    "MetricName": "a",
                },
                Rules=[
                    {
                        "Name": "allow-cloudfront",
                        "Priority": 0,
                        "Action": {"Allow": {}},
                        "VisibilityConfig": {
                            "SampledRequestsEnabled": False,
                            "CloudWatchMetricsEnabled": False,
                            "MetricName": "r",
                        },
                        "Statement": {
                            "ByteMatchStatement": {
                                "SearchString": PLANTED.encode(),
                                "FieldToMatch": {"SingleHeader": {"Name": "x-origin-verify"}},
                                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                                "PositionalConstraint": "EXACTLY",
                            }
                        },
                    }
                ],
            )
            w.waf.associate_web_acl(WebACLArn=acl["Summary"]["ARN"], ResourceArn=lb["LoadBalancerArn"])
        else:
            b.expect(name, SECRET, listener)
        w.distribution(name, lb["DNSName"])

    # A listener on a port CloudFront does not use for this origin (https-only: 443) is not its path.
    other_port = _locked_alb(w, "secret-other-port", [clean_sg])
    w.listener(other_port, 8443, w.forward(w.target_group("secret-other-port-2", 8080)))
    w.distribution("secret-other-port", other_port["DNSName"])

    # A second listener on a port CloudFront does not use, forwarding by default, and the world admitted there
    # (finding 5): a way around the header check on 443, and around CloudFront.
    plain = w.group("secret-plain-http", cf443, w.cidrs(80, "0.0.0.0/0"))
    lb = _locked_alb(w, "secret-plain-http", [plain])
    plain_listener = w.listener(lb, 80, w.forward(w.target_group("secret-plain-http-2", 8080)))
    w.distribution("secret-plain-http", lb["DNSName"])
    b.expect("secret-plain-http", OPEN, plain)
    b.expect("secret-plain-http", SECRET, plain_listener)

    # -- origins that lead to nothing the scan read (review finding 4): "cannot verify", never a pass -----------
    # A load balancer in a region the scan does not read (its name says eu-west-1; the scan reads us-east-1).
    w.distribution("unverified-region", "web-1234567890.eu-west-1.elb.amazonaws.com")
    b.expect("unverified-region", UNVERIFIED, "DIST:unverified-region")
    # The same through the account's own record: www -> an NLB's name in another region.
    w.record(zone, "far.example.com", "CNAME", ["api-0a1b2c3d.elb.ap-south-1.amazonaws.com"])
    w.distribution("unverified-cname", "far.example.com")
    b.expect("unverified-cname", UNVERIFIED, "DIST:unverified-cname")
    # In a region read, but not in this account (another account's, or deleted).
    w.distribution("unverified-gone", "gone-1234567890.us-east-1.elb.amazonaws.com")
    b.expect("unverified-gone", UNVERIFIED, "DIST:unverified-gone")
    # A name outside AWS and outside the account's zones: reported, at low severity.
    w.distribution("unverified-outside", "origin.partner.example.net")
    b.expect("unverified-outside", UNVERIFIED, "DIST:unverified-outside")

    # -- the legacy updater's tags -------------------------------------------------------------------------
    legacy = w.group("legacy", cf443, tags={"AutoUpdate": "true", "Name": "cloudfront_r"})
    w.distribution("legacy", w.instance([legacy])["PublicDnsName"])
    b.expect("legacy", LEGACY, legacy)
    w.group("legacy-unreached", tags={"AutoUpdate": "true", "Name": "cloudfront_g"})


@pytest.fixture(scope="module")
def built(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    moto.reset()
    world = World(moto)
    b = Built(world)
    build(world, b)
    b.ranges = ranges_file(tmp_path_factory.mktemp("ranges"))

    def record(model: Any, **_: Any) -> None:
        b.calls.append(iam_action(model))

    moto.botocore.register("before-call", record)
    try:
        yield b
    finally:
        moto.botocore.unregister("before-call", record)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    calls: list[str]


def _audit(moto: MotoServer, b: Built, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    b.calls.clear()
    code = cli.run(["--cloudfront-ranges", b.ranges, *args], out, err, moto.session())
    return Run(code, out.getvalue(), err.getvalue(), list(b.calls))


@pytest.fixture(scope="module")
def runs(moto: MotoServer, built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """The JSON run reads the account; the table and SARIF runs render what that run read (the same command,
    with the collector handing back the JSON run's answers: reading the account thrice would triple the cost)."""
    plan = tmp_path_factory.mktemp("plan") / "plan.sh"
    out = {"json": _audit(moto, built, "--format", "json", "--migration-plan", str(plan))}
    out["plan"] = Run(0, plan.read_text(), "", [])
    read = aws.Collector.last
    assert read is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(aws.Collector, "collect", lambda self, regions: copy.deepcopy(read))
        out.update({fmt: _audit(moto, built, "--format", fmt) for fmt in ("table", "sarif")})
    yield out


def _scenario_of(world: World) -> dict[str, str]:
    return {did: scenario for scenario, did in world.ids.items()}


def test_every_scenario_is_found_and_no_clean_one_is(built: Built, runs: dict[str, Run]) -> None:
    report = json.loads(runs["json"].stdout)
    scenario = _scenario_of(built.world)
    found = {
        (
            scenario[f["distribution"]],
            f["check"],
            f["resource"] if f["resource"] not in scenario else "DIST:" + scenario[f["resource"]],
        )
        for f in report["findings"]
    }
    assert found == built.expected
    assert runs["json"].code == 1  # critical findings, --fail-on high by default


def test_the_json_report_has_the_contract_shape(built: Built, runs: dict[str, Run]) -> None:
    report = json.loads(runs["json"].stdout)
    assert set(report) == {"account", "regions", "scanned", "findings"}
    assert report["account"] == "123456789012" and report["regions"] == ["us-east-1"]
    assert report["scanned"]["distributions"] == len(built.world.ids)
    severity = {OPEN: "critical", HARDCODED: "high", SECRET: "high", LEGACY: "medium", UNVERIFIED: "high"}
    outside = built.world.ids["unverified-outside"]
    for f in report["findings"]:
        assert set(f) == {"check", "severity", "distribution", "origin", "resource", "message", "remediation"}
        assert f["severity"] == ("low" if f["distribution"] == outside else severity[f["check"]])
        assert f["origin"] == _scenario_of(built.world)[f["distribution"]]  # origins are named after scenarios


def test_open_to_world_names_the_union_and_the_chain(built: Built, runs: dict[str, Run]) -> None:
    report = json.loads(runs["json"].stdout)
    union = [f for f in report["findings"] if f["distribution"] == built.world.ids["alb-union"]]
    assert len(union) == 2
    for f in union:
        assert (
            "0.0.0.0/1" in f["message"] and "128.0.0.0/1" in f["message"] and "all of IPv4 on tcp 443" in f["message"]
        )
    cname = next(f for f in report["findings"] if f["distribution"] == built.world.ids["r53-cname"])
    assert "www.example.com" in cname["message"] and "app.example.com" in cname["message"]
    assert "all of IPv6 on tcp 443" in cname["message"]


def test_an_origin_read_nowhere_names_where_it_leads(built: Built, runs: dict[str, Run]) -> None:
    report = json.loads(runs["json"].stdout)
    by = {f["distribution"]: f for f in report["findings"] if f["check"] == UNVERIFIED}
    region = by[built.world.ids["unverified-region"]]
    assert "eu-west-1, a region this scan did not read (regions read: us-east-1)" in region["message"]
    assert "--regions eu-west-1" in region["remediation"]
    cname = by[built.world.ids["unverified-cname"]]
    assert "api-0a1b2c3d.elb.ap-south-1.amazonaws.com" in cname["message"] and "ap-south-1" in cname["message"]
    assert "another account's, or deleted" in by[built.world.ids["unverified-gone"]]["message"]
    assert "origin.partner.example.net" in by[built.world.ids["unverified-outside"]]["message"]


def test_hand_kept_ranges_count_what_is_missing_and_plan_the_split(built: Built, runs: dict[str, Run]) -> None:
    report = json.loads(runs["json"].stdout)
    by = {f["distribution"]: f for f in report["findings"] if f["check"] == HARDCODED}
    split = by[built.world.ids["hardcoded-split"]]
    assert "admits 8 CIDR(s)" in split["message"]
    assert "miss 3 of CloudFront's 11 current IPv4" in split["message"]
    assert built.world.cloudfront_list in split["remediation"] and "group of its own" in split["remediation"]
    small = by[built.world.ids["hardcoded-inplace"]]
    assert "admits 2 CIDR(s)" in small["message"] and "miss 10 of" in small["message"]
    assert "group of its own" not in small["remediation"]
    plan = runs["plan"].stdout
    assert plan.count(f"# {split['resource']}") == 1  # two distributions share the group: one plan for it
    # The split: a new group with the prefix-list rule, attached, before the literal CIDRs are revoked.
    split_block = plan[plan.index(split["resource"]) :]
    create = split_block.index("create-security-group")
    attach = split_block.index("modify-network-interface-attribute")
    assert f"--network-interface-id {built.extra['split-other-holder']}" in split_block.split("\n\n")[0]
    assert f"Name=group-id,Values={split['resource']}" in split_block  # how to find holders the audit did not read
    revoke = split_block.index(f"revoke-security-group-ingress --region us-east-1 --group-id {split['resource']}")
    assert create < attach < revoke
    # In place: the prefix-list rule is added to the group itself first, then the CIDRs go.
    small_block = plan[plan.index(f"# {small['resource']}") :]
    add = small_block.index(f"authorize-security-group-ingress --region us-east-1 --group-id {small['resource']}")
    assert (
        add < small_block.index("revoke-security-group-ingress")
        and "create-security-group" not in small_block.split("\n\n")[0]
    )
    assert '"CidrIp":"130.176.1.0/24"' in small_block


def test_what_times_out_is_judged_on_everything_the_origin_admits(built: Built, runs: dict[str, Run]) -> None:
    """Review finding 7: the count of missing prefixes, and whether CloudFront's requests time out."""
    report = json.loads(runs["json"].stdout)
    ids = built.world.ids

    def message(scenario: str) -> str:
        return " ".join(
            f["message"] for f in report["findings"] if f["distribution"] == ids[scenario] and f["check"] == HARDCODED
        )

    pair = message("hardcoded-pair")
    assert "miss 5 of" in pair and "miss 6 of" in pair
    assert "time out" not in pair and pair.count("other groups on the origin's interfaces admit them today") == 2
    supernet = message("hardcoded-supernet")
    assert "miss 9 of CloudFront's 11" in supernet and "9 of them admitted by no group" in supernet
    mid = message("hardcoded-mid")
    assert "time out" not in mid and "admits the managed prefix list already" in mid
    plan = runs["plan"].stdout
    mid_id = next(f["resource"] for f in report["findings"] if f["distribution"] == ids["hardcoded-mid"])
    mid_block = plan[plan.index(f"# {mid_id}") :].split("\n\n")[0]
    assert "already admits CloudFront through the managed prefix list" in mid_block
    assert "create-security-group" not in mid_block and "authorize-security-group-ingress" not in mid_block
    assert "revoke-security-group-ingress" in mid_block


def test_no_output_ever_holds_the_header_value(runs: dict[str, Run]) -> None:
    encoded = base64.b64encode(PLANTED.encode()).decode()
    for name, run in runs.items():
        for text in (run.stdout, run.stderr):
            assert PLANTED.lower() not in text.lower(), name
            assert encoded not in text, name


def test_progress_goes_to_stderr_and_stdout_is_the_report_alone(runs: dict[str, Run]) -> None:
    json.loads(runs["json"].stdout)  # nothing but the document
    json.loads(runs["sarif"].stdout)
    assert "[origin-lockdown-audit]" in runs["json"].stderr and "distribution(s)" in runs["json"].stderr
    assert "[origin-lockdown-audit]" not in runs["json"].stdout + runs["table"].stdout


def test_the_table_groups_findings_by_distribution(built: Built, runs: dict[str, Run]) -> None:
    table = runs["table"].stdout
    headers = [line for line in table.splitlines() if line.startswith("Distribution ")]
    flagged = {s for s, _, _ in built.expected}
    assert len(headers) == len(flagged)
    assert runs["table"].code == runs["json"].code == runs["sarif"].code == 1
    block = table[table.index(f"Distribution {built.world.ids['alb-union']}") :].split("\n\nDistribution ")[0]
    assert block.count("CRITICAL") == 2


def test_sarif_carries_every_finding_with_its_rule(runs: dict[str, Run]) -> None:
    sarif = json.loads(runs["sarif"].stdout)
    report = json.loads(runs["json"].stdout)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == [OPEN, HARDCODED, SECRET, LEGACY, UNVERIFIED]
    assert len(run["results"]) == len(report["findings"])
    for rule in run["tool"]["driver"]["rules"]:  # what GitHub code scanning shows and requires
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
    levels = {LEGACY: "warning"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        expected = "note" if result["properties"]["severity"] == "low" else levels.get(result["ruleId"], "error")
        assert result["level"] == expected
        (location,) = result["locations"]
        assert location["logicalLocations"][0]["name"] == result["properties"]["resource"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert (
            uri.startswith("aws/123456789012/")
            and ":" not in uri
            and quote(result["properties"]["resource"], safe="") in uri
        )


def test_every_call_is_read_only_and_in_the_iam_policy(runs: dict[str, Run]) -> None:
    calls = set(runs["json"].calls)
    assert calls <= set(iam.ACTIONS), calls - set(iam.ACTIONS)
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in calls)
    # This world exercises every action but DescribeRegions (--regions all) and GetVpcOrigin (not in moto):
    # test_cli.py and test_vpc_origins.py record those.
    assert set(iam.ACTIONS) - calls == {"ec2:DescribeRegions", "cloudfront:GetVpcOrigin"}
