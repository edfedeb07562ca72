"""SDMX REST v2 data queries against a live server: paths, c[] filters, projections, formats (SDMX-ML 3.0/3.1,
SDMX-CSV 2.0), schemas, caching, paging and the v2 URLs real clients (pysdmx, RJSDMX, sdmx1) send.

Data: the ECB EXR chain of ``data_server`` (252 monthly USD observations from ECB, synthetic Q/A/D USD
and monthly JPY series from BIS). Every XML body is validated against the official 3.0 schemas by the
client hook; structure-specific 3.x data against our own /rest/v2/schema answer.
"""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from lxml import etree

from tests.data_parsers import parse_csv10, parse_json20, parse_structure_specific, values_only
from tests.ss_validation import ss_errors

ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.data+xml;version=3.1.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
DIMS = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"]
FLOW = "/rest/v2/data/dataflow/ECB/EXR/1.0"


@pytest.fixture
def v2(data_server) -> httpx.Client:
    from tests.sdmx_validation import httpx_hooks

    with httpx.Client(base_url=data_server.url, timeout=60, event_hooks=httpx_hooks) as c:
        yield c


def check_ss3(
    client: httpx.Client,
    resp: httpx.Response,
    dim_at_obs: str = "TIME_PERIOD",
    version: str = "3.0",
) -> None:
    accept = "application/vnd.sdmx.schema+xml;version=" + ("3.1.0" if version == "3.1" else "3.0.0")
    xsd = client.get(
        "/rest/v2/schema/dataflow/ECB/EXR/1.0",
        params={"dimensionAtObservation": dim_at_obs},
        headers={"Accept": accept},
    )
    assert xsd.status_code == 200, xsd.text
    ns = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0):ObsLevelDim:{dim_at_obs}"
    assert ss_errors(resp.content, xsd.content, ns, version) == []


def obs_of(resp: httpx.Response, with_attrs: bool = True) -> set:
    ctype = resp.headers["content-type"]
    if "csv" in ctype:
        return parse_csv20(resp.content, with_attrs=with_attrs)
    return parse_structure_specific(resp.content, DIMS, with_attrs=with_attrs)


def parse_csv20(body: bytes, with_attrs: bool = True) -> set:
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert rows and list(rows[0])[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    out = set()
    for r in rows:
        attrs = frozenset(
            (k, v)
            for k, v in r.items()
            if k not in (*DIMS, "STRUCTURE", "STRUCTURE_ID", "ACTION", "TIME_PERIOD", "OBS_VALUE")
            and v
        )
        out.add(
            (
                tuple(r[d] for d in DIMS),
                r["TIME_PERIOD"],
                r["OBS_VALUE"] or None,
                attrs if with_attrs else frozenset(),
            )
        )
    return out


def v1(client: httpx.Client, path: str, **params: object) -> set:
    r = client.get(f"/rest/data/{path}", params=params, headers={"Accept": CSV10})
    assert r.status_code == 200, r.text
    return parse_csv10(r.content, DIMS)


# ------------------------------------------------------------------ formats and defaults


def test_default_is_sdmx_ml_30_valid_against_own_schema(v2: httpx.Client) -> None:
    for accept in (None, "*/*", "application/xml", ML30):
        r = v2.get(
            f"{FLOW}/M.USD.EUR.SP00.A",
            params={"lastNObservations": 3},
            headers={"Accept": accept} if accept else {},
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == ML30
    root = etree.fromstring(r.content)
    assert (
        root.tag
        == "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message}StructureSpecificData"
    )
    usage = root.find("{*}Header/{*}Structure/{*}StructureUsage")
    assert usage.text == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"
    assert len(root.findall(".//Obs")) == 3
    check_ss3(v2, r)


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "CURRENCY", "AllDimensions"])
def test_ml30_ml31_csv20_same_observations_as_v1(v2: httpx.Client, dim_at_obs: str) -> None:
    expected = v1(v2, "EXR/.USD+JPY.EUR.SP00.A")
    for accept, version in ((ML30, "3.0"), (ML31, "3.1"), (CSV20, None)):
        r = v2.get(
            f"{FLOW}/*.USD,JPY.EUR.SP00.A",
            params={"dimensionAtObservation": dim_at_obs},
            headers={"Accept": accept},
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == accept
        if version:
            check_ss3(v2, r, dim_at_obs, version)
        assert obs_of(r) == expected, accept


def test_new_formats_on_v1_paths_when_asked_and_v1_default_unchanged(v2: httpx.Client) -> None:
    r = v2.get(
        "/rest/data/EXR/M.USD.EUR.SP00.A", params={"lastNObservations": 2}, headers={"Accept": ML30}
    )
    assert r.headers["content-type"] == ML30
    check_ss3(v2, r)
    assert (
        v2.get("/rest/data/EXR/M.USD.EUR.SP00.A", headers={"Accept": "*/*"}).headers["content-type"]
        == GENERIC
    )


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "CURRENCY", "AllDimensions"])
def test_json20_same_observations_as_v1(v2: httpx.Client, dim_at_obs: str) -> None:
    expected = v1(v2, "EXR/.USD+JPY.EUR.SP00.A")
    for accept in (JSON20, "application/json"):
        r = v2.get(
            f"{FLOW}/*.USD,JPY.EUR.SP00.A",
            params={"dimensionAtObservation": dim_at_obs},
            headers={"Accept": accept},
        )  # validated against the official 2.0 schema by the hook
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == JSON20
        got = parse_json20(r.content)
        assert values_only(got) == values_only(expected)
        assert {(k, p, a) for k, p, _, a in got} == {(k, p, a) for k, p, _, a in expected}


