"""SDMX REST v1 data queries against a live server: formats, parameters, errors, caching, paging.

Data: the real ECB EXR chain (252 monthly USD observations, provider ECB) plus
synthetic quarterly, annual, daily USD and monthly JPY series (provider BIS);
and the SDMX 2.1 sample matrix on a second server. Every XML and JSON body
is validated against the official schemas by the client hook; structure-
specific data against our own /schema answer.
"""

from __future__ import annotations

import gzip
import io

import httpx
import pytest
from lxml import etree

from tests.data_parsers import (
    parse_csv10,
    parse_generic,
    parse_json10,
    parse_structure_specific,
    values_only,
)
from tests.ss_validation import ss_errors

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
GENERIC_TS = "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
SS_TS = "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1"
JSON10 = "application/vnd.sdmx.data+json;version=1.0.0"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
EXR_DIMS = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"]


def parse(resp: httpx.Response, dims: list[str], with_attrs: bool = True) -> set:
    ctype = resp.headers["content-type"]
    if "genericdata" in ctype or "generictimeseries" in ctype:
        return parse_generic(resp.content, dims, with_attrs=with_attrs)
    if "structurespecific" in ctype:
        return parse_structure_specific(resp.content, dims, with_attrs=with_attrs)
    if "json" in ctype:
        return parse_json10(resp.content, with_attrs=with_attrs)
    return parse_csv10(resp.content, dims, with_attrs=with_attrs)


def periods(obs: set) -> list[str]:
    return sorted(p for _, p, _, _ in obs)


def check_ss(client: httpx.Client, resp: httpx.Response, flow: str, dim_at_obs: str) -> None:
    agency, fid, ver = flow.split(",")
    xsd = client.get(
        f"/rest/schema/dataflow/{agency}/{fid}/{ver}", params={"dimensionAtObservation": dim_at_obs}
    )
    assert xsd.status_code == 200
    ns = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:{fid}({ver}):ObsLevelDim:{dim_at_obs}"
    assert ss_errors(resp.content, xsd.content, ns) == []


# ------------------------------------------------------------------ formats


@pytest.mark.parametrize("prefix", ["ng", "rg", "sg"])
@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "CURRENCY", "AllDimensions"])
def test_sample_matrix_same_observations_in_every_format(
    sample_server, prefix: str, dim_at_obs: str
) -> None:
    from tests.sdmx_validation import httpx_hooks

    flow = f"ECB,EXR_{prefix.upper()},1.0"
    dims = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_VAR"]
    with httpx.Client(base_url=sample_server.url, event_hooks=httpx_hooks) as client:
        answers = {}
        for accept in (GENERIC, GENERIC_TS, SS, SS_TS, JSON10, CSV10):
            r = client.get(
                f"/rest/data/{flow}",
                params={"dimensionAtObservation": dim_at_obs},
                headers={"Accept": accept},
            )
            if accept in (GENERIC_TS, SS_TS) and dim_at_obs != "TIME_PERIOD":
                assert r.status_code == 400  # time-series messages carry time at observation only
                continue
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == accept
            if accept in (SS, SS_TS):
                check_ss(client, r, flow, dim_at_obs)
            answers[accept] = parse(r, dims)
        reference = answers[GENERIC]
        assert len(reference) == 12
        for accept, obs in answers.items():
            if accept == JSON10:
                assert values_only(obs) == values_only(reference), accept
                assert {a for *_, a in obs} == {a for *_, a in reference}
            else:
                assert obs == reference, accept
        # the answer equals the file it was loaded from
        from tests import fixtures

        original = parse_generic(
            (fixtures.SDMX / "ECB_EXR" / f"{prefix}-ts.xml").read_bytes(), dims
        )
        assert values_only(reference) == values_only(original)


def test_ecb_chain_every_format_same_observations(dhttp: httpx.Client) -> None:
    base = "/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A"
    answers = {
        a: parse(dhttp.get(base, headers={"Accept": a}), EXR_DIMS)
        for a in (GENERIC, SS, JSON10, CSV10)
    }
    assert len(answers[GENERIC]) == 252
    assert answers[SS] == answers[GENERIC] == answers[CSV10]
    assert values_only(answers[JSON10]) == values_only(answers[GENERIC])
    from tests import fixtures

    assert values_only(answers[GENERIC]) == values_only(
        parse_generic(fixtures.ECB_DATA.read_bytes(), EXR_DIMS)
    )


