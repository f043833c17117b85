"""Origin mTLS's plan and record over simulated time: renewal on the deploy's clock, CA rotation, and the guarantee.

The guarantee, as for the secret's rotation: the listener never refuses a certificate CloudFront may present, through
any sequence of deploys (gaps of an hour to weeks, a clock set ahead or behind, failures half-way, steps in any order
the program's dependencies allow), unless no deploy came for so long that the certificate expired (60 days after its
renewal fell due). A model of what AWS does checks it at every point:

* ACM holds one client certificate; a re-import propagates to CloudFront's edges without a signal, within
  :data:`PROPAGATION` (assumed to be at most the plan's settle time, a day): until then edges may present the
  previous certificate too;
* the record (origin_mtls_record.py, through its JSON as SSM holds it): the intent before the import, the settled
  record after the distribution; the distribution presents the certificate from the first deploy's distribution
  step on (its configuration, and ETag, change then);
* a deploy's steps run in any order the program's own dependencies allow (read from a run of the program: the import
  waits for the trust store and the intent, the distribution for the import, the settled record for the
  distribution, the listener for the trust store), and a failure stops it after any prefix;
* the listener, once verifying, refuses a certificate whose CA it does not trust or that has expired.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest

from cloudfront_origin_lockdown import origin_mtls_plan
from cloudfront_origin_lockdown.origin_mtls_plan import (
    CA_PERIOD,
    CA_SETTLE,
    CLIENT_RENEW_WITHIN,
    CLIENT_VALIDITY,
    ECDSA_P256,
    EPOCH,
    RSA_2048,
    ClientCertificate,
    ca_generation_at,
    plan_origin_mtls,
)
from cloudfront_origin_lockdown.origin_mtls_record import (
    NOTHING_SETTLED,
    next_intent,
    parse_record,
    presents_everywhere,
    settle,
)
from offline.mocks import MOCK_PRIVATE_CA_ARN

PROPAGATION = CA_SETTLE
T0 = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)


def certificate(generation: int | None, token: str, issued: datetime, key_type: str = ECDSA_P256) -> ClientCertificate:
    return ClientCertificate(
        token=token,
        not_before=issued,
        not_after=issued + CLIENT_VALIDITY,
        key_type=key_type,
        ca_generation=generation,
        private_ca_arn=MOCK_PRIVATE_CA_ARN if generation is None else None,
    )


# -- the rules, one at a time --------------------------------------------------------------------------------


def test_the_first_deploy_issues_from_the_calendars_generation_and_trusts_its_neighbours() -> None:
    now = EPOCH + 2 * CA_PERIOD + timedelta(days=5)
    plan = plan_origin_mtls(now, None)
    assert plan.ca_generation == 2 and plan.ca_window == (1, 2, 3)
    assert plan.renews and not plan.ca_step
    assert plan.client_token == f"ca2-p{(now - EPOCH) // timedelta(days=30)}"
    assert plan.trusted_generations == (1, 2, 3) and plan.kept_private_cas == ()


def test_generation_zero_has_no_predecessor() -> None:
    assert plan_origin_mtls(EPOCH + timedelta(days=3), None).ca_window == (0, 1)


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
    plan = plan_origin_mtls(issued + age, deployed, settled_since=issued)
    assert plan.renews is renews
    assert plan.ca_generation == 1 and not plan.ca_step
    assert (plan.client_token != "ca1-p12") is renews
    assert ("renewed" in plan.summary) is renews


def test_a_ca_step_moves_one_generation_once_cloudfront_has_presented_the_certificate_for_a_day() -> None:
    boundary = EPOCH + 3 * CA_PERIOD
    deployed = certificate(2, "ca2-p35", boundary - timedelta(days=10))
    plan = plan_origin_mtls(boundary + timedelta(hours=1), deployed, settled_since=boundary - timedelta(days=10))
    assert plan.ca_step and plan.ca_generation == 3 and plan.ca_window == (2, 3, 4)
    assert plan.renews and plan.client_token.startswith("ca3-")
    # Seen presented less than a day ago, or never seen deployed (a deploy failed after the import): no step.
    assert plan_origin_mtls(boundary + timedelta(hours=1), deployed, settled_since=boundary).ca_generation == 2
    assert plan_origin_mtls(boundary + timedelta(days=5), deployed, settled_since=None).ca_generation == 2


def test_a_clock_far_ahead_still_takes_one_step_from_what_is_deployed() -> None:
    deployed = certificate(1, "ca1-p13", EPOCH + CA_PERIOD + timedelta(days=20))
    plan = plan_origin_mtls(EPOCH + 9 * CA_PERIOD, deployed, settled_since=deployed.not_before)
    assert ca_generation_at(EPOCH + 9 * CA_PERIOD) == 9
    assert plan.ca_generation == 2 and plan.ca_window == (1, 2, 3)


def test_a_clock_behind_the_deployed_certificate_takes_no_step_and_says_so() -> None:
    deployed = certificate(4, "ca4-p50", EPOCH + 4 * CA_PERIOD + timedelta(days=10))
    plan = plan_origin_mtls(EPOCH + CA_PERIOD, deployed, settled_since=deployed.not_before)
    assert plan.ca_generation == 4 and not plan.ca_step
    assert plan.warning is not None and "before the deployed client certificate was issued" in plan.warning


def test_the_issuer_of_every_certificate_cloudfront_may_present_stays_trusted_whatever_the_settings_say() -> None:
    from_private_ca = certificate(None, "pca-p3", T0)
    from_stack = certificate(0, "ca0-p1", T0 - timedelta(days=40))
    # Switched to the stack's CA: the Private CA's certificate may still be presented.
    back = plan_origin_mtls(T0 + timedelta(hours=2), from_private_ca, may_be_presenting=[from_stack, from_private_ca])
    assert back.renews and back.kept_private_cas == (MOCK_PRIVATE_CA_ARN,)
    # Switched to a Private CA: the stack's generation 0 stays (its CA is built only to be trusted).
    to_private_ca = plan_origin_mtls(
        T0 + timedelta(hours=2), from_stack, MOCK_PRIVATE_CA_ARN, may_be_presenting=[from_stack]
    )
    assert to_private_ca.ca_window == () and to_private_ca.trusted_generations == (0,)
    assert to_private_ca.kept_private_cas == () and to_private_ca.renews
    # The same Private CA: kept, nothing else trusted.
    same = plan_origin_mtls(T0 + timedelta(days=2), from_private_ca, MOCK_PRIVATE_CA_ARN, settled_since=T0)
    assert not same.renews and same.client_token == "pca-p3" and same.trusted_generations == ()


def test_a_certificate_of_another_key_type_is_renewed() -> None:
    deployed = certificate(None, "pca-p3", T0)
    plan = plan_origin_mtls(T0 + timedelta(days=2), deployed, MOCK_PRIVATE_CA_ARN, key_type=RSA_2048)
    assert plan.renews and plan.key_type == RSA_2048


def test_a_renewal_in_the_same_period_gets_a_new_token() -> None:
    now = EPOCH + timedelta(days=65)
    token = f"ca0-p{(now - EPOCH) // timedelta(days=30)}"
    deployed = certificate(0, token, now - timedelta(days=31))
    plan = plan_origin_mtls(now, deployed)
    assert plan.renews and plan.client_token == token + "-r"


# -- the guarantee over simulated time ----------------------------------------------------------------------

STEPS = ("trust", "intent", "import", "distribution", "settled", "verify")
# The resource each step of the model is, in the program.
STEP_RESOURCES = {
    "trust": "origin-ts",
    "intent": "origin-mtls-record-intent",
    "import": "origin-mtls-client",
    "distribution": "origin-cdn",
    "settled": "origin-mtls-record-settled",
    # HTTPS has a load balancer of its own (load_balancer.listener_prefix): its listener verifies.
    "verify": "origin-https-listener",
}
# What each step waits for (directly or not) in the program: test_origin_mtls.py checks the program has each of these
# dependencies (the model may allow more orders than the program, never fewer).
WAITS: dict[str, frozenset[str]] = {
    "trust": frozenset(),
    "intent": frozenset(),
    "import": frozenset({"trust", "intent"}),
    "distribution": frozenset({"trust", "intent", "import"}),
    "settled": frozenset({"trust", "intent", "import", "distribution"}),
    "verify": frozenset({"trust"}),
}


def orders_allowed(waits: dict[str, frozenset[str]]) -> tuple[tuple[str, ...], ...]:
    """Every order of the model's steps in which each step comes after those it waits for."""
    return tuple(
        order
        for order in itertools.permutations(STEPS)
        if all(order.index(before) < order.index(step) for step in STEPS for before in waits[step])
    )


