"""Read the stack's settings once, into :class:`StackSettings` (the component's args and the program's own).

This is the only place that knows the config key names. Each component setting is the key of one
:class:`~cloudfront_origin_lockdown.args.OriginLockdownArgs` argument in snake_case (``originHeaderName`` is
``origin_header_name``, ``secretRotationDays`` is ``secret_rotation_days``); the boot script's path is read
here too (its file's contents are the argument). Every key is read one way for its kind, and
parsing errors read like validation errors: ``invalid setting <key>: <value> is not allowed; <what is
allowed>``.

Pulumi hands the program every key declared in ``Pulumi.yaml``, with its declared default when the
stack does not set it. So an empty string is "not set" only for the keys whose declared default is the
empty string (``optional``); anywhere else an empty value was written by someone and is an error.

To add a setting: declare it in ``Pulumi.yaml``, add its argument to ``OriginLockdownArgs`` (args.py, and
its field and ``check_<key>`` in settings.py), and add one line to ``SETTINGS`` below, e.g.
``Setting("vpcOrigin", boolean, "vpc_origin")``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .args import OriginLockdownArgs, settings_from_args
from .settings import SettingError, Settings, Shown

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
    """``Key=Value`` strings (project config has no map type), each key once. A map written in the stack file
    is refused with the same tags written the way that works."""
    try:
        written = json.loads(raw)
    except json.JSONDecodeError:
        written = None
    if isinstance(written, dict):
        example = ", ".join(f"{k}={v}" if isinstance(v, str) else f"{k}=..." for k, v in written.items())
        raise SettingError(
            key,
            written,
            f"expected a list of Key=Value strings, not a map: write it as [{example}] (Pulumi.yaml declares tags "
            "as a list of strings: a project setting has no map type)",
        )
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
    """One config key: how to read it, and which ``OriginLockdownArgs`` argument it sets (``None`` when it
    belongs to the program, or is the boot script's path)."""

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
    # A path: the file's contents are the app_boot_script argument.
    Setting("appBootScript", text, optional=True),
    Setting("healthCheckPath", text, "health_check_path"),
    Setting("originHeaderName", text, "origin_header_name"),
    Setting("secretLength", integer, "secret_length"),
    Setting("secretSlots", string_list, "secret_slots"),
    Setting("activeSecretSlot", text, "active_secret_slot"),
    Setting("secretRotationDays", integer, "secret_rotation_days"),
    Setting("originDomain", text, "origin_domain", optional=True),
    Setting("hostedZoneId", text, "hosted_zone_id", optional=True),
    Setting("certificateArn", text, "certificate_arn", optional=True),
    Setting("originIpv6", boolean, "origin_ipv6"),
    Setting("vpcOrigin", boolean, "vpc_origin"),
    Setting("priceClass", text, "price_class"),
    Setting("cachePolicy", text, "cache_policy"),
    Setting("originRequestPolicy", text, "origin_request_policy"),
    Setting("vpcId", text, "vpc_id", optional=True),
    Setting("publicSubnetIds", string_list, "public_subnet_ids"),
    Setting("privateSubnetIds", string_list, "private_subnet_ids"),
    Setting("vpcCidr", text, "vpc_cidr"),
    Setting("vpcEndpoints", boolean, "vpc_endpoints"),
    Setting("amiId", text, "ami_id", optional=True),
    Setting("waf", boolean, "waf"),
    Setting("wafRateLimit", integer, "waf_rate_limit"),
    Setting("tags", tag_list, "tags"),
    Setting("rotationGuard", boolean, "rotation_guard"),
    Setting("monitoring", boolean, "monitoring"),
    Setting("alarmEmail", text, "alarm_email", optional=True),
    Setting("cloudfrontAdditionalMetrics", boolean, "cloudfront_additional_metrics"),
    Setting("deployRoleArn", text, "deploy_role_arn", optional=True),
    Setting("originMtls", boolean, "origin_mtls"),
    Setting("originMtlsPrivateCaArn", text, "origin_mtls_private_ca_arn", optional=True),
)

# Every key the program reads. Pulumi.yaml declares the same set (a test keeps the two in step).
KNOWN_KEYS = tuple(setting.key for setting in SETTINGS)


