"""A clerk's view of a submission: files made in Excel or saved oddly, and suggested fixes.

``normalise`` turns what a clerk may upload into what the push API reads (an Excel workbook from
the template becomes SDMX-CSV; a CSV saved in Windows-1252 is re-encoded), remembering how the
file's own rows map to the CSV lines the validator names. ``suggest`` reads one validation error
and, where the fix can be inferred, says it: a label given instead of a code, a decimal comma, a
thousands separator, ``2024T1`` for ``2024-Q1``, ``01/01/2024`` for a year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sdmx_server.portal.explorer import fold
from sdmx_server.readers.xlsx import is_xlsx
from sdmx_server.readers.xlsx import xlsx_to_csv as workbook_csv


@dataclass
class Upload:
    """A clerk's file, ready for the push API."""

    body: bytes
    content_type: str | None
    notes: list[tuple[str, dict[str, object]]] = field(
        default_factory=list
    )  # (catalogue key, values)
    line_to_row: dict[int, int] = field(
        default_factory=dict
    )  # CSV line -> the file's own row (Excel)
    sheet: str = ""

    def where(self, location: str) -> str:
        """The validator's location in the file's own terms (an Excel row, a CSV line)."""
        m = re.match(r"line (\d+)", location)
        if m and self.line_to_row:
            row = self.line_to_row.get(int(m.group(1)))
            if row is not None:
                return f"{self.sheet}!{row}"
        return location


def xlsx_to_csv(data: bytes) -> Upload:
    """The workbook's data sheet as SDMX-CSV, blank rows skipped (and said)."""
    book = workbook_csv(data)
    up = Upload(
        book.body,
        "application/vnd.sdmx.data+csv;version=1.0.0",
        line_to_row=book.line_to_row,
        sheet=book.sheet,
    )
    if book.blank_rows:
        up.notes.append(("note_blank_rows", {"n": book.blank_rows}))
    return up


def normalise(data: bytes, filename: str) -> Upload:
    """What to submit for an uploaded file, with notes on what was done to it."""
    name = filename.lower()
    if is_xlsx(data):
        up = xlsx_to_csv(data)
        if not name.endswith((".xlsx", ".xlsm")):
            up.notes.append(("note_xlsx_renamed", {"name": filename}))
        return up
    head = data.lstrip()[:1]
    if head == b"<":
        return Upload(data, None)  # SDMX-ML: the push API sniffs its flavour
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        up = Upload(text.encode("utf-8"), "application/vnd.sdmx.data+csv;version=1.0.0")
        up.notes.append(("note_cp1252", {}))
        return up
    return Upload(data, None)


def label_match(
    labels: Mapping[str, Mapping[str, Mapping[str, str]]], component: str, value: str, lang: str
) -> tuple[str, str] | None:
    """(code, language) of the code whose name ``value`` is: an exact name first (in the clerk's
    language first), then one that differs only by case and accents."""
    exact: list[tuple[int, str, str]] = []
    loose: list[tuple[int, str, str]] = []
    wanted = fold(value)
    for code, names in labels.get(component, {}).items():
        for name_lang, name in names.items():
            rank = 0 if name_lang == lang else 1
            if name.strip() == value:
                exact.append((rank, code, name_lang))
            elif fold(name) == wanted:
                loose.append((rank, code, name_lang))
    best = sorted(exact) or sorted(loose)
    return (best[0][1], best[0][2]) if best else None


DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
THOUSANDS = re.compile(r"^-?\d{1,3}([ \u00a0\u202f.,']\d{3})+([.,]\d+)?$")
QUARTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*[TtQq]([1-4])$|^[TtQq]([1-4])\s*[-_ /]?\s*(\d{4})$")
DATE_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MONTH = re.compile(r"^(\d{4})[/.](\d{1,2})$")


def suggest(
    error: Mapping[str, str],
    labels: Mapping[str, Mapping[str, Mapping[str, str]]],
    t: Callable[..., str],
) -> str:
    """A suggested fix for one validation error ('' when none can be inferred)."""
    component, value = error.get("component", ""), (error.get("value") or "").strip()
    reason = error.get("reason", "")
    if not value:
        return ""
    if "not a code" in reason or "not allowed" in reason:
        found = label_match(labels, component, value, str(getattr(t, "lang", "en")))
        if found is not None:
            code, lang = found
            return t(
                "fix_label",
                value=value,
                lang=t("lang_name_" + lang),
                code=code,
                component=component,
            )
        upper = value.upper().replace(" ", "_")
        if upper != value and upper in labels.get(component, {}):
            return t("fix_case", value=value, code=upper)
    if "not a number" in reason:
        plain = unicodedata.normalize("NFKC", value)
        if DECIMAL_COMMA.match(plain) and not THOUSANDS.match(plain):
            return t("fix_decimal_comma", value=value, fixed=plain.replace(",", "."))
        if THOUSANDS.match(plain):
            fixed = re.sub(r"[ \u00a0\u202f']", "", plain)
            if re.search(r"\.\d{3}(\.|,|$)", fixed) and "," in fixed[-4:]:
                fixed = fixed.replace(".", "").replace(",", ".")
            elif fixed.count(",") and not fixed.count("."):
                fixed = fixed.replace(",", "")
            elif fixed.count(".") > 1:
                fixed = fixed.replace(".", "")
            else:
                fixed = fixed.replace(",", "")
            return t("fix_thousands", value=value, fixed=fixed)
    if "time period" in reason or component == "TIME_PERIOD":
        m = QUARTER.match(value)
        if m:
            year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            return t("fix_quarter", value=value, fixed=f"{year}-Q{q}")
        m = DATE_DMY.match(value)
        if m:
            return t(
                "fix_date_year",
                value=value,
                year=m.group(3),
                month=f"{m.group(3)}-{int(m.group(2)):02d}",
            )
        m = MONTH.match(value)
        if m:
            return t("fix_month", value=value, fixed=f"{m.group(1)}-{int(m.group(2)):02d}")
    return ""
