#!/usr/bin/env python3
"""Origin guard: nginx answers 403 unless a request carries one of the accepted secret values.

Runs on the instance (python3 3.9, stdlib only) from a systemd timer: reads the accepted values (a
JSON list) from an SSM SecureString parameter, renders a complete nginx.conf, checks it with
`nginx -t`, installs it when it changed and reloads nginx gracefully. Never prints a value.

Fails closed. A reload counts only once nginx's master has started workers on the new file; only then
is the file's digest recorded (with the master's pid, in a state file under /run), and every run
reloads until nginx runs what is on disk. If the values cannot be read, a managed file stays (and is
reloaded if nginx does not run it yet), else a deny-all configuration goes in. When a step fails and
nginx runs nothing the guard verified (e.g. an AMI's open configuration), nginx is stopped. Every
failure exits non-zero, one code per kind (below); the timer runs the guard again.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MARKER = "# Managed by origin-guard"
DEFAULT_CONF_PATH = "/etc/nginx/nginx.conf"
# What nginx was verified to load: "<sha256 of the file> <master pid>". Under /run (a tmpfs), so a
# reboot, which restarts nginx, also forgets it.
DEFAULT_STATE_PATH = "/run/origin-guard.loaded"
COMMAND_TIMEOUT_SECONDS = 60
RELOAD_WAIT_SECONDS = 10.0
MAX_VALUES = 5
VALUE = re.compile(r"[A-Za-z0-9]{32,128}")
HEADER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?")
_ADDR = r"\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
LISTEN = re.compile(rf"(?:(?:{_ADDR}):)?(\d{{1,5}})")
UPSTREAM = re.compile(rf"(?:{_ADDR}|localhost):(\d{{1,5}})")
PID = re.compile(r"[1-9][0-9]{0,9}")
# Runs of letters and digits as long as a value: cut from anything logged that a command printed.
SECRETISH = re.compile(r"[A-Za-z0-9]{32,}")
# Exit codes; the systemd unit fails on any non-zero one and the timer runs the guard again. 1 is an
# unexpected error, 2 a usage error (argparse). With a fetch or value failure and an nginx failure in
# the same run, the nginx failure's code wins (the log has both).
OK, UNEXPECTED, FETCH_FAILED, INVALID_VALUE, CONFIG_REJECTED, RELOAD_FAILED, WRITE_FAILED = 0, 1, 3, 4, 5, 6, 7


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
    command += ["--query", "Parameter.Value", "--output", "text"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
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
    except (OSError, ValueError):
        return None


def write_private(path: str, text: str) -> None:
    """Write `path` afresh, readable by root only from the moment it exists (it may hold the values).
    Whatever was there goes first: a leftover file or symlink never blocks a run, nor is followed.
    """
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run(command: Sequence[str]) -> bool:
    """True if `command` exited 0; a missing program, a timeout or an exit code is logged and False."""
    try:
        result = subprocess.run(
            list(command), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        log(f"{command[0]} failed: {type(error).__name__}")
        return False
    if result.returncode != 0:
        # nginx -t and systemctl print paths and line numbers; cut anything shaped like a value anyway.
        log(f"{command[0]} exited {result.returncode}: {SECRETISH.sub('<cut>', result.stderr.strip()[-400:])}")
    return result.returncode == 0


def master_pid(pid_path: str) -> int | None:
    """The pid in nginx's pid file, if that process exists."""
    text = (_read(pid_path) or "").strip()
    return int(text) if PID.fullmatch(text) and os.path.isdir(f"/proc/{text}") else None


def children(pid: int | None) -> set[int]:
    """The processes whose parent is `pid` (nginx's workers when `pid` is its master)."""
    found = set()
    for entry in os.listdir("/proc") if pid else ():
        stat = _read(f"/proc/{entry}/stat") if entry.isdigit() else None
        # The parent's pid is the second field after the ")" that closes the command name.
        if stat and stat[stat.rfind(")") + 2 :].split()[1:2] == [str(pid)]:
            found.add(int(entry))
    return found


def running(args: argparse.Namespace) -> str | None:
    """The digest of the configuration nginx was verified to load, while that master still runs."""
    fields = (_read(args.state_path) or "").split()
    return fields[0] if len(fields) == 2 and fields[1] == str(master_pid(args.pid_path)) else None


