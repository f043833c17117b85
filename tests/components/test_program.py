"""The whole program under engine-like mocks, both architectures, at up and at preview.

Each test asserts a property on the registered resources (never a snapshot of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cloudfront_origin_lockdown import aws_limits
from cloudfront_origin_lockdown.compute import ami_parameter
from cloudfront_origin_lockdown.origin_lockdown import COMPONENT_TYPE
from offline.mocks import (
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
    MANAGED_PREFIX_LISTS,
    ProgramError,
    run_program,
)
from offline.snapshot import UNKNOWN, ProgramRun, ResourceSnapshot, contains_unknown, is_secret, reveal

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INSTANCE = "aws:ec2/instance:Instance"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
PASSWORD = "random:index/randomPassword:RandomPassword"
PARAMETER = "aws:ssm/parameter:Parameter"
V4_LIST = MANAGED_PREFIX_LISTS[aws_limits.CLOUDFRONT_PREFIX_LIST_IPV4]
V6_LIST = MANAGED_PREFIX_LISTS[aws_limits.CLOUDFRONT_PREFIX_LIST_IPV6]
TLS: dict[str, Any] = {
    "originDomain": "origin.example.com",
    "hostedZoneId": "Z0123456789ABC",
}

_cache: dict[tuple[str, bool], ProgramRun] = {}


def run(preview: bool = False, **config: Any) -> ProgramRun:
    """Run the program once per distinct configuration (the runs are deterministic)."""
    key = (json.dumps(config, sort_keys=True), preview)
    if key not in _cache:
        _cache[key] = run_program(config, preview=preview)
    return _cache[key]


ARCHITECTURES = ["alb", "direct"]
MODES = [pytest.param(False, id="up"), pytest.param(True, id="preview")]


def group_ids_by_role(program: ProgramRun) -> dict[str, str]:
    return {reveal(sg.inputs)["tags"]["origin-lockdown:role"]: sg.urn for sg in program.of_type(SG)}


def rules_of(program: ProgramRun, group: ResourceSnapshot, type_token: str) -> list[dict[str, Any]]:
    """The rules whose securityGroupId is wired (by property dependency) to ``group``."""
    return [
        reveal(rule.inputs)
        for rule in program.of_type(type_token)
        if group.urn in rule.property_dependencies.get("securityGroupId", ())
    ]


def secret_values(program: ProgramRun) -> list[str]:
    values = [reveal(p.outputs).get("result") for p in program.of_type(PASSWORD)]
    return [v for v in values if isinstance(v, str) and v != UNKNOWN]


def secret_at(value: Any, *path: str | int) -> bool:
    """Whether the value at ``path`` is protected by a secret (itself, or an enclosing value)."""
    for step in path:
        if is_secret(value):
            return True
        value = value[step]
    return is_secret(value)


def plain_strings(value: Any) -> Iterator[str]:
    """Every string in ``value`` that is *not* inside a secret."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from plain_strings(item)
    elif isinstance(value, str):
        yield value


# --- structure ------------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_one_component_parents_every_child_and_names_them(architecture: str, preview: bool) -> None:
    program = run(preview, architecture=architecture)
    components = program.of_type(COMPONENT_TYPE)
    assert len(components) == 1
    component = components[0]
    children = [r for r in program.resources if r is not component]
    assert len(children) > 15
    for child in children:
        assert child.parent == component.urn, child.name
        assert child.name.startswith(f"{component.name}-"), child.name


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_stack_outputs_are_the_small_documented_set(architecture: str) -> None:
    outputs = run(architecture=architecture).stack_outputs
    assert set(outputs) == {
        "architecture",
        "vpcOrigin",
        "url",
        "distributionDomainName",
        "distributionId",
        "originAddress",
        "originUrl",
        "originHeaderName",
        "securityGroupIds",
        "acceptedSecretSlots",
        "activeSecretSlot",
        "alarmTopicArns",
        "originMtls",
    }
    assert outputs["architecture"] == architecture
    # Origin mTLS is off unless asked for: said so; no client certificate (null, so not exported).
    assert outputs["originMtls"] == "off"
    # Monitoring is off unless asked for: no dashboard (dashboardUrl is null, so not exported), no topic
    # (test_monitoring.py has it on).
    assert outputs["alarmTopicArns"] == {}
    assert outputs["vpcOrigin"] is False
    assert outputs["url"] == f"https://{outputs['distributionDomainName']}/"
    assert outputs["originUrl"] == f"http://{outputs['originAddress']}:80/"
    assert outputs["originAddress"].endswith(".amazonaws.com")


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_preview_runs_with_unknown_computed_outputs(architecture: str) -> None:
    program = run(True, architecture=architecture)
    assert program.stack_outputs["url"] == UNKNOWN
    assert program.stack_outputs["architecture"] == architecture
    distribution = program.one(DISTRIBUTION)
    assert distribution.id == UNKNOWN
    # The origin's address is not known before the ALB or the address exists.
    assert contains_unknown(distribution.inputs["origins"])


