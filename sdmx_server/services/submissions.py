"""Producers' data submissions: authorisation, reports (stored and paged), jobs.

A submission is validated and written by :class:`DataWriteService` (all or
nothing). Its errors are spooled to a temporary file while it runs (memory
stays flat whatever their number) and stored afterwards, so that a report too
large to return at once is paged from ``submission_error``. Nothing about a
synchronous submission is written before it has finished: a process killed
in the middle leaves no trace. An asynchronous submission (a job) is queued
with its body in the database so that any worker can run it; workers take
jobs with a lease, and a job whose worker died is taken up again (or failed
after three attempts).
"""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, BinaryIO, cast

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.authority import has_authority
from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, as_utc
from sdmx_server.domain.errors import ForbiddenError, NoResultsError, SdmxError, SemanticError
from sdmx_server.domain.kinds import SubmissionTargetType
from sdmx_server.domain.model import ArtefactType, MaintainableRef, ProvisionAgreementDetails
from sdmx_server.domain.safe_text import safe_text
from sdmx_server.domain.submission import (
    ERRORS_PAGE,
    ErrorPage,
    JobOrder,
    PushOptions,
    ReportedError,
    SubmissionReport,
    SubmissionState,
    SubmissionStatus,
)
from sdmx_server.readers.base import DataReadError
from sdmx_server.services.audit import AuditTrail
from sdmx_server.services.auth import Principal, require_authenticated
from sdmx_server.services.data_validation import ValidationError
from sdmx_server.services.data_write import DataWriteService, SubmissionResult
from sdmx_server.services.dsd_info import provision_agreements_of, resolve_dataflow
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import AuthToken, Submission, SubmissionChunk, SubmissionError

log = logging.getLogger(__name__)

FIRST_PAGE = ERRORS_PAGE
CHUNK = 1 << 20
MAX_ATTEMPTS = 3


class LeaseLostError(Exception):
    """A job's lease passed to another worker before its write committed: the write was rolled back."""


@dataclass
class Target:
    """What a submission writes into."""

    dataflow: MaintainableRef
    provision_agreement: MaintainableRef | None
    label: str


@dataclass
class ErrorSpool:
    """Validation errors: the first page in memory, all of them in a temporary file."""

    first: list[ValidationError] = field(default_factory=list)
    count: int = 0
    _file: IO[str] = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+")
    )

    def add(self, err: ValidationError) -> None:
        """Record one error."""
        self.count += 1
        if len(self.first) < FIRST_PAGE:
            self.first.append(err)
        self._file.write(json.dumps([err.location, err.component, err.value, err.reason]) + "\n")

    def all(self) -> Iterator[tuple[str, str, str, str]]:
        """Every error, in order."""
        self._file.seek(0)
        for line in self._file:
            loc, comp, value, reason = json.loads(line)
            yield loc, comp, value, reason

    def close(self) -> None:
        """Free the spool."""
        self._file.close()


