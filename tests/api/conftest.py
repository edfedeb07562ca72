"""Fixtures shared by the API tests: a live server over the shipped content, read only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import DatabaseFactory, LiveServer
from tests.shipped_content import shipped_services


@pytest.fixture(scope="session")
def shipped_server(db_factory: DatabaseFactory) -> Iterator[LiveServer]:
    """The shipped structures and sample data, served (never write into it)."""
    services = shipped_services(db_factory)
    try:
        with LiveServer(services) as server:
            yield server
    finally:
        services.close()


@pytest.fixture
def shipped_client(shipped_server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client of the shipped-content server."""
    with httpx.Client(base_url=shipped_server.url, timeout=60) as c:
        yield c
