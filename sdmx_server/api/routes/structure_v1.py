"""SDMX REST v1 (SDMX 2.1) structure queries: ``/rest/{resource}/{agency}/{id}/{version}/{item}``."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from sdmx_server.api.paths import V1_NOT_IMPLEMENTED, V1_RESOURCES, parse_structure_v1
from sdmx_server.api.structure_response import respond_structure
from sdmx_server.formats.registry import STRUCTURE_QUERY_V1
from sdmx_server.services.structure_query import StructureQuery

router = APIRouter(tags=["structure (SDMX 2.1)"])

# The structure resources this router answers first (before the data, availability and schema
# routers); anything else under /rest falls through to ``fallback_router`` at the end, which
# answers unknown resources with an SDMX error.
STRUCTURE_RESOURCES = "|".join(
    sorted(set(V1_RESOURCES) | V1_NOT_IMPLEMENTED, key=len, reverse=True)
)


class StructureResourceConvertor(Convertor[str]):
    """Matches only structure resource names, so that this router can come first."""

    regex = f"(?:{STRUCTURE_RESOURCES})"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("structure_resource", StructureResourceConvertor())


@lru_cache(maxsize=4096)
def _parse(resource: str, rest: str, query_string: str, source_alias: str) -> StructureQuery:
    # Parsing is a pure function of the request line: repeated requests (harvesters, 304s) skip it.
    return parse_structure_v1(
        resource, rest, dict(parse_qsl(query_string, keep_blank_values=True)), source_alias
    )


async def answer_structure(request: Request, resource: str, rest: str) -> Response:
    """Parse a v1 structure query, then answer it through the shared structure answer path."""
    settings = request.app.state.services.settings
    query_string = request.scope.get("query_string", b"").decode("latin-1")
    query = _parse(resource, rest, query_string, settings.source_alias)
    return await respond_structure(request, query, STRUCTURE_QUERY_V1)


async def structure(request: Request) -> Response:
    """Structure query: ``/rest/{resource}/{agencyID}/{resourceID}/{version}/{itemID}``.

    ``references``: none, parents, parentsandsiblings, children, descendants,
    all, or a resource type. ``detail``: full, allstubs, referencestubs,
    referencepartial, allcompletestubs, referencecompletestubs.
    """
    params = request.path_params
    return await answer_structure(request, params["resource"], params.get("rest", ""))


# Plain Starlette routes: FastAPI's per-request parameter validation would cost more than a 304.
for _path in (
    "/rest/{resource:structure_resource}",
    "/rest/{resource:structure_resource}/{rest:path}",
):
    router.add_route(_path, structure, methods=["GET", "HEAD"], include_in_schema=False)

fallback_router = APIRouter()
for _path in (
    "/rest/{resource}",
    "/rest/{resource}/{rest:path}",
):  # unknown resources: the parser's SDMX error
    fallback_router.add_route(_path, structure, methods=["GET", "HEAD"], include_in_schema=False)
