"""scripts/deploy.sh (make up/preview/destroy/verify/integration) in a sandbox with stand-ins.

Stand-ins for `pulumi`, for scripts/setup.sh and for the virtualenv's python record their calls
(tests/script_sandbox.py): the order shows that every prerequisite is checked before anything is
installed, and that nothing is installed when one is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.integration import test_deploy_probe
from tests.script_sandbox import REPO, Sandbox, make_sandbox, sandbox_base

SCRIPT = "scripts/deploy.sh"
CHECK, SETUP = "setup --python-only --check", "setup --python-only"
PULUMI_LINE = (
    "  - the Pulumi CLI (pulumi on PATH): install it from https://www.pulumi.com/docs/install/ "
    "(e.g. curl -fsSL https://get.pulumi.com | sh), then open a new shell"
)
PYTHON_LINE = "  - Python 3.10 or newer (python3 is 3.9): install it, or set PYTHON=/path/to/python3.10"
CREDENTIALS_LINE = (
    "  - AWS credentials for a throwaway account: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or AWS_WEB_IDENTITY_TOKEN_FILE), or write ~/.aws/credentials (aws configure)"
)
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $* | backend=${PULUMI_BACKEND_URL:-}" >> "$CALLS"
[ "$1" = "whoami" ] && exit "${WHOAMI_EXIT:-1}"
# The first $DESTROY_FAILS destroys fail (what CloudFront leaves behind a VPC origin, say).
if [ "$1" = "destroy" ] && [ -n "${DESTROY_FAILS:-}" ]; then
  n=$(($(cat "$CALLS.destroys" 2>/dev/null || echo 0) + 1)); echo "$n" > "$CALLS.destroys"
  [ "$n" -le "$DESTROY_FAILS" ] && exit 255
fi
# The first $UP_FAILS ups fail (a 409 on the old VPC origin at the end of a switch, say).
if [ "$1" = "up" ] && [ -n "${UP_FAILS:-}" ]; then
  n=$(($(cat "$CALLS.ups" 2>/dev/null || echo 0) + 1)); echo "$n" > "$CALLS.ups"
  [ "$n" -le "$UP_FAILS" ] && exit 255
fi
exit 0
"""
# scripts/setup.sh: --check prints $SETUP_MISSING (and exits 2) when set; otherwise "installs".
FAKE_SETUP = """#!/bin/sh
echo "setup $*" >> "$CALLS"
case "$*" in
  *--check*) [ -n "${SETUP_MISSING:-}" ] && { echo "$SETUP_MISSING"; exit 2; }; exit 0 ;;
esac
exit 0
"""
FAKE_VENV_PYTHON = """#!/bin/sh
echo "python $* | backend=${PULUMI_BACKEND_URL:-}" >> "$CALLS"
exit "${PYTHON_EXIT:-0}"
"""


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with sandbox_base() as base:
        sandbox = make_sandbox(base, (SCRIPT,))
        for path, text in (
            (sandbox.bin / "pulumi", FAKE_PULUMI),
            (sandbox.repo / "scripts" / "setup.sh", FAKE_SETUP),
            (sandbox.repo / ".venv" / "bin" / "python", FAKE_VENV_PYTHON),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o755)
        sandbox.env.update(AWS_PROFILE="sandbox", PULUMI_CONFIG_PASSPHRASE="test-only")
        yield sandbox


def local_backend(box: Sandbox) -> str:
    return f"backend=file://{box.repo}/.state"


def test_not_logged_in_uses_local_state_and_the_policy_pack(box: Sandbox) -> None:
    result = box.run(SCRIPT, "preview", "dev")
    assert result.code == 0, result.output
    assert "using local state in .state/" in result.output
    local = local_backend(box)
    assert result.calls == [
        CHECK,
        SETUP,
        "pulumi whoami | backend=",
        f"pulumi stack select dev --create | {local}",
        f"pulumi preview --stack dev --policy-pack policy --diff | {local}",
    ]


@pytest.mark.parametrize(("ci", "expected"), [("", "pulumi up --stack prod --policy-pack policy"), ("true", None)])
def test_logged_in_keeps_the_users_backend_and_up_asks_unless_ci(box: Sandbox, ci: str, expected: str | None) -> None:
    result = box.run(SCRIPT, "up", "prod", extra_env={"WHOAMI_EXIT": "0", "CI": ci})
    assert result.code == 0, result.output
    assert result.calls[-1] == f"{expected or 'pulumi up --stack prod --policy-pack policy --yes'} | backend="
    assert not (box.repo / ".state").exists()


@pytest.mark.parametrize("ci", ["", "true"])
def test_destroy_always_asks_and_never_creates_a_stack(box: Sandbox, ci: str) -> None:
    result = box.run(SCRIPT, "destroy", "dev", extra_env={"CI": ci})
    assert result.code == 0, result.output
    local = local_backend(box)
    assert result.calls == [CHECK, SETUP, "pulumi whoami | backend=", f"pulumi destroy --stack dev | {local}"]