def test_json20_series_only_history_and_deletions_validate(v2: httpx.Client) -> None:
    for params in (
        {"attributes": "none", "measures": "none"},
        {"measures": "none"},
        {"includeHistory": "true"},
        {"updatedAfter": "2000-01-01T00:00:00Z"},
    ):
        r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params=params, headers={"Accept": JSON20})
        assert r.status_code == 200, (params, r.text)
    doc = r.json()
    assert doc["data"]["dataSets"][0]["action"] in ("Replace", "Delete")


# ------------------------------------------------------------------ paths


def test_contexts_wildcards_and_short_paths(v2: httpx.Client) -> None:
    expected = v1(v2, "EXR/M.JPY.EUR.SP00.A")
    for path in (
        f"{FLOW}/M.JPY.EUR.SP00.A",
        "/rest/v2/data/*/ECB/EXR/+/M.JPY.EUR.SP00.A",
        "/rest/v2/data/dataflow/*/EXR/*/M.JPY.EUR.SP00.A",
        "/rest/v2/data/dataflow/TESTSRC/EXR/~/M.JPY.EUR.SP00.A",
        "/rest/v2/data/datastructure/ECB/ECB_EXR1/1.0/M.JPY.EUR.SP00.A",
        "/rest/v2/data/dataflow/ECB/EXR/1.0/M.JPY.EUR.SP00.A/",
    ):
        r = v2.get(path, headers={"Accept": CSV20})
        assert r.status_code == 200, (path, r.text)
        assert parse_csv20(r.content) == expected, path
    all_data = v2.get("/rest/v2/data/dataflow/ECB/EXR", headers={"Accept": CSV20})
    assert parse_csv20(all_data.content) == v1(v2, "EXR")
    assert v2.get("/rest/v2/data/dataflow/ECB/NOFLOW/1.0").status_code == 404
    assert v2.get("/rest/v2/data/flows/ECB/EXR/1.0").status_code == 400
    assert v2.get(f"{FLOW}/M.USD.EUR").status_code == 400  # wrong key length


def test_provision_agreement_context_filters_the_provider(v2: httpx.Client) -> None:
    bis = v2.get("/rest/v2/data/provisionagreement/ECB/EXR_BIS/1.0", headers={"Accept": CSV20})
    assert bis.status_code == 200, bis.text
    assert parse_csv20(bis.content) == v1(v2, "EXR/all/BIS")
    root = etree.fromstring(v2.get("/rest/v2/data/provisionagreement/ECB/EXR_BIS/1.0").content)
    pa = root.find("{*}Header/{*}Structure/{*}ProvisionAgreement")
    assert pa is not None and pa.text.endswith("registry.ProvisionAgreement=ECB:EXR_BIS(1.0)")


# ------------------------------------------------------------------ c[] filters


