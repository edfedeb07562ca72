"""Time helpers: one notion of "now" (aware UTC), the clock services read it from, HTTP dates.

Services that decide by the time (release dates of embargoed data, token expiry, job
leases, portal session timeouts) read it from a :class:`Clock` given to them when they are
built (``Services.build(..., clock=...)``); the server passes :data:`SYSTEM_CLOCK`, tests
pass a clock they move forward instead of sleeping (``tests/clock.py``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (the system clock)."""
    return datetime.now(UTC)


class Clock(Protocol):
    """Where a service reads the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)


SYSTEM_CLOCK: Clock = SystemClock()


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (SQLite returns those) as UTC; convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def ceil_to_second(value: datetime) -> datetime:
    """Round up to the next whole second (unchanged if already whole)."""
    value = as_utc(value)
    if value.microsecond == 0:
        return value
    return value.replace(microsecond=0) + timedelta(seconds=1)


def next_change_time(previous: datetime | None, now: datetime | None = None) -> datetime:
    """A change time strictly later than the Last-Modified already advertised for ``previous``.

    Last-Modified has one-second resolution and is sent rounded *up*
    (:func:`http_date`); a change inside that same second must still be
    later than it, or a client revalidating with If-Modified-Since would get
    a wrong 304.
    """
    now = as_utc(now or utcnow())
    if previous is None:
        return now
    floor = ceil_to_second(previous) + timedelta(microseconds=1)
    return max(now, floor)


def http_date(value: datetime) -> str:
    """An RFC 7231 HTTP-date, rounded up to the second (see :func:`next_change_time`)."""
    return format_datetime(ceil_to_second(value), usegmt=True)


def parse_http_or_iso(value: str) -> datetime | None:
    """Parse an If-Modified-Since value: HTTP-date or ISO 8601; None if neither."""
    value = value.strip()
    try:
        parsed = parsedate_to_datetime(value)
        if parsed is not None:
            return as_utc(parsed)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return as_utc(
            datetime.fromisoformat(
                value.replace("Z", "+00:00").replace(" ", "+", 1)
                if "T" in value and " " in value
                else value.replace("Z", "+00:00")
            )
        )
    except ValueError:
        return None


def epoch_seconds(value: datetime) -> int:
    """Whole seconds since the epoch, rounded up (for ETags)."""
    return math.ceil(as_utc(value).timestamp())
