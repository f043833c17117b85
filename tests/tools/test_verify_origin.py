"""The probe's verdict logic, output parsing and command line, without any network (table-driven)."""

from __future__ import annotations

import errno
import http.client
import json
import socket
import ssl
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.origin_guard.guard import VALUE
from tools import verify_origin as vo

OUTPUTS: dict[str, Any] = {
    "architecture": "direct",
    "url": "https://d111111abcdef8.cloudfront.net/",
    "distributionDomainName": "d111111abcdef8.cloudfront.net",
    "distributionId": "E2QWRUHEXAMPLE",
    "originAddress": "ec2-203-0-113-10.compute-1.amazonaws.com",
    "originUrl": "http://ec2-203-0-113-10.compute-1.amazonaws.com:80/",
    "originHeaderName": "X-Origin-Verify",
    "securityGroupIds": {"origin-ipv4": "sg-0123456789abcdef0"},
}


def status(code: int) -> vo.Outcome:
    return vo.Outcome(status=code)


def error(kind: str) -> vo.Outcome:
    return vo.Outcome(error=kind, detail="x")


# --- classify ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "kind", "reason_has"),
    [
        (status(403), "ok", "header check refused"),
        (status(200), "open", "reachable without the secret"),
        (status(204), "open", "reachable without the secret"),
        (status(301), "open", "301"),
        (status(404), "open", "404"),
        (status(400), "open", "400"),
        (status(500), "open", "500"),
        (status(502), "open", "502"),
        (status(503), "open", "503"),
        (error(vo.TIMEOUT), "ok", "no connection"),
        (error(vo.REFUSED), "ok", "no connection"),
        (error(vo.RESET), "ok", "no connection"),
        (error(vo.UNREACHABLE), "ok", "no connection"),
        (error(vo.DNS), "inconclusive", "could not probe"),
        (error(vo.TLS), "inconclusive", "could not probe"),
        (error(vo.PROTOCOL), "inconclusive", "could not probe"),
        (error(vo.OTHER), "inconclusive", "could not probe"),
    ],
)
def test_classify_origin(outcome: vo.Outcome, kind: str, reason_has: str) -> None:
    got_kind, reason, note = vo.classify_origin(outcome)
    assert (got_kind, reason_has in reason) == (kind, True), reason
    # Only a 403 means the network layer let us through: worth a note, not a failure.
    assert bool(note) == (outcome.status == 403)


@pytest.mark.parametrize(
    ("outcome", "passed", "reason_has"),
    [
        (status(200), True, "200 OK"),
        (status(204), True, "204"),
        (status(301), True, "301"),
        (status(302), True, "302"),
        (status(304), True, "304"),
        (status(399), True, "399"),
        (status(403), False, "refused CloudFront's request"),
        (status(404), False, "expected 2xx or 3xx"),
        (status(500), False, "expected 2xx or 3xx"),
        (status(502), False, "could not reach the origin"),
        (status(503), False, "expected 2xx or 3xx"),
        (status(504), False, "could not reach the origin"),
        (error(vo.TIMEOUT), False, "no answer through CloudFront"),
        (error(vo.REFUSED), False, "no answer through CloudFront"),
        (error(vo.DNS), False, "no answer through CloudFront"),
        (error(vo.TLS), False, "no answer through CloudFront"),
    ],
)
def test_classify_cloudfront(outcome: vo.Outcome, passed: bool, reason_has: str) -> None:
    got, reason = vo.classify_cloudfront(outcome)
    assert got is passed
    assert reason_has in reason


def check(kind: str) -> vo.CheckResult:
    return vo.CheckResult("c", "http://x/", kind == "ok", "r", kind)


@pytest.mark.parametrize(
    ("kinds", "code"),
    [
        (["ok", "ok", "ok"], vo.EXIT_OK),
        (["ok", "open", "ok"], vo.EXIT_ORIGIN_OPEN),
        (["ok", "ok", "open"], vo.EXIT_ORIGIN_OPEN),
        (["cloudfront", "ok", "ok"], vo.EXIT_CLOUDFRONT_FAILING),
        (["cloudfront", "open", "open"], vo.EXIT_ORIGIN_OPEN),  # an open origin outranks everything
        (["ok", "inconclusive", "ok"], vo.EXIT_INCONCLUSIVE),
        (["cloudfront", "inconclusive", "ok"], vo.EXIT_CLOUDFRONT_FAILING),
        (["ok", "inconclusive", "open"], vo.EXIT_ORIGIN_OPEN),
        ([], vo.EXIT_INCONCLUSIVE),
    ],
)
def test_verdict(kinds: list[str], code: int) -> None:
    assert vo.verdict([check(kind) for kind in kinds]) == code