# --- layer 1: the network -------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_origin_groups_admit_only_the_cloudfront_prefix_list_looked_up_by_name(
    architecture: str, preview: bool
) -> None:
    program = run(preview, architecture=architecture)
    looked_up = [i.args.get("name") for i in program.invokes if i.token.endswith("getManagedPrefixList")]
    assert looked_up == [aws_limits.CLOUDFRONT_PREFIX_LIST_IPV4]
    origin_group = program.by_urn(group_ids_by_role(program)["origin-ipv4"])
    ingress = rules_of(program, origin_group, INGRESS)
    assert [(r["prefixListId"], r["ipProtocol"], r["fromPort"], r["toPort"]) for r in ingress] == [
        (V4_LIST, "tcp", 80, 80)
    ]


def test_ipv6_adds_a_second_group_for_the_ipv6_list_only() -> None:
    architecture = "alb"
    program = run(architecture=architecture, originIpv6=True)
    looked_up = sorted(str(i.args.get("name")) for i in program.invokes if i.token.endswith("getManagedPrefixList"))
    assert looked_up == sorted([aws_limits.CLOUDFRONT_PREFIX_LIST_IPV4, aws_limits.CLOUDFRONT_PREFIX_LIST_IPV6])
    groups = group_ids_by_role(program)
    v6 = rules_of(program, program.by_urn(groups["origin-ipv6"]), INGRESS)
    assert [(r["prefixListId"], r["fromPort"]) for r in v6] == [(V6_LIST, 80)]
    assert reveal(program.one(ALB).inputs)["ipAddressType"] == "dualstack"
    assert reveal(program.one("aws:ec2/vpc:Vpc").inputs)["assignGeneratedIpv6CidrBlock"] is True


@pytest.mark.parametrize(("architecture", "ipv6"), [("alb", False), ("alb", True), ("direct", False)])
def test_registered_groups_fit_the_rules_quota(architecture: str, ipv6: bool) -> None:
    program = run(architecture=architecture, originIpv6=ipv6)
    for group in program.of_type(SG):
        for rule_type in (INGRESS, EGRESS):
            weight = sum(
                aws_limits.CLOUDFRONT_PREFIX_LIST_WEIGHT if r.get("prefixListId") else 1
                for r in rules_of(program, group, rule_type)
            )
            assert weight <= aws_limits.RULES_PER_SECURITY_GROUP, (group.name, rule_type, weight)


@pytest.mark.parametrize(("architecture", "ipv6"), [("alb", False), ("alb", True), ("direct", False)])
def test_no_rule_admits_the_world_and_none_opens_ssh(architecture: str, ipv6: bool) -> None:
    program = run(architecture=architecture, originIpv6=ipv6)
    for rule in map(reveal, (r.inputs for r in program.of_type(INGRESS))):
        assert rule.get("cidrIpv4") != "0.0.0.0/0" and rule.get("cidrIpv6") != "::/0", rule
        assert rule.get("prefixListId") or rule.get("referencedSecurityGroupId") or rule.get("cidrIpv4")
    for rule in map(reveal, (r.inputs for r in [*program.of_type(INGRESS), *program.of_type(EGRESS)])):
        assert not (rule["fromPort"] <= 22 <= rule["toPort"]), rule
        assert rule["ipProtocol"] == "tcp"
    for group in program.of_type(SG):
        assert "ingress" not in group.inputs and "egress" not in group.inputs


