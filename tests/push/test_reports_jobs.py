"""Reports (stored, paged), dry runs, and asynchronous submissions as jobs with leases."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sdmx_server.services.jobs import JobRunner
from tests.clock import FakeClock
from tests.push.conftest import PushEnv, count_rows, exr_csv, exr_observations, wait_for_submission

ASYNC = {"Prefer": "respond-async"}
VOLATILE = ("submission", "statusUrl", "releaseDate", "nextErrors")


def bad_rows(n: int) -> str:
    """``n`` rows, each with a value that is not a number (one error each)."""
    return exr_csv(
        [f"M,USD,EUR,SP00,A,{2100 + i // 12}-{i % 12 + 1:02d},bad{i},A" for i in range(n)]
    )


def mixed_update() -> str:
    """Updates 2 USD months, leaves 1 unchanged, deletes nothing, inserts 3 CHF months."""
    return exr_csv(
        [
            "M,USD,EUR,SP00,A,2019-11,9.5,A",
            "M,USD,EUR,SP00,A,2019-12,9.6,A",
            "M,USD,EUR,SP00,A,2019-10,1.105256521739131,A",
            "M,CHF,EUR,SP00,A,2031-01,1.1,A",
            "M,CHF,EUR,SP00,A,2031-02,1.2,A",
            "M,CHF,EUR,SP00,A,2031-03,1.3,E",
        ]
    )


def stable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in VOLATILE}


def test_large_report_is_stored_and_paged(exr_env: PushEnv) -> None:
    n = 2500
    r = exr_env.push(bad_rows(n))
    assert r.status_code == 422
    report = r.json()
    sub = report["submission"]
    assert report["errorCount"] == n and len(report["errors"]) == 1000
    assert report["statusUrl"] == f"{exr_env.url}/rest/v2/submissions/{sub}"
    assert (
        report["nextErrors"]
        == f"{exr_env.url}/rest/v2/submissions/{sub}/errors?offset=1000&limit=1000"
    )
    want = [
        {
            "location": f"line {i + 2}",
            "component": "OBS_VALUE",
            "value": f"bad{i}",
            "reason": "not a number",
        }
        for i in range(n)
    ]
    assert report["errors"] == want[:1000]
    with exr_env.client("ECB") as client:
        # Follow the links the server writes, 700 at a time.
        pages, url = [], f"/rest/v2/submissions/{sub}/errors?offset=0&limit=700"
        while url:
            page = client.get(url)
            assert page.status_code == 200
            body = page.json()
            assert body["errorCount"] == n and body["submission"] == sub
            pages.append(body["errors"])
            url = body.get("next", "")
        assert [len(p) for p in pages] == [700, 700, 700, 400]
        assert [e for p in pages for e in p] == want
        # The first page of the report is the start of the stored list; the report's link continues it.
        rest = client.get(report["nextErrors"]).json()
        assert rest["errors"] == want[1000:2000] and rest["offset"] == 1000
        assert (
            client.get(f"/rest/v2/submissions/{sub}/errors", params={"offset": 5000}).json()[
                "errors"
            ]
            == []
        )
        capped = client.get(f"/rest/v2/submissions/{sub}/errors", params={"limit": 50000}).json()
        assert len(capped["errors"]) == n  # at most 10,000 a page
        assert (
            client.get(f"/rest/v2/submissions/{sub}/errors", params={"offset": "x"}).status_code
            == 400
        )
        assert (
            client.get(f"/rest/v2/submissions/{sub}/errors", params={"page": "1"}).status_code
            == 400
        )
        status = client.get(f"/rest/v2/submissions/{sub}").json()
    # The status holds what the README promises: the first 1,000 errors, and a link to the rest.
    assert (
        status["status"] == "invalid"
        and status["errorCount"] == n
        and status["errors"] == want[:1000]
    )
    assert status["nextErrors"] == report["nextErrors"]
    assert status["errorsUrl"].startswith(exr_env.url)
    assert count_rows(exr_env.services, "submission_error") == n


def test_dry_run_reports_exact_counts_and_writes_nothing(exr_env: PushEnv) -> None:
    before = exr_env.snapshot()
    dry = exr_env.push(mixed_update(), params={"dryRun": "true"})
    assert dry.status_code == 200
    assert (dry.json()["status"], dry.json()["dryRun"]) == ("valid", True)
    assert exr_env.snapshot() == before
    bad = exr_env.push(bad_rows(3), params={"dryRun": "true"})
    assert bad.status_code == 422 and bad.json()["errorCount"] == 3 and bad.json()["dryRun"] is True
    assert exr_env.push(mixed_update(), params={"dryRun": "maybe"}).status_code == 400
    assert exr_env.snapshot() == before
    real = exr_env.push(mixed_update())
    assert real.json()["status"] == "written"
    counts = ("rows", "inserted", "updated", "deleted", "unchanged", "errorCount")
    assert [dry.json()[k] for k in counts] == [real.json()[k] for k in counts] == [6, 3, 2, 0, 1, 0]
    # A dry run of a deletion counts exactly too.
    before = exr_env.snapshot()
    delete = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD\n"
        "dataflow,ECB:EXR(1.0),D,M,CHF,EUR,SP00,A,\n"
    )
    r = exr_env.push(
        delete,
        content_type="application/vnd.sdmx.data+csv;version=2.0.0",
        params={"dryRun": "true"},
    )
    assert r.status_code == 200 and r.json()["deleted"] == 3, r.text
    assert exr_env.snapshot() == before


def test_async_job_report_equals_the_synchronous_one(make_exr_env) -> None:
    sync_env, async_env = make_exr_env(), make_exr_env()
    for body in (mixed_update(), bad_rows(1200)):
        sync = sync_env.push(body)
        r = async_env.push(body, headers=ASYNC)
        assert r.status_code == 202, r.text
        assert r.headers["preference-applied"] == "respond-async"
        location = r.headers["location"]
        assert (
            location
            == r.json()["statusUrl"]
            == f"{async_env.url}/rest/v2/submissions/{r.json()['submission']}"
        )
        with async_env.client("ECB") as client:
            status = wait_for_submission(client, location)
            job_errors = client.get(status["errorsUrl"].replace("limit=1000", "limit=5000")).json()[
                "errors"
            ]
        with sync_env.client("ECB") as client:
            sync_errors = client.get(
                f"/rest/v2/submissions/{sync.json()['submission']}/errors", params={"limit": 5000}
            ).json()["errors"]
        assert status["attempts"] == 1 and status["finishedAt"]
        report = {k: status[k] for k in sync.json() if k != "errors"}
        assert stable(report) == stable({k: v for k, v in sync.json().items() if k != "errors"})
        assert job_errors == sync_errors
        # The audit trail has the request (queued) and the job's end (its outcome).
        with async_env.client("admin") as client:
            events = client.get("/admin/audit", params={"limit": 1000}).json()["events"]
        mine = [e for e in events if e["details"].get("submission") == status["submission"]]
        assert [(e["action"], e["outcome"], e["status"]) for e in mine] == [
            ("data.job", status["status"], 200 if status["status"] == "written" else 422),
            ("data.submit", "queued", 202),
        ]
        assert all(e["principal"].startswith("provider ECB (token ") for e in mine)
    assert exr_observations(sync_env.services) == exr_observations(async_env.services)


def _queue(env: PushEnv, body: str) -> str:
    r = env.push(body, headers=ASYNC)
    assert r.status_code == 202, r.text
    return str(r.json()["submission"])


def _status(env: PushEnv, sub: str) -> dict[str, Any]:
    with env.client("admin") as client:
        r = client.get(f"/rest/v2/submissions/{sub}")
    assert r.status_code == 200
    return dict(r.json())


def test_a_dead_workers_job_is_taken_up_and_done_once(make_exr_env) -> None:
    # No runner in the server: we play the workers; leases run out when we move the clock.
    env: PushEnv = make_exr_env(run_jobs=False, clock=FakeClock())
    sub = _queue(env, mixed_update())
    assert _status(env, sub)["status"] == "queued"
    submissions = env.services.submissions
    assert submissions.claim("dead", timedelta(seconds=3)) == sub  # a worker takes it, then dies
    assert _status(env, sub)["status"] == "running"
    runners = [JobRunner(submissions, lease_seconds=30) for _ in range(3)]
    assert not runners[0].run_once(), "the lease has not run out yet"
    env.clock.advance(3.2)
    before = exr_env_batches(env)
    # Three workers race for the expired job: exactly one gets it.
    results: list[bool] = []
    threads = [threading.Thread(target=lambda r=r: results.append(r.run_once())) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False, False, True]
    status = _status(env, sub)
    assert (status["status"], status["attempts"], status["inserted"], status["updated"]) == (
        "written",
        2,
        3,
        2,
    )
    assert exr_env_batches(env) == before + 1
    assert count_rows(env.services, "submission_chunk") == 0
    # The dead worker wakes up: its job is no longer its own, and nothing is done twice.
    submissions.run_job(sub, owner="dead")
    assert not any(r.run_once() for r in runners)
    assert exr_env_batches(env) == before + 1
    assert _status(env, sub)["inserted"] == 3
    assert [e["outcome"] for e in env.services.audit.events(action="data.job")] == ["written"]


def test_a_worker_that_stalls_past_its_lease_writes_nothing(make_exr_env, monkeypatch) -> None:
    """The lease is checked again in the data's own transaction: a worker that stalled mid-job (after
    its start-of-job check) and lost its lease to another worker rolls back instead of writing twice."""
    env: PushEnv = make_exr_env(run_jobs=False, clock=FakeClock())
    sub = _queue(env, mixed_update())
    submissions = env.services.submissions
    real_submit = submissions.data_write.submit
    calls: list[str] = []

    def stalling_submit(*args: Any, **kwargs: Any) -> Any:
        if (
            not calls
        ):  # the slow worker: stalls past its lease; a healthy worker takes the job over meanwhile
            calls.append("slow")
            env.clock.advance(0.8)
            assert JobRunner(submissions, lease_seconds=30).run_once()
        else:
            calls.append("healthy")
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(submissions.data_write, "submit", stalling_submit)
    before = exr_env_batches(env)
    assert submissions.claim("slow", timedelta(milliseconds=500)) == sub
    submissions.run_job(sub, owner="slow")
    assert calls == ["slow", "healthy"]
    status = _status(env, sub)
    assert (status["status"], status["attempts"], status["inserted"], status["updated"]) == (
        "written",
        2,
        3,
        2,
    )
    assert exr_env_batches(env) == before + 1  # the slow worker's write was rolled back
    assert [e["outcome"] for e in env.services.audit.events(action="data.job")] == ["written"]


def exr_env_batches(env: PushEnv) -> int:
    return count_rows(env.services, "data_batch")


def test_a_job_interrupted_again_and_again_fails_cleanly(make_exr_env) -> None:
    env: PushEnv = make_exr_env(run_jobs=False, clock=FakeClock())
    before = env.snapshot()
    sub = _queue(env, mixed_update())
    submissions = env.services.submissions
    for n in range(3):
        assert submissions.claim(f"dead-{n}", timedelta(milliseconds=100)) == sub
        env.clock.advance(0.2)
    assert (
        submissions.claim("alive", timedelta(seconds=30)) is None
    )  # given up, not run a fourth time
    status = _status(env, sub)
    assert (
        status["status"] == "failed"
        and status["attempts"] == 3
        and "3 interrupted attempts" in status["reason"]
    )
    assert status["finishedAt"]
    assert env.snapshot() == before
    assert count_rows(env.services, "submission_chunk") == 0
    assert not JobRunner(submissions).run_once()
    (event,) = env.services.audit.events(action="data.job")
    assert (event["outcome"], event["status"], event["details"]["submission"]) == (
        "failed",
        500,
        sub,
    )


def test_a_broken_job_ends_with_a_status_at_once(make_exr_env) -> None:
    """A job whose stored state is broken fails at its first attempt, with a reason, and writes nothing;
    a job whose dataflow has gone ends invalid, with the reason in its report."""
    from sqlalchemy import update

    from sdmx_server.storage.tables import Submission

    env: PushEnv = make_exr_env(run_jobs=False)
    before = env.snapshot()
    broken, gone = _queue(env, mixed_update()), _queue(env, mixed_update())
    with env.services.session_factory.begin() as session:
        session.execute(update(Submission).where(Submission.id == broken).values(options={}))
        session.execute(
            update(Submission)
            .where(Submission.id == gone)
            .values(
                options={
                    "_target": [
                        {"type": "dataflow", "agency": "ECB", "id": "GONE", "version": "1.0"},
                        None,
                    ]
                }
            )
        )
    runner = JobRunner(env.services.submissions)
    assert runner.run_once() and runner.run_once() and not runner.run_once()
    status = _status(env, broken)
    assert (status["status"], status["attempts"]) == ("failed", 1) and "internal error" in status[
        "reason"
    ]
    status = _status(env, gone)
    assert (status["status"], status["attempts"], status["errorCount"]) == ("invalid", 1, 1), status
    with env.client("admin") as client:
        (error,) = client.get(f"/rest/v2/submissions/{gone}/errors").json()["errors"]
    assert "GONE" in error["reason"]
    assert env.snapshot() == before
    outcomes = {
        e["details"]["submission"]: e["outcome"]
        for e in env.services.audit.events(action="data.job")
    }
    assert outcomes == {broken: "failed", gone: "invalid"}
    assert count_rows(env.services, "submission_chunk") == 0


def test_job_runner_in_the_server_runs_queued_jobs(exr_env: PushEnv) -> None:
    subs = [_queue(exr_env, exr_csv([f"M,CHF,EUR,SP00,A,2031-{m:02d},{m},A"])) for m in range(1, 6)]
    with exr_env.client("ECB") as client:
        done = [wait_for_submission(client, f"/rest/v2/submissions/{s}") for s in subs]
    assert [d["status"] for d in done] == ["written"] * 5 and all(d["inserted"] == 1 for d in done)
    assert len([k for k in exr_observations(exr_env.services) if k[0] == "M.CHF.EUR.SP00.A"]) == 5


def test_links_use_the_public_url_when_it_is_set(make_exr_env) -> None:
    env: PushEnv = make_exr_env(public_url="https://lmis.example.org/sdmx/")
    r = env.push(bad_rows(1001))
    assert r.json()["statusUrl"].startswith("https://lmis.example.org/sdmx/rest/v2/submissions/")
    assert r.json()["nextErrors"].startswith("https://lmis.example.org/sdmx/rest/v2/submissions/")
    r = env.push(mixed_update(), headers=ASYNC)
    assert r.headers["location"].startswith("https://lmis.example.org/sdmx/rest/v2/submissions/")
    with env.client("ECB") as client:
        status = wait_for_submission(client, f"/rest/v2/submissions/{r.json()['submission']}")
    assert status["statusUrl"].startswith("https://lmis.example.org/sdmx/")
    assert status["errorsUrl"].startswith("https://lmis.example.org/sdmx/")
