"""Operations: liveness, readiness, metrics, request ids and log lines, public URL."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.services.container import Services


def test_health_needs_no_database(http: httpx.Client) -> None:
    r = http.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_ready_checks_database_and_schema(http: httpx.Client) -> None:
    r = http.get("/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_not_ready_when_schema_is_behind(make_services, serve) -> None:
    services: Services = make_services()
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    server = serve(services)
    r = httpx.get(f"{server.url}/ready")
    assert r.status_code == 503 and "0001" in r.json()["reason"]


def test_not_ready_when_database_is_unreachable(serve) -> None:
    from tests.conftest import make_settings

    services = Services.build(make_settings("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    server = serve(services)
    assert httpx.get(f"{server.url}/ready").status_code == 503
    assert httpx.get(f"{server.url}/health").status_code == 200
    services.close()


def test_metrics_count_requests(http: httpx.Client) -> None:
    http.get("/rest/codelist/ILO/CL_SEX/1.0")
    body = http.get("/metrics").text
    assert "sdmx_http_requests_total" in body
    assert 'family="codelist"' in body and "sdmx_http_request_duration_seconds_bucket" in body


def test_request_id_is_echoed_or_generated_and_logged(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sdmx_server.access"):
        r = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"X-Request-ID": "req-123"})
        assert r.headers["x-request-id"] == "req-123"
        generated = http.get("/health").headers["x-request-id"]
        assert len(generated) == 16
        hostile = http.get(
            "/health", headers={"X-Request-ID": "bad id <script>" + "x" * 100}
        ).headers["x-request-id"]
        assert len(hostile) == 16 and "<" not in hostile  # not echoed: replaced by a generated id
    lines = [r.getMessage() for r in caplog.records if r.name == "sdmx_server.access"]
    assert any("GET /rest/codelist/ILO/CL_SEX/1.0 200" in line for line in lines)


def test_public_url_is_used_in_links(make_services, serve) -> None:
    from tests import fixtures
    from tests.conftest import load_files

    services = make_services(public_url="https://lmis.example.org/sdmx")
    load_files(services, [fixtures.ECB_FULL])
    server = serve(services)
    r = httpx.get(f"{server.url}/rest/codelist/ECB/CL_FREQ/1.0", params={"detail": "allstubs"})
    assert 'structureURL="https://lmis.example.org/sdmx/rest/codelist/ECB/CL_FREQ/1.0"' in r.text


def test_openapi_document_is_served(http: httpx.Client) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # e.g. duplicate operation ids (a GET and a HEAD on one route)
        doc = http.get("/openapi.json").json()
    assert any(p.startswith("/rest/data") for p in doc["paths"])
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_unknown_paths_are_sdmx_404(http: httpx.Client) -> None:
    r = http.get("/nothing/here")
    assert r.status_code == 404 and b"ErrorMessage" in r.content
