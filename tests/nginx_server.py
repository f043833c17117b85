"""Run a real nginx (and the sample app) on loopback for tests, as root or not.

Everything lives under a temp prefix: the configuration, pid file, logs and temp paths; nginx runs in
the foreground (``-g 'daemon off;'``) on a free high port of 127.0.0.1 and is stopped on exit.
Skips the calling test with a clear reason when no nginx binary is installed (scripts/setup.sh
installs Debian's). Reused by the origin probe's tests.

    with SampleApp(test_endpoints=True) as app, NginxServer(tmp_path) as nginx:
        nginx.start(lambda n: render_nginx_conf(name, values, [n.listen], app.upstream, n.runtime))
        status, body = http_get(nginx.port, "/", {name: value})
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

from cloudfront_origin_lockdown.origin_guard.guard import RuntimePaths
from tests import capabilities

REPO = Path(__file__).resolve().parents[1]
SAMPLE_APP = REPO / "components" / "cloudfront_origin_lockdown" / "origin_guard" / "sample_app.py"
# The same app with /_test/headers and /_test/slow added (they never ship to an instance).
SAMPLE_APP_WITH_TEST_ENDPOINTS = REPO / "tests" / "sample_app_test_endpoints.py"
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0


def nginx_binary() -> str | None:
    """The nginx to test with: on PATH, else Debian's /usr/sbin/nginx (not on a non-root PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def require_nginx() -> str:
    binary = nginx_binary()
    if binary is None:
        capabilities.missing("nginx is not installed (scripts/setup.sh installs it); live nginx tests need it")
    return binary


