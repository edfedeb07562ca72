"""SQL for reading observations: the published state at an instant, changes since,
or every version; filtered by key, period and provider; streamed in batches.

Rows come out as tuples ``(dataset_key, series_pk, series_key, period, value,
obs_attr_1, ..., obs_attr_n)`` ordered so that writers can group them
without buffering: by data set (for change and history queries), then by
series key (or by the cross-section for another dimension at observation),
then by period.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from sdmx_server.domain.kinds import ReadMode
from sdmx_server.storage.data_filter_sql import ColumnFilter, compile_filters
from sdmx_server.storage.sqltime import from_db, to_db
from sdmx_server.storage.tables import MAX_KEY_DIMENSIONS

FETCH_ROWS = 5_000


@dataclass
class ObservationFilter:
    """What to select (built by the data query service)."""

    dataflow_pk: int
    key: Sequence[frozenset[str] | None] = ()  # per key dimension; None = any value
    start: str | None = None  # storage-form bounds (overlap semantics)
    end: str | None = None
    provider_pks: Sequence[int] | None = None
    mode: ReadMode = "current"
    at: datetime | None = None  # current: the instant (now or asOf); changes/history: now
    since: datetime | None = None  # changes: updatedAfter
    first_n: int | None = None
    last_n: int | None = None
    obs_attrs: Sequence[str] = ()
    order_dims: Sequence[int] | None = (
        None  # cross-sectional order: key dimension indexes (0-based), obs dim last
    )
    offset: int | None = None
    limit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    sort: Sequence[
        tuple[str, bool]
    ] = ()  # REST 2.2 sort: (k{n} | pstart, descending), series kept together
    columns: Sequence[
        ColumnFilter
    ] = ()  # further predicates (SDMX REST 2.x c[] filters), compiled by data_filter_sql
    # per key dimension: every value a stored series can hold there (None: not enumerable); lets a key
    # with wildcards become a set of full series keys looked up by the unique index (see _full_keys)
    key_domain: Sequence[frozenset[str] | None] = ()


def _attr_expr(dialect: str, attr: str) -> str:
    safe = attr.replace("'", "").replace('"', "")
    if dialect == "postgresql":
        return f"o.attrs ->> '{safe}'"
    return f"json_extract(o.attrs, '$.\"{safe}\"')"


FULL_KEYS_MAX = 2_000
"""Up to this many full keys, a query looks its series up by key (unique index on ``(dataflow_pk,
series_key)``) instead of reading every series of the dataflow: a probe costs about as much as reading
ten series rows, so this pays from dataflows of some 20,000 series (PostgreSQL's planner still chooses
the scan for smaller ones, as the key columns' conditions stay beside the keys)."""


def _full_keys(
    key: Sequence[frozenset[str] | None], domain: Sequence[frozenset[str] | None] = ()
) -> tuple[list[str], bool] | None:
    """Every full series key ``key`` selects, if few enough (else None), and whether wildcards were
    expanded from ``domain`` (the values each dimension can hold)."""
    if not key:
        return None
    values_of: list[frozenset[str]] = []
    expanded = False
    count = 1
    for n, values in enumerate(key):
        if values is None:
            values = domain[n] if n < len(domain) else None
            if values is None:
                return None
            expanded = True
        count *= len(values)
        if count > FULL_KEYS_MAX:
            return None
        values_of.append(values)
    if expanded and len(values_of) == sum(1 for v in key if v is None):
        return None  # nothing constrained: the keys would be the whole dataflow
    return [".".join(c) for c in itertools.product(*(sorted(v) for v in values_of))], expanded


SERIES_FOUND = (
    "series_found"  # ObservationFilter.extra: primary keys of the series a key set selects
)
KEY_SEP = "\x1f"  # not an XML character: never in a stored key


def _series_key_condition(keys: list[str], dialect: str, params: dict[str, Any]) -> str:
    """``s.series_key`` among ``keys``: one bound text whatever their number (split by the database), so
    that statements stay short, drivers bind one string, and every path (COPY included) binds it alike."""
    if len(keys) == 1:
        params["sk0"] = keys[0]
        return "s.series_key = :sk0"
    if dialect == "postgresql":
        params["skeys"] = KEY_SEP.join(keys)
        return "s.series_key = ANY(string_to_array(:skeys, chr(31)))"
    params["skeys"] = orjson.dumps(keys).decode()
    return "s.series_key IN (SELECT value FROM json_each(:skeys))"


def _where(
    f: ObservationFilter,
    params: dict[str, Any],
    dialect: str = "sqlite",
    *,
    series_only: bool = False,
) -> list[str]:
    conds = ["s.dataflow_pk = :df"]
    params["df"] = f.dataflow_pk
    found = f.extra.get(SERIES_FOUND)
    full = None if found is not None else _full_keys(f.key, f.key_domain)
    if found is not None:
        # the series the size bound looked up by key (upper_bound_rows): probed once per request. They
        # are of the dataflow: without its condition, SQLite does not walk the dataflow's series in key
        # order rather than fetch these few
        conds[0] = f"s.pk IN ({', '.join(str(int(pk)) for pk in found)})" if found else "1 = 0"
    elif full is not None:
        conds.append(_series_key_condition(full[0], dialect, params))
    # beside keys given in full the key columns add nothing; beside expanded ones they let the planner
    # weigh the lookups against a scan
    for n, values in enumerate(
        f.key if found is None and (full is None or full[1]) else (), start=1
    ):
        if values is None:
            continue
        names = []
        for m, v in enumerate(sorted(values)):
            name = f"k{n}_{m}"
            params[name] = v
            names.append(":" + name)
        conds.append(
            f"s.k{n} IN ({', '.join(names)})" if len(names) > 1 else f"s.k{n} = {names[0]}"
        )
    if f.start is not None:
        conds.append("o.period_end >= :start")
        params["start"] = f.start
    if f.end is not None:
        conds.append("o.period_start <= :end")
        params["end"] = f.end
    if f.provider_pks is not None:
        conds.append(
            "o.batch_pk IN (SELECT pk FROM data_batch WHERE dataflow_pk = :df AND provider_pk IN ("
            + ", ".join(str(int(p)) for p in f.provider_pks or [-1])
            + "))"
        )
    params["at"] = f.at
    if f.columns:
        conds += compile_filters(
            f.columns,
            dialect,
            params,
            attr_visible=_attr_visible(pending_of(f)),
            series_only=series_only,
        )
    if f.mode == "preview":
        # the published state overlaid with the given embargoed batches (a producer's or an admin's preview)
        pending = ", ".join(str(int(b)) for b in f.extra.get("pending", ())) or "-1"
        seen = f"(w.valid_from <= :at OR w.batch_pk IN ({pending}))"
        conds.append(
            f"(o.valid_from <= :at OR o.batch_pk IN ({pending})) AND NOT o.is_deleted AND NOT EXISTS ("
            "SELECT 1 FROM data_observation w WHERE w.series_pk = o.series_pk"
            " AND w.period_start = o.period_start AND w.period_end = o.period_end"
            f" AND w.valid_from > o.valid_from AND {seen})"
        )
    elif f.mode == "current":
        conds.append(
            "o.valid_from <= :at AND (o.valid_to IS NULL OR o.valid_to > :at) AND NOT o.is_deleted"
        )
    elif f.mode == "changes":
        conds.append(
            "o.valid_from > :since AND o.valid_from <= :at AND (o.valid_to IS NULL OR o.valid_to > :at)"
        )
        params["since"] = f.since
    else:  # history: every published version (with updatedAfter: those published after it)
        conds.append("o.valid_from <= :at")
        if f.since is not None:
            conds.append("o.valid_from > :since")
            params["since"] = f.since
    return conds


def series_conditions(f: ObservationFilter, params: dict[str, Any], dialect: str) -> list[str]:
    """The series-level ``c[]`` conditions of ``f`` alone (on ``data_series s``: dimensions and
    attributes above the observation), their values bound in ``params`` under names not yet used
    there (``:at`` is the instant of ``f``)."""
    params.setdefault("at", f.at)
    return compile_filters(
        [c for c in f.columns if c.series_level],
        dialect,
        params,
        attr_visible=_attr_visible(pending_of(f)),
    )


def _bind(session: Session, params: dict[str, Any]) -> dict[str, Any]:
    return {k: to_db(session, v) if isinstance(v, datetime) else v for k, v in params.items()}


def select_sql(
    f: ObservationFilter, dialect: str, *, ordered: bool = True
) -> tuple[str, dict[str, Any]]:
    """The SELECT for ``f`` and its parameters (output columns as in the module docstring)."""
    params: dict[str, Any] = {}
    conds = _where(f, params, dialect)
    # The data set a row belongs to: one for plain answers; changed values (0) and deletions (1) for
    # updatedAfter; one per publication and kind (replace or delete) for includeHistory.
    ds_key = {
        "current": "0",
        "preview": "0",
        "changes": "CASE WHEN o.is_deleted THEN 1 ELSE 0 END",
        "history": "CAST(o.valid_from AS TEXT) || CASE WHEN o.is_deleted THEN '|D' ELSE '|R' END",
    }[f.mode]
    cols = [
        f"{ds_key} AS ds",
        "s.pk AS spk",
        "s.series_key AS skey",
        "o.period AS period",
        "o.value AS value",
    ]
    cols += [f"{_attr_expr(dialect, a)} AS a{i}" for i, a in enumerate(f.obs_attrs)]
    cols.append("o.period_start AS pstart")
    if f.mode == "history":
        cols += ["o.valid_from AS vfrom", "o.valid_to AS vto", "o.is_deleted AS deleted"]
    if f.order_dims is not None:
        cols += [f"s.k{n + 1} AS k{n + 1}" for n in f.order_dims]
    elif f.sort:
        cols += [f"s.{c} AS {c}" for c, _ in f.sort if c != "pstart"]
    if f.first_n:
        cols.append("ROW_NUMBER() OVER (PARTITION BY s.pk ORDER BY o.period_start) AS rn_first")
    if f.last_n:
        cols.append("ROW_NUMBER() OVER (PARTITION BY s.pk ORDER BY o.period_start DESC) AS rn_last")
    inner = (
        f"SELECT {', '.join(cols)} FROM data_series s JOIN data_observation o ON o.series_pk = s.pk"
        f" WHERE {' AND '.join(conds)}"
    )
    keep = []
    if f.first_n:
        keep.append(f"rn_first <= {int(f.first_n)}")
    if f.last_n:
        keep.append(f"rn_last <= {int(f.last_n)}")
    where = (
        f" WHERE {' OR '.join(keep)}" if keep else ""
    )  # first and last N together: both ends of each series
    out = ["ds", "spk", "skey", "period", "value"] + [f"a{i}" for i in range(len(f.obs_attrs))]
    if f.mode == "history":
        out += ["vfrom", "vto", "deleted"]
    if f.order_dims is not None:
        order = (
            ["ds"]
            + [f"k{n + 1}" for n in f.order_dims[:-1]]
            + ["pstart", f"k{f.order_dims[-1] + 1}"]
        )
    elif f.sort:
        # the sorted dimensions first, then the rest of the key (series stay together), then time
        time_desc = next((d for c, d in f.sort if c == "pstart"), False)
        order = (
            ["ds"]
            + [f"{c} DESC" if d else c for c, d in f.sort if c != "pstart"]
            + ["skey", "pstart DESC" if time_desc else "pstart"]
        )
    else:
        order = ["ds", "skey", "pstart"]
    sql = f"SELECT {', '.join(out)} FROM ({inner}) w{where}" + (
        f" ORDER BY {', '.join(order)}" if ordered else ""
    )
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit)}"
    if f.offset:
        if f.limit is None:
            sql += " LIMIT -1" if dialect == "sqlite" else ""
        sql += f" OFFSET {int(f.offset)}"
    return sql, params


