"""SDMX-CSV 2.0 data, streamed (``application/vnd.sdmx.data+csv;version=2.0.0``).

Columns: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` (``AG:ID(VER)``),
``ACTION``, every dimension, ``TIME_PERIOD``, ``OBS_VALUE``, every attribute.
``ACTION`` carries what SDMX-CSV 1.0 cannot: ``I`` for plain answers, ``R``
for values changed (``updatedAfter``) and ``D`` for deletions; with
``includeHistory`` every published version is a row, in publication order,
so that replaying the rows rebuilds the data. Options: ``labels=id|name|both`` (``name``: a
``STRUCTURE_NAME`` column and, after each component column, one with its values' localised names),
``timeFormat=original|normalized``, ``keys=none|series|obs|both``
(``SERIES_KEY`` / ``OBS_KEY`` columns).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sdmx_server.formats.data_context import ALL_DIMENSIONS, DataContext, Row, chunked
from sdmx_server.formats.sdmx_csv10 import Csv10Writer, _cell


class Csv20Writer(Csv10Writer):
    """Streams SDMX-CSV 2.0."""

    def header(self) -> str:
        """The header line."""
        ctx = self.ctx
        keys = ctx.csv_keys
        cols = ["STRUCTURE", "STRUCTURE_ID"]
        if ctx.labels == "name":
            cols.append("STRUCTURE_NAME")
        cols.append("ACTION")
        if keys in ("series", "both"):
            cols.append("SERIES_KEY")
        if keys in ("obs", "both"):
            cols.append("OBS_KEY")
        components = [*ctx.dim_ids, ctx.time_id, ctx.info.primary_measure.id, *self.attr_ids]
        if ctx.labels == "both":
            components = [
                f"{c}: {self.component_names[c]}" if c in self.component_names else c
                for c in components
            ]
        elif ctx.labels == "name":
            # each component column is followed by one holding the localised names of its values,
            # headed by the component's localised name
            components = [h for c in components for h in (c, self.component_names.get(c, c))]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cols + components)
        return buf.getvalue()

    def write(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The file as UTF-8 chunks."""
        return chunked(self._lines20(batches))

    def _action(self, row: Row) -> str:
        ctx = self.ctx
        info = ctx.dataset_info(row[0])
        return {"Delete": "D", "Replace": "R"}.get(info.action or "", "I")

    def _name(self, comp: str, value: str | None) -> str:
        """The cell of a ``labels=name`` name column: the localised name of a coded value, else empty."""
        if value is None:
            return ""
        return _cell(self.labels.get(comp, {}).get(value))

    def _series_key(self, key: str) -> str:
        """``SERIES_KEY``: every dimension but the one(s) at the observation level (SDMX-CSV 2.0)."""
        ctx = self.ctx
        if ctx.dim_at_obs == ALL_DIMENSIONS:
            return ""
        x = ctx.obs_dim_index
        return key if x is None else ".".join(k for i, k in enumerate(key.split(".")) if i != x)

    def _lines20(self, batches: Iterator[list[Row]]) -> Iterator[str]:  # noqa: C901 - the hot loop, inlined
        ctx = self.ctx
        yield self.header()
        df = ctx.info.dataflow
        structure_id = f"{df.agency}:{df.id}({df.version})"
        flow_name = (
            next(iter(ctx.render.languages.select(df.names).values()), "") if df.names else ""
        )
        if ctx.labels == "both" and flow_name:
            structure_id += ": " + flow_name
        lead = "dataflow," + _cell(structure_id) + ","
        names = ctx.labels == "name"
        if names:
            lead += _cell(flow_name) + ","
        obs_index = {a: i for i, a in enumerate(ctx.obs_attrs)}
        both = ctx.labels == "both"
        dims = ctx.dim_ids
        keys = ctx.csv_keys
        numeric = ctx.info.numeric_measure
        time_id = ctx.time_id
        measure = ctx.info.primary_measure.id
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch) if self.attr_ids else {}
            out = []
            for row in batch:
                key = row[2].split(".")
                cells = [self._action(row)]
                if keys in ("series", "both"):
                    cells.append(_cell(self._series_key(row[2])))
                if keys in ("obs", "both"):
                    cells.append(_cell(f"{row[2]}.{row[3]}" if row[3] is not None else row[2]))
                if names:
                    for d, k in zip(dims, key, strict=True):
                        cells += [_cell(k), self._name(d, k)]
                else:
                    cells += [
                        _cell(self._label(d, k) if both else k)
                        for d, k in zip(dims, key, strict=True)
                    ]
                if ctx.with_observations:
                    value = row[4]
                    time_cell = self._time(row[3])
                    value_cell = "" if value is None else value if numeric else _cell(value)
                else:
                    time_cell = value_cell = ""
                if names:  # a period and an observation value have no localised name
                    cells += [
                        time_cell,
                        self._name(time_id, None),
                        value_cell,
                        self._name(measure, None),
                    ]
                else:
                    cells += [time_cell, value_cell]
                extra = sattrs.get(row[1], {})
                for a in self.attr_ids:
                    i = obs_index.get(a)
                    v = row[5 + i] if i is not None else (extra.get(a) or ctx.dataset_attrs.get(a))
                    cells.append(_cell(self._label(a, v) if both and v is not None else v))
                    if names:
                        cells.append(self._name(a, v))
                out.append(lead + ",".join(cells))
            yield "\n".join(out) + "\n"


def write_csv20(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-CSV 2.0 for ``ctx``."""
    return Csv20Writer(ctx).write(batches)


def write_csv20_rows(ctx: DataContext, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """SDMX-CSV 2.0 from the SDMX-CSV 1.0 rows the database wrote (``COPY ... WITH CSV``, whole lines per
    chunk, each starting with ``AG:ID(VER),``): every line gets ``dataflow,`` before and the ``I`` action
    after that first cell. Only for plain answers (no history, no ``keys`` columns, ids, original time)."""
    yield Csv20Writer(ctx).header().encode()
    df = ctx.info.dataflow
    old = f"{df.agency}:{df.id}({df.version}),".encode()
    new = b"dataflow," + old + b"I,"
    for chunk in chunks:
        # Lines start with the flow id; a quoted value holding a line break followed by exactly that
        # text is the only thing that could be mistaken for a line start, and codes cannot hold one.
        body = chunk.replace(b"\n" + old, b"\n" + new)
        yield new + body[len(old) :] if body.startswith(old) else body
