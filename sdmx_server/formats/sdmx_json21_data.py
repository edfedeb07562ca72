"""SDMX-JSON 2.1 data (``application/vnd.sdmx.data+json;version=2.1.0``, the SDMX 3.1 format).

The body and envelope are those of SDMX-JSON 2.0 (:mod:`sdmx_server.formats.sdmx_json20_data`). What the
2.1 schema changes: the schema is named by a root ``$schema`` (``meta.schema`` is deprecated); every
object is closed (``unevaluatedProperties: false``), so nothing beyond the schema's fields is written;
``meta.contentLanguages`` must list at least one language; and the ``urn`` of a link follows the strict
SDMX URN pattern.
"""

from __future__ import annotations

from collections.abc import Iterator

from sdmx_server.formats.data_context import DataContext, Row
from sdmx_server.formats.sdmx_json10_data import _dumps
from sdmx_server.formats.sdmx_json20_data import Json20Writer
from sdmx_server.formats.xml_ns import iso

SCHEMA_URL_21 = "https://json.sdmx.org/2.1/sdmx-json-data-schema.json"


class Json21Writer(Json20Writer):
    """Streams one SDMX-JSON 2.1 data message."""

    def _meta(self) -> str:
        r = self.ctx.render
        meta: dict[str, object] = {
            "id": r.message_id,
            "test": False,
            "prepared": iso(r.prepared),
            "sender": {"id": r.sender},
        }
        langs = list(dict.fromkeys(lang.lower() for lang in r.languages.preferred))
        if langs:
            meta["contentLanguages"] = langs
        return _dumps(meta)

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        first = True
        for part in super()._parts(batches):
            if first:
                # `{"meta":` -> `{"$schema":"...","meta":`
                first = False
                yield '{"$schema":' + _dumps(SCHEMA_URL_21) + "," + part[1:]
            else:
                yield part


def write_json21(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """SDMX-JSON 2.1 data."""
    return Json21Writer(ctx).write(batches)
