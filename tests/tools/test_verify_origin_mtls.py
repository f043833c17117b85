"""The probe with origin mutual TLS: a request without CloudFront's client certificate must be refused at the TLS
handshake for want of one (a 403 means the listener did not ask), and only a refusal that can be put down to the
missing certificate counts, only where the stack says the listener verifies; checked against real TLS servers on
loopback (one that verifies client certificates, with TLS 1.3 or 1.2, and one that shares no cipher with the probe)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from cloudfront_origin_lockdown.origin_probe import checks as vo
from tests.components.mtls_world import _linger, issue, make_ca, mtls_server, write_identity

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
    ("reason", "requested", "kind"),
    [
        ("TLSV13_ALERT_CERTIFICATE_REQUIRED", None, vo.CLIENT_CERTIFICATE),
        # handshake_failure and bad_certificate mean "no certificate" only after the server asked for one.
        ("SSLV3_ALERT_HANDSHAKE_FAILURE", True, vo.CLIENT_CERTIFICATE),
        ("SSLV3_ALERT_BAD_CERTIFICATE", True, vo.CLIENT_CERTIFICATE),
        ("SSLV3_ALERT_HANDSHAKE_FAILURE", False, vo.TLS),
        ("SSLV3_ALERT_HANDSHAKE_FAILURE", None, vo.TLS),
        ("SSLV3_ALERT_BAD_CERTIFICATE", None, vo.TLS),
        ("WRONG_VERSION_NUMBER", True, vo.TLS),
    ],
)
def test_a_handshake_ended_for_want_of_a_client_certificate_is_told_apart(
    reason: str, requested: bool | None, kind: str
) -> None:
    assert vo.classify_exception(alert(reason), requested).error == kind


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


CLOSED = vo.Outcome(error=vo.TLS, detail="EOF occurred in violation of protocol", connected=True)


@pytest.mark.parametrize(
    ("origin", "passed", "code", "reason"),
    [
        (vo.Outcome(error=vo.CLIENT_CERTIFICATE, detail="alert", connected=True), True, vo.EXIT_OK, "TLS handshake"),
        (vo.Outcome(error=vo.TIMEOUT, detail="timed out"), True, vo.EXIT_OK, "not reachable from here"),
        # Closed after the server asked for a certificate: refused for want of it.
        (replace(CLOSED, certificate_requested=True), True, vo.EXIT_OK, "asked for a client certificate"),
        # Closed, and nothing says why: no verdict.
        (CLOSED, False, vo.EXIT_INCONCLUSIVE, "could not probe"),
        (replace(CLOSED, certificate_requested=False), False, vo.EXIT_INCONCLUSIVE, "could not probe"),
        # The handshake completed without a certificate: a 403 is the header check, not mutual TLS.
        (vo.Outcome(status=403), False, vo.EXIT_ORIGIN_OPEN, "did not ask for a client certificate"),
        (
            vo.Outcome(status=403, certificate_requested=True),
            False,
            vo.EXIT_ORIGIN_OPEN,
            "asked for a client certificate but went on without one",
        ),
        (vo.Outcome(status=200), False, vo.EXIT_ORIGIN_OPEN, "did not ask"),
    ],
)
def test_with_mtls_verified_a_request_without_the_certificate_must_be_refused_for_want_of_it(
    origin: vo.Outcome, passed: bool, code: int, reason: str
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
    assert reason in check.reason, check.reason
    assert vo.verdict(found) == code


def test_a_refusal_for_want_of_a_certificate_is_locked_only_where_the_stack_says_the_listener_verifies() -> None:
    refused = vo.Outcome(error=vo.CLIENT_CERTIFICATE, detail="the origin's TLS alert X", connected=True)
    assert vo.classify_origin(refused, mtls=True)[0] == "ok"
    kind, why, _ = vo.classify_origin(refused)
    assert kind == "inconclusive" and "the header check was not reached" in why
    for state in ("off", "presented"):
        found = vo.probe(vo.parse_outputs({**OUTPUTS, "originMtls": state}), fetch=fetcher(refused))
        assert vo.verdict(found) == vo.EXIT_INCONCLUSIVE


def test_without_mtls_verified_there_is_no_such_check() -> None:
    for state in ("off", "presented"):
        found = vo.probe(vo.parse_outputs({**OUTPUTS, "originMtls": state}), fetch=fetcher(vo.Outcome(status=403)))
        assert "origin-no-client-certificate" not in [c.name for c in found]


@pytest.mark.parametrize(
    ("requires_certificate", "version"),
    [(True, ssl.TLSVersion.TLSv1_3), (True, ssl.TLSVersion.TLSv1_2), (False, ssl.TLSVersion.TLSv1_3)],
)
def test_the_probe_against_a_real_server_that_verifies_client_certificates(
    requires_certificate: bool, version: ssl.TLSVersion
) -> None:
    """A TLS server as the listener in verify mode (tests/components/test_origin_mtls.py runs it with the stack's
    own bundle and certificate), with TLS 1.3 (certificate_required) or 1.2 only (handshake_failure after a
    CertificateRequest); the probe presents none."""
    _, ca = make_ca("the listener's trust store")
    bundle = ca.public_bytes(serialization.Encoding.PEM).decode()
    with mtls_server(bundle if requires_certificate else None, maximum_version=version) as server:
        url = f"https://localhost:{server.port}/"
        outcome = vo.http_fetch(url, {"X-Origin-Verify": "wrong"}, 3.0, 3.0, str(server.server_ca))
    check = vo.client_certificate_check(url, outcome)
    assert outcome.certificate_requested is requires_certificate
    if requires_certificate:
        assert outcome.error == vo.CLIENT_CERTIFICATE, outcome
        assert check.passed and check.kind == "ok"
    else:
        assert outcome.status == 200
        assert not check.passed and check.kind == "open"


def test_a_handshake_failure_the_probe_cannot_attribute_is_never_locked(tmp_path: Path) -> None:
    """Issue 22's review, finding 6: a server that asks for no certificate but shares no cipher with the probe ends
    the handshake with handshake_failure; that is a TLS error (inconclusive), with origin mTLS off or on."""
    ca_key, ca = make_ca("server CA")
    server_ca = tmp_path / "ca.pem"
    server_ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    identity = write_identity(tmp_path, "srv", *issue(ca_key, ca, "localhost", ExtendedKeyUsageOID.SERVER_AUTH))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-SHA")  # SHA-1 suites: not offered by the probe's default context
    context.load_cert_chain(identity.certificate, identity.key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        raw, _ = listener.accept()
        connection = context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        try:
            connection.do_handshake()
        except (OSError, ssl.SSLError):
            _linger(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"https://localhost:{listener.getsockname()[1]}/"
    outcome = vo.http_fetch(url, {"X-Origin-Verify": "wrong"}, 3.0, 3.0, str(server_ca))
    thread.join(5)
    listener.close()
    assert outcome.error == vo.TLS and "HANDSHAKE_FAILURE" in outcome.detail, outcome
    assert outcome.certificate_requested is False
    assert vo.classify_origin(outcome)[0] == "inconclusive"
    assert vo.classify_origin(outcome, mtls=True)[0] == "inconclusive"
    assert not vo.client_certificate_check(url, outcome).passed


def test_a_tls_session_closed_without_an_alert_counts_only_after_a_certificate_was_asked_for() -> None:
    assert vo.classify_origin(CLOSED)[0] == "inconclusive"
    assert vo.classify_origin(CLOSED, mtls=True)[0] == "inconclusive"
    asked = replace(CLOSED, certificate_requested=True)
    assert vo.classify_origin(asked, mtls=True)[0] == "ok"
    assert vo.classify_origin(asked)[0] == "inconclusive"
    assert vo.classify_origin(replace(asked, connected=False), mtls=True)[0] == "inconclusive"
