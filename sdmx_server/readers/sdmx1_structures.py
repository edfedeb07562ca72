"""Read SDMX-ML 2.1 / 3.0 structure messages (sdmx1 is the reader) into our model.

:func:`read_structure_file` returns the artefacts of one file plus the
constructs we refuse (each named, never silently dropped). Storing is the
job of :class:`sdmx_server.services.structure_store.StructureStore`.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sdmx
import sdmx.reader.xml.v30  # noqa: F401  (sdmx1 bug: import before any SS 2.1 read; see clients.md §1c)
from lxml import etree
from sdmx.model import common

from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    AttributeRelationship,
    CategorisationDetails,
    Component,
    ConstraintAttachmentRef,
    ConstraintDetails,
    Contact,
    CubeRegion,
    DataflowDetails,
    DataKeySet,
    DsdDetails,
    Group,
    Item,
    ItemRef,
    KeyValue,
    MaintainableRef,
    ProvisionAgreementDetails,
    Representation,
    TimeRange,
)

log = logging.getLogger(__name__)

# sdmx1 class name -> our type.
CLASS_TYPES: dict[str, ArtefactType] = {
    "AgencyScheme": ArtefactType.AGENCY_SCHEME,
    "DataProviderScheme": ArtefactType.DATA_PROVIDER_SCHEME,
    "DataConsumerScheme": ArtefactType.DATA_CONSUMER_SCHEME,
    "OrganisationUnitScheme": ArtefactType.ORGANISATION_UNIT_SCHEME,
    "Codelist": ArtefactType.CODELIST,
    "ConceptScheme": ArtefactType.CONCEPT_SCHEME,
    "CategoryScheme": ArtefactType.CATEGORY_SCHEME,
    "Categorisation": ArtefactType.CATEGORISATION,
    "DataStructureDefinition": ArtefactType.DATA_STRUCTURE,
    "DataflowDefinition": ArtefactType.DATAFLOW,
    "Dataflow": ArtefactType.DATAFLOW,
    "ProvisionAgreement": ArtefactType.PROVISION_AGREEMENT,
    "ContentConstraint": ArtefactType.CONTENT_CONSTRAINT,
    "DataConstraint": ArtefactType.CONTENT_CONSTRAINT,
}

# Constructs the store does not model: refused by name.
UNSUPPORTED: dict[str, str] = {
    "GeographicCodelist": "geographic codelist (SDMX 3.0)",
    "GeoGridCodelist": "geographic grid codelist (SDMX 3.0)",
    "ValueList": "value list (SDMX 3.0)",
    "HierarchicalCodelist": "hierarchical codelist",
    "Hierarchy": "hierarchy (SDMX 3.0)",
    "HierarchyAssociation": "hierarchy association (SDMX 3.0)",
    "StructureSet": "structure set",
    "MetadataStructureDefinition": "metadata structure definition",
    "MetadataflowDefinition": "metadataflow",
    "Metadataflow": "metadataflow",
    "MetadataConstraint": "metadata constraint",
    "MetadataProviderScheme": "metadata provider scheme",
    "TransformationScheme": "VTL transformation scheme",
    "RulesetScheme": "VTL ruleset scheme",
    "UserDefinedOperatorScheme": "VTL user-defined operator scheme",
    "NamePersonalisationScheme": "VTL name personalisation scheme",
    "CustomTypeScheme": "VTL custom type scheme",
    "VTLMappingScheme": "VTL mapping scheme",
    "ReportingTaxonomy": "reporting taxonomy",
    "Process": "process",
}


@dataclass
class ReadResult:
    """Artefacts read from one message, plus refusals (artefact, reason)."""

    artefacts: list[Artefact] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    sdmx_version: str = "2.1"
    # What was left out of an artefact that is stored (e.g. metadata attributes of a DSD), by artefact.
    warnings: dict[MaintainableRef, list[str]] = field(default_factory=dict)


class NotAStructureMessage(Exception):
    """The file is not an SDMX structure message, or cannot be read at all."""


# --------------------------------------------------------------------- helpers


def _localised(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    locs = getattr(value, "localizations", None)
    if locs is None:
        return {"en": str(value)} if str(value) else {}
    return {str(k): str(v) for k, v in locs.items() if v is not None}


def _annotations(obj: Any) -> list[Annotation]:
    out = []
    for a in getattr(obj, "annotations", None) or []:
        out.append(
            Annotation(
                id=a.id,
                title=a.title,
                type=a.type,
                url=a.url,
                texts=_localised(a.text),
                value=getattr(a, "value", None),
            )
        )
    return out


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _type_of(obj: Any) -> ArtefactType | None:
    for cls in type(obj).__mro__:
        if cls.__name__ in CLASS_TYPES:
            return CLASS_TYPES[cls.__name__]
    return None


def _maintainable_ref(obj: Any, type_: ArtefactType | None = None) -> MaintainableRef:
    type_ = type_ or _type_of(obj)
    if type_ is None:
        raise ValueError(
            f"{type(obj).__name__} {getattr(obj, 'id', '?')} is not a type this server stores"
        )
    agency = obj.maintainer.id if getattr(obj, "maintainer", None) is not None else None
    version = str(obj.version) if getattr(obj, "version", None) else None
    if agency is None or version is None:
        urn = getattr(obj, "urn", None)
        if urn:
            m = re.search(r"=([^:]+):([^(]+)\(([^)]+)\)", urn)
            if m:
                agency = agency or m.group(1)
                version = version or m.group(3)
    return MaintainableRef(type=type_, agency=agency or "SDMX", id=obj.id, version=version or "1.0")


def _scheme_of(item: Any) -> Any:
    parent = item.parent
    while parent is not None and isinstance(parent, common.Item):
        parent = parent.parent
    return parent


def _item_path(item: Any) -> str:
    parts = [item.id]
    parent = item.parent
    while isinstance(parent, common.Item):
        parts.append(parent.id)
        parent = parent.parent
    return ".".join(reversed(parts))


def _item_ref(item: Any, scheme_type: ArtefactType, *, nested: bool = False) -> ItemRef:
    scheme = _scheme_of(item)
    if scheme is None:
        urn = getattr(item, "urn", None) or ""
        m = re.search(r"=([^:]+):([^(]+)\(([^)]+)\)\.(.+)$", urn)
        if not m:
            raise ValueError(f"cannot tell which scheme item {item.id} belongs to")
        ref = MaintainableRef(
            type=scheme_type, agency=m.group(1), id=m.group(2), version=m.group(3)
        )
        return ItemRef(scheme=ref, item_id=m.group(4))
    return ItemRef(
        scheme=_maintainable_ref(scheme, scheme_type),
        item_id=_item_path(item) if nested else item.id,
    )


_FACET_NAMES = {
    "is_sequence": "isSequence",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_value": "minValue",
    "max_value": "maxValue",
    "start_value": "startValue",
    "end_value": "endValue",
    "interval": "interval",
    "time_interval": "timeInterval",
    "decimals": "decimals",
    "pattern": "pattern",
    "start_time": "startTime",
    "end_time": "endTime",
    "sentinel_values": "sentinelValues",
}


def _facet_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "total_seconds"):
        return _duration(value)
    return str(value)


def _duration(td: Any) -> str:
    seconds = int(td.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    if hours or minutes or secs or not days:
        out += (
            "T"
            + (f"{hours}H" if hours else "")
            + (f"{minutes}M" if minutes else "")
            + (f"{secs}S" if secs or not (hours or minutes) else "")
        )
    return out


def _text_type(value_type: Any) -> str:
    name = value_type.name
    return "URI" if name == "uri" else name[0].upper() + name[1:]


def _facets(facets: Iterable[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for facet in facets:
        ft = facet.type
        for attr, xml_name in _FACET_NAMES.items():
            value = getattr(ft, attr, None)
            if value is not None:
                out[xml_name] = _facet_value(value)
        if facet.value_type is not None:
            out["textType"] = _text_type(facet.value_type)
    return out


def _representation(
    rep: Any, enum_type: ArtefactType = ArtefactType.CODELIST
) -> Representation | None:
    if rep is None:
        return None
    enumerated = getattr(rep, "enumerated", None)
    facets = _facets(getattr(rep, "non_enumerated", None) or [])
    if enumerated is None and not facets:
        return None
    if enumerated is not None:
        type_ = _type_of(enumerated) or enum_type
        return Representation(
            enumeration=_maintainable_ref(enumerated, type_), enumeration_format=facets or None
        )
    return Representation(text_format=facets)


def _contact(c: Any) -> Contact:
    tel = c.telephone
    return Contact(
        names=_localised(c.name),
        departments=_localised(c.org_unit),
        roles=_localised(c.responsibility),
        telephone=[tel] if isinstance(tel, str) and tel else list(tel or []),
        fax=list(c.fax or []),
        uri=list(c.uri or []),
        email=list(c.email or []),
    )


# --------------------------------------------------------------------- artefacts


def _base(obj: Any, type_: ArtefactType) -> dict[str, Any]:
    ref = _maintainable_ref(obj, type_)
    return {
        "type": type_,
        "agency": ref.agency,
        "id": ref.id,
        "version": ref.version,
        "is_final": _flag(obj.is_final),
        "is_external_reference": _flag(obj.is_external_reference),
        "valid_from": _datetime(obj.valid_from),
        "valid_to": _datetime(obj.valid_to),
        "uri": obj.uri,
        "service_url": obj.service_url,
        "structure_url": obj.structure_url,
        "names": _localised(obj.name),
        "descriptions": _localised(obj.description),
        "annotations": _annotations(obj),
    }


def _item_scheme(obj: Any, type_: ArtefactType) -> Artefact:
    nested = type_ is ArtefactType.CATEGORY_SCHEME
    items: list[Item] = []
    for item in _ordered_items(obj):
        parent = item.parent if isinstance(item.parent, common.Item) else None
        data: dict[str, Any] = {
            "id": _item_path(item) if nested else item.id,
            "names": _localised(item.name),
            "descriptions": _localised(item.description),
            "annotations": _annotations(item),
            "uri": item.uri,
            "parent": (_item_path(parent) if nested else parent.id) if parent is not None else None,
        }
        if isinstance(item, common.Concept):
            data["core_representation"] = _representation(item.core_representation)
        if isinstance(item, common.Organisation):
            data["contacts"] = [_contact(c) for c in item.contact]
        items.append(Item(**data))
    return Artefact(
        **_base(obj, type_), items=items, is_partial=_flag(getattr(obj, "is_partial", None))
    )


def _flag(value: Any) -> bool:
    """sdmx1 keeps some XML booleans as text ("false" is truthy)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _ordered_items(scheme: Any) -> list[Any]:
    """Items in document order; for category schemes, parents before children (nested XML)."""
    if not isinstance(scheme, common.CategoryScheme):
        out = list(scheme.items.values())
        seen = {id(i) for i in out}
        for item in list(out):  # children sdmx1 keeps only on their parent (defensive)
            for child in item.child:
                if id(child) not in seen:
                    seen.add(id(child))
                    out.append(child)
        return out
    return _parents_first(scheme)


