"""The packed read path (ADR 0016) answers byte for byte what the row path answers.

Plain answers are read one row per series, the database writing each observation's markup
(``storage/packed_read.py``). Here every format that has a packed writer answers the same queries
twice, packed and with the packed path switched off, on the ECB EXR chain plus observations whose
free-text attributes hold everything that needs escaping (XML and CSV specials, line breaks, a
backslash, Arabic and French text), and on the sample matrix (groups); the bodies must be
identical (message id and preparation time aside), and the packed path must have been taken.
The SQL escaping is also checked against the writers' own escaping, value by value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.domain.obs_markup import Slot
from sdmx_server.formats.sdmx_csv10 import _cell
from sdmx_server.formats.xml_ns import escape_attr
from sdmx_server.services import data_answer, data_query
from sdmx_server.services.container import Services
from sdmx_server.storage import packed_read
from tests.conftest import (
    DatabaseFactory,
    LiveServer,
    add_providers,
    load_data,
    load_files,
    make_settings,
    pa_ref,
)
from tests.fixtures import ECB_DATA, ECB_FULL
from tests.sdmx_validation import httpx_hooks

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
GENERIC_TS = "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
SS_TS = "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.data+xml;version=3.1.0"
V1_FORMATS = [GENERIC, GENERIC_TS, SS, SS_TS, CSV10, CSV20]
V2_FORMATS = [ML30, ML31, CSV20, GENERIC, SS]

TRICKY = [
    "a < b & \"c\" > 'd'",
    "comma, and a line\nbreak",
    "back\\slash \\n not a break",
    "tab\there, carriage\rreturn",
    "العربية: البطالة",
    "Taux d'activité, Maroc",
    "",
]


def tricky_csv(folder: Any) -> Any:
    """Monthly GBP observations whose uncoded attributes (OBS_COM per observation, TITLE per series)
    need every kind of escaping."""
    rows = [
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "OBS_COM,TIME_FORMAT,COLLECTION,TITLE,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
    ]
    title = _cell('Pound "sterling", <GBP> & co')
    for month, comment in enumerate(TRICKY[:-1], start=1):
        rows.append(
            f"ECB:EXR(1.0),M,GBP,EUR,SP00,A,2021-{month:02d},0.{month}5,A,{_cell(comment)},P1M,A,{title},"
            "4,Pound sterling per euro,GBP,0"
        )
    rows.append(  # no comment, no value
        f"ECB:EXR(1.0),M,GBP,EUR,SP00,A,2021-12,,M,,P1M,A,{title},4,Pound sterling per euro,GBP,0"
    )
    path = folder / "tricky-exr.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exr_server(db_factory: DatabaseFactory) -> Iterator[LiveServer]:
    services = Services.build(make_settings(db_factory.new_url(), source_alias="TESTSRC"))
    from sdmx_server.storage.schema import upgrade_to_head

    upgrade_to_head(services.engine)
    load_files(services, [ECB_FULL])
    add_providers(services)
    load_data(services, ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
    load_data(services, tricky_csv(db_factory.tmp), provision_agreement=pa_ref("EXR_BIS"))
    try:
        with LiveServer(services) as server:
            yield server
    finally:
        services.close()


@contextmanager
def row_path_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Switch the packed path off (the row path answers)."""
    with monkeypatch.context() as m:
        m.setattr(data_answer, "packed_writer", lambda media, ctx: None)
        m.setattr(data_query, "packable", lambda f: False)
        yield