@pytest.mark.parametrize(
    "query",
    [
        "c[TIME_PERIOD]=ge:2020-01+le:2020-06",
        "c%5BTIME_PERIOD%5D=ge%3A2020-01%2Ble%3A2020-06",
        "c[TIME_PERIOD]=ge:2020-01&c[TIME_PERIOD]=le:2020-06",
        "c=TIME_PERIOD:ge:2020-01+le:2020-06",
    ],
)
def test_time_period_range_forms_equal_v1_window(v2: httpx.Client, query: str) -> None:
    r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A?{query}", headers={"Accept": CSV20})
    assert r.status_code == 200, r.text
    assert parse_csv20(r.content) == v1(
        v2, "EXR/M.JPY.EUR.SP00.A", startPeriod="2020-01", endPeriod="2020-06"
    )
    assert len(parse_csv20(r.content)) == 6


def test_dimension_or_and_operators(v2: httpx.Client) -> None:
    def get(query: str) -> set:
        r = v2.get(f"{FLOW}?{query}", headers={"Accept": CSV20})
        assert r.status_code in (200, 204), r.text  # 204: no data (SDMX REST 2.x)
        return parse_csv20(r.content) if r.status_code == 200 else set()

    assert get("c[FREQ]=M&c[CURRENCY]=JPY,USD") == v1(v2, "EXR/M.USD+JPY.EUR.SP00.A")
    assert get("c[FREQ]=ne:M") == v1(v2, "EXR/A+Q+D....")
    assert get("c[CURRENCY]=sw:JP") == v1(v2, "EXR/.JPY...")
    assert get("c[CURRENCY]=ew:SD+nc:J") == v1(v2, "EXR/.USD...")
    assert get("c[CURRENCY]=co:P") == v1(v2, "EXR/.JPY...")
    assert get("c[FREQ]=lt:M") == v1(v2, "EXR/A+D....")  # codes compare as text
    assert get("c[FREQ]=gt:M") == v1(v2, "EXR/Q....")
    assert get("c[FREQ]=M&c[FREQ]=A") == set()  # AND across two c[] of the same component


def test_time_period_operators(v2: httpx.Client) -> None:
    def periods(query: str) -> list[str]:
        r = v2.get(f"{FLOW}/A.USD.EUR.SP00.A?{query}", headers={"Accept": CSV20})
        assert r.status_code == 200, r.text
        return sorted(p for _, p, _, _ in parse_csv20(r.content))

    assert periods("c[TIME_PERIOD]=gt:2019") == ["2020", "2021"]
    assert periods("c[TIME_PERIOD]=lt:2016") == ["2015"]
    assert periods("c[TIME_PERIOD]=2017,2019") == ["2017", "2019"]
    assert periods("c[TIME_PERIOD]=ne:2017+ge:2020") == ["2020", "2021"]
    assert periods("c[TIME_PERIOD]=ew:9") == ["2019"]
    assert v2.get(f"{FLOW}?c[TIME_PERIOD]=ge:notaperiod").status_code == 400


def test_attribute_and_measure_filters(v2: httpx.Client) -> None:
    def get(query: str) -> set:
        r = v2.get(f"{FLOW}/M..EUR.SP00.A?{query}", headers={"Accept": CSV20})
        assert r.status_code in (200, 204), r.text  # 204: no data (SDMX REST 2.x)
        return parse_csv20(r.content) if r.status_code == 200 else set()

    est = get("c[OBS_STATUS]=E")  # observation-level, coded
    assert {(k[1], p) for k, p, _, _ in est} == {("JPY", "2020-12")}
    assert get("c[OBS_STATUS]=ne:E") == get("") - est
    jpy = get("c[UNIT]=JPY")  # series-level
    assert jpy == v1(v2, "EXR/M.JPY.EUR.SP00.A")
    assert get("c[TITLE]=co:Yen") == jpy  # series-level, uncoded
    big = get("c[OBS_VALUE]=gt:100")  # numeric measure
    assert big == jpy
    assert get("c[OBS_VALUE]=gt:100+lt:120.5") == {o for o in jpy if float(o[2]) < 120.5}
    assert v2.get(f"{FLOW}?c[NOPE]=1").status_code == 400
    assert v2.get(f"{FLOW}?c[OBS_VALUE]=gt:abc").status_code == 400


