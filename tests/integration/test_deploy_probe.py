"""Deploy a throwaway stack to AWS, probe it from outside, destroy it (needs AWS and the Pulumi CLI).

Each architecture gets a stack with a unique name (``itest-<architecture>-<random>``) of the project at
the repository root (a local program workspace), with the policy pack enforced on `up`. Whatever
happens in `up` or the probe, the stack is destroyed and removed in a ``finally``; if the destroy
itself fails, the stack is kept (removing it would forget resources that still exist) and the failure
names it so you can run ``pulumi destroy --stack NAME``.

State goes to $PULUMI_BACKEND_URL, else the backend you are logged in to, else .state/ of this checkout
(like scripts/deploy.sh). With a self-managed backend and no PULUMI_CONFIG_PASSPHRASE, the throwaway
stack uses a fixed passphrase, so it can still be destroyed by hand after a crash.

    AWS_PROFILE=sandbox AWS_REGION=us-east-1 .venv/bin/python -m pytest tests/integration -m aws -s

The cleanup logic itself is tested here without AWS, against a fake automation API.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools import verify_origin as vo

REPO = Path(__file__).resolve().parents[2]
PROJECT = "cloudfront-origin-lockdown"
THROWAWAY_PASSPHRASE = "integration-test-throwaway-stack"
# A fresh distribution can take minutes to answer at every edge: allow up to 10 minutes.
PROBE = vo.ProbeOptions(attempts=12, backoff=5.0, max_backoff=60.0, max_wait=600.0)


def aws_credentials() -> str | None:
    """Where AWS credentials would come from (checked without boto3), or None."""
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        if os.environ.get(variable):
            return f"${variable}"
    path = Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials")
    return str(path) if path.is_file() else None


def skip_reason() -> str | None:
    missing = []
    if aws_credentials() is None:
        missing.append(
            "AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE or ~/.aws/credentials)"
        )
    if shutil.which("pulumi") is None:
        missing.append("the Pulumi CLI on PATH")
    return "deploys to AWS; needs " + " and ".join(missing) if missing else None


def workspace_env() -> dict[str, str]:
    """Backend and passphrase for the throwaway stack (see the module docstring)."""
    env: dict[str, str] = {}
    backend = os.environ.get("PULUMI_BACKEND_URL", "")
    if not backend:
        logged_in = subprocess.run(["pulumi", "whoami"], capture_output=True, text=True, timeout=60, check=False)
        if logged_in.returncode != 0:
            (REPO / ".state").mkdir(exist_ok=True)
            backend = env["PULUMI_BACKEND_URL"] = f"file://{REPO / '.state'}"
    self_managed = bool(backend) and not backend.startswith(("https://", "http://"))
    has_passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE") or os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if self_managed and not has_passphrase:
        env["PULUMI_CONFIG_PASSPHRASE"] = THROWAWAY_PASSPHRASE
    return env


def deploy_probe_destroy(
    architecture: str,
    region: str,
    create_stack: Callable[[str], Any],
    config_value: Callable[[str], Any],
    probe: Callable[[vo.StackOutputs], list[vo.CheckResult]] = lambda outputs: vo.probe(outputs, PROBE),
) -> str:
    """Create, up, probe; then always destroy and remove. Returns the probe's report; raises on failure."""
    name = f"itest-{architecture}-{uuid.uuid4().hex[:8]}"
    stack = create_stack(name)
    output: list[str] = []
    try:
        stack.set_config("aws:region", config_value(region))
        stack.set_config(f"{PROJECT}:architecture", config_value(architecture))
        up = stack.up(
            policy_packs=[str(REPO / "policy")],
            show_secrets=False,  # the engine's output is kept for failure messages: secrets stay masked
            on_output=output.append,
            message=f"integration test {name}",
        )
        outputs = vo.parse_outputs({key: value.value for key, value in up.outputs.items()})
        assert outputs.architecture == architecture
        checks = probe(outputs)
        code = vo.verdict(checks)
        report = vo.render_text(checks, code, outputs, f"stack {name}")
        assert code == vo.EXIT_OK, report
        return report
    finally:
        destroyed = False
        try:
            stack.destroy(show_secrets=False, on_output=output.append, message=f"integration test {name} cleanup")
            destroyed = True
        finally:
            if destroyed:
                stack.workspace.remove_stack(name)
                (REPO / f"Pulumi.{name}.yaml").unlink(missing_ok=True)
            else:
                tail = "\n".join(output[-40:])
                pytest.fail(f"destroy of stack {name} failed; it is kept: run `pulumi destroy --stack {name}`\n{tail}")


