"""The one resource shape every policy works on, built from what pulumi-policy hands a validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .values import Props


@dataclass(frozen=True, slots=True, eq=False)
class Res:
    """A resource: URN, type, name, plain properties (unknowns kept as markers), property dependencies.

    Compared by identity: two resources are the same only if they are the same object (one per URN).
    """

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def dep(self, *keys: str) -> tuple[str, ...]:
        """The URNs the properties ``keys`` depend on, in order, without repeats."""
        out: list[str] = []
        for key in keys:
            for urn in self.deps.get(key, ()):
                if urn not in out:
                    out.append(urn)
        return tuple(out)


def from_policy_resources(resources: Iterable[Any], wanted: frozenset[str] | None = None) -> list[Res]:
    """Convert pulumi-policy ``PolicyResource`` objects; only types in ``wanted`` have their props read."""
    out: list[Res] = []
    for r in resources:
        rtype = r.resource_type
        if wanted is not None and rtype not in wanted:
            continue
        deps = {key: tuple(d.urn for d in value) for key, value in (r.property_dependencies or {}).items()}
        out.append(Res(r.urn, rtype, r.name, Props(r.props), deps))
    return out
