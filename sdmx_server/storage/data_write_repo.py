"""SQL for writing observations: staging, checks and the versioned apply.

A submission is first staged (PostgreSQL ``COPY`` into a temporary table;
SQLite ``executemany`` batches), then applied with a handful of set-based
statements inside the caller's transaction:

1. duplicates inside the submission (reported, nothing applied): a unique
   index on the staged cells proves there are none in the common case;
2. wildcard deletions expanded to the current cells they match;
3. new series inserted;
4. each staged cell joined once to its current version (the "plan"), from
   which the new versions are inserted (attributes merged for
   Append/Merge, unchanged cells skipped) with ``valid_from`` = the release
   time, and the versions they supersede get ``valid_to`` = the release time
   (one statement on PostgreSQL; a temporary plan table on SQLite); a first
   load into an empty dataflow just inserts;
5. series statistics brought up to date (when the release is already
   public): from the batch's own versions when it deletes nothing.

Nothing is visible to readers before the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, Result, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sdmx_server.domain.kinds import UpperLevel
from sdmx_server.storage.db import OPEN_COPY
from sdmx_server.storage.sqltime import to_db
from sdmx_server.storage.staged import StagedObservation, StagedRow
from sdmx_server.storage.tables import MAX_KEY_DIMENSIONS

log = logging.getLogger(__name__)

KEYS = [f"k{n}" for n in range(1, MAX_KEY_DIMENSIONS + 1)]
STAGE_COLUMNS = [
    "row_no",
    "action",
    "series_key",
    "period",
    "period_start",
    "period_end",
    "value",
    "attrs",
    "loc",
]
BATCH_ROWS = 10_000
LARGE = 50_000  # staged rows from which a submission counts as large (statistics, memory for joins)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _rowcount(result: Result[Any]) -> int:
    """Rows written by an INSERT or UPDATE (a cursor result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


@dataclass
class ApplyCounts:
    """What a submission changed."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


class ObservationStager:
    """Writes checked observations into a per-transaction staging table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pg = _is_pg(session)
        self.count = 0
        self.unique_cells = False  # known after finish(): no cell is staged twice
        self._buffer: list[tuple[Any, ...]] = []
        self._copy: Any = None
        self._copy_cm: Any = None
        ddl = (
            "CREATE TEMP TABLE stage_obs (row_no BIGINT, action CHAR(1), series_key TEXT, period TEXT,"
            " period_start TEXT, period_end TEXT, value TEXT, attrs TEXT, loc TEXT)"
        )
        session.execute(text("DROP TABLE IF EXISTS stage_obs"))
        session.execute(text(ddl + (" ON COMMIT DROP" if self.pg else "")))

    def add(self, row: StagedRow) -> None:
        """Stage one checked observation (a tuple in STAGE_COLUMNS order)."""
        self.count += 1
        if self.pg:
            if self._copy is None:
                cursor = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
                self._copy_cm = cursor.copy(
                    f"COPY stage_obs ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
                )
                self._copy = self._copy_cm.__enter__()
                # Ended before any rollback of this connection (see storage.db.OPEN_COPY).
                self.session.connection().info[OPEN_COPY] = self.abort
            self._copy.write_row(row)
            return
        self._buffer.append(row)
        if len(self._buffer) >= BATCH_ROWS:
            self._flush()

    def add_batch(self, rows: list[StagedRow]) -> None:
        """Stage checked observations (tuples in STAGE_COLUMNS order)."""
        if not self.pg:
            self.count += len(rows)
            self._buffer.extend(rows)
            if len(self._buffer) >= BATCH_ROWS:
                self._flush()
            return
        if self._copy is None:
            self.add(rows[0])
            rows = rows[1:]
        self.count += len(rows)
        write = self._copy.write_row
        for row in rows:
            write(row)

    def _flush(self) -> None:
        if self._buffer:
            placeholders = ", ".join("?" * len(STAGE_COLUMNS))
            raw = self.session.connection().connection.driver_connection
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO stage_obs ({', '.join(STAGE_COLUMNS)}) VALUES ({placeholders})",
                self._buffer,
            )
            self._buffer = []

    def abort(self) -> None:
        """End an open COPY after a failure (the transaction is being rolled back); never raises."""
        cm, self._copy, self._copy_cm = self._copy_cm, None, None
        if cm is None:
            return
        error = RuntimeError("submission abandoned")
        try:
            cm.__exit__(RuntimeError, error, None)
        except Exception:  # noqa: BLE001 - the connection may be gone: the rollback that follows says so
            log.debug("ending an abandoned COPY failed", exc_info=True)

    def finish(self) -> None:
        """Flush what is buffered and index the staging table."""
        if self.pg:
            if self._copy_cm is not None:
                self.session.connection().info.pop(OPEN_COPY, None)
                self._copy_cm.__exit__(None, None, None)
                self._copy = self._copy_cm = None
        else:
            self._flush()
        # A unique index proves at once that no cell is given twice (the common case); if it cannot
        # be built, a plain one serves the search for duplicates (and deletions of upserted cells).
        index = "INDEX ix_stage_obs_cell ON stage_obs (series_key, period_start, period_end)"
        try:
            with self.session.begin_nested():
                self.session.execute(text("CREATE UNIQUE " + index))
            self.unique_cells = True
        except IntegrityError:
            self.session.execute(text("CREATE " + index))
        if self.pg:
            self.session.execute(text("ANALYZE stage_obs"))
            if self.count >= LARGE:
                # The set-based statements of a large submission hash and sort in memory, not in temp files.
                self.session.execute(text("SET LOCAL work_mem = '64MB'"))

    def duplicates(self) -> Iterator[tuple[str, str, str]]:
        """(location, series key, period) of every observation given more than once (later rows)."""
        return iter(()) if self.unique_cells else duplicates(self.session)

    def drop(self) -> None:
        """Remove the staging table (SQLite keeps temporary tables per connection)."""
        if not self.pg:
            self.session.execute(text("DROP TABLE IF EXISTS stage_obs"))