def test_alb_instances_are_private_and_admit_only_the_albs_group() -> None:
    program = run(architecture="alb")
    groups = group_ids_by_role(program)
    alb = program.one(ALB)
    assert set(alb.property_dependencies["securityGroups"]) == {groups["origin-ipv4"]}
    assert reveal(alb.inputs)["internal"] is False
    app_group = program.by_urn(groups["app"])
    app_ingress = rules_of(program, app_group, INGRESS)
    assert len(app_ingress) == 1 and app_ingress[0]["fromPort"] == 8080
    app_rule = next(r for r in program.of_type(INGRESS) if app_group.urn in r.property_dependencies["securityGroupId"])
    assert app_rule.property_dependencies["referencedSecurityGroupId"] == (groups["origin-ipv4"],)
    private_subnets = {
        r.urn for r in program.resources if r.name.startswith("origin-private-") and r.type.endswith("Subnet")
    }
    instances = program.of_type(INSTANCE)
    assert len(instances) == 2
    for instance in instances:
        inputs = reveal(instance.inputs)
        assert inputs["associatePublicIpAddress"] is False
        assert set(instance.property_dependencies["subnetId"]) <= private_subnets
        assert set(instance.property_dependencies["vpcSecurityGroupIds"]) == {groups["app"]}
    # Two AZs: the instances sit in different private subnets.
    assert len({instance.property_dependencies["subnetId"] for instance in instances}) == 2


def test_direct_instance_is_public_behind_the_origin_groups_only() -> None:
    program = run(architecture="direct")
    groups = group_ids_by_role(program)
    instance = program.one(INSTANCE)
    assert reveal(instance.inputs)["associatePublicIpAddress"] is True
    assert set(instance.property_dependencies["vpcSecurityGroupIds"]) == {groups["origin-ipv4"]}
    assert (
        len(instance.property_dependencies["vpcSecurityGroupIds"]) <= aws_limits.SECURITY_GROUPS_PER_NETWORK_INTERFACE
    )
    eip = program.one("aws:ec2/eip:Eip")
    assert eip.property_dependencies["instance"] == (instance.urn,)
    origin = reveal(program.one(DISTRIBUTION).inputs)["origins"][0]
    assert origin["domainName"] == reveal(eip.outputs)["publicDns"]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_instances_use_ssm_not_ssh_and_require_imdsv2(architecture: str) -> None:
    program = run(architecture=architecture)
    for instance in program.of_type(INSTANCE):
        inputs = reveal(instance.inputs)
        assert "keyName" not in inputs
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert inputs["rootBlockDevice"]["encrypted"] is True
        assert instance.property_dependencies["iamInstanceProfile"]
    attachments = [
        reveal(a.inputs)["policyArn"] for a in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ]
    assert attachments == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]


