"""HTTP plumbing shared by routes: conditional GET, gzip, Vary, HEAD."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import anyio
from starlette.requests import Request
from starlette.responses import Response

from sdmx_server.domain.clock import http_date, parse_http_or_iso
from sdmx_server.domain.errors import ServiceUnavailableError

VARY = "Accept, Accept-Encoding, Accept-Language"

ARRIVED = (
    "sdmx_server.arrived"  # scope key: time.perf_counter() when the request arrived (middleware)
)


def admit(request: Request, max_wait: float) -> None:
    """503 (Retry-After: 1) for a request that already waited ``max_wait`` seconds for a worker thread.

    A burst queues requests for the thread pool before they wait for a pooled
    connection (at most ``max_wait`` too): shedding the ones that waited too long
    keeps every answer within a bounded time and lets the server recover as
    soon as the burst ends, instead of working through a backlog nobody waits for.
    """
    arrived = request.scope.get(ARRIVED)
    if arrived is not None and time.perf_counter() - arrived > max_wait:
        raise ServiceUnavailableError(
            "The server is busy: try again shortly", headers={"Retry-After": "1"}
        )


def client_gone(request: Request) -> bool:
    """True when the client of this request already disconnected (call from a worker thread).

    After a burst the thread pool still holds requests whose clients are gone (wrk
    closes its connections at the end of a run): they are dropped before they
    touch the database, so the server is back to idle as soon as the burst ends.
    """
    try:
        return bool(anyio.from_thread.run(request.is_disconnected))
    except RuntimeError:  # not in a worker thread of the event loop
        return False


def gone_response() -> Response:
    """The answer to a client that is no longer there (never sent; 499 in the access log)."""
    return Response(status_code=499)


def accepts_gzip(request: Request) -> bool:
    """True when the client accepts gzip (and did not refuse it with q=0)."""
    header = (request.headers.get("accept-encoding") or "").lower()
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            return "q=0" not in params.replace(" ", "") or "q=0." in params.replace(" ", "")
    return False


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    for candidate in header.split(","):
        c = candidate.strip()
        if c.startswith("W/"):
            c = c[2:]
        c = c.strip('"')
        if c in (bare, bare + "-gzip"):
            return True
    return False


def is_not_modified(
    request: Request,
    etag: str,
    last_modified: datetime,
    unchanged_within: Callable[[datetime], bool] | None = None,
) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since (HTTP-date or ISO 8601 accepted).

    ``unchanged_within(since)``: False when the one-second window an HTTP date
    stands for saw more than one change (the client may hold the earlier one).
    """
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return _etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    if ims:
        since = parse_http_or_iso(ims)
        if since is not None:
            return last_modified <= since and (unchanged_within is None or unchanged_within(since))
    return False


def validator_headers(etag: str, last_modified: datetime, *, gz: bool = False) -> dict[str, str]:
    """ETag, Last-Modified and Vary."""
    tag = etag if not gz else etag[:-1] + '-gzip"'
    return {"ETag": tag, "Last-Modified": http_date(last_modified), "Vary": VARY}


def not_modified_response(etag: str, last_modified: datetime, request: Request) -> Response:
    """304 with the validators."""
    return Response(
        status_code=304, headers=validator_headers(etag, last_modified, gz=accepts_gzip(request))
    )


def bytes_response(
    request: Request, body: bytes, gz_body: bytes | None, media_type: str, headers: dict[str, str]
) -> Response:
    """A complete body, gzipped when the client accepts it; no body for HEAD."""
    headers = dict(headers)
    payload = body
    if gz_body is not None:
        headers["Content-Encoding"] = "gzip"
        payload = gz_body
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(payload))
        return Response(status_code=200, media_type=media_type, headers=headers)
    return Response(payload, status_code=200, media_type=media_type, headers=headers)