def test_exit_codes_are_distinct_and_nonzero_on_failure() -> None:
    failures = [vo.EXIT_ORIGIN_OPEN, vo.EXIT_CLOUDFRONT_FAILING, vo.EXIT_OUTPUTS_UNREADABLE, vo.EXIT_INCONCLUSIVE]
    assert len({vo.EXIT_OK, vo.EXIT_USAGE, *failures}) == 6
    assert vo.EXIT_OK == 0 and all(failures)
    assert set(vo.VERDICTS) == {vo.EXIT_OK, *failures}


@pytest.mark.parametrize(
    ("options", "delays"),
    [
        (vo.ProbeOptions(), [2.0, 4.0, 8.0, 16.0, 30.0]),
        (vo.ProbeOptions(attempts=1), []),
        (vo.ProbeOptions(attempts=0), []),
        (vo.ProbeOptions(attempts=4, backoff=1.0), [1.0, 2.0, 4.0]),
        (vo.ProbeOptions(attempts=10, backoff=5.0, max_backoff=10.0, max_wait=30.0), [5.0, 10.0, 10.0]),
        (vo.ProbeOptions(attempts=3, backoff=0.0), [0.0, 0.0]),
        (vo.ProbeOptions(attempts=50, backoff=1.0, max_wait=1000.0), None),
    ],
)
def test_backoff_is_bounded(options: vo.ProbeOptions, delays: list[float] | None) -> None:
    got = vo.backoff_delays(options)
    if delays is not None:
        assert got == delays
    assert len(got) <= max(options.attempts - 1, 0)
    assert sum(got) <= options.max_wait
    assert all(delay <= options.max_backoff for delay in got)


def test_wrong_header_value_can_never_be_a_secret() -> None:
    values = {vo.wrong_header_value() for _ in range(200)}
    assert len(values) == 200  # random each time
    assert not any(VALUE.fullmatch(value) for value in values)  # secrets are 32-128 letters and digits


# --- network error classification ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        (TimeoutError("timed out"), vo.TIMEOUT),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), vo.REFUSED),
        (ConnectionResetError(errno.ECONNRESET, "reset"), vo.RESET),
        (http.client.RemoteDisconnected("closed"), vo.RESET),
        (BrokenPipeError(errno.EPIPE, "pipe"), vo.RESET),
        (OSError(errno.EHOSTUNREACH, "No route to host"), vo.UNREACHABLE),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), vo.UNREACHABLE),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), vo.DNS),
        (ssl.SSLCertVerificationError(1, "certificate verify failed: Hostname mismatch"), vo.TLS),
        (ssl.SSLError(1, "wrong version number"), vo.TLS),
        (http.client.BadStatusLine("garbage"), vo.PROTOCOL),
        (OSError(errno.EACCES, "Permission denied"), vo.OTHER),
    ],
)
def test_classify_exception(exception: BaseException, kind: str) -> None:
    outcome = vo.classify_exception(exception)
    assert outcome.error == kind and outcome.status is None
    assert kind in vo.ERROR_KINDS


# --- outputs -----------------------------------------------------------------------------------


def test_parse_outputs_reads_the_contract() -> None:
    outputs = vo.parse_outputs(json.dumps(OUTPUTS))
    assert outputs == vo.StackOutputs(
        url=OUTPUTS["url"],
        origin_url=OUTPUTS["originUrl"],
        header_name="X-Origin-Verify",
        architecture="direct",
        origin_address=OUTPUTS["originAddress"],
    )
    assert vo.parse_outputs(OUTPUTS) == outputs  # a mapping works too


def without(key: str) -> dict[str, Any]:
    return {name: value for name, value in OUTPUTS.items() if name != key}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ("{}", "lack url, originUrl, originHeaderName"),
        (without("originUrl"), "lack originUrl"),
        (without("originHeaderName"), "lack originHeaderName"),
        ({**OUTPUTS, "url": "[secret]"}, "'url' is a secret"),
        ({**OUTPUTS, "originUrl": 42}, "'originUrl' is missing or not a string"),
        ({**OUTPUTS, "originUrl": ""}, "'originUrl' is missing"),
        ({**OUTPUTS, "originUrl": "ftp://origin/"}, "not an http(s) URL"),
        ({**OUTPUTS, "url": "d111.cloudfront.net"}, "not an http(s) URL"),
        ({**OUTPUTS, "originUrl": "http://origin:99999/"}, "invalid port"),
        ({**OUTPUTS, "originHeaderName": "X Origin"}, "not a header name"),
        ({**OUTPUTS, "originHeaderName": "-X"}, "not a header name"),
    ],
)
def test_parse_outputs_rejects(data: str | Mapping[str, Any], message: str) -> None:
    with pytest.raises(vo.OutputsError) as raised:
        vo.parse_outputs(data)
    assert message in str(raised.value)


