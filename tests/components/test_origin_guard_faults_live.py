"""The guard under its own faults, each injected into a real run: a real nginx in front of the real sample app,
guard.main as the timer runs it, and what nginx then serves asked over HTTP (tests/guard_instance.py).

Each fault is tried from both starting points where they differ: an nginx serving an open configuration (an
AMI's, nothing verified) and an nginx running the guard's verified configuration with the old value, which
must keep serving the old value whatever fails, or move to the new one. Directories that are full or
read-only are real: a small tmpfs, filled up or remounted read-only (root only; skipped otherwise).
Secrets are fake, generated per test, and never printed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloudfront_origin_lockdown.origin_guard import guard
from tests import capabilities
from tests.guard_instance import HEADER, OPEN, PARAMETER, Instance, logged
from tests.nginx_server import NginxServer, SampleApp, wait_until

pytestmark = pytest.mark.live

SHORT_WAIT = 0.3


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleApp]:
    with SampleApp(tmp_path_factory.mktemp("app")) as running:
        yield running


class Tmpfs:
    """A small tmpfs on ``path``, to be filled up (ENOSPC) or remounted read-only (EROFS) as a test needs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            capabilities.missing("a full or read-only directory is a tmpfs mount here, which needs root")
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "origin-guard-test", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if mounted.returncode != 0:
            capabilities.missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")

    def fill(self) -> None:
        """Take every free block: creating an empty file still works, writing a byte does not."""
        filler = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(filler)
        probe = os.open(self.path / "probe-write", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with pytest.raises(OSError, match="No space left"):
                os.write(probe, b"x")
        finally:
            os.close(probe)
        (self.path / "probe-write").unlink()

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def repair(self) -> None:
        subprocess.run(["mount", "-o", "remount,rw", str(self.path)], check=True)
        (self.path / "filler").unlink(missing_ok=True)

    def unmount(self) -> None:
        if subprocess.run(["umount", str(self.path)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Tmpfs]]:
    mounted: list[Tmpfs] = []

    def mount(name: str) -> Tmpfs:
        mounted.append(Tmpfs(tmp_path / name))
        return mounted[-1]

    yield mount
    for each in reversed(mounted):
        each.unmount()


def make_instance(
    tmp_path: Path,
    app: SampleApp,
    monkeypatch: pytest.MonkeyPatch,
    conf_dir: Path | None = None,
    run_dir: Path | None = None,
) -> Instance:
    """An instance whose nginx.conf lives in ``conf_dir`` and whose state (and probe socket) in ``run_dir``."""
    nginx = NginxServer(tmp_path, conf_dir=conf_dir, run_dir=run_dir)
    return Instance(tmp_path, nginx, app, monkeypatch, run_dir=run_dir)


@pytest.fixture
def instance(tmp_path: Path, app: SampleApp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Instance]:
    made = make_instance(tmp_path, app, monkeypatch)
    with made.nginx:
        yield made


def start(instance: Instance, verified: bool) -> None:
    """The starting point: the guard's verified configuration with the old value, or an open nginx."""
    if verified:
        instance.guarded_nginx()
    else:
        instance.open_nginx()
    instance.parameter([instance.new])


# --- 1. The record cannot be written (a full or read-only /run): nginx keeps what it verifiably runs.


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "open"])
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_run_dir_that_takes_no_write_never_stops_a_verified_nginx(
    tmp_path: Path,
    app: SampleApp,
    monkeypatch: pytest.MonkeyPatch,
    tmpfs: Callable[[str], Tmpfs],
    capsys: pytest.CaptureFixture[str],
    fault: str,
    verified: bool,
) -> None:
    """An earlier guard removed its record first, found nothing verified and stopped nginx; every later run
    started, reloaded and stopped it again. Now nginx runs the new values, and later runs leave it alone.
    """
    run = tmpfs("run")
    # Full: the probe socket is there too, as on the instance (a socket takes no block). Read-only: it cannot
    # be (nginx could not bind it), so only the record is.
    made = make_instance(tmp_path, app, monkeypatch, run_dir=run.path if fault == "full" else None)
    made.state_path = run.path / "origin-guard.loaded"
    with made.nginx:
        start(made, verified)
        before = made.state_path.read_text() if verified else None
        if fault == "full":
            run.fill()
        else:
            run.read_only()
        capsys.readouterr()
        assert made.sync() == guard.STATE_FAILED
        assert made.serves() == "new"
        error = "No space left on device" if fault == "full" else "Read-only file system"
        assert logged(capsys)[-1] == (
            f"cannot record the running configuration in {made.state_path}.tmp: {error}; nginx keeps it"
        )
        # The previous record is whole (replaced by rename only), or still absent.
        assert (made.state_path.read_text() if made.state_path.exists() else None) == before
        # The next runs find nginx running the file: no reload, no stop, the same failure reported.
        master, workers = made.nginx.master_pid, made.nginx.workers()
        assert made.sync() == guard.STATE_FAILED
        assert (made.nginx.master_pid, made.nginx.workers()) == (master, workers)
        assert made.serves() == "new"
        run.repair()
        assert made.sync() == guard.OK
        assert made.state_path.read_text() == f"{guard.config_id(made.render([made.new]))}\n"