def stream_rows(session: Session, f: ObservationFilter) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of result rows (SQLite: straight from the driver's cursor, which streams)."""
    dialect = session.get_bind().dialect.name
    sql, params = select_sql(f, dialect)
    if dialect == "sqlite":
        yield from _sqlite_batches(session, sql, params)
        return
    result = session.execute(
        text(sql).execution_options(stream_results=True, yield_per=FETCH_ROWS),
        _bind(session, params),
    )
    while True:
        rows = result.fetchmany(FETCH_ROWS)
        if not rows:
            break
        yield [tuple(r) for r in rows]


def _sqlite_batches(
    session: Session, sql: str, params: dict[str, Any]
) -> Iterator[list[tuple[Any, ...]]]:
    """Row batches straight from the sqlite3 cursor (it streams; SQLAlchemy's row objects cost more)."""
    raw = session.connection().connection.driver_connection
    cursor = raw.execute(sql, _bind(session, params))  # type: ignore[union-attr]
    try:
        while True:
            rows = cursor.fetchmany(FETCH_ROWS)
            if not rows:
                break
            yield rows
    finally:
        cursor.close()


def providers_with_data(session: Session, f: ObservationFilter) -> set[int]:
    """Data providers (item pks) that reported observations ``f`` selects (availability's
    ``references=dataproviderscheme``): one indexed existence probe per provider that ever wrote
    into the dataflow, so that no query scans every observation."""
    candidates = [
        p
        for (p,) in session.execute(
            text(
                "SELECT DISTINCT provider_pk FROM data_batch WHERE dataflow_pk = :df AND provider_pk IS NOT NULL"
            ),
            {"df": f.dataflow_pk},
        )
    ]
    found: set[int] = set()
    dialect = session.get_bind().dialect.name
    for provider in candidates:
        params: dict[str, Any] = {}
        conds = _where(f, params, dialect)
        params["prov"] = provider
        conds.append(
            "o.batch_pk IN (SELECT pk FROM data_batch WHERE dataflow_pk = :df AND provider_pk = :prov)"
        )
        sql = (
            "SELECT 1 FROM data_observation o JOIN data_series s ON s.pk = o.series_pk WHERE "
            + " AND ".join(conds)
            + " LIMIT 1"
        )
        if session.execute(text(sql), _bind(session, params)).first() is not None:
            found.add(int(provider))
    return found


def count_rows(session: Session, f: ObservationFilter) -> int:
    """How many rows ``f`` selects (before offset/limit)."""
    dialect = session.get_bind().dialect.name
    g = ObservationFilter(**{**f.__dict__, "offset": None, "limit": None, "order_dims": None})
    sql, params = select_sql(g, dialect, ordered=False)
    return int(
        session.execute(
            text(f"SELECT COUNT(*) FROM ({sql}) c"), _bind(session, params)
        ).scalar_one()
    )


def upper_bound_rows(session: Session, f: ObservationFilter, *, series: bool = False) -> int:
    """A cheap upper bound of the current-state row count (from series statistics): observations, or
    with ``series`` the series (rows of :func:`series_keys`)."""
    params: dict[str, Any] = {}
    dialect = session.get_bind().dialect.name
    conds = [
        c
        for c in _where(f, params, dialect, series_only=True)
        if not c.startswith("o.") and "o.batch_pk" not in c
    ]
    params = {k: v for k, v in params.items() if not k.startswith(("start", "end", "since"))}
    if SERIES_FOUND not in f.extra and _full_keys(f.key, f.key_domain) is not None:
        # a key set: read the series themselves, so that the rows' query names them by primary key
        # instead of probing every key again
        rows = session.execute(
            text(f"SELECT s.pk, s.obs_count FROM data_series s WHERE {' AND '.join(conds)}"), params
        ).all()
        f.extra[SERIES_FOUND] = [int(pk) for pk, _ in rows]
        return len(rows) if series else sum(int(n) for _, n in rows)
    what = "COUNT(*)" if series else "COALESCE(SUM(s.obs_count), 0)"
    return int(
        session.execute(
            text(f"SELECT {what} FROM data_series s WHERE {' AND '.join(conds)}"), params
        ).scalar_one()
    )


def _attr_visible(pending: Sequence[int], alias: str = "p", at: str = ":at") -> str:
    """SQL: attribute version ``alias`` is the one seen at ``at``, or, in a preview, the latest of those
    published at ``at`` and those of the ``pending`` (embargoed) batches, as for observations."""
    p = alias
    if not pending:
        return f"NOT {p}.is_deleted AND {p}.valid_from <= {at} AND ({p}.valid_to IS NULL OR {p}.valid_to > {at})"
    batches = ", ".join(str(int(b)) for b in pending)
    seen = f"(w.valid_from <= {at} OR w.batch_pk IN ({batches}))"
    return (
        f"NOT {p}.is_deleted AND ({p}.valid_from <= {at} OR {p}.batch_pk IN ({batches})) AND NOT EXISTS ("
        f"SELECT 1 FROM data_attribute_value w WHERE w.dataflow_pk = {p}.dataflow_pk AND w.level = {p}.level"
        f" AND w.target_key = {p}.target_key AND (w.series_pk = {p}.series_pk OR (w.series_pk IS NULL AND"
        f" {p}.series_pk IS NULL)) AND w.valid_from > {p}.valid_from AND {seen})"
    )


def pending_of(f: ObservationFilter) -> tuple[int, ...]:
    """The embargoed batches a preview overlays (none otherwise)."""
    return tuple(f.extra.get("pending", ())) if f.mode == "preview" else ()


def series_attributes(
    session: Session,
    dataflow_pk: int,
    series_pks: Sequence[int],
    at: datetime,
    pending: Sequence[int] = (),
) -> dict[int, dict[str, str]]:
    """Series-level attribute values (published at ``at``, overlaid with ``pending`` batches) of these series."""
    if not series_pks:
        return {}
    out: dict[int, dict[str, str]] = {}
    for start in range(0, len(series_pks), 900):
        chunk = ", ".join(str(int(p)) for p in series_pks[start : start + 900])
        rows = session.execute(
            text(
                f"SELECT p.series_pk, p.attrs FROM data_attribute_value p WHERE p.dataflow_pk = :df AND p.level = 'series'"
                f" AND p.series_pk IN ({chunk}) AND {_attr_visible(pending)}"
            ),
            {"df": dataflow_pk, "at": to_db(session, at)},
        )
        for spk, attrs in rows:
            out[int(spk)] = _as_dict(attrs)
    return out


def upper_attributes(
    session: Session, dataflow_pk: int, at: datetime, pending: Sequence[int] = ()
) -> dict[str, dict[str, dict[str, str]]]:
    """Dataset- ("" key) and group-level attribute values published at ``at`` (overlaid with ``pending``
    batches): level -> target key -> values."""
    rows = session.execute(
        text(
            "SELECT p.level, p.target_key, p.attrs FROM data_attribute_value p WHERE p.dataflow_pk = :df"
            f" AND p.level IN ('dataset', 'group') AND {_attr_visible(pending)}"
        ),
        {"df": dataflow_pk, "at": to_db(session, at)},
    )
    out: dict[str, dict[str, dict[str, str]]] = {"dataset": {}, "group": {}}
    for level, k, a in rows:
        out[level][k] = _as_dict(a)
    return out


def _as_dict(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return dict(orjson.loads(value))
    return dict(value)


def _series_sql(f: ObservationFilter, dialect: str) -> tuple[str, dict[str, Any]]:
    """(data set, series_pk, series_key) of series with at least one selected observation, one row per
    series and data set (with updatedAfter and includeHistory a series is in every data set it changed in)."""
    g = ObservationFilter(
        **{
            **f.__dict__,
            "first_n": None,
            "last_n": None,
            "obs_attrs": (),
            "order_dims": None,
            "offset": None,
            "limit": None,
        }
    )
    inner, params = select_sql(g, dialect, ordered=False)
    return f"SELECT DISTINCT ds, spk, skey FROM ({inner}) x", params


def series_keys(session: Session, f: ObservationFilter) -> Iterator[list[tuple[Any, ...]]]:
    """Rows ``(dataset_key, series_pk, series_key)`` of series with at least one selected observation,
    ordered by data set and series key; ``f.offset``/``f.limit`` page these rows."""
    dialect = session.get_bind().dialect.name
    sql, params = _series_sql(f, dialect)
    sql += " ORDER BY ds, skey"
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit)}"
    if f.offset:
        if f.limit is None and dialect == "sqlite":
            sql += " LIMIT -1"
        sql += f" OFFSET {int(f.offset)}"
    result = session.execute(text(sql), _bind(session, params))
    while True:
        rows = result.fetchmany(FETCH_ROWS)
        if not rows:
            break
        yield [tuple(r) for r in rows]


