"""Reading stack settings: one way per kind, the key set kept in step with Pulumi.yaml, and every bad value
of a stack file refused with key, value and rule before the program registers anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudfront_origin_lockdown.args import ARG_NAMES, setting_key
from cloudfront_origin_lockdown.config import (
    KNOWN_KEYS,
    NO_STRAY_CHARACTERS,
    SETTINGS,
    boolean,
    check_namespaces,
    integer,
    load_args,
    load_settings,
    read_values,
    string_list,
    tag_list,
    text,
)
from cloudfront_origin_lockdown.settings import SettingError, Settings
from offline.mocks import ProgramError, run_program

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "cloudfront-origin-lockdown"
VPC = "vpc-0123456789abcdef0"
PUBLIC = ["subnet-0000000a", "subnet-0000000b"]
PRIVATE = ["subnet-0000000c"]
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"


def getter(values: dict[str, Any]) -> Callable[[str], str | None]:
    """Config as the program sees it: strings, JSON for lists."""

    def get(key: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    return get


def load(values: dict[str, Any]) -> Settings:
    return load_args(getter(values), present_keys=list(values), project_dir=ROOT)


def project_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def declared_defaults() -> dict[str, Any]:
    return {key: spec["default"] for key, spec in project_file()["config"].items()}


# --- the key set --------------------------------------------------------------------------------------


def test_pulumi_yaml_declares_exactly_the_keys_the_program_reads() -> None:
    declared = project_file()["config"]
    assert sorted(declared) == sorted(KNOWN_KEYS)
    python_types = {"string": str, "boolean": bool, "integer": int, "array": list}
    readers = {"string": text, "boolean": boolean, "integer": integer, "array": string_list}
    for setting in SETTINGS:
        spec = declared[setting.key]
        assert {"type", "default", "description"} <= set(spec), setting.key
        # The only types project config schemas allow:
        # https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options
        assert isinstance(spec["default"], python_types[spec["type"]]), setting.key
        if spec["type"] == "array":
            assert spec["items"] == {"type": "string"}, setting.key
        # Each key is read the one way of its declared type (tags: Key=Value strings, an array too).
        expected = tag_list if setting.key == "tags" else readers[spec["type"]]
        assert setting.parse is expected, setting.key
        # An empty value means "not set" exactly for the keys Pulumi defaults to "" when unset.
        assert setting.optional == (spec["default"] == ""), setting.key


def test_settings_name_real_arguments_of_the_component_by_one_vocabulary() -> None:
    """Each component setting is one argument of OriginLockdownArgs, its key in snake_case; every argument is
    one setting (the boot script's is read from the file appBootScript names)."""
    fields = [s.field for s in SETTINGS if s.field]
    assert sorted([*fields, "app_boot_script"]) == sorted(ARG_NAMES)
    for setting in SETTINGS:
        if setting.field:
            assert setting_key(setting.field) == setting.key, setting
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
    # Only the boot script's path is no argument (its file's contents are); rotation is the component's since 0.3.0.
    assert {s.key for s in SETTINGS if not s.field} == {"appBootScript"}


def test_declared_defaults_are_a_valid_configuration() -> None:
    """Pulumi passes the declared defaults to the program: they alone must deploy, exactly as the defaults."""
    settings = load_settings(getter(declared_defaults()), present_keys=list(declared_defaults()), project_dir=ROOT)
    assert settings.settings == Settings()
    assert settings.rotation_guard is True and settings.secret_rotation_days == 0


def test_dev_stack_is_valid() -> None:
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    values = {key.split(":", 1)[1]: value for key, value in stack.items() if key.startswith(f"{PROJECT}:")}
    args = load({**declared_defaults(), **values})
    assert args.architecture == "alb"
    assert args.tags == {"Environment": "dev"}
    assert stack["aws:region"]


def test_nothing_set_gives_the_defaults() -> None:
    settings = load_settings(getter({}))
    assert settings.args == {} and settings.settings == Settings() and settings.rotation_guard is True


# --- one way per kind -------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("8080", 8080), ("-5", -5), ("65535", 65535)])
def test_integers_are_decimal_digits(raw: str, value: int) -> None:
    assert integer("appPort", raw) == value


@pytest.mark.parametrize(
    "raw",
    ["1_0", "0x10", "010", "1e3", " 10", "10 ", "10\n", "+10", "10.0", "", "-", "\u0661\u0660", "\u00b2", "ten", "--1"],
)
def test_anything_else_is_not_an_integer(raw: str) -> None:
    with pytest.raises(SettingError) as caught:
        integer("appPort", raw)
    assert str(caught.value) == (
        f"invalid setting appPort: {raw!r} is not allowed; expected a whole number in decimal digits, such as 8080"
    )


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("false", False)])
def test_booleans_are_true_or_false(raw: str, value: bool) -> None:
    assert boolean("waf", raw) is value


