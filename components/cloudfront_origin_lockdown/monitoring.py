"""Know when the lock breaks: alarms, a continuous probe, alerts on changes and one dashboard.

On with ``monitoring`` or ``alarmEmail`` (README "Monitoring"); off by default, so that a stack that does not
ask for it gets no new resource and no new cost. What it builds, and why each piece is the one it is:

* **Where alarms go.** An SNS topic per region used (an alarm may only notify a topic of its own region:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-notifications.html), with an email
  subscription when ``alarmEmail`` is set. CloudFront publishes its metrics in us-east-1 only
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html:
  namespace ``AWS/CloudFront``, dimensions ``DistributionId`` and ``Region=Global``), so its alarms and their
  topic are in us-east-1 through the resources' own ``region`` argument (pulumi-aws 7), with the provider the
  component was given: a second provider would not carry the caller's credentials or assumed role.
* **Alarms** (:func:`plan_alarms`, each with its metric, threshold and why in its description): CloudFront's
  free 5xx and 4xx rates, and with ``cloudfrontAdditionalMetrics`` its paid 504 and 403 rates; the origin
  refusing requests (the ALB's fixed-response count, the WAF's default-action blocks, nginx's 403s on the
  direct instance); the direct instance's guard failing; the probe's three checks; with origin mTLS, the client
  certificate's expiry (ACM's DaysToExpiry, in us-east-1: renewal did not happen).
* **The continuous probe**: ``make verify``'s checks (origin_probe/checks.py), run every 5 minutes by a Lambda
  function whose code is this package's ``origin_probe`` folder. Lambda rather than a CloudWatch Synthetics
  canary: the checks are plain HTTP requests that need no browser, and a canary run costs $0.0012, $10.37 a
  month every 5 minutes, where the function stays inside Lambda's free tier (about $0.15 a month without it, $0.22
  with origin mTLS verified: a run takes about one connect timeout per direct request, whatever the number of the
  origin's addresses) (https://aws.amazon.com/cloudwatch/pricing/, https://aws.amazon.com/lambda/pricing/). It
  probes over IPv4 only: outside a VPC a function has no IPv6 route (lambda_handler.py).
* **Changes to the origin's security groups and their attachments**: EventBridge rules on the CloudTrail
  events of the EC2, ELB and WAF calls that add, change or remove rules or move groups, for the ids (and the
  groups' names) of this stack's groups, interfaces, instances, load balancer, listener and rule, and its web ACL
  and which web ACL guards the load balancer. Each is mailed as who called what on which resource, never with the
  call's parameters (they can hold the secret's values). EventBridge receives "AWS API Call
  via CloudTrail" events only while a trail with logging on exists in the account and region
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html); the component
  creates none (most accounts have an organization trail; a trail's first copy of management events is free,
  its S3 storage is not). The calls of ``deployRoleArn`` (the stack's own deploys) can be left out.
* **One dashboard** per stack (named from project, stack and component, with a digest of the three: dashboard
  names are the account's), its URL an output.

The guard's metrics come from the direct instance itself (origin_guard/guard-metrics.sh, published by its
boot script whether monitoring is on or not: turning monitoring on must not replace the instance); this
module grants its role ``cloudwatch:PutMetricData`` in this namespace only, and the instance behind a VPC
origin, which has no route out, reaches CloudWatch through a ``monitoring`` interface endpoint
(origin_lockdown.direct_endpoint_services, $7.30 a month).

Costs (us-east-1, https://aws.amazon.com/cloudwatch/pricing/): $0.10 per standard alarm, $0.30 per custom
metric, $0.01 per 1,000 PutMetricData calls, $3 per dashboard beyond an account's first three; SNS email
notifications are free up to 1,000 a month (https://aws.amazon.com/sns/pricing/), EventBridge rules on
AWS's own events and schedules are free (https://aws.amazon.com/eventbridge/pricing/).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from .inputs import Tags, tagged
from .origin_mtls_plan import CLIENT_RENEW_WITHIN
from .origin_probe import lambda_handler as probe
from .settings import MonitoringSettings

NAMESPACE = probe.NAMESPACE
# What the direct instance publishes after every run of its guard (origin_guard/guard-metrics.sh).
GUARD_METRIC = "GuardExitCode"
FORBIDDEN_METRIC = "OriginForbidden"
CLOUDFRONT_REGION = "us-east-1"
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName 1-255,
# AlarmDescription 0-1024); https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
# (DashboardName: letters, digits, '-' and '_', at most 255).
ALARM_NAME_MAX = 255
ALARM_DESCRIPTION_MAX = 1024
DASHBOARD_NAME_MAX = 255
_DASHBOARD_NAME_OTHER = re.compile(r"[^A-Za-z0-9_-]")
# Log group names: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
_LOG_GROUP_OTHER = re.compile(r"[^A-Za-z0-9._/#-]")

# The probe's function: the origin_probe folder as it is (standard library only; boto3 comes with the runtime).
PROBE_FOLDER = Path(__file__).resolve().parent / "origin_probe"
PROBE_PACKAGE = "origin_probe"
PROBE_FILES = ("__init__.py", "checks.py", "lambda_handler.py")
PROBE_HANDLER = f"{PROBE_PACKAGE}.lambda_handler.handler"
PROBE_RUNTIME = "python3.12"
PROBE_SCHEDULE = "rate(5 minutes)"
PROBE_INTERVAL_SECONDS = 300
# Above the worst case of one run (lambda_handler.run_seconds, checked when the function reads its environment).
PROBE_TIMEOUT_SECONDS = probe.FUNCTION_TIMEOUT_SECONDS
PROBE_MEMORY_MB = 128
PROBE_LOG_RETENTION_DAYS = 30

GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
LESS_OR_EQUAL = "LessThanOrEqualToThreshold"

# Origin mTLS's client certificate (imported into ACM in us-east-1, where CloudFront reads it): ACM publishes its
# DaysToExpiry in that region (namespace AWS/CertificateManager, dimension CertificateArn, about twice a day, no
# longer once the certificate has expired: https://docs.aws.amazon.com/acm/latest/userguide/cloudwatch-metrics.html).
# Any deploy re-imports it once it has CLIENT_RENEW_WITHIN (60 days) or less left (origin_mtls_plan.py), and the
# weekly workflow (.github/workflows/rotate-secret.yml) deploys at least every 7 days: a stack that renews never goes
# below about 53 days. The alarm fires a few days past that, at 50: renewal did not happen (a week's runs failed, or
# nothing deploys), and 50 days remain to deploy before CloudFront presents an expired certificate and the listener
# refuses it.
MTLS_DEPLOY_INTERVAL_DAYS = 7
MTLS_EXPIRY_SLACK_DAYS = 3
MTLS_EXPIRY_THRESHOLD_DAYS = CLIENT_RENEW_WITHIN.days - MTLS_DEPLOY_INTERVAL_DAYS - MTLS_EXPIRY_SLACK_DAYS
DAY_SECONDS = 86400


def stack_dimension(project: str, stack: str, name: str) -> str:
    """The ``Stack`` dimension of this stack's own metrics (the probe's, the guard's)."""
    return f"{project}/{stack}/{name}"


