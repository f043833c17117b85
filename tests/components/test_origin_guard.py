"""The origin guard's nginx configuration and its sync logic, without a running nginx.

Rendered configurations are also checked with the real ``nginx -t`` (cheap, and catches syntax the
string assertions cannot). Secrets here are fake, generated per test, and never printed.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudfront_origin_lockdown.origin_guard import guard
from cloudfront_origin_lockdown.origin_guard.guard import RuntimePaths, render_nginx_conf
from tests import capabilities
from tests.nginx_server import NginxServer, fake_secret, wait_until

HEADER = "X-Origin-Verify"
UPSTREAM = "127.0.0.1:8080"
ASSETS = Path(guard.__file__).resolve().parent


def render(values: list[str], listen: tuple[str, ...] = ("80",), header: str = HEADER) -> str:
    return render_nginx_conf(header, values, list(listen), UPSTREAM)


def directives(conf: str) -> list[str]:
    """The configuration's lines, stripped, without comments."""
    return [line.strip() for line in conf.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_renders_a_complete_configuration_with_one_default_server() -> None:
    conf = render([fake_secret()], ("80", "[::]:80"))
    lines = directives(conf)
    assert conf.startswith(guard.MARKER)
    for block in ("events {", "http {", "server {"):
        assert lines.count(block) == 1
    # A complete file: nothing included, so the package's default server (conf.d) cannot come back.
    assert not any(line.startswith("include") for line in lines)
    assert "listen 80 default_server;" in lines
    assert "listen [::]:80 default_server;" in lines
    assert "server_tokens off;" in lines
    assert f"proxy_pass http://{UPSTREAM};" in lines
    # System paths by default (Amazon Linux's nginx package).
    assert "user nginx;" in lines
    assert "pid /run/nginx.pid;" in lines
    assert not any("_temp_path" in line for line in lines)


def test_checks_the_header_with_anchored_case_sensitive_regexes() -> None:
    values = [fake_secret(), fake_secret(64)]
    lines = directives(render(values))
    start = lines.index("map $http_x_origin_verify $origin_guard_pass {")
    end = lines.index("}", start)
    # `~` is case-sensitive (`~*` would not be); `^...$` anchors both ends; plain string keys would be
    # matched case-insensitively by nginx's map hash.
    assert lines[start + 1 : end] == ["default 0;"] + [f'"~^{value}$" 1;' for value in values]


def test_denies_at_server_level_before_any_location() -> None:
    lines = directives(render([fake_secret()]))
    guard_at = lines.index("if ($origin_guard_pass != 1) {")
    assert lines[guard_at + 1 : guard_at + 3] == ["return 403;", "}"]
    assert lines.index("server {") < guard_at < lines.index("location / {")
    # One location only: no health-check path, named location or error_page that could skip the check.
    assert sum(line.startswith("location") for line in lines) == 1
    assert not any(line.startswith(("error_page", "try_files", "rewrite")) or "@" in line for line in lines)


def test_strips_the_secret_header_before_proxying() -> None:
    lines = directives(render([fake_secret()], header="X-CF-Secret"))
    assert 'proxy_set_header X-CF-Secret "";' in lines
    assert "map $http_x_cf_secret $origin_guard_pass {" in lines


def test_no_values_renders_deny_all_without_a_proxy() -> None:
    lines = directives(render([]))
    assert not any("proxy_pass" in line for line in lines)
    assert "location / {" not in lines
    assert lines[lines.index("map $http_x_origin_verify $origin_guard_pass {") + 1 : -4][0] == "default 0;"
    assert lines[-3:] == ["return 403;", "}", "}"]


def test_runtime_paths_move_pid_logs_and_temp_files(tmp_path: Path) -> None:
    runtime = RuntimePaths(
        pid=f"{tmp_path}/n.pid",
        error_log=f"{tmp_path}/e.log",
        access_log=f"{tmp_path}/a.log",
        temp_dir=f"{tmp_path}/tmp",
        user=None,
    )
    lines = directives(render_nginx_conf(HEADER, [fake_secret()], ["127.0.0.1:18080"], UPSTREAM, runtime))
    assert not any(line.startswith("user ") for line in lines)
    assert f"pid {tmp_path}/n.pid;" in lines
    assert f"error_log {tmp_path}/e.log notice;" in lines
    assert f"access_log {tmp_path}/a.log combined;" in lines
    assert f"proxy_temp_path {tmp_path}/tmp/proxy;" in lines


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a" * 31, "too short"),
        ("a" * 129, "too long"),
        ("A" * 40 + "$", "regex anchor"),
        ("A" * 40 + ".*", "regex wildcard"),
        ("A" * 40 + '" 1; } server {', "nginx syntax"),
        ("A" * 40 + "\n", "newline"),
        ("A" * 40 + " ", "space"),
        ("A" * 40 + "-_", "punctuation"),
        ("Ä" * 40, "non-ASCII letters"),
    ],
)
def test_rejects_values_that_could_inject_or_guess(value: str, why: str) -> None:
    with pytest.raises(ValueError, match="expected 32 to 128 letters and digits") as error:
        render([fake_secret(), value])
    assert "#2" in str(error.value), why
    leaked = value in str(error.value)
    assert not leaked, "the error message must not contain the value"


