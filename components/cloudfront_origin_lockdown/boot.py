"""EC2 user data for the origin instances: a bash script cloud-init runs once, as root, at first boot.

Pure rendering, no AWS calls. The script installs the app (the sample app, or runs the user's boot
script) and, for the "direct" architecture, nginx in front of it with the origin guard
(cloudfront_origin_lockdown/origin_guard/guard.py) on a systemd timer that keeps nginx's accepted values in sync
with an SSM SecureString parameter.

User data holds NO secret, only the parameter's name: anyone allowed ec2:DescribeInstanceAttribute
can read it, and it must stay at most 16 KB
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html). It is deterministic: the same
settings give the same bytes, and rotating the secret never changes it (no instance restart).

The on-instance assets are embedded from their real files at render time, in quoted heredocs (bash
expands nothing inside), with full-line comments, docstrings and blank lines left out to save room;
the tests check the embedded code parses to the same program as the file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .aws_limits import USER_DATA_MAX_BYTES

ASSETS = Path(__file__).resolve().parent / "origin_guard"
INSTALL_DIR = "/opt/origin-lockdown"
GUARD_PATH = f"{INSTALL_DIR}/guard.py"
SAMPLE_APP_PATH = f"{INSTALL_DIR}/sample_app.py"
USER_SCRIPT_PATH = f"{INSTALL_DIR}/app-boot"
APP_SERVICE = "origin-app.service"
GUARD_SERVICE = "origin-guard.service"
GUARD_TIMER = "origin-guard.timer"
HEREDOC_PREFIX = "ORIGIN_LOCKDOWN_EOF"

# Letters, digits and '-' (not at either end): a subset of RFC 9110 token characters that nginx
# accepts by default (it ignores names with '_') and maps unambiguously to a $http_ variable.
_HEADER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?$")
# SSM parameter names: a-zA-Z0-9_.- with '/' between hierarchy levels, at most 15 levels, at most
# 1011 characters (2048 minus 1037 reserved for the ARN), not starting with "aws" or "ssm".
# https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
_PARAMETER_NAME = re.compile(r"^(?:/[A-Za-z0-9_.-]+){1,15}$")
PARAMETER_NAME_MAX = 1011
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
REFRESH_MIN_SECONDS = 10
REFRESH_MAX_SECONDS = 3600


@dataclass(frozen=True)
class BootSettings:
    """What the instance's boot script needs. ``direct`` fields are ignored for ``alb``."""

    architecture: Literal["alb", "direct"]
    app_port: int
    region: str
    # direct: the port nginx listens on for CloudFront.
    listen_port: int = 80
    # direct: the header CloudFront adds; nginx answers 403 unless its value is accepted.
    header_name: str = "X-Origin-Verify"
    # direct: SSM SecureString whose value is a JSON list of the accepted values.
    secrets_parameter_name: str | None = None
    listen_ipv6: bool = False
    # The user's own boot script (contents); None installs the sample app.
    app_boot_script: str | None = None
    refresh_interval_seconds: int = 60