@pytest.mark.parametrize("accept", [None, "*/*", "application/xml", "text/xml"])
def test_default_is_generic_21(dhttp: httpx.Client, accept: str | None) -> None:
    r = dhttp.get(
        "/rest/data/EXR/M.USD.EUR.SP00.A",
        params={"lastNObservations": 2},
        headers={"Accept": accept} if accept else {},
    )
    assert r.headers["content-type"] == GENERIC
    assert b"<mes:GenericData" in r.content[:300]
    header = etree.fromstring(r.content).find("{*}Header/{*}Structure")
    assert header.get("dimensionAtObservation") == "TIME_PERIOD"
    ref = header.find("{*}StructureUsage/Ref")
    assert (ref.get("class"), ref.get("id")) == ("Dataflow", "EXR")


def test_structure_specific_header_has_namespace_and_dataflow_ref(dhttp: httpx.Client) -> None:
    r = dhttp.get(
        "/rest/data/EXR/M.USD.EUR.SP00.A", params={"lastNObservations": 2}, headers={"Accept": SS}
    )
    header = etree.fromstring(r.content).find("{*}Header/{*}Structure")
    assert (
        header.get("namespace")
        == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0):ObsLevelDim:TIME_PERIOD"
    )
    assert header.find("{*}StructureUsage/Ref").get("class") == "Dataflow"


def test_csv_labels_both_and_normalized_time(dhttp: httpx.Client) -> None:
    r = dhttp.get(
        "/rest/data/EXR/Q.USD.EUR.SP00.A",
        params={"lastNObservations": 1},
        headers={"Accept": CSV10 + ";labels=both;timeFormat=normalized"},
    )
    lines = r.text.splitlines()
    assert lines[0].startswith("DATAFLOW,FREQ: Frequency,CURRENCY: Currency")
    assert lines[1].startswith("ECB:EXR(1.0): Exchange Rates,Q: Quarterly,USD: US dollar,")
    assert ",2021-10-01T00:00:00," in lines[1]
    r = dhttp.get(
        "/rest/data/EXR/M.JPY.EUR.SP00.A",
        params={"lastNObservations": 1},
        headers={"Accept": CSV10},
    )
    assert r.text.splitlines()[1].endswith('"Yen, per euro"') or '"Yen, per euro"' in r.text


@pytest.mark.parametrize(
    "accept", ["application/vnd.sdmx.data+csv;version=9.0.0", "text/html", "image/png"]
)
def test_unsupported_data_format_is_406(dhttp: httpx.Client, accept: str) -> None:
    assert dhttp.get("/rest/data/EXR", headers={"Accept": accept}).status_code == 406


# ------------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "flow", ["EXR", "ECB,EXR", "ECB,EXR,1.0", "ECB%2CEXR%2C1.0", "ECB,EXR,latest"]
)
def test_flow_ref_forms(dhttp: httpx.Client, flow: str) -> None:
    r = dhttp.get(f"/rest/data/{flow}/M.USD.EUR.SP00.A/", params={"lastNObservations": 1})
    assert r.status_code == 200 and len(parse(r, EXR_DIMS)) == 1


def test_key_wildcards_and_or(dhttp: httpx.Client) -> None:
    both = parse(dhttp.get("/rest/data/EXR/M.USD+JPY.EUR.SP00.A"), EXR_DIMS)
    assert {k[1] for k, *_ in both} == {"USD", "JPY"} and len(both) == 252 + 24
    assert parse(dhttp.get("/rest/data/EXR/M.USD%2BJPY.EUR.SP00.A"), EXR_DIMS) == both
    usd = parse(dhttp.get("/rest/data/EXR/.USD.EUR.SP00.A"), EXR_DIMS)
    assert {k[0] for k, *_ in usd} == {"M", "Q", "A", "D"}
    assert parse(dhttp.get("/rest/data/EXR/all"), EXR_DIMS) == parse(
        dhttp.get("/rest/data/EXR"), EXR_DIMS
    )


def test_wrong_key_length_is_400_and_unknown_code_is_403(dhttp: httpx.Client) -> None:
    r = dhttp.get("/rest/data/EXR/M.USD.EUR")
    assert r.status_code == 400 and b'code="140"' in r.content and b"5 dimensions" in r.content
    r = dhttp.get("/rest/data/EXR/M.NOTACODE.EUR.SP00.A")
    assert r.status_code == 403 and b'code="150"' in r.content and b"NOTACODE" in r.content


def test_no_match_is_404_code_100(dhttp: httpx.Client) -> None:
    r = dhttp.get("/rest/data/EXR/M.GBP.EUR.SP00.A")
    assert r.status_code == 404 and b'code="100"' in r.content
    assert dhttp.get("/rest/data/NOFLOW").status_code == 404


