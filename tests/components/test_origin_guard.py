"""The origin guard's nginx configuration and its sync logic, without a running nginx.

Rendered configurations are also checked with the real ``nginx -t`` (cheap, and catches syntax the
string assertions cannot). Secrets here are fake, generated per test, and never printed.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudfront_origin_lockdown import boot
from cloudfront_origin_lockdown.origin_guard import guard
from cloudfront_origin_lockdown.origin_guard.guard import RuntimePaths, render_nginx_conf
from tests import capabilities
from tests.nginx_server import NginxServer, fake_secret

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
    for block in ("events {", "http {"):
        assert lines.count(block) == 1
    # The origin's server, and the probe's on a unix socket (below).
    assert lines.count("server {") == 2
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
    server = lines.index("listen 80 default_server;")
    deny = ["server_name _;", "if ($origin_guard_pass != 1) {", "return 403;", "}", "return 403;", "}"]
    assert lines[server + 1 : server + 7] == deny


def test_the_probe_answers_only_the_id_on_a_unix_socket() -> None:
    """A server of its own, on the runtime's unix socket (root-only directory), that answers the SHA-256 of
    the configuration before it: nothing reaches the app through it, and no TCP port is opened for it.
    """
    conf = render([fake_secret()])
    before, probe = conf.rsplit("\n\n    server {\n", 1)
    assert probe.splitlines() == [
        "        listen unix:/run/origin-guard/nginx.sock;",
        "        access_log off;",
        f'        return 200 "{guard.config_id(conf)}";',
        "    }",
        "}",
    ]
    # The id is the digest of the configuration from `user` to the origin's server, both included.
    core = before.split("\n\n", 1)[1]
    assert core.startswith("user nginx;\n") and core.endswith("\n    }")
    assert guard.config_id(conf) == guard.digest(core)
    # Different values, a different id; the same values, the same id and the same bytes.
    assert guard.config_id(render([fake_secret()])) != guard.config_id(conf)
    assert render(conf.split('"~^')[1].split("$")[0:1]) == conf


def test_the_first_line_seals_the_rest() -> None:
    conf = render([fake_secret()])
    first, rest = conf.split("\n", 1)
    assert first == f"{guard.MARKER} sha256={guard.digest(rest)}"
    assert rest.startswith("# Rewritten from SSM by the origin-guard timer; nginx will not start on an edited file.\n")
    assert guard.config_id(conf) is not None


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
    runtime = RuntimePaths("/p/n.pid", "/p/e.log", "/p/a.log", "/p/t", "u g", "/p/g/s.sock")
    conf = render_nginx_conf("X-Origin-Verify", [value, "b" * 32], ["80", "[::]:80"], "127.0.0.1:8080", runtime)
    core = (
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
        "    }"
    )
    rest = (
        "# Rewritten from SSM by the origin-guard timer; nginx will not start on an edited file.\n"
        "\n"
        f"{core}\n"
        "\n"
        "    server {\n"
        "        listen unix:/p/g/s.sock;\n"
        "        access_log off;\n"
        f'        return 200 "{hashlib.sha256(core.encode()).hexdigest()}";\n'
        "    }\n"
        "}\n"
    )
    assert conf == f"# Managed by origin-guard sha256={hashlib.sha256(rest.encode()).hexdigest()}\n{rest}"


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


NOT_JSON = "parameter value is not JSON; expected a JSON list of strings"
NOT_UTF_8 = "parameter value is not UTF-8; expected a JSON list of strings"


@pytest.mark.parametrize(
    ("raw", "messages"),
    [
        ("[" * 100_000 + "]" * 100_000, ["parameter value is nested too deeply; expected a JSON list of strings"]),
        (b'["\xff' + b"a" * 40 + b'"]', [NOT_UTF_8]),
        (b"\xfe\xff\x00[\x00]", [NOT_UTF_8]),
        (b"[1, 2", [NOT_JSON]),
        # Python 3.11+ refuses an integer of over 4,300 digits (3.9 parses it): a bad value either way.
        ("1" * 5000, [NOT_JSON, "parameter value is not a non-empty JSON list"]),
    ],
    ids=["nested", "latin-1", "utf-16", "bytes-not-json", "long-number"],
)
def test_parse_values_calls_every_bad_value_invalid_never_a_read_failure(raw: str | bytes, messages: list[str]) -> None:
    """Whatever the CLI printed, a value that cannot be used is a ValueError (exit 4, not 3 or 1)."""
    with pytest.raises(ValueError) as error:
        guard.parse_values(raw)
    assert str(error.value) in messages


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
    # The CLI's bytes as they are: decoding them is part of checking the value (parse_values).
    assert guard.fetch_parameter("/a/b", "us-east-1") == f"  {value}  \n".encode()
    assert guard.parse_values(guard.fetch_parameter("/a/b", "us-east-1")) == json.loads(value)
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


def test_fetch_parameter_reports_an_undecodable_error_as_a_failed_read(fake_aws: Path) -> None:
    """An error message that is not UTF-8 (a localized CLI) is still a failed read, not a bad value."""
    (fake_aws / "fail").write_bytes(b"An error occurred (Throttling\xe9) \xff\xfe (ThrottlingException) when")
    with pytest.raises(RuntimeError) as error:
        guard.fetch_parameter("/a/b", "us-east-1")
    assert str(error.value) == "aws ssm get-parameter exited 254 (ThrottlingException)"


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


def test_run_logs_output_that_is_not_utf_8(capsys: pytest.CaptureFixture[str]) -> None:
    """nginx -t quoting a file's bytes, or a localized systemctl: logged with replacement characters, never
    an exception (which would turn a rejected file into an "unexpected" failure).
    """
    assert guard.run(["sh", "-c", r"printf 'bad \377\376 byte' >&2; exit 1"]) is False
    assert capsys.readouterr().out == "origin-guard: sh exited 1: bad \ufffd\ufffd byte\n"


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


class FakeProbe:
    """A unix socket server standing in for nginx's probe: it answers ``answer`` (bytes) to each request."""

    def __init__(self, path: Path, answer: bytes) -> None:
        self.path = path
        self.answer = answer
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(str(path))
        self.server.listen(8)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def http(body: str, status: str = "200 OK") -> bytes:
        return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client:
                client.recv(1024)
                if self.answer:
                    client.sendall(self.answer)
                else:
                    self.stopping.wait(5)  # never answers (within the guard's timeout)

    def close(self) -> None:
        """Stop serving before the socket goes: a thread still in accept() could otherwise serve the next
        test's socket, which may get the same file descriptor.
        """
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[FakeProbe]:
    fake = FakeProbe(tmp_path / "probe.sock", FakeProbe.http("a" * 64))
    yield fake
    fake.close()


