"""``/``: what this server is and where to go (HTML for browsers, JSON for programs)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sdmx_server.api.public_url import public_base_url
from sdmx_server.formats.media_types import parse_accept

router = APIRouter(tags=["operations"])

TITLE = "SDMX server for labour-market statistics"
LINKS = (
    ("api_v1", "/rest", "SDMX REST API v1 (SDMX 2.1): structures, data, availability, schemas"),
    (
        "api_v2",
        "/rest/v2",
        "SDMX REST API v2 (SDMX 3.0): structure and data submission, submissions",
    ),
    ("docs", "/docs", "API documentation (Swagger UI)"),
    ("redoc", "/redoc", "API documentation (ReDoc)"),
    ("openapi", "/openapi.json", "OpenAPI description"),
    ("portal", "/portal", "Portal: browse dataflows and data"),
)


def wants_json(accept: str | None) -> bool:
    """True when the client ranks a JSON type above HTML (browsers send text/html first)."""
    if not accept:
        return False
    for rng in parse_accept(accept):
        kind = f"{rng.type}/{rng.subtype}"
        if kind in ("text/html", "application/xhtml+xml", "*/*", "text/*"):
            return False
        if kind == "application/json" or kind.endswith("+json"):
            return True
    return False


# The API roots are prefixes, not pages: the page links a listing (v1) or the docs (v2) instead.
BROWSE = {"api_v1": "/rest/dataflow", "api_v2": "/docs"}


def _item(base: str, key: str, path: str, text: str) -> str:
    href = base + BROWSE.get(key, path)
    label = f"<code>{escape(base + path)}</code>"
    return f'    <li><a href="{escape(href)}">{label}</a>: {escape(text)}</li>'


@router.get("/", summary="Service root")
async def home(request: Request) -> Response:
    """Name the API (v1 under /rest, v2 under /rest/v2), the documentation and the portal."""
    base = public_base_url(request)
    if wants_json(request.headers.get("accept")):
        return JSONResponse({"name": TITLE, "links": {key: base + path for key, path, _ in LINKS}})
    items = "\n".join(_item(base, key, path, text) for key, path, text in LINKS)
    page = (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{TITLE}</title></head>\n'
        f"<body>\n  <h1>{TITLE}</h1>\n  <ul>\n{items}\n  </ul>\n</body>\n</html>\n"
    )
    return HTMLResponse(page)


router.add_api_route("/", home, methods=["HEAD"], include_in_schema=False)