def _parents_first(scheme: Any) -> list[Any]:
    """Items with every parent before its children (nested categories)."""
    seen: set[int] = set()
    out: list[Any] = []

    def visit(item: Any) -> None:
        if id(item) in seen:
            return
        seen.add(id(item))
        out.append(item)
        for child in item.child:
            visit(child)

    for item in scheme.items.values():
        parent = item.parent
        if isinstance(parent, common.Item) and id(parent) not in seen:
            continue  # visited with its parent
        visit(item)
    for item in scheme.items.values():  # anything not reached (defensive)
        visit(item)
    return out


def _component(comp: Any, kind: str, position: int | None = None) -> Component:
    concept = comp.concept_identity
    roles = []
    role = getattr(comp, "concept_role", None)
    if role is not None:
        roles.append(_item_ref(role, ArtefactType.CONCEPT_SCHEME))
    enum_type = ArtefactType.CONCEPT_SCHEME if kind == "measure" else ArtefactType.CODELIST
    return Component(
        id=comp.id,
        kind=kind,  # type: ignore[arg-type]
        position=position,
        concept=_item_ref(concept, ArtefactType.CONCEPT_SCHEME) if concept is not None else None,
        roles=roles,
        representation=_representation(comp.local_representation, enum_type),
        annotations=_annotations(comp),
    )