@pytest.mark.parametrize("raw", ["yes", "no", "1", "0", "True", "FALSE", "on", " true", "true\n", ""])
def test_anything_else_is_not_a_boolean(raw: str) -> None:
    with pytest.raises(SettingError) as caught:
        boolean("rotationGuard", raw)
    assert str(caught.value) == f"invalid setting rotationGuard: {raw!r} is not allowed; expected true or false"


@pytest.mark.parametrize("raw", ["alb", "a b", "/path/with inner space", "é"])
def test_text_is_taken_as_written(raw: str) -> None:
    assert text("architecture", raw) == raw


@pytest.mark.parametrize("raw", ["alb\n", " alb", "alb ", "\talb", "al\x00b", "al\x1bb", "a\rb", "a\nb"])
def test_text_with_stray_whitespace_or_control_characters_is_refused(raw: str) -> None:
    with pytest.raises(SettingError) as caught:
        text("architecture", raw)
    assert str(caught.value) == f"invalid setting architecture: {raw!r} is not allowed; {NO_STRAY_CHARACTERS}"


def test_lists_are_yaml_lists_of_strings() -> None:
    assert string_list("secretSlots", '["v1", "v2"]') == ("v1", "v2")
    assert string_list("secretSlots", "[]") == ()


@pytest.mark.parametrize(
    ("raw", "shown"), [("v1, v2", "v1, v2"), ('"v1"', "v1"), ("[1]", [1]), ('{"a": "b"}', {"a": "b"})]
)
def test_anything_else_is_not_a_list(raw: str, shown: Any) -> None:
    with pytest.raises(SettingError) as caught:
        string_list("secretSlots", raw)
    assert str(caught.value) == (
        f"invalid setting secretSlots: {shown!r} is not allowed; expected a list of strings in the stack file, "
        "e.g. [v1, v2]"
    )


def test_tags_are_key_value_strings_split_at_the_first_equals_sign() -> None:
    assert tag_list("tags", '["Environment=dev", "Owner=team=web", "Empty="]') == {
        "Environment": "dev",
        "Owner": "team=web",
        "Empty": "",
    }


def test_a_tag_key_given_twice_is_refused_not_overwritten() -> None:
    with pytest.raises(SettingError) as caught:
        tag_list("tags", '["Env=dev", "Team=web", "Env=prod"]')
    assert str(caught.value) == "invalid setting tags: 'Env' is not allowed; expected each tag key once"


def test_a_tag_without_equals_sign_is_refused() -> None:
    with pytest.raises(SettingError) as caught:
        tag_list("tags", '["Env=dev", "web"]')
    assert str(caught.value) == (
        "invalid setting tags: 'web' is not allowed; expected Key=Value strings, e.g. [Environment=dev]"
    )


# --- empty values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if not s.optional])
def test_a_key_set_but_empty_is_an_error(key: str) -> None:
    with pytest.raises(SettingError) as caught:
        read_values(getter({key: ""}), present_keys=[key])
    assert (
        str(caught.value)
        == f"invalid setting {key}: '' is not allowed; expected a value; remove the key to use its default"
    )


@pytest.mark.parametrize("key", [s.key for s in SETTINGS if s.optional])
def test_an_optional_key_left_at_its_declared_empty_default_is_unset(key: str) -> None:
    assert read_values(getter({key: ""}), present_keys=[key]) == {}


def test_read_values_parses_each_set_key_by_its_kind() -> None:
    values = read_values(
        getter({"instanceCount": "3", "waf": "true", "secretSlots": ["v1"], "tags": ["A=b"], "vpcId": VPC}),
        present_keys=["instanceCount", "waf", "secretSlots", "tags", "vpcId"],
    )
    assert values == {"instanceCount": 3, "waf": True, "secretSlots": ("v1",), "tags": {"A": "b"}, "vpcId": VPC}


def test_rotation_guard_is_read_with_the_other_booleans() -> None:
    assert load_settings(getter({"rotationGuard": "false"})).rotation_guard is False
    assert load_settings(getter({"rotationGuard": "true"})).rotation_guard is True


# --- assembly --------------------------------------------------------------------------------------------


def test_boot_script_is_read_relative_to_the_project(tmp_path: Path) -> None:
    script = tmp_path / "boot.sh"
    script.write_text("#!/bin/bash\necho my app\n")
    args = load_args(getter({"appBootScript": "boot.sh"}), project_dir=tmp_path)
    assert args.app_boot_script == "#!/bin/bash\necho my app\n"
    assert load_args(getter({"appBootScript": str(script)})).app_boot_script == "#!/bin/bash\necho my app\n"


