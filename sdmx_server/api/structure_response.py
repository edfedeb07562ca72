"""The one answer path of structure queries, shared by the v1 and v2 routes.

Routes parse their own URL grammar into a :class:`StructureQuery` and pass the
formats their API offers; negotiation, validators (ETag, Last-Modified, 304),
the rendered-body cache, gzip and HEAD are the same for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sdmx_server.api.http import (
    accepts_gzip,
    bytes_response,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.api.public_url import public_base_url
from sdmx_server.formats.common import Languages
from sdmx_server.formats.media_types import MediaType, parse_accept_language
from sdmx_server.formats.registry import negotiate_request
from sdmx_server.services.container import Services
from sdmx_server.services.structure_query import StructureQuery


async def respond_structure(
    request: Request, query: StructureQuery, offers: Sequence[MediaType]
) -> Response:
    """Negotiate, then answer from the renderer (304 when the client is current).

    Runs on the event loop while it needs no I/O (validators from the in-memory
    structure state, a body this worker already rendered); database work goes
    to the thread pool.
    """
    services: Services = request.app.state.services  # no dependency injection: this path is hot
    settings = services.settings
    media, _ = negotiate_request(
        request.headers.get("accept"), request.query_params.get("format"), offers
    )
    languages = Languages(
        parse_accept_language(request.headers.get("accept-language")), settings.default_language
    )
    renderer = services.structure_renderer
    base = public_base_url(request, settings)
    state = renderer.state.snapshot()
    if state is not None:
        validators = renderer.validators(query, media, languages, state, public_url=base)
    else:
        validators = await run_in_threadpool(
            partial(renderer.validators, public_url=base), query, media, languages
        )
    rendered = renderer.cached(validators.etag)
    if is_not_modified(request, validators.etag, validators.last_modified):
        if rendered is None:  # a query with no result is 404 whatever the client holds
            await run_in_threadpool(renderer.render, query, media, languages, validators.etag, base)
        return not_modified_response(validators.etag, validators.last_modified, request)
    if rendered is None:
        rendered = await run_in_threadpool(
            renderer.render, query, media, languages, validators.etag, base
        )
    gz = accepts_gzip(request)
    headers = validator_headers(validators.etag, validators.last_modified, gz=gz)
    gz_body = None
    if gz:
        gz_body = (
            rendered.gzipped() if rendered.has_gzip else await run_in_threadpool(rendered.gzipped)
        )
    return bytes_response(request, rendered.body, gz_body, media.content_type, headers)
