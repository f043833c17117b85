"""The ``alb`` origin: an ALB that forwards only requests carrying the secret.

Internet-facing in public subnets, or with ``vpcOrigin`` internal in private subnets (CloudFront reaches
it through a VPC origin). The scheme cannot change in place, and a target group can serve only one load
balancer, so the internal variant's resources have names of their own (``-private-``): switching creates
the new ALB, target group, listener and rule next to the old ones, CloudFront moves, then the old ones go.

The same holds for the protocol CloudFront uses (``originDomain`` set or removed). The internet-facing ALB's
security group can admit CloudFront's prefix list on one port only (weight 55 of 60 rules per group,
security_groups.py), and a load balancer's groups change in place, before CloudFront moves. So HTTPS has a load
balancer of its own (``-https-``: group, ALB, target group, listener, rule), created next to the HTTP one
(which keeps the names it always had: a stack without ``originDomain`` sees no change); CloudFront moves once it
serves, and the other one is deleted at the end of the update. Two ALBs exist only during such a switch (50 per
Region by default: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
Behind a VPC origin the rule that admits CloudFront weighs 1, so the internal ALB keeps one group and gets one
listener per protocol (``-private-https-listener`` next to ``-private-listener``), both forwarding to its one
target group.

The rule that checks the header is named after the header's name (the default keeps the name it always had) and
has a priority of its own: a new ``originHeaderName`` gets a new rule, created before CloudFront sends the new
name, and the old rule is deleted at the end (:func:`secret_rule_identity`).

AWS's recipe (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html):
the listener's default action is a fixed 403, and one rule forwards to the targets only when the
header matches an accepted value. Health checks go from the ALB straight to the targets (they carry
no custom header), so they never need a way around the rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .inputs import SubnetIds, Tags, subnet_list, tagged
from .origin_mtls import BuiltMtls, listener_mutual_authentication
from .origin_secret import OriginSecrets
from .settings import Settings
from .vpc_origin import endpoint_problem

# TLS 1.3 and 1.2 only: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
FORBIDDEN_BODY = "Forbidden"
# The header name the rule has always been named for (settings.Settings.header_name's default).
DEFAULT_HEADER_NAME = "X-Origin-Verify"
# A listener rule's priority: 1 to 50000, unique per listener
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html, Priority).
RULE_PRIORITY_MAX = 50000


def listener_prefix(name: str, internal: bool, tls: bool) -> str:
    """The names of one protocol's load balancer resources: the HTTP ones keep the names they always had; HTTPS
    has a load balancer of its own (internet-facing) or a listener of its own (internal, behind a VPC origin)."""
    if internal:
        return f"{name}-private-https" if tls else f"{name}-private"
    return f"{name}-https" if tls else name


def balancer_prefix(name: str, internal: bool, tls: bool) -> str:
    """The names of the load balancer, its target group and registrations (one internal ALB for both protocols)."""
    if internal:
        return f"{name}-private"
    return f"{name}-https" if tls else name


def secret_rule_identity(prefix: str, header_name: str) -> tuple[str, int]:
    """The listener rule's resource name and priority for ``header_name``.

    A new header name is a new rule (a new name, so the engine creates it before it deletes the old one), and it
    needs a priority the old rule does not hold: two rules of one listener cannot share one (PriorityInUse). The
    default name keeps the name and priority 1 it always had; any other name gets a priority derived from it
    (case-insensitively: the ALB compares header names so), in 2..50000. Two custom names with the same priority
    (1 in 49,999) make the new rule's creation fail before CloudFront moves: the old rule keeps serving, and
    another name works."""
    lowered = header_name.lower()
    if lowered == DEFAULT_HEADER_NAME.lower():
        return f"{prefix}-forward-with-secret", 1
    digest = int.from_bytes(hashlib.sha256(lowered.encode()).digest()[:8], "big")
    return f"{prefix}-forward-with-{lowered}", 2 + digest % (RULE_PRIORITY_MAX - 1)


@dataclass(frozen=True)
class LoadBalancerOutputs:
    load_balancer: aws.lb.LoadBalancer
    listener: aws.lb.Listener
    secret_rule: aws.lb.ListenerRule
    dns_name: pulumi.Output[str]


def build_load_balancer(
    name: str,
    args: Settings,
    secrets: OriginSecrets,
    vpc_id: pulumi.Input[str],
    subnet_ids: SubnetIds,
    security_group_ids: Sequence[pulumi.Input[str]],
    instances: Sequence[aws.ec2.Instance],
    certificate_arn: pulumi.Input[str] | None,
    tags: Tags,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    mtls: BuiltMtls | None = None,
) -> LoadBalancerOutputs:
    """The load balancer, its target group, listener and the rule that checks the header. ``depends_on``: the rules
    of its security groups (see BuiltGroups.rules_on). ``mtls``: the HTTPS listener verifies CloudFront's client
    certificate (origin_mtls.py)."""
    opts = pulumi.ResourceOptions(parent=parent)
    internal = args.vpc_origin
    tls = certificate_arn is not None
    prefix = balancer_prefix(name, internal, tls)
    on_port = listener_prefix(name, internal, tls)
    ip_address_type = "dualstack" if args.origin_ipv6 else "ipv4"
    if internal:
        problem = endpoint_problem(
            "application", ip_address_type, ["HTTPS" if tls else "HTTP"], len(security_group_ids)
        )
        if problem is not None:
            raise ValueError(f"the internal ALB cannot be a VPC origin: {problem}")
    alb = aws.lb.LoadBalancer(
        f"{prefix}-alb",
        load_balancer_type="application",
        internal=internal,
        subnets=subnet_list(subnet_ids),
        security_groups=list(security_group_ids),
        ip_address_type=ip_address_type,
        # Reject requests with header names that are not valid HTTP tokens instead of passing them on.
        drop_invalid_header_fields=True,
        enable_http2=True,
        desync_mitigation_mode="defensive",
        tags=tagged(tags, {"Name": f"{prefix}-alb"}),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
    target_group = aws.lb.TargetGroup(
        f"{prefix}-tg",
        port=args.app_port,
        protocol="HTTP",
        target_type="instance",
        vpc_id=vpc_id,
        deregistration_delay=30,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            path=args.health_check_path,
            protocol="HTTP",
            port="traffic-port",
            matcher="200",
            interval=15,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        tags=tagged(tags, {"Name": f"{prefix}-tg"}),
        opts=opts,
    )
    attachments = [
        aws.lb.TargetGroupAttachment(
            f"{prefix}-tg-instance-{index + 1}",
            target_group_arn=target_group.arn,
            target_id=instance.id,
            port=args.app_port,
            opts=opts,
        )
        for index, instance in enumerate(instances)
    ]
    listener = aws.lb.Listener(
        f"{on_port}-listener",
        load_balancer_arn=alb.arn,
        port=args.origin_port,
        protocol="HTTPS" if tls else "HTTP",
        certificate_arn=certificate_arn,
        ssl_policy=TLS_POLICY if tls else None,
        # HTTPS only: a plain HTTP listener has no TLS handshake to ask for a certificate in.
        mutual_authentication=listener_mutual_authentication(mtls) if tls else None,
        default_actions=[
            aws.lb.ListenerDefaultActionArgs(
                type="fixed-response",
                fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                    status_code="403", content_type="text/plain", message_body=FORBIDDEN_BODY
                ),
            )
        ],
        tags=tagged(tags),
        opts=opts,
    )
    rule_name, priority = secret_rule_identity(on_port, args.header_name)
    secret_rule = aws.lb.ListenerRule(
        rule_name,
        listener_arn=listener.arn,
        priority=priority,
        conditions=[
            aws.lb.ListenerRuleConditionArgs(
                http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                    http_header_name=args.header_name,
                    # Every accepted value (at most 5, validated): during rotation the old and the new.
                    values=secrets.accepted,
                )
            )
        ],
        actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
        tags=tagged(tags),
        # A rule forwards to a target group only once its targets are registered: a switch that replaces the target
        # group (a new app port) or builds a new one (another load balancer) moves traffic, and the distribution
        # that waits for this rule, to registered targets, never to an empty group (offline/switches.py).
        opts=pulumi.ResourceOptions(parent=parent, depends_on=attachments),
    )
    return LoadBalancerOutputs(load_balancer=alb, listener=listener, secret_rule=secret_rule, dns_name=alb.dns_name)


def reported_rule_values(conditions: Any, header_name: str) -> set[str]:
    """The header values the listener rule reports forwarding (its ``conditions`` output)."""
    found: set[str] = set()
    for condition in conditions or []:
        header = (condition or {}).get("http_header") or {}
        if str(header.get("http_header_name") or "").lower() == header_name.lower():
            found.update(str(value) for value in header.get("values") or [])
    return found


def origin_certificate(name: str, args: Settings, tags: Tags, parent: pulumi.Resource) -> pulumi.Input[str] | None:
    """The ALB's certificate for HTTPS from CloudFront: the user's, or one issued and DNS-validated here."""
    tls = args.origin_tls
    if tls is None:
        return None
    if tls.certificate_arn is not None:
        return tls.certificate_arn
    opts = pulumi.ResourceOptions(parent=parent)
    certificate = aws.acm.Certificate(
        f"{name}-origin-cert",
        domain_name=tls.domain_name,
        validation_method="DNS",
        tags=tagged(tags, {"Name": tls.domain_name}),
        opts=opts,
    )
    option = certificate.domain_validation_options[0]
    record = aws.route53.Record(
        f"{name}-origin-cert-validation",
        # Set: with no certificate ARN, a hosted zone is required (settings.check_origin_tls).
        zone_id=tls.hosted_zone_id if tls.hosted_zone_id is not None else "",
        name=option.resource_record_name,
        type=option.resource_record_type,
        records=[option.resource_record_value],
        ttl=300,
        allow_overwrite=True,
        opts=opts,
    )
    validation = aws.acm.CertificateValidation(
        f"{name}-origin-cert-validated",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[record.fqdn],
        opts=opts,
    )
    return validation.certificate_arn


def origin_dns_records(
    name: str,
    args: Settings,
    alb: aws.lb.LoadBalancer,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> list[aws.route53.Record]:
    """Point the origin's own name at the ALB (only when the zone is ours to write): A, and AAAA with IPv6.

    ``depends_on``: with a VPC origin, the distribution. CloudFront then reaches the load balancer by the VPC
    origin's ARN and uses the name only for TLS, so the record may follow the distribution, and must: a switch
    to a VPC origin repoints the name at the internal load balancer, which CloudFront's edge cannot reach, and
    the configuration still deployed resolves that name until the distribution has moved. Without a VPC origin
    the distribution waits for the record instead (it resolves the name), and the record for the load balancer's
    listener rule: a record repointed at a load balancer that does not serve yet moves CloudFront there."""
    tls = args.origin_tls
    if tls is None or tls.hosted_zone_id is None:
        return []
    record_types = ["A", "AAAA"] if args.origin_ipv6 else ["A"]
    return [
        aws.route53.Record(
            f"{name}-origin-dns" + ("" if record_type == "A" else "-ipv6"),
            zone_id=tls.hosted_zone_id,
            name=tls.domain_name,
            type=record_type,
            aliases=[aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True)],
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
        )
        for record_type in record_types
    ]
