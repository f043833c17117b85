"""The rendered boot script, run by bash as cloud-init runs it, with each step that can fail made to fail.

The script writes where it would on an instance (/opt, /etc/systemd/system, /etc/nginx), so it runs in
a private mount namespace (``unshare --mount``) where /etc is an overlay and /opt a tmpfs: nothing
reaches the host. systemctl, dnf, sleep and the user's script are stand-ins on PATH that log each call
and fail on demand; python3 (which unpacks the embedded scripts) and coreutils are real.

What must hold whatever fails: the guard's timer is enabled before anything that can fail (so later
rotations still arrive), a pre-existing nginx is stopped before then, nginx is only enabled on the
guard's file, and the metadata lock is on before the app or the user's script runs.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.boot import BootSettings, render_user_data
from cloudfront_origin_lockdown.origin_guard.guard import render_nginx_conf
from tests import capabilities

pytestmark = pytest.mark.live

PARAMETER = "/cloudfront-origin-lockdown/dev/site/accepted-origin-secrets"

SYSTEMCTL = """#!/bin/sh
echo "systemctl $*" >> "$LOG"
case "$*" in
  "is-active -q nginx") [ -n "$NGINX_ACTIVE" ]; exit ;;
  "start origin-guard.service")
    [ -n "$GUARD_FAILS" ] && exit 1
    cat "$GUARD_CONF" > /etc/nginx/nginx.conf
    [ -z "$GUARD_CONF_APPEND" ] || echo "$GUARD_CONF_APPEND" >> /etc/nginx/nginx.conf ;;
