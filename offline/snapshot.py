"""What a run of the program registered, in the form the Pulumi engine and analyzers use.

Property values are kept in *wire form* (what ``google.protobuf.json_format.MessageToDict`` gives for
the gRPC ``Struct``): a secret is ``{SIG_KEY: SECRET_SIG, "value": ...}`` and a value that is not
known yet (preview) is the string ``UNKNOWN``. That is exactly what the CLI hands an analyzer, so the
same snapshot feeds the program tests, the policy pack's end-to-end tests and the offline check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def make_secret(value: Any) -> dict[str, Any]:
    return value if is_secret(value) else {SIG_KEY: SECRET_SIG, "value": value}


def reveal(value: Any) -> Any:
    """The plain value with every secret wrapper removed (for assertions, never for printing)."""
    if is_secret(value):
        return reveal(value["value"])
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def secret_paths(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of every secret inside ``value`` (``""`` when the value itself is secret)."""
    if is_secret(value):
        yield path
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from secret_paths(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from secret_paths(v, f"{path}[{i}]")


@dataclass(frozen=True)
class ResourceSnapshot:
    """One registered resource: its identity, options, inputs and (engine-like) outputs."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    id: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    additional_secret_outputs: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False
    protect: bool = False


@dataclass(frozen=True)
class InvokeSnapshot:
    """One data-source call (``aws.ec2.get_managed_prefix_list`` and the like)."""

    token: str
    args: Mapping[str, Any]


@dataclass
class ProgramRun:
    """Everything one in-process run of the program registered, in registration order."""

    resources: list[ResourceSnapshot]
    invokes: list[InvokeSnapshot]
    stack_outputs: Mapping[str, Any]
    preview: bool
    # (level, message) of what the program logged (pulumi.log), e.g. a warning the preview shows.
    logs: list[tuple[str, str]] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[ResourceSnapshot]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> ResourceSnapshot:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> ResourceSnapshot:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def by_name(self, name: str) -> ResourceSnapshot:
        for r in self.resources:
            if r.name == name:
                return r
        raise KeyError(name)