def bounded(text: str, limit: int) -> str:
    """``text``, or its start and a digest of the whole when it is longer than ``limit``: still unique."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{text[: max(limit - 11, 0)]}-{digest}"[-limit:]


def dashboard_name(project: str, stack: str, name: str) -> str:
    """``project-stack-name`` (each character CloudWatch does not allow as ``-``) and a digest of the exact three:
    the readable part alone is not unique ('prod.eu' and 'prod-eu' read the same, and so do 'a-b' + 'c' and 'a' +
    'b-c'), and dashboard names are the account's and region's, PutDashboard overwriting a namesake (and a destroy
    deleting it). Within CloudWatch's 255 characters."""
    digest = hashlib.sha256(json.dumps([project, stack, name]).encode("utf-8")).hexdigest()[:12]
    readable = _DASHBOARD_NAME_OTHER.sub("-", f"{project}-{stack}-{name}")
    return f"{readable[: DASHBOARD_NAME_MAX - len(digest) - 1]}-{digest}"


def dashboard_url(region: str, name: str) -> str:
    """The dashboard in the CloudWatch console (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
    CloudWatch_Dashboards.html); China and GovCloud have consoles of their own."""
    host = "console.aws.amazon.com"
    if region.startswith("cn-"):
        host = "console.amazonaws.cn"
    elif region.startswith("us-gov-"):
        host = "console.amazonaws-us-gov.com"
    return f"https://{host}/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


# --- alarms -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    """What monitoring watches, as the component built it (ids may be Outputs)."""

    architecture: str
    vpc_origin: bool
    # The stack's region (the origin's metrics, the probe, the change rules, the dashboard).
    region: str
    # The Stack dimension of the probe's and the guard's metrics (stack_dimension).
    stack: str
    distribution_id: pulumi.Input[str]
    # alb: the load balancer's ARN suffix (app/NAME/ID), the LoadBalancer dimension of AWS/ApplicationELB.
    load_balancer_suffix: pulumi.Input[str] | None = None
    # alb with waf: the web ACL's name and the metric name of its default action (waf.py).
    web_acl_name: pulumi.Input[str] | None = None
    web_acl_default_metric: str | None = None
    # Origin mutual TLS (origin_mtls.py): its state (off, presented, verified: the stack output originMtls) and, when
    # on, the ARN of the client certificate CloudFront presents (imported into ACM in us-east-1).
    origin_mtls: str = "off"
    client_certificate_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm, and why it is what it is."""

    key: str
    # What it means when it fires, and why this metric and threshold.
    summary: str
    why: str
    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str
    threshold: float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    # notBreaching: no data means nothing happened (no traffic). missing: no data means nothing was checked,
    # and after the evaluation range the alarm turns INSUFFICIENT_DATA, which notifies as well.
    treat_missing_data: str
    # The alarm's region: None is the stack's; CloudFront's metrics are in us-east-1.
    region: str | None = None
    comparison: str = GREATER_OR_EQUAL

    @property
    def heartbeat(self) -> bool:
        """A metric that must keep coming: its silence notifies (INSUFFICIENT_DATA actions)."""
        return self.treat_missing_data == "missing"

    def description(self) -> str:
        return bounded(f"{self.summary} {self.why}", ALARM_DESCRIPTION_MAX)


def _cloudfront(key: str, metric: str, threshold: float, summary: str, why: str, watched: Watched) -> AlarmSpec:
    """A rate of CloudFront's (percent of viewer requests, one datapoint a minute): 5 minutes in a row above
    the threshold, AWS's own example (monitoring-using-cloudwatch.html). No traffic, no datapoint: fine."""
    return AlarmSpec(
        key=key,
        summary=summary,
        why=why,
        namespace="AWS/CloudFront",
        metric=metric,
        dimensions={"DistributionId": watched.distribution_id, "Region": "Global"},
        statistic="Average",
        threshold=threshold,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data="notBreaching",
        region=CLOUDFRONT_REGION,
    )


