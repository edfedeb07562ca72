"""SDMX-JSON 2.0 and 2.1 data messages over several dataflows.

``data.structures`` lists one structure per dataflow, each naming its data sets by position
(``dataSets``), and each data set names its structure (``structure``). The data sets and structures are
those of the single-dataflow writer (:mod:`sdmx_server.formats.sdmx_json20_data`), streamed one
dataflow after the other; the structures (whose value lists the data sets' keys refer to) are written
last. SDMX-JSON 1.0 has one ``structure`` per message: it cannot carry several (406).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import orjson

from sdmx_server.formats.data_context import DataContext, Row
from sdmx_server.formats.data_parts import DataPart
from sdmx_server.formats.sdmx_json20_data import Json20Writer
from sdmx_server.formats.sdmx_json21_data import SCHEMA_URL_21, Json21Writer

_FIRST = '{"structure":0,'


class _DataSets(Json20Writer):
    """The data sets of one dataflow inside a message over several: no envelope, its own structure
    index, data set positions counted from ``first_dataset``."""

    def __init__(self, ctx: DataContext, structure: int, first_dataset: int) -> None:
        super().__init__(ctx)
        self.structure_index = structure
        self.first_dataset = first_dataset

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        for n, part in enumerate(super()._parts(batches)):
            if n == 0:
                continue  # `{"meta":...,"data":{"dataSets":[`: the envelope's
            if part.startswith('],"structures":['):
                return  # the tail: the envelope writes every structure at the end
            yield part

    def _open_dataset(self, ds_key: object) -> str:
        head = super()._open_dataset(ds_key)
        assert head.startswith(_FIRST)
        lead = "," if self.n_datasets == 1 and self.first_dataset > 0 else ""
        return lead + f'{{"structure":{self.structure_index},' + head[len(_FIRST) :]

    def structure(self) -> dict[str, object]:
        """This dataflow's entry of ``data.structures`` (once its data sets are written)."""
        out = self._structure()
        out["dataSets"] = list(range(self.first_dataset, self.first_dataset + self.n_datasets))
        return out


def _write(parts: Sequence[DataPart], version: str) -> Iterator[bytes]:
    ctx = parts[0].context
    meta = (Json21Writer(ctx) if version == "2.1" else Json20Writer(ctx))._meta()
    schema = '"$schema":' + orjson.dumps(SCHEMA_URL_21).decode() + "," if version == "2.1" else ""
    yield ("{" + schema + '"meta":' + meta + ',"data":{"dataSets":[').encode()
    structures: list[dict[str, object]] = []
    first = 0
    for n, part in enumerate(parts):
        rows = part.open()
        writer = _DataSets(rows.context, n, first)
        yield from writer.write(rows.batches)
        structures.append(writer.structure())
        first += writer.n_datasets
    yield b'],"structures":[' + b",".join(orjson.dumps(s) for s in structures) + b"]}}"


def write_json20_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """SDMX-JSON 2.0 data over several dataflows."""
    return _write(parts, "2.0")


def write_json21_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """SDMX-JSON 2.1 data over several dataflows."""
    return _write(parts, "2.1")
