"""Plain values out of pulumi-policy's property proxies, with unknowns kept as markers.

pulumi-policy wraps a resource's properties in ``_DictProxy``/``_ListProxy`` objects that raise
``UnknownValueError`` as soon as a policy *reads* a value that is not known yet (preview). An uncaught
``UnknownValueError`` turns the whole policy into an advisory "can't run policy ... during preview"
diagnostic, which is how a pull request with an open origin passes silently. This module reads the
proxies' targets instead (``proxy["__target"]`` is the documented escape hatch their serializer uses), so
an unknown stays a value the policies can reason about.

Secrets need nothing special here: pulumi-policy's ``deserialize_properties`` already removes the secret
wrapper (``{SIG: SECRET_SIG, "value": v}`` becomes ``v``) before a validation sees the properties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    _DictProxy,
    _ListProxy,
)
from pulumi_policy.secret import Secret

UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)
# What the engine sends over gRPC for any unknown (the CLI only ever uses the string sentinel).
UNKNOWN = UNKNOWN_STRING_VALUE


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def plain(value: Any) -> Any:
    """``value`` with every pulumi-policy proxy (and secret marker) replaced by dicts and lists."""
    if isinstance(value, _DictProxy | _ListProxy):
        value = value["__target"]
    elif isinstance(value, Secret):
        value = value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def get(obj: Any, *path: str | int) -> Any:
    """``obj[path[0]][path[1]]...``; ``None`` when a step is missing, the unknown marker when one is unknown."""
    for key in path:
        if is_unknown(obj):
            return obj
        if isinstance(key, int):
            if not isinstance(obj, Sequence) or isinstance(obj, str) or key >= len(obj):
                return None
            obj = obj[key]
        else:
            if not isinstance(obj, Mapping):
                return None
            obj = obj.get(key)
    return obj


def as_list(value: Any) -> list[Any] | None:
    """A list property as a list: ``[]`` when absent, ``None`` when the whole list is unknown."""
    if value is None:
        return []
    if is_unknown(value):
        return None
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    """Every known, non-empty string in ``value`` (a string or a list of them); unknowns are skipped."""
    items = as_list(value) or []
    return [v for v in items if isinstance(v, str) and v and not is_unknown(v)]
