"""The command line: ``sdmx-server load`` and ``migrate`` as a user runs them (in process, see
``tests/cli_inprocess.py``; ``serve`` and one ``load`` run as real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import fixtures
from tests.cli_inprocess import CliResult
from tests.cli_inprocess import run_cli as run_in_process


def run_cli(db_url: str, *args: str) -> CliResult:
    return run_in_process(
        {"SDMX_SERVER_DATABASE_URL": db_url, "SDMX_SERVER_LOG_LEVEL": "WARNING"}, *args
    )


def run_cli_process(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDMX_SERVER_DATABASE_URL=db_url, SDMX_SERVER_LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "sdmx_server.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def db_url(db_factory) -> str:
    return db_factory.new_url()


def count(db_url: str, table: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(n)


def test_load_structures_then_data_prints_outcomes(db_url: str) -> None:
    r = run_cli_process(
        db_url, "load", str(fixtures.ECB_FULL)
    )  # the real console entry point, once
    assert r.returncode == 0, r.stdout + r.stderr
    assert "created  Codelist=ECB:CL_FREQ(1.0)" in r.stdout
    assert "warning: CategoryScheme=ECB:MOBILE_NAVI(1.0) is not available" in r.stdout
    again = run_cli(db_url, "load", str(fixtures.ECB_FULL))
    assert "kept     Codelist=ECB:CL_FREQ(1.0)" in again.stdout and "0 created" in again.stdout
    data = run_cli(db_url, "load", str(fixtures.ECB_DATA))
    assert data.returncode == 0 and "252 rows into ECB:EXR(1.0): 252 inserted" in data.stdout
    assert count(db_url, "data_observation") == 252


def test_load_data_with_errors_lists_them_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    assert run_cli(db_url, "load", str(fixtures.ECB_FULL)).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        "ECB:EXR(1.0),M,USD,EUR,SP00,A,2020-01,1.1,A\n"
        "ECB:EXR(1.0),M,XYZ,EUR,SP00,A,2020-02,1.2,A\n"
        "ECB:EXR(1.0),M,USD,EUR,SP00,A,2020-13,1.3,A\n"
    )
    r = run_cli(db_url, "load", str(bad))
    assert r.returncode == 1
    assert "line 3: CURRENCY 'XYZ'" in r.stdout and "line 4: TIME_PERIOD '2020-13'" in r.stdout
    # ... and, in the same report, the six mandatory series attributes the new series M.USD lacks.
    assert r.stdout.count("mandatory series attribute missing for series M.USD.EUR.SP00.A") == 6
    assert "8 error(s)" in r.stdout and "nothing was written" in r.stdout
    assert count(db_url, "data_observation") == 0


def test_load_with_explicit_dataflow_and_refused_file(db_url: str, tmp_path: Path) -> None:
    assert run_cli(db_url, "load", str(fixtures.ECB_FULL)).returncode == 0
    csv = tmp_path / "no-flow.csv"
    csv.write_text(
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS,TIME_FORMAT,COLLECTION,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT\n"
        "dataflow,ECB:EXR(1.0),I,M,USD,EUR,SP00,A,2021-01,1.2,A,P1M,A,4,US dollar per euro,USD,0\n"
    )
    r = run_cli(db_url, "load", str(csv), "--dataflow", "ECB,EXR,1.0")
    assert r.returncode == 0 and "1 inserted" in r.stdout
    broken = tmp_path / "broken.xml"
    broken.write_text("<?xml version='1.0'?><mes:Structure xmlns:mes='x'>")
    r = run_cli(db_url, "load", str(broken))
    assert r.returncode == 1 and "refused" in r.stdout and "broken.xml" in r.stdout


def test_load_missing_path_is_an_error(db_url: str) -> None:
    r = run_cli(db_url, "load", "/no/such/file.xml")
    assert r.returncode == 2 and "no such file" in r.stderr


def test_migrate_creates_schema(db_url: str) -> None:
    r = run_cli(db_url, "migrate")
    assert r.returncode == 0 and "schema is current" in r.stdout
    assert count(db_url, "structure_artefact") == 0


@pytest.mark.slow
def test_serve_with_one_worker_writes_links_to_the_address_it_serves(db_url: str) -> None:
    """Without SDMX_SERVER_PUBLIC_URL, the links a single-worker server writes name its own port."""
    import time

    import httpx

    from tests.conftest import free_port

    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SDMX_SERVER_PUBLIC_URL", "SDMX_SERVER_PORT")
    }
    env.update(
        SDMX_SERVER_DATABASE_URL=db_url,
        SDMX_SERVER_LOG_LEVEL="WARNING",
        SDMX_SERVER_LOAD_SAMPLE_DATA="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdmx_server.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        r = httpx.get(
            f"http://127.0.0.1:{port}/rest/schema/dataflow/MA_LMIS/DF_LFS_CORE/1.0", timeout=30
        )
        assert r.status_code == 200, r.text[:500]
        assert f'schemaLocation="http://127.0.0.1:{port}/' in r.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
