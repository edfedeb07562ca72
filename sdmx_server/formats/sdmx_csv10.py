"""SDMX-CSV 1.0 data, streamed (``application/vnd.sdmx.data+csv;version=1.0.0``).

Columns: ``DATAFLOW`` (``AG:ID(VER)``), every dimension in DSD order,
``TIME_PERIOD``, ``OBS_VALUE``, then every attribute in DSD order. Options:
``labels=id|both`` (both: ``ID: Name`` headers and ``CODE: Name`` values)
and ``timeFormat=original|normalized`` (normalized: ISO 8601 start date-time).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sdmx_server.domain.obs_markup import Escape, ObsMarkup, Part, Slot
from sdmx_server.domain.periods import PeriodError, parse_period
from sdmx_server.formats.data_context import DataContext, Row, chunked


def _needs_quotes(value: str) -> bool:
    return any(c in value for c in ',"\n\r')


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    if _needs_quotes(value):
        return '"' + value.replace('"', '""') + '"'
    return value


class Csv10Writer:
    """Streams SDMX-CSV 1.0."""

    def __init__(self, ctx: DataContext) -> None:
        self.ctx = ctx
        self.labels = ctx.code_labels
        self.component_names = ctx.component_names
        info = ctx.info
        self.attr_ids = list(info.attributes) if ctx.with_attributes else []

    def header(self) -> str:
        """The header line."""
        ctx = self.ctx
        cols = ["DATAFLOW", *ctx.dim_ids, ctx.time_id, ctx.info.primary_measure.id, *self.attr_ids]
        if self.ctx.labels == "both":
            cols = [
                f"{c}: {self.component_names[c]}" if c in self.component_names else c for c in cols
            ]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cols)
        return buf.getvalue()

    def write(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The file as UTF-8 chunks."""
        return chunked(self._lines(batches))

    def _label(self, comp: str, code: str) -> str:
        names = self.labels.get(comp)
        if names is None or code not in names:
            return code
        return f"{code}: {names[code]}"

    def _time(self, period: str) -> str:
        if self.ctx.time_format != "normalized":
            return period
        try:
            return parse_period(period).start.strftime("%Y-%m-%dT%H:%M:%S")
        except PeriodError:
            return period

    def _lines(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        ctx = self.ctx
        yield self.header()
        df = ctx.info.dataflow
        flow = f"{df.agency}:{df.id}({df.version})"
        if ctx.labels == "both" and df.names:
            flow = f"{flow}: {next(iter(ctx.render.languages.select(df.names).values()))}"
        flow = _cell(flow)
        obs_index = {a: i for i, a in enumerate(ctx.obs_attrs)}
        upper = [a for a in self.attr_ids if a not in obs_index]
        both = ctx.labels == "both"
        dims = ctx.dim_ids
        prefix_cache: dict[int, str] = {}
        with_obs = ctx.with_observations
        numeric = ctx.info.numeric_measure
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch) if upper else {}
            out = []
            for row in batch:
                spk = row[1]
                prefix = prefix_cache.get(spk)
                if prefix is None:
                    key = row[2].split(".")
                    key = [
                        _cell(self._label(d, k) if both else k)
                        for d, k in zip(dims, key, strict=True)
                    ]
                    prefix = flow + "," + ",".join(key) + ","
                    if len(prefix_cache) > 10_000:
                        prefix_cache.clear()
                    prefix_cache[spk] = prefix
                if not with_obs:
                    line = prefix + ","
                else:
                    value = row[4]
                    line = (
                        prefix
                        + self._time(row[3])
                        + ","
                        + ("" if value is None else value if numeric else _cell(value))
                    )
                if self.attr_ids:
                    extra = sattrs.get(spk, {})
                    cells = []
                    for a in self.attr_ids:
                        i = obs_index.get(a)
                        v = (
                            row[5 + i]
                            if i is not None
                            else (extra.get(a) or ctx.dataset_attrs.get(a))
                        )
                        cells.append(_cell(self._label(a, v) if both and v is not None else v))
                    line += "," + ",".join(cells)
                out.append(line)
            yield "\n".join(out) + "\n"


def line_markup(ctx: DataContext) -> ObsMarkup:
    """One SDMX-CSV 1.0 data line (without its line break) as the database writes it (the packed read
    path, ADR 0016): ids, original periods, series attributes read from the store, data-set ones
    constant. Coded cells and numbers never need quotes; free text is quoted as :func:`_cell` does."""
    info = ctx.info
    df = info.dataflow
    parts: list[Part] = [_cell(f"{df.agency}:{df.id}({df.version})") + ","]
    for n, dim in enumerate(info.dimensions, start=1):
        parts.append(
            Slot("key", str(n), after=",", escape="none" if dim.codes is not None else "csv")
        )
    parts.append(Slot("period", after=","))
    parts.append(Slot("value", escape="none" if info.numeric_measure else "csv"))
    obs = set(ctx.obs_attrs)
    for a in Csv10Writer(ctx).attr_ids:
        comp = info.attributes[a]
        escape: Escape = "none" if comp.codes is not None else "csv"
        if a in obs:
            parts += [",", Slot("obs_attr", a, escape=escape)]
        elif comp.level == "series":
            parts += [",", Slot("series_attr", a, escape=escape)]
        else:
            parts.append("," + _cell(ctx.dataset_attrs.get(a)))
    return ObsMarkup(tuple(parts))


def write_csv10(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-CSV 1.0 for ``ctx`` (labels from ``ctx.code_labels`` when labels=both)."""
    return Csv10Writer(ctx).write(batches)


def write_csv10_rows(ctx: DataContext, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """SDMX-CSV 1.0 whose data rows the database wrote (``COPY ... WITH CSV``): add the header."""
    yield Csv10Writer(ctx).header().encode()
    yield from chunks
