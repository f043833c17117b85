"""A missing capability skips a live test, unless the run must exercise it: then it fails."""

from __future__ import annotations

import pytest

from tests import capabilities


def test_a_missing_capability_skips_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(capabilities.REQUIRE_LIVE, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^no nft$"):
        capabilities.missing("no nft")


@pytest.mark.parametrize("value", ["0", "", "yes", "true"])
def test_only_exactly_1_requires(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(capabilities.REQUIRE_LIVE, value)
    with pytest.raises(pytest.skip.Exception):
        capabilities.missing("no nft")


def test_a_run_that_must_exercise_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(capabilities.REQUIRE_LIVE, "1")
    with pytest.raises(pytest.fail.Exception, match=r"^no nft \(ORIGIN_LOCKDOWN_REQUIRE_LIVE=1: this run must"):
        capabilities.missing("no nft")