def _probe(key: str, check: str, datapoints: int, summary: str, why: str, watched: Watched) -> AlarmSpec:
    """One of the probe's checks (1 failing, 0 passing, nothing when not checked), one run every 5 minutes,
    judged over the last three runs."""
    return AlarmSpec(
        key=key,
        summary=summary,
        why=why,
        namespace=NAMESPACE,
        metric=probe.METRIC,
        dimensions={probe.STACK_DIMENSION: watched.stack, probe.CHECK_DIMENSION: check},
        statistic="Maximum",
        threshold=1,
        period=PROBE_INTERVAL_SECONDS,
        evaluation_periods=3,
        datapoints_to_alarm=datapoints,
        treat_missing_data="missing",
    )


def _refused(key: str, namespace: str, metric: str, dimensions: Mapping[str, Any], summary: str) -> AlarmSpec:
    """A count of requests the origin refused for want of an accepted secret: any at all is a finding."""
    return AlarmSpec(
        key=key,
        summary=summary,
        why=(
            "Threshold 1 in 5 minutes: the security groups admit only CloudFront, so every such request came "
            "through a CloudFront distribution without an accepted secret, either this one sending a value the "
            "origin does not accept (a rotation gone wrong) or another one pointed at the origin; neither happens "
            "in normal operation."
        ),
        namespace=namespace,
        metric=metric,
        dimensions=dimensions,
        statistic="Sum",
        threshold=1,
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
    )


def plan_alarms(watched: Watched, additional_metrics: bool) -> list[AlarmSpec]:
    """Every alarm of a stack, in a fixed order (pure: the tests pin each one)."""
    alarms = [
        _cloudfront(
            "cdn-5xx",
            "5xxErrorRate",
            5,
            "CloudFront answers 5xx to 5% or more of viewer requests, 5 minutes in a row.",
            "502 and 504 are CloudFront failing to reach or to get an answer from the origin: a security group or "
            "the prefix list no longer admits CloudFront (requests time out, the story this project was born "
            "from), or the origin is down.",
            watched,
        ),
        _cloudfront(
            "cdn-4xx",
            "4xxErrorRate",
            50,
            "CloudFront answers 4xx to half or more of viewer requests, 5 minutes in a row.",
            "An origin that refuses CloudFront (it no longer accepts the secret CloudFront sends) answers 403 to "
            "every request; viewers' own 404s and bots rarely reach half of all requests.",
            watched,
        ),
    ]
    if additional_metrics:
        alarms += [
            _cloudfront(
                "cdn-504",
                "504ErrorRate",
                5,
                "CloudFront answers 504 to 5% or more of viewer requests, 5 minutes in a row (additional metric).",
                "504 is an origin that does not answer in time: packets dropped by a security group that no "
                "longer admits CloudFront's addresses.",
                watched,
            ),
            _cloudfront(
                "cdn-403",
                "403ErrorRate",
                50,
                "CloudFront answers 403 to half or more of viewer requests, 5 minutes in a row (additional metric).",
                "The origin refuses CloudFront's requests: it does not accept the secret CloudFront sends.",
                watched,
            ),
        ]
    alarms += [
        _probe(
            "probe-cloudfront",
            probe.CLOUDFRONT,
            2,
            "The probe found CloudFront not serving the site (no 2xx or 3xx) in 2 of its last 3 runs.",
            "The probe requests the site through CloudFront every 5 minutes, as make verify does; one failed run "
            "may be a blip, two are not. Its silence for 15 minutes (the function failing) notifies too.",
            watched,
        ),
        _probe(
            "probe-origin",
            probe.ORIGIN,
            1,
            "The probe reached the origin without the secret: it answered a request with no or a wrong header "
            "(or, with a VPC origin, its name has a public address).",
            "The lock is open: any single such answer is a finding. Inconclusive runs publish nothing, and 15 "
            "minutes without a verdict notify too.",
            watched,
        ),
    ]
    if not watched.vpc_origin:
        alarms.append(
            _probe(
                "probe-network",
                probe.NETWORK,
                1,
                "A direct request of the probe reached the origin's address at all (even if refused with a 403).",
                "The probe runs from AWS's public addresses, outside CloudFront's origin-facing ranges: the "
                "security groups must drop it. Reaching the origin means the network layer is open and only the "
                "secret header still protects it (a rule added by hand, say).",
                watched,
            )
        )
    if watched.client_certificate_arn is not None:
        alarms.append(
            AlarmSpec(
                key="mtls-certificate",
                summary=f"The client certificate CloudFront presents to the origin (origin mTLS) expires in "
                f"{MTLS_EXPIRY_THRESHOLD_DAYS} days or fewer: its renewal did not happen.",
                why=f"Any pulumi up re-imports it once it has {CLIENT_RENEW_WITHIN.days} days or less left, and the "
                f"weekly workflow deploys every {MTLS_DEPLOY_INTERVAL_DAYS} days, so a stack that renews never gets "
                f"here; deploy before it expires, or the listener refuses CloudFront. ACM publishes DaysToExpiry in "
                "us-east-1 about twice a day and stops once the certificate has expired: 2 days without it notify "
                "too.",
                namespace="AWS/CertificateManager",
                metric="DaysToExpiry",
                dimensions={"CertificateArn": watched.client_certificate_arn},
                statistic="Minimum",
                threshold=MTLS_EXPIRY_THRESHOLD_DAYS,
                period=DAY_SECONDS,
                evaluation_periods=2,
                datapoints_to_alarm=1,
                treat_missing_data="missing",
                region=CLOUDFRONT_REGION,
                comparison=LESS_OR_EQUAL,
            )
        )
    if watched.architecture == "alb":
        alarms.append(
            _refused(
                "origin-refused",
                "AWS/ApplicationELB",
                "HTTP_Fixed_Response_Count",
                {"LoadBalancer": watched.load_balancer_suffix or ""},
                "The load balancer answered its fixed 403 (its listener's default action: no accepted secret). An "
                "ALB has no metric per rule, so a missing and a wrong header are counted together here "
                "(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
                "load-balancer-cloudwatch-metrics.html).",
            )
        )
        if watched.web_acl_name is not None:
            alarms.append(
                _refused(
                    "waf-refused",
                    "AWS/WAFV2",
                    "BlockedRequests",
                    {
                        "WebACL": watched.web_acl_name,
                        "Region": watched.region,
                        "Rule": watched.web_acl_default_metric or "",
                    },
                    "The WAF blocked requests by its default action: no header exactly equal to an accepted "
                    "secret (the rate rule's blocks are not counted here; the Rule dimension of the default action "
                    "is the web ACL's own metric name: https://docs.aws.amazon.com/waf/latest/developerguide/"
                    "waf-metrics.html).",
                )
            )
    else:
        alarms += [
            _refused(
                "origin-refused",
                NAMESPACE,
                FORBIDDEN_METRIC,
                {probe.STACK_DIMENSION: watched.stack},
                "nginx on the instance answered 403: no accepted secret (counted from its access log after each "
                "run of the guard; a 403 of the app itself counts too, the sample app sends none).",
            ),
            AlarmSpec(
                key="guard-failing",
                summary="The origin guard on the instance failed on every run for 10 minutes (its exit code is the "
                "metric's value: see origin_guard/guard.py).",
                why="The guard refreshes nginx's accepted secrets from SSM every minute; while it fails, nginx keeps "
                "the values it had, and a rotation step may switch CloudFront to a value the instance never learned. "
                "Minimum over 5 minutes: every run failed, not one. No data for 10 minutes (the instance or its "
                "route to CloudWatch gone) notifies too.",
                namespace=NAMESPACE,
                metric=GUARD_METRIC,
                dimensions={probe.STACK_DIMENSION: watched.stack},
                statistic="Minimum",
                threshold=1,
                period=300,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                treat_missing_data="missing",
            ),
        ]
    return alarms


