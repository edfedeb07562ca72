"""Shared fixtures: a real database (SQLite or PostgreSQL), services, and a real
server on loopback.

``SDMX_SERVER_TEST_DB=postgres`` (set by ``scripts/run_tests.py``) runs the
suite on PostgreSQL at ``SDMX_SERVER_TEST_POSTGRES_URL``: each database the
tests need is created fresh (``CREATE DATABASE``) and dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import sqlite3
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
from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from sdmx_server.storage.db import create_db_engine
from sdmx_server.storage.schema import upgrade_to_head
from tests import fixtures
from tests.sdmx_validation import httpx_hooks

collect_ignore = [
    "conformance/sdmx1_battery"
]  # run in its own pytest process (see test_sdmx1_battery.py)

TEST_DB = os.environ.get("SDMX_SERVER_TEST_DB", "sqlite")
PG_URL = os.environ.get(
    "SDMX_SERVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database under test: {TEST_DB}" + (
        f" ({make_url(PG_URL).render_as_string(hide_password=True)})"
        if TEST_DB == "postgres"
        else ""
    )


class DatabaseFactory:
    """Creates databases of the kind under test (empty, migrated, or copies) and drops them at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []
        self._migrated: str | None = None
        self._lock = threading.Lock()

    def new_url(self) -> str:
        """A new, empty database."""
        if TEST_DB == "sqlite":
            return f"sqlite:///{self.tmp / (uuid.uuid4().hex[:12] + '.sqlite')}"
        return self._create_pg("")

    def migrated_url(self) -> str:
        """A new database at the newest migration: a copy of one migrated once per process (a file copy
        on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL) instead of running Alembic again."""
        with self._lock:
            if self._migrated is None:
                url = self.new_url()
                engine = create_db_engine(url, pool_size=1)
                try:
                    upgrade_to_head(engine)
                finally:
                    engine.dispose()
                self._migrated = url
            return self.clone(self._migrated)

    def clone(self, url: str) -> str:
        """A new database holding a copy of the one at ``url`` (a template: nothing may be connected to it)."""
        if TEST_DB == "sqlite":
            source = make_url(url).database
            assert source is not None
            target = Path(source).with_name(uuid.uuid4().hex[:12] + ".sqlite")
            with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            return f"sqlite:///{target}"
        return self._create_pg(f' TEMPLATE "{make_url(url).database}"')

    def _create_pg(self, options: str) -> str:
        name = "sdmx_t_" + uuid.uuid4().hex[:16]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"{options}'))
        finally:
            admin.dispose()
        self.created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database this factory created (not on a throw-away cluster)."""
        if not self.created or os.environ.get("SDMX_SERVER_TEST_PG_THROWAWAY") == "1":
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
    values: dict[str, object] = {
        "database_url": url,
        "load_shipped_structures": False,
        "load_sample_data": False,
        "public_url": "http://testserver",
        "db_pool_size": 4,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_services(db_factory: DatabaseFactory) -> Iterator[Callable[..., Services]]:
    """Factory of services on a fresh, migrated database (closed after the test); settings
    overridable, ``clock=`` a ``tests.clock.FakeClock`` for tests that move time instead of sleeping."""
    made: list[Services] = []

    def make(clock: Clock = SYSTEM_CLOCK, **overrides: object) -> Services:
        services = Services.build(
            make_settings(db_factory.migrated_url(), **overrides), clock=clock
        )
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
    from sdmx_server.services.file_loading import load_structure_files

    report = load_structure_files(paths, services.structure_store)
    assert not report.submission.refused, [(o.ref, o.message) for o in report.submission.refused]


@pytest.fixture(scope="session")
def loaded_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """A read-only store with the ILO and ECB EXR structures (shared by many tests: do not write)."""
    services = Services.build(make_settings(db_factory.migrated_url(), source_alias="TESTSRC"))
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
        config = uvicorn.Config(
            create_app(services=services),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
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


# --------------------------------------------------------------------------- data


def add_dataflow(
    services: Services, agency: str, flow_id: str, dsd_id: str, version: str = "1.0"
) -> None:
    """Create a dataflow for a DSD (the SDMX 2.1 sample structures have none)."""
    from sdmx_server.domain.model import Artefact, ArtefactType, DataflowDetails, MaintainableRef

    flow = Artefact(
        type=ArtefactType.DATAFLOW,
        agency=agency,
        id=flow_id,
        version=version,
        names={"en": flow_id},
        details=DataflowDetails(
            structure=MaintainableRef(
                type=ArtefactType.DATA_STRUCTURE, agency=agency, id=dsd_id, version=version
            )
        ),
    )
    report = services.structure_store.submit([flow])
    assert not report.refused, report.refused


def load_data(services: Services, path: Path, **kwargs: object) -> object:
    """Load one data file; fail the test if it is refused.

    The "rg" specimen files name DSD ECB_EXR_RG in their header, but their structure file defines
    ECB_EXR_CG: the server refuses a header naming another DSD than the dataflow's, so the header
    is corrected here, in memory.
    """
    if path.name.startswith("rg-") and path.parent.name == "ECB_EXR":
        import io

        fixed = io.BytesIO(
            path.read_bytes()
            .replace(b'id="ECB_EXR_RG"', b'id="ECB_EXR_CG"')
            .replace(b"DataStructure=ECB:ECB_EXR_RG(", b"DataStructure=ECB:ECB_EXR_CG(")
        )
        result = services.data_write.submit(fixed, **kwargs)  # type: ignore[arg-type]
        assert result.ok, [e.as_dict() for e in result.errors[:20]]  # type: ignore[attr-defined]
        return result
    with path.open("rb") as stream:
        result = services.data_write.submit(stream, **kwargs)  # type: ignore[arg-type]
    assert result.ok, [e.as_dict() for e in result.errors[:20]]
    return result


# The "rg" sample files name a DSD ECB_EXR_RG, but its structure file defines ECB_EXR_CG (see load_data).
SAMPLE_FLOWS = {"ng": "ECB_EXR_NG", "rg": "ECB_EXR_CG", "sg": "ECB_EXR_SG"}


@pytest.fixture(scope="session")
def data_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """A read-only store with the ECB EXR chain: its full structure and 252 monthly observations."""
    services = Services.build(
        make_settings(
            db_factory.migrated_url(), source_alias="TESTSRC", max_response_observations=5000
        )
    )
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(services, fixtures.ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
    load_data(
        services, synthetic_exr_csv(tmp_dir(db_factory)), provision_agreement=pa_ref("EXR_BIS")
    )
    yield services
    services.close()


def tmp_dir(db_factory: DatabaseFactory) -> Path:
    return db_factory.tmp


def pa_ref(pa_id: str) -> object:
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    return MaintainableRef(
        type=ArtefactType.PROVISION_AGREEMENT, agency="ECB", id=pa_id, version="1.0"
    )


def add_providers(services: Services) -> None:
    """Two data providers (ECB, BIS) with a provision agreement each for ECB:EXR(1.0)."""
    from sdmx_server.domain.model import (
        Artefact,
        ArtefactType,
        Item,
        ItemRef,
        MaintainableRef,
        ProvisionAgreementDetails,
    )

    scheme = Artefact(
        type=ArtefactType.DATA_PROVIDER_SCHEME,
        agency="ECB",
        id="DATA_PROVIDERS",
        version="1.0",
        names={"en": "Data providers"},
        items=[
            Item(id="ECB", names={"en": "European Central Bank"}),
            Item(id="BIS", names={"en": "Bank for International Settlements"}),
        ],
    )
    flow = MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")
    pas = [
        Artefact(
            type=ArtefactType.PROVISION_AGREEMENT,
            agency="ECB",
            id=f"EXR_{p}",
            version="1.0",
            names={"en": f"{p} supplies EXR"},
            details=ProvisionAgreementDetails(
                dataflow=flow, data_provider=ItemRef(scheme=scheme.ref, item_id=p)
            ),
        )
        for p in ("ECB", "BIS")
    ]
    report = services.structure_store.submit([scheme, *pas])
    assert not report.refused, report.refused


def synthetic_exr_csv(folder: Path) -> Path:
    """Quarterly, annual and daily USD series and a monthly JPY series, as SDMX-CSV 1.0."""
    rows = [
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "TIME_FORMAT,COLLECTION,TITLE,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
    ]
    flow = "ECB:EXR(1.0)"
    usd = "4,US dollar (USD) per euro,USD,0"  # DECIMALS, TITLE_COMPL, UNIT, UNIT_MULT (mandatory)
    for year in (2019, 2020, 2021):
        for q in range(1, 5):
            rows.append(
                f"{flow},Q,USD,EUR,SP00,A,{year}-Q{q},{1 + year % 10 / 10 + q / 100:.4f},A,P3M,A,Quarterly USD,{usd}"
            )
    for year in range(2015, 2022):
        rows.append(
            f"{flow},A,USD,EUR,SP00,A,{year},{1 + year % 100 / 100:.4f},A,P1Y,A,Annual USD,{usd}"
        )
    for day in range(1, 11):
        rows.append(
            f"{flow},D,USD,EUR,SP00,A,2020-01-{day:02d},{1.1 + day / 1000:.4f},A,P1D,A,Daily USD,{usd}"
        )
    for year in (2019, 2020):
        for month in range(1, 13):
            status = "E" if (year, month) == (2020, 12) else "A"
            rows.append(
                f'{flow},M,JPY,EUR,SP00,A,{year}-{month:02d},{120 + month / 10:.2f},{status},P1M,A,"Yen, per euro",'
                "2,Japanese yen (JPY) per euro,JPY,0"
            )
    path = folder / "synthetic-exr.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="session")
def sample_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """The SDMX 2.1 sample matrix: three DSDs (no groups, a sibling group, a group with attributes),
    a dataflow for each, loaded from their time-series generic files."""
    services = Services.build(make_settings(db_factory.migrated_url(), source_alias="TESTSRC"))
    load_files(
        services, [fixtures.SDMX / "ECB_EXR" / f"{p}-structure-full.xml" for p in SAMPLE_FLOWS]
    )
    for prefix, dsd in SAMPLE_FLOWS.items():
        add_dataflow(services, "ECB", f"EXR_{prefix.upper()}", dsd)
        load_data(
            services,
            fixtures.sample_data_file(prefix, f"{prefix}-ts", db_factory.tmp),
            dataflow=sample_flow(prefix),
        )
    yield services
    services.close()


def sample_flow(prefix: str) -> object:
    """Reference of the test dataflow for one sample DSD."""
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    return MaintainableRef(
        type=ArtefactType.DATAFLOW, agency="ECB", id=f"EXR_{prefix.upper()}", version="1.0"
    )


@pytest.fixture(scope="session")
def sample_server(sample_services: Services) -> Iterator[LiveServer]:
    """A live server over the sample matrix."""
    with LiveServer(sample_services) as server:
        yield server


@pytest.fixture(scope="session")
def data_server(data_services: Services) -> Iterator[LiveServer]:
    """A live server over ``data_services``."""
    with LiveServer(data_services) as server:
        yield server


@pytest.fixture
def dhttp(data_server: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client for the data server, validating every SDMX body."""
    with httpx.Client(base_url=data_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        yield client


# --------------------------------------------------------------------------- passes


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first; database-free tests run once: in the SQLite pass only.

    Slow tests (marked ``slow``) start the run, so that under pytest-xdist no worker is
    left with one at the end while the others are idle (``--dist worksteal`` balances the rest).

    A test needs a database when its fixtures reach ``db_factory`` (directly or
    through another fixture) or when it is marked ``uses_db`` (tests that reach
    the database some other way, e.g. a subprocess given the test database).
    """
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("slow") is None)
    if TEST_DB != "postgres":
        return
    kept, dropped = [], []
    for item in items:
        needs_db = "db_factory" in getattr(item, "fixturenames", ()) or item.get_closest_marker(
            "uses_db"
        )
        (kept if needs_db else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