def test_alb_private_subnets_reach_ssm_and_packages_through_endpoints_not_nat() -> None:
    program = run(architecture="alb")
    services = sorted(reveal(e.inputs)["serviceName"] for e in program.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    assert services == [f"com.amazonaws.us-east-1.{s}" for s in ("ec2messages", "s3", "ssm", "ssmmessages")]
    assert not program.of_type("aws:ec2/natGateway:NatGateway")
    # Without the (billed) interface endpoints, the free S3 gateway endpoint still reaches the repositories.
    without = run(architecture="alb", vpcEndpoints=False).of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert [reveal(e.inputs)["serviceName"] for e in without] == ["com.amazonaws.us-east-1.s3"]


def test_existing_network_is_used_as_given() -> None:
    program = run(
        architecture="alb",
        vpcId="vpc-0123456789abcdef0",
        publicSubnetIds=["subnet-0000000a", "subnet-0000000b"],
        privateSubnetIds=["subnet-0000000c"],
    )
    assert not program.of_type("aws:ec2/vpc:Vpc") and not program.of_type("aws:ec2/subnet:Subnet")
    assert reveal(program.one(ALB).inputs)["subnets"] == ["subnet-0000000a", "subnet-0000000b"]
    assert {reveal(i.inputs)["subnetId"] for i in program.of_type(INSTANCE)} == {"subnet-0000000c"}
    assert {reveal(g.inputs)["vpcId"] for g in program.of_type(SG)} == {"vpc-0123456789abcdef0"}


# --- layer 2: the secret header ---------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_secret_is_alphanumeric_and_fits_an_alb_condition_value(architecture: str) -> None:
    program = run(architecture=architecture)
    password = reveal(program.one(PASSWORD).inputs)
    assert password["special"] is False and password["length"] == 48
    assert 32 <= password["length"] <= aws_limits.ALB_HEADER_VALUE_MAX
    (value,) = secret_values(program)
    assert value.isalnum() and value.isascii() and len(value) == 48


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_secret_is_a_pulumi_secret_end_to_end(architecture: str, preview: bool) -> None:
    program = run(preview, architecture=architecture)
    password = program.one(PASSWORD)
    assert is_secret(password.outputs["result"]), "additional_secret_outputs must make result secret"
    origins = program.one(DISTRIBUTION).inputs["origins"]
    assert secret_at(origins, 0, "customHeaders", 0, "value"), "CloudFront must get the header value as a secret"
    assert not secret_at(origins, 0, "customHeaders", 0, "name")
    assert reveal(origins)[0]["customHeaders"][0]["name"] == "X-Origin-Verify"
    if architecture == "alb":
        assert secret_at(program.one(RULE).inputs["conditions"], 0, "httpHeader", "values")
    else:
        parameter = program.by_name("origin-accepted-secrets")
        assert reveal(parameter.inputs)["type"] == "SecureString"
        assert is_secret(parameter.inputs["value"]) and is_secret(parameter.outputs["value"])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_no_secret_value_appears_anywhere_in_the_clear(architecture: str) -> None:
    program = run(architecture=architecture, secretSlots=["v1", "v2"], activeSecretSlot="v2")
    secrets = secret_values(program)
    assert len(secrets) == 2
    exposed = [
        (resource.name, where)
        for resource in program.resources
        for where, value in (("inputs", resource.inputs), ("outputs", resource.outputs))
        for text in plain_strings(dict(value))
        for secret in secrets
        if secret in text
    ]
    assert exposed == []
    for text in plain_strings(dict(program.stack_outputs)):
        assert all(secret not in text for secret in secrets)
    for instance in program.of_type(INSTANCE):
        user_data = reveal(instance.inputs)["userData"]
        assert all(secret not in user_data for secret in secrets)


def test_alb_listener_refuses_by_default_and_forwards_only_with_the_header() -> None:
    program = run(architecture="alb")
    listener = reveal(program.one(LISTENER).inputs)
    assert (listener["port"], listener["protocol"]) == (80, "HTTP")
    (default,) = listener["defaultActions"]
    assert default["type"] == "fixed-response" and default["fixedResponse"]["statusCode"] == "403"
    rules = program.of_type(RULE)
    assert len(rules) == 1
    rule = reveal(rules[0].inputs)
    (condition,) = rule["conditions"]
    assert condition["httpHeader"]["httpHeaderName"] == "X-Origin-Verify"
    assert condition["httpHeader"]["values"] == secret_values(program)
    assert [a["type"] for a in rule["actions"]] == ["forward"]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_rotation_slots_origin_accepts_all_cloudfront_sends_the_active_one(architecture: str) -> None:
    program = run(architecture=architecture, secretSlots=["v1", "v2"], activeSecretSlot="v2")
    by_slot = {p.name.rsplit("-", 1)[-1]: reveal(p.outputs)["result"] for p in program.of_type(PASSWORD)}
    assert set(by_slot) == {"v1", "v2"}
    header = reveal(program.one(DISTRIBUTION).inputs)["origins"][0]["customHeaders"]
    assert header == [{"name": "X-Origin-Verify", "value": by_slot["v2"]}]
    if architecture == "alb":
        accepted = reveal(program.one(RULE).inputs)["conditions"][0]["httpHeader"]["values"]
    else:
        accepted = json.loads(reveal(program.by_name("origin-accepted-secrets").inputs)["value"])
    assert accepted == [by_slot["v1"], by_slot["v2"]]


def test_direct_user_data_points_at_the_parameter_the_role_may_read() -> None:
    program = run(architecture="direct")
    parameter = reveal(program.by_name("origin-accepted-secrets").inputs)
    user_data = reveal(program.one(INSTANCE).inputs)["userData"]
    assert parameter["name"] in user_data
    policy = json.loads(reveal(program.one("aws:iam/rolePolicy:RolePolicy").inputs)["policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == "ssm:GetParameter"
    assert statement["Resource"].endswith(f"parameter{parameter['name']}")


# --- CloudFront -------------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_distribution_defaults_suit_a_dynamic_origin(architecture: str) -> None:
    program = run(architecture=architecture)
    distribution = reveal(program.one(DISTRIBUTION).inputs)
    behavior = distribution["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["cachePolicyId"] == MANAGED_CACHE_POLICIES["Managed-CachingDisabled"]
    assert behavior["originRequestPolicyId"] == MANAGED_ORIGIN_REQUEST_POLICIES["Managed-AllViewerExceptHostHeader"]
    assert distribution["isIpv6Enabled"] is True
    assert distribution["httpVersion"] == "http2and3"
    assert distribution["priceClass"] == "PriceClass_100"
    origin = distribution["origins"][0]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "http-only"
    looked_up = {i.args.get("name") for i in program.invokes if "cloudfront/get" in i.token and "Policy" in i.token}
    assert looked_up == {"Managed-CachingDisabled", "Managed-AllViewerExceptHostHeader"}


def test_caching_and_price_class_are_configurable() -> None:
    program = run(architecture="alb", cachePolicy="Managed-CachingOptimized", priceClass="PriceClass_All")
    distribution = reveal(program.one(DISTRIBUTION).inputs)
    assert distribution["defaultCacheBehavior"]["cachePolicyId"] == MANAGED_CACHE_POLICIES["Managed-CachingOptimized"]
    assert distribution["priceClass"] == "PriceClass_All"


def test_origin_domain_turns_on_https_end_to_end() -> None:
    program = run(architecture="alb", **TLS)
    distribution = reveal(program.one(DISTRIBUTION).inputs)
    origin = distribution["origins"][0]
    assert origin["domainName"] == "origin.example.com"
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    listener = reveal(program.one(LISTENER).inputs)
    assert (listener["port"], listener["protocol"]) == (443, "HTTPS")
    assert listener["certificateArn"].startswith("arn:aws:acm:")
    ingress = {reveal(r.inputs)["fromPort"] for r in program.of_type(INGRESS) if reveal(r.inputs).get("prefixListId")}
    assert ingress == {443}
    certificate = reveal(program.one("aws:acm/certificate:Certificate").inputs)
    assert (certificate["domainName"], certificate["validationMethod"]) == ("origin.example.com", "DNS")
    records = {reveal(r.inputs)["name"] for r in program.of_type("aws:route53/record:Record")}
    assert "origin.example.com" in records
    assert program.stack_outputs["originUrl"] == "https://origin.example.com:443/"


def test_existing_certificate_is_used_without_issuing_one() -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"
    program = run(architecture="alb", originDomain="origin.example.com", certificateArn=arn)
    assert not program.of_type("aws:acm/certificate:Certificate")
    assert reveal(program.one(LISTENER).inputs)["certificateArn"] == arn


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"architecture": "lambda"}, "invalid setting architecture: 'lambda' is not allowed"),
        ({"appPort": 99999}, "invalid setting appPort: 99999 is not allowed"),
        ({"originHeaderName": "Cookie"}, "invalid setting originHeaderName: 'Cookie' is not allowed"),
        (
            {
                "vpcId": "vpc-0123456789abcdef0",
                "publicSubnetIds": ["subnet-0000000a"],
                "privateSubnetIds": ["subnet-0000000c"],
            },
            "invalid setting publicSubnetIds: ['subnet-0000000a'] is not allowed",
        ),
        ({"activeSecretSlot": "v9"}, "invalid setting activeSecretSlot: 'v9' is not allowed"),
        ({"archtecture": "direct"}, "invalid setting archtecture"),
    ],
)
def test_bad_settings_fail_before_any_resource_is_created(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(config)
    assert message in str(caught.value)
    assert caught.value.run.resources == []


def test_created_vpc_has_private_subnets_only_where_something_uses_them() -> None:
    def subnet_names(program: ProgramRun) -> set[str]:
        return {s.name for s in program.of_type("aws:ec2/subnet:Subnet")}

    assert subnet_names(run(architecture="alb")) == {
        "origin-public-1",
        "origin-public-2",
        "origin-private-1",
        "origin-private-2",
    }
    assert subnet_names(run(architecture="direct")) == {"origin-public-1", "origin-public-2"}
    for program in (run(architecture="alb"), run(architecture="direct")):
        for subnet in program.of_type("aws:ec2/subnet:Subnet"):
            assert reveal(subnet.inputs)["mapPublicIpOnLaunch"] is False


def test_ipv6_reaches_the_origin_over_ipv6_too() -> None:
    """A dual-stack ALB alone is not enough: CloudFront uses IPv4 unless the origin says dualstack."""
    plain = reveal(run(architecture="alb").one(DISTRIBUTION).inputs)["origins"][0]["customOriginConfig"]
    assert "ipAddressType" not in plain
    program = run(architecture="alb", originIpv6=True, **TLS)
    origin = reveal(program.one(DISTRIBUTION).inputs)["origins"][0]
    assert origin["customOriginConfig"]["ipAddressType"] == "dualstack"
    records = {
        reveal(r.inputs)["type"]
        for r in program.of_type("aws:route53/record:Record")
        if reveal(r.inputs)["name"] == "origin.example.com"
    }
    assert records == {"A", "AAAA"}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_a_changed_boot_script_replaces_instances_instead_of_being_ignored(architecture: str) -> None:
    """cloud-init runs user data once per instance: a restart would silently keep the old script."""
    for instance in run(architecture=architecture).of_type(INSTANCE):
        assert reveal(instance.inputs)["userDataReplaceOnChange"] is True


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("t3.micro", "x86_64"),
        ("m7i.large", "x86_64"),
        ("g5.xlarge", "x86_64"),
        ("t4g.micro", "arm64"),
        ("c7gn.large", "arm64"),
        ("m6gd.large", "arm64"),
        ("g5g.xlarge", "arm64"),
        ("a1.medium", "arm64"),
    ],
)
def test_the_ami_matches_the_instance_types_cpu(instance_type: str, arch: str) -> None:
    assert ami_parameter(instance_type).endswith(f"al2023-ami-kernel-default-{arch}")