def test_tls_and_network_and_waf_settings_are_assembled() -> None:
    args = load(
        {
            "originDomain": "origin.example.com",
            "certificateArn": CERTIFICATE,
            "vpcId": VPC,
            "publicSubnetIds": PUBLIC,
            "privateSubnetIds": PRIVATE,
            "waf": True,
            "wafRateLimit": 2000,
        }
    )
    assert args.origin_tls is not None
    assert (args.origin_tls.domain_name, args.origin_tls.certificate_arn) == ("origin.example.com", CERTIFICATE)
    assert args.origin_tls.hosted_zone_id is None
    assert args.network is not None
    assert (args.network.vpc_id, args.network.public_subnet_ids, args.network.private_subnet_ids) == (
        VPC,
        tuple(PUBLIC),
        tuple(PRIVATE),
    )
    assert args.waf is not None and args.waf.rate_limit == 2000


@pytest.mark.parametrize(
    ("values", "key", "shown", "allowed"),
    [
        ({"hostedZoneId": "Z0123456789ABC"}, "hostedZoneId", "Z0123456789ABC", "only used together with originDomain"),
        ({"certificateArn": CERTIFICATE}, "certificateArn", CERTIFICATE, "only used together with originDomain"),
        ({"publicSubnetIds": PUBLIC}, "publicSubnetIds", PUBLIC, "only used together with vpcId"),
        ({"privateSubnetIds": PRIVATE}, "privateSubnetIds", PRIVATE, "only used together with vpcId"),
        (
            {"vpcId": VPC, "privateSubnetIds": PRIVATE},
            "publicSubnetIds",
            [],
            "expected at least 2 public subnets in different Availability Zones (an ALB needs two)",
        ),
    ],
)
def test_settings_that_need_another_one(values: dict[str, Any], key: str, shown: Any, allowed: str) -> None:
    with pytest.raises(SettingError) as caught:
        load(values)
    assert (caught.value.key, caught.value.value) == (key, shown)
    assert caught.value.allowed.startswith(allowed)


def test_an_existing_vpc_without_private_subnets_is_enough_for_direct() -> None:
    args = load({"architecture": "direct", "vpcId": VPC, "publicSubnetIds": PUBLIC[:1]})
    assert args.network is not None
    assert (args.network.public_subnet_ids, args.network.private_subnet_ids) == (tuple(PUBLIC[:1]), ())


def test_a_boot_script_is_read_as_utf8(tmp_path: Path) -> None:
    script = tmp_path / "boot.sh"
    script.write_bytes("#!/bin/bash\necho café ✓\n".encode())
    assert load_args(getter({"appBootScript": str(script)})).app_boot_script == "#!/bin/bash\necho café ✓\n"


def test_waf_without_a_rate_limit_and_a_zero_rate_limit_mean_no_rate_rule() -> None:
    without = load({"waf": True})
    zero = load({"waf": True, "wafRateLimit": 0})
    assert without.waf is not None and without.waf.rate_limit is None
    assert zero.waf is not None and zero.waf.rate_limit is None
    assert load({"waf": False, "wafRateLimit": 0}).waf is None


def test_a_quoted_number_in_the_stack_file_is_the_same_number() -> None:
    """YAML `appPort: "9000"` and `appPort: 9000` both reach the program as the string 9000."""
    assert load({"appPort": "9000"}).app_port == 9000
    assert load({"appPort": 9000}).app_port == 9000


# --- every bad value, through the real program ------------------------------------------------------------


def _directory(tmp: Path) -> str:
    return str(tmp)


def _blank_script(tmp: Path) -> str:
    path = tmp / "blank.sh"
    path.write_text(" \n\t\n")
    return str(path)


def _latin1_script(tmp: Path) -> str:
    path = tmp / "latin1.sh"
    path.write_bytes(b"#!/bin/bash\necho caf\xe9\n")
    return str(path)


