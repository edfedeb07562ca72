"""Pure ASGI middleware: request id, access log, metrics, CORS, OPTIONS, 414.

One middleware rather than several keeps the per-request overhead small (the
structure-latency benchmark compares against a trivial endpoint). It also
renders uncaught exceptions itself, so that even a 500 carries CORS headers
and is an SDMX error message.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sdmx_server.api.cache_policy import cache_control
from sdmx_server.api.errors import database_error, error_response
from sdmx_server.api.http import ARRIVED
from sdmx_server.api.metrics import observe_request
from sdmx_server.api.paths import V1_NOT_IMPLEMENTED, V1_RESOURCES
from sdmx_server.domain.errors import BadRequestError, InternalError, UriTooLongError

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("sdmx_server.access")
log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Control characters (a percent-encoded newline, NUL, ...) are in no SDMX identifier; Starlette's
# path patterns do not match a newline, so such paths would otherwise reach the wrong route (405)
# or lose the character (``/rest/data/EXR%0A`` answered as ``/rest/data/EXR``).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_TOP_FAMILIES = frozenset(
    {"health", "ready", "metrics", "schemas", "admin", "docs", "openapi.json", "favicon.ico"}
)
_REST_FAMILIES = (
    frozenset(V1_RESOURCES) | V1_NOT_IMPLEMENTED | {"data", "availableconstraint", "schema"}
)
_V2_FAMILIES = frozenset({"structure", "data", "availability", "schema", "metadata", "submissions"})


def _family(path: str) -> str:
    """Low-cardinality label for metrics: a known path family, or ``other``
    (a label per arbitrary path segment would grow the series without bound)."""
    parts = path.split("/")
    first = parts[1] if len(parts) > 1 else ""
    if first != "rest":
        if not first:
            return "root"
        return first if first in _TOP_FAMILIES else "other"
    second = parts[2] if len(parts) > 2 else ""
    if not second:
        return "rest"
    if second == "v2":
        third = parts[3] if len(parts) > 3 else ""
        return "v2/" + (third if third in _V2_FAMILIES else "other" if third else "")
    return second if second in _REST_FAMILIES else "other"


class ServerMiddleware:
    """Request id, access log line, Prometheus metrics, CORS headers and 414/OPTIONS handling."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: str = "*",
        max_uri_length: int = 8192,
        methods_for: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.app = app
        self.allow_origins = [o.strip() for o in allow_origins.split(",") if o.strip()]
        self.max_uri_length = max_uri_length
        # what OPTIONS advertises: the methods of the routes matching the path (api/route_table.py)
        self.methods_for = methods_for or (lambda _path: ["GET", "HEAD"])

    def _cors_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
        if "*" in self.allow_origins:
            allowed = "*"
        elif origin and origin in self.allow_origins:
            allowed = origin
        else:
            return []
        return [
            (b"access-control-allow-origin", allowed.encode()),
            (
                b"access-control-expose-headers",
                b"ETag, Last-Modified, Content-Range, Content-Encoding, Location, X-Request-ID, Vary",
            ),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        scope[ARRIVED] = start
        rid = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        if not _SAFE_ID.match(rid):
            rid = secrets.token_hex(8)
        token = request_id_var.set(rid)
        status = 500
        sent = 0
        started = False
        extra = [(b"x-request-id", rid.encode())] + self._cors_headers(scope)
        authorized = any(k == b"authorization" for k, _ in scope["headers"])
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                route_value = next(
                    (
                        v.decode("latin-1")
                        for k, v in message.get("headers", [])
                        if k.lower() == b"cache-control"
                    ),
                    None,
                )
                policy = cache_control(scope["method"], path, status, authorized, route_value)
                message["headers"] = headers + [(b"cache-control", policy.encode())] + extra
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            uri_len = len(scope.get("raw_path") or path) + len(scope.get("query_string") or b"") + 1
            if uri_len > self.max_uri_length:
                await error_response(
                    Request(scope),
                    UriTooLongError(
                        f"The request URI has {uri_len} characters; the limit is {self.max_uri_length}"
                    ),
                )(scope, receive, send_wrapper)
            elif _CONTROL.search(path):
                await error_response(
                    Request(scope),
                    BadRequestError(
                        "The path holds a control character (such as a newline), which no SDMX identifier "
                        "contains"
                    ),
                )(scope, receive, send_wrapper)
            elif scope["method"] == "OPTIONS":
                await self._options(scope, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            unavailable = database_error(
                Request(scope), exc
            )  # logged once per outage, not per request
            if unavailable is None:
                log.exception("unhandled error on %s %s", scope.get("method"), path)
            if not started:
                await error_response(Request(scope), unavailable or InternalError())(
                    scope, receive, send_wrapper
                )
            elif unavailable is None:
                raise
            # else: the database went away mid-answer; the answer ends unfinished (the client sees it cut)
        finally:
            elapsed = time.perf_counter() - start
            family = _family(path)
            observe_request(scope["method"], family, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                qs = scope.get("query_string", b"").decode("latin-1")
                access_log.info(
                    "%s %s%s %d %dB %.1fms",
                    scope["method"],
                    path,
                    f"?{qs}" if qs else "",
                    status,
                    sent,
                    elapsed * 1000,
                )
            request_id_var.reset(token)

    async def _options(self, scope: Scope, send: Any) -> None:
        path = scope.get("path", "")
        methods = ", ".join([*self.methods_for(path), "OPTIONS"])
        requested = next(
            (v for k, v in scope["headers"] if k == b"access-control-request-headers"), b""
        )
        headers = [
            (b"allow", methods.encode()),
            (b"access-control-allow-methods", methods.encode()),
            (
                b"access-control-allow-headers",
                requested
                or b"Accept, Accept-Language, Authorization, Content-Type, If-None-Match, If-Modified-Since, Range, Prefer",
            ),
            (b"access-control-max-age", b"600"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
