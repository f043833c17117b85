"""Automatic rotation: `pulumi up` takes one zero-downtime step each time the period has passed.

``secretRotationDays: N`` turns it on. The program then plans the rotation slots itself, from what the stack
last deployed (read back through the rotation guard's StackReference to this stack), never from the
calendar alone. Values are named by generation, ``auto-<n>``, and three are live after step ``n``:

====================  ==========================================================================
``auto-(n-2)``        the value CloudFront sent before step ``n``: still accepted, retired next step
``auto-(n-1)``        the value CloudFront sends
``auto-n``            generated at step ``n``: accepted, sent from step ``n+1``
====================  ==========================================================================

Step ``n`` -> ``n+1`` (one per deploy, only once ``N`` days have passed since step ``n`` was recorded):

* ``auto-(n+1)`` is generated; the origin learns it a whole period before CloudFront sends it;
* CloudFront switches to ``auto-n``, which the origin has accepted since step ``n`` (the ALB rule, the
  WAF and, with ``direct``, the instance's guard, which polls SSM every 60 s, all had a period to learn
  it: nothing relies on propagation being quick);
* ``auto-(n-1)`` stays accepted: edges keep sending it while the distribution's change deploys;
* ``auto-(n-2)`` is retired: CloudFront stopped sending it at step ``n``, whose `pulumi up` returned only
  once the distribution was Deployed (and step ``n`` is recorded only then).

So a deploy after a long pause takes one step, not many: it never regenerates the value CloudFront is
sending, nor one it could still be sending. The first step starts from the one manual slot the stack
has (``activeSecretSlot``): ``[v1]`` becomes ``[v1, auto-0]``, CloudFront still sending ``v1``.

Each step is an ordinary rotation-slot configuration, so the rotation guard checks it as it checks a
hand-made one, and the manual procedure can take over (the names and values stay the same).

The step record (stack output ``secretRotation``: step, time, slot sent) is exported only once the
resources carrying the values report them (see ``rotation.recorded_rotation``): a failed `pulumi up`,
a preview or a program-running refresh never records a step that did not happen.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .rotation import DeployedRotation
from .settings import SettingError

ROTATION_OUTPUT = "secretRotation"
# The clock, read once per run (deploy_time). For tests and rehearsals (`pulumi preview` "as of" a date).
# Set ahead for real updates, it makes steps come sooner: each is still one step from the deployed record,
# but two steps minutes apart leave WAF and the direct instance's 60-second poll only the distribution's
# deployment time to learn a value, instead of a period. Every run that uses it says so (a warning).
CLOCK_VARIABLE = "ORIGIN_LOCKDOWN_NOW"
GENERATION_PREFIX = "auto-"
# Slot names hold at most 16 characters (settings._SLOT_NAME): "auto-" and up to 11 digits.
_GENERATION = re.compile(r"^auto-(0|[1-9][0-9]{0,10})$")
_README = "(README: Rotating the secret)"


def generation_slot(step: int) -> str:
    """The slot name of the value generated at ``step``."""
    return f"{GENERATION_PREFIX}{step}"


def generation_of(slot: str) -> int | None:
    """The step that generated ``slot``, or ``None`` for a slot named by hand."""
    match = _GENERATION.match(slot)
    return int(match.group(1)) if match else None


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with a time zone (``2026-03-01T06:00:00Z``); a zone-less time is ambiguous."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(timezone.utc)


def clock_override_warning(environ: Mapping[str, str] = os.environ) -> str | None:
    raw = environ.get(CLOCK_VARIABLE, "")
    if not raw.strip():
        return None
    return f"secret rotation: the clock is set by {CLOCK_VARIABLE}={raw}; unset it outside tests and rehearsals"


def deploy_time(environ: Mapping[str, str] = os.environ) -> datetime:
    """Now: the one place the program reads the clock (``ORIGIN_LOCKDOWN_NOW`` overrides it)."""
    raw = environ.get(CLOCK_VARIABLE, "")
    if not raw.strip():
        return datetime.now(timezone.utc)
    try:
        return parse_time(raw)
    except ValueError:
        raise SettingError(
            CLOCK_VARIABLE, raw, "expected an ISO 8601 time with a time zone, e.g. 2026-03-01T06:00:00Z (or unset)"
        ) from None


# One clock per deploy: `make up`, the deploy workflows and the scheduled rotation set this once, to the time the
# deploy starts, for its preview and its update, so the preview a user approves shows the step the update takes
# (`pulumi up` runs the program twice, minutes or hours apart while a person reads the preview).
PINNED_VARIABLE = "ORIGIN_LOCKDOWN_DEPLOY_TIME"
# A pin ahead of the clock would take steps early (beyond a little skew between machines); a stale pin records a
# step earlier than it happened, so the next one comes that much sooner. Twelve hours keeps two steps at least
# twelve hours apart with the shortest period (1 day): far more than the direct instance needs to learn a value
# (two guard intervals) and than CloudFront needs to deploy.
PIN_MAX_AHEAD = timedelta(minutes=5)
PIN_MAX_AGE = timedelta(hours=12)


@dataclass(frozen=True)
class DeployClock:
    """The time this run plans with, whether it was pinned for the whole deploy, and what to say about it."""

    now: datetime
    pinned: bool
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def read_clock(environ: Mapping[str, str] = os.environ) -> DeployClock:
    """This deploy's clock: the pinned deploy time when one is set (checked against the clock), else the clock.

    The clock is the system's, or ``ORIGIN_LOCKDOWN_NOW`` (tests and rehearsals, with a warning).
    """
    clock = deploy_time(environ)
    warnings = tuple(warning for warning in (clock_override_warning(environ),) if warning)
    raw = environ.get(PINNED_VARIABLE, "")
    if not raw.strip():
        return DeployClock(now=clock, pinned=False, warnings=warnings)
    pin_it = f"pin the time the deploy starts: export {PINNED_VARIABLE}=$(date -u +%Y-%m-%dT%H:%M:%SZ) (make up does)"
    try:
        pinned = parse_time(raw)
    except ValueError:
        raise SettingError(
            PINNED_VARIABLE, raw, f"expected an ISO 8601 time with a time zone, e.g. 2026-03-01T06:00:00Z; {pin_it}"
        ) from None
    if pinned > clock + PIN_MAX_AHEAD:
        raise SettingError(
            PINNED_VARIABLE,
            raw,
            f"it is ahead of the clock ({format_time(clock)}): a deploy time in the future would take rotation "
            f"steps early; {pin_it}",
        )
    if clock - pinned > PIN_MAX_AGE:
        raise SettingError(
            PINNED_VARIABLE,
            raw,
            f"it was pinned {_age(clock - pinned)} ago (at most {PIN_MAX_AGE.total_seconds() / 3600:.0f} hours): "
            f"the preview it was pinned for is stale; {pin_it}",
        )
    note = (
        f"secret rotation: this deploy's clock is pinned to {format_time(pinned)} ({PINNED_VARIABLE}): its "
        "preview and its update plan the same step"
    )
    return DeployClock(now=pinned, pinned=True, notes=(note,), warnings=warnings)


@dataclass(frozen=True)
class RotationRecord:
    """The last automatic step as the stack recorded it: which, when, and the slot it makes CloudFront send."""

    step: int
    stepped_at: datetime
    sends: str

    def to_output(self) -> dict[str, Any]:
        return {"step": self.step, "steppedAt": format_time(self.stepped_at), "sends": self.sends}


def parse_record(raw: Any) -> RotationRecord | None:
    """The record from the raw stack output: ``None`` when absent; ``ValueError`` when unreadable."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError("not a mapping")
    step, stepped_at, sends = raw.get("step"), raw.get("steppedAt"), raw.get("sends")
    # JSON carries numbers as floats; a whole float is the step the program wrote.
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step {step!r}")
    if not isinstance(stepped_at, str) or not isinstance(sends, str):
        raise ValueError("steppedAt and sends must be strings")
    return RotationRecord(step=step, stepped_at=parse_time(stepped_at), sends=sends)


