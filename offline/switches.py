"""Every documented switch of settings, checked step by step for the path CloudFront uses.

A switch is one `pulumi up` from a stack deployed with some settings to the same stack with others. For each,
:func:`check` runs the program under the mocks with both (offline/mocks.py), asks the provider's replacement
rules and Pulumi's step order what the engine will do (offline/replacements.py, offline/steps.py), and then looks
at every point the engine can reach while it does it (offline/serving.py):

* before the distribution's update has started, CloudFront sends every request the old way: the old path must
  serve;
* while the distribution deploys (from when everything it waits for is done until it is Deployed, which
  ``wait_for_deployment`` makes the engine wait for), edge locations use either configuration: both must serve;
* after it, the new path must serve, until the end (deletes included).

The points: after each step together with everything that must precede it (the earliest moment that step can be
done), during each update that stops a resource, everything that may run before the distribution moves, and the
end. Steps run in parallel in any order, so these are the states the engine can reach, not one schedule.

At each point it also checks what would make `pulumi up` itself fail half-way: two prefix-list rules in one
group over the rules quota, a replacement created next to the resource it replaces under the same fixed name.

:data:`SWITCHES` lists the switches the README documents; ``python -m offline.switches`` prints the table of what
each costs, as the README's "Changing settings on a running stack" gives it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from offline import serving
from offline.mocks import (
    MOCK_OTHER_PRIVATE_CA_ARN,
    MOCK_PRIVATE_CA_ARN,
    MOCK_RSA_PRIVATE_CA_ARN,
    EngineState,
    operate,
    run_program,
)
from offline.serving import (
    CERTIFICATE,
    DISTRIBUTION,
    INGRESS,
    LB,
    VPC_ORIGIN,
    Live,
    UnmodelledPath,
    World,
    serves,
)
from offline.snapshot import ProgramRun, reveal
from offline.steps import Plan, Step, custom_resources, plan

SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"

# Rules per security group (default quota L-0EA8095F) and a managed prefix list's weight: aws-facts.md,
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
RULES_PER_GROUP = 60
PREFIX_LIST_WEIGHT = 55
# Physical names that must be unique, by type: two resources under one name at once fail. A replacement of one the
# program names is deleted first by the bridge (steps.AUTONAMED: a gap, which the path checks see, not a failure);
# this catches two URNs claiming one name (a rename, two components).
FIXED_NAMES: Mapping[str, str] = {"aws:ssm/parameter:Parameter": "name"}

NONE = "none"
BOOTING = "while the new instance boots (about a minute: the engine moves on once it runs, not once it serves)"
HEALTH_CHECKED = (
    "while the new targets await their first health check (up to about 15 s, at edges already on the new configuration)"
)
CACHED_AAAA = (
    "up to 60 s at edges still on the old configuration that cached the load balancer's IPv6 addresses (its DNS "
    "records' TTL)"
)
# What a viewer may see while a path that will serve is not yet ready, by the kind serving.py reports.
SOFT = {serving.BOOTING: BOOTING, serving.CACHED_AAAA: CACHED_AAAA, serving.HEALTH_CHECK: HEALTH_CHECKED}
# A failure of the update itself that can come only after CloudFront has moved, which `make up` retries.
RETRY = "retry"
RETRIED = (
    "; the update may stop at its end on CloudFront's 409 or network interfaces of the old VPC origin: `make up` "
    "cleans up and runs it again"
)

TLS = {"originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC"}
OTHER_HEADER = {"originHeaderName": "X-Other-Verify"}
ALB_TLS = {"architecture": "alb", **TLS}
ALB_MTLS = {**ALB_TLS, "originMtls": True}
# A timeline for origin mTLS's switches, 40 days before a CA generation starts (origin_mtls_plan.EPOCH + 360 days):
# the stack deployed with HTTPS, then origin mTLS on (CloudFront presents), a day later the listener verifies.
_T = datetime(2026, 11, 17, 6, 0, tzinfo=timezone.utc)
_MTLS_ON = ((ALB_TLS, _T), (ALB_MTLS, _T + timedelta(hours=1)))
_MTLS_VERIFIED = (*_MTLS_ON, (ALB_MTLS, _T + timedelta(days=1)))
_MTLS_RENEWED = (*_MTLS_VERIFIED, (ALB_MTLS, _T + timedelta(days=32)))
# Switches of CA source and key type (issue 22's review, finding 3): the verified stack moved to a Private CA a day
# later, then back an hour after that, to another Private CA, or to an RSA one (ACM re-imports only the same key type).
ALB_MTLS_PCA = {**ALB_MTLS, "originMtlsPrivateCaArn": MOCK_PRIVATE_CA_ARN}
ALB_MTLS_PCA_2 = {**ALB_MTLS, "originMtlsPrivateCaArn": MOCK_OTHER_PRIVATE_CA_ARN}
ALB_MTLS_PCA_RSA = {**ALB_MTLS, "originMtlsPrivateCaArn": MOCK_RSA_PRIVATE_CA_ARN}
_MTLS_PCA = (*_MTLS_VERIFIED, (ALB_MTLS_PCA, _T + timedelta(days=2)))


def _mtls() -> list[Switch]:
    return [
        Switch("alb + originDomain: originMtls off -> on", ALB_TLS, ALB_MTLS, _MTLS_ON[:1], _MTLS_ON[1][1]),
        Switch(
            "alb + originMtls: the listener verifies (the next deploy)",
            ALB_MTLS,
            ALB_MTLS,
            _MTLS_ON,
            _MTLS_VERIFIED[-1][1],
        ),
        Switch(
            "alb + originMtls: client certificate renewed (30 days on)",
            ALB_MTLS,
            ALB_MTLS,
            _MTLS_VERIFIED,
            _MTLS_RENEWED[-1][1],
        ),
        Switch(
            "alb + originMtls: CA step (a new generation, every 360 days)",
            ALB_MTLS,
            ALB_MTLS,
            _MTLS_RENEWED,
            _T + timedelta(days=41),
        ),
        Switch("alb + originDomain: originMtls on -> off", ALB_MTLS, ALB_TLS, _MTLS_VERIFIED, _T + timedelta(days=2)),
        Switch(
            "alb + originMtls: the stack's CA -> a Private CA",
            ALB_MTLS,
            ALB_MTLS_PCA,
            _MTLS_VERIFIED,
            _MTLS_PCA[-1][1],
        ),
        Switch(
            "alb + originMtls: a Private CA -> the stack's CA (an hour later)",
            ALB_MTLS_PCA,
            ALB_MTLS,
            _MTLS_PCA,
            _T + timedelta(days=2, hours=1),
        ),
        Switch(
            "alb + originMtls: a Private CA -> another Private CA",
            ALB_MTLS_PCA,
            ALB_MTLS_PCA_2,
            _MTLS_PCA,
            _T + timedelta(days=3),
        ),
        Switch(
            "alb + originMtls: key type ECDSA -> RSA (an RSA Private CA)",
            ALB_MTLS_PCA,
            ALB_MTLS_PCA_RSA,
            _MTLS_PCA,
            _T + timedelta(days=3),
        ),
    ]


@dataclass(frozen=True)
class Switch:
    """One documented change of settings on a deployed stack."""

    name: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    # Origin mTLS reads back what the stack deployed and plans on the deploy's clock: the deploys that made the
    # `before` stack, each (settings, clock), run with the engine's state between them; the switch is then one more
    # deploy of `after` at ``at``. Empty: one run of each, as every other switch.
    history: tuple[tuple[Mapping[str, Any], datetime], ...] = ()
    at: datetime | None = None


def _rotation(architecture: str) -> list[Switch]:
    base = {"architecture": architecture}
    one = {**base, "secretSlots": ["v1"], "activeSecretSlot": "v1"}
    learn = {**base, "secretSlots": ["v1", "v2"], "activeSecretSlot": "v1"}
    send = {**base, "secretSlots": ["v1", "v2"], "activeSecretSlot": "v2"}
    retire = {**base, "secretSlots": ["v2"], "activeSecretSlot": "v2"}
    return [
        Switch(f"{architecture}: rotation step 1 (the origin learns v2)", one, learn),
        Switch(f"{architecture}: rotation step 2 (CloudFront sends v2)", learn, send),
        Switch(f"{architecture}: rotation step 3 (v1 retired)", send, retire),
    ]


SWITCHES: tuple[Switch, ...] = (
    Switch("architecture alb -> direct", {"architecture": "alb"}, {"architecture": "direct"}),
    Switch("architecture direct -> alb", {"architecture": "direct"}, {"architecture": "alb"}),
    Switch("alb: vpcOrigin false -> true", {"architecture": "alb"}, {"architecture": "alb", "vpcOrigin": True}),
    Switch("alb: vpcOrigin true -> false", {"architecture": "alb", "vpcOrigin": True}, {"architecture": "alb"}),
    Switch(
        "alb + originDomain: vpcOrigin false -> true",
        {"architecture": "alb", **TLS},
        {"architecture": "alb", **TLS, "vpcOrigin": True},
    ),
    Switch(
        "alb + originDomain: vpcOrigin true -> false",
        {"architecture": "alb", **TLS, "vpcOrigin": True},
        {"architecture": "alb", **TLS},
    ),
    Switch(
        "direct: vpcOrigin false -> true", {"architecture": "direct"}, {"architecture": "direct", "vpcOrigin": True}
    ),
    Switch(
        "direct: vpcOrigin true -> false", {"architecture": "direct", "vpcOrigin": True}, {"architecture": "direct"}
    ),
    Switch("alb: waf off -> on", {"architecture": "alb"}, {"architecture": "alb", "waf": True}),
    Switch("alb: waf on -> off", {"architecture": "alb", "waf": True}, {"architecture": "alb"}),
    Switch("alb: originIpv6 off -> on", {"architecture": "alb"}, {"architecture": "alb", "originIpv6": True}),
    Switch("alb: originIpv6 on -> off", {"architecture": "alb", "originIpv6": True}, {"architecture": "alb"}),
    Switch("alb: originDomain set (HTTPS to the origin)", {"architecture": "alb"}, {"architecture": "alb", **TLS}),
    Switch("alb: originDomain removed", {"architecture": "alb", **TLS}, {"architecture": "alb"}),
    Switch(
        "alb + vpcOrigin: originDomain set (HTTPS to the origin)",
        {"architecture": "alb", "vpcOrigin": True},
        {"architecture": "alb", "vpcOrigin": True, **TLS},
    ),
    Switch(
        "alb + vpcOrigin: originDomain removed",
        {"architecture": "alb", "vpcOrigin": True, **TLS},
        {"architecture": "alb", "vpcOrigin": True},
    ),
    Switch("alb: originHeaderName changed", {"architecture": "alb"}, {"architecture": "alb", **OTHER_HEADER}),
    Switch(
        "alb + waf: originHeaderName changed",
        {"architecture": "alb", "waf": True},
        {"architecture": "alb", "waf": True, **OTHER_HEADER},
    ),
    Switch("direct: originHeaderName changed", {"architecture": "direct"}, {"architecture": "direct", **OTHER_HEADER}),
    *_rotation("alb"),
    *_rotation("direct"),
    Switch("alb: instanceCount 2 -> 3", {"architecture": "alb"}, {"architecture": "alb", "instanceCount": 3}),
    Switch("alb: instanceCount 3 -> 2", {"architecture": "alb", "instanceCount": 3}, {"architecture": "alb"}),
    Switch("alb: instanceType changed", {"architecture": "alb"}, {"architecture": "alb", "instanceType": "t3.small"}),
    Switch(
        "direct: instanceType changed",
        {"architecture": "direct"},
        {"architecture": "direct", "instanceType": "t3.small"},
    ),
    Switch("alb: appPort changed", {"architecture": "alb"}, {"architecture": "alb", "appPort": 8081}),
    Switch("direct: appPort changed", {"architecture": "direct"}, {"architecture": "direct", "appPort": 8081}),
    *_mtls(),
)


@dataclass(frozen=True)
class Problem:
    """The path a configuration needs does not serve at one point (or `pulumi up` itself fails there)."""

    point: str
    # "current": the configuration CloudFront had before; "new": the one it moves to; "engine": the update fails.
    configuration: str
    why: str
    booting: bool = False
    # For a path that serves after a while (booting): what it waits for (serving.SOFT_KINDS).
    kind: str = ""


@dataclass
class SwitchResult:
    switch: Switch
    plan: Plan
    problems: list[Problem] = field(default_factory=list)

    @property
    def interruption(self) -> str:
        """What a viewer sees, in one line: ``none``, the boot of a new instance, or the first outage."""
        retried = RETRIED if any(p.kind == RETRY for p in self.problems) else ""
        problems = [p for p in self.problems if p.kind != RETRY]
        hard = [p for p in problems if not p.booting]
        if not problems:
            return NONE + retried
        if not hard:
            kinds = {p.kind for p in problems}
            return next(SOFT[kind] for kind in serving.SOFT_KINDS if kind in kinds) + retried
        first = hard[0]
        if first.configuration == "engine":
            return f"`pulumi up` fails: {first.why}"
        if first.configuration == "current":
            return f"outage until CloudFront has moved: {first.why}"
        return f"outage once CloudFront uses the new path: {first.why}"


class _Walk:
    """The states of one plan, built on demand from the state before it."""

    def __init__(self, result: Plan) -> None:
        self.plan = result
        self.order = result.topological()
        self.position = {step: index for index, step in enumerate(self.order)}
        self.old = custom_resources(result.before)
        self.new = custom_resources(result.after)
        self.initial = World(
            ancestors={
                self.position[step]: frozenset(self.position[a] for a in result.ancestors(step)) for step in self.order
            }
        )
        for resource in self.old.values():
            self.initial.add(resource, 0, None)
        self.distribution_urn = next((urn for urn, r in self.new.items() if r.type == DISTRIBUTION), None)
        self.old_distribution = next((live for live in self.initial.live.values() if live.type == DISTRIBUTION), None)
        self.moves = next(
            (
                s
                for s in self.order
                if s.urn == self.distribution_urn and s.op in ("update", "replace-create", "create")
            ),
            None,
        )

    def state(self, done: set[Step], stopped: Sequence[Step] = ()) -> World:
        """The world once the steps ``done`` are, with the resources of ``stopped`` (updates running that stop
        them) out of service."""
        world = self.initial.copy()
        for step in self.order:
            if step in done:
                self.apply(world, step)
        for step in stopped:
            latest = world.latest(step.urn)
            if latest is not None:
                del world.live[latest.key]
        return world

    def apply(self, world: World, step: Step) -> None:
        index = self.position[step]
        if step.op == "create":
            world.add(self.new[step.urn], world.generations.get(step.urn, -1) + 1, index)
        elif step.op == "update":
            current = world.latest(step.urn)
            assert current is not None, step
            if current.type in (CERTIFICATE, LB):
                # A re-imported certificate: CloudFront may present the one before for a while. A load balancer's
                # addresses: a resolver may have cached the ones it had.
                world.superseded.setdefault(step.urn, []).append(current.inputs)
            del world.live[current.key]
            world.add(self.new[step.urn], current.generation, current.created_by)
        elif step.op == "replace-create":
            world.add(self.new[step.urn], world.generations.get(step.urn, -1) + 1, index)
        elif step.op == "replace-delete":
            oldest = min((k for k in world.live if k[0] == step.urn), key=lambda k: k[1])
            del world.live[oldest]
        elif step.op == "delete":
            for key in [k for k in world.live if k[0] == step.urn]:
                del world.live[key]

    def configurations(self, done: set[Step], world: World) -> list[tuple[str, Live]]:
        """The distribution configurations edge locations may use in this state."""
        if self.old_distribution is None or self.distribution_urn is None:
            raise UnmodelledPath("a switch from a stack without a distribution")
        if self.moves is None:
            current = world.latest(self.distribution_urn)
            return [("current", current)] if current is not None else []
        if self.moves in done:
            current = world.latest(self.distribution_urn)
            return [("new", current)] if current is not None else []
        found = [("current", self.old_distribution)]
        if self.plan.predecessors[self.moves] <= done:
            # Everything the update waits for is done: it may be deploying, edges use either configuration.
            resource = self.new[self.distribution_urn]
            inputs = reveal(dict(resource.inputs))
            found.append(
                ("new", Live(resource.urn, -1, resource.type, resource.name, inputs, {}, world.resolve(resource)))
            )
        return found


def check(switch: Switch, runs: dict[str, ProgramRun] | None = None) -> SwitchResult:
    """Walk ``switch``'s steps and report every point where a path CloudFront may use does not serve."""
    runs = runs if runs is not None else {}
    if switch.history:
        before, after = _deploys(switch, runs)
    else:
        before = _run(switch.before, runs)
        after = _run(switch.after, runs, deployed=before)
    return check_plan(switch, plan(before, after))


