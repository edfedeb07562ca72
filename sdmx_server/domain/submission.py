"""Producers' submissions as values: their status, the options of a push, and the reports.

The push route (query parameters and ``Prefer``) and the portal's upload form read their
input into :class:`PushOptions`; :class:`~sdmx_server.services.submissions.SubmissionService`
answers with a :class:`SubmissionReport`, a :class:`SubmissionState` or an :class:`ErrorPage`.
Their JSON forms, on the wire and in the ``submission`` table, are written here and nowhere
else (``to_json``/``to_stored``), so that a field is named once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sdmx_server.domain.model import MaintainableRef

ERRORS_PAGE = 1000  # errors in a report, a status and (by default) an error page


class SubmissionStatus(enum.StrEnum):
    """A submission's state (``submission.status``, the report's ``status``)."""

    QUEUED = "queued"  # a job waiting for a worker
    RUNNING = "running"  # a job a worker holds the lease of
    WRITTEN = "written"  # valid and written
    VALID = "valid"  # valid, not written (dry run)
    INVALID = "invalid"  # refused: the report lists the errors
    FAILED = "failed"  # a job that could not run to its end (the reason is in the report)

    @property
    def succeeded(self) -> bool:
        """True for a valid submission (written, or checked in a dry run)."""
        return self in (SubmissionStatus.WRITTEN, SubmissionStatus.VALID)

    @property
    def http_status(self) -> int:
        """The HTTP status of the answer that reports a submission ended in this state (and of its audit event)."""
        if self.succeeded:
            return 200
        if self is SubmissionStatus.INVALID:
            return 422
        if self is SubmissionStatus.FAILED:
            return 500
        return 202


UploadAction = Literal["check", "submit"]
"""The portal's upload buttons: check (a dry run) or submit."""


@dataclass(frozen=True)
class PushOptions:
    """How a submission is to be run: a dry run, an embargo, as a job."""

    dry_run: bool = False
    release_at: datetime | None = None  # embargo: the data are published at this instant
    respond_async: bool = False  # ``Prefer: respond-async``: queue it as a job (202)

    def to_stored(self) -> dict[str, Any]:
        """The form kept in ``submission.options`` (``dryRun``, ``releaseDate`` when embargoed)."""
        out: dict[str, Any] = {"dryRun": self.dry_run}
        if self.release_at is not None:
            out["releaseDate"] = self.release_at.isoformat()
        return out

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> PushOptions:
        """Read :meth:`to_stored`'s form back (other keys, such as a job's own, are ignored)."""
        release = stored.get("releaseDate")
        return cls(
            dry_run=bool(stored.get("dryRun")),
            release_at=datetime.fromisoformat(release) if release else None,
        )


@dataclass(frozen=True)
class JobOrder:
    """What a queued job's row keeps in ``submission.options`` for the worker that runs it: the push
    options, the target, who submitted it and the base of the report's links."""

    options: PushOptions
    dataflow: MaintainableRef
    provision_agreement: MaintainableRef | None
    principal: str  # the submitter's audit label
    base_url: str

    def to_stored(self) -> dict[str, Any]:
        """The options' stored form with the job's own keys (``_target``, ``_principal``, ``_base_url``)."""
        return {
            **self.options.to_stored(),
            "_target": [
                self.dataflow.model_dump(mode="json"),
                self.provision_agreement.model_dump(mode="json")
                if self.provision_agreement
                else None,
            ],
            "_principal": self.principal,
            "_base_url": self.base_url,
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any], principal: str) -> JobOrder:
        """Read :meth:`to_stored`'s form back (``principal``: the row's, if the order names none)."""
        flow_json, pa_json = stored["_target"]
        return cls(
            options=PushOptions.from_stored(stored),
            dataflow=MaintainableRef.model_validate(flow_json),
            provision_agreement=MaintainableRef.model_validate(pa_json) if pa_json else None,
            principal=str(stored.get("_principal", principal)),
            base_url=str(stored.get("_base_url", "")),
        )


@dataclass(frozen=True)
class ReportedError:
    """One error of a report: where, which component, which value, why."""

    location: str
    component: str
    value: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """The JSON form of one error."""
        return {
            "location": self.location,
            "component": self.component,
            "value": self.value,
            "reason": self.reason,
        }


def submission_url(base: str, submission_id: str) -> str:
    """Where a submission's status is read (``GET /rest/v2/submissions/{id}``)."""
    return f"{base}/rest/v2/submissions/{submission_id}"


def errors_url(base: str, submission_id: str, offset: int, limit: int = ERRORS_PAGE) -> str:
    """A page of a submission's errors."""
    return f"{submission_url(base, submission_id)}/errors?offset={offset}&limit={limit}"