def duplicates(session: Session) -> Iterator[tuple[str, str, str]]:
    """(location, series key, period) of every observation given more than once (later rows)."""
    rows = session.execute(
        text(
            "SELECT st.loc, st.series_key, st.period FROM stage_obs st JOIN ("
            " SELECT series_key, period_start, period_end, MIN(row_no) AS first_row FROM stage_obs"
            " WHERE action <> 'D' GROUP BY series_key, period_start, period_end HAVING COUNT(*) > 1) d"
            " ON d.series_key = st.series_key AND d.period_start = st.period_start AND d.period_end = st.period_end"
            " WHERE st.action <> 'D' AND st.row_no > d.first_row ORDER BY st.row_no"
        )
    )
    yield from rows.tuples()


def _current(alias: str) -> str:
    return f"{alias}.valid_from <= :r AND ({alias}.valid_to IS NULL OR {alias}.valid_to > :r)"


def expand_wildcard_deletes(
    session: Session, dataflow_pk: int, deletes: Sequence[StagedObservation], release_at: datetime
) -> None:
    """Stage one deletion per current cell matched by partial-key (or period-less) deletions."""
    if deletes:
        # A cell may now be staged twice (deleted here, upserted by a later row): the staging
        # index cannot stay unique (resolve_action_order keeps the later action).
        session.execute(text("DROP INDEX IF EXISTS ix_stage_obs_cell"))
        session.execute(
            text(
                "CREATE INDEX ix_stage_obs_cell ON stage_obs (series_key, period_start, period_end)"
            )
        )
    for d in deletes:
        conds = ["s.dataflow_pk = :df", "NOT o.is_deleted", _current("o")]
        params: dict[str, Any] = {
            "df": dataflow_pk,
            "r": to_db(session, release_at),
            "row": d.row,
            "loc": d.location,
        }
        for n, value in enumerate(d.key, start=1):
            if value:
                conds.append(f"s.k{n} = :v{n}")
                params[f"v{n}"] = value
        if d.period_start:
            conds.append("o.period_start = :ps AND o.period_end = :pe")
            params.update(ps=d.period_start, pe=d.period_end)
        session.execute(
            text(
                f"INSERT INTO stage_obs (row_no, action, series_key, period, period_start, period_end, value, attrs, loc)"
                f" SELECT :row, 'D', s.series_key, o.period, o.period_start, o.period_end, NULL, NULL, :loc"
                f" FROM data_series s JOIN data_observation o ON o.series_pk = s.pk WHERE {' AND '.join(conds)}"
            ),
            params,
        )