esac
[ "systemctl $*" != "$SYSTEMCTL_FAILS" ]
"""

DNF = """#!/bin/sh
echo "dnf $*" >> "$LOG"
[ -n "$DNF_FAILS" ] && exit 1
for tool in nginx nft; do printf '#!/bin/sh\\n' > "$(dirname "$0")/$tool"; chmod 755 "$(dirname "$0")/$tool"; done
mkdir -p /etc/nginx
"""

SLEEP = """#!/bin/sh
echo "sleep $*" >> "$LOG"
"""

USER_SCRIPT = """#!/bin/sh
echo "user script on $APP_BIND_ADDRESS:$APP_PORT" >> "$LOG"
exit "${USER_SCRIPT_EXIT:-0}"
"""

RUNNER = """set -e
scratch="$1"; shift
mount -t tmpfs none "$scratch"
mkdir -p "$scratch/etc" "$scratch/work" "$scratch/opt"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/etc,workdir=$scratch/work" /etc
mount --bind "$scratch/opt" /opt
rm -f /etc/nginx/nginx.conf
exec bash "$@"
"""


def missing_capability(tmp_path: Path) -> str | None:
    if os.geteuid() != 0:
        return "needs root (a mount namespace)"
    if shutil.which("unshare") is None:
        return "`unshare` is not installed (Debian package util-linux)"
    if not Path("/usr/bin/python3").exists():
        return "the boot script unpacks with /usr/bin/python3, which is missing"
    if not Path("/opt").is_dir():
        return "/opt does not exist"
    scratch = tmp_path / "probe"
    scratch.mkdir()
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", RUNNER, "runner", str(scratch), "-c", "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"cannot mount a tmpfs and an overlay in a mount namespace here: {probe.stderr.strip()}"
    return None


@dataclasses.dataclass
class Run:
    returncode: int
    calls: list[str]
    stderr: str

    def index(self, call: str) -> int:
        assert call in self.calls, f"{call!r} not in {self.calls}"
        return self.calls.index(call)


def boot_run(tmp_path: Path, settings: BootSettings, **environment: str) -> Run:
    reason = missing_capability(tmp_path)
    if reason is not None:
        capabilities.missing(f"boot script run: {reason}")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for name, fake in {"systemctl": SYSTEMCTL, "dnf": DNF, "sleep": SLEEP}.items():
        (fake_bin / name).write_text(fake)
        (fake_bin / name).chmod(0o755)
    script = tmp_path / "user-data.sh"
    script.write_text(render_user_data(settings))
    log = tmp_path / "calls.log"
    log.touch()
    # What the guard's first run writes: the boot script checks it with the real guard.py --check.
    guard_conf = tmp_path / "guard.conf"
    guard_conf.write_text(render_nginx_conf("X-Origin-Verify", [], ["80"], "127.0.0.1:8080"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", RUNNER, "runner", str(scratch), str(script)],
        capture_output=True,
        text=True,
        env={"PATH": f"{fake_bin}:/usr/bin:/bin", "LOG": str(log), "GUARD_CONF": str(guard_conf), **environment},
        timeout=60,
        check=False,
    )
    return Run(result.returncode, log.read_text().splitlines(), result.stderr)


def direct(**changes: Any) -> BootSettings:
    settings = BootSettings(architecture="direct", app_port=8080, region="eu-west-1", secrets_parameter_name=PARAMETER)
    return dataclasses.replace(settings, **changes)


def alb(**changes: Any) -> BootSettings:
    return dataclasses.replace(BootSettings(architecture="alb", app_port=8080, region="eu-west-1"), **changes)


TIMER = "systemctl enable --now origin-guard.timer"
STOP_NGINX = "systemctl stop nginx"
IMDS_LOCK = "systemctl enable --now origin-imds-lock.service"
FIRST_SYNC = "systemctl start origin-guard.service"
NGINX = "systemctl enable --now nginx.service"
APP = "systemctl enable --now origin-app.service"


def test_a_clean_boot_runs_every_step_in_order(tmp_path: Path) -> None:
    run = boot_run(tmp_path, direct(), NGINX_ACTIVE="1")
    assert run.returncode == 0, run.stderr
    assert run.calls == [
        "systemctl daemon-reload",
        TIMER,
        "systemctl is-active -q nginx",
        STOP_NGINX,
        "dnf install -y nftables nginx",
        IMDS_LOCK,
        FIRST_SYNC,
        NGINX,
        "systemctl daemon-reload",
        APP,
    ]


@pytest.mark.parametrize(
    ("failure", "environment", "last_call"),
    [
        ("packages", {"DNF_FAILS": "1"}, "sleep 50"),
        ("metadata lock", {"SYSTEMCTL_FAILS": IMDS_LOCK}, IMDS_LOCK),
        ("no guard configuration", {"GUARD_FAILS": "1"}, FIRST_SYNC),
        # The guard's file with a line added (a package's include): not whole, so nginx is never enabled.
        ("an edited guard configuration", {"GUARD_CONF_APPEND": "include /etc/nginx/conf.d/*.conf;"}, FIRST_SYNC),
        ("nginx", {"SYSTEMCTL_FAILS": NGINX}, NGINX),
        ("app", {"SYSTEMCTL_FAILS": APP}, APP),
        ("stopping nginx", {"NGINX_ACTIVE": "1", "SYSTEMCTL_FAILS": STOP_NGINX}, STOP_NGINX),
    ],
)
def test_whatever_fails_the_timer_is_already_enabled(
    tmp_path: Path, failure: str, environment: dict[str, str], last_call: str
) -> None:
    run = boot_run(tmp_path, direct(), **environment)
    assert run.returncode != 0, failure
    assert run.calls[-1] == last_call, failure
    assert run.index(TIMER) == 1, failure  # right after writing the units
    # nginx is only ever enabled once the guard's file is there, and the app never before the lock.
    if NGINX in run.calls:
        assert run.index(FIRST_SYNC) < run.index(NGINX)
    if APP in run.calls:
        assert run.index(IMDS_LOCK) < run.index(APP)


def test_dnf_is_retried_five_times_then_the_boot_fails(tmp_path: Path) -> None:
    run = boot_run(tmp_path, direct(), DNF_FAILS="1")
    assert run.calls[run.index(TIMER) + 2 :] == [
        "dnf install -y nftables nginx",
        "sleep 10",
        "dnf install -y nftables nginx",
        "sleep 20",
        "dnf install -y nftables nginx",
        "sleep 30",
        "dnf install -y nftables nginx",
        "sleep 40",
        "dnf install -y nftables nginx",
        "sleep 50",
    ]
    assert run.returncode != 0


def test_a_failing_user_script_leaves_nginx_and_the_guard_running(tmp_path: Path) -> None:
    run = boot_run(tmp_path, direct(app_boot_script=USER_SCRIPT), USER_SCRIPT_EXIT="3")
    assert run.returncode == 3
    assert run.calls[-1] == "user script on 127.0.0.1:8080"
    assert run.index(TIMER) < run.index(NGINX) < run.index("user script on 127.0.0.1:8080")
    assert run.index(IMDS_LOCK) < run.index("user script on 127.0.0.1:8080")


def test_alb_locks_the_metadata_service_before_the_app(tmp_path: Path) -> None:
    run = boot_run(tmp_path, alb(app_boot_script=USER_SCRIPT))
    assert run.returncode == 0, run.stderr
    assert run.calls == ["systemctl daemon-reload", "dnf install -y nftables", IMDS_LOCK, "user script on 0.0.0.0:8080"]
    (tmp_path / "again").mkdir()
    failed = boot_run(tmp_path / "again", alb(), SYSTEMCTL_FAILS=IMDS_LOCK)
    assert failed.returncode != 0
    assert APP not in failed.calls
