"""Operations endpoints answer HEAD; metrics labels stay few whatever paths clients request."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest

from sdmx_server.api.middleware import _family


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
def test_head_on_operations_endpoints(http: httpx.Client, path: str) -> None:
    get = http.get(path)
    head = http.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def _families(metrics: str) -> set[str]:
    return set(re.findall(r'sdmx_http_requests_total\{family="([^"]*)"', metrics))


def test_unknown_path_segments_do_not_create_metric_series(http: httpx.Client) -> None:
    tokens = [secrets.token_hex(4) for _ in range(4)]
    junk = [
        f"/rest/rand{tokens[0]}",
        f"/x{tokens[1]}/y",
        f"/rest/v2/z{tokens[2]}",
        f"/rest/v2/q{tokens[3]}/a/b",
    ]
    for path in junk:
        assert http.get(path).status_code in (400, 404, 501)
    http.get("/rest/codelist/ILO/CL_SEX")
    families = _families(http.get("/metrics").text)
    assert {"other", "v2/other", "codelist"} <= families
    assert not [f for f in families if any(t in f for t in tokens)], families


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/", "root"),
        ("/health", "health"),
        ("/ready", "ready"),
        ("/metrics", "metrics"),
        ("/docs", "docs"),
        ("/openapi.json", "openapi.json"),
        ("/schemas/v2_1/SDMXMessage.xsd", "schemas"),
        ("/admin/audit", "admin"),
        ("/rest", "rest"),
        ("/rest/", "rest"),
        ("/rest/codelist/ILO", "codelist"),
        ("/rest/data/EXR", "data"),
        ("/rest/availableconstraint/EXR", "availableconstraint"),
        ("/rest/schema/dataflow/A/B", "schema"),
        ("/rest/structure", "structure"),
        ("/rest/process", "process"),
        ("/rest/v2/structure", "v2/structure"),
        ("/rest/v2/data/dataflow/A/B/1.0", "v2/data"),
        ("/rest/v2/submissions/1", "v2/submissions"),
        ("/rest/rand123", "other"),
        ("/rand123", "other"),
        ("/rest/v2/rand123", "v2/other"),
        ("/rest/v2/", "v2/"),
    ],
)
def test_metric_family_of_a_path(path: str, family: str) -> None:
    assert _family(path) == family
