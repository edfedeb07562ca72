"""SDMX REST v1 (SDMX 2.1) data queries: ``/rest/data/{flowRef}[/{key}[/{providerRef}]]``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.data_params import parse_data_v1
from sdmx_server.api.data_response import answer_data
from sdmx_server.api.deps import ServicesDep
from sdmx_server.formats.registry import DATA_V1, negotiate_request

router = APIRouter(tags=["data (SDMX 2.1)"])


@router.get("/rest/data/{rest:path}")
@router.head(
    "/rest/data/{rest:path}", include_in_schema=False
)  # HEAD too, without a second OpenAPI operation
def data(rest: str, request: Request, services: ServicesDep) -> Response:
    """Data query. Parameters: startPeriod, endPeriod, updatedAfter, firstNObservations,
    lastNObservations, dimensionAtObservation, detail, includeHistory; extensions from SDMX
    REST 2.2: asOf, offset, limit (and the ``Range: values=a-b`` header)."""
    req = parse_data_v1(rest, request.query_params)
    media, params = negotiate_request(
        request.headers.get("accept"), request.query_params.get("format"), DATA_V1
    )
    return answer_data(request, services, req, media, params)
