"""SDMX REST v2 data in SDMX-JSON 2.1 and SDMX-CSV 2.x options (``labels=name|both``, ``timeFormat``, ``keys``)
against a live server, every body validated against the official schemas by the client hook.

Data: the ECB EXR chain of ``data_server`` (see tests/api/test_data_v2.py).
"""

from __future__ import annotations

import csv
import datetime
import io

import httpx
import pytest

from tests.api.test_data_v2 import CSV10, FLOW, v1
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
    r = v2.get(
        f"{FLOW}/*.USD,JPY.EUR.SP00.A",
        params={"dimensionAtObservation": dim_at_obs},
        headers={"Accept": JSON21, "Accept-Language": "en"},
    )  # validated against the 2.1 schema by the hook
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == JSON21
    doc = r.json()
    assert doc["$schema"].endswith("/2.1/sdmx-json-data-schema.json")
    assert "schema" not in doc["meta"]  # deprecated in 2.1: the root $schema names it
    got = parse_json20(r.content)
    assert values_only(got) == values_only(expected)
    assert {(k, p, a) for k, p, _, a in got} == {(k, p, a) for k, p, _, a in expected}
    j20 = v2.get(
        f"{FLOW}/*.USD,JPY.EUR.SP00.A",
        params={"dimensionAtObservation": dim_at_obs},
        headers={"Accept": JSON20},
    )
    assert parse_json20(j20.content) == got


def test_json21_on_v1_paths_history_deletions_and_series_only(v2: httpx.Client) -> None:
    r = v2.get(
        "/rest/data/EXR/M.USD.EUR.SP00.A",
        params={"lastNObservations": 2},
        headers={"Accept": JSON21},
    )
    assert r.status_code == 200 and r.headers["content-type"] == JSON21
    assert len(parse_json20(r.content)) == 2
    for params in (
        {"attributes": "none", "measures": "none"},
        {"measures": "none"},
        {"includeHistory": "true"},
        {"updatedAfter": "2000-01-01T00:00:00Z"},
    ):
        r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params=params, headers={"Accept": JSON21})
        assert r.status_code == 200, (params, r.text)
    assert r.json()["data"]["dataSets"][0]["action"] in ("Replace", "Delete")
    # the v1 default and the v2 versionless JSON stay what they were
    assert v2.get(FLOW, headers={"Accept": "application/json"}).headers["content-type"] == JSON20


# ------------------------------------------------------------------ SDMX-CSV 2.x options


def rows_of(resp: httpx.Response) -> list[list[str]]:
    assert resp.status_code == 200, resp.text
    return list(csv.reader(io.StringIO(resp.text)))


@pytest.mark.parametrize("accept", [CSV20, CSV21])
def test_csv2_labels_name_adds_a_name_column_after_each_id_column(
    v2: httpx.Client, accept: str
) -> None:
    path = f"{FLOW}/M.USD,JPY.EUR.SP00.A"
    ids = rows_of(v2.get(path, headers={"Accept": accept}))
    both = rows_of(
        v2.get(path, headers={"Accept": accept + ";labels=both", "Accept-Language": "en"})
    )
    named = rows_of(
        v2.get(path, headers={"Accept": accept + ";labels=name", "Accept-Language": "en"})
    )
    assert len(named) == len(ids) == len(both)
    head, id_head, both_head = named[0], ids[0], both[0]
    assert head[:4] == ["STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"]
    components = id_head[3:]
    # each component's id column, then a column headed by the component's name (as labels=both writes it)
    assert head[4::2] == components
    assert head[5::2] == [
        b.split(": ", 1)[1] if ": " in b else c
        for c, b in zip(components, both_head[3:], strict=True)
    ]
    assert "Currency" in head  # EXR's concept name of CURRENCY
    by_key = {tuple(r[3:]): r for r in ids[1:]}
    for row in named[1:]:
        assert row[0] == "dataflow" and row[1] == "ECB:EXR(1.0)" and row[2]  # the dataflow's name
        values, names = row[4::2], row[5::2]
        key = tuple(values)
        assert key in by_key  # the id columns are the labels=id answer
        full = both[1 + ids[1:].index(by_key[key])]
        for value, name, labelled in zip(values, names, full[3:], strict=True):
            if labelled.startswith(f"{value}: "):
                assert name == labelled[len(value) + 2 :]  # a coded value: its name
            else:
                assert name == ""  # uncoded, a period, the observation value: no localised name
    cur = head.index("CURRENCY")
    currency_names = {r[cur]: r[cur + 1] for r in named[1:]}
    assert set(currency_names) == {"USD", "JPY"} and all(currency_names.values())
    assert currency_names["USD"] != currency_names["JPY"]


