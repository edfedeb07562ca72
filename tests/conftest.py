"""Shared fixtures: a real database (SQLite or PostgreSQL), services, and a real
server on loopback.

``SDMX_SERVER_TEST_DB=postgres`` (set by ``scripts/run_tests.py``) runs the
suite on PostgreSQL at ``SDMX_SERVER_TEST_POSTGRES_URL``: each database the
tests need is created fresh (``CREATE DATABASE``) and dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sdmx_server.app import create_app
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from sdmx_server.storage.schema import upgrade_to_head
from tests import fixtures
from tests.sdmx_validation import httpx_hooks

TEST_DB = os.environ.get("SDMX_SERVER_TEST_DB", "sqlite")
PG_URL = os.environ.get("SDMX_SERVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database under test: {TEST_DB}" + (f" ({make_url(PG_URL).render_as_string(hide_password=True)})" if TEST_DB == "postgres" else "")


class DatabaseFactory:
    """Creates empty databases of the kind under test and drops them at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def new_url(self) -> str:
        """A new, empty database."""
        if TEST_DB == "sqlite":
            return f"sqlite:///{self.tmp / (uuid.uuid4().hex[:12] + '.sqlite')}"
        name = "sdmx_t_" + uuid.uuid4().hex[:16]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database this factory created."""
        if not self.created:
            return
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def db_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


def make_settings(url: str, **overrides: object) -> Settings:
    """Settings for tests: no shipped content unless asked."""
    values: dict[str, object] = {"database_url": url, "load_shipped_structures": False, "load_sample_data": False,
                                 "public_url": "http://testserver", "db_pool_size": 4}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_services(db_factory: DatabaseFactory) -> Iterator[Callable[..., Services]]:
    """Factory of services on a fresh, migrated database (closed after the test)."""
    made: list[Services] = []

    def make(**overrides: object) -> Services:
        services = Services.build(make_settings(db_factory.new_url(), **overrides))
        upgrade_to_head(services.engine)
        made.append(services)
        return services

    yield make
    for s in made:
        s.close()


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    """Services on a fresh, empty, migrated database."""
    return make_services()


def load_files(services: Services, paths: list[Path]) -> None:
    """Load structure files through the same path as ``sdmx-server load``."""
    from loaders.load import load_structure_files

    report = load_structure_files(paths, services.structure_store)
    assert not report.submission.refused, [(o.ref, o.message) for o in report.submission.refused]


@pytest.fixture(scope="session")
def loaded_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """A read-only store with the ILO and ECB EXR structures (shared by many tests: do not write)."""
    services = Services.build(make_settings(db_factory.new_url(), source_alias="TESTSRC"))
    upgrade_to_head(services.engine)
    load_files(services, [fixtures.ILO_STRUCTURE, fixtures.ECB_FULL])
    yield services
    services.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving our app in a thread, on a real loopback socket."""

    def __init__(self, services: Services) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(services=services), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(loaded_services: Services) -> Iterator[LiveServer]:
    """A real server on loopback over ``loaded_services``."""
    with LiveServer(loaded_services) as server:
        yield server


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client for the live server that validates every SDMX body it receives."""
    with httpx.Client(base_url=live_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        yield client


@pytest.fixture
def serve() -> Iterator[Callable[[Services], LiveServer]]:
    """Start a live server over any services (stopped after the test)."""
    servers: list[LiveServer] = []

    def start(services: Services) -> LiveServer:
        server = LiveServer(services).__enter__()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.__exit__()