@pytest.mark.parametrize("probe_exit", [0, 3])
def test_verify_reads_the_same_backend_and_keeps_the_probes_exit_code(box: Sandbox, probe_exit: int) -> None:
    result = box.run(SCRIPT, "verify", "dev", extra_env={"PYTHON_EXIT": str(probe_exit)})
    assert result.code == probe_exit, result.output
    local = local_backend(box)
    assert result.calls == [
        CHECK,
        SETUP,
        "pulumi whoami | backend=",
        f"python -m tools.verify_origin --stack dev | {local}",
    ]


def test_integration_runs_the_aws_tests_and_prints_skip_reasons(box: Sandbox) -> None:
    result = box.run(SCRIPT, "integration")
    assert result.code == 0, result.output
    assert result.calls == [
        CHECK,
        SETUP,
        "python -m pytest tests/integration -m aws -s -o addopts= -rs --strict-markers | backend=",
    ]


@pytest.mark.parametrize(
    ("action", "pulumi", "python_missing", "credentials", "lines"),
    [
        ("up", False, False, True, [PULUMI_LINE]),
        ("preview", False, True, True, [PULUMI_LINE, PYTHON_LINE]),
        ("destroy", False, False, True, [PULUMI_LINE]),
        ("verify", False, False, False, [PULUMI_LINE]),
        ("up", True, True, True, [PYTHON_LINE]),
        ("integration", True, False, False, [CREDENTIALS_LINE]),
        ("integration", False, True, False, [PULUMI_LINE, CREDENTIALS_LINE, PYTHON_LINE]),
    ],
)
def test_missing_prerequisites_are_all_named_before_anything_is_installed(
    box: Sandbox, action: str, pulumi: bool, python_missing: bool, credentials: bool, lines: list[str]
) -> None:
    if not pulumi:
        box.remove("pulumi")
    env = {"SETUP_MISSING": PYTHON_LINE if python_missing else ""}
    if not credentials:
        env["AWS_PROFILE"] = ""
    result = box.run(SCRIPT, action, "dev", extra_env=env)
    assert result.code == 2
    assert result.output.splitlines() == [
        f"error: cannot run make {action} yet; missing:",
        *lines,
        "Nothing was installed or changed.",
    ]
    assert result.calls == [CHECK]
    assert not (box.repo / ".state").exists()


def test_no_visible_credentials_only_warn_for_up(box: Sandbox) -> None:
    """Instance roles, containers and SSO profiles need none of the files and variables checked."""
    result = box.run(SCRIPT, "up", "dev", extra_env={"AWS_PROFILE": ""})
    assert result.code == 0, result.output
    assert "warning: no AWS credentials visible" in result.output
    assert result.calls[:2] == [CHECK, SETUP]


