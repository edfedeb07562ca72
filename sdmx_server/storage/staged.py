"""Checked records on their way to the staging table: the contract between validation and storage.

The validator (``services/data_validation.py``) makes them; the write
repository (``storage/data_write_repo.py``) stages and applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdmx_server.domain.actions import Action
from sdmx_server.domain.kinds import UpperLevel

StagedRow = tuple[int, str, str, str, str, str, "str | None", "str | None", str]
"""A checked observation for the staging table: (row, action, series key, period, period start,
period end, value, attributes JSON, location)."""


@dataclass(slots=True)
class StagedObservation:
    """A deletion with a partial key or without a period (expanded against the store)."""

    row: int
    action: Action
    series_key: str
    key: tuple[str, ...]
    period: str
    period_start: str
    period_end: str
    value: str | None
    attrs: str | None  # JSON text of observation-level attributes
    location: str


@dataclass(slots=True)
class StagedAttributes:
    """Attributes above the observation level: level, target key, values."""

    level: UpperLevel
    action: Action
    target_key: str  # "" for dataset; "GROUP:k1.k2.." for groups; the series key for series
    attrs: dict[str, str]
    location: str