@dataclass(frozen=True)
class StackSettings:
    """The component's args and the settings that belong to the program around it."""

    args: OriginLockdownArgs
    # The same, checked and assembled: what the component builds from (settings_from_args).
    settings: Settings
    # The same as settings.rotation_guard and settings.secret_rotation_days (arguments of the component since
    # 0.3.0; kept here for programs that read them from this object).
    rotation_guard: bool = True
    secret_rotation_days: int = 0


SECRET_SHOWN = Shown("[secret]")


def without_secrets(error: SettingError, secret_keys: Iterable[str]) -> SettingError:
    """``error`` itself, or the same refusal with ``[secret]`` for the value when its setting is stored
    encrypted (``pulumi config set --secret``): wherever the refusal comes from (the checks here, or the
    lookups before any resource is registered), the value is never shown in clear."""
    if error.key not in set(secret_keys):
        return error
    allowed = error.allowed  # AWS's own words may quote the value ("The vpc ID '...' does not exist")
    if isinstance(error.value, str) and error.value:
        allowed = allowed.replace(error.value, SECRET_SHOWN.text)
    return SettingError(error.key, SECRET_SHOWN, allowed)


# The project name of the template (Pulumi.yaml): `pulumi new` copies its stack files with their keys in this
# namespace whatever the new project is called.
TEMPLATE_PROJECT = "cloudfront-origin-lockdown"


def check_namespaces(project: str, keys: Iterable[str]) -> None:
    """Refuse a setting in a namespace that is this project's spelled another way (``Cloudfront-Origin-
    Lockdown:waf``, ``cloudfront_origin_lockdown:waf``), or the template's in a project ``pulumi new`` named
    otherwise (its copied ``Pulumi.dev.yaml`` keeps ``cloudfront-origin-lockdown:...``): Pulumi hands the program
    only exact ``<project>:`` keys, so such a setting would be read by nothing and the stack would deploy without
    it."""

    def folded(namespace: str) -> str:
        return namespace.casefold().replace("_", "-")

    for key in sorted(keys):
        namespace, separator, name = key.partition(":")
        renamed = folded(project) != folded(TEMPLATE_PROJECT)
        if separator and renamed and folded(namespace) == folded(TEMPLATE_PROJECT):
            raise SettingError(
                key,
                "(set)",
                f"in the namespace of the template this project was made from, which nothing reads: this project is "
                f"named {project!r} (Pulumi.yaml), so its settings are {project}:<key> (here {project}:{name}); "
                f"rename the keys in the stack file, e.g. sed -i 's/^  {TEMPLATE_PROJECT}:/  {project}:/' "
                "Pulumi.<stack>.yaml",
            )
        if separator and namespace != project and folded(namespace) == folded(project):
            raise SettingError(
                key,
                "(set)",
                f"in namespace {namespace!r}, which nothing reads: this project's settings are {project}:<key> "
                f"(here {project}:{name})",
            )


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
    secret_keys: Iterable[str] = (),
) -> StackSettings:
    """Read and check every setting from a config getter (``pulumi.Config().get`` in the program).

    ``secret_keys`` are the settings the stack stores encrypted (``pulumi config set --secret``): a refused
    one is shown as ``[secret]``, never in clear.
    """
    secret = frozenset(secret_keys)
    try:
        values = read_values(get, present_keys)
        args = build_args(values, project_dir)
        settings = settings_from_args(args)
    except SettingError as error:
        shown = without_secrets(error, secret)
        if shown is error:
            raise
        raise shown from None
    return StackSettings(
        args=args,
        settings=settings,
        rotation_guard=settings.rotation_guard,
        secret_rotation_days=settings.secret_rotation_days,
    )


def load_args(
    get: Getter,
    present_keys: Iterable[str] = (),
    project_dir: Path | None = None,
) -> Settings:
    """Only the component's checked settings (see :func:`load_settings`)."""
    return load_settings(get, present_keys, project_dir).settings


def build_args(values: Mapping[str, Any], project_dir: Path | None = None) -> OriginLockdownArgs:
    """The component's arguments from parsed values: one per setting, and the boot script read from its file."""
    args: dict[str, Any] = {
        setting.field: values[setting.key] for setting in SETTINGS if setting.field and setting.key in values
    }
    if "appBootScript" in values:
        args["app_boot_script"] = read_boot_script(values["appBootScript"], project_dir)
    return cast(OriginLockdownArgs, args)


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
