"""SDMX REST v2 (SDMX 3.0 and 3.1) data queries: ``/rest/v2/data/{context}/{agency}/{id}/{version}/{key}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.data_params_v2 import parse_data_v2
from sdmx_server.api.data_response import answer_data
from sdmx_server.api.deps import ServicesDep
from sdmx_server.formats.media_types import negotiate
from sdmx_server.formats.registry import DATA_V2

router = APIRouter(tags=["data (SDMX 3.0)"])


@router.get("/rest/v2/data/{rest:path}")
@router.head("/rest/v2/data/{rest:path}", include_in_schema=False)
def data_v2(rest: str, request: Request, services: ServicesDep) -> Response:
    """Data query. Parameters: ``c[COMPONENT]=op:value`` (``eq ne lt le gt ge co nc sw ew``; ``,`` OR, ``+`` AND),
    attributes, measures, updatedAfter, includeHistory, asOf, firstNObservations, lastNObservations,
    dimensionAtObservation, offset, limit, sort (and the ``Range: values=a-b`` header)."""
    req = parse_data_v2(rest, request.url.query, services.settings.source_alias)
    media, params = negotiate(request.headers.get("accept"), DATA_V2)
    return answer_data(request, services, req, media, params, no_data_204=True)
