"""The HTTP surface as a contract, checked against the application's own routes on a live server:
control characters in paths are 400, OPTIONS advertises exactly the methods a path has, every
GET route answers HEAD alike, and ``/openapi.json`` describes every route with the statuses it
really answers (validated with openapi-spec-validator)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from lxml import etree
from openapi_spec_validator import validate

from sdmx_server.api.route_table import RouteEntry, route_for, routes_of
from tests.conftest import LiveServer

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
# Concrete paths for templated routes (anything else gets "X" for each parameter).
SAMPLES = {
    "/portal/static": "/portal/static/portal.css",
    "/static-offline-docs": "/static-offline-docs/swagger-ui.css",  # a mount: a file inside it
    "/rest/{resource}": "/rest/codelist",
    "/rest/{resource}/{rest}": "/rest/codelist/ILO/CL_SEX/1.0",
    "/rest/data/{rest}": "/rest/data/ECB,EXR,1.0",
    "/rest/availableconstraint/{rest}": "/rest/availableconstraint/ECB,EXR,1.0",
    "/rest/schema/{rest}": "/rest/schema/dataflow/ECB/EXR/1.0",
    "/schemas/v2_1/{name}": "/schemas/v2_1/SDMXMessage.xsd",
    "/rest/v2/structure/{rest}": "/rest/v2/structure/codelist/ILO/CL_SEX/1.0",
}


@pytest.fixture
def app(live_server: LiveServer) -> FastAPI:
    application = live_server.server.config.app
    assert isinstance(application, FastAPI)
    return application


@pytest.fixture
def raw(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A client without the SDMX validation hooks (HEAD and OPTIONS have no bodies)."""
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def sample(path: str) -> str:
    return SAMPLES.get(path) or re.sub(r"\{[^}]+\}", "X", path)


def sdmx_error_code(r: httpx.Response) -> str | None:
    el = etree.fromstring(r.content).find("{*}ErrorMessage")
    return None if el is None else el.get("code")


# ------------------------------------------------------------------ 6. control characters


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/rest/v2/structure/codelist/A%0A/B/1.0"),
        ("GET", "/rest/data/EXR%0A"),
        ("GET", "/rest/codelist/ILO%0A/CL_SEX"),
        ("GET", "/rest/codelist/ILO/CL_SEX%0D/1.0"),
        ("GET", "/rest/availableconstraint/EXR%09"),
        ("GET", "/rest/schema/dataflow/ECB/EXR%7F/1.0"),
        ("GET", "/rest/codelist/%00/x"),
        ("HEAD", "/rest/data/EXR%0A"),
        ("PUT", "/rest/v2/structure/codelist/A%0A/B/1.0"),
        ("DELETE", "/rest/v2/structure/codelist/A/B%0A/1.0"),
        ("POST", "/rest/v2/data/dataflow/ECB/EXR%0A/1.0"),
    ],
)
def test_a_control_character_in_the_path_is_400(raw: httpx.Client, method: str, path: str) -> None:
    r = raw.request(method, path)
    assert r.status_code == 400, (path, r.status_code)
    if method != "HEAD":
        assert sdmx_error_code(r) == "140"
        assert "control character" in r.text


# ------------------------------------------------------------------ 7. OPTIONS and HEAD


def test_options_advertises_only_the_methods_a_path_has(app: FastAPI, raw: httpx.Client) -> None:
    known = {
        "/admin/audit": {"GET", "HEAD"},
        "/rest/v2/submissions/abc": {"GET", "HEAD"},
        "/rest/data/ECB,EXR,1.0": {"GET", "HEAD"},
        "/rest/codelist/ILO/CL_SEX": {"GET", "HEAD"},
        "/health": {"GET", "HEAD"},
        "/rest/v2/structure/codelist/ILO/CL_SEX/1.0": {"GET", "HEAD", "PUT", "DELETE"},
    }
    for path, methods in known.items():
        r = raw.options(
            path, headers={"Origin": "https://x", "Access-Control-Request-Method": "GET"}
        )
        assert r.status_code == 204
        assert set(r.headers["allow"].split(", ")) == methods | {"OPTIONS"}, path
        assert r.headers["access-control-allow-methods"] == r.headers["allow"]
    # every route: what OPTIONS lists is answered (never 405), what it does not list is 405
    for entry in routes_of(app):
        path = sample(entry.path)
        advertised = set(raw.options(path).headers["allow"].split(", ")) - {"OPTIONS"}
        assert entry.methods <= advertised, (entry.path, advertised)
        for method in METHODS:
            status = raw.request(method, path).status_code
            if method in advertised:
                assert status != 405, (method, path)
            else:
                assert status == 405, (method, path, status)


def get_routes(app: FastAPI) -> list[RouteEntry]:
    return [e for e in routes_of(app) if "GET" in e.methods]


def test_every_get_route_answers_head_alike(app: FastAPI, raw: httpx.Client) -> None:
    gets = get_routes(app)
    assert {"/rest/v2/submissions/{submission_id}", "/admin/audit", "/rest/{resource}/{rest}"} <= {
        e.path for e in gets
    }
    for entry in gets:
        path = sample(entry.path)
        head = route_for(app, path, "HEAD")
        assert head is not None and head.path == entry.path, (
            entry.path,
            head,
        )  # the same route family
        g, h = raw.get(path), raw.head(path)
        assert h.status_code == g.status_code, (path, g.status_code, h.status_code)
        assert h.content == b""
        assert h.headers.get("content-type") == g.headers.get("content-type"), path