def _relationship(rel: Any) -> AttributeRelationship:
    name = type(rel).__name__
    if name in ("PrimaryMeasureRelationship", "ObservationRelationship", "MeasureRelationship"):
        return AttributeRelationship(kind="primary_measure")
    if name == "DimensionRelationship":
        return AttributeRelationship(
            kind="dimensions",
            dimensions=[d.id for d in rel.dimensions],
            attachment_groups=[rel.group_key.id] if rel.group_key is not None else [],
        )
    if name == "GroupRelationship":
        return AttributeRelationship(
            kind="group", group=rel.group_key.id if rel.group_key is not None else None
        )
    return AttributeRelationship(kind="none")


def _dsd(obj: Any, usage: dict[str, str], skipped: list[str] | None = None) -> Artefact:
    dims = []
    for n, d in enumerate(obj.dimensions.components, start=1):
        kind = {"TimeDimension": "time", "MeasureDimension": "measure"}.get(
            type(d).__name__, "dimension"
        )
        dims.append(_component(d, kind, d.order or n))
    attrs = []
    for a in obj.attributes.components:
        if type(a).__name__ == "MetadataAttributeUsage":
            # SDMX 3.0 reference metadata attached to the data: this server stores no metadata structures.
            if skipped is not None:
                skipped.append(
                    f"metadata attribute {a.id} skipped: this server stores no reference metadata"
                )
            continue
        comp = _component(a, "attribute")
        status = a.usage_status.name.capitalize() if a.usage_status is not None else None
        if status is None:
            status = "Mandatory" if usage.get(a.id) == "mandatory" else "Conditional"
        comp.assignment_status = status  # type: ignore[assignment]
        comp.relationship = _relationship(a.related_to)
        attrs.append(comp)
    measures = list(obj.measures.components)
    if len(measures) > 1:
        raise ValueError(
            f"has {len(measures)} measures; only single-measure DSDs (SDMX 2.1 primary measure) are supported"
        )
    groups = [
        Group(id=g.id, dimensions=[d.id for d in g.components], annotations=_annotations(g))
        for g in obj.group_dimensions.values()
    ]
    details = DsdDetails(
        dimensions=dims,
        attributes=attrs,
        primary_measure=_component(measures[0], "primary_measure") if measures else None,
        groups=groups,
    )
    return Artefact(**_base(obj, ArtefactType.DATA_STRUCTURE), details=details)


