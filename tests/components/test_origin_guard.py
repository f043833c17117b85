"""The origin guard's nginx configuration and its sync logic, without a running nginx.

Rendered configurations are also checked with the real ``nginx -t`` (cheap, and catches syntax the
string assertions cannot). Secrets here are fake, generated per test, and never printed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudfront_origin_lockdown.origin_guard import guard
from cloudfront_origin_lockdown.origin_guard.guard import RuntimePaths, render_nginx_conf
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
    with pytest.raises(ValueError, match="expected a list of strings"):
        render(fake_secret())  # type: ignore[arg-type]


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


@pytest.mark.parametrize("upstream", ["8080", "127.0.0.1", "127.0.0.1:0", "unix:/tmp/x", "app:8080", "1.2.3.4:8080;"])
def test_rejects_bad_upstreams(upstream: str) -> None:
    with pytest.raises(ValueError, match="app upstream"):
        render_nginx_conf(HEADER, [fake_secret()], ["80"], upstream)


@pytest.mark.parametrize(
    "values",
    [[], [fake_secret()], [fake_secret(32), fake_secret(128), fake_secret(), fake_secret(), fake_secret()]],
    ids=["deny-all", "one", "five"],
)
@pytest.mark.parametrize("listen", [("80",), ("8080", "[::]:8080"), ("127.0.0.1:18080",)], ids=str)
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path, values: list[str], listen: tuple[str, ...]) -> None:
    # `nginx -t` also tries to bind (tolerating only "address in use"), hence the two skips.
    if "80" in listen and os.geteuid() != 0:
        pytest.skip("binding port 80 needs root")
    if any(address.startswith("[") for address in listen) and not ipv6_available():
        pytest.skip("no IPv6 on this host")
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


# --- The sync logic (guard.main) with fake commands; tests/components/test_origin_guard_live.py runs it
# --- against a real nginx.


def args(conf_path: Path) -> list[str]:
    return [
        "--parameter-name",
        "/test/stack/accepted-origin-secrets",
        "--region",
        "eu-west-1",
        "--header-name",
        HEADER,
        "--listen",
        "80",
        "--app-upstream",
        UPSTREAM,
        "--conf-path",
        str(conf_path),
    ]


def test_parse_values() -> None:
    values = [fake_secret(), fake_secret()]
    assert guard.parse_values(json.dumps(values)) == values
    for raw, message in [
        ("not json", "not JSON"),
        ("{}", "not a non-empty JSON list"),
        ("[]", "not a non-empty JSON list"),
        ('["short"]', "#1 (5 characters)"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            guard.parse_values(raw)


def test_main_installs_valid_values_and_never_prints_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf_path = tmp_path / "nginx.conf"
    values = [fake_secret(), fake_secret()]
    calls: list[tuple[str, str]] = []

    def fetch(name: str, region: str) -> str:
        calls.append((name, region))
        return json.dumps(values)

    status = guard.main(args(conf_path), fetch=fetch, nginx_test=("true",), reload_command=("true",))
    assert status == guard.OK
    assert calls == [("/test/stack/accepted-origin-secrets", "eu-west-1")]
    assert conf_path.read_text() == render(values)
    assert stat.S_IMODE(conf_path.stat().st_mode) == 0o600, "the file holds the secrets: root only"
    assert not (tmp_path / "nginx.conf.origin-guard.tmp").exists()
    output = capsys.readouterr()
    assert "2 accepted value(s)" in output.out
    leaked = any(value in output.out + output.err for value in values)
    assert not leaked, "a secret value was printed"


def test_main_keeps_the_current_file_when_nginx_rejects_the_new_one(tmp_path: Path) -> None:
    conf_path = tmp_path / "nginx.conf"
    before = render([fake_secret()])
    conf_path.write_text(before)
    status = guard.main(
        args(conf_path), fetch=lambda *_: json.dumps([fake_secret()]), nginx_test=("false",), reload_command=("true",)
    )
    assert status == guard.CONFIG_REJECTED
    assert conf_path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["nginx.conf"]


def test_main_reports_a_failed_reload(tmp_path: Path) -> None:
    status = guard.main(
        args(tmp_path / "nginx.conf"),
        fetch=lambda *_: json.dumps([fake_secret()]),
        nginx_test=("true",),
        reload_command=("false",),
    )
    assert status == guard.RELOAD_FAILED


@pytest.mark.parametrize(
    ("fetch_result", "status"),
    [(RuntimeError("aws ssm get-parameter exited 255 (AccessDeniedException)"), guard.FETCH_FAILED), ("[]", 4)],
)
def test_main_fails_closed_on_an_unmanaged_file_and_keeps_a_managed_one(
    tmp_path: Path, fetch_result: object, status: int
) -> None:
    def fetch(name: str, region: str) -> str:
        if isinstance(fetch_result, Exception):
            raise fetch_result
        return str(fetch_result)

    conf_path = tmp_path / "nginx.conf"
    conf_path.write_text("# the package's stock configuration\nhttp { server { listen 80; } }\n")
    assert guard.main(args(conf_path), fetch=fetch, nginx_test=("true",), reload_command=("true",)) == status
    assert conf_path.read_text() == render([])
    managed = render([fake_secret()])
    conf_path.write_text(managed)
    assert guard.main(args(conf_path), fetch=fetch, nginx_test=("true",), reload_command=("true",)) == status
    assert conf_path.read_text() == managed


def test_fetch_parameter_calls_the_aws_cli_and_reports_only_the_error_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = json.dumps([fake_secret()])
    fake_aws = tmp_path / "aws"
    fake_aws.write_text(
        "#!/bin/sh\n"
        'echo "$@" > "$(dirname "$0")/argv"\n'
        'if [ -e "$(dirname "$0")/fail" ]; then\n'
        '  echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: $SECRETISH" >&2\n'
        "  exit 254\n"
        "fi\n"
        'printf "%s\\n" "$VALUE"\n'
    )
    fake_aws.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("VALUE", value)
    monkeypatch.setenv("SECRETISH", "do-not-repeat-this")
    assert guard.fetch_parameter("/a/b", "us-east-1") == value
    expected = (
        "ssm get-parameter --name /a/b --with-decryption --region us-east-1 --query Parameter.Value --output text"
    )
    assert (tmp_path / "argv").read_text().strip() == expected
    (tmp_path / "fail").touch()
    with pytest.raises(RuntimeError) as error:
        guard.fetch_parameter("/a/b", "us-east-1")
    assert str(error.value) == "aws ssm get-parameter exited 254 (ParameterNotFound)"


@pytest.mark.parametrize("asset", ["guard.py", "sample_app.py"])
def test_on_instance_scripts_are_python_3_9_stdlib_code(asset: str) -> None:
    """Amazon Linux 2023's python3 is 3.9: its grammar, no 3.10+ runtime idioms, stdlib imports only."""
    source = (ASSETS / asset).read_text()
    tree = ast.parse(source, feature_version=(3, 9))
    assert isinstance(tree.body[1], ast.ImportFrom) and tree.body[1].module == "__future__"
    stdlib = {"argparse", "contextlib", "html", "json", "os", "re", "socket", "subprocess", "sys", "time"}
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
