"""Run the whole test suite: once on SQLite, once on PostgreSQL.

PostgreSQL comes from ``SDMX_SERVER_TEST_POSTGRES_URL`` when it is set. Otherwise
the whole run (both passes) starts a throw-away cluster from the PostgreSQL server
binaries installed on the machine, initialised while the SQLite pass runs (no fsync;
deleted afterwards, so no test database is dropped one by one, and other users of the
machine's server neither slow the run nor are slowed by it). ``--postgres-only`` (a
targeted run) uses the local server at 127.0.0.1:5432 (user postgres, database test),
which costs no start-up. Either falls back on the other: the local server when the
cluster cannot start, a private cluster when nothing answers locally; if neither works,
the run fails: the PostgreSQL pass is never skipped.

Tests run in parallel (pytest-xdist, ``SDMX_SERVER_TEST_WORKERS`` processes,
default ``auto``: one per core; ``--dist worksteal``) unless the arguments choose ``-n`` themselves;
database-free tests run in the SQLite pass only (see ``tests/conftest.py``).

Usage: ``python -m scripts.run_tests [--sqlite-only | --postgres-only] [pytest args...]``
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent


def _reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(
            f"[run_tests] PostgreSQL at {url} not reachable: {str(exc).splitlines()[0]}", flush=True
        )
        return False


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_own_postgres() -> tuple[str, subprocess.Popen[bytes] | None, Path]:
    """Start a private cluster; returns (url, process, data dir). Raises if impossible."""
    bindir = _pg_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
    datadir = Path(tempfile.mkdtemp(prefix="sdmx-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
        shutil.chown(datadir, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        run_as
        + [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    proc = subprocess.Popen(
        run_as
        + [
            str(bindir / "postgres"),
            "-D",
            str(datadir),
            "-p",
            str(port),
            "-k",
            str(datadir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    for _ in range(60):
        if _reachable(url):
            print(f"[run_tests] started a private PostgreSQL on port {port}", flush=True)
            return url, proc, datadir
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("the private PostgreSQL did not start")


def pytest(args: list[str], env_extra: dict[str, str]) -> int:
    """Run pytest with extra environment; returns its exit status."""
    env = dict(os.environ, **env_extra)
    cmd = [sys.executable, "-m", "pytest", *args]
    print(
        f"[run_tests] {' '.join(f'{k}={v}' for k, v in env_extra.items())} {' '.join(cmd)}",
        flush=True,
    )
    return subprocess.call(cmd, cwd=ROOT, env=env)


class PrivateCluster:
    """A throw-away cluster started in a thread (while the SQLite pass runs)."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.datadir: Path | None = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.url, self.proc, self.datadir = start_own_postgres()
        except Exception as exc:  # noqa: BLE001 - reported by wait()
            self.error = exc

    def wait(self) -> str | None:
        """The cluster's URL, or None (with the reason printed) if it did not start."""
        self._thread.join()
        if self.error is not None:
            print(f"[run_tests] no private PostgreSQL: {self.error}", flush=True)
        return self.url

    def stop(self) -> None:
        """Stop the cluster and delete its files (and with them every test database)."""
        self._thread.join()
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        if self.datadir is not None:
            shutil.rmtree(self.datadir, ignore_errors=True)


def main(argv: list[str]) -> int:
    """Run the SQLite pass, then the PostgreSQL pass; non-zero if either fails."""
    sqlite_only = "--sqlite-only" in argv
    postgres_only = "--postgres-only" in argv
    args = [a for a in argv if a not in ("--sqlite-only", "--postgres-only")]
    if not any(
        a == "-n" or a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args
    ):
        args = ["-n", os.environ.get("SDMX_SERVER_TEST_WORKERS", "auto"), *args]
    if not any(a.startswith("--dist") for a in args):
        # Each worker starts with half of the tests (the slow ones first, see tests/conftest.py);
        # one that runs out takes tests from the end of the other's queue: no idle tail.
        args = ["--dist", "worksteal", *args]
    explicit = os.environ.get("SDMX_SERVER_TEST_POSTGRES_URL")
    whole_run = not sqlite_only and not postgres_only
    private = PrivateCluster() if whole_run and not explicit and _pg_bin() is not None else None
    status = 0
    try:
        if not postgres_only:
            status |= pytest(args, {"SDMX_SERVER_TEST_DB": "sqlite"})
        if sqlite_only:
            return status
        url = private.wait() if private is not None else None
        if url is None:  # another server was named, a targeted run, or the cluster failed
            url = explicit or DEFAULT_PG
            if not _reachable(url):
                if private is None:
                    private = PrivateCluster()
                    url = private.wait()
                if url is None:
                    print(
                        "[run_tests] FAIL: PostgreSQL is required and none could be reached or started",
                        flush=True,
                    )
                    return 1
        env = {"SDMX_SERVER_TEST_DB": "postgres", "SDMX_SERVER_TEST_POSTGRES_URL": url}
        if private is not None and private.url == url:
            # the private cluster is deleted afterwards: no need to drop its databases
            env["SDMX_SERVER_TEST_PG_THROWAWAY"] = "1"
        status |= pytest(args, env)
    finally:
        if private is not None:
            private.stop()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