# ------------------------------------------------------------------ projections and other parameters


def test_attributes_and_measures_map_to_detail(v2: httpx.Client) -> None:
    base = f"{FLOW}/M.JPY.EUR.SP00.A"
    none = etree.fromstring(v2.get(base, params={"attributes": "none"}).content)
    assert (
        none.find(".//Series").get("UNIT") is None
        and none.find(".//Obs").get("OBS_VALUE") is not None
    )
    keys = etree.fromstring(v2.get(base, params={"attributes": "none", "measures": "none"}).content)
    assert keys.find(".//Obs") is None and keys.find(".//Series").get("CURRENCY") == "JPY"
    nodata = etree.fromstring(v2.get(base, params={"measures": "none"}).content)
    assert nodata.find(".//Obs") is None and nodata.find(".//Series").get("UNIT") == "JPY"
    only = v2.get(base, params={"attributes": "OBS_STATUS,UNIT"}, headers={"Accept": CSV20})
    header = only.text.splitlines()[0].split(",")
    assert header[-3:] == ["OBS_VALUE", "OBS_STATUS", "UNIT"] or header[-3:] == [
        "OBS_VALUE",
        "UNIT",
        "OBS_STATUS",
    ]
    obs_level = v2.get(
        base, params={"attributes": "obs"}, headers={"Accept": CSV20}
    ).text.splitlines()[0]
    assert obs_level.endswith(
        "OBS_VALUE,OBS_STATUS,OBS_CONF,OBS_PRE_BREAK,OBS_COM"
    )  # EXR's observation level
    assert v2.get(base, params={"attributes": "NOPE"}).status_code == 400
    assert v2.get(base, params={"measures": "NOPE"}).status_code == 400
    r = v2.get(base, params={"attributes": "dsd", "measures": "all", "includeHistory": "false"})
    assert r.status_code == 200  # defaults written out (as the JavaScript client does)


def test_first_last_n_dimension_at_observation_and_sort(v2: httpx.Client) -> None:
    r = v2.get(
        f"{FLOW}/M.JPY,USD.EUR.SP00.A", params={"lastNObservations": 2}, headers={"Accept": CSV20}
    )
    assert parse_csv20(r.content) == v1(v2, "EXR/M.JPY+USD.EUR.SP00.A", lastNObservations=2)
    r = v2.get(
        f"{FLOW}/M.JPY,USD.EUR.SP00.A",
        params={"firstNObservations": 1, "sort": "CURRENCY:desc+TIME_PERIOD:desc"},
        headers={"Accept": CSV20},
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["CURRENCY"] for row in rows] == ["USD", "JPY"]
    r = v2.get(
        f"{FLOW}/M.JPY.EUR.SP00.A",
        params={"sort": "TIME_PERIOD:desc", "limit": 3},
        headers={"Accept": CSV20},
    )
    assert [row["TIME_PERIOD"] for row in csv.DictReader(io.StringIO(r.text))] == [
        "2020-12",
        "2020-11",
        "2020-10",
    ]
    assert v2.get(FLOW, params={"sort": "NOPE:asc"}).status_code == 400


def test_offset_limit_paging(v2: httpx.Client) -> None:
    full = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", headers={"Accept": CSV20}).text.splitlines()
    page = v2.get(
        f"{FLOW}/M.JPY.EUR.SP00.A", params={"offset": 5, "limit": 4}, headers={"Accept": CSV20}
    )
    assert page.text.splitlines() == [full[0]] + full[6:10]
    r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", headers={"Accept": CSV20, "Range": "values=0-1"})
    assert r.status_code == 206 and r.headers["content-range"] == "values 0-1/24"


def test_updated_after_include_history_and_as_of(v2: httpx.Client) -> None:
    r = v2.get(
        f"{FLOW}/M.JPY.EUR.SP00.A",
        params={"updatedAfter": "2000-01-01T00:00:00Z"},
        headers={"Accept": CSV20},
    )
    assert r.status_code == 200 and {
        row["ACTION"] for row in csv.DictReader(io.StringIO(r.text))
    } == {"R"}
    h = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params={"includeHistory": "true"})
    assert h.status_code == 200
    ds = etree.fromstring(h.content).find("{*}DataSet")
    assert ds.get(
        "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific}validFromDate"
    )
    check_ss3(v2, h)
    assert (
        v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params={"asOf": "2001-01-01T00:00:00Z"}).status_code
        == 204
    )
    bad = v2.get(
        FLOW, params={"asOf": "2020-01-01T00:00:00Z", "updatedAfter": "2021-01-01T00:00:00Z"}
    )
    assert bad.status_code == 400 and "updatedAfter" in bad.text
    assert v2.get(FLOW, params={"startPeriod": "2020"}).status_code == 400  # not a v2 parameter
    assert v2.get(FLOW, params={"detail": "full"}).status_code == 400


