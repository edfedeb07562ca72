"""SDMX-JSON 1.0 data (``application/vnd.sdmx.data+json;version=1.0.0``), streamed in one pass.

The layout is the official schema's: ``{"meta": ..., "data": {"dataSets": [...],
"structure": {...}}}``. JSON objects are unordered, so ``dataSets`` is
written first and ``structure`` last: the value lists (whose positions the
keys refer to) are collected while streaming, and only they are held in
memory, never the observations.

``draft=True`` writes the layout older deployments and sdmx1's reader use
(top-level ``header``, ``dataSets``, ``structure``); it is offered as
``application/vnd.sdmx.draft-sdmx-json+json``.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from sdmx_server.domain.model import urn_of
from sdmx_server.domain.numbers import is_finite_json_number
from sdmx_server.formats.data_context import ALL_DIMENSIONS, DataContext, Row, chunked
from sdmx_server.formats.xml_ns import iso, iso_exact

SCHEMA_URL = "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/1.0/sdmx-json-data-schema.json"


class _Values:
    """Distinct values of one component, in order of first use."""

    __slots__ = ("index", "values")

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def get(self, value: str) -> int:
        i = self.index.get(value)
        if i is None:
            i = self.index[value] = len(self.values)
            self.values.append(value)
        return i


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


class Json10Writer:
    """Streams one SDMX-JSON 1.0 data message."""

    def __init__(self, ctx: DataContext, *, draft: bool = False) -> None:
        self.ctx = ctx
        self.draft = draft
        dims = list(ctx.dim_ids)
        self.layout = (
            "time"
            if ctx.dim_at_obs == ctx.time_id
            else "flat"
            if ctx.dim_at_obs == ALL_DIMENSIONS
            else "cross"
        )
        x = ctx.obs_dim_index
        if self.layout == "time":
            self.series_dims, self.obs_dims = dims, [ctx.time_id]
        elif self.layout == "flat":
            self.series_dims, self.obs_dims = [], dims + [ctx.time_id]
        else:
            assert x is not None
            self.series_dims = [d for i, d in enumerate(dims) if i != x] + [ctx.time_id]
            self.obs_dims = [dims[x]]
        self.values = {d: _Values() for d in dims + [ctx.time_id]}
        attrs = ctx.info.attributes
        with_attrs = ctx.with_attributes
        self.ds_attrs = [a for a in attrs if attrs[a].level == "dataset"] if with_attrs else []
        self.series_attrs = (
            [
                a
                for a in attrs
                if attrs[a].level in ("series", "group") and ctx.presentation(a) != "obs"
            ]
            if with_attrs and self.layout != "flat"
            else []
        )
        self.obs_attrs = (
            [a for a in attrs if a not in self.ds_attrs and a not in self.series_attrs]
            if with_attrs
            else []
        )
        self.attr_values = {a: _Values() for a in attrs}

    def write(self, batches: Iterator[list[Row]]) -> Iterator[bytes]:
        """The message as UTF-8 chunks."""
        return chunked(self._parts(batches))

    # ------------------------------------------------------------------ body

    def _meta(self) -> str:
        r = self.ctx.render
        meta = {
            "id": r.message_id,
            "test": False,
            "prepared": iso(r.prepared),
            "sender": {"id": r.sender},
        }
        if not self.draft:
            meta["schema"] = SCHEMA_URL
            langs = list(r.languages.preferred)
            if langs:
                meta["contentLanguages"] = [lang.lower() for lang in langs]
        return _dumps(meta)

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:  # noqa: C901 - the hot loop, inlined for speed
        ctx = self.ctx
        if self.draft:
            yield '{"header":' + self._meta() + ',"dataSets":['
        else:
            yield '{"meta":' + self._meta() + ',"data":{"dataSets":['
        x = ctx.obs_dim_index
        dims = ctx.dim_ids
        n_attrs = len(ctx.obs_attrs)
        obs_attr_pos = {a: i for i, a in enumerate(ctx.obs_attrs)}
        with_obs = ctx.with_observations
        current_ds: object = _START
        open_series: object = None
        first_obs = True
        first_series = True
        numeric = ctx.info.numeric_measure
        tv = self.values[ctx.time_id]
        for batch in batches:
            sattrs = ctx.series_attrs_for(batch)
            out: list[str] = []
            for row in batch:
                if row[0] != current_ds:
                    if open_series is not None:
                        out.append("}}")
                        open_series = None
                    if current_ds is not _START:
                        out.append("}},")
                    current_ds = row[0]
                    out.append(self._open_dataset(row[0]))
                    first_series = first_obs = True
                key = row[2].split(".")
                extra = sattrs.get(row[1], {})
                if self.layout == "flat":
                    if not with_obs:
                        continue
                    idx = ":".join(
                        [str(self.values[d].get(k)) for d, k in zip(dims, key, strict=True)]
                        + [str(tv.get(row[3]))]
                    )
                    out.append(
                        ("" if first_obs else ",")
                        + f'"{idx}":'
                        + self._obs(row, extra, numeric, n_attrs, obs_attr_pos)
                    )
                    first_obs = False
                    continue
                # Series-only rows (serieskeysonly, nodata) have no observation: no value is
                # recorded for the observation dimension, whose value list then stays empty.
                if self.layout == "time":
                    sid: object = row[1]
                    obs_key = str(tv.get(row[3])) if with_obs else ""
                else:
                    assert x is not None
                    sid = (tuple(k for i, k in enumerate(key) if i != x), row[3])
                    obs_key = str(self.values[dims[x]].get(key[x])) if with_obs else ""
                if sid != open_series:
                    if open_series is not None:
                        out.append("}},")
                    elif not first_series:
                        out.append(",")
                    open_series = sid
                    first_series = False
                    out.append(self._open_series(key, row[3], x, extra))
                    first_obs = True
                if with_obs:
                    out.append(
                        ("" if first_obs else ",")
                        + f'"{obs_key}":'
                        + self._obs(row, extra, numeric, n_attrs, obs_attr_pos)
                    )
                    first_obs = False
            yield "".join(out)
        if open_series is not None:
            yield "}}"
        if current_ds is not _START:
            yield "}}" if self.layout != "flat" else "}}"
        yield "]," + ('"structure":' if self.draft else '"structure":') + _dumps(self._structure())
        yield "}" if self.draft else "}}"

    def _open_dataset(self, ds_key: object) -> str:
        ctx = self.ctx
        info = ctx.dataset_info(ds_key)
        ds: dict[str, object] = {
            "action": info.action or "Information",
            "links": [{"rel": "dataflow", "urn": urn_of(ctx.info.dataflow.ref)}],
        }
        if info.valid_from is not None:
            ds["validFrom"] = iso_exact(info.valid_from)
        if self.ds_attrs:
            ds["attributes"] = [
                self.attr_values[a].get(ctx.dataset_attrs[a]) if a in ctx.dataset_attrs else None
                for a in self.ds_attrs
            ]
        head = _dumps(ds)[:-1]
        return head + (',"observations":{' if self.layout == "flat" else ',"series":{')

    def _group_value(self, attr: str, key: list[str]) -> str | None:
        comp = self.ctx.info.attributes[attr]
        gdims = self.ctx.info.groups.get(comp.group or "", ())
        pos = {d: i for i, d in enumerate(self.ctx.dim_ids)}
        gkey = f"{comp.group}:" + ".".join(key[pos[d]] for d in gdims if d in pos)
        return self.ctx.group_attrs.get(gkey, {}).get(attr)

    def _open_series(
        self, key: list[str], period: str, x: int | None, extra: dict[str, str]
    ) -> str:
        ctx = self.ctx
        parts = []
        for d in self.series_dims:
            value = period if d == ctx.time_id else key[ctx.dim_ids.index(d)]
            parts.append(str(self.values[d].get(value)))
        attrs = []
        for a in self.series_attrs:
            v = (
                extra.get(a)
                if ctx.info.attributes[a].level == "series"
                else self._group_value(a, key)
            )
            attrs.append(self.attr_values[a].get(v) if v is not None else None)
        head = f'"{":".join(parts)}":{{'
        if attrs:
            head += '"attributes":' + _dumps(attrs) + ","
        return head + '"observations":{'

    def _obs(
        self, row: Row, extra: dict[str, str], numeric: bool, n: int, pos: dict[str, int]
    ) -> str:
        value = row[4]
        if value is None or value in ("NaN", "INF", "-INF"):
            v = "null"
        elif numeric:
            # A number stored before overflows were refused would parse as infinity: written null.
            v = value if is_finite_json_number(value) else "null"
        else:
            v = _dumps(value)
        if not self.obs_attrs:
            return "[" + v + "]"
        cells = [v]
        for a in self.obs_attrs:
            i = pos.get(a)
            av = row[5 + i] if i is not None and i < n else extra.get(a)
            if av is None and i is None and self.ctx.info.attributes[a].level == "group":
                av = self._group_value(a, row[2].split("."))
            cells.append("null" if av is None else str(self.attr_values[a].get(av)))
        return "[" + ",".join(cells) + "]"

    # ------------------------------------------------------------------ structure

    def _structure(self) -> dict[str, object]:
        ctx = self.ctx
        df = ctx.info.dataflow
        names = ctx.code_labels
        comp_names = ctx.component_names
        positions = {d: i for i, d in enumerate(ctx.dim_ids)}
        positions[ctx.time_id] = len(ctx.dim_ids)

        def dim(d: str) -> dict[str, object]:
            labels = names.get(d, {})
            vals = [{"id": v, "name": labels.get(v, v)} for v in self.values[d].values]
            out: dict[str, object] = {
                "id": d,
                "name": comp_names.get(d, d),
                "keyPosition": positions[d],
                "values": vals,
            }
            if d == ctx.time_id:
                out["roles"] = ["time"]
            return out

        def attr(a: str) -> dict[str, object]:
            comp = ctx.info.attributes[a]
            labels = names.get(a, {})
            if comp.codes is not None:
                vals = [{"id": v, "name": labels.get(v, v)} for v in self.attr_values[a].values]
            else:
                vals = [{"name": v} for v in self.attr_values[a].values]
            return {
                "id": a,
                "name": comp_names.get(a, a),
                "relationship": self._relationship(a),
                "values": vals,
            }

        return {
            "links": [
                {
                    "rel": "dataflow",
                    "urn": urn_of(df.ref),
                    "href": f"{ctx.render.public_url}/rest/dataflow/{df.agency}/{df.id}/{df.version}",
                }
            ],
            "name": next(iter(ctx.render.languages.select(df.names).values()), df.id),
            "dimensions": {
                "dataSet": [],
                "series": [dim(d) for d in self.series_dims],
                "observation": [dim(d) for d in self.obs_dims],
            },
            "attributes": {
                "dataSet": [attr(a) for a in self.ds_attrs],
                "series": [attr(a) for a in self.series_attrs],
                "observation": [attr(a) for a in self.obs_attrs],
            },
        }

    def _relationship(self, attr_id: str) -> dict[str, object]:
        info = self.ctx.info
        comp = info.attributes[attr_id]
        if comp.level == "dataset":
            return {"none": {}}
        if comp.level == "obs":
            return {"primaryMeasure": info.primary_measure.id}
        if comp.level == "group":
            return {"dimensions": list(info.groups.get(comp.group or "", ()))}
        dsd = info.dsd.details
        for a in getattr(dsd, "attributes", []):
            if a.id == attr_id and a.relationship is not None and a.relationship.dimensions:
                return {"dimensions": list(a.relationship.dimensions)}
        return {"dimensions": list(info.dimension_ids)}


_START = object()


def write_json10(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-JSON 1.0 data, official layout."""
    return Json10Writer(ctx).write(batches)


def write_json10_draft(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-JSON 1.0 data, the draft layout of older deployments (readable by sdmx1)."""
    return Json10Writer(ctx, draft=True).write(batches)