NETWORK = {"vpcId": VPC, "publicSubnetIds": PUBLIC, "privateSubnetIds": PRIVATE}
TLS_ZONE = {"originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC"}
A_VALUE = "expected a value; remove the key to use its default"
WHOLE = "expected a whole number in decimal digits, such as 8080"
BOOL = "expected true or false"
CIDR_SHAPE = (
    "expected an IPv4 network in CIDR notation from /16 to /25 (four subnets of at least /27 are carved from it), "
    "such as 10.80.0.0/16"
)
CIDR_PRIVATE = (
    "expected a block inside a private RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), e.g. 10.80.0.0/16"
)
DOMAIN_64 = "expected a lowercase DNS name of at most 64 characters such as origin.example.com"
NOT_AN_ADDRESS = "expected a DNS name, not an IP address: a public certificate covers names"
HEADER = "expected 1 to 40 letters, digits and '-' (not at either end)"
REFUSED_HEADER = "CloudFront refuses to add this header to origin requests; pick a custom name such as X-Origin-Verify"
MANAGED_CACHE = (
    "expected an AWS-managed policy name exactly as AWS spells it (Managed-Amplify, Managed-CachingDisabled, "
    "Managed-CachingOptimized, Managed-CachingOptimizedForUncompressedObjects, Managed-Elemental-MediaPackage, "
    "Managed-UseOriginCacheControlHeaders, Managed-UseOriginCacheControlHeaders-QueryStrings), or the name of a "
    "policy of your own account (not starting with Managed-)"
)
MANAGED_REQUEST = (
    "expected an AWS-managed policy name exactly as AWS spells it (Managed-AllViewer, "
    "Managed-AllViewerAndCloudFrontHeaders-2022-06, Managed-AllViewerExceptHostHeader, Managed-CORS-CustomOrigin, "
    "Managed-CORS-S3Origin, Managed-Elemental-MediaTailor-PersonalizedManifests, Managed-HostHeaderOnly, "
    "Managed-UserAgentRefererHeaders), or the name of a policy of your own account (not starting with Managed-)"
)
POLICY_SHAPE = (
    "expected a CloudFront policy name of 1 to 128 letters, digits, '-' and '_', such as Managed-CachingDisabled"
)
TAG_CHARACTERS = (
    "expected tag values of letters, digits, spaces and _ . : / = + - @ only (CloudFront, ELB, WAF and SSM refuse '&')"
)

# (config, key, shown value, what is allowed): every key, most more than once. A value that is only a
# callable is a file the test creates first.
ALARM_EMAIL = (
    "expected one email address of at most 254 characters, such as ops@example.com (SNS sends the alarms there once "
    "the address confirms the subscription)"
)
BAD_EMAILS = [
    "ops",
    "ops@example",  # no top-level domain
    "ops@@example.com",
    "ops@dev@example.com",
    "ops@example.123",  # a numeric top-level domain
    "ops@exa_mple.com",
    "ops@-example.com",
    ".ops@example.com",
    "o..ps@example.com",
    "o ps@example.com",
    '"ops"@example.com',  # quoted local parts: not for SNS
    "ops@example.com,dev@example.com",  # one address
    "x" * 65 + "@example.com",
    "ops@" + "a" * 246 + ".com",
]
DEPLOY_ROLE = (
    "expected the ARN of the IAM role that deploys this stack, path included, such as "
    "arn:aws:iam::123456789012:role/github-deploy (changes it makes are not reported)"
)
BAD_ROLE_ARNS = [
    "deploy",
    "arn:aws:iam::123456789012:user/deploy",
    "arn:aws:iam::12345678901:role/deploy",
    "arn:aws:sts::123456789012:assumed-role/deploy/session",
    "arn:aws:iam::123456789012:role/",
    "arn:aws:iam::123456789012:role/" + "d" * 65,
    "arn:aws:iam::123456789012:role/de ploy",
]
MONITORING_ONLY = "only used with monitoring; set monitoring: true (or alarmEmail) too"

