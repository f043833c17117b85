"""Optional third line on the ``alb`` origin: a regional WAF web ACL.

Default action Block; one rule Allows a request only when the secret header *exactly* matches one of
the accepted values, byte for byte (positional constraint ``EXACTLY``, text transformation ``NONE``),
unlike the ALB rule, which compares case-insensitively. This is the design of AWS's own reference
(aws-samples/amazon-cloudfront-waf-secretsmanager), minus the Lambda that edits CloudFront behind
the stack's back: here the accepted values come from the same rotation slots as everywhere else.

Cost (https://aws.amazon.com/waf/pricing/): $5 per web ACL and $1 per rule per month, plus $0.60 per
million requests: about $6-7 a month plus traffic.

Sampled requests and logging stay off: both would record request headers, that is the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from .inputs import Tags, tagged
from .origin_secret import OriginSecrets
from .settings import WafSettings

# Rate-based rules count per 5 minutes by default:
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
RATE_WINDOW_SECONDS = 300
ALLOW_RULE_NAME = "allow-cloudfront-secret-header"
# A request whose X-Forwarded-For does not start with an address is not counted (see build_web_acl).
FORWARDED_IP_FALLBACK = "NO_MATCH"


def metric_prefix(name: str) -> str:
    """The start of the web ACL's metric names (CloudWatch's Rule dimension): the component's name without '-'."""
    return name.replace("-", "")[:100]


def default_action_metric(name: str) -> str:
    """The metric name of the web ACL's default action: the Rule dimension of its default-action counts."""
    return f"{metric_prefix(name)}Default"


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
    return aws.wafv2.WebAclVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False
    )


def _rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False
    )


def _header_equals(header_name: str, value: pulumi.Input[str]) -> aws.wafv2.WebAclRuleStatementArgs:
    return aws.wafv2.WebAclRuleStatementArgs(
        byte_match_statement=aws.wafv2.WebAclRuleStatementByteMatchStatementArgs(
            # WAF wants the header name in lower case; matching of the name is case-insensitive.
            field_to_match=aws.wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs(
                single_header=aws.wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchSingleHeaderArgs(
                    name=header_name.lower()
                )
            ),
            positional_constraint="EXACTLY",
            search_string=value,
            text_transformations=[
                aws.wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs(priority=0, type="NONE")
            ],
        )
    )


def reported_allowed_values(rules: Any, header_name: str) -> set[str]:
    """The header values the web ACL reports allowing (exact matches in its allow rule's ``rules`` output)."""
    found: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, Mapping):
            match = node.get("byte_match_statement")
            if isinstance(match, Mapping):
                single = (match.get("field_to_match") or {}).get("single_header") or {}
                if str(single.get("name") or "").lower() == header_name.lower() and match.get("search_string"):
                    found.add(str(match["search_string"]))
            for value in node.values():
                collect(value)
        elif isinstance(node, list | tuple):
            for value in node:
                collect(value)

    for rule in rules or []:
        if (rule or {}).get("name") == ALLOW_RULE_NAME:
            collect(rule.get("statement"))
    return found


def build_web_acl(
    name: str,
    settings: WafSettings,
    header_name: str,
    secrets: OriginSecrets,
    load_balancer_arn: pulumi.Input[str],
    tags: Tags,
    parent: pulumi.Resource,
    stamp: str | None = None,
) -> aws.wafv2.WebAcl:
    """``stamp``: the rotation intent's mark (rotation_record.rotation_stamp), in the description so that each new
    intent sends the whole web ACL again (UpdateWebACL replaces every rule), even after a killed `pulumi up`."""
    matches = [_header_equals(header_name, value) for value in secrets.by_slot.values()]
    # An OR statement needs at least two operands; one accepted value is a plain byte match.
    allow_statement = (
        matches[0]
        if len(matches) == 1
        else aws.wafv2.WebAclRuleStatementArgs(
            or_statement=aws.wafv2.WebAclRuleStatementOrStatementArgs(statements=matches)
        )
    )
    metric = metric_prefix(name)
    rules = []
    if settings.rate_limit:
        # Behind CloudFront every request comes from an edge address, so count per viewer address from
        # X-Forwarded-For. WAF takes its *first* entry, and CloudFront appends the viewer's address to
        # whatever the viewer sent, so the first entry is the viewer's choice: this is flood damping, not
        # a per-user quota (use a CloudFront-scope ACL for that). A first entry that is no address (a
        # proxy's "unknown", or made up) is not counted: MATCH would block every such request outright,
        # which a viewer could not undo, while dodging the count was possible anyway with made-up
        # addresses. https://docs.aws.amazon.com/waf/latest/APIReference/API_ForwardedIPConfig.html
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit-per-viewer",
                priority=0,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=settings.rate_limit,
                        evaluation_window_sec=RATE_WINDOW_SECONDS,
                        aggregate_key_type="FORWARDED_IP",
                        forwarded_ip_config=aws.wafv2.WebAclRuleStatementRateBasedStatementForwardedIpConfigArgs(
                            header_name="X-Forwarded-For", fallback_behavior=FORWARDED_IP_FALLBACK
                        ),
                    )
                ),
                visibility_config=_rule_visibility(f"{metric}RateLimit"),
            )
        )
    rules.append(
        aws.wafv2.WebAclRuleArgs(
            name=ALLOW_RULE_NAME,
            priority=1,
            action=aws.wafv2.WebAclRuleActionArgs(allow=aws.wafv2.WebAclRuleActionAllowArgs()),
            statement=allow_statement,
            visibility_config=_rule_visibility(f"{metric}SecretHeader"),
        )
    )
    acl = aws.wafv2.WebAcl(
        f"{name}-waf",
        scope="REGIONAL",
        description="Origin ALB: only requests carrying an accepted CloudFront secret header"
        + (f", {stamp}" if stamp else ""),
        default_action=aws.wafv2.WebAclDefaultActionArgs(block=aws.wafv2.WebAclDefaultActionBlockArgs()),
        rules=rules,
        visibility_config=_visibility(default_action_metric(name)),
        tags=tagged(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.wafv2.WebAclAssociation(
        f"{name}-waf-alb",
        resource_arn=load_balancer_arn,
        web_acl_arn=acl.arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return acl
