"""Every documented switch keeps CloudFront's path serving, as the model of the provider and the engine says; the
README states what each costs; and the checker finds each way the component used to get it wrong."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from offline import serving, switches
from offline.snapshot import ProgramRun, ResourceSnapshot, reveal
from offline.steps import plan
from offline.switches import (
    BOOTING,
    CACHED_AAAA,
    HEALTH_CHECKED,
    NONE,
    SWITCHES,
    Switch,
    SwitchResult,
    check,
    check_plan,
)

# Deploys over simulated time and failures: `make test-simulations` (CI runs it after `make test`).
pytestmark = pytest.mark.simulation

README = Path(__file__).resolve().parents[2] / "README.md"
RUNS: dict[str, ProgramRun] = {}
_RESULTS: dict[str, SwitchResult] = {}


def result(name: str) -> SwitchResult:
    if name not in _RESULTS:
        _RESULTS[name] = check(next(s for s in SWITCHES if s.name == name), RUNS)
    return _RESULTS[name]


def readme_rows() -> dict[str, str]:
    text = README.read_text()
    section = text.split("## Changing settings on a running stack", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("switch", "---"):
            rows[cells[0]] = cells[1]
    return rows


def test_the_readme_states_each_documented_switchs_interruption_as_measured() -> None:
    rows = readme_rows()
    assert list(rows) == [s.name for s in SWITCHES]
    for switch in SWITCHES:
        assert rows[switch.name] == result(switch.name).interruption, switch.name


@pytest.mark.parametrize(
    "name",
    [
        "alb: vpcOrigin false -> true",
        "alb + originDomain: vpcOrigin false -> true",
        "direct: vpcOrigin false -> true",
        "alb: waf off -> on",
        "alb: waf on -> off",
        "alb: originIpv6 off -> on",
        "alb: originHeaderName changed",
        "alb: instanceCount 2 -> 3",
        "alb: instanceCount 3 -> 2",
        *(s.name for s in SWITCHES if "rotation" in s.name),
    ],
)
def test_switches_without_any_interruption(name: str) -> None:
    found = result(name)
    assert found.problems == [], [dataclasses.astuple(p) for p in found.problems]
    assert found.interruption == NONE


def test_a_switch_that_moves_to_a_new_instance_costs_its_boot_and_nothing_else() -> None:
    found = result("direct: vpcOrigin true -> false")
    assert found.interruption == BOOTING + switches.RETRIED
    assert all(p.booting for p in found.problems)


def test_the_vpc_origin_switch_moves_cloudfront_only_after_the_vpc_origin_and_its_rule() -> None:
    """README ("Switching an existing stack"): the VPC origin, then the rule admitting CloudFront's service group,
    then the distribution; the public load balancer and its rules go last."""
    steps = result("alb: vpcOrigin false -> true").plan
    order = [str(step) for step in steps.changes()]
    position = {text: index for index, text in enumerate(order)}
    assert position["create origin-vpc-origin"] < position["create origin-origin-ipv4-ingress-cloudfront-vpc-origins"]
    assert position["create origin-origin-ipv4-ingress-cloudfront-vpc-origins"] < position["update origin-cdn"]
    for gone in ("delete origin-alb", "delete origin-listener", "delete origin-origin-ipv4-ingress-1"):
        assert position[gone] > position["update origin-cdn"], gone


# -- the checker finds what the component used to do ---------------------------------------------------------


def mutated(name: str, change: Callable[[ResourceSnapshot], ResourceSnapshot]) -> SwitchResult:
    """The switch with the new program's resources changed by ``change`` (the component as it was)."""
    switch = next(s for s in SWITCHES if s.name == name)
    before = switches._run(switch.before, RUNS)
    after = switches._run(switch.after, RUNS, deployed=before)
    edited = ProgramRun([change(r) for r in after.resources], after.invokes, after.stack_outputs, after.preview)
    return check_plan(switch, plan(before, edited))


def without_dependencies(resource: ResourceSnapshot, dropped: Callable[[str], bool]) -> ResourceSnapshot:
    return dataclasses.replace(resource, dependencies=tuple(d for d in resource.dependencies if not dropped(d)))


