"""The component's typed arguments, validated before any resource exists.

Every check raises :class:`SettingError` naming the stack setting (its key in ``Pulumi.<stack>.yaml``),
the bad value and what is allowed, so ``pulumi preview`` fails on the first line of output instead of
half-way through a deployment.

Validation is a set of small pure functions over plain values, one per setting (``check_<key>``) or per
relationship between settings, so that the same functions can later run inside ``Output.apply`` for a
value that is only known at deploy time. Every value is checked whole (``re.fullmatch``: a trailing
newline or a stray space is an error) and on its own first, whatever the other settings say: a value
that another setting makes unused today is still refused when it is invalid.

A few values may come from other resources (a VPC and its subnets, a certificate ARN, a hosted zone id,
an AMI id, tags) and so arrive as ``pulumi.Output``. :class:`Settings` checks every value that is known
when it is built and gives each Output the very same checks inside ``apply`` (see "Values known only
at deploy time" below): the deployment then fails with the same message, before any resource uses it.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar, get_args

import pulumi

from . import aws_limits

Architecture = Literal["alb", "direct"]
PriceClass = Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"]

ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
PRICE_CLASSES: tuple[str, ...] = get_args(PriceClass)

# Port CloudFront uses to reach the origin, by origin protocol. Fixed on purpose: one port per origin
# keeps each origin-facing security group at one prefix-list rule (see security_groups.py).
HTTP_PORT = 80
HTTPS_PORT = 443

# Letters, digits and '-' only: nginx ignores header names with '_' by default
# (underscores_in_headers off) and maps '-' to '_' in $http_ variables, so allowing '_' would let
# two spellings collide. The set is a subset of RFC 9110 token characters.
_HEADER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
SLOT_NAME_MAX = 16
_SLOT_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?")
# Family (with options such as "7i-flex" or "u-6tb1"), a dot, a size: t3.micro, m7i-flex.large, c7gn.metal.
# https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")
# Resource ids: a prefix and 8 (older) or 17 lowercase hex digits.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Vpc.html (and Subnet, Image)
_VPC_ID = re.compile(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_AMI_ID = re.compile(r"ami-[0-9a-f]{8}(?:[0-9a-f]{9})?")
# Route 53 hosted zone ids are "Z" and upper-case letters and digits, at most 32 characters
# (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html: Id, length 0-32).
HOSTED_ZONE_ID_MAX = 32
_HOSTED_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,31}")
# arn:PARTITION:acm:REGION:ACCOUNT:certificate/UUID
# https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html#acm-resources-operations
_CERTIFICATE_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:acm:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Custom CloudFront policy names: letters, digits, '-' and '_', at most 128 characters.
# https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html
POLICY_NAME_MAX = 128
_POLICY_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
# An ALB health check path: '/' and visible ASCII, 1 to 1024 characters (see aws_limits).
_HEALTH_CHECK_PATH = re.compile(r"/[!-~]{0,1023}")
_CIDR = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}/[0-9]{1,2}")
# One level of an SSM parameter path.
_PARAMETER_LEVEL = re.compile(r"[A-Za-z0-9_.-]+")

# AWS-managed CloudFront policies (the same in every account), by exact name; any other name that
# starts with "Managed-" does not exist. Names without the prefix are policies of the user's own account.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
# (The Managed-Amplify-* variants of Amplify Hosting are left out on purpose: AWS says they are only for
# Amplify's own distributions.)
MANAGED_POLICY_PREFIX = "Managed-"
MANAGED_CACHE_POLICIES = frozenset(
    {
        "Managed-Amplify",
        "Managed-CachingDisabled",
        "Managed-CachingOptimized",
        "Managed-CachingOptimizedForUncompressedObjects",
        "Managed-Elemental-MediaPackage",
        "Managed-UseOriginCacheControlHeaders",
        "Managed-UseOriginCacheControlHeaders-QueryStrings",
    }
)
MANAGED_ORIGIN_REQUEST_POLICIES = frozenset(
    {
        "Managed-AllViewer",
        "Managed-AllViewerAndCloudFrontHeaders-2022-06",
        "Managed-AllViewerExceptHostHeader",
        "Managed-CORS-CustomOrigin",
        "Managed-CORS-S3Origin",
        "Managed-Elemental-MediaTailor-PersonalizedManifests",
        "Managed-HostHeaderOnly",
        "Managed-UserAgentRefererHeaders",
    }
)

# The RFC 1918 blocks AWS recommends for a VPC. A block outside them is either one CreateVpc refuses
# (0.0.0.0/8, loopback, link-local, multicast, ...) or a public range the user would take from the
# internet. https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
PRIVATE_VPC_RANGES = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# Tags the component sets itself on its resources: a user tag of the same key would be overwritten
# (Name) or would overwrite them (Project, Stack: Session Manager targets instances by Stack).
COMPONENT_TAG_KEYS = ("Name", "Project", "Stack", "origin-lockdown:role")
# Tag characters of the strictest tagged service here (CloudFront, ELB, WAF, SSM):
# ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html
# and the "aws:" prefix is reserved in keys and values. Python's re has no \p{...}: categories instead.
_TAG_SYMBOLS = frozenset("_.:/=+-@")
_TAG_CATEGORIES = ("L", "Z", "N")
RESERVED_TAG_PREFIX = "aws:"


class SettingError(ValueError, pulumi.RunError):
    """A stack setting has a value the component cannot deploy. The message names key, value, rule.

    A ``pulumi.RunError`` too, as Pulumi's own configuration errors are: a program that lets it escape (a
    library user's) shows this one line, not a traceback. Inside ``apply`` it becomes a
    :class:`DeferredSettingError` with the same message.
    """

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid setting {key}: {value!r} is not allowed; {allowed}")


@dataclass(frozen=True)
class OriginTls:
    """HTTPS from CloudFront to the origin, so the secret header never crosses the internet in clear.

    ``domain_name`` is the origin's own name (e.g. ``origin.example.com``); CloudFront connects to it and
    checks the certificate against it. Give either ``hosted_zone_id`` (a Route 53 zone that holds the
    name: the component requests an ACM certificate, validates it by DNS and points the name at the
    load balancer) or ``certificate_arn`` (an issued ACM certificate in the stack's region that covers
    the name; you point the name at the load balancer yourself).
    """

    domain_name: str
    # Either may be an Output (a zone or certificate of the caller's program): checked when known.
    hosted_zone_id: str | pulumi.Output[str] | None = None
    certificate_arn: str | pulumi.Output[str] | None = None


@dataclass(frozen=True)
class ExistingNetwork:
    """A VPC you already have. Public subnets hold the load balancer (or the direct instance), private
    subnets the instances behind a load balancer; they need their own route to package mirrors and to
    SSM (a NAT gateway or VPC endpoints)."""

    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingNetwork:
    """A VPC you already have, whose ids are not all known yet (a VPC and subnets your own program creates).

    Each is an Output; the checks of :class:`ExistingNetwork` (and, with ``vpcOrigin``, the preflight's
    lookups) run on them inside ``apply``. Whatever uses them waits for the checked values.
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]


