"""pulumi-policy's resources as the judge's :class:`~origin_lockdown_judge.model.Res`, converted once per request."""

from __future__ import annotations

import contextlib
from collections.abc import Container, Iterable
from typing import Any

from origin_lockdown_judge.closed_world import WANTED
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.scope import Analysis, analyse

from .values import Props

# Where the analyzer server leaves a resource's input keys on the ``PolicyResource`` it hands the policies.
INPUT_KEYS_ATTRIBUTE = "lockdown_input_keys"


def from_policy_resources(resources: Iterable[Any], wanted: Container[str] | None = None) -> list[Res]:
    """Convert pulumi-policy ``PolicyResource`` objects; only types in ``wanted`` have their props read."""
    out: list[Res] = []
    for r in resources:
        rtype = r.resource_type
        if wanted is not None and rtype not in wanted:
            continue
        deps = {key: tuple(d.urn for d in value) for key, value in (r.property_dependencies or {}).items()}
        out.append(Res(r.urn, rtype, r.name, Props(r.props), deps, getattr(r, INPUT_KEYS_ATTRIBUTE, None)))
    return out


CACHE_ATTRIBUTE = "lockdown_analysis"


def analysis_of(policy_resources: Any) -> Analysis:
    """The analysis of pulumi-policy's resources, computed once per list that can carry it."""
    cached = getattr(policy_resources, CACHE_ATTRIBUTE, None)
    if isinstance(cached, Analysis):
        return cached
    # Every modelled type, and every type of the closed world that is checked for connections to an origin.
    result = analyse(from_policy_resources(policy_resources, WANTED))
    with contextlib.suppress(AttributeError):  # a plain list (the stock server): nothing to share with
        setattr(policy_resources, CACHE_ATTRIBUTE, result)
    return result
