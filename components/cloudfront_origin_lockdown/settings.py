"""The component's typed arguments, validated before any resource exists.

Every check raises :class:`SettingError` naming the stack setting (its key in ``Pulumi.<stack>.yaml``),
the bad value and what is allowed, so ``pulumi preview`` fails on the first line of output instead of
half-way through a deployment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

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
_HEADER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_SLOT_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_AMI_ID = re.compile(r"^ami-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_POLICY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class SettingError(ValueError):
    """A stack setting has a value the component cannot deploy. The message names key, value, rule."""

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
    hosted_zone_id: str | None = None
    certificate_arn: str | None = None


@dataclass(frozen=True)
class ExistingNetwork:
    """A VPC you already have. Public subnets hold the load balancer (or the direct instance), private
    subnets the instances behind a load balancer; they need their own route to package mirrors and to
    SSM (a NAT gateway or VPC endpoints)."""

    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class WafSettings:
    """A regional web ACL on the load balancer: block by default, allow only requests whose secret
    header exactly matches an accepted value; optionally a rate-based rule per client IP."""

    rate_limit: int | None = None


@dataclass(frozen=True)
class OriginLockdownArgs:
    """Everything :class:`~cloudfront_origin_lockdown.origin_lockdown.OriginLockdown` needs. Defaults are the secure,
    cheap choice; ``__post_init__`` validates the whole object, so an instance is always deployable."""

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
    # Automatic rotation: every `pulumi up` this many days after the last step takes the next one (0: off).
    # The program plans the slots from what the stack last deployed (auto_rotation.py) and passes them in
    # secret_slots/active_secret_slot; the component itself deploys whatever slots it is given.
    secret_rotation_days: int = 0
    origin_tls: OriginTls | None = None
    origin_ipv6: bool = False
    # CloudFront reaches the origin through a VPC origin: the ALB is internal, the direct instance has no
    # public address (vpc_origin.py).
    vpc_origin: bool = False
    price_class: PriceClass = "PriceClass_100"
    cache_policy_name: str = "Managed-CachingDisabled"
    origin_request_policy_name: str = "Managed-AllViewerExceptHostHeader"
    network: ExistingNetwork | None = None
    vpc_cidr: str = "10.80.0.0/16"
    vpc_endpoints: bool = True
    ami_id: str | None = None
    waf: WafSettings | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate(self)

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


def _validate(args: OriginLockdownArgs) -> None:
    if args.architecture not in ARCHITECTURES:
        raise SettingError("architecture", args.architecture, f"expected one of {', '.join(ARCHITECTURES)}")
    _validate_compute(args)
    _validate_header(args)
    _validate_secrets(args)
    _validate_rotation_days(args.secret_rotation_days)
    _validate_cdn(args)
    _validate_network(args)
    _validate_vpc_origin(args)
    if args.waf is not None:
        _validate_waf(args, args.waf)
    _validate_tags(args.tags)


def _require_int(key: str, value: object, low: int, high: int, why: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingError(key, value, f"expected an integer from {low} to {high}{why}")


def _validate_compute(args: OriginLockdownArgs) -> None:
    if not _INSTANCE_TYPE.match(args.instance_type):
        raise SettingError("instanceType", args.instance_type, "expected an EC2 instance type such as t3.micro")
    if args.architecture == "direct":
        if args.instance_count not in (0, 1):
            raise SettingError(
                "instanceCount",
                args.instance_count,
                "architecture direct runs exactly 1 instance (or 0 for automatic); use alb for more",
            )
    else:
        _require_int("instanceCount", args.instance_count, 0, 10, " (0 means 2, one per Availability Zone)")
    if args.app_boot_script is None:
        # The bundled sample app runs as an unprivileged user, which cannot bind ports below 1024.
        _require_int("appPort", args.app_port, 1024, 65535, " (the sample app runs unprivileged)")
    else:
        _require_int("appPort", args.app_port, 1, 65535)
        if not args.app_boot_script.strip():
            raise SettingError("appBootScript", "", "expected a file with a boot script, or no setting")
    if args.architecture == "direct" and args.app_port in (HTTP_PORT, HTTPS_PORT):
        raise SettingError(
            "appPort",
            args.app_port,
            "with architecture direct nginx owns ports 80 and 443; pick another port",
        )
    path = args.health_check_path
    if (
        not path.startswith("/")
        or len(path) > aws_limits.HEALTH_CHECK_PATH_MAX
        or any(c.isspace() or not c.isprintable() for c in path)
    ):
        raise SettingError(
            "healthCheckPath",
            path,
            f"expected a path starting with / of at most {aws_limits.HEALTH_CHECK_PATH_MAX} printable characters",
        )
    if args.ami_id is not None and not _AMI_ID.match(args.ami_id):
        raise SettingError("amiId", args.ami_id, "expected an AMI id such as ami-0123456789abcdef0")


def header_name_problem(name: str, architecture: str) -> str | None:
    """Why CloudFront (or the origin) cannot use ``name`` as the secret header, or ``None``."""
    limit = aws_limits.ALB_HEADER_NAME_MAX if architecture == "alb" else aws_limits.CLOUDFRONT_HEADER_NAME_MAX
    if not _HEADER_NAME.match(name) or len(name) > limit:
        return f"expected 1 to {limit} letters, digits and '-' (not at either end)"
    lowered = name.lower()
    if lowered in aws_limits.CLOUDFRONT_REFUSED_HEADER_NAMES or lowered.startswith(
        aws_limits.CLOUDFRONT_REFUSED_HEADER_PREFIXES
    ):
        return "CloudFront refuses to add this header to origin requests; pick a custom name such as X-Origin-Verify"
    return None


def _validate_header(args: OriginLockdownArgs) -> None:
    problem = header_name_problem(args.header_name, args.architecture)
    if problem:
        raise SettingError("originHeaderName", args.header_name, problem)


def _validate_secrets(args: OriginLockdownArgs) -> None:
    # The value must fit an ALB condition value (128) and stay long enough to be unguessable.
    _require_int("secretLength", args.secret_length, 32, aws_limits.ALB_HEADER_VALUE_MAX)
    slots = args.secret_slots
    if not 1 <= len(slots) <= aws_limits.ALB_CONDITION_VALUES_PER_RULE:
        raise SettingError(
            "secretSlots",
            list(slots),
            f"expected 1 to {aws_limits.ALB_CONDITION_VALUES_PER_RULE} slots "
            "(an ALB listener rule condition takes at most 5 values)",
        )
    for slot in slots:
        if not isinstance(slot, str) or not _SLOT_NAME.match(slot):
            raise SettingError(
                "secretSlots",
                slot,
                "expected slot names of 1 to 16 lowercase letters, digits and '-' (e.g. v2)",
            )
    if len(set(slots)) != len(slots):
        raise SettingError("secretSlots", list(slots), "expected each slot name once")
    if args.active_secret_slot not in slots:
        raise SettingError(
            "activeSecretSlot",
            args.active_secret_slot,
            f"expected one of the accepted slots {list(slots)}: CloudFront must send a value the origin accepts",
        )


def _validate_rotation_days(days: int) -> None:
    # Off, or at least a day: each step must outlast the distribution's deployment and, with direct, the
    # instance guard's 60-second refresh, and a value should stay the sent one at most a year.
    _require_int("secretRotationDays", days, 0, 365, " (0 turns automatic rotation off)")


def _validate_cdn(args: OriginLockdownArgs) -> None:
    if args.price_class not in PRICE_CLASSES:
        raise SettingError("priceClass", args.price_class, f"expected one of {', '.join(PRICE_CLASSES)}")
    for key, name in (
        ("cachePolicy", args.cache_policy_name),
        ("originRequestPolicy", args.origin_request_policy_name),
    ):
        if not _POLICY_NAME.match(name):
            raise SettingError(key, name, "expected a CloudFront policy name such as Managed-CachingDisabled")
    if args.origin_ipv6 and args.architecture == "direct":
        raise SettingError(
            "originIpv6",
            True,
            "IPv6 to the origin needs architecture alb: CloudFront reaches the direct instance by its public DNS "
            "name, which has no IPv6 (AAAA) record, while a dual-stack ALB's name has one",
        )
    tls = args.origin_tls
    if tls is None:
        return
    if args.architecture == "direct":
        raise SettingError(
            "originDomain",
            tls.domain_name,
            "HTTPS to the origin needs architecture alb: CloudFront requires a publicly trusted "
            "certificate on the origin and an ACM certificate cannot be installed on an EC2 instance",
        )
    labels = tls.domain_name.rstrip(".").split(".")
    if len(tls.domain_name) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise SettingError("originDomain", tls.domain_name, "expected a lowercase DNS name such as origin.example.com")
    if (tls.hosted_zone_id is None) == (tls.certificate_arn is None):
        raise SettingError(
            "originDomain",
            tls.domain_name,
            "set exactly one of hostedZoneId (to issue and validate a certificate) or certificateArn",
        )
    if tls.hosted_zone_id is not None and not _HOSTED_ZONE_ID.match(tls.hosted_zone_id):
        raise SettingError("hostedZoneId", tls.hosted_zone_id, "expected a Route 53 zone id such as Z0123456789ABC")
    if tls.certificate_arn is not None and not _CERTIFICATE_ARN.match(tls.certificate_arn):
        raise SettingError(
            "certificateArn",
            tls.certificate_arn,
            "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:...)",
        )


def _validate_network(args: OriginLockdownArgs) -> None:
    net = args.network
    if net is None:
        try:
            cidr = ipaddress.IPv4Network(args.vpc_cidr)
        except ValueError:
            cidr = None
        # Four subnets are carved from the block (two public, two private): it must hold four /28s.
        # Four equal subnets are carved from the block (two public, two private), each at least /27 so
        # that an ALB in them can scale.
        largest_prefix = aws_limits.ALB_SUBNET_PREFIX_MAX - 2
        if cidr is None or not aws_limits.VPC_PREFIX_MIN <= cidr.prefixlen <= largest_prefix:
            raise SettingError(
                "vpcCidr",
                args.vpc_cidr,
                f"expected an IPv4 network from /{aws_limits.VPC_PREFIX_MIN} to /{largest_prefix} "
                "(four subnets of at least /27 are carved from it)",
            )
        if not cidr.is_private:
            raise SettingError("vpcCidr", args.vpc_cidr, "expected a private range (RFC 1918), e.g. 10.80.0.0/16")
        return
    if not _VPC_ID.match(net.vpc_id):
        raise SettingError("vpcId", net.vpc_id, "expected a VPC id such as vpc-0123456789abcdef0")
    for key, ids in (
        ("publicSubnetIds", net.public_subnet_ids),
        ("privateSubnetIds", net.private_subnet_ids),
    ):
        for subnet in ids:
            if not isinstance(subnet, str) or not _SUBNET_ID.match(subnet):
                raise SettingError(key, subnet, "expected subnet ids such as subnet-0123456789abcdef0")
        if len(set(ids)) != len(ids):
            raise SettingError(key, list(ids), "expected each subnet once")
    if args.vpc_origin:
        return  # the origin sits in the private subnets: _validate_vpc_origin checks them
    if args.architecture == "alb":
        if len(net.public_subnet_ids) < aws_limits.ALB_MIN_SUBNETS:
            raise SettingError(
                "publicSubnetIds",
                list(net.public_subnet_ids),
                "expected at least 2 public subnets in different Availability Zones (an ALB needs two)",
            )
        if not net.private_subnet_ids:
            raise SettingError(
                "privateSubnetIds", [], "expected at least 1 private subnet for the instances behind the ALB"
            )
    elif not net.public_subnet_ids:
        raise SettingError("publicSubnetIds", [], "expected at least 1 public subnet for the instance")


def _validate_vpc_origin(args: OriginLockdownArgs) -> None:
    """A VPC origin: IPv4 to the origin, and with an existing VPC the private subnets that hold it."""
    if not isinstance(args.vpc_origin, bool):
        raise SettingError("vpcOrigin", args.vpc_origin, "expected true or false")
    if not args.vpc_origin:
        return
    if args.origin_ipv6:
        raise SettingError(
            "originIpv6",
            True,
            "with vpcOrigin CloudFront reaches the origin through its own network interface in your subnet, "
            "over IPv4 only; remove originIpv6",
        )
    net = args.network
    if net is None:
        return
    if net.public_subnet_ids:
        raise SettingError(
            "publicSubnetIds",
            list(net.public_subnet_ids),
            "with vpcOrigin the origin sits in privateSubnetIds and nothing uses public subnets; "
            "remove publicSubnetIds",
        )
    needed = aws_limits.ALB_MIN_SUBNETS if args.architecture == "alb" else 1
    if len(net.private_subnet_ids) < needed:
        raise SettingError(
            "privateSubnetIds",
            list(net.private_subnet_ids),
            f"with vpcOrigin the {'internal ALB' if needed > 1 else 'instance'} sits in private subnets: expected "
            f"at least {needed}" + (" in different Availability Zones" if needed > 1 else ""),
        )


def _validate_waf(args: OriginLockdownArgs, waf: WafSettings) -> None:
    if args.architecture != "alb":
        raise SettingError("waf", True, "a WAF web ACL attaches to the load balancer: it needs architecture alb")
    if waf.rate_limit:
        _require_int("wafRateLimit", waf.rate_limit, aws_limits.WAF_RATE_LIMIT_MIN, aws_limits.WAF_RATE_LIMIT_MAX)


def _validate_tags(tags: Mapping[str, Any]) -> None:
    # The component adds its own tags (Name, Project, Stack, origin-lockdown:role); leave room for them.
    own_tags = 4
    if len(tags) > aws_limits.TAGS_PER_RESOURCE_MAX - own_tags:
        raise SettingError(
            "tags",
            f"{len(tags)} tags",
            f"expected at most {aws_limits.TAGS_PER_RESOURCE_MAX - own_tags} tags",
        )
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= aws_limits.TAG_KEY_MAX or key.lower().startswith("aws:"):
            raise SettingError("tags", key, f"expected tag keys of 1 to {aws_limits.TAG_KEY_MAX} characters, not aws:*")
        if not isinstance(value, str) or len(value) > aws_limits.TAG_VALUE_MAX:
            raise SettingError(
                "tags",
                {key: value},
                f"expected string tag values of at most {aws_limits.TAG_VALUE_MAX} characters",
            )
