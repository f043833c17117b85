"""The origin guard in a real nginx, in front of the real sample app, probed over loopback.

Duplicate secret headers: nginx 1.23+ joins repeated header lines with ", " in $http_* variables
(CHANGES 1.23.0), so the anchored regex fails and the request gets 403. nginx 1.22 (Debian 12, used
here) returns only the first line, and plain nginx 1.22 has no variable that shows later ones, so
"first value wins" there: a request passes only if its FIRST secret header is an accepted value,
which already requires knowing the secret. The tests assert the behaviour of the nginx they run.
Secrets are fake and generated per test; assertions never print them.
"""

from __future__ import annotations

import html
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudfront_origin_lockdown.origin_guard.guard import render_nginx_conf
from tests.nginx_server import (
    NginxServer,
    SampleApp,
    fake_secret,
    free_port,
    http_get,
    nginx_version,
    raw_get,
    wait_until,
)

pytestmark = pytest.mark.live

HEADER = "X-Origin-Verify"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleApp]:
    with SampleApp(tmp_path_factory.mktemp("app"), test_endpoints=True) as running:
        yield running


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[NginxServer]:
    with NginxServer(tmp_path) as server:
        yield server


def guarded(nginx: NginxServer, app: SampleApp, values: list[str]) -> str:
    return render_nginx_conf(HEADER, values, [nginx.listen], app.upstream, nginx.runtime)


def status(nginx: NginxServer, path: str = "/", value: str | None = None) -> int:
    return http_get(nginx.port, path, {HEADER: value} if value is not None else None)[0]


def test_only_the_exact_secret_reaches_the_app(nginx: NginxServer, app: SampleApp) -> None:
    secret = fake_secret()
    nginx.start(lambda n: guarded(n, app, [secret]))

    code, body = http_get(nginx.port, "/", {HEADER: secret})
    assert code == 200
    assert "Served through CloudFront" in body
    assert http_get(nginx.port, "/healthz", {HEADER: secret}) == (200, "ok\n")
    # Header names are case-insensitive in HTTP; values are compared exactly.
    assert http_get(nginx.port, "/healthz", {HEADER.lower(): secret}) == (200, "ok\n")

    assert status(nginx, "/") == 403
    assert status(nginx, "/", "") == 403
    assert status(nginx, "/", fake_secret()) == 403
    assert status(nginx, "/", secret.swapcase()) == 403
    assert status(nginx, "/", secret.lower()) == 403
    assert status(nginx, "/", secret[:-1]) == 403
    assert status(nginx, "/", secret + "x") == 403
    assert status(nginx, "/", "x" + secret) == 403
    assert status(nginx, "/", f"{secret}, {secret}") == 403
    assert raw_get(nginx.port, "/", [("X-Origin-Verify_", secret)])[0] == 403
    assert raw_get(nginx.port, "/", [("X_Origin_Verify", secret)])[0] == 403
    for path in (
        "/healthz",
        "/_test/headers",
        "/missing",
        "/index.html",
        "/a/%2e%2e/healthz",
        "/healthz?x=1",
        "//healthz",
    ):
        assert status(nginx, path) == 403, path
    assert status(nginx, "/%2e%2e/") in (400, 403)  # nginx refuses to climb above the root
    # Other request shapes without the header: absolute URI, another Host, HTTP/1.0, POST.
    assert raw_get(nginx.port, "http://example.com/healthz", [])[0] == 403
    assert raw_get(nginx.port, "/", [("Host", "origin.example.com")])[0] == 403
    assert raw_get(nginx.port, "/healthz", [], version="HTTP/1.0")[0] == 403
    assert raw_get(nginx.port, "/healthz", [("Content-Length", "0")], method="POST")[0] == 403
    assert raw_get(nginx.port, "/healthz", [(HEADER, secret), ("Content-Length", "0")], method="POST")[0] == 501
    assert raw_get(nginx.port, "/", [("X-Forwarded-For", "127.0.0.1"), ("Via", "1.1 x.cloudfront.net")])[0] == 403
    # 403 page reveals no version.
    _, denied = http_get(nginx.port, "/")
    assert "403 Forbidden" in denied
    assert "nginx/" not in denied