def resolve_action_order(session: Session) -> None:
    """Within one submission, the later of a deletion and an upsert of the same cell wins."""
    same = (
        "s2.series_key = stage_obs.series_key AND s2.period_start = stage_obs.period_start"
        " AND s2.period_end = stage_obs.period_end"
    )
    session.execute(
        text(
            f"DELETE FROM stage_obs WHERE action = 'D' AND EXISTS (SELECT 1 FROM stage_obs s2"
            f" WHERE {same} AND s2.action <> 'D' AND s2.row_no > stage_obs.row_no)"
        )
    )
    session.execute(
        text(
            f"DELETE FROM stage_obs WHERE action <> 'D' AND EXISTS (SELECT 1 FROM stage_obs s2"
            f" WHERE {same} AND s2.action = 'D' AND s2.row_no > stage_obs.row_no)"
        )
    )
    session.execute(
        text(
            f"DELETE FROM stage_obs WHERE action = 'D' AND EXISTS (SELECT 1 FROM stage_obs s2"
            f" WHERE {same} AND s2.action = 'D' AND s2.row_no < stage_obs.row_no)"
        )
    )


def insert_new_series(session: Session, dataflow_pk: int, n_dims: int) -> int:
    """Create the series that the staged upserts need (dimension columns split from the key here)."""
    keys = KEYS[:n_dims]
    new = (
        "SELECT DISTINCT st.series_key FROM stage_obs st WHERE st.action <> 'D' AND NOT EXISTS ("
        " SELECT 1 FROM data_series s WHERE s.dataflow_pk = :df AND s.series_key = st.series_key)"
    )
    if _is_pg(session):
        # Codes are SDMX ids, which hold no '.': the key splits into its dimension values in SQL.
        parts = ", ".join(f"split_part(n.series_key, '.', {i})" for i in range(1, n_dims + 1))
        result = session.execute(
            text(
                f"INSERT INTO data_series (dataflow_pk, series_key, obs_count, {', '.join(keys)})"
                f" SELECT :df, n.series_key, 0, {parts} FROM ({new}) n"
            ),
            {"df": dataflow_pk},
        )
        return _rowcount(result)
    found = session.execute(text(new), {"df": dataflow_pk}).scalars().all()
    raw = session.connection().connection.driver_connection
    insert = (
        f"INSERT INTO data_series (dataflow_pk, series_key, obs_count, {', '.join(keys)})"
        f" VALUES ({', '.join('?' * (n_dims + 3))})"
    )
    for start in range(0, len(found), BATCH_ROWS):
        raw.executemany(  # type: ignore[union-attr]
            insert,
            [(dataflow_pk, sk, 0, *sk.split(".")) for sk in found[start : start + BATCH_ROWS]],
        )
    return len(found)


