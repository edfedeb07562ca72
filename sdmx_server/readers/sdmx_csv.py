"""Streaming readers for SDMX-CSV 1.0 and 2.0 data messages.

SDMX-CSV 1.0: a first column ``DATAFLOW`` (``AG:ID(VER)``), then one column
per component. SDMX-CSV 2.0: ``STRUCTURE`` (``dataflow``, ``datastructure``
or ``dataprovision``; written ``STRUCTURE[;]`` when it declares the
sub-value delimiter), ``STRUCTURE_ID``, optionally ``STRUCTURE_NAME`` and
``ACTION`` (I, A, R, D, M per row), then the components. Both may use
``,``, ``;`` or a tab as delimiter (read from the header), ``labels=both``
headers and values (``FREQ: Frequency``, ``A: Annual``) and, in 2.0,
``labels=name`` name columns (present when ``STRUCTURE_NAME`` is), which are
skipped. The output-only ``SERIES_KEY`` and ``OBS_KEY`` columns are ignored.

Each row becomes one ``obs`` record with all attribute columns of every
attachment level. Empty cells are "not given": ``""`` in the key, no value,
no attribute. Problems with a row as a whole do not stop the read: they come
out in ``unknown["__row__"]`` (a sentence) for the validator to report: a
cell count that differs from the header's, an unknown ACTION (the row is then
read as Information), a STRUCTURE/STRUCTURE_ID (or DATAFLOW) other than the
first row's.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any, BinaryIO

from sdmx_server.domain.kinds import StructureContext

from .base import Action, ComponentRoles, DataReadError, DataRecord, MessageInfo, StructureRefHint

__all__ = [
    "CSV_FORMATS",
    "CsvRows",
    "detect_csv_header",
    "iter_csv_records",
    "open_csv_rows",
    "read_csv_info",
]

CSV_10 = "sdmx-csv-1.0"
CSV_20 = "sdmx-csv-2.0"
CSV_FORMATS = frozenset({CSV_10, CSV_20})

_BLOCK = 1 << 20
_MAX_LINE = 16 << 20

_HEADER_RE = re.compile(
    r'\ufeff?"?(?P<kind>DATAFLOW|STRUCTURE)(?:\[(?P<sub>[^\]]*)\])?(?:: [^,;\t"]*)?"?'
    r"(?P<delim>[,;\t]|$)"
)
_STRUCTURE_ID_RE = re.compile(
    r"(?P<agency>[^:()\s]+):(?P<id>[^:()\s]+)(?:\((?P<version>[^()]*)\))?(?:: .*)?", re.DOTALL
)
_STRUCTURE_KINDS: dict[str, StructureContext] = {
    "dataflow": "dataflow",
    "datastructure": "datastructure",
    "dataprovision": "provisionagreement",
}
_ACTIONS: dict[str, Action] = {
    "": Action.INFORMATION,
    "I": Action.INFORMATION,
    "A": Action.APPEND,
    "R": Action.REPLACE,
    "D": Action.DELETE,
    "M": Action.MERGE,
}
_OUTPUT_ONLY = frozenset({"SERIES_KEY", "OBS_KEY"})
_CSV20_COLUMNS = frozenset({"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"})
_BRACKETS_RE = re.compile(r"\[[^\]]*\]")


def detect_csv_header(line: str) -> tuple[str, str, str]:
    """``(format, delimiter, sub-value delimiter)`` from the first line of an SDMX-CSV file.

    Raises :class:`DataReadError` if the first header cell is neither
    ``DATAFLOW`` (SDMX-CSV 1.0) nor ``STRUCTURE``/``STRUCTURE[x]`` (2.0).
    """
    m = _HEADER_RE.match(line.rstrip("\r\n"))
    if m is None:
        raise DataReadError(
            "line 1",
            "not an SDMX-CSV message: the first header cell must be DATAFLOW (SDMX-CSV 1.0) "
            "or STRUCTURE (SDMX-CSV 2.0)",
        )
    fmt = CSV_10 if m["kind"] == "DATAFLOW" else CSV_20
    return fmt, m["delim"] or ",", m["sub"] or ";"


def _decoded_lines(stream: BinaryIO, nul: list[bool] | None = None) -> Iterator[str]:
    """The lines of a UTF-8 stream (BOM dropped), with invalid bytes located by line.

    ``nul[0]`` becomes True once a NUL character has been decoded (before the
    lines holding it are yielded), so that the rows after it are searched.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    lines_done = 0
    first = True
    while True:
        raw = stream.read(_BLOCK)
        final = not raw
        try:
            text = decoder.decode(raw, final)
        except UnicodeDecodeError as exc:
            line = lines_done + exc.object[: exc.start].count(b"\n") + 1
            bad = exc.object[exc.start : exc.start + 1].hex()
            raise DataReadError(
                f"line {line}", f"invalid UTF-8 (byte 0x{bad}): SDMX-CSV must be UTF-8 encoded"
            ) from None
        if first and text:
            first = False
            if text[0] == "\ufeff":
                text = text[1:]
        if nul is not None and not nul[0] and "\x00" in text:
            nul[0] = True
        if pending:
            text = pending + text
        if final:
            if text:
                yield from io.StringIO(text, newline="")
            return
        cut = text.rfind("\n") + 1
        pending = text[cut:]
        if len(pending) > _MAX_LINE:
            raise DataReadError(f"line {lines_done + 1}", "line too long")
        if cut:
            complete = text[:cut]
            lines_done += complete.count("\n")
            yield from io.StringIO(complete, newline="")