# --- 2. The configuration cannot be written (a full or read-only /etc/nginx).


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "open"])
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_conf_dir_that_takes_no_write_keeps_the_verified_file_or_stops_nginx(
    tmp_path: Path,
    app: SampleApp,
    monkeypatch: pytest.MonkeyPatch,
    tmpfs: Callable[[str], Tmpfs],
    capsys: pytest.CaptureFixture[str],
    fault: str,
    verified: bool,
) -> None:
    conf = tmpfs("etc-nginx")
    made = make_instance(tmp_path, app, monkeypatch, conf_dir=conf.path)
    with made.nginx:
        start(made, verified)
        installed = made.nginx.conf_path.read_bytes()
        if fault == "full":
            conf.fill()
        else:
            conf.read_only()
        capsys.readouterr()
        assert made.sync() == guard.WRITE_FAILED
        error = "No space left on device" if fault == "full" else "Read-only file system"
        assert f"cannot write {made.nginx.conf_path}.origin-guard.tmp: {error}" in logged(capsys)
        assert made.nginx.conf_path.read_bytes() == installed
        assert sorted(path.name for path in conf.path.iterdir()) == ["filler", "nginx.conf"][fault != "full" :]
        assert made.serves() == ("old" if verified else "stopped")
        conf.repair()
        assert made.sync() == guard.OK
        assert made.serves() == "new"


# --- 3. A reload that did nothing, while a worker was respawned for another reason.


def kill_a_worker(instance: Instance) -> list[str]:
    """A "reload" that only kills a worker: the master starts another one, on the configuration it has."""
    return ["kill", "-KILL", str(min(instance.nginx.workers()))]


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "open"])
def test_a_respawned_worker_is_no_proof_of_a_reload(
    instance: Instance, capsys: pytest.CaptureFixture[str], verified: bool
) -> None:
    """An earlier guard took any new worker for the reload: it recorded the new values as loaded, served the
    old ones and never reloaded again. The new worker runs the old configuration and answers its id.
    """
    start(instance, verified)
    master, workers = instance.nginx.master_pid, instance.nginx.workers()
    capsys.readouterr()
    assert instance.sync(reload_command=kill_a_worker(instance), reload_wait=SHORT_WAIT) == guard.RELOAD_FAILED
    lines = logged(capsys)
    assert "nginx did not answer with the new configuration within 0.3 s of the reload" in lines
    if verified:
        assert instance.nginx.master_pid == master
        assert instance.nginx.workers() - workers, "the master respawned the killed worker"
        assert instance.serves() == "old"
        assert instance.state_path.read_text() == f"{guard.config_id(instance.render([instance.old]))}\n"
    else:
        assert lines[-1] == "stopping nginx: it runs no configuration the guard verified"
        assert instance.serves() == "stopped"
    # The next run reloads (the file on disk is not what nginx answers), for real this time.
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


# --- 4. A stop that does not stop.


def rejected(instance: Instance) -> dict[str, object]:
    return {"nginx_test": ["sh", "-c", 'echo "nginx: [emerg] in $1:12" >&2; exit 1', "sh"]}


