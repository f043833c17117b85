"""The README's rotation procedure, executed: its own commands, applied to the dev stack's config.

A small interpreter applies the documented `pulumi config set/rm` commands (the subset the README uses,
with the CLI's --path semantics) and runs the program under the mocks at every `pulumi up`. If the
README's commands drift from what the program needs, this test fails.
"""

from __future__ import annotations

import copy
import itertools
import re
import shlex
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.mocks import operate
from tests.components.rotation_world import Deployments, slot_of
from tests.components.rotation_world import sent as sent_now
from tests.components.test_rotation import accepted, sent, stable_inputs

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "cloudfront-origin-lockdown"
_PATH = re.compile(r"^(?P<key>[\w:-]+)(?:\[(?P<index>\d+)\])?$")


def readme_commands(heading: str) -> list[list[str]]:
    """The commands of the first ``sh`` block under ``heading`` in "Rotating the secret"."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Rotating the secret", 1)[1].split("\n## ", 1)[0]
    block = section.split(heading, 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def readme_rotation_commands() -> list[list[str]]:
    return readme_commands("### By hand")


def apply(config: dict[str, Any], command: list[str]) -> None:
    """Apply one `pulumi config ...` command to a stack config dict (the CLI's --path subset)."""
    args = [a for a in command[2:] if a != "--path"]
    verb, target = args[0], _PATH.match(args[1])
    assert target, f"unsupported config path in README: {args[1]}"
    key, index = target["key"], target["index"]
    if verb == "set":
        value = args[2]
        if index is None:
            config[key] = value
        else:
            items = config.setdefault(key, [])
            position = int(index)
            assert position <= len(items), f"{' '.join(command)}: index past the end of {items}"
            if position == len(items):
                items.append(value)
            else:
                items[position] = value
    elif verb == "rm":
        if index is None:
            config.pop(key)
        else:
            del config[key][int(index)]
    else:
        raise AssertionError(f"unsupported README command: {' '.join(command)}")


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_readme_rotation_procedure_keeps_every_request_accepted(architecture: str) -> None:
    dev = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config = {**dev, f"{PROJECT}:architecture": architecture}
    # A day between the `pulumi up`s: the README has the operator wait for the origin to learn a value (the guard
    # refuses a switch sooner: test_rotation_killed.py).
    start = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
    first = operate("up", copy.deepcopy(config), now=start)
    runs, state = [first.run], first.after
    for command in readme_rotation_commands():
        if command[:2] == ["pulumi", "up"]:
            result = operate("up", copy.deepcopy(config), state, now=start + len(runs) * timedelta(days=1))
            assert result.error is None, result.error
            runs.append(result.run)
            state = result.after
        else:
            assert command[:2] == ["pulumi", "config"], command
            apply(config, command)
    assert len(runs) == 4, "expected three `pulumi up` steps"
    assert sent(runs[-1]) != sent(runs[0]), "the procedure must end with CloudFront sending a new value"
    assert accepted(runs[-1], architecture) == [sent(runs[-1])], "the old value must be retired at the end"
    for before, after in itertools.pairwise(runs):
        for value in (sent(before), sent(after)):
            assert value in accepted(before, architecture) and value in accepted(after, architecture)
        assert stable_inputs(after) == stable_inputs(before)


def test_readme_automatic_rotation_rotates_on_later_deploys_without_refusing_a_request() -> None:
    """The README's two commands on the dev stack, then `pulumi up` as the weekly workflow runs it: nothing else
    is edited. (Both architectures go through the same steps in test_rotation_auto.py.)"""
    config: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    commands = readme_commands("### Automatically")
    # `pulumi up` as make up runs it (with the policy pack: tests/test_readme_drift.py).
    assert commands[-1] == ["pulumi", "up", "--policy-pack", "policy"] and all(
        c[:2] == ["pulumi", "config"] for c in commands[:-1]
    )
    for command in commands[:-1]:
        apply(config, command)
    assert config[f"{PROJECT}:secretRotationDays"] == "30"
    stack = Deployments(copy.deepcopy(config))
    start = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
    steps = []
    for week in (0, 4, 5, 10):  # some of the weekly workflow's runs: 30 days is between weeks 4 and 5
        result = stack.up(start + timedelta(weeks=week))
        assert result.error is None, result.error
        steps.append(stack.state.outputs["secretRotation"]["step"])
    assert steps == [0, 0, 1, 2]
    assert slot_of(stack.state, sent_now(stack.state) or "") != "v1", "CloudFront still sends the first value"
    assert [str(v) for v in stack.violations] == []