@dataclass(frozen=True)
class SubmissionReport:
    """What a run submission answers: its outcome, counts and first page of errors.

    ``to_json`` is the synchronous answer; ``summary`` (the same without the errors) is kept in
    ``submission.report`` and merged into the status document.
    """

    submission: str
    status: SubmissionStatus
    dataflow: str
    provision_agreement: str | None
    format: str
    dry_run: bool
    rows: int
    release_at: datetime | None
    inserted: int
    updated: int
    deleted: int
    unchanged: int
    error_count: int
    errors: tuple[ReportedError, ...]
    base_url: str  # the server's URL as the client sees it (for the links)

    @property
    def next_errors(self) -> str | None:
        """The page of errors after those carried, if any."""
        if self.error_count > len(self.errors):
            return errors_url(self.base_url, self.submission, len(self.errors))
        return None

    def summary(self) -> dict[str, Any]:
        """The report without its errors (stored in ``submission.report``)."""
        out: dict[str, Any] = {
            "submission": self.submission,
            "status": self.status.value,
            "dataflow": self.dataflow,
            "provisionAgreement": self.provision_agreement,
            "format": self.format,
            "dryRun": self.dry_run,
            "rows": self.rows,
            "releaseDate": self.release_at.isoformat() if self.release_at else None,
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "errorCount": self.error_count,
            "statusUrl": submission_url(self.base_url, self.submission),
        }
        if self.next_errors is not None:
            out["nextErrors"] = self.next_errors
        return out

    def to_json(self) -> dict[str, Any]:
        """The report as the push API answers it."""
        summary = self.summary()
        out: dict[str, Any] = {}
        for key, value in summary.items():
            if key == "statusUrl":
                out["errors"] = [e.to_json() for e in self.errors]
            out[key] = value
        return out

    def audit_details(self) -> dict[str, Any]:
        """What the audit trail keeps of a run submission."""
        return {
            "submission": self.submission,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "errorCount": self.error_count,
            "dryRun": self.dry_run,
            "releaseDate": self.release_at.isoformat() if self.release_at else None,
        }


@dataclass(frozen=True)
class QueuedSubmission:
    """The answer to a submission queued as a job (202)."""

    submission: str
    base_url: str
    status: SubmissionStatus = SubmissionStatus.QUEUED

    @property
    def status_url(self) -> str:
        """Where the job's status is read (also the ``Location`` header)."""
        return submission_url(self.base_url, self.submission)

    def to_json(self) -> dict[str, Any]:
        """The 202 answer's body."""
        return {
            "submission": self.submission,
            "status": self.status.value,
            "statusUrl": self.status_url,
        }


@dataclass(frozen=True)
class SubmissionState:
    """A stored submission as ``GET /rest/v2/submissions/{id}`` shows it: the job's state, the stored
    report (``stored``, :meth:`SubmissionReport.summary`, a failed job's ``reason``) and the first
    page of errors."""

    submission: str
    status: SubmissionStatus
    target: str
    principal: str
    created_at: datetime
    finished_at: datetime | None
    attempts: int
    error_count: int
    stored: Mapping[str, Any]
    errors: tuple[ReportedError, ...]
    base_url: str

    def to_json(self) -> dict[str, Any]:
        """The status document (the stored report's fields win over the row's, as they were written)."""
        out: dict[str, Any] = {
            "submission": self.submission,
            "status": self.status.value,
            "target": self.target,
            "principal": self.principal,
            "createdAt": self.created_at.isoformat(),
            "finishedAt": self.finished_at.isoformat() if self.finished_at else None,
            "attempts": self.attempts,
            "errorCount": self.error_count,
            **self.stored,
            "errors": [e.to_json() for e in self.errors],
            "errorsUrl": errors_url(self.base_url, self.submission, 0),
        }
        out.pop("nextErrors", None)
        if self.error_count > len(self.errors):
            out["nextErrors"] = errors_url(self.base_url, self.submission, len(self.errors))
        return out


@dataclass(frozen=True)
class ErrorPage:
    """One page of a submission's errors (``GET /rest/v2/submissions/{id}/errors``)."""

    submission: str
    error_count: int
    offset: int
    limit: int
    errors: tuple[ReportedError, ...] = ()
    base_url: str = ""

    def to_json(self) -> dict[str, Any]:
        """The page, with a link to the next one if there is more."""
        out: dict[str, Any] = {
            "submission": self.submission,
            "errorCount": self.error_count,
            "offset": self.offset,
            "errors": [e.to_json() for e in self.errors],
        }
        if self.offset + len(self.errors) < self.error_count:
            out["next"] = errors_url(
                self.base_url, self.submission, self.offset + len(self.errors), self.limit
            )
        return out
