"""Sequences over simulated time: a rotation step fails at one of its resources, is retried (or not), the
settings change, and later deploys follow; the world model checks every `pulumi up` of it.

A scenario is: an architecture (alb, alb+waf, direct); a rotation step (automatic: turning it on, or a step
that switches and retires; by hand: add a slot, switch, retire); a fault injected into that step's `pulumi up` at
one of the resources the step changes (the new password, the record of intent, a carrier, the distribution, the
settled record), its change reaching the cloud or not (or reaching it with the CLI killed meanwhile, so that
Pulumi's checkpoint keeps the old state), the other resources of the step done, not started after
it (``halt``), or one of them not started, and the stack outputs the failed update registered recorded or not;
a retry with the same settings after seconds, hours or days (or none); a change of settings (none, rotation off
with the stack file's slots, a takeover from the stack outputs, another period, turning rotation on, undoing the
step, the next manual step, skipping one); then deploys ten minutes, an hour, a day, eight and sixteen days
later (a change the guard refuses is put back after the refusal, and the deploys go on).

At every `pulumi up` the world model (rotation_world.Deployments) checks that every value an edge may send is
accepted by every state each origin-side resource may be in; at the end the record must be settled (nothing is
kept forever) and nothing that carries traffic may have changed. A refusal of the settings (``invalid setting``)
is a fine outcome; any other error is not.

``python -m tests.components.rotation_sequences`` (``make test-sequences``) runs every fault of every step once,
with the retry and the change drawn from ``--seed`` (reproducible), or ``--sample N`` random scenarios; it prints
the coverage and every failing scenario, and exits 1 if there is one. The fast tests (test_rotation_sequences.py)
run a fixed handful through the same code.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from offline.mocks import Failure, OperationResult
from tests.components.rotation_world import Deployments, record_in_aws

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
PERIOD = 7
VARIANTS: dict[str, dict[str, Any]] = {
    "alb": {"architecture": "alb"},
    "alb+waf": {"architecture": "alb", "waf": True},
    "direct": {"architecture": "direct"},
}
V1 = {"secretSlots": ["v1"], "activeSecretSlot": "v1"}
AUTO = {**V1, "secretRotationDays": PERIOD}

# Each step: the deploys that lead to it (settings, days after T0), then the step's own settings and day.
STEPS: dict[str, tuple[list[tuple[dict[str, Any], float]], dict[str, Any], float]] = {
    "auto-start": ([(V1, 0)], AUTO, 1),
    "auto-step": ([(AUTO, 0), (AUTO, PERIOD)], AUTO, 2 * PERIOD),
    "manual-add": ([(V1, 0)], {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}, 1),
    "manual-switch": (
        [(V1, 0), ({"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}, 1)],
        {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"},
        2,
    ),
    "manual-retire": (
        [
            (V1, 0),
            ({"secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}, 1),
            ({"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}, 2),
        ],
        {"secretSlots": ["v2"], "activeSecretSlot": "v2"},
        3,
    ),
}
RETRIES: dict[str, timedelta | None] = {
    "none": None,
    "30s": timedelta(seconds=30),
    "3h": timedelta(hours=3),
    "2d": 2 * DAY,
}
CHANGES = ("none", "rotation-off", "takeover", "period", "rotation-on", "undo", "next", "skip")
# When the later deploys run, after the change (the first one minutes later: an operator's next command).
TAIL = (timedelta(minutes=10), timedelta(hours=1), DAY, 8 * DAY, 16 * DAY)
OTHERS = ("continue", "halt")


@dataclass(frozen=True)
class Fault:
    resource: str
    applied: bool
    # "continue": the step's other resources went through; "halt": none registered after the failure did;
    # "not-started:<name>": that one had not started.
    others: str = "continue"
    outputs_recorded: bool = False
    # The CLI was killed while it waited for this resource: its change reached AWS, the checkpoint kept the old
    # state (a pending operation), nothing after it started, the outputs stayed (offline.mocks.Failure.killed).
    killed: bool = False

    def failure(self) -> Failure:
        not_started = (self.others.split(":", 1)[1],) if self.others.startswith("not-started:") else ()
        return Failure(
            self.resource,
            applied=self.applied,
            not_started=not_started,
            halt=self.others == "halt",
            outputs_recorded=self.outputs_recorded,
            killed=self.killed,
        )

    def __str__(self) -> str:
        return (
            f"{self.resource}{':killed' if self.killed else ':applied' if self.applied else ''}/{self.others}"
            f"{'/outputs-recorded' if self.outputs_recorded else ''}"
        )


@dataclass(frozen=True)
class Scenario:
    variant: str
    step: str
    fault: Fault | None
    retry: str = "none"
    change: str = "none"

    def __str__(self) -> str:
        return f"{self.variant} {self.step} fail={self.fault} retry={self.retry} change={self.change}"


@dataclass
class Outcome:
    scenario: Scenario
    problems: list[str] = field(default_factory=list)
    ups: int = 0
    refusals: int = 0
    kept_warnings: int = 0


def _prefix(variant: str, step: str) -> Deployments:
    deploys, _, _ = STEPS[step]
    d = Deployments({**VARIANTS[variant]})
    for config, days in deploys:
        d.config = {**VARIANTS[variant], **config}
        result = d.up(T0 + days * DAY)
        assert result.error is None, result.error
    return d


class Prefixes:
    """The deploys before each step, run once per process and copied for each scenario."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str], Deployments] = {}
        self._changed: dict[tuple[str, str], tuple[str, ...]] = {}

    def before(self, variant: str, step: str) -> Deployments:
        if (variant, step) not in self._done:
            self._done[(variant, step)] = _prefix(variant, step)
        return copy.deepcopy(self._done[(variant, step)])

    def changed_by(self, variant: str, step: str) -> tuple[str, ...]:
        """The resources the step's `pulumi up` changes (a successful run from the same state), program order."""
        if (variant, step) not in self._changed:
            d = self.before(variant, step)
            _, config, days = STEPS[step]
            d.config = {**VARIANTS[variant], **config}
            result = d.up(T0 + days * DAY)
            assert result.error is None, result.error
            order = [r.urn for r in result.run.resources]
            names = [urn.rsplit("::", 1)[1] for urn in sorted(result.changed, key=order.index)]
            self._changed[(variant, step)] = tuple(names)
        return self._changed[(variant, step)]