def alarm_name(stack: str, key: str) -> str:
    """The alarm's name, as its notifications show it: ``project/stack/name key``."""
    return bounded(f"{stack} {key}", ALARM_NAME_MAX)


# --- changes to the origin's groups and their attachments (EventBridge on CloudTrail) -----------------------

CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"
# An event pattern's size: 2,048 characters unless the account raised its quota (to 4,096 at most): EventBridge
# quotas, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html. Written compactly; the tests
# check the largest this stack can make (10 instances, 4 groups, a 64-character role name) fits.
EVENT_PATTERN_MAX = 2048


def pattern_json(pattern: Mapping[str, Any]) -> str:
    return json.dumps(pattern, sort_keys=True, separators=(",", ":"))


# EC2 calls that change a group's rules, by where CloudTrail puts the group in requestParameters (the EC2 query
# API's own names for the older calls; a "<Call>Request" wrapper for the newer ones:
# aws-samples/cloud-trail-lake-query-samples, ec2-security-historical-changes.sql). The EC2 API reference
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html and the pages of
# the other calls) says which calls accept the group's name (GroupName, "[Default VPC]") instead of its id: a rule
# changed that way carries no groupId, so the names are matched too. Description updates are reported as well: a
# rule's description is what a reviewer reads to judge it.
GROUP_RULE_CALLS = (
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress",
)
# Of those, the ones that take GroupName (the egress calls other than the description update require GroupId).
GROUP_NAME_CALLS = (
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupIngress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress",
)
# ModifySecurityGroupRules requires GroupId (API_ModifySecurityGroupRules.html).
MODIFY_RULES_CALL = "ModifySecurityGroupRules"
# Calls that change which groups an interface or an instance has (or add an interface to the instance).
INTERFACE_CALLS = ("ModifyNetworkInterfaceAttribute",)
INSTANCE_CALLS = ("ModifyInstanceAttribute", "AttachNetworkInterface")
# Elastic Load Balancing calls on the load balancer's groups, its listener and its header rule.
LOAD_BALANCER_CALLS = ("SetSecurityGroups",)
LISTENER_CALLS = ("ModifyListener", "DeleteListener", "CreateRule")
RULE_CALLS = ("ModifyRule", "DeleteRule")
# AWS WAF calls on the web ACL (its rules, its default action, the ACL itself: requestParameters name, scope, id)
# and on which web ACL guards the load balancer (requestParameters resourceArn; AssociateWebACL also webACLArn):
# https://docs.aws.amazon.com/waf/latest/developerguide/understanding-waf-entries.html (CloudTrail's entries for
# UpdateWebACL and DeleteWebACL), https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html.
# Associating another web ACL with the load balancer replaces ours; disassociating leaves the listener alone.
WEB_ACL_CALLS = ("UpdateWebACL", "DeleteWebACL")
WEB_ACL_ASSOCIATION_CALLS = ("AssociateWebACL", "DisassociateWebACL")
# The groups reference AWS-managed prefix lists only, which no account can modify
# (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html): a list of the
# account's own could only come in through a rule change, which the rules above report. So no prefix-list call.


def assumed_role_prefix(role_arn: str) -> str:
    """The start of the caller ARN CloudTrail records for a session of ``role_arn``: the STS assumed-role ARN
    has the role's name without its path (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html)."""
    head, _, resource = role_arn.partition(":role/")
    partition, account = head.split(":")[1], head.split(":")[4]
    return f"arn:{partition}:sts::{account}:assumed-role/{resource.rsplit('/', 1)[-1]}/"


