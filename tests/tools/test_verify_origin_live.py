"""The probe against real servers on loopback.

The origin is a real nginx running the configuration that the instance renders
(cloudfront_origin_lockdown.origin_guard.guard.render_nginx_conf) in front of the sample app; "CloudFront" is
tools/cloudfront_stand_in.py, a reverse proxy that adds the secret header. Each case writes the
stack outputs the probe reads, runs it, and checks the exit code and the report.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.origin_guard.guard import render_nginx_conf
from tests.nginx_server import LOOPBACK, REPO, NginxServer, SampleApp, free_port, http_get, wait_until
from tools import verify_origin as vo
from tools.cloudfront_stand_in import CloudFrontStandIn

pytestmark = pytest.mark.live

HEADER = "X-Origin-Verify"
FAST = ["--connect-timeout", "1", "--cloudfront-connect-timeout", "1", "--read-timeout", "3"]


@pytest.fixture
def secret() -> str:
    return secrets.token_hex(24)  # 48 letters and digits, like the generated RandomPassword


@pytest.fixture
def app(tmp_path: Path) -> Iterator[SampleApp]:
    with SampleApp(tmp_path, test_endpoints=True) as running:
        yield running


@pytest.fixture
def locked_origin(tmp_path: Path, app: SampleApp, secret: str) -> Iterator[NginxServer]:
    """nginx with the instance's own configuration: 403 unless the header carries the secret."""
    with NginxServer(tmp_path / "locked") as nginx:
        nginx.start(lambda n: render_nginx_conf(HEADER, [secret], [n.listen], app.upstream, n.runtime))
        yield nginx


def open_conf(nginx: NginxServer, upstream: str) -> str:
    """A deliberately wrong origin: proxies everything to the app and never looks at the header."""
    rt = nginx.runtime
    temp = [
        f"    {kind}_temp_path {rt.temp_dir}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    ]
    lines = [f"user {rt.user};"] if rt.user else []
    lines += ["worker_processes 1;", f"pid {rt.pid};", f"error_log {rt.error_log} notice;", "events {}", "http {"]
    lines += [
        f"    access_log {rt.access_log};",
        *temp,
        "    server {",
        f"        listen {nginx.listen} default_server;",
    ]
    lines += ["        location / {", f"            proxy_pass http://{upstream};", "        }", "    }", "}", ""]
    return "\n".join(lines)


@pytest.fixture
def open_origin(tmp_path: Path, app: SampleApp) -> Iterator[NginxServer]:
    with NginxServer(tmp_path / "open") as nginx:
        nginx.start(lambda n: open_conf(n, app.upstream))
        yield nginx


def outputs_file(tmp_path: Path, url: str, origin_url: str) -> str:
    data: dict[str, Any] = {
        "architecture": "direct",
        "url": url,
        "distributionDomainName": "d111111abcdef8.cloudfront.net",
        "distributionId": "E2QWRUHEXAMPLE",
        "originAddress": LOOPBACK,
        "originUrl": origin_url,
        "originHeaderName": HEADER,
        "securityGroupIds": {"origin-ipv4": "sg-0123456789abcdef0"},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def origin_url(port: int) -> str:
    return f"http://{LOOPBACK}:{port}/"


def run_probe(
    capsys: pytest.CaptureFixture[str], outputs: str, *extra: str, secret: str = ""
) -> tuple[int, str, dict[str, Any]]:
    """The probe in-process, twice (text, then --json): (exit code, text report, JSON report)."""
    code = vo.main(["--outputs-file", outputs, "--attempts", "1", *FAST, *extra])
    text = capsys.readouterr().out
    json_code = vo.main(["--outputs-file", outputs, "--attempts", "1", *FAST, "--json", *extra])
    report = json.loads(capsys.readouterr().out)
    assert json_code == code == report["exitCode"], text
    if secret:
        assert secret not in text and secret not in json.dumps(report)
    return code, text, report


def line(text: str, check: str) -> str:
    [found] = [row for row in text.splitlines() if row[5:].startswith(check + " ")]
    return found


def test_guard_really_locks_the_loopback_origin(locked_origin: NginxServer, secret: str) -> None:
    """The fixture itself: without the header 403, with it the app (so the cases below mean something)."""
    assert http_get(locked_origin.port, "/")[0] == 403
    assert http_get(locked_origin.port, "/", {HEADER: secret})[0] == 200


def test_locked_origin_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked_origin: NginxServer, secret: str
) -> None:
    with CloudFrontStandIn(origin_url(locked_origin.port), HEADER, secret) as cloudfront:
        outputs = outputs_file(tmp_path, cloudfront.url, origin_url(locked_origin.port))
        code, text, report = run_probe(capsys, outputs, secret=secret)
        # And the real command line, as `make verify` runs it (with a file instead of a stack).
        command = [sys.executable, "-m", "tools.verify_origin", "--outputs-file", outputs, *FAST]
        process = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    print(text)  # the README's example output (pytest -s shows it)
    assert code == vo.EXIT_OK, text
    assert line(text, "cloudfront").startswith("PASS") and "200 OK" in line(text, "cloudfront")
    for check in ("origin-no-header", "origin-wrong-header"):
        assert line(text, check).startswith("PASS") and "403 Forbidden" in line(text, check)
    assert "note: the network let this probe reach the origin" in text
    assert report["locked"] is True
    assert process.returncode == vo.EXIT_OK, process.stdout + process.stderr
    assert "verdict: LOCKED" in process.stdout and secret not in process.stdout + process.stderr


def test_origin_without_header_check_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], open_origin: NginxServer, secret: str
) -> None:
    with CloudFrontStandIn(origin_url(open_origin.port), HEADER, secret) as cloudfront:
        code, text, report = run_probe(capsys, outputs_file(tmp_path, cloudfront.url, origin_url(open_origin.port)))
    assert code == vo.EXIT_ORIGIN_OPEN, text
    for check in ("origin-no-header", "origin-wrong-header"):
        assert line(text, check).startswith("FAIL") and "reachable without the secret: answered 200" in text
    assert line(text, "cloudfront").startswith("PASS")
    assert "verdict: OPEN" in text and report["locked"] is False