def reload(args: argparse.Namespace) -> int | None:
    """Reload, then wait until nginx's master has started workers: only then does it run the new file
    (a master that cannot use it keeps its old workers, and `systemctl reload` succeeds either way).
    Returns that master's pid, or None.
    """
    old = children(master_pid(args.pid_path))
    deadline = time.monotonic() + args.reload_wait
    if run(args.reload_command):
        while time.monotonic() < deadline:
            pid = master_pid(args.pid_path)
            if children(pid) - old:
                return pid
            time.sleep(0.02)
        log(f"nginx started no new worker within {args.reload_wait:g} s of the reload")
    return None


def apply(args: argparse.Namespace, text: str) -> int:
    """Make nginx run `text`: install it if the file differs (after `nginx -t`), reload until nginx runs it."""
    staging = args.conf_path + ".origin-guard.tmp"
    try:
        if _read(args.conf_path) != text:
            write_private(staging, text)
            if not run([*args.nginx_test, staging]):
                os.unlink(staging)
                log("the new configuration failed nginx -t; the current file stays")
                return CONFIG_REJECTED
            os.replace(staging, args.conf_path)
        elif running(args) == digest(text):
            log("configuration unchanged and loaded; no reload")
            return OK
        pid = reload(args)
        if pid is None:
            return RELOAD_FAILED
        write_private(args.state_path, f"{digest(text)} {pid}\n")
    except OSError as error:
        log(f"cannot write {error.filename}: {error.strerror}")
        return WRITE_FAILED
    log("nginx runs the new configuration")
    return OK


def fail_closed(args: argparse.Namespace) -> None:
    """Stop nginx unless it runs a configuration the guard verified: never leave it open."""
    if running(args) is None:
        log("stopping nginx: it runs no configuration the guard verified")
        run(args.stop_command)


def sync(args: argparse.Namespace, fetch: Callable[[str, str], str], render: Callable[[Sequence[str]], str]) -> int:
    name = args.parameter_name
    try:
        values: list[str] | None = parse_values(fetch(name, args.region))
        status = OK
    except ValueError as error:
        log(f"parameter {name} is invalid: {error}")
        values, status = None, INVALID_VALUE
    except Exception as error:
        log(f"could not read parameter {name}: {error}")
        values, status = None, FETCH_FAILED
    current = _read(args.conf_path) or ""
    if values is not None:
        log(f"{len(values)} accepted value(s) in {name}")
        target = render(values)
    elif current.startswith(MARKER):
        log("values unknown; keeping the managed configuration")
        target = current
    else:
        # First boot, or a file the guard did not write: serve nothing until a value is known.
        log("values unknown and no managed configuration; installing deny-all")
        target = render(())
    result = apply(args, target)
    if result != OK:
        fail_closed(args)
    return result or status


def main(
    argv: Sequence[str] | None = None,
    fetch: Callable[[str, str], str] = fetch_parameter,
    nginx_test: Sequence[str] = ("nginx", "-t", "-q", "-c"),
    reload_command: Sequence[str] = ("systemctl", "reload-or-restart", "nginx"),
    stop_command: Sequence[str] = ("systemctl", "stop", "nginx"),
    runtime: RuntimePaths | None = None,
    reload_wait: float = RELOAD_WAIT_SECONDS,
) -> int:
    """Sync nginx with the parameter. `nginx_test` gets the staged file's path appended."""
    parser = argparse.ArgumentParser(description="Sync nginx's origin guard with SSM.")
    for option in ("--parameter-name", "--region", "--header-name", "--app-upstream"):
        parser.add_argument(option, required=True)
    parser.add_argument("--listen", action="append", required=True)
    parser.add_argument("--conf-path", default=DEFAULT_CONF_PATH)
    parser.add_argument("--state-path", default=DEFAULT_STATE_PATH)
    paths = runtime or RuntimePaths()
    parser.set_defaults(nginx_test=nginx_test, reload_command=reload_command, stop_command=stop_command)
    parser.set_defaults(reload_wait=reload_wait, pid_path=paths.pid)
    args = parser.parse_args(argv)

    def render(values: Sequence[str]) -> str:
        return render_nginx_conf(args.header_name, values, args.listen, args.app_upstream, paths)

    try:
        render(())
    except ValueError as error:
        parser.error(str(error))
    try:
        return sync(args, fetch, render)
    except Exception as error:
        # A bug, not a known failure: still fail the unit, and still fail closed.
        log(f"unexpected {type(error).__name__}: {error}")
        fail_closed(args)
        return UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