ORDERS = orders_allowed(WAITS)


@dataclass
class World:
    """What AWS holds: ACM's certificate, what edges may still present, the trust store, the listener, the
    distribution, and the record as SSM holds it."""

    acm: ClientCertificate | None = None
    # Certificates edges may present besides ACM's, until when.
    lingering: list[tuple[ClientCertificate, datetime]] = field(default_factory=list)
    trusted: frozenset[int] = frozenset()
    verifying: bool = False
    presenting: bool = False
    etag: int = 0
    intent: str | None = None
    settled: str | None = None

    def refusals(self, real: datetime) -> list[str]:
        if not self.verifying:
            return []
        if not self.presenting:
            return ["the listener verifies and CloudFront presents no certificate"]
        found = []
        for cert in [self.acm, *(c for c, until in self.lingering if until > real)]:
            assert cert is not None
            if cert.ca_generation not in self.trusted:
                found.append(f"CA generation {cert.ca_generation} not in the trust store {sorted(self.trusted)}")
            elif cert.not_after <= real:
                found.append(f"certificate expired at {cert.not_after}")
        return found


def deploy(world: World, real: datetime, clock: datetime, order: tuple[str, ...], fail_after: int) -> list[str]:
    """One deploy: the preflight (the record, the distribution), its steps in ``order``, stopping after
    ``fail_after`` of them; the refusals seen at every intermediate state."""
    record = parse_record(world.intent, world.settled)
    verify = presents_everywhere(record.settled, {"status": "Deployed", "etag": f"E{world.etag}"})
    plan = plan_origin_mtls(
        clock,
        record.deployed(),
        settled_since=record.settled_since(),
        may_be_presenting=record.may_be_presenting(clock),
    )
    deployed = record.deployed()
    if deployed is not None and deployed.token == plan.client_token:
        imports = deployed  # the same resources: the same certificate
    else:
        # Issued on the provider's (the machine's) clock, whatever the deploy's clock says.
        imports = certificate(plan.ca_generation, plan.client_token, real)
    intent = next_intent(record, clock, imports)

    def do_import() -> None:
        if world.acm != imports:
            if world.acm is not None:
                world.lingering.append((world.acm, real + PROPAGATION))
            world.acm = imports

    def do_distribution() -> None:
        if not world.presenting:
            world.presenting, world.etag = True, world.etag + 1

    def do_settle() -> None:
        found = settle(intent, record.settled, clock, "Deployed", "EDFDVBD6EXAMPLE", f"E{world.etag}", "arn:acm")
        world.settled = found.to_json() if found is not None else NOTHING_SETTLED

    steps: dict[str, Callable[[], None]] = {
        "trust": lambda: setattr(world, "trusted", frozenset(plan.trusted_generations)),
        "intent": lambda: setattr(world, "intent", intent.to_json()),
        "import": do_import,
        "distribution": do_distribution,
        "settled": do_settle,
        "verify": lambda: setattr(world, "verifying", verify),
    }
    seen = world.refusals(real)
    for name in order[:fail_after]:
        steps[name]()
        seen += world.refusals(real)
    return seen


