"""SDMX-JSON 2.1 structure messages (``application/vnd.sdmx.structure+json;version=2.1.0``).

The layout of SDMX 3.0 structures (usage, relationship to the dataflow, measures,
URN references), with SDMX 3.1's AvailabilityConstraints for Actual constraints (availability
answers: their counts as ``seriesCount``/``obsCount``); written by :mod:`sdmx_json_structure_common`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_json_structure_common import JsonFlavour, write_json_structures

FLAVOUR = JsonFlavour(
    schema_url="https://json.sdmx.org/2.1/sdmx-json-structure-schema.json",
    v2=True,
    constraint_role=False,
    availability=True,
)


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """One SDMX-JSON 2.1 structure message."""
    return write_json_structures(entries, ctx, FLAVOUR)
