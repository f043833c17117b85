"""Monitoring under the engine-like mocks: every alarm pinned (metric, namespace, region, dimensions, statistic,
threshold, period, evaluation, missing data, action), the change rules' EventBridge patterns, the probe
function, the guard's permission and endpoint, and the dashboard, for both architectures, with and without
vpcOrigin and WAF; and what turning monitoring on or off does to a stack.

The expected alarms are written out here as a table, independently of monitoring.plan_alarms.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudfront_origin_lockdown import monitoring
from cloudfront_origin_lockdown.args import settings_from_args
from cloudfront_origin_lockdown.monitoring import (
    assumed_role_prefix,
    bounded,
    dashboard_name,
    dashboard_url,
    security_group_change_pattern,
    topic_policy,
)
from cloudfront_origin_lockdown.origin_mtls_plan import CLIENT_RENEW_WITHIN
from cloudfront_origin_lockdown.origin_probe import lambda_handler as probe
from cloudfront_origin_lockdown.settings import MonitoringSettings, SettingError
from offline.mocks import ACCOUNT_ID, run_program
from offline.snapshot import UNKNOWN, ProgramRun, ResourceSnapshot, contains_unknown, reveal
from tests.components.mtls_world import MTLS, deployed_pair

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
SUBSCRIPTION_METRICS = "aws:cloudfront/monitoringSubscription:MonitoringSubscription"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INSTANCE = "aws:ec2/instance:Instance"
SG = "aws:ec2/securityGroup:SecurityGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LB_RULE = "aws:lb/listenerRule:ListenerRule"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
PASSWORD = "random:index/randomPassword:RandomPassword"
ACM = "aws:acm/certificate:Certificate"
MONITORING_TYPES = {ALARM, TOPIC, SUBSCRIPTION, TOPIC_POLICY, RULE, TARGET, FUNCTION, PERMISSION, LOG_GROUP}
MONITORING_TYPES |= {DASHBOARD, SUBSCRIPTION_METRICS}

STACK = "cloudfront-origin-lockdown/dev/origin"
NAMESPACE = "CloudFrontOriginLockdown"
EMAIL = "ops+origin@example.com"
DEPLOY_ROLE = "arn:aws:iam::123456789012:role/ci/github-deploy"

_runs: dict[str, ProgramRun] = {}


def run(preview: bool = False, region: str = "us-east-1", **config: Any) -> ProgramRun:
    key = json.dumps([config, preview, region], sort_keys=True)
    if key not in _runs:
        _runs[key] = run_program(config, preview=preview, region=region)
    return _runs[key]


# (architecture, waf, vpcOrigin): every combination the component builds.
SHAPES = [
    pytest.param("alb", False, False, id="alb"),
    pytest.param("alb", True, False, id="alb-waf"),
    pytest.param("alb", False, True, id="alb-vpcOrigin"),
    pytest.param("alb", True, True, id="alb-waf-vpcOrigin"),
    pytest.param("direct", False, False, id="direct"),
    pytest.param("direct", False, True, id="direct-vpcOrigin"),
]


def monitored(architecture: str, waf: bool, vpc_origin: bool, **more: Any) -> ProgramRun:
    config: dict[str, Any] = {"architecture": architecture, "monitoring": True, **more}
    if waf:
        config["waf"] = True
    if vpc_origin:
        config["vpcOrigin"] = True
    return run(**config)


def everything(architecture: str) -> ProgramRun:
    """Every monitoring setting at once (one run serves several tests): the paid metrics, the deploying role,
    an address; with alb the WAF too."""
    extra: dict[str, Any] = {"waf": True} if architecture == "alb" else {}
    return run(
        architecture=architecture,
        alarmEmail=EMAIL,
        cloudfrontAdditionalMetrics=True,
        deployRoleArn=DEPLOY_ROLE,
        **extra,
    )


def inputs(resource: ResourceSnapshot) -> dict[str, Any]:
    return dict(reveal(resource.inputs))


def outputs(resource: ResourceSnapshot) -> dict[str, Any]:
    return dict(reveal(resource.outputs))


# --- every alarm, pinned --------------------------------------------------------------------------------------

# key: (namespace, metric, statistic, threshold, period, evaluation periods, datapoints, missing data, region)
# "cf" is CloudFront's region (us-east-1); None the stack's own.
ALARM_TABLE: dict[str, tuple[str, str, str, float, int, int, int, str, str | None]] = {
    "cdn-5xx": ("AWS/CloudFront", "5xxErrorRate", "Average", 5, 60, 5, 5, "notBreaching", "cf"),
    "cdn-4xx": ("AWS/CloudFront", "4xxErrorRate", "Average", 50, 60, 5, 5, "notBreaching", "cf"),
    "cdn-504": ("AWS/CloudFront", "504ErrorRate", "Average", 5, 60, 5, 5, "notBreaching", "cf"),
    "cdn-403": ("AWS/CloudFront", "403ErrorRate", "Average", 50, 60, 5, 5, "notBreaching", "cf"),
    "probe-cloudfront": (NAMESPACE, "ProbeFailed", "Maximum", 1, 300, 3, 2, "missing", None),
    "probe-origin": (NAMESPACE, "ProbeFailed", "Maximum", 1, 300, 3, 1, "missing", None),
    "probe-network": (NAMESPACE, "ProbeFailed", "Maximum", 1, 300, 3, 1, "missing", None),
    "origin-refused/alb": (
        "AWS/ApplicationELB",
        "HTTP_Fixed_Response_Count",
        "Sum",
        1,
        300,
        1,
        1,
        "notBreaching",
        None,
    ),
    "waf-refused": ("AWS/WAFV2", "BlockedRequests", "Sum", 1, 300, 1, 1, "notBreaching", None),
    "origin-refused/direct": (NAMESPACE, "OriginForbidden", "Sum", 1, 300, 1, 1, "notBreaching", None),
    "guard-failing": (NAMESPACE, "GuardExitCode", "Minimum", 1, 300, 2, 2, "missing", None),
    # Origin mTLS's client certificate, in ACM in us-east-1: at most 50 days left (renewal due at 60, the weekly
    # deploy within 7, 3 days' slack), the lowest of a day's datapoints, either of the last two days.
    "mtls-certificate": ("AWS/CertificateManager", "DaysToExpiry", "Minimum", 50, 86400, 2, 1, "missing", "cf"),
}
# Every alarm fires at or above its threshold but this one, at or below.
AT_OR_BELOW = {"mtls-certificate"}


def expected_alarms(architecture: str, waf: bool, vpc_origin: bool, additional: bool, mtls: bool = False) -> set[str]:
    keys = {"cdn-5xx", "cdn-4xx", "probe-cloudfront", "probe-origin"}
    keys |= {"mtls-certificate"} if mtls else set()
    keys |= {"cdn-504", "cdn-403"} if additional else set()
    keys |= set() if vpc_origin else {"probe-network"}
    if architecture == "alb":
        keys |= {"origin-refused/alb"} | ({"waf-refused"} if waf else set())
    else:
        keys |= {"origin-refused/direct", "guard-failing"}
    return keys


def expected_dimensions(key: str, program: ProgramRun, region: str) -> dict[str, str]:
    if key.startswith("cdn-"):
        return {"DistributionId": program.one(DISTRIBUTION).id, "Region": "Global"}
    if key.startswith("probe-"):
        return {"Stack": STACK, "Check": key.removeprefix("probe-")}
    if key == "origin-refused/alb":
        [balancer] = program.of_type(LB)
        suffix = outputs(balancer)["arn"].split(":loadbalancer/")[1]
        assert suffix.startswith("app/")
        return {"LoadBalancer": suffix}
    if key == "mtls-certificate":
        [certificate] = [c for c in program.of_type(ACM) if c.name == "origin-mtls-client"]
        return {"CertificateArn": outputs(certificate)["arn"]}
    if key == "waf-refused":
        return {"WebACL": outputs(program.one(WEB_ACL))["name"], "Region": region, "Rule": "originDefault"}
    return {"Stack": STACK}


def topic_in(program: ProgramRun, region: str) -> str:
    [topic] = [t for t in program.of_type(TOPIC) if outputs(t)["arn"].split(":")[3] == region]
    return str(outputs(topic)["arn"])


def check_alarms(program: ProgramRun, keys: set[str], region: str) -> None:
    alarms = {a.name.removeprefix("origin-alarm-"): inputs(a) for a in program.of_type(ALARM)}
    table_key = {key.split("/")[0]: key for key in keys}
    assert set(alarms) == set(table_key)
    for short, spec in alarms.items():
        key = table_key[short]
        namespace, metric, statistic, threshold, period, evaluations, datapoints, missing, where = ALARM_TABLE[key]
        alarm_region = "us-east-1" if where == "cf" else region
        topic = topic_in(program, alarm_region)
        assert {
            "name": spec["name"],
            "namespace": spec["namespace"],
            "metricName": spec["metricName"],
            "dimensions": spec["dimensions"],
            "statistic": spec["statistic"],
            "comparisonOperator": spec["comparisonOperator"],
            "threshold": spec["threshold"],
            "period": spec["period"],
            "evaluationPeriods": spec["evaluationPeriods"],
            "datapointsToAlarm": spec["datapointsToAlarm"],
            "treatMissingData": spec["treatMissingData"],
            "region": spec.get("region"),
            "actionsEnabled": spec["actionsEnabled"],
            "alarmActions": spec["alarmActions"],
            "insufficientDataActions": spec.get("insufficientDataActions", []),
            "okActions": spec.get("okActions", []),
        } == {
            "name": f"{STACK} {short}",
            "namespace": namespace,
            "metricName": metric,
            "dimensions": expected_dimensions(key, program, region),
            "statistic": statistic,
            "comparisonOperator": "LessThanOrEqualToThreshold"
            if key in AT_OR_BELOW
            else "GreaterThanOrEqualToThreshold",
            "threshold": threshold,
            "period": period,
            "evaluationPeriods": evaluations,
            "datapointsToAlarm": datapoints,
            "treatMissingData": missing,
            "region": "us-east-1" if where == "cf" else None,
            "actionsEnabled": True,
            "alarmActions": [topic],
            # A metric that must keep coming: its silence notifies too. No recovery mails.
            "insufficientDataActions": [topic] if missing == "missing" else [],
            "okActions": [],
        }, key
        # Each says what it means and why, within AWS's 1,024 characters.
        assert 80 < len(spec["alarmDescription"]) <= 1024, key


@pytest.mark.parametrize(("architecture", "waf", "vpc_origin"), SHAPES)
def test_every_alarm_is_pinned(architecture: str, waf: bool, vpc_origin: bool) -> None:
    program = monitored(architecture, waf, vpc_origin)
    check_alarms(program, expected_alarms(architecture, waf, vpc_origin, additional=False), "us-east-1")
    assert program.of_type(SUBSCRIPTION_METRICS) == []


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_cloudfronts_additional_metrics_add_their_alarms_and_the_subscription(architecture: str) -> None:
    program = everything(architecture)
    check_alarms(program, expected_alarms(architecture, architecture == "alb", False, additional=True), "us-east-1")
    subscription = inputs(program.one(SUBSCRIPTION_METRICS))
    assert subscription == {
        "distributionId": program.one(DISTRIBUTION).id,
        "monitoringSubscription": {
            "realtimeMetricsSubscriptionConfig": {"realtimeMetricsSubscriptionStatus": "Enabled"}
        },
    }


def test_with_origin_mtls_its_client_certificates_expiry_is_watched() -> None:
    """Both deploys that turn origin mTLS on (CloudFront presents, then the listener verifies): the expiry alarm on
    the certificate ACM holds in us-east-1, the probe told the state (the fourth check once verified), and the
    dashboard's widget with the renewal and alarm lines."""
    presented, verified = deployed_pair({**MTLS, "monitoring": True})
    for program, state in ((presented, "presented"), (verified, "verified")):
        assert program.stack_outputs["originMtls"] == state
        check_alarms(program, expected_alarms("alb", False, False, additional=False, mtls=True), "us-east-1")
        variables = inputs(program.one(FUNCTION))["environment"]["variables"]
        assert variables["ORIGIN_PROBE_ORIGIN_MTLS"] == state
        body = json.loads(inputs(program.one(DASHBOARD))["dashboardBody"])
        check_layout(body["widgets"])
        [expiry] = [w for w in body["widgets"] if "DaysToExpiry" in json.dumps(w)]
        [certificate] = [c for c in program.of_type(ACM) if c.name == "origin-mtls-client"]
        assert expiry["properties"]["region"] == "us-east-1" and expiry["properties"]["period"] == 86400
        assert expiry["properties"]["metrics"] == [
            ["AWS/CertificateManager", "DaysToExpiry", "CertificateArn", outputs(certificate)["arn"]]
        ]
        assert [line["value"] for line in expiry["properties"]["annotations"]["horizontal"]] == [60, 50]
        [text] = [w for w in body["widgets"] if w["type"] == "text"]
        assert ("client certificate" in text["properties"]["markdown"]) is (state == "verified")
    # The threshold follows the renewal rule: below where a stack that deploys weekly ever gets.
    assert monitoring.MTLS_EXPIRY_THRESHOLD_DAYS == CLIENT_RENEW_WITHIN.days - 7 - 3 == 50
    # Without origin mTLS: no such alarm (test_every_alarm_is_pinned), and the probe is told "off".


