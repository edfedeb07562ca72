"""The structural-metadata model the server stores and serves.

A small, typed subset of the SDMX information model (SDMX 2.1, with the
parts of 3.0 that map onto it). sdmx1 reads incoming messages
(:mod:`sdmx_server.readers.sdmx1_structures` converts its objects into these), the storage
layer persists them, and the format writers serialise them. Keeping our own
model decouples the store and the writers from sdmx1's internals and lets
every type-specific part round-trip through JSON.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Localised = dict[str, str]
"""Text in several languages: ``{"en": "Morocco", "fr": "Maroc"}``."""


class ArtefactType(enum.StrEnum):
    """Maintainable artefact types the store holds (value = SDMX REST v1 resource name)."""

    AGENCY_SCHEME = "agencyscheme"
    DATA_PROVIDER_SCHEME = "dataproviderscheme"
    DATA_CONSUMER_SCHEME = "dataconsumerscheme"
    ORGANISATION_UNIT_SCHEME = "organisationunitscheme"
    CODELIST = "codelist"
    CONCEPT_SCHEME = "conceptscheme"
    CATEGORY_SCHEME = "categoryscheme"
    CATEGORISATION = "categorisation"
    DATA_STRUCTURE = "datastructure"
    DATAFLOW = "dataflow"
    PROVISION_AGREEMENT = "provisionagreement"
    CONTENT_CONSTRAINT = "contentconstraint"

    @property
    def info(self) -> TypeInfo:
        """SDMX class names and packages of this type."""
        return TYPE_INFO[self]

    @property
    def is_item_scheme(self) -> bool:
        """True for types that hold items (codes, concepts, ...)."""
        return TYPE_INFO[self].item_class is not None

    @property
    def is_organisation_scheme(self) -> bool:
        """True for agency, data provider, data consumer and organisation unit schemes."""
        return self in ORGANISATION_SCHEMES


class TypeInfo(BaseModel):
    """How one artefact type is named in SDMX-ML and URNs."""

    model_config = ConfigDict(frozen=True)

    cls: str  # SDMX-ML 2.1 class, e.g. "Codelist", "DataStructure"
    package: str  # URN / Ref package, e.g. "codelist", "datastructure"
    item_class: str | None = None  # e.g. "Code"
    v3_resource: str | None = None  # SDMX REST v2 structure type


TYPE_INFO: dict[ArtefactType, TypeInfo] = {
    ArtefactType.AGENCY_SCHEME: TypeInfo(
        cls="AgencyScheme", package="base", item_class="Agency", v3_resource="agencyscheme"
    ),
    ArtefactType.DATA_PROVIDER_SCHEME: TypeInfo(
        cls="DataProviderScheme",
        package="base",
        item_class="DataProvider",
        v3_resource="dataproviderscheme",
    ),
    ArtefactType.DATA_CONSUMER_SCHEME: TypeInfo(
        cls="DataConsumerScheme",
        package="base",
        item_class="DataConsumer",
        v3_resource="dataconsumerscheme",
    ),
    ArtefactType.ORGANISATION_UNIT_SCHEME: TypeInfo(
        cls="OrganisationUnitScheme",
        package="base",
        item_class="OrganisationUnit",
        v3_resource="organisationunitscheme",
    ),
    ArtefactType.CODELIST: TypeInfo(
        cls="Codelist", package="codelist", item_class="Code", v3_resource="codelist"
    ),
    ArtefactType.CONCEPT_SCHEME: TypeInfo(
        cls="ConceptScheme",
        package="conceptscheme",
        item_class="Concept",
        v3_resource="conceptscheme",
    ),
    ArtefactType.CATEGORY_SCHEME: TypeInfo(
        cls="CategoryScheme",
        package="categoryscheme",
        item_class="Category",
        v3_resource="categoryscheme",
    ),
    ArtefactType.CATEGORISATION: TypeInfo(
        cls="Categorisation", package="categoryscheme", v3_resource="categorisation"
    ),
    ArtefactType.DATA_STRUCTURE: TypeInfo(
        cls="DataStructure", package="datastructure", v3_resource="datastructure"
    ),
    ArtefactType.DATAFLOW: TypeInfo(
        cls="Dataflow", package="datastructure", v3_resource="dataflow"
    ),
    ArtefactType.PROVISION_AGREEMENT: TypeInfo(
        cls="ProvisionAgreement", package="registry", v3_resource="provisionagreement"
    ),
    ArtefactType.CONTENT_CONSTRAINT: TypeInfo(
        cls="ContentConstraint", package="registry", v3_resource="dataconstraint"
    ),
}

ORGANISATION_SCHEMES = frozenset(
    {
        ArtefactType.AGENCY_SCHEME,
        ArtefactType.DATA_PROVIDER_SCHEME,
        ArtefactType.DATA_CONSUMER_SCHEME,
        ArtefactType.ORGANISATION_UNIT_SCHEME,
    }
)

# Agency schemes, data provider and consumer schemes have a fixed id and version in SDMX 2.1.
FIXED_SCHEME_IDS: dict[ArtefactType, str] = {
    ArtefactType.AGENCY_SCHEME: "AGENCIES",
    ArtefactType.DATA_PROVIDER_SCHEME: "DATA_PROVIDERS",
    ArtefactType.DATA_CONSUMER_SCHEME: "DATA_CONSUMERS",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Annotation(_Model):
    """An SDMX annotation; ``texts`` holds AnnotationText by language."""

    id: str | None = None
    title: str | None = None
    type: str | None = None
    url: str | None = None
    texts: Localised = Field(default_factory=dict)
    value: str | None = None  # SDMX 3.0 AnnotationValue


class MaintainableRef(_Model):
    """Reference to a maintainable artefact by type, agency, id and version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ArtefactType
    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.type.info.cls}={self.agency}:{self.id}({self.version})"

    @property
    def triplet(self) -> str:
        """``AGENCY:ID(VERSION)``, the form SDMX-CSV and messages use."""
        return f"{self.agency}:{self.id}({self.version})"