PRIVATE_CA = "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
BAD_INPUTS: list[tuple[dict[str, Any], str, Any, str]] = [
    ({"architecture": "ALB"}, "architecture", "ALB", "expected one of alb, direct"),
    ({"architecture": ""}, "architecture", "", A_VALUE),
    ({"architecture": "alb\n"}, "architecture", "alb\n", NO_STRAY_CHARACTERS),
    ({"instanceType": "t3.micro "}, "instanceType", "t3.micro ", NO_STRAY_CHARACTERS),
    ({"instanceType": "t3"}, "instanceType", "t3", "expected an EC2 instance type such as t3.micro"),
    ({"instanceType": "T3.MICRO"}, "instanceType", "T3.MICRO", "expected an EC2 instance type such as t3.micro"),
    ({"instanceCount": "1_0"}, "instanceCount", "1_0", WHOLE),
    ({"instanceCount": "0x1"}, "instanceCount", "0x1", WHOLE),
    ({"instanceCount": ""}, "instanceCount", "", A_VALUE),
    (
        {"instanceCount": "11"},
        "instanceCount",
        11,
        "expected an integer from 0 to 10 (0 means 2, one per Availability Zone)",
    ),
    (
        {"instanceCount": "-1"},
        "instanceCount",
        -1,
        "expected an integer from 0 to 10 (0 means 2, one per Availability Zone)",
    ),
    ({"appPort": "08080"}, "appPort", "08080", WHOLE),
    ({"appPort": "8080.0"}, "appPort", "8080.0", WHOLE),
    ({"appPort": "\u0661\u0660\u0662\u0664"}, "appPort", "\u0661\u0660\u0662\u0664", WHOLE),
    ({"appPort": "1023"}, "appPort", 1023, "expected an integer from 1024 to 65535 (the sample app runs unprivileged)"),
    (
        {"appPort": "65536"},
        "appPort",
        65536,
        "expected an integer from 1024 to 65535 (the sample app runs unprivileged)",
    ),
    (
        {"appBootScript": "does/not/exist.sh"},
        "appBootScript",
        "does/not/exist.sh",
        "expected a readable UTF-8 script file (FileNotFoundError)",
    ),
    ({"appBootScript": " boot.sh"}, "appBootScript", " boot.sh", NO_STRAY_CHARACTERS),
    (
        {"appBootScript": _directory},
        "appBootScript",
        _directory,
        "expected a readable UTF-8 script file (IsADirectoryError)",
    ),
    (
        {"appBootScript": _latin1_script},
        "appBootScript",
        _latin1_script,
        "expected a readable UTF-8 script file (UnicodeDecodeError)",
    ),
    (
        {"appBootScript": _blank_script},
        "appBootScript",
        " \n\t\n",
        "expected a file with a boot script, or no setting",
    ),
    (
        {"healthCheckPath": "/health check"},
        "healthCheckPath",
        "/health check",
        "expected a path starting with / of at most 1024 visible ASCII characters (no spaces)",
    ),
    (
        {"healthCheckPath": "/" + "a" * 1024},
        "healthCheckPath",
        "/" + "a" * 1024,
        "expected a path starting with / of at most 1024 visible ASCII characters (no spaces)",
    ),
    ({"originHeaderName": "X-Origin-Verify\n"}, "originHeaderName", "X-Origin-Verify\n", NO_STRAY_CHARACTERS),
    ({"originHeaderName": "X-Origin Verify"}, "originHeaderName", "X-Origin Verify", HEADER),
    ({"originHeaderName": "x-amz-secret"}, "originHeaderName", "x-amz-secret", REFUSED_HEADER),
    ({"secretLength": "31"}, "secretLength", 31, "expected an integer from 32 to 128"),
    ({"secretLength": "4_8"}, "secretLength", "4_8", WHOLE),
    ({"secretSlots": ["v1", "v1"]}, "secretSlots", ["v1", "v1"], "expected each slot name once"),
    (
        {"secretSlots": []},
        "secretSlots",
        [],
        "expected 1 to 5 slots (an ALB listener rule condition takes at most 5 values)",
    ),
    (
        {"secretSlots": ["v1 "]},
        "secretSlots",
        "v1 ",
        "expected slot names of 1 to 16 lowercase letters, digits and '-' (e.g. v2)",
    ),
    ({"secretSlots": "v1"}, "secretSlots", "v1", "expected a list of strings in the stack file, e.g. [v1, v2]"),
    (
        {"activeSecretSlot": "V1"},
        "activeSecretSlot",
        "V1",
        "expected one of the accepted slots ['v1']: CloudFront must send a value the origin accepts",
    ),
    ({**TLS_ZONE, "originDomain": "10.0.0.1"}, "originDomain", "10.0.0.1", NOT_AN_ADDRESS),
    ({**TLS_ZONE, "originDomain": "::1"}, "originDomain", "::1", NOT_AN_ADDRESS),
    ({**TLS_ZONE, "originDomain": "origin.example.com."}, "originDomain", "origin.example.com.", DOMAIN_64),
    ({**TLS_ZONE, "originDomain": "origin"}, "originDomain", "origin", DOMAIN_64),
    ({**TLS_ZONE, "originDomain": "Origin.Example.com"}, "originDomain", "Origin.Example.com", DOMAIN_64),
    (
        {**TLS_ZONE, "hostedZoneId": "z0123456789abc"},
        "hostedZoneId",
        "z0123456789abc",
        "expected a Route 53 zone id such as Z0123456789ABC (Z and at most 31 upper-case letters and digits)",
    ),
    (
        {**TLS_ZONE, "certificateArn": CERTIFICATE},
        "originDomain",
        "origin.example.com",
        "set exactly one of hostedZoneId (to issue and validate a certificate) or certificateArn",
    ),
    (
        {"originDomain": "origin.example.com", "certificateArn": CERTIFICATE.replace("us-east-1", "eu-west-1")},
        "certificateArn",
        CERTIFICATE.replace("us-east-1", "eu-west-1"),
        "expected a certificate in the stack's region us-east-1 (the load balancer can only use certificates of "
        "its own region; this one is in eu-west-1)",
    ),
    (
        {"originDomain": "origin.example.com", "certificateArn": CERTIFICATE.upper()},
        "certificateArn",
        CERTIFICATE.upper(),
        "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
    ),
    (
        {"certificateArn": CERTIFICATE},
        "certificateArn",
        CERTIFICATE,
        "only used together with originDomain; set originDomain too",
    ),
    ({"originIpv6": "yes"}, "originIpv6", "yes", BOOL),
    ({"originIpv6": "True"}, "originIpv6", "True", BOOL),
    (
        {"architecture": "direct", "originIpv6": True},
        "originIpv6",
        True,
        "IPv6 to the origin needs architecture alb: CloudFront reaches the direct instance by its public DNS name, "
        "which has no IPv6 (AAAA) record, while a dual-stack ALB's name has one",
    ),
    (
        {"priceClass": "priceclass_100"},
        "priceClass",
        "priceclass_100",
        "expected one of PriceClass_100, PriceClass_200, PriceClass_All",
    ),
    ({"cachePolicy": "Managed-CachingDisabledd"}, "cachePolicy", "Managed-CachingDisabledd", MANAGED_CACHE),
    ({"cachePolicy": "managed-cachingdisabled"}, "cachePolicy", "managed-cachingdisabled", MANAGED_CACHE),
    (
        {"cachePolicy": "CachingDisabled"},
        "cachePolicy",
        "CachingDisabled",
        "expected Managed-CachingDisabled: AWS-managed policies are looked up by their full name, with the Managed- "
        "prefix",
    ),
    ({"cachePolicy": "my policy"}, "cachePolicy", "my policy", POLICY_SHAPE),
    (
        {"originRequestPolicy": "Managed-AllViewerExceptHost"},
        "originRequestPolicy",
        "Managed-AllViewerExceptHost",
        MANAGED_REQUEST,
    ),
    ({"originRequestPolicy": "a" * 129}, "originRequestPolicy", "a" * 129, POLICY_SHAPE),
    (
        {**NETWORK, "vpcId": "vpc-123"},
        "vpcId",
        "vpc-123",
        "expected a VPC id such as vpc-0123456789abcdef0",
    ),
    (
        {**NETWORK, "publicSubnetIds": ["subnet-0000000a", "subnet-0000000a"]},
        "publicSubnetIds",
        ["subnet-0000000a", "subnet-0000000a"],
        "expected each subnet once",
    ),
    (
        {**NETWORK, "privateSubnetIds": ["subnet-0000000b"]},
        "privateSubnetIds",
        ["subnet-0000000b"],
        "expected subnets that are not also in publicSubnetIds: the instances behind the load balancer must not sit "
        "in a public subnet",
    ),
    (
        {"privateSubnetIds": PRIVATE},
        "privateSubnetIds",
        PRIVATE,
        "only used together with vpcId; set vpcId too",
    ),
    ({"vpcCidr": "127.0.0.0/16"}, "vpcCidr", "127.0.0.0/16", CIDR_PRIVATE),
    ({"vpcCidr": "169.254.0.0/16"}, "vpcCidr", "169.254.0.0/16", CIDR_PRIVATE),
    ({"vpcCidr": "224.0.0.0/16"}, "vpcCidr", "224.0.0.0/16", CIDR_PRIVATE),
    ({"vpcCidr": "0.0.0.0/16"}, "vpcCidr", "0.0.0.0/16", CIDR_PRIVATE),
    ({"vpcCidr": "100.64.0.0/16"}, "vpcCidr", "100.64.0.0/16", CIDR_PRIVATE),
    ({"vpcCidr": "10.80.0.1/16"}, "vpcCidr", "10.80.0.1/16", CIDR_SHAPE),
    ({"vpcCidr": "10.80.0.0/255.255.0.0"}, "vpcCidr", "10.80.0.0/255.255.0.0", CIDR_SHAPE),
    ({"vpcCidr": "10.0.0.0/15"}, "vpcCidr", "10.0.0.0/15", CIDR_SHAPE),
    # Unused with an existing VPC, and still refused: a wrong value does not wait for a later switch.
    ({**NETWORK, "vpcCidr": "127.0.0.0/16"}, "vpcCidr", "127.0.0.0/16", CIDR_PRIVATE),
    ({"vpcEndpoints": "no"}, "vpcEndpoints", "no", BOOL),
    ({"amiId": "ami-0123"}, "amiId", "ami-0123", "expected an AMI id such as ami-0123456789abcdef0"),
    (
        {"amiId": "ami-0123456789ABCDEF0"},
        "amiId",
        "ami-0123456789ABCDEF0",
        "expected an AMI id such as ami-0123456789abcdef0",
    ),
    ({"waf": "1"}, "waf", "1", BOOL),
    (
        {"architecture": "direct", "waf": True},
        "waf",
        True,
        "a WAF web ACL attaches to the load balancer: it needs architecture alb",
    ),
    ({"waf": True, "wafRateLimit": "9"}, "wafRateLimit", 9, "expected an integer from 10 to 2000000000"),
    (
        {"waf": True, "wafRateLimit": "2000000001"},
        "wafRateLimit",
        2000000001,
        "expected an integer from 10 to 2000000000",
    ),
    ({"wafRateLimit": "100"}, "wafRateLimit", 100, "only used with waf: true; set waf too"),
    ({"tags": ["Team=R&D"]}, "tags", "Team=R&D", TAG_CHARACTERS),
    ({"tags": ["Env=dev", "Env=prod"]}, "tags", "Env", "expected each tag key once"),
    (
        {"tags": ["aws:owner=me"]},
        "tags",
        "aws:owner=me",
        "expected tag keys not starting with aws: (reserved for AWS)",
    ),
    (
        {"tags": ["Name=web"]},
        "tags",
        "Name",
        "expected keys other than the component's own (Name, Project, Stack, origin-lockdown:role), in any letter case",
    ),
    ({"tags": ["Env= dev"]}, "tags", "Env= dev", "expected tag values without leading or trailing whitespace"),
    ({"tags": ["=dev"]}, "tags", "=dev", "expected tag keys of 1 to 128 characters"),
    ({"tags": "Env=dev"}, "tags", "Env=dev", "expected a list of strings in the stack file, e.g. [v1, v2]"),
    ({"rotationGuard": "yes"}, "rotationGuard", "yes", BOOL),
    ({"rotationGuard": ""}, "rotationGuard", "", A_VALUE),
    ({"vpcOrigin": "yes"}, "vpcOrigin", "yes", BOOL),
    ({"vpcOrigin": ""}, "vpcOrigin", "", A_VALUE),
    (
        {"vpcOrigin": True, "originIpv6": True},
        "originIpv6",
        True,
        "with vpcOrigin CloudFront reaches the origin through its own network interface in your subnet, over IPv4 "
        "only; remove originIpv6",
    ),
    (
        {"secretRotationDays": 366},
        "secretRotationDays",
        366,
        "expected an integer from 0 to 365 (0 turns automatic rotation off)",
    ),
    (
        {"secretRotationDays": -1},
        "secretRotationDays",
        -1,
        "expected an integer from 0 to 365 (0 turns automatic rotation off)",
    ),
    # Monitoring (README "Monitoring"): each value on its own, used or not, then what needs monitoring on.
    ({"monitoring": "yes"}, "monitoring", "yes", BOOL),
    ({"monitoring": ""}, "monitoring", "", A_VALUE),
    *[({"alarmEmail": bad}, "alarmEmail", bad, ALARM_EMAIL) for bad in BAD_EMAILS],
    ({"alarmEmail": "ops@example.com\n"}, "alarmEmail", "ops@example.com\n", NO_STRAY_CHARACTERS),
    ({"monitoring": False, "alarmEmail": "ops"}, "alarmEmail", "ops", ALARM_EMAIL),
    ({"cloudfrontAdditionalMetrics": "on"}, "cloudfrontAdditionalMetrics", "on", BOOL),
    ({"cloudfrontAdditionalMetrics": True}, "cloudfrontAdditionalMetrics", True, MONITORING_ONLY),
    *[({"monitoring": True, "deployRoleArn": bad}, "deployRoleArn", bad, DEPLOY_ROLE) for bad in BAD_ROLE_ARNS],
    (
        {"deployRoleArn": "arn:aws:iam::123456789012:role/deploy"},
        "deployRoleArn",
        "arn:aws:iam::123456789012:role/deploy",
        MONITORING_ONLY,
    ),
    # Origin mutual TLS (README "Origin mutual TLS"): the value, then where it cannot work, architecture first.
    ({"originMtls": "on"}, "originMtls", "on", BOOL),
    ({"originMtls": ""}, "originMtls", "", A_VALUE),
    (
        {"architecture": "direct", "originMtls": True},
        "originMtls",
        True,
        "origin mutual TLS needs architecture alb: the listener verifies CloudFront's client certificate during the "
        "TLS handshake, and the direct instance has no HTTPS (an ACM certificate cannot be installed on an "
        "instance); use architecture alb with originDomain",
    ),
    (
        {"originMtls": True},
        "originMtls",
        True,
        "origin mutual TLS is part of the TLS handshake: it needs HTTPS to the origin; set originDomain (with "
        "hostedZoneId or certificateArn)",
    ),
    (
        {**TLS_ZONE, "originMtls": True, "vpcOrigin": True},
        "originMtls",
        True,
        "CloudFront does not support origin mutual TLS with VPC origins "
        "(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-enable-mtls-distributions.html; "
        "pulumi-aws 7.51 has origin_mtls_config only under a custom origin): choose vpcOrigin (nothing of the origin "
        "on the internet) or originMtls (a public origin that verifies CloudFront's certificate)",
    ),
    (
        {"originMtlsPrivateCaArn": "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x"},
        "originMtlsPrivateCaArn",
        "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x",
        "expected the ARN of an AWS Private CA certificate authority "
        "(arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/UUID), or no setting for the stack's own CA",
    ),
    (
        {"originMtlsPrivateCaArn": PRIVATE_CA},
        "originMtlsPrivateCaArn",
        PRIVATE_CA,
        "only used with originMtls: true; set originMtls too",
    ),
]