def test_a_graviton_instance_gets_the_arm64_ami_looked_up() -> None:
    program = run(architecture="direct", instanceType="t4g.small")
    (lookup,) = [i.args["name"] for i in program.invokes if i.token == "aws:ssm/getParameter:getParameter"]
    assert lookup == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"


# --- instances: how many, and what they wait for ---------------------------------------------------------


@pytest.mark.parametrize("preview", MODES)
def test_a_set_instance_count_runs_that_many_spread_over_the_zones(preview: bool) -> None:
    program = run(preview, architecture="alb", instanceCount=3)
    instances = program.of_type(INSTANCE)
    assert [i.name for i in instances] == ["origin-instance-1", "origin-instance-2", "origin-instance-3"]
    subnets = [i.property_dependencies["subnetId"] for i in instances]
    assert subnets[0] == subnets[2] != subnets[1]
    attachments = program.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")
    assert sorted(a.property_dependencies["targetId"] for a in attachments) == sorted((i.urn,) for i in instances)
    assert [reveal(i.inputs)["tags"]["Name"] for i in instances] == ["origin-1", "origin-2", "origin-3"]


def test_a_direct_instance_count_of_one_is_the_one_instance() -> None:
    assert [i.name for i in run(architecture="direct", instanceCount=1).of_type(INSTANCE)] == ["origin-instance-1"]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("preview", MODES)
