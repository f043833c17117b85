"""cloudfront-origin-alb-mutual-tls: an HTTPS-only custom origin that is an ALB should verify CloudFront's client
certificate. Judged on this repository's program (its stacks with and without origin mTLS) and one change per test."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from offline.mocks import run_program
from offline.snapshot import UNKNOWN, ProgramRun, ResourceSnapshot, reveal
from tests.components.mtls_world import MTLS, TLS, deployed_pair
from tests.policy.stacks import run_stack_policy

POLICY = "cloudfront-origin-alb-mutual-tls"


_runs: dict[str, ProgramRun] = {}


def program(config: dict[str, Any], preview: bool = False) -> ProgramRun:
    """One run per configuration and mode (the runs are deterministic)."""
    key = repr((sorted(config.items()), preview))
    if key not in _runs:
        _runs[key] = run_program(config, preview=preview)
    return _runs[key]


def judged(resources: list[ResourceSnapshot]) -> list[tuple[str, str]]:
    return run_stack_policy(POLICY, resources)


def changed(resources: list[ResourceSnapshot], name: str, **values: Any) -> list[ResourceSnapshot]:
    """``resources`` with ``name``'s inputs and outputs changed (the pack reads the engine's view of both)."""
    return [
        dataclasses.replace(r, inputs={**r.inputs, **values}, outputs={**r.outputs, **values}) if r.name == name else r
        for r in resources
    ]


def test_a_listener_that_verifies_what_cloudfront_presents_passes() -> None:
    _, verified = deployed_pair()
    assert judged(verified.resources) == []


def test_an_https_origin_on_an_alb_without_mtls_is_reported_with_the_fix() -> None:
    run = program(TLS)
    ((message, urn),) = judged(run.resources)
    assert urn == run.by_name("origin-https-alb").urn
    assert (
        "origin 'origin' (origin.example.com) of distribution 'origin-cdn' reaches load balancer 'origin-https-alb'"
        in (message)
    )
    assert "does not verify client certificates (mutualAuthentication mode off)" in message
    assert "CloudFront presents no client certificate" in message
    assert "originMtlsConfig.clientCertificateArn" in message


def test_cloudfront_presenting_before_the_listener_verifies_is_reported_until_it_does() -> None:
    presenting, _ = deployed_pair()
    ((message, _),) = judged(presenting.resources)
    assert "although CloudFront presents a client certificate" in message


def test_a_listener_verifying_while_cloudfront_presents_nothing_is_reported_as_a_refusal() -> None:
    _, verified = deployed_pair()
    distribution = verified.by_name("origin-cdn")
    origins = reveal(dict(distribution.inputs))["origins"]
    for origin in origins:
        origin["customOriginConfig"].pop("originMtlsConfig")
    ((message, urn),) = judged(changed(verified.resources, "origin-cdn", origins=origins))
    assert urn == distribution.urn
    assert "CloudFront presents none to this origin" in message and "the listener refuses CloudFront" in message


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"architecture": "alb"}, id="http-only origin"),
        pytest.param({"architecture": "direct"}, id="an instance"),
        pytest.param({**MTLS, "originMtls": False, "vpcOrigin": True}, id="VPC origin"),
    ],
)
def test_what_is_not_an_https_custom_origin_on_an_alb_is_left_alone(config: dict[str, Any]) -> None:
    assert judged(program(config).resources) == []


def test_at_preview_known_values_are_judged_and_an_unknown_mode_is_not() -> None:
    run = program(TLS, preview=True)
    assert judged(run.resources) == judged(program(TLS).resources)
    assert len(judged(run.resources)) == 1
    unknown = {"mode": UNKNOWN}
    assert judged(changed(run.resources, "origin-https-listener", mutualAuthentication=unknown)) == []