def apply_observations(
    session: Session,
    dataflow_pk: int,
    batch_pk: int,
    release_at: datetime,
    pending_later_releases: bool,
    first_load: bool = False,
    restate: bool = False,
) -> ApplyCounts:
    """Insert the new versions and supersede the old ones; returns the counts.

    ``first_load``: the dataflow holds no observation yet, so there is nothing
    to compare with or supersede (a simpler, faster insert).
    ``restate`` (an embargoed release): every staged cell becomes a version,
    also one that changes nothing in the state known now (change ``N``),
    because a live edit or an earlier release may still change that state
    before this release, which must then win (publication order, ADR 0006).
    """
    if first_load:
        result = session.execute(
            text(
                "INSERT INTO data_observation (series_pk, period, period_start, period_end, value, attrs, is_deleted,"
                " change, batch_pk, valid_from, valid_to)"
                " SELECT s.pk, st.period, st.period_start, st.period_end, st.value,"
                f" {'CAST(st.attrs AS JSONB)' if _is_pg(session) else 'st.attrs'}, false, 'I', :batch, :r, NULL"
                " FROM stage_obs st JOIN data_series s ON s.dataflow_pk = :df AND s.series_key = st.series_key"
                " WHERE st.action <> 'D'"
            ),
            {"df": dataflow_pk, "r": to_db(session, release_at), "batch": batch_pk},
        )
        return ApplyCounts(inserted=_rowcount(result))
    pg = _is_pg(session)
    attrs_new = "CAST(st.attrs AS JSONB)" if pg else "st.attrs"
    merged = (
        "p.attrs || COALESCE(CAST(st.attrs AS JSONB), '{}'::jsonb)"
        if pg
        else "json_patch(p.attrs, COALESCE(st.attrs, '{}'))"
    )
    merging = "st.action IN ('A', 'I', 'M') AND p.pk IS NOT NULL AND NOT p.is_deleted"
    new_attrs = f"CASE WHEN {merging} AND p.attrs IS NOT NULL THEN {merged} ELSE {attrs_new} END"
    new_value = f"CASE WHEN {merging} AND st.value IS NULL THEN p.value ELSE st.value END"
    distinct = "IS DISTINCT FROM" if pg else "IS NOT"
    attrs_cmp = (
        f"p.attrs {distinct} ({new_attrs})" if pg else f"json(p.attrs) {distinct} json({new_attrs})"
    )
    changed = (
        f"(p.pk IS NULL OR p.is_deleted <> (st.action = 'D') OR p.value {distinct} ({new_value})"
        f" OR {attrs_cmp})"
    )
    # Deleting a cell that does not exist (or is already deleted) writes nothing.
    real = "NOT (st.action = 'D' AND (p.pk IS NULL OR p.is_deleted))"
    restated = f"WHEN NOT ({changed} AND {real}) THEN 'N' " if restate else ""
    columns = "series_pk, period, period_start, period_end, value, attrs, is_deleted, change"
    plan = (
        f"SELECT s.pk AS series_pk, st.period, st.period_start, st.period_end,"
        f" CASE WHEN st.action = 'D' THEN NULL ELSE {new_value} END AS value,"
        f" CASE WHEN st.action = 'D' THEN NULL ELSE {new_attrs} END AS attrs, st.action = 'D' AS is_deleted,"
        f" CASE {restated}WHEN st.action = 'D' THEN 'D' WHEN p.pk IS NULL THEN 'I' WHEN p.is_deleted THEN 'R'"
        f" ELSE 'U' END AS change, p.pk AS old_pk"
        f" FROM stage_obs st JOIN data_series s ON s.dataflow_pk = :df AND s.series_key = st.series_key"
        f" LEFT JOIN data_observation p ON p.series_pk = s.pk AND p.period_start = st.period_start"
        f" AND p.period_end = st.period_end AND {_current('p')}"
        f" WHERE {'1 = 1' if restate else f'{changed} AND {real}'}"
    )
    params = {"df": dataflow_pk, "r": to_db(session, release_at), "batch": batch_pk}
    # Each cell's current version is looked up once, both to insert the new version and to close
    # the one it replaces (the version a U, D, R or N row replaces: ``old_pk``).
    if pg:
        counts: dict[str, int] = dict(
            session.execute(
                text(
                    f"WITH plan AS MATERIALIZED ({plan}),"
                    f" ins AS (INSERT INTO data_observation ({columns}, batch_pk, valid_from, valid_to)"
                    f" SELECT {columns}, :batch, :r, NULL FROM plan),"
                    f" closed AS (UPDATE data_observation o SET valid_to = :r FROM plan WHERE o.pk = plan.old_pk)"
                    f" SELECT change, COUNT(*) FROM plan GROUP BY change"
                ),
                params,
            )
            .tuples()
            .all()
        )
    else:
        session.execute(text("DROP TABLE IF EXISTS apply_plan"))
        session.execute(text(f"CREATE TEMP TABLE apply_plan AS {plan}"), params)
        session.execute(
            text(
                f"INSERT INTO data_observation ({columns}, batch_pk, valid_from, valid_to)"
                f" SELECT {columns}, :batch, :r, NULL FROM apply_plan"
            ),
            params,
        )
        session.execute(
            text(
                "UPDATE data_observation SET valid_to = :r WHERE pk IN"
                " (SELECT old_pk FROM apply_plan WHERE old_pk IS NOT NULL)"
            ),
            params,
        )
        counts = dict(
            session.execute(text("SELECT change, COUNT(*) FROM apply_plan GROUP BY change"))
            .tuples()
            .all()
        )
        session.execute(text("DROP TABLE apply_plan"))
    if pending_later_releases:
        # An embargoed version published later still wins from its release time on.
        session.execute(
            text(
                "UPDATE data_observation SET valid_to = (SELECT MIN(o2.valid_from) FROM data_observation o2"
                " WHERE o2.series_pk = data_observation.series_pk AND o2.period_start = data_observation.period_start"
                " AND o2.period_end = data_observation.period_end AND o2.valid_from > :r)"
                " WHERE batch_pk = :batch"
            ),
            {"r": to_db(session, release_at), "batch": batch_pk},
        )
    staged_upserts = session.execute(
        text("SELECT COUNT(*) FROM stage_obs WHERE action <> 'D'")
    ).scalar_one()
    inserted = int(counts.get("I", 0)) + int(counts.get("R", 0))
    updated, deleted = int(counts.get("U", 0)), int(counts.get("D", 0))
    return ApplyCounts(
        inserted=inserted,
        updated=updated,
        deleted=deleted,
        unchanged=int(staged_upserts) - inserted - updated,
    )