def test_parse_outputs_tolerates_missing_optional_keys() -> None:
    data = {key: OUTPUTS[key] for key in vo.REQUIRED_OUTPUTS}
    outputs = vo.parse_outputs(data)
    assert (outputs.architecture, outputs.origin_address) == ("unknown", "")


class FakeRunner:
    def __init__(self, returncode: int = 0, stdout: str = "", stderr: str = "") -> None:
        self.result = (returncode, stdout, stderr)
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((command, kwargs))
        returncode, stdout, stderr = self.result
        return subprocess.CompletedProcess(command, returncode, stdout, stderr)


def test_read_stack_outputs_asks_pulumi_without_secrets(tmp_path: Path) -> None:
    runner = FakeRunner(stdout=json.dumps(OUTPUTS))
    outputs = vo.read_stack_outputs("dev", tmp_path, runner=runner)
    assert outputs.origin_url == OUTPUTS["originUrl"]
    [(command, kwargs)] = runner.calls
    assert command[:4] == ["pulumi", "stack", "output", "--json"]
    assert command[command.index("--stack") + 1] == "dev"
    assert "--show-secrets" not in command
    assert kwargs["cwd"] == tmp_path and kwargs["timeout"] > 0


def test_read_stack_outputs_reports_pulumi_errors(tmp_path: Path) -> None:
    runner = FakeRunner(returncode=255, stderr="error: no stack named 'nope' found\n")
    with pytest.raises(vo.OutputsError, match="exited 255: error: no stack named 'nope' found"):
        vo.read_stack_outputs("nope", tmp_path, runner=runner)


def test_read_stack_outputs_without_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vo.shutil, "which", lambda name: None)
    with pytest.raises(vo.OutputsError, match="Pulumi CLI is not on PATH"):
        vo.read_stack_outputs("dev")


# --- probe with a scripted network ---------------------------------------------------------------


class ScriptedNetwork:
    """Answers by URL from a script: a list of outcomes per URL, consumed in order (last one repeats)."""

    def __init__(self, script: Mapping[str, list[vo.Outcome]]) -> None:
        self.script = {url: list(outcomes) for url, outcomes in script.items()}
        self.requests: list[tuple[str, dict[str, str], float]] = []
        self.sleeps: list[float] = []

    def fetch(
        self, url: str, headers: Mapping[str, str], connect: float, read: float, ca_file: str | None
    ) -> vo.Outcome:
        self.requests.append((url, dict(headers), connect))
        outcomes = self.script[url]
        return outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]


def run_probe(
    cloudfront: list[vo.Outcome], origin: list[vo.Outcome], options: vo.ProbeOptions | None = None
) -> tuple[list[vo.CheckResult], ScriptedNetwork]:
    outputs = vo.parse_outputs(OUTPUTS)
    network = ScriptedNetwork({outputs.url: cloudfront, outputs.origin_url: origin})
    checks = vo.probe(outputs, options or vo.ProbeOptions(), fetch=network.fetch, sleep=network.sleeps.append)
    return checks, network


@pytest.mark.parametrize(
    ("cloudfront", "origin", "code"),
    [
        ([status(200)], [error(vo.TIMEOUT)], vo.EXIT_OK),
        ([status(200)], [status(403)], vo.EXIT_OK),
        ([status(200)], [error(vo.TIMEOUT), status(403)], vo.EXIT_OK),
        ([status(200)], [status(200)], vo.EXIT_ORIGIN_OPEN),
        ([status(200)], [status(403), status(200)], vo.EXIT_ORIGIN_OPEN),  # a wrong value gets in
        ([status(200)], [status(500)], vo.EXIT_ORIGIN_OPEN),
        ([status(502)], [error(vo.TIMEOUT)], vo.EXIT_CLOUDFRONT_FAILING),
        ([error(vo.DNS)], [error(vo.REFUSED)], vo.EXIT_CLOUDFRONT_FAILING),
        ([status(502)], [status(200)], vo.EXIT_ORIGIN_OPEN),
        ([status(200)], [error(vo.TLS)], vo.EXIT_INCONCLUSIVE),
    ],
)
def test_probe_verdicts(cloudfront: list[vo.Outcome], origin: list[vo.Outcome], code: int) -> None:
    checks, _ = run_probe(cloudfront, origin, vo.ProbeOptions(attempts=2))
    assert [c.name for c in checks] == ["cloudfront", "origin-no-header", "origin-wrong-header"]
    assert vo.verdict(checks) == code


def test_probe_retries_cloudfront_with_backoff_until_it_answers() -> None:
    cloudfront = [error(vo.DNS), status(503), status(200)]
    checks, network = run_probe(cloudfront, [error(vo.TIMEOUT)], vo.ProbeOptions(attempts=5, backoff=1.0))
    assert network.sleeps == [1.0, 2.0]
    assert checks[0].passed and checks[0].attempts == 3
    assert "after 3 attempts" in checks[0].reason


