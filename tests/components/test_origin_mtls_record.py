"""The record of what CloudFront presents (origin_mtls_record.py): its rules one at a time, then through the program
with the engine's state, the sequences issue 22's review found refusing CloudFront: a listener verifying because ACM
holds a certificate while CloudFront does not present it (a deploy failed at the distribution, a distribution change
not yet deployed, origin mTLS turned off and on again), and a lookup that never found the certificate at all."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from cloudfront_origin_lockdown.origin_mtls_plan import CA_SETTLE, CLIENT_VALIDITY, ECDSA_P256, ClientCertificate
from cloudfront_origin_lockdown.origin_mtls_record import (
    NOTHING_SETTLED,
    Intent,
    MtlsRecord,
    RecordError,
    Settled,
    next_intent,
    parse_record,
    presents_everywhere,
    settle,
)
from offline import mocks
from offline.mocks import EngineState, Failure, OperationResult, operate, parameters_in
from offline.snapshot import ProgramRun, reveal
from offline.steps import plan
from offline.switches import NONE, Switch, check_plan
from tests.components.mtls_world import LISTENER, MTLS, TLS, inputs

T = datetime(2026, 11, 17, 6, 0, tzinfo=timezone.utc)
LOOKUP = "aws:acm/getCertificate:getCertificate"
INTENT = "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/origin-mtls/intent"
SETTLED = "/cloudfront-origin-lockdown/cloudfront-origin-lockdown/dev/origin/origin-mtls/settled"


def cert(token: str, issued: datetime, generation: int = 0) -> ClientCertificate:
    return ClientCertificate(token, issued, issued + CLIENT_VALIDITY, ECDSA_P256, ca_generation=generation)


X, Y = cert("ca0-p10", T), cert("ca0-p11", T + timedelta(days=30))


def settled(presenting: ClientCertificate, since: datetime, previous: tuple[ClientCertificate, ...] = ()) -> Settled:
    return Settled(1, "E2QWRUHEXAMPLE", "ETAG1", "arn:aws:acm:us-east-1:1:certificate/x", presenting, since, previous)


# -- the rules ---------------------------------------------------------------------------------------------------


def test_the_record_reads_back_what_it_wrote_and_refuses_anything_else() -> None:
    intent = Intent(3, Y, (X, Y))
    done = settled(Y, T + timedelta(days=30), (X,))
    read = parse_record(intent.to_json(), replace(done, generation=3).to_json())
    assert read.intent == intent and read.settled == replace(done, generation=3)
    assert parse_record(None, NOTHING_SETTLED) == MtlsRecord()
    for bad in ("{", '{"format": 2, "generation": 1}', intent.to_json().replace("ca0-p11", "../x")):
        with pytest.raises(RecordError):
            parse_record(bad, None)
    with pytest.raises(RecordError, match="neither or both"):
        parse_record(intent.to_json().replace('"caGeneration":0', '"caGeneration":null'), None)


def test_an_intent_changes_only_when_what_is_imported_or_may_be_presented_does() -> None:
    first = next_intent(MtlsRecord(), T, X)
    assert first == Intent(1, X, (X,))
    read = MtlsRecord(first, replace(settled(X, T), generation=1))
    assert next_intent(read, T + timedelta(days=3), X) is first
    renewal = next_intent(read, T + timedelta(days=30), Y)
    assert renewal == Intent(2, Y, (X, Y))


def test_settling_needs_the_distribution_deployed_and_keeps_the_certificates_before_for_a_day() -> None:
    intent = Intent(2, Y, (X, Y))
    before = replace(settled(X, T), generation=1)
    now = T + timedelta(days=30, hours=1)
    assert settle(intent, before, now, "InProgress", "D", "ETAG2", "arn") is before
    assert settle(intent, before, now, "Deployed", "D", "ETAG2", None) is before
    done = settle(intent, before, now, "Deployed", "D", "ETAG2", "arn")
    assert done is not None and (done.generation, done.presenting, done.since, done.previous) == (2, Y, now, (X,))
    read = MtlsRecord(intent, done)
    assert read.settled_since() == now
    assert read.may_be_presenting(now + CA_SETTLE - timedelta(seconds=1)) == (Y, X)
    assert read.may_be_presenting(now + CA_SETTLE) == (Y,)
    # Settled again later: the certificate was seen long ago, it keeps its time.
    again = settle(intent, done, now + timedelta(days=5), "Deployed", "D", "ETAG3", "arn")
    assert again is not None and again.since == now
    # A deploy's clock behind the certificate's issue does not make it look settled sooner.
    early = settle(intent, before, Y.not_before - timedelta(days=200), "Deployed", "D", "ETAG2", "arn")
    assert early is not None and early.since == Y.not_before


def test_an_intent_not_seen_deployed_keeps_its_worst_case() -> None:
    read = MtlsRecord(Intent(2, Y, (X, Y)), replace(settled(X, T), generation=1))
    assert not read.is_settled and read.settled_since() is None
    assert read.deployed() == Y and read.may_be_presenting(T + timedelta(days=400)) == (X, Y)


def test_cloudfront_presents_everywhere_only_while_the_distribution_is_as_it_was_seen_deployed() -> None:
    done = settled(X, T)
    assert presents_everywhere(done, {"status": "Deployed", "etag": "ETAG1"})
    assert not presents_everywhere(done, {"status": "Deployed", "etag": "ETAG2"})  # changed since
    assert not presents_everywhere(done, {"status": "InProgress", "etag": "ETAG1"})
    assert not presents_everywhere(done, None)  # gone
    assert not presents_everywhere(None, {"status": "Deployed", "etag": "ETAG1"})


# -- through the program ------------------------------------------------------------------------------------------


def up(config: dict, state: EngineState | None, moment: datetime, **options: object) -> OperationResult:
    return operate("up", config, state, now=moment, **options)  # type: ignore[arg-type]


def mode(run: ProgramRun) -> tuple[str, str]:
    return inputs(run, LISTENER)["mutualAuthentication"]["mode"], str(run.stack_outputs.get("originMtls"))


_BASE: dict[str, OperationResult] = {}


def https_stack() -> OperationResult:
    if "tls" not in _BASE:
        _BASE["tls"] = up(TLS, None, T)
        assert _BASE["tls"].error is None
    return _BASE["tls"]


def as_deployed(before: ProgramRun, failed: OperationResult) -> ProgramRun:
    """The stack a failed `pulumi up` left: its registrations, with each resource it did not change as it was."""
    changed = failed.changed
    kept = {r.urn: r for r in before.resources}
    resources = [r if r.urn in changed or r.urn not in kept else kept[r.urn] for r in failed.run.resources]
    resources += [r for r in before.resources if r.urn not in {x.urn for x in failed.run.resources}]
    return ProgramRun(resources, failed.run.invokes, failed.run.stack_outputs, False)


def failed_first_deploy() -> tuple[OperationResult, OperationResult, OperationResult]:
    """Origin mTLS turned on by a deploy that fails at the distribution (after the import: e.g. a Free or Pro plan
    refuses origin mTLS), its retry, and the next deploy a day later (cached: later tests start from it)."""
    if "failed" not in _BASE:
        failed = up(MTLS, https_stack().after, T + timedelta(hours=1), fail=Failure("origin-cdn"))
        retry = up(MTLS, failed.after, T + timedelta(hours=2))
        _BASE["failed"], _BASE["retry"] = failed, retry
        _BASE["next"] = up(MTLS, retry.after, T + timedelta(days=1))
    return _BASE["failed"], _BASE["retry"], _BASE["next"]


def test_a_first_deploy_that_fails_at_the_distribution_is_not_followed_by_a_listener_that_verifies() -> None:
    """Finding 2, case A: ACM holds the certificate, CloudFront does not present it: the retry must not verify, the
    deploy after the one that saw CloudFront present it does."""
    failed, retry, later = failed_first_deploy()
    assert failed.error is not None and any(u.endswith("::origin-mtls-client") for u in failed.after.resources)
    assert retry.error is None and mode(retry.run) == ("off", "presented")
    found = check_plan(
        Switch("retry of origin mTLS on", MTLS, MTLS), plan(as_deployed(https_stack().run, failed), retry.run)
    )
    assert found.interruption == NONE, found.problems
    assert later.error is None and mode(later.run) == ("verify", "verified")


def test_the_listener_verifies_without_ever_listing_acm_which_would_not_list_its_certificate() -> None:
    """Finding 1: the lookup by tag never found the ECDSA certificate (ListCertificates lists RSA only by default),
    so the listener never verified. The program no longer asks ACM, and the mocks list as ACM does."""
    failed, retry, later = failed_first_deploy()
    assert mode(later.run) == ("verify", "verified")
    assert LOOKUP not in {invoke.token for result in (failed, retry, later) for invoke in result.run.invokes}
    aws = mocks.AwsMocks()
    aws.deployed_resources = later.after.resources
    query = {"tags": {"origin-lockdown:mtls-client": "cloudfront-origin-lockdown/dev/origin"}, "region": "us-east-1"}
    with pytest.raises(LookupError, match="no ACM Certificate found"):
        aws._mtls_lookup(LOOKUP, query)
    assert aws._mtls_lookup(LOOKUP, {**query, "keyTypes": ["EC_prime256v1"]})["status"] == "ISSUED"


def test_a_distribution_change_not_seen_deployed_is_not_followed_by_a_listener_that_verifies() -> None:
    """Finding 2, case C: the distribution's update reached CloudFront, then waiting for Deployed timed out: the next
    deploy does not verify; its new intent (stamped into the comment) sends the distribution again and waits for
    Deployed, which settles the record; the deploy after it verifies."""
    timed_out = up(MTLS, https_stack().after, T + timedelta(hours=1), fail=Failure("origin-cdn", applied=True))
    assert timed_out.error is not None
    deploying = up(MTLS, timed_out.after, T + timedelta(hours=2), distribution_status="InProgress")
    assert deploying.error is None and mode(deploying.run) == ("off", "presented")
    assert any(u.endswith("::origin-cdn") for u in deploying.changed), "a new intent resends the distribution"
    assert parameters_in(deploying.after)[SETTLED] != NOTHING_SETTLED
    deployed = up(MTLS, deploying.after, T + timedelta(hours=3))
    assert mode(deployed.run) == ("verify", "verified")


def test_origin_mtls_turned_off_and_on_again_with_its_record_left_behind_presents_before_it_verifies() -> None:
    """Finding 2, case B: turned off, the ACM certificate's and the record's deletes failed (CloudFront releases a
    certificate late), then on again: the record names a configuration the distribution no longer has."""
    verified = failed_first_deploy()[2].after
    off = up(TLS, verified, T + timedelta(days=2))
    assert off.error is None and mode(off.run) == ("off", "off")
    left = copy.deepcopy(off.after)
    for urn, resource in verified.resources.items():
        if urn.endswith(("::origin-mtls-client", "::origin-mtls-record-intent", "::origin-mtls-record-settled")):
            left.resources[urn] = resource  # as a failed delete leaves them
    assert SETTLED in parameters_in(left)
    again = up(MTLS, left, T + timedelta(days=3))
    assert again.error is None and mode(again.run) == ("off", "presented")
    found = check_plan(Switch("origin mTLS on again", TLS, MTLS), plan(off.run, again.run))
    assert found.interruption == NONE, found.problems


def test_an_unreadable_record_is_refused_before_any_resource() -> None:
    broken = copy.deepcopy(failed_first_deploy()[1].after)
    (urn,) = [u for u in broken.resources if u.endswith("::origin-mtls-record-intent")]
    entry = broken.resources[urn]
    broken.resources[urn] = replace(entry, inputs={**entry.inputs, "insecureValue": '{"format": 1}'})
    result = up(MTLS, broken, T + timedelta(days=1))
    assert result.error is not None
    assert "invalid setting originMtls: True is not allowed; the origin mTLS record in AWS" in str(result.error)
    assert INTENT in str(result.error)
    assert [r for r in result.run.resources if r.custom] == []


def test_a_distribution_the_record_names_that_is_gone_is_not_presenting_and_any_other_failure_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The settled record names a distribution CloudFront no longer has (NoSuchDistribution: replaced, or deleted
    outside the stack): the listener does not verify. Any other failure of that lookup (access denied, throttling)
    stops the program before any resource: a verdict from a lookup that failed would guess."""
    verified = copy.deepcopy(failed_first_deploy()[2].after)
    (urn,) = [u for u in verified.resources if u.endswith("::origin-mtls-record-settled")]
    entry = verified.resources[urn]
    value = reveal(dict(entry.inputs))["insecureValue"]
    recorded = json.loads(value)["distributionId"]
    moved = value.replace(recorded, "EGONE0EXAMPLE")
    verified.resources[urn] = replace(entry, inputs={**entry.inputs, "insecureValue": moved})
    real = mocks.AwsMocks._distribution

    def answering(error: str) -> object:
        def lookup(self: mocks.AwsMocks, distribution_id: str) -> dict:
            if distribution_id == "EGONE0EXAMPLE":
                raise LookupError(f"{error} ({distribution_id})")
            return real(self, distribution_id)

        return lookup

    monkeypatch.setattr(mocks.AwsMocks, "_distribution", answering("NoSuchDistribution: does not exist"))
    gone = up(MTLS, verified, T + timedelta(days=2))
    assert gone.error is None and mode(gone.run) == ("off", "presented")
    monkeypatch.setattr(mocks.AwsMocks, "_distribution", answering("AccessDenied: not authorized"))
    denied = up(MTLS, verified, T + timedelta(days=2))
    assert denied.error is not None and "AccessDenied" in str(denied.error)
    assert [r for r in denied.run.resources if r.custom] == []


def test_the_mtls_stamp_follows_the_rotation_stamp_in_the_comment_within_its_128_characters() -> None:
    from cloudfront_origin_lockdown.cdn import _joined, distribution_comment
    from cloudfront_origin_lockdown.origin_mtls_record import MTLS_STAMP_MAX, mtls_stamp
    from cloudfront_origin_lockdown.rotation_record import ROTATION_STAMP_MAX

    first = next_intent(MtlsRecord(), T, X)
    assert mtls_stamp(first) != mtls_stamp(replace(first, generation=2)), "each new intent, another stamp"
    assert len(mtls_stamp(replace(first, generation=999999999999))) == MTLS_STAMP_MAX
    stamps = _joined("r" * ROTATION_STAMP_MAX, "m" * MTLS_STAMP_MAX)
    comment = distribution_comment("n" * 120, stamps)
    assert len(comment) == 128 and comment.endswith(stamps)
