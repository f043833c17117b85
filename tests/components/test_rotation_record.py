"""The record of rotation intent survives a failed `pulumi up` (issue 19).

The sequences run the real program under the engine-like mocks with the engine's checkpoint carried between
operations; the world model (``rotation_world.Deployments``) checks, at every `pulumi up`, every value an edge
may send against every state each origin-side resource may be in.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from offline.mocks import Failure
from tests.components.rotation_world import Deployments

T0 = datetime(2026, 3, 2, 6, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
PERIOD = 7
VARIANTS: dict[str, dict[str, Any]] = {
    "alb": {"architecture": "alb"},
    "alb+waf": {"architecture": "alb", "waf": True},
    "direct": {"architecture": "direct"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_issue_example_turning_rotation_off_after_a_step_that_failed_at_the_distribution(variant: str) -> None:
    """Automatic rotation is on; step 1's `pulumi up` updates the carriers and the distribution, then fails while
    waiting for the distribution to deploy (CloudFront already sends auto-0); the operator turns rotation off with
    the stack file's slots ([v1]/v1). Every value an edge may send must stay accepted."""
    d = Deployments({**VARIANTS[variant], "secretRotationDays": PERIOD})
    assert d.up(T0).error is None
    failed = d.up(T0 + PERIOD * DAY, fail=Failure("origin-cdn", applied=True))
    assert failed.error is not None
    d.config = {**VARIANTS[variant], "secretRotationDays": 0, "secretSlots": ["v1"], "activeSecretSlot": "v1"}
    d.up(T0 + PERIOD * DAY + timedelta(minutes=10))
    assert [str(v) for v in d.violations] == []
