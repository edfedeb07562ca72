"""Producers push data: ``POST /rest/v2/data/{dataflow|provisionagreement}/{agency}/{id}/{version}``.

The SDMX REST specification defines no data-submission path; this one is the
server's extension, shaped like the v2 data query paths. The body is SDMX-ML
2.1 (generic or structure-specific), SDMX-ML 3.0 or SDMX-CSV 1.0/2.0, as its
Content-Type says (or as its first bytes show). Parameters: ``dryRun=true``
(validate and report, write nothing), ``releaseDate=<ISO 8601 with zone>``
(embargo). ``Prefer: respond-async`` queues the submission as a job (202).
"""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from sdmx_server.api.bodies import read_body, unwrap_upload
from sdmx_server.api.data_params import int_param
from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.middleware import request_id_var
from sdmx_server.api.paths import AGENCY_RE, ID_RE, VERSION_RE, check_params
from sdmx_server.api.public_url import public_base_url
from sdmx_server.domain.errors import BadRequestError, SdmxError
from sdmx_server.domain.kinds import AuditAction, is_submission_target_type
from sdmx_server.domain.messages import language_of, localise_report
from sdmx_server.domain.periods import PeriodError, parse_instant
from sdmx_server.domain.submission import PushOptions, QueuedSubmission
from sdmx_server.formats.media_types import parse_accept_language
from sdmx_server.services.auth import Principal, require_authenticated
from sdmx_server.services.container import Services
from sdmx_server.services.health import unavailability

router = APIRouter(tags=["data submission (extension)"])


def push_options(request: Request) -> PushOptions:
    """The options of a push: ``dryRun``, ``releaseDate`` (with a time zone), ``Prefer: respond-async``."""
    check_params(request.query_params, {"dryRun", "releaseDate"})
    dry = request.query_params.get("dryRun", "false").lower()
    if dry not in ("true", "false"):
        raise BadRequestError("dryRun must be true or false")
    release = None
    raw = request.query_params.get("releaseDate")
    if raw is not None:
        text = raw.replace(" ", "+")
        if not (text.endswith("Z") or "+" in text[10:] or "-" in text[10:]):
            raise BadRequestError("releaseDate needs a time zone, e.g. 2027-01-15T10:00:00+01:00")
        try:
            release = parse_instant(text)
        except PeriodError as exc:
            raise BadRequestError(f"releaseDate: {exc}") from None
    return PushOptions(
        dry_run=dry == "true",
        release_at=release,
        respond_async="respond-async" in (request.headers.get("prefer") or "").lower(),
    )


def _lang(request: Request) -> str:
    """The language of reports: Accept-Language's first of en, fr, ar (English otherwise)."""
    return language_of(parse_accept_language(request.headers.get("accept-language")))


async def _audit(
    services: Services,
    principal: Principal,
    action: AuditAction,
    target: str,
    outcome: str,
    status: int,
    details: dict[str, Any] | None = None,
) -> None:
    # A database write: never on the event-loop thread (a slow or absent database would freeze the worker).
    await run_in_threadpool(
        services.audit.record,
        principal.label,
        action,
        target,
        outcome,
        status,
        details,
        request_id_var.get(),
    )


