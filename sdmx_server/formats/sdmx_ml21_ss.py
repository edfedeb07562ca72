"""SDMX-ML 2.1 structure-specific data (and its time-series variant), streamed.

The data set is typed by the dataflow-specific schema that ``/schema``
serves: namespace ``urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=
AG:ID(VER):ObsLevelDim:<dimension at observation>`` (``AllDimensions`` for flat
data), ``xsi:type="ns1:DataSetType"``; components are XML attributes.
"""

from __future__ import annotations

from collections.abc import Iterator

from sdmx_server.domain.obs_markup import ObsMarkup, Part, Slot
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

_START = object()


def ss_namespace(ctx: DataContext) -> str:
    """The structure-specific namespace for this dataflow and layout."""
    return f"{ctx.info.urn_namespace}:ObsLevelDim:{ctx.dim_at_obs}"


def _attrs(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {k}="{escape_attr(v)}"' for k, v in pairs)


class StructureSpecificWriter:
    """Streams one structure-specific data message."""

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
        self.obs_presented = [
            a
            for a in attrs
            if attrs[a].level in ("series", "group") and ctx.presentation(a) == "obs"
        ]
        self.series_presented = [
            a for a in attrs if attrs[a].level == "series" and ctx.presentation(a) == "series"
        ]
        self.group_presented = [
            a for a in attrs if attrs[a].level == "group" and ctx.presentation(a) == "group"
        ]

    def write(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The message as UTF-8 chunks."""
        return chunked(self._parts(batches))

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:  # noqa: C901 - the hot loop, inlined for speed
        ctx = self.ctx
        yield self.prologue()
        dims = ctx.dim_ids
        time_id = ctx.time_id
        measure = ctx.info.primary_measure.id
        obs_attr_names = ctx.obs_attrs
        n_attrs = len(obs_attr_names)
        with_attrs = ctx.with_attributes
        with_obs = ctx.with_observations
        x = ctx.obs_dim_index
        current_ds: object = _START
        open_series: object = None
        series_cache: dict[int, str] = {}
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch)
            out: list[str] = []
            for row in batch:
                if row[0] != current_ds:
                    if open_series is not None:
                        out.append("</Series>")
                        open_series = None
                    if current_ds is not _START:
                        out.append("</mes:DataSet>")
                    current_ds = row[0]
                    out.append(self._open_dataset(row[0]))
                spk = row[1]
                extra = sattrs.get(spk) if with_attrs else None
                value = row[4]
                obs = ""
                if with_obs:
                    obs = (
                        f' OBS_VALUE="{value if ctx.info.numeric_measure else escape_attr(value)}"'
                        if value is not None
                        else ""
                    )
                    if measure != "OBS_VALUE" and obs:
                        obs = obs.replace(" OBS_VALUE=", f" {measure}=", 1)
                    if with_attrs:
                        for i in range(n_attrs):
                            v = row[5 + i]
                            if v is not None:
                                obs += f' {obs_attr_names[i]}="{escape_attr(v)}"'
                        if extra and self.obs_presented:
                            obs += _attrs([(a, extra[a]) for a in self.obs_presented if a in extra])
                if self.layout == "flat":
                    if with_obs:
                        key = row[2].split(".")
                        out.append(
                            f'<Obs{_attrs(list(zip(dims, key, strict=True)))} {time_id}="{row[3]}"{obs}/>'
                        )
                    continue
                if self.layout == "time":
                    if spk != open_series:
                        if open_series is not None:
                            out.append("</Series>")
                        open_series = spk
                        head = series_cache.get(spk)
                        if head is None:
                            head = "<Series" + _attrs(
                                list(zip(dims, row[2].split("."), strict=True))
                            )
                            if len(series_cache) > 10_000:
                                series_cache.clear()
                            series_cache[spk] = head
                        if extra and self.series_presented:
                            head += _attrs(
                                [(a, extra[a]) for a in self.series_presented if a in extra]
                            )
                        out.append(head + ">")
                    if with_obs:
                        out.append(f'<Obs {time_id}="{row[3]}"{obs}/>')
                    continue
                key = row[2].split(".")
                assert x is not None
                sid = (tuple(k for i, k in enumerate(key) if i != x), row[3])
                if sid != open_series:
                    if open_series is not None:
                        out.append("</Series>")
                    open_series = sid
                    pairs = [
                        (d, k) for i, (d, k) in enumerate(zip(dims, key, strict=True)) if i != x
                    ]
                    pairs.append((time_id, row[3]))
                    if extra and self.series_presented:
                        pairs += [(a, extra[a]) for a in self.series_presented if a in extra]
                    out.append(f"<Series{_attrs(pairs)}>")
                if with_obs:
                    out.append(f'<Obs {dims[x]}="{escape_attr(key[x])}"{obs}/>')
            yield "".join(out)
        if open_series is not None:
            yield "</Series>"
        if current_ds is not _START:
            yield "</mes:DataSet>"
        yield self.epilogue()

    def packed(self) -> PackedWriter | None:
        """The packed-path writer (ADR 0016) for time series with observations; None otherwise."""
        if self.layout != "time" or not self.ctx.with_observations:
            return None
        return PackedWriter(self.obs_markup(), self.write_packed)

    def obs_markup(self) -> ObsMarkup:
        """``<Obs TIME_PERIOD="…" OBS_VALUE="…" ATTR="…"/>`` as the database writes it."""
        ctx = self.ctx
        parts: list[Part] = [f'<Obs {ctx.time_id}="', Slot("period"), '"']
        parts.append(
            Slot(
                "value",
                before=f' {ctx.info.primary_measure.id}="',
                after='"',
                escape="none" if ctx.info.numeric_measure else "xml",
                optional=True,
            )
        )
        if ctx.with_attributes:
            for a in ctx.obs_attrs:
                parts.append(
                    Slot(
                        "obs_attr",
                        a,
                        before=f' {a}="',
                        after='"',
                        escape=ctx.escape_of(a),
                        optional=True,
                    )
                )
        parts.append("/>")
        return ObsMarkup(tuple(parts))

    def write_packed(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The message from packed series (``(0, series_pk, series_key, observations' markup)``)."""
        return chunked(self._packed_parts(batches))

    def _packed_parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        ctx = self.ctx
        yield self.prologue()
        dims = ctx.dim_ids
        shown = self.series_presented
        opened = False
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch) if shown else {}
            out: list[str] = []
            if not opened:
                out.append(self._open_dataset(0))
                opened = True
            for _ds, spk, skey, obs in batch:
                head = "<Series" + _attrs(list(zip(dims, skey.split("."), strict=True)))
                extra = sattrs.get(spk)
                if extra:
                    head += _attrs([(a, extra[a]) for a in shown if a in extra])
                out.append(head + ">" + obs + "</Series>")
            yield "".join(out)
        if opened:
            yield "</mes:DataSet>"
        yield self.epilogue()

    def prologue(self) -> str:
        """The XML declaration, the root element's opening tag and the header."""
        ns = ss_namespace(self.ctx)
        return root_open(
            self.root_name, {"ss": NS21["ss"], "xsi": NS21["xsi"], "ns1": ns}
        ) + header(self.ctx, namespace=ns)

    def epilogue(self) -> str:
        """The root element's closing tag."""
        return f"</mes:{self.root_name}>"

    @property
    def root_name(self) -> str:
        """The message element."""
        return "StructureSpecificTimeSeriesData" if self.timeseries else "StructureSpecificData"

    def dataset_tag_attributes(self) -> str:
        """Fixed attributes of ``mes:DataSet`` (besides action, validity and attribute values)."""
        return (
            f'ss:structureRef="{STRUCTURE_ID}" xsi:type="ns1:DataSetType" ss:dataScope="Dataflow"'
        )

    def _open_dataset(self, ds_key: object) -> str:
        ctx = self.ctx
        ds_attrs = _attrs(list(ctx.dataset_attrs.items())) if ctx.with_attributes else ""
        out = (
            f"<mes:DataSet {self.dataset_tag_attributes()}"
            f"{dataset_attributes(ctx.dataset_info(ds_key), 'ss:')}{ds_attrs}>"
        )
        if ctx.with_attributes and self.layout != "flat":
            for group, gkey, values in ctx.groups_for(()):
                shown = [(a, v) for a, v in values.items() if a in self.group_presented]
                if not shown:
                    continue
                gdims = ctx.info.groups.get(group, ())
                out += f'<Group xsi:type="ns1:{group}"{_attrs(list(zip(gdims, gkey, strict=False)) + shown)}/>'
        return out


def write_structure_specific(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """``application/vnd.sdmx.structurespecificdata+xml;version=2.1``."""
    return StructureSpecificWriter(ctx).write(batches)


def write_structure_specific_timeseries(
    ctx: DataContext, batches: Iterator[list[Row]]
) -> Iterator[bytes]:
    """``application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1``."""
    return StructureSpecificWriter(ctx, timeseries=True).write(batches)


def packed_structure_specific(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of ``structurespecificdata`` (ADR 0016), when the layout allows it."""
    return StructureSpecificWriter(ctx).packed()


def packed_structure_specific_timeseries(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of ``structurespecifictimeseriesdata`` (ADR 0016)."""
    return StructureSpecificWriter(ctx, timeseries=True).packed()