def run_sequence(
    seed: int, deploys: int, max_gap: timedelta, clock_jumps: bool, orders: tuple[tuple[str, ...], ...]
) -> tuple[list[str], timedelta]:
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
        order = rng.choice(orders)
        fail_after = len(order) if rng.random() < 0.8 else rng.randrange(0, len(order))
        refusals += deploy(world, real, clock, order, fail_after)
        gap = timedelta(seconds=rng.uniform(3600, max_gap.total_seconds()))
        longest = max(longest, gap)
        # Just before the next deploy (and at every moment edges stop presenting an older certificate).
        for moment in [real + gap - timedelta(seconds=1), *[u for _, u in world.lingering if real < u < real + gap]]:
            refusals += world.refusals(moment - timedelta(seconds=1))
        real += gap
    return refusals, longest


@pytest.mark.parametrize("seed", range(4))
def test_no_certificate_cloudfront_may_present_is_ever_refused(seed: int) -> None:
    """Weekly-ish deploys for years, with the clock set ahead or behind now and then, failures in any order."""
    refusals, longest = run_sequence(seed, 300, timedelta(days=12), clock_jumps=True, orders=ORDERS)
    assert longest <= CLIENT_RENEW_WITHIN
    assert refusals == []


def test_only_a_stack_left_undeployed_past_the_renewal_slack_presents_an_expired_certificate() -> None:
    refusals, _ = run_sequence(11, 60, timedelta(days=120), clock_jumps=False, orders=ORDERS)
    assert refusals, "gaps of up to 120 days must let a certificate expire"
    assert all(r.startswith("certificate expired") for r in refusals), refusals


