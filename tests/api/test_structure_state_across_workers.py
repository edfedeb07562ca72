"""Structure validators stay right when another process changes structures.

On PostgreSQL each worker keeps the structure state in memory, refreshed by
``NOTIFY`` (services/state_watch.py); on SQLite it reads it per request. Either
way a change made by another process (here: ``sdmx-server load`` in a
subprocess) must show in the next answers, also when the listener's
connection is cut.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.services.container import Services
from sdmx_server.services.state_watch import LISTENER_NAME
from tests.conftest import TEST_DB, LiveServer, load_files

CODELIST = """<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
  xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
  xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <mes:Header><mes:ID>T</mes:ID><mes:Test>true</mes:Test><mes:Prepared>2026-01-01T00:00:00</mes:Prepared>
    <mes:Sender id="TEST"/></mes:Header>
  <mes:Structures><str:Codelists>
    <str:Codelist id="CL_STATE" agencyID="TEST" version="1.0" isFinal="false">
      <com:Name xml:lang="en">State test</com:Name>
      {codes}
    </str:Codelist>
  </str:Codelists></mes:Structures>
</mes:Structure>
"""
PATH = "/rest/codelist/TEST/CL_STATE/1.0"


def codelist_file(folder: Path, codes: list[str]) -> Path:
    body = "".join(
        f'<str:Code id="{c}"><com:Name xml:lang="en">{c}</com:Name></str:Code>' for c in codes
    )
    path = folder / f"cl-{'-'.join(codes)}.xml"
    path.write_text(CODELIST.format(codes=body))
    return path


def load_in_other_process(db_url: str, path: Path) -> None:
    env = {**os.environ, "SDMX_SERVER_DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-m", "sdmx_server.cli", "load", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def server(
    make_services: Callable[..., Services], tmp_path: Path
) -> Iterator[tuple[Services, LiveServer]]:
    services = make_services()
    load_files(services, [codelist_file(tmp_path, ["A", "B"])])
    with LiveServer(services) as live:
        yield services, live


def test_a_change_by_another_process_shows_in_the_next_answers(
    server: tuple[Services, LiveServer], tmp_path: Path
) -> None:
    services, live = server
    with httpx.Client(base_url=live.url) as client:
        first = client.get(PATH)
        etag = first.headers["etag"]
        assert client.get(PATH, headers={"If-None-Match": etag}).status_code == 304
        if TEST_DB == "postgres":  # the listener holds the state in memory once it has started
            assert wait_for(lambda: services.structure_renderer.state.snapshot() is not None)
        load_in_other_process(
            services.settings.database_url, codelist_file(tmp_path, ["A", "B", "C"])
        )
        # NOTIFY is delivered at commit: the next answers (allow the delivery time) carry the new state.
        assert wait_for(
            lambda: client.get(PATH, headers={"If-None-Match": etag}).status_code == 200, 2.0
        )
        fresh = client.get(PATH)
        assert fresh.headers["etag"] != etag and b'id="C"' in fresh.content


@pytest.mark.skipif(
    TEST_DB != "postgres", reason="the notification listener exists on PostgreSQL only"
)
def test_a_cut_listener_falls_back_to_the_database(
    server: tuple[Services, LiveServer], tmp_path: Path
) -> None:
    services, live = server
    state = services.structure_renderer.state
    assert wait_for(lambda: state.snapshot() is not None)
    with services.engine.connect() as conn:  # cut the listener's connection from the server side
        killed = (
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": LISTENER_NAME},
            )
            .scalars()
            .all()
        )
        conn.commit()
    assert killed == [True]
    assert wait_for(lambda: state.snapshot() is None, 3.0)
    load_in_other_process(services.settings.database_url, codelist_file(tmp_path, ["A", "B", "D"]))
    with httpx.Client(base_url=live.url) as client:
        assert (
            b'id="D"' in client.get(PATH).content
        )  # read from the database, whatever the listener does
    # ...and the listener comes back with the new state.
    assert wait_for(lambda: state.snapshot() is not None, 5.0)
    snapshot = state.snapshot()
    assert snapshot is not None and snapshot == state.read()
