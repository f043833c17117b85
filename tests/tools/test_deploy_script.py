"""scripts/deploy.sh (make up/preview/destroy) against a stand-in `pulumi` that records its calls."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_PULUMI = """#!/bin/sh
echo "$* | backend=${PULUMI_BACKEND_URL:-}" >> "$CALLS"
[ "$1" = "whoami" ] && exit "${WHOAMI_EXIT:-1}"
exit 0
"""


def run_deploy(
    tmp_path: Path, *args: str, whoami_exit: int = 1, with_pulumi: bool = True
) -> tuple[int, str, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if with_pulumi:
        fake = bin_dir / "pulumi"
        fake.write_text(FAKE_PULUMI)
        fake.chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CALLS": str(calls),
        "WHOAMI_EXIT": str(whoami_exit),
        "AWS_PROFILE": "sandbox",
        "PULUMI_CONFIG_PASSPHRASE": "test-only",
    }
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "deploy.sh"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    return result.returncode, result.stdout + result.stderr, lines


def test_not_logged_in_uses_local_state_and_the_policy_pack(tmp_path: Path) -> None:
    code, output, calls = run_deploy(tmp_path, "preview", "dev")
    assert code == 0, output
    assert "using local state in .state/" in output
    local = f"backend=file://{ROOT}/.state"
    assert calls == [
        "whoami | backend=",
        f"stack select dev --create | {local}",
        f"preview --stack dev --policy-pack policy --diff | {local}",
    ]


def test_logged_in_keeps_the_users_backend(tmp_path: Path) -> None:
    code, output, calls = run_deploy(tmp_path, "up", "prod", whoami_exit=0)
    assert code == 0, output
    assert calls[-1] == "up --stack prod --policy-pack policy | backend="


def test_without_the_cli_the_error_says_how_to_get_it(tmp_path: Path) -> None:
    if any((Path(d) / "pulumi").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("a system-wide pulumi is installed")
    code, output, _ = run_deploy(tmp_path, "up", "dev", with_pulumi=False)
    assert code == 2
    assert "the Pulumi CLI is not installed" in output


def test_unknown_action_is_refused_before_anything_runs(tmp_path: Path) -> None:
    code, output, calls = run_deploy(tmp_path, "deploy", "dev", whoami_exit=0)
    assert code == 2
    assert "unknown action deploy (expected up, preview or destroy)" in output
    assert calls == []


@pytest.fixture(autouse=True)
def _keep_state_dir_clean() -> Iterator[None]:
    """The script creates .state/ in the checkout when not logged in; leave it as it was."""
    existed = (ROOT / ".state").exists()
    yield
    if not existed and (ROOT / ".state").exists() and not any((ROOT / ".state").iterdir()):
        os.rmdir(ROOT / ".state")
