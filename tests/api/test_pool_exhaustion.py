"""Issue 9, "a burst of clients must not take the data API down", at small scale and deterministically.

A tiny pool (one connection and one overflow) is exhausted by two clients
whose SDMX-CSV answers stall (they read nothing, so the server's COPY waits
on the socket while it holds its pooled connection). Then:

- another data query waits ``db_pool_timeout`` and answers 503 with
  ``Retry-After`` and an SDMX error message (it answered 500 after 30 s);
- ``/health`` answers at once meanwhile (the event loop is never blocked);
- the stalled clients disconnect abruptly; their sessions are released at
  once, in worker threads (never on the event-loop thread, where the
  garbage collector used to roll them back), nothing is left ``idle in
  transaction`` and the next query answers 200 as before.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import struct
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, event, text

from sdmx_server.services.container import Services
from sdmx_server.storage.db import make_session_factory
from tests import fixtures
from tests.conftest import TEST_DB, LiveServer, add_providers, load_data, load_files, pa_ref
from tests.sdmx_validation import assert_valid_xml

CSV = "application/vnd.sdmx.data+csv;version=1.0.0"
CURRENCIES = ("USD", "JPY", "GBP", "CHF")
DAYS = (
    24_000  # per series: the whole dataflow is about 10 MB, more than loopback socket buffers hold
)


def _big_daily_csv(folder: Path) -> Path:
    rows = [
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "TIME_FORMAT,COLLECTION,TITLE,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
    ]
    start = date(1980, 1, 1)
    for cur in CURRENCIES:
        for n in range(DAYS):
            day = start + timedelta(days=n)
            rows.append(
                f"ECB:EXR(1.0),D,{cur},EUR,SP00,A,{day.isoformat()},{1 + n % 997 / 1000:.4f},A,P1D,A,"
                f"Daily {cur},4,{cur} per euro,{cur},0"
            )
    path = folder / "big-daily.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def tiny_pool(make_services: Callable[..., Services], tmp_path: Path) -> Services:
    services = make_services(
        db_pool_size=1,
        db_pool_timeout=0.5,
        run_jobs=False,
        source_alias="TESTSRC",
        max_response_observations=200_000,
    )
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(services, _big_daily_csv(tmp_path), provision_agreement=pa_ref("EXR_ECB"))
    return services


def _stalled_stream(port: int, path: str) -> socket.socket:
    """A client that asks for a large answer and reads only its first bytes."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nAccept: {CSV}\r\n\r\n".encode())
    s.settimeout(10)
    assert s.recv(12).startswith(b"HTTP/1.1 200")
    return s


def _abort(s: socket.socket) -> None:
    """Disconnect abruptly (RST), as wrk does at the end of a run."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _idle_in_transaction(url: str) -> int:
    if TEST_DB != "postgres":
        return 0
    admin = create_engine(url)
    try:
        with admin.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    finally:
        admin.dispose()


def test_pool_exhaustion_answers_503_and_recovers(tiny_pool: Services) -> None:
    services = tiny_pool
    checkin_threads: list[threading.Thread] = []
    event.listen(
        services.engine.pool,
        "checkin",
        lambda *_: checkin_threads.append(threading.current_thread()),
    )
    pool: Any = services.engine.pool
    with LiveServer(services) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        one = "/rest/data/ECB,EXR,1.0/D.USD.EUR.SP00.A?startPeriod=2000-01-01&endPeriod=2000-01-31"
        assert client.get(one, headers={"Accept": CSV}).status_code == 200

        stalled = [
            _stalled_stream(server.port, "/rest/data/ECB,EXR,1.0/D..EUR.SP00.A") for _ in range(2)
        ]
        # Both stalled answers hold their pooled connection: the pool (1 + 1 overflow) is exhausted.
        assert _wait_for(lambda: pool.checkedout() == 2, 5), pool.status()

        started = time.monotonic()
        r = client.get(one, headers={"Accept": CSV})
        waited = time.monotonic() - started
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert r.headers["retry-after"].isdigit() and int(r.headers["retry-after"]) >= 1
        assert_valid_xml(r.content)
        assert b"busy" in r.content
        assert 0.4 < waited < 5, waited  # db_pool_timeout (0.5 s), not SQLAlchemy's default 30 s

        started = time.monotonic()
        assert client.get("/health").status_code == 200
        assert time.monotonic() - started < 1

        for s in stalled:
            _abort(s)
        # Released as soon as the clients are gone, not when the garbage collector gets to them.
        assert _wait_for(lambda: pool.checkedout() == 0, 2), pool.status()
        assert _idle_in_transaction(services.settings.database_url) == 0
        r = client.get(one, headers={"Accept": CSV})
        assert r.status_code == 200 and r.text.count("\n") == 32  # header and 31 days
    assert checkin_threads
    assert server.thread not in checkin_threads, (
        "a connection was returned on the event-loop thread"
    )


def test_timeouts_reach_postgres(tiny_pool: Services) -> None:
    """The documented timeouts are what the database applies to the server's sessions."""
    if TEST_DB != "postgres":
        pytest.skip("PostgreSQL settings")
    with tiny_pool.session_factory() as s:
        assert s.execute(text("SHOW statement_timeout")).scalar_one() == "2min"
        assert s.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "1min"
    with make_session_factory(tiny_pool.engine, write=True)() as s, s.begin():
        assert s.execute(text("SHOW statement_timeout")).scalar_one() == "10min"


def test_a_connection_abandoned_on_the_event_loop_is_closed_not_rolled_back(
    make_services: Callable[..., Services],
) -> None:
    """The safety net: a pooled connection finalised by the garbage collector on the event-loop
    thread is closed (no round trip), never rolled back there (that froze whole workers)."""
    if TEST_DB != "postgres":
        pytest.skip("the net is PostgreSQL's (SQLite's rollback is local)")
    engine = make_services(db_pool_size=1, run_jobs=False).engine
    resets: list[str] = []
    event.listen(
        engine.pool, "reset", lambda *_: resets.append(threading.current_thread().name), insert=True
    )

    async def abandon() -> int:
        conn = engine.connect()
        conn.execute(text("SELECT 1"))  # a transaction is open
        pid = int(conn.connection.driver_connection.info.backend_pid)  # type: ignore[union-attr]
        del conn
        gc.collect()
        return pid

    pid = asyncio.run(abandon())
    assert resets, "the connection was not finalised"
    pool: Any = engine.pool
    assert pool.checkedout() == 0

    def gone() -> bool:
        with engine.connect() as conn:
            return not conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
            ).scalar_one()

    assert _wait_for(gone, 5), "the abandoned connection is still open"
