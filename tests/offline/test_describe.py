"""The offline check's tree: security-relevant facts per resource, never a secret value."""

from __future__ import annotations

import json

import pytest

from offline.describe import render_tree, short_type, tree_json
from offline.mocks import run_program
from offline.snapshot import ProgramRun, reveal


@pytest.fixture(scope="module", params=["alb", "direct"])
def program(request: pytest.FixtureRequest) -> ProgramRun:
    return run_program({"architecture": request.param, "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"})


def secrets_of(program: ProgramRun) -> list[str]:
    return [reveal(p.outputs)["result"] for p in program.of_type("random:index/randomPassword:RandomPassword")]


def test_tree_has_one_line_per_resource_nested_under_the_component(program: ProgramRun) -> None:
    lines = render_tree(program)
    assert len(lines) == len(program.resources)
    assert lines[0].startswith("cloudfront-origin-lockdown:index:OriginLockdown origin")
    assert all(line.startswith("  ") for line in lines[1:])


def test_tree_shows_who_may_connect(program: ProgramRun) -> None:
    text = "\n".join(render_tree(program))
    assert "ingress tcp 80 from pl-3b927c52 on origin-origin-ipv4" in text
    assert "IMDSv2: required" in text and "key pair: none" in text
    assert "X-Origin-Verify: [secret]" in text
    if program.of_type("aws:lb/listener:Listener"):
        assert "HTTP :80, default: fixed-response 403" in text
        assert "header X-Origin-Verify in 2 [secret] value(s) -> forward" in text
        assert "ingress tcp 8080 from sg origin-origin-ipv4 on origin-app" in text
    else:
        assert "public IP: yes" in text
        assert "(SecureString, value [secret])" in text


def test_no_secret_value_is_printed_or_serialised(program: ProgramRun) -> None:
    secrets = secrets_of(program)
    assert len(secrets) == 2
    rendered = "\n".join(render_tree(program)) + json.dumps(tree_json(program))
    assert all(secret not in rendered for secret in secrets)


def test_preview_names_unknowns_instead_of_printing_sentinels() -> None:
    program = run_program({"architecture": "direct"}, preview=True)
    text = "\n".join(render_tree(program))
    assert "04da6b54" not in text
    assert "(known after deploy)" in text


def test_short_type() -> None:
    assert short_type("aws:ec2/instance:Instance") == "aws:ec2:Instance"
    assert short_type("pulumi:pulumi:Stack") == "pulumi:pulumi:Stack"
