"""Key filters with wildcards read their series through the unique series-key index, and stay correct.

Equality filters on some dimensions (``c[D1]=a&c[D5]=b``, or the v1 key ``a....b``) are folded with
the codes of the other dimensions into the full series keys they can match, when few enough
(``data_read_repo.FULL_KEYS_MAX``), so that the series are probed by key instead of read one by one
from the whole dataflow; ``ge:X+le:Y`` on the time period becomes the period bounds of the fast paths.
Here: the answers of every reading path (database-written CSV, row streams, series keys, counts for
``Content-Range``, history) against the generated data, below and above the limit; the plan of the
statement on both databases; and the statements one warm request sends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import event, text

from benchmarks import synthetic
from sdmx_server.api.data_params_v2 import parse_data_v2
from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from sdmx_server.storage import data_read_repo as rr
from tests.conftest import LiveServer

FLOW = "KEYS"
V2 = f"/rest/v2/data/dataflow/{synthetic.AGENCY}/{FLOW}/1.0"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
PERIODS = 6  # 2000-2005
KEYS = synthetic.series_keys(3000, seed=21)
# a D1/D5 pair that several stored series share, and two more D1 codes
D1, D5 = KEYS[0][0], KEYS[0][4]
D1_B, D1_C = [c for c in synthetic.codes(0) if c != D1][:2]


@pytest.fixture(scope="module")
def keyed(db_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The synthetic 5-dimension dataflow (3,000 series x 6 years) behind a live server."""
    from sdmx_server.storage.schema import upgrade_to_head
    from tests.conftest import make_settings

    services = Services.build(make_settings(db_factory.new_url()))  # type: ignore[attr-defined]
    upgrade_to_head(services.engine)
    assert not services.structure_store.submit(synthetic.build_structures(FLOW)).refused
    path = tmp_path_factory.mktemp("keys") / "keys.csv"
    synthetic.write_csv(path, FLOW, KEYS, PERIODS)
    with path.open("rb") as f:
        assert services.data_write.submit(f).ok
    if services.engine.dialect.name == "postgresql":
        with services.engine.begin() as conn:  # as autovacuum would, so that plans see the sizes
            conn.execute(text("ANALYZE data_series"))
            conn.execute(text("ANALYZE data_observation"))
    with LiveServer(services) as server:
        server.services = services  # type: ignore[attr-defined]
        yield server
    services.close()


def expected(
    d1: set[str] | None = None, d5: set[str] | None = None, years: tuple[int, int] = (0, 9999)
) -> set[tuple[str, str, str]]:
    """(series key, period, value) of the generated observations the filter selects."""
    out = set()
    for row in synthetic.rows(KEYS, PERIODS):
        key, year, value = row[:5], int(row[5]), row[6]
        if (d1 is None or key[0] in d1) and (d5 is None or key[4] in d5):
            if years[0] <= year <= years[1]:
                out.add((".".join(key), row[5], value))
    return out


def csv_obs(body: bytes) -> set[tuple[str, str, str]]:
    """(series key, period, value) of an SDMX-CSV 1.0 or 2.0 answer."""
    rows = csv.DictReader(io.StringIO(body.decode()))
    return {
        (".".join(r[d] for d in synthetic.DIMS), r["TIME_PERIOD"], r["OBS_VALUE"]) for r in rows
    }


def ml_obs(body: bytes) -> set[tuple[str, str, str]]:
    """(series key, period, value) of a structure-specific SDMX-ML 3.0 answer."""
    from lxml import etree

    out = set()
    for series in etree.fromstring(body).iter("Series"):
        key = ".".join(series.get(d) or "" for d in synthetic.DIMS)
        for obs in series.iter("Obs"):
            out.add((key, obs.get("TIME_PERIOD") or "", obs.get("OBS_VALUE") or ""))
    return out


def ml_series(body: bytes) -> set[str]:
    """The series keys of a structure-specific SDMX-ML 3.0 answer."""
    from lxml import etree

    return {
        ".".join(series.get(d) or "" for d in synthetic.DIMS)
        for series in etree.fromstring(body).iter("Series")
    }