@pytest.mark.parametrize("stop", ["fails", "does-nothing"])
def test_an_open_nginx_that_the_stop_leaves_running_is_killed(
    instance: Instance, capsys: pytest.CaptureFixture[str], stop: str
) -> None:
    """nginx -t rejects the new file, so nothing verified runs; the stop command fails, or returns 0 on an nginx
    it does not manage (started by hand, or by an AMI's own unit): whatever listens on the port is killed.
    """
    start(instance, verified=False)
    holders = guard.listeners({instance.nginx.port})[1]
    assert instance.nginx.master_pid in holders and len(holders) >= 2  # the master and its workers
    capsys.readouterr()
    stop_command = ["false"] if stop == "fails" else ["true"]
    assert instance.sync(**rejected(instance), stop_command=stop_command) == guard.CONFIG_REJECTED
    lines = logged(capsys)
    stopping = lines.index("stopping nginx: it runs no configuration the guard verified")
    assert lines[stopping + 1 :] == ["false exited 1: "] * (stop == "fails") + [
        f"still listening on port(s) [{instance.nginx.port}]: SIGTERM to process(es) {sorted(holders)}"
    ]
    assert instance.serves() == "stopped"
    assert guard.listeners({instance.nginx.port}) == (set(), set())


def test_a_verified_nginx_is_never_stopped(instance: Instance, tmp_path: Path) -> None:
    start(instance, verified=True)
    marker = tmp_path / "stop-called"
    assert instance.sync(**rejected(instance), stop_command=["touch", str(marker)]) == guard.CONFIG_REJECTED
    assert not marker.exists()
    assert instance.serves() == "old"


def test_a_stale_pid_file_never_points_the_kill_at_another_process(instance: Instance) -> None:
    """The escalation goes by the sockets on the origin's port, never by the pid file: here the file names
    a live process that has nothing to do with nginx (its pid recycled), and it survives.
    """
    start(instance, verified=False)
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        Path(instance.nginx.runtime.pid).write_text(f"{bystander.pid}\n")
        assert instance.sync(**rejected(instance), stop_command=["true"]) == guard.CONFIG_REJECTED
        assert not instance.nginx.serving() and not guard.listeners({instance.nginx.port})[0]
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


# --- 5. The values cannot be read after a failure: only what nginx verifiably ran may start again.


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "open"])
def test_after_a_failed_reload_an_unread_parameter_never_starts_the_unverified_file(
    instance: Instance, capsys: pytest.CaptureFixture[str], verified: bool
) -> None:
    """An earlier guard restarted nginx on the file it had written but never seen running."""
    start(instance, verified)
    assert instance.sync(reload_command=["false"]) == guard.RELOAD_FAILED
    assert instance.serves() == ("old" if verified else "stopped")
    assert guard.config_id(instance.nginx.conf_path.read_text()) == guard.config_id(instance.render([instance.new]))
    instance.aws_error("An error occurred (ThrottlingException) when calling the GetParameter operation")
    workers = instance.nginx.workers() if verified else set()
    capsys.readouterr()
    assert instance.sync() == guard.FETCH_FAILED
    if verified:
        assert logged(capsys)[-1] == "values unknown; nginx keeps the verified configuration it runs"
        assert instance.nginx.workers() == workers
        assert instance.serves() == "old"
    else:
        assert "values unknown and no verified configuration; installing deny-all" in logged(capsys)
        assert instance.serves() == "deny-all"
    instance.aws_works()
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


def older_record(conf: str) -> str:
    return f"{guard.digest(conf)} 1234\n"


@pytest.mark.parametrize(
    ("record", "served"),
    [
        (lambda conf: f"{guard.config_id(conf)}\n", "old"),
        (None, "deny-all"),
        (older_record, "deny-all"),  # an earlier guard's "<digest> <pid>"
        (lambda conf: f"{guard.config_id(conf)}"[:40], "deny-all"),  # truncated
    ],
    ids=["recorded", "no-record", "older-record", "truncated-record"],
)
def test_a_stopped_nginx_restarts_only_on_the_file_it_last_ran(
    instance: Instance, record: Callable[[str], str] | None, served: str
) -> None:
    """nginx is down (it crashed, or someone stopped it) and the values cannot be read: the file on disk starts
    again only if the record says nginx last ran it; a missing or damaged record means deny-all.
    """
    start(instance, verified=True)
    instance.nginx.stop()
    conf = instance.nginx.conf_path.read_text()
    instance.state_path.unlink()
    if record is not None:
        instance.state_path.write_text(record(conf))
    instance.aws.unlink()
    assert instance.sync() == guard.FETCH_FAILED
    assert instance.serves() == served