def test_provider_ref_filters_through_provision_agreements(dhttp: httpx.Client) -> None:
    ecb = parse(dhttp.get("/rest/data/EXR/all/ECB"), EXR_DIMS)
    bis = parse(dhttp.get("/rest/data/EXR/all/ECB,BIS"), EXR_DIMS)
    assert {k for k, *_ in ecb} == {("M", "USD", "EUR", "SP00", "A")}
    assert ("M", "USD", "EUR", "SP00", "A") not in {k for k, *_ in bis} and len(bis) == 53
    both = parse(dhttp.get("/rest/data/EXR/all/ECB+BIS"), EXR_DIMS)
    assert both == ecb | bis
    r = dhttp.get("/rest/data/EXR/all/BIS")
    refs = etree.fromstring(r.content).findall("{*}Header/{*}Structure/{*}ProvisionAgrement/Ref")
    assert [(x.get("class"), x.get("id")) for x in refs] == [("ProvisionAgreement", "EXR_BIS")]
    assert dhttp.get("/rest/data/EXR/all/NOBODY").status_code == 404


# ------------------------------------------------------------------ parameters


@pytest.mark.parametrize(
    ("start", "end", "expected_monthly"),
    [
        ("2019", "2019", 12),
        ("2019-S2", None, 6 + 12),
        ("2019-Q3", "2019-Q3", 3),
        ("2019-07", "2019-08", 2),
        ("2020-W05", "2020-W05", 2),
        ("2020-07-15", "2020-07-15", 1),
        ("2019-M11", None, 14),
        ("2020-D366", None, 1),
    ],
)
def test_period_window_every_form_inclusive(
    dhttp: httpx.Client, start: str, end: str | None, expected_monthly: int
) -> None:
    params = {"startPeriod": start} | ({"endPeriod": end} if end else {})
    obs = parse(dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", params=params), EXR_DIMS)
    assert len(obs) == expected_monthly, periods(obs)


def test_period_window_overlaps_other_frequencies(dhttp: httpx.Client) -> None:
    obs = parse(
        dhttp.get(
            "/rest/data/EXR/.USD.EUR.SP00.A",
            params={"startPeriod": "2021-Q3", "endPeriod": "2021-08"},
        ),
        EXR_DIMS,
    )
    by_freq = {}
    for k, p, *_ in obs:
        by_freq.setdefault(k[0], []).append(p)
    assert by_freq["A"] == ["2021"] and sorted(by_freq["Q"]) == ["2021-Q3"] and "M" not in by_freq


def test_bad_periods_are_400(dhttp: httpx.Client) -> None:
    for params in (
        {"startPeriod": "2020-Q5"},
        {"endPeriod": "yesterday"},
        {"startPeriod": "2021", "endPeriod": "2020"},
    ):
        assert dhttp.get("/rest/data/EXR", params=params).status_code == 400, params


def test_first_and_last_n_per_series_and_with_window(dhttp: httpx.Client) -> None:
    last = parse(
        dhttp.get("/rest/data/EXR/.USD+JPY.EUR.SP00.A", params={"lastNObservations": 2}), EXR_DIMS
    )
    per_series: dict = {}
    for k, p, *_ in last:
        per_series.setdefault(k, []).append(p)
    assert all(len(v) == 2 for v in per_series.values()) and len(per_series) == 5
    assert sorted(per_series[("M", "JPY", "EUR", "SP00", "A")]) == ["2020-11", "2020-12"]
    first = parse(
        dhttp.get(
            "/rest/data/EXR/M.JPY.EUR.SP00.A",
            params={"firstNObservations": 1, "startPeriod": "2020"},
        ),
        EXR_DIMS,
    )
    assert periods(first) == ["2020-01"]
    both = parse(
        dhttp.get(
            "/rest/data/EXR/M.JPY.EUR.SP00.A",
            params={"firstNObservations": 1, "lastNObservations": 1},
        ),
        EXR_DIMS,
    )
    assert periods(both) == ["2019-01", "2020-12"]
    assert dhttp.get("/rest/data/EXR", params={"lastNObservations": 0}).status_code == 400


def test_dimension_at_observation_layouts(dhttp: httpx.Client) -> None:
    def layout(params: dict) -> etree._Element:
        return etree.fromstring(
            dhttp.get(
                "/rest/data/EXR/M.USD+JPY.EUR.SP00.A", params=params, headers={"Accept": SS}
            ).content
        )

    ts = layout({"startPeriod": "2019-01", "endPeriod": "2019-02"})
    assert len(ts.findall(".//Series")) == 2 and all(o.get("TIME_PERIOD") for o in ts.iter("Obs"))
    xs = layout(
        {"startPeriod": "2019-01", "endPeriod": "2019-02", "dimensionAtObservation": "CURRENCY"}
    )
    series = xs.findall(".//Series")
    assert len(series) == 2 and all(s.get("TIME_PERIOD") and not s.get("CURRENCY") for s in series)
    assert {o.get("CURRENCY") for o in xs.iter("Obs")} == {"USD", "JPY"}
    flat = layout(
        {
            "startPeriod": "2019-01",
            "endPeriod": "2019-02",
            "dimensionAtObservation": "AllDimensions",
        }
    )
    assert not flat.findall(".//Series") and len(list(flat.iter("Obs"))) == 4
    assert dhttp.get("/rest/data/EXR", params={"dimensionAtObservation": "NOPE"}).status_code == 400


def test_detail_levels(dhttp: httpx.Client) -> None:
    full = etree.fromstring(dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A").content)
    assert full.findall(".//{*}Series/{*}Attributes") and full.findall(".//{*}Obs/{*}Attributes")
    dataonly = etree.fromstring(
        dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", params={"detail": "dataonly"}).content
    )
    assert not dataonly.findall(".//{*}Attributes") and len(dataonly.findall(".//{*}Obs")) == 24
    keys = etree.fromstring(
        dhttp.get("/rest/data/EXR", params={"detail": "serieskeysonly"}).content
    )
    assert len(keys.findall(".//{*}Series")) == 5 and not keys.findall(".//{*}Obs")
    assert not keys.findall(".//{*}Attributes")
    nodata = etree.fromstring(
        dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", params={"detail": "nodata"}).content
    )
    assert not nodata.findall(".//{*}Obs") and nodata.findall(".//{*}Series/{*}Attributes")
    assert dhttp.get("/rest/data/EXR", params={"detail": "most"}).status_code == 400


def test_include_history_answered_with_validity(dhttp: httpx.Client) -> None:
    r = dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", params={"includeHistory": "True"})
    sets = etree.fromstring(r.content).findall("{*}DataSet")
    assert sets and all(s.get("validFromDate") for s in sets)


def test_unknown_parameters_and_bad_values_are_400(dhttp: httpx.Client) -> None:
    for params in (
        {"startperiod": "2020"},
        {"includeHistory": "maybe"},
        {"updatedAfter": "soon"},
        {"firstNObservations": "x"},
    ):
        r = dhttp.get("/rest/data/EXR", params=params)
        assert r.status_code == 400, params


# ------------------------------------------------------------------ HTTP behaviour


def test_etag_last_modified_and_304(dhttp: httpx.Client) -> None:
    r = dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A")
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert (
        dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", headers={"If-None-Match": etag}).status_code
        == 304
    )
    # A date at least a second after the last release: 304. (The fixture's two loads may share the second
    # Last-Modified names; the date alone cannot tell them apart, so that exact date gets 200 then: ADR 0006.)
    from datetime import timedelta
    from email.utils import format_datetime, parsedate_to_datetime

    later = format_datetime(parsedate_to_datetime(lm) + timedelta(seconds=1), usegmt=True)
    assert (
        dhttp.get(
            "/rest/data/EXR/M.JPY.EUR.SP00.A", headers={"If-Modified-Since": later}
        ).status_code
        == 304
    )
    earlier = format_datetime(parsedate_to_datetime(lm) - timedelta(seconds=1), usegmt=True)
    assert (
        dhttp.get(
            "/rest/data/EXR/M.JPY.EUR.SP00.A", headers={"If-Modified-Since": earlier}
        ).status_code
        == 200
    )
    other = dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", headers={"Accept": CSV10})
    assert other.headers["etag"] != etag


def test_gzip_streamed(data_server) -> None:
    with httpx.stream(
        "GET", f"{data_server.url}/rest/data/EXR", headers={"Accept-Encoding": "gzip"}
    ) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip" and "Accept-Encoding" in r.headers["vary"]
    assert gzip.decompress(raw).startswith(b"<?xml")


def test_head_gives_headers_only(dhttp: httpx.Client) -> None:
    r = dhttp.head("/rest/data/EXR/M.JPY.EUR.SP00.A")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"] == GENERIC
    assert dhttp.head("/rest/data/EXR/M.GBP.EUR.SP00.A").status_code == 404
    for path in (
        "/rest/availableconstraint/EXR/M.JPY.EUR.SP00.A",
        "/rest/schema/dataflow/ECB/EXR/1.0",
    ):
        got, head = dhttp.get(path), dhttp.head(path)
        assert got.status_code == head.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path


def test_range_paging_with_content_range(dhttp: httpx.Client) -> None:
    everything = dhttp.get("/rest/data/EXR/M.USD+JPY.EUR.SP00.A", headers={"Accept": CSV10})
    all_rows = everything.text.splitlines()[1:]
    r = dhttp.get(
        "/rest/data/EXR/M.USD+JPY.EUR.SP00.A", headers={"Accept": CSV10, "Range": "values=10-19"}
    )
    assert r.status_code == 206 and r.headers["content-range"] == "values 10-19/276"
    assert r.text.splitlines()[1:] == all_rows[10:20]
    r = dhttp.get(
        "/rest/data/EXR/M.USD+JPY.EUR.SP00.A", headers={"Accept": CSV10, "Range": "values=270-"}
    )
    assert r.headers["content-range"] == "values 270-275/276" and len(r.text.splitlines()) == 7
    r = dhttp.get("/rest/data/EXR/M.USD+JPY.EUR.SP00.A", headers={"Range": "values=999-1000"})
    assert r.status_code == 416


def test_offset_limit_extension(dhttp: httpx.Client) -> None:
    full = dhttp.get(
        "/rest/data/EXR/M.USD+JPY.EUR.SP00.A", headers={"Accept": CSV10}
    ).text.splitlines()[1:]
    page = dhttp.get(
        "/rest/data/EXR/M.USD+JPY.EUR.SP00.A",
        params={"offset": 5, "limit": 3},
        headers={"Accept": CSV10},
    )
    assert page.text.splitlines()[1:] == full[5:8]


def test_too_large_is_413_code_510_unless_paged(make_services, serve) -> None:
    from tests import fixtures
    from tests.conftest import load_data, load_files

    services = make_services(max_response_observations=100)
    load_files(services, [fixtures.ECB_FULL])
    load_data(services, fixtures.ECB_DATA)
    server = serve(services)
    r = httpx.get(f"{server.url}/rest/data/EXR")
    assert r.status_code == 413 and b'code="510"' in r.content and b"Range" in r.content
    r = httpx.get(f"{server.url}/rest/data/EXR", headers={"Range": "values=0-99"})
    assert r.status_code == 206 and r.headers["content-range"] == "values 0-99/252"
    r = httpx.get(f"{server.url}/rest/data/EXR", params={"lastNObservations": 50})
    assert r.status_code == 200


def test_data_change_changes_etag_and_updated_after_and_as_of(
    make_services, serve, tmp_path
) -> None:
    from tests import fixtures
    from tests.clock import FakeClock
    from tests.conftest import load_data, load_files

    clock = FakeClock()  # moved forward instead of sleeping past Last-Modified's second
    services = make_services(clock=clock)
    load_files(services, [fixtures.ECB_FULL])
    load_data(services, fixtures.ECB_DATA)
    server = serve(services)
    base = f"{server.url}/rest/data/EXR/M.USD.EUR.SP00.A"
    first = httpx.get(base)
    etag = first.headers["etag"]
    clock.advance(1.1)
    between = clock.now().isoformat()
    clock.advance(1.1)
    csv = (
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        "ECB:EXR(1.0),M,USD,EUR,SP00,A,2019-12,9.99,A\nECB:EXR(1.0),M,USD,EUR,SP00,A,2020-01,1.23,A\n"
    )
    (tmp_path / "update.csv").write_text(csv)
    load_data(services, tmp_path / "update.csv")
    second = httpx.get(base, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["etag"] != etag
    assert (
        httpx.get(base, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code
        == 200
    )
    changed = parse(httpx.get(base, params={"updatedAfter": between}), EXR_DIMS)
    assert {(p, v) for _, p, v, _ in changed} == {("2019-12", "9.99"), ("2020-01", "1.23")}
    before = parse(httpx.get(base, params={"asOf": between, "startPeriod": "2019-12"}), EXR_DIMS)
    assert {(p, v) for _, p, v, _ in before} == {("2019-12", "1.111345")}
    history = etree.fromstring(
        httpx.get(base, params={"includeHistory": "true", "startPeriod": "2019-12"}).content
    )
    assert len(history.findall("{*}DataSet")) == 2


def test_pysdmx_reads_generic_structure_specific_and_csv(dhttp: httpx.Client) -> None:
    from pysdmx.io import read_sdmx

    for accept in (GENERIC, SS, CSV10):
        r = dhttp.get("/rest/data/EXR/M.JPY.EUR.SP00.A", headers={"Accept": accept})
        msg = read_sdmx(io.StringIO(r.text).read(), validate=True)
        (dataset,) = msg.data
        assert len(dataset.data) == 24, accept