def test_duplicate_secret_headers(nginx: NginxServer, app: SampleApp) -> None:
    secret, wrong = fake_secret(), fake_secret()
    nginx.start(lambda n: guarded(n, app, [secret]))

    # On every version: a wrong first value is never rescued by a right second one.
    assert raw_get(nginx.port, "/healthz", [(HEADER, wrong), (HEADER, secret)])[0] == 403
    assert raw_get(nginx.port, "/healthz", [(HEADER, ""), (HEADER, secret)])[0] == 403
    right_first = raw_get(nginx.port, "/healthz", [(HEADER, secret), (HEADER, wrong)])[0]
    right_twice = raw_get(nginx.port, "/healthz", [(HEADER, secret), (HEADER, secret)])[0]
    if nginx_version(nginx.binary) >= (1, 23, 0):
        # Joined as "a, b": the anchored regex cannot match.
        assert (right_first, right_twice) == (403, 403)
    else:
        # First value wins (1.22): only a request whose first header is the secret passes.
        assert (right_first, right_twice) == (200, 200)


def test_the_secret_header_is_not_forwarded_to_the_app(nginx: NginxServer, app: SampleApp) -> None:
    secret = fake_secret()
    nginx.start(lambda n: guarded(n, app, [secret]))
    for lines in ([(HEADER, secret)], [(HEADER, secret), (HEADER.lower(), secret)]):
        code, body = raw_get(nginx.port, "/_test/headers", lines)
        if code == 403:  # nginx >= 1.23 refuses the duplicate (see above)
            continue
        assert code == 200
        received = {name.lower() for name, _ in json.loads(body)}
        assert HEADER.lower() not in received
        assert "host" in received
        leaked = secret in body
        assert not leaked, "the app received the secret"


def test_rotation_window_then_graceful_switch(nginx: NginxServer, app: SampleApp) -> None:
    old, new = fake_secret(), fake_secret()
    nginx.start(lambda n: guarded(n, app, [old, new]))
    assert status(nginx, "/", old) == 200
    assert status(nginx, "/", new) == 200
    assert status(nginx, "/") == 403

    nginx.reload(guarded(nginx, app, [new]))
    assert status(nginx, "/", old) == 403
    assert status(nginx, "/", new) == 200


def test_reload_drops_no_in_flight_request(nginx: NginxServer, app: SampleApp) -> None:
    old, new = fake_secret(), fake_secret()
    nginx.start(lambda n: guarded(n, app, [old]))
    results: list[tuple[int, str]] = []
    slow = threading.Thread(
        target=lambda: results.append(http_get(nginx.port, "/_test/slow?seconds=1.5", {HEADER: old})), daemon=True
    )
    started = time.monotonic()
    slow.start()
    time.sleep(0.4)  # the request is now inside the app, held by an old worker
    nginx.reload(guarded(nginx, app, [new]), wait_for_old_workers=False)
    # The new configuration is live while the old worker still serves the slow request.
    # (Until the old workers have closed their listening sockets, one may still take a connection.)
    wait_until(lambda: status(nginx, "/", new) == 200, 5, "the new value to be accepted")
    wait_until(lambda: status(nginx, "/", old) == 403, 5, "the old value to be refused")
    assert slow.is_alive(), "the slow request should still be in flight during the reload"
    slow.join(timeout=10)
    assert results == [(200, "slow ok\n")]
    assert time.monotonic() - started >= 1.5


def test_deny_all_configuration_refuses_everything(nginx: NginxServer, app: SampleApp) -> None:
    nginx.start(lambda n: guarded(n, app, []))
    for value in (None, "", fake_secret()):
        for path in ("/", "/healthz"):
            assert status(nginx, path, value) == 403


def test_app_down_still_denies_without_the_header(nginx: NginxServer) -> None:
    secret = fake_secret()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    nginx.start(lambda n: render_nginx_conf(HEADER, [secret], [n.listen], dead, n.runtime))
    assert status(nginx, "/healthz") == 403
    assert status(nginx, "/healthz", secret) == 502


# guard.main end to end (every failure path, a fake `aws`, a real nginx): test_origin_guard_sync_live.py


def test_sample_app_pages_and_no_test_endpoints_by_default(tmp_path: Path) -> None:
    with SampleApp(tmp_path) as plain:
        code, body = http_get(plain.port, "/")
        assert code == 200
        assert "Served through CloudFront" in body
        assert html.escape(socket.gethostname()) in body
        assert http_get(plain.port, "/healthz") == (200, "ok\n")
        assert http_get(plain.port, "/_test/headers")[0] == 404
        assert http_get(plain.port, "/_test/slow?seconds=5")[0] == 404
        assert http_get(plain.port, "/missing")[0] == 404
