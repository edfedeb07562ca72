"""Concurrent producers and readers, and a server killed in the middle of a submission.

The server runs as its own process (``sdmx-server serve``; two uvicorn
workers on PostgreSQL, one on SQLite, which serialises writers anyway) over a
writable copy of the EXR store.

* Two producers push 20 submissions each while readers query in a loop. Every
  submission sets all the cells of one *group* (3 series x 100 months) to its
  generation number, deleting a fifth of them every third time; a reader can
  therefore tell a half-applied submission (two generations in one group, or
  cells present that the generation deleted). The final state must equal the
  one computed here, every report's counts must be exact, no cell may have two
  current versions, and no reader may go back in time.
* A large submission is killed with SIGKILL while the server processes it:
  after a restart nothing of it is left, and the same data are written again
  with exact counts. A job killed mid-run is taken up again after its lease
  runs out and completes exactly once.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from tests import fixtures
from tests.conftest import TEST_DB, free_port
from tests.push.conftest import (
    EXR,
    SERIES_ATTRS,
    PushEnv,
    exr_observations,
    exr_series_attrs,
    snapshot,
)
from tests.push.test_history import CSV10, CSV20, GENERIC, JSON10, SS, plain_cells
from tests.sdmx_validation import httpx_hooks

SERVER = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "sdmx-server"
WORKERS = 2 if TEST_DB == "postgres" else 1


class ServerProcess:
    """``sdmx-server serve`` as a child process (its own process group) on a free port."""

    def __init__(self, database_url: str, log: Path, workers: int = 1, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = log
        self.env = {
            **os.environ,
            "SDMX_SERVER_DATABASE_URL": database_url,
            "SDMX_SERVER_HOST": "127.0.0.1",
            "SDMX_SERVER_PORT": str(self.port),
            "SDMX_SERVER_PUBLIC_URL": self.url,
            "SDMX_SERVER_LOAD_SHIPPED_STRUCTURES": "false",
            "SDMX_SERVER_LOAD_SAMPLE_DATA": "false",
            "SDMX_SERVER_LOG_LEVEL": "WARNING",
            "SDMX_SERVER_DB_POOL_SIZE": "6",
            **{f"SDMX_SERVER_{k.upper()}": v for k, v in settings.items()},
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Start and wait until ``/ready`` answers 200."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(SERVER), "serve", "--workers", str(self.workers)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server exited: {self.log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not get ready: {self.log.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (the master and its workers)."""
        assert self.proc is not None
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # process group id
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop politely (SIGTERM), then for good."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start server processes over a database (stopped after the test)."""
    started: list[ServerProcess] = []

    def start(env: PushEnv, workers: int = 1, **settings: str) -> ServerProcess:
        server = ServerProcess(
            env.services.settings.database_url, tmp_path / "server.log", workers, **settings
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def bearer(env: PushEnv, who: str) -> dict[str, str]:
    """The Authorization header of a named token."""
    return {"Authorization": f"Bearer {env.tokens[who]}"}


# ------------------------------------------------------------------ producers and readers


MONTHS = [f"{2000 + n // 12}-{n % 12 + 1:02d}" for n in range(100)]
GROUPS = {
    "ECB": [("GBP", "CHF", "SEK"), ("NOK", "DKK", "PLN")],
    "BIS": [("CZK", "HUF", "RON"), ("CAD", "AUD", "TRY")],
}
SUBMISSIONS = 20
READ_FORMATS = [CSV10, CSV20, JSON10, GENERIC, SS]
ALL_CURRENCIES = [c for groups in GROUPS.values() for g in groups for c in g]
READ_KEY = f"M.{'+'.join(ALL_CURRENCIES)}.EUR.SP00.A"


def group_of(currency: str) -> tuple[str, ...]:
    """The group a currency's series belongs to."""
    return next(g for groups in GROUPS.values() for g in groups if currency in g)


def kept(gen: int) -> set[str]:
    """The months a generation keeps: every third generation deletes a fifth of them."""
    return {m for i, m in enumerate(MONTHS) if gen % 3 != 0 or (i + gen) % 5 != 0}


def submission(group: tuple[str, ...], gen: int) -> tuple[str, str]:
    """(content type, body) setting ``group`` to generation ``gen``."""
    keep = kept(gen)
    if len(keep) == len(MONTHS):
        # With the series' mandatory attributes: a group's first submission (generation 1 or 2) creates it.
        rows = [
            f"DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
            f"{SERIES_ATTRS}"
        ]
        rows += [
            f"{EXR},M,{c},EUR,SP00,A,{m},{gen},A,{exr_series_attrs('M', c)}"
            for c in group
            for m in MONTHS
        ]
        return CSV10, "\n".join(rows) + "\n"
    # Later generations change existing series: their stored attributes stand.
    rows = [
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS"
    ]
    rows += [
        f"dataflow,{EXR},R,M,{c},EUR,SP00,A,{m},{gen},A"
        if m in keep
        else f"dataflow,{EXR},D,M,{c},EUR,SP00,A,{m},,"
        for c in group
        for m in MONTHS
    ]
    return CSV20, "\n".join(rows) + "\n"


@dataclass
class Shared:
    """What producers have had confirmed, and what readers found wrong."""

    done: dict[tuple[str, ...], int] = field(
        default_factory=dict
    )  # group -> last confirmed generation
    state: dict[tuple[str, str], float] = field(
        default_factory=dict
    )  # expected (series key, month) -> value
    problems: list[str] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def series_key(currency: str) -> str:
    return f"M.{currency}.EUR.SP00.A"


def produce(
    server: ServerProcess, env: PushEnv, producer: str, shared: Shared, pause: float
) -> None:
    """Push SUBMISSIONS generations, alternating between the producer's groups; check every report."""
    with httpx.Client(base_url=server.url, headers=bearer(env, producer), timeout=120) as client:
        for gen in range(1, SUBMISSIONS + 1):
            group = GROUPS[producer][gen % 2]
            ctype, body = submission(group, gen)
            r = client.post(
                f"/rest/v2/data/provisionagreement/ECB/EXR_{producer}/1.0",
                content=body,
                headers={"Content-Type": ctype},
            )
            if r.status_code != 200:
                shared.problems.append(f"{producer} gen {gen}: {r.status_code} {r.text[:300]}")
                return
            report = r.json()
            with shared.lock:
                before = {
                    k: v for k, v in shared.state.items() if k[0] in {series_key(c) for c in group}
                }
                after = {(series_key(c), m): float(gen) for c in group for m in kept(gen)}
                expected = (
                    len(after.keys() - before.keys()),
                    len(after.keys() & before.keys()),
                    len(before.keys() - after.keys()),
                )
                got = (report["inserted"], report["updated"], report["deleted"])
                if got != expected or report["unchanged"] != 0:
                    shared.problems.append(
                        f"{producer} gen {gen}: counts {got}, expected {expected}: {report}"
                    )
                for k in before:
                    del shared.state[k]
                shared.state.update(after)
                shared.done[group] = gen
            time.sleep(pause)


def check_answer(
    cells: Mapping[tuple[str, str], float | None],
    floor: dict[tuple[str, ...], int],
    seen: dict[tuple[str, ...], int],
) -> list[str]:
    """What is wrong with one reader's answer: a group with two generations, cells a generation does not
    have, a confirmed generation missing, or a generation older than one confirmed or seen before.
    ``seen`` is updated with the generations found."""
    problems = []
    by_group: dict[tuple[str, ...], dict[tuple[str, str], float | None]] = {}
    for (skey, month), value in cells.items():
        by_group.setdefault(group_of(skey.split(".")[1]), {})[(skey, month)] = value
    for group in [g for groups in GROUPS.values() for g in groups]:
        found = by_group.get(group, {})
        if not found:
            if group in floor:
                problems.append(f"{group} missing although generation {floor[group]} was confirmed")
            continue
        gens = set(found.values())
        if len(gens) != 1:
            problems.append(f"{group} shows generations {sorted(gens, key=str)}")
            continue
        gen = int(gens.pop() or 0)
        if set(found) != {(series_key(c), m) for c in group for m in kept(gen)}:
            problems.append(
                f"{group} generation {gen} has {len(found)} cells, not those of its generation"
            )
        if gen < floor.get(group, 0) or gen < seen.get(group, 0):
            problems.append(f"{group} went back to generation {gen}")
        seen[group] = gen
    return problems


def read(server: ServerProcess, name: str, shared: Shared) -> None:
    """Query all groups in a loop (formats in turn); record anything inconsistent."""
    seen: dict[tuple[str, ...], int] = {}
    formats = itertools.cycle(READ_FORMATS)
    with httpx.Client(base_url=server.url, timeout=120, event_hooks=httpx_hooks) as client:
        while not shared.stop.is_set():
            accept = next(formats)
            with shared.lock:
                floor = dict(shared.done)
            r = client.get(f"/rest/data/ECB,EXR,1.0/{READ_KEY}", headers={"Accept": accept})
            if r.status_code == 404 and not floor:
                continue
            if r.status_code != 200:
                shared.problems.append(f"{name}: {r.status_code} {r.text[:300]}")
                return
            shared.reads[name] = shared.reads.get(name, 0) + 1
            shared.problems += [
                f"{name} ({accept}): {p}" for p in check_answer(plain_cells(r), floor, seen)
            ]


def test_the_readers_check_detects_half_applied_submissions() -> None:
    group = GROUPS["ECB"][0]
    whole = {(series_key(c), m): 3.0 for c in group for m in kept(3)}
    assert check_answer(whole, {group: 3}, {}) == []
    half = {
        **whole,
        **{(series_key(group[0]), m): 4.0 for m in MONTHS},
    }  # one series of generation 4 applied
    assert "generations" in check_answer(half, {}, {})[0]
    undeleted = {
        (series_key(c), m): 3.0 for c in group for m in MONTHS
    }  # generation 3's deletions missing
    assert "not those of its generation" in check_answer(undeleted, {}, {})[0]
    assert "went back" in check_answer(whole, {group: 5}, {})[0]
    assert "went back" in check_answer(whole, {}, {group: 4})[0]
    assert "missing" in check_answer({}, {group: 1}, {})[0]


def test_producers_and_readers_at_the_same_time(
    make_exr_env: Callable[..., PushEnv], start_server: Callable[..., ServerProcess]
) -> None:
    env = make_exr_env()
    server = start_server(env, workers=WORKERS)
    batches_before = _count(env, "SELECT COUNT(*) FROM data_batch")
    shared = Shared()
    producers = [
        threading.Thread(target=produce, args=(server, env, p, shared, 0.4)) for p in GROUPS
    ]
    readers = [threading.Thread(target=read, args=(server, f"reader{n}", shared)) for n in range(3)]
    started = time.monotonic()
    for t in readers + producers:
        t.start()
    for t in producers:
        t.join(timeout=300)
    time.sleep(0.5)  # readers see the final state a few times too
    shared.stop.set()
    for t in readers:
        t.join(timeout=120)
    elapsed = time.monotonic() - started
    print(
        f"{elapsed:.1f} s, {WORKERS} worker(s), reads {shared.reads}, problems {len(shared.problems)}"
    )
    assert not shared.problems, "\n".join(shared.problems[:30])
    assert elapsed >= 8, f"the run lasted only {elapsed:.1f} s"
    assert all(shared.reads.get(f"reader{n}", 0) >= 10 for n in range(3)), shared.reads
    # Nothing lost, nothing duplicated: the database and the API hold exactly the expected state.
    assert len(shared.done) == 4 and set(shared.done.values()) == {SUBMISSIONS - 1, SUBMISSIONS}
    where = " OR ".join(f"s.series_key = '{series_key(c)}'" for c in ALL_CURRENCIES)
    stored = {
        k: float(v or "nan") for k, (v, _a) in exr_observations(env.services, f"({where})").items()
    }
    assert stored == shared.state
    with httpx.Client(base_url=server.url, timeout=60, event_hooks=httpx_hooks) as client:
        assert (
            plain_cells(client.get(f"/rest/data/ECB,EXR,1.0/{READ_KEY}", headers={"Accept": CSV20}))
            == shared.state
        )
    assert _count(env, "SELECT COUNT(*) FROM data_batch") - batches_before == 2 * SUBMISSIONS
    assert (
        _count(
            env,
            "SELECT COUNT(*) FROM (SELECT series_pk, period_start FROM data_observation WHERE valid_to IS NULL"
            " GROUP BY series_pk, period_start HAVING COUNT(*) > 1) d",
        )
        == 0
    )


def _count(env: PushEnv, sql: str) -> int:
    with env.services.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


# ------------------------------------------------------------------ SIGKILL


def currencies(n: int) -> list[str]:
    """``n`` currency codes that EXR's Allowed constraint accepts (not USD and JPY, which hold data)."""
    root = etree.parse(str(fixtures.ECB_FULL))
    constraint = next(
        c for c in root.iter("{*}ContentConstraint") if c.get("id") == "EXR_CONSTRAINTS"
    )
    allowed = next(kv for kv in constraint.iter("{*}KeyValue") if kv.get("id") == "CURRENCY")
    codes = sorted(v.text or "" for v in allowed.findall("{*}Value"))
    return [c for c in codes if len(c) == 3 and c.isalpha() and c not in ("USD", "JPY")][:n]


def large_csv(n_series: int = 30, n_days: int = 10_000) -> tuple[bytes, int]:
    """An SDMX-CSV 1.0 message of daily observations (30 x 10,000 = 300,000 by default)."""
    from datetime import date, timedelta

    days = [(date(1990, 1, 1) + timedelta(days=d)).isoformat() for d in range(n_days)]
    rng = random.Random(5)
    lines = [
        f"DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,{SERIES_ATTRS}"
    ]
    for cur in currencies(n_series):
        attrs = exr_series_attrs("D", cur)  # new series: their mandatory attributes, on every row
        lines += [f"{EXR},D,{cur},EUR,SP00,A,{d},{rng.uniform(0.5, 2):.4f},A,{attrs}" for d in days]
    return ("\n".join(lines) + "\n").encode(), n_series * n_days


def data_state(env: PushEnv) -> dict[str, object]:
    """The data tables and the submissions, for before/after comparisons."""
    state: dict[str, object] = dict(snapshot(env.services))
    with env.services.engine.connect() as conn:
        state["submission"] = [
            tuple(r) for r in conn.execute(text("SELECT id, status FROM submission ORDER BY id"))
        ]
    return state


def writing_data(env: PushEnv) -> bool:
    """PostgreSQL: a server connection is inside a data-writing transaction (staging or applying)."""
    return (
        _count(
            env,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            " AND (query ILIKE '%stage_obs%' OR query ILIKE '%data_observation%')",
        )
        > 0
    )


def kill_while_busy(server: ServerProcess, env: PushEnv, done: threading.Event) -> float:
    """SIGKILL the server while it processes a submission: on PostgreSQL once its write transaction is
    seen staging or applying rows, on SQLite once it has used a second of CPU; the seconds waited."""
    start_cpu, started = server.cpu_seconds(), time.monotonic()
    while not (
        writing_data(env) if TEST_DB == "postgres" else server.cpu_seconds() - start_cpu >= 1.0
    ):
        assert not done.is_set(), "the submission finished before the kill: make it larger"
        assert time.monotonic() - started < 120, "the server never got busy"
        time.sleep(0.02)
    time.sleep(0.2)
    assert not done.is_set(), "the submission finished before the kill: make it larger"
    server.kill()
    return time.monotonic() - started


def test_sigkill_during_a_large_submission_leaves_no_trace(
    make_exr_env: Callable[..., PushEnv], start_server: Callable[..., ServerProcess]
) -> None:
    env = make_exr_env()
    body, n_obs = large_csv()
    server = start_server(env)
    before = data_state(env)
    uploaded, answered = threading.Event(), threading.Event()
    outcome: list[object] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]
        uploaded.set()

    def post() -> None:
        try:
            outcome.append(
                httpx.post(
                    f"{server.url}/rest/v2/data/dataflow/ECB/EXR/1.0",
                    content=chunks(),
                    headers={**bearer(env, "ECB"), "Content-Type": CSV10},
                    timeout=600,
                )
            )
        except httpx.TransportError as exc:
            outcome.append(exc)
        answered.set()

    client = threading.Thread(target=post)
    client.start()
    assert uploaded.wait(120), "the body was not sent"
    busy = kill_while_busy(server, env, answered)
    client.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError), (
        outcome
    )  # no answer came

    server = start_server(env)
    # No trace: not a batch, series, observation, attribute value or submission row more than before.
    assert data_state(env) == before
    started = time.monotonic()
    r = httpx.post(
        f"{server.url}/rest/v2/data/dataflow/ECB/EXR/1.0",
        content=body,
        headers={**bearer(env, "ECB"), "Content-Type": CSV10},
        timeout=600,
    )
    took = time.monotonic() - started
    assert r.status_code == 200, r.text[:500]
    report = r.json()
    assert (
        report["status"],
        report["rows"],
        report["inserted"],
        report["updated"],
        report["deleted"],
    ) == ("written", n_obs, n_obs, 0, 0)
    print(f"killed {busy:.1f} s into processing; the whole submission then took {took:.1f} s")
    assert busy < took, f"killed after {busy:.1f} s, but a whole submission takes {took:.1f} s"
    assert (
        _count(
            env,
            "SELECT COUNT(*) FROM data_observation o JOIN data_series s ON s.pk = o.series_pk"
            " WHERE s.series_key LIKE 'D.%' AND s.series_key <> 'D.USD.EUR.SP00.A'",
        )
        == n_obs
    )
    # And one version of the series attributes per new series (written once, with the observations).
    assert (
        _count(
            env,
            "SELECT COUNT(*) FROM data_attribute_value a JOIN data_series s ON s.pk = a.series_pk"
            " WHERE s.series_key LIKE 'D.%' AND s.series_key <> 'D.USD.EUR.SP00.A'",
        )
        == 30
    )


