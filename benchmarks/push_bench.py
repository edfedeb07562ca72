"""Push benchmark (issue "producers push"): 1 million observations submitted over HTTP.

Measures, in one run, on PostgreSQL or SQLite, against a server started as
operators start it (``sdmx-server serve --workers 2``), pushing with a
producer's token:

* the database's own bulk load of the same rows into the server's own
  indexed tables (``COPY FROM`` on PostgreSQL, one ``executemany``
  transaction on SQLite; the baseline of the data benchmark), the reference;
* a first submission of 1M observations (SDMX-CSV 1.0, 50,000 series x 20
  years) into an empty dataflow, fully validated and written: bar >= 1/4 of
  the baseline's speed;
* a second submission of 1M rows that gives new values to half of those
  observations (the last 10 years of every series) and adds as many new ones
  (10 later years): bar >= 1/5 of the baseline's speed;
* the server's memory during each push (the workers' peak resident memory
  minus their memory just before it): bar < 150 MB;
* while each push runs, a client queries one series (20 observations) of
  another dataflow in a loop: median < 50 ms (p99 reported).

Run: ``python -m benchmarks push --db postgres`` (or ``--db sqlite``; ``--obs`` to scale).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks import synthetic
from benchmarks.common import (
    Report,
    dataflow_pks,
    fresh_database,
    median,
    percentile,
    reset_peak,
    rss_mb,
    server_process,
)
from benchmarks.data_bench import baseline_load
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    Item,
    ItemRef,
    MaintainableRef,
    ProvisionAgreementDetails,
)
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from sdmx_server.storage.schema import upgrade_to_head

PERIODS = 20
PRODUCER = "BENCH_PRODUCER"
CSV_TYPE = "application/vnd.sdmx.data+csv;version=1.0.0"
MEMORY_BAR_MB = 150.0
LATENCY_BAR_MS = 50.0
# The query client pauses this long between queries: a steady read load (up to
# ~100 queries/s) that leaves the writer its share of the machine's two cores.
QUERY_PAUSE_S = 0.01


def producer_structures() -> list[Artefact]:
    """A data provider and its provision agreements for the benchmark dataflows."""
    scheme = Artefact(
        type=ArtefactType.DATA_PROVIDER_SCHEME,
        agency=synthetic.AGENCY,
        id="DATA_PROVIDERS",
        version="1.0",
        names={"en": "Data providers"},
        items=[Item(id=PRODUCER, names={"en": "Benchmark producer"})],
    )
    return [
        scheme,
        *(
            Artefact(
                type=ArtefactType.PROVISION_AGREEMENT,
                agency=synthetic.AGENCY,
                id=f"PA_{flow}",
                version="1.0",
                names={"en": f"{PRODUCER} supplies {flow}"},
                details=ProvisionAgreementDetails(
                    dataflow=MaintainableRef(
                        type=ArtefactType.DATAFLOW, agency=synthetic.AGENCY, id=flow, version="1.0"
                    ),
                    data_provider=ItemRef(scheme=scheme.ref, item_id=PRODUCER),
                ),
            )
            for flow in ("BIG", "SMALL")
        ),
    ]


def write_csv(
    path: Path, flow_id: str, keys: list[tuple[str, ...]], first_year: int, seed: int
) -> int:
    """SDMX-CSV 1.0 of ``keys`` x PERIODS years from ``first_year`` (values drawn with ``seed``)."""
    n = 0
    flow = f"{synthetic.AGENCY}:{flow_id}(1.0)"
    with path.open("w", encoding="utf-8") as f:
        f.write(f"DATAFLOW,{','.join(synthetic.DIMS)},TIME_PERIOD,OBS_VALUE,OBS_STATUS\n")
        for row in synthetic.rows(keys, PERIODS, first_year, seed=seed):
            f.write(flow + "," + ",".join(row) + "\n")
            n += 1
    return n


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk


class QueryLoop(threading.Thread):
    """One-series queries in a loop, each on a new connection (so that they spread over the workers)."""

    def __init__(self, url: str, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.paths = paths
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures = 0

    def run(self) -> None:
        n = 0
        # No keep-alive: every query opens a connection, which either worker may accept.
        with httpx.Client(
            base_url=self.url,
            headers={"Accept-Encoding": "identity"},
            timeout=60,
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            while not self.stop.is_set():
                path = self.paths[n % len(self.paths)]
                n += 1
                start = time.perf_counter()
                try:
                    ok = client.get(path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append((time.perf_counter() - start) * 1000)
                self.failures += not ok
                self.stop.wait(QUERY_PAUSE_S)


class MemorySampler(threading.Thread):
    """The workers' summed resident memory, sampled every 50 ms."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.stop = threading.Event()
        self.peak = 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, sum(rss_mb(p) for p in self.pids))
            self.stop.wait(0.05)


def push(
    url: str, token: str, path: Path, pids: list[int], queries: list[str]
) -> tuple[float, dict, float, list[float], int]:
    """POST one file while querying another dataflow; (seconds, report, memory growth MB, latencies, failures)."""
    idle = {p: rss_mb(p) for p in pids}
    for p in pids:
        reset_peak(p)
    sampler = MemorySampler(pids)
    loop = QueryLoop(url, queries)
    sampler.start()
    loop.start()
    time.sleep(0.5)  # the query loop is running before the push starts
    start = time.perf_counter()
    r = httpx.post(
        url + f"/rest/v2/data/dataflow/{synthetic.AGENCY}/BIG/1.0",
        content=_chunks(path),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": CSV_TYPE,
            "Content-Length": str(path.stat().st_size),
        },
        timeout=3600,
    )
    seconds = time.perf_counter() - start
    loop.stop.set()
    sampler.stop.set()
    loop.join()
    sampler.join()
    assert r.status_code == 200, (r.status_code, r.text[:2000])
    # The kernel's high-water mark catches peaks between samples; the sampler, the rest.
    hwm = sum(max(rss_mb(p, "VmHWM"), idle[p]) for p in pids)
    growth = max(hwm, sampler.peak) - sum(idle.values())
    return seconds, r.json(), growth, loop.latencies, loop.failures


