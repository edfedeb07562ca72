"""``Cache-Control`` per kind of answer, decided in one place (the middleware applies it).

| answer | Cache-Control | why |
|---|---|---|
| errors (4xx, 5xx) | ``no-store`` | an error says nothing lasting; a 404 may be data tomorrow |
| writes, submissions, ``/admin``, ``/health``, ``/ready``, ``/metrics`` | ``no-store`` | per-caller or live state |
| any answer to a request with ``Authorization`` (non-public data, embargo previews, ...) | ``private, no-cache`` | never in a shared cache |
| data and availability (public) | ``public, no-cache`` | caches may keep them but revalidate every time (ETag / Last-Modified): pushes and embargo releases are seen at once |
| structures and schemas (public) | ``public, max-age=60`` | change rarely; a minute of staleness at most, then revalidated |
| the official XSDs (``/schemas/``), the documentation's scripts | ``public, max-age=86400`` | they change only with a new release |
| portal pages (``/portal``, not its static files) | ``private, no-cache`` | they show a language, a session and live data: never in a shared cache, revalidated every time |
| ``/``, ``/docs``, ``/redoc``, ``/openapi.json``, the portal's scripts and styles, anything else | ``public, max-age=300`` | pages of the release |

A route that sets ``Cache-Control`` itself keeps it (the data routes mark
non-public data ``private``), except that errors are always ``no-store``
and a request with ``Authorization`` is never answered ``public``.
"""

from __future__ import annotations

from sdmx_server.api.paths import V1_NOT_IMPLEMENTED, V1_RESOURCES

NO_STORE = "no-store"
PRIVATE = "private, no-cache"
DATA = "public, no-cache"
STRUCTURE = "public, max-age=60"
STATIC = "public, max-age=86400"
PAGE = "public, max-age=300"

_LIVE = ("/health", "/ready", "/metrics", "/admin", "/rest/v2/submissions")
_DATA = ("/rest/data", "/rest/availableconstraint", "/rest/v2/data", "/rest/v2/availability")
_STRUCTURE_FIRST = frozenset(V1_RESOURCES) | V1_NOT_IMPLEMENTED | {"schema"}
_STATIC = ("/schemas/", "/static-offline-docs/")


def cache_control(
    method: str, path: str, status: int, authorized: bool, route_value: str | None
) -> str:
    """The ``Cache-Control`` value for this answer."""
    if status >= 400:
        return NO_STORE
    if method not in ("GET", "HEAD") or path.startswith(_LIVE):
        return route_value if route_value and "no-store" in route_value else NO_STORE
    if route_value:
        return PRIVATE if authorized and "public" in route_value else route_value
    if authorized or (path.startswith("/portal") and not path.startswith("/portal/static/")):
        return PRIVATE
    if path.startswith(_DATA):
        return DATA
    if path.startswith(_STATIC):
        return STATIC
    parts = path.split("/")
    if (
        len(parts) > 2
        and parts[1] == "rest"
        and (
            parts[2] in _STRUCTURE_FIRST
            or (parts[2] == "v2" and len(parts) > 3 and parts[3] in ("structure", "schema"))
        )
    ):
        return STRUCTURE
    return PAGE