def test_in_another_region_cloudfronts_alarms_and_their_topic_are_in_us_east_1() -> None:
    """An alarm notifies a topic of its own region only: two topics, two email subscriptions."""
    program = run(region="eu-west-1", architecture="alb", waf=True, alarmEmail=EMAIL)
    check_alarms(program, expected_alarms("alb", True, False, additional=False), "eu-west-1")
    topics = {t.name: inputs(t).get("region") for t in program.of_type(TOPIC)}
    assert topics == {"origin-alarms": None, "origin-cloudfront-alarms": "us-east-1"}
    subscriptions = {s.name: inputs(s) for s in program.of_type(SUBSCRIPTION)}
    assert {name: (spec["protocol"], spec["endpoint"], spec.get("region")) for name, spec in subscriptions.items()} == {
        "origin-alarms-email": ("email", EMAIL, None),
        "origin-cloudfront-alarms-email": ("email", EMAIL, "us-east-1"),
    }
    assert program.stack_outputs["alarmTopicArns"] == {
        "eu-west-1": topic_in(program, "eu-west-1"),
        "us-east-1": topic_in(program, "us-east-1"),
    }
    # The probe, the change rule and the dashboard are in the stack's region.
    for token in (FUNCTION, DASHBOARD, RULE):
        assert all("region" not in r.inputs for r in program.of_type(token)), token
    assert program.stack_outputs["dashboardUrl"].startswith(
        "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#"
    )