def test_instances_wait_until_their_role_may_do_what_they_do_at_boot(architecture: str, preview: bool) -> None:
    """An instance that boots before its role may read the parameter starts in deny-all (direct), or without
    Session Manager (both): it must depend on every grant and on the profile."""
    program = run(preview, architecture=architecture)
    profile = program.one("aws:iam/instanceProfile:InstanceProfile")
    grants = program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") + program.of_type(
        "aws:iam/rolePolicy:RolePolicy"
    )
    assert len(grants) == (2 if architecture == "direct" else 1)
    for instance in program.of_type(INSTANCE):
        assert {profile.urn, *(g.urn for g in grants)} <= set(instance.dependencies)


# --- the WAF --------------------------------------------------------------------------------------------------


def test_waf_rate_rule_counts_only_requests_whose_forwarded_address_is_an_address() -> None:
    acl = reveal(run(architecture="alb", waf=True, wafRateLimit=2000).one("aws:wafv2/webAcl:WebAcl").inputs)
    assert acl["defaultAction"] == {"block": {}}
    rate_rule, allow_rule = acl["rules"]
    assert rate_rule["name"] == "rate-limit-per-viewer" and "block" in rate_rule["action"]
    statement = rate_rule["statement"]["rateBasedStatement"]
    assert statement["limit"] == 2000 and statement["aggregateKeyType"] == "FORWARDED_IP"
    # MATCH would block every request whose first X-Forwarded-For entry (the viewer's choice) is no address.
    assert statement["forwardedIpConfig"] == {"headerName": "X-Forwarded-For", "fallbackBehavior": "NO_MATCH"}
    assert allow_rule["name"] == "allow-cloudfront-secret-header" and "allow" in allow_rule["action"]