def _detail(branches: Sequence[Mapping[str, Any]], event_source: str, deploy_role_arn: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {"eventSource": [event_source]}
    kept = [branch for branch in branches if branch]
    if len(kept) == 1:
        detail.update(kept[0])
    else:
        detail["$or"] = kept
    if deploy_role_arn is not None:
        # userIdentity.arn is there for users, roles and the root user alike; calls AWS services make on their
        # own behalf carry none and are not reported either then.
        detail["userIdentity"] = {"arn": [{"anything-but": {"prefix": assumed_role_prefix(deploy_role_arn)}}]}
    return detail


def security_group_change_pattern(
    group_ids: Sequence[str],
    interface_ids: Sequence[str],
    instance_ids: Sequence[str],
    deploy_role_arn: str | None,
    group_names: Sequence[str] = (),
) -> dict[str, Any]:
    """The EventBridge pattern for changes to these groups' rules (named by id, or by name where the call allows it)
    and to the groups of these interfaces and instances
    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ec2.html)."""
    branches: list[dict[str, Any]] = [
        {"eventName": list(GROUP_RULE_CALLS), "requestParameters": {"groupId": sorted(group_ids)}},
        {
            "eventName": [MODIFY_RULES_CALL],
            "requestParameters": {"ModifySecurityGroupRulesRequest": {"GroupId": sorted(group_ids)}},
        },
    ]
    if group_names:
        branches.insert(
            1, {"eventName": list(GROUP_NAME_CALLS), "requestParameters": {"groupName": sorted(group_names)}}
        )
    if interface_ids:
        branches.append(
            {"eventName": list(INTERFACE_CALLS), "requestParameters": {"networkInterfaceId": sorted(interface_ids)}}
        )
    if instance_ids:
        branches.append({"eventName": list(INSTANCE_CALLS), "requestParameters": {"instanceId": sorted(instance_ids)}})
    return {
        "source": ["aws.ec2"],
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": _detail(branches, "ec2.amazonaws.com", deploy_role_arn),
    }


def web_acl_change_pattern(web_acl_name: str, load_balancer_arn: str, deploy_role_arn: str | None) -> dict[str, Any]:
    """The EventBridge pattern for changes to the web ACL (its rules and default action, or its deletion) and to
    which web ACL guards the load balancer."""
    branches = [
        {"eventName": list(WEB_ACL_CALLS), "requestParameters": {"name": [web_acl_name], "scope": ["REGIONAL"]}},
        {"eventName": list(WEB_ACL_ASSOCIATION_CALLS), "requestParameters": {"resourceArn": [load_balancer_arn]}},
    ]
    return {
        "source": ["aws.wafv2"],
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": _detail(branches, "wafv2.amazonaws.com", deploy_role_arn),
    }


def load_balancer_change_pattern(
    load_balancer_arn: str, listener_arn: str, rule_arn: str, deploy_role_arn: str | None
) -> dict[str, Any]:
    """The EventBridge pattern for changes to the load balancer's groups, its listener (the default fixed 403)
    and the rule that checks the header."""
    branches = [
        {"eventName": list(LOAD_BALANCER_CALLS), "requestParameters": {"loadBalancerArn": [load_balancer_arn]}},
        {"eventName": list(LISTENER_CALLS), "requestParameters": {"listenerArn": [listener_arn]}},
        {"eventName": list(RULE_CALLS), "requestParameters": {"ruleArn": [rule_arn]}},
    ]
    return {
        "source": ["aws.elasticloadbalancing"],
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": _detail(branches, "elasticloadbalancing.amazonaws.com", deploy_role_arn),
    }


# What a change rule mails: who made which call, when, from where, on which of this stack's resources, and the
# CloudTrail request id that finds the whole event. Never the event as it is: its requestParameters can hold the
# secret header's values (ELB's ModifyRule and CreateRule conditions, WAF's UpdateWebACL rules), and an email is
# not where a secret goes. EventBridge's input transformer picks the fields
# (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html: JSON paths in dot
# notation, at most 100; the template here a JSON string).
NOTIFICATION_FIELDS = {
    "call": "$.detail.eventName",
    "caller": "$.detail.userIdentity.arn",
    "time": "$.detail.eventTime",
    "region": "$.region",
    "source": "$.detail.sourceIPAddress",
    "request": "$.detail.requestID",
    "error": "$.detail.errorCode",
}
# Per rule, where its calls name this stack's resources (none of them secret).
SUBJECT_FIELDS: dict[str, dict[str, str]] = {
    "sg-changes": {
        "group": "$.detail.requestParameters.groupId",
        "groupName": "$.detail.requestParameters.groupName",
        "rulesOf": "$.detail.requestParameters.ModifySecurityGroupRulesRequest.GroupId",
        "interface": "$.detail.requestParameters.networkInterfaceId",
        "instance": "$.detail.requestParameters.instanceId",
    },
    "lb-changes": {
        "loadBalancer": "$.detail.requestParameters.loadBalancerArn",
        "listener": "$.detail.requestParameters.listenerArn",
        "rule": "$.detail.requestParameters.ruleArn",
    },
    "waf-changes": {
        "webAcl": "$.detail.requestParameters.name",
        "resource": "$.detail.requestParameters.resourceArn",
    },
}
_PLACEHOLDER_OTHER = re.compile(r"[<>\\\"]")


def notification(key: str, stack: str) -> tuple[dict[str, str], str]:
    """(input paths, input template) of the change rule ``key``'s email, for the stack ``stack``."""
    subjects = SUBJECT_FIELDS[key]
    on = " ".join(f"<{field}>" for field in subjects)
    text = (
        f"{_PLACEHOLDER_OTHER.sub('', stack)}: <call> by <caller> at <time> from <source> in <region>, on {on} "
        "(CloudTrail request <request>; error code if it failed: <error>). What it changed is left out of this "
        "mail (it can hold the secret header's values): look the request up in CloudTrail. README: Monitoring."
    )
    return {**NOTIFICATION_FIELDS, **subjects}, json.dumps(text)


# --- the dashboard ------------------------------------------------------------------------------------------


def _graph(
    title: str, region: str, metrics: list[list[Any]], y: int, x: int, stat: str = "Sum", period: int = 300
) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": stat,
            "period": period,
            "metrics": metrics,
        },
    }


