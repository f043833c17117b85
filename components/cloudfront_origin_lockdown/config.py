"""Read the stack's settings once, into :class:`~cloudfront_origin_lockdown.settings.OriginLockdownArgs`.

This is the only place that knows the config key names. Parsing errors and validation errors read the
same way: ``invalid setting <key>: <value> is not allowed; <what is allowed>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .settings import (
    ExistingNetwork,
    OriginLockdownArgs,
    OriginTls,
    SettingError,
    WafSettings,
)

# Every key the program reads. Pulumi.yaml declares the same set (a test keeps the two in step).
KNOWN_KEYS = (
    "architecture",
    "instanceType",
    "instanceCount",
    "appPort",
    "appBootScript",
    "healthCheckPath",
    "originHeaderName",
    "secretLength",
    "secretSlots",
    "activeSecretSlot",
    "originDomain",
    "hostedZoneId",
    "certificateArn",
    "originIpv6",
    "vpcOrigin",
    "priceClass",
    "cachePolicy",
    "originRequestPolicy",
    "vpcId",
    "publicSubnetIds",
    "privateSubnetIds",
    "vpcCidr",
    "vpcEndpoints",
    "amiId",
    "waf",
    "wafRateLimit",
    "tags",
    "rotationGuard",
    "secretRotationDays",
)

Getter = Callable[[str], str | None]


class _Reader:
    """Typed access to raw config strings, with errors that name the key."""

    def __init__(self, get: Getter) -> None:
        self._get = get

    def text(self, key: str) -> str | None:
        value = self._get(key)
        return None if value is None or value == "" else value

    def integer(self, key: str) -> int | None:
        raw = self.text(key)
        if raw is None:
            return None
        try:
            return int(raw.strip())
        except ValueError:
            raise SettingError(key, raw, "expected a whole number") from None

    def boolean(self, key: str) -> bool | None:
        raw = self.text(key)
        if raw is None:
            return None
        lowered = raw.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise SettingError(key, raw, "expected true or false")

    def _structured(self, key: str) -> Any:
        raw = self.text(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw

    def string_list(self, key: str) -> tuple[str, ...] | None:
        """A YAML list, a JSON list, or a comma-separated string."""
        value = self._structured(key)
        if value is None:
            return None
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        raise SettingError(key, value, "expected a list of strings")

    def tag_map(self, key: str) -> dict[str, str] | None:
        """Key=Value strings (project config has no map type), or a map when set programmatically."""
        value = self._structured(key)
        if value is None:
            return None
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list) and all(isinstance(item, str) and "=" in item for item in items):
            return dict(item.split("=", 1) for item in items)
        raise SettingError(key, value, "expected a list of Key=Value strings, e.g. [Environment=dev]")


def load_args(
    get: Getter,
    present_keys: Iterable[str] = (),
    project_dir: Path | None = None,
) -> OriginLockdownArgs:
    """Build validated args from a config getter (``pulumi.Config().get`` in the program).

    ``present_keys`` are the keys set in the stack's namespace; a key the program does not know is an
    error (a typo such as ``archtecture`` would otherwise silently deploy the default).
    """
    unknown = sorted(set(present_keys) - set(KNOWN_KEYS))
    if unknown:
        raise SettingError(
            unknown[0], "(set)", f"not a setting of this program; known settings: {', '.join(KNOWN_KEYS)}"
        )
    read = _Reader(get)
    kwargs: dict[str, Any] = {}

    def put(field_name: str, value: object) -> None:
        if value is not None:
            kwargs[field_name] = value

    put("architecture", read.text("architecture"))
    put("instance_type", read.text("instanceType"))
    put("instance_count", read.integer("instanceCount"))
    put("app_port", read.integer("appPort"))
    put("app_boot_script", _read_boot_script(read.text("appBootScript"), project_dir))
    put("health_check_path", read.text("healthCheckPath"))
    put("header_name", read.text("originHeaderName"))
    put("secret_length", read.integer("secretLength"))
    put("secret_slots", read.string_list("secretSlots"))
    put("active_secret_slot", read.text("activeSecretSlot"))
    put("secret_rotation_days", read.integer("secretRotationDays"))
    put("origin_ipv6", read.boolean("originIpv6"))
    put("vpc_origin", read.boolean("vpcOrigin"))
    put("price_class", read.text("priceClass"))
    put("cache_policy_name", read.text("cachePolicy"))
    put("origin_request_policy_name", read.text("originRequestPolicy"))
    put("vpc_cidr", read.text("vpcCidr"))
    put("vpc_endpoints", read.boolean("vpcEndpoints"))
    put("ami_id", read.text("amiId"))
    put("tags", read.tag_map("tags"))

    domain = read.text("originDomain")
    zone, certificate = read.text("hostedZoneId"), read.text("certificateArn")
    if domain is not None:
        put("origin_tls", OriginTls(domain, hosted_zone_id=zone, certificate_arn=certificate))
    elif zone is not None or certificate is not None:
        key = "hostedZoneId" if zone is not None else "certificateArn"
        raise SettingError(key, zone or certificate, "only used together with originDomain; set originDomain too")

    vpc_id = read.text("vpcId")
    public, private = read.string_list("publicSubnetIds"), read.string_list("privateSubnetIds")
    if vpc_id is not None:
        put("network", ExistingNetwork(vpc_id, public or (), private or ()))
    elif public or private:
        key = "publicSubnetIds" if public else "privateSubnetIds"
        raise SettingError(key, list(public or private or ()), "only used together with vpcId; set vpcId too")

    # 0 (the declared default) means no rate-based rule.
    rate_limit = read.integer("wafRateLimit") or None
    if read.boolean("waf"):
        put("waf", WafSettings(rate_limit=rate_limit))
    elif rate_limit is not None:
        raise SettingError("wafRateLimit", rate_limit, "only used with waf: true; set waf too")

    return OriginLockdownArgs(**kwargs)


def _read_boot_script(path_setting: str | None, project_dir: Path | None) -> str | None:
    if path_setting is None:
        return None
    path = Path(path_setting)
    if not path.is_absolute() and project_dir is not None:
        path = project_dir / path
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError(
            "appBootScript",
            path_setting,
            f"expected a readable UTF-8 script file ({error.__class__.__name__})",
        ) from None