def refresh_series_stats(
    session: Session, batch_pk: int, now: datetime, *, incremental: bool = False
) -> None:
    """Recompute obs_count / first / last period of the series a batch touched (published state at ``now``).

    The touched series go into a small temporary table first, so that the plan
    stays a hash or index join whatever the statistics of the big tables say.
    ``incremental``: the batch was just applied, is published at ``now`` and
    deletes nothing, so its versions only add cells (I, R) or replace values
    (U): the statistics grow by what the batch adds, without reading the
    series' other observations. That needs statistics that are exact before
    the batch: not so while an earlier release is due but not yet activated
    (its versions are published, not counted), and then they are recomputed.
    """
    if (
        incremental
        and session.execute(
            text(
                "SELECT 1 FROM data_batch b JOIN data_batch me ON me.pk = :batch AND b.dataflow_pk = me.dataflow_pk"
                " WHERE b.pk <> :batch AND NOT b.activated AND b.release_at <= :r LIMIT 1"
            ),
            {"batch": batch_pk, "r": to_db(session, now)},
        ).first()
        is not None
    ):
        incremental = False
    if incremental:
        session.execute(
            text(
                "UPDATE data_series SET obs_count = data_series.obs_count + agg.n,"
                " first_period = CASE WHEN data_series.first_period IS NULL OR agg.a < data_series.first_period"
                " THEN agg.a ELSE data_series.first_period END,"
                " last_period = CASE WHEN data_series.last_period IS NULL OR agg.b > data_series.last_period"
                " THEN agg.b ELSE data_series.last_period END"
                " FROM (SELECT series_pk AS sp, SUM(CASE WHEN change IN ('I', 'R') THEN 1 ELSE 0 END) AS n,"
                " MIN(period_start) AS a, MAX(period_end) AS b FROM data_observation WHERE batch_pk = :batch"
                " GROUP BY series_pk) agg WHERE data_series.pk = agg.sp"
            ),
            {"batch": batch_pk},
        )
        return
    pg = _is_pg(session)
    session.execute(text("DROP TABLE IF EXISTS touched_series"))
    session.execute(
        text(
            "CREATE TEMP TABLE touched_series AS SELECT DISTINCT series_pk FROM data_observation"
            " WHERE batch_pk = :batch"
        ),
        {"batch": batch_pk},
    )
    if pg:
        session.execute(text("ANALYZE touched_series"))
    params = {"r": to_db(session, now)}
    session.execute(
        text(
            "UPDATE data_series SET obs_count = 0, first_period = NULL, last_period = NULL"
            " WHERE pk IN (SELECT series_pk FROM touched_series)"
        )
    )
    session.execute(
        text(
            f"UPDATE data_series SET obs_count = agg.n, first_period = agg.a, last_period = agg.b FROM ("
            f" SELECT o.series_pk AS sp, COUNT(*) AS n, MIN(o.period_start) AS a, MAX(o.period_end) AS b"
            f" FROM touched_series t JOIN data_observation o ON o.series_pk = t.series_pk"
            f" WHERE NOT o.is_deleted AND {_current('o')} GROUP BY o.series_pk) agg WHERE data_series.pk = agg.sp"
        ),
        params,
    )
    session.execute(text("DROP TABLE touched_series"))