def count_series(session: Session, f: ObservationFilter) -> int:
    """How many rows :func:`series_keys` gives (before offset/limit)."""
    sql, params = _series_sql(f, session.get_bind().dialect.name)
    return int(
        session.execute(
            text(f"SELECT COUNT(*) FROM ({sql}) c"), _bind(session, params)
        ).scalar_one()
    )


@dataclass
class ReleaseState:
    """The publication state of a dataflow at an instant."""

    latest: datetime | None  # the latest visible release
    visible: int  # how many releases are visible
    next_pending: datetime | None  # the next embargoed release, if any
    due: int  # releases whose time has come but whose statistics are not refreshed yet
    pending_signature: str  # changes when an embargoed submission is added (for previews)


def release_state(session: Session, dataflow_pk: int, now: datetime) -> ReleaseState:
    """The publication state of a dataflow (one query on ``data_batch``)."""
    params = {"df": dataflow_pk, "now": to_db(session, now)}
    latest, count, pending, due, n_pending, last_written = session.execute(
        text(
            "SELECT MAX(CASE WHEN release_at <= :now THEN release_at END),"
            " SUM(CASE WHEN release_at <= :now THEN 1 ELSE 0 END),"
            " MIN(CASE WHEN release_at > :now THEN release_at END),"
            " SUM(CASE WHEN release_at <= :now AND NOT activated THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN release_at > :now THEN 1 ELSE 0 END), MAX(pk)"
            " FROM data_batch WHERE dataflow_pk = :df"
        ),
        params,
    ).one()
    return ReleaseState(
        from_db(latest),
        int(count or 0),
        from_db(pending),
        int(due or 0),
        f"{int(n_pending or 0)}:{last_written}",
    )