def test_in_us_east_1_one_topic_serves_every_alarm() -> None:
    program = everything("alb")
    assert [t.name for t in program.of_type(TOPIC)] == ["origin-alarms"]
    assert [inputs(s)["endpoint"] for s in program.of_type(SUBSCRIPTION)] == [EMAIL]
    assert {arn for a in program.of_type(ALARM) for arn in inputs(a)["alarmActions"]} == {
        topic_in(program, "us-east-1")
    }


def test_topics_accept_only_this_accounts_alarms_and_change_rules() -> None:
    program = run(region="eu-west-1", architecture="alb", waf=True, alarmEmail=EMAIL)
    rules = sorted(str(outputs(r)["arn"]) for r in program.of_type(RULE) if "eventPattern" in r.inputs)
    policies = {p.name: (inputs(p)["arn"], json.loads(inputs(p)["policy"])) for p in program.of_type(TOPIC_POLICY)}
    assert set(policies) == {"origin-alarms-policy", "origin-cloudfront-alarms-policy"}
    for name, (arn, policy) in policies.items():
        region = arn.split(":")[3]
        statements = {s["Sid"]: s for s in policy["Statement"]}
        assert statements["CloudWatchAlarms"] == {
            "Sid": "CloudWatchAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": arn,
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
            },
        }
        if name == "origin-alarms-policy":
            assert statements["OriginChangeRules"]["Principal"] == {"Service": "events.amazonaws.com"}
            assert statements["OriginChangeRules"]["Condition"] == {"ArnEquals": {"aws:SourceArn": rules}}
            # The groups', the load balancer's and the web ACL's.
            assert len(rules) == 3
        else:
            assert set(statements) == {"CloudWatchAlarms"}
        # Nobody else: no wildcard principal.
        assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in policy["Statement"])


# --- changes to the origin's groups and their attachments ----------------------------------------------------


def ids(program: ProgramRun, token: str, field: str = "id") -> list[str]:
    return sorted(str(r.id if field == "id" else outputs(r)[field]) for r in program.of_type(token))


def pattern_of(program: ProgramRun, name: str) -> dict[str, Any]:
    [rule] = [r for r in program.of_type(RULE) if r.name == name]
    pattern: dict[str, Any] = json.loads(inputs(rule)["eventPattern"])
    [target] = [t for t in program.of_type(TARGET) if t.name == f"{name}-target"]
    # Sent to the stack region's topic, as a mail of who called what, when, on which resource: never the call's
    # parameters (test_a_change_mail_never_holds_the_secret).
    spec = inputs(target)
    transformer = spec.pop("inputTransformer")
    assert spec == {"rule": outputs(rule)["name"], "arn": topic_in(program, "us-east-1")}
    assert set(transformer) == {"inputPaths", "inputTemplate"}
    assert all(not path.endswith(".requestParameters") for path in transformer["inputPaths"].values())
    return pattern


