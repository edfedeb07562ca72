"""SDMX REST v2 (SDMX 3.0) queries not implemented yet: a clean 501, never a misleading 400."""

from __future__ import annotations

from fastapi import APIRouter

from sdmx_server.domain.errors import NotImplementedYetError

router = APIRouter(tags=["SDMX 3.0 (not yet)"])


@router.api_route("/rest/v2/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
def v2_not_implemented(rest: str) -> None:
    """SDMX REST v2 queries (structure, data, availability, schema) are not implemented yet."""
    raise NotImplementedYetError(
        "SDMX REST v2 (SDMX 3.0) queries are not implemented by this server yet; "
        "use the v1 paths under /rest"
    )