def releases_between(session: Session, dataflow_pk: int, after: datetime, until: datetime) -> int:
    """How many releases of a dataflow fall in ``(after, until]``."""
    return int(
        session.execute(
            text(
                "SELECT COUNT(*) FROM data_batch WHERE dataflow_pk = :df AND release_at > :a AND release_at <= :b"
            ),
            {"df": dataflow_pk, "a": to_db(session, after), "b": to_db(session, until)},
        ).scalar_one()
    )


def pending_batches(
    session: Session, dataflow_pk: int, now: datetime, provider_pk: int | None
) -> list[int]:
    """Embargoed batches of a dataflow (of one provider, or all when ``provider_pk`` is None)."""
    sql = "SELECT pk FROM data_batch WHERE dataflow_pk = :df AND release_at > :now"
    params: dict[str, Any] = {"df": dataflow_pk, "now": to_db(session, now)}
    if provider_pk is not None:
        sql += " AND provider_pk = :p"
        params["p"] = provider_pk
    return [int(p) for p in session.execute(text(sql), params).scalars()]


MAX_DIMS = MAX_KEY_DIMENSIONS


def copy_csv(
    session: Session,
    f: ObservationFilter,
    flow: str,
    attrs: Sequence[tuple[str, str, str | None]],
    chunk_bytes: int = 1 << 16,
) -> Iterator[bytes]:
    """SDMX-CSV 1.0 data rows written by PostgreSQL itself (``COPY ... TO STDOUT WITH CSV``).

    ``attrs`` lists the attribute columns in order as (id, level, constant):
    observation- and series-level values come from the stored JSON, data
    set-level ones are constants. Only for the current state, time-series
    order, no first/last N (the caller checks). Yields chunks of about
    ``chunk_bytes``; nothing is buffered beyond that.
    """
    params: dict[str, Any] = {}
    conds = _where(f, params, "postgresql")
    cols = (
        ["%(flow)s::text"] + [f"s.k{n}" for n in range(1, len(f.key) + 1)] + ["o.period", "o.value"]
    )
    join = ""
    for attr_id, level, constant in attrs:
        safe = attr_id.replace("'", "")
        if level == "obs":
            cols.append(f"o.attrs ->> '{safe}'")
        elif level == "series":
            cols.append(f"sa.attrs ->> '{safe}'")
            join = (
                " LEFT JOIN data_attribute_value sa ON sa.dataflow_pk = s.dataflow_pk AND sa.level = 'series'"
                f" AND sa.series_pk = s.pk AND {_attr_visible(pending_of(f), 'sa', '%(at)s')}"
            )
        else:
            key = f"const_{len(params)}"
            params[key] = constant
            cols.append(f"%({key})s::text")
    where = " AND ".join(conds)
    # the shared WHERE uses :name placeholders; psycopg's COPY takes %(name)s
    for name in sorted(params, key=len, reverse=True):
        where = where.replace(f":{name}", f"%({name})s")
    sql = (
        f"SELECT {', '.join(cols)} FROM data_series s JOIN data_observation o ON o.series_pk = s.pk{join}"
        f" WHERE {where} ORDER BY s.series_key, o.period_start"
    )
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit)}"
    if f.offset:
        sql += f" OFFSET {int(f.offset)}"
    params["flow"] = flow
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
        buf: list[bytes] = []
        size = 0
        try:
            for row in copy:
                buf.append(bytes(row))
                size += len(row)
                if size >= chunk_bytes:
                    yield b"".join(buf)
                    buf, size = [], 0
        except GeneratorExit:
            _cancel_copy(raw, copy)
            raise
        if buf:
            yield b"".join(buf)


