"""vpcOrigin: the whole program under the engine-like mocks, both architectures, at up and at preview.

What issue 10 asks to hold: CloudFront reaches the origin only through a VPC origin; nothing of the
origin is public (no public IP, no Elastic IP, no internet-facing load balancer, no public subnet); the
origin groups admit the origin port only from CloudFront's service security group, looked up after the
VPC origin; the VPC has an internet gateway; the VPC origin is replaced (create first) on every change
with long timeouts; the secret header stays; and the policy pack passes the program and fails it once an
origin group is opened to the world.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from cloudfront_origin_lockdown import vpc_origin as vo
from cloudfront_origin_lockdown.network import choose_zones, subnet_layout
from cloudfront_origin_lockdown.origin_lockdown import direct_endpoint_services
from cloudfront_origin_lockdown.security_groups import DIRECTIONS, plan_security_groups
from cloudfront_origin_lockdown.settings import SettingError
from offline.analyzer import AnalyzerProcess, Violation
from offline.mocks import MOCK_VPC_ID, MOCK_VPC_WITHOUT_IGW, ProgramError, run_program
from offline.snapshot import UNKNOWN, ProgramRun, ResourceSnapshot, contains_unknown, is_secret, reveal
from tests.components.test_program import (
    ALB,
    DISTRIBUTION,
    EGRESS,
    INGRESS,
    INSTANCE,
    LISTENER,
    RULE,
    SG,
    TLS,
    group_ids_by_role,
    rules_of,
    run,
    secret_at,
    secret_values,
)

VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
GET_SG = "aws:ec2/getSecurityGroup:getSecurityGroup"
ARCHITECTURES = ["alb", "direct"]
MODES = [pytest.param(False, id="up"), pytest.param(True, id="preview")]
MAIN_POLICY = "origin-sg-no-world-ingress"


def vpc_run(architecture: str, preview: bool = False, **config: Any) -> ProgramRun:
    return run(preview, architecture=architecture, vpcOrigin=True, **config)


def origin_endpoint(program: ProgramRun, architecture: str) -> ResourceSnapshot:
    """The resource the VPC origin points at: the ALB, or the direct instance."""
    return program.one(ALB) if architecture == "alb" else program.one(INSTANCE)


def origin_groups(program: ProgramRun, architecture: str) -> list[ResourceSnapshot]:
    """The security groups on the origin's network interfaces (the ALB's, or the direct instance's)."""
    endpoint = origin_endpoint(program, architecture)
    key = "securityGroups" if architecture == "alb" else "vpcSecurityGroupIds"
    return [program.by_urn(urn) for urn in endpoint.property_dependencies[key]]


def service_group_rule(program: ProgramRun) -> ResourceSnapshot:
    return program.by_name("origin-origin-ipv4-ingress-cloudfront-vpc-origins")


# --- the VPC origin and how CloudFront uses it -------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_the_distribution_reaches_the_origin_only_through_the_vpc_origin(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    vpc_origin = program.one(VPC_ORIGIN)
    endpoint = origin_endpoint(program, architecture)
    config = reveal(vpc_origin.inputs)["vpcOriginEndpointConfig"]
    assert endpoint.urn in vpc_origin.property_dependencies["vpcOriginEndpointConfig"]
    assert (config["httpPort"], config["httpsPort"], config["originProtocolPolicy"]) == (80, 443, "http-only")
    assert config["originSslProtocols"] == {"items": ["TLSv1.2"], "quantity": 1}
    distribution = program.one(DISTRIBUTION)
    (origin,) = reveal(distribution.inputs)["origins"]
    assert "customOriginConfig" not in origin, "no public custom origin may remain"
    assert vpc_origin.urn in distribution.property_dependencies["origins"]
    if preview:
        assert config["arn"] == UNKNOWN and config["name"] == UNKNOWN
        assert origin["vpcOriginConfig"]["vpcOriginId"] == UNKNOWN
    else:
        assert config["arn"] == reveal(endpoint.outputs)["arn"]
        assert origin["vpcOriginConfig"]["vpcOriginId"] == vpc_origin.id
        host_key = "dnsName" if architecture == "alb" else "privateDns"
        assert origin["domainName"] == reveal(endpoint.outputs)[host_key]
        assert origin["domainName"].startswith("internal-" if architecture == "alb" else "ip-10-80-")
    assert (origin["vpcOriginConfig"]["originReadTimeout"], origin["vpcOriginConfig"]["originKeepaliveTimeout"]) == (
        30,
        5,
    )


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_the_vpc_origin_is_replaced_create_first_with_long_timeouts(architecture: str, preview: bool) -> None:
    vpc_origin = vpc_run(architecture, preview).one(VPC_ORIGIN)
    # 409 on any update while a distribution uses it: replace on every change, never delete first.
    assert vpc_origin.replace_on_changes == ("*",)
    assert vpc_origin.delete_before_replace is False
    timeouts = reveal(vpc_origin.inputs)["timeouts"]
    for operation in ("create", "update", "delete"):
        minutes = int(timeouts[operation].removesuffix("m"))
        assert minutes >= 20 > vo.PROVIDER_DEFAULT_TIMEOUT_MINUTES, (operation, timeouts)