def check_plan(switch: Switch, result: Plan) -> SwitchResult:
    walk = _Walk(result)
    report = SwitchResult(switch, result)
    seen: set[tuple[str, str]] = set()

    def judge(point: str, done: set[Step], stopped: Sequence[Step] = ()) -> None:
        world = walk.state(done, stopped)
        for why, kind in _engine_failures(world, walk):
            if ("engine", why) not in seen:
                seen.add(("engine", why))
                report.problems.append(Problem(point, "engine", why, booting=kind == RETRY, kind=kind))
        for configuration, distribution in walk.configurations(done, world):
            verdict = serves(world, distribution)
            if verdict.ok and not verdict.booting:
                continue
            if (configuration, verdict.why) in seen:
                continue
            seen.add((configuration, verdict.why))
            report.problems.append(Problem(point, configuration, verdict.why, booting=verdict.ok, kind=verdict.kind))

    judge("before the update", set())
    for step in walk.order:
        if step.op == "same":
            continue
        ancestors = set(result.ancestors(step))
        if _disrupts(step):
            # Every update that stops its resource and may run at the same time as this one (the engine runs
            # independent steps in parallel: two instances changed in place are stopped together).
            together = [
                other
                for other in walk.order
                if _disrupts(other) and step not in result.ancestors(other) and other not in result.ancestors(step)
            ]
            done = set().union(*(result.ancestors(other) for other in together))
            judge(
                f"while the engine does: {step} ({step.diff.disruption if step.diff else ''})", done, stopped=together
            )
        judge(f"once the engine did: {step}", ancestors | {step})
    if walk.moves is not None:
        successors = {s for s in walk.order if walk.moves in result.ancestors(s)}
        judge("everything that may run before CloudFront has moved", set(walk.order) - successors - {walk.moves})
    judge("at the end", set(walk.order))
    return report