def nginx_version(binary: str | None = None) -> tuple[int, int, int]:
    """``nginx -v`` as a tuple, e.g. (1, 22, 1)."""
    result = subprocess.run([binary or require_nginx(), "-v"], capture_output=True, text=True, check=True)
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", result.stderr + result.stdout)
    assert match, f"cannot read the nginx version from {result.stderr!r}"
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def free_port() -> int:
    """A loopback port free right now (the OS's pick). Callers retry if it is taken meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _worker_user() -> str | None:
    """As root, run workers as nobody (like the instance's unprivileged `nginx` user); else no directive."""
    if os.geteuid() != 0:
        return None
    try:
        nobody = pwd.getpwnam("nobody")
        return f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"
    except KeyError:
        return None


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) follows the ")" that closes the command name.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _probe_path(directory: Path) -> str:
    """Where nginx answers the guard's probe: a unix socket path fits in 108 bytes (sun_path), so a deep
    temp directory gets a short one of its own under /tmp.
    """
    path = str(directory / "probe" / "nginx.sock")
    if len(path.encode()) > 100:
        path = str(Path(tempfile.mkdtemp(prefix="og-")) / "probe" / "nginx.sock")
    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class NginxServer:
    """One nginx master under ``directory``; use as a context manager so it is always stopped."""

    def __init__(
        self, directory: Path, binary: str | None = None, conf_dir: Path | None = None, run_dir: Path | None = None
    ) -> None:
        """``conf_dir`` holds nginx.conf and ``run_dir`` the guard's probe socket (default: the prefix)."""
        self.binary = binary or require_nginx()
        self.prefix = Path(directory) / "nginx"
        self.prefix.mkdir(parents=True, exist_ok=True)
        (self.prefix / "temp").mkdir(exist_ok=True)
        self.conf_path = (conf_dir or self.prefix) / "nginx.conf"
        self.startup_log = self.prefix / "startup.log"
        self.runtime = RuntimePaths(
            pid=str(self.prefix / "nginx.pid"),
            error_log=str(self.prefix / "error.log"),
            access_log=str(self.prefix / "access.log"),
            temp_dir=str(self.prefix / "temp"),
            user=_worker_user(),
            probe=_probe_path(run_dir or self.prefix),
        )
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def listen(self) -> str:
        """The ``listen`` address to render into the configuration."""
        return f"{LOOPBACK}:{self.port}"

    def command(self, *extra: str) -> list[str]:
        """nginx with this server's prefix, configuration and startup error log, plus ``extra``."""
        return [self.binary, "-p", str(self.prefix), "-c", str(self.conf_path), "-e", str(self.startup_log), *extra]

    def test_command(self) -> list[str]:
        """``nginx -t`` for a staged file: append its path (what guard.main's ``nginx_test`` takes)."""
        return [self.binary, "-p", str(self.prefix), "-e", str(self.startup_log), "-t", "-q", "-c"]

    def write_conf(self, text: str) -> None:
        self.conf_path.write_text(text, encoding="utf-8")

    def check(self, text: str | None = None) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` of ``text`` (or of the current file); returncode 0 when valid."""
        path = self.conf_path
        if text is not None:
            path = self.prefix / "check.conf"
            path.write_text(text, encoding="utf-8")
        return subprocess.run([*self.test_command(), str(path)], capture_output=True, text=True, check=False)

    def start(self, conf: str | Callable[[NginxServer], str] | None = None) -> None:
        """Start with ``conf`` (text, or a function of this server, re-rendered on a port clash)."""
        for _attempt in range(3):
            if conf is not None:
                self.write_conf(conf(self) if callable(conf) else conf)
            self.process = subprocess.Popen(
                self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                # The pid file comes a moment after the listening sockets.
                if accepts(self.port) and self.running_master() == self.process.pid:
                    return
                time.sleep(0.02)
            error = self._stop_and_collect_errors()
            if "Address already in use" in error and callable(conf):
                self.port = free_port()
                continue
            raise AssertionError(f"nginx did not start on {self.listen}: {error.strip()[-2000:]}")
        raise AssertionError(f"nginx found no free port after 3 attempts (last {self.listen})")

    def _stop_and_collect_errors(self) -> str:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
        _, stderr = self.process.communicate(timeout=10)
        self.process = None
        logs = [stderr.decode(errors="replace")]
        for path in (self.startup_log, Path(self.runtime.error_log)):
            if path.exists():
                logs.append(path.read_text(errors="replace"))
        return "\n".join(logs)

    def running_master(self) -> int | None:
        """The master's pid from its pid file, if that process exists (started here or by the guard)."""
        try:
            pid = int(Path(self.runtime.pid).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if Path(f"/proc/{pid}").is_dir() else None

    @property
    def master_pid(self) -> int:
        pid = self.running_master()
        assert pid is not None, "nginx is not running"
        return pid

    def serving(self) -> bool:
        """A master runs and the port takes connections."""
        return self.running_master() is not None and accepts(self.port)

    def reload_or_start_command(self) -> list[str]:
        """What `systemctl reload-or-restart nginx` does, for guard.main's ``reload_command``: reload the
        running master, or start one (daemonized; ``stop`` ends it) when none runs.
        """
        script = (
            'if kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; then shift; exec "$@" -s reload; fi; shift; exec "$@"'
        )
        return ["sh", "-c", script, "sh", self.runtime.pid, *self.command()]

    def stop_command(self) -> list[str]:
        """`systemctl stop nginx` for guard.main: a fast shutdown of the master named in the pid file,
        returning once it is gone (nginx removes its pid file on exit), as systemctl does.
        """
        script = 'pid="$1"; shift; "$@" -s stop || exit; while [ -e "$pid" ]; do sleep 0.01; done'
        return ["sh", "-c", script, "sh", self.runtime.pid, *self.command()]

    def workers(self) -> set[int]:
        return _children(self.master_pid)

    def reload(self, conf: str | None = None, wait_for_old_workers: bool = True) -> None:
        """Graceful reload (``nginx -s reload``): new workers take the new configuration, old ones
        finish their in-flight requests. Waits for a new worker, and for the old ones to exit unless
        ``wait_for_old_workers`` is false (they outlive the requests they are serving).
        """
        if conf is not None:
            self.write_conf(conf)
        old = self.workers()
        subprocess.run(self.command("-s", "reload"), check=True, capture_output=True)
        self.wait_for_reload(old, wait_for_old_workers)

    def wait_for_reload(self, old_workers: set[int], wait_for_old_workers: bool = True) -> None:
        """After a reload signalled elsewhere (e.g. by guard.main): wait for a worker not in
        ``old_workers`` and, unless told otherwise, for every old worker to exit (until then an
        old worker may still accept a new connection with the old configuration).
        """
        wait_until(lambda: bool(self.workers() - old_workers), START_TIMEOUT, "nginx to start new workers")
        if wait_for_old_workers:
            wait_until(lambda: not (self.workers() & old_workers), START_TIMEOUT, "old nginx workers to exit")

    def error_log(self) -> str:
        path = Path(self.runtime.error_log)
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        # A master started by reload_or_start_command (daemonized, so not our child).
        pid = self.running_master()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            wait_until(lambda: self.running_master() is None, START_TIMEOUT, "the daemonized nginx to stop")

    def __enter__(self) -> NginxServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class SampleApp:
    """The bundled sample app (origin_guard/sample_app.py) on a free loopback port (the app picks it: no race)."""

    def __init__(self, directory: Path, test_endpoints: bool = False) -> None:
        self.log_path = Path(directory) / "sample-app.log"
        self.test_endpoints = test_endpoints
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def upstream(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> SampleApp:
        script = SAMPLE_APP_WITH_TEST_ENDPOINTS if self.test_endpoints else SAMPLE_APP
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(script), "--host", LOOPBACK, "--port", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        pattern = re.compile(r"listening on [\d.]+:(\d+)")

        def bound() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log_path.read_text()
            match = pattern.search(self.log_path.read_text(errors="replace"))
            if match:
                self.port = int(match.group(1))
            return bool(match)

        wait_until(bound, START_TIMEOUT, "the sample app to listen")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> SampleApp:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def http_get(
    port: int,
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, str]:
    """GET over loopback with http.client: (status, body)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def raw_get(
    port: int,
    path: str,
    header_lines: Iterable[tuple[str, str]],
    timeout: float = 10.0,
    method: str = "GET",
    version: str = "HTTP/1.1",
) -> tuple[int, str]:
    """A request with exactly these header lines, in order (e.g. one header twice): (status, body).
    Adds ``Host`` (unless given) and ``Connection: close``.
    """
    header_lines = list(header_lines)
    lines = [f"{method} {path} {version}", "Connection: close"]
    if not any(name.lower() == "host" for name, _ in header_lines):
        lines.append(f"Host: {LOOPBACK}:{port}")
    lines += [f"{name}: {value}" for name, value in header_lines]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks).decode("utf-8", errors="replace")
    status_line, _, rest = response.partition("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3}) ", status_line)
    assert match, f"not an HTTP response: {status_line!r}"
    _, _, body = rest.partition("\r\n\r\n")
    return int(match.group(1)), body


def fake_secret(length: int = 48) -> str:
    """An obviously fake, freshly random secret of the generated values' shape (letters and digits)."""
    prefix = "FakeTestSecret"
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))
