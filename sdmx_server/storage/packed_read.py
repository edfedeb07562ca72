"""The packed read path: the database writes each observation's markup and returns one row per series.

A large answer costs most where every observation crosses a boundary: the join of every
observation with its series, the sort of the whole answer, the driver's per-row work and the
writer's per-row Python. Here the query walks the series in key order (the unique index on
``(dataflow_pk, series_key)``) and, for each, a correlated subquery reads its observations through
``(series_pk, period_start)`` in period order and concatenates their markup (a format's
:class:`~sdmx_server.domain.obs_markup.ObsMarkup`, turned into one SQL expression here): no
whole-answer sort, no per-observation row in the driver or in Python. Used for plain answers
(the current or previewed state, no first/last N, no paging, time series order); everything
else reads rows (:mod:`sdmx_server.storage.data_read_repo`). ADR 0016.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from sdmx_server.domain.obs_markup import ObsMarkup, Slot, Wrapper
from sdmx_server.storage.data_read_repo import (
    FETCH_ROWS,
    ObservationFilter,
    _attr_expr,
    _attr_visible,
    _bind,
    _cancel_copy,
    _sqlite_batches,
    _unescape,
    _where,
    pending_of,
)

LINE_SEP = (
    "\x1e"  # between two CSV lines of a series on PostgreSQL; never stored (not an XML character)
)
_XML_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)  # the order of formats.xml_ns.escape_attr: "&" first
_READS_OBSERVATION = re.compile(r"\bo\.")


def packable(f: ObservationFilter) -> bool:
    """Whether ``f`` can be read packed: one data set, series in key order with their observations in
    period order, nothing cut (no first/last N, offset or limit)."""
    return (
        f.mode in ("current", "preview")
        and not f.first_n
        and not f.last_n
        and f.order_dims is None
        and not f.sort
        and f.limit is None
        and not f.offset
    )


class _Sql:
    """Builds one dialect's expression of a template; literal text is bound, never inlined."""

    def __init__(self, dialect: str, params: dict[str, Any]) -> None:
        self.dialect = dialect
        self.params = params

    def lit(self, text: str) -> str:
        name = f"pm{len([k for k in self.params if k.startswith('pm')])}"
        self.params[name] = text
        return f"CAST(:{name} AS TEXT)" if self.dialect == "postgresql" else f":{name}"

    def char(self, c: str) -> str:
        if c in "\n\r\t":
            return f"chr({ord(c)})" if self.dialect == "postgresql" else f"char({ord(c)})"
        return "'" + c.replace("'", "''") + "'"

    def column(self, slot: Slot) -> str:
        if slot.column == "period":
            return "o.period"
        if slot.column == "value":
            return "o.value"
        if slot.column == "obs_attr":
            return f"({_attr_expr(self.dialect, slot.name)})"  # ->> binds looser than ||
        if slot.column == "key":
            return f"s.k{int(slot.name)}"
        safe = slot.name.replace("'", "").replace('"', "")
        if self.dialect == "postgresql":
            return f"(sa.attrs ->> '{safe}')"
        return f"json_extract(sa.attrs, '$.\"{safe}\"')"

    def escaped(self, slot: Slot) -> str:
        expr = self.column(slot)
        if slot.escape == "xml":
            for raw, entity in _XML_ESCAPES:
                expr = f"replace({expr}, {self.char(raw)}, '{entity}')"
        elif slot.escape == "csv":
            find = "strpos" if self.dialect == "postgresql" else "instr"
            special = " OR ".join(
                f"{find}({expr}, {self.char(c)}) > 0" for c in (",", '"', "\n", "\r")
            )
            expr = (
                f"CASE WHEN {special} THEN '\"' || replace({expr}, '\"', '\"\"') || '\"' "
                f"ELSE {expr} END"
            )
        return expr

    def slot(self, slot: Slot) -> str:
        pieces = [self.lit(slot.before)] if slot.before else []
        if slot.optional:
            pieces.append(self.escaped(slot))
            if slot.after:
                pieces.append(self.lit(slot.after))
            return f"COALESCE({' || '.join(pieces)}, '')"
        pieces.append(f"COALESCE({self.escaped(slot)}, '')")
        if slot.after:
            pieces.append(self.lit(slot.after))
        return " || ".join(pieces)

    def markup(self, markup: ObsMarkup) -> str:
        out = []
        for part in markup.parts:
            if isinstance(part, str):
                out.append(self.lit(part))
            elif isinstance(part, Slot):
                out.append(self.slot(part))
            else:
                out.append(self.wrapper(part))
        return " || ".join(out) if out else "''"

    def wrapper(self, part: Wrapper) -> str:
        present = " OR ".join(f"{self.column(s)} IS NOT NULL" for s in part.slots)
        inner = " || ".join(
            [self.lit(part.open)] + [self.slot(s) for s in part.slots] + [self.lit(part.close)]
        )
        return f"CASE WHEN {present} THEN {inner} ELSE '' END"


