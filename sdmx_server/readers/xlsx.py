"""Excel workbooks made from the submission template, read as SDMX-CSV.

The ``Data`` sheet (else the first) holds an SDMX-CSV 1.0 table: a header row of component ids,
then one observation per row. Blank rows are skipped (Excel users leave them); the mapping from
CSV line to the workbook's own row number is kept so that reports can name the row the clerk sees.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class WorkbookCsv:
    """A workbook's data sheet as SDMX-CSV bytes."""

    body: bytes
    sheet: str
    line_to_row: dict[int, int] = field(default_factory=dict)
    blank_rows: int = 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_xlsx(data: bytes) -> bool:
    """Whether the bytes start like an Office Open XML (zip) file."""
    return data.startswith(XLSX_MAGIC)


def xlsx_to_csv(data: bytes) -> WorkbookCsv:
    """The data sheet as SDMX-CSV (ValueError-like errors of openpyxl for a damaged file)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        ws = wb["Data"] if "Data" in wb.sheetnames else wb.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        result = WorkbookCsv(b"", ws.title)
        line = width = 0
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in row]
            if line == 0:
                while cells and not cells[-1]:
                    cells.pop()
                width = len(cells)
            cells = (cells + [""] * width)[:width]
            if not any(cells):
                result.blank_rows += 1
                continue
            writer.writerow(cells)
            line += 1
            result.line_to_row[line] = number
        result.body = out.getvalue().encode()
        return result
    finally:
        wb.close()