def faults_of(changed: tuple[str, ...]) -> Iterator[Fault]:
    """Every way the step's `pulumi up` can stop at each of its resources."""
    for index, resource in enumerate(changed):
        for applied in (False, True):
            for others in (*OTHERS, *(f"not-started:{peer}" for peer in changed[:index])):
                yield Fault(resource, applied, others, outputs_recorded=(index + applied) % 2 == 1)
        # Killed while waiting for it: in AWS, not in the checkpoint, and nothing after it started.
        yield Fault(resource, True, "halt", killed=True)


def changed_settings(change: str, step: str, d: Deployments, before: dict[str, Any]) -> dict[str, Any] | None:
    """The settings an operator writes after the failure (None: keep them)."""
    variant = {key: value for key, value in d.config.items() if key in ("architecture", "waf")}
    outputs = d.state.outputs
    automatic = step.startswith("auto")
    if change == "none":
        return None
    if change == "rotation-off":
        return {**variant, **V1}  # the issue's example: the stack file's slots, rotation off
    if change == "takeover":
        # As the README says: the slots the stack outputs list (stale after a failed update).
        slots, active = outputs.get("acceptedSecretSlots"), outputs.get("activeSecretSlot")
        if not slots or active not in slots:
            return None
        return {**variant, "secretSlots": list(slots), "activeSecretSlot": active}
    if change == "period":
        return {**d.config, "secretRotationDays": 1 if automatic else 0}
    if change == "rotation-on":
        active = d.config.get("activeSecretSlot", "v1")
        return {**variant, "secretSlots": [active], "activeSecretSlot": active, "secretRotationDays": PERIOD}
    if change == "undo":
        return dict(before)
    if change == "next":
        if automatic:
            # An emergency by hand from what the outputs say: learn e1 next to what CloudFront sends.
            active = outputs.get("activeSecretSlot", "v1")
            return {**variant, "secretSlots": [active, "e1"], "activeSecretSlot": active}
        following = {
            "manual-add": {"secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"},
            "manual-switch": {"secretSlots": ["v2"], "activeSecretSlot": "v2"},
            "manual-retire": {"secretSlots": ["v2", "v3"], "activeSecretSlot": "v2"},
        }[step]
        return {**variant, **following}
    if change == "skip":
        target = "v2" if not automatic else "auto-1"
        return {**variant, "secretSlots": [target], "activeSecretSlot": target}
    raise ValueError(change)


def _fine(result: OperationResult, expected_failure: bool) -> str | None:
    """Why this `pulumi up`'s outcome is wrong, or None (a refusal of the settings is fine)."""
    if result.error is None:
        return None
    text = str(result.error)
    if expected_failure and "simulated" in text:
        return None
    if "invalid setting" in text and not result.changed:
        return None
    return f"unexpected error: {text.splitlines()[0][:300]}"