def _ipv6_in_use(world: World) -> list[str]:
    """AWS removes a VPC's IPv6 block only once no subnet has one, a subnet's only once nothing in it has an IPv6
    address (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html): the disassociation fails."""
    found = []
    subnets = list(world.of_type(SUBNET))
    for vpc in world.of_type(VPC):
        if not vpc.inputs.get("assignGeneratedIpv6CidrBlock") and any(
            s.inputs.get("ipv6CidrBlock") and vpc.key in s.refs.get("vpcId", ()) for s in subnets
        ):
            found.append(f"{vpc.name} loses its IPv6 block while its subnets still have theirs")
    for balancer in world.of_type(LB):
        if balancer.inputs.get("ipAddressType") != "dualstack":
            continue
        for subnet in world.refs(balancer, "subnets", SUBNET):
            if not subnet.inputs.get("ipv6CidrBlock"):
                found.append(f"{subnet.name} loses its IPv6 block while dual-stack {balancer.name} has addresses in it")
    return found


def _disrupts(step: Step) -> bool:
    return step.op == "update" and step.diff is not None and step.diff.disruption is not None


def _engine_failures(world: World, walk: _Walk) -> list[tuple[str, str]]:
    """What AWS refuses in this state: a group over the rules quota, two resources under one fixed name (``""``:
    the update fails); and what it may refuse for a while once CloudFront has moved (:data:`RETRY`)."""
    return [(why, "") for why in _refused(world)] + [(why, RETRY) for why in _let_go(world, walk)]