@pytest.mark.parametrize(("architecture", "waf", "vpc_origin"), SHAPES)
def test_the_security_group_change_rule_names_this_stacks_ids(architecture: str, waf: bool, vpc_origin: bool) -> None:
    program = monitored(architecture, waf, vpc_origin)
    groups = ids(program, SG)
    names = ids(program, SG, "name")
    interfaces = ids(program, INSTANCE, "primaryNetworkInterfaceId")
    instances = ids(program, INSTANCE)
    assert groups and interfaces and instances
    assert len(names) == len(groups) and all(name.startswith("origin-") for name in names)
    assert pattern_of(program, "origin-sg-changes") == {
        "source": ["aws.ec2"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["ec2.amazonaws.com"],
            "$or": [
                {
                    "eventName": [
                        "AuthorizeSecurityGroupIngress",
                        "AuthorizeSecurityGroupEgress",
                        "RevokeSecurityGroupIngress",
                        "RevokeSecurityGroupEgress",
                        "UpdateSecurityGroupRuleDescriptionsIngress",
                        "UpdateSecurityGroupRuleDescriptionsEgress",
                    ],
                    "requestParameters": {"groupId": groups},
                },
                # In a default VPC the calls that take GroupName may name the group instead.
                {
                    "eventName": [
                        "AuthorizeSecurityGroupIngress",
                        "RevokeSecurityGroupIngress",
                        "UpdateSecurityGroupRuleDescriptionsIngress",
                        "UpdateSecurityGroupRuleDescriptionsEgress",
                    ],
                    "requestParameters": {"groupName": names},
                },
                {
                    "eventName": ["ModifySecurityGroupRules"],
                    "requestParameters": {"ModifySecurityGroupRulesRequest": {"GroupId": groups}},
                },
                {
                    "eventName": ["ModifyNetworkInterfaceAttribute"],
                    "requestParameters": {"networkInterfaceId": interfaces},
                },
                {
                    "eventName": ["ModifyInstanceAttribute", "AttachNetworkInterface"],
                    "requestParameters": {"instanceId": instances},
                },
            ],
        },
    }
    load_balancer_rules = [r for r in program.of_type(RULE) if r.name == "origin-lb-changes"]
    web_acl_rules = [r for r in program.of_type(RULE) if r.name == "origin-waf-changes"]
    if architecture == "direct":
        assert load_balancer_rules == [] and web_acl_rules == []
        return
    if waf:
        assert pattern_of(program, "origin-waf-changes") == {
            "source": ["aws.wafv2"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["wafv2.amazonaws.com"],
                "$or": [
                    {
                        "eventName": ["UpdateWebACL", "DeleteWebACL"],
                        "requestParameters": {"name": [outputs(program.one(WEB_ACL))["name"]], "scope": ["REGIONAL"]},
                    },
                    {
                        "eventName": ["AssociateWebACL", "DisassociateWebACL"],
                        "requestParameters": {"resourceArn": [outputs(program.one(LB))["arn"]]},
                    },
                ],
            },
        }
    else:
        assert web_acl_rules == []
    [balancer], [listener], [header_rule] = program.of_type(LB), program.of_type(LISTENER), program.of_type(LB_RULE)
    assert pattern_of(program, "origin-lb-changes") == {
        "source": ["aws.elasticloadbalancing"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["elasticloadbalancing.amazonaws.com"],
            "$or": [
                {
                    "eventName": ["SetSecurityGroups"],
                    "requestParameters": {"loadBalancerArn": [outputs(balancer)["arn"]]},
                },
                {
                    "eventName": ["ModifyListener", "DeleteListener", "CreateRule"],
                    "requestParameters": {"listenerArn": [outputs(listener)["arn"]]},
                },
                {
                    "eventName": ["ModifyRule", "DeleteRule"],
                    "requestParameters": {"ruleArn": [outputs(header_rule)["arn"]]},
                },
            ],
        },
    }


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_the_deploying_roles_own_changes_are_left_out(architecture: str) -> None:
    program = everything(architecture)
    caller = {"arn": [{"anything-but": {"prefix": "arn:aws:sts::123456789012:assumed-role/github-deploy/"}}]}
    rules = [r.name for r in program.of_type(RULE) if "eventPattern" in r.inputs]
    alb_rules = ["origin-sg-changes", "origin-lb-changes", "origin-waf-changes"]
    assert sorted(rules) == sorted(alb_rules if architecture == "alb" else ["origin-sg-changes"])
    for name in rules:
        assert pattern_of(program, name)["detail"]["userIdentity"] == caller
    unfiltered = monitored(architecture, architecture == "alb", False)
    assert all("userIdentity" not in pattern_of(unfiltered, name)["detail"] for name in rules)


@pytest.mark.parametrize(
    ("role", "prefix"),
    [
        ("arn:aws:iam::123456789012:role/deploy", "arn:aws:sts::123456789012:assumed-role/deploy/"),
        ("arn:aws:iam::123456789012:role/a/b/deploy", "arn:aws:sts::123456789012:assumed-role/deploy/"),
        ("arn:aws-cn:iam::123456789012:role/deploy", "arn:aws-cn:sts::123456789012:assumed-role/deploy/"),
        ("arn:aws-us-gov:iam::210987654321:role/x/d", "arn:aws-us-gov:sts::210987654321:assumed-role/d/"),
    ],
)
def test_a_sessions_arn_drops_the_roles_path(role: str, prefix: str) -> None:
    assert assumed_role_prefix(role) == prefix


def test_a_pattern_with_only_groups_keeps_both_group_calls() -> None:
    pattern = security_group_change_pattern(["sg-2", "sg-1"], [], [], None)
    assert [branch["eventName"][0] for branch in pattern["detail"]["$or"]] == [
        "AuthorizeSecurityGroupIngress",
        "ModifySecurityGroupRules",
    ]
    assert pattern["detail"]["$or"][0]["requestParameters"] == {"groupId": ["sg-1", "sg-2"]}


# --- the change rules against CloudTrail's events (moto's EventBridge pattern matcher) ---------------------------

ATTACKER = "arn:aws:sts::123456789012:assumed-role/admin/alice"
ROOT = "arn:aws:iam::123456789012:root"
DEPLOYER = "arn:aws:sts::123456789012:assumed-role/github-deploy/pulumi-1700000000"


def cloudtrail(source: str, name: str, parameters: dict[str, Any], caller: str = ATTACKER) -> dict[str, Any]:
    """An "AWS API Call via CloudTrail" event as EventBridge receives it (the fields the patterns read)."""
    return {
        "version": "0",
        "source": f"aws.{source}",
        "detail-type": "AWS API Call via CloudTrail",
        "region": "us-east-1",
        "time": "2026-03-02T10:00:00Z",
        "detail": {
            "eventSource": f"{source}.amazonaws.com",
            "eventName": name,
            "eventTime": "2026-03-02T10:00:00Z",
            "sourceIPAddress": "198.51.100.7",
            "requestID": "1f0c9a7e-0000-4000-8000-000000000000",
            "userIdentity": {"type": "AssumedRole", "arn": caller},
            "requestParameters": parameters,
        },
    }


def matcher(program: ProgramRun, rule: str) -> Any:
    from moto.events.models import EventPattern  # requirements-dev.txt

    return EventPattern.load(json.dumps(pattern_of(program, rule)))