def test_probe_gives_up_after_the_last_attempt() -> None:
    checks, network = run_probe([status(502)], [error(vo.TIMEOUT)], vo.ProbeOptions(attempts=4, backoff=1.0))
    assert network.sleeps == [1.0, 2.0, 4.0]
    assert [url for url, _, _ in network.requests].count(OUTPUTS["url"]) == 4
    assert not checks[0].passed and checks[0].kind == "cloudfront"


def test_probe_requests_to_the_origin() -> None:
    options = vo.ProbeOptions(connect_timeout=1.5, cloudfront_connect_timeout=9.0)
    _, network = run_probe([status(200)], [error(vo.TIMEOUT)], options)
    (cf_url, cf_headers, cf_connect), (url1, headers1, connect1), (url2, headers2, connect2) = network.requests
    assert (cf_url, cf_headers, cf_connect) == (OUTPUTS["url"], {}, 9.0)
    assert (url1, headers1, connect1) == (OUTPUTS["originUrl"], {}, 1.5)
    assert (url2, connect2) == (OUTPUTS["originUrl"], 1.5)
    [(name, value)] = headers2.items()
    assert name == "X-Origin-Verify" and value.startswith("not-the-secret-")


# --- command line ------------------------------------------------------------------------------


def write_outputs(tmp_path: Path, data: Mapping[str, Any]) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data))
    return str(path)


def scripted_main(argv: list[str], cloudfront: vo.Outcome, origin: vo.Outcome) -> int:
    network = ScriptedNetwork({OUTPUTS["url"]: [cloudfront], OUTPUTS["originUrl"]: [origin]})
    return vo.main(argv, fetch=network.fetch, sleep=network.sleeps.append)


@pytest.mark.parametrize(
    ("cloudfront", "origin", "code", "lines"),
    [
        (status(200), error(vo.TIMEOUT), 0, ["PASS cloudfront", "PASS origin-no-header", "verdict: LOCKED"]),
        (status(200), status(200), 3, ["PASS cloudfront", "FAIL origin-no-header", "verdict: OPEN"]),
        (status(502), error(vo.TIMEOUT), 4, ["FAIL cloudfront", "PASS origin-wrong-header", "verdict: BROKEN"]),
        (status(200), error(vo.DNS), 6, ["FAIL origin-no-header", "verdict: UNKNOWN"]),
    ],
)
def test_main_text_report(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cloudfront: vo.Outcome,
    origin: vo.Outcome,
    code: int,
    lines: list[str],
) -> None:
    argv = ["--outputs-file", write_outputs(tmp_path, OUTPUTS), "--attempts", "1"]
    assert scripted_main(argv, cloudfront, origin) == code
    out = capsys.readouterr().out
    for line in lines:
        assert any(text.startswith(line) for text in out.splitlines()), f"{line!r} not in:\n{out}"
    assert out.strip().splitlines()[-1].endswith(f"(exit {code})")


def test_main_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--outputs-file", write_outputs(tmp_path, OUTPUTS), "--json", "--attempts", "1"]
    assert scripted_main(argv, status(200), status(200)) == vo.EXIT_ORIGIN_OPEN
    report = json.loads(capsys.readouterr().out)
    assert report["exitCode"] == 3 and report["locked"] is False
    defaults = {"vpcOrigin": False, "originMtls": "off"}
    assert report["outputs"] == {key: OUTPUTS.get(key, defaults.get(key)) for key in report["outputs"]}
    assert set(report["outputs"]) == {
        "architecture",
        "url",
        "originUrl",
        "originAddress",
        "originHeaderName",
        "vpcOrigin",
        "originMtls",
    }
    assert [(c["name"], c["passed"], c["kind"]) for c in report["checks"]] == [
        ("cloudfront", True, "ok"),
        ("origin-no-header", False, "open"),
        ("origin-wrong-header", False, "open"),
    ]
    assert report["checks"][1]["outcome"]["status"] == 200


@pytest.mark.parametrize("as_json", [False, True])
def test_main_unreadable_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    argv = ["--outputs-file", write_outputs(tmp_path, without("originUrl")), *(["--json"] if as_json else [])]
    assert vo.main(argv) == vo.EXIT_OUTPUTS_UNREADABLE
    captured = capsys.readouterr()
    if as_json:
        report = json.loads(captured.out)
        assert report["exitCode"] == 5 and "lack originUrl" in report["error"]
    else:
        assert "lack originUrl" in captured.err and "verdict: UNKNOWN" in captured.out
    assert vo.main(["--outputs-file", str(tmp_path / "missing.json")]) == vo.EXIT_OUTPUTS_UNREADABLE


def test_main_requires_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        vo.main([])
    assert raised.value.code == vo.EXIT_USAGE
    capsys.readouterr()
