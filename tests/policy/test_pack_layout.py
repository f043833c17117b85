"""The pack is a standard Python policy pack, and its example config fits the schemas it publishes."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lockdown import config
from lockdown.policies import PACK_NAME, build_policies

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def test_pulumi_policy_yaml() -> None:
    data = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert data["runtime"] == {"name": "python", "options": {"virtualenv": ".venv"}}
    assert isinstance(data["version"], str) and data["version"].count(".") == 2
    assert data["description"]


def test_requirements_keep_the_pins() -> None:
    lines = (POLICY_DIR / "requirements.txt").read_text().split()
    assert "pulumi==3.272.0" in lines
    assert "pulumi-policy==1.21.0" in lines


def test_main_only_installs_the_server_and_assembles_the_pack() -> None:
    tree = ast.parse((POLICY_DIR / "__main__.py").read_text())
    statements = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    statements = [n for n in statements if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert [
        ast.unparse(n.value.func) for n in statements if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
    ] == [
        "server.install",
        "PolicyPack",
    ]
    assert len(statements) == 2


def test_policy_names_levels_and_metadata() -> None:
    policies = build_policies()
    assert PACK_NAME == "cloudfront-origin-lockdown"
    names = [p.name for p in policies]
    assert len(set(names)) == len(names)
    for p in policies:
        assert p.name == p.name.lower() and " " not in p.name and "_" not in p.name  # kebab-case
        assert p.severity is not None and p.remediation_steps and p.config_schema is not None
        assert p.enforcement_level == config.ENFORCEMENT[p.name]
        for key, spec in p.config_schema.properties.items():
            assert "default" in spec, (p.name, key)


def _check(value: Any, spec: dict[str, Any], where: str) -> None:
    """A small JSON-schema subset check (type, enum, items, additionalProperties, minimum, maximum)."""
    types = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
    expected = types[spec["type"]]
    assert isinstance(value, expected), where
    if "enum" in spec:
        assert value in spec["enum"], where
    if "minimum" in spec:
        assert value >= spec["minimum"], where
    if "maximum" in spec:
        assert value <= spec["maximum"], where
    if isinstance(value, list) and "items" in spec:
        for i, item in enumerate(value):
            _check(item, spec["items"], f"{where}[{i}]")
    if isinstance(value, dict) and "additionalProperties" in spec:
        for k, v in value.items():
            _check(v, spec["additionalProperties"], f"{where}.{k}")


@pytest.mark.parametrize("name", list(config.SCHEMAS))
def test_example_config_and_defaults_fit_the_schema(name: str) -> None:
    example = json.loads((POLICY_DIR / "policy-config.json").read_text())
    assert set(example) == set(config.SCHEMAS)
    entry = dict(example[name])
    assert entry.pop("enforcementLevel") in {"advisory", "mandatory", "disabled", "remediate"}
    for key, value in entry.items():
        assert key in config.SCHEMAS[name], (name, key)
        _check(value, config.SCHEMAS[name][key], f"{name}.{key}")
    for key, spec in config.SCHEMAS[name].items():
        _check(spec["default"], spec, f"{name}.{key} (default)")
    assert config.settings(name, entry) == {**config.settings(name, None), **entry}


# -- what the pack publishes ----------------------------------------------------------------------------------------
#
# The CLI shows and validates against what GetAnalyzerInfo answers: names, enforcement levels, severities, tags,
# descriptions, remediation steps and config schemas (with their defaults). They are the pack's interface, so a
# change to any of them is deliberate: regenerate the file with `.venv/bin/python -m tests.policy.test_pack_layout`
# and review the diff.

PACK_INFO = Path(__file__).with_name("pack_info.json")


def analyzer_info() -> dict[str, Any]:
    from google.protobuf import json_format
    from pulumi_policy import EnforcementLevel

    from lockdown.server import SharedStackServicer

    servicer = SharedStackServicer(PACK_NAME, "0.0.1", build_policies(), EnforcementLevel.ADVISORY)
    info: dict[str, Any] = json_format.MessageToDict(servicer.GetAnalyzerInfo(None, None))
    return info


def test_published_policies_are_the_reviewed_ones() -> None:
    assert analyzer_info() == json.loads(PACK_INFO.read_text())


def test_settings_fill_defaults_and_ignore_the_rest() -> None:
    name = config.PREFIX_QUOTA
    defaults = config.settings(name, None)
    assert defaults == {key: spec["default"] for key, spec in config.SCHEMAS[name].items()}
    assert config.settings(name, {}) == defaults
    got = config.settings(name, {"rulesPerSecurityGroup": 100, "scope": None, "unknown": 1})
    assert got == {**defaults, "rulesPerSecurityGroup": 100}
    got["prefixListWeights"]["x"] = 1  # the caller's copy: the defaults stay as published
    got["originSecurityGroupIds"].append("sg-1")
    assert config.settings(name, None) == defaults and "x" not in config.SCHEMAS[name]["prefixListWeights"]["default"]
    assert config.schema(name).properties is config.SCHEMAS[name]


if __name__ == "__main__":
    PACK_INFO.write_text(json.dumps(analyzer_info(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {PACK_INFO}")