def two_steps_with_a_failure_between(orders: tuple[tuple[str, ...], ...]) -> list[str]:
    """Issue 22's review, finding 4: a clock far ahead takes a CA step whose deploy imports and then fails before the
    trust store is modified; the next deploy, a day later with the clock still ahead, takes the next step."""
    world = World()
    refusals = []
    full = orders[0]
    refusals += deploy(world, T0, T0, full, len(full))  # on: CloudFront presents generation 0
    refusals += deploy(world, T0 + timedelta(days=2), T0 + timedelta(days=2), full, len(full))  # verifies
    ahead = timedelta(days=400)
    # The import as early as the program allows, then a failure right after it.
    early = min(orders, key=lambda order: order.index("import"))
    moment = T0 + timedelta(days=4)
    refusals += deploy(world, moment, moment + ahead, early, early.index("import") + 1)
    moment += timedelta(days=2)
    refusals += deploy(world, moment, moment + 2 * ahead, early, len(early))
    return refusals


def test_two_ca_steps_with_a_failure_between_them_refuse_nothing() -> None:
    assert two_steps_with_a_failure_between(ORDERS) == []


def test_the_model_catches_the_double_step_the_component_used_to_take(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model can fail: with the import free to run before the trust store, and a CA step allowed a day after
    the deployed certificate was issued (not seen presented), as the component had them, the second step's
    certificate reaches CloudFront before its CA is trusted. Either fix alone prevents it."""
    loose = orders_allowed({**WAITS, "import": frozenset({"intent"})})
    real_plan = origin_mtls_plan.plan_origin_mtls

    def issued_rule(now: datetime, deployed: ClientCertificate | None, **kwargs: object) -> origin_mtls_plan.MtlsPlan:
        since = deployed.not_before if deployed is not None else None
        return real_plan(now, deployed, **{**kwargs, "settled_since": since})  # type: ignore[arg-type]

    assert two_steps_with_a_failure_between(loose) == []
    monkeypatch.setitem(globals(), "plan_origin_mtls", issued_rule)
    assert two_steps_with_a_failure_between(ORDERS) == []
    assert any("not in the trust store" in r for r in two_steps_with_a_failure_between(loose))


def test_the_model_catches_a_plan_that_drops_the_presented_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model can fail: a trust store without the previous generation refuses CloudFront during a CA switch."""
    real_plan = origin_mtls_plan.plan_origin_mtls

    def narrow(*args: object, **kwargs: object) -> origin_mtls_plan.MtlsPlan:
        plan = real_plan(*args, **kwargs)  # type: ignore[arg-type]
        assert plan.ca_generation is not None
        return replace(plan, trusted_generations=(plan.ca_generation, plan.ca_generation + 1))

    monkeypatch.setitem(globals(), "plan_origin_mtls", narrow)
    refusals = []
    for seed in range(2):
        found, _ = run_sequence(seed, 300, timedelta(days=12), clock_jumps=False, orders=ORDERS)
        refusals += found
    assert any("not in the trust store" in r for r in refusals)


def test_the_model_catches_a_listener_that_verifies_before_cloudfront_was_seen_presenting() -> None:
    """The model can fail: verifying from the deploy whose distribution step has not run yet."""
    world = World()
    order = ORDERS[0]
    deploy(world, T0, T0, order, order.index("distribution"))  # stopped before the distribution
    world.verifying = True  # what the component did: ACM holds its certificate, so it verified
    assert "CloudFront presents no certificate" in " ".join(world.refusals(T0))
