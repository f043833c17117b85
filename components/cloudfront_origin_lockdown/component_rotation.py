"""Rotation inside the component: read the record in AWS, plan this deploy's slots, guard them.

Runs before the component registers anything (a refusal stops `pulumi preview` at its first line), for every
``OriginLockdown``: from Python, through ``pulumi package add`` in any language, several per program. What it
judges by is the component's own record in AWS (rotation_record.py), never the stack's outputs, so it needs
no StackReference and works on every backend. Only a stack deployed by 0.2.0, which has no record yet, is read
once from its outputs, by the program that exported them (``legacy_record``; this repository's program and the
deprecated ``origin_lockdown_with_rotation`` pass one).

:func:`decide_rotation` is pure but for the two callables it is given (the clock and the legacy read).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from . import aws_limits
from .auto_rotation import DeployClock, RotationPlan, format_time, parse_record, plan_automatic_rotation
from .boot import BootSettings
from .rotation import DeployedRotation
from .rotation_record import (
    GuardedSlots,
    Intent,
    Learning,
    RecordError,
    RecordNames,
    RecordState,
    check_learned,
    first_deploy_note,
    guard_slots,
    lost_record,
    next_intent,
    parse_records,
    unreadable,
)
from .settings import SettingError, Settings

LegacyReader = Callable[[], RecordState | None]
ClockReader = Callable[[], DeployClock]
# The ARN of a distribution tagged with the record's path, or None (rotation_record.find_tagged_distribution).
DistributionLookup = Callable[[], str | None]
_README = "(README: Rotating the secret)"
# The guard's timer may fire this late (boot.py: AccuracySec=5s on origin-guard.timer).
GUARD_TIMER_ACCURACY_SECONDS = 5


def learning_for(settings: Settings, boot: BootSettings) -> Learning | None:
    """How long a slot must have been accepted before CloudFront may switch to it, by what checks the header:

    * ``direct``: the instance's guard reads the SSM parameter every ``refresh_interval_seconds`` (a run may start
      just before the change, and the timer fires up to its accuracy late): two intervals and the accuracy;
    * ``alb`` with WAF: WAF's propagation (aws_limits.WAF_PROPAGATION_SECONDS);
    * ``alb`` alone: none (the listener rule is modified in place and read back).
    """
    if settings.architecture == "direct":
        interval = boot.refresh_interval_seconds
        return Learning(
            timedelta(seconds=2 * interval + GUARD_TIMER_ACCURACY_SECONDS),
            f"the direct instance's guard reads the accepted values from SSM every {interval} s",
        )
    if settings.waf is not None:
        minutes = aws_limits.WAF_PROPAGATION_SECONDS // 60
        return Learning(
            timedelta(seconds=aws_limits.WAF_PROPAGATION_SECONDS),
            "a WAF change takes from a few seconds to a number of minutes to reach every place it is enforced "
            f"(https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateWebACL.html; this project allows "
            f"{minutes} minutes)",
        )
    return None


@dataclass(frozen=True)
class RotationDecision:
    """What this deploy gives the origin and CloudFront, the intent it records first, and what it says."""

    slots: tuple[str, ...]
    active: str
    intent: Intent
    read: RecordState | None
    automatic: RotationPlan | None
    names: RecordNames
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def plan_from_record(
    period_days: int, configured_slots: tuple[str, ...], configured_active: str, read: RecordState | None, now: Any
) -> RotationPlan:
    """Automatic rotation's slots for this deploy, from the record (see auto_rotation for the cadence).

    A step the record does not show deployed is finished first, with the same values, whatever the clock says:
    never a second step while CloudFront may still be sending the value from before the first.
    """
    if read is None or read.settled:
        deployed = read.deployed() if read is not None else None
        rotation = read.intent.rotation if read is not None else None
        return plan_automatic_rotation(period_days, configured_slots, configured_active, deployed, rotation, now)
    if list(configured_slots) != [configured_active]:
        # The same refusal as for a settled record: the configured slots only say where rotation starts.
        return plan_automatic_rotation(period_days, configured_slots, configured_active, None, None, now)
    rotation = read.intent.rotation
    may = sorted(read.may_be_sending)
    if rotation is None:
        if read.may_be_sending == {configured_active}:
            # CloudFront sends the one configured slot whichever way the last change ends: start from it.
            deployed = DeployedRotation(accepted=(configured_active,), active=configured_active)
            return plan_automatic_rotation(period_days, configured_slots, configured_active, deployed, None, now)
        raise SettingError(
            "secretRotationDays",
            period_days,
            f"the last rotation step has not been seen deployed: CloudFront may be sending any of {may}; run "
            f"`pulumi up` with secretRotationDays 0 and the same slots until it has finished, then turn automatic "
            f"rotation on {_README}",
        )
    step = parse_record(rotation)
    assert step is not None  # parse_records checked it
    next_due = format_time(step.stepped_at + timedelta(days=period_days))
    return RotationPlan(
        slots=read.intent.slots,
        active=read.intent.sends,
        record=step,
        previous=step,
        summary=(
            f"secret rotation: step {step.step} has not been seen deployed (CloudFront may be sending any of {may}): "
            f"this deploy finishes it with the same values; next step after {next_due}"
        ),
    )


def _fresh_generation(texts: tuple[str | None, str | None]) -> int:
    """The highest generation either unreadable part still shows (0 if none): a new record starts above it, so
    a stale settled record can never match the new intent."""
    found = 0
    for text in texts:
        try:
            value = json.loads(text or "{}")
        except json.JSONDecodeError:
            continue
        generation = value.get("generation") if isinstance(value, Mapping) else None
        if isinstance(generation, int) and not isinstance(generation, bool):
            found = max(found, generation)
    return found


def decide_rotation(
    settings: Settings,
    names: RecordNames,
    texts: tuple[str | None, str | None],
    clock: ClockReader,
    legacy: LegacyReader | None = None,
    dry_run: bool = False,
    tagged_distribution: DistributionLookup | None = None,
    learning: Learning | None = None,
    real_now: Callable[[], datetime] | None = None,
) -> RotationDecision:
    """The slots this deploy deploys and the intent it writes first (raises :class:`SettingError`).

    Without a record, ``tagged_distribution`` tells a first deploy (nothing) from a lost record (this component's
    distribution exists: refused while the guard is on); ``legacy`` reads a 0.2.0 stack's outputs. ``learning`` and
    ``real_now`` (the real clock, never a pinned planning time) time a switch (rotation_record.check_learned)."""
    guard_on = settings.rotation_guard
    warnings: list[str] = []
    notes: list[str] = []
    floor = 0
    try:
        read = parse_records(*texts)
    except RecordError as error:
        if guard_on:
            raise unreadable(error, names) from None
        read, floor = None, _fresh_generation(texts)
        warnings.append(
            f"secret rotation: the rotation record in AWS is unreadable ({error}); rotationGuard is "
            "off, so this deploy is not judged against it and writes a new one"
        )
    if read is None and texts == (None, None):
        read = _without_record(names, guard_on, tagged_distribution, legacy, notes, warnings)
    slots, active = tuple(settings.secret_slots), settings.active_secret_slot
    automatic: RotationPlan | None = None
    now = real_now() if real_now is not None and learning is not None else None
    if settings.secret_rotation_days:
        deploy_clock = clock()
        automatic = plan_from_record(settings.secret_rotation_days, slots, active, read, deploy_clock.now)
        automatic = _postponed_until_learned(automatic, settings, read, names, now, learning)
        slots, active = automatic.slots, automatic.active
        notes.append(automatic.summary)
        notes.extend(deploy_clock.notes)
        warnings.extend(item for item in (automatic.warning,) if item)
        warnings.extend(deploy_clock.warnings)
        previous = automatic.previous
        if automatic.steps and previous is not None and not deploy_clock.pinned and not dry_run:
            due = previous.stepped_at + timedelta(days=settings.secret_rotation_days)
            warnings.append(
                f"secret rotation: this update takes step {automatic.record.step}, due since {format_time(due)}: a "
                f"preview run before then did not show it. Pin the deploy's clock (make up and the workflows "
                f"pin ORIGIN_LOCKDOWN_DEPLOY_TIME) so that the preview you approve shows the step the update takes"
            )
    try:
        guarded: GuardedSlots = guard_slots(read, names, slots, active, guard_on, now, learning)
    except SettingError as problem:
        raise problem if automatic is not None else takeover_hint(problem, read) from None
    warnings.extend(guarded.warnings)
    if not guard_on and read is not None:
        lost = sorted(read.may_be_sending - set(guarded.slots))
        if lost:
            warnings.append(
                f"secret rotation: rotationGuard is off: slots {lost}, which CloudFront may still be sending, are "
                "retired now; requests carrying them are refused until the distribution has deployed"
            )
    rotation = automatic.record.to_output() if automatic is not None else None
    intent = next_intent(read, guarded.slots, active, rotation)
    if read is None and floor:
        intent = Intent(
            generation=floor + 1,
            slots=intent.slots,
            sends=intent.sends,
            may_be_sending=intent.may_be_sending,
            accepted=intent.accepted,
            rotation=intent.rotation,
        )
    return RotationDecision(
        slots=guarded.slots,
        active=active,
        intent=intent,
        read=read,
        automatic=automatic,
        names=names,
        notes=tuple(notes),
        warnings=tuple(warnings),
    )


def _without_record(
    names: RecordNames,
    guard_on: bool,
    tagged_distribution: DistributionLookup | None,
    legacy: LegacyReader | None,
    notes: list[str],
    warnings: list[str],
) -> RecordState | None:
    """No record in AWS: a first deploy (said so), a 0.2.0 stack (its outputs, through ``legacy``), or a record lost
    since this component's distribution was deployed (refused while the guard is on: never judged by nothing
    silently)."""
    found = tagged_distribution() if tagged_distribution is not None else None
    if found is not None:
        if guard_on:
            raise lost_record(names, found)
        warnings.append(
            f"secret rotation: there is no rotation record at {names.path}, yet the distribution {found} is tagged "
            "with it; rotationGuard is off, so this deploy is judged by nothing and writes a new record"
        )
        return None
    read = legacy() if legacy is not None else None
    if read is None:
        notes.append(first_deploy_note(names))
    return read


def _postponed_until_learned(
    plan: RotationPlan,
    settings: Settings,
    read: RecordState | None,
    names: RecordNames,
    now: datetime | None,
    learning: Learning | None,
) -> RotationPlan:
    """A step whose switch comes too soon after the origin was first seen accepting its value (only after a
    failure: normally a whole period has passed) waits for a later deploy, with a warning, instead of failing."""
    previous = plan.previous
    if not plan.steps or previous is None or read is None:
        return plan
    try:
        check_learned(read, names, plan.active, now, learning)
    except SettingError as problem:
        kept = plan_from_record(
            settings.secret_rotation_days,
            tuple(settings.secret_slots),
            settings.active_secret_slot,
            read,
            previous.stepped_at,
        )
        why = problem.allowed.split("; judged by", 1)[0]
        warning = (
            f"secret rotation: step {plan.record.step} postponed: it would switch CloudFront to {plan.active}, yet "
            f"{why}"
        )
        return replace(kept, warning=warning)
    return plan


def takeover_hint(problem: SettingError, read: RecordState | None) -> SettingError:
    """A refused manual step on a stack that automatic rotation left: say what to start from."""
    if read is None or read.intent.rotation is None:
        return problem
    return SettingError(
        problem.key,
        problem.value,
        f"{problem.allowed}; automatic rotation left this stack with secretSlots {list(read.intent.slots)} "
        f"and activeSecretSlot {read.intent.sends!r}: start a manual rotation from exactly those",
    )