# ------------------------------------------------------------------ 8. OpenAPI


def operation(doc: dict, entry_path: str, method: str) -> dict:
    return doc["paths"][entry_path][method.lower()]


def test_openapi_describes_every_route_and_validates(app: FastAPI, raw: httpx.Client) -> None:
    r = raw.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    validate(
        doc
    )  # OpenAPI 3.1 schema and semantics (unique operation ids, declared path parameters)
    for entry in routes_of(app):
        for method in entry.methods:
            op = operation(doc, entry.path, method)
            assert op["responses"], (entry.path, method)
            assert "500" in op["responses"], (entry.path, method)
    ops = [op for item in doc["paths"].values() for op in item.values()]
    assert len({op["operationId"] for op in ops}) == len(ops)
    # structure queries, with their parameters and media types
    structure = operation(doc, "/rest/{resource}/{rest}", "GET")
    assert {p["name"] for p in structure["parameters"]} >= {
        "resource",
        "rest",
        "references",
        "detail",
    }
    refs = next(p for p in structure["parameters"] if p["name"] == "references")
    assert (
        "metadataflow" in refs["schema"]["enum"] and "allowedconstraint" in refs["schema"]["enum"]
    )
    assert {"200", "304", "400", "404", "406", "500", "501"} <= set(structure["responses"])
    assert (
        "application/vnd.sdmx.structure+xml;version=2.1" in structure["responses"]["200"]["content"]
    )
    assert set(structure["responses"]["404"]["content"]) == {"application/xml", "application/json"}
    data = operation(doc, "/rest/data/{rest}", "GET")
    assert {"200", "304", "400", "401", "403", "404", "406", "413", "500", "503"} <= set(
        data["responses"]
    )
    assert {
        "application/vnd.sdmx.data+csv;version=1.0.0",
        "application/vnd.sdmx.genericdata+xml;version=2.1",
        "application/vnd.sdmx.data+json;version=1.0.0",
    } <= set(data["responses"]["200"]["content"])
    head = operation(doc, "/rest/data/{rest}", "HEAD")
    assert "content" not in head["responses"]["200"]
    push = operation(doc, "/rest/v2/data/{context}/{agency}/{resource_id}/{version}", "POST")
    assert {"200", "202", "401", "403", "413", "415", "422"} <= set(push["responses"])
    assert (
        "422" not in operation(doc, "/admin/audit", "GET")["responses"]
    )  # invalid parameters are 400 here


@pytest.mark.parametrize(
    "method,path,headers",
    [
        ("GET", "/rest/codelist/ILO/CL_SEX/1.0", {}),
        ("GET", "/rest/codelist/ILO/NOPE", {}),
        ("GET", "/rest/codelist/ILO/CL_SEX/1.0?references=bogus", {}),
        ("GET", "/rest/codelist/ILO/CL_SEX/1.0", {"Accept": "text/bogus"}),
        ("GET", "/rest/hierarchicalcodelist/ILO/X", {}),
        ("GET", "/rest/codelist", {"Accept": "application/vnd.sdmx.structure+xml;version=2.1"}),
        ("GET", "/rest/data/ECB,EXR,1.0", {}),
        ("GET", "/rest/data/ECB,EXR,1.0/A.B", {}),
        ("GET", "/rest/data/ECB,EXR,1.0", {"Accept": "text/bogus"}),
        ("GET", "/rest/data/ECB,NOPE,1.0", {}),
        ("GET", "/rest/availableconstraint/ECB,EXR,1.0", {}),
        ("GET", "/rest/schema/dataflow/ECB/EXR/1.0", {}),
        ("GET", "/rest/schema/metadataflow/ECB/EXR/1.0", {}),
        ("GET", "/rest/schema/codelist/ECB/EXR/1.0", {}),
        ("POST", "/rest/v2/data/dataflow/ECB/EXR/1.0", {}),
        ("POST", "/rest/v2/data/dataflow/ECB/EXR/1.0", {"Authorization": "Bearer sdmx_nope"}),
        ("PUT", "/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {}),
        ("DELETE", "/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {}),
        ("POST", "/rest/v2/structure", {}),
        ("GET", "/rest/v2/submissions/abc", {}),
        ("HEAD", "/rest/v2/submissions/abc", {}),
        ("GET", "/admin/audit", {}),
        ("GET", "/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {}),
        ("GET", "/rest/v2/metadata/x", {}),
        ("GET", "/rest/v2/nothing", {}),
        ("GET", "/schemas/v2_1/SDMXMessage.xsd", {}),
        ("GET", "/schemas/v2_1/nothing.xsd", {}),
        ("GET", "/health", {}),
        ("GET", "/ready", {}),
        ("GET", "/openapi.json", {}),
    ],
)
def test_every_status_answered_is_documented(
    app: FastAPI, raw: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    doc = raw.get("/openapi.json").json()
    r = raw.request(method, path, headers=headers)
    entry = route_for(app, path.split("?")[0], method)
    assert entry is not None, path
    op = operation(doc, entry.path, method)
    assert str(r.status_code) in op["responses"], (
        method,
        path,
        r.status_code,
        sorted(op["responses"]),
    )
    if r.status_code == 200 and method == "GET":
        media = r.headers["content-type"]
        assert media in op["responses"]["200"]["content"], (path, media)
    etag = r.headers.get("etag")
    if etag and method == "GET" and r.status_code == 200:
        again = raw.get(path, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and "304" in op["responses"], path