class ItemRef(_Model):
    """Reference to an item (code, concept, category, organisation) inside a scheme."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: MaintainableRef
    item_id: str  # for nested categories, the dot-separated path

    def __str__(self) -> str:
        return f"{self.scheme}.{self.item_id}"


class Representation(_Model):
    """Core or local representation: an enumeration and/or format facets."""

    enumeration: MaintainableRef | None = None
    # Facets with their SDMX-ML attribute names: textType, minLength, maxLength,
    # pattern, isSequence, startValue, endValue, interval, timeInterval,
    # startTime, endTime, minValue, maxValue, decimals, isMultiLingual.
    text_format: dict[str, str] | None = None
    enumeration_format: dict[str, str] | None = None


class Contact(_Model):
    """An organisation's contact details."""

    names: Localised = Field(default_factory=dict)
    departments: Localised = Field(default_factory=dict)
    roles: Localised = Field(default_factory=dict)
    telephone: list[str] = Field(default_factory=list)
    fax: list[str] = Field(default_factory=list)
    x400: list[str] = Field(default_factory=list)
    uri: list[str] = Field(default_factory=list)
    email: list[str] = Field(default_factory=list)


class Item(_Model):
    """A code, concept, category or organisation."""

    id: str
    names: Localised = Field(default_factory=dict)
    descriptions: Localised = Field(default_factory=dict)
    annotations: list[Annotation] = Field(default_factory=list)
    parent: str | None = None  # id of the parent item in the same scheme
    uri: str | None = None
    # Concept: core representation and ISO concept reference (kept verbatim).
    core_representation: Representation | None = None
    # Organisations: contacts.
    contacts: list[Contact] = Field(default_factory=list)


# --- Data structure definitions -------------------------------------------------

ComponentKind = Literal["dimension", "time", "measure", "attribute", "primary_measure"]


class AttributeRelationship(_Model):
    """What an attribute is attached to (SDMX 2.1 AttributeRelationship)."""

    kind: Literal["none", "dimensions", "group", "primary_measure"] = "none"
    dimensions: list[str] = Field(default_factory=list)
    attachment_groups: list[str] = Field(default_factory=list)
    group: str | None = None


class Component(_Model):
    """A dimension, time dimension, measure dimension, attribute or primary measure."""

    id: str
    kind: ComponentKind
    position: int | None = None
    concept: ItemRef | None = None
    roles: list[ItemRef] = Field(default_factory=list)
    representation: Representation | None = None
    annotations: list[Annotation] = Field(default_factory=list)
    # Attributes only.
    assignment_status: Literal["Mandatory", "Conditional"] | None = None
    relationship: AttributeRelationship | None = None


