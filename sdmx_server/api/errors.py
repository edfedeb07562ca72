"""The one place where errors become HTTP responses (SDMX error messages)."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sdmx_server.domain import errors as E
from sdmx_server.domain.messages import language_of, title, translate
from sdmx_server.formats.errors import JSON_ERROR_TYPE, XML_ERROR_TYPE, error_json, error_xml
from sdmx_server.formats.media_types import parse_accept_language
from sdmx_server.services.health import RETRY_AFTER, DbHealth, unavailability

log = logging.getLogger(__name__)

_HTTP_TO_ERROR: dict[int, type[E.SdmxError]] = {
    400: E.BadRequestError,
    401: E.UnauthorizedError,
    403: E.ForbiddenError,
    404: E.NoResultsError,
    405: E.MethodNotAllowedError,
    406: E.NotAcceptableError,
    409: E.ConflictError,
    413: E.RequestTooLargeError,
    414: E.UriTooLongError,
    415: E.UnsupportedMediaTypeError,
    422: E.UnprocessableError,
    501: E.NotImplementedYetError,
    503: E.ServiceUnavailableError,
}


def _wants_json(request: Request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "json" in accept and "xml" not in accept


def error_response(request: Request, exc: E.SdmxError) -> Response:
    """Render ``exc`` as an SDMX error message in XML (default) or JSON, in the language asked for
    with ``Accept-Language`` where a translation exists (English otherwise)."""
    lang = language_of(parse_accept_language(request.headers.get("accept-language")))
    message, used = translate(exc.message, lang)
    details = (
        [
            {
                k: (translate(v, lang)[0] if k == "reason" and isinstance(v, str) else v)
                for k, v in d.items()
            }
            for d in exc.details
        ]
        if exc.details and lang != "en"
        else exc.details
    )
    if _wants_json(request):
        body = error_json(exc.sdmx_code, title(exc.default_message, lang), message, details)
        media = JSON_ERROR_TYPE
    else:
        body = error_xml(exc.sdmx_code, message, details, lang=used)
        media = XML_ERROR_TYPE
    headers = dict(exc.headers)
    if lang != "en":
        headers["Content-Language"] = used
        headers["Vary"] = "Accept-Language"
    if request.method == "HEAD":
        return Response(status_code=exc.http_status, media_type=media, headers=headers)
    return Response(body, status_code=exc.http_status, media_type=media, headers=headers)


def database_error(request: Request, exc: BaseException) -> E.SdmxError | None:
    """A 503 with Retry-After for a database that is down or busy (logged once per outage), else None."""
    kind = unavailability(exc)
    if kind is None:
        return None
    health: DbHealth | None = getattr(
        getattr(request.app.state, "services", None), "db_health", None
    )
    if health is not None:
        health.failed(kind, exc)
    message = (
        "The database is busy: try again shortly"
        if kind == "busy"
        else "The database is unavailable: try again later"
    )
    return E.ServiceUnavailableError(message, headers={"Retry-After": str(RETRY_AFTER[kind])})


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers: SDMX errors, Starlette HTTP errors, validation errors, bugs."""

    @app.exception_handler(E.SdmxError)
    async def _sdmx(request: Request, exc: E.SdmxError) -> Response:
        if exc.http_status >= 500 and exc.http_status not in (501, 503):
            log.error("%s: %s", type(exc).__name__, exc.message)
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        cls = _HTTP_TO_ERROR.get(
            exc.status_code, E.BadRequestError if exc.status_code < 500 else E.InternalError
        )
        message = exc.detail if isinstance(exc.detail, str) else cls.default_message
        if exc.status_code == 404:
            message = f"No resource at {request.url.path}"
        err = cls(message, headers=dict(exc.headers or {}))
        return error_response(request, err)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "reason": e.get("msg", "")}
            for e in exc.errors()
        ]
        return error_response(
            request, E.BadRequestError("Invalid request parameters", details=details)
        )

    async def _database(request: Request, exc: Exception) -> Response:
        err = database_error(request, exc)
        if err is None:
            return await _bug(request, exc)
        return error_response(request, err)

    try:
        import psycopg

        driver_errors: tuple[type[Exception], ...] = (psycopg.Error, sqlite3.Error)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        driver_errors = (sqlite3.Error,)
    # Raw driver errors too: the streaming paths use the driver's cursors (COPY) directly.
    for cls in (sa_exc.DBAPIError, sa_exc.TimeoutError, *driver_errors):
        app.add_exception_handler(cls, _database)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, E.InternalError("Internal server error"))