def _let_go(world: World, walk: _Walk) -> list[str]:
    """A VPC origin of the stack as it was is gone in this state: deleting it right after the distribution moved can
    answer 409 for a while (CloudFront still counts the association: tools/vpc_origin_cleanup.py says what is known),
    and CloudFront's network interfaces of it outlive it for minutes, blocking the deletion of their subnet
    (aws-facts.md, "CloudFront VPC origins: teardown"). The engine does not retry either; `make up` does."""
    return [
        f"{live.name} is deleted right after CloudFront moved off it"
        for live in walk.initial.of_type(VPC_ORIGIN)
        if live.key not in world.live
    ]


def _duplicate_rules(world: World) -> list[str]:
    """Two rules that say the same (group, source, protocol, ports) at once: AWS refuses the second
    (InvalidPermission.Duplicate, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), so a
    replacement created next to an identical rule fails."""
    seen: dict[tuple[Any, ...], Live] = {}
    found = []
    for type_token in (INGRESS, serving.EGRESS):
        for rule in world.of_type(type_token):
            inputs = rule.inputs
            # A peer group by the generation the rule points at (an offline run gives a replaced group the same id).
            source = tuple(
                rule.refs.get(k) or inputs.get(k)
                for k in ("prefixListId", "referencedSecurityGroupId", "cidrIpv4", "cidrIpv6")
            )
            for group in rule.refs.get("securityGroupId", ()):
                key = (
                    type_token,
                    group,
                    source,
                    inputs.get("ipProtocol"),
                    inputs.get("fromPort"),
                    inputs.get("toPort"),
                )
                if key in seen and seen[key].key != rule.key:
                    found.append(f"{rule.name} would duplicate {seen[key].name} (InvalidPermission.Duplicate)")
                seen.setdefault(key, rule)
    return found


