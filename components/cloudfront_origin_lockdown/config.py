"""Read the stack's settings once, into :class:`StackSettings` (the component's args and the program's own).

This is the only place that knows the config key names. Every key is read one way for its kind, and
parsing errors read like validation errors: ``invalid setting <key>: <value> is not allowed; <what is
allowed>``.

Pulumi hands the program every key declared in ``Pulumi.yaml``, with its declared default when the
stack does not set it. So an empty string is "not set" only for the keys whose declared default is the
empty string (``optional``); anywhere else an empty value was written by someone and is an error.

To add a setting: declare it in ``Pulumi.yaml``, add its field to ``OriginLockdownArgs`` (with a
``check_<key>`` in settings.py), and add one line to ``SETTINGS`` below, e.g.
``Setting("vpcOrigin", boolean, "vpc_origin")`` or ``Setting("secretRotationDays", integer, "secret_rotation_days")``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .settings import (
    ExistingNetwork,
    OriginLockdownArgs,
    OriginTls,
    SettingError,
    WafSettings,
)

Getter = Callable[[str], str | None]
Parser = Callable[[str, str], Any]

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
NO_STRAY_CHARACTERS = (
    "expected a value without leading or trailing whitespace or control characters "
    "(a YAML block scalar such as `key: |` adds a newline)"
)


def text(key: str, raw: str) -> str:
    """A string as written: no surrounding whitespace, no control character (a newline included)."""
    if raw != raw.strip() or any(unicodedata.category(char) == "Cc" for char in raw):
        raise SettingError(key, raw, NO_STRAY_CHARACTERS)
    return raw


def integer(key: str, raw: str) -> int:
    """Decimal digits, optionally negative: not 1_0, 0x10, 010, 1e3, ' 10' or 10.0."""
    if _INTEGER.fullmatch(raw) is None:
        raise SettingError(key, raw, "expected a whole number in decimal digits, such as 8080")
    return int(raw)


def boolean(key: str, raw: str) -> bool:
    """``true`` or ``false``, as Pulumi writes a YAML boolean of the stack file."""
    if raw not in ("true", "false"):
        raise SettingError(key, raw, "expected true or false")
    return raw == "true"


def string_list(key: str, raw: str) -> tuple[str, ...]:
    """A YAML list of strings in the stack file (Pulumi passes it as JSON)."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingError(key, value, "expected a list of strings in the stack file, e.g. [v1, v2]")
    return tuple(value)


def tag_list(key: str, raw: str) -> dict[str, str]:
    """``Key=Value`` strings (project config has no map type), each key once."""
    items = string_list(key, raw)
    tags: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise SettingError(key, item, "expected Key=Value strings, e.g. [Environment=dev]")
        tag_key, tag_value = item.split("=", 1)
        if tag_key in tags:
            raise SettingError(key, tag_key, "expected each tag key once")
        tags[tag_key] = tag_value
    return tags


@dataclass(frozen=True)
class Setting:
    """One config key: how to read it, and which ``OriginLockdownArgs`` field it sets (``None`` when it
    is assembled below or belongs to the program)."""

    key: str
    parse: Parser
    field: str | None = None
    # Declared with the default "" in Pulumi.yaml: an empty value means "not set".
    optional: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("architecture", text, "architecture"),
    Setting("instanceType", text, "instance_type"),
    Setting("instanceCount", integer, "instance_count"),
    Setting("appPort", integer, "app_port"),
    Setting("appBootScript", text, optional=True),
    Setting("healthCheckPath", text, "health_check_path"),
    Setting("originHeaderName", text, "header_name"),
    Setting("secretLength", integer, "secret_length"),
    Setting("secretSlots", string_list, "secret_slots"),
    Setting("activeSecretSlot", text, "active_secret_slot"),
    Setting("originDomain", text, optional=True),
    Setting("hostedZoneId", text, optional=True),
    Setting("certificateArn", text, optional=True),
    Setting("originIpv6", boolean, "origin_ipv6"),
    Setting("priceClass", text, "price_class"),
    Setting("cachePolicy", text, "cache_policy_name"),
    Setting("originRequestPolicy", text, "origin_request_policy_name"),
    Setting("vpcId", text, optional=True),
    Setting("publicSubnetIds", string_list),
    Setting("privateSubnetIds", string_list),
    Setting("vpcCidr", text, "vpc_cidr"),
    Setting("vpcEndpoints", boolean, "vpc_endpoints"),
    Setting("amiId", text, "ami_id", optional=True),
    Setting("waf", boolean),
    Setting("wafRateLimit", integer),
    Setting("tags", tag_list, "tags"),
    Setting("rotationGuard", boolean),
)

