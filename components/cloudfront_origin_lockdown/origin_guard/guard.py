#!/usr/bin/env python3
"""Origin guard: nginx answers 403 unless a request carries one of the accepted secret values.

Runs on the instance (python3 3.9, stdlib only) from a systemd timer: reads the accepted values (a
JSON list) from an SSM SecureString parameter, renders a complete nginx.conf, checks it with
`nginx -t`, installs it only when it changed and reloads nginx gracefully. Never prints a value.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MARKER = "# Managed by origin-guard"
DEFAULT_CONF_PATH = "/etc/nginx/nginx.conf"
MAX_VALUES = 5
VALUE = re.compile(r"[A-Za-z0-9]{32,128}")
HEADER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?")
_ADDR = r"\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
LISTEN = re.compile(rf"(?:(?:{_ADDR}):)?(\d{{1,5}})")
UPSTREAM = re.compile(rf"(?:{_ADDR}|localhost):(\d{{1,5}})")
# Exit codes; the systemd unit fails on any non-zero one and the timer keeps retrying.
OK, FETCH_FAILED, INVALID_VALUE, CONFIG_REJECTED, RELOAD_FAILED = 0, 3, 4, 5, 6


@dataclass(frozen=True)
class RuntimePaths:
    """Where nginx keeps pid, logs and temp files (tests point them into a temp dir)."""

    pid: str = "/run/nginx.pid"
    error_log: str = "/var/log/nginx/error.log"
    access_log: str = "/var/log/nginx/access.log"
    temp_dir: str | None = None  # None: the package's compiled-in temp paths
    user: str | None = "nginx"  # None: no `user` directive


def validate_values(values: object) -> list[str]:
    """The accepted values, checked so none can inject regex or nginx syntax. Errors hold no value."""
    if not isinstance(values, (list, tuple)):
        raise ValueError("accepted values: expected a list of strings")
    if len(values) > MAX_VALUES:
        raise ValueError(f"accepted values: {len(values)} given; expected 0 to {MAX_VALUES}")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not VALUE.fullmatch(value):
            what = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
            raise ValueError(f"accepted value #{index + 1} ({what}): expected 32 to 128 letters and digits")
    if len(set(values)) != len(values):
        raise ValueError("accepted values: expected each value once")
    return list(values)


def _port(pattern: re.Pattern[str], text: object) -> bool:
    match = pattern.fullmatch(text) if isinstance(text, str) else None
    return match is not None and 1 <= int(match.group(1)) <= 65535


def render_nginx_conf(
    header_name: str,
    accepted_values: Sequence[str],
    listen: Sequence[str],
    app_upstream: str,
    runtime: RuntimePaths | None = None,
) -> str:
    """A complete nginx.conf: one default server that proxies to `app_upstream` only when header
    `header_name` equals (case-sensitively) one of `accepted_values`, 403 otherwise. No values: deny-all.
    """
    if not isinstance(header_name, str) or not HEADER.fullmatch(header_name):
        raise ValueError(f"header name {header_name!r}: expected 1 to 256 letters, digits and '-' (not at either end)")
    values = validate_values(accepted_values)
    if isinstance(listen, str) or not listen or len(set(listen)) != len(listen):
        raise ValueError(f"listen {listen!r}: expected a list of distinct addresses")
    for address in listen:
        if not _port(LISTEN, address):
            raise ValueError(f"listen address {address!r}: expected PORT, IPV4:PORT or [IPV6]:PORT, port 1-65535")
    if not _port(UPSTREAM, app_upstream):
        raise ValueError(f"app upstream {app_upstream!r}: expected IPV4:PORT, [IPV6]:PORT or localhost:PORT")
    rt = runtime or RuntimePaths()
    out = [f"{MARKER}: rewritten from SSM by the origin-guard timer; local edits are lost.", ""]
    out += [f"user {rt.user};"] if rt.user else []
    out += ["worker_processes auto;", f"pid {rt.pid};", f"error_log {rt.error_log} notice;", ""]
    out += ["events {", "    worker_connections 1024;", "}", "", "http {", "    server_tokens off;"]
    out += ["    default_type application/octet-stream;", f"    access_log {rt.access_log} combined;"]
    if rt.temp_dir:
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        out += [f"    {kind}_temp_path {rt.temp_dir}/{kind};" for kind in kinds]
    # `map` string keys match case-insensitively, so each value is an anchored case-sensitive regex.
    # Values are letters and digits only (validated above): nothing to escape, nothing to inject.
    variable = "$http_" + header_name.lower().replace("-", "_")
    out += ["", f"    map {variable} $origin_guard_pass {{", "        default 0;"]
    out += [f'        "~^{value}$" 1;' for value in values]
    out += ["    }", "", "    server {"]
    out += [f"        listen {address} default_server;" for address in listen]
    # Server-level rewrite phase: runs before a location is chosen and again after any internal
    # redirect, so no path (health checks included) reaches the app without the header.
    out += ["        server_name _;", "        if ($origin_guard_pass != 1) {", "            return 403;", "        }"]
    if not values:
        out += ["        return 403;"]
    else:
        out += ["        location / {", f"            proxy_pass http://{app_upstream};"]
        out += ["            proxy_http_version 1.1;", '            proxy_set_header Connection "";']
        out += ["            proxy_set_header Host $host;"]
        out += ["            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"]
        # An empty value drops the header (every occurrence): the app never sees the secret.
        out += [f'            proxy_set_header {header_name} "";', "        }"]
    return "\n".join([*out, "    }", "}", ""])


def log(message: str) -> None:
    print(f"origin-guard: {message}", flush=True)


def fetch_parameter(name: str, region: str) -> str:
    """The parameter's decrypted value, via the AWS CLI and the instance role. Never logged."""
    command = ["aws", "ssm", "get-parameter", "--name", name, "--with-decryption", "--region", region]
    result = subprocess.run(
        [*command, "--query", "Parameter.Value", "--output", "text"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        # Report only the error code (e.g. AccessDeniedException): a failed call holds no value.
        code = re.search(r"\(([A-Za-z]+)\)", result.stderr)
        raise RuntimeError(f"aws ssm get-parameter exited {result.returncode} ({code.group(1) if code else 'no code'})")
    return result.stdout.strip()


def parse_values(raw: str) -> list[str]:
    try:
        values = json.loads(raw)
    except ValueError:
        raise ValueError("parameter value is not JSON; expected a JSON list of strings") from None
    if not isinstance(values, list) or not values:
        raise ValueError("parameter value is not a non-empty JSON list")
    return validate_values(values)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def run(command: Sequence[str]) -> bool:
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        # nginx -t and systemctl print paths and line numbers, not the file's contents.
        log(f"{command[0]} exited {result.returncode}: {result.stderr.strip()[-400:]}")
    return result.returncode == 0


def install(path: str, text: str, check: Callable[[str], bool], reload: Callable[[], bool]) -> int:
    """Replace `path` with `text` atomically if it differs and `check` accepts it, then `reload`."""
    if _read(path) == text:
        log("configuration unchanged; no reload")
        return OK
    staging = path + ".origin-guard.tmp"
    # The file holds the accepted values: readable by root only (nginx's master reads it as root),
    # from the moment it exists, not only after a chmod.
    if os.path.exists(staging):
        os.unlink(staging)
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(staging, 0o600)
    if not check(staging):
        os.unlink(staging)
        log("new configuration failed nginx -t; kept the current one")
        return CONFIG_REJECTED
    os.replace(staging, path)
    log("installed the new configuration; reloading nginx")
    return OK if reload() else RELOAD_FAILED


def main(
    argv: Sequence[str] | None = None,
    fetch: Callable[[str, str], str] = fetch_parameter,
    nginx_test: Sequence[str] = ("nginx", "-t", "-q", "-c"),
    reload_command: Sequence[str] = ("systemctl", "reload-or-restart", "nginx"),
    runtime: RuntimePaths | None = None,
) -> int:
    """Sync nginx with the parameter. `nginx_test` gets the staged file's path appended."""
    parser = argparse.ArgumentParser(description="Sync nginx's origin guard with SSM.")
    for option in ("--parameter-name", "--region", "--header-name", "--app-upstream"):
        parser.add_argument(option, required=True)
    parser.add_argument("--listen", action="append", required=True)
    parser.add_argument("--conf-path", default=DEFAULT_CONF_PATH)
    args = parser.parse_args(argv)

    def render(values: Sequence[str]) -> str:
        return render_nginx_conf(args.header_name, values, args.listen, args.app_upstream, runtime)

    def apply(values: Sequence[str]) -> int:
        return install(args.conf_path, render(values), lambda p: run([*nginx_test, p]), lambda: run(reload_command))

    name = args.parameter_name
    try:
        values = parse_values(fetch(name, args.region))
    except ValueError as error:
        log(f"parameter {name} is invalid: {error}")
        status = INVALID_VALUE
    except Exception as error:
        log(f"could not read parameter {name}: {error}")
        status = FETCH_FAILED
    else:
        log(f"{len(values)} accepted value(s) in {name}")
        return apply(values)
    current = _read(args.conf_path)
    if current is not None and current.startswith(MARKER):
        log("kept the current configuration")
        return status
    # First boot (or the package's stock file): serve nothing until a value is known.
    log("no managed configuration yet; installing deny-all")
    installed = apply(())
    return status if installed == OK else installed


if __name__ == "__main__":
    sys.exit(main())