def _column_name(header: str) -> tuple[str, bool, bool]:
    """(component id, has a label, is multi-valued ``[]``) of a header cell."""
    name, sep, _label = header.partition(": ")
    multi = name.endswith("[]")
    if "[" in name:
        name = _BRACKETS_RE.sub("", name)
    return name.strip(), bool(sep), multi


def parse_structure_id(raw: str, kind: StructureContext, location: str) -> StructureRefHint:
    """``AG:ID(VER)`` (version and a trailing ``: label`` optional) as a structure reference."""
    m = _STRUCTURE_ID_RE.fullmatch(raw.strip())
    if m is None:
        raise DataReadError(location, f"cannot read structure {raw!r}: expected AGENCY:ID(VERSION)")
    return StructureRefHint(kind, m["agency"], m["id"], m["version"])


def _strip_label(value: str) -> str:
    index = value.find(": ")
    return value[:index] if index >= 0 else value


class _Layout:
    """Where each part of a record is in a row, computed once from the header."""

    def __init__(self, header: list[str], roles: ComponentRoles, fmt: str, sub: str) -> None:
        self.roles = roles
        self.fmt = fmt
        self.width = len(header)
        self.action_col: int | None = None
        self.structure_cols: list[int] = []
        self.dim_cols: dict[str, int] = {}
        self.time_col: int | None = None
        self.measure_col: int | None = None
        self.attr_cols: list[tuple[str, int]] = []
        self.unknown_cols: list[tuple[str, int]] = []
        self.label_cols: list[int] = []
        self.multi_cols: list[int] = []
        names = [_column_name(cell) for cell in header]
        # labels=name (only with STRUCTURE_NAME): each component column is followed by a name column
        names_follow = fmt == CSV_20 and any(name == "STRUCTURE_NAME" for name, _l, _m in names)
        seen: set[str] = set()
        previous_is_component = False
        for col, (name, labelled, multi) in enumerate(names):
            if name and name in seen:
                raise DataReadError("line 1", f"duplicate column {name}")
            seen.add(name)
            if names_follow and previous_is_component and not self._is_known(name):
                previous_is_component = False  # the name column of the previous component
                continue
            previous_is_component = self._place(col, name)
            if labelled:
                self.label_cols.append(col)
            if multi and sub != ";":
                self.multi_cols.append(col)
        missing = [dim for dim in roles.dimensions if dim not in self.dim_cols]
        if roles.time_dimension and self.time_col is None:
            missing.append(roles.time_dimension)
        if fmt == CSV_20 and "STRUCTURE_ID" not in seen:
            missing.insert(0, "STRUCTURE_ID")
        if missing:
            raise DataReadError("line 1", f"missing column(s) {', '.join(missing)}")
        self.key = _key_getter([self.dim_cols[dim] for dim in roles.dimensions])

    def _is_known(self, name: str) -> bool:
        roles = self.roles
        return (
            name in self.roles.dimensions
            or name == roles.time_dimension
            or name == roles.primary_measure
            or name in roles.attributes
            or name in _OUTPUT_ONLY
            or (self.fmt == CSV_20 and name in _CSV20_COLUMNS)
        )

    def _place(self, col: int, name: str) -> bool:
        """Record what column ``col`` holds; True if it is a DSD component."""
        roles = self.roles
        if col == 0 or (self.fmt == CSV_20 and name in _CSV20_COLUMNS):
            if name == "ACTION":
                self.action_col = col
            elif name in ("STRUCTURE", "STRUCTURE_ID", "DATAFLOW"):
                self.structure_cols.append(col)
            return False
        if name in _OUTPUT_ONLY:
            return False
        if name in roles.dimensions:
            self.dim_cols[name] = col
        elif name == roles.time_dimension:
            self.time_col = col
        elif name == roles.primary_measure:
            self.measure_col = col
        elif name in roles.attributes:
            self.attr_cols.append((name, col))
        else:
            self.unknown_cols.append((name or f"column {col + 1}", col))
            return False
        return True