class Group(_Model):
    """A group of dimensions (SDMX 2.1 GroupDimensionDescriptor)."""

    id: str
    dimensions: list[str]
    annotations: list[Annotation] = Field(default_factory=list)


class DsdDetails(_Model):
    """Components of a data structure definition."""

    kind: Literal["datastructure"] = "datastructure"
    dimensions: list[Component] = Field(
        default_factory=list
    )  # includes time and measure dimensions, in order
    attributes: list[Component] = Field(default_factory=list)
    primary_measure: Component | None = None
    groups: list[Group] = Field(default_factory=list)

    @property
    def time_dimension(self) -> Component | None:
        """The time dimension, if any."""
        return next((d for d in self.dimensions if d.kind == "time"), None)

    @property
    def key_dimensions(self) -> list[Component]:
        """Dimensions that form the series key (every dimension but time), in order."""
        return [d for d in self.dimensions if d.kind != "time"]

    @property
    def measure_dimension(self) -> Component | None:
        """The measure dimension, if any."""
        return next((d for d in self.dimensions if d.kind == "measure"), None)


class DataflowDetails(_Model):
    """What a dataflow (or v2.1 'structure usage') points at."""

    kind: Literal["dataflow"] = "dataflow"
    structure: MaintainableRef


class ProvisionAgreementDetails(_Model):
    """Which data provider supplies which dataflow."""

    kind: Literal["provisionagreement"] = "provisionagreement"
    dataflow: MaintainableRef
    data_provider: ItemRef


class CategorisationDetails(_Model):
    """Links any identifiable artefact to a category."""

    kind: Literal["categorisation"] = "categorisation"
    source: MaintainableRef
    target: ItemRef


class TimeRange(_Model):
    """Time range of a cube-region key value (SDMX 2.1 TimeRangeValueType)."""

    start: str | None = None
    start_inclusive: bool = True
    end: str | None = None
    end_inclusive: bool = True


class KeyValue(_Model):
    """One component of a cube region with its allowed (or excluded) values."""

    id: str
    values: list[str] = Field(default_factory=list)
    include: bool = True
    time_range: TimeRange | None = None
    # Values with a cascade flag (SDMX 3.0 "cascadeValues" / 2.1 has none).
    cascade: list[str] = Field(default_factory=list)


class CubeRegion(_Model):
    """A cube region: key values (dimensions) and attribute values."""

    include: bool = True
    key_values: list[KeyValue] = Field(default_factory=list)
    attributes: list[KeyValue] = Field(default_factory=list)


class DataKeySet(_Model):
    """A set of full or partial keys, included or excluded."""

    include: bool = True
    keys: list[dict[str, str]] = Field(default_factory=list)


class ConstraintAttachmentRef(_Model):
    """What a content constraint is attached to."""

    ref: MaintainableRef | None = None
    item: ItemRef | None = None  # data provider


class ConstraintDetails(_Model):
    """A content constraint (allowed or actual)."""

    kind: Literal["contentconstraint"] = "contentconstraint"
    role: Literal["Allowed", "Actual"] = "Allowed"
    attachments: list[ConstraintAttachmentRef] = Field(default_factory=list)
    cube_regions: list[CubeRegion] = Field(default_factory=list)
    data_key_sets: list[DataKeySet] = Field(default_factory=list)
    reference_period: TimeRange | None = None


Details = Annotated[
    DsdDetails
    | DataflowDetails
    | ProvisionAgreementDetails
    | CategorisationDetails
    | ConstraintDetails,
    Field(discriminator="kind"),
]


class Artefact(_Model):
    """A maintainable artefact with its items (item schemes) or type-specific details."""

    type: ArtefactType
    agency: str
    id: str
    version: str = "1.0"
    is_final: bool = False
    is_external_reference: bool = False
    is_partial: bool = False
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    uri: str | None = None
    service_url: str | None = None
    structure_url: str | None = None
    names: Localised = Field(default_factory=dict)
    descriptions: Localised = Field(default_factory=dict)
    annotations: list[Annotation] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    details: Details | None = None

    @property
    def ref(self) -> MaintainableRef:
        """This artefact's reference."""
        return MaintainableRef(type=self.type, agency=self.agency, id=self.id, version=self.version)

    def __str__(self) -> str:
        return str(self.ref)

    def references(self) -> list[tuple[str, MaintainableRef, str | None]]:
        """Every artefact (and item) this artefact refers to, as (role, target, item id)."""
        return list(_references(self))


