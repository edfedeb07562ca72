"""SDMX-JSON 1.0 structure messages (``application/vnd.sdmx.structure+json;version=1.0.0``), on v1 paths.

The SDMX 2.1 model in JSON (assignmentStatus, primary measure, isFinal);
written by :mod:`sdmx_json_structure_common`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_json_structure_common import JsonFlavour, write_json_structures

FLAVOUR = JsonFlavour(
    schema_url="https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/schemas/1.0/sdmx-json-structure-schema.json",
    v2=False,
    constraints="contentConstraints",
    included="isIncluded",
)


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """One SDMX-JSON 1.0 structure message."""
    return write_json_structures(entries, ctx, FLAVOUR)