def run(kind: str, n_obs: int) -> int:
    """Run every measurement; returns the number of failed bars."""
    n_series = max(1, n_obs // PERIODS)
    n_obs = n_series * PERIODS
    report = Report(
        f"push benchmark on {kind}: {n_series:,} series x {PERIODS} = {n_obs:,} observations,"
        " server with 2 workers"
    )
    report.header()
    keys = synthetic.series_keys(n_series)
    small_keys = synthetic.series_keys(1000, seed=3)
    with fresh_database(kind) as url, tempfile.TemporaryDirectory(prefix="sdmx-bench-") as tmp:
        services = Services.build(Settings(database_url=url, load_shipped_structures=False))
        upgrade_to_head(services.engine)
        refused = services.structure_store.submit(
            [*synthetic.build_structures(), *producer_structures()]
        ).refused
        assert not refused, refused
        flow_pk = dataflow_pks(services)
        pg = kind == "postgres"
        base = baseline_load(services, keys, PERIODS, flow_pk["LOADTEST"])
        first = Path(tmp) / "first.csv"
        second = Path(tmp) / "second.csv"
        write_csv(first, "BIG", keys, 2000, seed=11)
        write_csv(second, "BIG", keys, 2010, seed=12)  # 2010-2019 get new values, 2020-2029 are new
        small = Path(tmp) / "small.csv"
        write_csv(small, "SMALL", small_keys, 2000, seed=3)
        with small.open("rb") as f:
            assert services.data_write.submit(f).ok
        token, _row = services.auth.create_token(
            "provider", provider=PRODUCER, name="push benchmark"
        )
        services.close()

        report.add(
            f"bulk load baseline ({'COPY FROM' if pg else 'executemany'}) of {n_obs:,} rows",
            f"{base:.2f} s",
        )
        rng = random.Random(5)
        queries = [
            f"/rest/data/{synthetic.AGENCY},SMALL,1.0/{'.'.join(rng.choice(small_keys))}"
            for _ in range(500)
        ]
        with server_process(url, workers=2, cli=True) as (server, pids):
            quiet = QueryLoop(server, queries)
            quiet.start()
            time.sleep(3)  # warms both workers up, and gives the latency of a quiet server
            quiet.stop.set()
            quiet.join()
            assert quiet.failures == 0
            idle = sum(rss_mb(p) for p in pids)
            report.add(f"server memory before the pushes ({len(pids)} workers)", f"{idle:.0f} MB")
            report.add(
                f"one-series queries on a quiet server ({len(quiet.latencies)}): median",
                f"{median(quiet.latencies):.2f} ms",
                f"p99 {percentile(quiet.latencies, 99):.2f} ms",
            )
            runs = [
                (
                    f"first push: {n_obs:,} new observations",
                    first,
                    0.25,
                    {"inserted": n_obs, "updated": 0},
                ),
                (
                    f"second push: {n_obs // 2:,} updated, {n_obs // 2:,} new",
                    second,
                    0.20,
                    {"inserted": n_obs // 2, "updated": n_obs // 2},
                ),
            ]
            for label, path, bar, expected in runs:
                seconds, body, growth, lat, failures = push(server, token, path, pids, queries)
                got = {k: body[k] for k in expected}
                assert got == expected and body["status"] == "written", (
                    got,
                    expected,
                    body.get("errors", [])[:3],
                )
                speed = base / seconds
                report.add(
                    label, f"{seconds:.2f} s", f"({path.stat().st_size / 1e6:.0f} MB SDMX-CSV)"
                )
                report.add(
                    "  speed relative to the database's own bulk load",
                    f"{speed:.2f}",
                    f">= {bar}",
                    speed >= bar,
                )
                report.add(
                    "  server memory: peak during the push minus before",
                    f"{growth:.0f} MB",
                    f"< {MEMORY_BAR_MB:.0f} MB",
                    growth < MEMORY_BAR_MB,
                )
                report.add(
                    f"  one-series queries on another dataflow meanwhile ({len(lat)}): median",
                    f"{median(lat):.2f} ms",
                    f"< {LATENCY_BAR_MS:.0f} ms",
                    median(lat) < LATENCY_BAR_MS and failures == 0,
                )
                report.add(
                    "  one-series queries: p99",
                    f"{percentile(lat, 99):.2f} ms",
                    f"({failures} failed)" if failures else "",
                )
            # The pushed data read back: a series has its 20 + 10 years, the revised ones with new values.
            answer = httpx.get(
                server + f"/rest/data/{synthetic.AGENCY},BIG,1.0/{'.'.join(keys[0])}",
                headers={"Accept": CSV_TYPE},
            ).text.splitlines()
            assert len(answer) == 1 + PERIODS + PERIODS // 2, len(answer)
    print(f"\n{report.failed} bar(s) missed" if report.failed else "\nall bars met", flush=True)
    return report.failed


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks push")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--obs", type=int, default=1_000_000, help="observations per push (20 per series)"
    )
    args = parser.parse_args(argv)
    return run(args.db, args.obs)
