#!/usr/bin/env python3
"""Origin guard: nginx answers 403 unless a request carries one of the accepted secret values.

Runs on the instance (python3 3.9, stdlib only) from a systemd timer: reads the accepted values (a
JSON list) from an SSM SecureString parameter, renders a complete nginx.conf, checks it with
`nginx -t`, installs it when it changed and reloads nginx gracefully. Never prints a value.

Fails closed, and proves rather than assumes:
- Each rendered file carries an id (the SHA-256 of its configuration) that nginx answers on a unix socket
  in a root-only directory. A reload counts only once nginx answers the new id: a worker respawned for
  another reason runs the old configuration and answers the old id.
- Its first line holds the SHA-256 of the rest: nginx's unit starts only on a file the guard wrote, whole.
- Files are replaced by rename: a full or read-only disk leaves the previous file (or record) whole.
- Bookkeeping never stops nginx: when nginx answers the id of a configuration the guard rendered, it
  keeps serving it whatever else fails. Otherwise (an AMI's open configuration, nothing verified) nginx is
  stopped, and whatever still listens on the origin's ports is killed and checked gone.
- When the values cannot be read, nginx keeps the verified configuration it runs; if it runs none, the
  file on disk may start only if it is the one last seen running (recorded under /run); else deny-all.

Exit codes (the unit fails on any non-zero one and the timer runs the guard again; README: "By hand"):
  0  OK               nginx answers the id of the configuration rendered from the parameter
  1  UNEXPECTED       a bug (an exception); handled like any failure: nginx kept if verified, else stopped
  2  usage            bad arguments (argparse); nothing is touched
  3  FETCH_FAILED     the parameter could not be read (no CLI, timeout, error exit, undecodable error)
  4  INVALID_VALUE    read, but not a JSON list of 1 to 5 distinct values of 32-128 letters and digits
                      (not UTF-8, not JSON, nested too deeply, wrong shape)
  5  CONFIG_REJECTED  `nginx -t` rejected the rendered file; the file on disk stays
  6  RELOAD_FAILED    nginx did not answer the new id within the wait; the new file stays on disk
  7  WRITE_FAILED     nginx's configuration could not be written (full or read-only disk)
  8  STATE_FAILED     nginx runs the right configuration but the record of it could not be written
  9  STOP_FAILED      nginx runs nothing verified and something still listens on the origin's ports
 10  BUSY             another run holds the lock; nothing is touched
With several in one run the first of 9, 1, 5/6/7, 3/4, 8 wins (the log has each).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

MARKER = "# Managed by origin-guard"
DEFAULT_CONF_PATH = "/etc/nginx/nginx.conf"
# The id of the configuration nginx was last seen running. Under /run (a tmpfs): a reboot forgets it.
DEFAULT_STATE_PATH = "/run/origin-guard.loaded"
COMMAND_TIMEOUT_SECONDS = 60
RELOAD_WAIT_SECONDS = 10.0
STOP_WAIT_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 2.0
MAX_VALUES = 5
VALUE = re.compile(r"[A-Za-z0-9]{32,128}")
HEADER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?")
_ADDR = r"\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
LISTEN = re.compile(rf"(?:(?:{_ADDR}):)?(\d{{1,5}})")
UPSTREAM = re.compile(rf"(?:{_ADDR}|localhost):(\d{{1,5}})")
ID = re.compile(r"[0-9a-f]{64}")
ANSWER = re.compile(r'\n        return 200 "([0-9a-f]{64})";\n')
# Runs of letters and digits as long as a value: cut from anything logged that a command printed.
SECRETISH = re.compile(r"[A-Za-z0-9]{32,}")
OK, UNEXPECTED, FETCH_FAILED, INVALID_VALUE, CONFIG_REJECTED, RELOAD_FAILED, WRITE_FAILED = 0, 1, 3, 4, 5, 6, 7
STATE_FAILED, STOP_FAILED, BUSY = 8, 9, 10


@dataclass(frozen=True)
class RuntimePaths:
    """Where nginx keeps pid, logs and temp files (tests point them into a temp dir)."""

    pid: str = "/run/nginx.pid"
    error_log: str = "/var/log/nginx/error.log"
    access_log: str = "/var/log/nginx/access.log"
    temp_dir: str | None = None  # None: the package's compiled-in temp paths
    user: str | None = "nginx"  # None: no `user` directive
    # Where nginx answers the id of the configuration it runs (its directory: root only).
    probe: str = "/run/origin-guard/nginx.sock"


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


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_nginx_conf(
    header_name: str,
    accepted_values: Sequence[str],
    listen: Sequence[str],
    app_upstream: str,
    runtime: RuntimePaths | None = None,
) -> str:
    """A complete nginx.conf: one default server that proxies to `app_upstream` only when header
    `header_name` equals (case-sensitively) one of `accepted_values`, 403 otherwise. No values: deny-all.
    A second server, on a unix socket only, answers the configuration's id; the first line seals the rest.
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
    out = [f"user {rt.user};"] if rt.user else []
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
    core = "\n".join([*out, "    }"])
    # Only root reaches the socket; it serves nothing but the id, which workers of an older
    # configuration (one respawned after a crash, or kept by a failed reload) cannot answer.
    rest = ["# Rewritten from SSM by the origin-guard timer; nginx will not start on an edited file.", "", core]
    rest += ["", "    server {", f"        listen unix:{rt.probe};", "        access_log off;"]
    rest += [f'        return 200 "{digest(core)}";', "    }", "}", ""]
    return seal("\n".join(rest))


