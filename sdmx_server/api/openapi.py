"""``/openapi.json``: every route of the application, with every status it can answer.

FastAPI documents only the routes declared with typed parameters, only their
GET operations and only status 200 (plus a 422 our error handler never sends:
invalid parameters are 400 here). This module starts from the route table
(``api/route_table.py``), so that every route and method is described, HEAD
included, and gives each operation the statuses and media types its family of
routes answers (:data:`FAMILIES`): a new route is described as soon as it
exists, and a test compares the document with the routes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sdmx_server.api.route_table import RouteEntry, routes_of, sort_methods
from sdmx_server.formats.errors import JSON_ERROR_TYPE, XML_ERROR_TYPE
from sdmx_server.formats.media_types import MediaType
from sdmx_server.formats.registry import (
    AVAILABILITY_V1,
    AVAILABILITY_V2,
    DATA_V1,
    STRUCTURE_QUERY_V1,
    STRUCTURE_QUERY_V2,
)

SCHEMA_XSD_TYPE = "application/vnd.sdmx.schema+xml;version=2.1"
JSON = "application/json"
ERROR_MEDIA = (XML_ERROR_TYPE, JSON_ERROR_TYPE)
# Conditional GETs (ETag / Last-Modified validators): these also answer 304.
_CONDITIONAL = (304,)


@dataclass(frozen=True)
class Family:
    """What the routes of one family answer: success statuses and their media types, errors."""

    pattern: str  # a regular expression on the OpenAPI path template
    methods: frozenset[str]
    success: tuple[int, ...]
    media: Callable[[], tuple[str, ...]]
    errors: tuple[int, ...]
    summary: str = ""

    def matches(self, path: str, method: str) -> bool:
        return method in self.methods and re.fullmatch(self.pattern, path) is not None


def _types(offers: tuple[MediaType, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.content_type for m in offers))


_OPERATIONS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
_READ = frozenset({"GET", "HEAD"})
_WRITE = frozenset({"POST", "PUT"})

# First match wins. Statuses are those the route's code (and the middleware: 400 for a control
# character in the path, 414, 500) can answer; error bodies are SDMX error messages.
FAMILIES: tuple[Family, ...] = (
    Family(
        r"/rest/data/\{rest\}",
        _READ,
        (200, 206, *_CONDITIONAL),
        lambda: _types(DATA_V1),
        (400, 401, 403, 404, 406, 413, 414, 416, 500, 503),
        "SDMX REST v1 data query /data/{flowRef}[/{key}[/{providerRef}]]",
    ),
    Family(
        r"/rest/availableconstraint/\{rest\}",
        _READ,
        (200, *_CONDITIONAL),
        lambda: _types(AVAILABILITY_V1),
        (400, 401, 403, 404, 406, 414, 500, 503),
        "SDMX REST v1 availability /availableconstraint/{flowRef}[/{key}[/{providerRef}[/{componentID}]]]",
    ),
    Family(
        r"/rest/v2/availability/\{rest\}",
        _READ,
        (200, *_CONDITIONAL),
        lambda: _types(AVAILABILITY_V2),
        (400, 401, 403, 404, 406, 414, 500, 501, 503),
        "SDMX REST v2 availability /availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}",
    ),
    Family(
        r"/rest/schema/\{rest\}",
        _READ,
        (200, *_CONDITIONAL),
        lambda: (SCHEMA_XSD_TYPE,),
        (400, 404, 406, 414, 500, 501, 503),
        "SDMX REST v1 schema /schema/{context}/{agencyID}/{resourceID}[/{version}]",
    ),
    Family(
        r"/rest/v2/data/.*",
        frozenset({"POST"}),
        (200, 202),
        lambda: (JSON,),
        (400, 401, 403, 404, 413, 415, 422, 500, 503),
        "Data submission (extension)",
    ),
    Family(
        r"/rest/v2/submissions/.*",
        _READ,
        (200,),
        lambda: (JSON,),
        (400, 401, 403, 404, 414, 500, 503),
        "A submission's report",
    ),
    Family(
        r"/admin/audit",
        _READ,
        (200,),
        lambda: (JSON,),
        (400, 401, 403, 414, 500, 503),
        "The audit trail",
    ),
    Family(
        r"/rest/v2/structure.*",
        _WRITE,
        (200, 201),
        lambda: (XML_ERROR_TYPE,),
        (400, 401, 403, 404, 409, 413, 415, 422, 500, 503),
        "Structure submission (SDMX REST v2 maintenance)",
    ),
    Family(
        r"/rest/v2/structure.*",
        frozenset({"DELETE"}),
        (200,),
        lambda: (XML_ERROR_TYPE,),
        (400, 401, 403, 404, 409, 500, 503),
        "Structure deletion (SDMX REST v2 maintenance)",
    ),
    Family(
        r"/rest/v2/structure(/|/\{rest\})?",
        _READ,
        (200, *_CONDITIONAL),
        lambda: _types(STRUCTURE_QUERY_V2),
        (400, 404, 406, 414, 500, 501, 503),
        "SDMX REST v2 structure query /structure/{structureType}/{agencyID}/{resourceID}/{version}/{itemID}",
    ),
    Family(
        r"/rest/v2/(metadata|registration)(/\{rest\})?",
        _READ,
        (),
        lambda: (),
        (400, 414, 500, 501),
        "Reference metadata and registrations: not served yet (501)",
    ),
    Family(
        r"/rest/v2/\{rest\}",
        _READ,
        (),
        lambda: (),
        (400, 404, 414, 500, 501),
        "SDMX REST v2 paths this server does not implement yet (501)",
    ),
    Family(
        r"/rest/\{resource\}(/\{rest\})?",
        _READ,
        (200, *_CONDITIONAL),
        lambda: _types(STRUCTURE_QUERY_V1),
        (400, 404, 406, 414, 500, 501, 503),
        "SDMX REST v1 structure query /{resource}/{agencyID}/{resourceID}/{version}/{itemID}",
    ),
    Family(r"/health", _READ, (200,), lambda: (JSON,), (500,), "Liveness"),
    Family(r"/ready", _READ, (200,), lambda: (JSON,), (500, 503), "Readiness"),
    Family(
        r"/metrics",
        _READ,
        (200,),
        lambda: ("text/plain; version=0.0.4; charset=utf-8",),
        (500,),
        "Prometheus metrics",
    ),
    Family(
        r"/schemas/v(2_1|3_0|3_1)/\{name\}",
        _READ,
        (200,),
        lambda: ("application/xml",),
        (400, 404, 414, 500),
        "The official SDMX-ML 2.1, 3.0 and 3.1 XSDs",
    ),
    Family(r"/openapi\.json", _READ, (200,), lambda: (JSON,), (500,), "This document"),
    Family(
        r"/docs.*|/redoc",
        _READ,
        (200,),
        lambda: ("text/html",),
        (500,),
        "Interactive documentation",
    ),
)
DEFAULT = Family(r".*", frozenset(), (200,), lambda: (JSON,), (400, 404, 414, 500))


def family_of(path: str, method: str) -> Family:
    """The family of one operation (DEFAULT if none is listed)."""
    return next((f for f in FAMILIES if f.matches(path, method)), DEFAULT)


def _responses(family: Family, method: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in family.success:
        entry: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if method != "HEAD" and status not in (304,) and family.media():
            entry["content"] = {m: {"schema": {"type": "string"}} for m in family.media()}
        out[str(status)] = entry
    for status in family.errors:
        entry = {"description": f"{HTTPStatus(status).phrase} (SDMX error message)"}
        if method != "HEAD":
            entry["content"] = {m: {"schema": {"type": "string"}} for m in ERROR_MEDIA}
        out[str(status)] = entry
    return out


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", path)
    ]


def _query_parameters(path: str) -> list[dict[str, Any]]:
    """Query parameters and headers of the structure queries (plain Starlette routes FastAPI cannot see)."""
    from sdmx_server.services.structure_query import DETAILS
    from sdmx_server.services.structure_references import V1_REFERENCES

    if re.fullmatch(r"/rest/v2/structure(/|/\{rest\})?", path):
        return [
            {
                "name": "references",
                "in": "query",
                "required": False,
                "description": "none, parents, parentsandsiblings, ancestors, children, descendants, all or a "
                "structure type; several comma-separated",
                "schema": {"type": "string"},
            },
            {
                "name": "detail",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(DETAILS), "default": "full"},
            },
        ]
    if not re.fullmatch(r"/rest/\{resource\}(/\{rest\})?", path):
        return []

    return [
        {
            "name": "references",
            "in": "query",
            "required": False,
            "description": "none, parents, parentsandsiblings, children, descendants, all, or an artefact type "
            "(the direct parents and children of that type); a comma-separated list is accepted",
            "schema": {"type": "string", "enum": list(V1_REFERENCES), "default": "none"},
        },
        {
            "name": "detail",
            "in": "query",
            "required": False,
            "schema": {
                "type": "string",
                "enum": [d for d in DETAILS if d != "raw"],
                "default": "full",
            },
        },
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
        },
        {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
        {
            "name": "If-Modified-Since",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
        },
    ]


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"


def _summary(entry: RouteEntry, family: Family) -> str:
    """The first line of the endpoint's docstring, else the family's summary."""
    endpoint = getattr(entry.route, "endpoint", None)
    doc = (getattr(endpoint, "__doc__", None) or "").strip()
    return (doc.splitlines()[0].strip() if doc else "") or family.summary or entry.name


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``: FastAPI's, completed from the route table."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        openapi_version=app.openapi_version,
    )
    paths: dict[str, dict[str, Any]] = doc.setdefault("paths", {})
    _add_missing_operations(paths, routes_of(app))
    # HEAD operations mirror their GET (same parameters), without bodies.
    for item in paths.values():
        if "get" in item and "head" in item and not item["head"].get("parameters"):
            item["head"]["parameters"] = copy.deepcopy(item["get"].get("parameters", []))
    for path, item in paths.items():
        for key, op in item.items():
            if isinstance(op, dict) and key.upper() in _OPERATIONS:
                _complete(path, key.upper(), op)
    # FastAPI's validation-error schemas describe a 422 this server never sends (it answers 400).
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if "components" in doc and not schemas:
        doc["components"].pop("schemas", None)
        if not doc["components"]:
            doc.pop("components")
    return doc


def _add_missing_operations(paths: dict[str, dict[str, Any]], entries: list[RouteEntry]) -> None:
    """An operation for every route and method FastAPI left out (plain routes, HEAD, hidden ones)."""
    used_ids = {
        op.get("operationId", "")
        for ops in paths.values()
        for op in ops.values()
        if isinstance(op, dict)
    }
    for entry in entries:
        item = paths.setdefault(entry.path, {})
        for method in sort_methods(entry.methods):
            key = method.lower()
            if key in item:
                continue
            op: dict[str, Any] = {}
            tags = list(getattr(entry.route, "tags", None) or [])
            if tags:
                op["tags"] = tags
            op["summary"] = _summary(entry, family_of(entry.path, method))
            op_id = f"{entry.name or 'route'}_{_slug(entry.path)}_{key}"
            while op_id in used_ids:
                op_id += "_"
            used_ids.add(op_id)
            op["operationId"] = op_id
            op["parameters"] = _path_parameters(entry.path) + _query_parameters(entry.path)
            item[key] = op


def _complete(path: str, method: str, op: dict[str, Any]) -> None:
    """Statuses and media types of the operation's family; request bodies of writes."""
    op["responses"] = _responses(family_of(path, method), method)
    if method in ("GET", "HEAD", "DELETE"):
        op.pop("requestBody", None)
    elif "requestBody" not in op:
        op["requestBody"] = {
            "required": True,
            "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in _request_media(path)
            },
        }


def _request_media(path: str) -> tuple[str, ...]:
    if path.startswith("/rest/v2/data"):
        return (
            "application/vnd.sdmx.genericdata+xml;version=2.1",
            "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
            "application/vnd.sdmx.data+xml;version=3.0.0",
            "application/vnd.sdmx.data+csv;version=1.0.0",
            "application/vnd.sdmx.data+csv;version=2.0.0",
        )
    return (
        "application/vnd.sdmx.structure+xml;version=2.1",
        "application/vnd.sdmx.structure+xml;version=3.0.0",
        "application/xml",
    )


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`build_openapi` at ``app.openapi_url`` (built once per worker, on first use)."""
    cache: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        if "doc" not in cache:
            cache["doc"] = build_openapi(app)
        return cache["doc"]

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["FAMILIES", "Family", "build_openapi", "family_of", "install_openapi"]