@pytest.mark.parametrize(
    "setting",
    [
        {"AWS_PROFILE": "sandbox"},
        {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"},
        {"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"},
        {"AWS_SHARED_CREDENTIALS_FILE": "file"},
        {"AWS_SHARED_CREDENTIALS_FILE": "missing"},
        {"HOME_CREDENTIALS": "yes"},
        {"HOME_CONFIG": "yes"},
        {},
    ],
    ids=lambda setting: ",".join(setting) or "nothing",
)
def test_integration_needs_credentials_exactly_where_its_test_would_skip(
    box: Sandbox, setting: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script's check and tests/integration's skip condition agree, case by case."""
    home = box.base / "home"
    env = {"AWS_PROFILE": ""}
    for key, value in setting.items():
        if key == "HOME_CREDENTIALS":
            (home / ".aws").mkdir()
            (home / ".aws" / "credentials").write_text("[default]\n")
        elif key == "HOME_CONFIG":
            (home / ".aws").mkdir()
            (home / ".aws" / "config").write_text("[default]\n")
        elif key == "AWS_SHARED_CREDENTIALS_FILE":
            path = box.base / value
            if value == "file":
                path.write_text("[default]\n")
            env[key] = str(path)
        else:
            env[key] = value
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(variable, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home))
    result = box.run(SCRIPT, "integration", extra_env=env)
    script_says_missing = CREDENTIALS_LINE in result.output.splitlines()
    assert script_says_missing == (test_deploy_probe.aws_credentials() is None), result.output


def test_unknown_action_is_refused_before_anything_runs(box: Sandbox) -> None:
    result = box.run(SCRIPT, "deploy", "dev", extra_env={"WHOAMI_EXIT": "0"})
    assert result.code == 2
    assert "unknown action deploy (expected up, preview, destroy, verify or integration)" in result.output
    assert result.calls == []


@pytest.mark.parametrize("target", ["up", "preview", "destroy", "verify", "integration"])
def test_make_targets_go_straight_to_the_script_that_checks_first(target: str) -> None:
    """No make prerequisite (such as setup-python) may install anything before the check runs."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-n", "-C", str(REPO), target, "STACK=s"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("make")]
    assert lines == [f"bash scripts/deploy.sh {target}" + ("" if target == "integration" else " s")]


@pytest.mark.parametrize(
    "login",
    [{"PULUMI_ACCESS_TOKEN": "pul-expired"}, {"CREDENTIALS": '{"current": "https://api.pulumi.com"}'}],
    ids=["token", "credentials-file"],
)
def test_a_failing_backend_you_are_logged_in_to_stops_instead_of_deploying_a_local_copy(
    box: Sandbox, login: dict[str, str]
) -> None:
    """An expired token or no network must not fall back to .state/: that deploys a second copy of the stack."""
    extra = {k: v for k, v in login.items() if k != "CREDENTIALS"}
    if "CREDENTIALS" in login:
        home = box.base / "home" / ".pulumi"
        home.mkdir(parents=True, exist_ok=True)
        (home / "credentials.json").write_text(login["CREDENTIALS"])
    result = box.run(SCRIPT, "up", "dev", extra_env=extra)
    assert result.code == 2, result.output
    assert "error: pulumi whoami failed although you are logged in to a Pulumi backend" in result.output
    assert result.calls == [CHECK, SETUP, "pulumi whoami | backend="]
    assert not (box.repo / ".state").exists()


@pytest.mark.parametrize(
    ("fails", "cleanup_exit", "code", "destroys", "cleanups"),
    [
        (1, 0, 0, 2, 1),  # CloudFront let go: the second destroy finishes
        (2, 0, 0, 3, 2),  # two rounds (a 409, then CloudFront's interfaces)
        (5, 0, 255, 3, 2),  # at most three destroys
        (1, 3, 255, 1, 1),  # nothing of CloudFront's in the way: the destroy's own failure stands
        (1, 4, 255, 1, 1),  # CloudFront did not let go in time
    ],
)
def test_destroy_cleans_up_after_cloudfront_and_asks_again(
    box: Sandbox, fails: int, cleanup_exit: int, code: int, destroys: int, cleanups: int
) -> None:
    result = box.run(
        SCRIPT, "destroy", "dev", extra_env={"DESTROY_FAILS": str(fails), "PYTHON_EXIT": str(cleanup_exit)}
    )
    assert result.code == code, result.output
    local = local_backend(box)
    assert result.calls[:3] == [CHECK, SETUP, "pulumi whoami | backend="]
    rounds = result.calls[3:]
    assert rounds.count(f"pulumi destroy --stack dev | {local}") == destroys
    assert rounds.count(f"python -m tools.vpc_origin_cleanup --stack dev | {local}") == cleanups
    # Always: a destroy, then a cleanup before each further destroy; never --yes.
    assert rounds[0] == f"pulumi destroy --stack dev | {local}"
    assert all("--yes" not in call for call in rounds)


@pytest.mark.parametrize(
    ("fails", "cleanup_exit", "code", "ups", "cleanups"),
    [
        (0, 0, 0, 1, 0),  # an ordinary up: no cleanup
        (1, 0, 0, 2, 1),  # the old VPC origin answered 409: deleted by the cleanup, the second up finishes
        (5, 0, 255, 3, 2),  # at most three ups
        (1, 3, 255, 1, 1),  # nothing of CloudFront's in the way (or the update was declined): its failure stands
    ],
)
def test_up_cleans_up_after_cloudfront_at_the_end_of_a_switch_and_asks_again(
    box: Sandbox, fails: int, cleanup_exit: int, code: int, ups: int, cleanups: int
) -> None:
    """Issue 20 review, MEDIUM 9: a VPC-origin switch can fail at the end of `pulumi up` (README "Changing settings
    on a running stack"); make up runs the same cleanup as make destroy and asks again."""
    result = box.run(SCRIPT, "up", "dev", extra_env={"UP_FAILS": str(fails), "PYTHON_EXIT": str(cleanup_exit)})
    assert result.code == code, result.output
    local = local_backend(box)
    up = f"pulumi up --stack dev --policy-pack policy | {local}"
    assert result.calls.count(up) == ups
    assert result.calls.count(f"python -m tools.vpc_origin_cleanup --stack dev --after up | {local}") == cleanups
    # Each further up comes after a cleanup.
    rounds = [call for call in result.calls if call == up or "vpc_origin_cleanup" in call]
    assert rounds == [up] + [f"python -m tools.vpc_origin_cleanup --stack dev --after up | {local}", up] * (ups - 1) + (
        [f"python -m tools.vpc_origin_cleanup --stack dev --after up | {local}"] if cleanups == ups else []
    )