def dashboard_body(
    watched: Mapping[str, Any], alarm_arns: Sequence[str], additional_metrics: bool, title: str
) -> dict[str, Any]:
    """The dashboard (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-
    Structure.html), from the known values of :class:`Watched`'s fields."""
    distribution = ["DistributionId", watched["distribution_id"], "Region", "Global"]
    stack = [probe.STACK_DIMENSION, watched["stack"]]
    rates = [["AWS/CloudFront", f"{code}ErrorRate", *distribution] for code in ("5xx", "4xx")]
    if additional_metrics:
        rates += [["AWS/CloudFront", f"{code}ErrorRate", *distribution] for code in ("504", "403")]
    checks = [probe.CLOUDFRONT, probe.ORIGIN] + ([] if watched["vpc_origin"] else [probe.NETWORK])
    widgets: list[dict[str, Any]] = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "markdown": f"## {title}\n\nIs the origin answering only through CloudFront? Each alarm says what "
                "it watches and why; the probe runs `make verify`'s checks every 5 minutes (1 = failing"
                + (
                    "; with origin mTLS verified, `origin` includes a request without CloudFront's client certificate"
                    if watched.get("origin_mtls") == "verified"
                    else ""
                )
                + "). README: Monitoring."
            },
        },
        {
            "type": "alarm",
            "x": 12,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {"title": "Alarms", "alarms": list(alarm_arns)},
        },
        _graph("CloudFront error rates (%)", CLOUDFRONT_REGION, rates, 6, 0, stat="Average"),
        _graph("CloudFront requests", CLOUDFRONT_REGION, [["AWS/CloudFront", "Requests", *distribution]], 6, 12),
        _graph(
            "Probe (1 = failing)",
            watched["region"],
            [[NAMESPACE, probe.METRIC, *stack, probe.CHECK_DIMENSION, check] for check in checks],
            12,
            0,
            stat="Maximum",
        ),
    ]
    if watched["architecture"] == "alb":
        refused = [["AWS/ApplicationELB", "HTTP_Fixed_Response_Count", "LoadBalancer", watched["load_balancer_suffix"]]]
        if watched.get("web_acl_name"):
            acl = ["WebACL", watched["web_acl_name"], "Region", watched["region"]]
            refused += [
                ["AWS/WAFV2", "BlockedRequests", *acl, "Rule", watched["web_acl_default_metric"]],
                ["AWS/WAFV2", "BlockedRequests", *acl, "Rule", "ALL"],
            ]
        widgets.append(_graph("Refused by the origin (no accepted secret)", watched["region"], refused, 12, 12))
    else:
        widgets += [
            _graph("Refused by nginx (403)", watched["region"], [[NAMESPACE, FORBIDDEN_METRIC, *stack]], 12, 12),
            _graph(
                "Origin guard exit code (0 = ok)",
                watched["region"],
                [[NAMESPACE, GUARD_METRIC, *stack, {"stat": "Maximum"}], [NAMESPACE, GUARD_METRIC, *stack]],
                18,
                0,
                stat="Minimum",
            ),
        ]
    if additional_metrics:
        widgets.append(
            _graph(
                "Origin latency (ms, p90)",
                CLOUDFRONT_REGION,
                [["AWS/CloudFront", "OriginLatency", *distribution]],
                18,
                12,
                stat="p90",
            )
        )
    if watched.get("client_certificate_arn"):
        expiry = _graph(
            "Origin mTLS: days until CloudFront's client certificate expires",
            CLOUDFRONT_REGION,
            [["AWS/CertificateManager", "DaysToExpiry", "CertificateArn", watched["client_certificate_arn"]]],
            24,
            0,
            stat="Minimum",
            period=DAY_SECONDS,
        )
        expiry["properties"]["annotations"] = {
            "horizontal": [
                {"label": "renewal due", "value": CLIENT_RENEW_WITHIN.days},
                {"label": "alarm", "value": MTLS_EXPIRY_THRESHOLD_DAYS},
            ]
        }
        widgets.append(expiry)
    return {"widgets": widgets}


# --- resources ---------------------------------------------------------------------------------------------


def probe_code() -> pulumi.AssetArchive:
    """The probe function's code: this package's origin_probe folder, file for file (its text, so the archive
    is the same wherever the package is installed)."""
    return pulumi.AssetArchive(
        {
            f"{PROBE_PACKAGE}/{file}": pulumi.StringAsset((PROBE_FOLDER / file).read_text(encoding="utf-8"))
            for file in PROBE_FILES
        }
    )


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def put_metric_data_statement() -> dict[str, Any]:
    """PutMetricData has no resource to scope to; the namespace condition key keeps a caller to ours
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html)."""
    return {
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
    }


def topic_policy(topic_arn: str, event_rule_arns: Sequence[str]) -> str:
    """Who may publish to an alarm topic: this account's alarms (and, in the stack's region, the change rules).

    Same-account IAM principals need no statement (their own policies decide); AWS services do
    (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
    """
    _, partition, _, region, account, _ = topic_arn.split(":", 5)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CloudWatchAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account}:alarm:*"},
                "StringEquals": {"aws:SourceAccount": account},
            },
        }
    ]
    if event_rule_arns:
        statements.append(
            {
                "Sid": "OriginChangeRules",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(event_rule_arns)}},
            }
        )
    return _policy(statements)