def get(server: LiveServer, path: str, accept: str, **headers: str) -> httpx.Response:
    r = httpx.get(server.url + path, headers={"Accept": accept, **headers}, timeout=60)
    assert r.status_code in (200, 206), (path, r.status_code, r.text[:300])
    return r


TIME = "c[TIME_PERIOD]=ge:2002+le:2004"
CASES = [
    # (query, D1 codes, D5 codes, years): 1,000 candidate keys, 2,000 (the limit), 3,000 (scan), no D1
    (f"?{TIME}&c[D1]={D1}&c[D5]={D5}", {D1}, {D5}, (2002, 2004)),
    (f"?c[D1]={D1},{D1_B}&c[D5]={D5}", {D1, D1_B}, {D5}, (0, 9999)),
    (f"?c[D1]={D1},{D1_B},{D1_C}&c[D5]={D5}&{TIME}", {D1, D1_B, D1_C}, {D5}, (2002, 2004)),
    (f"?c[D5]={D5}&c[TIME_PERIOD]=ge:2003", None, {D5}, (2003, 9999)),
    (f"/{D1}....{D5}?c[TIME_PERIOD]=le:2001", {D1}, {D5}, (0, 2001)),
]


@pytest.mark.parametrize(("query", "d1", "d5", "years"), CASES)
def test_every_reading_path_answers_the_filtered_observations(
    keyed: LiveServer,
    query: str,
    d1: set[str] | None,
    d5: set[str] | None,
    years: tuple[int, int],
) -> None:
    want = expected(d1, d5, years)
    assert want  # the filter selects something
    # SDMX-CSV written by the database (COPY / SQLite), rows streamed into SDMX-ML 3.0
    assert csv_obs(get(keyed, V2 + query, CSV20).content) == want
    assert ml_obs(get(keyed, V2 + query, ML30).content) == want
    # v1 path, SDMX-CSV 1.0
    if query.startswith("/"):
        v1 = f"/rest/data/{synthetic.AGENCY},{FLOW},1.0" + query.split("?")[0]
        v1 += "?endPeriod=2001"
        assert csv_obs(get(keyed, v1, CSV10).content) == want
    # counts: Content-Range of a page
    page = get(keyed, V2 + query, CSV20, Range="values=0-1")
    assert page.status_code == 206
    assert page.headers["Content-Range"] == f"values 0-1/{len(want)}"
    # series keys only
    sep = "&" if "?" in query else "?"
    keys_only = get(keyed, V2 + query + sep + "attributes=none&measures=none", ML30)
    assert ml_series(keys_only.content) == {k for k, _, _ in want}
    # every version (the history mode reads without the expanded keys)
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    history = get(keyed, V2 + query + sep + f"updatedAfter={since}", ML30)
    assert ml_obs(history.content) == want


def test_contradicting_or_empty_filters_answer_no_data(keyed: LiveServer) -> None:
    absent = next(c for c in synthetic.codes(4) if not any(k[0] == D1 and k[4] == c for k in KEYS))
    r = httpx.get(keyed.url + V2 + f"?c[D1]={D1}&c[D5]={absent}", timeout=60)
    assert r.status_code == 204
    r = httpx.get(keyed.url + V2 + f"?c[D1]={D1}&c[TIME_PERIOD]=ge:2004+le:2002", timeout=60)
    assert r.status_code == 204


def _plan(services: Services, query: str) -> tuple[str, str]:
    """The observation query the service builds for ``query``, and the database's plan of it."""
    req = parse_data_v2(
        V2.removeprefix("/rest/v2/data/"), query.lstrip("?"), services.settings.source_alias
    )
    with services.data_query.open() as session:
        req = services.data_query.concrete(session, req)
        _, info = services.data_query.resolve(session, req)
        f = services.data_query.build_filter(session, info, req, utcnow())
        dialect = session.get_bind().dialect.name
        sql, params = rr.select_sql(f, dialect)
        bound = rr._bind(session, params)  # noqa: SLF001 - as the reading paths bind them
        if dialect == "postgresql":
            # a small table is cheaper to scan: forbid it, to see that the key is an index condition
            session.execute(text("SET LOCAL enable_seqscan = off"))
            rows = session.execute(text("EXPLAIN " + sql), bound)
            return sql, "\n".join(r[0][:300] for r in rows)
        rows = session.execute(text("EXPLAIN QUERY PLAN " + sql), bound)
        return sql, "\n".join(str(r[-1])[:300] for r in rows)