# Every key the program reads. Pulumi.yaml declares the same set (a test keeps the two in step).
KNOWN_KEYS = tuple(setting.key for setting in SETTINGS)


@dataclass(frozen=True)
class StackSettings:
    """The component's args and the settings that belong to the program around it."""

    args: OriginLockdownArgs
    # Refuse a rotation step that skips one (README "Rotating the secret").
    rotation_guard: bool = True


def read_values(get: Getter, present_keys: Iterable[str] = ()) -> dict[str, Any]:
    """Every known key that has a value, parsed by its kind.

    ``present_keys`` are the keys set in the stack's namespace; a key the program does not know is an
    error (a typo such as ``archtecture`` would otherwise silently deploy the default).
    """
    unknown = sorted(set(present_keys) - set(KNOWN_KEYS))
    if unknown:
        raise SettingError(
            unknown[0], "(set)", f"not a setting of this program; known settings: {', '.join(KNOWN_KEYS)}"
        )
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = get(setting.key)
        if raw is None or (raw == "" and setting.optional):
            continue
        if raw == "":
            raise SettingError(setting.key, raw, "expected a value; remove the key to use its default")
        values[setting.key] = setting.parse(setting.key, raw)
    return values


def load_settings(
    get: Getter,
    present_keys: Iterable[str] = (),
    project_dir: Path | None = None,
) -> StackSettings:
    """Build validated settings from a config getter (``pulumi.Config().get`` in the program)."""
    values = read_values(get, present_keys)
    return StackSettings(args=build_args(values, project_dir), rotation_guard=values.get("rotationGuard", True))


def load_args(
    get: Getter,
    present_keys: Iterable[str] = (),
    project_dir: Path | None = None,
) -> OriginLockdownArgs:
    """Only the component's args (see :func:`load_settings`)."""
    return load_settings(get, present_keys, project_dir).args


def build_args(values: Mapping[str, Any], project_dir: Path | None = None) -> OriginLockdownArgs:
    """The component's args from parsed values: direct fields, then the ones assembled from several keys."""
    kwargs: dict[str, Any] = {
        setting.field: values[setting.key] for setting in SETTINGS if setting.field and setting.key in values
    }
    if "appBootScript" in values:
        kwargs["app_boot_script"] = read_boot_script(values["appBootScript"], project_dir)

    domain = values.get("originDomain")
    zone, certificate = values.get("hostedZoneId"), values.get("certificateArn")
    if domain is not None:
        kwargs["origin_tls"] = OriginTls(domain, hosted_zone_id=zone, certificate_arn=certificate)
    elif zone is not None or certificate is not None:
        key = "hostedZoneId" if zone is not None else "certificateArn"
        raise SettingError(key, zone or certificate, "only used together with originDomain; set originDomain too")

    vpc_id = values.get("vpcId")
    public, private = values.get("publicSubnetIds", ()), values.get("privateSubnetIds", ())
    if vpc_id is not None:
        kwargs["network"] = ExistingNetwork(vpc_id, public, private)
    elif public or private:
        key = "publicSubnetIds" if public else "privateSubnetIds"
        raise SettingError(key, list(public or private), "only used together with vpcId; set vpcId too")

    # 0 (the declared default) means no rate-based rule.
    rate_limit = values.get("wafRateLimit") or None
    if values.get("waf"):
        kwargs["waf"] = WafSettings(rate_limit=rate_limit)
    elif rate_limit is not None:
        raise SettingError("wafRateLimit", rate_limit, "only used with waf: true; set waf too")

    return OriginLockdownArgs(**kwargs)


def read_boot_script(path_setting: str, project_dir: Path | None) -> str:
    path = Path(path_setting)
    if not path.is_absolute() and project_dir is not None:
        path = project_dir / path
    try:
        # Decoded explicitly: never the locale's encoding.
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError(
            "appBootScript",
            path_setting,
            f"expected a readable UTF-8 script file ({error.__class__.__name__})",
        ) from None