@dataclass(frozen=True)
class Probed:
    """What the probe requests: the stack's own outputs (never the secret)."""

    url: pulumi.Input[str]
    origin_url: pulumi.Input[str]
    header_name: str
    # The stack output originMtls (off, presented, verified): with verified the probe counts a direct request refused
    # at the TLS handshake for want of a client certificate as locked, and runs the fourth check (origin_probe).
    origin_mtls: str = "off"


@dataclass(frozen=True)
class Changeable:
    """The ids whose changes are reported (each may be an Output)."""

    group_ids: Sequence[pulumi.Input[str]]
    # The same groups' names: in a default VPC a rule can be changed naming the group instead of its id.
    group_names: Sequence[pulumi.Input[str]] = ()
    interface_ids: Sequence[pulumi.Input[str]] = ()
    instance_ids: Sequence[pulumi.Input[str]] = ()
    # alb: the load balancer, its listener and the rule that checks the header.
    load_balancer_arn: pulumi.Input[str] | None = None
    listener_arn: pulumi.Input[str] | None = None
    rule_arn: pulumi.Input[str] | None = None
    # alb with waf: the web ACL (its name; REGIONAL scope) guarding the load balancer.
    web_acl_name: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class BuiltMonitoring:
    dashboard_url: pulumi.Output[str]
    # The alarm topics by region, to subscribe other endpoints (chat, paging) to.
    topic_arns: pulumi.Output[dict[str, str]]


def build_monitoring(
    name: str,
    settings: MonitoringSettings,
    watched: Watched,
    probed: Probed,
    changeable: Changeable,
    instance_role: aws.iam.Role | None,
    tags: Tags,
    parent: pulumi.Resource,
) -> BuiltMonitoring:
    """Everything of the module's docstring, as resources (children of ``parent``)."""
    opts = pulumi.ResourceOptions(parent=parent)

    # Where alarms go: one topic per region used, with the email subscription.
    regions = {watched.region: "alarms"}
    if watched.region != CLOUDFRONT_REGION:
        regions[CLOUDFRONT_REGION] = "cloudfront-alarms"
    topics: dict[str, aws.sns.Topic] = {}
    for region, role in regions.items():
        own = region if region != watched.region else None
        topics[region] = aws.sns.Topic(
            f"{name}-{role}",
            display_name=f"{name} alarms"[:100],
            region=own,
            tags=tagged(tags),
            opts=opts,
        )
        if settings.alarm_email is not None:
            aws.sns.TopicSubscription(
                f"{name}-{role}-email",
                topic=topics[region].arn,
                protocol="email",
                endpoint=settings.alarm_email,
                region=own,
                opts=opts,
            )

    # The alarms.
    alarms: list[aws.cloudwatch.MetricAlarm] = []
    for spec in plan_alarms(watched, settings.cloudfront_additional_metrics):
        alarm_topic = topics[spec.region or watched.region].arn
        alarms.append(
            aws.cloudwatch.MetricAlarm(
                f"{name}-alarm-{spec.key}",
                name=alarm_name(watched.stack, spec.key),
                alarm_description=spec.description(),
                namespace=spec.namespace,
                metric_name=spec.metric,
                dimensions=dict(spec.dimensions),
                statistic=spec.statistic,
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                period=spec.period,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                treat_missing_data=spec.treat_missing_data,
                actions_enabled=True,
                alarm_actions=[alarm_topic],
                # Recoveries are not sent: a new alarm goes from INSUFFICIENT_DATA to OK once, per alarm and deploy.
                insufficient_data_actions=[alarm_topic] if spec.heartbeat else [],
                region=spec.region,
                tags=tagged(tags),
                opts=opts,
            )
        )
    if settings.cloudfront_additional_metrics:
        # $0.30 per metric, up to 8 per distribution: about $2.40 a month, and $0.20 for the two alarms above
        # (viewing-cloudfront-metrics.html, "Estimate the cost for the additional CloudFront metrics").
        aws.cloudfront.MonitoringSubscription(
            f"{name}-cdn-metrics",
            distribution_id=watched.distribution_id,
            monitoring_subscription=aws.cloudfront.MonitoringSubscriptionMonitoringSubscriptionArgs(
                realtime_metrics_subscription_config=aws.cloudfront.MonitoringSubscriptionMonitoringSubscriptionRealtimeMetricsSubscriptionConfigArgs(
                    realtime_metrics_subscription_status="Enabled"
                )
            ),
            opts=opts,
        )

    _build_probe(name, watched, probed, tags, opts)
    rules = _build_change_rules(name, watched.stack, settings, changeable, topics[watched.region], tags, opts)
    for region, topic in topics.items():
        rule_arns = [rule.arn for rule in rules] if region == watched.region else []
        aws.sns.TopicPolicy(
            f"{name}-{regions[region]}-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, *rule_arns).apply(lambda parts: topic_policy(parts[0], parts[1:])),
            region=region if region != watched.region else None,
            opts=opts,
        )
    if instance_role is not None:
        # The direct instance's guard metrics (origin_guard/guard-metrics.sh).
        aws.iam.RolePolicy(
            f"{name}-publish-guard-metrics",
            role=instance_role.id,
            policy=_policy([put_metric_data_statement()]),
            opts=opts,
        )

    board = dashboard_name(pulumi.get_project(), pulumi.get_stack(), name)
    additional = settings.cloudfront_additional_metrics
    resolved = pulumi.Output.all(
        distribution_id=watched.distribution_id,
        load_balancer_suffix=watched.load_balancer_suffix,
        web_acl_name=watched.web_acl_name,
        client_certificate_arn=watched.client_certificate_arn,
    )
    known = {
        "architecture": watched.architecture,
        "vpc_origin": watched.vpc_origin,
        "region": watched.region,
        "stack": watched.stack,
        "web_acl_default_metric": watched.web_acl_default_metric,
        "origin_mtls": watched.origin_mtls,
    }
    body = pulumi.Output.all(resolved, *[alarm.arn for alarm in alarms]).apply(
        lambda parts: json.dumps(
            dashboard_body({**known, **parts[0]}, parts[1:], additional, watched.stack), sort_keys=True
        )
    )
    dashboard = aws.cloudwatch.Dashboard(f"{name}-dashboard", dashboard_name=board, dashboard_body=body, opts=opts)
    region = watched.region
    return BuiltMonitoring(
        dashboard_url=dashboard.dashboard_name.apply(lambda known_name: dashboard_url(region, known_name)),
        topic_arns=pulumi.Output.all(**{region: topic.arn for region, topic in topics.items()}),
    )