def test_origin_accepting_any_header_value_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app: SampleApp, secret: str
) -> None:
    """An origin that checks only that the header is present: the wrong-value probe catches it."""
    variable = "$http_" + HEADER.lower().replace("-", "_")

    def presence_only(nginx: NginxServer) -> str:
        check = f'        if ({variable} = "") {{ return 403; }}\n        location / {{'
        return open_conf(nginx, app.upstream).replace("        location / {", check)

    with NginxServer(tmp_path / "presence") as nginx:
        nginx.start(presence_only)
        with CloudFrontStandIn(origin_url(nginx.port), HEADER, secret) as cloudfront:
            code, text, _ = run_probe(capsys, outputs_file(tmp_path, cloudfront.url, origin_url(nginx.port)))
    assert code == vo.EXIT_ORIGIN_OPEN, text
    assert line(text, "origin-no-header").startswith("PASS")
    assert line(text, "origin-wrong-header").startswith("FAIL")


def test_nothing_listening_at_the_origin_counts_as_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked_origin: NginxServer, secret: str
) -> None:
    """Like a security group that drops us: CloudFront gets through, the direct probe gets no connection."""
    with CloudFrontStandIn(origin_url(locked_origin.port), HEADER, secret) as cloudfront:
        code, text, _ = run_probe(capsys, outputs_file(tmp_path, cloudfront.url, origin_url(free_port())))
    assert code == vo.EXIT_OK, text
    for check in ("origin-no-header", "origin-wrong-header"):
        assert line(text, check).startswith("PASS") and "no connection (refused" in line(text, check)
    assert "note:" not in text


