"""The SDMX error hierarchy.

Each error carries its SDMX error code and HTTP status (SDMX REST
``4_7_errors.md``: 100 -> 404, 110 -> 401, 130/510 -> 413, 140 -> 400,
150 -> 403, 500 -> 500, 501 -> 501, 503 -> 503). One handler in
:mod:`sdmx_server.api.errors` turns them into SDMX error messages; nothing
else builds error responses.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SdmxError(Exception):
    """Base of every error the server reports to a client."""

    sdmx_code: ClassVar[int] = 500
    http_status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)


class NoResultsError(SdmxError):
    """The query is valid but matches nothing (v1: 404)."""

    sdmx_code = 100
    http_status = 404
    default_message = "No Results Found"


class NoDataError(NoResultsError):
    """The query names existing structures but no data match it: 404 (code 100) on v1, while SDMX REST 2.x
    prefers 204 No Content ("an empty but still healthy state"), which the v2 data route answers."""


class UnauthorizedError(SdmxError):
    """Missing or wrong credentials."""

    sdmx_code = 110
    http_status = 401
    default_message = "Unauthorized"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="sdmx-server"')


class ResponseTooLargeError(SdmxError):
    """The response would exceed the configured limit (SDMX code 510)."""

    sdmx_code = 510
    http_status = 413
    default_message = "Response size exceeds service limit"


class RangeNotSatisfiableError(SdmxError):
    """A ``Range: values=a-b`` that starts beyond the last observation."""

    sdmx_code = 100
    http_status = 416
    default_message = "Range not satisfiable"


class RequestTooLargeError(SdmxError):
    """The request body is larger than the configured limit (SDMX code 130)."""

    sdmx_code = 130
    http_status = 413
    default_message = "Request entity too large"


class BadRequestError(SdmxError):
    """Syntax error in the query (path or parameters), SDMX code 140."""

    sdmx_code = 140
    http_status = 400
    default_message = "Syntax error"


class SemanticError(SdmxError):
    """The query is well formed but makes no sense for the target (code 150)."""

    sdmx_code = 150
    http_status = 403
    default_message = "Semantic error"


class ForbiddenError(SdmxError):
    """Authenticated, but not allowed to do this."""

    sdmx_code = 150
    http_status = 403
    default_message = "Forbidden"


class NotAcceptableError(SdmxError):
    """No representation matches the Accept header."""

    sdmx_code = 140
    http_status = 406
    default_message = "Not acceptable"


class NotImplementedYetError(SdmxError):
    """A standard resource the server does not implement (code 501)."""

    sdmx_code = 501
    http_status = 501
    default_message = "Not implemented"


class MethodNotAllowedError(SdmxError):
    """HTTP method not supported on this path."""

    sdmx_code = 140
    http_status = 405
    default_message = "Method not allowed"


class UriTooLongError(SdmxError):
    """The request URI exceeds the configured limit."""

    sdmx_code = 140
    http_status = 414
    default_message = "URI too long"


class ConflictError(SdmxError):
    """A write conflicts with stored content (missing references, finality, in use)."""

    sdmx_code = 150
    http_status = 409
    default_message = "Conflict"


class UnprocessableError(SdmxError):
    """A submission is well formed but fails validation."""

    sdmx_code = 150
    http_status = 422
    default_message = "Unprocessable submission"


class UnsupportedMediaTypeError(SdmxError):
    """A request body in a format the server does not read."""

    sdmx_code = 140
    http_status = 415
    default_message = "Unsupported media type"


class ClientAbortedError(SdmxError):
    """The client went away before the request was received whole (nginx's 499: nobody reads the answer)."""

    sdmx_code = 140
    http_status = 499
    default_message = "Client closed the connection"


class ServiceUnavailableError(SdmxError):
    """The database or another dependency is down."""

    sdmx_code = 503
    http_status = 503
    default_message = "Service unavailable"


class InternalError(SdmxError):
    """A bug; never raised for a client's mistake."""

    sdmx_code = 500
    http_status = 500
    default_message = "Internal server error"


class StructureLoadError(Exception):
    """A structure message or artefact cannot be stored (carries the artefact and reason)."""

    def __init__(self, artefact: str, reason: str) -> None:
        self.artefact = artefact
        self.reason = reason
        super().__init__(f"{artefact}: {reason}")