def _dataflow(obj: Any) -> Artefact:
    structure = obj.structure
    if structure is None or not getattr(structure, "id", None):
        raise ValueError("names no data structure")
    details = DataflowDetails(structure=_maintainable_ref(structure, ArtefactType.DATA_STRUCTURE))
    return Artefact(**_base(obj, ArtefactType.DATAFLOW), details=details)


def _provision_agreement(obj: Any) -> Artefact:
    if obj.structure_usage is None or obj.data_provider is None:
        raise ValueError("needs both a dataflow and a data provider")
    details = ProvisionAgreementDetails(
        dataflow=_maintainable_ref(obj.structure_usage, ArtefactType.DATAFLOW),
        data_provider=_item_ref(obj.data_provider, ArtefactType.DATA_PROVIDER_SCHEME),
    )
    return Artefact(**_base(obj, ArtefactType.PROVISION_AGREEMENT), details=details)


def _describe_target(target: Any) -> str:
    """The type and URN of what a categorisation points at, for messages; sdmx1 hands over a reference
    it could not resolve as a dict (package, class, agency, id, version)."""
    if isinstance(target, dict):
        cls = str(target.get("class") or target.get("cls") or "artefact")
        urn = target.get("urn") or (
            f"urn:sdmx:org.sdmx.infomodel.{target.get('package', 'base')}.{cls}="
            f"{target.get('agency', '?')}:{target.get('id', '?')}({target.get('version', '1.0')})"
        )
    else:
        cls = type(target).__name__
        urn = (
            getattr(target, "urn", None)
            or _make_urn(target)
            or (
                f"urn:sdmx:org.sdmx.infomodel.{_PACKAGE_OF.get(cls, 'base')}.{cls}="
                f"{getattr(getattr(target, 'maintainer', None), 'id', '?')}:{getattr(target, 'id', '?')}"
                f"({getattr(target, 'version', None) or '1.0'})"
            )
        )
    name = UNSUPPORTED.get(cls, cls)
    return f"a {name} ({urn})"


def _make_urn(target: Any) -> str | None:
    try:
        return str(sdmx.urn.make(target))
    except Exception:  # sdmx1 cannot make URNs of every class (or of items without their scheme)
        return None


