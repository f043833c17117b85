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
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

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
def origin_server(secret: str | None, silent: bool = False) -> Iterator[str]:
    """An origin on loopback; yields its URL."""
    server = _Origin((LOOPBACK, 0), _OriginHandler)
    server.secret, server.silent = secret, silent
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def dropping_address() -> Iterator[str]:
    """A URL whose connection attempts time out, as at a security group that does not admit the caller."""
    listener = socket.socket()
    listener.bind((LOOPBACK, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((LOOPBACK, port))
            fillers.append(filler)
        time.sleep(0.05)
        yield f"http://{LOOPBACK}:{port}/"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


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
    # Within the function's timeout at worst (monitoring.PROBE_TIMEOUT_SECONDS).
    worst = defaults.attempts * (defaults.cloudfront_connect_timeout + defaults.read_timeout) + defaults.backoff
    worst += 2 * (defaults.connect_timeout + defaults.read_timeout)
    assert worst < 90


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
        ({lambda_handler.ENV_ORIGIN_MTLS: "on"}, "output 'originMtls' = 'on' is not one of off, presented, verified"),
    ],
)
def test_a_bad_environment_is_a_deployment_fault_not_a_verdict(change: dict[str, str], message: str) -> None:
    published: list[Any] = []
    with pytest.raises(ProbeConfigError, match=None) as raised:
        handler(None, None, env={**environment("https://d1/", "http://o/"), **change}, publish=published.extend)
    assert message in str(raised.value)
    assert published == []
