"""A clock that tests move forward instead of sleeping.

``Services.build(settings, clock=FakeClock())`` gives every service (release dates, token
expiry, job leases, portal sessions, audit times) this clock. It runs with the machine's
clock from the instant it was made, plus the jumps a test asks for (``advance``,
``advance_to``), so that successive writes still get successive instants and nothing
waits for a release, a lease or a new second. Inside ``with clock.paused():`` it stands
still but for those jumps (two writes within one second, however slow the machine).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Real time plus the jumps a test makes; never goes back (thread-safe: a live server reads it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._origin = start or datetime.now(UTC)
        self._started = time.monotonic()
        self._offset = timedelta(0)
        self._paused: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current instant of this clock (aware, UTC)."""
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if self._paused is not None:
            return self._paused + self._offset
        return self._running()

    def _running(self) -> datetime:
        return self._origin + timedelta(seconds=time.monotonic() - self._started) + self._offset

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stand still (but for ``advance``) inside the block; run on from there afterwards."""
        with self._lock:
            assert self._paused is None, "already paused"
            self._paused, self._offset = self._running(), timedelta(0)
        try:
            yield
        finally:
            with self._lock:
                stopped = self._paused + self._offset
                self._paused, self._offset = None, timedelta(0)
                self._offset = stopped - self._running()

    def advance(self, seconds: float) -> datetime:
        """Jump ``seconds`` ahead; the new instant."""
        assert seconds >= 0, "a clock never goes back"
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            return self._now()

    def advance_to(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (if it is still ahead); the new instant."""
        with self._lock:
            gap = moment - self._now()
            if gap > timedelta(0):
                self._offset += gap
            return self._now()

    def at_start_of_a_second(self, into: float = 0.02) -> datetime:
        """Jump to ``into`` seconds after the next whole second; the new instant."""
        ahead = math.ceil(self.now().timestamp()) + into
        return self.advance_to(datetime.fromtimestamp(ahead, UTC))