def _key_getter(cols: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    if not cols:
        return lambda row: ()
    if len(cols) == 1:
        only = cols[0]
        return lambda row: (row[only],)
    getter = itemgetter(*cols)
    return getter  # returns a tuple for two or more indices


def _open(stream: BinaryIO, fmt: str | None, nul: list[bool] | None = None) -> tuple[str, str, Any]:
    """(format, sub-value delimiter, csv reader positioned on the header)."""
    lines = _decoded_lines(stream, nul)
    first = next(lines, None)
    if first is None:
        raise DataReadError("line 1", "empty message")
    found, delimiter, sub = detect_csv_header(first)
    if fmt is not None and found != fmt:
        raise DataReadError("line 1", f"the message is {found}, not {fmt} as declared")
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    return found, sub, reader


def _tell(stream: BinaryIO) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def read_csv_info(stream: BinaryIO) -> MessageInfo:
    """The format and structure of an SDMX-CSV message (from its header and first row).

    A seekable stream is put back where it was. ``structure`` is None when
    the file has no data row.
    """
    position = _tell(stream)
    try:
        fmt, _sub, reader = _open(stream, None)
        try:
            header = next(reader)
            row = next((r for r in reader if r), None)
        except csv.Error as exc:
            raise DataReadError(f"line {reader.line_num}", f"malformed CSV: {exc}") from None
        info = MessageInfo(format=fmt)
        if row is None:
            return info
        names = [_column_name(h)[0] for h in header]
        location = f"line {reader.line_num}"
        if fmt == CSV_10:
            info.structure = parse_structure_id(row[0], "dataflow", location)
            return info
        if "STRUCTURE_ID" not in names:
            raise DataReadError("line 1", "missing column(s) STRUCTURE_ID")
        sid = names.index("STRUCTURE_ID")
        if len(row) <= sid:
            raise DataReadError(location, "no STRUCTURE_ID value")
        raw_kind = _strip_label(row[0]).strip()
        kind = _STRUCTURE_KINDS.get(raw_kind.lower())
        if kind is None:
            raise DataReadError(
                location,
                f"unknown STRUCTURE {raw_kind!r} (expected dataflow, datastructure or dataprovision)",
            )
        info.structure = parse_structure_id(row[sid], kind, location)
        return info
    finally:
        if position is not None:
            stream.seek(position)


def open_csv_rows(stream: BinaryIO, roles: ComponentRoles, fmt: str) -> CsvRows:
    """The rows of an SDMX-CSV message of format ``fmt``, raw, with where each part of a record is.

    Raises :class:`DataReadError` if the header lacks a key-dimension or
    time-dimension column (or STRUCTURE_ID in 2.0). Iterating raises it for
    invalid UTF-8 or broken quoting.
    """
    if fmt not in CSV_FORMATS:
        raise ValueError(f"not an SDMX-CSV format: {fmt!r}")
    nul = [False]
    _fmt, sub, reader = _open(stream, fmt, nul)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataReadError("line 1", f"malformed CSV header: {exc}") from None
    for col, cell in enumerate(header):
        if "\x00" in cell:
            raise DataReadError(
                f"line 1, column {col + 1}", "NUL character (byte 0x00) in the header"
            )
    rows = CsvRows(_Layout(header, roles, fmt, sub), reader, len(roles.dimensions), sub)
    rows.names = [_column_name(cell)[0] for cell in header]
    rows.nul = nul
    return rows


def iter_csv_records(stream: BinaryIO, roles: ComponentRoles, fmt: str) -> Iterator[DataRecord]:
    """Stream the rows of an SDMX-CSV message of format ``fmt`` as ``obs`` records.

    Raises :class:`DataReadError` before any record if the header lacks a
    key-dimension or time-dimension column (or STRUCTURE_ID in 2.0), and
    during the read for invalid UTF-8 or broken quoting; rows with the wrong
    number of cells do not stop the read (see the module docstring).
    """
    rows = open_csv_rows(stream, roles, fmt)
    record = rows.record
    return (record(location, row) for location, row in rows)


def _row_problem(unknown: dict[str, str], problem: str) -> None:
    """Report a problem with a row (not with one component) under ``unknown["__row__"]``."""
    previous = unknown.get("__row__")
    unknown["__row__"] = f"{previous}; {problem}" if previous else problem


class CsvRows:
    """The non-empty rows of an SDMX-CSV message as ``(location, cells)``, and how to read them.

    ``record`` turns a row into a :class:`DataRecord`. The column positions
    are public so that a caller can check the common row (every cell where
    the header says, nothing to strip or translate: ``plain``) without
    building a record; any other row must go through ``record``.
    """

    def __init__(self, layout: _Layout, reader: Any, ndims: int, sub: str) -> None:
        self._reader = reader
        self._sub = sub
        self.width = layout.width
        self.key_of = layout.key
        self.dim_cols = [layout.dim_cols[dim] for dim in layout.roles.dimensions]
        self.time_col, self.measure_col, self.action_col = (
            layout.time_col,
            layout.measure_col,
            layout.action_col,
        )
        self.attr_cols = list(layout.attr_cols)
        self.unknown_cols = list(layout.unknown_cols)
        self.label_cols, self.multi_cols = list(layout.label_cols), list(layout.multi_cols)
        self.structure_cols = list(layout.structure_cols)
        self.structure_of = _key_getter(self.structure_cols)
        # True when no cell needs more than reading: no labels, no sub-value delimiters, no unknown columns.
        self.plain = not (self.label_cols or self.multi_cols or self.unknown_cols)
        # The STRUCTURE/STRUCTURE_ID (or DATAFLOW) cells of the first row; later rows must match.
        self.first_structure: tuple[str, ...] | None = None
        self._blank_key = ("",) * ndims
        # Columns of the current row holding a NUL character (searched once the stream has shown one):
        # such a row never takes a fast lane; ``record`` refuses it, naming line and column.
        self.nul_cols: list[int] = []
        self.nul: list[bool] = [False]
        self.names: list[str] = []

    def __iter__(self) -> Iterator[tuple[str, list[str]]]:
        reader = self._reader
        previous_line = reader.line_num
        try:
            for row in reader:
                location = f"line {previous_line + 1}"
                previous_line = reader.line_num
                if row:
                    if self.nul[0]:
                        self.nul_cols = [col for col, cell in enumerate(row) if "\x00" in cell]
                    yield location, row
        except csv.Error as exc:  # reported where the broken row starts
            raise DataReadError(f"line {previous_line + 1}", f"malformed CSV: {exc}") from None

    def _nul_problem(self, col: int) -> str:
        name = self.names[col] if col < len(self.names) and self.names[col] else ""
        return f"NUL character (byte 0x00) in column {col + 1}{f' ({name})' if name else ''}: not allowed in SDMX-CSV"

    def record(self, location: str, row: list[str]) -> DataRecord:
        """The ``obs`` record of one row (problems with the row as a whole in ``unknown["__row__"]``)."""
        if len(row) != self.width:
            return DataRecord(
                kind="obs",
                action=Action.INFORMATION,
                location=location,
                key=self._blank_key,
                unknown={"__row__": f"expected {self.width} cells, got {len(row)}"},
            )
        nul_problems = [self._nul_problem(col) for col in self.nul_cols]
        for col in self.label_cols:
            row[col] = _strip_label(row[col])
        for col in self.multi_cols:
            row[col] = row[col].replace(self._sub, ";")
        unknown = (
            {name: v for name, col in self.unknown_cols if (v := row[col])}
            if self.unknown_cols
            else {}
        )
        for problem in nul_problems:
            _row_problem(unknown, problem)
        if self.action_col is None:
            action = Action.INFORMATION
        else:
            raw_action = row[self.action_col]
            found = _ACTIONS.get(raw_action)
            if found is None:
                found = _ACTIONS.get(_strip_label(raw_action).strip().upper())
            if found is None:
                _row_problem(unknown, f"unknown ACTION {raw_action!r} (expected I, A, R, D or M)")
                found = Action.INFORMATION
            action = found
        structure = self.structure_of(row)
        if self.first_structure is None:
            self.first_structure = structure
        elif structure != self.first_structure:
            _row_problem(
                unknown,
                f"the row is for {' '.join(structure)}, the first row for {' '.join(self.first_structure)}",
            )
        time_col, measure_col = self.time_col, self.measure_col
        value = row[measure_col] if measure_col is not None else ""
        return DataRecord(
            kind="obs",
            action=action,
            location=location,
            key=self.key_of(row),
            period=row[time_col] if time_col is not None else "",
            value=value or None,
            attrs={name: v for name, col in self.attr_cols if (v := row[col])},
            unknown=unknown,
        )
