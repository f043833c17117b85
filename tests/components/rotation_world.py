"""A model of what the edges send and what the origin accepts, driven by sequences of simulated operations.

The engine's checkpoint (``offline.mocks.EngineState``) is what AWS holds after each operation: the values
of the generated passwords, the values the ALB rule, the WAF and the SSM parameter accept, the value the
distribution is configured to send. On top of it this module keeps what the checkpoint cannot show:

* **edges**: the values CloudFront's edges may still be sending. A `pulumi up` that updated the distribution
  returns only once it is Deployed (``wait_for_deployment``), so afterwards every edge sends the new value.
  A change that reached CloudFront in a failed `pulumi up` keeps deploying on its own; until
  ``PROPAGATION`` has passed, edges may send either value.
* **the direct instance's lag**: its guard reads the SSM parameter every 60 seconds, so for up to
  ``INSTANCE_LAG`` after an update it may still enforce any content the parameter had in that window.
* **WAF's propagation**: a web ACL's change reaches every place it is enforced within "a few seconds to a number
  of minutes" (aws_limits.WAF_PROPAGATION); until then old and new rules may both be met.
* **what AWS holds, not the checkpoint**: after a `pulumi up` killed while it waited for a change, AWS has the new
  configuration and the checkpoint the old (``EngineState.cloud``); every check reads what AWS holds.

For every `pulumi up`, :meth:`Deployments.up` checks the one property that matters: every value an edge may
send during or after it is accepted by every state each origin-side resource may be in meanwhile (before the
update, after it, and for the instance anything the parameter held within its lag). Any exception is
recorded in ``violations`` with the time, the value and the resource, so a test reports the window, if any.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cloudfront_origin_lockdown import aws_limits
from cloudfront_origin_lockdown.boot import BootSettings
from cloudfront_origin_lockdown.rotation_record import RecordState, parse_records, record_names
from offline.mocks import PROJECT, EngineState, Failure, OperationResult, operate, parameters_in
from offline.snapshot import reveal

PASSWORD = "random:index/randomPassword:RandomPassword"
RULE = "aws:lb/listenerRule:ListenerRule"
WAF = "aws:wafv2/webAcl:WebAcl"
PARAMETER = "aws:ssm/parameter:Parameter"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
# Resources whose change would interrupt traffic (replacement or restart): never touched by a rotation.
STABLE_TYPES = (
    "aws:ec2/instance:Instance",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:lb/listener:Listener",
    "aws:ec2/eip:Eip",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
)
# A CloudFront configuration change reaches every edge in minutes; an hour is a generous bound for one
# that a failed `pulumi up` left deploying on its own.
PROPAGATION = timedelta(hours=1)
# The instance's guard runs every refresh interval (systemd timer, AccuracySec=5s); twice that covers a
# slow run. https://www.freedesktop.org/software/systemd/man/latest/systemd.timer.html
INSTANCE_LAG = timedelta(seconds=2 * BootSettings("direct", 8080, "us-east-1").refresh_interval_seconds + 5)
# A web ACL's change may take "from a few seconds to a number of minutes" to reach everywhere it is enforced.
WAF_LAG = timedelta(seconds=aws_limits.WAF_PROPAGATION_SECONDS)


def _resources(state: EngineState, type_token: str) -> list[tuple[str, Any]]:
    """The resources of a type as AWS holds them (a killed update's new state, not the checkpoint's old one)."""
    return [(urn, entry) for urn, entry in state.in_aws().items() if entry.type == type_token]


def values_by_slot(state: EngineState) -> dict[str, str]:
    """The generated value of every slot in the checkpoint."""
    found = {}
    for urn, entry in _resources(state, PASSWORD):
        result = reveal(entry.outputs).get("result")
        if result is not None:
            found[urn.rsplit("-secret-", 1)[1]] = str(result)
    return found


def slot_of(state: EngineState, value: str) -> str:
    for slot, candidate in values_by_slot(state).items():
        if candidate == value:
            return slot
    return f"<{value[:6]}...>"


def _waf_values(statement: dict[str, Any]) -> set[str]:
    if "byteMatchStatement" in statement:
        return {statement["byteMatchStatement"]["searchString"]}
    return {value for inner in statement["orStatement"]["statements"] for value in _waf_values(inner)}


def carriers(state: EngineState) -> dict[str, frozenset[str]]:
    """What each origin-side resource accepts, as applied (its inputs in the checkpoint)."""
    found: dict[str, frozenset[str]] = {}
    for _, entry in _resources(state, RULE):
        found["alb-rule"] = frozenset(reveal(entry.inputs)["conditions"][0]["httpHeader"]["values"])
    for _, entry in _resources(state, WAF):
        [allow] = [rule for rule in reveal(entry.inputs)["rules"] if "allow" in rule["action"]]
        found["waf"] = frozenset(_waf_values(allow["statement"]))
    for _, entry in _resources(state, PARAMETER):
        inputs = reveal(entry.inputs)
        if inputs.get("type") == "SecureString":  # the list the instance reads (not the rotation record)
            found["ssm"] = frozenset(json.loads(inputs["value"]))
    return found


def accepted(state: EngineState) -> frozenset[str]:
    """Values a request may carry and pass every check (ALB rule and WAF, or the instance's nginx)."""
    sets = list(carriers(state).values())
    return frozenset.intersection(*sets) if sets else frozenset()


def sent(state: EngineState) -> str | None:
    """The value the distribution is configured to send."""
    for _, entry in _resources(state, DISTRIBUTION):
        [header] = reveal(entry.inputs)["origins"][0]["customHeaders"]
        return str(header["value"])
    return None


def record_in_aws(
    state: EngineState, name: str = "origin", stack: str = "dev", organization: str | None = None
) -> RecordState | None:
    """The component's rotation record as Parameter Store holds it in the checkpoint (what the next run reads)."""
    names = record_names(PROJECT, stack, name, organization)
    held = parameters_in(state)
    return parse_records(held.get(names.intent), held.get(names.settled))


def stable_inputs(state: EngineState) -> dict[str, Any]:
    return {urn: reveal(entry.inputs) for urn, entry in state.resources.items() if entry.type in STABLE_TYPES}


@dataclass(frozen=True)
class Violation:
    at: datetime
    value: str
    slot: str
    carrier: str

    def __str__(self) -> str:
        return f"{self.at.isoformat()}: an edge may send {self.slot}, which {self.carrier} does not accept"


@dataclass
class Deployments:
    """One stack, driven through operations at simulated times; checks every `pulumi up`."""

    config: dict[str, Any]
    state: EngineState = field(default_factory=EngineState)
    # value -> until when an edge may send it (None: for as long as the distribution is configured so).
    edges: dict[str, datetime | None] = field(default_factory=dict)
    # (since, content) of the SSM parameter, oldest first (direct); the same of the WAF's allow rule.
    parameter_history: list[tuple[datetime, frozenset[str]]] = field(default_factory=list)
    waf_history: list[tuple[datetime, frozenset[str]]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    # `pulumi up`s that changed an instance, load balancer, listener, target group or EIP (would interrupt).
    disruptions: list[str] = field(default_factory=list)
    history: list[OperationResult] = field(default_factory=list)
    # Another program than __main__.py (e.g. one using the component from pip); the Pulumi organization.
    program: Path | None = None
    organization: str | None = None

    def distribution_status(self, at: datetime) -> str:
        """What CloudFront reports: InProgress while a change a failed `pulumi up` left is still deploying."""
        return "InProgress" if any(until is not None and until > at for until in self.edges.values()) else "Deployed"

    def up(self, at: datetime, fail: Failure | None = None, environ: dict[str, str] | None = None) -> OperationResult:
        result = operate(
            "up",
            self.config,
            self.state,
            now=at,
            fail=fail,
            distribution_status=self.distribution_status(at),
            environ=environ,
            program=self.program,
            organization=self.organization,
        )
        self._check(at, result.before, result.after)
        if result.before.resources and stable_inputs(result.before) != stable_inputs(result.after):
            self.disruptions.append(f"{at.isoformat()}: a resource that carries traffic changed")
        self._advance(at, result, fail)
        return result

    def preview(self, at: datetime, environ: dict[str, str] | None = None) -> OperationResult:
        result = operate(
            "preview",
            self.config,
            self.state,
            now=at,
            distribution_status=self.distribution_status(at),
            environ=environ,
            program=self.program,
            organization=self.organization,
        )
        self.history.append(result)
        return result

    def refresh(self, at: datetime) -> OperationResult:
        """`pulumi refresh --run-program`: resources keep their state; the stack's outputs are rewritten."""
        result = operate(
            "refresh",
            self.config,
            self.state,
            now=at,
            distribution_status=self.distribution_status(at),
            program=self.program,
            organization=self.organization,
        )
        self.state = result.after
        self.history.append(result)
        return result

    def live_edges(self, at: datetime) -> set[str]:
        return {value for value, until in self.edges.items() if until is None or until > at}

    @staticmethod
    def _lagging(
        history: list[tuple[datetime, frozenset[str]]], start: datetime, new: frozenset[str] | None
    ) -> list[frozenset[str]]:
        """Every content still in effect somewhere at ``start`` or set since (a lagging copy), and ``new``."""
        window = [
            content
            for index, (_, content) in enumerate(history)
            if index == len(history) - 1 or history[index + 1][0] > start
        ]
        return [*window, *([new] if new is not None else [])]

    def _instance_states(self, at: datetime, after: EngineState) -> list[tuple[str, frozenset[str]]]:
        """Every parameter content the direct instance may enforce from ``at`` on (its lag included)."""
        contents = self._lagging(self.parameter_history, at - INSTANCE_LAG, carriers(after).get("ssm"))
        return [("instance (ssm)", content) for content in contents]

    def _waf_states(self, at: datetime, after: EngineState) -> list[tuple[str, frozenset[str]]]:
        """Every allow rule a WAF node may enforce from ``at`` on (WAF's propagation included)."""
        contents = self._lagging(self.waf_history, at - WAF_LAG, carriers(after).get("waf"))
        return [("waf", content) for content in contents]

    def _check(self, at: datetime, before: EngineState, after: EngineState) -> None:
        new_sent = sent(after)
        values = self.live_edges(at) | ({new_sent} if new_sent is not None else set())
        states: list[tuple[str, frozenset[str]]] = []
        for state in (before, after):
            states.extend((name, content) for name, content in carriers(state).items() if name not in ("ssm", "waf"))
        if "ssm" in carriers(after) or "ssm" in carriers(before):
            states.extend(self._instance_states(at, after))
        if "waf" in carriers(after) or "waf" in carriers(before):
            states.extend(self._waf_states(at, after))
        for value in sorted(values):
            for name, content in states:
                if value not in content:
                    slot = slot_of(after, value) if value in values_by_slot(after).values() else slot_of(before, value)
                    self.violations.append(Violation(at, value, slot, name))

    def _advance(self, at: datetime, result: OperationResult, fail: Failure | None = None) -> None:
        after = result.after
        new_sent = sent(after)
        changed = [
            urn for urn, entry in after.resources.items() if urn in result.changed and entry.type == DISTRIBUTION
        ]
        # The distribution's own step failed after its change reached CloudFront (e.g. the wait for Deployed, or the
        # CLI killed meanwhile).
        failed_here = (
            fail is not None
            and (fail.applied or fail.killed)
            and any(urn.endswith(f"::{fail.resource}") for urn in changed)
        )
        if new_sent is not None and changed:
            if not failed_here:
                # Its step waited for Deployed (whatever failed later): every edge has the new configuration.
                self.edges = {new_sent: None}
            else:
                # The change keeps deploying on its own: the values edges sent before fade out.
                settled = at + PROPAGATION
                self.edges = {value: min(until or settled, settled) for value, until in self.edges.items()}
                self.edges[new_sent] = None
        elif new_sent is not None and not self.edges:
            self.edges = {new_sent: None}
        for history, content in (
            (self.parameter_history, carriers(after).get("ssm")),
            (self.waf_history, carriers(after).get("waf")),
        ):
            if content is not None and (not history or history[-1][1] != content):
                history.append((at, content))
        self.state = after
        self.history.append(result)
