"""Rotation inside the component: through `pulumi package add` (the provider's Construct), and several
components in one program that exports nothing of them: each keeps its own record in AWS, no stack outputs and
no StackReference are involved."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from offline.mocks import EngineState, Failure, OperationResult, operate
from offline.snapshot import reveal
from tests.components.rotation_world import record_in_aws
from tests.components.test_construct import CONSTRUCT_PROGRAM

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)

TWO_SITES = """
import pulumi
from cloudfront_origin_lockdown import OriginLockdown

shop = OriginLockdown("shop", {"architecture": "direct", "secret_rotation_days": 7})
blog = OriginLockdown("blog", {"architecture": "direct", "secret_rotation_days": 30})
# The program's own outputs: nothing of the rotation.
pulumi.export("urls", [shop.url, blog.url])
"""


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rotation-components")
    paths = {"construct": folder / "construct.py", "two": folder / "two.py"}
    paths["construct"].write_text(CONSTRUCT_PROGRAM)
    paths["two"].write_text(TWO_SITES)
    return paths


def construct_up(
    program: Path, inputs: dict[str, Any], state: EngineState | None, at: datetime, fail: Failure | None = None
) -> OperationResult:
    case = {"shape": "dependencies", "inputs": inputs}
    return operate("up", {"case": json.dumps(case)}, state, now=at, fail=fail, program=program)


def test_the_issue_example_through_the_construct(programs: dict[str, Path]) -> None:
    """Automatic rotation through the provider's Construct; a step fails waiting for the distribution, then
    rotation is turned off with the original slots: the value CloudFront may already send stays accepted, and the
    component says so."""
    first = construct_up(programs["construct"], {"secretRotationDays": 7}, None, T0)
    assert first.error is None, first.error
    # secretRotationDays arrived as the double 7.0, as from TypeScript: automatic rotation started.
    state = first.run.stack_outputs["state"]
    assert (state["acceptedSecretSlots"], state["activeSecretSlot"]) == (["v1", "auto-0"], "v1")
    read = record_in_aws(first.after, name="shop")
    assert read is not None and read.settled
    assert read.intent.rotation == {"step": 0, "steppedAt": "2026-03-02T06:17:00Z", "sends": "v1"}
    failed = construct_up(
        programs["construct"], {"secretRotationDays": 7}, first.after, T0 + 7 * DAY, Failure("shop-cdn", applied=True)
    )
    assert failed.error is not None
    off = construct_up(
        programs["construct"], {"secretRotationDays": 0}, failed.after, T0 + 7 * DAY + timedelta(minutes=10)
    )
    assert off.error is None, off.error
    rule = off.run.by_name("shop-forward-with-secret")
    values = reveal(rule.inputs)["conditions"][0]["httpHeader"]["values"]
    passwords = {
        r.name.rsplit("-", 1)[1]: reveal(r.outputs)["result"] for r in off.run.resources if "-secret-" in r.name
    }
    assert sorted(values) == sorted([passwords["v1"], passwords["0"]]), "v1 and auto-0 accepted"
    assert any("slot auto-0 stays accepted" in message for _, message in off.logs)


def test_several_components_in_one_program_keep_their_own_records(programs: dict[str, Path]) -> None:
    first = operate("up", {}, now=T0, program=programs["two"])
    assert first.error is None, first.error
    assert set(first.after.outputs) == {"urls"}
    week = operate("up", {}, first.after, now=T0 + 7 * DAY, program=programs["two"])
    assert week.error is None, week.error
    shop, blog = record_in_aws(week.after, name="shop"), record_in_aws(week.after, name="blog")
    assert shop is not None and shop.intent.rotation is not None and shop.intent.rotation["step"] == 1
    assert blog is not None and blog.intent.rotation is not None and blog.intent.rotation["step"] == 0
    # The shop's next step fails at its distribution: the blog's record is untouched, the shop's unsettled.
    failed = operate(
        "up", {}, week.after, now=T0 + 14 * DAY, fail=Failure("shop-cdn", applied=True), program=programs["two"]
    )
    assert failed.error is not None
    assert record_in_aws(failed.after, name="blog") == blog
    shop_after = record_in_aws(failed.after, name="shop")
    assert shop_after is not None and not shop_after.settled and shop_after.may_be_sending == {"auto-0", "auto-1"}
