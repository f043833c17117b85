"""Origin mTLS after a killed `pulumi up`: AWS holds what the checkpoint does not (review findings on origin mTLS).

Each test runs a short sequence of deploys against the mocks' AWS (offline/mocks.py keeps AWS and the checkpoint
apart when a deploy is killed)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from offline.mocks import EngineState, Failure, OperationResult, operate
from offline.snapshot import reveal
from tests.components.mtls_world import MTLS, TLS

pytestmark = pytest.mark.simulation

T = datetime(2026, 12, 7, 6, tzinfo=timezone.utc)


def up(config: dict[str, Any], state: EngineState | None, day: int, **options: Any) -> OperationResult:
    return operate("up", config, state, now=T + timedelta(days=day), **options)


def urn_of(state: EngineState, name: str) -> str:
    return next(urn for urn in state.resources if urn.endswith(f"::{name}"))


def presented(entry: Any) -> list[Any]:
    """What the distribution's origin presents (its origin mTLS configuration), as the entry's inputs say."""
    return [(o.get("customOriginConfig") or {}).get("originMtlsConfig") for o in reveal(entry.inputs).get("origins")]


def listener_mode(entry: Any) -> str | None:
    return (reveal(entry.inputs).get("mutualAuthentication") or {}).get("mode")


def verified() -> EngineState:
    state = None
    for day in range(2):
        result = up(MTLS, state, day)
        assert result.error is None, result.error
        state = result.after
    assert state is not None and state.outputs.get("originMtls") == "verified"
    return state


def test_mtls_on_again_after_off_killed_at_the_distribution_sends_it_again_before_verifying() -> None:
    """Off, killed while waiting for the distribution (AWS: no client certificate; checkpoint: the old one), then on
    again: the new intent's stamp sends the distribution again, and the listener verifies only once CloudFront
    presents the certificate."""
    state = verified()
    distribution = urn_of(state, "origin-cdn")
    killed = up(TLS, state, 2, fail=Failure(resource="origin-cdn", killed=True))
    assert killed.error is not None
    state = killed.after
    assert presented(state.in_aws()[distribution]) == [None] and presented(state.resources[distribution]) != [None]
    for day in (3, 4):
        result = up(MTLS, state, day)
        assert result.error is None, result.error
        state = result.after
        aws_presents = presented(state.in_aws()[distribution])
        if state.outputs.get("originMtls") == "verified":
            assert aws_presents != [None], "the listener verifies while CloudFront presents no certificate"
    assert presented(state.in_aws()[distribution]) != [None]
    assert state.outputs.get("originMtls") == "verified"


def test_mtls_turned_off_after_a_listener_update_killed_on_its_way_to_verify_is_refused_until_a_refresh() -> None:
    """The listener's update to verify reached AWS, the checkpoint kept off; turning origin mTLS off would not send
    the listener again (its inputs equal the checkpoint): the listener is read back from AWS, and the deploy is
    refused before CloudFront stops presenting its certificate; after `pulumi refresh` the listener goes off."""
    first = up(MTLS, None, 0)
    assert first.error is None, first.error
    listener = urn_of(first.after, "origin-https-listener")
    distribution = urn_of(first.after, "origin-cdn")
    killed = up(MTLS, first.after, 1, fail=Failure(resource="origin-https-listener", killed=True))
    assert killed.error is not None
    state = killed.after
    assert listener_mode(state.in_aws()[listener]) == "verify" and listener_mode(state.resources[listener]) == "off"
    refused = up(TLS, state, 2)
    assert refused.error is not None and "pulumi refresh" in str(refused.error)
    assert presented(refused.after.in_aws()[distribution]) != [None], "CloudFront still presents its certificate"
    # `pulumi refresh`: the checkpoint takes what AWS holds.
    refreshed = EngineState(resources=refused.after.in_aws(), outputs=refused.after.outputs)
    off = up(TLS, refreshed, 3)
    assert off.error is None, off.error
    assert listener_mode(off.after.in_aws()[listener]) == "off"
    assert presented(off.after.in_aws()[distribution]) == [None]


def test_the_record_is_scoped_like_the_rotation_record() -> None:
    from cloudfront_origin_lockdown import origin_mtls_record, rotation_record

    for organization in ("acme", None, "organization"):
        mtls = origin_mtls_record.record_names("shop", "dev", "origin", organization).path
        rotation = rotation_record.record_names("shop", "dev", "origin", organization).path
        assert mtls == rotation.rsplit("/", 1)[0] + "/origin-mtls"
    acme = origin_mtls_record.record_names("shop", "dev", "origin", "acme")
    assert acme.intent == "/cloudfront-origin-lockdown/acme/shop/dev/origin/origin-mtls/intent"
    assert acme.path != origin_mtls_record.record_names("shop", "dev", "origin", "globex").path


def _other_organization_verified() -> EngineState:
    state = None
    for day in range(2):
        result = up(MTLS, state, day, organization="alpha")
        assert result.error is None, result.error
        state = result.after
    assert state is not None and state.outputs.get("originMtls") == "verified"
    return state


def test_a_record_naming_another_components_distribution_is_not_trusted() -> None:
    """Another organization's stack of the same project, stack and component names in this account: its record is
    not read (another path), and a record at this component's path that names a distribution which is not this
    component's own (copied, edited) does not make the listener verify."""
    alpha = _other_organization_verified()
    beta = up(TLS, None, 0, organization="beta")
    assert beta.error is None, beta.error
    foreign = {"urn:alpha:" + urn: entry for urn, entry in alpha.in_aws().items()}
    shared = dataclasses.replace(beta.after, cloud={**beta.after.cloud, **foreign})
    on = up(MTLS, shared, 3, organization="beta")
    assert on.error is None, on.error
    assert on.after.outputs.get("originMtls") == "presented", "another organization's record was read"
    # The alpha record's values, at beta's own path: they name alpha's distribution (Deployed, same ETag).
    copied = {}
    for urn, entry in alpha.in_aws().items():
        name = reveal(entry.inputs).get("name")
        if isinstance(name, str) and name.endswith(("/origin-mtls/intent", "/origin-mtls/settled")):
            moved = name.replace("/alpha/", "/beta/")
            copied["urn:copied:" + urn] = dataclasses.replace(entry, inputs={**entry.inputs, "name": moved})
    assert len(copied) == 2
    forged = dataclasses.replace(beta.after, cloud={**beta.after.cloud, **foreign, **copied})
    forged_on = up(MTLS, forged, 3, organization="beta")
    assert forged_on.error is None, forged_on.error
    assert forged_on.after.outputs.get("originMtls") == "presented"
    assert any("not this component's own" in message for _, message in forged_on.logs)