def test_the_engine_deadline_is_as_long_as_the_providers_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The custom_timeouts option is not in the snapshot: capture it where the resource is built."""
    seen: list[pulumi.ResourceOptions] = []
    real = vo.aws.cloudfront.VpcOrigin

    def capture(name: str, **kwargs: Any) -> Any:
        seen.append(kwargs["opts"])
        return real(name, **kwargs)

    monkeypatch.setattr(vo.aws.cloudfront, "VpcOrigin", capture)
    run_program({"architecture": "alb", "vpcOrigin": True})
    (opts,) = seen
    assert opts.custom_timeouts is not None
    assert (opts.custom_timeouts.create, opts.custom_timeouts.update, opts.custom_timeouts.delete) == (vo.TIMEOUT,) * 3
    assert opts.replace_on_changes == ["*"] and opts.delete_before_replace is False


def test_each_replacement_gets_a_name_of_its_own() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/a/1"
    base: dict[str, object] = {"arn": arn, "tags": {"Stack": "dev"}}
    name = vo.vpc_origin_name("cloudfront-origin-lockdown-dev-origin", base)
    assert name == vo.vpc_origin_name("cloudfront-origin-lockdown-dev-origin", dict(base))  # stable
    for changed in ({**base, "arn": arn + "2"}, {**base, "tags": {"Stack": "prod"}}, {**base, "port": 443}):
        assert vo.vpc_origin_name("cloudfront-origin-lockdown-dev-origin", changed) != name
    long_name = vo.vpc_origin_name("x" * 200 + "_with spaces/and:colons", base)
    assert len(long_name) <= vo.NAME_MAX
    for candidate in (name, long_name, vo.vpc_origin_name("--", base)):
        assert candidate.replace("-", "").isalnum() and not candidate.startswith("-"), candidate


def test_the_program_names_the_vpc_origin_after_its_configuration() -> None:
    plain = reveal(vpc_run("alb").one(VPC_ORIGIN).inputs)["vpcOriginEndpointConfig"]["name"]
    tagged = reveal(vpc_run("alb", tags=["Team=web"]).one(VPC_ORIGIN).inputs)["vpcOriginEndpointConfig"]["name"]
    assert plain.startswith("cloudfront-origin-lockdown-dev-origin-") and tagged != plain


# --- nothing of the origin is public ---------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_nothing_of_the_origin_is_public(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    assert not program.of_type("aws:ec2/eip:Eip")
    instances = program.of_type(INSTANCE)
    assert instances
    for instance in instances:
        assert reveal(instance.inputs)["associatePublicIpAddress"] is False
    for balancer in program.of_type(ALB):
        assert reveal(balancer.inputs)["internal"] is True
    subnets = program.of_type(SUBNET)
    assert subnets and all(s.name.startswith("origin-private-") for s in subnets)
    assert all(reveal(s.inputs)["mapPublicIpOnLaunch"] is False for s in subnets)
    # No route to the internet anywhere: the internet gateway is attached but nothing routes through it.
    for table in program.of_type("aws:ec2/routeTable:RouteTable"):
        assert not reveal(table.inputs).get("routes"), table.name
    private = {s.urn for s in subnets}
    for resource in [*instances, *program.of_type(ALB)]:
        key = "subnets" if resource.type == ALB else "subnetId"
        assert set(resource.property_dependencies[key]) <= private, resource.name


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_the_vpc_has_an_internet_gateway_attached(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    (gateway,) = program.of_type("aws:ec2/internetGateway:InternetGateway")
    assert gateway.property_dependencies["vpcId"] == (program.one("aws:ec2/vpc:Vpc").urn,)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_outputs_name_the_private_origin(architecture: str) -> None:
    program = vpc_run(architecture)
    outputs = program.stack_outputs
    assert outputs["vpcOrigin"] is True
    host = reveal(program.one(DISTRIBUTION).inputs)["origins"][0]["domainName"]
    assert outputs["originAddress"] == host
    assert outputs["originUrl"] == f"http://{host}:80/"


# --- layer 1: the origin groups -----------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_origin_groups_admit_only_cloudfronts_service_group(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    groups = origin_groups(program, architecture)
    assert [g.name for g in groups] == ["origin-origin-ipv4"]
    ingress = [rule for group in groups for rule in rules_of(program, group, INGRESS)]
    assert len(ingress) == 1
    (rule,) = ingress
    assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule), rule
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 80, 80)
    snapshot = service_group_rule(program)
    vpc_origin = program.one(VPC_ORIGIN)
    # Ordered after the VPC origin, and deleted before it: explicitly, since an unknown lookup at preview
    # carries no dependencies; at up the looked-up id carries it too.
    assert vpc_origin.urn in snapshot.dependencies
    assert (vpc_origin.urn in snapshot.property_dependencies["referencedSecurityGroupId"]) is not preview
    # CloudFront moves to the VPC origin only once the rule admits its service group.
    assert snapshot.urn in program.one(DISTRIBUTION).dependencies
    lookups = [i.args for i in program.invokes if i.token == GET_SG]
    if preview:
        # The group does not exist before the VPC origin does: unknown, not a failed preview.
        assert rule["referencedSecurityGroupId"] == UNKNOWN and lookups == []
    else:
        assert lookups == [{"name": vo.SERVICE_SECURITY_GROUP_NAME, "vpcId": program.one("aws:ec2/vpc:Vpc").id}]
        assert rule["referencedSecurityGroupId"].startswith("sg-")
    # No managed prefix list is needed (nor opened) when CloudFront comes through the VPC origin.
    assert not [i for i in program.invokes if i.token.endswith("getManagedPrefixList")]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_no_ingress_rule_has_a_world_source_and_origin_rules_no_cidr_at_all(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    origin_urns = {g.urn for g in origin_groups(program, architecture)}
    for snapshot in program.of_type(INGRESS):
        rule = reveal(snapshot.inputs)
        assert rule.get("cidrIpv4") != "0.0.0.0/0" and "cidrIpv6" not in rule, snapshot.name
        if set(snapshot.property_dependencies["securityGroupId"]) & origin_urns:
            assert "cidrIpv4" not in rule and "prefixListId" not in rule, snapshot.name
    for group in program.of_type(SG):
        assert "ingress" not in group.inputs and "egress" not in group.inputs


def test_the_service_group_lookup_needs_the_vpc_origin_first() -> None:
    """The mocks refuse the lookup until a VPC origin exists, as AWS does: the program must order it."""
    from offline.mocks import AwsMocks

    mocks = AwsMocks()
    with pytest.raises(LookupError, match="exists only once a VPC origin does"):
        mocks._security_group({"name": vo.SERVICE_SECURITY_GROUP_NAME, "vpcId": "vpc-1"})
    mocks.vpc_origins_created = 1
    assert mocks._security_group({"name": vo.SERVICE_SECURITY_GROUP_NAME, "vpcId": "vpc-1"})["id"].startswith("sg-")


def test_switching_keeps_both_rules_within_the_quota_and_creates_before_deleting() -> None:
    """During a switch the old prefix-list rule and the new service-group rule coexist on one group."""
    for architecture in ARCHITECTURES:
        before = plan_security_groups(architecture, 80, 8080, False, architecture == "alb", vpc_origin=False)
        after = plan_security_groups(architecture, 80, 8080, False, architecture == "alb", vpc_origin=True)
        for direction in DIRECTIONS:
            union = set(before.group("origin-ipv4").rules) | set(after.group("origin-ipv4").rules)
            weight = sum(rule.weight for rule in union if rule.direction == direction)
            assert weight <= 60, (architecture, direction, weight)
        # Resources that must be created next to the old ones have names the plain stack does not use.
        plain = {r.name for r in run(architecture=architecture).resources}
        switched = vpc_run(architecture)
        assert "origin-origin-ipv4-ingress-cloudfront-vpc-origins" not in plain
        replaced = [ALB, "aws:lb/targetGroup:TargetGroup", LISTENER, RULE] if architecture == "alb" else []
        for type_token in replaced:
            assert {r.name for r in switched.of_type(type_token)}.isdisjoint(plain), type_token
        # ... and what carries over keeps its name (the VPC, the origin group, the private subnets).
        assert {"origin-vpc", "origin-origin-ipv4"} <= plain & {r.name for r in switched.resources}


# --- layer 2: the header --------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_the_secret_header_stays(architecture: str, preview: bool) -> None:
    program = vpc_run(architecture, preview)
    origins = program.one(DISTRIBUTION).inputs["origins"]
    assert reveal(origins)[0]["customHeaders"][0]["name"] == "X-Origin-Verify"
    assert secret_at(origins, 0, "customHeaders", 0, "value")
    if architecture == "alb":
        (condition,) = reveal(program.one(RULE).inputs)["conditions"]
        assert condition["httpHeader"]["httpHeaderName"] == "X-Origin-Verify"
        assert secret_at(program.one(RULE).inputs["conditions"], 0, "httpHeader", "values")
        (default,) = reveal(program.one(LISTENER).inputs)["defaultActions"]
        assert default["fixedResponse"]["statusCode"] == "403"
    else:
        assert is_secret(program.by_name("origin-accepted-secrets").inputs["value"])
        user_data = reveal(program.one(INSTANCE).inputs)["userData"]
        assert reveal(program.by_name("origin-accepted-secrets").inputs)["name"] in user_data
    if not preview:
        (value,) = secret_values(program)
        assert reveal(origins)[0]["customHeaders"][0]["value"] == value


# --- the direct instance still reads its secret ----------------------------------------------------------


@pytest.mark.parametrize("session_manager", [True, False])
def test_the_direct_instance_reads_its_secret_through_one_endpoint_in_its_subnet(session_manager: bool) -> None:
    program = vpc_run("direct", vpcEndpoints=session_manager)
    (subnet,) = program.of_type(SUBNET)
    instance = program.one(INSTANCE)
    assert instance.property_dependencies["subnetId"] == (subnet.urn,)
    interfaces = {
        reveal(e.inputs)["serviceName"].rsplit(".", 1)[-1]: e
        for e in program.of_type(ENDPOINT)
        if reveal(e.inputs)["vpcEndpointType"] == "Interface"
    }
    assert tuple(interfaces) == direct_endpoint_services(session_manager)
    assert "ssm" in interfaces
    groups = group_ids_by_role(program)
    for endpoint in interfaces.values():
        assert endpoint.property_dependencies["subnetIds"] == (subnet.urn,)
        assert endpoint.property_dependencies["securityGroupIds"] == (groups["endpoints"],)
        assert reveal(endpoint.inputs)["privateDnsEnabled"] is True
        # The instance boots after the endpoints it installs and reads through exist.
        assert endpoint.urn in instance.dependencies
    endpoint_ingress = rules_of(program, program.by_urn(groups["endpoints"]), INGRESS)
    assert [(r["fromPort"], "cidrIpv4" in r) for r in endpoint_ingress] == [(443, False)]
    (snapshot,) = [
        r for r in program.of_type(INGRESS) if groups["endpoints"] in r.property_dependencies["securityGroupId"]
    ]
    assert snapshot.property_dependencies["referencedSecurityGroupId"] == (groups["origin-ipv4"],)
    assert not rules_of(program, program.by_urn(groups["endpoints"]), EGRESS)
    # Packages come through the free S3 gateway endpoint on the private route table.
    gateways = [e for e in program.of_type(ENDPOINT) if reveal(e.inputs)["vpcEndpointType"] == "Gateway"]
    assert [reveal(g.inputs)["serviceName"] for g in gateways] == ["com.amazonaws.us-east-1.s3"]


# --- HTTPS to an internal ALB -----------------------------------------------------------------------------


def test_https_to_the_internal_alb_with_origin_domain() -> None:
    program = vpc_run("alb", **TLS)
    config = reveal(program.one(VPC_ORIGIN).inputs)["vpcOriginEndpointConfig"]
    assert config["originProtocolPolicy"] == "https-only"
    (origin,) = reveal(program.one(DISTRIBUTION).inputs)["origins"]
    # CloudFront checks the ALB's certificate against this name.
    assert origin["domainName"] == "origin.example.com"
    listener = program.one(LISTENER)
    # A listener of its own (the HTTP one keeps its name): a switch creates it before CloudFront moves.
    assert listener.name == "origin-private-https-listener"
    assert (reveal(listener.inputs)["port"], reveal(listener.inputs)["protocol"]) == (443, "HTTPS")
    rule = program.by_name("origin-origin-ipv4-ingress-cloudfront-vpc-origins-https")
    assert reveal(rule.inputs)["fromPort"] == 443
    record = next(r for r in program.of_type("aws:route53/record:Record") if r.name == "origin-origin-dns")
    assert program.one(ALB).urn in record.property_dependencies["aliases"]
    assert program.stack_outputs["originUrl"] == "https://origin.example.com:443/"


# --- the policy pack --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerProcess]:
    with AnalyzerProcess() as analyzer:
        yield analyzer


def opened_to_the_world(program: ProgramRun, cidr_key: str, cidr: str) -> list[ResourceSnapshot]:
    """The same resources with the service-group rule admitting ``cidr`` instead."""
    target = service_group_rule(program)

    def world(values: Any) -> dict[str, Any]:
        out = {k: v for k, v in dict(values).items() if k != "referencedSecurityGroupId"}
        out[cidr_key] = cidr
        return out

    deps = {k: v for k, v in target.property_dependencies.items() if k != "referencedSecurityGroupId"}
    opened = dataclasses.replace(
        target, inputs=world(target.inputs), outputs=world(target.outputs), property_dependencies=deps
    )
    return [opened if r.urn == target.urn else r for r in program.resources]


def mandatory(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.mandatory]


@pytest.mark.live
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_the_pack_passes_the_vpc_origin_program(pack: AnalyzerProcess, architecture: str, preview: bool) -> None:
    violations = pack.analyze_resources(vpc_run(architecture, preview).resources, preview=preview)
    assert mandatory(violations) == []
    assert all("can't run policy" not in v.message for v in violations)


@pytest.mark.live
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize(("key", "cidr"), [("cidrIpv4", "0.0.0.0/0"), ("cidrIpv6", "::/0")])
def test_the_pack_fails_the_program_with_an_origin_group_open_to_the_world(
    pack: AnalyzerProcess, architecture: str, preview: bool, key: str, cidr: str
) -> None:
    program = vpc_run(architecture, preview)
    target = service_group_rule(program)
    violations = mandatory(pack.analyze_resources(opened_to_the_world(program, key, cidr), preview=preview))
    assert [(v.policy, v.urn) for v in violations] == [(MAIN_POLICY, target.urn)]
    family = "IPv4" if key == "cidrIpv4" else "IPv6"
    assert f"Rule '{target.name}' ({INGRESS}) admits {cidr} = all of {family} on tcp" in violations[0].message


# --- zones: opt-in-free, offering the instance type, not excluded for VPC origins -------------------------


def subnet_zones(program: ProgramRun) -> dict[str, str]:
    return {s.name: reveal(s.inputs)["availabilityZone"] for s in program.of_type(SUBNET)}


@pytest.mark.parametrize("preview", MODES)
def test_zones_are_looked_up_with_the_opt_in_and_zone_type_filters(preview: bool) -> None:
    program = run(preview, architecture="alb")
    (lookup,) = [i.args for i in program.invokes if i.token == "aws:index/getAvailabilityZones:getAvailabilityZones"]
    filters = {f["name"]: f["values"] for f in lookup["filters"]}
    assert filters == {"opt-in-status": ["opt-in-not-required"], "zone-type": ["availability-zone"]}
    (offerings,) = [i.args for i in program.invokes if i.token.endswith("getInstanceTypeOfferings")]
    assert offerings["locationType"] == "availability-zone-id"
    assert offerings["filters"] == [{"name": "instance-type", "values": ["t3.micro"]}]
    # The mocks' Local Zone sorts first by name and us-east-1b is use1-az3 (VPC origins exclude it): neither is
    # chosen, with or without a VPC origin.
    assert set(subnet_zones(program).values()) == {"us-east-1a", "us-east-1c"}


@pytest.mark.parametrize(
    ("config", "zones"),
    [
        # us-east-1b is use1-az3 in the mocks' account: excluded for VPC origins, so never used.
        ({"architecture": "alb"}, {"origin-public-1": "us-east-1a", "origin-private-2": "us-east-1c"}),
        (
            {"architecture": "alb", "vpcOrigin": True},
            {"origin-private-1": "us-east-1a", "origin-private-2": "us-east-1c"},
        ),
        ({"architecture": "direct", "vpcOrigin": True}, {"origin-private-1": "us-east-1a"}),
    ],
)
def test_subnets_go_only_where_they_can_work(config: dict[str, Any], zones: dict[str, str]) -> None:
    chosen = subnet_zones(run(**config))
    assert {name: chosen[name] for name in zones} == zones
    if config.get("vpcOrigin"):
        assert set(chosen) == set(zones)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"architecture": "alb", "instanceType": "u-6tb1.56xlarge"},
            "invalid setting instanceType: 'u-6tb1.56xlarge' is not allowed; expected a type offered in the "
            "Availability Zones this stack's subnets use (us-east-1a (use1-az6), us-east-1c (use1-az1)); it is not "
            "offered in us-east-1a, us-east-1c.",
        ),
        (
            {"architecture": "alb", "instanceType": "x2iedn.xlarge"},
            "invalid setting instanceType: 'x2iedn.xlarge' is not allowed; expected a type offered in the "
            "Availability Zones this stack's subnets use (us-east-1a (use1-az6), us-east-1c (use1-az1)); it is not "
            "offered in us-east-1a.",
        ),
        (
            {"architecture": "direct", "vpcOrigin": True, "instanceType": "inf2.xlarge"},
            "invalid setting instanceType: 'inf2.xlarge' is not allowed; expected a type offered in the "
            "Availability Zones this stack's subnets use (us-east-1a (use1-az6), us-east-1c (use1-az1)); it is not "
            "offered in us-east-1a.",
        ),
    ],
)
@pytest.mark.parametrize("preview", MODES)
def test_zones_that_cannot_work_fail_before_any_resource(config: dict[str, Any], message: str, preview: bool) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(config, preview=preview)
    assert message in str(caught.value)
    assert [r for r in caught.value.run.resources if r.custom] == []


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        # z2 stands for a zone id VPC origins exclude: skipped whatever vpcOrigin says.
        (["z1", "z2", "z3"], ["a", "c"]),
        (["z3", "z1"], ["a", "c"]),  # AWS's zone order, not the offering order
        (["z1", "z3", "z4"], ["a", "c"]),
    ],
)
def test_choose_zones(offered: list[str], expected: list[str]) -> None:
    ids = {"z1": "use1-az6", "z2": "use1-az3", "z3": "use1-az1", "z4": "use1-az2"}
    zones = choose_zones(["a", "b", "c", "d"], list(ids.values()), [ids[z] for z in offered], "t3.micro", "us-east-1")
    assert [zone.name for zone in zones] == expected


def test_a_type_missing_from_the_fixed_zones_is_refused_not_moved() -> None:
    ids = ["use1-az6", "use1-az1", "use1-az2"]
    with pytest.raises(SettingError) as caught:
        choose_zones(["a", "b", "c"], ids, ["use1-az1", "use1-az2"], "x9.large", "us-east-1")
    assert str(caught.value) == (
        "invalid setting instanceType: 'x9.large' is not allowed; expected a type offered in the Availability Zones "
        "this stack's subnets use (a (use1-az6), b (use1-az1)); it is not offered in a. The zones stay fixed so that "
        "no setting ever moves a subnet"
    )


def test_a_region_without_two_supported_zones_is_refused() -> None:
    with pytest.raises(SettingError) as caught:
        choose_zones(["a", "b"], ["use1-az6", "use1-az3"], ["use1-az6", "use1-az3"], "t3.micro", "us-east-1")
    assert str(caught.value).startswith("invalid setting aws:region: 'us-east-1' is not allowed; expected a region")


@pytest.mark.parametrize("setting", [{"vpcOrigin": True}, {"instanceType": "m7i.large"}, {"architecture": "direct"}])
def test_no_setting_change_moves_a_subnet(setting: dict[str, Any]) -> None:
    """A subnet whose zone changes is replaced (same block: refused as overlapping, the update stops)."""
    before = subnet_zones(run(architecture="alb"))
    after = subnet_zones(run(**{"architecture": "alb", **setting}))
    assert {name: zone for name, zone in after.items() if name in before} == {
        name: zone for name, zone in before.items() if name in after
    }
    assert set(before.values()) | set(after.values()) == {"us-east-1a", "us-east-1c"}


@pytest.mark.parametrize(
    ("architecture", "vpc_origin", "tiers"),
    [
        ("alb", False, [("public", 0, 2, True), ("private", 2, 2, False)]),
        ("direct", False, [("public", 0, 2, True)]),
        ("alb", True, [("private", 2, 2, False)]),
        ("direct", True, [("private", 2, 1, False)]),
    ],
)
def test_subnet_layout_keeps_each_tiers_blocks(architecture: str, vpc_origin: bool, tiers: list[Any]) -> None:
    assert subnet_layout(architecture, vpc_origin) == tiers


# --- AWS's prerequisites and limits -----------------------------------------------------------------------


def test_excluded_zones_and_regions_match_the_aws_page() -> None:
    assert {"use1-az3", "usw1-az2", "apne1-az3", "cac1-az3"} == vo.EXCLUDED_ZONE_IDS
    assert vo.region_problem("us-east-1") is None and vo.region_problem("ap-northeast-2") is None
    problem = vo.region_problem("us-gov-west-1")
    assert problem is not None and problem.startswith("CloudFront VPC origins are not available in us-gov-west-1")


@pytest.mark.parametrize("preview", MODES)
def test_an_unsupported_region_fails_before_any_resource(preview: bool) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", "vpcOrigin": True}, preview=preview, region="us-gov-west-1")
    assert (
        "invalid setting vpcOrigin: True is not allowed; CloudFront VPC origins are not available in us-gov-west-1"
        in str(caught.value)
    )
    assert [r for r in caught.value.run.resources if r.custom] == []
    # The same region without a VPC origin is not this check's business.
    run_program({"architecture": "alb"}, preview=preview, region="us-gov-west-1")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("application", "ipv4", ["HTTP"], 1), None),
        (("application", "dualstack", ["HTTPS"], 2), None),
        (("instance", "ipv4", [], 1), None),
        (("network", "ipv4", ["TCP"], 1), None),
        (("network", "dualstack", ["TCP"], 1), "a dual-stack Network Load Balancer cannot be a VPC origin"),
        (("network", "ipv4", ["TCP", "tls"], 1), "a Network Load Balancer with a TLS listener cannot be a VPC origin"),
        (("network", "ipv4", ["TCP"], 0), "a VPC origin needs a security group on the origin"),
        (("gateway", "ipv4", [], 1), "a Gateway Load Balancer cannot be a VPC origin"),
        (("application", "dualstack-without-public-ipv4", ["HTTP"], 1), "an origin without IPv4 cannot be"),
        (("lambda", "ipv4", [], 1), "'lambda' is not a resource type a VPC origin can point at"),
    ],
)
def test_endpoint_problem(args: tuple[str, str, list[str], int], problem: str | None) -> None:
    found = vo.endpoint_problem(*args)
    assert found == problem if problem is None else (found is not None and found.startswith(problem))


def facts(**changes: Any) -> vo.SubnetFacts:
    base = vo.SubnetFacts("subnet-1", "vpc-1", "use1-az1", 20, False)
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("subnet", "needed", "problem"),
    [
        (facts(), 9, None),
        (facts(available_ipv4=9), 9, None),
        (facts(available_ipv4=8), 9, "subnet subnet-1 has 8 free IPv4 addresses; the origin needs 9"),
        (facts(available_ipv4=0), 2, "subnet subnet-1 has 0 free IPv4 addresses; the origin needs 2"),
        (facts(zone_id="use1-az3"), 2, "subnet subnet-1 is in zone use1-az3, where CloudFront VPC origins"),
        (facts(zone_id="cac1-az3"), 2, "subnet subnet-1 is in zone cac1-az3, where CloudFront VPC origins"),
        (facts(ipv6_native=True), 2, "subnet subnet-1 is IPv6-only"),
        (facts(vpc_id="vpc-2"), 2, "subnet subnet-1 is in vpc-2, not in vpcId vpc-1"),
    ],
)
def test_subnet_problem(subnet: vo.SubnetFacts, needed: int, problem: str | None) -> None:
    found = vo.subnet_problem(subnet, "vpc-1", needed)
    assert found == problem if problem is None else (found is not None and found.startswith(problem))


def test_free_addresses_needed() -> None:
    assert vo.free_addresses_needed("alb") == 1 + 8
    assert vo.free_addresses_needed("direct") == 1 + 1


EXISTING = {"vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000c", "subnet-0000000d"]}


@pytest.mark.parametrize("preview", MODES)
def test_an_existing_vpc_holds_the_origin_in_its_private_subnets(preview: bool) -> None:
    program = vpc_run("alb", preview, **EXISTING)
    assert not program.of_type("aws:ec2/vpc:Vpc") and not program.of_type(SUBNET)
    assert reveal(program.one(ALB).inputs)["subnets"] == EXISTING["privateSubnetIds"]
    assert reveal(program.one(ALB).inputs)["internal"] is True
    looked_up = sorted(str(i.args.get("id")) for i in program.invokes if i.token == "aws:ec2/getSubnet:getSubnet")
    assert looked_up == EXISTING["privateSubnetIds"]
    (igw,) = [i.args for i in program.invokes if i.token == "aws:ec2/getInternetGateway:getInternetGateway"]
    assert igw["filters"] == [{"name": "attachment.vpc-id", "values": [MOCK_VPC_ID]}]
    direct = vpc_run("direct", preview, vpcId=MOCK_VPC_ID, privateSubnetIds=["subnet-0000000c"])
    assert reveal(direct.one(INSTANCE).inputs)["subnetId"] == "subnet-0000000c"
    # Your own private subnets bring their own path to SSM: no endpoints here, and no group for them.
    for each in (program, direct):
        assert not each.of_type(ENDPOINT)
        assert "endpoints" not in group_ids_by_role(each)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"vpcId": MOCK_VPC_WITHOUT_IGW, "privateSubnetIds": ["subnet-00000012", "subnet-0000000c"]},
            f"invalid setting vpcId: '{MOCK_VPC_WITHOUT_IGW}' is not allowed; expected a VPC with an internet gateway "
            "attached",
        ),
        (
            {"vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000c", "subnet-0000000e"]},
            "invalid setting privateSubnetIds: 'subnet-0000000e' is not allowed; subnet subnet-0000000e is in zone "
            "use1-az3, where CloudFront VPC origins are not available",
        ),
        (
            {"vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000f", "subnet-0000000c"]},
            "invalid setting privateSubnetIds: 'subnet-0000000f' is not allowed; subnet subnet-0000000f has 0 free "
            "IPv4 addresses; the origin needs 9",
        ),
        (
            {"vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000c", "subnet-00000010"]},
            "invalid setting privateSubnetIds: 'subnet-00000010' is not allowed; subnet subnet-00000010 is IPv6-only",
        ),
        (
            {"vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000c", "subnet-00000011"]},
            "invalid setting privateSubnetIds: 'subnet-00000011' is not allowed; subnet subnet-00000011 is in "
            f"vpc-0fedcba9876543210, not in vpcId {MOCK_VPC_ID}",
        ),
    ],
)
@pytest.mark.parametrize("preview", MODES)
def test_an_existing_vpc_that_cannot_hold_a_vpc_origin_fails_before_any_resource(
    config: dict[str, Any], message: str, preview: bool
) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", "vpcOrigin": True, **config}, preview=preview)
    assert message in str(caught.value)
    assert [r for r in caught.value.run.resources if r.custom] == []


# --- settings -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"vpcOrigin": "maybe"}, "invalid setting vpcOrigin: 'maybe' is not allowed; expected true or false"),
        (
            {"vpcOrigin": True, "originIpv6": True},
            "invalid setting originIpv6: True is not allowed; with vpcOrigin CloudFront reaches the origin through its "
            "own network interface in your subnet, over IPv4 only",
        ),
        (
            {
                "vpcOrigin": True,
                "vpcId": MOCK_VPC_ID,
                "publicSubnetIds": ["subnet-0000000a"],
                "privateSubnetIds": ["subnet-0000000c", "subnet-0000000d"],
            },
            "invalid setting publicSubnetIds: ['subnet-0000000a'] is not allowed; with vpcOrigin the origin sits in "
            "privateSubnetIds",
        ),
        (
            {"vpcOrigin": True, "vpcId": MOCK_VPC_ID, "privateSubnetIds": ["subnet-0000000c"]},
            "invalid setting privateSubnetIds: ['subnet-0000000c'] is not allowed; with vpcOrigin the internal ALB "
            "sits in private subnets: expected at least 2 in different Availability Zones",
        ),
        (
            {"architecture": "direct", "vpcOrigin": True, "vpcId": MOCK_VPC_ID},
            "invalid setting privateSubnetIds: [] is not allowed; with vpcOrigin the instance sits in private subnets: "
            "expected at least 1",
        ),
    ],
)
def test_bad_vpc_origin_settings_fail_before_any_resource(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(config)
    assert message in str(caught.value)
    assert caught.value.run.resources == []


def test_vpc_origin_is_a_declared_setting_defaulting_to_false() -> None:
    import yaml

    declared = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.yaml").read_text())["config"]["vpcOrigin"]
    assert (declared["type"], declared["default"]) == ("boolean", False)
    assert run(architecture="alb").stack_outputs["vpcOrigin"] is False
    with pytest.raises(SettingError):
        from cloudfront_origin_lockdown.settings import Settings

        Settings(vpc_origin="yes")  # type: ignore[arg-type]


def test_the_plain_program_is_unchanged_by_the_new_setting() -> None:
    """vpcOrigin false: a public origin as before, no VPC origin anywhere, no service-group lookup."""
    for architecture in ARCHITECTURES:
        program = run(architecture=architecture, vpcOrigin=False)
        assert not program.of_type(VPC_ORIGIN)
        assert not [i for i in program.invokes if i.token == GET_SG]
        assert "customOriginConfig" in reveal(program.one(DISTRIBUTION).inputs)["origins"][0]
        assert json.dumps(reveal(program.one(DISTRIBUTION).inputs)) == json.dumps(
            reveal(run(architecture=architecture).one(DISTRIBUTION).inputs)
        )
    assert not contains_unknown(run(architecture="direct").stack_outputs["originAddress"])
