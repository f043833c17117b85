"""Every failure path of the guard's sync (guard.main as the systemd timer runs it), end to end: the real
fetch through a fake `aws` CLI on PATH, a real nginx (`nginx -t`, graceful reloads, stops) in front of the
real sample app. Each case pins the exit code and what nginx serves afterwards:

- "deny-all": 403 for every request, whatever header it carries;
- "stopped": nothing listens (the guard stopped an nginx it could not verify);
- "old" / "new": 200 only with the old / the new accepted values, 403 otherwise.

Two starting points: an nginx already serving an open configuration that does not check the header (an
AMI's, or the package's), and an nginx running the guard's verified configuration with the old value.
Secrets are fake, generated per test, and never printed.
"""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.origin_guard import guard
from tests.guard_instance import OPEN, PARAMETER, Instance, logged
from tests.nginx_server import NginxServer, SampleApp

pytestmark = pytest.mark.live

SHORT_TIMEOUT = 0.2


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleApp]:
    with SampleApp(tmp_path_factory.mktemp("app")) as running:
        yield running


@pytest.fixture
def instance(tmp_path: Path, app: SampleApp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Instance]:
    with NginxServer(tmp_path) as nginx:
        yield Instance(tmp_path, nginx, app, monkeypatch)


@dataclass(frozen=True)
class Failure:
    """A way the run can fail: ``arrange`` prepares it, ``options`` go to guard.main, ``repair`` undoes it.
    ``says``: the start of the line the guard logs about it ({parameter} and {conf} filled in).
    """

    code: int
    says: str
    arrange: Callable[[Instance], None] = lambda _: None
    options: Callable[[Instance], dict[str, object]] = lambda _: {}
    repair: Callable[[Instance], None] = lambda _: None


def _staging_is_a_directory(instance: Instance) -> None:
    Path(f"{instance.nginx.conf_path}.origin-guard.tmp").mkdir()


APPLY = guard.apply


def _unexpected(instance: Instance) -> None:
    def boom(*_: object) -> int:
        raise RuntimeError("a bug in the guard")

    instance.monkeypatch.setattr(guard, "apply", boom)


def _repair_unexpected(instance: Instance) -> None:
    instance.monkeypatch.setattr(guard, "apply", APPLY)


RUN = subprocess.run
HANGS = "exec sleep 30"


