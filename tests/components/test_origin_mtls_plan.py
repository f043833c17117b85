"""Origin mTLS's plan over simulated time: renewal on the deploy's clock, CA rotation, and the guarantee.

The guarantee, as for the secret's rotation: the listener never refuses a certificate CloudFront may present, through
any sequence of deploys (gaps of an hour to weeks, a clock set ahead, failures half-way, steps in any order), unless
no deploy came for so long that the certificate expired (60 days after its renewal fell due). A model of what AWS
does checks it at every point:

* ACM holds one client certificate; a re-import propagates to CloudFront's edges without a signal, within
  :data:`PROPAGATION` (assumed to be at most the plan's settle time, a day): until then edges may present the
  previous certificate too;
* a deploy updates the trust store and re-imports the certificate in either order (they do not depend on each
  other), and the listener's switch to verify waits for the trust store; a failure stops it after any prefix;
* the listener, once verifying, refuses a certificate whose CA it does not trust or that has expired.
"""

from __future__ import annotations

import itertools
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from cloudfront_origin_lockdown.origin_mtls_plan import (
    CA_PERIOD,
    CA_SETTLE,
    CLIENT_RENEW_WITHIN,
    CLIENT_VALIDITY,
    EPOCH,
    DeployedClientCertificate,
    ca_generation_at,
    plan_origin_mtls,
)

PROPAGATION = CA_SETTLE
T0 = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)


def certificate(generation: int | None, token: str, issued: datetime) -> DeployedClientCertificate:
    return DeployedClientCertificate(
        not_before=issued, not_after=issued + CLIENT_VALIDITY, token=token, ca_generation=generation
    )


# -- the rules, one at a time --------------------------------------------------------------------------------


def test_the_first_deploy_issues_from_the_calendars_generation_and_trusts_its_neighbours() -> None:
    now = EPOCH + 2 * CA_PERIOD + timedelta(days=5)
    plan = plan_origin_mtls(now, None, private_ca=False)
    assert plan.ca_generation == 2 and plan.ca_window == (1, 2, 3)
    assert plan.renews and not plan.ca_step
    assert plan.client_token == f"ca2-p{(now - EPOCH) // timedelta(days=30)}"
    assert plan.kept_chain == ()


def test_generation_zero_has_no_predecessor() -> None:
    assert plan_origin_mtls(EPOCH + timedelta(days=3), None, private_ca=False).ca_window == (0, 1)


@pytest.mark.parametrize(
    ("age", "renews"),
    [
        (timedelta(days=29, hours=23), False),
        (CLIENT_VALIDITY - CLIENT_RENEW_WITHIN, True),  # 30 days: 60 left
        (timedelta(days=89), True),
    ],
)
def test_the_client_certificate_is_renewed_once_60_days_or_fewer_are_left(age: timedelta, renews: bool) -> None:
    issued = EPOCH + CA_PERIOD + timedelta(days=10)
    deployed = certificate(1, "ca1-p12", issued)
    plan = plan_origin_mtls(issued + age, deployed, private_ca=False)
    assert plan.renews is renews
    assert plan.ca_generation == 1 and not plan.ca_step
    assert (plan.client_token != "ca1-p12") is renews
    assert ("renewed" in plan.summary) is renews


def test_a_ca_step_moves_one_generation_once_the_deployed_certificate_has_settled() -> None:
    boundary = EPOCH + 3 * CA_PERIOD
    deployed = certificate(2, "ca2-p35", boundary - timedelta(days=10))
    plan = plan_origin_mtls(boundary + timedelta(hours=1), deployed, private_ca=False)
    assert plan.ca_step and plan.ca_generation == 3 and plan.ca_window == (2, 3, 4)
    assert plan.renews and plan.client_token.startswith("ca3-")
    # Issued less than a day ago (the previous switch may still be propagating): no step.
    fresh = certificate(2, "ca2-p36", boundary)
    assert plan_origin_mtls(boundary + timedelta(hours=23), fresh, private_ca=False).ca_generation == 2