def analyze_if_large(session: Session, rows: int, *, observations: bool = True) -> None:
    """Refresh PostgreSQL's statistics after a large write (plans of later statements depend on them).

    ``observations=False`` after new series only: ``data_observation`` has not changed yet.
    """
    if _is_pg(session) and rows >= LARGE:
        session.execute(text("ANALYZE data_series"))
        if observations:
            session.execute(text("ANALYZE data_observation"))


def dataflow_summary(session: Session, dataflow_pk: int, n_dims: int) -> dict[str, Any]:
    """Per-dimension values with series and observation counts, time range and totals."""
    dims: list[dict[str, list[int]]] = []
    for k in KEYS[:n_dims]:
        values: dict[str, list[int]] = {}
        for code, n_series, n_obs in session.execute(
            text(
                f"SELECT {k}, COUNT(*), SUM(obs_count) FROM data_series WHERE dataflow_pk = :df AND obs_count > 0"
                f" GROUP BY {k}"
            ),
            {"df": dataflow_pk},
        ):
            values[code] = [int(n_series), int(n_obs)]
        dims.append(values)
    n_series, n_obs, first, last = session.execute(
        text(
            "SELECT COUNT(*), COALESCE(SUM(obs_count), 0), MIN(first_period), MAX(last_period) FROM data_series"
            " WHERE dataflow_pk = :df AND obs_count > 0"
        ),
        {"df": dataflow_pk},
    ).one()
    return {
        "dims": dims,
        "series": int(n_series),
        "observations": int(n_obs),
        "first": first,
        "last": last,
    }


def iter_chunks(
    rows: Iterable[tuple[Any, ...]], size: int = BATCH_ROWS
) -> Iterator[list[tuple[Any, ...]]]:
    """Split an iterable into lists of ``size``."""
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stage_attributes(
    session: Session, rows: Iterable[tuple[str, str, str, tuple[str, ...], str, str]]
) -> int:
    """Stage (level, target_key, series_key, key, attrs JSON, action) rows of upper-level attributes."""
    pg = _is_pg(session)
    session.execute(text("DROP TABLE IF EXISTS stage_attr"))
    session.execute(
        text(
            f"CREATE TEMP TABLE stage_attr (level TEXT, target_key TEXT, series_key TEXT,"
            f" {', '.join(f'{k} TEXT' for k in KEYS)}, attrs TEXT, action CHAR(1))"
            + (" ON COMMIT DROP" if pg else "")
        )
    )
    n = 0
    cols = ["level", "target_key", "series_key", *KEYS, "attrs", "action"]
    for chunk in iter_chunks(
        (
            level,
            target,
            skey,
            *(list(key) + [None] * (MAX_KEY_DIMENSIONS - len(key))),
            attrs,
            action,
        )
        for level, target, skey, key, attrs, action in rows
    ):
        session.execute(
            text(
                f"INSERT INTO stage_attr ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
            ),
            [dict(zip(cols, r, strict=True)) for r in chunk],
        )
        n += len(chunk)
    return n


def insert_attribute_series(session: Session, dataflow_pk: int, n_dims: int) -> None:
    """Series that only carry attributes in the submission are created too."""
    keys = KEYS[:n_dims]
    session.execute(
        text(
            f"INSERT INTO data_series (dataflow_pk, series_key, obs_count, {', '.join(keys)})"
            f" SELECT :df, sa.series_key, 0, {', '.join(f'MIN(sa.{k})' for k in keys)} FROM stage_attr sa"
            f" WHERE sa.level = 'series' AND sa.action <> 'D' AND NOT EXISTS (SELECT 1 FROM data_series s"
            f" WHERE s.dataflow_pk = :df AND s.series_key = sa.series_key) GROUP BY sa.series_key"
        ),
        {"df": dataflow_pk},
    )


