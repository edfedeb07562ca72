"""SDMX-ML 3.1 Structure messages: the 3.0 writer with the 3.1 namespaces.

The 3.1 schemas change nothing this server writes (their additions, such as
availability constraints and dataflow dimension constraints, are optional).
"""

from __future__ import annotations

from collections.abc import Sequence

from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_ml30_structure import StructureWriter3


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """One SDMX-ML 3.1 Structure message."""
    return StructureWriter3(ctx, "1").write(entries)
