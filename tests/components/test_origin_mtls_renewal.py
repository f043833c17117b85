"""Renewal through the program, with the engine's state between deploys: a renewal re-imports into the same ACM
certificate (the distribution and the trust store do not change), a CA step moves the trust store's window by one
generation, a failure half-way is completed by the next deploy."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import NameOID

from cloudfront_origin_lockdown.origin_mtls_plan import CA_PERIOD, EPOCH
from offline.mocks import EngineState, Failure, OperationResult, operate
from offline.replacements import diff
from offline.snapshot import ProgramRun, reveal
from tests.components.mtls_world import (
    ACM,
    CLIENT_CERTIFICATE,
    DISTRIBUTION,
    MTLS,
    OBJECT,
    TRUST_STORE,
    deploys,
    inputs,
)

BOUNDARY = EPOCH + CA_PERIOD  # generation 1 starts
# Both tests start from the same two deploys (cached): 40 days before the boundary.
START = BOUNDARY - timedelta(days=40)


def up(state: EngineState, now: datetime, fail: Failure | None = None) -> OperationResult:
    result = operate("up", MTLS, state, now=now, fail=fail)
    assert (result.error is None) is (fail is None), result.error
    return result


def issuer_generations(bundle: str) -> list[str]:
    """The common names of the CAs a bundle holds, sorted."""
    return sorted(
        str(c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        for c in x509.load_pem_x509_certificates(bundle.encode())
    )


def client_issuer(run: ProgramRun) -> str:
    body = inputs(run, ACM, CLIENT_CERTIFICATE)["certificateBody"]
    return x509.load_pem_x509_certificate(body.encode()).issuer.rfc4514_string()


def test_a_renewal_re_imports_into_the_same_acm_certificate_and_changes_nothing_else() -> None:
    _, second, state = deploys(now=START)
    renewed = up(state, START + timedelta(days=31))
    before, after = second.by_name(CLIENT_CERTIFICATE), renewed.run.by_name(CLIENT_CERTIFICATE)
    assert before.urn == after.urn
    old, new = reveal(dict(before.inputs)), reveal(dict(after.inputs))
    assert old["certificateBody"] != new["certificateBody"] and old["privateKey"] != new["privateKey"]
    # The provider updates an imported certificate in place (terraform-provider-aws acm/certificate.go): same ARN.
    assert diff(ACM, old, new).kind == "update"
    assert after.urn in renewed.changed
    # The distribution keeps its configuration; only the comment's origin mTLS stamp moves to the new intent, so the
    # update waits for CloudFront to have it Deployed (origin_mtls_record.mtls_stamp).
    distribution_before, distribution_after = inputs(second, DISTRIBUTION), inputs(renewed.run, DISTRIBUTION)
    assert distribution_before["comment"] != distribution_after["comment"]
    assert {**distribution_after, "comment": None} == {**distribution_before, "comment": None}
    assert inputs(renewed.run, OBJECT) == inputs(second, OBJECT)
    assert renewed.run.one(TRUST_STORE).urn not in renewed.changed
    # The old key, request and certificate go at the end; the CAs stay.
    (signed,) = second.of_type("tls:index/locallySignedCert:LocallySignedCert")
    assert {urn.rsplit("::", 1)[1] for urn in renewed.deleted} == {
        f"{signed.name}{suffix}" for suffix in ("", "-key", "-csr")
    }
    assert any("the client certificate is renewed" in message for _, message in renewed.logs)


def test_a_ca_step_trusts_both_generations_while_cloudfront_switches_and_fails_half_way_safely() -> None:
    _, second, state = deploys(now=START)
    assert "origin-mtls-ca-0" in client_issuer(second)
    generations_before = issuer_generations(inputs(second, OBJECT)["content"])
    assert generations_before == ["origin-mtls-ca-0", "origin-mtls-ca-1"]
    # The step fails at the import: the trust store has moved, ACM still holds generation 0's certificate.
    failed = up(state, BOUNDARY + timedelta(days=1), fail=Failure(CLIENT_CERTIFICATE))
    assert failed.error is not None
    moved = issuer_generations(inputs(failed.run, OBJECT)["content"])
    assert moved == ["origin-mtls-ca-0", "origin-mtls-ca-1", "origin-mtls-ca-2"]
    # The next deploy completes it: CloudFront's certificate from generation 1, both 0 and 1 still trusted.
    retried = up(failed.after, BOUNDARY + timedelta(days=2))
    assert "origin-mtls-ca-1" in client_issuer(retried.run)
    kept = issuer_generations(inputs(retried.run, OBJECT)["content"])
    assert kept == moved
    # A year later the window moves again and generation 0 goes.
    later = up(retried.after, BOUNDARY + CA_PERIOD + timedelta(days=3))
    gone = issuer_generations(inputs(later.run, OBJECT)["content"])
    assert gone == ["origin-mtls-ca-1", "origin-mtls-ca-2", "origin-mtls-ca-3"]
