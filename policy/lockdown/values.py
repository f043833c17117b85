"""Plain values out of pulumi-policy's property proxies and the analyzer's wire format, unknowns kept as markers.

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

from collections.abc import Iterator, Mapping
from typing import Any

from google.protobuf import json_format
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG as SECRET_SIG
from pulumi_policy.deserialize import SPECIAL_SIG_KEY as SIG_KEY
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import _DictProxy, _ListProxy, unknown_checking_proxy
from pulumi_policy.secret import Secret

_SCALARS = frozenset({str, int, float, bool, type(None)})


class LazyProps(Mapping[str, Any]):
    """A resource's properties exactly as pulumi-policy presents them (an unknown-checking proxy over the
    deserialised wire ``Struct``), built on first read: a policy that never reads a resource's properties
    never pays for them (see :mod:`.server`)."""

    __slots__ = ("_proxy", "struct")

    def __init__(self, struct: Any) -> None:
        self.struct = struct
        self._proxy: Any = None

    @property
    def unread(self) -> bool:
        return self._proxy is None

    def proxy(self) -> Any:
        if self._proxy is None:
            self._proxy = unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(self.struct)))
        return self._proxy

    def __getitem__(self, key: str) -> Any:  # "__target" too, like pulumi-policy's proxy
        return self.proxy()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.proxy())

    def __len__(self) -> int:
        return len(self.proxy())


def plain(value: Any) -> Any:
    """``value`` with every pulumi-policy proxy (and secret marker) replaced by dicts and lists."""
    kind = type(value)
    if kind is LazyProps:
        value = value.proxy()
        kind = type(value)
    if kind is _DictProxy or kind is _ListProxy:
        value = value["__target"]
        kind = type(value)
    elif kind is Secret:
        value = value.value
        kind = type(value)
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if kind in _SCALARS:
        return value
    # Subclasses take the general (slower) path.
    if isinstance(value, _DictProxy | _ListProxy):
        return plain(value["__target"])
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


_MISSING = object()


def from_wire(value: Any) -> Any:
    """A protobuf ``Value`` of the analyzer protocol as the plain value pulumi-policy would hand a policy.

    The same as ``deserialize_properties(MessageToDict(...))`` for what the pack reads: numbers are floats,
    a secret (``{SIG_KEY: SECRET_SIG, "value": v}``) is its value, an unknown is the sentinel string. (Assets
    and archives stay dictionaries: the pack never reads them.)
    """
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        if SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG:
            return from_wire(fields["value"]) if "value" in fields else None
        return {key: from_wire(item) for key, item in fields.items()}
    if kind == "list_value":
        return [from_wire(item) for item in value.list_value.values]
    return None


class Props(Mapping[str, Any]):
    """A resource's properties as plain values (unknowns kept as markers), converted only when a policy reads them.

    A bridged provider's outputs carry every attribute of the resource; the pack reads a handful per type,
    so converting the rest would be most of its cost on a large stack. Straight from the wire when the
    server kept it (:class:`LazyProps` not read yet), otherwise out of pulumi-policy's proxies.
    """

    __slots__ = ("_fields", "_plain", "_raw")

    def __init__(self, raw: Any) -> None:
        self._fields: Any = None
        self._raw: Mapping[str, Any] = {}
        if type(raw) is LazyProps and raw.unread:
            self._fields = raw.struct.fields
        else:
            target = raw["__target"] if type(raw) in (_DictProxy, LazyProps) else raw
            self._raw = target if isinstance(target, Mapping) else {}
        self._plain: dict[str, Any] = {}

    def _convert(self, key: str) -> Any:
        if self._fields is not None:
            if key not in self._fields:  # a protobuf map would add the missing key on a plain read
                raise KeyError(key)
            value = from_wire(self._fields[key])
        else:
            value = plain(self._raw[key])
        self._plain[key] = value
        return value

    def __getitem__(self, key: str) -> Any:
        try:
            return self._plain[key]
        except KeyError:
            return self._convert(key)

    def get(self, key: str, default: Any = None) -> Any:
        found = self._plain.get(key, _MISSING)
        if found is not _MISSING:
            return found
        if key not in (self._fields if self._fields is not None else self._raw):
            return default
        return self._convert(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields if self._fields is not None else self._raw)

    def __len__(self) -> int:
        return len(self._fields if self._fields is not None else self._raw)

    def __contains__(self, key: object) -> bool:
        return key in (self._fields if self._fields is not None else self._raw)
