"""Helpers shared by the benchmarks: throw-away databases, a server process, timing, memory."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sdmx_server.services.container import Services

PG_URL = os.environ.get(
    "SDMX_SERVER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new empty database URL (``sqlite`` file or ``postgres`` database), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sdmx-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite"
        return
    name = "sdmx_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server_process(
    database_url: str,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    cli: bool = False,
    cwd: Path | None = None,
) -> Iterator[tuple[str, list[int]]]:
    """``sdmx-server``'s app under uvicorn in its own process(es); yields (base URL, worker pids).

    ``cli=True`` starts it as operators do, ``sdmx-server serve --workers N``. ``cwd``: serve the
    ``sdmx_server`` package of another checkout (``python -m`` puts the working folder first on the path).
    """
    port = free_port()
    env = dict(
        os.environ,
        SDMX_SERVER_DATABASE_URL=database_url,
        SDMX_SERVER_LOG_LEVEL="WARNING",
        SDMX_SERVER_LOAD_SHIPPED_STRUCTURES="false",
        SDMX_SERVER_MAX_RESPONSE_OBSERVATIONS="10000000",
        **(extra_env or {}),
    )
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "sdmx_server.app:app_factory",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if cli:
        env.update(
            SDMX_SERVER_HOST="127.0.0.1",
            SDMX_SERVER_PORT=str(port),
            SDMX_SERVER_LOAD_SAMPLE_DATA="false",
        )
        cmd = [
            str(Path(sys.executable).with_name("sdmx-server")),
            "serve",
            "--workers",
            str(workers),
        ]
    if workers > 1:
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sdmx-bench-metrics-")
    if cwd is not None:
        env["PYTHONPATH"] = str(cwd)
    proc = subprocess.Popen(cmd, env=env, cwd=cwd or ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("benchmark server did not start")
            time.sleep(0.2)
        time.sleep(0.5 if workers == 1 else 2.0)
        pids = [proc.pid] if workers == 1 else _children(proc.pid)
        yield url, pids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    # multiprocessing's resource tracker is a child too, but serves no requests.
    workers = [int(p) for p in out if b"resource_tracker" not in _cmdline(int(p))]
    return workers or [pid]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory (or the peak, ``VmHWM``) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """Reset the kernel's peak-RSS counter of a process (Linux >= 4.0)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100)."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def median(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


class Report:
    """Collects result lines and bar checks; prints them as a table."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[tuple[str, str, str]] = []
        self.failed = 0

    def add(self, name: str, value: str, bar: str = "", ok: bool | None = None) -> None:
        status = "" if ok is None else ("PASS" if ok else "FAIL")
        if ok is False:
            self.failed += 1
        self.lines.append((name, value, f"{bar} {status}".strip()))
        print(f"  {name:<62} {value:>14}  {bar} {status}", flush=True)

    def header(self) -> None:
        print(f"\n== {self.title}", flush=True)


def dataflow_pks(services: Services) -> dict[str, int]:
    """The stored dataflows' primary keys by id (the benchmarks' baselines write rows for them)."""
    with services.session_factory() as s:
        return {
            r.resource_id: r.pk
            for r in s.execute(
                text("SELECT pk, resource_id FROM structure_artefact WHERE type = 'dataflow'")
            ).mappings()
        }
