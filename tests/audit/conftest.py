"""One moto server per test process for the audit's tests (each world resets it: a fresh account)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.audit.moto_server import MotoServer, moto_server


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server
