"""Portal benchmark: the dataflow page with 5,000 observations (median latency), the weight of the
explorer's pages before data, and the time headless Chromium takes to draw a 50 x 20 chart.

``python -m benchmarks portal [--db postgres|sqlite] [--runs N]``. Bars (issue 13): median page
under 200 ms on PostgreSQL; pages under 300 kB before data; chart drawn in under 1 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import time
from urllib.parse import urlencode

import httpx

from benchmarks.common import Report, fresh_database, median, server_process
from sdmx_server.domain.submission import PushOptions, SubmissionStatus
from sdmx_server.services.auth import Principal
from sdmx_server.services.bootstrap import load_shipped_content
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from sdmx_server.storage.schema import upgrade_to_head

FLOW = "/portal/dataflow/MA_LMIS/DF_MIG_ABROAD/1.0"
TAIL = "AGE_AGGREGATE_TOTAL,EDU_AGGREGATE_TOTAL,OCU_ISCO08_TOTAL,ECO_ISIC4_TOTAL,PERMIT_TOTAL,SCHEME_TOTAL"
HEADER = (
    "DATAFLOW,ORIGIN_AREA,DEST_AREA,FREQ,MEASURE,SEX,AGE,EDU,OCU,ECO,PERMIT,SCHEME,TIME_PERIOD,OBS_VALUE,"
    "OBS_STATUS,UNIT_MEASURE_TYPE,UNIT_MEASURE,UNIT_MULT,SOURCE,DECIMALS,REPORTER"
)


def load(url: str, countries: int, years: int) -> list[str]:
    """Shipped structures, then ``countries`` x ``years`` observations of DF_MIG_ABROAD; returns the codes."""
    services = Services.build(
        Settings(database_url=url, load_sample_data=False, load_shipped_structures=True)
    )
    try:
        upgrade_to_head(services.engine)
        load_shipped_content(services)
        admin = Principal(kind="admin", name="benchmark")
        target = services.submissions.authorize(
            admin, "provisionagreement", "MA_LMIS", "PA_MIN_AFF_ETR_MIG_ABROAD", "1.0"
        )
        from sdmx_server.portal.desk import agreements_of

        (agreement,) = agreements_of(
            services, admin, "en", only="MA_LMIS,PA_MIN_AFF_ETR_MIG_ABROAD,1.0"
        )
        dest = next(c for c in agreement.columns if c.id == "DEST_AREA")
        codes = [c for c, _ in dest.codes or [] if len(c) == 3][:countries]
        lines = [HEADER]
        for n, code in enumerate(codes):
            for y in range(2024 - years + 1, 2025):
                lines.append(
                    f"MA_LMIS:DF_MIG_ABROAD(1.0),MAR,{code},A,MNA_TPOP_NB,SEX_T,{TAIL},{y},"
                    f"{100 + n * 3 + (y % 7)},E,NB,PS,3,SRC_MAE,0,MAR"
                )
        report = services.submissions.run(
            "benchmark",
            None,
            target,
            io.BytesIO(("\r\n".join(lines) + "\r\n").encode()),
            "application/vnd.sdmx.data+csv;version=1.0.0",
            PushOptions(),
            base_url="",  # the report's links are not read here
        )
        assert report.status == SubmissionStatus.WRITTEN, report.to_json()["errors"]
        return codes
    finally:
        services.close()


def chart_draw_ms(url: str, runs: int) -> list[float]:
    """Navigation start to two animation frames after load (SVG parsed, laid out and painted)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options
    )
    out = []
    try:
        for _ in range(runs + 1):
            driver.get(url)
            ms = driver.execute_async_script(
                "const done = arguments[0];"
                "requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));"
            )
            n = driver.execute_script(
                "return document.querySelectorAll('#chart svg.chart g.series').length"
            )
            assert n == 50, n
            out.append(float(ms))
    finally:
        driver.quit()
    return out[1:]  # the first run warms the browser's caches


def run(kind: str, runs: int) -> int:
    report = Report(f"portal ({kind})")
    report.header()
    with fresh_database(kind) as url:
        t0 = time.perf_counter()
        codes = load(url, 200, 25)
        report.add(
            "load: shipped content + 200 series x 25 years", f"{time.perf_counter() - t0:.1f} s"
        )
        with server_process(url, extra_env={"SDMX_SERVER_RUN_JOBS": "false"}) as (base, _pids):
            with httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "fr"}) as c:
                page = FLOW + "?" + urlencode({"MEASURE": "MNA_TPOP_NB"})
                first = c.get(page)
                assert first.status_code == 200 and 'data-observations="5000"' in first.text, (
                    first.text[:300]
                )
                times = []
                for _ in range(runs):
                    s = time.perf_counter()
                    r = c.get(page)
                    times.append((time.perf_counter() - s) * 1000)
                    assert r.status_code == 200
                med = median(times)
                report.add(
                    "dataflow page, 5,000 observations (200 series x 25): median",
                    f"{med:.0f} ms",
                    "< 200 ms",
                    med < 200 if kind == "postgres" else None,
                )
                report.add("  same page, HTML size", f"{len(first.content) / 1024:.0f} kB")
                static = sum(
                    len(c.get(p).content)
                    for p in ("/portal/static/portal.css", "/portal/static/portal.js")
                )
                home = len(c.get("/portal").content) + static
                shell = (
                    len(c.get(FLOW, params={"startPeriod": "1900", "endPeriod": "1900"}).content)
                    + static
                )
                report.add(
                    "home page + CSS + JS", f"{home / 1024:.0f} kB", "< 300 kB", home < 300 * 1024
                )
                report.add(
                    "dataflow page before data + CSS + JS",
                    f"{shell / 1024:.0f} kB",
                    "< 300 kB",
                    shell < 300 * 1024,
                )
            chart = (
                base
                + FLOW
                + "?"
                + urlencode(
                    [("MEASURE", "MNA_TPOP_NB"), ("startPeriod", "2005")]
                    + [("DEST_AREA", code) for code in codes[:50]]
                )
            )
            draws = chart_draw_ms(chart, max(3, runs // 10))
            report.add(
                "chart 50 series x 20 years drawn in Chromium: median",
                f"{median(draws):.0f} ms",
                "< 1000 ms",
                median(draws) < 1000,
            )
    return report.failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks portal")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    return run(args.db, args.runs)
