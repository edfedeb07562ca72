"""What every data-message reader yields: a uniform stream of records.

Readers turn SDMX-ML 2.1 (generic, structure-specific), SDMX-ML 3.0 and
SDMX-CSV 1.0/2.0 data messages into :class:`DataRecord` objects, streaming,
with flat memory. They know nothing of codelists or the database: they are
told which components are dimensions, attributes and measures
(:class:`ComponentRoles`) and report where each record came from
(``location``) so that the validator can write a precise error report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sdmx_server.domain.actions import Action
from sdmx_server.domain.kinds import RecordKind, StructureContext

__all__ = ["Action"]  # re-exported: readers yield it


@dataclass(frozen=True)
class StructureRefHint:
    """The structure a message says it is for (from its header or first row)."""

    kind: StructureContext
    agency: str | None
    id: str
    version: str | None


@dataclass
class MessageInfo:
    """What a message says about itself before its data is read."""

    format: str  # one of FORMATS
    structure: StructureRefHint | None = None
    dimension_at_observation: str | None = None
    # SDMX-ML 2.1 ``explicitMeasures="true"``: with the measure dimension at the observation, each
    # ``Obs`` names its measure by its ``xsi:type`` (Eurostat's demography sample).
    explicit_measures: bool = False
    header_id: str | None = None
    prepared: str | None = None
    sender: str | None = None


FORMATS = (
    "sdmx-ml-2.1-generic",
    "sdmx-ml-2.1-structurespecific",
    "sdmx-ml-3.0-structurespecific",
    "sdmx-csv-1.0",
    "sdmx-csv-2.0",
)


@dataclass(frozen=True)
class ComponentRoles:
    """The components of the target DSD, by role, as readers need them."""

    dimensions: tuple[str, ...]  # key dimensions in DSD order, time dimension excluded
    time_dimension: str | None = "TIME_PERIOD"
    primary_measure: str = "OBS_VALUE"
    attributes: frozenset[str] = frozenset()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group id -> dimension ids


@dataclass(slots=True)
class DataRecord:
    """One dataset, group, series or observation of a data message.

    ``key`` holds the values of ``ComponentRoles.dimensions`` in that order,
    ``""`` where a value is not given (a wildcard: only legal in deletions and
    group/series attribute records). For CSV, attribute columns of every
    attachment level arrive on each ``obs`` record; for SDMX-ML, series
    attributes arrive once on a ``series`` record before its observations.
    """

    kind: RecordKind
    action: Action
    location: str  # "line 12", "line 40 (series M.USD.EUR.SP00.A)"
    key: tuple[str, ...] = ()
    period: str = ""
    value: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)  # components not in the DSD
    group_id: str | None = None
    dataset: int = 0  # index of the data set within the message
    valid_from: str | None = None  # data set validFromDate, if given
    valid_to: str | None = None


class DataReadError(Exception):
    """A message that cannot be read on (malformed XML, broken CSV, wrong encoding)."""

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")
