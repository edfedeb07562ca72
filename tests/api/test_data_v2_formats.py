"""SDMX REST v2 data in SDMX-JSON 2.1 and SDMX-CSV 2.x options (``labels=name|both``, ``timeFormat``, ``keys``)
against a live server, every body validated against the official schemas by the client hook.

Data: the ECB EXR chain of ``data_server`` (see tests/api/test_data_v2.py).
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_data_v2 import FLOW, v1
from tests.data_parsers import parse_json20, values_only

JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
JSON21 = "application/vnd.sdmx.data+json;version=2.1.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
CSV21 = "application/vnd.sdmx.data+csv;version=2.1.0"


@pytest.fixture
def v2(data_server) -> httpx.Client:
    from tests.sdmx_validation import httpx_hooks

    with httpx.Client(base_url=data_server.url, timeout=60, event_hooks=httpx_hooks) as c:
        yield c


# ------------------------------------------------------------------ SDMX-JSON 2.1


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "CURRENCY", "AllDimensions"])
def test_json21_same_observations_as_v1_and_json20(v2: httpx.Client, dim_at_obs: str) -> None:
    expected = v1(v2, "EXR/.USD+JPY.EUR.SP00.A")
    r = v2.get(f"{FLOW}/*.USD,JPY.EUR.SP00.A", params={"dimensionAtObservation": dim_at_obs},
               headers={"Accept": JSON21, "Accept-Language": "en"})  # validated against the 2.1 schema by the hook
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == JSON21
    doc = r.json()
    assert doc["$schema"].endswith("/2.1/sdmx-json-data-schema.json")
    assert "schema" not in doc["meta"]  # deprecated in 2.1: the root $schema names it
    got = parse_json20(r.content)
    assert values_only(got) == values_only(expected)
    assert {(k, p, a) for k, p, _, a in got} == {(k, p, a) for k, p, _, a in expected}
    j20 = v2.get(f"{FLOW}/*.USD,JPY.EUR.SP00.A", params={"dimensionAtObservation": dim_at_obs},
                 headers={"Accept": JSON20})
    assert parse_json20(j20.content) == got


def test_json21_on_v1_paths_history_deletions_and_series_only(v2: httpx.Client) -> None:
    r = v2.get("/rest/data/EXR/M.USD.EUR.SP00.A", params={"lastNObservations": 2}, headers={"Accept": JSON21})
    assert r.status_code == 200 and r.headers["content-type"] == JSON21
    assert len(parse_json20(r.content)) == 2
    for params in ({"attributes": "none", "measures": "none"}, {"measures": "none"}, {"includeHistory": "true"},
                   {"updatedAfter": "2000-01-01T00:00:00Z"}):
        r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params=params, headers={"Accept": JSON21})
        assert r.status_code == 200, (params, r.text)
    assert r.json()["data"]["dataSets"][0]["action"] in ("Replace", "Delete")
    # the v1 default and the v2 versionless JSON stay what they were
    assert v2.get(FLOW, headers={"Accept": "application/json"}).headers["content-type"] == JSON20
