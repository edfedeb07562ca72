"""The application's routes as one flat table: what ``OPTIONS`` advertises and what
``/openapi.json`` describes both come from here, so that neither can drift from the routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match, Mount

# The order in which methods are listed (Allow headers, OpenAPI operations).
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_CONVERTER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:[A-Za-z_]+)?\}")


@dataclass(frozen=True)
class RouteEntry:
    """One route: its path template (converters stripped, as OpenAPI writes it), methods and route."""

    path: str
    methods: frozenset[str]
    route: BaseRoute
    name: str
    include_in_schema: bool


def openapi_path(path: str) -> str:
    """``/rest/{resource:structure_resource}/{rest:path}`` -> ``/rest/{resource}/{rest}``."""
    return _CONVERTER.sub(lambda m: "{" + m.group(1) + "}", path)


def routes_of(app: FastAPI) -> list[RouteEntry]:
    """Every route of ``app`` (included routers flattened), in dispatch order."""
    out: list[RouteEntry] = []
    for ctx in iter_route_contexts(app.router.routes):
        route = ctx.route
        path = ctx.path or getattr(route, "path", None)
        if path is None:
            continue
        if isinstance(route, Mount):  # static files and sub-applications answer GET and HEAD
            methods = frozenset({"GET", "HEAD"})
        else:
            methods = frozenset(ctx.methods or ())
        out.append(
            RouteEntry(
                path=openapi_path(path),
                methods=methods,
                route=route,
                name=ctx.name or "",
                include_in_schema=bool(getattr(route, "include_in_schema", True)),
            )
        )
    return out


def sort_methods(methods: set[str] | frozenset[str]) -> list[str]:
    """Methods in a stable, conventional order."""
    return sorted(
        methods,
        key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER), m),
    )


def methods_for_path(app: FastAPI, path: str) -> list[str]:
    """The methods some route of ``app`` answers at ``path`` (without OPTIONS, which the
    middleware answers everywhere)."""
    methods: set[str] = set()
    for entry in routes_of(app):
        scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "headers": []}
        try:
            match, _ = entry.route.matches(scope)
        except Exception:  # a converter refusing the value: that route does not match
            continue
        if match is not Match.NONE:
            methods |= entry.methods
    return sort_methods(methods)


def route_for(app: FastAPI, path: str, method: str) -> RouteEntry | None:
    """The route that answers ``method`` at ``path`` (the first full match, as dispatch does)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
    for entry in routes_of(app):
        try:
            match, _ = entry.route.matches(scope)
        except Exception:  # a converter refusing the value
            continue
        if match is Match.FULL:
            return entry
    return None


__all__ = [
    "RouteEntry",
    "methods_for_path",
    "openapi_path",
    "route_for",
    "routes_of",
    "sort_methods",
]
