"""The one resource shape the judge works on: what the pack reads from a stack, what the audit builds from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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

    def provider_default(self, key: str) -> bool:
        """Whether ``key``'s value is the provider's: the program did not set it (as far as the pack knows: False
        when it does not know). A real engine previews an optional, computed property the program left unset as
        not known yet; AWS then applies its default, which the judge reads from what decides it (a subnet, a target
        type), as it does for a property that is absent."""
        return self.inputs is not None and key not in self.inputs

    def dep(self, *keys: str) -> tuple[str, ...]:
        """The URNs the properties ``keys`` depend on, in order, without repeats."""
        out: list[str] = []
        for key in keys:
            for urn in self.deps.get(key, ()):
                if urn not in out:
                    out.append(urn)
        return tuple(out)