@dataclass(frozen=True)
class WafSettings:
    """A regional web ACL on the load balancer: block by default, allow only requests whose secret
    header exactly matches an accepted value; optionally a rate-based rule per client IP."""

    rate_limit: int | None = None


@dataclass(frozen=True)
class MtlsSettings:
    """Origin mutual TLS (``originMtls``): CloudFront presents a client certificate, the HTTPS listener verifies it
    against a trust store (origin_mtls.py). The certificate is issued by a CA of the stack's own (pulumi-tls),
    or by the AWS Private CA ``private_ca_arn`` names."""

    private_ca_arn: str | None = None


@dataclass(frozen=True)
class MonitoringSettings:
    """Alarms, the continuous probe and a dashboard (monitoring.py): on with ``monitoring`` or ``alarmEmail``."""

    # Where SNS sends the alarms and the security group change events (one address; None: nobody yet).
    alarm_email: str | None = None
    # CloudFront's paid additional metrics (403 and 504 rates, origin latency) and their alarms.
    cloudfront_additional_metrics: bool = False
    # The IAM role that deploys the stack: its own changes to the origin's groups are not reported.
    deploy_role_arn: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything :class:`~cloudfront_origin_lockdown.origin_lockdown.OriginLockdown` builds from: its public
    :class:`~cloudfront_origin_lockdown.args.OriginLockdownArgs`, checked and assembled
    (:func:`~cloudfront_origin_lockdown.args.settings_from_args`). Defaults are the secure, cheap choice;
    ``__post_init__`` validates every known value and attaches the same checks to each Output, so an
    instance is always deployable."""

    architecture: Architecture = "alb"
    instance_type: str = "t3.micro"
    # Instances behind the load balancer, spread over the private subnets; ``direct`` has exactly one.
    # 0 picks the architecture's default (see ``instances``).
    instance_count: int = 0
    app_port: int = 8080
    # Contents of a boot script that installs and starts the user's app on ``app_port``; ``None``
    # installs the bundled sample app.
    app_boot_script: str | None = None
    health_check_path: str = "/healthz"
    header_name: str = "X-Origin-Verify"
    secret_length: int = 48
    # Rotation: the origin accepts a value for every slot; CloudFront sends the active slot's value.
    secret_slots: tuple[str, ...] = ("v1",)
    active_secret_slot: str = "v1"
    # Automatic rotation: one step each `pulumi up` once this many days have passed (0: off). The component
    # plans the slots from its record in AWS (component_rotation.py); the rotation guard judges every step.
    secret_rotation_days: int = 0
    rotation_guard: bool = True
    origin_tls: OriginTls | None = None
    origin_ipv6: bool = False
    # CloudFront reaches the origin through a VPC origin: the ALB is internal, the direct instance has no
    # public address (vpc_origin.py).
    vpc_origin: bool = False
    price_class: PriceClass = "PriceClass_100"
    cache_policy_name: str = "Managed-CachingDisabled"
    origin_request_policy_name: str = "Managed-AllViewerExceptHostHeader"
    network: ExistingNetwork | PendingNetwork | None = None
    vpc_cidr: str = "10.80.0.0/16"
    vpc_endpoints: bool = True
    ami_id: str | pulumi.Output[str] | None = None
    waf: WafSettings | None = None
    tags: Mapping[str, str] | pulumi.Output[dict[str, str]] = field(default_factory=dict)
    # Alarms, the continuous probe and a dashboard (README "Monitoring"); None: off.
    monitoring: MonitoringSettings | None = None
    # Origin mutual TLS (README "Origin mutual TLS"); None: off.
    origin_mtls: MtlsSettings | None = None

    def __post_init__(self) -> None:
        validate_args(self)
        # Outputs: the same checks, inside apply. Frozen, but this is still construction.
        for name, checked in deferred_checks(self).items():
            object.__setattr__(self, name, checked)

    @property
    def instances(self) -> int:
        """How many instances to run: two behind an ALB (one per AZ) unless set; one for direct."""
        if self.instance_count:
            return self.instance_count
        return 2 if self.architecture == "alb" else 1

    @property
    def origin_protocol(self) -> Literal["http", "https"]:
        return "https" if self.origin_tls else "http"

    @property
    def origin_port(self) -> int:
        """The single port CloudFront connects to, and so the only port the origin groups open."""
        return HTTPS_PORT if self.origin_tls else HTTP_PORT


def validate_args(args: Settings) -> None:
    """Every setting on its own, then how they combine. Raises the first :class:`SettingError`.

    A check that reads an Output (see :func:`deferred_checks`) waits until its value is known.
    """
    check_architecture(args.architecture)
    check_instance_type(args.instance_type)
    check_app_boot_script(args.app_boot_script)
    check_app_port(args.app_port, args.architecture, custom_app=args.app_boot_script is not None)
    check_health_check_path(args.health_check_path)
    check_header_name(args.header_name, args.architecture)
    check_secret_length(args.secret_length)
    check_secret_slots(args.secret_slots)
    check_active_secret_slot(args.active_secret_slot, args.secret_slots)
    check_secret_rotation_days(args.secret_rotation_days)
    check_flag("rotationGuard", args.rotation_guard)
    check_flag("originIpv6", args.origin_ipv6)
    check_price_class(args.price_class)
    check_policy_name("cachePolicy", args.cache_policy_name, MANAGED_CACHE_POLICIES)
    check_policy_name("originRequestPolicy", args.origin_request_policy_name, MANAGED_ORIGIN_REQUEST_POLICIES)
    check_vpc_cidr(args.vpc_cidr)
    check_flag("vpcEndpoints", args.vpc_endpoints)
    if not _is_output(args.ami_id):
        check_ami_id(args.ami_id)
    if args.origin_tls is not None:
        # What rules HTTPS out altogether comes first: `direct` + originDomain is told that direct cannot do HTTPS,
        # not to add a hostedZoneId it could never use.
        check_tls_architecture(args.origin_tls, args.architecture)
        check_origin_tls(args.origin_tls)
    # None while its ids are Outputs: its checks, its combinations included, run once they are known.
    network = args.network if isinstance(args.network, ExistingNetwork) else None
    if network is not None:
        check_network(network)
    if args.waf is not None:
        check_waf_rate_limit(args.waf.rate_limit)
    if not _is_output(args.tags):
        check_tags(args.tags)
    check_flag("vpcOrigin", args.vpc_origin)
    # How the settings combine.
    check_instance_count(args.instance_count, args.architecture)
    check_origin_ipv6(args.origin_ipv6, args.architecture)
    check_tls_architecture(args.origin_tls, args.architecture)
    check_network_architecture(network, args.architecture, args.vpc_origin)
    check_vpc_origin(args.vpc_origin, args.origin_ipv6, network, args.architecture)
    check_waf_architecture(args.waf, args.architecture)
    if args.monitoring is not None:
        check_monitoring(args.monitoring)
    problem = requires_guard_problem(args.secret_rotation_days, args.rotation_guard)
    if problem is not None:
        raise problem
    if args.origin_mtls is not None:
        check_private_ca_arn(args.origin_mtls.private_ca_arn)
        check_origin_mtls(args.architecture, args.vpc_origin, args.origin_tls)


# --- small helpers ------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(pattern: re.Pattern[str], value: object) -> bool:
    """``value`` is a string that ``pattern`` matches from its first to its last character."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def require_int(key: str, value: object, low: int, high: int, why: str = "") -> None:
    if not _is_int(value) or not low <= value <= high:  # type: ignore[operator]
        raise SettingError(key, value, f"expected an integer from {low} to {high}{why}")