def _representation_refs(
    prefix: str, rep: Representation | None
) -> list[tuple[str, MaintainableRef, str | None]]:
    if rep is not None and rep.enumeration is not None:
        return [(f"{prefix}/enumeration", rep.enumeration, None)]
    return []


def _references(artefact: Artefact) -> list[tuple[str, MaintainableRef, str | None]]:
    refs: list[tuple[str, MaintainableRef, str | None]] = []
    for item in artefact.items:
        refs += _representation_refs(f"item:{item.id}", item.core_representation)
    details = artefact.details
    if isinstance(details, DsdDetails):
        components = list(details.dimensions) + list(details.attributes)
        if details.primary_measure is not None:
            components.append(details.primary_measure)
        for comp in components:
            if comp.concept is not None:
                refs.append(
                    (f"component:{comp.id}/concept", comp.concept.scheme, comp.concept.item_id)
                )
            for n, role in enumerate(comp.roles):
                refs.append((f"component:{comp.id}/role{n}", role.scheme, role.item_id))
            refs += _representation_refs(f"component:{comp.id}", comp.representation)
    elif isinstance(details, DataflowDetails):
        refs.append(("structure", details.structure, None))
    elif isinstance(details, ProvisionAgreementDetails):
        refs.append(("dataflow", details.dataflow, None))
        refs.append(("dataProvider", details.data_provider.scheme, details.data_provider.item_id))
    elif isinstance(details, CategorisationDetails):
        refs.append(("source", details.source, None))
        refs.append(("target", details.target.scheme, details.target.item_id))
    elif isinstance(details, ConstraintDetails):
        for n, att in enumerate(details.attachments):
            if att.item is not None:
                refs.append((f"attachment{n}", att.item.scheme, att.item.item_id))
            elif att.ref is not None:
                refs.append((f"attachment{n}", att.ref, None))
    return refs


def urn_of(ref: MaintainableRef) -> str:
    """The SDMX URN of a maintainable artefact."""
    info = ref.type.info
    return f"urn:sdmx:org.sdmx.infomodel.{info.package}.{info.cls}={ref.agency}:{ref.id}({ref.version})"


def item_urn_of(ref: ItemRef) -> str:
    """The SDMX URN of an item; agencies in SDMX:AGENCIES use the short form."""
    scheme = ref.scheme
    info = scheme.type.info
    if scheme.type is ArtefactType.AGENCY_SCHEME:
        if scheme.agency == "SDMX":
            return f"urn:sdmx:org.sdmx.infomodel.base.Agency={ref.item_id}"
        return f"urn:sdmx:org.sdmx.infomodel.base.Agency={scheme.agency}.{ref.item_id}"
    return (
        f"urn:sdmx:org.sdmx.infomodel.{info.package}.{info.item_class}="
        f"{scheme.agency}:{scheme.id}({scheme.version}).{ref.item_id}"
    )


# SDMX REST structure types (and names from SDMX 2.1) that exist but that this server does not store:
# the one list the v2 structure queries (404, nothing added as a reference) and structure writes
# (501) answer from.
SDMX3_TYPES_NOT_STORED = frozenset(
    {
        "categoryschememap",
        "conceptschememap",
        "customtypescheme",
        "geographiccodelist",
        "geogridcodelist",
        "hierarchicalcodelist",
        "hierarchy",
        "hierarchyassociation",
        "metadataconstraint",
        "metadataflow",
        "metadataproviderscheme",
        "metadataprovisionagreement",
        "metadatastructure",
        "namepersonalisationscheme",
        "organisationschememap",
        "process",
        "reportingtaxonomy",
        "reportingtaxonomymap",
        "representationmap",
        "rulesetscheme",
        "structuremap",
        "structureset",
        "transformationscheme",
        "userdefinedoperatorscheme",
        "valuelist",
        "vtlmappingscheme",
    }
)