def _cancel_copy(raw: Any, copy: Any) -> None:
    """Stop a COPY the reader abandons (client gone, HEAD, error): cancel it server-side and
    drain until the cancellation arrives, so that the connection can be rolled back and reused."""
    import psycopg

    raw.cancel_safe()
    try:
        for _ in copy:
            pass
    except psycopg.Error:
        pass


_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _unescape(field: str) -> str:
    """Undo PostgreSQL COPY text-format escaping (rare: only fields holding control characters or backslashes)."""
    out = []
    i = 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            if nxt in _COPY_ESCAPES:
                out.append(_COPY_ESCAPES[nxt])
                i += 2
                continue
            if nxt.isdigit():
                j = i + 1
                while j < len(field) and j < i + 4 and field[j] in "01234567":
                    j += 1
                out.append(chr(int(field[i + 1 : j], 8)))
                i = j
                continue
        out.append(c)
        i += 1
    return "".join(out)


FIELD_SEP, OBS_SEP, NULL_MARK = "\x1f", "\x1e", "\x1d"  # not XML characters: never in stored values


def copy_rows(
    session: Session, f: ObservationFilter, batch_rows: int = FETCH_ROWS
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of :func:`stream_rows`, read with ``COPY ... TO STDOUT`` (PostgreSQL).

    COPY streams far faster than a server-side cursor. For time-series order
    the database also packs each series' observations into one line
    (``string_agg``), so that the per-row cost of the driver is paid once per
    series; the rows are unpacked here, in the order the writers expect.
    """
    sql, params = select_sql(f, "postgresql")
    # A page (offset/limit) counts observations: the rows are then read one by one, as selected.
    aggregate = f.order_dims is None and f.limit is None and not f.offset and not f.sort
    if aggregate:
        fields = ["period", "value"] + [f"a{i}" for i in range(len(f.obs_attrs))]
        if f.mode == "history":
            fields += ["vfrom", "vto", "deleted"]
        packed = " || '\x1f' || ".join(f"COALESCE(CAST(w.{c} AS TEXT), '\x1d')" for c in fields)
        inner = sql.rsplit(" ORDER BY ", 1)[0]
        sql = (
            f"SELECT w.ds, w.spk, w.skey, string_agg({packed}, '\x1e' ORDER BY w.pstart) FROM ("
            + inner.replace(
                "SELECT ds, spk, skey, period, value",
                "SELECT ds, spk, skey, period, value, pstart",
                1,
            )
            + ") w GROUP BY w.ds, w.spk, w.skey ORDER BY w.ds, w.skey"
        )
    for name in sorted(params, key=len, reverse=True):
        sql = sql.replace(f":{name}", f"%({name})s")
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    history = f.mode == "history"
    with cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        try:
            if aggregate:
                yield from _unpack_series(copy, history, batch_rows)
            else:
                yield from _parse_copy(copy, history, batch_rows)
        except GeneratorExit:
            _cancel_copy(raw, copy)
            raise


def _unpack_series(copy: Any, history: bool, batch_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """Row tuples from lines holding one series each (fields packed by :func:`copy_rows`)."""
    batch: list[tuple[Any, ...]] = []
    for data in copy:
        line = bytes(data).decode()[:-1]
        if "\\" in line:
            line = _unescape(line)
        ds, spk, skey, blob = line.split("\t", 3)
        head = (ds if history else int(ds), int(spk), skey)
        for obs in blob.split(OBS_SEP):
            if NULL_MARK in obs:
                batch.append(
                    head + tuple(None if p == NULL_MARK else p for p in obs.split(FIELD_SEP))
                )
            else:
                batch.append(head + tuple(obs.split(FIELD_SEP)))
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_copy(copy: Any, history: bool, batch_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of row tuples from COPY text-format lines."""
    batch: list[tuple[Any, ...]] = []
    for data in copy:
        line = bytes(data).decode()[:-1]
        parts: list[Any] = line.split("\t")
        if "\\" in line:
            parts = [None if p == "\\N" else _unescape(p) for p in parts]
        else:
            parts = [None if p == "\\N" else p for p in parts]
        if not history:
            parts[0] = int(parts[0])
        parts[1] = int(parts[1])
        batch.append(tuple(parts))
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_quote_sql(expr: str) -> str:
    """SQLite: quote a CSV cell when it holds a comma, a quote or a line break."""
    return (
        f"CASE WHEN {expr} IS NULL THEN '' WHEN instr({expr}, ',') OR instr({expr}, '\"') OR instr({expr}, char(10))"
        f" OR instr({expr}, char(13)) THEN '\"' || replace({expr}, '\"', '\"\"') || '\"' ELSE {expr} END"
    )


def sqlite_csv(
    session: Session,
    f: ObservationFilter,
    flow: str,
    attrs: Sequence[tuple[str, str, str | None]],
    coded: frozenset[str],
    numeric: bool,
    chunk_bytes: int = 1 << 16,
) -> Iterator[bytes]:
    """SDMX-CSV 1.0 data lines built by SQLite itself (one string per observation), for the same
    cases as :func:`copy_csv`. Free-text cells are quoted in SQL; codes, periods and numbers never need it."""
    params: dict[str, Any] = {}
    conds = _where(f, params, "sqlite")
    parts = [
        "s.series_key",
        "o.period",
        "COALESCE(o.value, '')" if numeric else _csv_quote_sql("o.value"),
    ]
    join = ""
    for attr_id, level, constant in attrs:
        safe = attr_id.replace("'", "").replace('"', "")
        if level == "obs":
            expr = f"json_extract(o.attrs, '$.\"{safe}\"')"
        elif level == "series":
            expr = f"json_extract(sa.attrs, '$.\"{safe}\"')"
            join = (
                " LEFT JOIN data_attribute_value sa ON sa.dataflow_pk = s.dataflow_pk AND sa.level = 'series'"
                f" AND sa.series_pk = s.pk AND {_attr_visible(pending_of(f), 'sa')}"
            )
        else:
            key = f"const_{len(params)}"
            params[key] = constant
            expr = f":{key}"
        parts.append(f"COALESCE({expr}, '')" if attr_id in coded else _csv_quote_sql(expr))
    glue = " || ',' || "
    sql = (
        f"SELECT :flow || ',' || replace({parts[0]}, '.', ',') || ',' || {glue.join(parts[1:])}"
        f" FROM data_series s JOIN data_observation o ON o.series_pk = s.pk{join}"
        f" WHERE {' AND '.join(conds)} ORDER BY s.series_key, o.period_start"
    )
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit)}"
    if f.offset:
        sql += (" LIMIT -1" if f.limit is None else "") + f" OFFSET {int(f.offset)}"
    params["flow"] = flow
    for rows in _sqlite_batches(session, sql, params):
        yield ("\n".join([r[0] for r in rows]) + "\n").encode()