def seal(rest: str) -> str:
    """`rest` under a first line that holds its SHA-256 (what nginx's unit checks before it starts)."""
    return f"{MARKER} sha256={digest(rest)}\n{rest}"


def config_id(text: str) -> str | None:
    """The id a configuration answers on its socket, if `text` is a whole file the guard rendered."""
    rest = text.partition("\n")[2]
    match = ANSWER.search(rest)
    return match.group(1) if match and seal(rest) == text else None


def log(message: str) -> None:
    print(f"origin-guard: {message}", flush=True)


def fetch_parameter(name: str, region: str) -> bytes:
    """The parameter's decrypted value, via the AWS CLI and the instance role. Never logged."""
    command = ["aws", "ssm", "get-parameter", "--name", name, "--with-decryption", "--region", region]
    command += ["--query", "Parameter.Value", "--output", "text"]
    result = subprocess.run(command, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        # Report only the error code (e.g. AccessDeniedException): a failed call holds no value.
        code = re.search(rb"\(([A-Za-z]+)\)", result.stderr)
        raise RuntimeError(
            f"aws ssm get-parameter exited {result.returncode} ({code.group(1).decode() if code else 'no code'})"
        )
    return result.stdout


def parse_values(raw: str | bytes) -> list[str]:
    try:
        values = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError:
        raise ValueError("parameter value is not UTF-8; expected a JSON list of strings") from None
    except RecursionError:
        raise ValueError("parameter value is nested too deeply; expected a JSON list of strings") from None
    except ValueError:
        raise ValueError("parameter value is not JSON; expected a JSON list of strings") from None
    if not isinstance(values, list) or not values:
        raise ValueError("parameter value is not a non-empty JSON list")
    return validate_values(values)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def write_private(path: str, text: str) -> None:
    """Write `path` afresh, readable by root only from the moment it exists (it may hold the values).
    Whatever was there goes first: a leftover file or symlink never blocks a run, nor is followed.
    """
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        error.filename = error.filename or path  # a full disk's error names no file
        raise


def run(command: Sequence[str]) -> bool:
    """True if `command` exited 0; a missing program, a timeout or an exit code is logged and False."""
    try:
        result = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log(f"{command[0]} failed: {type(error).__name__}")
        return False
    if result.returncode != 0:
        # nginx -t and systemctl print paths and line numbers; cut anything shaped like a value anyway.
        log(f"{command[0]} exited {result.returncode}: {SECRETISH.sub('<cut>', result.stderr.strip()[-400:])}")
    return result.returncode == 0


def running_id(path: str, clear_stale: bool = False) -> str | None:
    """The id nginx answers on its socket: that of the configuration its workers run, or None."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(PROBE_TIMEOUT_SECONDS)
            sock.connect(path)
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            head, _, body = sock.makefile("rb").read(4096).decode("latin-1").partition("\r\n\r\n")
    except ConnectionRefusedError:
        # Nothing listens there. If no socket is bound to the path either (not even one nginx is starting
        # on), it is what a killed nginx left, and nginx could not bind the path again: remove it.
        bound = any(line.endswith(" " + path) for line in (_read("/proc/net/unix") or "").splitlines())
        if clear_stale and not bound:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return None
    except OSError:
        return None
    return body if head.startswith("HTTP/1.1 200 ") and ID.fullmatch(body) else None


def recorded(path: str) -> str | None:
    """The id of the configuration nginx was last seen running (any other content: none)."""
    text = (_read(path) or "").strip()
    return text if ID.fullmatch(text) else None


def reload(args: argparse.Namespace, wanted: str) -> bool:
    """Reload (or start) nginx, then wait until it answers `wanted`: proof that its workers run that very
    configuration (a master that cannot use the file keeps the old one, and the command succeeds anyway).
    """
    if run(args.reload_command):
        deadline = time.monotonic() + args.reload_wait  # from the command's end: a start may take a while
        while running_id(args.probe) != wanted:
            if time.monotonic() >= deadline:
                log(f"nginx did not answer with the new configuration within {args.reload_wait:g} s of the reload")
                return False
            time.sleep(0.02)
        return True
    return False


def apply(args: argparse.Namespace, text: str) -> int:
    """Make nginx run `text`: install it if the file differs (after `nginx -t`), reload until nginx
    answers its id, then record the id (a failed record leaves nginx as it is: STATE_FAILED).
    """
    wanted = config_id(text) or ""
    staging = args.conf_path + ".origin-guard.tmp"
    try:
        os.makedirs(os.path.dirname(args.probe), mode=0o700, exist_ok=True)
        if _read(args.conf_path) != text:
            write_private(staging, text)
            if not run([*args.nginx_test, staging]):
                log("the new configuration failed nginx -t; the current file stays")
                return CONFIG_REJECTED
            os.replace(staging, args.conf_path)
        if running_id(args.probe, clear_stale=True) == wanted:
            log("configuration unchanged and loaded; no reload")
        elif reload(args, wanted):
            log("nginx runs the new configuration")
        else:
            return RELOAD_FAILED
    except OSError as error:
        log(f"cannot write {error.filename}: {error.strerror}")
        return WRITE_FAILED
    finally:
        with contextlib.suppress(OSError):
            os.unlink(staging)
    if recorded(args.state_path) != wanted:
        try:
            write_private(args.state_path + ".tmp", wanted + "\n")
            os.replace(args.state_path + ".tmp", args.state_path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(args.state_path + ".tmp")
            log(f"cannot record the running configuration in {error.filename}: {error.strerror}; nginx keeps it")
            return STATE_FAILED
    return OK


def listeners(ports: set[int]) -> tuple[set[str], set[int]]:
    """The listening TCP sockets on `ports` (any address), and the processes that hold them."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in (_read(table) or "").splitlines()[1:]:
            # "sl local_address(HEX:PORT) rem_address st(0A: listening) ... uid timeout inode"
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) in ports:
                sockets.add(f"socket:[{fields[9]}]")
    holders = set()
    for pid in os.listdir("/proc") if sockets else ():
        with contextlib.suppress(OSError):
            if pid.isdigit() and any(
                os.readlink(f"/proc/{pid}/fd/{fd}") in sockets for fd in os.listdir(f"/proc/{pid}/fd")
            ):
                holders.add(int(pid))
    return sockets, holders


