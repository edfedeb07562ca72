"""SDMX-JSON 2.0 structure messages (``application/vnd.sdmx.structure+json;version=2.0.0``).

The layout of SDMX 3.0 structures (usage, relationship to the dataflow, measures,
URN references); written by :mod:`sdmx_json_structure_common`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_json_structure_common import JsonFlavour, write_json_structures

FLAVOUR = JsonFlavour(
    schema_url="https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/schemas/2.0.0/sdmx-json-structure-schema.json",
    v2=True,
)


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """One SDMX-JSON 2.0 structure message."""
    return write_json_structures(entries, ctx, FLAVOUR)
