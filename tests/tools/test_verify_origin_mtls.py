"""The probe with origin mutual TLS: a request without CloudFront's client certificate must be refused (the TLS
handshake ended for want of one, or a 403), checked against a real TLS server on loopback that verifies client
certificates."""

from __future__ import annotations

import ssl
from collections.abc import Mapping

import pytest
from cryptography.hazmat.primitives import serialization

from cloudfront_origin_lockdown.origin_probe import checks as vo
from tests.components.mtls_world import make_ca, mtls_server

OUTPUTS = {
    "url": "https://d111111abcdef8.cloudfront.net/",
    "originUrl": "https://origin.example.com:443/",
    "originHeaderName": "X-Origin-Verify",
    "architecture": "alb",
    "originMtls": "verified",
}


def alert(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] alert")
    error.reason = reason
    return error


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("TLSV13_ALERT_CERTIFICATE_REQUIRED", vo.CLIENT_CERTIFICATE),
        ("SSLV3_ALERT_HANDSHAKE_FAILURE", vo.CLIENT_CERTIFICATE),
        ("SSLV3_ALERT_BAD_CERTIFICATE", vo.CLIENT_CERTIFICATE),
        ("WRONG_VERSION_NUMBER", vo.TLS),
    ],
)
def test_a_handshake_ended_for_want_of_a_client_certificate_is_told_apart(reason: str, kind: str) -> None:
    assert vo.classify_exception(alert(reason)).error == kind


def test_a_server_certificate_that_does_not_verify_stays_inconclusive() -> None:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.reason = "CERTIFICATE_VERIFY_FAILED"
    outcome = vo.classify_exception(error)
    assert vo.classify_origin(outcome)[0] == "inconclusive"


def test_the_outputs_say_whether_the_listener_verifies() -> None:
    assert vo.parse_outputs(OUTPUTS).origin_mtls == "verified"
    assert vo.parse_outputs({k: v for k, v in OUTPUTS.items() if k != "originMtls"}).origin_mtls == "off"
    with pytest.raises(vo.OutputsError, match="'originMtls' = 'on' is not one of off, presented, verified"):
        vo.parse_outputs({**OUTPUTS, "originMtls": "on"})


def fetcher(origin: vo.Outcome) -> vo.Fetch:
    def fetch(url: str, headers: Mapping[str, str], *_: object) -> vo.Outcome:
        return vo.Outcome(status=200) if "cloudfront.net" in url else origin

    return fetch


@pytest.mark.parametrize(
    ("origin", "passed", "code", "note"),
    [
        (vo.Outcome(error=vo.CLIENT_CERTIFICATE, detail="alert", connected=True), True, vo.EXIT_OK, ""),
        (vo.Outcome(status=403), True, vo.EXIT_OK, "does not verify one"),
        (vo.Outcome(error=vo.TIMEOUT, detail="timed out"), True, vo.EXIT_OK, ""),
        (vo.Outcome(error=vo.TLS, detail="EOF occurred in violation of protocol", connected=True), True, 0, ""),
        (vo.Outcome(status=200), False, vo.EXIT_ORIGIN_OPEN, ""),
    ],
)
def test_with_mtls_verified_a_request_without_the_certificate_must_be_refused(
    origin: vo.Outcome, passed: bool, code: int, note: str
) -> None:
    found = vo.probe(vo.parse_outputs(OUTPUTS), fetch=fetcher(origin), sleep=lambda _: None)
    assert [c.name for c in found] == [
        "cloudfront",
        "origin-no-header",
        "origin-wrong-header",
        "origin-no-client-certificate",
    ]
    check = found[-1]
    assert check.passed is passed
    assert note in check.note
    assert vo.verdict(found) == code


def test_without_mtls_verified_there_is_no_such_check() -> None:
    for state in ("off", "presented"):
        found = vo.probe(vo.parse_outputs({**OUTPUTS, "originMtls": state}), fetch=fetcher(vo.Outcome(status=403)))
        assert "origin-no-client-certificate" not in [c.name for c in found]


@pytest.mark.parametrize("requires_certificate", [True, False])
def test_the_probe_against_a_real_server_that_verifies_client_certificates(requires_certificate: bool) -> None:
    """A TLS server as the listener in verify mode (tests/components/test_origin_mtls.py runs it with the stack's
    own bundle and certificate); the probe presents none."""
    _, ca = make_ca("the listener's trust store")
    bundle = ca.public_bytes(serialization.Encoding.PEM).decode()
    with mtls_server(bundle if requires_certificate else None) as server:
        url = f"https://localhost:{server.port}/"
        outcome = vo.http_fetch(url, {"X-Origin-Verify": "wrong"}, 3.0, 3.0, str(server.server_ca))
    check = vo.client_certificate_check(url, outcome)
    if requires_certificate:
        assert outcome.error == vo.CLIENT_CERTIFICATE, outcome
        assert check.passed and check.kind == "ok"
    else:
        assert outcome.status == 200
        assert not check.passed and check.kind == "open"


def test_a_tls_session_closed_without_an_alert_is_inconclusive_unless_the_listener_verifies() -> None:
    closed = vo.Outcome(error=vo.TLS, detail="EOF occurred in violation of protocol", connected=True)
    assert vo.classify_origin(closed)[0] == "inconclusive"
    assert vo.classify_origin(closed, mtls=True)[0] == "ok"
    assert vo.classify_origin(vo.Outcome(error=vo.TLS, detail="EOF", connected=False), mtls=True)[0] == "inconclusive"