@pytest.mark.parametrize("damage", ["open-under-the-marker", "appended", "truncated"])
def test_an_edited_file_under_the_guards_marker_is_never_trusted(instance: Instance, damage: str) -> None:
    """An earlier guard kept any file whose first line was its marker when the values could not be read, and
    reloaded it: an open configuration under that line was served, and recorded as verified.
    """
    start(instance, verified=True)
    instance.nginx.stop()
    conf = instance.nginx.conf_path.read_text()
    first = conf.split("\n", 1)[0]
    opened = OPEN.format(
        pid=instance.nginx.runtime.pid,
        error_log=instance.nginx.runtime.error_log,
        listen=instance.nginx.listen,
        upstream=instance.app.upstream,
    )
    edited = {
        "open-under-the-marker": f"{first}\n{opened}",
        "appended": conf.replace("    server {\n", "    server {\n        listen 127.0.0.1:1 ;\n", 1),
        "truncated": conf[: len(conf) // 2],
    }[damage]
    instance.nginx.conf_path.write_text(edited)
    instance.aws.unlink()
    assert instance.sync() == guard.FETCH_FAILED
    assert instance.serves() == "deny-all"


# --- 6. Leftovers of a killed nginx, and nginx killed behind the guard's back.


def test_nginx_killed_is_started_again_despite_its_leftovers(instance: Instance) -> None:
    """SIGKILL leaves nginx's socket (it could not bind it again) and its pid file, here naming a live process
    that is not nginx: an earlier guard matched the recorded pid and never started nginx again.
    """
    start(instance, verified=True)
    instance.parameter([instance.old])
    probe = Path(instance.nginx.runtime.probe)
    os.kill(instance.nginx.master_pid, signal.SIGKILL)  # first, or it starts new workers
    for pid in guard.listeners({instance.nginx.port})[1]:
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not guard.listeners({instance.nginx.port})[0], 5, "nginx to die")
    assert probe.is_socket()
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        Path(instance.nginx.runtime.pid).write_text(f"{bystander.pid}\n")
        # systemd knows nginx.service is not running: `reload-or-restart` starts it.
        assert instance.sync(reload_command=instance.nginx.command()) == guard.OK
        assert instance.serves() == "old"
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


# --- 7. Two runs at once, and a run killed half-way.


def test_a_second_run_at_the_same_time_touches_nothing(instance: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    start(instance, verified=True)
    state = instance.state_path.read_text()
    held = os.open(instance.nginx.conf_path.parent, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run in progress
        capsys.readouterr()
        assert instance.sync() == guard.BUSY
        assert logged(capsys) == ["another run of the guard holds the lock; nothing done"]
        assert (instance.serves(), instance.state_path.read_text()) == ("old", state)
    finally:
        os.close(held)
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


# guard.main in a process of its own, with the test's commands (guard.py alone on the path, as on the instance).
RUNNER = """
import json, sys
import guard
options = json.loads(sys.argv[1])
options["runtime"] = guard.RuntimePaths(**options["runtime"])
sys.exit(guard.main(sys.argv[2:], **options))
"""


@pytest.mark.parametrize(("step", "verified"), [("nginx -t", True), ("reload", False)], ids=["nginx-t", "reload"])
def test_a_run_killed_half_way_leaves_nothing_the_next_run_cannot_finish(
    instance: Instance, tmp_path: Path, step: str, verified: bool
) -> None:
    """SIGTERM to the unit (a shutdown, `systemctl stop`) while `nginx -t` or the reload runs: systemd kills
    the whole group. Files are only ever replaced by rename, so the next run finds each whole and finishes.
    """
    start(instance, verified)
    served = instance.serves()
    reached = tmp_path / "reached"
    hang = ["sh", "-c", f'touch "{reached}"; exec sleep 30']
    options = {
        "nginx_test": hang if step == "nginx -t" else instance.nginx_test,
        "reload_command": hang if step == "reload" else instance.reload_command,
        "stop_command": instance.nginx.stop_command(),
        "runtime": instance.nginx.runtime.__dict__,
    }
    argv = ["--parameter-name", PARAMETER, "--region", "eu-west-1", "--header-name", HEADER]
    argv += ["--listen", instance.nginx.listen, "--app-upstream", instance.app.upstream]
    argv += ["--conf-path", str(instance.nginx.conf_path), "--state-path", str(instance.state_path)]
    environment = {**os.environ, "PYTHONPATH": str(Path(guard.__file__).parent)}
    run = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(options), *argv],
        stdout=subprocess.DEVNULL,
        env=environment,
        start_new_session=True,
    )
    try:
        wait_until(reached.exists, 10, f"the run to reach {step}")
        os.killpg(run.pid, signal.SIGTERM)
        assert run.wait(timeout=10) == -signal.SIGTERM
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    # Killed before it could check (or stop) anything: nginx serves what it served.
    assert instance.serves() == served
    on_disk = guard.config_id(instance.nginx.conf_path.read_text())
    assert (on_disk is not None) is (verified or step == "reload")
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"
    assert not Path(f"{instance.nginx.conf_path}.origin-guard.tmp").exists()


