"""The component's public arguments, one per stack setting in snake_case, and how they become its settings.

``OriginLockdownArgs`` is what Pulumi's component analyzer turns into the package schema (``pulumi package
add``), and what Python callers write (``OriginLockdownArgs(architecture="alb", vpc_id=vpc.id, ...)``
builds a plain dict), so:

* it is a ``TypedDict``: the provider host hands the constructor a plain dict of these names;
* every field has one string right under it, its description in the schema (written as adjacent string
  literals where it is long, so the schema gets one clean paragraph, not the source's indentation);
* fields that decide *which* resources are built (architecture, counts, ports, switches, names, slots)
  are plain values: the schema marks them ``plain``, so other languages cannot pass an Output for them;
  values that usually come from other resources (VPC and subnet ids, certificate ARN, hosted zone id, AMI
  id, tags) are ``pulumi.Input``.

:func:`settings_from_args` is the one way from these arguments to the component's validated
:class:`~cloudfront_origin_lockdown.settings.Settings`: every check runs on every value known at that point,
before any resource is registered; an Output gets the same checks inside ``apply`` (settings.py). Error
messages name the argument by its stack-setting key (``invalid setting originHeaderName: ...``): one
vocabulary for config keys, arguments and the schema.

No ``from __future__ import annotations`` here: the analyzer reads the annotations as objects.
"""

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi

from .settings import (
    MONITORING_ONLY,
    MTLS_ONLY,
    ExistingNetwork,
    MonitoringSettings,
    MtlsSettings,
    OriginTls,
    PendingNetwork,
    SettingError,
    Settings,
    Shown,
    WafSettings,
    check_alarm_email,
    check_deploy_role_arn,
    check_flag,
    check_private_ca_arn,
    subnet_id_list,
    tag_map,
)