def test_origin_that_never_answers_counts_as_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked_origin: NginxServer, secret: str
) -> None:
    """A socket that never answers (the read times out) is no answer, within the configured timeout."""
    with socket.socket() as silent, CloudFrontStandIn(origin_url(locked_origin.port), HEADER, secret) as cloudfront:
        silent.bind((LOOPBACK, 0))
        silent.listen(8)
        outputs = outputs_file(tmp_path, cloudfront.url, origin_url(silent.getsockname()[1]))
        code, text, _ = run_probe(capsys, outputs, "--read-timeout", "0.3")
    assert code == vo.EXIT_OK, text
    assert "no connection (timeout" in line(text, "origin-no-header")


class _Status500(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_cloudfront() -> Iterator[str]:
    server = ThreadingHTTPServer((LOOPBACK, 0), _Status500)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield origin_url(server.server_address[1])
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_cloudfront_answering_500_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked_origin: NginxServer, failing_cloudfront: str
) -> None:
    code, text, _ = run_probe(capsys, outputs_file(tmp_path, failing_cloudfront, origin_url(locked_origin.port)))
    assert code == vo.EXIT_CLOUDFRONT_FAILING, text
    assert line(text, "cloudfront").startswith("FAIL") and "500" in line(text, "cloudfront")
    assert "verdict: BROKEN" in text


def test_cloudfront_down_fails_after_bounded_retries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked_origin: NginxServer
) -> None:
    outputs = outputs_file(tmp_path, origin_url(free_port()), origin_url(locked_origin.port))
    code, text, report = run_probe(capsys, outputs, "--attempts", "3", "--backoff", "0.05")
    assert code == vo.EXIT_CLOUDFRONT_FAILING, text
    assert "no answer through CloudFront (refused" in line(text, "cloudfront")
    assert report["checks"][0]["attempts"] == 3


@pytest.mark.parametrize(
    ("origin_state", "expected"),
    [("down", "502 Bad Gateway"), ("wrong-secret", "403 Forbidden")],
)
def test_cloudfront_that_cannot_use_the_origin_fails(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    locked_origin: NginxServer,
    origin_state: str,
    expected: str,
) -> None:
    """CloudFront up but the origin unusable: unreachable (502), or CloudFront sends a stale secret (403)."""
    if origin_state == "down":
        target, sent = origin_url(free_port()), secrets.token_hex(24)
    else:
        target, sent = origin_url(locked_origin.port), secrets.token_hex(24)  # not the origin's secret
    with CloudFrontStandIn(target, HEADER, sent) as cloudfront:
        code, text, _ = run_probe(capsys, outputs_file(tmp_path, cloudfront.url, origin_url(locked_origin.port)))
    assert code == vo.EXIT_CLOUDFRONT_FAILING, text
    assert expected in line(text, "cloudfront")


def test_stand_in_sends_exactly_the_secret(app: SampleApp, secret: str) -> None:
    """Like CloudFront's custom origin headers, a viewer-sent copy is replaced, not passed along."""
    with CloudFrontStandIn(origin_url(app.port), HEADER, secret) as cloudfront:
        status, body = http_get(cloudfront.port, "/_test/headers", {HEADER: "viewer-forged-value"})
    assert status == 200
    sent = [value for name, value in json.loads(body) if name.lower() == HEADER.lower()]
    assert sent == [secret]


def test_stand_in_command_line(tmp_path: Path, locked_origin: NginxServer, secret: str) -> None:
    """`python -m tools.cloudfront_stand_in` (the demo): secret from the environment, never printed."""
    command = [sys.executable, "-m", "tools.cloudfront_stand_in", "--origin", origin_url(locked_origin.port)]
    refused = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode == 2 and "ORIGIN_VERIFY_SECRET" in refused.stderr
    log = tmp_path / "stand-in.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, "ORIGIN_VERIFY_SECRET": secret}, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: "listening on" in log.read_text(), 10.0, "the stand-in to listen")
        match = re.search(r"listening on [\d.]+:(\d+)", log.read_text())
        assert match, log.read_text()
        assert http_get(int(match.group(1)), "/")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert secret not in log.read_text()
