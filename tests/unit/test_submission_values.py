"""The typed push options and submission reports (domain/submission.py): their stored and wire
forms, key for key and in order, as the push API and the portal have always written them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from sdmx_server.domain.submission import (
    ErrorPage,
    PushOptions,
    QueuedSubmission,
    ReportedError,
    SubmissionReport,
    SubmissionState,
    SubmissionStatus,
)

BASE = "https://sdmx.example.org/api"


def _report(errors: int, carried: int, release: datetime | None = None) -> SubmissionReport:
    return SubmissionReport(
        submission="s-1",
        status=SubmissionStatus.INVALID if errors else SubmissionStatus.WRITTEN,
        dataflow="ECB:EXR(1.0)",
        provision_agreement=None,
        format="sdmx-csv-1.0",
        dry_run=False,
        rows=7,
        release_at=release,
        inserted=3,
        updated=2,
        deleted=1,
        unchanged=1,
        error_count=errors,
        errors=tuple(ReportedError(f"line {i + 2}", "FREQ", "X", "bad") for i in range(carried)),
        base_url=BASE,
    )


def test_statuses_are_the_stored_words_and_answer_their_http_status() -> None:
    assert [s.value for s in SubmissionStatus] == [
        "queued",
        "running",
        "written",
        "valid",
        "invalid",
        "failed",
    ]
    assert SubmissionStatus("written") is SubmissionStatus.WRITTEN
    assert json.dumps({"status": SubmissionStatus.VALID}) == '{"status": "valid"}'
    codes = {s.value: s.http_status for s in SubmissionStatus}
    assert codes == {
        "queued": 202,
        "running": 202,
        "written": 200,
        "valid": 200,
        "invalid": 422,
        "failed": 500,
    }
    assert [s.value for s in SubmissionStatus if s.succeeded] == ["written", "valid"]


def test_push_options_round_trip_through_their_stored_form() -> None:
    assert PushOptions().to_stored() == {"dryRun": False}
    release = datetime(2027, 1, 15, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    stored = PushOptions(dry_run=True, release_at=release, respond_async=True).to_stored()
    assert list(stored.items()) == [("dryRun", True), ("releaseDate", "2027-01-15T10:00:00+01:00")]
    # a job's row holds its own keys beside the options: they are not options
    back = PushOptions.from_stored({**stored, "_principal": "p", "_base_url": BASE})
    assert back == PushOptions(dry_run=True, release_at=release)
    assert PushOptions.from_stored({}) == PushOptions()


def test_a_report_is_written_in_the_order_clients_have_always_read() -> None:
    release = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    report = _report(errors=0, carried=0, release=release)
    body = report.to_json()
    assert list(body) == [
        "submission",
        "status",
        "dataflow",
        "provisionAgreement",
        "format",
        "dryRun",
        "rows",
        "releaseDate",
        "inserted",
        "updated",
        "deleted",
        "unchanged",
        "errorCount",
        "errors",
        "statusUrl",
    ]
    assert body["status"] == "written" and type(body["status"]) is str
    assert body["releaseDate"] == "2027-01-15T09:00:00+00:00"
    assert body["statusUrl"] == f"{BASE}/rest/v2/submissions/s-1"
    summary = report.summary()
    assert "errors" not in summary and list(summary) == [k for k in body if k != "errors"]
    assert report.audit_details() == {
        "submission": "s-1",
        "rows": 7,
        "inserted": 3,
        "updated": 2,
        "deleted": 1,
        "errorCount": 0,
        "dryRun": False,
        "releaseDate": "2027-01-15T09:00:00+00:00",
    }


def test_a_report_carrying_part_of_its_errors_links_the_rest() -> None:
    body = _report(errors=1500, carried=1000).to_json()
    assert list(body)[-2:] == ["statusUrl", "nextErrors"]
    assert body["nextErrors"] == f"{BASE}/rest/v2/submissions/s-1/errors?offset=1000&limit=1000"
    assert body["errors"][0] == {
        "location": "line 2",
        "component": "FREQ",
        "value": "X",
        "reason": "bad",
    }
    assert "nextErrors" not in _report(errors=3, carried=3).to_json()


def test_the_status_document_lets_the_stored_report_speak_and_relinks_its_errors() -> None:
    created = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    stored = _report(errors=1500, carried=1000).summary()
    state = SubmissionState(
        submission="s-1",
        status=SubmissionStatus.INVALID,
        target="dataflow/ECB,EXR,1.0",
        principal="provider X (token 1: x)",
        created_at=created,
        finished_at=None,
        attempts=0,
        error_count=1500,
        stored=stored,
        errors=(ReportedError("line 2", "FREQ", "X", "bad"),),
        base_url=BASE,
    )
    body = state.to_json()
    assert list(body)[:8] == [
        "submission",
        "status",
        "target",
        "principal",
        "createdAt",
        "finishedAt",
        "attempts",
        "errorCount",
    ]
    assert body["createdAt"] == "2026-12-01T08:00:00+00:00" and body["finishedAt"] is None
    assert body["errorsUrl"] == f"{BASE}/rest/v2/submissions/s-1/errors?offset=0&limit=1000"
    # the stored nextErrors pointed after the report's 1,000; the status carries one error
    assert body["nextErrors"] == f"{BASE}/rest/v2/submissions/s-1/errors?offset=1&limit=1000"
    assert list(body)[-1] == "nextErrors"


def test_an_error_page_and_a_queued_answer() -> None:
    page = ErrorPage(
        "s-1", 3, 1, 1, (ReportedError("line 3", "", "", "why"),), base_url=BASE
    ).to_json()
    assert page == {
        "submission": "s-1",
        "errorCount": 3,
        "offset": 1,
        "errors": [{"location": "line 3", "component": "", "value": "", "reason": "why"}],
        "next": f"{BASE}/rest/v2/submissions/s-1/errors?offset=2&limit=1",
    }
    assert "next" not in ErrorPage("s-1", 3, 3, 10, (), base_url=BASE).to_json()
    queued = QueuedSubmission("s-2", BASE)
    assert queued.to_json() == {
        "submission": "s-2",
        "status": "queued",
        "statusUrl": f"{BASE}/rest/v2/submissions/s-2",
    }
    assert queued.status.http_status == 202


def test_a_job_order_keeps_its_options_target_and_submitter_beside_each_other() -> None:
    from sdmx_server.domain.model import ArtefactType, MaintainableRef
    from sdmx_server.domain.submission import JobOrder

    flow = MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")
    release = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    order = JobOrder(PushOptions(release_at=release), flow, None, "provider ECB", BASE)
    stored = order.to_stored()
    assert list(stored) == ["dryRun", "releaseDate", "_target", "_principal", "_base_url"]
    assert stored["_target"] == [flow.model_dump(mode="json"), None]
    assert json.loads(json.dumps(stored)) == stored  # a JSON column holds it as it is
    assert JobOrder.from_stored(stored, "row's principal") == order
    del stored["_principal"]
    assert JobOrder.from_stored(stored, "row's principal").principal == "row's principal"