def test_a_clock_far_ahead_still_takes_one_step_from_what_is_deployed() -> None:
    deployed = certificate(1, "ca1-p13", EPOCH + CA_PERIOD + timedelta(days=20))
    plan = plan_origin_mtls(EPOCH + 9 * CA_PERIOD, deployed, private_ca=False)
    assert ca_generation_at(EPOCH + 9 * CA_PERIOD) == 9
    assert plan.ca_generation == 2 and plan.ca_window == (1, 2, 3)


def test_a_clock_behind_the_deployed_certificate_takes_no_step_and_says_so() -> None:
    deployed = certificate(4, "ca4-p50", EPOCH + 4 * CA_PERIOD + timedelta(days=10))
    plan = plan_origin_mtls(EPOCH + CA_PERIOD, deployed, private_ca=False)
    assert plan.ca_generation == 4 and not plan.ca_step
    assert plan.warning is not None and "before the deployed client certificate was issued" in plan.warning


def test_a_certificate_of_another_ca_keeps_its_chain_trusted_until_the_switch_has_happened() -> None:
    foreign = replace(certificate(None, "pca-p3", T0), chain=("-----BEGIN CERTIFICATE-----\nX\n",))
    switched = plan_origin_mtls(T0 + timedelta(days=2), foreign, private_ca=False)
    assert switched.renews and switched.kept_chain == foreign.chain
    with_private_ca = plan_origin_mtls(T0 + timedelta(days=2), foreign, private_ca=True)
    assert not with_private_ca.renews and with_private_ca.client_token == "pca-p3"
    assert with_private_ca.ca_window == () and with_private_ca.ca_generation is None


def test_a_renewal_in_the_same_period_gets_a_new_token() -> None:
    now = EPOCH + timedelta(days=65)
    token = f"ca0-p{(now - EPOCH) // timedelta(days=30)}"
    deployed = certificate(0, token, now - timedelta(days=31))
    plan = plan_origin_mtls(now, deployed, private_ca=False)
    assert plan.renews and plan.client_token == token + "-r"


# -- the guarantee over simulated time ----------------------------------------------------------------------


@dataclass
class Presented:
    generation: int
    not_before: datetime
    not_after: datetime


@dataclass
class World:
    """What AWS holds: ACM's certificate, what edges may still present, the trust store, the listener's mode."""

    acm: Presented | None = None
    token: str | None = None
    # Certificates edges may present besides ACM's, until when.
    lingering: list[tuple[Presented, datetime]] = field(default_factory=list)
    trusted: frozenset[int] = frozenset()
    verifying: bool = False

    def deployed(self, real: datetime) -> tuple[DeployedClientCertificate | None, bool]:
        if self.acm is None:
            return None, False
        if self.acm.not_after <= real:
            return None, True
        return certificate(self.acm.generation, str(self.token), self.acm.not_before), False

    def refusals(self, real: datetime) -> list[str]:
        if not self.verifying:
            return []
        found = []
        present = [self.acm] if self.acm else []
        present += [c for c, until in self.lingering if until > real]
        for cert in present:
            if cert.generation not in self.trusted:
                found.append(f"CA generation {cert.generation} not in the trust store {sorted(self.trusted)}")
            elif cert.not_after <= real:
                found.append(f"certificate expired at {cert.not_after}")
        return found


def deploy(world: World, real: datetime, clock: datetime, order: tuple[str, ...], fail_after: int) -> list[str]:
    """One deploy: the plan from what ACM holds, its steps in ``order``, stopping after ``fail_after`` of them;
    the refusals seen at every intermediate state."""
    deployed, expired = world.deployed(real)
    plan = plan_origin_mtls(clock, deployed, private_ca=False)
    assert plan.ca_generation is not None
    verify = expired or (deployed is not None and deployed.token is not None)
    steps = {
        "trust": lambda: setattr(world, "trusted", frozenset(plan.ca_window)),
        "import": lambda: _import(world, plan.ca_generation, plan.client_token, real) if plan.renews else None,
        "verify": lambda: setattr(world, "verifying", verify),
    }
    seen = world.refusals(real)
    for name in order[:fail_after]:
        steps[name]()
        seen += world.refusals(real)
    return seen


def _import(world: World, generation: int | None, token: str, real: datetime) -> None:
    assert generation is not None
    if world.acm is not None:
        world.lingering.append((world.acm, real + PROPAGATION))
    world.acm = Presented(generation, real, real + CLIENT_VALIDITY)
    world.token = token