def packed_sql(
    f: ObservationFilter, markup: ObsMarkup, dialect: str, *, series_attrs: bool = False
) -> tuple[str, dict[str, Any]]:
    """``SELECT spk, skey, obs`` (``obs``: the series' observations' markup, joined by the template's
    separator), series in key order, series without a selected observation left out.

    With ``series_attrs`` the series' stored attribute values (``sa``) are joined for templates that
    read ``series_attr`` columns.
    """
    params: dict[str, Any] = {}
    conds = _where(f, params, dialect)
    outer = [c for c in conds if not _READS_OBSERVATION.search(c)]
    sql = _Sql(dialect, params)
    expr = sql.markup(markup)
    sep = sql.lit(markup.separator) if markup.separator else "''"
    if dialect == "postgresql":
        agg = (
            f"(SELECT string_agg({expr}, {sep} ORDER BY o.period_start) FROM data_observation o"
            f" WHERE o.series_pk = s.pk AND {' AND '.join(conds)})"
        )
    else:
        # SQLite 3.40 has no ORDER BY in aggregates; it keeps an ordered subquery's order when an
        # aggregate reads it (the subquery is not flattened into an aggregate query).
        agg = (
            f"(SELECT group_concat(m, {sep}) FROM (SELECT {expr} AS m FROM data_observation o"
            f" WHERE o.series_pk = s.pk AND {' AND '.join(conds)} ORDER BY o.period_start))"
        )
    join = ""
    if series_attrs:
        join = (
            " LEFT JOIN data_attribute_value sa ON sa.dataflow_pk = s.dataflow_pk AND sa.level = 'series'"
            f" AND sa.series_pk = s.pk AND {_attr_visible(pending_of(f), 'sa')}"
        )
    # The fence (OFFSET 0) keeps the planner from pushing "obs IS NOT NULL" into the subquery, which
    # would evaluate the per-series aggregate twice.
    text = (
        f"SELECT spk, skey, obs FROM (SELECT s.pk AS spk, s.series_key AS skey, {agg} AS obs"
        f" FROM data_series s{join} WHERE {' AND '.join(outer)} ORDER BY s.series_key"
        f"{' OFFSET 0' if dialect == 'postgresql' else ' LIMIT -1 OFFSET 0'}) p"
        " WHERE obs IS NOT NULL"
    )
    return text, params


def _copy_sql(sql: str, params: dict[str, Any]) -> str:
    """The statement with psycopg's ``%(name)s`` placeholders (COPY binds client-side)."""
    for name in sorted(params, key=len, reverse=True):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


def packed_series(
    session: Session, f: ObservationFilter, markup: ObsMarkup, batch_rows: int = FETCH_ROWS
) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of ``(0, series_pk, series_key, markup)``: the shape of data rows up to the key, so that
    the writers' per-batch helpers (series attributes) read them as they read rows. Batches hold
    about ``batch_rows`` observations' worth of series."""
    dialect = session.get_bind().dialect.name
    sql, params = packed_sql(f, markup, dialect)
    per_batch = max(1, batch_rows // 20)
    if dialect != "postgresql":
        for rows in _sqlite_batches(session, sql, params):
            for start in range(0, len(rows), per_batch):
                yield [(0, spk, skey, obs) for spk, skey, obs in rows[start : start + per_batch]]
        return
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY ({_copy_sql(sql, params)}) TO STDOUT", _bind(session, params)) as copy:
        try:
            batch: list[tuple[Any, ...]] = []
            for data in copy:
                line = bytes(data).decode()[:-1]
                if "\\" in line:
                    line = _unescape(line)
                spk, skey, obs = line.split("\t", 2)
                batch.append((0, int(spk), skey, obs))
                if len(batch) >= per_batch:
                    yield batch
                    batch = []
            if batch:
                yield batch
        except GeneratorExit:
            _cancel_copy(raw, copy)
            raise


def packed_csv(
    session: Session,
    f: ObservationFilter,
    markup: ObsMarkup,
    *,
    series_attrs: bool,
    chunk_bytes: int = 1 << 16,
) -> Iterator[bytes]:
    """Whole CSV lines written by the database (``markup`` writes one line without its line break),
    in chunks of about ``chunk_bytes``."""
    dialect = session.get_bind().dialect.name
    line_markup = ObsMarkup(markup.parts, "\n" if dialect != "postgresql" else LINE_SEP)
    sql, params = packed_sql(f, line_markup, dialect, series_attrs=series_attrs)
    sql = f"SELECT obs FROM ({sql}) q"
    if dialect != "postgresql":
        buf: list[str] = []
        size = 0
        for rows in _sqlite_batches(session, sql, params):
            for (obs,) in rows:
                buf.append(obs)
                size += len(obs)
                if size >= chunk_bytes:
                    yield ("\n".join(buf) + "\n").encode()
                    buf, size = [], 0
        if buf:
            yield ("\n".join(buf) + "\n").encode()
        return
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    sep = LINE_SEP.encode()
    with cursor.copy(f"COPY ({_copy_sql(sql, params)}) TO STDOUT", _bind(session, params)) as copy:
        try:
            parts: list[bytes] = []
            size = 0
            for data in copy:
                parts.append(bytes(data))
                size += len(data)
                if size >= chunk_bytes:
                    yield _csv_chunk(parts, sep)
                    parts, size = [], 0
            if parts:
                yield _csv_chunk(parts, sep)
        except GeneratorExit:
            _cancel_copy(raw, copy)
            raise


def _csv_chunk(parts: Sequence[bytes], sep: bytes) -> bytes:
    """COPY text lines (one series each, lines joined by ``sep``) as CSV lines."""
    chunk = b"".join(parts)
    if b"\\" in chunk:  # a value held a backslash or a line break: COPY escaped it
        chunk = b"".join(
            _unescape(p.decode()[:-1]).encode() + b"\n" if b"\\" in p else p for p in parts
        )
    return chunk.replace(sep, b"\n")
