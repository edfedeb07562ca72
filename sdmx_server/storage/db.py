"""Engine and session factories.

SQLite gets foreign keys switched on, WAL journaling (readers never block
the writer) and a busy timeout; PostgreSQL uses psycopg 3 with a pool whose
waits are bounded (``DbLimits``): a checkout waits at most ``pool_timeout``,
a connection attempt ``connect_timeout``, a statement ``statement_timeout``
(``write_statement_timeout`` in write transactions), a transaction left idle
``idle_in_transaction_timeout``; TCP keepalives and ``tcp_user_timeout`` notice a
database host that vanished. Connections are reset (rolled back) when returned,
never from the event-loop thread (see ``_reset_on_return``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Sorts of large answers spill to temporary files rather than to memory, and
    # each connection's page cache stays small: memory stays flat while streaming.
    cursor.execute("PRAGMA temp_store=FILE")
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (see create_db_engine); begin
    # explicitly so that SQLAlchemy's transaction boundaries are SQLite's.
    # Writers take the write lock up front (IMMEDIATE): two deferred
    # transactions upgrading to writers at once would fail with "database is locked".
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass(frozen=True)
class DbLimits:
    """How long the server waits on the database (seconds); see README "Settings"."""

    pool_timeout: float = 5.0
    connect_timeout: float = 5.0
    statement_timeout: float = 120.0
    write_statement_timeout: float = 600.0
    idle_in_transaction_timeout: float = 60.0


# Connection-info key of the function that ends a COPY still open on the connection. psycopg holds
# the connection's lock for as long as a COPY block is open: rolling back before it is ended would
# wait for that lock forever (a push whose database went away mid-COPY never got an answer).
OPEN_COPY = "sdmx_server.open_copy"


def end_open_copy(info: dict[Any, Any]) -> None:
    """End the COPY registered in a connection's ``info`` (if any), so that the connection can be used."""
    end = info.pop(OPEN_COPY, None)
    if end is not None:
        end()


class ResetOnEventLoopError(RuntimeError):
    """A pooled connection was about to be rolled back on the event-loop thread."""


def _on_event_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _reset_on_return(dbapi_connection: Any, _record: Any, state: Any) -> None:
    """Roll a returned connection back, in the thread that returns it.

    Every path returns its connection explicitly from the worker thread that used
    it. A connection abandoned to the garbage collector can be finalised on any
    thread, the event loop's included, where a rollback (a network round trip, or
    a COPY to drain) would freeze every request of the worker: there it is
    refused, and the pool then closes the connection instead (no round trip).
    """
    end_open_copy(_record.info)
    if state.terminate_only or state.transaction_was_reset:
        return
    if _on_event_loop_thread():
        log.error(
            "a database connection was abandoned and finalised on the event-loop thread; closing it"
        )
        raise ResetOnEventLoopError("no database round trip on the event-loop thread")
    dbapi_connection.rollback()


def _pg_connect_args(url: str, limits: DbLimits) -> dict[str, Any]:
    """libpq parameters: connection and statement timeouts, keepalives (merged with the URL's ``options``)."""

    def ms(seconds: float) -> int:
        return max(0, int(seconds * 1000))

    options = [
        f"-c statement_timeout={ms(limits.statement_timeout)}",
        f"-c idle_in_transaction_session_timeout={ms(limits.idle_in_transaction_timeout)}",
    ]
    given = make_url(url).query.get("options")
    if given:
        options.insert(0, given if isinstance(given, str) else " ".join(given))
    # JIT compilation costs seconds per statement and pays back only on long analytical scans; a
    # streamed answer's cost estimate (per-series subqueries, ADR 0016) would trigger it on every query.
    # First, so that the URL's options can turn it back on.
    options.insert(0, "-c jit=off")
    return {
        "connect_timeout": max(1, int(round(limits.connect_timeout))),
        "options": " ".join(options),
        # A database host that vanishes (no RST) is noticed within ~30 s rather than TCP's ~15 min.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 30_000,
    }


def create_db_engine(
    url: str, *, pool_size: int = 8, echo: bool = False, limits: DbLimits | None = None
) -> Engine:
    """Create an engine for ``url`` with the per-database settings above."""
    limits = limits or DbLimits()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=limits.pool_timeout,
        )
        event.listen(engine, "connect", _sqlite_on_connect)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_tx(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=limits.pool_timeout,
        pool_pre_ping=True,
        # Last in, first out: after a burst, light traffic keeps reusing the few connections that are
        # warm (psycopg prepares a statement after a few executions on one connection) instead of
        # cycling through every connection the burst opened, each cold.
        pool_use_lifo=True,
        pool_reset_on_return=None,  # _reset_on_return does it
        connect_args=_pg_connect_args(url, limits),
    )
    event.listen(engine.pool, "reset", _reset_on_return)
    event.listen(engine, "rollback", lambda conn: end_open_copy(conn.info))
    write_timeout = max(0, int(limits.write_statement_timeout * 1000))

    @event.listens_for(engine, "begin")
    def _write_timeout(conn: Any) -> None:
        # Write transactions (pushes, structure writes, jobs) may run longer statements than reads.
        if conn.get_execution_options().get("write_transaction", False):
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {write_timeout}")

    return engine


def make_session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; sessions do not expire on commit.

    ``write=True`` sessions take SQLite's write lock when they begin (no effect on PostgreSQL).
    """
    bind = (
        engine.execution_options(sqlite_immediate=True, write_transaction=True) if write else engine
    )
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside one transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session
