"""The replacement table's rules that the switches do not exercise (issue 20 review, LOW): each the provider's own,
pure functions, no program run."""

from __future__ import annotations

import dataclasses

import pytest

from offline.replacements import Unmodelled, diff
from offline.snapshot import ResourceSnapshot
from offline.steps import deletes_first

INSTANCE = "aws:ec2/instance:Instance"
RECORD = "aws:route53/record:Record"


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("t3.micro", "t3.small", "update"),  # a stop/start
        ("t3.micro", "m7i.large", "update"),
        ("t4g.micro", "m7g.large", "update"),
        ("a1.large", "c6gn.large", "update"),  # A1 is Graviton too
        ("t3.micro", "t4g.micro", "replace"),  # ForceNewIf: no CPU architecture in common
        ("m7g.large", "g4dn.xlarge", "replace"),  # g4dn: x86 with GPUs, not Graviton
        ("mac1.metal", "mac2.metal", "replace"),
    ],
)
def test_an_instance_type_replaces_the_instance_only_across_cpu_architectures(old: str, new: str, kind: str) -> None:
    found = diff(INSTANCE, {"instanceType": old}, {"instanceType": new})
    assert found.kind == kind
    if kind == "update":
        assert found.disruption == "the instance is stopped, changed and started"
    else:
        assert found.because == (
            "instanceType to another CPU architecture (ForceNewIf, "
            "hashicorp/terraform-provider-aws internal/service/ec2/ec2_instance.go)",
        )


def test_a_record_changes_type_and_set_identifier_in_place_and_its_zone_or_name_by_replacement() -> None:
    old = {"zoneId": "Z1", "name": "origin.example.com", "type": "A", "setIdentifier": "a"}
    assert diff(RECORD, old, {**old, "type": "CNAME"}).kind == "update"
    assert diff(RECORD, old, {**old, "setIdentifier": "b"}).kind == "update"
    assert diff(RECORD, old, {**old, "name": "other.example.com"}).kind == "replace"
    assert diff(RECORD, old, {**old, "zoneId": "Z2"}).kind == "replace"
    with pytest.raises(Unmodelled, match="'weightedRoutingPolicies'"):
        diff(RECORD, old, {**old, "weightedRoutingPolicies": [{"weight": 1}]})


def parameter(**inputs: object) -> ResourceSnapshot:
    return ResourceSnapshot("urn:x::p", "aws:ssm/parameter:Parameter", "p", True, "", "", "p", inputs, {})


def test_a_name_the_program_sets_on_an_autonamed_property_is_deleted_before_its_replacement() -> None:
    """pulumi-terraform-bridge's nameRequiresDeleteBeforeReplace: the new parameter could not take the name."""
    assert deletes_first(parameter(name="/origin/rotation"))
    assert not deletes_first(parameter(type="String"))
    assert deletes_first(dataclasses.replace(parameter(type="String"), delete_before_replace=True))


@pytest.mark.parametrize(
    ("type_token", "old", "new", "kind"),
    [
        # What a switch changes on a stack with monitoring on: an alarm's load balancer, the event patterns naming
        # the origin's groups, the probe's environment, the dashboard.
        ("aws:cloudwatch/metricAlarm:MetricAlarm", {"dimensions": {"LoadBalancer": "a"}}, {"dimensions": {}}, "update"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", {"name": "a"}, {"name": "b"}, "replace"),
        ("aws:cloudwatch/eventRule:EventRule", {"eventPattern": "{}"}, {"eventPattern": "[]"}, "update"),
        ("aws:lambda/function:Function", {"environment": {"variables": {}}}, {"environment": None}, "update"),
        ("aws:cloudwatch/dashboard:Dashboard", {"dashboardBody": "{}"}, {"dashboardBody": "[]"}, "update"),
        ("aws:lambda/permission:Permission", {"sourceArn": "a"}, {"sourceArn": "b"}, "replace"),
        ("aws:sns/topicSubscription:TopicSubscription", {"endpoint": "a@x"}, {"endpoint": "b@x"}, "replace"),
        ("aws:sns/topic:Topic", {"region": "us-east-1"}, {"region": "eu-west-1"}, "replace"),
    ],
)
def test_monitorings_resources_follow_their_providers_rules(
    type_token: str, old: dict[str, object], new: dict[str, object], kind: str
) -> None:
    """Issue 20 review (combinations with monitoring): a switch of a stack with monitoring on stopped the checker
    with "no replacement rules for aws:sns/topic:Topic"; each monitoring type now has its provider's rules."""
    assert diff(type_token, old, new).kind == kind
