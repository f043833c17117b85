"""A handful of the failure sequences of rotation_sequences.py, in `make test` (`make test-sequences` runs every
fault of every step, with retries and setting changes drawn from a seed).

Each: a rotation step's `pulumi up` fails at one of its resources (its change applied or not, the others done
or not started), is retried after seconds, hours or days or not at all, the settings change, and deploys
follow minutes, a day and a week later; the world model checks every `pulumi up`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.components.rotation_sequences import Fault, Prefixes, Scenario, run

# Deploys over simulated time and failures: `make test-simulations` (CI runs it after `make test`).
pytestmark = pytest.mark.simulation

PREFIXES = Prefixes()
# Enough for the change to settle and for a kept slot to go: minutes, a day, a week.
SHORT_TAIL = (timedelta(minutes=10), timedelta(days=1), timedelta(days=8))

SCENARIOS = [
    # (alb and alb+waf: the example in test_rotation_record.py here, every fault in make test-sequences.)
    # A manual switch reaches CloudFront but the wait for Deployed fails; 30 seconds later the retry finds it
    # still deploying; the operator undoes the switch.
    Scenario("direct", "manual-switch", Fault("origin-cdn", True, "continue", True), "30s", "undo"),
    # An automatic step: the distribution done, the settled record fails; retried three hours later, then the
    # period changes to one day.
    Scenario("direct", "auto-step", Fault("origin-rotation-settled", False, "continue", True), "3h", "period"),
    # An automatic step: the new value's password created, the distribution not started; the operator takes
    # over by hand from the (stale) stack outputs.
    Scenario(
        "direct",
        "auto-step",
        Fault("origin-accepted-secrets", True, "not-started:origin-secret-auto-2"),
        "none",
        "takeover",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_every_value_an_edge_may_send_stays_accepted(scenario: Scenario) -> None:
    outcome = run(scenario, PREFIXES, tail=SHORT_TAIL)
    assert outcome.problems == []
    assert outcome.ups >= 1 + len(SHORT_TAIL)


def test_the_sequences_can_fail() -> None:
    """A switch reaches CloudFront but its `pulumi up` fails; the operator retires v1 at once. With the guard on,
    v1 stays accepted while an edge may send it; with it off (the emergency path), the world model sees requests
    carrying v1 refused."""
    scenario = Scenario("direct", "manual-switch", Fault("origin-cdn", True), "none", "skip")
    assert run(scenario, PREFIXES, tail=SHORT_TAIL[:1]).problems == []
    unguarded = run(scenario, PREFIXES, tail=SHORT_TAIL[:1], extra={"rotationGuard": False})
    assert [p for p in unguarded.problems if "an edge may send v1, which instance (ssm) does not accept" in p]
