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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .auto_rotation import DeployClock, RotationPlan, format_time, parse_record, plan_automatic_rotation
from .rotation import DeployedRotation
from .rotation_record import (
    GuardedSlots,
    Intent,
    RecordError,
    RecordNames,
    RecordState,
    guard_slots,
    next_intent,
    parse_records,
    unreadable,
)
from .settings import SettingError, Settings

LegacyReader = Callable[[], RecordState | None]
ClockReader = Callable[[], DeployClock]
_README = "(README: Rotating the secret)"


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
) -> RotationDecision:
    """The slots this deploy deploys and the intent it writes first (raises :class:`SettingError`)."""
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
    if read is None and texts == (None, None) and legacy is not None:
        read = legacy()
    slots, active = tuple(settings.secret_slots), settings.active_secret_slot
    automatic: RotationPlan | None = None
    if settings.secret_rotation_days:
        deploy_clock = clock()
        automatic = plan_from_record(settings.secret_rotation_days, slots, active, read, deploy_clock.now)
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
        guarded: GuardedSlots = guard_slots(read, names, slots, active, guard_on)
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