ID_A, ID_B = "a" * 64, "b" * 64


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        (FakeProbe.http(ID_A), ID_A),
        (FakeProbe.http(ID_A, "404 Not Found"), None),
        (FakeProbe.http(ID_A + "\n"), None),
        (FakeProbe.http(ID_A.upper()), None),
        (FakeProbe.http(ID_A[:63]), None),
        (FakeProbe.http(ID_A).replace(b"HTTP/1.1", b"HTTP/1.0"), None),
        (FakeProbe.http(ID_A).replace(b"\r\n\r\n", b"\r\n"), None),
        (b"garbage \xff\xfe", None),
    ],
)
def test_running_id_is_only_a_200_whose_body_is_an_id(probe: FakeProbe, answer: bytes, found: str | None) -> None:
    probe.answer = answer
    assert guard.running_id(str(probe.path)) == found


def test_running_id_without_an_answer(tmp_path: Path, probe: FakeProbe, monkeypatch: pytest.MonkeyPatch) -> None:
    assert guard.PROBE_TIMEOUT_SECONDS == 2.0
    monkeypatch.setattr(guard, "PROBE_TIMEOUT_SECONDS", 0.2)
    probe.answer = b""
    started = time.monotonic()
    assert guard.running_id(str(probe.path)) is None
    assert time.monotonic() - started < 1.5
    assert guard.running_id(str(tmp_path / "missing.sock")) is None
    assert guard.running_id(str(tmp_path)) is None  # a directory


