"""Run sdmx1's per-source test battery (its own DataSourceTest) against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BATTERY = Path(__file__).parent / "sdmx1_battery"


def test_sdmx1_data_source_battery_passes(data_server, tmp_path: Path) -> None:
    (
        tmp_path / "no-specimens"
    ).mkdir()  # the plugin wants a specimen folder; this battery needs none
    env = dict(
        os.environ,
        SDMX_SERVER_URL=data_server.url,
        SDMX_BATTERY_SOURCE="TESTSRC",
        SDMX_TEST_DATA=str(tmp_path / "no-specimens"),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(BATTERY),
            "-c",
            str(BATTERY / "pytest.ini"),
            "--rootdir",
            str(BATTERY),
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert " failed" not in output and "XPASS" not in output, output[-4000:]
    for endpoint in (
        "codelist",
        "dataflow",
        "datastructure",
        "data",
        "availableconstraint",
        "provisionagreement",
        "dataproviderscheme",
        "structure",
    ):
        assert (
            f"test_endpoint[{endpoint}] PASSED"
            in output.replace("::", " ").replace("PASSED ", "PASSED ")
            or f"[{endpoint}]" in output
        ), endpoint
    report = tmp_path / "source-tests" / "TESTSRC.json"
    if report.exists():
        results = json.loads(report.read_text())["TESTSRC"]
        assert results.get("codelist") == "pass" and results.get("data") == "pass", results