def _materialise(config: dict[str, Any], shown: Any, tmp: Path) -> tuple[dict[str, Any], Any]:
    config = {key: value(tmp) if callable(value) else value for key, value in config.items()}
    return config, shown(tmp) if callable(shown) else shown


def test_every_setting_is_tried_with_a_bad_value() -> None:
    tried = {key for config, _, _, _ in BAD_INPUTS for key in config}
    assert tried >= set(KNOWN_KEYS)
    assert len(BAD_INPUTS) >= 40


@pytest.mark.parametrize(("config", "key", "shown", "allowed"), BAD_INPUTS)
def test_a_bad_value_stops_the_program_before_any_resource(
    config: dict[str, Any], key: str, shown: Any, allowed: str, tmp_path: Path
) -> None:
    config, shown = _materialise(config, shown, tmp_path)
    with pytest.raises(ProgramError) as caught:
        run_program(config)
    assert str(caught.value) == f"invalid setting {key}: {shown!r} is not allowed; {allowed}"
    assert caught.value.run.resources == []


def test_an_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"archtecture": "direct"})
    assert str(caught.value).startswith(
        "invalid setting archtecture: '(set)' is not allowed; not a setting of this program; known settings: "
        "architecture, instanceType,"
    )
    assert caught.value.run.resources == []