@pytest.mark.parametrize("leftover", ["socket", "file"])
def test_a_socket_nobody_listens_on_is_removed_only_before_a_reload(tmp_path: Path, leftover: str) -> None:
    """nginx killed (SIGKILL) leaves its socket file, and could not bind it again."""
    path = tmp_path / "nginx.sock"
    if leftover == "socket":
        with socket.socket(socket.AF_UNIX) as dead:
            dead.bind(str(path))
    else:
        path.write_text("")
    assert guard.running_id(str(path)) is None
    assert path.exists()  # only the check before a reload clears it
    assert guard.running_id(str(path), clear_stale=True) is None
    assert not path.exists()


def test_a_socket_bound_but_not_yet_listening_is_kept(tmp_path: Path) -> None:
    """nginx starting (between its bind and its listen) refuses a connection too: its socket must stay, or
    nginx would listen on a path nobody can reach any more.
    """
    path = tmp_path / "nginx.sock"
    with socket.socket(socket.AF_UNIX) as starting:
        starting.bind(str(path))
        assert guard.running_id(str(path), clear_stale=True) is None
        assert path.exists()


def test_a_socket_that_answers_is_never_removed(probe: FakeProbe) -> None:
    assert guard.running_id(str(probe.path), clear_stale=True) == ID_A
    probe.answer = FakeProbe.http("no id", "500 Internal Server Error")
    assert guard.running_id(str(probe.path), clear_stale=True) is None
    assert probe.path.exists()