def test_a_job_killed_mid_run_is_taken_up_again_and_completes_once(
    make_exr_env: Callable[..., PushEnv], start_server: Callable[..., ServerProcess]
) -> None:
    env = make_exr_env()
    body, n_obs = large_csv()
    lease = {"job_lease_seconds": "3"}
    server = start_server(env, **lease)
    r = httpx.post(
        f"{server.url}/rest/v2/data/dataflow/ECB/EXR/1.0",
        content=body,
        headers={**bearer(env, "ECB"), "Content-Type": CSV10, "Prefer": "respond-async"},
        timeout=600,
    )
    assert r.status_code == 202, r.text
    job = r.json()["submission"]
    status_url = f"/rest/v2/submissions/{job}"
    deadline = time.monotonic() + 60
    while (
        httpx.get(server.url + status_url, headers=bearer(env, "admin")).json()["status"]
        != "running"
    ):
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    kill_while_busy(server, env, threading.Event())
    with env.services.engine.connect() as conn:
        status, attempts = conn.execute(
            text("SELECT status, attempts FROM submission WHERE id = :j"), {"j": job}
        ).one()
    assert (status, attempts) == ("running", 1)
    assert _count(env, f"SELECT COUNT(*) FROM data_batch WHERE source = 'submission {job}'") == 0

    server = start_server(env, **lease)
    deadline = time.monotonic() + 600
    while True:
        status = httpx.get(server.url + status_url, headers=bearer(env, "admin")).json()
        if status["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert (status["status"], status["attempts"], status["inserted"], status["updated"]) == (
        "written",
        2,
        n_obs,
        0,
    )
    assert _count(env, f"SELECT COUNT(*) FROM data_batch WHERE source = 'submission {job}'") == 1
    assert (
        _count(
            env,
            "SELECT COUNT(*) FROM data_observation o JOIN data_series s ON s.pk = o.series_pk"
            " WHERE s.series_key LIKE 'D.%' AND s.series_key <> 'D.USD.EUR.SP00.A'",
        )
        == n_obs
    )
