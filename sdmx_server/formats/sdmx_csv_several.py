"""SDMX-CSV data over several dataflows.

SDMX-CSV 2.0 and 2.1: every row names its structure (``STRUCTURE``, ``STRUCTURE_ID``). Where the
dataflows' DSDs differ, the columns are the union of their components, in the order the SDMX-CSV 2.0
field guide asks of web services: the dimensions of the first DSD, then the dimensions of the next ones
that are new, then the measures likewise, then the attributes; a row leaves empty the columns its
structure does not have. SDMX-CSV 1.0 has one ``DATAFLOW`` column naming each row's dataflow but no rule
for rows of different structures: it answers several dataflows only when they have the same columns
(the same DSD, typically), and 406 otherwise.

Each dataflow's rows are written by the single-dataflow writer (or by the database, the fast path); this
module drops each part's header line and, when the part's columns are not the union's, moves its cells
to the union's columns.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence

from sdmx_server.domain.errors import NotAcceptableError
from sdmx_server.formats.data_context import DataContext, chunked
from sdmx_server.formats.data_parts import DataPart, PartRows
from sdmx_server.formats.sdmx_csv10 import Csv10Writer, _cell, write_csv10, write_csv10_rows
from sdmx_server.formats.sdmx_csv20 import Csv20Writer, write_csv20, write_csv20_rows


def _components(ctx: DataContext) -> tuple[list[str], list[str], list[str]]:
    """A part's component columns as the single writer lays them out: dimensions (the time dimension
    last), measures, attributes."""
    attrs = list(ctx.info.attributes) if ctx.with_attributes else []
    return [*ctx.dim_ids, ctx.time_id], [ctx.info.primary_measure.id], attrs


def _cells(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)))


def _skip(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """``chunks`` without their first ``size`` bytes (a part's header line)."""
    for chunk in chunks:
        if size >= len(chunk):
            size -= len(chunk)
            continue
        yield chunk[size:]
        size = 0


def _records(chunks: Iterator[bytes]) -> Iterator[list[str]]:
    """The CSV records of a byte stream (quoted cells may hold line breaks)."""

    def lines() -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        rest = ""
        for chunk in chunks:
            text = rest + decoder.decode(chunk)
            cut = text.rfind("\n") + 1
            rest = text[cut:]
            for line in text[:cut].split("\n")[:-1]:
                yield line + "\n"
        rest += decoder.decode(b"", final=True)
        if rest:
            yield rest

    return csv.reader(lines())


class _Union:
    """The SDMX-CSV 2.x columns of several parts and where each part's cells go."""

    def __init__(self, parts: Sequence[DataPart]) -> None:
        ctx0 = parts[0].context
        self.width = 2 if ctx0.labels == "name" else 1  # labels=name: a name column after each
        self.headers = [_cells(Csv20Writer(p.context).header()) for p in parts]
        layouts = [_components(p.context) for p in parts]
        self.lead = len(self.headers[0]) - self.width * sum(len(g) for g in layouts[0])
        union: list[str] = []
        for kind in range(3):  # dimensions, measures, attributes
            for layout in layouts:
                union += [c for c in layout[kind] if c not in union]
        self.columns = union
        position = {c: n for n, c in enumerate(union)}
        cells = self.headers[0][: self.lead] + [""] * (self.width * len(union))
        self.maps: list[list[int] | None] = []
        filled: set[int] = set()
        for header, layout in zip(self.headers, layouts, strict=True):
            comps = [*layout[0], *layout[1], *layout[2]]
            mapping = list(range(self.lead))
            for p, comp in enumerate(comps):
                u = position[comp]
                for j in range(self.width):
                    mapping.append(self.lead + u * self.width + j)
                    if u not in filled:
                        cells[self.lead + u * self.width + j] = header[
                            self.lead + p * self.width + j
                        ]
                filled.add(u)
            self.maps.append(None if comps == union else mapping)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        self.header = buf.getvalue()

    def moved(self, chunks: Iterator[bytes], mapping: list[int]) -> Iterator[bytes]:
        """A part's rows (header line first) with their cells in the union's columns."""
        size = self.lead + self.width * len(self.columns)
        records = _records(chunks)
        next(records, None)

        def lines() -> Iterator[str]:
            for record in records:
                out = [""] * size
                for n, cell in enumerate(record):
                    out[mapping[n]] = cell
                yield ",".join(_cell(c) for c in out) + "\n"

        return chunked(lines())


def _body20(rows: PartRows) -> Iterator[bytes]:
    if rows.raw_csv is not None:
        return write_csv20_rows(rows.context, rows.raw_csv)
    return write_csv20(rows.context, rows.batches)


def write_csv20_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """SDMX-CSV 2.0 (and 2.1) over several dataflows: the union of their columns."""
    union = _Union(parts)

    def body() -> Iterator[bytes]:
        yield union.header.encode()
        for part, mapping in zip(parts, union.maps, strict=True):
            rows = part.open()
            chunks = _body20(rows)
            if mapping is None:
                yield from _skip(chunks, len(Csv20Writer(rows.context).header().encode()))
            else:
                yield from union.moved(chunks, mapping)

    return body()


def write_csv10_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """SDMX-CSV 1.0 over several dataflows with the same columns (406 when they differ)."""
    headers = [Csv10Writer(p.context).header() for p in parts]
    if len(set(headers)) > 1:
        flows = ", ".join(sorted({p.context.info.dataflow.ref.triplet for p in parts}))
        raise NotAcceptableError(
            f"The query matches dataflows of different structures ({flows}); SDMX-CSV 1.0 has no columns "
            "for rows of different structures: ask for application/vnd.sdmx.data+csv;version=2.0.0 "
            "(the union of their columns), SDMX-ML or SDMX-JSON 2.0, or name one dataflow"
        )

    def body() -> Iterator[bytes]:
        yield headers[0].encode()
        size = len(headers[0].encode())
        for part in parts:
            rows = part.open()
            if rows.raw_csv is not None:
                chunks = write_csv10_rows(rows.context, rows.raw_csv)
            else:
                chunks = write_csv10(rows.context, rows.batches)
            yield from _skip(chunks, size)

    return body()
