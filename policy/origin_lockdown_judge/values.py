"""Reading resource properties that may hold unknown values (at preview), without pulumi-policy.

Every value the judge reads is a plain dict, list, string, number, bool or None. At preview a value not known
yet is one of the engine's unknown sentinels (the strings pulumi-policy also uses, so a policy's properties
need no translation; ``tests/policy/test_values.py`` checks that they are the same strings). The audit never
produces them: AWS's APIs return known values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# pulumi_policy.proxy's UNKNOWN_*_VALUE constants (pulumi-policy 1.21.0, proxy.py): what an unknown reads as.
UNKNOWN_BOOLEAN_VALUE = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_NUMBER_VALUE = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
UNKNOWN_STRING_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_ARRAY_VALUE = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
UNKNOWN_ASSET_VALUE = "030794c1-ac77-496b-92df-f27374a8bd58"
UNKNOWN_ARCHIVE_VALUE = "e48ece36-62e2-4504-bad9-02848725956a"
UNKNOWN_OBJECT_VALUE = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
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
    return type(value) is str and value in UNKNOWN_SENTINELS


def get(obj: Any, *path: str | int) -> Any:
    """``obj[path[0]][path[1]]...``; ``None`` when a step is missing, the unknown marker when one is unknown."""
    for key in path:
        kind = type(obj)
        if kind is str:
            return obj if obj in UNKNOWN_SENTINELS else None
        if type(key) is int:
            if kind is not list and (not isinstance(obj, Sequence) or isinstance(obj, str)):
                return None
            obj = obj[key] if key < len(obj) else None
        elif kind is dict or isinstance(obj, Mapping):
            obj = obj.get(key)
        else:
            return None
    return obj


def as_list(value: Any) -> list[Any] | None:
    """A list property as a list: ``[]`` when absent, ``None`` when the whole list is unknown."""
    if value is None:
        return []
    kind = type(value)
    if kind is list:
        return list(value)
    if kind is str and value in UNKNOWN_SENTINELS:
        return None
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    """Every known, non-empty string in ``value`` (a string or a list of them); unknowns are skipped."""
    if type(value) is str:
        return [value] if value and value not in UNKNOWN_SENTINELS else []
    items = as_list(value) or []
    return [v for v in items if type(v) is str and v and v not in UNKNOWN_SENTINELS]
