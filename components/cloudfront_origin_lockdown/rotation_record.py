"""The record of rotation intent, kept in AWS (SSM Parameter Store), one per component.

The rotation guard and automatic rotation judge a step against which slots the origin accepts and which one
CloudFront may be sending. Stack outputs cannot tell them: they are written when the program ends, so after a
failed `pulumi up` they still describe the last successful one while the resources have moved on (issue 19).
So each component keeps two String parameters under
``/cloudfront-origin-lockdown/[<organization>/]<project>/<stack>/<component>/rotation/`` (record_names), slot
*names* and times only, never a value:

``intent``
    written by a resource that every resource carrying a secret value waits for (the ALB rule, the WAF, the
    SSM list the instance reads and the distribution get the values only through it): **before** anything that
    accepts or sends a value changes, it says what this deploy does (``slots``, ``sends``, the automatic step)
    and, for as long as that is not known to be deployed, the worst case: CloudFront ``mayBeSending`` any slot
    it may have been sending before, or the new one, and the origin accepts for sure only ``accepted`` (what it
    accepted before *and* accepts after). A generation number counts the changes of intent.
``settled``
    written **after** the distribution, from what the distribution and the carriers report, and only when
    CloudFront reports the distribution ``Deployed`` (the data source ``aws.cloudfront.get_distribution``,
    read after its update: "Deployed" means fully propagated to every edge,
    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Distribution.html). It names the generation
    of the intent it settles (while the generations differ, the intent's worst case stands), the distribution it
    governs, and when each accepted slot was first seen accepted (``learnedAt``): CloudFront switches to a slot only
    once every copy of the origin's check has had time to learn it (``Learning``).

A failed or interrupted `pulumi up` leaves them consistent whatever completed: the intent is written first, so
a change that reached the cloud is always covered by it; a settled record is never written for a change still
deploying (a retry whose distribution step is a no-op reads the live status instead of waiting). A `pulumi up`
*killed* while it waited (the change in AWS, Pulumi's checkpoint still the old state, so the next run diffs
against the old state and sends nothing for an unchanged input) cannot make the settled record lie either: each
new generation is stamped (``rotation_stamp``) into the distribution's comment, the WAF's description and the
direct origin's SSM list, so their whole desired configuration is sent again, and waited for, before a settled
record of that generation can be written; the ALB listener rule cannot be stamped (the provider sends its
conditions only when they changed), so what it accepts is read back from AWS.

The next run reads both with one lookup (``aws.ssm.get_parameters_by_path``, which answers an empty list when
nothing exists yet, at preview as at update) before any resource is registered. Names: at most 1011
characters and 15 levels (``aws_limits``, from the PutParameter API reference), checked with the component's
other names. Standard parameters cost nothing and hold 4 KB; a record is a few hundred bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import pulumi
from pulumi_aws import _utilities as aws_utilities

from . import aws_limits
from .auto_rotation import format_time, parse_record, parse_time
from .rotation import DIY_ORGANIZATION, DeployedRotation, not_learned, still_sent
from .settings import _SLOT_NAME, SettingError

RECORD_FORMAT = 1
PARAMETERS_LOOKUP = "aws:ssm/getParametersByPath:getParametersByPath"
TAGGED_RESOURCES_LOOKUP = "aws:resourcegroupstaggingapi/getResources:getResources"
INTENT = "intent"
SETTLED = "settled"
_README = "(README: Rotating the secret, What survives a failed deploy)"
# How the distribution reports a configuration fully propagated to every edge location.
DEPLOYED = "Deployed"
# Every record lives under one fixed first level of the package's own: a user's names never start the path, so
# SSM's reserved prefixes ("aws", "ssm", whatever the case, after the leading "/") never apply to them, and one IAM
# statement (parameter/cloudfront-origin-lockdown/*) covers every record.
# https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
RECORD_ROOT = "/cloudfront-origin-lockdown"
# The distribution names its record in this tag, so a run that finds no record can tell "first deploy" from "the
# record was lost" (find_tagged_distribution). CloudFront tag values hold 256 characters (aws_limits).
RECORD_TAG_KEY = "origin-lockdown:rotation-record"


@dataclass(frozen=True)
class RecordNames:
    """Where a component's record lives in Parameter Store."""

    path: str

    @property
    def intent(self) -> str:
        return f"{self.path}/{INTENT}"

    @property
    def settled(self) -> str:
        return f"{self.path}/{SETTLED}"

    @property
    def tag_value(self) -> str:
        """What the distribution's record tag holds: the path, or its SHA-256 when longer than a tag value."""
        if len(self.path) <= aws_limits.TAG_VALUE_MAX:
            return self.path
        return "sha256:" + hashlib.sha256(self.path.encode()).hexdigest()


