"""Suggested fixes for a clerk's mistakes, and uploads normalised (no server needed)."""

from __future__ import annotations

import io

import openpyxl

from sdmx_server.portal.advice import normalise, suggest
from sdmx_server.portal.i18n import Translator

LABELS = {
    "SEX": {"SEX_M": {"en": "Male", "fr": "Hommes"}, "SEX_F": {"en": "Female", "fr": "Femmes"}}
}
FR, EN = Translator("fr"), Translator("en")


def fix(component: str, value: str, reason: str, t: Translator = FR) -> str:
    return suggest({"component": component, "value": value, "reason": reason}, LABELS, t)


def test_labels_for_codes() -> None:
    assert (
        fix("SEX", "Hommes", "not a code of X")
        == "« Hommes » est le libellé français de SEX_M : écrivez SEX_M."
    )
    assert fix("SEX", "hommes", "not allowed by constraint C").endswith("écrivez SEX_M.")
    assert (
        fix("SEX", "Male", "not a code of X", EN)
        == "“Male” is the English name of SEX_M: write SEX_M."
    )
    assert fix("SEX", "Nobody", "not a code of X") == ""


def test_numbers() -> None:
    assert fix("OBS_VALUE", "12,5", "not a number (Double)") == "Virgule décimale : écrivez 12.5."
    assert fix("OBS_VALUE", "12 500", "not a number") == "Séparateur de milliers : écrivez 12500."
    assert (
        fix("OBS_VALUE", "1.234.567,5", "not a number")
        == "Séparateur de milliers : écrivez 1234567.5."
    )
    assert fix("OBS_VALUE", "12,500", "not a number", EN) == "Thousands separator: write 12500."
    assert fix("OBS_VALUE", "abc", "not a number") == ""


def test_periods() -> None:
    reason = "not a valid time period: '2024T1' is not a time range"
    assert (
        fix("TIME_PERIOD", "2024T1", reason) == "Les trimestres s'écrivent 2024-Q1, et non 2024T1."
    )
    assert fix("TIME_PERIOD", "T3 2023", reason, EN) == "Quarters are written 2023-Q3, not T3 2023."
    assert fix("TIME_PERIOD", "01/01/2024", reason).startswith(
        "Une date : pour l'année, écrivez 2024"
    )
    assert fix("TIME_PERIOD", "2024/3", reason, EN) == "Months are written 2024-03."


def test_uploads_normalised() -> None:
    text = "DATAFLOW,SEX\r\nX,Hommes é\r\n"
    up = normalise(text.encode("cp1252"), "a.csv")
    assert up.body.decode("utf-8") == text and up.notes == [("note_cp1252", {})]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    ws.append(["DATAFLOW", "SEX", "OBS_VALUE"])
    ws.append([])
    ws.append(["X", "SEX_M", 12.0])
    buf = io.BytesIO()
    wb.save(buf)
    up = normalise(buf.getvalue(), "renamed.csv")
    assert up.body == b"DATAFLOW,SEX,OBS_VALUE\r\nX,SEX_M,12\r\n"
    assert ("note_blank_rows", {"n": 1}) in up.notes and up.notes[-1][0] == "note_xlsx_renamed"
    assert up.where("line 2") == "Data!3"
    assert normalise(b"<?xml version='1.0'?><x/>", "a.xml").content_type is None