def apply_attributes(
    session: Session,
    dataflow_pk: int,
    batch_pk: int,
    release_at: datetime,
    pending_later_releases: bool = False,
) -> int:
    """New versions of dataset-, group- and series-level attributes; returns how many changed.

    ``pending_later_releases``: as for observations, a version released later
    (embargoed) still wins from its release time on (ADR 0006), so the new
    versions end there rather than overlap it.
    """
    pg = _is_pg(session)
    new_attrs, attrs_cmp = _staged_attr_sql(pg)
    changed = f"(p.pk IS NULL OR p.is_deleted <> (sa.action = 'D') OR {attrs_cmp})"
    join = _staged_attr_join(_current("p"))
    result = session.execute(
        text(
            "INSERT INTO data_attribute_value (dataflow_pk, level, series_pk, target_key, attrs, is_deleted, batch_pk,"
            f" valid_from, valid_to) SELECT :df, sa.level, s.pk, sa.target_key,"
            f" CASE WHEN sa.action = 'D' THEN {'CAST(' + chr(39) + '{}' + chr(39) + ' AS JSONB)' if pg else chr(39) + '{}' + chr(39)}"
            f" ELSE {new_attrs} END, sa.action = 'D', :batch, :r, NULL"
            f"{join} WHERE {changed} AND NOT (sa.action = 'D' AND (p.pk IS NULL OR p.is_deleted))"
        ),
        {"df": dataflow_pk, "batch": batch_pk, "r": to_db(session, release_at)},
    )
    session.execute(
        text(
            "UPDATE data_attribute_value SET valid_to = :r WHERE pk IN (SELECT o.pk FROM data_attribute_value n"
            " JOIN data_attribute_value o ON o.dataflow_pk = n.dataflow_pk AND o.level = n.level"
            " AND o.target_key = n.target_key AND (o.series_pk = n.series_pk OR (o.series_pk IS NULL AND n.series_pk IS NULL))"
            f" WHERE n.batch_pk = :batch AND o.batch_pk <> :batch AND {_current('o')})"
        ),
        {"batch": batch_pk, "r": to_db(session, release_at)},
    )
    if pending_later_releases:
        session.execute(
            text(
                "UPDATE data_attribute_value SET valid_to = (SELECT MIN(o2.valid_from) FROM data_attribute_value o2"
                " WHERE o2.dataflow_pk = data_attribute_value.dataflow_pk AND o2.level = data_attribute_value.level"
                " AND o2.target_key = data_attribute_value.target_key AND (o2.series_pk = data_attribute_value.series_pk"
                " OR (o2.series_pk IS NULL AND data_attribute_value.series_pk IS NULL)) AND o2.valid_from > :r)"
                " WHERE batch_pk = :batch"
            ),
            {"r": to_db(session, release_at), "batch": batch_pk},
        )
    return _rowcount(result)


def staged_series(session: Session) -> Iterator[tuple[str, str]]:
    """(series key, location of its first record) of every series the staged rows add or change (not
    delete), in message order. One query: a lookup per series would scan the staging table each time."""
    rows = session.execute(
        text(
            "SELECT st.series_key, st.row_no, st.loc FROM stage_obs st JOIN (SELECT series_key, MIN(row_no) AS first_row"
            " FROM stage_obs WHERE action <> 'D' GROUP BY series_key) f"
            " ON f.series_key = st.series_key AND st.row_no = f.first_row ORDER BY st.row_no"
        )
    )
    for key, row_no, loc in rows:
        yield str(key), str(loc) if loc else f"record {row_no}"


