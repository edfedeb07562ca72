"""SDMX REST v2 ``c[COMPONENT]`` filters on group attributes, against a live server (data and
availability): a series matches when a group it belongs to carries a matching value.

Data: :mod:`tests.group_attributes` (six series of ECB_EXR_CG, the SiblingGroup's DECIMALS,
UNIT_MEASURE and TITLE, the RateGroup's COLL_METHOD, one series without a RateGroup value, one
group value updated after the first write). Every SDMX body is validated by the client hook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer, make_settings
from tests.data_parsers import parse_json20, parse_structure_specific
from tests.group_attributes import (
    DIMS,
    FLOW_ID,
    OBS_PER_SERIES,
    SERIES,
    GroupStore,
    build_group_store,
)
from tests.sdmx_validation import httpx_hooks

CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
FLOW = f"/rest/v2/data/dataflow/ECB/{FLOW_ID}/1.0"
AVAILABILITY = f"/rest/v2/availability/dataflow/ECB/{FLOW_ID}/1.0"
CHF, GBP, JPY, USD_P, USD_A, USD_RR = SERIES


@pytest.fixture(scope="module")
def group_store(db_factory: DatabaseFactory) -> Iterator[GroupStore]:
    services = Services.build(make_settings(db_factory.new_url()))
    try:
        yield build_group_store(services)
    finally:
        services.close()


@pytest.fixture(scope="module")
def client(group_store: GroupStore) -> Iterator[httpx.Client]:
    with (
        LiveServer(group_store.services) as server,
        httpx.Client(base_url=server.url, timeout=60, event_hooks=httpx_hooks) as c,
    ):
        yield c


def _query(filters: dict[str, str]) -> str:
    """``c[...]`` parameters, values percent-encoded but ``+`` (AND) and ``,`` (OR) kept."""
    return "&".join(f"c[{k}]={quote(v, safe='+,:')}" for k, v in filters.items())


def series_of(
    client: httpx.Client, path: str = FLOW, accept: str = CSV20, **filters: str
) -> set[str]:
    """The series keys of a data answer (empty for 204)."""
    r = client.get(f"{path}?{_query(filters)}", headers={"Accept": accept})
    assert r.status_code in (200, 204), r.text
    if r.status_code == 204:
        return set()
    if accept == CSV20:
        rows = list(csv.DictReader(io.StringIO(r.text)))
        return {".".join(row[d] for d in DIMS) for row in rows}
    obs = parse_json20(r.content) if accept == JSON20 else parse_structure_specific(r.content, DIMS)
    return {".".join(o[0]) for o in obs}


# ------------------------------------------------------------------ data


def test_a_series_is_excluded_by_its_groups_value(client: httpx.Client) -> None:
    """M.GBP.EUR.SP00.E differs from M.CHF.EUR.SP00.E in CURRENCY only, which the query does not
    name: only its group's DECIMALS (5) excludes it, so a filter that were ignored would keep it."""
    everything = series_of(client)
    assert everything == set(SERIES)
    for accept in (CSV20, ML30, JSON20):
        assert series_of(client, accept=accept, DECIMALS="4") == {CHF, USD_P, USD_A}, accept
    assert series_of(client, DECIMALS="5") == {GBP}
    r = client.get(f"{FLOW}?c[DECIMALS]=4", headers={"Accept": CSV20})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3 * OBS_PER_SERIES
    assert {row["DECIMALS"] for row in rows} == {"4"}  # the values shown are the filtered ones


def test_every_operator_on_a_coded_group_attribute(client: httpx.Client) -> None:
    assert series_of(client, DECIMALS="eq:4") == {CHF, USD_P, USD_A}
    assert series_of(client, DECIMALS="ne:4") == {GBP, JPY, USD_RR}
    assert series_of(client, DECIMALS="lt:4") == {JPY, USD_RR}  # codes compare as text
    assert series_of(client, DECIMALS="le:4") == {CHF, JPY, USD_P, USD_A, USD_RR}
    assert series_of(client, DECIMALS="gt:4") == {GBP}
    assert series_of(client, DECIMALS="ge:4") == {CHF, GBP, USD_P, USD_A}
    assert series_of(client, UNIT_MEASURE="co:S") == {USD_P, USD_A, USD_RR}
    assert series_of(client, UNIT_MEASURE="nc:S") == {CHF, GBP, JPY}
    assert series_of(client, UNIT_MEASURE="sw:G") == {GBP}
    assert series_of(client, UNIT_MEASURE="ew:F") == {CHF}


