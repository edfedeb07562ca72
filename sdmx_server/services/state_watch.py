"""The structure state (generation per artefact type) without a query per request.

Structure ETags derive from ``structure_state`` (ADR 0004). Reading it costs a
database round trip, which dominates a 304 answer. On PostgreSQL each worker
therefore keeps a copy that a listener thread refreshes when a writer
announces a change: ``bump_state`` issues ``NOTIFY sdmx_structure_state`` in
the writing transaction, which PostgreSQL delivers to every listening worker
when (and only if) that transaction commits.

Correctness comes first:

* the listener subscribes *before* it reads the state, so no change slips
  between the two;
* a write in this process drops the copy at once and again after its commit
  (``storage/state_signal.py``), so that the writer's own next request reads
  the database; the copy returns when the listener has reloaded it after the
  commit's notification;
* when the listener's connection fails, the copy is dropped and every request
  reads the database until the listener is back.

Another worker may answer from its copy for the time a notification takes to
arrive (well under a millisecond on one host): the same as if the request had
come in just before the commit.

SQLite has no notifications, but ``PRAGMA data_version`` on a dedicated
connection changes whenever any other connection (of any process) commits: a
few microseconds tell whether the copy is still current.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import as_utc
from sdmx_server.storage import state_signal
from sdmx_server.storage.tables import StructureState

log = logging.getLogger(__name__)

State = dict[str, tuple[int, datetime]]
LISTENER_NAME = "sdmx-server structure-state listener"
# How long the listener waits for a notification before checking whether it was
# asked to stop: stop() (every test teardown, every worker shutdown) waits at most this.
_POLL_SECONDS = 0.2


class StructureStateCache:
    """The current ``structure_state``, from memory when a listener keeps it fresh."""

    def __init__(
        self, engine: Engine, sessions: sessionmaker[Session], *, listen: bool = True
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._state: State | None = None
        self._epoch = 0  # bumped by every invalidation, so a reload racing with one is discarded
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listen = listen and engine.dialect.name == "postgresql"
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._sqlite_path = (
            database
            if database and database != ":memory:" and not database.startswith("file:")
            else None
        )
        self._sqlite: sqlite3.Connection | None = None
        self._sqlite_version: int | None = None
        state_signal.register(self)

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> State | None:
        """The state without a database round trip, or None when it must be read from the database."""
        if self._sqlite_path is not None:
            return self._sqlite_snapshot()
        return self._state

    def read(self) -> State:
        """The current state: from memory if fresh, else from the database."""
        state = self._state
        if state is not None:
            return state
        with self._sessions() as session:
            return _query(session)

    def invalidate(self) -> None:
        """Forget the copy until the listener reloads it."""
        with self._lock:
            self._epoch += 1
            self._state = None
            self._sqlite_version = None

    def _sqlite_snapshot(self) -> State | None:
        """SQLite: the copy, reloaded when ``data_version`` shows another connection committed."""
        with self._lock:
            try:
                if self._sqlite is None:
                    self._sqlite = sqlite3.connect(
                        f"file:{self._sqlite_path}?mode=ro",
                        uri=True,
                        check_same_thread=False,
                        timeout=5,
                    )
                version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
                if self._state is None or version != self._sqlite_version:
                    rows = self._sqlite.execute(
                        "SELECT type, generation, changed_at FROM structure_state"
                    ).fetchall()
                    self._state = {t: (int(g), as_utc(_sqlite_time(c))) for t, g, c in rows}
                    self._sqlite_version = version
                return self._state
            except sqlite3.Error:
                self._close_sqlite()
                return None

    def _close_sqlite(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        self._state = None

    # ------------------------------------------------------------------ listening

    def start(self) -> None:
        """Start the listener thread (PostgreSQL only; idempotent)."""
        if not self._listen or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="structure-state-listener", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the listener and drop the copy."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self.invalidate()
        with self._lock:
            self._close_sqlite()

    def _run(self) -> None:
        import psycopg

        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    url, autocommit=True, connect_timeout=5, application_name=LISTENER_NAME
                ) as conn:
                    conn.execute(f"LISTEN {state_signal.CHANNEL}")
                    self._reload(conn)
                    if failures:
                        log.warning("structure state listener: connected again")
                    failures = 0
                    while not self._stop.is_set():
                        changed = False
                        for _ in conn.notifies(timeout=_POLL_SECONDS, stop_after=1):
                            changed = True
                        if changed or self._state is None:
                            self._reload(conn)
            except (
                Exception
            ) as exc:  # the connection failed: fall back to the database until it is back
                self.invalidate()
                failures += 1
                if not self._stop.is_set():
                    if failures == 1:  # once per outage, not once a second
                        log.warning(
                            "structure state listener: %s; reading the state per request meanwhile",
                            str(exc).strip().splitlines()[0]
                            if str(exc).strip()
                            else type(exc).__name__,
                        )
                    # Retry soon, then less often (at most every 5 s) while the database stays away.
                    self._stop.wait(min(5.0, 0.5 * failures))
        self.invalidate()

    def _reload(self, conn: object) -> None:
        with self._lock:
            epoch = self._epoch
        rows = conn.execute(  # type: ignore[attr-defined]
            "SELECT type, generation, changed_at FROM structure_state"
        ).fetchall()
        state = {t: (int(g), as_utc(c)) for t, g, c in rows}
        with self._lock:
            if epoch == self._epoch:
                self._state = state


def _sqlite_time(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _query(session: Session) -> State:
    return {
        t: (g, as_utc(c))
        for t, g, c in session.execute(
            select(StructureState.type, StructureState.generation, StructureState.changed_at)
        )
    }
