"""``/rest/v2/availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}`` (SDMX REST 2.x)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.data_params_v2 import parse_availability_v2
from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.http import (
    accepts_gzip,
    admit,
    bytes_response,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.api.public_url import public_base_url
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.media_types import negotiate, parse_accept_language
from sdmx_server.formats.registry import AVAILABILITY_V2, structure_writer
from sdmx_server.services.availability_answer import answer_availability
from sdmx_server.services.structure_render import Rendered

router = APIRouter(tags=["availability (SDMX 3.0)"])


@router.get("/rest/v2/availability/{rest:path}")
@router.head("/rest/v2/availability/{rest:path}", include_in_schema=False)
def availability_v2(rest: str, request: Request, services: ServicesDep) -> Response:
    """The data present, as an Actual DataConstraint (SDMX 3.0; an AvailabilityConstraint with its counts
    when SDMX-ML 3.1 or SDMX-JSON 2.1 is asked for; SDMX-JSON 2.0 and 1.0, SDMX-ML 2.1 when asked).
    Parameters: ``c[COMPONENT]``, mode=exact|available, references (none, all, datastructure,
    conceptscheme, codelist, valuelist, dataproviderscheme, dataflow), updatedAfter."""
    query = parse_availability_v2(rest, request.url.query, services.settings.source_alias)
    media, _ = negotiate(request.headers.get("accept"), AVAILABILITY_V2)
    settings = services.settings
    languages = Languages(
        parse_accept_language(request.headers.get("accept-language")), settings.default_language
    )
    admit(request, settings.db_pool_timeout)
    principal = services.auth.authenticate(request.headers.get("authorization"))
    answer = answer_availability(
        services.data_query,
        principal,
        query.data,
        query.mode,
        query.component,
        query.references,
        f"{media.format_id}|{languages.tag}",
        lambda etag, modified, unchanged: is_not_modified(request, etag, modified, unchanged),
    )
    if answer.entries is None:
        return not_modified_response(answer.etag, answer.last_modified, request)
    body = structure_writer(media)(
        answer.entries,
        RenderContext(public_url=public_base_url(request, settings), languages=languages),
    )
    gz = accepts_gzip(request)
    headers = validator_headers(answer.etag, answer.last_modified, gz=gz)
    if answer.private:
        headers["Cache-Control"] = "private"
    return bytes_response(
        request, body, Rendered(body).gzipped() if gz else None, media.content_type, headers
    )
