"""Origin mTLS's switches keep CloudFront's path serving, and the checker finds each way they could refuse it: a
listener that verifies before CloudFront presents, a trust store that drops the CA of a certificate CloudFront may
still present after a re-import, a listener left verifying when mTLS is turned off."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from offline import switches
from offline.snapshot import ProgramRun, ResourceSnapshot, reveal
from offline.steps import plan
from offline.switches import NONE, SWITCHES, Switch, check, check_plan

MTLS_SWITCHES = [s for s in SWITCHES if "originMtls" in s.name]


def switch(name: str) -> Switch:
    return next(s for s in MTLS_SWITCHES if s.name == name)


def runs_of(name: str) -> tuple[ProgramRun, ProgramRun]:
    return switches._deploys(switch(name), {})


def edited(run: ProgramRun, change: Callable[[ResourceSnapshot], ResourceSnapshot]) -> ProgramRun:
    return ProgramRun([change(r) for r in run.resources], run.invokes, run.stack_outputs, run.preview)


def with_inputs(resource: ResourceSnapshot, **changes: object) -> ResourceSnapshot:
    return dataclasses.replace(resource, inputs={**resource.inputs, **changes})


@pytest.mark.parametrize("name", [s.name for s in MTLS_SWITCHES])
def test_every_origin_mtls_switch_keeps_cloudfront_served(name: str) -> None:
    found = check(switch(name))
    assert found.problems == [], [dataclasses.astuple(p) for p in found.problems]
    assert found.interruption == NONE


def test_the_switch_on_takes_two_deploys_because_one_would_refuse_cloudfront() -> None:
    """Verifying in the deploy that makes CloudFront present the certificate: the listener changes first."""
    before, _ = runs_of("alb + originDomain: originMtls off -> on")
    _, verified = runs_of("alb + originMtls: the listener verifies (the next deploy)")
    found = check_plan(switch("alb + originDomain: originMtls off -> on"), plan(before, verified))
    assert found.interruption.startswith("outage until CloudFront has moved: ")
    assert "verifies client certificates and CloudFront presents none" in found.interruption


def test_a_ca_step_whose_trust_store_drops_the_previous_generation_is_found() -> None:
    """CloudFront picks up a re-import without a signal: the previous generation must stay trusted."""
    name = "alb + originMtls: CA step (a new generation, every 360 days)"
    before, after = runs_of(name)
    only_new = reveal(dict(after.by_name("origin-mtls-client").inputs))["certificateChain"]

    def narrow(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.type == "aws:s3/bucketObjectv2:BucketObjectv2":
            return with_inputs(resource, content=only_new)
        return resource

    found = check_plan(switch(name), plan(before, edited(after, narrow)))
    assert "origin-ts does not trust origin-mtls-ca-0, which issued" in found.interruption, found.interruption


def test_mtls_turned_off_with_the_listener_left_verifying_is_found() -> None:
    """The provider keeps a mutual_authentication block that is left out: the component writes `off`."""
    name = "alb + originDomain: originMtls on -> off"
    before, after = runs_of(name)
    verifying = before.by_name("origin-listener").inputs["mutualAuthentication"]

    def left(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-listener":
            return with_inputs(resource, mutualAuthentication=verifying)
        return resource

    found = check_plan(switch(name), plan(before, edited(after, left)))
    assert found.interruption.startswith("outage once CloudFront uses the new path: "), found.interruption
