"""The explorer's pages over HTTP, as a browser without JavaScript sees them (real server, real data)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape as html_unescape
from urllib.parse import urlsplit

import httpx
import openpyxl
import pytest

from sdmx_server.domain.model import ArtefactType, MaintainableRef
from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer
from tests.shipped_content import shipped_services

FLOW = "/portal/dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0"


def test_home_lists_dataflows_by_theme_in_french_by_default(portal_http: httpx.Client) -> None:
    r = portal_http.get("/portal", headers={"Accept-Language": "de-DE,fr;q=0.8"})
    assert r.status_code == 200 and r.headers["content-language"] == "fr"
    html = r.text
    assert '<html lang="fr" dir="ltr">' in html
    corridor = html[html.index('id="theme-MIG.CORRIDOR"') :]
    corridor = corridor[: corridor.index("</section>")]
    assert (
        'data-flow="DF_MIG_OUTFLOW"' in corridor
        and "Départs de ressortissants pour le travail" in corridor
    )
    assert "http://" not in re.sub(r'href="/|src="/', "", html).split("<footer")[0].replace(
        "http://www.w3.org", ""
    )


def test_search_covers_descriptions_and_measure_definitions(portal_http: httpx.Client) -> None:
    # "saisonnier" appears in no dataflow name, only in measure texts / codes; "etranger" without accent
    r = portal_http.get(
        "/portal", params={"q": "residant etranger"}, headers={"Accept-Language": "fr"}
    )
    flows = set(re.findall(r'data-flow="([A-Z_]+)"', r.text))
    assert "DF_MIG_ABROAD" in flows and "DF_LFS_CORE" not in flows
    # a measure definition: "born abroad" is only in the definition of MST_FORP_NB
    r = portal_http.get("/portal", params={"q": "born abroad"}, headers={"Accept-Language": "en"})
    assert set(re.findall(r'data-flow="([A-Z_]+)"', r.text)) >= {"DF_MST_SEX_AGE_CBR"}
    r = portal_http.get("/portal", params={"q": "zzzz-nothing"})
    assert "data-flow=" not in r.text


def test_language_chosen_by_the_user_is_remembered(portal_http: httpx.Client) -> None:
    r = portal_http.get("/portal/lang", params={"lang": "ar", "next": FLOW})
    assert r.status_code == 303 and r.headers["location"] == FLOW
    cookie = r.headers["set-cookie"]
    assert "lmis_lang=ar" in cookie and "HttpOnly" in cookie
    portal_http.cookies.set("lmis_lang", "ar")
    page = portal_http.get(FLOW, headers={"Accept-Language": "en"})
    portal_http.cookies.clear()
    assert '<html lang="ar" dir="rtl">' in page.text and "عوامل التصفية" in page.text
    # never an open redirect
    assert (
        portal_http.get(
            "/portal/lang", params={"lang": "en", "next": "https://evil.example"}
        ).headers["location"]
        == "/portal"
    )


def test_dataflow_page_definitions_filters_table_and_chart(portal_http: httpx.Client) -> None:
    r = portal_http.get(FLOW, params={"DEST_AREA": "ESP"}, headers={"Accept-Language": "fr"})
    assert r.status_code == 200
    html = r.text
    assert "Définition" in html and "Méthode de calcul" in html and "Producteurs" in html
    # only codes with data given DEST_AREA=ESP are offered for MEASURE
    measure = re.search(r'<select id="dim-MEASURE".*?</select>', html, re.S)
    assert measure is not None
    assert set(re.findall(r'value="([A-Z_]+)"', measure.group(0))) == {"MNA_OEMP_NB", "MFL_NEMP_NB"}
    keys = re.findall(r'<tr data-key="([^"]+)"', html)
    assert len(keys) == 3 and all(k.split(".")[1] == "ESP" for k in keys)
    assert 'data-series="3"' in html and "<svg" in html and "<path" in html
    assert "Espagne" in html  # labels by default
    codes = portal_http.get(FLOW, params={"DEST_AREA": "ESP", "labels": "codes"}).text
    assert '<th scope="row">MNA_OEMP_NB</th>' in codes
    bar = portal_http.get(FLOW, params={"DEST_AREA": "ESP", "chart": "bar"}).text
    assert 'data-kind="bar"' in bar and "<rect" in bar
    assert "/rest/data/MA_LMIS,DF_MIG_OUTFLOW,1.0/.ESP" + "." * 9 + '"' in html
    assert "/rest/v2/data/dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0/.ESP" + "." * 9 + '"' in html


def test_rest_url_shown_answers_the_same_data(portal_http: httpx.Client) -> None:
    html = portal_http.get(FLOW, params={"DEST_AREA": "ESP", "startPeriod": "2023"}).text
    url = re.search(r'id="url-v1" readonly value="([^"]+)"', html)
    assert url is not None
    parts = urlsplit(html_unescape(url.group(1)))
    assert parts.path.startswith("/rest/data/") and parts.query == "startPeriod=2023"
    r = portal_http.get(
        f"{parts.path}?{parts.query}",
        headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"},
    )
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 1 + 3


def test_csv_and_excel_downloads_hold_the_selection(portal_http: httpx.Client) -> None:
    r = portal_http.get(
        FLOW + "/data.csv",
        params={"DEST_AREA": "ESP", "SEX": "SEX_T"},
        headers={"Accept-Language": "fr"},
    )
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3 and {row["DEST_AREA: Pays de destination"] for row in rows} == {
        "ESP: Espagne"
    }
    x = portal_http.get(
        FLOW + "/data.xlsx", params={"DEST_AREA": "ESP"}, headers={"Accept-Language": "fr"}
    )
    assert x.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["Data", "Flags", "Notes"]
    data = list(wb["Data"].iter_rows(values_only=True))
    assert len(data) == 1 + 3 and "2023" in data[0]
    assert sorted(r[data[0].index("2023")] for r in data[1:]) == [15400.0, 15900.0, 16100.0]
    notes = {r[0]: r[1] for r in wb["Notes"].iter_rows(values_only=True) if r[0]}
    assert "Définition" in notes and "MA_LMIS,DF_MIG_OUTFLOW,1.0" in notes["Flux de données"]


def test_unknown_dataflow_and_bad_input_are_pages_not_500(portal_http: httpx.Client) -> None:
    r = portal_http.get("/portal/dataflow/MA_LMIS/NOPE/1.0")
    assert r.status_code == 404 and "<html" in r.text
    assert portal_http.get(FLOW, params={"DEST_AREA": "NOT A CODE"}).status_code == 400
    assert portal_http.get(FLOW, params={"page": "x", "startPeriod": "garbage"}).status_code == 400
    assert portal_http.get("/portal/static/portal.css").status_code == 200


@pytest.fixture
def private_server(db_factory: DatabaseFactory) -> object:
    services: Services = shipped_services(db_factory)
    services.auth.set_dataflow_public(
        MaintainableRef(
            type=ArtefactType.DATAFLOW, agency="MA_LMIS", id="DF_MIG_BORDER", version="1.0"
        ),
        False,
    )
    with LiveServer(services) as server:
        yield server, services
    services.close()


def test_non_public_dataflows_only_for_entitled_users(
    private_server: tuple[LiveServer, Services],
) -> None:
    server, services = private_server
    ref = MaintainableRef(
        type=ArtefactType.DATAFLOW, agency="MA_LMIS", id="DF_MIG_BORDER", version="1.0"
    )
    token, _row = services.auth.create_token("reader", dataflows=(ref,))
    with httpx.Client(base_url=server.url) as c:
        assert 'data-flow="DF_MIG_BORDER"' not in c.get("/portal").text
        assert c.get("/portal/dataflow/MA_LMIS/DF_MIG_BORDER/1.0").status_code == 401
        assert c.get("/portal/dataflow/MA_LMIS/DF_MIG_BORDER/1.0/data.csv").status_code == 401
        signin = c.get("/portal/signin")
        csrf = re.search(r'name="csrf" value="([^"]*)"', signin.text)
        assert csrf is not None
        r = c.post("/portal/signin", data={"token": token, "csrf": csrf.group(1)})
        assert r.status_code == 303
        assert 'data-flow="DF_MIG_BORDER"' in c.get("/portal").text
        page = c.get("/portal/dataflow/MA_LMIS/DF_MIG_BORDER/1.0")
        assert page.status_code == 200 and "<table" in page.text
        assert c.get("/portal/dataflow/MA_LMIS/DF_MIG_BORDER/1.0/data.csv").status_code == 200


def test_a_selection_larger_than_a_page_says_so_and_pages(
    portal_http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdmx_server.portal import explorer, routes

    # a page of 5 observations (5,000 in production) over the 15 of DF_MIG_OUTFLOW
    monkeypatch.setattr(explorer, "PAGE_OBSERVATIONS", 5)
    monkeypatch.setattr(routes, "PAGE_OBSERVATIONS", 5)
    first = portal_http.get(FLOW, headers={"Accept-Language": "fr"}).text
    assert 'id="toolarge"' in first and "Page 1 sur 3" in first and "15 observations" in first
    assert len(re.findall(r'<tr data-key="', first)) == 5
    keys = set(re.findall(r'<tr data-key="([^"]+)"', first))
    last = portal_http.get(FLOW, params={"page": "3"}, headers={"Accept-Language": "fr"}).text
    assert "Page 3 sur 3" in last and 'rel="next"' not in last and 'rel="prev"' in last
    assert keys.isdisjoint(re.findall(r'<tr data-key="([^"]+)"', last))
    # the downloads still hold the whole selection
    assert len(portal_http.get(FLOW + "/data.csv").text.strip().splitlines()) == 16