def fail_closed(args: argparse.Namespace) -> int:
    """Stop nginx unless it runs a configuration the guard verified; never leave it open. The stop is
    checked (nothing may listen on the origin's ports) and escalated: whatever still listens gets SIGTERM,
    then SIGKILL (found by its sockets, not by a pid file that may be stale or another's).
    """
    if running_id(args.probe) is not None:
        return OK
    log("stopping nginx: it runs no configuration the guard verified")
    run(args.stop_command)
    deadline = time.monotonic()  # `systemctl stop` returns once nginx is gone: no grace after it
    for signum in (signal.SIGTERM, signal.SIGKILL, None):
        while listeners(args.ports)[0]:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        else:
            return OK
        if signum is None:
            break
        holders = sorted(listeners(args.ports)[1])
        log(f"still listening on port(s) {sorted(args.ports)}: {signum.name} to process(es) {holders}")
        for pid in holders:
            with contextlib.suppress(OSError):
                os.kill(pid, signum)
        deadline = time.monotonic() + args.stop_wait
    log(f"still listening on port(s) {sorted(args.ports)}: the origin may answer without the check")
    return STOP_FAILED


def sync(
    args: argparse.Namespace, fetch: Callable[[str, str], str | bytes], render: Callable[[Sequence[str]], str]
) -> int:
    name = args.parameter_name
    values: list[str] | None = None
    try:
        raw = fetch(name, args.region)
    except Exception as error:
        log(f"could not read parameter {name}: {error}")
        status = FETCH_FAILED
    else:
        try:
            values, status = parse_values(raw), OK
        except ValueError as error:
            log(f"parameter {name} is invalid: {error}")
            status = INVALID_VALUE
    if values is not None:
        log(f"{len(values)} accepted value(s) in {name}")
        target = render(values)
    elif running_id(args.probe) is not None:
        log("values unknown; nginx keeps the verified configuration it runs")
        return status
    else:
        current = _read(args.conf_path) or ""
        last = recorded(args.state_path)
        if last is not None and config_id(current) == last:
            log("values unknown; restoring the configuration nginx last ran")
            target = current
        else:
            # First boot, a file the guard did not write or never saw running: serve nothing until a value is known.
            log("values unknown and no verified configuration; installing deny-all")
            target = render(())
    applied = apply(args, target)
    closed = fail_closed(args) if applied not in (OK, STATE_FAILED) else OK
    return closed or (applied if applied != STATE_FAILED else OK) or status or applied