def run(
    scenario: Scenario, prefixes: Prefixes, tail: tuple[timedelta, ...] = TAIL, extra: dict[str, Any] | None = None
) -> Outcome:
    """Run ``scenario``; ``extra`` settings apply from its step on (e.g. the guard off, to show a test can fail)."""
    outcome = Outcome(scenario)
    d = prefixes.before(scenario.variant, scenario.step)
    before = {**d.config, **(extra or {})}
    _, config, days = STEPS[scenario.step]
    d.config = {**VARIANTS[scenario.variant], **config, **(extra or {})}
    at = T0 + days * DAY

    def up(when: datetime, fail: Failure | None = None) -> OperationResult:
        result = d.up(when, fail=fail)
        outcome.ups += 1
        problem = _fine(result, fail is not None)
        if problem:
            outcome.problems.append(f"{when.isoformat()}: {problem}")
        if result.error is not None and "invalid setting" in str(result.error):
            outcome.refusals += 1
        outcome.kept_warnings += sum("stays accepted whatever" in message for _, message in result.logs)
        return result

    up(at, scenario.fault.failure() if scenario.fault else None)
    delay = RETRIES[scenario.retry]
    if delay is not None:
        at += delay
        up(at)
    changed = changed_settings(scenario.change, scenario.step, d, before)
    kept_config = dict(d.config)
    if changed is not None:
        d.config = {**changed, **(extra or {})}
    last: OperationResult | None = None
    for offset in tail:
        last = up(at + offset)
        if last.error is not None and "invalid setting" in str(last.error):
            # Refused before anything changed: the operator puts the settings back, and deploys go on.
            d.config = kept_config
    outcome.problems.extend(str(violation) for violation in d.violations)
    outcome.problems.extend(d.disruptions)
    # Nothing kept forever: once CloudFront has long finished deploying, a deploy settles the record and the next
    # one keeps no slot beyond the settings'.
    if last is not None and last.error is None and tail and tail[-1] - tail[0] >= DAY:
        read = record_in_aws(d.state)
        if read is None or not read.settled:
            outcome.problems.append("the record is not settled after days of successful deploys")
        if any("stays accepted whatever" in message for _, message in last.logs):
            outcome.problems.append("a slot is still kept after days of successful deploys")
    return outcome


def every_fault(seed: int, prefixes: Prefixes) -> Iterator[Scenario]:
    """Every fault of every step of every architecture once; the retry and the change cycle through all their
    values from a seeded start, so every pair is drawn over the run."""
    rng = random.Random(seed)  # noqa: S311 (reproducible sampling, not a secret)
    pairs = [(retry, change) for retry in RETRIES for change in CHANGES]
    rng.shuffle(pairs)
    index = 0
    for variant in VARIANTS:
        for step in STEPS:
            for fault in faults_of(prefixes.changed_by(variant, step)):
                retry, change = pairs[index % len(pairs)]
                index += 1
                yield Scenario(variant, step, fault, retry, change)


def sample(seed: int, count: int, prefixes: Prefixes) -> Iterator[Scenario]:
    rng = random.Random(seed)  # noqa: S311 (reproducible sampling, not a secret)
    for _ in range(count):
        variant, step = rng.choice(list(VARIANTS)), rng.choice(list(STEPS))
        faults = list(faults_of(prefixes.changed_by(variant, step)))
        yield Scenario(variant, step, rng.choice(faults), rng.choice(list(RETRIES)), rng.choice(CHANGES))


def _how(fault: Fault | None) -> str:
    if fault is None or not fault.applied:
        return "not applied"
    return "killed" if fault.killed else "applied"


def _kind(resource: str) -> str:
    """A resource's role in a step, for the coverage counts."""
    name = resource.removeprefix("origin-")
    return "password" if name.startswith("secret-") else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--sample", type=int, default=0, help="random scenarios instead of every fault once")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many scenarios (0: all)")
    options = parser.parse_args(argv)
    prefixes = Prefixes()
    scenarios = (
        sample(options.seed, options.sample, prefixes) if options.sample else every_fault(options.seed, prefixes)
    )
    started = time.process_time()
    coverage: Counter[str] = Counter()
    failed: list[Outcome] = []
    ups = refusals = kept = count = 0
    for scenario in scenarios:
        if options.limit and count >= options.limit:
            break
        outcome = run(scenario, prefixes)
        count += 1
        ups += outcome.ups
        refusals += outcome.refusals
        kept += outcome.kept_warnings
        fault = scenario.fault
        coverage.update(
            [
                f"variant {scenario.variant}",
                f"step {scenario.step}",
                f"retry {scenario.retry}",
                f"change {scenario.change}",
                f"fault at {_kind(fault.resource) if fault else 'none'}",
                f"fault {_how(fault)}",
                f"others {fault.others.split(':')[0] if fault else '-'}",
                f"outputs {'recorded' if fault and fault.outputs_recorded else 'kept'}",
            ]
        )
        if outcome.problems:
            failed.append(outcome)
            print(f"FAIL {scenario}", flush=True)
            for problem in outcome.problems[:5]:
                print(f"     {problem}", flush=True)
    elapsed = time.process_time() - started
    print(
        f"\n{count} scenarios, {ups} `pulumi up`s ({refusals} refused settings, {kept} slots kept with a warning), "
        f"seed {options.seed}, {elapsed:.0f} s CPU"
    )
    for key in sorted(coverage):
        print(f"  {key}: {coverage[key]}")
    print(f"{len(failed)} failed" if failed else "every value an edge may send was accepted at every point")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
