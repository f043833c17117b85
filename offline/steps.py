"""Pulumi's steps for one `pulumi up`, and the order the engine may run them in.

Given what the program registered before and after a change of settings (two offline runs, see
offline/mocks.py), :func:`plan` says what the engine does with each resource and which steps must finish before
another may start. The engine's rules, as aws-facts.md ("What a provider replaces, and in what order Pulumi does
it") and Pulumi's documentation of ``deleteBeforeReplace`` describe them:

* a resource whose inputs are unchanged is left alone (``same``), but its registration still waits for what it
  depends on;
* a new resource is created, a changed one updated in place or replaced, as soon as every resource it depends on
  (explicit ``dependsOn`` and every property's dependencies) has been created, updated or replaced;
* a replacement creates the new resource first, and its dependents are updated to point at the new one; the old
  one is deleted at the very end (create before delete), unless ``deleteBeforeReplace``, which deletes it first
  (and which the Terraform bridge sets itself for a resource the program names explicitly: :data:`AUTONAMED`);
* resources the program no longer registers are deleted last, after every create and update, dependents before
  what they depend on.

Independent steps run in parallel, in any order: :class:`Plan` keeps the partial order (each step's
predecessors), and the switch checker looks at every point the engine can reach, not at one schedule.

A replaced resource keeps its URN, and an offline run gives it the same made-up id as before; its dependents
would look unchanged. So a property that holds one of a replaced resource's values (its id, ARN, DNS name) counts as
changed (``changed_by_dependency``), as it will be once the replacement exists; one that merely depends on it (a
lookup by other keys) does not: the engine diffs the value it resolves to (:func:`_carries`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from offline.replacements import Diff, diff
from offline.snapshot import ProgramRun, ResourceSnapshot, reveal

Operation = Literal["same", "create", "update", "replace-create", "replace-delete", "delete"]
STACK_REFERENCE = "pulumi:pulumi:StackReference"
# Properties that Pulumi's AWS provider autonames, by type: when the program sets one itself, the Terraform bridge
# replaces the resource delete-first, as if deleteBeforeReplace were set (pulumi/pulumi-terraform-bridge
# pkg/tfbridge/schema.go, nameRequiresDeleteBeforeReplace: "an autonameable property with a value that was not
# populated by the autonamer"), since the new one could not take the name while the old one holds it.
AUTONAMED: Mapping[str, str] = {"aws:ssm/parameter:Parameter": "name"}


def deletes_first(resource: ResourceSnapshot) -> bool:
    """The engine deletes ``resource`` before it creates its replacement: ``deleteBeforeReplace``, or a name the
    program set on a type whose name the provider would otherwise generate (:data:`AUTONAMED`)."""
    named = AUTONAMED.get(resource.type)
    return resource.delete_before_replace or (named is not None and resource.inputs.get(named) not in (None, ""))


@dataclass(frozen=True)
class Step:
    """One thing the engine does to one resource."""

    op: Operation
    urn: str
    name: str
    type: str
    diff: Diff | None = None
    # The order of the resource's registration (the program's order), to print steps stably.
    index: int = 0

    def __str__(self) -> str:
        words = {
            "same": "leave",
            "create": "create",
            "update": "update",
            "replace-create": "create the replacement of",
            "replace-delete": "delete the replaced",
            "delete": "delete",
        }
        return f"{words[self.op]} {self.name}"


@dataclass
class Plan:
    """The steps of one `pulumi up` and, for each, the steps that must have finished before it starts."""

    steps: list[Step]
    predecessors: dict[Step, frozenset[Step]]
    before: ProgramRun
    after: ProgramRun
    _ancestors: dict[Step, frozenset[Step]] = field(default_factory=dict, repr=False)

    def ancestors(self, step: Step) -> frozenset[Step]:
        """Every step that must finish before ``step`` starts (transitively)."""
        if step not in self._ancestors:
            found: set[Step] = set()
            pending = list(self.predecessors[step])
            while pending:
                current = pending.pop()
                if current not in found:
                    found.add(current)
                    pending.extend(self.predecessors[current])
            self._ancestors[step] = frozenset(found)
        return self._ancestors[step]

    def topological(self, steps: Iterable[Step] | None = None) -> list[Step]:
        """``steps`` (default: all) in an order the engine may run them: predecessors first, then the program's
        order."""
        wanted = set(self.steps if steps is None else steps)
        done: set[Step] = set()
        ordered: list[Step] = []
        remaining = sorted(wanted, key=_sort_key)
        while remaining:
            ready = next(s for s in remaining if not (self.predecessors[s] & wanted) - done)
            ordered.append(ready)
            done.add(ready)
            remaining.remove(ready)
        return ordered

    def changes(self) -> list[Step]:
        """The steps that change something (what `pulumi preview` lists)."""
        return [s for s in self.topological() if s.op != "same"]


_PHASE = {"replace-delete": 1, "delete": 1}


def _sort_key(step: Step) -> tuple[int, int, str]:
    return (_PHASE.get(step.op, 0), step.index if step.op != "delete" else -step.index, step.op)


def custom_resources(run: ProgramRun) -> dict[str, ResourceSnapshot]:
    return {r.urn: r for r in run.resources if r.custom and r.type != STACK_REFERENCE}


def dependencies_of(resource: ResourceSnapshot, run: ProgramRun) -> set[str]:
    """The custom resources ``resource`` waits for: explicit ones and every property's, with a component
    standing for its custom descendants (depending on a component waits for its children)."""
    direct = set(resource.dependencies)
    for urns in resource.property_dependencies.values():
        direct.update(urns)
    children: dict[str, list[ResourceSnapshot]] = {}
    for other in run.resources:
        children.setdefault(other.parent, []).append(other)
    kinds = {r.urn: r for r in run.resources}
    found: set[str] = set()
    pending = list(direct)
    while pending:
        urn = pending.pop()
        snapshot = kinds.get(urn)
        if snapshot is None:
            continue
        if snapshot.custom:
            if snapshot.type != STACK_REFERENCE:
                found.add(urn)
        else:
            pending.extend(child.urn for child in children.get(urn, ()))
    found.discard(resource.urn)
    return found


def _carries(value: Any, replaced: ResourceSnapshot) -> bool:
    """Whether an input ``value`` holds one of ``replaced``'s own values (its id, an ARN, a DNS name...), which its
    replacement will not share. A value that only *depends* on it (a lookup run after it, by other keys: CloudFront's
    service group, looked up by VPC and name once a VPC origin exists) stays what it was: at `pulumi up` the engine
    diffs the resolved value and sees no change, where a preview shows "known after apply"."""
    text = json.dumps(reveal(value), sort_keys=True, default=str)
    own = [replaced.id, *(v for v in reveal(dict(replaced.outputs)).values() if isinstance(v, str))]
    return any(len(item) >= 8 and item in text for item in own)


def plan(before: ProgramRun, after: ProgramRun) -> Plan:
    """The steps from what ``before`` registered to what ``after`` does (both runs at up, values known)."""
    old = custom_resources(before)
    new = custom_resources(after)
    order = {urn: index for index, urn in enumerate(new)}
    order.update({urn: len(new) + index for index, urn in enumerate(u for u in old if u not in new)})
    replaced: set[str] = set()
    resource_steps: dict[str, list[Step]] = {}
    for urn, resource in new.items():
        previous = old.get(urn)
        if previous is None or previous.type != resource.type:
            resource_steps[urn] = [Step("create", urn, resource.name, resource.type, index=order[urn])]
            if previous is not None:
                resource_steps.setdefault(f"{urn}#old", []).append(
                    Step("delete", urn, previous.name, previous.type, index=order[urn])
                )
            continue
        by_dependency = sorted(
            key
            for key, urns in resource.property_dependencies.items()
            if any(_carries(resource.inputs.get(key), new[dependency]) for dependency in set(urns) & replaced)
        )
        found = diff(
            resource.type,
            reveal(previous.inputs),
            reveal(resource.inputs),
            changed_by_dependency=by_dependency,
            replace_on_changes=resource.replace_on_changes,
            ignore_changes=resource.ignore_changes,
        )
        ops: list[Operation] = {"same": ["same"], "update": ["update"]}.get(
            found.kind, ["replace-create", "replace-delete"]
        )  # type: ignore[assignment]
        if found.kind == "replace":
            replaced.add(urn)
        resource_steps[urn] = [Step(op, urn, resource.name, resource.type, found, order[urn]) for op in ops]
    for urn, previous in old.items():
        if urn not in new:
            resource_steps[urn] = [Step("delete", urn, previous.name, previous.type, index=order[urn])]
    return Plan(*_order(resource_steps, old, new, before, after), before=before, after=after)


def _order(
    resource_steps: Mapping[str, Sequence[Step]],
    old: Mapping[str, ResourceSnapshot],
    new: Mapping[str, ResourceSnapshot],
    before: ProgramRun,
    after: ProgramRun,
) -> tuple[list[Step], dict[Step, frozenset[Step]]]:
    steps = [s for group in resource_steps.values() for s in group]
    predecessors: dict[Step, set[Step]] = {s: set() for s in steps}

    def forward(urn: str) -> Step | None:
        """The step after which ``urn``'s new state exists (its create, update, replacement or same)."""
        return next((s for s in resource_steps.get(urn, ()) if s.op not in ("replace-delete", "delete")), None)

    # Creates, updates and replacements wait for what they depend on (in the new program).
    for urn, resource in new.items():
        mine = forward(urn)
        if mine is None:
            continue
        waits = {forward(dep) for dep in dependencies_of(resource, after)} - {None}
        predecessors[mine].update(s for s in waits if s is not None)
        if deletes_first(resource) and mine.op == "replace-create":
            # deleteBeforeReplace: the old one goes first, once what the resource depends on is ready.
            early = next(s for s in resource_steps[urn] if s.op == "replace-delete")
            predecessors[early].update(predecessors[mine])
            predecessors[mine].add(early)
    # Deletes (of removed resources and of replaced ones, create-before-delete) wait for everything else, and run
    # dependents first, by the dependencies the old program recorded.
    forward_steps = {s for s in steps if s.op not in ("delete", "replace-delete")}
    late = [s for s in steps if s.op == "delete" or (s.op == "replace-delete" and not deletes_first(new[s.urn]))]
    late_by_urn: dict[str, list[Step]] = {}
    for step in late:
        late_by_urn.setdefault(step.urn, []).append(step)
        predecessors[step].update(forward_steps)
    for urn, resource in old.items():
        for dep in dependencies_of(resource, before):
            for dependency_delete in late_by_urn.get(dep, ()):
                predecessors[dependency_delete].update(late_by_urn.get(urn, ()))
    return steps, {s: frozenset(p) for s, p in predecessors.items()}