@router.post("/rest/v2/data/{context}/{agency}/{resource_id}/{version}")
async def submit_data(
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    request: Request,
    services: ServicesDep,
) -> Response:
    """Submit data (extension): validate every row, write all or nothing, return the report."""
    target_label = f"{context}/{agency},{resource_id},{version}"
    principal = Principal(kind="anonymous")
    try:
        principal = await run_in_threadpool(
            services.auth.authenticate, request.headers.get("authorization")
        )
        require_authenticated(principal)
        if not is_submission_target_type(context):
            raise BadRequestError("Data are submitted to a dataflow or a provision agreement")
        if not (AGENCY_RE.match(agency) and ID_RE.match(resource_id) and VERSION_RE.match(version)):
            raise BadRequestError("Invalid agency, id or version")
        options = push_options(request)
        target = await run_in_threadpool(
            services.submissions.authorize, principal, context, agency, resource_id, version
        )
        body = await read_body(request, services.settings.max_body_bytes)
        body, content_type = await run_in_threadpool(
            unwrap_upload, body, request.headers.get("content-type")
        )
    except SdmxError as exc:
        await _audit(
            services,
            principal,
            "data.submit",
            target_label,
            type(exc).__name__,
            exc.http_status,
            {"message": exc.message},
        )
        raise
    try:
        if options.respond_async:
            base = public_base_url(request, services.settings)
            job = await run_in_threadpool(
                services.submissions.enqueue,
                principal,
                target,
                cast(BinaryIO, body),
                content_type,
                options,
                base,
            )
            queued = QueuedSubmission(job, base)
            await _audit(
                services,
                principal,
                "data.submit",
                target.label,
                queued.status.value,
                queued.status.http_status,
                {"submission": job},
            )
            return JSONResponse(
                queued.to_json(),
                status_code=queued.status.http_status,
                headers={"Location": queued.status_url, "Preference-Applied": "respond-async"},
            )
        report = await run_in_threadpool(
            services.submissions.run,
            principal.label,
            principal.token_pk,
            target,
            cast(BinaryIO, body),
            content_type,
            options,
            base_url=public_base_url(request, services.settings),
        )
    except Exception as exc:  # a failed write is audited too, then answered by the error handlers
        status = (
            exc.http_status if isinstance(exc, SdmxError) else 503 if unavailability(exc) else 500
        )
        message = (
            exc.message
            if isinstance(exc, SdmxError)
            else "database unavailable"
            if status == 503
            else "internal error"
        )
        await _audit(
            services,
            principal,
            "data.submit",
            target.label,
            type(exc).__name__,
            status,
            {"message": message},
        )
        raise
    finally:
        body.close()
    await _audit(
        services,
        principal,
        "data.submit",
        target.label,
        report.status.value,
        report.status.http_status,
        report.audit_details(),
    )
    return JSONResponse(
        localise_report(report.to_json(), _lang(request)), status_code=report.status.http_status
    )


@router.get("/rest/v2/submissions/{submission_id}")
@router.head(
    "/rest/v2/submissions/{submission_id}", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def submission_status(submission_id: str, request: Request, services: ServicesDep) -> Response:
    """A submission's status and report (its submitter or an administrator)."""
    principal = services.auth.authenticate(request.headers.get("authorization"))
    return JSONResponse(
        localise_report(
            services.submissions.status(
                submission_id, principal, public_base_url(request, services.settings)
            ).to_json(),
            _lang(request),
        )
    )


@router.get("/rest/v2/submissions/{submission_id}/errors")
@router.head(
    "/rest/v2/submissions/{submission_id}/errors", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def submission_errors(submission_id: str, request: Request, services: ServicesDep) -> Response:
    """One page of a submission's errors: ``offset`` and ``limit`` (at most 10,000)."""
    check_params(request.query_params, {"offset", "limit"})
    # errors are numbered with 32-bit integers (submission_error.seq)
    offset = int_param(request.query_params, "offset", 0, maximum=2**31 - 1) or 0
    limit = min(int_param(request.query_params, "limit", 1000, minimum=1) or 1000, 10_000)
    principal = services.auth.authenticate(request.headers.get("authorization"))
    return JSONResponse(
        localise_report(
            services.submissions.errors(
                submission_id, principal, offset, limit, public_base_url(request, services.settings)
            ).to_json(),
            _lang(request),
        )
    )


@router.get("/admin/audit")
@router.head(
    "/admin/audit", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def audit_events(request: Request, services: ServicesDep) -> Response:
    """The audit trail, newest first (administrators). ``since``, ``action``, ``offset``, ``limit``."""
    principal = services.auth.authenticate(request.headers.get("authorization"))
    require_authenticated(principal)
    if not principal.is_admin:
        from sdmx_server.domain.errors import ForbiddenError

        raise ForbiddenError("The audit trail is for administrators")
    check_params(request.query_params, {"since", "action", "offset", "limit"})
    since = None
    if "since" in request.query_params:
        try:
            since = parse_instant(request.query_params["since"])
        except PeriodError as exc:
            raise BadRequestError(f"since: {exc}") from None
    offset = int_param(request.query_params, "offset", 0) or 0
    limit = min(int_param(request.query_params, "limit", 100, minimum=1) or 100, 1000)
    events = services.audit.events(since, request.query_params.get("action"), offset, limit)
    return JSONResponse({"events": events, "now": services.clock.now().isoformat()})
