"""Every documented switch keeps CloudFront's path serving, as the model of the provider and the engine says; the
README states what each costs; and the checker finds each way the component used to get it wrong."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509

from offline import switches
from offline.snapshot import ProgramRun, ResourceSnapshot, reveal
from offline.steps import plan
from offline.switches import BOOTING, NONE, SWITCHES, Switch, SwitchResult, check, check_plan

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
        "alb: vpcOrigin true -> false",
        "alb + originDomain: vpcOrigin false -> true",
        "alb + originDomain: vpcOrigin true -> false",
        "direct: vpcOrigin false -> true",
        "alb: waf off -> on",
        "alb: waf on -> off",
        "alb: originIpv6 off -> on",
        "alb: originIpv6 on -> off",
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
    assert found.interruption == BOOTING
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


def test_two_prefix_list_rules_in_one_group_fail_the_update() -> None:
    """Created first, a port change of the prefix-list rule would put 110 of 60 rules in one group."""

    def create_first(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-origin-ipv4-ingress-1":
            return dataclasses.replace(resource, replace_on_changes=("fromPort", "toPort"))
        return resource

    found = mutated("alb: originDomain set (HTTPS to the origin)", create_first)
    assert found.interruption == (
        "`pulumi up` fails: security group origin-origin-ipv4 would hold ingress rules of weight 110 "
        "(quota 60: RulesPerSecurityGroupLimitExceeded)"
    )


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
    verifying = before.by_name("origin-listener").inputs["mutualAuthentication"]

    def left(resource: ResourceSnapshot) -> ResourceSnapshot:
        if resource.name == "origin-listener":
            return with_inputs(resource, mutualAuthentication=verifying)
        return resource

    found = check_plan(mtls_switch(name), plan(before, edited_run(after, left)))
    assert found.interruption.startswith("outage once CloudFront uses the new path: "), found.interruption


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