class SubmissionService:
    """Runs, queues and reports data submissions."""

    def __init__(
        self,
        data_write: DataWriteService,
        sessions: sessionmaker[Session],
        write_sessions: sessionmaker[Session],
        audit: AuditTrail,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.data_write = data_write
        self._sessions = sessions
        self._writes = write_sessions
        self.clock = clock
        # The end of a job is audited too (its request was audited as "queued").
        self.audit = audit

    # ------------------------------------------------------------------ authorisation

    def authorize(
        self,
        principal: Principal,
        target_type: SubmissionTargetType,
        agency: str,
        resource_id: str,
        version: str,
    ) -> Target:
        """The dataflow (and provision agreement) this principal may write; 401/403/404 otherwise."""
        require_authenticated(principal)
        if principal.kind not in ("provider", "admin"):
            raise ForbiddenError(
                f"{principal.label} may not submit data (producers and administrators may)"
            )
        with self._sessions() as session:
            if target_type == "provisionagreement":
                ref = MaintainableRef(
                    type=ArtefactType.PROVISION_AGREEMENT,
                    agency=agency,
                    id=resource_id,
                    version=version,
                )
                row = repo.get_row(session, ref)
                if row is None:
                    raise NoResultsError(f"No provision agreement {ref.triplet}")
                pa = repo.row_to_artefact(row)
                assert isinstance(pa.details, ProvisionAgreementDetails)
                if not principal.is_admin and (
                    principal.provider is None or principal.provider != pa.details.data_provider
                ):
                    raise ForbiddenError(
                        f"{principal.label} is not the data provider of {ref.triplet}"
                    )
                if not has_authority(row.agency_id, row.authority, pa.details.dataflow.agency):
                    # An agreement without authority over its dataflow entitles nobody (ADR 0011).
                    raise ForbiddenError(
                        f"{ref.triplet} grants nothing: it was not written with rights on agency "
                        f"{pa.details.dataflow.agency}, which maintains {pa.details.dataflow.triplet}"
                    )
                return Target(pa.details.dataflow, ref, ref.triplet)
            flow_row = resolve_dataflow(
                session, agency, resource_id, None if version in ("latest", "~") else version
            )
            flow = repo.ref_of_row(flow_row)
            if principal.is_admin:
                return Target(flow, None, flow.triplet)
            pas = [
                pa
                for pa in provision_agreements_of(session, flow_row)
                if isinstance(pa.details, ProvisionAgreementDetails)
                and pa.details.data_provider == principal.provider
            ]
            if not pas:
                raise ForbiddenError(
                    f"{principal.label} has no provision agreement for {flow.triplet}"
                )
            return Target(flow, pas[0].ref, flow.triplet)

    # ------------------------------------------------------------------ running

    def run(
        self,
        principal: str,
        token_pk: int | None,
        target: Target,
        body: BinaryIO,
        content_type: str | None,
        options: PushOptions,
        *,
        base_url: str,
        submission_id: str | None = None,
        lease_owner: str | None = None,
    ) -> SubmissionReport:
        """Validate and write; store the report; return it (first page of errors).

        ``principal`` is the submitter's audit label and ``token_pk`` its token;
        ``base_url`` is the server's URL as the client sees it (for the report's links; the
        routes take it from :func:`~sdmx_server.api.public_url.public_base_url`).
        A written submission's row is stored in the data's own transaction, so
        that a job is never both written and left "running" (to be run again);
        with ``lease_owner`` (a job) that transaction commits only while the
        lease is still this worker's (:class:`LeaseLostError` otherwise).
        """
        submission_id = submission_id or str(uuid.uuid4())
        spool = ErrorSpool()
        stored: dict[str, SubmissionReport] = {}
        base = base_url

        def record_with_data(session: Session, result: SubmissionResult) -> None:
            report = self._report(submission_id, target, result, spool, base)
            self._write_row(
                session,
                submission_id,
                principal,
                token_pk,
                target,
                content_type,
                options,
                result,
                report,
                spool,
                lease_owner,
            )
            stored["report"] = report

        try:
            try:
                result = self.data_write.submit(
                    body,
                    content_type=content_type,
                    dataflow=target.dataflow,
                    provision_agreement=target.provision_agreement,
                    release_at=options.release_at,
                    dry_run=options.dry_run,
                    principal=principal,
                    source=f"submission {submission_id}",
                    on_error=spool.add,
                    keep_errors=0,
                    before_commit=record_with_data,
                )
            except (DataReadError, SemanticError, NoResultsError) as exc:
                # Unreadable, or naming another dataflow than the URL's: reported like any other error.
                spool.add(ValidationError(getattr(exc, "location", "line 1"), "", "", exc.message))
                result = SubmissionResult(
                    dataflow=target.dataflow,
                    format=content_type or "",
                    dry_run=options.dry_run,
                )
                result.error_count = spool.count
            if "report" in stored:
                return stored["report"]
            report = self._report(submission_id, target, result, spool, base)
            self._store(
                submission_id,
                principal,
                token_pk,
                target,
                content_type,
                options,
                result,
                report,
                spool,
                lease_owner,
            )
            return report
        finally:
            spool.close()

    def _report(
        self,
        submission_id: str,
        target: Target,
        result: SubmissionResult,
        spool: ErrorSpool,
        base: str,
    ) -> SubmissionReport:
        c = result.counts
        if result.error_count:
            status = SubmissionStatus.INVALID
        else:
            status = SubmissionStatus.VALID if result.dry_run else SubmissionStatus.WRITTEN
        return SubmissionReport(
            submission=submission_id,
            status=status,
            dataflow=target.dataflow.triplet,
            provision_agreement=target.provision_agreement.triplet
            if target.provision_agreement
            else None,
            format=result.format,
            dry_run=result.dry_run,
            rows=result.rows,
            release_at=result.release_at,
            inserted=c.inserted,
            updated=c.updated,
            deleted=c.deleted,
            unchanged=c.unchanged,
            error_count=result.error_count,
            errors=tuple(
                ReportedError(e.location, e.component, e.value, e.reason) for e in spool.first
            ),
            base_url=base,
        )

    def _store(
        self,
        submission_id: str,
        principal: str,
        token_pk: int | None,
        target: Target,
        content_type: str | None,
        options: PushOptions,
        result: SubmissionResult,
        report: SubmissionReport,
        spool: ErrorSpool,
        lease_owner: str | None,
    ) -> None:
        with self._writes() as session, session.begin():
            self._write_row(
                session,
                submission_id,
                principal,
                token_pk,
                target,
                content_type,
                options,
                result,
                report,
                spool,
                lease_owner,
            )

    def _write_row(
        self,
        session: Session,
        submission_id: str,
        principal: str,
        token_pk: int | None,
        target: Target,
        content_type: str | None,
        options: PushOptions,
        result: SubmissionResult,
        report: SubmissionReport,
        spool: ErrorSpool,
        lease_owner: str | None,
    ) -> None:
        row = session.get(Submission, submission_id, with_for_update=lease_owner is not None)
        if lease_owner is not None and (
            row is None or row.lease_owner != lease_owner or row.status != SubmissionStatus.RUNNING
        ):
            raise LeaseLostError(f"job {submission_id} is no longer leased to {lease_owner}")
        if row is None:
            row = Submission(
                id=submission_id,
                target=target.label,
                principal=principal,
                token_pk=token_pk,
                content_type=content_type or "",
                options=options.to_stored(),
                created_at=self.clock.now(),
                status=SubmissionStatus.RUNNING.value,
            )
            session.add(row)
        row.dataflow = target.dataflow.triplet
        row.status = report.status.value
        row.report = report.summary()
        row.error_count = result.error_count
        row.finished_at = self.clock.now()
        row.lease_owner = None
        session.execute(
            delete(SubmissionError).where(SubmissionError.submission_id == submission_id)
        )
        session.flush()
        batch = []
        for seq, (loc, comp, value, reason) in enumerate(spool.all()):
            batch.append(
                {
                    "submission_id": submission_id,
                    "seq": seq,
                    "location": loc,
                    "component": comp,
                    "value": value,
                    "reason": reason,
                }
            )
            if len(batch) >= 5000:
                session.execute(insert(SubmissionError), batch)
                batch = []
        if batch:
            session.execute(insert(SubmissionError), batch)
        session.execute(
            delete(SubmissionChunk).where(SubmissionChunk.submission_id == submission_id)
        )

    # ------------------------------------------------------------------ reports

    def status(self, submission_id: str, principal: Principal, base_url: str) -> SubmissionState:
        """The stored report and job state, with the first 1,000 errors (``nextErrors`` links the rest)."""
        base = base_url
        with self._sessions() as session:
            row = self._visible(session, submission_id, principal)
            first = session.execute(
                select(SubmissionError)
                .where(SubmissionError.submission_id == submission_id)
                .order_by(SubmissionError.seq)
                .limit(FIRST_PAGE)
            ).scalars()
            return SubmissionState(
                submission=row.id,
                status=SubmissionStatus(row.status),
                target=row.target,
                principal=row.principal,
                created_at=as_utc(row.created_at),
                finished_at=as_utc(row.finished_at) if row.finished_at else None,
                attempts=row.attempts,
                error_count=row.error_count,
                stored=row.report,
                errors=tuple(_reported(e) for e in first),
                base_url=base,
            )

    def errors(
        self,
        submission_id: str,
        principal: Principal,
        offset: int,
        limit: int,
        base_url: str,
    ) -> ErrorPage:
        """One page of a submission's errors."""
        base = base_url
        with self._sessions() as session:
            row = self._visible(session, submission_id, principal)
            errors = session.execute(
                select(SubmissionError)
                .where(
                    SubmissionError.submission_id == submission_id, SubmissionError.seq >= offset
                )
                .order_by(SubmissionError.seq)
                .limit(limit)
            ).scalars()
            return ErrorPage(
                submission=row.id,
                error_count=row.error_count,
                offset=offset,
                limit=limit,
                errors=tuple(_reported(e) for e in errors),
                base_url=base,
            )

    @staticmethod
    def _visible(session: Session, submission_id: str, principal: Principal) -> Submission:
        require_authenticated(principal)
        row = session.get(Submission, submission_id)
        if row is None:
            raise NoResultsError(f"No submission {submission_id}")
        if principal.is_admin or row.token_pk == principal.token_pk:
            return row
        # Any token of the same producer sees its submissions (tokens are rotated; the producer stays).
        submitter = session.get(AuthToken, row.token_pk) if row.token_pk is not None else None
        if (
            principal.provider_pk is not None
            and submitter is not None
            and submitter.provider_pk == principal.provider_pk
        ):
            return row
        raise ForbiddenError(
            "Only the submitting producer and administrators can see this submission"
        )

    # ------------------------------------------------------------------ jobs

    def enqueue(
        self,
        principal: Principal,
        target: Target,
        body: BinaryIO,
        content_type: str | None,
        options: PushOptions,
        base_url: str,
    ) -> str:
        """Queue a submission as a job; its body goes into the database."""
        submission_id = str(uuid.uuid4())
        with self._writes() as session, session.begin():
            session.add(
                Submission(
                    id=submission_id,
                    target=target.label,
                    dataflow=target.dataflow.triplet,
                    target_type="provisionagreement" if target.provision_agreement else "dataflow",
                    principal=principal.label,
                    token_pk=principal.token_pk,
                    content_type=content_type or "",
                    options=JobOrder(
                        options,
                        target.dataflow,
                        target.provision_agreement,
                        principal.label,  # who submitted, for the job runner
                        base_url,
                    ).to_stored(),
                    status=SubmissionStatus.QUEUED.value,
                    created_at=self.clock.now(),
                )
            )
            session.flush()
            seq = 0
            total = 0
            while True:
                chunk = body.read(CHUNK)
                if not chunk:
                    break
                session.add(SubmissionChunk(submission_id=submission_id, seq=seq, data=chunk))
                seq += 1
                total += len(chunk)
                if seq % 16 == 0:
                    session.flush()
            session.get(Submission, submission_id).body_bytes = total  # type: ignore[union-attr]
        return submission_id

    def claim(self, owner: str, lease: timedelta) -> str | None:
        """Take the oldest queued job, or one whose lease ran out; None if there is none."""
        now = self.clock.now()
        gave_up: tuple[str, str, str, str] | None = None
        with self._writes() as session, session.begin():
            stmt = (
                select(Submission)
                .where(
                    (Submission.status == SubmissionStatus.QUEUED.value)
                    | (
                        (Submission.status == SubmissionStatus.RUNNING.value)
                        & (Submission.lease_until < now)
                    )
                )
                .order_by(Submission.created_at)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            row = session.execute(stmt).scalar_one_or_none()
            if row is None:
                return None
            if row.attempts >= MAX_ATTEMPTS:
                row.status = SubmissionStatus.FAILED.value
                row.finished_at = now
                row.report = {
                    **row.report,
                    "status": SubmissionStatus.FAILED.value,
                    "reason": f"gave up after {row.attempts} interrupted attempts",
                }
                session.execute(
                    delete(SubmissionChunk).where(SubmissionChunk.submission_id == row.id)
                )
                gave_up = (row.principal, row.target, row.id, row.report["reason"])
            else:
                row.status = SubmissionStatus.RUNNING.value
                row.attempts += 1
                row.lease_owner = owner
                row.lease_until = now + lease
                return row.id
        if gave_up is not None:
            principal, target, submission_id, reason = gave_up
            self.audit.record(
                principal,
                "data.job",
                target,
                SubmissionStatus.FAILED.value,
                SubmissionStatus.FAILED.http_status,
                {"submission": submission_id, "reason": reason},
            )
        return None

    def renew(self, submission_id: str, owner: str, lease: timedelta) -> bool:
        """Extend a job's lease; False if another worker took it over."""
        with self._writes() as session, session.begin():
            row = session.get(Submission, submission_id)
            if row is None or row.lease_owner != owner or row.status != SubmissionStatus.RUNNING:
                return False
            row.lease_until = self.clock.now() + lease
            return True

    def run_job(self, submission_id: str, owner: str | None = None) -> None:
        """Run a claimed job from its stored body; with ``owner``, only while its lease is that worker's
        (a worker that stalled past its lease must not run a job another worker took over)."""
        with self._sessions() as session:
            row = session.get(Submission, submission_id)
            if row is None:
                return
            if owner is not None and (
                row.lease_owner != owner or row.status != SubmissionStatus.RUNNING
            ):
                log.warning("job %s is no longer leased to %s: not run", submission_id, owner)
                return
            stored, principal = dict(row.options), row.principal
            token_pk = row.token_pk
            content_type = row.content_type
            body = tempfile.SpooledTemporaryFile(max_size=8 << 20)
            for (data,) in session.execute(
                select(SubmissionChunk.data)
                .where(SubmissionChunk.submission_id == submission_id)
                .order_by(SubmissionChunk.seq)
            ):
                body.write(data)
        body.seek(0)
        try:
            order = JobOrder.from_stored(stored, principal)
            target = Target(order.dataflow, order.provision_agreement, row.target)
            report = self.run(
                order.principal,
                token_pk,
                target,
                cast(BinaryIO, body),
                content_type,
                order.options,
                submission_id=submission_id,
                base_url=order.base_url,
                lease_owner=owner,
            )
            self.audit.record(
                order.principal,
                "data.job",
                row.target,
                report.status.value,
                report.status.http_status,
                report.audit_details(),
            )
        except LeaseLostError as exc:
            log.warning("%s: nothing written; the worker holding the lease runs it", exc)
        except SdmxError as exc:
            self._fail(submission_id, exc.message)
        except Exception as exc:  # noqa: BLE001 - a job must end with a status, never silently
            log.exception("job %s failed", submission_id)
            self._fail(submission_id, f"internal error: {exc}")
        finally:
            body.close()

    def _fail(self, submission_id: str, reason: str) -> None:
        with self._writes() as session, session.begin():
            row = session.get(Submission, submission_id)
            if row is None:
                return
            row.status = SubmissionStatus.FAILED.value
            row.finished_at = self.clock.now()
            reason = safe_text(reason, 2000)  # jsonb refuses NUL; a client's text may be in it
            row.report = {**row.report, "status": SubmissionStatus.FAILED.value, "reason": reason}
            session.execute(
                delete(SubmissionChunk).where(SubmissionChunk.submission_id == submission_id)
            )
            principal, target = row.principal, row.target
        self.audit.record(
            principal,
            "data.job",
            target,
            SubmissionStatus.FAILED.value,
            SubmissionStatus.FAILED.http_status,
            {"submission": submission_id, "reason": reason},
        )


def _reported(row: SubmissionError) -> ReportedError:
    return ReportedError(row.location, row.component, row.value, row.reason)