# --- one function per setting ---------------------------------------------------------------------


def check_architecture(value: object) -> None:
    if value not in ARCHITECTURES:
        raise SettingError("architecture", value, f"expected one of {', '.join(ARCHITECTURES)}")


def check_instance_type(value: object) -> None:
    if not _whole(_INSTANCE_TYPE, value):
        raise SettingError("instanceType", value, "expected an EC2 instance type such as t3.micro")


def check_instance_count(value: object, architecture: str) -> None:
    if architecture == "direct":
        if not _is_int(value) or value not in (0, 1):
            raise SettingError(
                "instanceCount",
                value,
                "architecture direct runs exactly 1 instance (or 0 for automatic); use alb for more",
            )
        return
    require_int("instanceCount", value, 0, 10, " (0 means 2, one per Availability Zone)")


def check_app_boot_script(value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise SettingError("appBootScript", value, "expected a file with a boot script, or no setting")


def check_app_port(value: object, architecture: str, custom_app: bool) -> None:
    if custom_app:
        require_int("appPort", value, 1, 65535)
    else:
        # The bundled sample app runs as an unprivileged user, which cannot bind ports below 1024.
        require_int("appPort", value, 1024, 65535, " (the sample app runs unprivileged)")
    if architecture == "direct" and value in (HTTP_PORT, HTTPS_PORT):
        raise SettingError("appPort", value, "with architecture direct nginx owns ports 80 and 443; pick another port")


def check_health_check_path(value: object) -> None:
    if not _whole(_HEALTH_CHECK_PATH, value):
        raise SettingError(
            "healthCheckPath",
            value,
            f"expected a path starting with / of at most {aws_limits.HEALTH_CHECK_PATH_MAX} visible ASCII "
            "characters (no spaces)",
        )


def header_name_problem(name: object, architecture: str) -> str | None:
    """Why CloudFront (or the origin) cannot use ``name`` as the secret header, or ``None``."""
    limit = aws_limits.ALB_HEADER_NAME_MAX if architecture == "alb" else aws_limits.CLOUDFRONT_HEADER_NAME_MAX
    if not isinstance(name, str) or not _whole(_HEADER_NAME, name) or len(name) > limit:
        return f"expected 1 to {limit} letters, digits and '-' (not at either end)"
    lowered = name.lower()
    if lowered in aws_limits.CLOUDFRONT_REFUSED_HEADER_NAMES or lowered.startswith(
        aws_limits.CLOUDFRONT_REFUSED_HEADER_PREFIXES
    ):
        return "CloudFront refuses to add this header to origin requests; pick a custom name such as X-Origin-Verify"
    if lowered in aws_limits.STANDARD_REQUEST_HEADER_NAMES or lowered.startswith(
        aws_limits.CLOUDFRONT_ADDED_HEADER_PREFIXES + aws_limits.LOAD_BALANCER_HEADER_PREFIXES
    ):
        return (
            "a standard header that viewers, CloudFront, the load balancer or the app give a meaning of their own "
            "(CloudFront appends to X-Forwarded-For and sets CloudFront-*, the load balancer X-Amzn-*); pick a "
            "custom name such as X-Origin-Verify"
        )
    return None


def check_header_name(value: object, architecture: str) -> None:
    problem = header_name_problem(value, architecture)
    if problem:
        raise SettingError("originHeaderName", value, problem)


def check_secret_length(value: object) -> None:
    # The value must fit an ALB condition value (128) and stay long enough to be unguessable.
    require_int("secretLength", value, 32, aws_limits.ALB_HEADER_VALUE_MAX)


def check_secret_slots(slots: object) -> None:
    if not isinstance(slots, tuple | list) or not 1 <= len(slots) <= aws_limits.ALB_CONDITION_VALUES_PER_RULE:
        raise SettingError(
            "secretSlots",
            list(slots) if isinstance(slots, tuple | list) else slots,
            f"expected 1 to {aws_limits.ALB_CONDITION_VALUES_PER_RULE} slots "
            "(an ALB listener rule condition takes at most 5 values)",
        )
    for slot in slots:
        if not _whole(_SLOT_NAME, slot):
            raise SettingError(
                "secretSlots",
                slot,
                f"expected slot names of 1 to {SLOT_NAME_MAX} lowercase letters, digits and '-' (e.g. v2)",
            )
    if len(set(slots)) != len(slots):
        raise SettingError("secretSlots", list(slots), "expected each slot name once")


def check_active_secret_slot(active: object, slots: Sequence[str]) -> None:
    if active not in slots:
        raise SettingError(
            "activeSecretSlot",
            active,
            f"expected one of the accepted slots {list(slots)}: CloudFront must send a value the origin accepts",
        )


def check_flag(key: str, value: object) -> None:
    if not isinstance(value, bool):
        raise SettingError(key, value, "expected true or false")


def check_price_class(value: object) -> None:
    if value not in PRICE_CLASSES:
        raise SettingError("priceClass", value, f"expected one of {', '.join(PRICE_CLASSES)}")


def check_policy_name(key: str, value: object, managed: frozenset[str]) -> None:
    """A managed name must be exact (it is known offline); another name is one of the account's own
    policies, looked up before anything is registered, and only its shape is known here."""
    if not isinstance(value, str) or not _whole(_POLICY_NAME, value):
        raise SettingError(
            key,
            value,
            f"expected a CloudFront policy name of 1 to {POLICY_NAME_MAX} letters, digits, '-' and '_', such as "
            "Managed-CachingDisabled",
        )
    lowered = value.lower()
    spelled = {name.lower(): name for name in managed}
    if lowered.startswith(MANAGED_POLICY_PREFIX.lower()) and value not in managed:
        raise SettingError(
            key,
            value,
            f"expected an AWS-managed policy name exactly as AWS spells it ({', '.join(sorted(managed))}), "
            "or the name of a policy of your own account (not starting with Managed-)",
        )
    # The console shows managed policies without their prefix: "CachingDisabled" is almost surely meant.
    if MANAGED_POLICY_PREFIX.lower() + lowered in spelled:
        raise SettingError(
            key,
            value,
            f"expected {spelled[MANAGED_POLICY_PREFIX.lower() + lowered]}: AWS-managed policies are looked up "
            "by their full name, with the Managed- prefix",
        )


def check_vpc_cidr(value: object) -> None:
    largest_prefix = aws_limits.ALB_SUBNET_PREFIX_MAX - 2
    shape = (
        f"expected an IPv4 network in CIDR notation from /{aws_limits.VPC_PREFIX_MIN} to /{largest_prefix} "
        "(four subnets of at least /27 are carved from it), such as 10.80.0.0/16"
    )
    if not _whole(_CIDR, value):
        raise SettingError("vpcCidr", value, shape)
    # Strict: host bits set (10.80.0.1/16) and leading zeros (010.80.0.0/16) are errors, not rewritten.
    # With the pattern above (two prefix digits) that leaves only the canonical spelling.
    try:
        network = ipaddress.IPv4Network(value)
    except ValueError:
        raise SettingError("vpcCidr", value, shape) from None
    if not aws_limits.VPC_PREFIX_MIN <= network.prefixlen <= largest_prefix:
        raise SettingError("vpcCidr", value, shape)
    if not any(network.subnet_of(block) for block in PRIVATE_VPC_RANGES):
        raise SettingError(
            "vpcCidr",
            value,
            "expected a block inside a private RFC 1918 range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), "
            "e.g. 10.80.0.0/16",
        )


def check_ami_id(value: object) -> None:
    if value is not None and not _whole(_AMI_ID, value):
        raise SettingError("amiId", value, "expected an AMI id such as ami-0123456789abcdef0")


def check_origin_domain(value: object, issued_here: bool) -> None:
    """A DNS name CloudFront can connect to and a public certificate can cover, not an address.

    A certificate requested here carries the name as its common name, at most 64 characters
    (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html); a certificate of
    your own may cover it as a subject alternative name, up to the DNS limit of 253.
    """
    limit = aws_limits.ACM_DOMAIN_NAME_MAX if issued_here else aws_limits.DNS_NAME_MAX
    allowed = f"expected a lowercase DNS name of at most {limit} characters such as origin.example.com"
    if not isinstance(value, str):
        raise SettingError("originDomain", value, allowed)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        raise SettingError(
            "originDomain", value, "expected a DNS name, not an IP address: a public certificate covers names"
        )
    labels = value.split(".")
    if (
        len(value) > limit
        or len(labels) < 2
        or not all(_whole(_DNS_LABEL, label) for label in labels)
        # An all-numeric last label is not a top-level domain (RFC 3696 section 2): 10.0.0.256 is no name.
        or labels[-1].isdigit()
    ):
        raise SettingError("originDomain", value, allowed)


def check_hosted_zone_id(value: object) -> None:
    if value is not None and not _whole(_HOSTED_ZONE_ID, value):
        raise SettingError(
            "hostedZoneId",
            value,
            f"expected a Route 53 zone id such as Z0123456789ABC (Z and at most {HOSTED_ZONE_ID_MAX - 1} "
            "upper-case letters and digits)",
        )


def check_certificate_arn(value: object) -> None:
    if value is not None and not _whole(_CERTIFICATE_ARN, value):
        raise SettingError(
            "certificateArn",
            value,
            "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)",
        )


def check_certificate_region(arn: str, region: str) -> None:
    """An ALB uses certificates of its own region only; the stack's region is where the ALB is."""
    match = _CERTIFICATE_ARN.fullmatch(arn)
    if match is not None and match.group("region") != region:
        raise SettingError(
            "certificateArn",
            arn,
            f"expected a certificate in the stack's region {region} (the load balancer can only use "
            f"certificates of its own region; this one is in {match.group('region')})",
        )


def check_origin_tls(tls: OriginTls) -> None:
    check_origin_domain(tls.domain_name, issued_here=tls.certificate_arn is None)
    # An Output is checked when known (deferred_checks); whether it is given is known now.
    if not _is_output(tls.hosted_zone_id):
        check_hosted_zone_id(tls.hosted_zone_id)
    if not _is_output(tls.certificate_arn):
        check_certificate_arn(tls.certificate_arn)
    if (tls.hosted_zone_id is None) == (tls.certificate_arn is None):
        raise SettingError(
            "originDomain",
            tls.domain_name,
            "set exactly one of hostedZoneId (to issue and validate a certificate) or certificateArn",
        )


def check_vpc_id(value: object) -> None:
    if not _whole(_VPC_ID, value):
        raise SettingError("vpcId", value, "expected a VPC id such as vpc-0123456789abcdef0")


def check_subnet_ids(key: str, ids: Sequence[object]) -> None:
    for subnet in ids:
        if not _whole(_SUBNET_ID, subnet):
            raise SettingError(key, subnet, "expected subnet ids such as subnet-0123456789abcdef0")
    if len(set(ids)) != len(ids):
        raise SettingError(key, list(ids), "expected each subnet once")


def check_subnets_disjoint(public: Sequence[str], private: Sequence[str]) -> None:
    """A subnet is public (routes to an internet gateway) or private, never both."""
    both = [subnet for subnet in private if subnet in public]
    if both:
        raise SettingError(
            "privateSubnetIds",
            both,
            "expected subnets that are not also in publicSubnetIds: the instances behind the load balancer "
            "must not sit in a public subnet",
        )


def check_network(network: ExistingNetwork) -> None:
    check_vpc_id(network.vpc_id)
    check_subnet_ids("publicSubnetIds", network.public_subnet_ids)
    check_subnet_ids("privateSubnetIds", network.private_subnet_ids)
    check_subnets_disjoint(network.public_subnet_ids, network.private_subnet_ids)


def check_secret_rotation_days(value: object) -> None:
    # Off, or at least a day: each step must outlast the distribution's deployment and, with direct, the
    # instance guard's 60-second refresh, and a value should stay the sent one at most a year.
    require_int("secretRotationDays", value, 0, 365, " (0 turns automatic rotation off)")


def requires_guard_problem(period_days: int, guard_on: bool) -> SettingError | None:
    """Automatic rotation judges every step against the deployed record, which the guard reads."""
    if period_days and not guard_on:
        return SettingError(
            "rotationGuard",
            False,
            "automatic rotation (secretRotationDays) judges each step against what the stack last deployed, which "
            "the rotation guard reads: keep the guard on, or turn automatic rotation off (secretRotationDays 0)",
        )
    return None


def check_waf_rate_limit(value: object) -> None:
    if value is not None:
        require_int("wafRateLimit", value, aws_limits.WAF_RATE_LIMIT_MIN, aws_limits.WAF_RATE_LIMIT_MAX)


def tag_text_problem(text: str, what: str, low: int, high: int) -> str | None:
    """Why AWS (its strictest tagged service) refuses ``text`` as a tag key or value, or ``None``."""
    if not low <= len(text) <= high:
        return f"expected tag {what}s of {low} to {high} characters"
    if text != text.strip():
        return f"expected tag {what}s without leading or trailing whitespace"
    if text.lower().startswith(RESERVED_TAG_PREFIX):
        return f"expected tag {what}s not starting with {RESERVED_TAG_PREFIX} (reserved for AWS)"
    for char in text:
        if char not in _TAG_SYMBOLS and not unicodedata.category(char).startswith(_TAG_CATEGORIES):
            return (
                f"expected tag {what}s of letters, digits, spaces and _ . : / = + - @ only "
                f"(CloudFront, ELB, WAF and SSM refuse {char!r})"
            )
    return None


def check_tags(tags: object) -> None:
    if not isinstance(tags, Mapping):
        raise SettingError("tags", tags, "expected a map of tag keys to values")
    # The component adds its own tags (see COMPONENT_TAG_KEYS); leave room for them.
    room = aws_limits.TAGS_PER_RESOURCE_MAX - len(COMPONENT_TAG_KEYS)
    if len(tags) > room:
        raise SettingError("tags", f"{len(tags)} tags", f"expected at most {room} tags")
    # IAM compares tag keys without regard to case and refuses "env" next to "Env" ("Duplicate tag keys found.
    # Please note that Tag keys are case insensitive"), part-way through a deployment: the instance role is
    # tagged too. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html
    seen: dict[str, str] = {own.lower(): own for own in COMPONENT_TAG_KEYS}
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise SettingError("tags", {key: value}, "expected string tag keys and values")
        if key.lower() in {own.lower() for own in COMPONENT_TAG_KEYS}:
            raise SettingError(
                "tags",
                key,
                f"expected keys other than the component's own ({', '.join(COMPONENT_TAG_KEYS)}), in any letter case",
            )
        if key.lower() in seen:
            raise SettingError(
                "tags",
                key,
                f"expected each tag key once, whatever its letter case: {seen[key.lower()]!r} is already set (IAM "
                "treats tag keys case-insensitively and refuses both)",
            )
        seen[key.lower()] = key
        problem = tag_text_problem(key, "key", 1, aws_limits.TAG_KEY_MAX) or tag_text_problem(
            value, "value", 0, aws_limits.TAG_VALUE_MAX
        )
        if problem:
            raise SettingError("tags", f"{key}={value}", problem)


# --- how settings combine -------------------------------------------------------------------------


def check_origin_ipv6(ipv6: bool, architecture: str) -> None:
    if ipv6 and architecture == "direct":
        raise SettingError(
            "originIpv6",
            True,
            "IPv6 to the origin needs architecture alb: CloudFront reaches the direct instance by its public DNS "
            "name, which has no IPv6 (AAAA) record, while a dual-stack ALB's name has one",
        )


def check_tls_architecture(tls: OriginTls | None, architecture: str) -> None:
    if tls is not None and architecture == "direct":
        raise SettingError(
            "originDomain",
            tls.domain_name,
            "HTTPS to the origin needs architecture alb: CloudFront requires a publicly trusted "
            "certificate on the origin and an ACM certificate cannot be installed on an EC2 instance",
        )


def check_network_architecture(network: ExistingNetwork | None, architecture: str, vpc_origin: bool) -> None:
    if network is None or vpc_origin:
        return  # with a VPC origin everything sits in the private subnets: check_vpc_origin checks them
    if architecture == "alb":
        if len(network.public_subnet_ids) < aws_limits.ALB_MIN_SUBNETS:
            raise SettingError(
                "publicSubnetIds",
                list(network.public_subnet_ids),
                "expected at least 2 public subnets in different Availability Zones (an ALB needs two)",
            )
        if not network.private_subnet_ids:
            raise SettingError(
                "privateSubnetIds", [], "expected at least 1 private subnet for the instances behind the ALB"
            )
    elif not network.public_subnet_ids:
        raise SettingError("publicSubnetIds", [], "expected at least 1 public subnet for the instance")


def check_vpc_origin(vpc_origin: bool, origin_ipv6: bool, network: ExistingNetwork | None, architecture: str) -> None:
    """A VPC origin: IPv4 to the origin, and with an existing VPC the private subnets that hold it."""
    if not vpc_origin:
        return
    if origin_ipv6:
        raise SettingError(
            "originIpv6",
            True,
            "with vpcOrigin CloudFront reaches the origin through its own network interface in your subnet, "
            "over IPv4 only; remove originIpv6",
        )
    if network is None:
        return
    if network.public_subnet_ids:
        raise SettingError(
            "publicSubnetIds",
            list(network.public_subnet_ids),
            "with vpcOrigin the origin sits in privateSubnetIds and nothing uses public subnets; "
            "remove publicSubnetIds",
        )
    needed = aws_limits.ALB_MIN_SUBNETS if architecture == "alb" else 1
    if len(network.private_subnet_ids) < needed:
        raise SettingError(
            "privateSubnetIds",
            list(network.private_subnet_ids),
            f"with vpcOrigin the {'internal ALB' if needed > 1 else 'instance'} sits in private subnets: expected "
            f"at least {needed}" + (" in different Availability Zones" if needed > 1 else ""),
        )


def check_waf_architecture(waf: WafSettings | None, architecture: str) -> None:
    if waf is not None and architecture != "alb":
        raise SettingError("waf", True, "a WAF web ACL attaches to the load balancer: it needs architecture alb")


# --- monitoring ----------------------------------------------------------------------------------------

# One address as SNS's email protocol takes it: a dot-atom local part (RFC 5322 section 3.2.3, no quoted
# forms) of at most 64 characters, '@', and a DNS name whose last label is letters; at most 254 characters
# in all (RFC 5321 section 4.5.3.1). https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
ALARM_EMAIL_MAX = 254
EMAIL_LOCAL_MAX = 64
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
# arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME: a name of at most 64 of letters, digits and _+=,.@-, a path of
# printable ASCII. https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
ROLE_NAME_MAX = 64
_ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/(?:[!-.0-~]+/)*[A-Za-z0-9_+=,.@-]{1,64}")
MONITORING_ONLY = "only used with monitoring; set monitoring: true (or alarmEmail) too"


def check_alarm_email(value: object) -> None:
    allowed = (
        f"expected one email address of at most {ALARM_EMAIL_MAX} characters, such as ops@example.com (SNS "
        "sends the alarms there once the address confirms the subscription)"
    )
    if not isinstance(value, str) or len(value) > ALARM_EMAIL_MAX or value.count("@") != 1:
        raise SettingError("alarmEmail", value, allowed)
    local, domain = value.split("@")
    if len(local) > EMAIL_LOCAL_MAX or not _whole(_EMAIL_LOCAL, local) or not _whole(_EMAIL_DOMAIN, domain):
        raise SettingError("alarmEmail", value, allowed)


def check_deploy_role_arn(value: object) -> None:
    if value is not None and not _whole(_ROLE_ARN, value):
        raise SettingError(
            "deployRoleArn",
            value,
            "expected the ARN of the IAM role that deploys this stack, path included, such as "
            "arn:aws:iam::123456789012:role/github-deploy (changes it makes are not reported)",
        )


def check_monitoring(monitoring: MonitoringSettings) -> None:
    if monitoring.alarm_email is not None:
        check_alarm_email(monitoring.alarm_email)
    check_flag("cloudfrontAdditionalMetrics", monitoring.cloudfront_additional_metrics)
    check_deploy_role_arn(monitoring.deploy_role_arn)


# --- origin mutual TLS ---------------------------------------------------------------------------------

# arn:PARTITION:acm-pca:REGION:ACCOUNT:certificate-authority/UUID
# https://docs.aws.amazon.com/privateca/latest/userguide/PcaWelcome.html (ARN format in the API reference)
_PRIVATE_CA_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:acm-pca:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:"
    r"certificate-authority/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
MTLS_ONLY = "only used with originMtls: true; set originMtls too"
# Where CloudFront's limits of origin mTLS are listed.
MTLS_LIMITS_PAGE = (
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-enable-mtls-distributions.html"
)


def check_private_ca_arn(value: object) -> None:
    if value is not None and not _whole(_PRIVATE_CA_ARN, value):
        raise SettingError(
            "originMtlsPrivateCaArn",
            value,
            "expected the ARN of an AWS Private CA certificate authority "
            "(arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/UUID), or no setting for the stack's own CA",
        )


def private_ca_region(arn: str) -> str:
    """The region of a Private CA (where its certificates are issued), from its ARN (checked before)."""
    match = _PRIVATE_CA_ARN.fullmatch(arn)
    if match is None:
        raise SettingError("originMtlsPrivateCaArn", arn, "expected an AWS Private CA ARN")
    return match.group("region")


def check_origin_mtls(architecture: str, vpc_origin: bool, origin_tls: OriginTls | None) -> None:
    """Where CloudFront can present a client certificate and this component can verify it: an HTTPS listener of
    a public ALB. The architecture first (it rules the rest out), then the VPC origin, then HTTPS."""
    if architecture != "alb":
        raise SettingError(
            "originMtls",
            True,
            "origin mutual TLS needs architecture alb: the listener verifies CloudFront's client certificate "
            "during the TLS handshake, and the direct instance has no HTTPS (an ACM certificate cannot be installed "
            "on an instance); use architecture alb with originDomain",
        )
    if vpc_origin:
        raise SettingError(
            "originMtls",
            True,
            f"CloudFront does not support origin mutual TLS with VPC origins ({MTLS_LIMITS_PAGE}; pulumi-aws "
            "7.51 has origin_mtls_config only under a custom origin): choose vpcOrigin (nothing of the origin on "
            "the internet) or originMtls (a public origin that verifies CloudFront's certificate)",
        )
    if origin_tls is None:
        raise SettingError(
            "originMtls",
            True,
            "origin mutual TLS is part of the TLS handshake: it needs HTTPS to the origin; set originDomain (with "
            "hostedZoneId or certificateArn)",
        )


# --- the component's own name -------------------------------------------------------------------------

# Pulumi names a resource that has no explicit name after its resource name, plus "-" and 7 random
# characters (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
AUTONAME_RANDOM_SUFFIX = 1 + 7
_COMPONENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


@dataclass(frozen=True)
class NamedChild:
    """A child resource whose AWS name derives from the component's name."""

    what: str
    # The child's AWS name: the component name followed by this, plus the random suffix when autonamed.
    suffix: str
    limit: int
    autonamed: bool
    applies: Callable[[Settings], bool]


def _alb(args: Settings) -> bool:
    return args.architecture == "alb"


def _direct(args: Settings) -> bool:
    return args.architecture == "direct"


def _always(args: Settings) -> bool:
    return True


def _alb_waf(args: Settings) -> bool:
    return args.architecture == "alb" and args.waf is not None


def _mtls(args: Settings) -> bool:
    return args.origin_mtls is not None


# Each limit is AWS's, from the page in aws_limits. Security groups: the longest role is origin-ipv4/-ipv6.
NAMED_CHILDREN: tuple[NamedChild, ...] = (
    NamedChild("load balancer", "-alb", aws_limits.ALB_NAME_MAX, True, _alb),
    NamedChild("target group", "-tg", aws_limits.TARGET_GROUP_NAME_MAX, True, _alb),
    NamedChild("WAF web ACL", "-waf", aws_limits.WAF_NAME_MAX, True, _alb_waf),
    NamedChild("IAM role", "-instance-role", aws_limits.IAM_ROLE_NAME_MAX, True, _always),
    NamedChild("IAM instance profile", "-instance-profile", aws_limits.IAM_INSTANCE_PROFILE_NAME_MAX, True, _always),
    NamedChild("IAM role policy", "-read-origin-secrets", aws_limits.IAM_POLICY_NAME_MAX, True, _direct),
    NamedChild("security group", "-origin-ipv4", aws_limits.SECURITY_GROUP_NAME_MAX, True, _always),
    NamedChild("trust store", "-ts", aws_limits.TRUST_STORE_NAME_MAX, True, _mtls),
    NamedChild("CA bundle bucket prefix", "-mtls-", aws_limits.S3_BUCKET_PREFIX_MAX, False, _mtls),
    NamedChild(
        "CloudFront comment", ": origin locked to CloudFront", aws_limits.CLOUDFRONT_COMMENT_MAX, False, _always
    ),
)


def child_name_limit(child: NamedChild) -> int:
    """The longest component name this child's AWS name fits in."""
    return child.limit - len(child.suffix) - (AUTONAME_RANDOM_SUFFIX if child.autonamed else 0)


def child_aws_name(name: str, child: NamedChild) -> str:
    """How the child's AWS name is made from the component's name, for messages."""
    return f"'{name}{child.suffix}'" + (" plus '-' and 7 random characters" if child.autonamed else "")


def component_name_limit(args: Settings) -> tuple[int, NamedChild]:
    """The longest component name every child's AWS name fits in, and the child that sets it."""
    child = min((child for child in NAMED_CHILDREN if child.applies(args)), key=child_name_limit)
    return child_name_limit(child), child


def check_component_name(name: object, args: Settings) -> None:
    """The component's resource name goes into the AWS names of its children: it must fit all of them.

    Letters, digits and '-' (an ALB's name allows nothing else), starting with a letter or digit; not
    starting with sg- (a security group's name must not) or, with an ALB, internal- (an ALB's must not).
    """
    allowed_text = "expected the component's resource name: letters, digits and '-', starting with a letter or digit"
    if not isinstance(name, str) or not _whole(_COMPONENT_NAME, name):
        raise SettingError("name", name, allowed_text)
    lowered = name.lower()
    if lowered.startswith("sg-"):
        raise SettingError(
            "name", name, "expected a name not starting with sg- (AWS refuses such security group names)"
        )
    if _alb(args) and lowered.startswith("internal-"):
        raise SettingError("name", name, "expected a name not starting with internal- (AWS refuses such ALB names)")
    if _mtls(args) and lowered.startswith(aws_limits.S3_BUCKET_RESERVED_PREFIXES):
        raise SettingError(
            "name",
            name,
            f"expected a name not starting with {', '.join(aws_limits.S3_BUCKET_RESERVED_PREFIXES)} (S3 refuses "
            "such bucket names, and originMtls names its CA bundle's bucket after the component)",
        )
    if _mtls(args) and re.fullmatch(aws_limits.TRUST_STORE_NAME_PATTERN, name) is None:
        raise SettingError(
            "name",
            name,
            "expected a name without a trailing '-' or two '-' in a row with originMtls: the trust store is named "
            f"'{name}-ts' plus '-' and 7 random characters, and AWS takes only words of letters and digits joined by "
            "single hyphens (CreateTrustStore)",
        )
    limit, child = component_name_limit(args)
    if len(name) > limit:
        raise SettingError(
            "name",
            name,
            f"expected a component name of at most {limit} characters: the {child.what}'s name is "
            f"{child_aws_name(name, child)}, and AWS allows at most {child.limit}",
        )


def check_parameter_name(name: str) -> None:
    """An SSM parameter path built from project, stack and component names (the direct origin's list; the rotation
    record, whose first level is the package's own, so the prefix rule never meets a user's name there).

    "A parameter name can't be prefixed with "aws" or "ssm" (case-insensitive)": AWS's examples of names that fail
    are ``awsTestParameter``, ``SSM-testparameter`` and ``/aws/testparam1``, so the rule is a plain prefix of the
    name after its leading "/", not a whole level: ``/awsome-shop/...`` is refused too (its error quotes the name
    without the slash, "No access to reserved parameter name: aws/test").
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
    """
    levels = name.split("/")[1:]
    if (
        len(name) > aws_limits.SSM_PARAMETER_NAME_MAX
        or len(levels) > aws_limits.SSM_PARAMETER_LEVELS_MAX
        or not all(_whole(_PARAMETER_LEVEL, level) for level in levels)
        or name[1:4].lower() in ("aws", "ssm")
    ):
        raise SettingError(
            "name",
            name,
            f"expected project, stack and component names that give an SSM parameter path of at most "
            f"{aws_limits.SSM_PARAMETER_NAME_MAX} characters and {aws_limits.SSM_PARAMETER_LEVELS_MAX} levels of "
            "letters, digits and _.- (not starting with aws or ssm)",
        )


# --- values known only at deploy time -------------------------------------------------------------------
# The ids of a VPC, its subnets, a certificate, a hosted zone or an AMI, and the tags, may come from other
# resources of the caller's program: pulumi.Output. validate_args checks every value known now; each Output
# gets the very same checks inside apply, on a copy of the settings with its value filled in (so a check
# that combines it with other settings runs too). The deployment then fails with the same message, and
# no resource uses the value before it passed. While an Output is unknown (a preview of new resources),
# nothing is checked and whatever uses it is unknown too.

_T = TypeVar("_T")
_U = TypeVar("_U")
# What an error message shows instead of a value that is a Pulumi secret.
SECRET_SHOWN = "[secret]"
SUBNET_ID_LIST = "expected a list of subnet ids such as ['subnet-0123456789abcdef0']"


class DeferredSettingError(pulumi.RunError):
    """A :class:`SettingError` of a value that was an Output, found inside ``apply``: the same message.

    Not a ``ValueError``: the Pulumi SDK wraps a ValueError raised while it serializes a resource's inputs in
    "While processing input ..." lines, so the deployment would not end on the message itself.
    """

    def __init__(self, error: SettingError) -> None:
        self.key, self.value, self.allowed = error.key, error.value, error.allowed
        super().__init__(str(error))


class Shown:
    """A value as an error message shows it when its repr would say nothing useful (``<an Output>``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _is_output(value: object) -> bool:
    return isinstance(value, pulumi.Output)


def subnet_id_list(key: str, value: object) -> tuple[str, ...]:
    """A list of subnet ids as given (not set: none); anything but a list is refused, a string included."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise SettingError(key, value, SUBNET_ID_LIST)
    return tuple(value)


def tag_map(value: object) -> Mapping[str, str]:
    """The tags as given (not set: none). What is not a map is left for check_tags to refuse."""
    return {} if value is None else value  # type: ignore[return-value]


def checked_when_known(value: pulumi.Output[_T], check: Callable[[_T], _U]) -> pulumi.Output[_U]:
    """What ``check`` makes of ``value`` once it is known. A :class:`SettingError` fails everything that uses
    the result, and so the deployment, with the check's own message (a secret value is not shown in it), as
    a :class:`DeferredSettingError`."""

    async def run(known: _T) -> _U:
        try:
            return check(known)
        except SettingError as error:
            shown = Shown(SECRET_SHOWN) if await value.is_secret() else error.value
            raise DeferredSettingError(SettingError(error.key, shown, error.allowed)) from None

    return value.apply(run)


def revalidated(settings: Settings, **known: Any) -> None:
    """:func:`validate_args` on ``settings`` with ``known`` fields replaced by their values, now known."""
    probe = copy.copy(settings)
    for name, value in known.items():
        object.__setattr__(probe, name, value)
    validate_args(probe)


def _given(key: str, value: _T | None) -> _T:
    """An id given as an Output decided what is built (e.g. no AMI lookup): it must resolve to a value."""
    if value is None:
        raise SettingError(
            key, None, "expected a value: it was given as an Output (so what uses it is built) that resolved to none"
        )
    return value


def pending_network(checked: pulumi.Output[ExistingNetwork]) -> PendingNetwork:
    """The parts of a network that is checked as a whole once known (every part waits for the checks)."""
    return PendingNetwork(
        vpc_id=checked.apply(lambda network: network.vpc_id),
        public_subnet_ids=checked.apply(lambda network: list(network.public_subnet_ids)),
        private_subnet_ids=checked.apply(lambda network: list(network.private_subnet_ids)),
    )


def deferred_checks(settings: Settings) -> dict[str, Any]:
    """Each field of ``settings`` that holds an Output, as the same value behind its checks (by field name)."""
    checked: dict[str, Any] = {}
    if isinstance(settings.ami_id, pulumi.Output):

        def ami(value: str | None) -> str:
            revalidated(settings, ami_id=_given("amiId", value))
            return _given("amiId", value)

        checked["ami_id"] = checked_when_known(settings.ami_id, ami)

    tls = settings.origin_tls
    if tls is not None and (_is_output(tls.hosted_zone_id) or _is_output(tls.certificate_arn)):

        def zone(value: str | None) -> str:
            revalidated(settings, origin_tls=replace(tls, hosted_zone_id=_given("hostedZoneId", value)))
            return _given("hostedZoneId", value)

        def certificate(value: str | None) -> str:
            revalidated(settings, origin_tls=replace(tls, certificate_arn=_given("certificateArn", value)))
            return _given("certificateArn", value)

        checked["origin_tls"] = OriginTls(
            tls.domain_name,
            hosted_zone_id=(
                checked_when_known(tls.hosted_zone_id, zone)
                if isinstance(tls.hosted_zone_id, pulumi.Output)
                else tls.hosted_zone_id
            ),
            certificate_arn=(
                checked_when_known(tls.certificate_arn, certificate)
                if isinstance(tls.certificate_arn, pulumi.Output)
                else tls.certificate_arn
            ),
        )

    if isinstance(settings.network, PendingNetwork):
        pending = settings.network

        def network(values: list[Any]) -> ExistingNetwork:
            known = ExistingNetwork(
                values[0],
                subnet_id_list("publicSubnetIds", values[1]),
                subnet_id_list("privateSubnetIds", values[2]),
            )
            revalidated(settings, network=known)
            return known

        parts = pulumi.Output.all(pending.vpc_id, pending.public_subnet_ids, pending.private_subnet_ids)
        checked["network"] = pending_network(checked_when_known(parts, network))

    if isinstance(settings.tags, pulumi.Output):

        def tags(value: object) -> dict[str, str]:
            revalidated(settings, tags=tag_map(value))
            return dict(tag_map(value))

        checked["tags"] = checked_when_known(settings.tags, tags)
    return checked
