"""Telling a database that is down or busy from a bug, and logging it once.

``unavailability`` classifies an exception raised while talking to the
database: ``"busy"`` when no pooled connection became free in time (or
SQLite's lock stayed taken), ``"down"`` when the database cannot be reached,
dropped the connection or cancelled a statement on a timeout. Anything else is
``None`` (a bug, reported as such). ``DbHealth`` logs one line when an outage
(or a burst) starts and one when it ends, however many requests fail between:
a database stopped for five minutes gives two lines per worker, not a
traceback per request.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Literal

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

Unavailability = Literal["busy", "down"]

# Seconds a client is told to wait (Retry-After) before trying again.
RETRY_AFTER: dict[Unavailability, int] = {"busy": 1, "down": 5}


def _driver_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc


def unavailability(exc: BaseException) -> Unavailability | None:
    """``"busy"``, ``"down"`` or ``None`` (not a database availability problem) for ``exc``."""
    if isinstance(
        exc, sa_exc.TimeoutError
    ):  # QueuePool limit reached: no connection within pool_timeout
        return "busy"
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return "down"
    orig = _driver_error(exc)
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "busy" if "locked" in text or "busy" in text else None
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    if isinstance(
        orig, psycopg.errors.QueryCanceled
    ):  # statement_timeout (or a cancel): the database is slow
        return "busy"
    if isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError)):
        return "down"  # refused, terminated (admin shutdown), connection lost or closed
    if isinstance(orig, psycopg.errors.IdleInTransactionSessionTimeout):
        return "down"
    return None


class DbHealth:
    """Per-process record of database trouble: one log line when it starts, one when it ends."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, quiet_seconds: float = 10.0
    ) -> None:
        self._clock = clock
        self._quiet = quiet_seconds  # a burst ends after this long without a "busy" failure
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._down_count = 0
        self._busy_last: float | None = None
        self._busy_count = 0

    def watch(self, engine: Engine) -> None:
        """Notice the end of an outage: the pool connects again."""
        event.listen(engine, "connect", lambda *_: self.reachable())

    def failed(self, kind: Unavailability, exc: BaseException) -> None:
        """Record one failure of ``kind``; logs only the first of an outage or burst."""
        now = self._clock()
        with self._lock:
            if kind == "down":
                self._down_count += 1
                if self._down_since is not None:
                    return
                self._down_since = now
            else:
                self._busy_count += 1
                if self._busy_last is not None and now - self._busy_last < self._quiet:
                    self._busy_last = now
                    return
                self._busy_last = now
                self._busy_count = 1
        first = str(_driver_error(exc)).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        if kind == "down":
            log.warning("database unavailable (%s): answering 503 until it is back", reason)
        else:
            log.warning("database busy (%s): answering 503 with Retry-After", reason)

    def reachable(self) -> None:
        """The database answered again: log the end of an outage (once)."""
        with self._lock:
            since, count = self._down_since, self._down_count
            self._down_since, self._down_count = None, 0
        if since is not None:
            log.warning(
                "database reachable again after %.0f s (%d failed requests meanwhile)",
                self._clock() - since,
                count,
            )

    @property
    def down(self) -> bool:
        """True during an outage (between the first failure and the next successful connection)."""
        return self._down_since is not None