def record_names(project: str, stack: str, name: str, organization: str | None = None) -> RecordNames:
    """``/cloudfront-origin-lockdown/[<organization>/]<project>/<stack>/<component>/rotation``: one record per
    component. The Pulumi organization (``pulumi.get_organization()``) is in the path when there is one: two
    organizations may hold stacks of the same project and stack names in one account and region. A self-managed
    backend has none (it reports ``organization``): nothing a program can observe tells two such backends apart,
    so their stacks of the same names share a path (README: Rotating the secret, Stacks of the same names)."""
    return component_record(project, stack, name, organization, "rotation")


def component_record(project: str, stack: str, name: str, organization: str | None, kind: str) -> RecordNames:
    """``/cloudfront-origin-lockdown/[<organization>/]<project>/<stack>/<component>/<kind>``: where a component keeps
    a record of ``kind`` (``rotation`` here, ``origin-mtls`` for origin_mtls_record), scoped as :func:`record_names`
    says."""
    scope = f"/{organization}" if organization and organization != DIY_ORGANIZATION else ""
    return RecordNames(f"{RECORD_ROOT}{scope}/{project}/{stack}/{name}/{kind}")


class RecordError(ValueError):
    """The record in AWS cannot be read as this version wrote it (edited by hand, or by a newer version)."""


@dataclass(frozen=True)
class Intent:
    """What a deploy does, written before it changes anything that accepts or sends a value."""

    generation: int
    # The slots this deploy gives the origin, and the one it makes CloudFront send.
    slots: tuple[str, ...]
    sends: str
    # From the moment this is written until a settled record of the same generation: what CloudFront may send,
    # and what the origin accepts whichever resources have been updated.
    may_be_sending: tuple[str, ...]
    accepted: tuple[str, ...]
    # Automatic rotation's step record ({step, steppedAt, sends}), or None.
    rotation: Mapping[str, Any] | None = None

    def target(self) -> tuple[tuple[str, ...], str, Mapping[str, Any] | None]:
        return self.slots, self.sends, self.rotation

    def to_json(self) -> str:
        return _dump(
            {
                "format": RECORD_FORMAT,
                "generation": self.generation,
                "slots": list(self.slots),
                "sends": self.sends,
                "mayBeSending": list(self.may_be_sending),
                "accepted": list(self.accepted),
                "rotation": dict(self.rotation) if self.rotation is not None else None,
            }
        )


@dataclass(frozen=True)
class Settled:
    """What CloudFront sends and the origin accepts once the intent ``generation`` is deployed (0: none yet)."""

    generation: int
    sends: str | None
    accepted: tuple[str, ...]
    # When each accepted slot was first seen accepted (slot -> ISO time): by every carrier, continuously since.
    learned_at: Mapping[str, str] = field(default_factory=dict)
    # The distribution whose deployment this settles (its id), for people reading the record.
    distribution: str | None = None

    def to_json(self) -> str:
        return _dump(
            {
                "format": RECORD_FORMAT,
                "generation": self.generation,
                "sends": self.sends,
                "accepted": list(self.accepted),
                "learnedAt": dict(self.learned_at),
                "distribution": self.distribution,
            }
        )


NOTHING_SETTLED = Settled(generation=0, sends=None, accepted=())
Source = Literal["aws", "stack outputs"]


