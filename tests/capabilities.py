"""Skipping a test for a capability this machine lacks, unless the run must exercise it.

Live tests need things a developer's machine may not have (nginx, root, network and mount namespaces,
nftables). There they skip with the exact reason. A CI job that exists to run them sets
``ORIGIN_LOCKDOWN_REQUIRE_LIVE=1``: then a missing capability is a failure, so a gate can never go green
because its test quietly did not run (the GitHub workflows run the live tests as root this way).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_LIVE = "ORIGIN_LOCKDOWN_REQUIRE_LIVE"


def required() -> bool:
    return os.environ.get(REQUIRE_LIVE, "") == "1"


def missing(reason: str) -> NoReturn:
    """Skip for ``reason``, or fail when this run must exercise the test."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_LIVE}=1: this run must exercise it)", pytrace=False)
    pytest.skip(reason)
