"""What a writer of a message over several dataflows is given: one part per data set's structure.

Each part's context is known before any row is read (every structure goes in the header, or in the
SDMX-CSV column list, first); its rows are read only when the writer reaches it (:meth:`DataPart.open`),
so that one read session streams the dataflows one after the other. The body of each part is written by
the format's single-dataflow writer; the modules ``*_several.py`` only write the envelope around them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sdmx_server.formats.data_context import DataContext, Row


@dataclass
class PartRows:
    """The rows of one part, once opened: row batches, or (SDMX-CSV) the lines the database wrote."""

    context: DataContext
    batches: Iterator[list[Row]]
    raw_csv: Iterator[bytes] | None = (
        None  # SDMX-CSV 1.0 lines written by the database (then batches is empty)
    )


@dataclass
class DataPart:
    """One dataflow (or provision agreement) of a message over several."""

    context: DataContext
    open: Callable[[], PartRows]


SeveralWriterFn = Callable[[Sequence[DataPart]], Iterator[bytes]]