def stored_upper_attributes(
    session: Session, dataflow_pk: int, level: UpperLevel, series_keys: Sequence[str] = ()
) -> dict[str, dict[str, str]]:
    """The latest stored (not deleted) attribute values of ``level``: by series key (``series_keys``), by
    group target key (``GROUP:key``, passed as ``series_keys``), or under "" for the data set.

    Embargoed versions count: an attribute given in a pending release is given.
    """
    out: dict[str, dict[str, str]] = {}
    base = (
        "SELECT {key}, p.attrs FROM data_attribute_value p {join} WHERE p.dataflow_pk = :df AND p.level = :level"
        " AND p.valid_to IS NULL AND NOT p.is_deleted"
    )
    if level == "dataset":
        for _key, attrs in session.execute(
            text(base.format(key="''", join="")), {"df": dataflow_pk, "level": level}
        ):
            out.setdefault("", {}).update(_json(attrs))
        return out
    # series: by series key; group: by target key ("GROUP:key")
    key_col = "s.series_key" if level == "series" else "p.target_key"
    join = "JOIN data_series s ON s.pk = p.series_pk" if level == "series" else ""
    keys = list(series_keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        params: dict[str, Any] = {"df": dataflow_pk, "level": level}
        params.update({f"k{n}": k for n, k in enumerate(chunk)})
        sql = (
            base.format(key=key_col, join=join)
            + f" AND {key_col} IN ("
            + ", ".join(f":k{n}" for n in range(len(chunk)))
            + ")"
        )
        for key, attrs in session.execute(text(sql), params):
            out.setdefault(str(key), {}).update(_json(attrs))
    return out


def _staged_attr_sql(pg: bool) -> tuple[str, str]:
    """(the attribute values a staged row ``sa`` leaves on version ``p``, "they differ from p's").

    Append-like actions merge into the previous version; others replace it.
    """
    attrs_new = "CAST(sa.attrs AS JSONB)" if pg else "sa.attrs"
    merged = "p.attrs || CAST(sa.attrs AS JSONB)" if pg else "json_patch(p.attrs, sa.attrs)"
    new_attrs = f"CASE WHEN sa.action IN ('A', 'I', 'M') AND p.pk IS NOT NULL AND NOT p.is_deleted THEN {merged} ELSE {attrs_new} END"
    distinct = "IS DISTINCT FROM" if pg else "IS NOT"
    attrs_cmp = (
        f"p.attrs {distinct} ({new_attrs})" if pg else f"json(p.attrs) {distinct} json({new_attrs})"
    )
    return new_attrs, attrs_cmp


def _staged_attr_join(version_condition: str) -> str:
    """FROM staged attribute rows ``sa``, their series ``s`` and the stored version ``p`` meeting the condition."""
    return (
        " FROM stage_attr sa LEFT JOIN data_series s ON sa.level = 'series' AND s.dataflow_pk = :df"
        " AND s.series_key = sa.series_key"
        " LEFT JOIN data_attribute_value p ON p.dataflow_pk = :df AND p.level = sa.level"
        " AND p.target_key = sa.target_key AND (p.series_pk = s.pk OR (p.series_pk IS NULL AND s.pk IS NULL))"
        f" AND {version_condition}"
    )


def attributes_of_other_providers(
    session: Session, dataflow_pk: int, provider_pk: int
) -> Iterator[tuple[str, str, str, str]]:
    """(level, group key, series key, provider id) of every staged attribute row that would change
    values whose latest version another provider wrote (the same values again change nothing)."""
    _new, attrs_cmp = _staged_attr_sql(_is_pg(session))
    rows = session.execute(
        text(
            "SELECT sa.level, sa.target_key, sa.series_key, i.item_id"
            + _staged_attr_join("p.valid_to IS NULL")
            + " JOIN data_batch b ON b.pk = p.batch_pk JOIN structure_item i ON i.pk = b.provider_pk"
            f" WHERE NOT p.is_deleted AND b.provider_pk <> :me AND {attrs_cmp}"
        ),
        {"df": dataflow_pk, "me": provider_pk},
    )
    for level, target, key, provider in rows:
        yield str(level), str(target or ""), str(key or ""), str(provider)


def _json(value: Any) -> dict[str, str]:
    return dict(value) if isinstance(value, dict) else dict(orjson.loads(value))


def cells_of_other_providers(
    session: Session, dataflow_pk: int, provider_pk: int
) -> Iterator[tuple[str, str, str, str]]:
    """(location, series key, period, provider id) of every staged cell whose latest version another provider wrote.

    The latest version counts whatever its release (a pending embargo
    included); a cell another provider deleted is free to report again.
    """
    rows = session.execute(
        text(
            "SELECT st.loc, st.series_key, st.period, i.item_id FROM stage_obs st"
            " JOIN data_series s ON s.dataflow_pk = :df AND s.series_key = st.series_key"
            " JOIN data_observation o ON o.series_pk = s.pk AND o.period_start = st.period_start"
            " AND o.period_end = st.period_end AND o.valid_to IS NULL AND NOT o.is_deleted"
            " JOIN data_batch b ON b.pk = o.batch_pk"
            " JOIN structure_item i ON i.pk = b.provider_pk"
            " WHERE b.provider_pk <> :me ORDER BY st.row_no"
        ),
        {"df": dataflow_pk, "me": provider_pk},
    )
    for loc, key, period, provider in rows:
        yield str(loc), str(key), str(period), str(provider)