@pytest.mark.aws
@pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
@pytest.mark.parametrize("architecture", ["direct", "alb"])
def test_deploy_probe_destroy(architecture: str) -> None:
    from pulumi import automation as auto

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    options = auto.LocalWorkspaceOptions(work_dir=str(REPO), env_vars=workspace_env())

    def create(name: str) -> auto.Stack:
        return auto.create_stack(name, work_dir=str(REPO), opts=options)

    print(deploy_probe_destroy(architecture, region, create, auto.ConfigValue))


# --- the cleanup, without AWS --------------------------------------------------------------------


class FakeOutput:
    def __init__(self, value: object) -> None:
        self.value = value


class FakeStack:
    def __init__(self, name: str, events: list[str], fail: str, architecture: str) -> None:
        self.name, self.events, self.fail, self.architecture = name, events, fail, architecture
        self.workspace = self

    def set_config(self, key: str, value: str) -> None:
        self.events.append(f"config {key}")

    def up(self, **kwargs: Any) -> Any:
        self.events.append("up")
        assert kwargs["show_secrets"] is False and kwargs["policy_packs"] == [str(REPO / "policy")]
        if self.fail == "up":
            raise RuntimeError("up failed")
        outputs = {
            "architecture": self.architecture,
            "url": "https://d111111abcdef8.cloudfront.net/",
            "originUrl": "http://ec2-203-0-113-10.compute-1.amazonaws.com:80/",
            "originHeaderName": "X-Origin-Verify",
        }
        return type("UpResult", (), {"outputs": {key: FakeOutput(value) for key, value in outputs.items()}})()

    def destroy(self, **kwargs: Any) -> None:
        self.events.append("destroy")
        assert kwargs["show_secrets"] is False
        if self.fail == "destroy":
            raise RuntimeError("destroy failed")

    def remove_stack(self, name: str) -> None:
        assert name == self.name
        self.events.append("remove")


def fake_probe(open_origin: bool) -> Callable[[vo.StackOutputs], list[vo.CheckResult]]:
    def probe(outputs: vo.StackOutputs) -> list[vo.CheckResult]:
        origin = vo.Outcome(status=200) if open_origin else vo.Outcome(error=vo.TIMEOUT, detail="timed out")
        return [
            vo.cloudfront_check(outputs.url, vo.Outcome(status=200), 1),
            vo.origin_check("origin-no-header", outputs.origin_url, origin),
            vo.origin_check("origin-wrong-header", outputs.origin_url, origin),
        ]

    return probe


@pytest.mark.parametrize(
    ("fail", "open_origin", "expected", "error"),
    [
        ("", False, ["up", "destroy", "remove"], None),
        ("up", False, ["up", "destroy", "remove"], "up failed"),
        ("", True, ["up", "destroy", "remove"], "verdict: OPEN"),
        ("destroy", False, ["up", "destroy"], "it is kept: run `pulumi destroy --stack itest-direct-"),
    ],
)
def test_the_stack_is_always_cleaned_up(fail: str, open_origin: bool, expected: list[str], error: str | None) -> None:
    events: list[str] = []
    stacks: list[FakeStack] = []

    def create(name: str) -> FakeStack:
        assert name.startswith("itest-direct-") and len(name) == len("itest-direct-") + 8
        stacks.append(FakeStack(name, events, fail, "direct"))
        return stacks[-1]

    def run() -> str:
        return deploy_probe_destroy("direct", "us-east-1", create, str, fake_probe(open_origin))

    if error is None:
        report = run()
        assert "verdict: LOCKED" in report
    else:
        with pytest.raises(BaseException) as raised:  # pytest.fail raises a BaseException
            run()
        assert error in str(raised.value)
    assert [event for event in events if not event.startswith("config")] == expected
    assert events[:2] == ["config aws:region", f"config {PROJECT}:architecture"]
    assert not (REPO / f"Pulumi.{stacks[0].name}.yaml").exists()
