"""HEAD for every GET route of a router (RFC 9110: a server that answers GET answers HEAD).

FastAPI registers exactly the methods a route names, so a ``@router.get`` route
answers 405 to HEAD. :func:`with_head` adds a HEAD twin (same endpoint, out of
the OpenAPI description, which ``api/openapi.py`` writes from the route table)
to every GET-only route that has none; starlette strips the body of HEAD answers.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute


def with_head(router: APIRouter) -> APIRouter:
    """``router`` with a HEAD route beside each GET route that lacks one (idempotent)."""
    heads = {
        r.path for r in router.routes if isinstance(r, APIRoute) and "HEAD" in (r.methods or ())
    }
    for route in list(router.routes):
        if (
            isinstance(route, APIRoute)
            and "GET" in (route.methods or ())
            and route.path not in heads
        ):
            # route.path carries the router's prefix, which add_api_route adds again
            path = route.path[len(router.prefix) :] if router.prefix else route.path
            router.add_api_route(
                path,
                route.endpoint,
                methods=["HEAD"],
                include_in_schema=False,
                name=f"{route.name}_head",
                response_class=route.response_class,
            )
            heads.add(route.path)
    return router
