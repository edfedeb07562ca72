"""Issue 9: a burst of clients must not take the data API down.

On PostgreSQL with the 2M-observation benchmark dataflow (``synthetic.py``:
100,000 series x 20 years, loaded through the server's validated write path),
``sdmx-server``'s app runs under uvicorn with 2 workers. ``wrk`` (2 threads,
``--timeout 15s``) sends random one-series SDMX-CSV queries at 8, 64 and 256
connections for 20 s each and ends each run abruptly, as it does. For each
run the benchmark reports requests/s, p99 and the non-2xx answers, and checks:

- no answer other than 200 and 503, no socket error, every 503 with ``Retry-After``;
- within 1 s after the run, none of the server's connections is ``active`` or
  ``idle in transaction`` and their number is back to what the pools keep
  (at most 2 x ``SDMX_SERVER_DB_POOL_SIZE``, plus each worker's listener);
- ``/health`` answered within 2 s throughout (the event loops never block; a loaded machine delays them);

and after the three runs, a single client's one-series query is as fast as
before them (median ratio <= 1.5).

Run: ``python -m benchmarks burst`` (needs ``wrk``; ``--series 5000 --seconds 5``
for a quick run).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from benchmarks import synthetic
from benchmarks.common import Report, fresh_database, median, percentile, server_process
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings
from sdmx_server.storage.schema import upgrade_to_head

CSV = "application/vnd.sdmx.data+csv;version=1.0.0"
POOL_SIZE = 8
WORKERS = 2

LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  no_retry_after = 0
  math.randomseed(os.time() * 100 + id)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept"] = "%(accept)s"})
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and headers["retry-after"] == nil and headers["Retry-After"] == nil then
    no_retry_after = no_retry_after + 1
  end
end
function done(summary, latency, requests)
  local total, missing = {}, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    missing = missing + t:get("no_retry_after")
  end
  io.write("STATUS")
  for k, v in pairs(total) do io.write(string.format(" %%d=%%d", k, v)) end
  io.write("\n")
  io.write(string.format("NO_RETRY_AFTER %%d\n", missing))
  io.write(string.format("P99_US %%d\n", latency:percentile(99)))
  io.write(string.format("RPS %%f\n", summary.requests / (summary.duration / 1e6)))
  local e = summary.errors
  io.write(string.format("SOCKET_ERRORS %%d %%d %%d %%d\n", e.connect, e.read, e.write, e.timeout))
end
"""


def write_script(folder: Path, paths: list[str]) -> Path:
    """The wrk script: random one-series queries, status counts aggregated over threads."""
    table = "paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n"
    path = folder / "burst.lua"
    path.write_text(table + LUA % {"accept": CSV})
    return path


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, object]:
    """One wrk run; its figures parsed from the script's ``done`` output."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "15s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    ).stdout
    statuses = {
        int(k): int(v)
        for k, v in re.findall(r"(\d+)=(\d+)", out.split("STATUS", 1)[1].splitlines()[0])
    }
    sock = [int(x) for x in out.split("SOCKET_ERRORS", 1)[1].split()[:4]]
    return {
        "statuses": statuses,
        "rps": float(out.split("RPS", 1)[1].split()[0]),
        "p99_ms": int(out.split("P99_US", 1)[1].split()[0]) / 1000,
        "no_retry_after": int(out.split("NO_RETRY_AFTER", 1)[1].split()[0]),
        "socket": sock,
    }


def connection_states(admin_url: str, database: str) -> dict[str, int]:
    """The server's connections to ``database`` by state (pg_stat_activity)."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() GROUP BY 1"
                ),
                {"db": database},
            )
            return {state: int(n) for state, n in rows}
    finally:
        engine.dispose()


def settled(
    admin_url: str, database: str, limit: int, within: float
) -> tuple[bool, float, dict[str, int]]:
    """Whether the connections are back to the idle level within ``within`` seconds (and when)."""
    start = time.perf_counter()
    while True:
        states = connection_states(admin_url, database)
        busy = sum(n for s, n in states.items() if s != "idle")
        elapsed = time.perf_counter() - start
        if busy == 0 and sum(states.values()) <= limit:
            return True, elapsed, states
        if elapsed > within:
            return False, elapsed, states
        time.sleep(0.05)


def single_client_ms(url: str, paths: list[str]) -> tuple[list[float], int]:
    """Latencies (ms) of one client asking the paths one after the other, and how many failed."""
    out, failed = [], 0
    with httpx.Client(base_url=url, timeout=30, headers={"Accept": CSV}) as client:
        for path in paths:
            start = time.perf_counter()
            try:
                failed += client.get(path).status_code != 200
            except httpx.HTTPError:
                failed += 1
            out.append((time.perf_counter() - start) * 1000)
    return out, failed


