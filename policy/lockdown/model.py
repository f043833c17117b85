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
    # The top-level inputs the program set, from the engine's ``Analyze`` call for the resource (None: not
    # known). At preview it tells a list the program set from a lookup not resolved yet (an input, unknown,
    # with no dependency) from one it left to the provider (no input, an unknown output).
    inputs: frozenset[str] | None = None

    def set_by_program(self, key: str) -> bool:
        """Whether the program set ``key`` (as far as the pack knows: False when it does not know)."""
        return self.inputs is not None and key in self.inputs

    def dep(self, *keys: str) -> tuple[str, ...]:
        """The URNs the properties ``keys`` depend on, in order, without repeats."""
        out: list[str] = []
        for key in keys:
            for urn in self.deps.get(key, ()):
                if urn not in out:
                    out.append(urn)
        return tuple(out)


# Where the analyzer server leaves a resource's input keys on the ``PolicyResource`` it hands the policies.
INPUT_KEYS_ATTRIBUTE = "lockdown_input_keys"


def from_policy_resources(resources: Iterable[Any], wanted: frozenset[str] | None = None) -> list[Res]:
    """Convert pulumi-policy ``PolicyResource`` objects; only types in ``wanted`` have their props read."""
    out: list[Res] = []
    for r in resources:
        rtype = r.resource_type
        if wanted is not None and rtype not in wanted:
            continue
        deps = {key: tuple(d.urn for d in value) for key, value in (r.property_dependencies or {}).items()}
        out.append(Res(r.urn, rtype, r.name, Props(r.props), deps, getattr(r, INPUT_KEYS_ATTRIBUTE, None)))
    return out