def test_labels_name_is_refused_where_the_format_does_not_define_it(v2: httpx.Client) -> None:
    r = v2.get(f"{FLOW}/M.USD.EUR.SP00.A", headers={"Accept": CSV10 + ";labels=name"})
    assert r.status_code == 400 and "labels" in r.text
    assert (
        v2.get(f"{FLOW}/M.USD.EUR.SP00.A", headers={"Accept": CSV20 + ";labels=nope"}).status_code
        == 400
    )


@pytest.mark.parametrize("accept", [CSV20, CSV21])
def test_csv2_keys_and_time_format(v2: httpx.Client, accept: str) -> None:
    path = f"{FLOW}/M.USD,JPY.EUR.SP00.A"
    plain = rows_of(v2.get(path, params={"lastNObservations": 2}, headers={"Accept": accept}))
    both = rows_of(
        v2.get(path, params={"lastNObservations": 2}, headers={"Accept": accept + ";keys=both"})
    )
    assert both[0][:5] == ["STRUCTURE", "STRUCTURE_ID", "ACTION", "SERIES_KEY", "OBS_KEY"]
    assert [r[:3] + r[5:] for r in both] == plain
    for r in both[1:]:
        dims = r[5:10]
        assert (
            r[3] == ".".join(dims) and r[4] == ".".join(dims) + "." + r[10]
        )  # M.USD.EUR.SP00.A.2020-12
    obs = rows_of(
        v2.get(path, params={"lastNObservations": 2}, headers={"Accept": accept + ";keys=obs"})
    )
    assert obs[0][3] == "OBS_KEY" and [r[:3] + r[4:] for r in obs] == plain
    # the series key leaves out the dimension at the observation level
    cross = rows_of(
        v2.get(
            path,
            params={"lastNObservations": 2, "dimensionAtObservation": "CURRENCY"},
            headers={"Accept": accept + ";keys=series"},
        )
    )
    assert {r[3] for r in cross[1:]} == {"M.EUR.SP00.A"}
    # timeFormat=normalized: the start of each period in ISO 8601
    norm = rows_of(
        v2.get(
            f"{FLOW}/M.USD.EUR.SP00.A",
            params={"lastNObservations": 1},
            headers={"Accept": accept + ";timeFormat=normalized"},
        )
    )
    orig = rows_of(
        v2.get(
            f"{FLOW}/M.USD.EUR.SP00.A", params={"lastNObservations": 1}, headers={"Accept": accept}
        )
    )
    t = orig[0].index("TIME_PERIOD")
    assert len(orig[1][t]) == 7 and norm[1][t] == orig[1][t] + "-01T00:00:00"


# ------------------------------------------------------------------ no data


@pytest.mark.parametrize("accept", [None, JSON21, CSV21])
def test_v2_no_data_is_204_without_body_v1_stays_404(v2: httpx.Client, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    for query in (
        "c[TIME_PERIOD]=ge:2030",  # a valid window after the last period
        "c[FREQ]=M&c[FREQ]=A",  # filters that exclude each other
        "c[TIME_PERIOD]=ge:2021+le:2020",  # bounds that exclude each other
        "asOf=2001-01-01T00:00:00Z",
    ):  # before anything was published
        r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A?{query}", headers=headers)
        assert r.status_code == 204, (query, r.status_code, r.text)
        assert r.content == b"" and "content-type" not in r.headers and "etag" not in r.headers
        assert v2.head(f"{FLOW}/M.JPY.EUR.SP00.A?{query}", headers=headers).status_code == 204
    # what does not exist is still 404 (code 100); a bad query still 400
    assert v2.get("/rest/v2/data/dataflow/ECB/NOFLOW/1.0").status_code == 404
    assert v2.get("/rest/v2/data/dataflow/*/NOFLOW/*").status_code == 404
    assert v2.get(f"{FLOW}?c[NOPE]=1").status_code == 400
    # v1 keeps its 404 for the same emptiness
    old = v2.get("/rest/data/EXR/M.JPY.EUR.SP00.A", params={"startPeriod": "2030"})
    assert old.status_code == 404 and b'code="100"' in old.content


def test_pysdmx_reads_a_204_as_no_data(data_server) -> None:
    from pysdmx.api.qb import ApiVersion, DataContext, DataQuery, RestService
    from pysdmx.api.qb.data import DateTimeFilter, Operator
    from pysdmx.io.format import DataFormat

    service = RestService(
        f"{data_server.url}/rest/v2", ApiVersion.V2_2_2, data_format=DataFormat.SDMX_CSV_2_0_0
    )
    query = DataQuery(
        context=DataContext.DATAFLOW,
        agency_id="ECB",
        resource_id="EXR",
        version="1.0",
        key="M.JPY.EUR.SP00.A",
        components=DateTimeFilter(
            "TIME_PERIOD", Operator.GREATER_THAN_OR_EQUAL, datetime.datetime(2030, 1, 1)
        ),
    )
    assert (
        service.data(query) == b""
    )  # with 404, pysdmx raises NotFound, as if the dataflow did not exist