def test_wildcard_keys_are_index_lookups(keyed: LiveServer) -> None:
    services: Services = keyed.services  # type: ignore[attr-defined]
    pg = services.engine.dialect.name == "postgresql"
    # the benchmark's query: D2, D3 and D4 open, 1,000 candidate keys
    sql, plan = _plan(services, f"?{TIME}&c[D1]={D1}&c[D5]={D5}")
    assert "s.series_key = ANY(" in sql if pg else "s.series_key IN (" in sql, sql[:2000]
    if not pg:
        assert "USING INDEX sqlite_autoindex_data_series_1 (dataflow_pk=? AND series_key=?)" in (
            plan
        ), plan
        assert "ix_data_observation_cell (series_pk=? AND period_start<?)" in plan, plan
    # D4 open, 10 candidate keys: PostgreSQL probes them too on this small table
    d2, d3 = KEYS[0][1], KEYS[0][2]
    _, plan = _plan(services, f"?{TIME}&c[D1]={D1}&c[D2]={d2}&c[D3]={d3}&c[D5]={D5}")
    if pg:
        conds = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("series_key" in c for c in conds), plan
        # the period bounds are index conditions of the observations
        assert any("period_start" in c for c in conds), plan
    else:
        assert "(dataflow_pk=? AND series_key=?)" in plan, plan
    # past the limit: no key list, the key columns are filtered
    wide, _ = _plan(services, f"?c[D5]={D5}")
    assert "series_key" not in wide.split(" WHERE ", 1)[1], wide[:2000]


def test_a_warm_request_sends_few_statements_and_compiles_nothing(keyed: LiveServer) -> None:
    """The DSD compiled once per structure state (its only structure query is that state), and at
    most three statements through SQLAlchemy: the structure state, the release state and the size
    bound (plus SQLite's BEGIN); the rows come through the driver."""
    services: Services = keyed.services  # type: ignore[attr-defined]
    path = V2 + f"?{TIME}&c[D1]={D1}&c[D5]={D5}"
    for _ in range(3):
        get(keyed, path, ML30)
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "submission" not in statement:  # the job runner's polling
            seen.append(statement)

    event.listen(services.engine, "before_cursor_execute", record)
    try:
        get(keyed, path, ML30)
        get(keyed, V2 + f"/{'.'.join(KEYS[5])}", ML30)  # one series
    finally:
        event.remove(services.engine, "before_cursor_execute", record)
    structure = [s for s in seen if "structure_" in s]
    assert len(structure) == 2 and all("FROM structure_state" in s for s in structure), structure
    statements = [s for s in seen if not s.startswith(("SET LOCAL", "BEGIN"))]
    assert len(statements) <= 6, statements  # two requests


def test_key_sets_within_the_limit() -> None:
    """The key sets the filter compiler makes: full keys within the limit, none past it or when
    nothing is constrained."""
    domain = [frozenset(synthetic.codes(n)) for n in range(5)]
    key: list[frozenset[str] | None] = [frozenset({D1}), None, None, None, frozenset({D5})]
    full = rr._full_keys(key, domain)  # noqa: SLF001
    assert full is not None and len(full[0]) == 1000 and full[1]
    assert all(k.startswith(D1 + ".") and k.endswith("." + D5) for k in full[0])
    assert rr._full_keys([frozenset({D1}), None, None, None, None], domain) is None  # noqa: SLF001
    assert rr._full_keys([None] * 5, domain) is None  # noqa: SLF001
    assert rr._full_keys(key, []) is None  # noqa: SLF001 - uncoded wildcards