def test_every_text_operator_on_uncoded_group_attributes(client: httpx.Client) -> None:
    assert series_of(client, TITLE="Yen per euro") == {JPY}
    assert series_of(client, TITLE="co:dollar") == {USD_P, USD_A, USD_RR}
    assert series_of(client, TITLE="co:Dollar") == set()  # case-sensitive, on both databases
    assert series_of(client, TITLE="nc:euro") == {USD_RR}
    assert series_of(client, TITLE="sw:US") == {USD_P, USD_A}
    assert series_of(client, TITLE="ew:per euro") == {CHF, GBP, JPY}
    assert series_of(client, TITLE="gt:S") == {CHF, JPY, USD_P, USD_A}  # Swiss, Yen, US dollar
    # the RateGroup (EXR_TYPE, EXR_VAR): several series share one group's value
    assert series_of(client, COLL_METHOD="End of period") == {USD_P, USD_A}
    assert series_of(client, COLL_METHOD="sw:Average") == {CHF, GBP, JPY}
    assert series_of(client, COLL_METHOD="ew:period") == {CHF, GBP, JPY, USD_P, USD_A}


def test_ne_and_nc_keep_series_whose_group_has_no_value(client: httpx.Client) -> None:
    """M.USD.EUR.RR00.E belongs to no RateGroup with a value: its COLL_METHOD is absent."""
    assert series_of(client, COLL_METHOD="ne:End of period") == {CHF, GBP, JPY, USD_RR}
    assert series_of(client, COLL_METHOD="nc:period") == {USD_RR}
    assert series_of(client, COLL_METHOD="co:period") == {CHF, GBP, JPY, USD_P, USD_A}
    assert USD_RR not in series_of(client, COLL_METHOD="lt:Z")


def test_or_and_and_and_other_components(client: httpx.Client) -> None:
    assert series_of(client, DECIMALS="4,5") == {CHF, GBP, USD_P, USD_A}  # OR
    assert series_of(client, DECIMALS="ge:3+le:4") == {CHF, JPY, USD_P, USD_A, USD_RR}  # AND
    assert series_of(client, DECIMALS="ne:4+ne:5") == {JPY, USD_RR}
    assert series_of(client, DECIMALS="5,ge:3+lt:4") == {GBP, JPY, USD_RR}  # OR of ANDs
    # several group attributes, of two groups, and a dimension
    assert series_of(client, DECIMALS="4", COLL_METHOD="sw:Average") == {CHF}
    assert series_of(client, COLL_METHOD="sw:End", FREQ="A") == {USD_A}
    assert series_of(client, f"{FLOW}/M.*.EUR.*.*", DECIMALS="4") == {CHF, USD_P}
    assert series_of(client, DECIMALS="4", TITLE="co:franc") == {CHF}
    assert series_of(client, DECIMALS="5", UNIT_MEASURE="CHF") == set()


def test_as_of_sees_the_group_value_of_that_instant(
    client: httpx.Client, group_store: GroupStore
) -> None:
    at = group_store.before_update.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert series_of(client, DECIMALS="3") == {JPY, USD_RR}
    r = client.get(f"{FLOW}?c[DECIMALS]=3&asOf={quote(at)}", headers={"Accept": CSV20})
    assert r.status_code == 200, r.text
    assert {".".join(row[d] for d in DIMS) for row in csv.DictReader(io.StringIO(r.text))} == {
        USD_RR
    }
    old = client.get(f"{FLOW}?c[DECIMALS]=2&asOf={quote(at)}", headers={"Accept": CSV20})
    assert old.status_code == 200 and "JPY" in old.text
    assert client.get(f"{FLOW}?c[DECIMALS]=2", headers={"Accept": CSV20}).status_code == 204


def test_counts_pages_and_series_only_answers(client: httpx.Client) -> None:
    r = client.get(
        f"{FLOW}?c[DECIMALS]=4", headers={"Accept": CSV20, "Range": "values=0-1"}
    )  # the total is counted with the filter
    assert r.status_code == 206 and r.headers["content-range"] == f"values 0-1/{3 * OBS_PER_SERIES}"
    keys = client.get(f"{FLOW}?c[DECIMALS]=ne:4&measures=none", headers={"Accept": ML30})
    assert keys.status_code == 200, keys.text
    found = {
        ".".join(s.get(d) for d in DIMS) for s in etree.fromstring(keys.content).iter("Series")
    }
    assert found == {GBP, JPY, USD_RR}
    page = client.get(f"{FLOW}?c[COLL_METHOD]=sw:End&limit=2&offset=1", headers={"Accept": CSV20})
    assert page.status_code == 200 and len(page.text.splitlines()) == 3


