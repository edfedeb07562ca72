"""The submission desk in headless Chromium: a clerk of the foreign ministry sends figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer
from tests.portal.conftest import Browser
from tests.portal.test_desk import HEADER, row
from tests.shipped_content import shipped_services


@pytest.fixture
def clerk_server(db_factory: DatabaseFactory) -> Iterator[tuple[LiveServer, str]]:
    services: Services = shipped_services(db_factory)
    token, _row = services.auth.create_token(
        "provider", provider="MIN_AFF_ETR", name="Clerk, foreign ministry"
    )
    with LiveServer(services) as server:
        yield server, token
    services.close()


def test_clerk_template_mistakes_fix_embargo_preview_release(
    clerk_server: tuple[LiveServer, str], browser: Browser
) -> None:
    server, token = clerk_server
    d = browser.driver
    d.get(server.url + "/portal/signin")
    d.find_element(By.ID, "token").send_keys(token)
    browser.shot("sign-in")
    d.find_element(By.ID, "signin-submit").click()
    browser.wait_for(lambda: d.find_element(By.ID, "pa-PA_MIN_AFF_ETR_MIG_ABROAD"))
    browser.shot("desk")
    d.find_element(By.CSS_SELECTOR, "#pa-PA_MIN_AFF_ETR_MIG_ABROAD a.tpl-xlsx").click()
    wb = openpyxl.load_workbook(browser.download("DF_MIG_ABROAD-template.xlsx"))
    assert wb["Data"].data_validations.dataValidation and "SEX_M" in [
        c.value for c in wb["Codes"]["A"]
    ] + [c.value for col in wb["Codes"].iter_cols() for c in col]
    # three kinds of mistakes: a French label for a code, a decimal comma, a date for a year
    bad = browser.folder / "envoi.csv"
    bad.write_bytes(
        (
            "\r\n".join(
                [
                    HEADER,
                    row("Hommes", "2024", "170.5"),
                    row("SEX_F", "2024", '"160,5"'),
                    row("SEX_T", "01/01/2024", "330").replace(",ESP,", ",Bénin,"),
                ]
            )
            + "\r\n"
        ).encode("cp1252")
    )
    d.find_element(By.CSS_SELECTOR, "#pa-PA_MIN_AFF_ETR_MIG_ABROAD a.upload-link").click()
    browser.wait_for(lambda: d.find_element(By.ID, "upload-form"))
    d.find_element(By.ID, "file").send_keys(str(bad))
    d.find_element(By.ID, "check").click()
    browser.wait_for(
        lambda: d.find_element(By.ID, "report-status").get_attribute("data-status") == "invalid"
    )
    fixes = [td.text for td in d.find_elements(By.CSS_SELECTOR, "#errors td.fix")]
    assert any("« Hommes » est le libellé français de SEX_M" in f for f in fixes), fixes
    assert any("Virgule décimale : écrivez 160.5" in f for f in fixes), fixes
    assert any("pour l'année, écrivez 2024" in f for f in fixes), fixes
    assert any("« Bénin » est le libellé français de BEN" in f for f in fixes), fixes
    assert "Windows-1252" in d.find_element(By.ID, "report").text
    browser.shot("report-with-suggestions")
    good = browser.folder / "envoi-corrige.csv"
    good.write_text(
        "\r\n".join([HEADER, row("SEX_M", "2024", "170.5"), row("SEX_F", "2024", "160.5")])
        + "\r\n",
        encoding="utf-8",
    )
    Select(d.find_element(By.ID, "pa")).select_by_value("MA_LMIS,PA_MIN_AFF_ETR_MIG_ABROAD,1.0")
    d.find_element(By.ID, "file").send_keys(str(good))
    d.find_element(By.ID, "check").click()
    browser.wait_for(
        lambda: d.find_element(By.ID, "report-status").get_attribute("data-status") == "valid"
    )
    browser.shot("dry-run-valid")
    release = utcnow() + timedelta(seconds=6)
    d.find_element(By.ID, "releaseDate2").send_keys(release.isoformat())
    d.find_element(By.ID, "submit-now").click()
    browser.wait_for(
        lambda: d.find_element(By.ID, "report-status").get_attribute("data-status") == "written"
    )
    browser.shot("submitted-embargo")
    d.get(server.url + "/portal/desk/submissions")
    d.find_element(By.CSS_SELECTOR, "#submissions a.preview").click()
    browser.wait_for(lambda: d.find_element(By.ID, "preview-badge"))
    assert "160.5" in d.find_element(By.ID, "data-table").text
    browser.shot("preview")
    public = server.url + "/portal/dataflow/MA_LMIS/DF_MIG_ABROAD/1.0?DEST_AREA=ESP"
    d.get(public)
    assert "160.5" not in d.find_element(By.ID, "result").text or utcnow() >= release

    def released() -> bool:
        d.get(public)
        return "160.5" in d.find_element(By.ID, "result").text

    browser.wait_for(released, timeout=30)
    assert utcnow() >= release
    browser.shot("released-in-explorer")