@pytest.mark.parametrize(
    "key", ["Cloudfront-Origin-Lockdown:waf", "cloudfront_origin_lockdown:waf", "CLOUDFRONT-ORIGIN-LOCKDOWN:waf"]
)
def test_a_setting_in_the_projects_namespace_spelled_another_way_is_refused(key: str) -> None:
    """Pulumi hands the program only exact `<project>:` keys: this one would be read by nothing."""
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", key: True})
    assert str(caught.value) == (
        f"invalid setting {key}: '(set)' is not allowed; in namespace {key.split(':', maxsplit=1)[0]!r}, which nothing "
        "reads: this project's settings are cloudfront-origin-lockdown:<key> (here cloudfront-origin-lockdown:waf)"
    )
    assert caught.value.run.resources == []


def test_only_near_misses_of_the_project_namespace_are_refused() -> None:
    check_namespaces("shop", ["shop:waf", "aws:region", "random:x", "pulumi:template", "shopping:waf", "nocolon"])
    with pytest.raises(SettingError) as caught:
        check_namespaces("my-shop", ["aws:region", "My_Shop:waf"])
    assert caught.value.key == "My_Shop:waf"


@pytest.mark.parametrize(
    ("key", "value"),
    [("originHeaderName", "Authorization-Key-That-Is-Far-Too-Long-For-An-ALB"), ("architecture", "hunter2")],
)
def test_a_refused_setting_stored_encrypted_is_never_shown(key: str, value: str) -> None:
    def get(asked: str) -> str | None:
        return value if asked == key else None

    with pytest.raises(SettingError) as caught:
        load_settings(get, secret_keys=[key])
    assert str(caught.value).startswith(f"invalid setting {key}: [secret] is not allowed; expected ")
    assert value not in str(caught.value)
    with pytest.raises(SettingError) as shown:  # the same setting in plain text is shown as it is
        load_settings(get)
    assert repr(value) in str(shown.value)