# --- 8. The exit codes: each row of the table (guard.py's docstring, README "By hand"), as a run gives it.


def _nested(instance: Instance) -> None:
    instance.parameter("[" * 100_000 + "]" * 100_000)


def _value_not_utf8(instance: Instance) -> None:
    (instance.bin / "aws.out").write_bytes(b'["\xe9' + instance.new.encode() + b'"]\n')


def _error_not_utf8(instance: Instance) -> None:
    (instance.bin / "aws.error").write_bytes(b"An error occurred (\xe9) (AccessDeniedException) \xff\n")


def _unexpected(instance: Instance) -> None:
    def boom(*_: object) -> int:
        raise RuntimeError("a bug in the guard")

    instance.monkeypatch.setattr(guard, "apply", boom)


def _state_unwritable(instance: Instance) -> None:
    (instance.state_path.parent / "not-a-directory").write_text("")
    instance.state_path = instance.state_path.parent / "not-a-directory" / "origin-guard.loaded"


class _NoKill:
    """The os module as the guard sees it, with signals that do nothing (only the guard's view: the tests'
    own teardown still stops nginx).
    """

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def kill(*_: object) -> None:
        return None


def _cannot_kill(instance: Instance) -> None:
    instance.monkeypatch.setattr(guard, "os", _NoKill())


def _both(*steps: Callable[[Instance], None]) -> Callable[[Instance], None]:
    def arrange(instance: Instance) -> None:
        for step in steps:
            step(instance)

    return arrange


def _no_aws(instance: Instance) -> None:
    instance.aws.unlink()


# Rows 1 and 3 to 7 (UNEXPECTED, FETCH_FAILED, INVALID_VALUE, CONFIG_REJECTED, RELOAD_FAILED, WRITE_FAILED), each from
# both starting points: test_origin_guard_sync_live.py (FAILURES); 0 and 10: throughout, and above.
ROWS: dict[str, tuple[int, bool, Callable[[Instance], object], dict[str, object], str]] = {
    # name: (exit code, start verified, arrange, guard.main options, what nginx serves after)
    "fetch-failed-undecodable-error": (guard.FETCH_FAILED, False, _error_not_utf8, {}, "deny-all"),
    "invalid-value-nested": (guard.INVALID_VALUE, True, _nested, {}, "old"),
    "invalid-value-not-utf-8": (guard.INVALID_VALUE, False, _value_not_utf8, {}, "deny-all"),
    "state-failed": (guard.STATE_FAILED, False, _state_unwritable, {}, "new"),
    "stop-failed": (
        guard.STOP_FAILED,
        False,
        _cannot_kill,
        {"nginx_test": ["false"], "stop_command": ["true"], "stop_wait": 0.1},
        "open",
    ),
    # Two failures in one run: the first of 9, 1, 5/6/7, 3/4, 8 in the table wins.
    "fetch-and-state-failed": (
        guard.FETCH_FAILED,
        False,
        _both(_no_aws, _state_unwritable),
        {},
        "deny-all",
    ),
    "fetch-and-reload-failed": (
        guard.RELOAD_FAILED,
        False,
        _no_aws,
        {"reload_command": ["false"]},
        "stopped",
    ),
    "stop-beats-unexpected": (
        guard.STOP_FAILED,
        False,
        _both(_unexpected, _cannot_kill),
        {"stop_command": ["true"], "stop_wait": 0.1},
        "open",
    ),
}


@pytest.mark.parametrize("row", ROWS)
def test_every_exit_code_is_what_the_table_says(instance: Instance, row: str) -> None:
    code, verified, arrange, options, served = ROWS[row]
    start(instance, verified)
    arrange(instance)
    assert instance.sync(**options) == code
    assert instance.serves() == served


def test_the_usage_row(instance: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    start(instance, verified=False)
    with pytest.raises(SystemExit) as exit_:
        guard.main(["--parameter-name", PARAMETER, "--region", "eu-west-1", "--header-name", HEADER, "--listen", "0"])
    assert exit_.value.code == 2
    assert instance.serves() == "open"  # nothing touched
