"""Answering a data query over HTTP: validators, 304, 413/paging, streaming and gzip."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from sdmx_server.api.data_params import parse_range
from sdmx_server.api.http import (
    VARY,
    accepts_gzip,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.errors import BadRequestError, NotAcceptableError, RangeNotSatisfiableError
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.media_types import MediaType, parse_accept_language
from sdmx_server.formats.registry import NO_VERSIONS, TIME_SERIES_ONLY, data_writer, raw_data_writer
from sdmx_server.services.auth import Principal, require_preview, require_read
from sdmx_server.services.container import Services
from sdmx_server.services.data_query import DataRequest


def gzip_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Compress a byte stream as gzip, chunk by chunk."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()


def answer_data(request: Request, services: Services, req: DataRequest, media: MediaType,
                params: dict[str, str], principal: Principal | None = None,
                languages: Languages | None = None) -> Response:
    """The full answer to a data query in ``media`` (for ``principal``: the bearer token's by default;
    the portal passes its session's, and its user's language)."""
    labels = params.get("labels", "id")
    time_format = params.get("timeformat", params.get("timeFormat", "original"))
    csv_keys = params.get("keys", "none")
    if labels not in ("id", "both") or time_format not in ("original", "normalized") or \
            csv_keys not in ("none", "series", "obs", "both"):
        raise BadRequestError("labels must be id|both, timeFormat original|normalized, keys none|series|obs|both")
    if media.format_id in NO_VERSIONS and (req.updated_after is not None or req.include_history):
        raise NotAcceptableError(
            f"{media.content_type} cannot carry deletions or versions, which updatedAfter and includeHistory "
            "answers need: ask for application/vnd.sdmx.data+csv;version=2.0.0 (its ACTION column carries them), "
            "SDMX-ML or SDMX-JSON")
    if media.format_id in TIME_SERIES_ONLY and req.dim_at_obs not in (None, "TIME_PERIOD"):
        raise BadRequestError(f"{media.content_type} carries time series only: dimensionAtObservation must be the "
                              "time dimension")
    rng = parse_range(request.headers.get("range"))
    if rng is not None:
        first, last = rng
        req = replace(req, offset=first, limit=None if last is None else last - first + 1)
    query = services.data_query
    settings = services.settings
    languages = languages or Languages(parse_accept_language(request.headers.get("accept-language")),
                                       settings.default_language)
    principal = principal or services.auth.authenticate(request.headers.get("authorization"))
    session = query.open()
    try:
        _row, info = query.resolve(session, req)
        require_read(principal, info.dataflow.ref.triplet, info.dataflow_pk, info.is_public, info.provider_pks)
        if req.preview:
            req = replace(req, preview_provider=require_preview(principal, info.dataflow.ref.triplet,
                                                                info.provider_pks))
        if req.dim_at_obs not in (None, "AllDimensions", info.time_dimension) and req.dim_at_obs not in info.dimension_ids:
            raise BadRequestError(f"dimensionAtObservation={req.dim_at_obs} is not a dimension of {info.dsd.ref}")
        tag = f"{media.format_id}|{labels}|{time_format}|{csv_keys}|{languages.tag}|{rng}"
        now = utcnow()
        etag, last_modified = query.validators(session, info, req, tag, now)
        if is_not_modified(request, etag, last_modified,
                           lambda since: query.unchanged_within(session, info, since, now)):
            session.close()
            return not_modified_response(etag, last_modified, request)
        render = RenderContext(public_url=settings.public_url, languages=languages)
        prepared = query.prepare(session, info, req, render, labels=labels, time_format=time_format,
                                 etag=etag, last_modified=last_modified,
                                 paging=req.offset is not None or req.limit is not None,
                                 count_needed=rng is not None, csv_by_database=raw_data_writer(media) is not None,
                                 with_labels=labels == "both" or media.format_id.startswith("data-json"),
                                 csv_keys=csv_keys)
    except BaseException:
        session.close()
        raise
    gz = accepts_gzip(request)
    headers = validator_headers(etag, last_modified, gz=gz)
    headers["Accept-Ranges"] = "values"
    status = 200
    if rng is not None:
        total = prepared.total or 0
        first = rng[0]
        if first >= total:
            prepared.close()
            raise RangeNotSatisfiableError(f"The answer has {total} observations", headers={"Content-Range": f"values */{total}"})
        last = total - 1 if rng[1] is None else min(rng[1], total - 1)
        headers["Content-Range"] = f"values {first}-{last}/{total}"
        status = 206
    if request.method == "HEAD":
        prepared.close()
        return Response(status_code=status, media_type=media.content_type, headers=headers)
    raw_writer = raw_data_writer(media) if prepared.csv_chunks is not None else None
    if raw_writer is not None:
        body = raw_writer(prepared.context, prepared.raw_chunks())
    else:
        body = data_writer(media)(prepared.context, prepared.batches())
    if gz:
        headers["Content-Encoding"] = "gzip"
        body = gzip_stream(body)
    headers["Vary"] = VARY + (", Authorization" if request.headers.get("authorization") else "")
    if req.preview or not info.is_public:
        headers["Cache-Control"] = "private"
    return StreamingResponse(body, status_code=status, media_type=media.content_type, headers=headers)