_PACKAGE_OF = {
    "MetadataflowDefinition": "metadatastructure",
    "Metadataflow": "metadatastructure",
    "DataProvider": "base",
    "Hierarchy": "codelist",
    "HierarchicalCodelist": "codelist",
    "StructureSet": "mapping",
    "Process": "process",
    "ReportingTaxonomy": "categoryscheme",
}


def _categorisation(obj: Any) -> Artefact:
    if obj.artefact is None or obj.category is None:
        raise ValueError("needs both a source artefact and a category")
    type_ = None if isinstance(obj.artefact, dict) else _type_of(obj.artefact)
    if type_ is None:
        raise ValueError(
            f"categorises {_describe_target(obj.artefact)}, which this server does not store"
        )
    details = CategorisationDetails(
        source=_maintainable_ref(obj.artefact, type_),
        target=_item_ref(obj.category, ArtefactType.CATEGORY_SCHEME, nested=True),
    )
    return Artefact(**_base(obj, ArtefactType.CATEGORISATION), details=details)


def _period_text(period: Any) -> str:
    value = period.period
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _selection(sel: Any) -> KeyValue:
    values: list[str] = []
    cascade: list[str] = []
    time_range: TimeRange | None = None
    for v in sel.values:
        name = type(v).__name__
        if name == "MemberValue":
            values.append(str(v.value))
            if v.cascade_values:
                cascade.append(str(v.value))
        elif name == "RangePeriod":
            time_range = TimeRange(
                start=_period_text(v.start) if v.start else None,
                start_inclusive=bool(v.start.is_inclusive) if v.start else True,
                end=_period_text(v.end) if v.end else None,
                end_inclusive=bool(v.end.is_inclusive) if v.end else True,
            )
        elif name == "BeforePeriod":
            time_range = TimeRange(end=_period_text(v), end_inclusive=bool(v.is_inclusive))
        elif name == "AfterPeriod":
            time_range = TimeRange(start=_period_text(v), start_inclusive=bool(v.is_inclusive))
    return KeyValue(
        id=sel.values_for.id,
        values=sorted(values),
        include=bool(sel.included),
        time_range=time_range,
        cascade=sorted(cascade),
    )


def _constraint(obj: Any) -> Artefact:
    role = getattr(obj, "role", None)
    role_name = "Actual" if role is not None and role.role.name == "actual" else "Allowed"
    attachments = []
    for target in sorted(obj.content, key=lambda t: (type(t).__name__, getattr(t, "id", ""))):
        if isinstance(target, common.DataProvider):
            attachments.append(
                ConstraintAttachmentRef(item=_item_ref(target, ArtefactType.DATA_PROVIDER_SCHEME))
            )
            continue
        type_ = _type_of(target)
        if type_ is None:
            raise ValueError(
                f"is attached to a {type(target).__name__}, which this server does not store"
            )
        attachments.append(ConstraintAttachmentRef(ref=_maintainable_ref(target, type_)))
    regions = []
    for region in obj.data_content_region or []:
        keys: list[KeyValue] = []
        attrs: list[KeyValue] = []
        for comp, sel in region.member.items():
            (attrs if isinstance(comp, common.DataAttribute) else keys).append(_selection(sel))
        regions.append(CubeRegion(include=bool(region.included), key_values=keys, attributes=attrs))
    key_sets = []
    dks = obj.data_content_keys
    for ks in [dks] if dks is not None and not isinstance(dks, list) else (dks or []):
        keys_ = []
        for key in ks.keys:
            keys_.append({c.id: str(getattr(v, "value", v)) for c, v in key.key_value.items()})
        key_sets.append(DataKeySet(include=bool(ks.included), keys=keys_))
    details = ConstraintDetails(
        role=role_name,  # type: ignore[arg-type]
        attachments=attachments,
        cube_regions=regions,
        data_key_sets=key_sets,
    )
    return Artefact(**_base(obj, ArtefactType.CONTENT_CONSTRAINT), details=details)


# --------------------------------------------------------------------- message


def _v3_attribute_usage(data: bytes) -> dict[tuple[str, str], str]:
    """SDMX 3.0 attribute ``usage`` per (DSD id, attribute id); sdmx1 2.28 drops it."""
    out: dict[tuple[str, str], str] = {}
    if b"/v3_0/" not in data[:4000]:
        return out
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    root = etree.fromstring(data, parser)
    for dsd in root.iter("{*}DataStructure"):
        for attr in dsd.iter("{*}Attribute"):
            if attr.get("usage"):
                out[(dsd.get("id", ""), attr.get("id", ""))] = attr.get("usage", "")
    return out