@pytest.fixture
def port() -> Iterator[int]:
    """A loopback port bound, not listening, for the test's duration: nothing else can listen on it, so a guard
    that kills whatever listens on its port finds nothing (never another process's server on this machine).
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def namespace(
    tmp_path: Path, probe: Path, reload_command: list[str], wait: float = 2.0, port: int = 0
) -> argparse.Namespace:
    return argparse.Namespace(
        conf_path=str(tmp_path / "nginx.conf"),
        state_path=str(tmp_path / "loaded"),
        probe=str(probe),
        nginx_test=["true"],
        reload_command=reload_command,
        stop_command=["true"],
        reload_wait=wait,
        stop_wait=2.0,
        ports={port},
    )


def test_reload_succeeds_once_nginx_answers_the_wanted_id(tmp_path: Path, probe: FakeProbe) -> None:
    """A command that returns at once, and nginx answering the new id a moment later (a new worker)."""
    args = namespace(tmp_path, probe.path, ["sh", "-c", "exit 0"])
    timer = threading.Timer(0.1, lambda: setattr(probe, "answer", FakeProbe.http(ID_B)))
    started = time.monotonic()
    timer.start()
    assert guard.reload(args, ID_B) is True
    assert 0.1 <= time.monotonic() - started < 0.6


def test_reload_fails_when_nginx_keeps_answering_the_old_id(
    tmp_path: Path, probe: FakeProbe, capsys: pytest.CaptureFixture[str]
) -> None:
    args = namespace(tmp_path, probe.path, ["true"], wait=0.3)
    started = time.monotonic()
    assert guard.reload(args, ID_B) is False
    assert 0.3 <= time.monotonic() - started < 2
    assert capsys.readouterr().out == (
        "origin-guard: nginx did not answer with the new configuration within 0.3 s of the reload\n"
    )


def test_reload_fails_at_once_when_the_command_fails(tmp_path: Path, probe: FakeProbe) -> None:
    probe.answer = FakeProbe.http(ID_B)  # even if nginx answers the wanted id: the command said no
    args = namespace(tmp_path, probe.path, ["false"], wait=5)
    started = time.monotonic()
    assert guard.reload(args, ID_B) is False
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("state", "found"),
    [
        ("{id}\n", True),
        ("{id}", True),
        (" {id} \n", True),
        ("{id} 1234\n", False),  # the record of an earlier guard: "<digest> <master pid>"
        ("{id}{id}", False),
        ("{upper}\n", False),
        ("", False),
        ("\x00\xff", False),
        (None, False),
    ],
)
def test_recorded_is_an_id_or_nothing(tmp_path: Path, state: str | None, found: bool) -> None:
    path = tmp_path / "loaded"
    if state is not None:
        path.write_bytes(state.format(id=ID_A, upper=ID_A.upper()).encode("latin-1"))
    assert guard.recorded(str(path)) == (ID_A if found else None)


def listening(family: socket.AddressFamily, address: str) -> socket.socket:
    server = socket.socket(family, socket.SOCK_STREAM)
    server.bind((address, 0))
    server.listen(1)
    return server


def test_listeners_are_the_processes_holding_a_listening_socket_on_a_port(port: int) -> None:
    ipv4 = listening(socket.AF_INET, "127.0.0.1")
    listened = ipv4.getsockname()[1]
    try:
        sockets, holders = guard.listeners({listened})
        assert len(sockets) == 1 and holders == {os.getpid()}
        # A connection to it is not listening; a port bound but not listening (`port`) is not either.
        with socket.create_connection(("127.0.0.1", listened)):
            assert guard.listeners({listened}) == (sockets, holders)
        assert guard.listeners({port}) == (set(), set())
        if ipv6_available():
            ipv6 = listening(socket.AF_INET6, "::1")
            try:
                both = guard.listeners({listened, ipv6.getsockname()[1]})
                assert len(both[0]) == 2 and both[1] == {os.getpid()}
            finally:
                ipv6.close()
    finally:
        ipv4.close()
    assert guard.listeners({listened}) == (set(), set())


# A server that ignores SIGTERM, like a master that will not stop (or one whose stop command fails).
STUBBORN = """
import signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
time.sleep(60)
"""


@pytest.fixture
def stubborn(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    yield process, int(process.stdout.readline())
    process.kill()
    process.wait()


def test_fail_closed_leaves_a_verified_nginx_alone(
    tmp_path: Path, probe: FakeProbe, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "stopped"
    args = namespace(tmp_path, probe.path, ["true"])
    args.stop_command = ["touch", str(marker)]
    assert guard.fail_closed(args) == guard.OK
    assert not marker.exists()
    assert capsys.readouterr().out == ""


def test_fail_closed_stops_and_kills_what_still_listens(
    tmp_path: Path, stubborn: tuple[subprocess.Popen[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    process, port = stubborn
    marker = tmp_path / "stopped"
    args = namespace(tmp_path, tmp_path / "no-probe.sock", ["true"])
    args.ports, args.stop_command, args.stop_wait = {port}, ["touch", str(marker)], 0.3
    started = time.monotonic()
    assert guard.fail_closed(args) == guard.OK
    assert marker.exists()
    assert process.wait(timeout=5) == -signal.SIGKILL
    assert 0.3 <= time.monotonic() - started < 3  # SIGTERM, 0.3 s, SIGKILL
    assert capsys.readouterr().out.splitlines() == [
        "origin-guard: stopping nginx: it runs no configuration the guard verified",
        f"origin-guard: still listening on port(s) [{port}]: SIGTERM to process(es) [{process.pid}]",
        f"origin-guard: still listening on port(s) [{port}]: SIGKILL to process(es) [{process.pid}]",
    ]


def test_fail_closed_reports_what_it_cannot_stop(
    tmp_path: Path,
    stubborn: tuple[subprocess.Popen[str], int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    process, port = stubborn
    sent: list[tuple[int, int]] = []

    class NoKill:  # the os module as the guard sees it, with signals that do nothing
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        @staticmethod
        def kill(pid: int, signum: int) -> None:
            sent.append((pid, signum))

    monkeypatch.setattr(guard, "os", NoKill())
    args = namespace(tmp_path, tmp_path / "no-probe.sock", ["true"])
    args.ports, args.stop_command, args.stop_wait = {port}, ["false"], 0.1
    assert guard.fail_closed(args) == guard.STOP_FAILED
    assert sent == [(process.pid, signal.SIGTERM), (process.pid, signal.SIGKILL)]
    assert process.poll() is None
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"origin-guard: still listening on port(s) [{port}]: the origin may answer without the check"
    )


def test_fail_closed_is_quiet_when_the_stop_worked(
    tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = namespace(tmp_path, tmp_path / "no-probe.sock", ["true"], port=port)
    assert guard.fail_closed(args) == guard.OK
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


EXIT_CODES = {
    "OK": 0,
    "UNEXPECTED": 1,
    "FETCH_FAILED": 3,
    "INVALID_VALUE": 4,
    "CONFIG_REJECTED": 5,
    "RELOAD_FAILED": 6,
    "WRITE_FAILED": 7,
    "STATE_FAILED": 8,
    "STOP_FAILED": 9,
    "BUSY": 10,
}


def test_exit_codes_are_distinct_and_only_ok_is_zero() -> None:
    assert {name: getattr(guard, name) for name in EXIT_CODES} == EXIT_CODES
    # 2 is argparse's usage error.
    assert len({*EXIT_CODES.values(), 2}) == len(EXIT_CODES) + 1


def test_the_exit_code_tables_are_the_codes() -> None:
    """The table in guard.py's docstring and the README's ("By hand") list exactly the codes the guard uses."""
    documented = {
        int(code): name for code, name in re.findall(r"^ {1,2}(\d{1,2})  ([A-Za-z_]+) ", guard.__doc__ or "", re.M)
    }
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = {int(code): name for code, name in re.findall(r"^  \| (\d+) \| `?([A-Za-z_]+)`? \|", readme, re.M)}
    expected = {code: name for name, code in EXIT_CODES.items()} | {2: "usage"}
    assert documented == rows == expected


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
        "--probe-socket",
        str(tmp_path / "p" / "nginx.sock"),
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


def test_the_files_default_to_the_instance_paths(tmp_path: Path, port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (guard.DEFAULT_CONF_PATH, guard.DEFAULT_STATE_PATH) == ("/etc/nginx/nginx.conf", "/run/origin-guard.loaded")
    assert guard.RuntimePaths().probe == "/run/origin-guard/nginx.sock"
    monkeypatch.setattr(guard, "DEFAULT_CONF_PATH", str(tmp_path / "default.conf"))
    monkeypatch.setattr(guard, "DEFAULT_STATE_PATH", str(tmp_path / "default.state"))
    # A port nothing can listen on: a failed run stops (and would kill) whatever listens on the origin's port.
    argv = ["--parameter-name", "/p", "--region", "eu-west-1", "--header-name", HEADER, "--listen", str(port)]
    argv += ["--app-upstream", UPSTREAM]
    runtime = RuntimePaths(probe=str(tmp_path / "run" / "nginx.sock"))  # the socket's default: the runtime's
    code = guard.main(
        argv,
        fetch=lambda *_: "[]",
        nginx_test=["true"],
        reload_command=["false"],
        stop_command=["true"],
        runtime=runtime,
    )
    assert code == guard.RELOAD_FAILED
    assert (tmp_path / "default.conf").read_text() == render_nginx_conf(HEADER, [], [str(port)], UPSTREAM, runtime)
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o700
    # Nothing was verified, so nothing was recorded.
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


# Amazon Linux 2023's python3 is 3.9: the script runs under it too, where pyenv has it (scripts/setup.sh).
PYTHON_3_9 = Path.home() / ".pyenv" / "versions" / "3.9.18" / "bin" / "python"
INTERPRETERS = {"this": Path(sys.executable), "3.9": PYTHON_3_9}


def interpreter(name: str) -> str:
    if not INTERPRETERS[name].exists():
        capabilities.missing(f"Python 3.9 is not installed at {PYTHON_3_9} (pyenv install 3.9.18)")
    return str(INTERPRETERS[name])


@pytest.mark.parametrize("python", INTERPRETERS)
def test_the_script_runs_the_default_commands_and_exits_with_the_code(tmp_path: Path, port: int, python: str) -> None:
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
    # The script as the instance has it: unpacked from the user data (no docstrings, comments or annotations).
    embedded = tmp_path / "guard.py"
    embedded.write_text(boot.read_asset("guard.py"))
    result = subprocess.run(
        [interpreter(python), str(embedded), *guard_args(tmp_path, "--listen", str(port))],
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
    probe = RuntimePaths(probe=str(tmp_path / "p" / "nginx.sock"))
    assert (tmp_path / "nginx.conf").read_text() == render_nginx_conf(HEADER, [], [str(port)], UPSTREAM, probe)
    assert result.stdout.splitlines() == [
        "origin-guard: could not read parameter /test/stack/accepted-origin-secrets: "
        "aws ssm get-parameter exited 254 (AccessDeniedException)",
        "origin-guard: values unknown and no verified configuration; installing deny-all",
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
    stdlib |= {"collections", "dataclasses", "http", "urllib", "fcntl", "signal"}
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
    if asset == "guard.py":
        # Waits and deadlines use the monotonic clock: a wall-clock jump (NTP, a VM resumed) cannot end a wait
        # early or stretch it.
        calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert {call for call in calls if call.startswith(("time.", "datetime"))} == {"time.monotonic", "time.sleep"}


def damaged_files(whole: str) -> dict[str, bytes]:
    """What a stray package, an edit, a crash or an attacker without root may leave in nginx.conf."""
    first, rest = whole.split("\n", 1)
    open_conf = "events {}\nhttp { server { listen 80; location / { proxy_pass http://127.0.0.1:8080; } } }\n"
    older = "# Managed by origin-guard: rewritten from SSM by the origin-guard timer; local edits are lost.\n"
    return {
        "appended": (whole + "include /etc/nginx/conf.d/*.conf;\n").encode(),
        "prepended": ("include /etc/nginx/conf.d/*.conf;\n" + whole).encode(),
        "truncated": whole[: len(whole) // 2].encode(),
        "last-line-missing": whole[: whole.rstrip("\n").rfind("\n") + 1].encode(),
        "marker-on-another-line": ("# an AMI's configuration\n" + first + "\n" + open_conf).encode(),
        "marker-over-an-open-file": (first + "\n" + open_conf).encode(),
        "resealed-without-the-probe": guard.seal(open_conf).encode(),
        "crlf": whole.replace("\n", "\r\n").encode(),
        "trailing-space": (whole + " ").encode(),
        "older-guard": (older + rest.split("\n", 2)[2]).encode(),
        "not-utf-8": whole.encode().replace(b"server_tokens", b"server_tok\xffens"),
        "empty": b"",
    }


def test_config_id_is_only_for_a_whole_file_the_guard_rendered() -> None:
    whole = render([fake_secret()])
    assert guard.config_id(whole) == guard.ANSWER.search(whole).group(1)  # type: ignore[union-attr]
    for name, damaged in damaged_files(whole).items():
        assert guard.config_id(damaged.decode("utf-8", errors="replace")) is None, name


@pytest.mark.parametrize("python", INTERPRETERS)
def test_bad_values_are_bad_values_under_every_interpreter(tmp_path: Path, python: str) -> None:
    """The exit code 4 cases whose exceptions depend on the interpreter's json (3.9's on the instance)."""
    (tmp_path / "guard.py").write_text(boot.read_asset("guard.py"))
    probe = (
        "import guard\n"
        "for raw in ('[' * 100000 + ']' * 100000, b'[\"\\xe9\"]', '1' * 5000, b'\\xfe\\xff\\x00[\\x00]'):\n"
        "    try:\n"
        "        guard.parse_values(raw)\n"
        "    except ValueError as error:\n"
        "        print(error)\n"
    )
    result = subprocess.run(
        [interpreter(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "parameter value is nested too deeply; expected a JSON list of strings"
    assert lines[1] == lines[3] == NOT_UTF_8
    assert lines[2] in (NOT_JSON, "parameter value is not a non-empty JSON list")
    assert len(lines) == 4


@pytest.mark.parametrize("python", INTERPRETERS)
def test_the_check_nginx_runs_before_it_starts(tmp_path: Path, python: str) -> None:
    """`guard.py --check FILE` (nginx's unit's ExecStartPre): 0 only for a whole file the guard wrote
    (config_id, tested on every kind of damage above; here the script's own exit codes and message).
    """
    whole = render([fake_secret()])
    damaged = damaged_files(whole)
    files = {"whole": whole.encode(), "appended": damaged["appended"], "not-utf-8": damaged["not-utf-8"]}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    codes = {}
    script = tmp_path / "guard.py"
    script.write_text(boot.read_asset("guard.py"))  # as unpacked from the user data
    for name in [*files, "missing"]:
        command = [interpreter(python), str(script), "--check", str(tmp_path / name)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        codes[name] = result.returncode
        expected = "" if name == "whole" else f"origin-guard: {tmp_path / name} is not a whole file the guard wrote\n"
        assert (result.stdout, result.stderr) == ("", expected)
    assert codes == {"whole": 0, "appended": 1, "not-utf-8": 1, "missing": 1}