def main(
    argv: Sequence[str] | None = None,
    fetch: Callable[[str, str], str | bytes] = fetch_parameter,
    nginx_test: Sequence[str] = ("nginx", "-t", "-q", "-c"),
    reload_command: Sequence[str] = ("systemctl", "reload-or-restart", "nginx"),
    stop_command: Sequence[str] = ("systemctl", "stop", "nginx"),
    runtime: RuntimePaths | None = None,
    reload_wait: float = RELOAD_WAIT_SECONDS,
    stop_wait: float = STOP_WAIT_SECONDS,
) -> int:
    """Sync nginx with the parameter. `nginx_test` gets the staged file's path appended."""
    parser = argparse.ArgumentParser(description="Sync nginx's origin guard with SSM.")
    for option in ("--parameter-name", "--region", "--header-name", "--app-upstream"):
        parser.add_argument(option, required=True)
    parser.add_argument("--listen", action="append", required=True)
    parser.add_argument("--conf-path", default=DEFAULT_CONF_PATH)
    parser.add_argument("--state-path", default=DEFAULT_STATE_PATH)
    parser.add_argument("--probe-socket", dest="probe", default=(runtime or RuntimePaths()).probe)
    parser.set_defaults(nginx_test=nginx_test, reload_command=reload_command, stop_command=stop_command)
    parser.set_defaults(reload_wait=reload_wait, stop_wait=stop_wait)
    args = parser.parse_args(argv)
    paths = replace(runtime or RuntimePaths(), probe=args.probe)

    def render(values: Sequence[str]) -> str:
        return render_nginx_conf(args.header_name, values, args.listen, args.app_upstream, paths)

    try:
        render(())
    except ValueError as error:
        parser.error(str(error))
    args.ports = {int(LISTEN.fullmatch(address).group(1)) for address in args.listen}  # type: ignore[union-attr]
    # One run at a time (a manual run beside the timer's): a lock on the configuration's directory, which
    # needs no file of its own (a full /run cannot stop it) and is released when the process ends.
    with contextlib.ExitStack() as held:
        with contextlib.suppress(FileNotFoundError):
            lock = os.open(os.path.dirname(os.path.abspath(args.conf_path)), os.O_RDONLY)
            held.callback(os.close, lock)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log("another run of the guard holds the lock; nothing done")
                return BUSY
        try:
            return sync(args, fetch, render)
        except Exception as error:
            # A bug, not a known failure: still fail the unit, and still fail closed.
            log(f"unexpected {type(error).__name__}: {error}")
            return fail_closed(args) or UNEXPECTED


if __name__ == "__main__":
    # `guard.py --check FILE`, which nginx's unit runs before it starts: 0 only for a whole file the guard wrote.
    if sys.argv[1:2] == ["--check"]:
        path = sys.argv[-1]
        sys.exit(0 if config_id(_read(path) or "") else f"origin-guard: {path} is not a whole file the guard wrote")
    sys.exit(main())