class HealthProbe(threading.Thread):
    """Asks ``/health`` every 200 ms during a run; keeps the slowest answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.worst, self.failures = url, 0.0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            start = time.perf_counter()
            try:
                ok = httpx.get(self.url + "/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                ok = False
            self.worst = max(self.worst, time.perf_counter() - start)
            self.failures += not ok


def load(url: str, n_series: int, periods: int, folder: Path) -> list[tuple[str, ...]]:
    """The benchmark dataflow BIG, loaded through the validated write path; returns its series keys."""
    keys = synthetic.series_keys(n_series)
    services = Services.build(Settings(database_url=url, load_shipped_structures=False))
    try:
        upgrade_to_head(services.engine)
        assert not services.structure_store.submit(synthetic.build_structures()).refused
        csv_path = folder / "big.csv"
        n_obs = synthetic.write_csv(csv_path, "BIG", keys, periods)
        with csv_path.open("rb") as f:
            result = services.data_write.submit(f)
        assert result.ok and result.counts.inserted == n_obs, (
            result.error_count,
            result.errors[:3],
        )
        with services.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        services.close()
    return keys


def run(n_series: int, periods: int, seconds: int, levels: list[int], code: Path | None) -> int:
    """Load, serve, burst, check; returns the number of failed bars."""
    report = Report(
        f"burst benchmark on postgres: {n_series:,} series x {periods} = {n_series * periods:,} "
        f"observations, {WORKERS} workers, pool {POOL_SIZE}/worker"
    )
    report.header()
    if shutil.which("wrk") is None:
        report.add("burst", "skipped", "wrk is not installed (apt-get install -y wrk)", False)
        return report.failed
    with (
        fresh_database("postgres") as url,
        tempfile.TemporaryDirectory(prefix="sdmx-bench-") as tmp,
    ):
        start = time.perf_counter()
        keys = load(url, n_series, periods, Path(tmp))
        report.add("validated load of the dataflow", f"{time.perf_counter() - start:.0f} s")
        database = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        rng = random.Random(9)
        paths = [f"/rest/data/BIG/{'.'.join(rng.choice(keys))}" for _ in range(2000)]
        script = write_script(Path(tmp), paths)
        probe_paths = [f"/rest/data/BIG/{'.'.join(rng.choice(keys))}" for _ in range(200)]
        limit = (
            WORKERS * POOL_SIZE + WORKERS
        )  # what the pools keep, and each worker's state listener
        env = {"SDMX_SERVER_DB_POOL_SIZE": str(POOL_SIZE)}
        with server_process(url, workers=WORKERS, extra_env=env, cwd=code) as (server, _pids):
            single_client_ms(server, probe_paths[:20])  # warm both workers
            before, _ = single_client_ms(server, probe_paths)
            report.add("single client, one-series query before: median", f"{median(before):.2f} ms")
            for connections in levels:
                probe = HealthProbe(server)
                probe.start()
                fig = run_wrk(server, script, connections, seconds)
                probe.stop.set()
                probe.join()
                statuses: dict[int, int] = fig["statuses"]  # type: ignore[assignment]
                other = {s: n for s, n in statuses.items() if s not in (200, 503)}
                socket_errors: list[int] = fig["socket"]  # type: ignore[assignment]
                label = f"{connections} connections, {seconds} s"
                report.add(f"{label}: requests/s", f"{fig['rps']:.0f}")
                report.add(f"{label}: p99", f"{fig['p99_ms']:.0f} ms")
                report.add(
                    f"{label}: answers",
                    ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())) or "none",
                    "some 200",
                    statuses.get(200, 0) > 0,
                )
                report.add(
                    f"{label}: errors other than 503 (status, socket)",
                    f"{sum(other.values())}, {sum(socket_errors)}",
                    "= 0",
                    not other and not any(socket_errors),
                )
                report.add(
                    f"{label}: 503 without Retry-After",
                    f"{fig['no_retry_after']}",
                    "= 0",
                    fig["no_retry_after"] == 0,
                )
                ok, when, states = settled(admin, database, limit, 1.0)
                report.add(
                    f"{label}: connections back to idle level after",
                    f"{when:.2f} s",
                    f"<= 1 s, <= {limit} idle ({states})",
                    ok,
                )
                # The event loops never block; on a loaded 2-core machine a busy loop still delays /health.
                report.add(
                    f"{label}: slowest /health during the run",
                    f"{probe.worst * 1000:.0f} ms",
                    "< 2000 ms",
                    probe.worst < 2 and probe.failures == 0,
                )
            after, failed = single_client_ms(server, probe_paths)
            ratio = median(after) / median(before)
            report.add(
                "single client, one-series query after: median",
                f"{median(after):.2f} ms",
                f"p99 {percentile(after, 99):.1f} ms",
            )
            report.add(
                "  single-client queries not answered 200 afterwards",
                f"{failed}",
                "= 0",
                failed == 0,
            )
            report.add("  after / before median ratio", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5)
            # On a shared machine single-client medians move 2-5x from minute to minute: a second
            # sample tells the server's state (it does not change) from the machine's.
            time.sleep(5)
            later, _ = single_client_ms(server, probe_paths)
            report.add("single client 5 s later (diagnostic): median", f"{median(later):.2f} ms")
    print(f"\n{report.failed} bar(s) missed" if report.failed else "\nall bars met", flush=True)
    return report.failed


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks burst")
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    parser.add_argument(
        "--connections", default="8,64,256", help="comma-separated wrk connection counts"
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=None,
        help="serve the sdmx_server package of another checkout (to measure before a change)",
    )
    args = parser.parse_args(argv)
    return run(
        args.series,
        args.periods,
        args.seconds,
        [int(c) for c in args.connections.split(",")],
        args.code,
    )
