"""The component's arguments as a library user passes them: plain values checked before anything is
registered, values from other resources (Outputs) checked when known with the very same message.

Each bad value is run twice through a program under the mocks: once plain (the program stops before the
first registration) and once as an Output (the deployment fails with the same message, and nothing that
would use the value is registered with it). An Output that is unknown at preview is not checked yet and
leaves what uses it unknown; the same program then fails at up.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown import OriginLockdownArgs, SettingError, settings_from_args
from cloudfront_origin_lockdown.settings import ExistingNetwork, Settings
from cloudfront_origin_lockdown.vpc_origin import VPC_ORIGINS_PAGE
from offline.mocks import MOCK_VPC_ID, MOCK_VPC_WITHOUT_IGW, ProgramError, run_program
from offline.snapshot import UNKNOWN, ProgramRun, reveal

SG = "aws:ec2/securityGroup:SecurityGroup"
INSTANCE = "aws:ec2/instance:Instance"
LB_LISTENER = "aws:lb/listener:Listener"
RECORD = "aws:route53/record:Record"
COMPONENT = "cloudfront-origin-lockdown:index:OriginLockdown"
PUBLIC = ["subnet-0000000a", "subnet-0000000b"]
PRIVATE = ["subnet-0000000c", "subnet-0000000d"]
NETWORK: dict[str, Any] = {"vpc_id": MOCK_VPC_ID, "public_subnet_ids": PUBLIC, "private_subnet_ids": PRIVATE}
# What uses an existing network (every origin resource sits in its security groups) and what uses the tags.
NETWORK_USERS = [SG, INSTANCE, "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"]
TAGGED = [SG, INSTANCE, "aws:cloudfront/distribution:Distribution", "aws:iam/role:Role"]
CERTIFICATE = "arn:aws:acm:{region}:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"
HTTPS = {"origin_domain": "origin.example.com", "certificate_arn": CERTIFICATE.format(region="us-east-1")}

LIBRARY_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws
from cloudfront_origin_lockdown import OriginLockdown

case = json.loads(pulumi.Config().require("case"))
args = dict(case["args"])
# A resource of the caller's program: its id is unknown at preview, known at up.
caller = aws.ec2.Vpc("caller-vpc", cidr_block="10.9.0.0/16")
for name in case["outputs"]:
    value = args[name]
    if case.get("unknown_at_preview"):
        args[name] = caller.id.apply(lambda _, value=value: value)
    else:
        args[name] = pulumi.Output.from_input(value)
    if name in case.get("secret", []):
        args[name] = pulumi.Output.secret(args[name])
OriginLockdown("origin", args)
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("library") / "__main__.py"
    path.write_text(LIBRARY_PROGRAM)
    return path


NOW = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)


def run(program: Path, args: dict[str, Any], outputs: list[str], preview: bool = False, **case: Any) -> ProgramRun:
    # One clock for every run: the rotation record's settled part notes when each slot was first accepted.
    return run_program(
        {"case": json.dumps({"args": args, "outputs": outputs, **case})}, preview=preview, program=program, now=NOW
    )


def failure(program: Path, args: dict[str, Any], outputs: list[str], **case: Any) -> ProgramError:
    with pytest.raises(ProgramError) as caught:
        run(program, args, outputs, **case)
    return caught.value


def strings_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {s for item in value.values() for s in strings_in(item)}
    if isinstance(value, list):
        return {s for item in value for s in strings_in(item)}
    return {value} if isinstance(value, str) else set()


# (args, the arguments given as Outputs, the message) for each value a library user may get from a resource.
BAD_OUTPUTS = [
    pytest.param(
        {**NETWORK, "vpc_id": "vpc-bogus"},
        ["vpc_id"],
        "invalid setting vpcId: 'vpc-bogus' is not allowed; expected a VPC id such as vpc-0123456789abcdef0",
        NETWORK_USERS,
        id="vpc id",
    ),
    pytest.param(
        {**NETWORK, "public_subnet_ids": ["subnet-0000000a", "subnet-bogus"]},
        ["public_subnet_ids"],
        "invalid setting publicSubnetIds: 'subnet-bogus' is not allowed; expected subnet ids such as "
        "subnet-0123456789abcdef0",
        NETWORK_USERS,
        id="subnet id",
    ),
    pytest.param(
        {**NETWORK, "public_subnet_ids": ["subnet-0000000a"]},
        ["public_subnet_ids"],
        "invalid setting publicSubnetIds: ['subnet-0000000a'] is not allowed; expected at least 2 public subnets in "
        "different Availability Zones (an ALB needs two)",
        NETWORK_USERS,
        id="one subnet for an alb",
    ),
    pytest.param(
        {**NETWORK, "private_subnet_ids": ["subnet-0000000a"]},
        ["private_subnet_ids"],
        "invalid setting privateSubnetIds: ['subnet-0000000a'] is not allowed; expected subnets that are not also "
        "in publicSubnetIds: the instances behind the load balancer must not sit in a public subnet",
        NETWORK_USERS,
        id="private subnet also public",
    ),
    pytest.param(
        {**NETWORK, "vpc_origin": True},
        ["public_subnet_ids"],
        "invalid setting publicSubnetIds: ['subnet-0000000a', 'subnet-0000000b'] is not allowed; with vpcOrigin the "
        "origin sits in privateSubnetIds and nothing uses public subnets; remove publicSubnetIds",
        NETWORK_USERS,
        id="public subnets with a vpc origin",
    ),
    pytest.param(
        {**NETWORK, "public_subnet_ids": "subnet-0000000a"},
        ["public_subnet_ids"],
        "invalid setting publicSubnetIds: 'subnet-0000000a' is not allowed; expected a list of subnet ids such as "
        "['subnet-0123456789abcdef0']",
        NETWORK_USERS,
        id="a string for a list",
    ),
    pytest.param(
        {"vpc_origin": True, "vpc_id": MOCK_VPC_ID, "private_subnet_ids": ["subnet-0000000c", "subnet-0000000e"]},
        ["private_subnet_ids"],
        "invalid setting privateSubnetIds: 'subnet-0000000e' is not allowed; subnet subnet-0000000e is in zone "
        f"use1-az3, where CloudFront VPC origins are not available ({VPC_ORIGINS_PAGE}#vpc-origins-supported-regions); "
        "use subnets in other zones",
        NETWORK_USERS,
        id="vpc origin subnet in an excluded zone (lookup)",
    ),
    pytest.param(
        {
            "architecture": "direct",
            "vpc_origin": True,
            "vpc_id": MOCK_VPC_WITHOUT_IGW,
            "private_subnet_ids": ["subnet-00000012"],
        },
        ["vpc_id"],
        f"invalid setting vpcId: {MOCK_VPC_WITHOUT_IGW!r} is not allowed; expected a VPC with an internet gateway "
        f"attached: CloudFront VPC origins require one although nothing is routed through it ({VPC_ORIGINS_PAGE}); "
        "attach one, no route needed",
        NETWORK_USERS,
        id="vpc origin in a vpc without internet gateway (lookup)",
    ),
    pytest.param(
        {**HTTPS, "certificate_arn": "arn:aws:acm:us-east-1:123:certificate/nope"},
        ["certificate_arn"],
        "invalid setting certificateArn: 'arn:aws:acm:us-east-1:123:certificate/nope' is not allowed; expected an "
        "ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
        [LB_LISTENER],
        id="certificate arn",
    ),
    pytest.param(
        {**HTTPS, "certificate_arn": CERTIFICATE.format(region="eu-west-1")},
        ["certificate_arn"],
        f"invalid setting certificateArn: {CERTIFICATE.format(region='eu-west-1')!r} is not allowed; expected a "
        "certificate in the stack's region us-east-1 (the load balancer can only use certificates of its own "
        "region; this one is in eu-west-1)",
        [LB_LISTENER],
        id="certificate in another region (preflight)",
    ),
    pytest.param(
        {"origin_domain": "origin.example.com", "hosted_zone_id": "z-lowercase"},
        ["hosted_zone_id"],
        "invalid setting hostedZoneId: 'z-lowercase' is not allowed; expected a Route 53 zone id such as "
        "Z0123456789ABC (Z and at most 31 upper-case letters and digits)",
        [RECORD],
        id="hosted zone id",
    ),
    pytest.param(
        {"ami_id": "ami-xyz"},
        ["ami_id"],
        "invalid setting amiId: 'ami-xyz' is not allowed; expected an AMI id such as ami-0123456789abcdef0",
        [INSTANCE],
        id="ami id",
    ),
    pytest.param(
        {"tags": {"Name": "mine"}},
        ["tags"],
        "invalid setting tags: 'Name' is not allowed; expected keys other than the component's own (Name, Project, "
        "Stack, origin-lockdown:role), in any letter case",
        TAGGED,
        id="tag key of the component",
    ),
    pytest.param(
        {"tags": {"team": "web<1>"}},
        ["tags"],
        "invalid setting tags: 'team=web<1>' is not allowed; expected tag values of letters, digits, spaces and "
        "_ . : / = + - @ only (CloudFront, ELB, WAF and SSM refuse '<')",
        TAGGED,
        id="tag value characters",
    ),
    pytest.param(
        {"tags": ["Team=web"]},
        ["tags"],
        "invalid setting tags: ['Team=web'] is not allowed; expected a map of tag keys to values",
        TAGGED,
        id="tags not a map",
    ),
]


@pytest.mark.parametrize(("args", "outputs", "message", "users"), BAD_OUTPUTS)
def test_a_bad_value_fails_the_same_way_plain_or_as_an_output(
    program: Path, args: dict[str, Any], outputs: list[str], message: str, users: list[str]
) -> None:
    plain = failure(program, args, [])
    assert str(plain) == message
    # Plain: refused before the first registration (the caller's own VPC aside).
    assert [r.name for r in plain.run.resources] == ["caller-vpc"]

    deferred = failure(program, args, outputs)
    assert str(deferred) == str(plain)
    # As an Output: the component was planned, but nothing that uses the value was registered (resources
    # that do not use it may have been: the deployment stops at the first one that does).
    registered = deferred.run.resources
    assert [r.type for r in registered if r.type == COMPONENT]
    assert not [r.name for r in registered if r.type in users]
    bad_values = {value for name in outputs for value in strings_in(args[name])} - strings_in(NETWORK)
    for resource in registered:
        assert not bad_values & strings_in(reveal(resource.inputs)), (resource.name, bad_values)


VALID_OUTPUTS = [
    pytest.param(
        {**NETWORK, **HTTPS, "ami_id": "ami-0123456789abcdef0", "tags": {"Team": "web"}},
        ["vpc_id", "public_subnet_ids", "private_subnet_ids", "certificate_arn", "ami_id", "tags"],
        id="existing network, certificate, ami, tags",
    ),
    pytest.param(
        {"vpc_origin": True, "vpc_id": MOCK_VPC_ID, "private_subnet_ids": PRIVATE, "tags": {"Team": "web"}},
        ["private_subnet_ids", "tags"],
        id="vpc origin in an existing network (lookups), tags in its name",
    ),
    pytest.param(
        {"architecture": "direct", "vpc_origin": True, "tags": {"Team": "web"}},
        ["tags"],
        id="direct vpc origin in a created network, tags in its name",
    ),
    pytest.param(
        {"origin_domain": "origin.example.com", "hosted_zone_id": "Z0123456789ABC"},
        ["hosted_zone_id"],
        id="hosted zone",
    ),
]


@pytest.mark.parametrize(("args", "outputs"), VALID_OUTPUTS)
def test_a_valid_value_as_an_output_builds_as_the_plain_one(
    program: Path, args: dict[str, Any], outputs: list[str]
) -> None:
    """The same settings plain and as Outputs give the same resources with the same inputs (the VPC origin's
    name, derived from its tags, included)."""
    plain, deferred = run(program, args, []), run(program, args, outputs)
    before = {(r.type, r.name): reveal(r.inputs) for r in plain.resources}
    after = {(r.type, r.name): reveal(r.inputs) for r in deferred.resources}
    assert sorted(after) == sorted(before)
    for key, inputs in after.items():
        assert inputs == before[key], key


def test_an_output_unknown_at_preview_is_checked_at_up(program: Path) -> None:
    args = {**NETWORK, "vpc_id": "vpc-bogus"}
    preview = run(program, args, ["vpc_id"], preview=True, unknown_at_preview=True)
    groups = preview.of_type(SG)
    assert groups and {reveal(g.inputs)["vpcId"] for g in groups} == {UNKNOWN}
    with pytest.raises(ProgramError) as caught:
        run(program, args, ["vpc_id"], unknown_at_preview=True)
    assert str(caught.value) == (
        "invalid setting vpcId: 'vpc-bogus' is not allowed; expected a VPC id such as vpc-0123456789abcdef0"
    )


def test_a_secret_output_is_not_shown_in_the_message(program: Path) -> None:
    args = {**HTTPS, "certificate_arn": "arn:aws:acm:us-east-1:123:certificate/nope"}
    error = failure(program, args, ["certificate_arn"], secret=["certificate_arn"])
    assert str(error) == (
        "invalid setting certificateArn: [secret] is not allowed; expected an ACM certificate ARN "
        "(arn:aws:acm:REGION:ACCOUNT:certificate/UUID)"
    )
    assert "nope" not in str(error)


def test_an_id_output_that_resolves_to_nothing_is_refused(program: Path) -> None:
    """Given as an Output, the AMI id decided that no AMI is looked up: an Output of None cannot stand."""
    error = failure(program, {"ami_id": None}, ["ami_id"])
    assert str(error) == (
        "invalid setting amiId: None is not allowed; expected a value: it was given as an Output (so what uses it "
        "is built) that resolved to none"
    )


def test_a_plain_argument_cannot_be_an_output(program: Path) -> None:
    error = failure(program, {"architecture": "alb"}, ["architecture"])
    assert str(error) == (
        "invalid setting architecture: <an Output> is not allowed; expected a plain value: it decides which "
        "resources are created, so it must be known before any is registered"
    )
    assert [r.name for r in error.run.resources] == ["caller-vpc"]


# --- the conversion with plain values -----------------------------------------------------------------------


def test_no_arguments_are_the_defaults() -> None:
    assert settings_from_args(OriginLockdownArgs()) == Settings()
    assert settings_from_args({"tags": None, "vpc_id": None}) == Settings()


def test_whole_doubles_are_the_integers_other_languages_meant() -> None:
    settings = settings_from_args({"app_port": 9000.0, "instance_count": 3.0, "waf": True, "waf_rate_limit": 100.0})
    assert (settings.app_port, settings.instance_count) == (9000, 3)
    assert settings.waf is not None and settings.waf.rate_limit == 100
    assert isinstance(settings.app_port, int)


def test_arguments_are_assembled_as_the_stack_settings_are() -> None:
    settings = settings_from_args(
        {**NETWORK, **HTTPS, "origin_header_name": "X-Lock", "cache_policy": "Managed-CachingOptimized"}
    )
    assert settings.network == ExistingNetwork(MOCK_VPC_ID, tuple(PUBLIC), tuple(PRIVATE))
    assert settings.origin_tls is not None and settings.origin_tls.certificate_arn == HTTPS["certificate_arn"]
    assert (settings.header_name, settings.cache_policy_name) == ("X-Lock", "Managed-CachingOptimized")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"archtecture": "alb"},
            "invalid setting archtecture: (set) is not allowed; not an argument of OriginLockdown; known arguments: ",
        ),
        (
            {"secret_rotation_days": 400},
            "invalid setting secretRotationDays: 400 is not allowed; expected an integer from 0 to 365 (0 turns "
            "automatic rotation off)",
        ),
        (
            {"secret_rotation_days": 30, "rotation_guard": False},
            "invalid setting rotationGuard: False is not allowed; automatic rotation (secretRotationDays) judges each "
            "step against what the stack last deployed, which the rotation guard reads: keep the guard on, or turn "
            "automatic rotation off (secretRotationDays 0)",
        ),
        ({"rotation_guard": "no"}, "invalid setting rotationGuard: 'no' is not allowed; expected true or false"),
        (
            {"public_subnet_ids": PUBLIC},
            "invalid setting publicSubnetIds: ['subnet-0000000a', 'subnet-0000000b'] is not allowed; only used "
            "together with vpcId; set vpcId too",
        ),
        (
            {"certificate_arn": HTTPS["certificate_arn"]},
            f"invalid setting certificateArn: {HTTPS['certificate_arn']!r} is not allowed; only used together with "
            "originDomain; set originDomain too",
        ),
        ({"waf": "yes"}, "invalid setting waf: 'yes' is not allowed; expected true or false"),
        (
            {"waf_rate_limit": 100},
            "invalid setting wafRateLimit: 100 is not allowed; only used with waf: true; set waf too",
        ),
        (
            {"secret_slots": "v1"},
            "invalid setting secretSlots: 'v1' is not allowed; expected 1 to 5 slots (an ALB listener rule condition "
            "takes at most 5 values)",
        ),
        (
            {"app_port": 8080.5},
            "invalid setting appPort: 8080.5 is not allowed; expected an integer from 1024 to 65535 (the sample app "
            "runs unprivileged)",
        ),
        ({"vpc_origin": 1}, "invalid setting vpcOrigin: 1 is not allowed; expected true or false"),
    ],
)
def test_bad_plain_arguments_name_the_setting(args: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError) as caught:
        settings_from_args(args)
    assert str(caught.value).startswith(message)
    assert str(caught.value) == message or message.endswith("known arguments: ")