@dataclass(frozen=True)
class RotationPlan:
    """What this deploy establishes: the slots the origin accepts, the one CloudFront sends, the record."""

    slots: tuple[str, ...]
    active: str
    # The record once this deploy's resources report these values; ``previous`` until then.
    record: RotationRecord
    previous: RotationRecord | None
    summary: str
    warning: str | None = None

    @property
    def steps(self) -> bool:
        return self.record != self.previous

    def record_to_export(self, accepted: Sequence[str], active: str) -> dict[str, Any] | None:
        """The ``secretRotation`` output, given the slots the deployed resources report (rotation.py).

        This deploy's step counts only when CloudFront reports sending its slot and every carrier reports
        accepting its newest value; otherwise (a refresh that ran the program, say) the previous record
        stands and the next `pulumi up` takes the step again, with the same values.
        """
        newest = generation_slot(self.record.step)
        in_effect = active == self.record.sends and newest in accepted
        kept = self.record if in_effect else self.previous
        return kept.to_output() if kept is not None else None


def plan_automatic_rotation(
    period_days: int,
    configured_slots: Sequence[str],
    configured_active: str,
    deployed: DeployedRotation | None,
    raw_record: Any,
    now: datetime,
) -> RotationPlan:
    """The slots for this deploy: at most one step from what the stack last deployed (pure; see module doc)."""
    try:
        previous = parse_record(raw_record)
    except ValueError as error:
        raise SettingError(
            "secretRotationDays",
            period_days,
            f"the stack's recorded rotation state {ROTATION_OUTPUT}={raw_record!r} is unreadable ({error}); "
            f"turn automatic rotation off and rotate by hand {_README}",
        ) from None
    # Mutually exclusive with rotating by hand: the configured slots only name where automatic rotation
    # starts (or started); a hand-made step while it runs would be overridden, so it is refused instead.
    if list(configured_slots) != [configured_active]:
        raise SettingError(
            "secretSlots",
            list(configured_slots),
            f"with secretRotationDays set, expected exactly [activeSecretSlot] ([{configured_active!r}]): automatic "
            "rotation manages the slots itself, starting from the one value CloudFront sends; to rotate by hand, "
            f"set secretRotationDays to 0 first {_README}",
        )
    if previous is None:
        return _start(period_days, configured_active, deployed, now)
    return _continue(period_days, deployed, previous, now)


