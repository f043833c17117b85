"""The continuous probe's Lambda handler, against real HTTP servers on loopback playing CloudFront and the
origin: an origin that serves only with the secret (refusing), one that serves anyone (open), one that never
answers, and an address whose packets are dropped as a security group drops them (the accept queue of a
listener nobody accepts from is full, so the kernel drops the SYN: a connect timeout, not a refusal).

"CloudFront" is tools/cloudfront_stand_in.py, the proxy that adds the secret header; the function's
environment is what monitoring.py gives it. Each case checks the verdict, the datapoints it publishes, and
that the secret appears nowhere in what it logs, returns or publishes. One case publishes for real, through
boto3 to moto's CloudWatch.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from cloudfront_origin_lockdown import monitoring
from cloudfront_origin_lockdown.origin_probe import checks, lambda_handler
from cloudfront_origin_lockdown.origin_probe.lambda_handler import (
    METRIC,
    NAMESPACE,
    ProbeConfigError,
    config_from_env,
    handler,
    metric_data,
    probe_results,
)
from tests.components.mtls_world import make_ca, mtls_server
from tools.cloudfront_stand_in import CloudFrontStandIn

HEADER = "X-Origin-Verify"
STACK = "cloudfront-origin-lockdown/dev/origin"
LOOPBACK = "127.0.0.1"
# A dropped connection attempt is given up after 0.3 s; an answer is waited for 2 s (loopback answers in
# milliseconds, but a loaded test machine may take its time); one attempt through CloudFront.
FAST = {
    lambda_handler.ENV_CONNECT_TIMEOUT: "0.3",
    lambda_handler.ENV_READ_TIMEOUT: "2",
    lambda_handler.ENV_ATTEMPTS: "1",
}
# How long the silent origin holds a request: longer than the read timeout, so the client gives up first.
SILENT_SECONDS = 5


class _Origin(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a silent handler still sleeping must not hold up the test
    secret: str | None  # None: serves anyone (an open origin)
    silent: bool = False


class _OriginHandler(BaseHTTPRequestHandler):
    server: _Origin
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.server.silent:
            time.sleep(SILENT_SECONDS)
            return
        allowed = self.server.secret is None or self.headers.get(HEADER) == self.server.secret
        status, body = (200, b"hello from the app\n") if allowed else (403, b"403 Forbidden\n")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def origin_server(secret: str | None, silent: bool = False, address: tuple[str, int] = (LOOPBACK, 0)) -> Iterator[str]:
    """An origin on loopback (``address``); yields its URL."""
    server = _Origin(address, _OriginHandler)
    server.secret, server.silent = secret, silent
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{address[0]}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _fill(ip: str, port: int, listeners: list[socket.socket]) -> None:
    """A listener on (ip, port) whose accept queue is full: the kernel drops further SYNs (a connect timeout)."""
    listener = socket.socket()
    listeners.append(listener)
    listener.bind((ip, port))
    listener.listen(0)
    port = listener.getsockname()[1]
    for _ in range(4):
        filler = socket.socket()
        listeners.append(filler)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect((ip, port))


@contextlib.contextmanager
def dropping_addresses(ips: Sequence[str]) -> Iterator[int]:
    """The same port on each of ``ips`` (loopback addresses), where connection attempts time out as at a security
    group that does not admit the caller; yields the port."""
    held: list[socket.socket] = []
    try:
        _fill(ips[0], 0, held)
        port = held[0].getsockname()[1]
        for ip in ips[1:]:
            _fill(ip, port, held)
        time.sleep(0.05)
        yield port
    finally:
        for sock in held:
            sock.close()


@contextlib.contextmanager
def dropping_address() -> Iterator[str]:
    """A URL whose connection attempts time out, as at a security group that does not admit the caller."""
    with dropping_addresses([LOOPBACK]) as port:
        yield f"http://{LOOPBACK}:{port}/"


def environment(url: str, origin_url: str, vpc_origin: bool = False) -> dict[str, str]:
    return {
        lambda_handler.ENV_URL: url,
        lambda_handler.ENV_ORIGIN_URL: origin_url,
        lambda_handler.ENV_HEADER_NAME: HEADER,
        lambda_handler.ENV_ARCHITECTURE: "direct",
        lambda_handler.ENV_VPC_ORIGIN: "true" if vpc_origin else "false",
        lambda_handler.ENV_STACK: STACK,
        lambda_handler.ENV_NAMESPACE: NAMESPACE,
        **FAST,
    }


def run(env: dict[str, str], capsys: pytest.CaptureFixture[str], secret: str) -> tuple[dict[str, Any], list[Any]]:
    """The handler as Lambda calls it (event, context); returns its result and what it published."""
    published: list[Any] = []
    result = handler({"source": "aws.events"}, None, env=env, publish=published.extend)
    logged = capsys.readouterr().out
    for text in (logged, json.dumps(result), json.dumps(published)):
        assert secret not in text
    assert logged.strip().splitlines()[-1].startswith("verdict: ")
    return result, published


def values_of(published: list[Any]) -> dict[str, float]:
    """The published datapoints, by their Check dimension (each once, each with the stack's dimension)."""
    found: dict[str, float] = {}
    for datum in published:
        assert datum["MetricName"] == METRIC and datum["Unit"] == "Count"
        dimensions = {item["Name"]: item["Value"] for item in datum["Dimensions"]}
        assert dimensions.keys() == {"Stack", "Check"} and dimensions["Stack"] == STACK
        assert dimensions["Check"] not in found
        found[dimensions["Check"]] = datum["Value"]
    return found


@pytest.fixture
def secret() -> str:
    return secrets.token_hex(24)


def test_a_locked_origin_whose_security_group_drops_the_probe(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    with (
        origin_server(secret) as origin,
        dropping_address() as dropped,
        CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront,
    ):
        result, published = run(environment(cloudfront.url, dropped), capsys, secret)
    assert result["exitCode"] == checks.EXIT_OK
    assert values_of(published) == {"cloudfront": 0.0, "origin": 0.0, "network": 0.0}
    assert [check["outcome"]["error"] for check in result["report"]["checks"][1:]] == ["timeout", "timeout"]


def test_a_refusing_origin_the_network_lets_the_probe_reach(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The header check holds (403), but a request from outside CloudFront's ranges got through: network 1."""
    with origin_server(secret) as origin, CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront:
        result, published = run(environment(cloudfront.url, origin), capsys, secret)
    assert result["exitCode"] == checks.EXIT_OK
    assert values_of(published) == {"cloudfront": 0.0, "origin": 0.0, "network": 1.0}
    assert [check["outcome"]["status"] for check in result["report"]["checks"][1:]] == [403, 403]


def test_an_origin_that_serves_anyone(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    with origin_server(None) as origin, CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront:
        result, published = run(environment(cloudfront.url, origin), capsys, secret)
    assert result["exitCode"] == checks.EXIT_ORIGIN_OPEN
    assert values_of(published) == {"cloudfront": 0.0, "origin": 1.0, "network": 1.0}


def test_an_origin_that_refuses_what_cloudfront_sends(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    """After a rotation gone wrong: CloudFront sends a value the origin does not accept."""
    with (
        origin_server(secret) as origin,
        dropping_address() as dropped,
        CloudFrontStandIn(origin, HEADER, secrets.token_hex(24), timeout=5) as cloudfront,
    ):
        result, published = run(environment(cloudfront.url, dropped), capsys, secret)
    assert result["exitCode"] == checks.EXIT_CLOUDFRONT_FAILING
    assert values_of(published) == {"cloudfront": 1.0, "origin": 0.0, "network": 0.0}
    assert result["report"]["checks"][0]["outcome"]["status"] == 403


def test_an_origin_that_times_out_for_cloudfront_too(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The founding story: CloudFront's requests to the origin time out (CloudFront answers 504)."""
    with dropping_address() as dropped, CloudFrontStandIn(dropped, HEADER, secret, timeout=0.3) as cloudfront:
        result, published = run(environment(cloudfront.url, dropped), capsys, secret)
    assert result["exitCode"] == checks.EXIT_CLOUDFRONT_FAILING
    assert result["report"]["checks"][0]["outcome"]["status"] == 504
    assert values_of(published) == {"cloudfront": 1.0, "origin": 0.0, "network": 0.0}


def test_an_origin_that_accepts_connections_and_never_answers(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Not served without the secret (origin 0), but the connection was made: the network let it in."""
    with (
        origin_server(secret) as origin,
        origin_server(secret, silent=True) as silent,
        CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront,
    ):
        result, published = run(environment(cloudfront.url, silent), capsys, secret)
    assert result["exitCode"] == checks.EXIT_OK
    assert values_of(published) == {"cloudfront": 0.0, "origin": 0.0, "network": 1.0}
    assert [check["outcome"]["connected"] for check in result["report"]["checks"][1:]] == [True, True]


def test_an_inconclusive_origin_publishes_no_origin_datapoint(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    """https to a plain-HTTP listener: a TLS error, neither locked nor open. Not checked is never 'passed'."""
    with origin_server(secret) as origin, CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront:
        tls_origin = origin.replace("http://", "https://")
        result, published = run(environment(cloudfront.url, tls_origin), capsys, secret)
    assert result["exitCode"] == checks.EXIT_INCONCLUSIVE
    assert values_of(published) == {"cloudfront": 0.0, "network": 1.0}


def test_a_vpc_origin_is_checked_for_a_public_address_only(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    with origin_server(secret) as origin, CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront:
        env = environment(cloudfront.url, "http://localhost:80/", vpc_origin=True)
        result, published = run(env, capsys, secret)
    assert result["exitCode"] == checks.EXIT_OK
    assert [check["name"] for check in result["report"]["checks"]] == ["cloudfront", "origin-no-public-address"]
    # Nothing was sent to the origin's address: no network datapoint.
    assert values_of(published) == {"cloudfront": 0.0, "origin": 0.0}


def test_the_datapoints_reach_cloudwatch_through_boto3(
    secret: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real publisher (boto3's PutMetricData, as on Lambda), against moto's CloudWatch."""
    import moto  # requirements-dev.txt

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with moto.mock_aws():
        import boto3

        with origin_server(None) as origin, CloudFrontStandIn(origin, HEADER, secret, timeout=5) as cloudfront:
            result = handler(None, None, env=environment(cloudfront.url, origin))
        capsys.readouterr()
        client = boto3.client("cloudwatch")
        found = {}
        for check in ("cloudfront", "origin", "network"):
            dimensions = [{"Name": "Stack", "Value": STACK}, {"Name": "Check", "Value": check}]
            stats = client.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=METRIC,
                Dimensions=dimensions,
                StartTime=time.time() - 600,
                EndTime=time.time() + 60,
                Period=60,
                Statistics=["Maximum"],
            )
            found[check] = [point["Maximum"] for point in stats["Datapoints"]]
    assert result["exitCode"] == checks.EXIT_ORIGIN_OPEN
    assert found == {"cloudfront": [0.0], "origin": [1.0], "network": [1.0]}


# --- a name with several addresses, and the time a run may take ------------------------------------------------

# Loopback addresses standing for the addresses of an ALB's name (a scaled-out ALB's name answers with up to 8).
EIGHT = [f"127.0.0.{n}" for n in range(2, 10)]


def resolving(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[int]:
    """The names of ``table`` resolve to its addresses (IPv4 or IPv6, as the family asked allows), every other name
    as usual; returns the address families asked for those names."""
    real = socket.getaddrinfo
    asked: list[int] = []

    def getaddrinfo(host: Any, port: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        if host not in table:
            return real(host, port, family, *args, **kwargs)
        asked.append(family)
        found: list[Any] = []
        for address in table[host]:
            own = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_UNSPEC, own):
                where = (address, port, 0, 0) if own == socket.AF_INET6 else (address, port)
                found.append((own, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", where))
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return found

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_every_address_of_a_name_is_tried_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's case: four addresses that drop connections cost one connect timeout, not four (http.client
    tries them in turn, each with the whole timeout)."""
    with dropping_addresses(EIGHT[:4]) as port:
        resolving(monkeypatch, {"alb.example": EIGHT[:4]})
        start = time.monotonic()
        outcome = checks.http_fetch(f"http://alb.example:{port}/", {}, 0.5, 2.0)
        elapsed = time.monotonic() - start
    assert (outcome.error, outcome.connected) == (checks.TIMEOUT, False)
    assert outcome.detail == "timed out (all 4 addresses: 4 timeout)"
    assert 0.45 < elapsed < 2 * 0.5


def test_the_first_address_to_accept_serves_and_a_refusal_outranks_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    with dropping_addresses(EIGHT[:2]) as port, origin_server(None, address=(EIGHT[2], port)):
        # EIGHT[3] has nothing listening on the port: refused at once (the host answered).
        resolving(monkeypatch, {"served.example": EIGHT[:3], "refused.example": [EIGHT[0], EIGHT[3], EIGHT[1]]})
        start = time.monotonic()
        served = checks.http_fetch(f"http://served.example:{port}/", {}, 1.0, 2.0)
        served_in = time.monotonic() - start
        refused = checks.http_fetch(f"http://refused.example:{port}/", {}, 0.3, 1.0)
    assert served.status == 200 and served_in < 1.0
    assert refused.error == checks.REFUSED
    assert refused.detail == "connection refused (all 3 addresses: 1 refused, 2 timeout)"
    assert checks.network_reached(refused) is True


def _trickling_server(stop: threading.Event) -> tuple[socket.socket, threading.Thread]:
    """Accepts one connection and sends an HTTP status line, then a header line every 0.1 s, for up to 3 s: each
    read gets something well within a read timeout, the answer never completes."""
    listener = socket.create_server((LOOPBACK, 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for n in range(30):
                if stop.wait(0.1):
                    return
                with contextlib.suppress(OSError):
                    connection.sendall(f"X-Trickle-{n}: yes\r\n".encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_an_answer_that_trickles_in_is_given_up_at_the_deadline() -> None:
    """A socket timeout bounds each read, not the answer: the request as a whole ends at connect + read."""
    stop = threading.Event()
    listener, thread = _trickling_server(stop)
    try:
        start = time.monotonic()
        outcome = checks.http_fetch(f"http://{LOOPBACK}:{listener.getsockname()[1]}/", {}, 0.3, 0.5)
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert (outcome.error, outcome.connected) == (checks.TIMEOUT, True)
    assert outcome.detail == "no complete answer within 0.8 s"
    assert elapsed < 0.8 + 0.5
    # Not served without the secret, but something answered at the address.
    assert checks.classify_origin(outcome)[0] == "ok" and checks.network_reached(outcome) is True


def test_a_run_where_everything_times_out_stays_within_its_budget(
    secret: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst run: CloudFront's and the origin's names each with eight addresses that drop connections, two
    attempts through CloudFront, origin mTLS verified (three direct requests). It ends within the budget the
    function's timeout is checked against (lambda_handler.run_seconds), by construction, not by luck."""
    with dropping_addresses(EIGHT) as port:
        # An IPv6 address that would refuse at once (a host answering: network 1) if the probe asked for it.
        asked = resolving(monkeypatch, {"cdn.example": EIGHT, "alb.example": ["::1", *EIGHT]})
        env = {
            **environment(f"http://cdn.example:{port}/", f"http://alb.example:{port}/"),
            lambda_handler.ENV_ORIGIN_MTLS: "verified",
            lambda_handler.ENV_CONNECT_TIMEOUT: "0.3",
            lambda_handler.ENV_READ_TIMEOUT: "0.5",
            lambda_handler.ENV_ATTEMPTS: "2",
            lambda_handler.ENV_BACKOFF: "0.1",
        }
        outputs, options, _, _ = config_from_env(env)
        budget = lambda_handler.run_seconds(outputs, options) - lambda_handler.PUBLISH_SECONDS
        start = time.monotonic()
        result, published = run(env, capsys, secret)
        elapsed = time.monotonic() - start
    assert budget == pytest.approx(2 * 0.8 + 0.1 + 3 * 0.8)
    assert elapsed <= budget
    report = result["report"]["checks"]
    assert [c["name"] for c in report] == [
        "cloudfront",
        "origin-no-header",
        "origin-wrong-header",
        "origin-no-client-certificate",
    ]
    assert report[0]["attempts"] == 2
    assert values_of(published) == {"cloudfront": 1.0, "origin": 0.0, "network": 0.0}
    # IPv4 only: Lambda outside a VPC has no IPv6 route (README "Monitoring").
    assert asked and set(asked) == {socket.AF_INET}


@pytest.mark.parametrize(
    ("vpc_origin", "mtls"), [(False, "off"), (False, "presented"), (False, "verified"), (True, "off")]
)
def test_a_run_fits_the_functions_timeout_by_construction(vpc_origin: bool, mtls: str) -> None:
    env = environment("https://d1.cloudfront.net/", "https://o.example/", vpc_origin=vpc_origin)
    env = {k: v for k, v in env.items() if k not in FAST} | {lambda_handler.ENV_ORIGIN_MTLS: mtls}
    outputs, options, _, _ = config_from_env(env)
    assert outputs.origin_mtls == mtls
    worst = lambda_handler.run_seconds(outputs, options)
    # CloudFront twice (5 s to connect, 10 s to answer, 5 s between), each direct request 15 s in all, a VPC
    # origin's lookup 5 s, publishing 25 s.
    direct = 3 if mtls == "verified" else 2
    assert worst == 2 * 15 + 5 + direct * 15 + (5 if vpc_origin else 0) + 25
    assert worst <= lambda_handler.FUNCTION_TIMEOUT_SECONDS == monitoring.PROBE_TIMEOUT_SECONDS == 120


# --- origin mutual TLS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "verifies", "code", "origin"),
    [
        ("verified", True, checks.EXIT_OK, 0.0),
        # The listener stopped verifying (its mutual authentication turned off by hand) and serves anyone.
        ("verified", False, checks.EXIT_ORIGIN_OPEN, 1.0),
        # CloudFront presents but the stack does not say the listener verifies: a refusal at the handshake cannot be
        # told from a listener refusing everyone, so the direct checks are inconclusive (never "locked").
        ("presented", True, checks.EXIT_INCONCLUSIVE, None),
    ],
)
def test_with_origin_mtls_verified_the_probe_checks_the_client_certificate(
    state: str,
    verifies: bool,
    code: int,
    origin: float | None,
    secret: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against a real TLS server on loopback that requires a client certificate (as the ALB's listener in verify
    mode); the probe never has one."""
    _, ca = make_ca("the listener's trust store")
    bundle = ca.public_bytes(serialization.Encoding.PEM).decode()
    with (
        mtls_server(bundle if verifies else None) as listener,
        origin_server(secret) as app,
        CloudFrontStandIn(app, HEADER, secret, timeout=5) as cloudfront,
    ):
        # The loopback server's own certificate is trusted as a public one would be.
        monkeypatch.setenv("SSL_CERT_FILE", str(listener.server_ca))
        env = {
            **environment(cloudfront.url, f"https://localhost:{listener.port}/"),
            lambda_handler.ENV_ORIGIN_MTLS: state,
        }
        result, published = run(env, capsys, secret)
    report = result["report"]["checks"]
    names = [c["name"] for c in report]
    assert names[:3] == ["cloudfront", "origin-no-header", "origin-wrong-header"]
    assert names[3:] == (["origin-no-client-certificate"] if state == "verified" else [])
    assert result["exitCode"] == code
    expected = {"cloudfront": 0.0, "network": 1.0} | ({} if origin is None else {"origin": origin})
    assert values_of(published) == expected
    errors = {c["outcome"]["error"] for c in report[1:]}
    assert errors == ({checks.CLIENT_CERTIFICATE} if verifies else {None})


# --- the pure parts -------------------------------------------------------------------------------


def check(name: str, kind: str, outcome: checks.Outcome) -> checks.CheckResult:
    return checks.CheckResult(name, "http://o/", kind == "ok", "", kind, outcome)


DROPPED = checks.Outcome(error=checks.TIMEOUT)
REFUSED_403 = checks.Outcome(status=403)


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([check("cloudfront", "ok", checks.Outcome(status=200))], {"cloudfront": 0}),
        ([check("cloudfront", "cloudfront", checks.Outcome(status=502))], {"cloudfront": 1}),
        (
            [check("origin-no-header", "ok", DROPPED), check("origin-wrong-header", "ok", REFUSED_403)],
            {"origin": 0, "network": 1},
        ),
        (
            [
                check("origin-no-header", "open", checks.Outcome(status=200)),
                check("origin-wrong-header", "ok", DROPPED),
            ],
            {"origin": 1, "network": 1},
        ),
        # One inconclusive check: no verdict on the origin, and none on the network unless another reached it.
        (
            [check("origin-no-header", "inconclusive", checks.Outcome(error=checks.DNS)), check("x", "ok", DROPPED)],
            {},
        ),
        (
            [
                check("origin-no-header", "inconclusive", checks.Outcome(error=checks.DNS)),
                check("origin-wrong-header", "ok", DROPPED),
            ],
            {},
        ),
        (
            [
                check("origin-no-header", "inconclusive", checks.Outcome(error=checks.OTHER)),
                check("origin-wrong-header", "ok", REFUSED_403),
            ],
            {"network": 1},
        ),
        # A VPC origin with a public address is open, before any direct request.
        ([check("origin-no-public-address", "open", checks.Outcome())], {"origin": 1}),
        ([check("origin-no-public-address", "inconclusive", checks.Outcome())], {}),
        ([], {}),
    ],
)
def test_probe_results(results: list[checks.CheckResult], expected: dict[str, int]) -> None:
    assert probe_results(results) == expected


@pytest.mark.parametrize(
    ("outcome", "reached"),
    [
        (checks.Outcome(status=403), True),
        (checks.Outcome(status=200), True),
        (checks.Outcome(error=checks.REFUSED), True),
        (checks.Outcome(error=checks.RESET), True),
        (checks.Outcome(error=checks.TIMEOUT, connected=True), True),
        (checks.Outcome(error=checks.TLS, connected=True), True),
        (checks.Outcome(error=checks.TIMEOUT), False),
        (checks.Outcome(error=checks.UNREACHABLE), False),
        (checks.Outcome(error=checks.DNS), None),
        (checks.Outcome(error=checks.OTHER), None),
    ],
)
def test_network_reached(outcome: checks.Outcome, reached: bool | None) -> None:
    assert checks.network_reached(outcome) is reached


def test_metric_data_is_in_a_fixed_order_with_both_dimensions() -> None:
    assert metric_data({"network": 1, "cloudfront": 0}, "p/s/n") == [
        {
            "MetricName": "ProbeFailed",
            "Dimensions": [{"Name": "Stack", "Value": "p/s/n"}, {"Name": "Check", "Value": "cloudfront"}],
            "Value": 0.0,
            "Unit": "Count",
        },
        {
            "MetricName": "ProbeFailed",
            "Dimensions": [{"Name": "Stack", "Value": "p/s/n"}, {"Name": "Check", "Value": "network"}],
            "Value": 1.0,
            "Unit": "Count",
        },
    ]


def test_the_environment_is_read_and_checked() -> None:
    outputs, options, stack, namespace = config_from_env(environment("https://d1.cloudfront.net/", "http://o:80/"))
    assert (outputs.url, outputs.origin_url, outputs.header_name, outputs.vpc_origin) == (
        "https://d1.cloudfront.net/",
        "http://o:80/",
        HEADER,
        False,
    )
    assert (options.connect_timeout, options.read_timeout, options.attempts) == (0.3, 2, 1)
    assert (stack, namespace) == (STACK, NAMESPACE)
    assert outputs.origin_mtls == "off"  # a stack without origin mTLS sets nothing
    verified = {**environment("https://d1/", "http://o/"), lambda_handler.ENV_ORIGIN_MTLS: "verified"}
    assert config_from_env(verified)[0].origin_mtls == "verified"
    defaults = config_from_env({k: v for k, v in environment("https://d1/", "http://o/").items() if k not in FAST})[1]
    assert (defaults.connect_timeout, defaults.read_timeout, defaults.attempts, defaults.backoff) == (5, 10, 2, 5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({lambda_handler.ENV_URL: ""}, "lacks ORIGIN_PROBE_URL"),
        ({lambda_handler.ENV_STACK: ""}, "lacks ORIGIN_PROBE_STACK"),
        ({lambda_handler.ENV_VPC_ORIGIN: "yes"}, "ORIGIN_PROBE_VPC_ORIGIN='yes': expected true or false"),
        ({lambda_handler.ENV_ORIGIN_URL: "ftp://o/"}, "is not an http(s) URL"),
        ({lambda_handler.ENV_HEADER_NAME: "X Bad"}, "is not a header name"),
        ({lambda_handler.ENV_READ_TIMEOUT: "soon"}, "ORIGIN_PROBE_READ_TIMEOUT='soon': expected a number"),
        ({lambda_handler.ENV_CONNECT_TIMEOUT: "0"}, "expected a number above 0 and at most 60"),
        ({lambda_handler.ENV_ORIGIN_MTLS: "on"}, "ORIGIN_PROBE_ORIGIN_MTLS='on': expected one of off, presented"),
        # Each value within its bounds, together over the function's timeout: refused, not cut off mid-run.
        (
            {lambda_handler.ENV_READ_TIMEOUT: "30", lambda_handler.ENV_ATTEMPTS: "3"},
            "allow a run of 186.5 s, over the function's 120 s",
        ),
    ],
)
def test_a_bad_environment_is_a_deployment_fault_not_a_verdict(change: dict[str, str], message: str) -> None:
    published: list[Any] = []
    with pytest.raises(ProbeConfigError, match=None) as raised:
        handler(None, None, env={**environment("https://d1/", "http://o/"), **change}, publish=published.extend)
    assert message in str(raised.value)
    assert published == []