@dataclass(frozen=True)
class RecordState:
    """What the next run reads: the worst case it must keep working, and what the last intent targeted."""

    intent: Intent
    settled: bool
    # Slots whose values CloudFront may be sending now, and slots the origin accepts for sure.
    may_be_sending: frozenset[str]
    accepted: tuple[str, ...]
    # The settled record as read, written again unchanged while the distribution is not Deployed.
    last_settled: Settled | None = None
    # "stack outputs": a stack deployed by 0.2.0, read once from its outputs (no record in AWS yet).
    source: Source = "aws"

    @property
    def sends(self) -> str | None:
        """The one slot CloudFront is known to send, or None while it may send several."""
        if self.settled:
            return self.intent.sends if self.last_settled is None else self.last_settled.sends
        return None

    def learned_at(self, slot: str) -> datetime | None:
        """When the origin is known to have accepted ``slot`` since (None: not known to accept it)."""
        if slot not in self.accepted or self.last_settled is None:
            return None
        text = self.last_settled.learned_at.get(slot)
        return parse_time(text) if text is not None else None

    def deployed(self) -> DeployedRotation | None:
        """As the guard's and the planner's pure functions take it, when CloudFront is known to send one slot."""
        sends = self.sends
        return None if sends is None else DeployedRotation(accepted=self.accepted, active=sends)


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _slots(raw: Any, what: str, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(slot, str) and _SLOT_NAME.fullmatch(slot) for slot in raw):
        raise RecordError(f"{what} is not a list of slot names: {raw!r}")
    if len(set(raw)) != len(raw) or len(raw) > aws_limits.ALB_CONDITION_VALUES_PER_RULE * 2:
        raise RecordError(f"{what} repeats a slot or lists too many: {raw!r}")
    if not raw and not allow_empty:
        raise RecordError(f"{what} is empty")
    return tuple(raw)