def test_rule_changes_are_caught_by_id_or_by_name_from_anyone_but_the_deploying_role() -> None:
    """The review's case first: a rule added naming the group (a default VPC), not giving its id."""
    program = everything("alb")
    pattern = matcher(program, "origin-sg-changes")
    [group, *_] = ids(program, SG)
    [name, *_] = ids(program, SG, "name")
    [interface, *_] = ids(program, INSTANCE, "primaryNetworkInterfaceId")
    [instance, *_] = ids(program, INSTANCE)
    rule = {"ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443}]}}
    caught: list[tuple[str, dict[str, Any]]] = [
        ("AuthorizeSecurityGroupIngress", {"groupName": name, **rule}),
        ("AuthorizeSecurityGroupIngress", {"groupId": group, **rule}),
        ("AuthorizeSecurityGroupEgress", {"groupId": group, **rule}),
        ("RevokeSecurityGroupIngress", {"groupName": name, **rule}),
        (
            "RevokeSecurityGroupIngress",
            {"groupId": group, "securityGroupRuleIds": {"items": [{"securityGroupRuleId": "sgr-1"}]}},
        ),
        ("RevokeSecurityGroupEgress", {"groupId": group, **rule}),
        ("UpdateSecurityGroupRuleDescriptionsIngress", {"groupName": name, **rule}),
        ("UpdateSecurityGroupRuleDescriptionsIngress", {"groupId": group, **rule}),
        ("UpdateSecurityGroupRuleDescriptionsEgress", {"groupName": name, **rule}),
        ("UpdateSecurityGroupRuleDescriptionsEgress", {"groupId": group, **rule}),
        ("ModifySecurityGroupRules", {"ModifySecurityGroupRulesRequest": {"GroupId": group, "SecurityGroupRule": {}}}),
        ("ModifyNetworkInterfaceAttribute", {"networkInterfaceId": interface, "groupSet": {}}),
        ("ModifyInstanceAttribute", {"instanceId": instance, "groupSet": {}}),
        ("AttachNetworkInterface", {"networkInterfaceId": "eni-0other", "instanceId": instance, "deviceIndex": 1}),
    ]
    for call, parameters in caught:
        for caller in (ATTACKER, ROOT):
            assert pattern.matches_event(cloudtrail("ec2", call, parameters, caller)), (call, parameters, caller)
        # The stack's own deploys are left out (deployRoleArn).
        assert not pattern.matches_event(cloudtrail("ec2", call, parameters, DEPLOYER)), (call, parameters)
    other_group, other_name = "sg-0000000000other", "someone-elses-group"
    not_ours: list[tuple[str, dict[str, Any]]] = [
        ("AuthorizeSecurityGroupIngress", {"groupName": other_name, **rule}),
        ("AuthorizeSecurityGroupIngress", {"groupId": other_group, **rule}),
        ("ModifyNetworkInterfaceAttribute", {"networkInterfaceId": "eni-0other", "groupSet": {}}),
        # Calls that change nothing of ours: a new group, reading the groups.
        ("CreateSecurityGroup", {"groupName": name, "groupDescription": "x"}),
        ("DescribeSecurityGroups", {"groupId": group}),
        ("DescribeSecurityGroups", {"groupName": name}),
    ]
    for call, parameters in not_ours:
        assert not pattern.matches_event(cloudtrail("ec2", call, parameters)), (call, parameters)


def test_web_acl_and_association_changes_are_caught() -> None:
    program = everything("alb")
    pattern = matcher(program, "origin-waf-changes")
    acl = outputs(program.one(WEB_ACL))
    balancer = outputs(program.one(LB))["arn"]
    ours = {"name": acl["name"], "scope": "REGIONAL", "id": program.one(WEB_ACL).id, "lockToken": "t"}
    caught = [
        ("UpdateWebACL", {**ours, "defaultAction": {"allow": {}}, "rules": []}),
        ("DeleteWebACL", ours),
        # Another web ACL put on the load balancer replaces ours; none leaves the listener alone.
        (
            "AssociateWebACL",
            {"webACLArn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/open/1", "resourceArn": balancer},
        ),
        ("DisassociateWebACL", {"resourceArn": balancer}),
    ]
    for call, parameters in caught:
        assert pattern.matches_event(cloudtrail("wafv2", call, parameters)), call
        assert not pattern.matches_event(cloudtrail("wafv2", call, parameters, DEPLOYER)), call
    not_ours = [
        # A CloudFront-scope web ACL of the same name, another one, another load balancer, a read.
        ("UpdateWebACL", {**ours, "scope": "CLOUDFRONT"}),
        ("UpdateWebACL", {**ours, "name": "another-acl"}),
        ("DisassociateWebACL", {"resourceArn": balancer.replace("origin", "other")}),
        ("GetWebACL", ours),
    ]
    for call, parameters in not_ours:
        assert not pattern.matches_event(cloudtrail("wafv2", call, parameters)), (call, parameters)


def test_load_balancer_changes_are_caught() -> None:
    program = everything("alb")
    pattern = matcher(program, "origin-lb-changes")
    [listener], [header_rule] = program.of_type(LISTENER), program.of_type(LB_RULE)
    balancer = outputs(program.one(LB))["arn"]
    for call, parameters in [
        ("SetSecurityGroups", {"loadBalancerArn": balancer, "securityGroups": ["sg-1"]}),
        ("ModifyListener", {"listenerArn": outputs(listener)["arn"], "defaultActions": []}),
        ("CreateRule", {"listenerArn": outputs(listener)["arn"], "priority": 1}),
        ("ModifyRule", {"ruleArn": outputs(header_rule)["arn"], "conditions": []}),
        ("DeleteRule", {"ruleArn": outputs(header_rule)["arn"]}),
    ]:
        assert pattern.matches_event(cloudtrail("elasticloadbalancing", call, parameters)), call
        assert not pattern.matches_event(cloudtrail("elasticloadbalancing", call, parameters, DEPLOYER)), call


def transformed(target: ResourceSnapshot, event: dict[str, Any]) -> str:
    """What EventBridge's input transformer makes of ``event`` for ``target`` (JSON paths in dot notation, each
    placeholder replaced by its value; a path the event lacks gives nothing), as the mail's text."""
    spec = inputs(target)["inputTransformer"]
    template: str = spec["inputTemplate"]
    placeholders = set(re.findall(r"<([A-Za-z0-9_]+)>", template))
    assert placeholders == set(spec["inputPaths"])
    for key, path in spec["inputPaths"].items():
        assert path.startswith("$.") and "[" not in path
        value: Any = event
        for part in path[2:].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        assert not isinstance(value, dict | list), (key, path)
        template = template.replace(f"<{key}>", "" if value is None else str(value))
    text = json.loads(template)
    assert isinstance(text, str)
    return text


def test_a_change_mail_never_holds_the_secret() -> None:
    """ELB's ModifyRule and CreateRule carry the header values in their conditions, WAF's UpdateWebACL in its
    rules: the mail says who called what on which resource, and leaves the parameters to CloudTrail."""
    program = everything("alb")
    [secret, *_] = [outputs(p)["result"] for p in program.of_type(PASSWORD)]
    targets = {t.name.removesuffix("-target"): t for t in program.of_type(TARGET) if "inputTransformer" in t.inputs}
    assert set(targets) == {"origin-sg-changes", "origin-lb-changes", "origin-waf-changes"}
    [header_rule] = program.of_type(LB_RULE)
    condition = {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Origin-Verify", "values": [secret]}}
    acl = outputs(program.one(WEB_ACL))
    byte_match = {"byteMatchStatement": {"searchString": secret, "fieldToMatch": {"singleHeader": {"name": "x"}}}}
    [name, *_] = ids(program, SG, "name")
    for rule, event, subject in [
        (
            "origin-lb-changes",
            cloudtrail(
                "elasticloadbalancing",
                "ModifyRule",
                {"ruleArn": outputs(header_rule)["arn"], "conditions": [condition]},
            ),
            outputs(header_rule)["arn"],
        ),
        (
            "origin-waf-changes",
            cloudtrail(
                "wafv2",
                "UpdateWebACL",
                {"name": acl["name"], "scope": "REGIONAL", "rules": [{"statement": byte_match}]},
            ),
            acl["name"],
        ),
        (
            "origin-sg-changes",
            # Whatever a rule says (a description pasted with the value, say) stays out too.
            cloudtrail(
                "ec2",
                "AuthorizeSecurityGroupIngress",
                {"groupName": name, "ipPermissions": {"items": [{"ipRanges": {"items": [{"description": secret}]}}]}},
            ),
            name,
        ),
    ]:
        assert secret in json.dumps(event)
        text = transformed(targets[rule], event)
        assert secret not in text
        assert event["detail"]["eventName"] in text and ATTACKER in text and subject in text
        assert "1f0c9a7e-0000-4000-8000-000000000000" in text and STACK in text


# --- the probe ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("architecture", "waf", "vpc_origin"), SHAPES)
def test_the_probe_function_runs_make_verifys_checks_on_a_schedule(
    architecture: str, waf: bool, vpc_origin: bool
) -> None:
    program = monitored(architecture, waf, vpc_origin)
    function = program.one(FUNCTION)
    spec = inputs(function)
    code = spec.pop("code")
    assert {k: spec[k] for k in ("runtime", "architectures", "handler", "timeout", "memorySize")} == {
        "runtime": "python3.12",
        "architectures": ["arm64"],
        "handler": "origin_probe.lambda_handler.handler",
        # Above the worst run (lambda_handler.run_seconds: every request bounded in all).
        "timeout": 120,
        "memorySize": 128,
    }
    outs = program.stack_outputs
    assert spec["environment"] == {
        "variables": {
            "ORIGIN_PROBE_URL": outs["url"],
            "ORIGIN_PROBE_ORIGIN_URL": outs["originUrl"],
            "ORIGIN_PROBE_HEADER_NAME": "X-Origin-Verify",
            "ORIGIN_PROBE_ARCHITECTURE": architecture,
            "ORIGIN_PROBE_VPC_ORIGIN": "true" if vpc_origin else "false",
            "ORIGIN_PROBE_STACK": STACK,
            "ORIGIN_PROBE_NAMESPACE": NAMESPACE,
            # No ORIGIN_PROBE_ORIGIN_MTLS without origin mTLS: the function of such a stack does not change.
        }
    }
    # No VPC: it probes from AWS's public addresses, outside CloudFront's ranges.
    assert "vpcConfig" not in spec
    # Its code is the package's origin_probe folder, file for file.
    folder = Path(monitoring.__file__).parent / "origin_probe"
    assets = code["assets"]
    assert {name: asset["text"] for name, asset in assets.items()} == {
        f"origin_probe/{file}": (folder / file).read_text()
        for file in ("__init__.py", "checks.py", "lambda_handler.py")
    }
    # Every 5 minutes, and only EventBridge's schedule may invoke it.
    [timer] = [r for r in program.of_type(RULE) if r.name == "origin-probe-timer"]
    assert inputs(timer)["scheduleExpression"] == "rate(5 minutes)"
    assert inputs(program.one(PERMISSION)) == {
        "action": "lambda:InvokeFunction",
        "function": outputs(function)["name"],
        "principal": "events.amazonaws.com",
        "sourceArn": outputs(timer)["arn"],
    }
    [target] = [t for t in program.of_type(TARGET) if t.name == "origin-probe-timer-target"]
    assert inputs(target) == {"rule": outputs(timer)["name"], "arn": outputs(function)["arn"]}
    # Its role: its own log group, and metrics in our namespace only.
    [logs] = program.of_type(LOG_GROUP)
    assert spec["loggingConfig"] == {"logFormat": "Text", "logGroup": outputs(logs)["name"]}
    assert inputs(logs)["retentionInDays"] == 30
    [policy] = [p for p in program.of_type(ROLE_POLICY) if p.name == "origin-probe-policy"]
    assert json.loads(inputs(policy)["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{outputs(logs)['arn']}:*",
        },
        {
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        },
    ]
    [role] = [r for r in program.of_type(ROLE) if r.name == "origin-probe-role"]
    assert json.loads(inputs(role)["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def test_the_probes_code_stands_alone_on_lambdas_runtime(tmp_path: Path) -> None:
    """The archive, unpacked into an empty folder and imported by a Python that has only the standard
    library on its path (Lambda's runtime adds the SDK, boto3 and botocore, imported only to publish): the handler
    Lambda calls."""
    program = monitored("alb", False, False)
    for name, asset in inputs(program.one(FUNCTION))["code"]["assets"].items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(asset["text"])
        tree = ast.parse(asset["text"])
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert all(
                    (m or "").split(".")[0] in {*sys.stdlib_module_names, "boto3", "botocore"} for m in modules
                ), name
    result = subprocess.run(
        # Lambda puts the function's folder first on the path; -I keeps this checkout's off it.
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, '.'); import origin_probe.lambda_handler as h; print(callable(h.handler))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "True\n"), result.stderr


# --- the guard's metrics ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("vpc_origin", [False, True])
def test_the_direct_instance_may_put_its_guard_metrics_and_reaches_cloudwatch(vpc_origin: bool) -> None:
    program = monitored("direct", False, vpc_origin)
    [policy] = [p for p in program.of_type(ROLE_POLICY) if p.name == "origin-publish-guard-metrics"]
    [instance_role] = [r for r in program.of_type(ROLE) if r.name == "origin-instance-role"]
    assert inputs(policy)["role"] == instance_role.id
    assert json.loads(inputs(policy)["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        }
    ]
    services = sorted(inputs(e)["serviceName"].rsplit(".", 1)[1] for e in program.of_type(ENDPOINT))
    # Behind a VPC origin the instance has no route out: CloudWatch through its own endpoint ($7.30 a month).
    assert ("monitoring" in services) is vpc_origin
    if vpc_origin:
        [endpoint] = [e for e in program.of_type(ENDPOINT) if e.name == "origin-monitoring"]
        spec = inputs(endpoint)
        [instance] = program.of_type(INSTANCE)
        assert (spec["vpcEndpointType"], spec["privateDnsEnabled"]) == ("Interface", True)
        assert spec["subnetIds"] == [inputs(instance)["subnetId"]]
        # The instance boots after the endpoints it needs.
        assert endpoint.urn in instance.dependencies
    assert all(
        p.name != "origin-publish-guard-metrics" for p in monitored("alb", False, vpc_origin).of_type(ROLE_POLICY)
    )


# --- the dashboard --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("architecture", "waf", "vpc_origin"), SHAPES)
def test_one_dashboard_shows_every_alarm_and_the_metrics_behind_them(
    architecture: str, waf: bool, vpc_origin: bool
) -> None:
    program = monitored(architecture, waf, vpc_origin)
    dashboard = inputs(program.one(DASHBOARD))
    board = dashboard_name("cloudfront-origin-lockdown", "dev", "origin")
    assert dashboard["dashboardName"] == board and board.startswith("cloudfront-origin-lockdown-dev-origin-")
    assert program.stack_outputs["dashboardUrl"] == (
        f"https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/{board}"
    )
    body = json.loads(dashboard["dashboardBody"])
    [alarms] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarms["properties"]["alarms"]) == sorted(outputs(a)["arn"] for a in program.of_type(ALARM))
    graphed = {
        (line[0], line[1]) for w in body["widgets"] if w["type"] == "metric" for line in w["properties"]["metrics"]
    }
    for alarm in program.of_type(ALARM):
        spec = inputs(alarm)
        assert (spec["namespace"], spec["metricName"]) in graphed, alarm.name
    check_layout(body["widgets"])


def check_layout(widgets: list[dict[str, Any]]) -> None:
    """Within the dashboard's 24 columns, and no two widgets on the same cells."""
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        assert widget["x"] + widget["width"] <= 24 and widget["height"] > 0
        mine = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & mine, widget.get("properties", {}).get("title")
        cells |= mine


def test_preview_registers_the_same_resources_with_unknown_ids() -> None:
    for architecture in ("alb", "direct"):
        up, preview = (
            run(architecture=architecture, monitoring=True),
            run(True, architecture=architecture, monitoring=True),
        )
        assert sorted(r.urn for r in preview.resources) == sorted(r.urn for r in up.resources)
        assert contains_unknown(inputs(preview.one(DASHBOARD))["dashboardBody"])
        assert all(contains_unknown(inputs(a)["alarmActions"]) for a in preview.of_type(ALARM))
        assert preview.stack_outputs["alarmTopicArns"] == UNKNOWN


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("eu-west-1", "console.aws.amazon.com"),
        ("cn-north-1", "console.amazonaws.cn"),
        ("us-gov-west-1", "console.amazonaws-us-gov.com"),
    ],
)
def test_the_dashboard_url_is_the_partitions_console(region: str, host: str) -> None:
    assert dashboard_url(region, "d") == f"https://{host}/cloudwatch/home?region={region}#dashboards/dashboard/d"


def test_names_stay_within_awss_limits_and_unique() -> None:
    readable = dashboard_name("my.project", "prod_1", "site")
    assert readable.startswith("my-project-prod_1-site-") and len(readable) == len("my-project-prod_1-site-") + 12
    long_a, long_b = dashboard_name("p" * 200, "s" * 100, "a"), dashboard_name("p" * 200, "s" * 100, "b")
    assert len(long_a) == len(long_b) == 255 and long_a != long_b
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,255}", n) for n in (readable, long_a, long_b))
    assert bounded("x" * 40, 40) == "x" * 40
    assert len(bounded("x" * 41, 40)) == 40 and bounded("x" * 41, 40) != bounded("x" * 42, 40)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # The review's triples: '.' becomes '-', and '-' joins the three parts.
        (("site", "prod.eu", "origin"), ("site", "prod-eu", "origin")),
        (("a-b", "c", "origin"), ("a", "b-c", "origin")),
        (("site", "prod", "a.b"), ("site", "prod", "a-b")),
    ],
)
def test_stacks_that_read_alike_get_dashboards_of_their_own(
    one: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    """Dashboard names are the account's (per region) and PutDashboard overwrites a namesake, so two stacks whose
    names read alike must not share one (nor would destroying one delete the other's)."""
    assert dashboard_name(*one) != dashboard_name(*other)
    # Still readable: the parts come first.
    assert dashboard_name(*one).startswith("-".join(one).replace(".", "-") + "-")


def test_topic_policy_without_rules_allows_only_alarms() -> None:
    policy = json.loads(topic_policy("arn:aws:sns:us-east-1:123456789012:t", []))
    assert [s["Sid"] for s in policy["Statement"]] == ["CloudWatchAlarms"]


# --- on, off, and what changes --------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["alb", "direct"])
@pytest.mark.parametrize("vpc_origin", [False, True])
def test_off_by_default_an_unchanged_stack_gets_nothing_new(architecture: str, vpc_origin: bool) -> None:
    config: dict[str, Any] = {"architecture": architecture, **({"vpcOrigin": True} if vpc_origin else {})}
    program = run(**config)
    assert {r.type for r in program.resources} & MONITORING_TYPES == set()
    assert all(not e.name.endswith("-monitoring") for e in program.of_type(ENDPOINT))
    assert all(p.name != "origin-publish-guard-metrics" for p in program.of_type(ROLE_POLICY))


@pytest.mark.parametrize("vpc_origin", [False, True])
def test_turning_monitoring_on_never_replaces_the_direct_instance(vpc_origin: bool) -> None:
    """The instance publishes its guard's metrics whatever the setting: its user data (which replaces it when
    it changes) is the same with monitoring on and off; only its role's permission differs."""
    base: dict[str, Any] = {"architecture": "direct", **({"vpcOrigin": True} if vpc_origin else {})}
    off, on = run(**base), monitored("direct", False, vpc_origin)
    [before], [after] = off.of_type(INSTANCE), on.of_type(INSTANCE)
    assert inputs(before) == inputs(after)
    assert "guard-metrics.sh" in inputs(after)["userData"]


def test_the_secret_appears_in_no_monitoring_resource() -> None:
    program = everything("alb")
    secrets = [outputs(p)["result"] for p in program.of_type(PASSWORD)]
    assert secrets and all(len(s) >= 32 for s in secrets)
    for resource in program.resources:
        if resource.type in MONITORING_TYPES or resource.name.startswith("origin-probe"):
            text = json.dumps(reveal(resource.inputs)) + json.dumps(reveal(resource.outputs))
            assert not any(s in text for s in secrets), resource.name


# --- settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, None),
        ({"monitoring": False}, None),
        ({"monitoring": True}, MonitoringSettings()),
        # An address turns monitoring on (monitoring: false is its default, not a refusal).
        ({"alarm_email": "ops@example.com"}, MonitoringSettings(alarm_email="ops@example.com")),
        (
            {"monitoring": False, "alarm_email": "o.p-s+x@sub.example.co.uk"},
            MonitoringSettings("o.p-s+x@sub.example.co.uk"),
        ),
        (
            {"monitoring": True, "cloudfront_additional_metrics": True, "deploy_role_arn": DEPLOY_ROLE},
            MonitoringSettings(cloudfront_additional_metrics=True, deploy_role_arn=DEPLOY_ROLE),
        ),
    ],
)
def test_what_turns_monitoring_on(args: dict[str, Any], expected: MonitoringSettings | None) -> None:
    assert settings_from_args(args).monitoring == expected