# The listener's switch to verify waits for the trust store (it names it); the import depends on neither.
ORDERS = [o for o in itertools.permutations(("trust", "import", "verify")) if o.index("trust") < o.index("verify")]


def run_sequence(seed: int, deploys: int, max_gap: timedelta, clock_jumps: bool) -> tuple[list[str], timedelta]:
    """Deploys at random gaps (and clocks), each in a random order, sometimes failing half-way; every refusal seen,
    checked also just before each next deploy; and the longest gap."""
    rng = random.Random(seed)  # noqa: S311 (a seeded simulation, not a secret)
    world = World()
    real = T0 + timedelta(days=rng.randrange(0, 400))
    refusals: list[str] = []
    longest = timedelta(0)
    for _ in range(deploys):
        clock = real
        if clock_jumps and rng.random() < 0.1:
            clock = real + rng.choice([timedelta(days=400), timedelta(days=3 * 365), -timedelta(days=200)])
        order = rng.choice(ORDERS)
        fail_after = len(order) if rng.random() < 0.8 else rng.randrange(0, len(order))
        refusals += deploy(world, real, clock, order, fail_after)
        gap = timedelta(seconds=rng.uniform(3600, max_gap.total_seconds()))
        longest = max(longest, gap)
        # Just before the next deploy (and at every hour edges may still present an older certificate).
        for moment in [real + gap - timedelta(seconds=1), *[u for _, u in world.lingering if real < u < real + gap]]:
            refusals += world.refusals(moment - timedelta(seconds=1))
        real += gap
    return refusals, longest


@pytest.mark.parametrize("seed", range(6))
def test_no_certificate_cloudfront_may_present_is_ever_refused(seed: int) -> None:
    """Weekly-ish deploys for years, with the clock set ahead or behind now and then, failures in any order."""
    refusals, longest = run_sequence(seed, deploys=400, max_gap=timedelta(days=12), clock_jumps=True)
    assert longest <= CLIENT_RENEW_WITHIN
    assert refusals == []


def test_only_a_stack_left_undeployed_past_the_renewal_slack_presents_an_expired_certificate() -> None:
    refusals, _ = run_sequence(11, deploys=60, max_gap=timedelta(days=120), clock_jumps=False)
    assert refusals, "gaps of up to 120 days must let a certificate expire"
    assert all(r.startswith("certificate expired") for r in refusals), refusals


def test_the_model_catches_a_plan_that_drops_the_presented_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model can fail: a window without the previous generation refuses CloudFront during a CA switch."""
    from cloudfront_origin_lockdown import origin_mtls_plan

    real_plan = origin_mtls_plan.plan_origin_mtls

    def narrow(now: datetime, deployed: DeployedClientCertificate | None, private_ca: bool) -> object:
        plan = real_plan(now, deployed, private_ca)
        assert plan.ca_generation is not None
        return replace(plan, ca_window=(plan.ca_generation, plan.ca_generation + 1))

    monkeypatch.setattr(sys.modules[__name__], "plan_origin_mtls", narrow)
    refusals = []
    for seed in range(3):
        found, _ = run_sequence(seed, deploys=400, max_gap=timedelta(days=12), clock_jumps=False)
        refusals += found
    assert any("not in the trust store" in r for r in refusals)


def test_with_a_private_ca_a_certificate_of_another_ca_is_renewed_from_it() -> None:
    from offline.tls_mocks import mock_private_ca
    from tests.components.mtls_world import make_ca

    _, pca = mock_private_ca()
    _, other = make_ca("a Private CA before")
    other_pem = other.public_bytes(serialization.Encoding.PEM).decode()
    same = replace(certificate(None, "pca-p3", T0), chain=(pca,))
    moved = replace(certificate(None, "pca-p3", T0), chain=(other_pem,))
    assert not plan_origin_mtls(T0 + timedelta(days=2), same, True, private_ca_certificate=pca).renews
    plan = plan_origin_mtls(T0 + timedelta(days=2), moved, True, private_ca_certificate=pca)
    assert plan.renews and plan.client_token != "pca-p3"
    assert plan.kept_chain == (other_pem,)  # the CA CloudFront's certificate comes from stays trusted
