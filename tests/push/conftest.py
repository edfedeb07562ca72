"""Fixtures for the data-push tests: writable stores cloned from templates, tokens, live servers,
and snapshots of the data tables.

Two stores, each built once per session as a *template* database and cloned
for every test that asks for it (a file copy on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL), so that each test writes into its own copy:

* ``exr_env`` — the ECB EXR chain (``ECB:EXR(1.0)``, DSD ``ECB_EXR1``) with the
  shared fixtures' 252 monthly USD observations (through ``EXR_ECB``) and 53
  synthetic Q/A/D USD and M JPY ones (through ``EXR_BIS``): data providers ``ECB:DATA_PROVIDERS(1.0)``
  ECB, BIS, IMF and ESTAT; provision agreements ``EXR_ECB`` (ECB's data),
  ``EXR_BIS`` (the synthetic USD/JPY series) and ``EXR_IMF`` (an Allowed
  constraint lets IMF report CURRENCY GBP and CHF only); ESTAT has none.
* ``lmis_env`` — the shipped LMIS content (``services/bootstrap.py``:
  codelists, DSDs, providers, provision agreements and sample data).

Every env carries tokens by name (``env.tokens``): ``admin``, ``maintainer``
(agency of the store), one per producer, and ``revoked`` / ``expired`` (a
producer token that no longer works). The live server starts on first use
of ``env.server`` / ``env.url``. Settings leave ``public_url`` unset so that
links are derived from the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from tests import fixtures
from tests.clock import FakeClock
from tests.conftest import (
    DatabaseFactory,
    LiveServer,
    add_providers,
    load_data,
    load_files,
    pa_ref,
    synthetic_exr_csv,
)
from tests.sdmx_validation import httpx_hooks

DATA_TABLES = ("data_batch", "data_series", "data_observation", "data_attribute_value")
EXR = "ECB:EXR(1.0)"
EXR_DIMS = ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX")
EXR_FLOW_PATH = "dataflow/ECB/EXR/1.0"
CSV10_TYPE = "application/vnd.sdmx.data+csv;version=1.0.0"
CSV20_TYPE = "application/vnd.sdmx.data+csv;version=2.0.0"
GENERIC21_TYPE = "application/vnd.sdmx.genericdata+xml;version=2.1"
SS21_TYPE = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
ML30_TYPE = "application/vnd.sdmx.data+xml;version=3.0.0"


def push_settings(url: str, **overrides: object) -> Settings:
    """Settings for push tests: no shipped content, ``public_url`` left unset (derived from requests)."""
    values: dict[str, object] = {
        "database_url": url,
        "load_shipped_structures": False,
        "load_sample_data": False,
        "db_pool_size": 4,
        "source_alias": "TESTSRC",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def snapshot(
    services: Services, tables: tuple[str, ...] = DATA_TABLES
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the data tables (all columns, by primary key): compare before and after."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with services.engine.connect() as conn:
        for table in tables:
            out[table] = [
                tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY pk"))
            ]
    return out


def db_text(services: Services) -> str:
    """Every value of every table of the database, as one text (to search for leaked content)."""
    from sqlalchemy import inspect

    parts: list[str] = []
    with services.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row)
    return "\n".join(parts)


class TemplateStore:
    """A database built once, cloned for each test that writes into it."""

    def __init__(self, factory: DatabaseFactory, build: Callable[[Services], None]) -> None:
        self.factory = factory
        self.url = factory.migrated_url()
        services = Services.build(push_settings(self.url))
        try:
            build(services)
        finally:
            services.close()

    def clone(self) -> str:
        """The URL of a new database holding a copy of the template."""
        return self.factory.clone(self.url)


@dataclass
class PushEnv:
    """A writable store of its own, tokens by name, and a live server started on first use."""

    services: Services
    tokens: dict[str, str] = field(default_factory=dict)
    _server: LiveServer | None = None

    @property
    def server(self) -> LiveServer:
        """The live server over this store (started now if not yet)."""
        if self._server is None:
            self._server = LiveServer(self.services).__enter__()
        return self._server

    @property
    def url(self) -> str:
        """Base URL of the live server."""
        return self.server.url

    @property
    def clock(self) -> FakeClock:
        """The clock the services read, for an env made with ``clock=FakeClock()`` (tests that move time)."""
        clock = self.services.clock
        assert isinstance(clock, FakeClock), "this env runs on the system clock"
        return clock

    def auth(self, who: str | None) -> dict[str, str]:
        """The Authorization header of a named token (none for ``None``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def client(self, who: str | None = None, validate: bool = True) -> httpx.Client:
        """An httpx client on the live server, with a named token; SDMX bodies validated when ``validate``."""
        return httpx.Client(
            base_url=self.url,
            headers=self.auth(who),
            timeout=120,
            event_hooks=httpx_hooks if validate else None,
        )

    def push(
        self,
        body: bytes | str,
        who: str | None = "ECB",
        *,
        target: str = EXR_FLOW_PATH,
        content_type: str | None = CSV10_TYPE,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a data message to ``/rest/v2/data/{target}``."""
        hdrs = {**self.auth(who), **(headers or {})}
        if content_type:
            hdrs["Content-Type"] = content_type
        content = body.encode() if isinstance(body, str) else body
        with httpx.Client(base_url=self.url, timeout=120, event_hooks=httpx_hooks) as client:
            return client.post(
                f"/rest/v2/data/{target}", content=content, headers=hdrs, params=params
            )

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """The data tables, row by row."""
        return snapshot(self.services)

    def new_token(self, name: str, role: str, **kwargs: Any) -> str:
        """Create (and remember under ``name``) another token."""
        token, _row = self.services.auth.create_token(role, **kwargs)
        self.tokens[name] = token
        return token

    def close(self) -> None:
        """Stop the server and release connections."""
        if self._server is not None:
            self._server.__exit__()
        self.services.close()


def add_standard_tokens(env: PushEnv, agency: str, producers: list[str]) -> None:
    """admin, maintainer of ``agency``, one per producer, and a revoked and an expired producer token."""
    env.new_token("admin", "admin")
    env.new_token("maintainer", "maintainer", agency=agency)
    for provider in producers:
        env.new_token(provider, "provider", provider=provider)
    env.new_token("revoked", "provider", provider=producers[0])
    env.services.auth.revoke(env.tokens["revoked"][:12])
    env.new_token(
        "expired",
        "provider",
        provider=producers[0],
        expires_at=env.services.clock.now() - timedelta(minutes=1),
    )


# --------------------------------------------------------------------------- the ECB EXR chain


EXR_PRODUCERS = ["ECB", "BIS", "IMF", "ESTAT"]
IMF_CURRENCIES = ("GBP", "CHF")


def _build_exr(folder: Path) -> Callable[[Services], None]:
    def build(services: Services) -> None:
        from sdmx_server.domain.model import (
            Artefact,
            ArtefactType,
            ConstraintAttachmentRef,
            ConstraintDetails,
            CubeRegion,
            Item,
            ItemRef,
            KeyValue,
            MaintainableRef,
            ProvisionAgreementDetails,
        )

        load_files(services, [fixtures.ECB_FULL])
        add_providers(services)
        # Two more producers: IMF (a provision agreement restricted by a constraint), ESTAT (none).
        scheme = Artefact(
            type=ArtefactType.DATA_PROVIDER_SCHEME,
            agency="ECB",
            id="DATA_PROVIDERS",
            version="1.0",
            names={"en": "Data providers"},
            items=[
                Item(id="ECB", names={"en": "European Central Bank"}),
                Item(id="BIS", names={"en": "Bank for International Settlements"}),
                Item(id="IMF", names={"en": "International Monetary Fund"}),
                Item(id="ESTAT", names={"en": "Eurostat"}),
            ],
        )
        flow = MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")
        pa = Artefact(
            type=ArtefactType.PROVISION_AGREEMENT,
            agency="ECB",
            id="EXR_IMF",
            version="1.0",
            names={"en": "IMF supplies EXR (GBP and CHF)"},
            details=ProvisionAgreementDetails(
                dataflow=flow, data_provider=ItemRef(scheme=scheme.ref, item_id="IMF")
            ),
        )
        constraint = Artefact(
            type=ArtefactType.CONTENT_CONSTRAINT,
            agency="ECB",
            id="EXR_IMF_CONSTRAINT",
            version="1.0",
            names={"en": "What IMF may report"},
            details=ConstraintDetails(
                role="Allowed",
                attachments=[ConstraintAttachmentRef(ref=pa.ref)],
                cube_regions=[
                    CubeRegion(
                        include=True,
                        key_values=[KeyValue(id="CURRENCY", values=list(IMF_CURRENCIES))],
                    )
                ],
            ),
        )
        report = services.structure_store.submit([scheme, pa, constraint])
        assert not report.refused, report.refused
        load_data(services, fixtures.ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
        load_data(services, synthetic_exr_csv(folder), provision_agreement=pa_ref("EXR_BIS"))

    return build


def _env_factory(
    template: TemplateStore, agency: str, producers: list[str]
) -> Iterator[Callable[..., PushEnv]]:
    """Yield a factory of ``PushEnv`` on fresh copies of ``template`` with the standard tokens; close them after."""
    made: list[PushEnv] = []

    def make(clock: Clock = SYSTEM_CLOCK, **overrides: object) -> PushEnv:
        env = PushEnv(Services.build(push_settings(template.clone(), **overrides), clock=clock))
        add_standard_tokens(env, agency, producers)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()


@pytest.fixture(scope="session")
def exr_template(
    db_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> TemplateStore:
    """The ECB EXR chain with four producers, built once (clone it; never write into it)."""
    return TemplateStore(db_factory, _build_exr(tmp_path_factory.mktemp("exr")))


@pytest.fixture
def make_exr_env(exr_template: TemplateStore) -> Iterator[Callable[..., PushEnv]]:
    """Factory of ``PushEnv`` on fresh copies of the EXR template (settings overridable; ``clock=``
    a ``FakeClock`` for tests that move time instead of sleeping)."""
    yield from _env_factory(exr_template, "ECB", EXR_PRODUCERS)


@pytest.fixture
def exr_env(make_exr_env: Callable[..., PushEnv]) -> PushEnv:
    """A writable copy of the EXR chain with tokens (job runner on, default settings)."""
    return make_exr_env()


# --------------------------------------------------------------------------- the shipped LMIS content


LMIS_PRODUCERS = ["HCP", "MIN_EMPLOI", "ANAPEC", "CNSS", "WB"]


def _build_lmis(services: Services) -> None:
    from sdmx_server.services.bootstrap import load_shipped_content

    services.settings.load_shipped_structures = True
    services.settings.load_sample_data = True
    assert load_shipped_content(services)


@pytest.fixture(scope="session")
def lmis_template(db_factory: DatabaseFactory) -> TemplateStore:
    """The shipped structures and sample data (bootstrap), built once (clone it; never write into it)."""
    return TemplateStore(db_factory, _build_lmis)


@pytest.fixture
def make_lmis_env(lmis_template: TemplateStore) -> Iterator[Callable[..., PushEnv]]:
    """Factory of ``PushEnv`` on fresh copies of the shipped content."""
    yield from _env_factory(lmis_template, "MA_LMIS", LMIS_PRODUCERS)


@pytest.fixture
def lmis_env(make_lmis_env: Callable[..., PushEnv]) -> PushEnv:
    """A writable copy of the shipped content with tokens."""
    return make_lmis_env()


EXR_HEADER = (
    "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
)
# EXR's mandatory series attributes, appended to rows written with the default header.
SERIES_ATTRS = "TIME_FORMAT,COLLECTION,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
TIME_FORMATS = {"A": "P1Y", "Q": "P3M", "M": "P1M", "D": "P1D", "W": "P7D", "H": "P6M", "B": "P1D"}


def exr_series_attrs(freq: str, currency: str) -> str:
    """Values of EXR's mandatory series attributes for one series (SDMX-CSV cells, SERIES_ATTRS order).

    The unit of a rate is its currency; a key value that is no currency code (a
    test's deliberate mistake) gets the unit ``_Z``, so that the row's only error
    is the one the test made.
    """
    unit = currency if len(currency) == 3 and currency.isalpha() and currency.isupper() else "_Z"
    return f"{TIME_FORMATS.get(freq, 'P1M')},A,4,{currency} per euro,{unit},0"


def exr_series_attr_values(freq: str, currency: str) -> dict[str, str]:
    """The same as :func:`exr_series_attrs`, by attribute id."""
    return dict(
        zip(SERIES_ATTRS.split(","), exr_series_attrs(freq, currency).split(","), strict=True)
    )


def exr_csv(rows: list[str], header: str = EXR_HEADER) -> str:
    """An SDMX-CSV 1.0 message for ECB:EXR(1.0): each row without its DATAFLOW cell.

    With the default header, each row gets its series' mandatory attributes
    (SDMX-CSV 1.0 has no ACTION column: every row is an upsert).
    """
    if header == EXR_HEADER:
        header = f"{EXR_HEADER},{SERIES_ATTRS}"
        rows = [f"{r},{exr_series_attrs(*r.split(',')[:2])}" for r in rows]
    return "\n".join([header, *(f"{EXR},{r}" for r in rows)]) + "\n"


def exr_observations(
    services: Services, where: str = ""
) -> dict[tuple[str, str], tuple[str | None, Any]]:
    """The current (published) observations of ECB:EXR(1.0): (series key, period) -> (value, attrs)."""
    import json

    sql = (
        "SELECT s.series_key, o.period, o.value, o.attrs FROM data_observation o"
        " JOIN data_series s ON s.pk = o.series_pk JOIN structure_artefact a ON a.pk = s.dataflow_pk"
        " WHERE a.resource_id = 'EXR' AND a.agency_id = 'ECB' AND o.valid_to IS NULL AND NOT o.is_deleted"
        + (f" AND {where}" if where else "")
    )
    with services.engine.connect() as conn:
        out = {}
        for key, period, value, attrs in conn.execute(text(sql)):
            if isinstance(attrs, str):
                attrs = json.loads(attrs)
            out[(key, period)] = (value, attrs or {})
        return out


def sdmx_error(response: httpx.Response) -> tuple[int, str]:
    """(SDMX error code, message) of an SDMX error message, SDMX-ML (default) or JSON (when negotiated)."""
    from lxml import etree

    ctype = response.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        (error,) = response.json()["errors"]
        return int(error["code"]), str(error["detail"])
    assert ctype.startswith("application/xml"), ctype
    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message}Error", root.tag
    (message,) = root.findall("{*}ErrorMessage")
    return int(message.get("code")), message.findtext("{*}Text") or ""


def wait_for_submission(client: httpx.Client, url: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a submission's status URL until it is no longer queued or running; its last status."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        r = client.get(url)
        assert r.status_code == 200, r.text
        status = r.json()
        if status["status"] not in ("queued", "running"):
            return status
        assert time.monotonic() < deadline, f"submission still {status['status']} after {timeout} s"
        time.sleep(0.1)


def count_rows(services: Services, table: str) -> int:
    """Number of rows of a table."""
    with services.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