def _generation(raw: Any, low: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < low:
        raise RecordError(f"generation {raw!r} is not a whole number from {low}")
    return raw


def _document(text: str, name: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise RecordError(f"{name} is not JSON") from None
    if not isinstance(value, Mapping) or value.get("format") != RECORD_FORMAT:
        raise RecordError(f"{name} is not a record of format {RECORD_FORMAT} (written by another version?)")
    return value


def parse_intent(text: str) -> Intent:
    raw = _document(text, INTENT)
    slots = _slots(raw.get("slots"), "slots")
    sends = raw.get("sends")
    if sends not in slots:
        raise RecordError(f"sends {sends!r} is not one of the slots {list(slots)}")
    may = _slots(raw.get("mayBeSending"), "mayBeSending")
    if sends not in may:
        raise RecordError(f"mayBeSending {list(may)} leaves out sends {sends!r}")
    accepted = _slots(raw.get("accepted"), "accepted", allow_empty=True)
    if not set(accepted) <= set(slots):
        raise RecordError(f"accepted {list(accepted)} is not within the slots {list(slots)}")
    rotation = raw.get("rotation")
    if rotation is not None:
        try:
            step = parse_record(rotation)
        except ValueError as error:
            raise RecordError(f"rotation {rotation!r} is unreadable ({error})") from None
        if step is None or step.sends != sends:
            raise RecordError(f"rotation {rotation!r} does not send {sends!r}")
    return Intent(
        generation=_generation(raw.get("generation"), 1),
        slots=slots,
        sends=str(sends),
        may_be_sending=may,
        accepted=accepted,
        rotation=rotation,
    )


def _learned_at(raw: Any, accepted: tuple[str, ...]) -> dict[str, str]:
    # A settled record written before learnedAt existed (0.3.0's first cut) tells no time: each accepted slot is
    # then "not known since when" (check_learned asks for one deploy without a switch first).
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, Mapping) or set(raw) != set(accepted):
        raise RecordError(f"learnedAt {raw!r} does not give a time for each accepted slot {list(accepted)}")
    found: dict[str, str] = {}
    for slot, text in raw.items():
        try:
            found[slot] = format_time(parse_time(text))
        except (TypeError, ValueError, AttributeError):
            raise RecordError(f"learnedAt {slot}={text!r} is not a time with a time zone") from None
    return found


def parse_settled(text: str) -> Settled:
    raw = _document(text, SETTLED)
    generation = _generation(raw.get("generation"), 0)
    sends = raw.get("sends")
    accepted = _slots(raw.get("accepted"), "accepted", allow_empty=True)
    if generation == 0:
        if sends is not None or accepted:
            raise RecordError("generation 0 settles nothing, yet names slots")
        return NOTHING_SETTLED
    if not isinstance(sends, str) or not _SLOT_NAME.fullmatch(sends):
        raise RecordError(f"sends {sends!r} is not a slot name")
    distribution = raw.get("distribution")
    if distribution is not None and not isinstance(distribution, str):
        raise RecordError(f"distribution {distribution!r} is not an id")
    return Settled(
        generation=generation,
        sends=sends,
        accepted=accepted,
        learned_at=_learned_at(raw.get("learnedAt"), accepted),
        distribution=distribution,
    )


def parse_records(intent_text: str | None, settled_text: str | None) -> RecordState | None:
    """The record as the next run judges by; ``None`` when neither part exists (a first deploy, or a stack
    deployed by 0.2.0). Raises :class:`RecordError` when a part is unreadable or the two contradict each other."""
    if intent_text is None and settled_text is None:
        return None
    if intent_text is None:
        raise RecordError(f"there is a {SETTLED} record but no {INTENT} record")
    intent = parse_intent(intent_text)
    settled = parse_settled(settled_text) if settled_text is not None else None
    if settled is None or settled.generation != intent.generation:
        if settled is not None and settled.generation > intent.generation:
            raise RecordError(
                f"the {SETTLED} record's generation {settled.generation} is newer than the {INTENT}'s "
                f"{intent.generation}"
            )
        return RecordState(
            intent=intent,
            settled=False,
            may_be_sending=frozenset(intent.may_be_sending),
            accepted=intent.accepted,
            last_settled=settled,
        )
    if settled.sends not in intent.slots or not set(settled.accepted) <= set(intent.slots):
        raise RecordError(f"the {SETTLED} record names slots that its {INTENT} record does not deploy")
    return RecordState(
        intent=intent,
        settled=True,
        may_be_sending=frozenset({str(settled.sends)}),
        accepted=settled.accepted,
        last_settled=settled,
    )


def from_stack_outputs(accepted: Any, active: Any, rotation: Any) -> RecordState | None:
    """A stack deployed by 0.2.0 has no record in AWS: its own outputs (``acceptedSecretSlots``,
    ``activeSecretSlot``, ``secretRotation``), read once. They describe the last *successful* deploy, and a
    failed one may have gone further: every slot they list counts as possibly sent (0.2.0's guard let
    CloudFront switch only to one of them), none is retired in this deploy, and no automatic step is taken."""
    if not isinstance(active, str) or not isinstance(accepted, list):
        return None
    try:
        slots = _slots(list(accepted), "acceptedSecretSlots")
        step = parse_record(rotation) if rotation is not None else None
    except (RecordError, ValueError):
        return None
    if active not in slots or (step is not None and step.sends != active):
        return None
    intent = Intent(
        generation=0,
        slots=slots,
        sends=active,
        may_be_sending=slots,
        accepted=slots,
        rotation=step.to_output() if step is not None else None,
    )
    return RecordState(
        intent=intent, settled=False, may_be_sending=frozenset(slots), accepted=slots, source="stack outputs"
    )


def next_intent(
    read: RecordState | None, slots: Sequence[str], sends: str, rotation: Mapping[str, Any] | None
) -> Intent:
    """The intent this deploy writes. The same target as the record's keeps the record as it is (no change, no
    new generation: a retry, or a deploy that changes nothing); any other starts a new generation whose worst
    case covers both: what CloudFront may already be sending and the new value, what the origin accepted before
    and accepts after."""
    target = (tuple(slots), sends, dict(rotation) if rotation is not None else None)
    if read is not None and read.source == "aws" and read.intent.target() == target:
        return read.intent
    if read is None:
        # Nothing recorded: a new stack, or one whose history is unknown. CloudFront may be sending any slot
        # this deploy keeps, and nothing counts as accepted until a deploy has settled.
        may: set[str] = set(slots)
        accepted: tuple[str, ...] = ()
    else:
        may = set(read.may_be_sending)
        accepted = tuple(slot for slot in slots if slot in read.accepted)
    generation = (read.intent.generation if read is not None else 0) + 1
    return Intent(
        generation=generation,
        slots=tuple(slots),
        sends=sends,
        may_be_sending=tuple(sorted(may | {sends})),
        accepted=accepted,
        rotation=target[2],
    )


def settled_record(
    intent: Intent,
    previous: Settled | None,
    status: str | None,
    accepted: Sequence[str],
    sends: str,
    now: datetime,
    distribution: str | None = None,
) -> Settled:
    """The settled record after the distribution: this intent's, when CloudFront reports the distribution
    Deployed; otherwise the previous one unchanged (its change is still deploying: the intent's worst case
    stands until a later run finds it deployed).

    ``learnedAt`` keeps a slot's time only while the slot was accepted throughout: in the previous settled record
    and, if that settled an earlier intent, in this intent's ``accepted`` (the slots every intent since kept for
    sure). Any other accepted slot was (re)learned in this deploy or an unsettled one since: ``now``, the real
    clock at the time of writing, after every carrier changed (never a pinned planning time, which may be hours
    earlier)."""
    if status != DEPLOYED:
        return previous if previous is not None else NOTHING_SETTLED
    learned: dict[str, str] = {}
    for slot in accepted:
        kept = previous is not None and slot in previous.learned_at and slot in previous.accepted
        if kept and previous is not None and (previous.generation == intent.generation or slot in intent.accepted):
            learned[slot] = previous.learned_at[slot]
        else:
            learned[slot] = format_time(now)
    return Settled(
        generation=intent.generation,
        sends=sends,
        accepted=tuple(accepted),
        learned_at=learned,
        distribution=distribution,
    )


def rotation_stamp(intent: Intent) -> str:
    """A short mark of the intent (its generation and a digest of the whole record), written into the distribution's
    comment, the WAF's description and the direct origin's SSM list: each new intent changes them, so the provider
    sends their whole desired configuration again (UpdateDistribution, UpdateWebACL and PutParameter send every
    field on any change but tags: terraform-provider-aws internal/service/cloudfront/distribution.go,
    wafv2/web_acl.go, ssm/parameter.go), even where the checkpoint, after a killed `pulumi up`, already shows the
    values. Letters, digits, spaces and '-' only: valid in each of those fields."""
    digest = hashlib.sha256(intent.to_json().encode()).hexdigest()[:8]
    return f"rotation intent {intent.generation}-{digest}"


# The longest stamp, for the limits of the fields it goes into (a generation of up to 12 digits).
ROTATION_STAMP_MAX = len("rotation intent 999999999999-01234567")


# --- what the guard makes of it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardedSlots:
    """The slots to deploy: the settings' own, and every slot CloudFront may still be sending."""

    slots: tuple[str, ...]
    kept: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Learning:
    """How long after the record shows a slot accepted every copy of the origin's check may still not know it:
    CloudFront switches to a slot only once that has passed since its ``learnedAt``."""

    bound: timedelta
    # Why, for the refusal's message.
    why: str


def _judged_by(read: RecordState, names: RecordNames) -> str:
    """The end of a refusal judged by the record: where it is, and what it means if this stack is new."""
    settled = read.last_settled
    governs = f" (distribution {settled.distribution})" if settled is not None and settled.distribution else ""
    return (
        f"; judged by the rotation record {names.path}{governs}. If this stack or component is new, that record is "
        "another stack's of the same names in this account and region (another backend, or a stack removed with "
        "`pulumi stack rm --force`): rename this stack or component, or delete that record if its stack is gone "
        f"(aws ssm delete-parameters --names {names.intent} {names.settled}) {_README}"
    )


def _with_record(problem: SettingError, read: RecordState, names: RecordNames) -> SettingError:
    if read.source != "aws":
        return problem
    return SettingError(problem.key, problem.value, problem.allowed + _judged_by(read, names))


def check_learned(
    read: RecordState, names: RecordNames, active: str, now: datetime | None, learning: Learning | None
) -> None:
    """Refuse CloudFront switching to ``active`` before every copy of the origin's check can know it: the record
    says when the origin was first seen accepting it, and ``learning`` how long its copies may lag behind. A slot
    CloudFront may already be sending needs no wait (its edges may send it now), nor a slot it sends."""
    if learning is None or now is None or active in read.may_be_sending or not learning.bound:
        return
    learned = read.learned_at(active)
    where = f"; judged by the rotation record {names.path} (README: Rotating the secret, By hand)"
    if learned is None:
        raise SettingError(
            "activeSecretSlot",
            active,
            f"the rotation record does not show since when the origin accepts it (no `pulumi up` has settled since it "
            f"was written), and {learning.why}: run `pulumi up` once without switching, then switch{where}",
        )
    ready = learned + learning.bound
    if now < ready:
        waited = max(now - learned, timedelta(0))
        raise SettingError(
            "activeSecretSlot",
            active,
            f"the origin was first seen accepting it at {format_time(learned)} ({int(waited.total_seconds())} s ago) "
            f"and {learning.why}: CloudFront may switch to it from {format_time(ready)}; run `pulumi up` again then"
            f"{where}",
        )


def guard_slots(
    read: RecordState | None,
    names: RecordNames,
    slots: Sequence[str],
    active: str,
    guard_on: bool,
    now: datetime | None = None,
    learning: Learning | None = None,
) -> GuardedSlots:
    """Judge (``slots``, ``active``) against the record; raise :class:`SettingError` for a step that would
    refuse requests. A slot CloudFront may still be sending stays accepted, with a warning naming it, whatever
    ``slots`` says (unless the guard is off: ``rotationGuard: false``). With ``now`` and ``learning``, CloudFront
    switches only to a slot the origin has accepted for at least ``learning.bound`` (:func:`check_learned`)."""
    if read is None or not guard_on:
        return GuardedSlots(tuple(slots), (), ())
    # The one slot CloudFront is known to send (a 0.2.0 stack: the one its outputs name) must stay: retiring it
    # is a mistake to refuse, not a slot to keep quietly.
    known = read.sends if read.source == "aws" else read.intent.sends
    if known is not None and known not in slots:
        raise _with_record(still_sent(slots, known), read, names)
    if active not in read.accepted and active not in read.may_be_sending:
        problem = not_learned(active, read.accepted)
        if active in read.intent.slots:
            # Deployed before, yet not reported accepted: AWS and Pulumi's state differ (a killed `pulumi up` left a
            # carrier behind; the listener rule is read back from AWS). Another `pulumi up` sends nothing for it.
            problem = SettingError(
                problem.key,
                problem.value,
                f"the origin in AWS accepts only {list(read.accepted)}, although {active!r} is in secretSlots: a "
                "`pulumi up` interrupted earlier left AWS and Pulumi's state apart; run `pulumi refresh`, then "
                "`pulumi up` (which gives the origin the value again), then switch (README: Rotating the secret)",
            )
        raise _with_record(problem, read, names)
    check_learned(read, names, active, now, learning)
    kept = tuple(slot for slot in sorted(read.may_be_sending) if slot not in slots)
    total = (*slots, *kept)
    if len(total) > aws_limits.ALB_CONDITION_VALUES_PER_RULE:
        raise SettingError(
            "secretSlots",
            list(slots),
            f"CloudFront may still be sending {list(kept)}, which stay accepted: with them the origin would accept "
            f"{len(total)} slots, and an ALB rule condition takes at most "
            f"{aws_limits.ALB_CONDITION_VALUES_PER_RULE}; drop another slot {_README}",
        )
    if read.source == "stack outputs":
        why = (
            "this stack has no rotation record in AWS yet (deployed by 0.2.0): its stack outputs, which a failed "
            "`pulumi up` leaves behind, list it"
        )
    else:
        why = (
            f"the `pulumi up` that switched the distribution to {read.intent.sends!r} has not been seen deployed "
            f"(record {names.intent}: CloudFront may be sending {sorted(read.may_be_sending)})"
        )
    warnings = tuple(
        f"secret rotation: slot {slot} stays accepted whatever secretSlots says: CloudFront may still be sending "
        f"it; {why}. It can go once a `pulumi up` has finished with the distribution deployed."
        for slot in kept
    )
    return GuardedSlots(total, kept, warnings)


# --- the lookup -----------------------------------------------------------------------------------------------


def read_record_texts(names: RecordNames, invoke: pulumi.InvokeOptions) -> tuple[str | None, str | None]:
    """The two parts as stored in AWS (``None`` for a part that does not exist), read before any resource is
    registered: one GetParametersByPath call, which answers an empty list where nothing exists yet."""
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    found = pulumi.runtime.invoke(
        PARAMETERS_LOOKUP, {"path": names.path, "recursive": False, "withDecryption": False}, opts=opts
    ).value
    return texts_by_name(found or {}, names)


def texts_by_name(found: Mapping[str, Any], names: RecordNames) -> tuple[str | None, str | None]:
    """The intent's and the settled record's values from the lookup's answer (lists of names and values)."""
    listed = dict(zip(found.get("names") or [], found.get("values") or [], strict=False))

    def text(name: str) -> str | None:
        # A value that is no text fails parsing as any unreadable record does.
        value = listed.get(name)
        return value if value is None or isinstance(value, str) else repr(value)

    return text(names.intent), text(names.settled)


def find_tagged_distribution(names: RecordNames, invoke: pulumi.InvokeOptions) -> str | None:
    """The ARN of a distribution that carries this record's tag (the component deployed it, with this version),
    or None. Asked only when no record exists: it tells a first deploy from a record lost since (deleted by hand
    or by a clean-up, or by another stack of the same names being destroyed). CloudFront is global: its tagged
    resources are listed by the Resource Groups Tagging API in us-east-1
    (https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html: "resources that
    are located in the specified Region"; tag:GetResources, no resource-level permission)."""
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    found = pulumi.runtime.invoke(
        TAGGED_RESOURCES_LOOKUP,
        {
            "region": "us-east-1",
            "resourceTypeFilters": ["cloudfront:distribution"],
            "tagFilters": [{"key": RECORD_TAG_KEY, "values": [names.tag_value]}],
        },
        opts=opts,
    ).value
    arns = sorted(str(item.get("resourceArn")) for item in (found or {}).get("resourceTagMappingLists") or [])
    return arns[0] if arns else None


def lost_record(names: RecordNames, distribution_arn: str) -> SettingError:
    """No record, yet this component's distribution exists: it was deployed and judged by one, now gone."""
    return SettingError(
        "rotationGuard",
        True,
        f"there is no rotation record at {names.path}, yet the distribution {distribution_arn} is tagged "
        f"{RECORD_TAG_KEY}={names.tag_value}: the record was deleted since (by hand, a clean-up script, or by "
        "destroying another stack of the same organization, project, stack and component names in this account and "
        "region), and without it nothing tells which values CloudFront may be sending. Restore it (the two String "
        f"parameters {names.intent} and {names.settled}, e.g. from AWS Config or CloudTrail), or, accepting that "
        "this deploy is judged by nothing and may refuse requests while CloudFront deploys, set rotationGuard to "
        f"false for one `pulumi up` with the slots the stack deployed (pulumi stack output), which writes a new one "
        f"{_README}",
    )


def first_deploy_note(names: RecordNames) -> str:
    return (
        f"secret rotation: no rotation record at {names.path} and no distribution tagged with it: this component's "
        "first deploy, judged by nothing; it writes the record. (A stack renamed, or deployed by 0.2.0 without this "
        f"repository's program, looks the same: README, Rotating the secret, Upgrading from 0.2.0)"
    )


def unreadable(error: RecordError, names: RecordNames) -> SettingError:
    return SettingError(
        "rotationGuard",
        True,
        f"the rotation record in AWS ({names.intent}, {names.settled}) is unreadable: {error}. Restore it, or, "
        f"accepting that this deploy may refuse requests while CloudFront deploys, set rotationGuard to false for "
        f"one `pulumi up`, which writes a new one {_README}",
    )
