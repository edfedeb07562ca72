"""SDMX REST v1 (SDMX 2.1) structure queries: ``/rest/{resource}/{agency}/{id}/{version}/{item}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.http import (
    accepts_gzip,
    bytes_response,
    is_not_modified,
    not_modified_response,
    validator_headers,
)
from sdmx_server.api.paths import parse_structure_v1
from sdmx_server.formats.common import Languages
from sdmx_server.formats.media_types import negotiate, parse_accept_language
from sdmx_server.formats.registry import STRUCTURE_V1

router = APIRouter(tags=["structure (SDMX 2.1)"])


def answer_structure(request: Request, services: ServicesDep, resource: str, rest: str) -> Response:
    """Parse, negotiate, then answer from the renderer (304 when the client is current)."""
    settings = services.settings
    query = parse_structure_v1(resource, rest, request.query_params, settings.source_alias)
    media, _ = negotiate(request.headers.get("accept"), STRUCTURE_V1)
    languages = Languages(parse_accept_language(request.headers.get("accept-language")), settings.default_language)
    renderer = services.structure_renderer
    validators = renderer.validators(query, media, languages)
    if is_not_modified(request, validators.etag, validators.last_modified):
        return not_modified_response(validators.etag, validators.last_modified, request)
    rendered = renderer.render(query, media, languages, validators.etag)
    gz = accepts_gzip(request)
    headers = validator_headers(validators.etag, validators.last_modified, gz=gz)
    return bytes_response(request, rendered.body, rendered.gzipped() if gz else None, media.content_type, headers)


@router.api_route("/rest/{resource}", methods=["GET", "HEAD"], include_in_schema=False)
def structure_bare(resource: str, request: Request, services: ServicesDep) -> Response:
    """``/rest/{resource}``: every artefact of that type (latest versions)."""
    return answer_structure(request, services, resource, "")


@router.api_route("/rest/{resource}/{rest:path}", methods=["GET", "HEAD"])
def structure(resource: str, rest: str, request: Request, services: ServicesDep) -> Response:
    """Structure query: ``/rest/{resource}/{agencyID}/{resourceID}/{version}/{itemID}``.

    ``references``: none, parents, parentsandsiblings, children, descendants,
    all, or a resource type. ``detail``: full, allstubs, referencestubs,
    referencepartial, allcompletestubs, referencecompletestubs.
    """
    return answer_structure(request, services, resource, rest)
