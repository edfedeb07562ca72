"""Edge cases of data queries found by an audit: history with series-only detail, paging and the size
limit, SDMX-JSON for every detail, series counted for series-only answers, client mistakes in paging
parameters (400, never 500), and availability of the time dimension.

Every XML and JSON body the ``dhttp``/``limited`` clients receive is validated against the official
schemas by the client hook (``tests.sdmx_validation``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from sdmx_server.services.container import Services
from tests.api.test_data_v1 import CSV10, GENERIC, GENERIC_TS, JSON10, SS, SS_TS, check_ss, periods
from tests.conftest import DatabaseFactory, LiveServer, make_settings
from tests.json_schemas import validate_json
from tests.sdmx_validation import assert_valid_xml, httpx_hooks

CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
DRAFT_JSON = "application/vnd.sdmx.draft-sdmx-json+json"
JPY = "/rest/data/ECB,EXR,1.0/M.JPY.EUR.SP00.A"
MAX = 100  # the response-size limit of the ``limited`` server
TOTAL_OBS = 252 + 53  # data of ``limited``: 5 series
HUGE = "9" * 23


def sdmx_error(r: httpx.Response) -> tuple[int, str]:
    """(SDMX error code, message) of an SDMX-ML error message."""
    root = etree.fromstring(r.content)
    (message,) = root.findall("{*}ErrorMessage")
    return int(message.get("code")), message.findtext("{*}Text") or ""


# ------------------------------------------------------------------ a server with a small size limit


@pytest.fixture(scope="module")
def limited_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """The ``data_services`` content (5 series, 305 observations) with a limit of 100 observations."""
    from tests import fixtures
    from tests.conftest import add_providers, load_data, load_files, pa_ref, synthetic_exr_csv

    services = Services.build(
        make_settings(db_factory.migrated_url(), max_response_observations=MAX)
    )
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(services, fixtures.ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
    folder = db_factory.tmp / "limited"
    folder.mkdir(exist_ok=True)
    load_data(services, synthetic_exr_csv(folder), provision_agreement=pa_ref("EXR_BIS"))
    yield services
    services.close()


@pytest.fixture(scope="module")
def limited_server(limited_services: Services) -> Iterator[LiveServer]:
    with LiveServer(limited_services) as server:
        yield server


@pytest.fixture
def limited(limited_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited_server.url, event_hooks=httpx_hooks, timeout=60) as client:
        yield client


def csv_rows(r: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(r.text)))[1:]


# ------------------------------------------------------------------ 1. includeHistory with series-only detail


@pytest.mark.parametrize("detail", ["serieskeysonly", "nodata"])
@pytest.mark.parametrize("accept", [GENERIC, GENERIC_TS, SS, SS_TS, JSON10, DRAFT_JSON, CSV20])
def test_history_with_series_only_detail_is_complete(
    dhttp: httpx.Client, detail: str, accept: str
) -> None:
    r = dhttp.get(
        JPY, params={"includeHistory": "true", "detail": detail}, headers={"Accept": accept}
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith(accept)
    if "xml" in accept:
        doc = etree.fromstring(r.content)  # a stream cut short would not parse
        sets = doc.findall("{*}DataSet")
        assert sets and all(any(k.endswith("validFromDate") for k in s.attrib) for s in sets)
        series = doc.findall(".//{*}Series")
        assert series and not doc.findall(".//{*}Obs")
        if "structurespecific" in accept:
            check_ss(dhttp, r, "ECB,EXR,1.0", "TIME_PERIOD")
    elif "json" in accept:
        doc = r.json()
        data_sets = doc["dataSets"] if accept == DRAFT_JSON else doc["data"]["dataSets"]
        assert data_sets and all("validFrom" in ds for ds in data_sets)
        assert all(
            len(ds["series"]) == 1 and not next(iter(ds["series"].values()))["observations"]
            for ds in data_sets
        )
    else:
        rows = csv_rows(r)
        assert rows and all(row[2] == "R" for row in rows)  # ACTION
        assert {row[4] for row in rows} == {"JPY"}


def test_updated_after_with_series_only_detail(dhttp: httpx.Client) -> None:
    r = dhttp.get(
        JPY,
        params={"updatedAfter": "2000-01-01T00:00:00Z", "detail": "serieskeysonly"},
        headers={"Accept": CSV20},
    )
    assert r.status_code == 200
    assert [row[2] for row in csv_rows(r)] == ["R"]


# ------------------------------------------------------------------ 2. paging does not bypass the size limit


def test_unpaged_answer_over_the_limit_is_413_with_a_usable_hint(limited: httpx.Client) -> None:
    r = limited.get("/rest/data/EXR")
    assert r.status_code == 413
    code, text = sdmx_error(r)
    assert code == 510 and str(TOTAL_OBS) in text and "values=0-99" in text and "99999" not in text


@pytest.mark.parametrize(
    "params,headers",
    [
        ({"offset": "0"}, {}),
        ({"limit": "1000"}, {}),
        ({"offset": "10", "limit": "101"}, {}),
        ({}, {"Range": "values=0-"}),
        ({}, {"Range": "values=0-100"}),
        ({}, {"Range": "values=5-1000"}),
    ],
)
def test_pages_larger_than_the_limit_are_413(
    limited: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    r = limited.get("/rest/data/EXR", params=params, headers=headers)
    assert r.status_code == 413, r.text[:300]
    code, text = sdmx_error(r)
    assert code == 510 and f"{MAX}" in text and "page" in text


def test_pages_within_the_limit_are_served(limited: httpx.Client) -> None:
    r = limited.get(
        "/rest/data/EXR", params={"offset": "0", "limit": str(MAX)}, headers={"Accept": CSV10}
    )
    assert r.status_code == 200 and len(csv_rows(r)) == MAX
    r = limited.get("/rest/data/EXR", headers={"Accept": CSV10, "Range": f"values=0-{MAX - 1}"})
    assert r.status_code == 206 and r.headers["content-range"] == f"values 0-{MAX - 1}/{TOTAL_OBS}"
    assert len(csv_rows(r)) == MAX
    # open-ended, or larger than the limit, but what remains fits: served
    r = limited.get(
        "/rest/data/EXR", headers={"Accept": CSV10, "Range": f"values={TOTAL_OBS - 50}-"}
    )
    assert r.status_code == 206 and len(csv_rows(r)) == 50
    r = limited.get(
        "/rest/data/EXR", params={"offset": str(TOTAL_OBS - 50)}, headers={"Accept": CSV10}
    )
    assert r.status_code == 200 and len(csv_rows(r)) == 50
    r = limited.get(JPY, params={"limit": "1000"}, headers={"Accept": CSV10})
    assert r.status_code == 200 and len(csv_rows(r)) == 24


@pytest.mark.parametrize("accept", [GENERIC, SS, JSON10, CSV10, CSV20])
def test_pages_hold_what_they_ask_for_in_every_format(limited: httpx.Client, accept: str) -> None:
    from tests.api.test_data_v1 import EXR_DIMS, parse

    everything = parse(limited.get(JPY, headers={"Accept": accept}), EXR_DIMS)
    assert len(everything) == 24
    r = limited.get(JPY, params={"offset": "5", "limit": "3"}, headers={"Accept": accept})
    assert r.status_code == 200
    page = parse(r, EXR_DIMS) if accept != CSV20 else {tuple(row) for row in csv_rows(r)}
    assert len(page) == 3
    r = limited.get(JPY, headers={"Accept": accept, "Range": "values=20-"})
    assert r.status_code == 206 and r.headers["content-range"] == "values 20-23/24"
    tail = parse(r, EXR_DIMS) if accept != CSV20 else {tuple(row) for row in csv_rows(r)}
    assert len(tail) == 4
    if accept != CSV20:
        assert (
            periods(page) == periods(everything)[5:8] and periods(tail) == periods(everything)[20:]
        )


# ------------------------------------------------------------------ 3. SDMX-JSON for every detail


@pytest.mark.parametrize("detail", ["full", "dataonly", "serieskeysonly", "nodata"])
def test_sdmx_json_is_valid_for_every_detail(dhttp: httpx.Client, detail: str) -> None:
    r = dhttp.get("/rest/data/EXR", params={"detail": detail}, headers={"Accept": JSON10})
    assert r.status_code == 200
    doc = r.json()
    validate_json(JSON10, doc)
    (time_dim,) = doc["data"]["structure"]["dimensions"]["observation"]
    assert time_dim["id"] == "TIME_PERIOD"
    assert all(v["id"] is not None for v in time_dim["values"])
    if detail in ("serieskeysonly", "nodata"):
        assert time_dim["values"] == []
        (ds,) = doc["data"]["dataSets"]
        assert len(ds["series"]) == 5 and all(
            s["observations"] == {} for s in ds["series"].values()
        )
    else:
        assert time_dim["values"]


@pytest.mark.parametrize("detail", ["full", "dataonly", "serieskeysonly", "nodata"])
def test_sdmx_json_with_history_is_valid_for_every_detail(dhttp: httpx.Client, detail: str) -> None:
    r = dhttp.get(
        JPY, params={"detail": detail, "includeHistory": "true"}, headers={"Accept": JSON10}
    )
    assert r.status_code == 200
    doc = json.loads(r.content)
    validate_json(JSON10, doc)
    assert all(
        v["id"] is not None
        for v in doc["data"]["structure"]["dimensions"]["observation"][0]["values"]
    )


# ------------------------------------------------------------------ 4. series-only answers count series


@pytest.mark.parametrize("detail", ["serieskeysonly", "nodata"])
def test_series_only_answers_count_series_not_observations(
    limited: httpx.Client, detail: str
) -> None:
    r = limited.get("/rest/data/EXR", params={"detail": detail})
    assert r.status_code == 200, r.text[:300]
    assert len(etree.fromstring(r.content).findall(".//{*}Series")) == 5
    # paging counts series too
    r = limited.get(
        "/rest/data/EXR",
        params={"detail": detail},
        headers={"Range": "values=1-2", "Accept": CSV10},
    )
    assert r.status_code == 206 and r.headers["content-range"] == "values 1-2/5"
    everything = csv_rows(
        limited.get("/rest/data/EXR", params={"detail": detail}, headers={"Accept": CSV10})
    )
    assert len(everything) == 5 and csv_rows(r) == everything[1:3]
    r = limited.get(
        "/rest/data/EXR", params={"detail": detail, "offset": "4"}, headers={"Accept": CSV10}
    )
    assert csv_rows(r) == everything[4:]


def test_series_only_answers_over_the_limit_are_413(make_services, serve, tmp_path) -> None:
    from tests import fixtures
    from tests.conftest import add_providers, load_data, load_files, pa_ref, synthetic_exr_csv

    services = make_services(max_response_observations=3)
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(services, synthetic_exr_csv(tmp_path), provision_agreement=pa_ref("EXR_BIS"))
    server = serve(services)
    r = httpx.get(f"{server.url}/rest/data/EXR", params={"detail": "serieskeysonly"})
    assert r.status_code == 413 and sdmx_error(r)[0] == 510 and "4 series" in sdmx_error(r)[1]
    r = httpx.get(f"{server.url}/rest/data/EXR/.USD...", params={"detail": "serieskeysonly"})
    assert r.status_code == 200 and len(etree.fromstring(r.content).findall(".//{*}Series")) == 3


# ------------------------------------------------------------------ 5. client mistakes are 400, never 500


@pytest.mark.parametrize(
    "params,headers",
    [
        ({"offset": HUGE, "limit": "1"}, {}),
        ({"limit": HUGE}, {}),
        ({"offset": "1", "limit": HUGE}, {}),
        ({"firstNObservations": HUGE}, {}),
        ({"lastNObservations": HUGE}, {}),
        ({"offset": "-1"}, {}),
        ({"limit": "0"}, {}),
        ({"offset": "\u00b2"}, {}),
        ({}, {"Range": f"values=0-{HUGE}"}),
        ({}, {"Range": f"values={HUGE}-"}),
    ],
)
def test_paging_mistakes_are_400_code_140(
    limited: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    r = limited.get(JPY, params=params, headers=headers)
    assert r.status_code == 400, r.text[:300]
    assert sdmx_error(r)[0] == 140


def test_large_but_representable_paging_values_are_answered(limited: httpx.Client) -> None:
    big = str(10**18)
    assert limited.get(JPY, params={"offset": big, "limit": "1"}).status_code in (404, 416)
    assert limited.get(JPY, headers={"Range": f"values={big}-"}).status_code == 416
    r = limited.get(JPY, params={"lastNObservations": big}, headers={"Accept": CSV10})
    assert r.status_code == 200 and len(csv_rows(r)) == 24
    r = limited.get(JPY, params={"limit": big}, headers={"Accept": CSV10})
    assert r.status_code == 200 and len(csv_rows(r)) == 24


@pytest.fixture
def push_env(make_services, serve) -> Iterator[tuple[LiveServer, dict[str, str], str]]:
    """A server with EXR, an admin and an ECB producer token, and one refused submission (3 errors)."""
    from tests import fixtures
    from tests.conftest import add_providers, load_files

    services = make_services()
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    tokens = {
        role: services.auth.create_token(role, **kw)[0]
        for role, kw in (("admin", {}), ("provider", {"provider": "ECB"}))
    }
    server = serve(services)
    body = (
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        + "".join(f"ECB:EXR(1.0),M,USD,EUR,SP00,A,2031-0{m},bad{m},A\n" for m in (1, 2, 3))
    )
    r = httpx.post(
        f"{server.url}/rest/v2/data/dataflow/ECB/EXR/1.0",
        content=body.encode(),
        headers={"Authorization": f"Bearer {tokens['provider']}", "Content-Type": CSV10},
        timeout=60,
    )
    assert r.status_code == 422, r.text[:300]
    yield server, tokens, r.json()["submission"]


def test_submission_error_paging_mistakes_are_400(
    push_env: tuple[LiveServer, dict[str, str], str],
) -> None:
    server, tokens, sub = push_env
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"}
    ) as client:
        url = f"/rest/v2/submissions/{sub}/errors"
        assert client.get(url).json()["errorCount"] >= 3
        for params in (
            {"offset": HUGE},
            {"limit": HUGE},
            {"offset": "-1"},
            {"limit": "-5"},
            {"limit": "0"},
            {"offset": "x"},
            {"limit": "1.5"},
        ):
            r = client.get(url, params=params)
            assert r.status_code == 400 and sdmx_error(r)[0] == 140, (
                params,
                r.status_code,
                r.text[:200],
            )
        page = client.get(url, params={"offset": "1", "limit": "1"}).json()
        assert page["offset"] == 1 and len(page["errors"]) == 1
        assert client.get(url, params={"offset": str(2**31 - 1)}).json()["errors"] == []
        assert client.get(url, params={"offset": str(2**31)}).status_code == 400
        assert (
            len(client.get(url, params={"limit": "99999"}).json()["errors"]) >= 3
        )  # capped at 10,000


def test_audit_paging_mistakes_are_400(push_env: tuple[LiveServer, dict[str, str], str]) -> None:
    server, tokens, _sub = push_env
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"}
    ) as client:
        everything = client.get("/admin/audit").json()["events"]
        assert everything
        for params in (
            {"limit": "abc"},
            {"offset": "x"},
            {"limit": "-5"},
            {"offset": "-1"},
            {"limit": "0"},
            {"offset": HUGE},
            {"limit": HUGE},
        ):
            r = client.get("/admin/audit", params=params)
            assert r.status_code == 400 and sdmx_error(r)[0] == 140, (
                params,
                r.status_code,
                r.text[:200],
            )
        assert len(client.get("/admin/audit", params={"limit": "1"}).json()["events"]) == 1
        assert client.get("/admin/audit", params={"offset": str(10**18)}).json()["events"] == []


# ------------------------------------------------------------------ 6. availability of the time dimension


def test_availability_of_the_time_dimension(dhttp: httpx.Client) -> None:
    r = dhttp.get("/rest/availableconstraint/EXR/all/all/TIME_PERIOD")
    assert r.status_code == 200, r.text[:300]
    assert_valid_xml(r.content)
    doc = etree.fromstring(r.content)
    (cc,) = doc.findall(".//{*}ContentConstraint")
    assert cc.get("type") == "Actual"
    key_values = cc.findall("{*}CubeRegion/{*}KeyValue")
    assert [kv.get("id") for kv in key_values] == ["TIME_PERIOD"]
    (tr,) = key_values[0].findall("{*}TimeRange")
    assert (tr.findtext("{*}StartPeriod"), tr.findtext("{*}EndPeriod")) == (
        "1999-01-01",
        "2021-12-31",
    )
    r = dhttp.get(
        "/rest/availableconstraint/EXR/M.JPY.EUR.SP00.A/all/TIME_PERIOD",
        params={"startPeriod": "2020"},
    )
    assert r.status_code == 200
    (kv,) = etree.fromstring(r.content).findall(".//{*}CubeRegion/{*}KeyValue")
    assert kv.get("id") == "TIME_PERIOD"
    assert kv.findtext("{*}TimeRange/{*}StartPeriod") == "2020-01-01"
    assert dhttp.get("/rest/availableconstraint/EXR/all/all/NOPE").status_code == 400


def test_series_only_history_lists_the_series_of_every_version(
    make_services, serve, tmp_path
) -> None:
    from tests import fixtures
    from tests.clock import FakeClock
    from tests.conftest import load_data, load_files

    clock = FakeClock()  # moved forward instead of sleeping past Last-Modified's second
    services = make_services(clock=clock)
    load_files(services, [fixtures.ECB_FULL])
    load_data(services, fixtures.ECB_DATA)
    clock.advance(1.1)
    between = clock.now().isoformat()
    (tmp_path / "update.csv").write_text(
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        "ECB:EXR(1.0),M,USD,EUR,SP00,A,2019-12,9.99,A\n"
    )
    load_data(services, tmp_path / "update.csv")
    server = serve(services)
    with httpx.Client(base_url=server.url, event_hooks=httpx_hooks, timeout=60) as client:
        for detail in ("serieskeysonly", "nodata"):
            r = client.get(
                "/rest/data/EXR/M.USD.EUR.SP00.A",
                params={"includeHistory": "true", "detail": detail},
            )
            sets = etree.fromstring(r.content).findall("{*}DataSet")
            assert len(sets) == 2  # one per publication, each with the series it holds
            stamps = [s.get("validFromDate") for s in sets]
            assert all(stamps) and stamps == sorted(stamps) and stamps[0] != stamps[1]
            assert all(len(s.findall("{*}Series")) == 1 for s in sets)
            r = client.get(
                "/rest/data/EXR/M.USD.EUR.SP00.A",
                params={"updatedAfter": between, "detail": detail},
                headers={"Accept": CSV20},
            )
            assert [(row[2], row[3]) for row in csv_rows(r)] == [("R", "M")]
