"""A dataflow's structure, compiled for validating and serving data (the value objects).

:mod:`sdmx_server.services.dsd_info` builds them from the store; readers,
validators and writers only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sdmx_server.domain.kinds import AttachmentLevel, StructureContext
from sdmx_server.domain.model import Artefact, MaintainableRef

NUMERIC_TYPES = frozenset(
    {
        "Double",
        "Float",
        "Decimal",
        "Integer",
        "Long",
        "Short",
        "BigInteger",
        "Count",
        "Numeric",
        "InclusiveValueRange",
        "ExclusiveValueRange",
        "Incremental",
    }
)


@dataclass
class ComponentInfo:
    """What the validator and writers need of one component."""

    id: str
    codes: frozenset[str] | None = None  # None: not enumerated
    codelist: MaintainableRef | None = None
    text_type: str | None = None
    facets: dict[str, str] = field(default_factory=dict)
    mandatory: bool = False
    level: AttachmentLevel = "obs"  # attributes
    group: str | None = None


@dataclass
class Region:
    """One include or exclude cube region of an Allowed constraint, as sets."""

    include: bool
    values: dict[str, frozenset[str]]  # component id -> values (dimensions and attributes)
    excluded: dict[str, frozenset[str]]  # component id -> values excluded inside an include region
    time_start: str | None = None  # storage-form bounds of a TIME_PERIOD time range
    time_end: str | None = None


@dataclass
class ConstraintInfo:
    """An Allowed content constraint that applies to the data."""

    ref: MaintainableRef
    level: StructureContext  # what the constraint is attached to
    regions: list[Region]
    key_sets: list[tuple[bool, list[dict[str, str]]]]


@dataclass
class DsdInfo:
    """A dataflow and its DSD, compiled."""

    dataflow: Artefact
    dsd: Artefact
    dataflow_pk: int
    dimensions: list[ComponentInfo]  # key dimensions, in order (time excluded)
    time_dimension: str | None
    primary_measure: ComponentInfo
    attributes: dict[str, ComponentInfo]
    groups: dict[str, tuple[str, ...]]
    constraints: list[ConstraintInfo]
    freq_dimension: str | None
    is_public: bool = True
    provider_pks: frozenset[int] = (
        frozenset()
    )  # data providers with a provision agreement for the dataflow
    # every attribute of the DSD when an ``attributes`` projection left some out of ``attributes``
    # (a ``c[]`` filter may name an attribute the answer does not show)
    unprojected_attributes: dict[str, ComponentInfo] | None = None

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        """Key dimension ids in order."""
        return tuple(d.id for d in self.dimensions)

    @property
    def numeric_measure(self) -> bool:
        """True when OBS_VALUE must be a number (numeric type, or no representation given)."""
        t = self.primary_measure.text_type
        return t is None or t in NUMERIC_TYPES

    @property
    def all_attributes(self) -> dict[str, ComponentInfo]:
        """Every attribute of the DSD, whatever the projection shows."""
        if self.unprojected_attributes is not None:
            return self.unprojected_attributes
        return self.attributes

    def group_key_positions(self, group: str) -> tuple[int, ...]:
        """0-based key positions of a group's dimensions, in the group's order: the parts of the
        target key ``GROUP:v1.v2`` its attribute values are stored under (the time dimension is
        not part of it)."""
        positions = {d.id: n for n, d in enumerate(self.dimensions)}
        return tuple(positions[d] for d in self.groups.get(group, ()) if d in positions)

    def attribute_ids(self, level: AttachmentLevel) -> list[str]:
        """Attributes attached at this level, in DSD order."""
        return [a.id for a in self.attributes.values() if a.level == level]

    @property
    def urn_namespace(self) -> str:
        """The structure-specific data namespace of the dataflow (dimension at observation added by writers)."""
        d = self.dataflow
        return f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={d.agency}:{d.id}({d.version})"