def test_unknown_values_and_bad_filters(client: httpx.Client) -> None:
    assert series_of(client, DECIMALS="9") == set()
    assert client.get(f"{FLOW}?c[DECIMALS]=").status_code == 400


# ------------------------------------------------------------------ availability


def _available(client: httpx.Client, query: str) -> tuple[dict[str, set[str]], dict[str, str]]:
    r = client.get(f"{AVAILABILITY}?{query}")
    assert r.status_code == 200, r.text
    root = etree.fromstring(r.content)
    values = {
        kv.get("id"): {v.text for v in kv.findall("{*}Value")}
        for kv in root.iter("{*}KeyValue")
        if kv.find("{*}Value") is not None
    }
    counts = {
        a.findtext("{*}AnnotationType") + ":" + a.get("id"): a.findtext("{*}AnnotationTitle")
        for a in root.iter("{*}Annotation")
    }
    return values, counts


def test_availability_applies_group_filters(client: httpx.Client) -> None:
    values, counts = _available(client, "c[DECIMALS]=4")
    assert values["CURRENCY"] == {"CHF", "USD"}
    assert values["FREQ"] == {"M", "A"}
    assert values["EXR_VAR"] == {"E", "P"}
    assert counts["sdmx_metrics:series_count"] == "3"
    assert counts["sdmx_metrics:obs_count"] == str(3 * OBS_PER_SERIES)
    values, counts = _available(client, _query({"COLL_METHOD": "ne:End of period"}))
    assert values["EXR_TYPE"] == {"SP00", "RR00"} and values["EXR_VAR"] == {"E"}
    assert counts["sdmx_metrics:series_count"] == "4"
    values, _ = _available(client, "c[DECIMALS]=4&mode=available")
    assert values["CURRENCY"] == {"CHF", "USD"}
    r = client.get(f"{AVAILABILITY}?c[DECIMALS]=9")
    assert r.status_code == 404


def test_availability_providers_with_a_group_filter(client: httpx.Client) -> None:
    """``references=dataproviderscheme`` probes the providers with the same filter (on PostgreSQL
    too: the probe compiles for the session's database)."""
    r = client.get(
        f"{AVAILABILITY}?c[TITLE]=co:dollar&references=dataproviderscheme",
        headers={"Accept": "application/vnd.sdmx.structure+xml;version=3.0.0"},
    )
    assert r.status_code == 200, r.text


def test_filters_on_group_attributes_the_answer_does_not_show(client: httpx.Client) -> None:
    """``attributes`` chooses what is shown, ``c[]`` what is selected: a filter may name an attribute
    left out. Without group attributes to show, SDMX-CSV is written by the database (COPY on
    PostgreSQL, SQLite's own string building), with the group filter in its WHERE clause."""
    r = client.get(f"{FLOW}?c[DECIMALS]=4&attributes=none", headers={"Accept": CSV20})
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert "DECIMALS" not in rows[0] and "TITLE" not in rows[0]
    assert {".".join(row[d] for d in DIMS) for row in rows} == {CHF, USD_P, USD_A}
    general = client.get(
        f"{FLOW}?c[DECIMALS]=4&attributes=none&firstNObservations=100", headers={"Accept": CSV20}
    )  # the Python writer
    assert general.content == r.content
    keys = client.get(
        f"{FLOW}?c[DECIMALS]=ne:4&attributes=none&measures=none", headers={"Accept": ML30}
    )
    assert keys.status_code == 200, keys.text
    found = {
        ".".join(s.get(d) for d in DIMS) for s in etree.fromstring(keys.content).iter("Series")
    }
    assert found == {GBP, JPY, USD_RR}
    shown = client.get(
        f"{FLOW}?{_query({'COLL_METHOD': 'End of period'})}&attributes=TITLE",
        headers={"Accept": CSV20},
    )
    rows = list(csv.DictReader(io.StringIO(shown.text)))
    assert {row["TITLE"] for row in rows} == {"US dollar per euro, end of period"}
    assert "COLL_METHOD" not in rows[0]