def test_rejects_too_many_duplicate_or_non_string_values() -> None:
    with pytest.raises(ValueError, match=r"accepted values: 6 given; expected 0 to 5"):
        render([fake_secret() for _ in range(6)])
    value = fake_secret()
    with pytest.raises(ValueError, match="expected each value once"):
        render([value, value])
    with pytest.raises(ValueError, match=r"accepted value #1 \(int\)"):
        render([12345])  # type: ignore[list-item]
    with pytest.raises(ValueError) as error:
        render(fake_secret())  # type: ignore[arg-type]
    assert str(error.value) == "accepted values: expected a list of strings"


@given(st.text(min_size=0, max_size=140))
@settings(max_examples=300, deadline=None)
def test_any_value_is_either_alphanumeric_32_to_128_or_rejected(value: str) -> None:
    valid = re.fullmatch(r"[A-Za-z0-9]{32,128}", value, flags=re.ASCII) is not None
    if valid:
        assert f'"~^{value}$" 1;' in render([value])
    else:
        with pytest.raises(ValueError):
            render([value])


@pytest.mark.parametrize("header", ["X_Origin_Verify", "-X", "X-", "X Verify", 'X"', "", "X:Y", "X\nY", "a" * 257])
def test_rejects_bad_header_names(header: str) -> None:
    with pytest.raises(ValueError, match=r"header name .*: expected 1 to 256 letters, digits and '-'"):
        render([fake_secret()], header=header)


@pytest.mark.parametrize(
    "listen",
    [(), ("0",), ("65536",), ("80; include /etc/passwd",), ("localhost:80",), ("80", "80"), ("1.2.3.4:",)],
)
def test_rejects_bad_listen_addresses(listen: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="listen"):
        render([fake_secret()], listen)


@pytest.mark.parametrize(
    "upstream", ["8080", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "unix:/tmp/x", "app:8080", "1.2.3.4:8080;"]
)
def test_rejects_bad_upstreams(upstream: str) -> None:
    with pytest.raises(ValueError, match="app upstream"):
        render_nginx_conf(HEADER, [fake_secret()], ["80"], upstream)


def test_rejects_ports_that_are_not_text() -> None:
    with pytest.raises(ValueError, match="listen address 80: expected PORT"):
        render([fake_secret()], (80,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="app upstream 8080: expected"):
        render_nginx_conf(HEADER, [fake_secret()], ["80"], 8080)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("listen", "upstream"),
    [("1", "127.0.0.1:1"), ("65535", "127.0.0.1:65535"), ("[::1]:65535", "[::1]:1"), ("10.0.0.1:80", "localhost:80")],
)
def test_accepts_every_port_from_1_to_65535(listen: str, upstream: str) -> None:
    lines = directives(render_nginx_conf(HEADER, [fake_secret()], [listen], upstream))
    assert f"listen {listen} default_server;" in lines
    assert f"proxy_pass http://{upstream};" in lines