def _is_sdmx1_stub(obj: Any) -> bool:
    """sdmx1 invents placeholder objects for references it cannot resolve."""
    return bool(getattr(obj, "is_external_reference", False)) and not _localised(
        getattr(obj, "name", None)
    )


def read_structure_bytes(data: bytes, source: str = "<bytes>") -> ReadResult:
    """Read one SDMX-ML structure message from bytes."""
    head = data[:2048].lstrip()
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data[:4096].upper():
        raise NotAStructureMessage(f"{source}: DOCTYPE declarations are not allowed")
    if not head.startswith(b"<"):
        raise NotAStructureMessage(
            f"{source}: not an XML document, so not an SDMX-ML structure message"
        )
    try:
        msg = sdmx.read_sdmx(io.BytesIO(data), format="XML")
    except Exception as exc:  # sdmx1 raises many types for malformed input
        raise NotAStructureMessage(f"{source}: cannot be read as SDMX-ML: {exc}") from exc
    if not isinstance(msg, sdmx.message.StructureMessage):
        raise NotAStructureMessage(f"{source}: is a {type(msg).__name__}, not a structure message")
    result = ReadResult(sdmx_version="3.0" if b"/v3_0/" in data[:4000] else "2.1")
    usage = _v3_attribute_usage(data) if result.sdmx_version == "3.0" else {}
    for obj in _all_objects(msg):
        if _is_sdmx1_stub(obj):
            continue
        label = f"{type(obj).__name__} {getattr(getattr(obj, 'maintainer', None), 'id', '?')}:{obj.id}({obj.version})"
        cls = type(obj).__name__
        if cls in UNSUPPORTED:
            result.refused.append((label, f"{UNSUPPORTED[cls]} is not stored by this server"))
            continue
        skipped: list[str] = []
        try:
            artefact = _convert(obj, usage, skipped)
        except ValueError as exc:
            result.refused.append((label, str(exc)))
            continue
        result.artefacts.append(artefact)
        if skipped:
            result.warnings.setdefault(artefact.ref, []).extend(skipped)
    return result


def _all_objects(msg: Any) -> list[Any]:
    out: list[Any] = []
    for attr in sorted(vars(msg)):
        if not attr.startswith("_") or attr == "_collections":
            continue
        value = getattr(msg, attr)
        if isinstance(value, dict):
            out.extend(value.values())
    return out


def _convert(
    obj: Any, usage: dict[tuple[str, str], str], skipped: list[str] | None = None
) -> Artefact:
    if isinstance(obj, common.Codelist) and getattr(obj, "extends", None):
        raise ValueError("codelist extensions (SDMX 3.0) are not supported")
    type_ = _type_of(obj)
    if type_ is None:
        raise ValueError(f"{type(obj).__name__} is not stored by this server")
    if type_.is_item_scheme:
        return _item_scheme(obj, type_)
    if type_ is ArtefactType.DATA_STRUCTURE:
        return _dsd(obj, {a: u for (d, a), u in usage.items() if d == obj.id}, skipped)
    if type_ is ArtefactType.DATAFLOW:
        return _dataflow(obj)
    if type_ is ArtefactType.PROVISION_AGREEMENT:
        return _provision_agreement(obj)
    if type_ is ArtefactType.CATEGORISATION:
        return _categorisation(obj)
    return _constraint(obj)


def read_structure_file(path: Path) -> ReadResult:
    """Read one SDMX-ML structure file, with the checks the API applies to a submitted body.

    The hardened pre-parse refuses a DOCTYPE anywhere in the prolog, and
    constraints whose regions sdmx1 cannot read whole are refused rather than
    stored wider than they say.
    """
    from sdmx_server.domain.errors import SdmxError
    from sdmx_server.readers.structure_ml import read_structure_message

    try:
        return read_structure_message(path.read_bytes(), None)
    except SdmxError as exc:
        raise NotAStructureMessage(f"{path}: {exc.message}") from None


__all__ = ["NotAStructureMessage", "ReadResult", "read_structure_bytes", "read_structure_file"]
