"""What a data set, series or row asks the store to do."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    """What a data set, series or row asks for (SDMX-ML action / SDMX-CSV 2.0 ACTION)."""

    INFORMATION = "I"  # loaded as Append
    APPEND = "A"
    REPLACE = "R"
    DELETE = "D"
    MERGE = "M"
