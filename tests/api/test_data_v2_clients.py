"""Real SDMX 3.0 clients against the live v2 data routes: pysdmx ``qb`` queries for SDMX REST 2.0.0 to 2.2.2,
``pysdmx.io.read_sdmx(validate=True)`` on SDMX-ML 3.x and SDMX-CSV 2.x answers, sdmx1 with a v3 source."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sdmx
from pysdmx.api.qb import ApiVersion, DataContext, DataQuery, RestService
from pysdmx.api.qb.data import (
    DateTimeFilter,
    LogicalOperator,
    MultiFilter,
    Operator,
    SortBy,
    TextFilter,
)
from pysdmx.io import read_sdmx
from pysdmx.io.format import DataFormat
from requests import Session

from tests.api.test_data_v2 import CSV10, DIMS, parse_csv20
from tests.data_parsers import parse_csv10
from tests.sdmx_validation import validate_response

V2_VERSIONS = [
    ApiVersion.V2_0_0,
    ApiVersion.V2_1_0,
    ApiVersion.V2_2_0,
    ApiVersion.V2_2_1,
    ApiVersion.V2_2_2,
]


def v1(url: str, path: str, **params: object) -> set:
    r = httpx.get(f"{url}/rest/data/{path}", params=params, headers={"Accept": CSV10})
    assert r.status_code == 200, r.text
    return parse_csv10(r.content, DIMS)


@pytest.mark.parametrize("api", V2_VERSIONS, ids=lambda v: v.name)
def test_pysdmx_qb_data_queries_every_v2_api_version(data_server: Any, api: ApiVersion) -> None:
    service = RestService(f"{data_server.url}/rest/v2", api, data_format=DataFormat.SDMX_CSV_2_0_0)
    filters = MultiFilter(
        [
            DateTimeFilter(
                "TIME_PERIOD", Operator.GREATER_THAN_OR_EQUAL, datetime.datetime(2020, 1, 1)
            ),
            TextFilter("OBS_STATUS", Operator.EQUALS, "A"),
        ],
        LogicalOperator.AND,
    )
    query = DataQuery(
        context=DataContext.DATAFLOW,
        agency_id="ECB",
        resource_id="EXR",
        version="1.0",
        key="M.USD+JPY.EUR.SP00.A",
        components=filters,
    )
    got = parse_csv20(service.data(query))
    expected = {
        o
        for o in v1(data_server.url, "EXR/M.USD+JPY.EUR.SP00.A", startPeriod="2020-01")
        if ("OBS_STATUS", "A") in o[3]
    }
    assert got == expected and got
    if api >= ApiVersion.V2_2_0:  # offset, limit, sort and asOf are REST 2.2
        paged = DataQuery(
            context=DataContext.DATAFLOW,
            agency_id="ECB",
            resource_id="EXR",
            version="1.0",
            key="M.USD+JPY.EUR.SP00.A",
            components=filters,
            offset=1,
            limit=3,
            sort=[SortBy("CURRENCY", "desc")],
            as_of=datetime.datetime(2100, 1, 1),
        )
        rows = list(service.data(paged).decode().splitlines())
        assert len(rows) == 4  # header and three observations
        in_order = sorted(
            ((k[1], p) for k, p, _, _ in expected), key=lambda kp: kp[0], reverse=True
        )
        assert [r.split(",")[4] for r in rows[1:]] == [
            c for c, _ in in_order[1:4]
        ]  # CURRENCY descending


@pytest.mark.parametrize(
    "fmt", [DataFormat.SDMX_ML_3_0, DataFormat.SDMX_ML_3_1, DataFormat.SDMX_CSV_2_0_0]
)
def test_pysdmx_read_sdmx_validates_v3_answers(data_server: Any, fmt: DataFormat) -> None:
    service = RestService(f"{data_server.url}/rest/v2", ApiVersion.V2_2_2, data_format=fmt)
    query = DataQuery(
        context=DataContext.DATAFLOW,
        agency_id="ECB",
        resource_id="EXR",
        version="1.0",
        key="M.JPY.EUR.SP00.A",
    )
    body = service.data(query)
    msg = read_sdmx(io.BytesIO(body), validate=True)
    datasets = msg.data
    assert len(datasets) == 1
    assert len(datasets[0].data) == 24  # the 24 monthly JPY observations


@pytest.fixture
def sdmx1_clients(data_server: Any) -> Iterator[tuple[sdmx.Client, sdmx.Client]]:
    session = Session()
    session.hooks["response"].append(
        lambda r, *a, **k: validate_response(r.headers.get("content-type", ""), r.content) or r
    )
    sdmx.add_source(
        {"id": "TESTSRC", "name": "v1", "url": f"{data_server.url}/rest", "versions": ["2.1"]},
        override=True,
    )
    v1_client = sdmx.Client("TESTSRC", session=session)
    sdmx.add_source(
        {"id": "TESTSRC", "name": "v3", "url": f"{data_server.url}/rest/v2", "versions": ["3.0.0"]},
        override=True,
    )
    v3_client = sdmx.Client("TESTSRC", session=session)
    yield v1_client, v3_client
    sdmx.add_source(
        {"id": "TESTSRC", "name": "v1", "url": f"{data_server.url}/rest", "versions": ["2.1"]},
        override=True,
    )


def test_sdmx1_v3_data_with_key_and_c_equals_v1(
    sdmx1_clients: tuple[sdmx.Client, sdmx.Client],
) -> None:
    v1_client, v3_client = sdmx1_clients
    dsd = v1_client.datastructure("ECB_EXR1").structure["ECB_EXR1"]
    old = v1_client.data("EXR", key="M+Q.USD+JPY.EUR.SP00.A", params={"startPeriod": "2019-06"})
    new = v3_client.data(
        "EXR", key="M+Q.USD+JPY.EUR.SP00.A", params={"c": "TIME_PERIOD:ge:2019-06"}, dsd=dsd
    )
    a = sdmx.to_pandas(old).sort_index()
    b = sdmx.to_pandas(new).sort_index()
    assert len(a) == len(b) > 19
    # the 3.0 reader (with the DSD) also puts the series attributes in the index: compare on the key and period
    assert {tuple(i[:6]): float(v) for i, v in a.items()} == {
        tuple(i[:6]): float(v) for i, v in b.items()
    }