def _start(period_days: int, configured_active: str, deployed: DeployedRotation | None, now: datetime) -> RotationPlan:
    """The first step: the origin learns ``auto-<first>``; CloudFront keeps sending the one manual slot."""
    if deployed is not None and list(deployed.accepted) != [deployed.active]:
        raise SettingError(
            "secretRotationDays",
            period_days,
            f"a rotation is in progress: the deployed origin accepts {list(deployed.accepted)} and CloudFront sends "
            f"{deployed.active!r}; finish it by hand (one slot left) before turning on automatic rotation {_README}",
        )
    if deployed is not None and deployed.active != configured_active:
        raise SettingError(
            "activeSecretSlot",
            configured_active,
            f"the deployed CloudFront sends slot {deployed.active!r}; automatic rotation starts from it: set "
            f"secretSlots to [{deployed.active!r}] and activeSecretSlot to {deployed.active!r} {_README}",
        )
    hand_made = generation_of(configured_active)
    first = 0 if hand_made is None else hand_made + 1
    record = RotationRecord(step=first, stepped_at=now, sends=configured_active)
    newest = generation_slot(first)
    return RotationPlan(
        slots=(configured_active, newest),
        active=configured_active,
        record=record,
        previous=None,
        summary=(
            f"secret rotation: automatic every {period_days} days from now: the origin learns slot {newest}; "
            f"CloudFront keeps sending {configured_active} until the first step, after {_next(record, period_days)}"
        ),
    )


def _continue(
    period_days: int, deployed: DeployedRotation | None, previous: RotationRecord, now: datetime
) -> RotationPlan:
    if deployed is None:
        raise SettingError(
            "secretRotationDays",
            period_days,
            f"the stack recorded rotation step {previous.step} but not the slots it deployed; turn automatic "
            f"rotation off and rotate by hand {_README}",
        )
    newest = generation_slot(previous.step)
    sends = deployed.active
    if sends not in (previous.sends, newest):
        raise SettingError(
            "secretRotationDays",
            period_days,
            f"the stack recorded rotation step {previous.step}, which sends slot {previous.sends!r}, but the deployed "
            f"CloudFront sends {sends!r}; take over by hand: turn automatic rotation off and set secretSlots to "
            f"{list(deployed.accepted)} and activeSecretSlot to {sends!r} {_README}",
        )
    waited = now - previous.stepped_at
    due = waited >= timedelta(days=period_days)
    # CloudFront already sends the newest value: a step was applied (a failed `pulumi up` that got as far
    # as the distribution) but not recorded. Completing it keeps both values it may send accepted.
    interrupted = sends == newest
    warning = None
    if waited < timedelta(0):
        warning = (
            f"secret rotation: the clock ({format_time(now)}) is before the last step "
            f"({format_time(previous.stepped_at)}); no step until it has passed {_next(previous, period_days)}"
        )
    if (due or interrupted) and newest in deployed.accepted:
        following = generation_slot(previous.step + 1)
        slots = (previous.sends, newest, following)
        record = RotationRecord(step=previous.step + 1, stepped_at=now, sends=newest)
        retired = [slot for slot in deployed.accepted if slot not in slots]
        return RotationPlan(
            slots=slots,
            active=newest,
            record=record,
            previous=previous,
            summary=(
                f"secret rotation: step {record.step} ({_age(waited)} since step {previous.step}): the origin learns "
                f"{following}, CloudFront switches from {previous.sends} to {newest}"
                + (f", {', '.join(retired)} retired" if retired else "")
                + f"; next step after {_next(record, period_days)}"
            ),
        )
    # No step: keep what is deployed (no change at all), re-adding the newest value if a carrier lost it.
    kept = list(deployed.accepted)
    kept.extend(slot for slot in (sends, newest) if slot not in kept)
    why = "" if due else f"; next step after {_next(previous, period_days)}"
    if due:
        # Only after a change outside this stack (a refresh that ran the program recorded it): say so loudly.
        why = f"; the origin does not report accepting {newest} yet: this deploy restores it, the next one steps"
        warning = warning or f"secret rotation: step {previous.step + 1} postponed{why}"
    return RotationPlan(
        slots=tuple(kept),
        active=sends,
        record=previous,
        previous=previous,
        summary=f"secret rotation: no step: CloudFront sends {sends} since step {previous.step} at "
        f"{format_time(previous.stepped_at)}{why}",
        warning=warning,
    )


def _next(record: RotationRecord, period_days: int) -> str:
    return format_time(record.stepped_at + timedelta(days=period_days))


def _age(waited: timedelta) -> str:
    days = waited.total_seconds() / 86400
    return f"{days:.1f} days"