def _shared_priorities(world: World) -> list[str]:
    """Two rules of one listener with one priority at once: AWS refuses the second (PriorityInUse,
    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html), so a new header rule
    must not take the priority of the rule it replaces (load_balancer.secret_rule_identity)."""
    holders: dict[tuple[Any, Any], list[str]] = {}
    for rule in world.of_type(serving.LISTENER_RULE):
        for listener in rule.refs.get("listenerArn", ()):
            holders.setdefault((listener, rule.inputs.get("priority")), []).append(rule.name)
    return [
        f"listener {listener[0].rsplit('::', 1)[-1]} would hold rules {' and '.join(sorted(names))} of one priority "
        f"{priority} (PriorityInUse)"
        for (listener, priority), names in holders.items()
        if len(names) > 1
    ]


def _refused(world: World) -> list[str]:
    found = []
    weights: dict[tuple[str, int], int] = {}
    for rule in world.of_type(INGRESS):
        for key in rule.refs.get("securityGroupId", ()):
            weights[key] = weights.get(key, 0) + (PREFIX_LIST_WEIGHT if rule.inputs.get("prefixListId") else 1)
    for key, weight in sorted(weights.items()):
        if weight > RULES_PER_GROUP:
            found.append(
                f"security group {key[0].rsplit('::', 1)[-1]} would hold ingress rules of weight {weight} "
                f"(quota {RULES_PER_GROUP}: RulesPerSecurityGroupLimitExceeded)"
            )
    found.extend(_ipv6_in_use(world))
    found.extend(_duplicate_rules(world))
    found.extend(_shared_priorities(world))
    for type_token, prop in FIXED_NAMES.items():
        names: dict[str, int] = {}
        for live in world.of_type(type_token):
            value = str(live.inputs.get(prop))
            names[value] = names.get(value, 0) + 1
        found.extend(f"two {type_token} named {n} at once (one name, two resources)" for n, c in names.items() if c > 1)
    return found


