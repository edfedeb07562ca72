"""Which formats each kind of response offers, and the writer of each.

Routes never import a concrete format module: they negotiate against the
offers below and ask :func:`structure_writer` (or the data registry) for the
writer of the chosen format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.media_types import MediaType

StructureWriterFn = Callable[[Sequence[StructureEntry], RenderContext], bytes]

XML_ALIASES = ("application/xml", "text/xml")

STRUCTURE_ML21 = MediaType("structure-ml-2.1", "application/vnd.sdmx.structure+xml", "2.1",
                           aliases=XML_ALIASES, default=True)

STRUCTURE_V1: tuple[MediaType, ...] = (STRUCTURE_ML21,)
"""Structure (and availability) responses of the v1 API."""


def structure_writer(media_type: MediaType) -> StructureWriterFn:
    """The writer for a structure format."""
    if media_type.format_id == "structure-ml-2.1":
        from sdmx_server.formats.sdmx_ml21_structure import write_structures

        return write_structures
    raise KeyError(media_type.format_id)  # pragma: no cover - offers and writers are kept in step
