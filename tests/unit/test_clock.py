"""The injected clock: the system clock, the tests' FakeClock, and services that read it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, SystemClock
from sdmx_server.domain.errors import UnauthorizedError
from sdmx_server.services.container import Services
from tests.clock import FakeClock


def test_the_system_clock_is_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)
    assert isinstance(SYSTEM_CLOCK, SystemClock)


def test_the_fake_clock_runs_jumps_pauses_and_never_goes_back() -> None:
    clock: Clock = FakeClock(datetime(2030, 1, 1, tzinfo=UTC))
    assert isinstance(clock, FakeClock)
    first = clock.now()
    assert datetime(2030, 1, 1, tzinfo=UTC) <= first < datetime(2030, 1, 1, 0, 1, tzinfo=UTC)
    time.sleep(0.01)
    assert clock.now() > first  # it runs with real time
    jumped = clock.advance(3600)
    assert jumped - first >= timedelta(hours=1)
    assert clock.advance_to(first) >= jumped  # a moment already past: no jump back
    with clock.paused():
        still = clock.now()
        time.sleep(0.01)
        assert clock.now() == still
        assert clock.advance(0.5) == still + timedelta(seconds=0.5)
    resumed = clock.now()
    assert resumed >= still + timedelta(seconds=0.5)
    start = clock.at_start_of_a_second()
    assert start.microsecond // 1000 in range(20, 40) and start > resumed
    with pytest.raises(AssertionError):
        clock.advance(-1)


def test_services_read_the_injected_clock(make_services: Callable[..., Services]) -> None:
    """A token valid for an hour expires when the services' clock passes the hour, with no wait."""
    clock = FakeClock()
    services = make_services(clock=clock)
    assert services.clock is clock and services.data_query.clock is clock
    assert services.submissions.clock is clock and services.audit.clock is clock
    token, _row = services.auth.create_token("admin", expires_at=clock.now() + timedelta(hours=1))
    assert services.auth.authenticate(f"Bearer {token}").is_admin
    clock.advance(3601)
    with pytest.raises(UnauthorizedError, match="expired"):
        services.auth.authenticate(f"Bearer {token}")
    services.audit.record("test", "clock.check", "-", "ok", 200)
    (event,) = services.audit.events(action="clock.check")
    assert datetime.fromisoformat(event["at"]) >= clock.now() - timedelta(seconds=5)
    assert datetime.fromisoformat(event["at"]) > datetime.now(UTC) + timedelta(minutes=59)