def _run(config: Mapping[str, Any], runs: dict[str, ProgramRun], deployed: ProgramRun | None = None) -> ProgramRun:
    """One run at up per configuration. The deployed stack's outputs are what the rotation guard judges a step
    against (a configuration reached by a valid step passes it); they change nothing else the program registers,
    so a configuration's run serves every switch that starts or ends with it."""
    key = json.dumps(config, sort_keys=True)
    if key not in runs:
        outputs = dict(deployed.stack_outputs) if deployed is not None else None
        runs[key] = run_program(dict(config), deployed_outputs=outputs)
    return runs[key]


_STATES: dict[str, tuple[EngineState, ProgramRun]] = {}


def _deploys(switch: Switch, runs: dict[str, ProgramRun]) -> tuple[ProgramRun, ProgramRun]:
    """The `before` stack as its deploys left it (the engine's state between them, each at its clock), and the
    switch's own deploy from there. Shared prefixes are run once."""
    state: EngineState | None = None
    before: ProgramRun | None = None
    key = ""
    assert switch.at is not None
    for config, moment in (*switch.history, (switch.after, switch.at)):
        key += json.dumps([config, moment.isoformat()], sort_keys=True)
        if key not in _STATES:
            result = operate("up", dict(config), state, now=moment)
            if result.error is not None:
                raise result.error
            _STATES[key] = (result.after, result.run)
        previous = before
        state, before = _STATES[key]
        if moment == switch.at:
            assert previous is not None
            return previous, before
    raise AssertionError("unreachable")


def table(results: Sequence[SwitchResult]) -> list[str]:
    """The README's table rows: switch | interruption."""
    lines = ["| switch | interruption (measured by `python -m offline.switches`) |", "| --- | --- |"]
    lines.extend(f"| {r.switch.name} | {r.interruption} |" for r in results)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline.switches", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--verbose", action="store_true", help="every step and every problem of each switch")
    options = parser.parse_args(argv)
    runs: dict[str, ProgramRun] = {}
    results = [check(switch, runs) for switch in SWITCHES]
    for line in table(results):
        print(line)
    if options.verbose:
        for result in results:
            print(f"\n## {result.switch.name}")
            for step in result.plan.changes():
                because = f" ({', '.join(step.diff.because)})" if step.diff and step.diff.because else ""
                print(f"  - {step}{because}")
            for problem in result.problems:
                print(f"  ! [{problem.configuration}] {problem.point}: {problem.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
