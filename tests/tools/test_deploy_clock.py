"""One clock per deploy: `make up` and `make preview` (scripts/deploy.sh) pin the time the program plans the
rotation with, for the preview and the update alike; the deploy workflow pins it once per job."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from tests.script_sandbox import REPO, Sandbox, make_sandbox, sandbox_base

SCRIPT = "scripts/deploy.sh"
# A stand-in pulumi that records the pin it was started with.
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $1 | pin=${ORIGIN_LOCKDOWN_DEPLOY_TIME:-}" >> "$CALLS"
[ "$1" = "whoami" ] && exit 1
exit 0
"""
STAND_INS = {"scripts/setup.sh": "#!/bin/sh\nexit 0\n", ".venv/bin/python": "#!/bin/sh\nexit 0\n"}
PIN = re.compile(r"pin=(\S*)")


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with sandbox_base() as base:
        sandbox = make_sandbox(base, (SCRIPT,))
        (sandbox.bin / "pulumi").write_text(FAKE_PULUMI)
        (sandbox.bin / "pulumi").chmod(0o755)
        for relative, text in STAND_INS.items():
            path = sandbox.repo / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o755)
        sandbox.env.update(AWS_PROFILE="sandbox", PULUMI_CONFIG_PASSPHRASE="test-only")
        yield sandbox


@pytest.mark.parametrize("action", ["up", "preview"])
def test_make_up_and_preview_pin_the_clock_once(box: Sandbox, action: str) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = box.run(SCRIPT, action, "dev")
    assert result.code == 0, result.output
    [pin] = {match.group(1) for call in result.calls if (match := PIN.search(call))} - {""}
    stamped = datetime.strptime(pin, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= stamped <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert any(call.startswith(f"pulumi {action} | pin={pin}") for call in result.calls)


def test_a_stale_pin_from_the_shell_is_replaced_and_said_so(box: Sandbox) -> None:
    """A pin exported for an earlier bare `pulumi up` (README) must not plan this deploy at that old time."""
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = box.run(SCRIPT, "up", "dev", extra_env={"ORIGIN_LOCKDOWN_DEPLOY_TIME": "2026-03-02T06:17:00Z"})
    assert result.code == 0, result.output
    [pin] = {match.group(1) for call in result.calls if call.startswith("pulumi up") and (match := PIN.search(call))}
    assert datetime.strptime(pin, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) >= before
    assert (
        f"Ignoring ORIGIN_LOCKDOWN_DEPLOY_TIME=2026-03-02T06:17:00Z from your shell: this deploy's clock is pinned to "
        f"{pin}." in result.output
    )


def test_destroy_and_verify_pin_nothing(box: Sandbox) -> None:
    for action in ("destroy", "verify"):
        result = box.run(SCRIPT, action, "dev")
        assert all(call.endswith("pin=") for call in result.calls if call.startswith("pulumi ")), result.calls


def test_the_deploy_workflow_pins_the_clock_before_pulumi_up() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "deploy-stack.yml").read_text())
    [job] = workflow["jobs"].values()
    steps: list[dict[str, str]] = job["steps"]
    [pin_at] = [i for i, step in enumerate(steps) if "ORIGIN_LOCKDOWN_DEPLOY_TIME=" in str(step.get("run"))]
    [up_at] = [i for i, step in enumerate(steps) if str(step.get("uses", "")).startswith("pulumi/actions@")]
    assert pin_at < up_at
    assert steps[pin_at]["run"] == 'echo "ORIGIN_LOCKDOWN_DEPLOY_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$GITHUB_ENV"'
    assert steps[pin_at]["if"] == steps[up_at]["if"]


def test_the_scheduled_rotation_deploys_through_that_workflow() -> None:
    text = (REPO / ".github" / "workflows" / "rotate-secret.yml").read_text()
    assert "uses: ./.github/workflows/deploy-stack.yml" in text
