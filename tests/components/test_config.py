"""Reading stack settings: parsing, the key set kept in step with Pulumi.yaml, and the dev stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudfront_origin_lockdown.config import KNOWN_KEYS, load_args
from cloudfront_origin_lockdown.settings import OriginLockdownArgs, SettingError

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "cloudfront-origin-lockdown"


def getter(values: dict[str, Any]) -> Callable[[str], str | None]:
    def get(key: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    return get


def load(values: dict[str, Any]) -> OriginLockdownArgs:
    return load_args(getter(values), present_keys=list(values), project_dir=ROOT)


def project_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_pulumi_yaml_declares_exactly_the_keys_the_program_reads() -> None:
    declared = project_file()["config"]
    assert sorted(declared) == sorted(KNOWN_KEYS)
    python_types = {"string": str, "boolean": bool, "integer": int, "array": list}
    for key, spec in declared.items():
        assert {"type", "default", "description"} <= set(spec), key
        # The only types project config schemas allow:
        # https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options
        assert spec["type"] in python_types, key
        assert isinstance(spec["default"], python_types[spec["type"]]), key
        if spec["type"] == "array":
            assert spec["items"] == {"type": "string"}, key


def test_declared_defaults_are_a_valid_configuration() -> None:
    """Pulumi passes the declared defaults to the program: they alone must deploy."""
    defaults = {key: spec["default"] for key, spec in project_file()["config"].items()}
    args = load(defaults)
    assert args.architecture == "alb"
    assert args.origin_tls is None and args.network is None and args.waf is None


def test_dev_stack_is_valid() -> None:
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    values = {key.split(":", 1)[1]: value for key, value in stack.items() if key.startswith(f"{PROJECT}:")}
    args = load(values)
    assert args.architecture in ("alb", "direct")
    assert stack["aws:region"]


def test_tags_are_key_value_strings() -> None:
    assert load({"tags": ["Environment=dev", "Owner=team=web"]}).tags == {"Environment": "dev", "Owner": "team=web"}


def test_lists_accept_yaml_lists_and_comma_strings() -> None:
    assert load({"secretSlots": ["v1", "v2"]}).secret_slots == ("v1", "v2")
    assert load({"secretSlots": "v1, v2"}).secret_slots == ("v1", "v2")


def test_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(SettingError) as caught:
        load({"archtecture": "direct"})
    assert str(caught.value).startswith("invalid setting archtecture: '(set)' is not allowed; not a setting of this")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"appPort": "eighty"}, "invalid setting appPort: 'eighty' is not allowed; expected a whole number"),
        ({"originIpv6": "maybe"}, "invalid setting originIpv6: 'maybe' is not allowed; expected true or false"),
        (
            {"hostedZoneId": "Z0123456789ABC"},
            "invalid setting hostedZoneId: 'Z0123456789ABC' is not allowed; only used together with originDomain; "
            "set originDomain too",
        ),
        (
            {"publicSubnetIds": ["subnet-01234567"]},
            "invalid setting publicSubnetIds: ['subnet-01234567'] is not allowed; only used together with vpcId; "
            "set vpcId too",
        ),
        (
            {"wafRateLimit": 100},
            "invalid setting wafRateLimit: 100 is not allowed; only used with waf: true; set waf too",
        ),
        (
            {"tags": ["a"]},
            "invalid setting tags: ['a'] is not allowed; expected a list of Key=Value strings, e.g. [Environment=dev]",
        ),
        (
            {"appBootScript": "does/not/exist.sh"},
            "invalid setting appBootScript: 'does/not/exist.sh' is not allowed; expected a readable UTF-8 script "
            "file (FileNotFoundError)",
        ),
    ],
)
def test_parse_errors_name_key_and_value(values: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError) as caught:
        load(values)
    assert str(caught.value) == message


def test_boot_script_is_read_relative_to_the_project(tmp_path: Path) -> None:
    script = tmp_path / "boot.sh"
    script.write_text("#!/bin/bash\necho my app\n")
    args = load_args(getter({"appBootScript": "boot.sh"}), project_dir=tmp_path)
    assert args.app_boot_script == "#!/bin/bash\necho my app\n"


def test_tls_and_network_and_waf_settings_are_assembled() -> None:
    args = load(
        {
            "originDomain": "origin.example.com",
            "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef",
            "vpcId": "vpc-0123456789abcdef0",
            "publicSubnetIds": ["subnet-01234567", "subnet-12345678"],
            "privateSubnetIds": ["subnet-23456789"],
            "waf": True,
            "wafRateLimit": 2000,
        }
    )
    assert args.origin_tls is not None and args.origin_tls.certificate_arn is not None
    assert args.network is not None and args.network.private_subnet_ids == ("subnet-23456789",)
    assert args.waf is not None and args.waf.rate_limit == 2000