def test_etag_304_and_gzip(v2: httpx.Client) -> None:
    r = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params={"c[TIME_PERIOD]": "ge:2020"})
    etag = r.headers["etag"]
    assert (
        v2.get(
            f"{FLOW}/M.JPY.EUR.SP00.A",
            params={"c[TIME_PERIOD]": "ge:2020"},
            headers={"If-None-Match": etag},
        ).status_code
        == 304
    )
    other = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", params={"c[TIME_PERIOD]": "ge:2019"})
    assert other.headers["etag"] != etag  # the filter is part of the validator
    gz = v2.get(f"{FLOW}/M.JPY.EUR.SP00.A", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"


# ------------------------------------------------------------------ URLs real clients send


def test_rjsdmx_and_pysdmx_urls(v2: httpx.Client) -> None:
    r = v2.get(
        "/rest/v2/data/dataflow/ECB/EXR/1.0/M.JPY.EUR.SP00.A?c[TIME_PERIOD]=ge:2020+le:2020-03"
        "&attributes=dsd&measures=all",
        headers={"Accept": GENERIC},
    )
    assert (
        r.status_code == 200 and r.headers["content-type"] == GENERIC
    )  # 2.1-era formats on v2 paths
    assert len(etree.fromstring(r.content).findall(".//{*}Obs")) == 3
    r = v2.get(
        "/rest/v2/data/dataflow/ECB/EXR/1.0/M.USD%2BJPY.EUR.SP00.A?c%5BTIME_PERIOD%5D=ge%3A2020-01-01T00%3A00%3A00"
        "&lastNObservations=5&dimensionAtObservation=TIME_PERIOD",
        headers={"Accept": CSV20},
    )
    assert r.status_code == 200, r.text
    assert parse_csv20(r.content) == v1(
        v2, "EXR/M.USD+JPY.EUR.SP00.A", startPeriod="2020-01-01T00:00:00", lastNObservations=5
    )


@pytest.mark.parametrize(
    "path", [f"{FLOW}", f"{FLOW}/M.JPY,USD.EUR.SP00.A", "/rest/data/EXR/.USD+JPY..."]
)
def test_csv20_written_by_the_database_equals_the_general_writer(
    v2: httpx.Client, path: str
) -> None:
    fast = v2.get(path, headers={"Accept": CSV20})  # plain answer: rows written by the database
    general = v2.get(
        path, params={"firstNObservations": 100000}, headers={"Accept": CSV20}
    )  # Python writer
    assert fast.status_code == general.status_code == 200
    assert fast.content == general.content
    keyed = v2.get(
        path, headers={"Accept": CSV20 + ";keys=series"}
    )  # keys: never the database lane
    assert keyed.text.splitlines()[0].startswith("STRUCTURE,STRUCTURE_ID,ACTION,SERIES_KEY,")


def test_head_on_v2_data_availability_and_schema(v2: httpx.Client) -> None:
    for path, ctype in (
        (f"{FLOW}/M.JPY.EUR.SP00.A", ML30),
        (
            "/rest/v2/availability/dataflow/ECB/EXR/1.0",
            "application/vnd.sdmx.structure+xml;version=3.0.0",
        ),
        ("/rest/v2/schema/dataflow/ECB/EXR/1.0", "application/vnd.sdmx.schema+xml;version=3.0.0"),
    ):
        head = v2.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert (
            head.headers["content-type"] == ctype
            and head.headers["etag"] == v2.get(path).headers["etag"]
        )
    assert v2.get("/rest/v2/metadata/metadataflow/ECB/X/1.0").status_code == 501
    assert v2.get("/rest/v2/registration/id/X").status_code == 501
