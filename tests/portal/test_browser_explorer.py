"""The explorer in headless Chromium: a researcher's journey, and an Arabic page right to left."""

from __future__ import annotations

import csv
import io

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.conftest import LiveServer
from tests.portal.conftest import Browser


def test_researcher_finds_filters_charts_and_downloads(
    portal_server: LiveServer, browser: Browser
) -> None:
    d = browser.driver
    d.get(portal_server.url + "/portal")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    browser.shot("home")
    box = d.find_element(By.ID, "q")
    box.send_keys("ressortissants travail")
    box.submit()
    browser.wait_for(lambda: "ressortissants" in d.find_element(By.ID, "q").get_attribute("value"))
    link = browser.wait_for(
        lambda: d.find_element(By.CSS_SELECTOR, 'a[data-flow="DF_MIG_OUTFLOW"]')
    )
    browser.shot("search")
    link.click()  # type: ignore[attr-defined]
    browser.wait_for(lambda: d.find_element(By.ID, "flow-title"))
    assert "Départs de ressortissants" in d.find_element(By.ID, "flow-title").text
    assert int(d.find_element(By.ID, "status").get_attribute("data-series") or 0) == 15
    browser.shot("dataflow")
    # choose a corridor: the page refreshes in place (JavaScript) and the state goes into the URL
    Select(d.find_element(By.ID, "dim-DEST_AREA")).select_by_value("ESP")
    browser.wait_for(
        lambda: (
            "DEST_AREA=ESP" in d.current_url
            and d.find_element(By.ID, "status").get_attribute("data-series") == "3"
        )
    )
    rows = d.find_elements(By.CSS_SELECTOR, "#data-table tbody tr")
    assert len(rows) == 3 and all(r.get_attribute("data-key").split(".")[1] == "ESP" for r in rows)
    # only measures with data for Spain remain on offer
    offered = {
        o.get_attribute("value") for o in Select(d.find_element(By.ID, "dim-MEASURE")).options
    }
    assert offered == {"MNA_OEMP_NB", "MFL_NEMP_NB"}
    chart = d.find_element(By.CSS_SELECTOR, "#chart svg.chart")
    assert chart.get_attribute("data-series") == "3" and chart.size["width"] > 300
    assert len(chart.find_elements(By.CSS_SELECTOR, "g.series circle")) == 3
    browser.shot("filtered-chart")
    d.find_element(By.CSS_SELECTOR, 'input[name="chart"][value="bar"]').click()
    browser.wait_for(
        lambda: (
            "chart=bar" in d.current_url
            and len(d.find_elements(By.CSS_SELECTOR, "#chart svg rect")) == 3
        )
    )
    browser.shot("bar-chart")
    # the bookmark restores the same view without JavaScript state
    d.get(d.current_url)
    assert d.find_element(By.ID, "status").get_attribute("data-series") == "3"
    d.find_element(By.ID, "dl-csv").click()
    data = browser.download("DF_MIG_OUTFLOW.csv").read_text(encoding="utf-8")
    rows_csv = list(csv.DictReader(io.StringIO(data)))
    assert len(rows_csv) == 3 and {r["DEST_AREA: Pays de destination"] for r in rows_csv} == {
        "ESP: Espagne"
    }
    d.find_element(By.ID, "dl-xlsx").click()
    wb = openpyxl.load_workbook(browser.download("DF_MIG_OUTFLOW.xlsx"))
    sheet = list(wb["Data"].iter_rows(values_only=True))
    assert len(sheet) == 4 and sorted(r[sheet[0].index("2023")] for r in sheet[1:]) == [
        15400.0,
        15900.0,
        16100.0,
    ]
    assert any(r[0] == "Définition" for r in wb["Notes"].iter_rows(values_only=True))
    v1 = d.find_element(By.ID, "url-v1").get_attribute("value") or ""
    assert "/rest/data/MA_LMIS,DF_MIG_OUTFLOW,1.0/.ESP." in v1
    browser.shot("downloads")


def test_arabic_page_renders_right_to_left(portal_server: LiveServer, browser: Browser) -> None:
    d = browser.driver
    d.get(portal_server.url + "/portal/dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0")
    Select(d.find_element(By.ID, "lang-select")).select_by_value("ar")  # applies on change
    browser.wait_for(lambda: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl")
    html = d.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar"
    assert d.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    # right to left: the filters' heading starts at the right edge of the page
    heading = d.find_element(By.CSS_SELECTOR, "#filters h2")
    assert heading.text == "عوامل التصفية"
    body_width = d.execute_script("return document.documentElement.clientWidth")
    right_gap = body_width - (heading.location["x"] + heading.size["width"])
    assert right_gap < heading.location["x"]
    browser.shot("arabic-rtl")
    # remembered: the next page is Arabic too
    d.get(portal_server.url + "/portal")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
