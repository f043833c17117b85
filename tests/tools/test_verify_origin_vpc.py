"""The probe for a stack whose origin sits behind a CloudFront VPC origin (no network, no DNS: scripted)."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.tools.test_verify_origin import ScriptedNetwork, error, status
from tools import verify_origin as vo

HOST = "internal-origin-private-alb-123.us-east-1.elb.amazonaws.com"
VPC_OUTPUTS: dict[str, Any] = {
    "architecture": "alb",
    "vpcOrigin": True,
    "url": "https://d111111abcdef8.cloudfront.net/",
    "originAddress": HOST,
    "originUrl": f"http://{HOST}:80/",
    "originHeaderName": "X-Origin-Verify",
}


def resolver(answer: list[str] | BaseException) -> tuple[vo.Resolve, list[str]]:
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return resolve, asked


def no_such_name() -> socket.gaierror:
    return socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    ("answer", "passed", "kind", "reason_has"),
    [
        (["10.80.2.15", "10.80.3.7"], True, "ok", "resolves only to private address(es) 10.80.2.15, 10.80.3.7"),
        (["172.16.0.4"], True, "ok", "no public address"),
        (["fd00::5"], True, "ok", "no public address"),
        (no_such_name(), True, "ok", "does not resolve from here: no public address"),
        (["10.80.2.15", "54.1.2.3"], False, "open", "resolves to public address(es) 54.1.2.3"),
        (["2600:1f18::1"], False, "open", "public address(es) 2600:1f18::1"),
        # No answer is no verdict: never "no public address" by default.
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), False, "inconclusive", "could not"),
        (OSError("network down"), False, "inconclusive", "could not resolve"),
        ([], False, "inconclusive", "resolved to no address"),
    ],
)
def test_public_address_check(answer: list[str] | BaseException, passed: bool, kind: str, reason_has: str) -> None:
    resolve, asked = resolver(answer)
    check = vo.public_address_check(HOST, resolve)
    assert (check.name, check.passed, check.kind) == ("origin-no-public-address", passed, kind)
    assert reason_has in check.reason, check.reason
    assert asked == [HOST]


def run_vpc_probe(
    answer: list[str] | BaseException, cloudfront: vo.Outcome, origin: vo.Outcome
) -> tuple[list[vo.CheckResult], ScriptedNetwork]:
    outputs = vo.parse_outputs(VPC_OUTPUTS)
    network = ScriptedNetwork({outputs.url: [cloudfront], outputs.origin_url: [origin]})
    resolve, _ = resolver(answer)
    checks = vo.probe(outputs, vo.ProbeOptions(attempts=1), network.fetch, network.sleeps.append, resolve)
    return checks, network


@pytest.mark.parametrize(
    ("answer", "cloudfront", "origin", "names", "code"),
    [
        (["10.80.2.15"], status(200), status(200), ["cloudfront", "origin-no-public-address"], vo.EXIT_OK),
        (no_such_name(), status(200), status(200), ["cloudfront", "origin-no-public-address"], vo.EXIT_OK),
        (["10.80.2.15"], status(502), status(200), ["cloudfront", "origin-no-public-address"], 4),
        (
            socket.gaierror(socket.EAI_AGAIN, "again"),
            status(200),
            status(200),
            ["cloudfront", "origin-no-public-address"],
            vo.EXIT_INCONCLUSIVE,
        ),
        # A public address: a failure, and the origin is probed there as usual.
        (
            ["54.1.2.3"],
            status(200),
            error(vo.TIMEOUT),
            ["cloudfront", "origin-no-public-address", "origin-no-header", "origin-wrong-header"],
            vo.EXIT_ORIGIN_OPEN,
        ),
    ],
)
def test_vpc_origin_probe(
    answer: list[str] | BaseException, cloudfront: vo.Outcome, origin: vo.Outcome, names: list[str], code: int
) -> None:
    checks, network = run_vpc_probe(answer, cloudfront, origin)
    assert [c.name for c in checks] == names
    assert vo.verdict(checks) == code
    origin_requests = [url for url, _, _ in network.requests if url == VPC_OUTPUTS["originUrl"]]
    # Never a connection to a private address: only when the name resolved to a public one.
    assert len(origin_requests) == (2 if "origin-no-header" in names else 0)


def test_vpc_origin_output_must_be_a_boolean() -> None:
    with pytest.raises(vo.OutputsError, match="'vpcOrigin' = 'yes' is not true or false"):
        vo.parse_outputs({**VPC_OUTPUTS, "vpcOrigin": "yes"})
    assert vo.parse_outputs(VPC_OUTPUTS).vpc_origin is True
    assert vo.parse_outputs({k: v for k, v in VPC_OUTPUTS.items() if k != "vpcOrigin"}).vpc_origin is False


def write(tmp_path: Path, data: Mapping[str, Any]) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_main_reports_no_public_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network = ScriptedNetwork({VPC_OUTPUTS["url"]: [status(200)], VPC_OUTPUTS["originUrl"]: [status(200)]})
    resolve, _ = resolver(["10.80.2.15"])
    argv = ["--outputs-file", write(tmp_path, VPC_OUTPUTS), "--attempts", "1"]
    assert vo.main(argv, network.fetch, network.sleeps.append, resolve) == vo.EXIT_OK
    out = capsys.readouterr().out
    assert f"  origin (VPC origin): http://{HOST}:80/ (must have no public address)" in out
    assert "PASS origin-no-public-address" in out
    assert "verdict: LOCKED" in out
    argv.append("--json")
    assert vo.main(argv, network.fetch, network.sleeps.append, resolve) == vo.EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["outputs"]["vpcOrigin"] is True
    assert [c["name"] for c in report["checks"]] == ["cloudfront", "origin-no-public-address"]