class OriginLockdownArgs(TypedDict, total=False):
    """Settings of an origin that only CloudFront can reach. Every field is optional; the defaults are the
    secure, cheap choice (an ALB in a VPC the component creates, HTTP to the origin)."""

    architecture: str
    (
        "`alb` (the default: CloudFront -> an Application Load Balancer -> EC2 instances in private subnets) "
        "or `direct` (CloudFront -> one EC2 instance with nginx checking the header)."
    )

    vpc_origin: bool
    (
        "Reach the origin through a CloudFront VPC origin: the load balancer is internal, or the direct "
        "instance has no public address; nothing of the origin is on the internet. Default false."
    )

    instance_type: str
    """EC2 instance type of the origin instances (default t3.micro). Graviton types get the arm64 AMI."""

    instance_count: int
    (
        "Instances behind the ALB, 1 to 10, spread over the private subnets; 0 (the default) means two, one "
        "per Availability Zone. `direct` runs exactly one."
    )

    app_port: int
    (
        "Port the app listens on (default 8080): 1024-65535 for the bundled sample app; not 80 or 443 with "
        "`direct` (nginx owns them)."
    )

    app_boot_script: str
    (
        "The contents of a boot script that installs and starts your app on `app_port` (this repository's "
        "program reads it from the file its `appBootScript` setting names). Unset installs the bundled sample "
        "app. Changing it replaces the instances."
    )

    health_check_path: str
    """Path the ALB's health check requests from each instance (default /healthz); the app answers 200."""

    origin_header_name: str
    (
        "Name of the secret header CloudFront adds and the origin requires (default X-Origin-Verify): letters, "
        "digits and '-', at most 40 characters with `alb`, not a header CloudFront refuses to add."
    )

    secret_length: int
    """Length of each generated alphanumeric secret value, 32 to 128 (default 48)."""

    secret_slots: Sequence[str]
    (
        "Rotation slots whose generated values the origin accepts, 1 to 5 names (default [v1]). To rotate: "
        "add a slot, switch `active_secret_slot` to it, retire the old slot, one deployment each."
    )

    active_secret_slot: str
    """The slot whose value CloudFront sends (default v1); one of `secret_slots`."""

    secret_rotation_days: int
    (
        "Rotate the secret automatically: each deploy at least this many days (1 to 365) after the last step takes "
        "the next one, without refusing a request. 0 (the default) rotates only by hand. `secret_slots` must then "
        "be exactly [`active_secret_slot`], where rotation starts."
    )

    rotation_guard: bool
    (
        "Refuse a rotation step that would refuse requests, judged against the component's rotation record in "
        "AWS (SSM Parameter Store), and keep accepting a slot CloudFront may still be sending. Default true; "
        "automatic rotation needs it. false is the emergency path (README: Rotating the secret)."
    )

    origin_domain: str
    (
        "A DNS name for the origin (e.g. origin.example.com): CloudFront then connects over HTTPS (`alb` "
        "only). Needs `hosted_zone_id` or `certificate_arn`. Unset means HTTP to the origin."
    )

    hosted_zone_id: pulumi.Input[str]
    (
        "Route 53 hosted zone of `origin_domain`: an ACM certificate is issued and validated through it and "
        "the name is pointed at the load balancer."
    )

    certificate_arn: pulumi.Input[str]
    (
        "Instead of `hosted_zone_id`: an issued ACM certificate in the stack's region that covers "
        "`origin_domain`; you point the name at the load balancer yourself."
    )

    origin_ipv6: bool
    (
        "`alb` only: CloudFront reaches the origin over IPv6 too (dual-stack VPC and load balancer, and the "
        "IPv6 origin-facing prefix list). Default false."
    )

    price_class: str
    """CloudFront price class: PriceClass_100 (the default), PriceClass_200 or PriceClass_All."""

    cache_policy: str
    (
        "Cache policy of the default behavior, by name (default Managed-CachingDisabled). `Managed-*` names "
        "must be one of AWS's managed policies; any other name is looked up in your account."
    )

    origin_request_policy: str
    (
        "Origin request policy of the default behavior, by name (default Managed-AllViewerExceptHostHeader); "
        "the same rules as `cache_policy`."
    )

    vpc_id: pulumi.Input[str]
    (
        "Use this existing VPC instead of creating one; then give `public_subnet_ids` and, for `alb`, "
        "`private_subnet_ids` in it (with `vpc_origin`: only `private_subnet_ids`)."
    )

    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    (
        "Subnets of `vpc_id` for what faces the internet: the ALB (at least two, in different Availability "
        "Zones) or the direct instance (the first one)."
    )

    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    (
        "Subnets of `vpc_id` for the instances behind the ALB and, with `vpc_origin`, for the internal ALB or "
        "the direct instance. They need their own path to SSM and the package repositories."
    )

    vpc_cidr: str
    (
        "IPv4 block of the VPC the component creates (default 10.80.0.0/16): a private range from /16 to "
        "/25, carved into four equal subnets."
    )

    vpc_endpoints: bool
    (
        "With `alb` and a created VPC, add the SSM interface endpoints (about $44 a month) so private "
        "instances reach Session Manager without a NAT gateway. Default true."
    )

    ami_id: pulumi.Input[str]
    (
        "Pin the AMI of the instances. Unset uses the newest Amazon Linux 2023 when an instance is created; "
        "a newer AMI never replaces a running instance."
    )

    waf: bool
    (
        "`alb` only: attach a regional WAF web ACL to the load balancer that blocks every request without an "
        "exactly matching secret header. Default false."
    )

    waf_rate_limit: int
    (
        "With `waf`: block a viewer address above this many requests per 5 minutes (10 to 2,000,000,000). "
        "0 (the default) adds no rate rule."
    )

    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    (
        "Extra tags for every resource the component creates (it adds Name, Project, Stack and its role tag "
        "itself). Keys and values use the characters CloudFront, ELB, WAF and SSM accept."
    )

    monitoring: bool
    (
        "Alarms on CloudFront's and the origin's metrics, a probe that checks the lock every 5 minutes from a "
        "Lambda function, alerts on changes to the origin's security groups and a CloudWatch dashboard (about "
        "$2 a month plus $3 for the dashboard; see the README, Monitoring). Default false; `alarm_email` turns "
        "it on too."
    )

    alarm_email: str
    (
        "An email address for the alarms and change alerts (an SNS email subscription per region used, "
        "to confirm from the email AWS sends). Setting it turns `monitoring` on."
    )

    cloudfront_additional_metrics: bool
    (
        "With monitoring: turn on CloudFront's additional metrics for the distribution (403 and 504 error "
        "rates, origin latency) and alarm on the 403 and 504 rates: about $2.60 a month ($2.40 for the 8 metrics, "
        "$0.20 for the two alarms). Default false."
    )

    deploy_role_arn: str
    (
        "With monitoring: the ARN of the IAM role that deploys the stack; changes it makes to the origin's "
        "security groups and load balancer are not reported (the stack's own deploys). Unset reports every change."
    )

    origin_mtls: bool
    (
        "Origin mutual TLS (`alb` with `origin_domain`, not with `vpc_origin`): CloudFront presents a client "
        "certificate, issued by a CA of the stack's own and renewed on each deploy's clock, and the HTTPS listener "
        "verifies it against a trust store holding that CA; the secret header stays as a second factor. Needs a "
        "CloudFront Business or Premium plan or pay-as-you-go pricing (see the README, Origin mutual TLS). "
        "Default false."
    )

    origin_mtls_private_ca_arn: str
    (
        "With `origin_mtls`: issue CloudFront's client certificate from this AWS Private CA "
        "(arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/UUID, the EndEntityClientAuthCertificate/V1 "
        "template) instead of the stack's own CA; the trust store then holds that CA's certificate and chain."
    )


