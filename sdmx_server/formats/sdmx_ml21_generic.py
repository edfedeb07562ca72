"""SDMX-ML 2.1 generic data (``GenericData`` and ``GenericTimeSeriesData``), streamed.

Layouts: time series (``dimensionAtObservation`` = the time dimension),
cross-sectional (another dimension at observation: rows arrive ordered by
the other dimensions, period, then that dimension) and flat
(``AllDimensions``: every observation carries its full key).
"""

from __future__ import annotations

from collections.abc import Iterator

from sdmx_server.domain.obs_markup import ObsMarkup, Part, Slot, Wrapper
from sdmx_server.formats.data_context import (
    ALL_DIMENSIONS,
    DataContext,
    PackedWriter,
    Row,
    chunked,
)
from sdmx_server.formats.sdmx_ml21_data_common import (
    STRUCTURE_ID,
    dataset_attributes,
    header,
    root_open,
)
from sdmx_server.formats.xml_ns import NS21, escape_attr


def _values(tag: str, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    inner = "".join(f'<gen:Value id="{k}" value="{escape_attr(v)}"/>' for k, v in pairs)
    return f"<gen:{tag}>{inner}</gen:{tag}>"


class GenericWriter:
    """Streams one generic data message."""

    def __init__(self, ctx: DataContext, *, timeseries: bool = False) -> None:
        self.ctx = ctx
        self.timeseries = timeseries
        self.layout = (
            "time"
            if ctx.dim_at_obs == ctx.time_id
            else "flat"
            if ctx.dim_at_obs == ALL_DIMENSIONS
            else "cross"
        )
        attrs = ctx.info.attributes
        self.obs_level_series_attrs = [
            a
            for a in attrs
            if attrs[a].level in ("series", "group") and ctx.presentation(a) == "obs"
        ]
        self.series_level_attrs = [
            a for a in attrs if attrs[a].level == "series" and ctx.presentation(a) == "series"
        ]
        self.group_presented = [
            a for a in attrs if attrs[a].level == "group" and ctx.presentation(a) == "group"
        ]

    def write(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The message, as UTF-8 chunks."""
        return chunked(self._parts(batches))

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        ctx = self.ctx
        name = "GenericTimeSeriesData" if self.timeseries else "GenericData"
        yield root_open(name, {"gen": NS21["gen"]})
        yield header(ctx, agreements=not self.timeseries)
        dims = ctx.dim_ids
        n_obs_attrs = len(ctx.obs_attrs)
        x = ctx.obs_dim_index
        current_ds: object = _START
        open_series: object = None
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch)
            for row in batch:
                if row[0] != current_ds:
                    if open_series is not None:
                        yield "</gen:Series>"
                        open_series = None
                    if current_ds is not _START:
                        yield "</mes:DataSet>"
                    current_ds = row[0]
                    yield self._open_dataset(row[0])
                key = row[2].split(".")
                extra = sattrs.get(row[1], {})
                if self.layout == "flat":
                    if ctx.with_observations:
                        yield self._flat_obs(row, key, extra, n_obs_attrs)
                    continue
                if self.layout == "time":
                    series_id: object = row[1]
                    series_key = list(zip(dims, key, strict=True))
                else:
                    series_id = (tuple(k for i, k in enumerate(key) if i != x), row[3])
                    series_key = [
                        (d, k) for i, (d, k) in enumerate(zip(dims, key, strict=True)) if i != x
                    ]
                    series_key.append((ctx.time_id, row[3]))
                if series_id != open_series:
                    if open_series is not None:
                        yield "</gen:Series>"
                    open_series = series_id
                    yield "<gen:Series>" + _values("SeriesKey", series_key)
                    if ctx.with_attributes:
                        yield _values(
                            "Attributes",
                            [(a, extra[a]) for a in self.series_level_attrs if a in extra],
                        )
                if not ctx.with_observations:
                    continue
                obs_dim = row[3] if self.layout == "time" else key[x] if x is not None else row[3]
                yield self._obs(row, obs_dim, extra, n_obs_attrs)
        if open_series is not None:
            yield "</gen:Series>"
        if current_ds is not _START:
            yield "</mes:DataSet>"
        yield f"</mes:{name}>"

    def packed(self) -> PackedWriter | None:
        """The packed-path writer (ADR 0016) for time series with observations; None otherwise."""
        if self.layout != "time" or not self.ctx.with_observations:
            return None
        return PackedWriter(self.obs_markup(), self.write_packed)

    def obs_markup(self) -> ObsMarkup:
        """``<gen:Obs>`` of the time-series layout as the database writes it."""
        ctx = self.ctx
        parts: list[Part] = [
            '<gen:Obs><gen:ObsDimension value="',
            Slot("period"),
            '"/>',
            Slot(
                "value",
                before='<gen:ObsValue value="',
                after='"/>',
                escape="none" if ctx.info.numeric_measure else "xml",
                optional=True,
            ),
        ]
        if ctx.with_attributes and ctx.obs_attrs:
            slots = tuple(
                Slot(
                    "obs_attr",
                    a,
                    before=f'<gen:Value id="{a}" value="',
                    after='"/>',
                    escape=ctx.escape_of(a),
                    optional=True,
                )
                for a in ctx.obs_attrs
            )
            parts.append(Wrapper("<gen:Attributes>", "</gen:Attributes>", slots))
        parts.append("</gen:Obs>")
        return ObsMarkup(tuple(parts))

    def write_packed(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The message from packed series (``(0, series_pk, series_key, observations' markup)``)."""
        return chunked(self._packed_parts(batches))

    def _packed_parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        ctx = self.ctx
        name = "GenericTimeSeriesData" if self.timeseries else "GenericData"
        yield root_open(name, {"gen": NS21["gen"]})
        yield header(ctx, agreements=not self.timeseries)
        dims = ctx.dim_ids
        shown = self.series_level_attrs if ctx.with_attributes else []
        opened = False
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch) if shown else {}
            out: list[str] = []
            if not opened:
                out.append(self._open_dataset(0))
                opened = True
            for _ds, spk, skey, obs in batch:
                out.append(
                    "<gen:Series>"
                    + _values("SeriesKey", list(zip(dims, skey.split("."), strict=True)))
                )
                if ctx.with_attributes:
                    extra = sattrs.get(spk, {})
                    out.append(_values("Attributes", [(a, extra[a]) for a in shown if a in extra]))
                out.append(obs + "</gen:Series>")
            yield "".join(out)
        if opened:
            yield "</mes:DataSet>"
        yield f"</mes:{name}>"

    def _open_dataset(self, ds_key: object) -> str:
        ctx = self.ctx
        out = f'<mes:DataSet structureRef="{STRUCTURE_ID}"{dataset_attributes(ctx.dataset_info(ds_key))}>'
        if ctx.with_attributes:
            out += _values("Attributes", list(ctx.dataset_attrs.items()))
            for group, gkey, values in ctx.groups_for(()):
                shown = [(a, v) for a, v in values.items() if a in self.group_presented]
                if not shown:
                    continue
                gdims = ctx.info.groups.get(group, ())
                out += (
                    f'<gen:Group type="{group}">'
                    + _values("GroupKey", list(zip(gdims, gkey, strict=False)))
                    + _values("Attributes", shown)
                    + "</gen:Group>"
                )
        return out

    def _obs_attrs(self, row: Row, extra: dict[str, str], n: int) -> str:
        if not self.ctx.with_attributes:
            return ""
        pairs = [(self.ctx.obs_attrs[i], row[5 + i]) for i in range(n) if row[5 + i] is not None]
        pairs += [(a, extra[a]) for a in self.obs_level_series_attrs if a in extra]
        return _values("Attributes", pairs)

    def _obs(self, row: Row, obs_dim: str, extra: dict[str, str], n: int) -> str:
        value = row[4]
        v = f'<gen:ObsValue value="{escape_attr(value)}"/>' if value is not None else ""
        return f'<gen:Obs><gen:ObsDimension value="{escape_attr(obs_dim)}"/>{v}{self._obs_attrs(row, extra, n)}</gen:Obs>'

    def _flat_obs(self, row: Row, key: list[str], extra: dict[str, str], n: int) -> str:
        ctx = self.ctx
        pairs = list(zip(ctx.dim_ids, key, strict=True)) + [(ctx.time_id, row[3])]
        value = row[4]
        v = f'<gen:ObsValue value="{escape_attr(value)}"/>' if value is not None else ""
        attrs = ""
        if ctx.with_attributes:
            pairs_a = [(ctx.obs_attrs[i], row[5 + i]) for i in range(n) if row[5 + i] is not None]
            pairs_a += [(a, extra[a]) for a in self.obs_level_series_attrs if a in extra]
            attrs = _values("Attributes", pairs_a)
        return f"<gen:Obs>{_values('ObsKey', pairs)}{v}{attrs}</gen:Obs>"


_START = object()  # "no data set opened yet"


def write_generic(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """``application/vnd.sdmx.genericdata+xml;version=2.1``."""
    return GenericWriter(ctx).write(batches)


def write_generic_timeseries(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """``application/vnd.sdmx.generictimeseriesdata+xml;version=2.1`` (time at observation only)."""
    return GenericWriter(ctx, timeseries=True).write(batches)


def packed_generic(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of ``genericdata`` (ADR 0016), when the layout allows it."""
    return GenericWriter(ctx).packed()


def packed_generic_timeseries(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of ``generictimeseriesdata`` (ADR 0016)."""
    return GenericWriter(ctx, timeseries=True).packed()