def _build_probe(name: str, watched: Watched, probed: Probed, tags: Tags, opts: pulumi.ResourceOptions) -> None:
    """The probe function, its role (its log group, PutMetricData in our namespace), and its schedule."""
    role = aws.iam.Role(
        f"{name}-probe-role",
        description="The origin probe: runs make verify's checks every 5 minutes",
        assume_role_policy=_policy(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        ),
        tags=tagged(tags),
        opts=opts,
    )
    logs = aws.cloudwatch.LogGroup(
        f"{name}-probe-logs",
        name=_LOG_GROUP_OTHER.sub("-", f"/{pulumi.get_project()}/{pulumi.get_stack()}/{name}/origin-probe")[:512],
        retention_in_days=PROBE_LOG_RETENTION_DAYS,
        tags=tagged(tags),
        opts=opts,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-probe-policy",
        role=role.id,
        policy=logs.arn.apply(
            lambda arn: _policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn}:*",
                    },
                    put_metric_data_statement(),
                ]
            )
        ),
        opts=opts,
    )
    function = aws.lambda_.Function(
        f"{name}-probe",
        description="Is the origin answering only through CloudFront? (README: Monitoring)",
        runtime=PROBE_RUNTIME,
        architectures=["arm64"],
        handler=PROBE_HANDLER,
        code=probe_code(),
        role=role.arn,
        timeout=PROBE_TIMEOUT_SECONDS,
        memory_size=PROBE_MEMORY_MB,
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=logs.name),
        environment=aws.lambda_.FunctionEnvironmentArgs(
            variables={
                probe.ENV_URL: probed.url,
                probe.ENV_ORIGIN_URL: probed.origin_url,
                probe.ENV_HEADER_NAME: probed.header_name,
                probe.ENV_ARCHITECTURE: watched.architecture,
                probe.ENV_VPC_ORIGIN: "true" if watched.vpc_origin else "false",
                probe.ENV_STACK: watched.stack,
                probe.ENV_NAMESPACE: NAMESPACE,
                # Only with origin mTLS (the function of a stack without it does not change).
                **({probe.ENV_ORIGIN_MTLS: watched.origin_mtls} if watched.origin_mtls != "off" else {}),
            }
        ),
        tags=tagged(tags),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
    )
    timer = aws.cloudwatch.EventRule(
        f"{name}-probe-timer",
        description="Runs the origin probe",
        schedule_expression=PROBE_SCHEDULE,
        tags=tagged(tags),
        opts=opts,
    )
    invoke = aws.lambda_.Permission(
        f"{name}-probe-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="events.amazonaws.com",
        source_arn=timer.arn,
        opts=opts,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-probe-timer-target",
        rule=timer.name,
        arn=function.arn,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[invoke])),
    )


def _build_change_rules(
    name: str,
    stack: str,
    settings: MonitoringSettings,
    changeable: Changeable,
    topic: aws.sns.Topic,
    tags: Tags,
    opts: pulumi.ResourceOptions,
) -> list[aws.cloudwatch.EventRule]:
    """EventBridge rules (stack region: where the calls are made) sending the CloudTrail events to the topic."""
    role = settings.deploy_role_arn
    patterns: dict[str, pulumi.Output[str]] = {
        "sg-changes": pulumi.Output.all(
            pulumi.Output.all(*changeable.group_ids),
            pulumi.Output.all(*changeable.interface_ids),
            pulumi.Output.all(*changeable.instance_ids),
            pulumi.Output.all(*changeable.group_names),
        ).apply(lambda parts: pattern_json(security_group_change_pattern(parts[0], parts[1], parts[2], role, parts[3])))
    }
    if changeable.load_balancer_arn is not None:
        patterns["lb-changes"] = pulumi.Output.all(
            changeable.load_balancer_arn, changeable.listener_arn, changeable.rule_arn
        ).apply(lambda parts: pattern_json(load_balancer_change_pattern(parts[0], parts[1], parts[2], role)))
    if changeable.web_acl_name is not None and changeable.load_balancer_arn is not None:
        patterns["waf-changes"] = pulumi.Output.all(changeable.web_acl_name, changeable.load_balancer_arn).apply(
            lambda parts: pattern_json(web_acl_change_pattern(parts[0], parts[1], role))
        )
    descriptions = {
        "sg-changes": "changes to the origin's security groups and their attachments",
        "lb-changes": "changes to the load balancer's security groups, listener and header rule",
        "waf-changes": "changes to the web ACL and to which web ACL guards the load balancer",
    }
    rules = []
    for key, pattern in patterns.items():
        rule = aws.cloudwatch.EventRule(
            f"{name}-{key}",
            description=f"{name}: {descriptions[key]} (README: Monitoring)",
            event_pattern=pattern,
            tags=tagged(tags),
            opts=opts,
        )
        paths, template = notification(key, stack)
        aws.cloudwatch.EventTarget(
            f"{name}-{key}-target",
            rule=rule.name,
            arn=topic.arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=paths, input_template=template
            ),
            opts=opts,
        )
        rules.append(rule)
    return rules