@pytest.fixture
def packed_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each use of the packed path."""
    calls: list[str] = []
    series, csv = data_query.packed_series, data_query.packed_csv

    def spy_series(*a: Any, **k: Any) -> Any:
        calls.append("series")
        return series(*a, **k)

    def spy_csv(*a: Any, **k: Any) -> Any:
        calls.append("csv")
        return csv(*a, **k)

    monkeypatch.setattr(data_query, "packed_series", spy_series)
    monkeypatch.setattr(data_query, "packed_csv", spy_csv)
    return calls


_VOLATILE = re.compile(rb"<mes:(ID|Prepared)>[^<]*</mes:\1>")


def _same_answer(
    client: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    calls: list[str],
    path: str,
    accept: str,
) -> bytes:
    calls.clear()
    packed = client.get(path, headers={"Accept": accept})
    assert packed.status_code == 200, packed.text[:500]
    assert calls, f"the packed path was not taken for {path} in {accept}"
    with row_path_only(monkeypatch):
        rows = client.get(path, headers={"Accept": accept})
    assert rows.status_code == 200
    assert _VOLATILE.sub(b"", packed.content) == _VOLATILE.sub(b"", rows.content), (path, accept)
    return packed.content


V1_QUERIES = [
    "/rest/data/ECB,EXR,1.0",
    "/rest/data/EXR/M.USD+GBP.EUR.SP00.A?startPeriod=2021-01&endPeriod=2021-11",
    "/rest/data/EXR/M..EUR.SP00.A?detail=dataonly",
    "/rest/data/EXR/all?startPeriod=2000",
]


@pytest.mark.parametrize("accept", V1_FORMATS)
@pytest.mark.parametrize("path", V1_QUERIES)
def test_v1_packed_equals_rows(
    exr_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    packed_calls: list[str],
    path: str,
    accept: str,
) -> None:
    with httpx.Client(base_url=exr_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        body = _same_answer(client, monkeypatch, packed_calls, path, accept)
    if "startPeriod=2021-01" in path and "csv" not in accept:
        # the escaped comments are really there (not dropped by both paths alike)
        assert b"a &lt; b &amp; &quot;c&quot; &gt; 'd'" in body
        assert "العربية".encode() in body
    if "startPeriod=2021-01" in path and "csv" in accept:
        assert b'"comma, and a line\nbreak"' in body
        assert b"back\\slash \\n not a break" in body


V2_QUERIES = [
    "/rest/v2/data/dataflow/ECB/EXR/1.0/*",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/M.*.EUR.SP00.A?c[TIME_PERIOD]=ge:2021-03+le:2021-10",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/*?c[OBS_COM]=co:line",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/*?c[TITLE]=co:sterling",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/M.*.EUR.SP00.A?attributes=none",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/*?attributes=OBS_COM,TITLE&measures=all",
    "/rest/v2/data/dataflow/ECB/EXR/1.0/*?c[OBS_STATUS]=A,M",
]


@pytest.mark.parametrize("accept", V2_FORMATS)
@pytest.mark.parametrize("path", V2_QUERIES)
def test_v2_packed_equals_rows(
    exr_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    packed_calls: list[str],
    path: str,
    accept: str,
) -> None:
    with httpx.Client(base_url=exr_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        body = _same_answer(client, monkeypatch, packed_calls, path, accept)
    if "c[OBS_COM]=co:line" in path:
        assert body.count(b"2021-02") >= 1 and b"2021-03" not in body


def test_not_packed_when_cut_or_versioned(
    exr_server: LiveServer, monkeypatch: pytest.MonkeyPatch, packed_calls: list[str]
) -> None:
    """Answers the packed path does not cover still come from the rows."""
    with httpx.Client(base_url=exr_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        for path, accept in [
            ("/rest/data/EXR/M.GBP.EUR.SP00.A?lastNObservations=3", SS),
            ("/rest/data/EXR/M.GBP.EUR.SP00.A?dimensionAtObservation=AllDimensions", GENERIC),
            ("/rest/data/EXR/M.GBP.EUR.SP00.A?detail=serieskeysonly", SS),
            ("/rest/data/EXR/M.GBP.EUR.SP00.A?includeHistory=true", SS),
        ]:
            packed_calls.clear()
            r = client.get(path, headers={"Accept": accept})
            assert r.status_code == 200, (path, r.text[:300])
            assert packed_calls == [], path
        r = client.get(
            "/rest/data/EXR/M.GBP.EUR.SP00.A", headers={"Accept": CSV10, "Range": "values=0-4"}
        )
        assert r.status_code == 206 and packed_calls == []
        assert len(list(csv.reader(io.StringIO(r.text)))) == 6  # header and five lines


@pytest.fixture(scope="module")
def groups_server(sample_services: Services) -> Iterator[LiveServer]:
    with LiveServer(sample_services) as server:
        yield server


@pytest.mark.parametrize("flow", ["ECB,EXR_NG,1.0", "ECB,EXR_SG,1.0", "ECB,EXR_RG,1.0"])
@pytest.mark.parametrize("accept", [GENERIC, SS_TS])
def test_groups_packed_equals_rows(
    groups_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    packed_calls: list[str],
    flow: str,
    accept: str,
) -> None:
    with httpx.Client(base_url=groups_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        _same_answer(client, monkeypatch, packed_calls, f"/rest/data/{flow}", accept)


@pytest.mark.parametrize("value", TRICKY + ["plain", "12.5", "x" * 300])
def test_sql_escaping_matches_the_writers(db_factory: DatabaseFactory, value: str) -> None:
    """The database escapes a value as the writers do (XML attribute, CSV cell)."""
    from sqlalchemy import create_engine

    engine = create_engine(db_factory.new_url())
    try:
        with engine.connect() as conn:
            dialect = conn.dialect.name
            for escape, expected in (
                ("xml", escape_attr(value)),
                ("csv", _cell(value)),
                ("none", value),
            ):
                params: dict[str, Any] = {}
                expr = packed_read._Sql(dialect, params).escaped(
                    Slot("value", escape=escape)  # type: ignore[arg-type]
                )
                got = conn.execute(
                    text(f"SELECT {expr} FROM (SELECT CAST(:v AS TEXT) AS value) o"),
                    {**params, "v": value},
                ).scalar_one()
                assert got == expected, (escape, value)
    finally:
        engine.dispose()