def _invalid(field: str, value: object, allowed: str) -> ValueError:
    return ValueError(f"invalid boot setting {field}: {value!r} is not allowed; {allowed}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(settings: BootSettings) -> None:
    """Raise ValueError naming the field, the bad value and what is allowed."""
    if settings.architecture not in ("alb", "direct"):
        raise _invalid("architecture", settings.architecture, "expected 'alb' or 'direct'")
    ports = ["app_port"] + (["listen_port"] if settings.architecture == "direct" else [])
    for field in ports:
        port = getattr(settings, field)
        if not _is_int(port) or not 1 <= port <= 65535:
            raise _invalid(field, port, "expected a port number from 1 to 65535")
    if not isinstance(settings.region, str) or not _REGION.match(settings.region):
        raise _invalid("region", settings.region, "expected an AWS Region code such as us-east-1")
    if settings.app_boot_script is not None and (
        not isinstance(settings.app_boot_script, str) or not settings.app_boot_script.strip()
    ):
        raise _invalid("app_boot_script", settings.app_boot_script, "expected a non-empty script, or None")
    if settings.architecture == "alb":
        return
    if settings.app_port == settings.listen_port:
        raise _invalid(
            "app_port",
            settings.app_port,
            f"expected a port other than listen_port ({settings.listen_port}): nginx listens there",
        )
    if not isinstance(settings.header_name, str) or not _HEADER_NAME.match(settings.header_name):
        allowed = "expected 1 to 256 letters, digits and '-' (not at either end)"
        raise _invalid("header_name", settings.header_name, allowed)
    name = settings.secrets_parameter_name
    if (
        not isinstance(name, str)
        or not _PARAMETER_NAME.match(name)
        or len(name) > PARAMETER_NAME_MAX
        or name[1:4].lower() in ("aws", "ssm")
    ):
        raise _invalid(
            "secrets_parameter_name",
            name,
            f"expected an SSM parameter path such as /project/stack/accepted-origin-secrets: '/'-separated "
            f"levels of letters, digits and _.- (at most 15 levels, {PARAMETER_NAME_MAX} characters, "
            "not starting with aws or ssm)",
        )
    if not isinstance(settings.listen_ipv6, bool):
        raise _invalid("listen_ipv6", settings.listen_ipv6, "expected true or false")
    interval = settings.refresh_interval_seconds
    if not _is_int(interval) or not REFRESH_MIN_SECONDS <= interval <= REFRESH_MAX_SECONDS:
        raise _invalid(
            "refresh_interval_seconds",
            interval,
            f"expected whole seconds from {REFRESH_MIN_SECONDS} to {REFRESH_MAX_SECONDS}",
        )


def compact_python(source: str) -> str:
    """``source`` without docstrings, full-line comments or blank lines, indented with tabs: the same
    program in fewer bytes (the tests compare the ASTs). Assumes no multi-line string other than
    docstrings has indented lines, which the AST comparison would catch.
    """
    drop: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.end_lineno is not None
            ):
                drop.update(range(first.lineno, first.end_lineno + 1))
    kept = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if number in drop or not stripped or stripped.startswith("#"):
            continue
        # One tab per 4-space level: Python reads it the same, at a quarter of the bytes.
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        kept.append("\t" * (indent // 4) + " " * (indent % 4) + body.rstrip())
    return "\n".join(kept) + "\n"


def read_asset(name: str) -> str:
    """An on-instance script as embedded in user data (see ``compact_python``)."""
    return compact_python((ASSETS / name).read_text(encoding="utf-8"))


def _heredoc(path: str, content: str, mode: str) -> list[str]:
    """Write ``content`` to ``path`` verbatim: quoted delimiter, chosen so no content line equals it."""
    if not content.endswith("\n"):
        content += "\n"
    lines = set(content.splitlines())
    delimiter = HEREDOC_PREFIX
    counter = 0
    while delimiter in lines:
        counter += 1
        delimiter = f"{HEREDOC_PREFIX}_{counter}"
    return [f"cat > {path} <<'{delimiter}'", content + delimiter, f"chmod {mode} {path}"]


def _unit(path: str, sections: dict[str, list[str]]) -> list[str]:
    body = "\n".join(f"[{name}]\n" + "\n".join(lines) + "\n" for name, lines in sections.items())
    return _heredoc(path, body, "0644")


def _app_lines(settings: BootSettings) -> list[str]:
    bind = "127.0.0.1" if settings.architecture == "direct" else "0.0.0.0"  # noqa: S104 (the ALB reaches it)
    where = "loopback only: nginx is the only way in" if settings.architecture == "direct" else "the ALB's target"
    lines = [f"# --- The app on {bind}:{settings.app_port} ({where})"]
    if settings.app_boot_script is None:
        lines += _heredoc(SAMPLE_APP_PATH, read_asset("sample_app.py"), "0755")
        lines += _unit(
            f"/etc/systemd/system/{APP_SERVICE}",
            {
                "Unit": ["Description=Sample app behind CloudFront", "After=network-online.target"],
                "Service": [
                    f"ExecStart=/usr/bin/python3 {SAMPLE_APP_PATH} --host {bind} --port {settings.app_port}",
                    "DynamicUser=yes",
                    "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                    "NoNewPrivileges=yes",
                    "Restart=always",
                ],
                "Install": ["WantedBy=multi-user.target"],
            },
        )
        lines += ["systemctl daemon-reload", f"systemctl enable --now {APP_SERVICE}"]
    else:
        script = settings.app_boot_script
        runner = USER_SCRIPT_PATH if script.startswith("#!") else f"/bin/bash {USER_SCRIPT_PATH}"
        lines += ["# The user's boot script installs and starts the app on $APP_BIND_ADDRESS:$APP_PORT."]
        lines += _heredoc(USER_SCRIPT_PATH, script, "0700")
        env = f"APP_BIND_ADDRESS={bind} APP_PORT={settings.app_port} ORIGIN_ARCHITECTURE={settings.architecture}"
        lines += [f"{env} {runner}"]
    return lines


def _guard_lines(settings: BootSettings) -> list[str]:
    listen = [str(settings.listen_port)] + ([f"[::]:{settings.listen_port}"] if settings.listen_ipv6 else [])
    command = (
        f"/usr/bin/python3 {GUARD_PATH} --parameter-name {settings.secrets_parameter_name}"
        f" --region {settings.region} --header-name {settings.header_name}"
        + "".join(f" --listen {address}" for address in listen)
        + f" --app-upstream 127.0.0.1:{settings.app_port}"
    )
    interval = settings.refresh_interval_seconds
    lines = [
        "# --- nginx in front, answering 403 unless the secret header carries an accepted value.",
        "# The values stay in SSM; the guard (on a timer) renders nginx.conf and reloads gracefully.",
        "for attempt in 1 2 3 4 5; do dnf install -y nginx && break; sleep $((attempt * 10)); done",
        "command -v nginx >/dev/null",
    ]
    lines += _heredoc(GUARD_PATH, read_asset("guard.py"), "0755")
    lines += _unit(
        f"/etc/systemd/system/{GUARD_SERVICE}",
        {
            "Unit": [
                "Description=Sync nginx's origin guard with the accepted values in SSM",
                "Wants=network-online.target",
                "After=network-online.target",
            ],
            "Service": ["Type=oneshot", f"ExecStart={command}", "PrivateTmp=yes", "NoNewPrivileges=yes"],
        },
    )
    lines += _unit(
        f"/etc/systemd/system/{GUARD_TIMER}",
        {
            "Unit": [f"Description=Refresh the origin guard every {interval} s"],
            "Timer": [f"OnBootSec={interval}s", f"OnUnitActiveSec={interval}s", "AccuracySec=5s"],
            "Install": ["WantedBy=timers.target"],
        },
    )
    lines += [
        "systemctl daemon-reload",
        # Fails closed: without a value yet (e.g. the role's credentials not ready) the guard installs
        # a deny-all configuration and the timer retries.
        f"systemctl start {GUARD_SERVICE} || echo 'origin-guard: first sync failed; nginx denies all until it works'",
        # Never start nginx on the package's stock configuration.
        "grep -q '^# Managed by origin-guard' /etc/nginx/nginx.conf || { echo 'no guard config' >&2; exit 1; }",
        "systemctl enable --now nginx.service",
        f"systemctl enable --now {GUARD_TIMER}",
    ]
    return lines


def render_user_data(settings: BootSettings) -> str:
    """The boot script for ``settings``: deterministic, secret-free, at most 16 KB (else ValueError)."""
    validate(settings)
    header = [
        "#!/bin/bash",
        f"# cloudfront-origin-lockdown boot script ({settings.architecture} origin), rendered by boot.py.",
        "# Holds no secret: "
        + (
            "nginx's accepted header values are read from SSM Parameter Store at run time."
            if settings.architecture == "direct"
            else "the load balancer checks CloudFront's header; this instance only runs the app."
        ),
        "set -euo pipefail",
        "umask 022",
        f"install -d -m 0755 {INSTALL_DIR}",
    ]
    body = _app_lines(settings)
    if settings.architecture == "direct":
        body += _guard_lines(settings)
    script = "\n".join([*header, *body, 'echo "cloudfront-origin-lockdown: boot script done"', ""])
    size = len(script.encode("utf-8"))
    if size > USER_DATA_MAX_BYTES:
        room = USER_DATA_MAX_BYTES - (size - len((settings.app_boot_script or "").encode("utf-8")))
        raise _invalid(
            "app_boot_script" if settings.app_boot_script is not None else "architecture",
            f"<{size} bytes of user data>",
            f"EC2 user data is limited to {USER_DATA_MAX_BYTES} bytes "
            "(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); "
            f"keep the boot script to at most {max(room, 0)} bytes, e.g. by having it download the app",
        )
    return script
