"""Values that may come from other resources: used the same way whether they are known now or are Outputs.

A library user passes the ids of a VPC and subnets its own program creates, or tags built from other
resources: those arrive as ``pulumi.Output``. A stack's own configuration gives plain values. The builders
use the helpers here so that both work, and plain values stay exactly what they were before (the same
registered inputs, the same dependencies), while an Output is read only inside ``apply``.

What an Output decides is never the *shape* of the stack: which resources exist and how many comes from
plain settings (architecture, counts, switches). An Output only fills in a value, e.g. the subnet an
instance lands in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import pulumi

# Subnet ids: a list known now (each id may itself be an Output), or one Output of the whole list.
SubnetIds: TypeAlias = Sequence[pulumi.Input[str]] | pulumi.Output[list[str]]
# Tags: a map known now, or one Output of the whole map (its checks ran inside apply, see settings.py).
Tags: TypeAlias = Mapping[str, str] | pulumi.Output[dict[str, str]]


def subnet_at(ids: SubnetIds, index: int) -> pulumi.Input[str]:
    """The subnet for the ``index``-th instance, round robin over ``ids`` (never empty: checked before)."""
    if isinstance(ids, pulumi.Output):
        return ids.apply(lambda known: known[index % len(known)])
    return ids[index % len(ids)]


def first_subnets(ids: SubnetIds) -> SubnetIds:
    """Only the first subnet (what one instance, or one interface endpoint per service, needs)."""
    if isinstance(ids, pulumi.Output):
        return ids.apply(lambda known: list(known[:1]))
    return list(ids[:1])


def subnet_list(ids: SubnetIds) -> pulumi.Input[Sequence[pulumi.Input[str]]]:
    """The ids as a resource input (a list, or the Output of one)."""
    if isinstance(ids, pulumi.Output):
        return ids
    return list(ids)


def tagged(tags: Tags, extra: Mapping[str, str] | None = None) -> pulumi.Input[Mapping[str, str]]:
    """A resource's tags: ``tags`` plus its own ``extra`` ones (e.g. ``Name``), which win on a clash.

    A map known now gives a plain dict (what the resource registered before Outputs were allowed); an
    Output of the map gives an Output of the merged map.
    """
    own = dict(extra or {})
    if isinstance(tags, pulumi.Output):
        return tags.apply(lambda known: {**known, **own})
    return {**tags, **own}


def with_base_tags(base: Mapping[str, str], tags: Tags) -> Tags:
    """The component's own tags (Project, Stack) under the user's; the user's cannot replace them (checked)."""
    if isinstance(tags, pulumi.Output):
        return tags.apply(lambda known: {**base, **known})
    return {**base, **tags}


def resolved_tags(tags: Tags) -> pulumi.Output[dict[str, str]]:
    """The tags as one Output, for values derived from all of them (e.g. the VPC origin's name)."""
    if isinstance(tags, pulumi.Output):
        return tags
    return pulumi.Output.from_input(dict(tags))
