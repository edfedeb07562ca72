"""``/rest/availableconstraint/{flowRef}[/{key}[/{providerRef}[/{componentID}]]]`` (SDMX REST v1.3+)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.data_params import parse_data_v1
from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.http import (
    accepts_gzip,
    admit,
    bytes_response,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.api.paths import ID_RE, check_params, split_path
from sdmx_server.api.public_url import public_base_url
from sdmx_server.domain.errors import BadRequestError
from sdmx_server.domain.kinds import is_availability_mode
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.media_types import parse_accept_language
from sdmx_server.formats.registry import AVAILABILITY_V1, negotiate_request, structure_writer
from sdmx_server.services.availability_answer import answer_availability
from sdmx_server.services.structure_render import Rendered

router = APIRouter(tags=["availability (SDMX 2.1)"])

PARAMS = {"mode", "startPeriod", "endPeriod", "updatedAfter", "references", "format"}


@router.get("/rest/availableconstraint/{rest:path}")
@router.head(
    "/rest/availableconstraint/{rest:path}", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def availableconstraint(rest: str, request: Request, services: ServicesDep) -> Response:
    """An Actual content constraint of the data present, with series and observation counts
    (annotations of type ``sdmx_metrics``), in SDMX-ML 2.1 or, when asked, SDMX-JSON 1.0/2.0/2.1.
    ``mode=exact|available``, periods, ``references``."""
    params = dict(request.query_params)
    check_params(params, PARAMS)
    format_value = params.pop("format", None)  # format=structure, as on structure queries
    mode = params.pop("mode", "exact")
    references = params.pop("references", "none")
    if not is_availability_mode(mode):
        raise BadRequestError("mode must be exact or available")
    segments = split_path(rest)
    if not segments or len(segments) > 4:
        raise BadRequestError(
            "Expected /availableconstraint/{flowRef}[/{key}[/{providerRef}[/{componentID}]]]"
        )
    component = segments[3] if len(segments) == 4 and segments[3] not in ("all", "*") else None
    if component is not None and not ID_RE.match(component):
        raise BadRequestError(f"'{component}' is not a valid component id")
    req = parse_data_v1("/".join(segments[:3]), params)
    media, _ = negotiate_request(request.headers.get("accept"), format_value, AVAILABILITY_V1)
    settings = services.settings
    languages = Languages(
        parse_accept_language(request.headers.get("accept-language")), settings.default_language
    )
    admit(request, settings.db_pool_timeout)
    principal = services.auth.authenticate(request.headers.get("authorization"))
    answer = answer_availability(
        services.data_query,
        principal,
        req,
        mode,
        component,
        (references,),
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