# Every argument, in the schema's order.
ARG_NAMES: tuple[str, ...] = tuple(OriginLockdownArgs.__annotations__)
# Arguments that may come from other resources (pulumi.Input); every other one must be known now.
INPUT_ARGS = frozenset(
    {"vpc_id", "public_subnet_ids", "private_subnet_ids", "certificate_arn", "hosted_zone_id", "ami_id", "tags"}
)
INTEGER_ARGS = frozenset(name for name, annotation in OriginLockdownArgs.__annotations__.items() if annotation is int)
# Arguments that land on a Settings field of another name, or on no single field (assembled below).
_FIELD_OF = {"origin_header_name": "header_name", "cache_policy": "cache_policy_name"}
_FIELD_OF |= {"origin_request_policy": "origin_request_policy_name"}
_ASSEMBLED = frozenset(
    {"origin_domain", "hosted_zone_id", "certificate_arn", "vpc_id", "public_subnet_ids", "private_subnet_ids"}
    | {"waf", "waf_rate_limit"}
    | {"monitoring", "alarm_email", "cloudfront_additional_metrics", "deploy_role_arn"}
    | {"origin_mtls", "origin_mtls_private_ca_arn"}
)
OUTPUT_SHOWN = Shown("<an Output>")


def setting_key(name: str) -> str:
    """The stack-setting key of an argument: ``origin_header_name`` -> ``originHeaderName``."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def contains_output(value: object) -> bool:
    """Whether ``value`` is, or holds, a value that is not known yet (an Output or another awaitable)."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_output(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_output(item) for item in value)
    return False


def _shown(value: object) -> object:
    """A value as an error message shows it: an Output as such, a list as a list (the way it is written)."""
    if contains_output(value):
        return OUTPUT_SHOWN
    return list(value) if isinstance(value, tuple) else value


