"""The pack is a standard Python policy pack, and its example config fits the schemas it publishes."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.lockdown import config
from policy.lockdown.policies import PACK_NAME, build_policies

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