@pytest.mark.parametrize(
    ("args", "key", "shown"),
    [
        ({"monitoring": "yes"}, "monitoring", "yes"),
        ({"alarm_email": ""}, "alarmEmail", ""),
        ({"alarm_email": ["ops@example.com"]}, "alarmEmail", ["ops@example.com"]),
        ({"monitoring": True, "cloudfront_additional_metrics": 1}, "cloudfrontAdditionalMetrics", 1),
        ({"monitoring": True, "deploy_role_arn": "arn:aws:iam::123456789012:role/"}, "deployRoleArn", None),
    ],
)
def test_bad_monitoring_arguments_are_refused_before_any_resource(args: dict[str, Any], key: str, shown: Any) -> None:
    with pytest.raises(SettingError) as raised:
        settings_from_args(args)
    assert raised.value.key == key
    if shown is not None:
        assert raised.value.value == shown
    assert str(raised.value).startswith(f"invalid setting {key}: ")


def test_the_largest_patterns_fit_eventbridges_default_size() -> None:
    """10 instances (alb's most), 4 groups (alb with IPv6 and endpoints) of the longest names, a role of the longest
    name: within the 2,048 characters an account has unless it asked for more."""
    groups = [f"sg-{n:017x}" for n in range(4)]
    interfaces = [f"eni-{n:017x}" for n in range(10)]
    instances = [f"i-{n:017x}" for n in range(10)]
    role = "arn:aws:iam::123456789012:role/" + "team/" * 20 + "d" * 64
    # Autonamed groups: the component's name (at most 42 characters, direct's instance role sets it: settings.py),
    # the role, 7 random characters.
    names = [f"{'n' * 42}-origin-ipv{n}-abcdefg" for n in range(4)]
    pattern = monitoring.pattern_json(security_group_change_pattern(groups, interfaces, instances, role, names))
    assert 1500 < len(pattern) <= monitoring.EVENT_PATTERN_MAX == 2048
    balancer = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/origin-private-alb-1234567/"
    balancer += "0123456789abcdef"
    listener = balancer.replace(":loadbalancer/", ":listener/") + "/0123456789abcdef"
    rule = balancer.replace(":loadbalancer/", ":listener-rule/") + "/0123456789abcdef/0123456789abcdef"
    pattern = monitoring.pattern_json(monitoring.load_balancer_change_pattern(balancer, listener, rule, role))
    assert len(pattern) <= monitoring.EVENT_PATTERN_MAX
    # A web ACL's name is at most 128 characters.
    pattern = monitoring.pattern_json(monitoring.web_acl_change_pattern("w" * 128, balancer, role))
    assert len(pattern) <= monitoring.EVENT_PATTERN_MAX