# --- policies of the user's own account --------------------------------------------------------------------


def test_a_custom_policy_is_unknown_at_preview_and_looked_up_before_anything() -> None:
    preview = run(True, architecture="alb", cachePolicy="my-team-policy", originRequestPolicy="my-request-policy")
    behavior = preview.one(DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert behavior["cachePolicyId"] == UNKNOWN and behavior["originRequestPolicyId"] == UNKNOWN
    # Looked up before the first registration: the invokes come first.
    tokens = [i.token for i in preview.invokes]
    assert tokens.index("aws:cloudfront/getCachePolicy:getCachePolicy") < tokens.index(
        "aws:ec2/getManagedPrefixList:getManagedPrefixList"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {
                "originDomain": "origin.example.com",
                "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef",
            },
            "invalid setting certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-90ab-cdef-1234-"
            "567890abcdef' is not allowed; expected a certificate in the stack's region us-east-1",
        ),
        ({"cachePolicy": "Managed-CachingDisabledX"}, "invalid setting cachePolicy: 'Managed-CachingDisabledX'"),
        # A VPC id AWS does not know: refused at the lookup, not at the first resource in it.
        (
            {
                "architecture": "direct",
                "vpcId": "vpc-00000000000000bad",
                "publicSubnetIds": ["subnet-0000000a"],
            },
            "invalid setting vpcId: 'vpc-00000000000000bad' is not allowed; expected a VPC of this account and "
            "region; AWS says:",
        ),
    ],
)
@pytest.mark.parametrize("preview", MODES)
def test_what_only_the_region_or_a_lookup_can_refuse_fails_before_any_resource(
    config: dict[str, Any], message: str, preview: bool
) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(config, preview=preview)
    assert str(caught.value).startswith(message)
    assert caught.value.run.resources == []
