"""SDMX REST v2 (SDMX 3.0/3.1) structure queries: ``GET /rest/v2/structure/{type}/{agency}/{id}/{version}/{items}``.

Mounted on ``/rest/v2/structure`` only, so that the other v2 families (data,
availability, schema) keep their own routes. Parsing is v2's
(:mod:`sdmx_server.api.structure_params_v2`); everything after it is the v1
answer path (:func:`respond_structure`). Reference metadata and registrations
are not served yet: a clear 501.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import Response

from sdmx_server.api.structure_params_v2 import parse_structure_v2
from sdmx_server.api.structure_response import respond_structure
from sdmx_server.domain.errors import BadRequestError, NotImplementedYetError
from sdmx_server.formats.registry import STRUCTURE_QUERY_V2
from sdmx_server.services.structure_query import StructureQuery

router = APIRouter(tags=["structure (SDMX 3.0)"])


@lru_cache(maxsize=4096)
def _parse(rest: str, query_string: str, source_alias: str) -> StructureQuery:
    # A pure function of the request line, like v1's: repeated requests skip it.
    structure_type, _, tail = rest.strip("/").partition("/")
    if not structure_type:
        raise BadRequestError(
            "Missing structure type: /structure/{structureType}/{agencyID}/{resourceID}/{version}"
        )
    return parse_structure_v2(
        structure_type, tail, dict(parse_qsl(query_string, keep_blank_values=True)), source_alias
    )


async def structure_v2(request: Request) -> Response:
    """Structure query: ``/rest/v2/structure/{structureType}/{agencyID}/{resourceID}/{version}/{itemID}``.

    ``references``: none, parents, parentsandsiblings, ancestors, children,
    descendants, all or a structure type, several comma-separated. ``detail``:
    full, allstubs, referencestubs, referencepartial, allcompletestubs,
    referencecompletestubs, raw.
    """
    settings = request.app.state.services.settings
    query_string = request.scope.get("query_string", b"").decode("latin-1")
    query = _parse(request.path_params.get("rest", ""), query_string, settings.source_alias)
    return await respond_structure(request, query, STRUCTURE_QUERY_V2)


async def not_served_v2(request: Request) -> Response:
    """Reference metadata and registrations: not served by this server yet."""
    family = request.url.path.removeprefix("/rest/v2/").split("/", 1)[0]
    what = {"metadata": "Reference metadata queries", "registration": "Registration queries"}[
        family
    ]
    raise NotImplementedYetError(
        f"{what} (/rest/v2/{family}/...) are not implemented by this server yet"
    )


# Plain Starlette routes (as v1): FastAPI's per-request validation would cost more than a 304.
for _path in ("/rest/v2/structure", "/rest/v2/structure/", "/rest/v2/structure/{rest:path}"):
    router.add_route(_path, structure_v2, methods=["GET", "HEAD"], include_in_schema=False)
for _family in ("metadata", "registration"):
    for _path in (f"/rest/v2/{_family}", f"/rest/v2/{_family}/{{rest:path}}"):
        router.add_route(_path, not_served_v2, methods=["GET", "HEAD"], include_in_schema=False)