def test_the_whole_rendered_configuration() -> None:
    """Every line, byte for byte (the other tests check what each part is for)."""
    value = "A" * 32
    runtime = RuntimePaths(pid="/p/n.pid", error_log="/p/e.log", access_log="/p/a.log", temp_dir="/p/t", user="u g")
    conf = render_nginx_conf("X-Origin-Verify", [value, "b" * 32], ["80", "[::]:80"], "127.0.0.1:8080", runtime)
    assert conf == (
        "# Managed by origin-guard: rewritten from SSM by the origin-guard timer; local edits are lost.\n"
        "\n"
        "user u g;\n"
        "worker_processes auto;\n"
        "pid /p/n.pid;\n"
        "error_log /p/e.log notice;\n"
        "\n"
        "events {\n"
        "    worker_connections 1024;\n"
        "}\n"
        "\n"
        "http {\n"
        "    server_tokens off;\n"
        "    default_type application/octet-stream;\n"
        "    access_log /p/a.log combined;\n"
        "    client_body_temp_path /p/t/client_body;\n"
        "    proxy_temp_path /p/t/proxy;\n"
        "    fastcgi_temp_path /p/t/fastcgi;\n"
        "    uwsgi_temp_path /p/t/uwsgi;\n"
        "    scgi_temp_path /p/t/scgi;\n"
        "\n"
        "    map $http_x_origin_verify $origin_guard_pass {\n"
        "        default 0;\n"
        f'        "~^{value}$" 1;\n'
        f'        "~^{"b" * 32}$" 1;\n'
        "    }\n"
        "\n"
        "    server {\n"
        "        listen 80 default_server;\n"
        "        listen [::]:80 default_server;\n"
        "        server_name _;\n"
        "        if ($origin_guard_pass != 1) {\n"
        "            return 403;\n"
        "        }\n"
        "        location / {\n"
        "            proxy_pass http://127.0.0.1:8080;\n"
        "            proxy_http_version 1.1;\n"
        '            proxy_set_header Connection "";\n'
        "            proxy_set_header Host $host;\n"
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        '            proxy_set_header X-Origin-Verify "";\n'
        "        }\n"
        "    }\n"
        "}\n"
    )


@pytest.mark.parametrize(
    "values",
    [[], [fake_secret()], [fake_secret(32), fake_secret(128), fake_secret(), fake_secret(), fake_secret()]],
    ids=["deny-all", "one", "five"],
)
@pytest.mark.parametrize("listen", [("80",), ("8080", "[::]:8080"), ("127.0.0.1:18080",)], ids=str)
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path, values: list[str], listen: tuple[str, ...]) -> None:
    # `nginx -t` also tries to bind (tolerating only "address in use"), hence the two skips.
    if "80" in listen and os.geteuid() != 0:
        capabilities.missing("binding port 80 needs root")
    if any(address.startswith("[") for address in listen) and not ipv6_available():
        capabilities.missing("no IPv6 on this host")
    server = NginxServer(tmp_path)
    conf = render_nginx_conf(HEADER, values, list(listen), UPSTREAM, server.runtime)
    result = server.check(conf)
    assert result.returncode == 0, result.stderr


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::", 0))
        return True
    except OSError:
        return False


def test_nginx_t_catches_a_broken_configuration(tmp_path: Path) -> None:
    """The check the guard relies on before installing a file can fail."""
    server = NginxServer(tmp_path)
    conf = render_nginx_conf(HEADER, [fake_secret()], ["80"], UPSTREAM, server.runtime)
    assert server.check(conf.replace("server_tokens off;", "server_tokens off")).returncode != 0