def test_the_program_never_shows_a_refused_setting_stored_encrypted() -> None:
    value = "Not A Header Name"
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", "originHeaderName": value}, secret_keys=["originHeaderName"])
    assert str(caught.value).startswith("invalid setting originHeaderName: [secret] is not allowed; expected 1 to 40")
    assert value not in str(caught.value) and caught.value.run.resources == []


def test_a_refused_setting_stored_encrypted_is_hidden_whatever_its_type() -> None:
    """instanceCount is refused as a number (11), not as text: hidden all the same, and no crash."""

    def get(asked: str) -> str | None:
        return "11" if asked == "instanceCount" else None

    with pytest.raises(SettingError) as caught:
        load_settings(get, secret_keys=["instanceCount"])
    assert str(caught.value) == (
        "invalid setting instanceCount: [secret] is not allowed; expected an integer from 0 to 10 (0 means 2, one "
        "per Availability Zone)"
    )


def test_a_namespace_is_what_comes_before_the_first_colon() -> None:
    with pytest.raises(SettingError) as caught:
        check_namespaces("shop", ["Shop:a:b"])
    assert caught.value.key == "Shop:a:b" and "(here shop:a:b)" in caught.value.allowed


def test_rotation_days_default_to_off_and_reach_the_program() -> None:
    assert load_settings(lambda key: None).secret_rotation_days == 0
    assert load_settings(lambda key: "30" if key == "secretRotationDays" else None).secret_rotation_days == 30
