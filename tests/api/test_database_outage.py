"""Issue 9, "the database going away": a private PostgreSQL cluster stopped mid-traffic, then restarted.

While it is down, data and structure queries answer 503 with ``Retry-After``
(they answered 500), ``/ready`` 503, a synchronous push in flight gets an
answer at once, the log stays a handful of lines (it was a traceback per
request and per second), the job runner backs off; when the database is back
everything answers again by itself. The shared PostgreSQL is never touched:
the cluster is this test's own (``scripts/run_tests.py:start_own_postgres``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scripts.run_tests import start_own_postgres
from sdmx_server.services.container import Services
from sdmx_server.storage.schema import upgrade_to_head
from tests import fixtures
from tests.conftest import (
    TEST_DB,
    LiveServer,
    add_providers,
    load_data,
    load_files,
    make_settings,
    pa_ref,
)
from tests.sdmx_validation import assert_valid_xml

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        TEST_DB != "postgres", reason="stops and restarts a private PostgreSQL cluster"
    ),
]

CSV = "application/vnd.sdmx.data+csv;version=1.0.0"
DATA = "/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A"
STRUCTURE = "/rest/codelist/ECB/CL_CURRENCY/1.0"


class Cluster:
    """A private PostgreSQL cluster that the test may stop and start again on the same port."""

    def __init__(self) -> None:
        self.url, self.proc, self.datadir = start_own_postgres()
        assert self.proc is not None
        self.cmd = list(self.proc.args)  # type: ignore[arg-type]

    def stop(self) -> None:
        """``pg_ctl stop`` (fast shutdown: sessions are ended, new connections refused)."""
        assert self.proc is not None
        pg_ctl = str(Path(self.cmd[self.cmd.index("-D") - 1]).with_name("pg_ctl"))
        run_as = self.cmd[: self.cmd.index("-D") - 1]
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(self.datadir), "-m", "fast", "-w", "stop"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.proc.wait(timeout=30)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                engine = create_engine(self.url)
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                engine.dispose()
                return
            except Exception:  # noqa: BLE001 - still starting
                time.sleep(0.2)
        raise RuntimeError("the private PostgreSQL did not restart")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        subprocess.run(["rm", "-rf", str(self.datadir)], check=False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        yield c
    finally:
        c.close()


class Records(logging.Handler):
    """Every log record of the server (the live server runs in this process)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _push_csv(folder: Path, n_months: int) -> Path:
    """A large push for the ECB EXR flow: monthly JPY rates (slow enough to be stopped in flight)."""
    rows = [
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "TIME_FORMAT,COLLECTION,TITLE,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
    ]
    for cur in ("JPY", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK"):
        for n in range(n_months):
            year, month = 1000 + n // 12, n % 12 + 1
            rows.append(
                f"ECB:EXR(1.0),M,{cur},EUR,SP00,A,{year:04d}-{month:02d},{1 + n % 97 / 100:.4f},A,P1M,A,"
                f"Monthly {cur},4,{cur} per euro,{cur},0"
            )
    path = folder / "push.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _wait_for_copy(url: str) -> bool:
    """Wait until the push streams its rows into the database (its COPY is running)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + 30
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'sdmx' "
                        "AND query LIKE 'COPY stage_obs%'"
                    )
                ).scalar_one():
                    return True
                time.sleep(0.05)
        return False
    finally:
        engine.dispose()


def test_database_stopped_mid_traffic_then_back(
    cluster: Cluster, tmp_path: Path, db_factory: object
) -> None:
    # db_factory: this test belongs to the PostgreSQL pass (which keeps only tests that use a database);
    # its database is the private cluster's, never the shared one.
    url = make_url(cluster.url).set(database="sdmx").render_as_string(hide_password=False)
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "sdmx"'))
    admin.dispose()
    services = Services.build(
        make_settings(
            url,
            source_alias="TESTSRC",
            db_pool_timeout=1.0,
            db_connect_timeout=2,
            job_max_backoff_seconds=1.0,
            run_jobs=True,
        )
    )
    upgrade_to_head(services.engine)
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(services, fixtures.ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
    token, _ = services.auth.create_token("admin")
    push_body = _push_csv(tmp_path, 6000).read_bytes()

    records = Records()
    root = logging.getLogger()
    root.addHandler(records)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        with (
            LiveServer(services) as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            app: Any = server.server.config.app
            runner = app.state.job_runner
            assert client.get(DATA, headers={"Accept": CSV}).status_code == 200
            assert client.get(STRUCTURE).status_code == 200
            assert client.get("/ready").status_code == 200

            push: dict[str, Any] = {}

            def do_push() -> None:
                with httpx.Client(base_url=server.url, timeout=120) as c:
                    r = c.post(
                        "/rest/v2/data/dataflow/ECB/EXR/1.0",
                        content=push_body,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": CSV},
                    )
                push["status"], push["at"], push["body"] = (
                    r.status_code,
                    time.monotonic(),
                    r.content,
                )

            pusher = threading.Thread(target=do_push)
            pusher.start()
            assert _wait_for_copy(cluster.url), "the push never reached its COPY"
            before = len(records.records)
            stopped = time.monotonic()
            cluster.stop()  # mid-COPY: psycopg held the connection's lock, and the rollback waited for ever

            pusher.join(timeout=20)
            assert not pusher.is_alive(), (
                "the push got no answer within 20 s of the database stopping"
            )
            assert push["at"] > stopped
            assert push["status"] == 503, (push["status"], push["body"][:300])

            statuses: dict[str, list[int]] = {"data": [], "structure": [], "ready": []}
            down_until = time.monotonic() + 4
            while time.monotonic() < down_until:
                for name, path, accept in (
                    ("data", DATA, CSV),
                    ("structure", STRUCTURE, "application/xml"),
                    ("ready", "/ready", "application/json"),
                ):
                    started = time.monotonic()
                    r = client.get(path, headers={"Accept": accept})
                    assert time.monotonic() - started < 5, (
                        f"{path} took {time.monotonic() - started:.1f} s"
                    )
                    statuses[name].append(r.status_code)
                    if name != "ready":
                        assert r.status_code == 503, (path, r.status_code, r.text[:300])
                        assert int(r.headers["retry-after"]) >= 1
                        assert_valid_xml(r.content)
                time.sleep(0.05)
            assert set(statuses["ready"]) == {503}
            requests_down = sum(len(v) for v in statuses.values())
            assert requests_down >= 15
            assert runner.failures >= 1  # the job runner noticed, and backs off
            # The access log writes one line per request by design; everything else is counted.
            lines = [
                r for r in records.records[before:] if r.name not in ("sdmx_server.access", "httpx")
            ]
            assert not [r for r in lines if r.exc_info], [
                r.getMessage() for r in lines if r.exc_info
            ][:3]
            assert len(lines) <= 12, [f"{r.name}: {r.getMessage()}" for r in lines]

            cluster.start()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if (
                    client.get(DATA, headers={"Accept": CSV}).status_code == 200
                    and client.get(STRUCTURE).status_code == 200
                    and client.get("/ready").status_code == 200
                ):
                    break
                time.sleep(0.2)
            assert client.get(DATA, headers={"Accept": CSV}).status_code == 200
            assert client.get(STRUCTURE).status_code == 200
            assert client.get("/ready").status_code == 200
            deadline = time.monotonic() + 10
            while runner.failures and time.monotonic() < deadline:
                time.sleep(0.1)
            assert runner.failures == 0  # the job runner polls again by itself
            messages = [r.getMessage() for r in records.records[before:]]
            assert any("reachable again" in m for m in messages), messages
    finally:
        root.removeHandler(records)
        root.setLevel(old_level)
        services.close()
    assert (
        os.environ.get("SDMX_SERVER_TEST_POSTGRES_URL", "") != cluster.url
    )  # never the shared one
