"""Excel workbooks of what the explorer shows: a data sheet (series down, time across) and notes."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font

from sdmx_server.portal.explorer import FlowView


def _number(value: object) -> object:
    if value is None:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value


def flow_workbook(v: FlowView, t: Callable[..., str], urls: dict[str, str]) -> bytes:
    """The workbook of a selection: ``Data`` (codes and names, series attributes, one column per
    period, flags in a cell comment-free ``Flags`` sheet) and ``Notes`` (definitions, sources, URLs)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    dims = [f.id for f in v.filters]
    header = (
        [f"{d}" for d in dims]
        + [f"{v.dim_names.get(d, d)}" for d in dims]
        + v.series_attr_ids
        + v.periods
    )
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    flags = wb.create_sheet("Flags")
    flags.append(["SERIES_KEY", "TIME_PERIOD", "OBS_VALUE", "FLAGS"])
    for row in v.rows:
        ws.append(
            row.codes
            + row.labels
            + [row.attrs.get(a, "") for a in v.series_attr_ids]
            + [_number(row.values[p][0]) if p in row.values else None for p in v.periods]
        )
        for p, (value, flag) in row.values.items():
            if flag:
                flags.append([row.key, p, _number(value), flag])
    ws.freeze_panes = ws.cell(row=2, column=len(dims) * 2 + len(v.series_attr_ids) + 1)
    notes = wb.create_sheet("Notes")
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 110
    lines: list[tuple[str, str]] = [
        (t("dataflow"), f"{v.name} ({v.flow_ref})"),
        (t("description"), v.description),
        (t("producers"), ", ".join(v.producers)),
        (t("selection"), v.key or t("all")),
        (t("period"), f"{v.start or '…'} – {v.end or '…'}"),
        (t("observations"), str(v.total_observations)),
        (t("rest_v1"), urls.get("v1", "")),
        (t("rest_v2"), urls.get("v2", "")),
    ]
    for m in v.measures:
        lines.append(("", ""))
        lines.append((t("measure"), f"{m.name} ({m.code})"))
        for key, text in (
            ("definition", m.definition),
            ("calculation", m.calculation),
            ("unit", m.unit),
            ("standard", m.standard),
        ):
            if text:
                lines.append((t(key), text))
        for src in m.sources:
            lines.append((t("source"), src))
    for a, b in lines:
        notes.append([a, b])
        notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