def _short_timeout_for_hanging_commands(instance: Instance) -> None:
    """The guard gives every command a minute; here the one that hangs gets SHORT_TIMEOUT (and only that
    one: nginx -t, reloads and stops keep their minute, however loaded the machine).
    """

    def run(args: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
        if HANGS in args or (args[0] == "aws" and (instance.bin / "aws.hang").exists()):
            assert options["timeout"] == guard.COMMAND_TIMEOUT_SECONDS == 60
            options["timeout"] = SHORT_TIMEOUT
        return RUN(args, **options)

    instance.monkeypatch.setattr(guard.subprocess, "run", run)


def _hang_aws(instance: Instance) -> None:
    _short_timeout_for_hanging_commands(instance)
    (instance.bin / "aws.hang").touch()


FAILURES = {
    # Reading the parameter: the timer retries; nginx denies all meanwhile (or keeps verified values).
    "aws-missing": Failure(
        guard.FETCH_FAILED,
        "could not read parameter {parameter}: [Errno 2] No such file or directory: 'aws'",
        arrange=lambda i: i.aws.unlink(),
        repair=Instance.aws_works,
    ),
    # The instance booted before its role policy was attached.
    "aws-access-denied": Failure(
        guard.FETCH_FAILED,
        "could not read parameter {parameter}: aws ssm get-parameter exited 254 (AccessDeniedException)",
        arrange=lambda i: i.aws_error(
            "An error occurred (AccessDeniedException) when calling the GetParameter operation: "
            "User: arn:aws:sts::123456789012:assumed-role/origin/i-0 is not authorized"
        ),
        repair=Instance.aws_works,
    ),
    "aws-timeout": Failure(
        guard.FETCH_FAILED,
        "could not read parameter {parameter}: Command '['aws', 'ssm', 'get-parameter'",
        arrange=_hang_aws,
        repair=Instance.aws_works,
    ),
    # What the parameter holds.
    # (The other shapes a value can have take the same path: tests/components/test_origin_guard.py.)
    "not-json": Failure(
        guard.INVALID_VALUE,
        "parameter {parameter} is invalid: parameter value is not JSON; expected a JSON list of strings",
        arrange=lambda i: i.parameter("not json"),
    ),
    "empty-list": Failure(
        guard.INVALID_VALUE,
        "parameter {parameter} is invalid: parameter value is not a non-empty JSON list",
        arrange=lambda i: i.parameter([]),
    ),
    "bad-characters": Failure(
        guard.INVALID_VALUE,
        "parameter {parameter} is invalid: accepted value #2 (68 characters): expected 32 to 128 letters and digits",
        arrange=lambda i: i.parameter([i.new, "A" * 40 + '" 1; } server { listen 9999;']),
    ),
    # nginx -t.
    "nginx-t-rejects": Failure(
        guard.CONFIG_REJECTED,
        "the new configuration failed nginx -t; the current file stays",
        options=lambda _: {"nginx_test": ["sh", "-c", 'echo "nginx: [emerg] in $1:12" >&2; exit 1', "sh"]},
    ),
    "nginx-missing": Failure(
        guard.CONFIG_REJECTED,
        "/nonexistent/nginx failed: FileNotFoundError",
        options=lambda _: {"nginx_test": ["/nonexistent/nginx", "-t"]},
    ),
    "nginx-t-timeout": Failure(
        guard.CONFIG_REJECTED,
        "sh failed: TimeoutExpired",
        arrange=_short_timeout_for_hanging_commands,
        options=lambda _: {"nginx_test": ["sh", "-c", HANGS]},
    ),
    # The reload.
    "reload-fails": Failure(
        guard.RELOAD_FAILED,
        "sh exited 1: Job for nginx.service failed",
        options=lambda _: {"reload_command": ["sh", "-c", "echo 'Job for nginx.service failed' >&2; exit 1"]},
    ),
    "reload-not-taken": Failure(
        guard.RELOAD_FAILED,
        "nginx did not answer with the new configuration within 0.2 s of the reload",
        options=lambda _: {"reload_command": ["true"], "reload_wait": SHORT_TIMEOUT},
    ),
    "reload-timeout": Failure(
        guard.RELOAD_FAILED,
        "sh failed: TimeoutExpired",
        arrange=_short_timeout_for_hanging_commands,
        options=lambda _: {"reload_command": ["sh", "-c", HANGS]},
    ),
    # Files.
    "conf-unwritable": Failure(
        guard.WRITE_FAILED,
        "cannot write {conf}.origin-guard.tmp: Is a directory",
        arrange=_staging_is_a_directory,
        repair=lambda i: Path(f"{i.nginx.conf_path}.origin-guard.tmp").rmdir(),
    ),
    "unexpected-error": Failure(
        guard.UNEXPECTED, "unexpected RuntimeError: a bug in the guard", arrange=_unexpected, repair=_repair_unexpected
    ),
}

FETCH_OR_VALUE = {"aws-missing", "aws-access-denied", "aws-timeout", "not-json", "empty-list", "bad-characters"}


def says(failure: Failure, instance: Instance, lines: list[str]) -> bool:
    expected = failure.says.format(parameter=PARAMETER, conf=instance.nginx.conf_path)
    return any(line.startswith(expected) for line in lines)


@pytest.mark.parametrize("name", FAILURES)
def test_on_an_open_nginx_every_failure_denies_all_or_stops_it(
    instance: Instance, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failure = FAILURES[name]
    instance.open_nginx()
    instance.parameter([instance.new])
    failure.arrange(instance)
    capsys.readouterr()
    assert instance.sync(**failure.options(instance)) == failure.code
    lines = logged(capsys)
    assert says(failure, instance, lines), lines
    if name in FETCH_OR_VALUE:
        assert "values unknown and no verified configuration; installing deny-all" in lines
    else:
        assert lines[-1] == "stopping nginx: it runs no configuration the guard verified"
    # Without values the guard installs deny-all; when nginx cannot be brought to run anything the guard
    # verified, it is stopped: never left serving the open configuration.
    expected = "deny-all" if name in FETCH_OR_VALUE else "stopped"
    assert instance.serves() == expected
    if expected == "deny-all":
        assert instance.nginx.conf_path.read_text().startswith(guard.MARKER)
    elif failure.code == guard.RELOAD_FAILED:
        assert instance.nginx.conf_path.read_text().startswith(guard.MARKER)  # checked, but never verified
    else:
        assert instance.nginx.conf_path.read_text().startswith("\npid ")  # the open file, never restarted


@pytest.mark.parametrize("name", ["nginx-t-rejects", "reload-fails", "conf-unwritable", "unexpected-error"])
def test_a_stopped_nginx_starts_again_on_the_next_good_run(instance: Instance, name: str) -> None:
    failure = FAILURES[name]
    instance.open_nginx()
    instance.parameter([instance.new])
    failure.arrange(instance)
    assert instance.sync(**failure.options(instance)) == failure.code
    assert instance.serves() == "stopped"
    failure.repair(instance)
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


@pytest.mark.parametrize("name", FAILURES)
def test_on_a_verified_configuration_every_failure_keeps_the_old_values(
    instance: Instance, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failure = FAILURES[name]
    instance.guarded_nginx()
    installed = instance.nginx.conf_path.read_text()
    master = instance.nginx.master_pid
    instance.parameter([instance.new])
    failure.arrange(instance)
    capsys.readouterr()
    assert instance.sync(**failure.options(instance)) == failure.code
    lines = logged(capsys)
    assert says(failure, instance, lines), lines
    assert "stopping nginx: it runs no configuration the guard verified" not in lines
    if name in FETCH_OR_VALUE:
        # nginx answers the id of a configuration the guard rendered: nothing to do, nothing reloaded.
        assert lines[-1] == "values unknown; nginx keeps the verified configuration it runs"
    assert instance.serves() == "old"
    assert instance.nginx.master_pid == master, "nginx was restarted"
    if failure.code != guard.RELOAD_FAILED:
        assert instance.nginx.conf_path.read_text() == installed
        return
    # The new file is on disk, nginx still runs the old one: the next run reloads the unchanged file.
    failure.repair(instance)
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


def test_a_failed_reload_is_retried_until_nginx_runs_what_is_on_disk(instance: Instance) -> None:
    """The retired value stays refused only once nginx runs the file; until then every run fails."""
    instance.open_nginx()
    instance.parameter([instance.old, instance.new])
    assert instance.sync() == guard.OK
    assert instance.serves() == "both"
    # Retire the old value; the reload fails (twice). The file on disk already has only the new value.
    instance.parameter([instance.new])
    failing = {"reload_command": ["false"]}
    assert instance.sync(**failing) == guard.RELOAD_FAILED
    on_disk = instance.nginx.conf_path.read_text()
    assert instance.old not in on_disk
    assert instance.serves() == "both"
    assert instance.sync(**failing) == guard.RELOAD_FAILED, "an unchanged file must not hide a failed reload"
    assert instance.serves() == "both"
    # The reload works again: the file has not changed, yet the guard reloads, and the old value is refused.
    assert instance.sync() == guard.OK
    assert instance.nginx.conf_path.read_text() == on_disk
    assert instance.serves() == "new"
    # Now it is loaded: no further reload.
    workers = instance.nginx.workers()
    assert instance.sync(reload_command=["false"]) == guard.OK
    assert instance.nginx.workers() == workers


def test_the_role_policy_arriving_late_means_deny_all_then_the_values(instance: Instance) -> None:
    instance.open_nginx()
    instance.aws_error("An error occurred (AccessDeniedException) when calling the GetParameter operation")
    assert instance.sync() == guard.FETCH_FAILED
    assert instance.serves() == "deny-all"
    workers = instance.nginx.workers()
    assert instance.sync() == guard.FETCH_FAILED  # the timer's next run: still denied, no reload
    assert instance.nginx.workers() == workers
    assert instance.serves() == "deny-all"
    instance.aws_works()
    instance.parameter([instance.new])
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"


def test_nginx_restarted_outside_the_guard_is_reloaded_and_verified(instance: Instance) -> None:
    instance.guarded_nginx()
    # Someone restarts nginx (a new master) after writing an open configuration of their own.
    instance.nginx.stop()
    instance.nginx.start(
        lambda n: OPEN.format(
            pid=n.runtime.pid, error_log=n.runtime.error_log, listen=n.listen, upstream=instance.app.upstream
        )
    )
    assert instance.serves() == "open"
    assert instance.sync() == guard.OK
    assert instance.serves() == "old"
    # Restarted on the guard's own file: nginx answers that file's id, so it runs what is on disk (the new
    # master proves it; an earlier guard went by the master's pid and reloaded).
    instance.nginx.stop()
    instance.nginx.start()
    master = instance.nginx.master_pid
    workers = instance.nginx.workers()
    assert instance.sync() == guard.OK
    assert instance.nginx.master_pid == master
    assert instance.nginx.workers() == workers, "nginx already ran the file: no reload"
    assert instance.serves() == "old"


@pytest.mark.parametrize("state", ["", "\x00\xff", "abc {pid}", "{digest} {pid}", "{id}{id}"])
def test_a_damaged_state_file_is_rewritten_never_a_crash(instance: Instance, state: str) -> None:
    """The state only remembers what nginx last ran; what it runs now is asked of nginx. A damaged record
    (or an earlier guard's "<digest> <pid>") changes nothing that is served, and is written afresh.
    """
    instance.guarded_nginx()
    conf = instance.nginx.conf_path.read_text()
    text = state.format(digest=guard.digest(conf), pid=instance.nginx.master_pid, id=guard.config_id(conf))
    instance.state_path.write_bytes(text.encode("latin-1"))
    workers = instance.nginx.workers()
    assert instance.sync() == guard.OK
    assert instance.nginx.workers() == workers
    assert instance.serves() == "old"
    assert instance.state_path.read_text() == f"{guard.config_id(conf)}\n"


@pytest.mark.parametrize("leftover", ["read-only-file", "symlink", "dangling-symlink"])
def test_a_leftover_staging_file_never_blocks_a_run(instance: Instance, tmp_path: Path, leftover: str) -> None:
    instance.open_nginx()
    instance.parameter([instance.new])
    staging = Path(f"{instance.nginx.conf_path}.origin-guard.tmp")
    outside = tmp_path / "outside"
    outside.write_text("must stay as it is")
    if leftover == "read-only-file":
        staging.write_text("half a configuration from a run that was killed")
        staging.chmod(0o400)
    elif leftover == "symlink":
        staging.symlink_to(outside)
    else:
        staging.symlink_to(tmp_path / "missing")
    assert instance.sync() == guard.OK
    assert instance.serves() == "new"
    assert outside.read_text() == "must stay as it is"
    assert not staging.exists()
    assert not staging.is_symlink()


def test_written_files_are_root_only_and_the_output_holds_no_value(
    instance: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    instance.open_nginx()
    instance.parameter([instance.old, instance.new])
    assert instance.sync() == guard.OK
    for path in (instance.nginx.conf_path, instance.state_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert (instance.bin / "aws.argv").read_text().split() == [
        "ssm",
        "get-parameter",
        "--name",
        PARAMETER,
        "--with-decryption",
        "--region",
        "eu-west-1",
        "--query",
        "Parameter.Value",
        "--output",
        "text",
    ]
    # A failing nginx -t that repeats the file's lines must not put a value in the log.
    instance.parameter([instance.new])
    echo = ["sh", "-c", 'grep "~^" "$1" >&2; exit 1', "sh"]
    assert instance.sync(nginx_test=echo) == guard.CONFIG_REJECTED
    output = capsys.readouterr()
    leaked = any(value in output.out + output.err for value in (instance.old, instance.new))
    assert not leaked, "the guard printed a secret value"
    assert "<cut>" in output.out


def test_the_log_says_what_happened(instance: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    instance.open_nginx()
    instance.aws.unlink()
    assert instance.sync() == guard.FETCH_FAILED
    instance.aws_works()
    instance.parameter([instance.new])
    assert instance.sync() == guard.OK
    assert instance.sync() == guard.OK
    assert instance.sync(nginx_test=["false"], reload_command=["false"]) == guard.OK
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"origin-guard: could not read parameter {PARAMETER}: [Errno 2] No such file or directory: 'aws'",
        "origin-guard: values unknown and no verified configuration; installing deny-all",
        "origin-guard: nginx runs the new configuration",
        f"origin-guard: 1 accepted value(s) in {PARAMETER}",
        "origin-guard: nginx runs the new configuration",
        f"origin-guard: 1 accepted value(s) in {PARAMETER}",
        "origin-guard: configuration unchanged and loaded; no reload",
        f"origin-guard: 1 accepted value(s) in {PARAMETER}",
        "origin-guard: configuration unchanged and loaded; no reload",
    ]