def _integer(value: object) -> object:
    """Numbers cross Pulumi's wire as doubles: a whole one is the integer the caller wrote."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _id_input(value: object) -> Any:
    """A single id: plain as given (checked now), or one Output (checked when known)."""
    return pulumi.Output.from_input(value) if contains_output(value) else value


def _field_value(name: str, value: Any) -> Any:
    """A directly mapped argument as its Settings field holds it."""
    if name in INTEGER_ARGS:
        return _integer(value)
    if name == "secret_slots" and isinstance(value, list):
        return tuple(value)
    if name == "ami_id":
        return _id_input(value)
    if name == "tags":
        return pulumi.Output.from_input(value) if contains_output(value) else tag_map(value)
    return value


def settings_from_args(args: Mapping[str, Any]) -> Settings:
    """Check ``args`` and assemble the component's :class:`Settings` (raises :class:`SettingError`).

    ``None`` means "not given" (the default), as the provider host passes it. Every value known now is
    checked now; each argument given as an Output is checked inside ``apply`` (settings.deferred_checks).
    """
    if not isinstance(args, Mapping):
        raise SettingError("args", Shown(type(args).__name__), "expected OriginLockdownArgs (a dict of arguments)")
    unknown = sorted(set(args) - set(ARG_NAMES))
    if unknown:
        raise SettingError(
            unknown[0], Shown("(set)"), f"not an argument of OriginLockdown; known arguments: {', '.join(ARG_NAMES)}"
        )
    given = {name: value for name, value in args.items() if value is not None}
    for name, value in given.items():
        if name not in INPUT_ARGS and contains_output(value):
            raise SettingError(
                setting_key(name),
                OUTPUT_SHOWN,
                "expected a plain value: it decides which resources are created, so it must be known before "
                "any is registered",
            )

    fields: dict[str, Any] = {
        _FIELD_OF.get(name, name): _field_value(name, value) for name, value in given.items() if name not in _ASSEMBLED
    }
    fields["origin_tls"] = _origin_tls(given)
    fields["network"] = _network(given)
    fields["waf"] = _waf(given)
    fields["monitoring"] = _monitoring(given)
    fields["origin_mtls"] = _origin_mtls(given)
    return Settings(**{name: value for name, value in fields.items() if value is not None})


def _origin_tls(given: Mapping[str, Any]) -> OriginTls | None:
    domain, zone, certificate = given.get("origin_domain"), given.get("hosted_zone_id"), given.get("certificate_arn")
    if domain is not None:
        return OriginTls(domain, hosted_zone_id=_id_input(zone), certificate_arn=_id_input(certificate))
    if zone is not None or certificate is not None:
        key, value = ("hostedZoneId", zone) if zone is not None else ("certificateArn", certificate)
        raise SettingError(key, _shown(value), "only used together with originDomain; set originDomain too")
    return None


def _network(given: Mapping[str, Any]) -> ExistingNetwork | PendingNetwork | None:
    vpc_id = given.get("vpc_id")
    public, private = given.get("public_subnet_ids"), given.get("private_subnet_ids")
    if vpc_id is None:
        for key, value in (("publicSubnetIds", public), ("privateSubnetIds", private)):
            if contains_output(value) or subnet_id_list(key, value):
                raise SettingError(key, _shown(value), "only used together with vpcId; set vpcId too")
        return None
    if any(contains_output(part) for part in (vpc_id, public, private)):
        # One of them comes from another resource: all three are checked together once known.
        return PendingNetwork(
            vpc_id=pulumi.Output.from_input(vpc_id),
            public_subnet_ids=pulumi.Output.from_input(public if public is not None else []),
            private_subnet_ids=pulumi.Output.from_input(private if private is not None else []),
        )
    return ExistingNetwork(
        vpc_id, subnet_id_list("publicSubnetIds", public), subnet_id_list("privateSubnetIds", private)
    )


def _waf(given: Mapping[str, Any]) -> WafSettings | None:
    enabled = given.get("waf", False)
    check_flag("waf", enabled)
    # 0 (the default) means no rate-based rule.
    rate_limit = _integer(given.get("waf_rate_limit", 0)) or None
    if enabled:
        return WafSettings(rate_limit=rate_limit)  # type: ignore[arg-type]
    if rate_limit is not None:
        raise SettingError("wafRateLimit", rate_limit, "only used with waf: true; set waf too")
    return None


def _monitoring(given: Mapping[str, Any]) -> MonitoringSettings | None:
    """On with ``monitoring`` or with an ``alarm_email``; its other arguments only with it on. Each value is
    checked on its own first, used or not."""
    enabled = given.get("monitoring", False)
    check_flag("monitoring", enabled)
    email = given.get("alarm_email")
    if email is not None:
        check_alarm_email(email)
    additional = given.get("cloudfront_additional_metrics", False)
    check_flag("cloudfrontAdditionalMetrics", additional)
    role = given.get("deploy_role_arn")
    check_deploy_role_arn(role)
    if enabled or email is not None:
        return MonitoringSettings(alarm_email=email, cloudfront_additional_metrics=additional, deploy_role_arn=role)
    if additional:
        raise SettingError("cloudfrontAdditionalMetrics", True, MONITORING_ONLY)
    if role is not None:
        raise SettingError("deployRoleArn", role, MONITORING_ONLY)
    return None


def _origin_mtls(given: Mapping[str, Any]) -> MtlsSettings | None:
    """On with ``origin_mtls``; the Private CA only with it. Each value is checked on its own first."""
    enabled = given.get("origin_mtls", False)
    check_flag("originMtls", enabled)
    private_ca = given.get("origin_mtls_private_ca_arn")
    check_private_ca_arn(private_ca)
    if enabled:
        return MtlsSettings(private_ca_arn=private_ca)
    if private_ca is not None:
        raise SettingError("originMtlsPrivateCaArn", private_ca, MTLS_ONLY)
    return None
