"""Answering a data query over HTTP: the service call, then 304, 206, HEAD, streaming and gzip."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response

from sdmx_server.api.data_params import parse_range
from sdmx_server.api.http import (
    VARY,
    accepts_gzip,
    admit,
    client_gone,
    gone_response,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.api.public_url import public_base_url
from sdmx_server.api.streaming import ReleasingStreamingResponse
from sdmx_server.domain.errors import NoDataError
from sdmx_server.formats.common import Languages
from sdmx_server.formats.media_types import MediaType, parse_accept_language
from sdmx_server.services.auth import Principal
from sdmx_server.services.container import Services
from sdmx_server.services.data_answer import ClientGone, DataOptions, NotModified
from sdmx_server.services.data_answer import answer_data as service_answer
from sdmx_server.services.data_query import DataRequest


def gzip_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Compress a byte stream as gzip, chunk by chunk."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    try:
        for chunk in chunks:
            out = comp.compress(chunk)
            if out:
                yield out
        yield comp.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # an abandoned answer closes its source now, in this thread
            close()


def answer_data(
    request: Request,
    services: Services,
    req: DataRequest,
    media: MediaType,
    params: dict[str, str],
    principal: Principal | None = None,
    languages: Languages | None = None,
    *,
    no_data_204: bool = False,
) -> Response:
    """The full answer to a data query in ``media`` (``params``: the media type's extra parameters), for
    ``principal`` (the bearer token's by default; the portal passes its session's, and its user's language).

    ``no_data_204``: a valid query whose data are empty answers 204 No Content (SDMX REST 2.x) rather
    than the v1 404; a query naming structures that do not exist stays 404."""
    settings = services.settings
    options = DataOptions(
        labels=params.get("labels", "id"),
        time_format=params.get("timeformat", params.get("timeFormat", "original")),
        csv_keys=params.get("keys", "none"),
        languages=languages
        or Languages(
            parse_accept_language(request.headers.get("accept-language")), settings.default_language
        ),
        range=parse_range(request.headers.get("range")),
        public_url=public_base_url(request, settings),
    )  # links in SDMX-JSON: part of the ETag
    admit(request, settings.db_pool_timeout)
    if client_gone(request):
        return gone_response()
    principal = principal or services.auth.authenticate(request.headers.get("authorization"))
    try:
        answer = service_answer(
            services.data_query,
            principal,
            req,
            media,
            options,
            lambda etag, modified, unchanged: is_not_modified(request, etag, modified, unchanged),
            gone=lambda: client_gone(request),
        )
    except ClientGone:  # it went away while this request waited for a connection
        return gone_response()
    except NoDataError:
        if not no_data_204:
            raise
        # 204 has no body (so no SDMX error message) and no validators; an authorised emptiness stays private
        authorised = bool(request.headers.get("authorization"))
        empty_headers = {"Vary": VARY + (", Authorization" if authorised else "")}
        if authorised:
            empty_headers["Cache-Control"] = "private"
        return Response(status_code=204, headers=empty_headers)
    if isinstance(answer, NotModified):
        return not_modified_response(answer.etag, answer.last_modified, request)
    gz = accepts_gzip(request)
    headers = validator_headers(answer.etag, answer.last_modified, gz=gz)
    headers["Accept-Ranges"] = "values"
    status = 200
    if answer.content_range is not None:
        headers["Content-Range"] = answer.content_range
        status = 206
    if request.method == "HEAD":
        answer.close()
        return Response(status_code=status, media_type=media.content_type, headers=headers)
    body = answer.body
    if gz:
        headers["Content-Encoding"] = "gzip"
        body = gzip_stream(body)
    headers["Vary"] = VARY + (", Authorization" if request.headers.get("authorization") else "")
    if answer.private:
        headers["Cache-Control"] = "private"
    return ReleasingStreamingResponse(
        body, answer.close, status_code=status, media_type=media.content_type, headers=headers
    )
