"""SDMX-JSON 2.0 data (``application/vnd.sdmx.data+json;version=2.0.0``), streamed in one pass.

The body is laid out as in SDMX-JSON 1.0 (:mod:`sdmx_server.formats.sdmx_json10_data`, whose
streaming writer this reuses): series and observations keyed by value positions, the value lists
written last. What 2.0 changes is the envelope: ``data.structures`` is a list and each data set
names its structure by position; measures are declared (``structure.measures``); attribute
relationships say ``dataflow`` and ``observation``; uncoded values are ``{"value": ...}``; and value
lists are never empty (the schema wants at least one entry).
"""

from __future__ import annotations

from collections.abc import Iterator

from sdmx_server.formats.data_context import DataContext, Row
from sdmx_server.formats.sdmx_json10_data import Json10Writer, _dumps
from sdmx_server.formats.xml_ns import iso

SCHEMA_URL_20 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/"
    "sdmx-json-data-schema.json"
)


class Json20Writer(Json10Writer):
    """Streams one SDMX-JSON 2.0 data message."""

    def __init__(self, ctx: DataContext) -> None:
        super().__init__(ctx)
        self.n_datasets = 0

    def _meta(self) -> str:
        r = self.ctx.render
        meta: dict[str, object] = {
            "schema": SCHEMA_URL_20,
            "id": r.message_id,
            "test": False,
            "prepared": iso(r.prepared),
            "sender": {"id": r.sender},
        }
        langs = list(r.languages.preferred)
        if langs:
            meta["contentLanguages"] = [lang.lower() for lang in langs]
        return _dumps(meta)

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        for part in super()._parts(batches):
            if part.startswith("],") and '"structure":' in part[:20]:
                # the 1.0 tail: `],"structure":{...}` -> `],"structures":[{...}]`
                yield '],"structures":[' + part[len('],"structure":') :] + "]"
            else:
                yield part

    def _open_dataset(self, ds_key: object) -> str:
        self.n_datasets += 1
        return '{"structure":0,' + super()._open_dataset(ds_key)[1:]

    def _structure(self) -> dict[str, object]:
        out = super()._structure()
        ctx = self.ctx
        dims = out["dimensions"]
        assert isinstance(dims, dict)
        for level, entries in dims.items():
            kept = []
            for d in entries:
                if "roles" in d:
                    d["roles"] = ["TIME_PERIOD"]
                if d[
                    "values"
                ]:  # a series-only answer has no time values: the dimension is left out
                    kept.append(d)
            dims[level] = kept
        attrs = out["attributes"]
        assert isinstance(attrs, dict)
        for entries in attrs.values():
            for a in entries:
                rel = a["relationship"]
                if "none" in rel:
                    a["relationship"] = {"dataflow": {}}
                elif "primaryMeasure" in rel:
                    a["relationship"] = {"observation": {}}
                values = [{"value": v["name"]} if "id" not in v else v for v in a["values"]]
                a["values"] = values or [None]
        measure = ctx.info.primary_measure.id
        out["measures"] = {
            "observation": [{"id": measure, "name": ctx.component_names.get(measure, measure)}]
        }
        out["dataSets"] = list(range(max(self.n_datasets, 1)))
        return out


def write_json20(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-JSON 2.0 data."""
    return Json20Writer(ctx).write(batches)