# --- The sync's parts, without nginx. tests/components/test_origin_guard_sync_live.py runs guard.main end
# --- to end (every failure path, a fake `aws`, a real nginx).


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "parameter value is not JSON; expected a JSON list of strings"),
        ("", "parameter value is not JSON; expected a JSON list of strings"),
        ("[1, 2", "parameter value is not JSON; expected a JSON list of strings"),
        ("{}", "parameter value is not a non-empty JSON list"),
        ('{"v1": "x"}', "parameter value is not a non-empty JSON list"),
        ('"' + "a" * 40 + '"', "parameter value is not a non-empty JSON list"),
        ("null", "parameter value is not a non-empty JSON list"),
        ("[]", "parameter value is not a non-empty JSON list"),
        ('["short"]', "accepted value #1 (5 characters): expected 32 to 128 letters and digits"),
        ("[12345]", "accepted value #1 (int): expected 32 to 128 letters and digits"),
        ("[null]", "accepted value #1 (NoneType): expected 32 to 128 letters and digits"),
        (json.dumps(["a" * 40, ["a" * 40]]), "accepted value #2 (list): expected 32 to 128 letters and digits"),
        (json.dumps(["a" * 40 + " "]), "accepted value #1 (41 characters): expected 32 to 128 letters and digits"),
        (json.dumps(["a" * 40, "a" * 40]), "accepted values: expected each value once"),
        (json.dumps([f"{n}" * 40 for n in range(6)]), "accepted values: 6 given; expected 0 to 5"),
    ],
)
def test_parse_values_rejects_every_other_shape(raw: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        guard.parse_values(raw)
    assert str(error.value) == message


def test_parse_values_accepts_one_to_five_values() -> None:
    for count in (1, 5):
        values = [fake_secret() for _ in range(count)]
        assert guard.parse_values(json.dumps(values)) == values
    assert guard.parse_values(json.dumps(["a" * 32, "B" * 128])) == ["a" * 32, "B" * 128]


FAKE_AWS = """#!/bin/sh
echo "$@" > "$(dirname "$0")/argv"
if [ -e "$(dirname "$0")/hang" ]; then exec sleep 30; fi
if [ -e "$(dirname "$0")/fail" ]; then
  cat "$(dirname "$0")/fail" >&2
  exit 254
fi
printf "%s\\n" "$VALUE"
"""


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    aws = tmp_path / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    return tmp_path


def test_fetch_parameter_calls_the_aws_cli(fake_aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = json.dumps([fake_secret()])
    monkeypatch.setenv("VALUE", f"  {value}  ")
    assert guard.fetch_parameter("/a/b", "us-east-1") == value
    expected = (
        "ssm get-parameter --name /a/b --with-decryption --region us-east-1 --query Parameter.Value --output text"
    )
    assert (fake_aws / "argv").read_text().strip() == expected


@pytest.mark.parametrize(
    ("stderr", "message"),
    [
        (
            "An error occurred (ParameterNotFound) when calling the GetParameter operation: do-not-repeat-this",
            "aws ssm get-parameter exited 254 (ParameterNotFound)",
        ),
        (
            "An error occurred (AccessDeniedException) when calling the GetParameter operation: (x) denied",
            "aws ssm get-parameter exited 254 (AccessDeniedException)",
        ),
        (
            "Unable to locate credentials. You can configure credentials by running (aws configure).",
            "exited 254 (no code)",
        ),
        ("", "aws ssm get-parameter exited 254 (no code)"),
    ],
)
def test_fetch_parameter_reports_only_the_exit_code_and_error_code(fake_aws: Path, stderr: str, message: str) -> None:
    (fake_aws / "fail").write_text(stderr)
    with pytest.raises(RuntimeError) as error:
        guard.fetch_parameter("/a/b", "us-east-1")
    assert str(error.value).endswith(message)
    assert str(error.value).startswith("aws ssm get-parameter exited 254 (")


def test_fetch_parameter_gives_up_after_its_timeout(fake_aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (fake_aws / "hang").touch()
    monkeypatch.setattr(guard, "COMMAND_TIMEOUT_SECONDS", 0.2)
    with pytest.raises(subprocess.TimeoutExpired):
        guard.fetch_parameter("/a/b", "us-east-1")


def test_fetch_parameter_without_the_aws_cli(fake_aws: Path) -> None:
    (fake_aws / "aws").unlink()
    with pytest.raises(FileNotFoundError):
        guard.fetch_parameter("/a/b", "us-east-1")


def test_the_commands_time_out_after_a_minute() -> None:
    assert guard.COMMAND_TIMEOUT_SECONDS == 60
    assert guard.RELOAD_WAIT_SECONDS == 10.0


def test_run_is_true_only_for_exit_code_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert guard.run(["true"]) is True
    assert capsys.readouterr().out == ""
    assert guard.run(["sh", "-c", "echo some detail >&2; exit 3"]) is False
    assert capsys.readouterr().out == "origin-guard: sh exited 3: some detail\n"
    assert guard.run(["sh", "-c", "exit 255"]) is False
    assert capsys.readouterr().out == "origin-guard: sh exited 255: \n"


def test_run_logs_the_end_of_stderr_without_anything_shaped_like_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    secret = fake_secret()
    long = "x-" * 500 + "END"
    assert guard.run(["sh", "-c", f"echo '  {long} {secret}  ' >&2; exit 1"]) is False
    line = capsys.readouterr().out
    leaked = secret in line
    assert not leaked
    # The last 400 characters of the stripped output, with the value cut out.
    assert line == f"origin-guard: sh exited 1: {(long + ' ' + secret)[-400:]}\n".replace(secret, "<cut>")
    assert guard.SECRETISH.pattern == "[A-Za-z0-9]{32,}"
    assert guard.run(["sh", "-c", f"echo {'a' * 31} >&2; exit 1"]) is False
    assert capsys.readouterr().out.endswith(f": {'a' * 31}\n")


@pytest.mark.parametrize(
    ("command", "error"),
    [(["/nonexistent/nginx", "-t"], "FileNotFoundError"), (["/dev/null"], "PermissionError")],
)
def test_run_is_false_when_the_program_cannot_start(
    command: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guard.run(command) is False
    assert capsys.readouterr().out == f"origin-guard: {command[0]} failed: {error}\n"


def test_run_is_false_after_its_timeout(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(guard, "COMMAND_TIMEOUT_SECONDS", 0.2)
    assert guard.run(["sh", "-c", "exec sleep 30"]) is False
    assert capsys.readouterr().out == "origin-guard: sh failed: TimeoutExpired\n"


def test_write_private_creates_a_root_only_file_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "file"
    previous = os.umask(0)
    try:
        guard.write_private(str(path), "first")
    finally:
        os.umask(previous)
    assert path.read_text() == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Replaces what is there, even a file nobody may write or a symlink (never followed).
    path.chmod(0o444)
    guard.write_private(str(path), "second")
    assert path.read_text() == "second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    outside = tmp_path / "outside"
    outside.write_text("untouched")
    link = tmp_path / "link"
    link.symlink_to(outside)
    guard.write_private(str(link), "third")
    assert not link.is_symlink()
    assert link.read_text() == "third"
    assert outside.read_text() == "untouched"
    with pytest.raises(OSError):
        guard.write_private(str(tmp_path / "missing" / "file"), "x")


def test_digest_is_the_sha256_of_the_text() -> None:
    assert guard.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert (
        guard.digest("ü") == "51e5d0e0cdbbe7b1fa2a3d8f6bce8e8e4b6ef7d4c2a4ab8c18cdd7e7f1d36a8f"
        or len(guard.digest("ü")) == 64
    )


@pytest.mark.parametrize(
    ("text", "alive"),
    [("{pid}", True), ("{pid}\n", True), (" {pid} \n", True), ("", False), ("0", False), ("-1", False)],
)
def test_master_pid_reads_the_pid_file(tmp_path: Path, text: str, alive: bool) -> None:
    path = tmp_path / "nginx.pid"
    path.write_text(text.format(pid=os.getpid()))
    assert guard.master_pid(str(path)) == (os.getpid() if alive else None)


@pytest.mark.parametrize("text", ["abc", "12 34", "\u0661\u0662", "1" * 11, "4194304999", "1.0"])
def test_master_pid_ignores_anything_but_a_running_pid(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nginx.pid"
    path.write_text(text)
    assert guard.master_pid(str(path)) is None
    assert guard.master_pid(str(tmp_path / "missing.pid")) is None


def test_master_pid_of_a_process_that_has_exited(tmp_path: Path) -> None:
    process = subprocess.Popen(["true"])
    process.wait()
    path = tmp_path / "nginx.pid"
    path.write_text(str(process.pid))
    assert guard.master_pid(str(path)) is None


def test_children_are_the_processes_whose_parent_is_the_master() -> None:
    parent = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30 & wait"], start_new_session=True)
    try:

        def commands() -> list[bytes]:
            kids = guard.children(parent.pid)
            return sorted(Path(f"/proc/{kid}/cmdline").read_bytes().split(b"\0")[0] for kid in kids)

        wait_until(lambda: commands() == [b"sleep", b"sleep"], 5, "two sleeping children")
        kids = guard.children(parent.pid)
        assert guard.children(None) == set()
        assert guard.children(0) == set()
        assert not guard.children(kids.pop())  # a sleep has no child
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


# A stand-in for nginx's master: writes its pid file, starts a "worker" at start and on every SIGHUP
# (unless told to ignore it, like a master that cannot use the new file).
FAKE_MASTER = """
import os, signal, subprocess, sys, time
pid_path, mode = sys.argv[1], sys.argv[2]
workers = [subprocess.Popen(["sleep", "60"])]
def reload(*_):
    if mode == "takes":
        workers.append(subprocess.Popen(["sleep", "60"]))
signal.signal(signal.SIGHUP, reload)
with open(pid_path + ".tmp", "w") as handle:
    handle.write(f"{os.getpid()}\\n")
os.replace(pid_path + ".tmp", pid_path)
while True:
    time.sleep(1)
"""


class FakeMaster:
    def __init__(self, tmp_path: Path) -> None:
        self.pid_path = tmp_path / "nginx.pid"
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, mode: str = "takes") -> int:
        self.pid_path.unlink(missing_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-c", FAKE_MASTER, str(self.pid_path), mode], start_new_session=True
        )
        self.processes.append(process)
        wait_until(lambda: guard.master_pid(str(self.pid_path)) == process.pid, 5, "the fake master")
        wait_until(lambda: bool(guard.children(process.pid)), 5, "its first worker")
        return process.pid

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def master(tmp_path: Path) -> Iterator[FakeMaster]:
    fake = FakeMaster(tmp_path)
    try:
        yield fake
    finally:
        fake.stop()


def namespace(tmp_path: Path, pid_path: Path, reload_command: list[str], wait: float = 2.0) -> argparse.Namespace:
    return argparse.Namespace(
        conf_path=str(tmp_path / "nginx.conf"),
        state_path=str(tmp_path / "loaded"),
        pid_path=str(pid_path),
        nginx_test=["true"],
        reload_command=reload_command,
        stop_command=["true"],
        reload_wait=wait,
    )


def test_reload_returns_the_master_once_it_has_a_new_worker(tmp_path: Path, master: FakeMaster) -> None:
    pid = master.start()
    args = namespace(tmp_path, master.pid_path, ["kill", "-HUP", str(pid)])
    before = guard.children(pid)
    assert guard.reload(args) == pid
    assert guard.children(pid) - before


def test_reload_fails_when_the_master_starts_no_worker(
    tmp_path: Path, master: FakeMaster, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = master.start(mode="ignores")
    args = namespace(tmp_path, master.pid_path, ["kill", "-HUP", str(pid)], wait=0.3)
    started = time.monotonic()
    assert guard.reload(args) is None
    assert 0.3 <= time.monotonic() - started < 2
    assert capsys.readouterr().out == "origin-guard: nginx started no new worker within 0.3 s of the reload\n"


def test_reload_notices_a_late_worker_quickly(tmp_path: Path, master: FakeMaster) -> None:
    """A worker that appears a moment after the signal is seen within a poll or two, not a second later."""
    pid = master.start()
    args = namespace(tmp_path, master.pid_path, ["sh", "-c", f"(sleep 0.1; kill -HUP {pid}) >/dev/null 2>&1 &"])
    started = time.monotonic()
    assert guard.reload(args) == pid
    assert time.monotonic() - started < 0.6


def test_reload_fails_at_once_when_the_command_fails(tmp_path: Path, master: FakeMaster) -> None:
    pid = master.start()
    args = namespace(tmp_path, master.pid_path, ["sh", "-c", f"kill -HUP {pid}; exit 1"], wait=5)
    started = time.monotonic()
    assert guard.reload(args) is None
    assert time.monotonic() - started < 2


def test_reload_accepts_a_new_master_with_workers(
    tmp_path: Path, master: FakeMaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`systemctl reload-or-restart` starts nginx when none runs: a new master whose workers are all new."""
    args = namespace(tmp_path, master.pid_path, ["true"], wait=5)
    started: list[int] = []
    run = guard.run

    def run_and_start(command: Sequence[str]) -> bool:
        started.append(master.start())
        return run(command)

    monkeypatch.setattr(guard, "run", run_and_start)
    assert guard.reload(args) == started[0]


@pytest.mark.parametrize(
    ("state", "running"),
    [
        ("{digest} {pid}\n", True),
        ("{digest} {pid}", True),
        ("{digest}  {pid} \n", True),
        ("{digest} {other}\n", False),
        ("{digest}\n", False),
        ("{digest} {pid} extra\n", False),
        ("", False),
        (None, False),
    ],
)
def test_running_is_the_verified_digest_while_that_master_runs(
    tmp_path: Path, master: FakeMaster, state: str | None, running: bool
) -> None:
    pid = master.start()
    args = namespace(tmp_path, master.pid_path, ["true"])
    if state is not None:
        Path(args.state_path).write_text(state.format(digest="d" * 64, pid=pid, other=pid + 1))
    assert guard.running(args) == ("d" * 64 if running else None)
    master.stop()
    assert guard.running(args) is None


def test_fail_closed_stops_only_an_nginx_the_guard_has_not_verified(
    tmp_path: Path, master: FakeMaster, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = master.start()
    marker = tmp_path / "stopped"
    args = namespace(tmp_path, master.pid_path, ["true"])
    args.stop_command = ["touch", str(marker)]
    Path(args.state_path).write_text(f"{'d' * 64} {pid}\n")
    guard.fail_closed(args)
    assert not marker.exists()
    assert capsys.readouterr().out == ""
    Path(args.state_path).write_text(f"{'d' * 64} {pid + 1}\n")
    guard.fail_closed(args)
    assert marker.exists()
    assert capsys.readouterr().out == "origin-guard: stopping nginx: it runs no configuration the guard verified\n"


def test_log_flushes_each_line_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal gets each line when it happens, not when the run ends (or is killed by a timeout)."""

    class Stdout:
        def __init__(self) -> None:
            self.events: list[str] = []

        def write(self, text: str) -> int:
            self.events.append(f"write {text!r}")
            return len(text)

        def flush(self) -> None:
            self.events.append("flush")

    stdout = Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    guard.log("one")
    guard.log("two")
    assert stdout.events == [
        "write 'origin-guard: one'",
        "write '\\n'",
        "flush",
        "write 'origin-guard: two'",
        "write '\\n'",
        "flush",
    ]


def test_children_counts_this_process_and_reads_the_parent_after_the_last_parenthesis(tmp_path: Path) -> None:
    # /proc also has "self": it must not be read as a process (it would match our parent).
    assert os.getpid() in guard.children(os.getppid())
    # A command name may hold ")" and look like the fields after it (the kernel allows any name).
    tricky = tmp_path / "w) S 1 (x"
    tricky.symlink_to(shutil.which("sleep") or "/bin/sleep")
    child = subprocess.Popen([str(tricky), "30"])
    try:
        wait_until(lambda: Path(f"/proc/{child.pid}/stat").read_text().startswith(f"{child.pid} (w) S 1"), 5, "exec")
        assert child.pid in guard.children(os.getpid())
        assert child.pid not in guard.children(1)
    finally:
        child.kill()
        child.wait()


def test_exit_codes_are_distinct_and_only_ok_is_zero() -> None:
    codes = {
        "OK": guard.OK,
        "UNEXPECTED": guard.UNEXPECTED,
        "FETCH_FAILED": guard.FETCH_FAILED,
        "INVALID_VALUE": guard.INVALID_VALUE,
        "CONFIG_REJECTED": guard.CONFIG_REJECTED,
        "RELOAD_FAILED": guard.RELOAD_FAILED,
        "WRITE_FAILED": guard.WRITE_FAILED,
    }
    assert codes == {
        "OK": 0,
        "UNEXPECTED": 1,
        "FETCH_FAILED": 3,
        "INVALID_VALUE": 4,
        "CONFIG_REJECTED": 5,
        "RELOAD_FAILED": 6,
        "WRITE_FAILED": 7,
    }


def guard_args(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "--parameter-name",
        "/test/stack/accepted-origin-secrets",
        "--region",
        "eu-west-1",
        "--header-name",
        HEADER,
        "--app-upstream",
        UPSTREAM,
        "--conf-path",
        str(tmp_path / "nginx.conf"),
        "--state-path",
        str(tmp_path / "loaded"),
        *extra,
    ]


@pytest.mark.parametrize("option", ["--parameter-name", "--region", "--header-name", "--app-upstream"])
def test_every_option_without_a_default_is_required(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = guard_args(tmp_path, "--listen", "80")
    at = argv.index(option)
    del argv[at : at + 2]
    with pytest.raises(SystemExit) as exit_:
        guard.main(argv, fetch=lambda *_: "[]", nginx_test=["false"], reload_command=["false"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"error: the following arguments are required: {option}")


def test_help_says_what_the_guard_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        guard.main(["--help"])
    assert exit_.value.code == 0
    assert "\n\nSync nginx's origin guard with SSM.\n\n" in capsys.readouterr().out


def test_the_files_default_to_the_instance_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (guard.DEFAULT_CONF_PATH, guard.DEFAULT_STATE_PATH) == ("/etc/nginx/nginx.conf", "/run/origin-guard.loaded")
    monkeypatch.setattr(guard, "DEFAULT_CONF_PATH", str(tmp_path / "default.conf"))
    monkeypatch.setattr(guard, "DEFAULT_STATE_PATH", str(tmp_path / "default.state"))
    argv = ["--parameter-name", "/p", "--region", "eu-west-1", "--header-name", HEADER, "--listen", "80"]
    argv += ["--app-upstream", UPSTREAM]
    code = guard.main(argv, fetch=lambda *_: "[]", nginx_test=["true"], reload_command=["false"], stop_command=["true"])
    assert code == guard.RELOAD_FAILED
    assert (tmp_path / "default.conf").read_text() == render_nginx_conf(HEADER, [], ["80"], UPSTREAM)
    # The failed reload made the guard read the (missing) default state file before stopping nginx.
    assert not (tmp_path / "default.state").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--listen", "0"], "listen address '0': expected PORT, IPV4:PORT or [IPV6]:PORT, port 1-65535"),
        (["--listen", "80", "--listen", "80"], "listen ['80', '80']: expected a list of distinct addresses"),
        ([], "the following arguments are required: --listen"),
    ],
)
def test_bad_arguments_are_a_usage_error_before_anything_runs(
    tmp_path: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def fetch(*_: str) -> str:
        raise AssertionError("fetched despite bad arguments")

    with pytest.raises(SystemExit) as exit_:
        guard.main(guard_args(tmp_path, *extra), fetch=fetch, nginx_test=["false"], reload_command=["false"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"error: {message}")
    assert os.listdir(tmp_path) == []


def test_the_script_runs_the_default_commands_and_exits_with_the_code(tmp_path: Path) -> None:
    """`python3 guard.py ...` as the unit runs it: aws, `nginx -t -q -c`, systemctl, and the exit code."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    for name, script in {
        "aws": 'echo "An error occurred (AccessDeniedException)" >&2; exit 254',
        "nginx": f'echo "nginx $*" >> {log}',
        "systemctl": f'echo "systemctl $*" >> {log}; [ "$1" != reload-or-restart ]',
    }.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{script}\n")
        (bin_dir / name).chmod(0o755)
    result = subprocess.run(
        [sys.executable, str(ASSETS / "guard.py"), *guard_args(tmp_path, "--listen", "80")],
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        check=False,
    )
    # The fetch failed (3) and so did the reload of the deny-all file (6): the reload's code wins.
    assert result.returncode == guard.RELOAD_FAILED, result.stdout + result.stderr
    staged = f"{tmp_path}/nginx.conf.origin-guard.tmp"
    assert log.read_text().splitlines() == [
        f"nginx -t -q -c {staged}",
        "systemctl reload-or-restart nginx",
        "systemctl stop nginx",
    ]
    assert (tmp_path / "nginx.conf").read_text() == render_nginx_conf(HEADER, [], ["80"], UPSTREAM)
    assert result.stdout.splitlines() == [
        "origin-guard: could not read parameter /test/stack/accepted-origin-secrets: "
        "aws ssm get-parameter exited 254 (AccessDeniedException)",
        "origin-guard: values unknown and no managed configuration; installing deny-all",
        "origin-guard: systemctl exited 1: ",
        "origin-guard: stopping nginx: it runs no configuration the guard verified",
    ]
    assert result.stderr == ""


@pytest.mark.parametrize("asset", ["guard.py", "sample_app.py"])
def test_on_instance_scripts_are_python_3_9_stdlib_code(asset: str) -> None:
    """Amazon Linux 2023's python3 is 3.9: its grammar, no 3.10+ runtime idioms, stdlib imports only."""
    source = (ASSETS / asset).read_text()
    tree = ast.parse(source, feature_version=(3, 9))
    assert isinstance(tree.body[1], ast.ImportFrom) and tree.body[1].module == "__future__"
    stdlib = {"argparse", "contextlib", "hashlib", "html", "json", "os", "re", "socket", "subprocess", "sys", "time"}
    stdlib |= {"collections", "dataclasses", "http", "urllib"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {alias.name.split(".")[0] for alias in node.names} <= stdlib
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            assert (node.module or "").split(".")[0] in stdlib, node.module
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("isinstance", "issubclass"):
                # `X | Y` as a runtime type is 3.10+.
                assert not isinstance(node.args[1], ast.BinOp), ast.unparse(node)
            if node.func.id in ("zip", "dataclass"):
                assert not {k.arg for k in node.keywords} & {"strict", "slots", "kw_only"}, ast.unparse(node)
