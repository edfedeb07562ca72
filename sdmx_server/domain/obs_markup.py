"""The markup of one observation as a template that the database can fill in (the packed read path).

A format module describes how it writes an observation (literal text and the columns it shows,
with their escaping); :mod:`sdmx_server.storage.packed_read` turns the template into one SQL
expression, so that the database writes each observation's markup and returns one string per
series. Nothing here knows SQL or a format: it is the contract between the two (ADR 0016).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Column = Literal["period", "value", "obs_attr", "key", "series_attr"]
Escape = Literal["none", "xml", "csv"]


@dataclass(frozen=True)
class Slot:
    """A column of the observation (or of its series), with the text around it.

    ``optional`` slots vanish, text around them included, when the column is NULL (an XML
    attribute left out); the others write ``before`` and ``after`` around an empty value (a CSV
    cell left empty). ``name`` is the attribute id for attribute columns and the 1-based key
    position (``"3"``) for ``key``.
    """

    column: Column
    name: str = ""
    before: str = ""
    after: str = ""
    escape: Escape = "none"
    optional: bool = False


@dataclass(frozen=True)
class Wrapper:
    """Text written around some optional slots, only when at least one of them has a value
    (``<gen:Attributes>`` … ``</gen:Attributes>``)."""

    open: str
    close: str
    slots: tuple[Slot, ...]


Part = str | Slot | Wrapper


@dataclass(frozen=True)
class ObsMarkup:
    """An observation's markup: literal text, slots and wrappers, in order. ``separator`` is
    written between two observations of a series."""

    parts: tuple[Part, ...]
    separator: str = ""

    def columns(self) -> set[tuple[Column, str]]:
        """Every column the template reads."""
        out: set[tuple[Column, str]] = set()
        for part in self.parts:
            slots = (
                part.slots
                if isinstance(part, Wrapper)
                else (part,)
                if isinstance(part, Slot)
                else ()
            )
            out |= {(s.column, s.name) for s in slots}
        return out