# --- what the README says about monitoring ----------------------------------------------------------------------

PROJECT_DIR = Path(__file__).resolve().parents[2]


def readme_row(key: str) -> str:
    readme = (PROJECT_DIR / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith(f"| `{key}`")]
    return row


def test_the_readme_names_every_exit_code_of_the_guard() -> None:
    """The guard-failing alarm's row says what each value of the metric means: every code guard.py documents."""
    guard = (PROJECT_DIR / "components/cloudfront_origin_lockdown/origin_guard/guard.py").read_text()
    codes = set(re.findall(r"^ {1,2}(\d{1,2}) {2}\S", guard.split('"""')[1], flags=re.MULTILINE)) - {"0"}
    assert codes == {str(code) for code in range(1, 11)}
    row = readme_row("guard-failing")
    assert all(re.search(rf"\b{code} [A-Za-z`]", row) for code in codes | {"255"}), row


def test_the_additional_metrics_cost_the_same_everywhere() -> None:
    """8 additional metrics at $0.30 and two alarms at $0.10: one figure in the settings table, the Monitoring
    section, Pulumi.yaml and the argument's docstring."""
    total = f"${8 * 0.30 + 2 * 0.10:.2f}"
    assert total == "$2.60"
    readme = (PROJECT_DIR / "README.md").read_text()
    monitoring_section = readme.split("## Monitoring")[1].split("\n## ")[0]
    texts = {
        "settings table": readme_row("cloudfrontAdditionalMetrics"),
        "README Monitoring": monitoring_section,
        "Pulumi.yaml": yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"][
            "cloudfrontAdditionalMetrics"
        ]["description"],
        "args.py": (PROJECT_DIR / "components/cloudfront_origin_lockdown/args.py")
        .read_text()
        .split("cloudfront_additional_metrics: bool")[1]
        .split("deploy_role_arn")[0],
    }
    for where, text in texts.items():
        assert total in text and "$2.40" in text and "$0.20" in text, where


def test_the_probes_cost_follows_from_its_timeouts() -> None:
    """A locked origin drops the direct requests, each of which ends at the connect timeout whatever the number of
    the origin's addresses: a run is 2 of them (3 with origin mTLS verified). At 128 MB on arm64 ($0.0000133334 per
    GB-second, $0.20 per million requests: https://aws.amazon.com/lambda/pricing/), every 5 minutes."""
    runs = 30 * 24 * 3600 // monitoring.PROBE_INTERVAL_SECONDS
    assert runs == 8640

    def monthly(seconds: float) -> str:
        return f"${runs * seconds * monitoring.PROBE_MEMORY_MB / 1024 * 0.0000133334 + runs * 0.20 / 1e6:.2f}"

    run = 2 * probe.CONNECT_TIMEOUT
    assert (run, monthly(run), monthly(3 * probe.CONNECT_TIMEOUT)) == (10, "$0.15", "$0.22")
    section = (PROJECT_DIR / "README.md").read_text().split("## Monitoring")[1].split("\n## ")[0]
    assert "8,640 runs of about 10 s" in section and "| $0.15 |" in section
    assert "about 15 s ($0.22 instead of\n$0.15)" in section