def test_an_access_rule_re_pointed_in_place_cuts_the_old_load_balancer_off() -> None:
    """Issue 20: the instances' rule kept its name and the provider updated its referenced group in place, as soon
    as the new group existed: the old, still-serving load balancer lost the instances at once."""

    def in_place(resource: ResourceSnapshot) -> ResourceSnapshot:
        return (
            dataclasses.replace(resource, replace_on_changes=())
            if resource.name == "origin-app-ingress-1"
            else resource
        )

    found = mutated("alb: vpcOrigin false -> true", in_place)
    assert found.interruption == (
        "outage until CloudFront has moved: origin-forward-with-secret forwards to origin-tg: "
        "no rule on origin-app admits origin-origin-ipv4 on port 8080"
    )


def test_a_record_repointed_before_the_distribution_moved_is_found() -> None:
    """Issue 20: with originDomain, the alias record moved to the internal load balancer while CloudFront's
    deployed configuration still resolved the name."""

    def early(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-origin-dns":
            return without_dependencies(resource, lambda urn: urn.endswith("::origin-cdn"))
        return resource

    found = mutated("alb + originDomain: vpcOrigin false -> true", early)
    assert found.interruption == (
        "outage until CloudFront has moved: origin-private-alb is internal: CloudFront's edge cannot reach it over "
        "the internet"
    )


def test_a_load_balancer_that_does_not_wait_for_its_groups_rules_is_a_race() -> None:
    def eager(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-private-alb":
            return without_dependencies(resource, lambda urn: "securityGroupEgressRule" in urn)
        return resource

    found = mutated("alb: vpcOrigin false -> true", eager)
    assert found.interruption.startswith("outage once CloudFront uses the new path: ")
    assert "no rule on origin-origin-ipv4 lets it reach origin-app" in found.interruption


def test_a_rule_forwarding_before_its_targets_are_registered_is_a_race() -> None:
    def eager(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-private-forward-with-secret":
            return without_dependencies(resource, lambda urn: "targetGroupAttachment" in urn)
        return resource

    found = mutated("alb: vpcOrigin false -> true", eager)
    assert found.interruption == (
        "outage once CloudFront uses the new path: origin-private-forward-with-secret forwards to origin-private-tg: "
        "origin-private-tg has no registered target that exists"
    )


def test_an_instance_type_changed_in_place_stops_every_instance_at_once() -> None:
    def in_place(resource: ResourceSnapshot) -> ResourceSnapshot:
        return dataclasses.replace(resource, replace_on_changes=()) if resource.type.endswith("Instance") else resource

    found = mutated("alb: instanceType changed", in_place)
    assert found.interruption == (
        "outage until CloudFront has moved: origin-forward-with-secret forwards to origin-tg: "
        "origin-tg has no registered target that exists"
    )
    assert "the instance is stopped, changed and started" in found.problems[0].point


def test_delete_before_replace_leaves_a_gap() -> None:
    def delete_first(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-app-ingress-1":
            return dataclasses.replace(resource, delete_before_replace=True)
        return resource

    found = mutated("alb: vpcOrigin false -> true", delete_first)
    assert "no rule on origin-app admits origin-origin-ipv4 on port 8080" in found.interruption


def renamed(run: ProgramRun, names: dict[str, str], before: ProgramRun | None = None) -> ProgramRun:
    """``run`` with resources renamed (URNs, and every reference to them): the component as it named them before. A
    renamed resource that ``before`` has is the same one, updated in place: it keeps its id and outputs."""
    kept = {r.name: r for r in before.resources} if before is not None else {}
    # The renamed resources' values (ids, ARNs, DNS names) as the ones they stand for have them, wherever they are used.
    values: dict[str, str] = {}
    for resource in run.resources:
        same = kept.get(names.get(resource.name, ""))
        if same is not None:
            values[resource.id] = same.id
            for key, value in resource.outputs.items():
                if isinstance(value, str) and isinstance(same.outputs.get(key), str):
                    values[value] = same.outputs[key]
        elif resource.name in names and before is None:
            # Another resource than the one it is renamed from: an id, ARN, DNS name of its own (the values that carry
            # its name or id), not the settings it echoes (a port, a prefix list, a protocol).
            old_name = names[resource.name]
            old_id = resource.id.replace(resource.name, old_name) if resource.name in resource.id else resource.id + "0"
            for value in (resource.id, *resource.outputs.values()):
                if isinstance(value, str) and resource.name in value:
                    values[value] = value.replace(resource.name, old_name)
                elif isinstance(value, str) and resource.id and resource.id in value:
                    values[value] = value.replace(resource.id, old_id)

    def swapped(value: Any) -> Any:
        if isinstance(value, str):
            return values.get(value, value)
        if isinstance(value, dict):
            return {k: swapped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swapped(v) for v in value]
        return value

    def urn(value: str) -> str:
        head, _, name = value.rpartition("::")
        return f"{head}::{names.get(name, name)}"

    def rename(resource: ResourceSnapshot) -> ResourceSnapshot:
        same = kept.get(names.get(resource.name, ""))
        if same is not None:
            resource = dataclasses.replace(resource, id=same.id, outputs=same.outputs)
        elif resource.name in names:
            resource = dataclasses.replace(resource, id=swapped(resource.id), outputs=swapped(dict(resource.outputs)))
        return dataclasses.replace(
            resource,
            inputs=swapped(dict(resource.inputs)),
            urn=urn(resource.urn),
            name=names.get(resource.name, resource.name),
            parent=urn(resource.parent) if resource.parent else resource.parent,
            dependencies=tuple(urn(d) for d in resource.dependencies),
            property_dependencies={k: tuple(urn(d) for d in v) for k, v in resource.property_dependencies.items()},
        )

    return ProgramRun([rename(r) for r in run.resources], run.invokes, run.stack_outputs, run.preview)


def switch_runs(name: str) -> tuple[Switch, ProgramRun, ProgramRun]:
    switch = next(s for s in SWITCHES if s.name == name)
    before = switches._run(switch.before, RUNS)
    return switch, before, switches._run(switch.after, RUNS, deployed=before)


HTTPS_AS_HTTP = {
    f"origin-https-{part}": f"origin-{part}"
    for part in ("alb", "tg", "tg-instance-1", "tg-instance-2", "listener", "forward-with-secret")
} | {
    "origin-https-origin-ipv4": "origin-origin-ipv4",
    "origin-https-origin-ipv4-ingress-1": "origin-origin-ipv4-ingress-1",
    "origin-https-origin-ipv4-egress-2": "origin-origin-ipv4-egress-2",
}


def test_the_protocol_switched_in_place_is_an_outage_until_cloudfront_has_moved() -> None:
    """Issue 20 review, HIGH 1: one load balancer for both protocols moved its prefix-list rule from 80 to 443 in
    place at the start of the update (before the certificate was even issued): requests failed until CloudFront had
    deployed. The HTTPS load balancer of its own keeps the HTTP path serving."""
    switch, before, after = switch_runs("alb: originDomain set (HTTPS to the origin)")
    found = check_plan(switch, plan(before, renamed(after, HTTPS_AS_HTTP, before)))
    assert found.interruption == (
        "outage until CloudFront has moved: no rule on origin-origin-ipv4 of origin-alb admits CloudFront (ipv4) on "
        "port 80"
    )
    assert result(switch.name).interruption == HEALTH_CHECKED
    assert all(p.booting for p in result(switch.name).problems)


def test_a_certificate_that_never_validates_leaves_the_http_path_serving() -> None:
    """A `pulumi up` that stops on the certificate's DNS validation (it can take hours, or never happen) has done
    everything that does not wait for it: CloudFront still uses, and still reaches, the HTTP load balancer."""
    for name in (
        "alb: originDomain set (HTTPS to the origin)",
        "alb + vpcOrigin: originDomain set (HTTPS to the origin)",
    ):
        found = result(name)
        walk = switches._Walk(found.plan)
        validation = next(s for s in walk.order if s.name == "origin-origin-cert-validated")
        stopped = {s for s in walk.order if validation in found.plan.ancestors(s)} | {validation}
        done = {s for s in walk.order if s.op not in ("delete", "replace-delete")} - stopped
        world = walk.state(done)
        ((configuration, distribution),) = walk.configurations(done, world)
        assert configuration == "current"
        assert serving.serves(world, distribution).ok, name


def test_two_prefix_list_rules_in_one_group_fail_the_update() -> None:
    """The HTTPS load balancer's rule on the HTTP one's group would put 110 of 60 rules in one group."""
    switch, before, after = switch_runs("alb: originDomain set (HTTPS to the origin)")
    shared = {"origin-https-origin-ipv4": "origin-origin-ipv4"}
    found = check_plan(switch, plan(before, renamed(after, shared, before)))
    assert found.interruption.startswith(
        "`pulumi up` fails: security group origin-origin-ipv4 would hold ingress rules of weight 110 "
        "(quota 60: RulesPerSecurityGroupLimitExceeded)"
    ), found.interruption


def test_a_header_name_changed_in_the_rule_in_place_is_an_outage() -> None:
    """Issue 20 review, MEDIUM 3: the rule's header name was updated in place before CloudFront sent the new name."""
    switch, before, after = switch_runs("alb: originHeaderName changed")
    found = check_plan(
        switch,
        plan(before, renamed(after, {"origin-forward-with-x-other-verify": "origin-forward-with-secret"}, before)),
    )
    assert found.interruption == (
        "outage until CloudFront has moved: no rule of origin-listener forwards the header value CloudFront sends"
    )


def test_the_checker_sees_header_names_on_the_instance_and_in_the_web_acl() -> None:
    """Issue 20 review, MEDIUM 4: the checker compared values only. Both outages are what the README states."""
    assert result("direct: originHeaderName changed").interruption == (
        "outage until CloudFront has moved: origin-instance-1's guard requires another header name than the one "
        "CloudFront sends"
    )
    assert result("alb + waf: originHeaderName changed").interruption == (
        "outage until CloudFront has moved: the web ACL on origin-alb blocks the value CloudFront sends"
    )


def test_a_vpc_origin_created_before_the_rule_moves_cloudfront_to_unchecked_targets() -> None:
    """Issue 20 review, MEDIUM 6: a new target serves once it passed a health check, and a target group is checked
    only once a rule uses it. The VPC origin (minutes to deploy) is created after the rule; without that wait
    CloudFront could move to targets still in their first check."""

    def eager(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-vpc-origin":
            return without_dependencies(resource, lambda urn: "listenerRule" in urn)
        return resource

    assert result("alb: vpcOrigin false -> true").interruption == NONE
    assert mutated("alb: vpcOrigin false -> true", eager).interruption == HEALTH_CHECKED
    # Without a VPC origin nothing lasts long enough between a new rule and CloudFront's move: stated, not hidden.
    assert result("alb: vpcOrigin true -> false").interruption == HEALTH_CHECKED + switches.RETRIED


def test_an_ipv6_origin_turned_off_costs_the_cached_aaaa_records_ttl() -> None:
    """Issue 20 review, MEDIUM 7: the load balancer drops its IPv6 addresses in place before CloudFront moves; an
    edge still on the dual-stack configuration may use an AAAA record its resolver cached (60 s)."""
    found = result("alb: originIpv6 on -> off")
    assert found.interruption == CACHED_AAAA
    assert {p.configuration for p in found.problems} == {"current"}


def test_the_ipv6_blocks_removed_under_a_dual_stack_load_balancer_fail_the_update() -> None:
    def forgetful(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.type in ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable"):
            return dataclasses.replace(resource, ignore_changes=())
        return resource

    found = mutated("alb: originIpv6 on -> off", forgetful)
    assert (
        found.interruption == "`pulumi up` fails: origin-vpc loses its IPv6 block while its subnets still have theirs"
    )


def test_the_table_command_prints_the_readme_rows(capsys: pytest.CaptureFixture[str]) -> None:
    rows = switches.table([result(SWITCHES[0].name)])
    assert rows[2] == f"| {SWITCHES[0].name} | {result(SWITCHES[0].name).interruption} |"
    assert re.fullmatch(r"\| switch \| .+ \|", rows[0])


def test_a_switch_from_a_stack_without_a_distribution_is_not_judged() -> None:
    empty = ProgramRun([], [], {}, False)
    with pytest.raises(ValueError, match="without a distribution"):
        check_plan(Switch("nothing", {}, {}), plan(empty, empty))


# -- origin mutual TLS: the checker finds each way its switches could refuse CloudFront ---------------------------


def mtls_switch(name: str) -> Switch:
    return next(s for s in SWITCHES if s.name == name)


def runs_of(name: str) -> tuple[ProgramRun, ProgramRun]:
    return switches._deploys(mtls_switch(name), RUNS)


def edited_run(run: ProgramRun, change: Callable[[ResourceSnapshot], ResourceSnapshot]) -> ProgramRun:
    return ProgramRun([change(r) for r in run.resources], run.invokes, run.stack_outputs, run.preview)


def with_inputs(resource: ResourceSnapshot, **changes: object) -> ResourceSnapshot:
    return dataclasses.replace(resource, inputs={**resource.inputs, **changes})


def test_the_switch_on_takes_two_deploys_because_one_would_refuse_cloudfront() -> None:
    """Verifying in the deploy that makes CloudFront present the certificate: the listener changes first."""
    before, _ = runs_of("alb + originDomain: originMtls off -> on")
    _, verified = runs_of("alb + originMtls: the listener verifies (the next deploy)")
    found = check_plan(mtls_switch("alb + originDomain: originMtls off -> on"), plan(before, verified))
    assert found.interruption.startswith("outage until CloudFront has moved: ")
    assert "verifies client certificates and CloudFront presents none" in found.interruption


def test_a_ca_step_whose_trust_store_drops_the_previous_generation_is_found() -> None:
    """CloudFront picks up a re-import without a signal: the previous generation must stay trusted."""
    name = "alb + originMtls: CA step (a new generation, every 360 days)"
    before, after = runs_of(name)
    only_new = reveal(dict(after.by_name("origin-mtls-client").inputs))["certificateChain"]

    def narrow(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.type == "aws:s3/bucketObjectv2:BucketObjectv2":
            return with_inputs(resource, content=only_new)
        return resource

    found = check_plan(mtls_switch(name), plan(before, edited_run(after, narrow)))
    assert "origin-ts does not trust origin-mtls-ca-0, which issued" in found.interruption, found.interruption


def test_mtls_turned_off_with_the_listener_left_verifying_is_found() -> None:
    """The provider keeps a mutual_authentication block that is left out: the component writes `off`."""
    name = "alb + originDomain: originMtls on -> off"
    before, after = runs_of(name)
    verifying = before.by_name("origin-https-listener").inputs["mutualAuthentication"]

    def left(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-https-listener":
            return with_inputs(resource, mutualAuthentication=verifying)
        return resource

    found = check_plan(mtls_switch(name), plan(before, edited_run(after, left)))
    assert found.interruption.startswith("outage once CloudFront uses the new path: "), found.interruption


def test_a_switch_that_deletes_a_vpc_origin_says_the_update_may_stop_at_its_end() -> None:
    """Issue 20 review, MEDIUM 9: deleting the old VPC origin right after CloudFront moved can answer 409, and
    CloudFront's interfaces of it keep a subnet busy; the table says so, and make up retries (scripts/deploy.sh)."""
    assert result("direct: vpcOrigin true -> false").interruption == BOOTING + switches.RETRIED
    assert result("alb + vpcOrigin: originDomain set (HTTPS to the origin)").interruption == NONE + switches.RETRIED
    # Creating a VPC origin deletes none.
    assert result("alb: vpcOrigin false -> true").interruption == NONE
    retried = [p for p in result("direct: vpcOrigin true -> false").problems if p.kind == switches.RETRY]
    assert [p.why for p in retried] == ["origin-vpc-origin is deleted right after CloudFront moved off it"]


def test_a_replacement_identical_to_the_rule_it_replaces_would_be_refused() -> None:
    """A rule created next to an identical one fails (InvalidPermission.Duplicate). The model no longer predicts such
    replacements (a value that only depends on a replaced resource is compared as resolved), and catches one."""

    def forced(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-app-ingress-1":
            return dataclasses.replace(resource, replace_on_changes=("*",))
        return resource

    switch, before, after = switch_runs("alb: instanceCount 2 -> 3")
    edited = ProgramRun([forced(r) for r in after.resources], after.invokes, after.stack_outputs, after.preview)
    tagged = ProgramRun(
        [
            dataclasses.replace(r, inputs={**r.inputs, "description": "changed"})
            if r.name == "origin-app-ingress-1"
            else r
            for r in edited.resources
        ],
        edited.invokes,
        edited.stack_outputs,
        edited.preview,
    )
    found = check_plan(switch, plan(before, tagged))
    assert found.interruption == (
        "`pulumi up` fails: origin-app-ingress-1 would duplicate origin-app-ingress-1 (InvalidPermission.Duplicate)"
    )


def test_an_https_stack_of_the_previous_layout_moves_to_its_own_load_balancer_without_an_outage() -> None:
    """The upgrade (CHANGELOG): an originDomain stack deployed when HTTPS used the HTTP path's names moves once to
    the `-https-` load balancer; the checker measures that move like a switch."""
    switch, _, after = switch_runs("alb: originDomain removed")
    https = switches._run(switch.before, RUNS)
    previous = renamed(https, HTTPS_AS_HTTP)
    found = check_plan(Switch("upgrade", switch.before, switch.before), plan(previous, https))
    assert found.interruption == HEALTH_CHECKED, [dataclasses.astuple(p) for p in found.problems]
    assert after is not None


def test_the_public_route_table_repairs_drift_in_its_routes() -> None:
    """Issue 20 review: routes were ignored on every stack without IPv6, so a changed IPv4 default route was never
    put back. Compared now; turning IPv6 off removes its route in place, which the switch table measures."""
    _, before, after = switch_runs("alb: originIpv6 on -> off")
    for run in (before, after):
        assert run.by_name("origin-public-rt").ignore_changes == ()
    routes = reveal(dict(after.by_name("origin-public-rt").inputs))["routes"]
    assert [r.get("cidrBlock") or r.get("ipv6CidrBlock") for r in routes] == ["0.0.0.0/0"]


def test_the_protocol_switched_in_place_behind_a_vpc_origin_is_an_outage_until_cloudfront_has_moved() -> None:
    """Issue 20 review, HIGH 2: the internal load balancer's one listener flipped from HTTP:80 to HTTPS:443 in place
    once the certificate was valid, while the distribution waited minutes for the replacement VPC origin. A listener
    (and rule) per protocol, the new ones first, keeps the HTTP path serving."""
    name = "alb + vpcOrigin: originDomain set (HTTPS to the origin)"
    switch, before, after = switch_runs(name)
    one_listener = {
        "origin-private-https-listener": "origin-private-listener",
        "origin-private-https-forward-with-secret": "origin-private-forward-with-secret",
    }
    found = check_plan(switch, plan(before, renamed(after, one_listener, before)))
    assert found.interruption == "outage until CloudFront has moved: origin-private-alb has no HTTP listener on port 80"
    assert result(name).interruption == NONE + switches.RETRIED


def test_a_new_header_rule_that_takes_the_old_rules_priority_would_be_refused() -> None:
    """Two rules of one listener cannot share a priority (PriorityInUse): the rule for a new header name, created
    while the old one still holds priority 1, needs one of its own."""

    def same_priority(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-forward-with-x-other-verify":
            return with_inputs(resource, priority=1)
        return resource

    assert result("alb: originHeaderName changed").interruption == NONE
    found = mutated("alb: originHeaderName changed", same_priority)
    assert found.interruption == (
        "`pulumi up` fails: listener origin-listener would hold rules origin-forward-with-secret and "
        "origin-forward-with-x-other-verify of one priority 1 (PriorityInUse)"
    )


def test_a_custom_header_stack_of_the_previous_layout_replaces_its_rule_new_one_first() -> None:
    """The upgrade (CHANGELOG): a stack with a custom originHeaderName had its rule under the default rule's name
    and priority 1; the rule named after the header is created (its own priority) before that one is deleted."""
    switch, _, custom = switch_runs("alb: originHeaderName changed")

    def as_before(resource: ResourceSnapshot) -> ResourceSnapshot:
        return with_inputs(resource, priority=1) if resource.name == "origin-forward-with-x-other-verify" else resource

    previous = renamed(
        edited_run(custom, as_before), {"origin-forward-with-x-other-verify": "origin-forward-with-secret"}
    )
    steps = plan(previous, custom)
    found = check_plan(Switch("upgrade", switch.after, switch.after), steps)
    assert found.interruption == NONE, [dataclasses.astuple(p) for p in found.problems]
    order = [str(step) for step in steps.changes()]
    assert order.index("create origin-forward-with-x-other-verify") < order.index("delete origin-forward-with-secret")


def test_a_re_import_from_another_ca_before_the_trust_store_holds_it_is_found() -> None:
    """Issue 22's review, finding 3: the import must wait for the trust store; without that dependency a Private CA
    switch's re-import can reach CloudFront before the listener trusts the new CA."""
    name = "alb + originMtls: a Private CA -> another Private CA"
    before, after = runs_of(name)
    store = after.by_name("origin-ts").urn
    assert store in after.by_name("origin-mtls-client-pca").dependencies

    def loose(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-mtls-client-pca":
            return dataclasses.replace(resource, dependencies=tuple(d for d in resource.dependencies if d != store))
        return resource

    found = check_plan(mtls_switch(name), plan(before, edited_run(after, loose)))
    assert "origin-ts does not trust Mock Private CA 2, which issued" in found.interruption, found.interruption


def test_a_switch_back_that_drops_the_ca_cloudfront_may_still_present_is_found() -> None:
    """The Private CA's certificate is what CloudFront presents until the distribution has moved back: its CA stays in
    the trust store (the record lists it) whatever the settings say now."""
    name = "alb + originMtls: a Private CA -> the stack's CA (an hour later)"
    before, after = runs_of(name)
    bundle = reveal(dict(after.one("aws:s3/bucketObjectv2:BucketObjectv2").inputs))["content"]
    assert "CN=Mock Private CA" in {
        c.subject.rfc4514_string() for c in x509.load_pem_x509_certificates(bundle.encode())
    }
    own = "".join(
        reveal(dict(r.outputs))["certPem"]
        for r in after.resources
        if r.type == "tls:index/selfSignedCert:SelfSignedCert"
    )

    def narrow(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.type == "aws:s3/bucketObjectv2:BucketObjectv2":
            return with_inputs(resource, content=own)
        return resource

    found = check_plan(mtls_switch(name), plan(before, edited_run(after, narrow)))
    assert "origin-ts does not trust Mock Private CA, which issued" in found.interruption, found.interruption


def test_a_key_type_change_into_the_same_acm_certificate_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """ACM re-imports only the same key type (the mocks refuse another, as ACM does): a switch to an RSA Private CA
    goes to another ACM certificate, created first."""
    from cloudfront_origin_lockdown import origin_mtls
    from offline.mocks import operate

    # The stack before the switch, as the checker's runs left it (switches._deploys caches each history's state).
    name = "alb + originMtls: key type ECDSA -> RSA (an RSA Private CA)"
    switch = mtls_switch(name)
    _, after = runs_of(name)
    assert {r.name for r in after.of_type("aws:acm/certificate:Certificate")} >= {"origin-mtls-client-pca-rsa"}
    state, _ = switches._STATES["".join(json.dumps([c, m.isoformat()], sort_keys=True) for c, m in switch.history)]
    monkeypatch.setattr(origin_mtls, "client_certificate_name", lambda name, *_: f"{name}-mtls-client-pca")
    assert switch.at is not None
    refused = operate("up", dict(switch.after), state, now=switch.at)
    assert refused.error is not None and "the key type and size cannot be changed" in str(refused.error)
