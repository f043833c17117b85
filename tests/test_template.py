"""`pulumi new <repository url>`: the template section of Pulumi.yaml asks for what a new user must decide,
and whatever the answers among the offered choices, the new stack's configuration is valid."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from cloudfront_origin_lockdown.config import KNOWN_KEYS, load_settings

ROOT = Path(__file__).resolve().parents[1]


def project() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    return document


def test_the_template_describes_itself_and_prompts_only_known_settings() -> None:
    template = project()["template"]
    assert template["displayName"] and len(template["description"]) > 40
    prompts = template["config"]
    assert set(prompts) == {"aws:region", "architecture", "vpcOrigin", "secretRotationDays"}
    for key, prompt in prompts.items():
        assert key == "aws:region" or key in KNOWN_KEYS, key
        assert len(prompt["description"]) > 20, key
        # pulumi new offers the default as text and writes the answer as a config string.
        assert isinstance(prompt["default"], str), key


def test_every_answer_among_the_offered_choices_is_a_valid_stack() -> None:
    prompts = project()["template"]["config"]
    assert prompts["architecture"]["default"] == "alb" and prompts["vpcOrigin"]["default"] == "false"
    for architecture, vpc_origin, days in itertools.product(["alb", "direct"], ["false", "true"], ["0", "30"]):
        answers = {"architecture": architecture, "vpcOrigin": vpc_origin, "secretRotationDays": days}
        stack = load_settings(answers.get, present_keys=list(answers))
        assert stack.settings.architecture == architecture
        assert stack.settings.vpc_origin is (vpc_origin == "true")
        assert stack.secret_rotation_days == int(days) and stack.rotation_guard is True
    defaults = {key: prompt["default"] for key, prompt in prompts.items() if key != "aws:region"}
    assert load_settings(defaults.get, present_keys=list(defaults)).secret_rotation_days == 0
