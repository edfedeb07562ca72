"""What the SDMX-JSON structure writers (1.0, 2.0, 2.1) share: one model-to-dict walk.

The three versions differ in little for what this server stores: the schema
URL, where stubs point, 1.0's references as URN strings inside the same
layout, and a few names (:class:`JsonFlavour`). Each version has its own
module (:mod:`sdmx_json10_structure`, :mod:`sdmx_json20_structure`,
:mod:`sdmx_json21_structure`) that picks its flavour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    CategorisationDetails,
    Component,
    ConstraintDetails,
    Contact,
    CubeRegion,
    DataflowDetails,
    DsdDetails,
    ItemRef,
    KeyValue,
    ProvisionAgreementDetails,
    Representation,
    TimeRange,
    urn_of,
)
from sdmx_server.formats.common import RenderContext, StructureEntry, availability_counts
from sdmx_server.formats.sdmx_ml21_structure import component_urn
from sdmx_server.formats.sdmx_ml30_structure import _merge, _one_attachment_kind, item_urn3, urn3
from sdmx_server.formats.xml_ns import iso


@dataclass(frozen=True)
class JsonFlavour:
    """What distinguishes one SDMX-JSON structure version from another."""

    schema_url: str
    v2: bool  # SDMX 3.0 model (usage, dataflow relationship, measures) vs SDMX 2.1 (assignmentStatus, ...)
    schema_key: str = "schema"  # where the meta carries the schema URL
    constraint_role: bool = True  # 2.1: data constraints are all Allowed, no role
    # the member holding content constraints (1.0: contentConstraints)
    constraints: str = "dataConstraints"
    included: str = "include"  # a cube region's inclusion flag (1.0: isIncluded)
    # 2.1 (as SDMX-ML 3.1): an Actual constraint is an AvailabilityConstraint (with its counts)
    availability: bool = False


# Member name and item-list name per type, in the schema's order.
MEMBERS: list[tuple[ArtefactType, str, str | None]] = [
    (ArtefactType.DATA_STRUCTURE, "dataStructures", None),
    (ArtefactType.CATEGORY_SCHEME, "categorySchemes", "categories"),
    (ArtefactType.CONCEPT_SCHEME, "conceptSchemes", "concepts"),
    (ArtefactType.CODELIST, "codelists", "codes"),
    (ArtefactType.AGENCY_SCHEME, "agencySchemes", "agencies"),
    (ArtefactType.DATA_PROVIDER_SCHEME, "dataProviderSchemes", "dataProviders"),
    (ArtefactType.DATA_CONSUMER_SCHEME, "dataConsumerSchemes", "dataConsumers"),
    (ArtefactType.ORGANISATION_UNIT_SCHEME, "organisationUnitSchemes", "organisationUnits"),
    (ArtefactType.DATAFLOW, "dataflows", None),
    (ArtefactType.PROVISION_AGREEMENT, "provisionAgreements", None),
    (ArtefactType.CATEGORISATION, "categorisations", None),
    (ArtefactType.CONTENT_CONSTRAINT, "dataConstraints", None),
]
ITEM_LISTS = {t: items for t, _, items in MEMBERS if items}

_INT_FACETS = {"minLength", "maxLength", "decimals"}
_NUM_FACETS = {"startValue", "endValue", "interval", "minValue", "maxValue"}
_BOOL_FACETS = {"isSequence", "isMultiLingual"}
_STR_FACETS = {"pattern", "timeInterval", "startTime", "endTime"}


def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return (
        int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    )


class JsonStructureWriter:
    """Writes one SDMX-JSON structure message."""

    def __init__(self, ctx: RenderContext, flavour: JsonFlavour) -> None:
        self.ctx = ctx
        self.lang = ctx.languages
        self.f = flavour

    def write(self, entries: Sequence[StructureEntry]) -> bytes:
        """The message as UTF-8 JSON bytes (the schema URL within the first bytes, as pysdmx sniffs)."""
        data: dict[str, Any] = {}
        availability = [e for e in entries if self.f.availability and _is_availability(e)]
        for type_, member, _ in MEMBERS:
            selected = [
                self._maintainable(e)
                for e in entries
                if e.artefact.type is type_ and not any(e is a for a in availability)
            ]
            if type_ is ArtefactType.CONTENT_CONSTRAINT:
                member = self.f.constraints
            if selected:
                data[member] = selected
            if type_ is ArtefactType.CONTENT_CONSTRAINT and availability:
                data["availabilityConstraints"] = [
                    self._availability(e.artefact) for e in availability
                ]
        meta: dict[str, Any] = {
            self.f.schema_key: self.f.schema_url,
            "id": self.ctx.message_id,
            "test": False,
            "prepared": iso(self.ctx.prepared),
            "sender": {"id": self.ctx.sender},
        }
        languages = sorted({lang for e in entries for lang in self.lang.select(e.artefact.names)})
        if languages:
            meta["contentLanguages"] = languages
        return orjson.dumps({"meta": meta, "data": data})

    # ------------------------------------------------------------------ common

    def _texts(self, out: dict[str, Any], key: str, texts: dict[str, str]) -> None:
        selected = self.lang.select(texts)
        if not selected:
            return
        best = next(iter(selected.values()))
        for lang in (*self.lang.preferred, self.lang.default, "en"):
            if lang in selected:
                best = selected[lang]
                break
        out[key] = best
        out[key + "s"] = selected

    def _nameable(
        self,
        out: dict[str, Any],
        names: dict[str, str],
        descriptions: dict[str, str],
        fallback: str,
        with_descriptions: bool = True,
    ) -> None:
        self._texts(out, "name", names or {self.lang.default: fallback})
        if with_descriptions:
            self._texts(out, "description", descriptions)

    def _annotations(self, out: dict[str, Any], annotations: Iterable[Annotation]) -> None:
        items = []
        for a in annotations:
            item: dict[str, Any] = {}
            for key, value in (("id", a.id), ("title", a.title), ("type", a.type)):
                if value is not None:
                    item[key] = value
            if a.value is not None and self.f.v2:
                item["value"] = a.value
            texts = dict(a.texts) or (
                {self.lang.default: a.value} if a.value is not None and not self.f.v2 else {}
            )
            self._texts(item, "text", texts)
            if a.url is not None:
                item["links"] = [{"href": a.url, "rel": "self"}] if self.f.v2 else None
                if not self.f.v2:
                    del item["links"]
                    item["uri"] = a.url
            items.append(item)
        if items:
            out["annotations"] = items

    def _ref(self, urn: str) -> Any:
        return urn

    def _maintainable(self, entry: StructureEntry) -> dict[str, Any]:
        a = entry.artefact
        stub = entry.mode != "full" or a.is_external_reference
        out: dict[str, Any] = {"id": a.id}
        if entry.mode != "stub":
            self._annotations(out, a.annotations)
        out["links"] = [
            {
                "rel": "self",
                "urn": urn3(a) if self.f.v2 else urn_of(a.ref),
                "type": (a.type.info.v3_resource if self.f.v2 else a.type.value) or a.type.value,
            }
        ]
        if stub:
            out["links"].append(
                {
                    "rel": "external",
                    "href": a.structure_url or self._url(a),
                    "type": a.type.info.v3_resource or a.type.value,
                }
            )
        self._nameable(out, a.names, a.descriptions, a.id, with_descriptions=entry.mode != "stub")
        out["version"] = "1.0" if a.type.is_organisation_scheme and self.f.v2 else a.version
        out["agencyID"] = a.agency
        out["isExternalReference"] = stub
        if not self.f.v2:
            out["isFinal"] = a.is_final
        if a.valid_from:
            out["validFrom"] = iso(a.valid_from)
        if a.valid_to:
            out["validTo"] = iso(a.valid_to)
        if a.type.is_item_scheme and not stub:
            out["isPartial"] = a.is_partial
        if a.type is ArtefactType.CONTENT_CONSTRAINT and self.f.constraint_role:
            out["role"] = a.details.role if isinstance(a.details, ConstraintDetails) else "Actual"
            if not self.f.v2:
                out["type"] = out.pop("role")
        if not stub:
            self._body(out, a)
        elif isinstance(a.details, ProvisionAgreementDetails | CategorisationDetails):
            self._body(out, a)  # their references are what a stub of them says
        return out

    def _url(self, a: Artefact) -> str:
        if self.f.v2:
            return (
                f"{self.ctx.public_url}/rest/v2/structure/{a.type.info.v3_resource}/{a.agency}/"
                f"{a.id}/{a.version}"
            )
        return self.ctx.structure_url(a)

    def _body(self, out: dict[str, Any], a: Artefact) -> None:
        if a.type.is_item_scheme:
            items = self._items(a)
            if items:
                out[ITEM_LISTS[a.type]] = items
        elif isinstance(a.details, DsdDetails):
            out["dataStructureComponents"] = self._dsd(a, a.details)
        elif isinstance(a.details, DataflowDetails):
            out["structure"] = urn_of(a.details.structure)
        elif isinstance(a.details, CategorisationDetails):
            out["source"] = urn_of(a.details.source)
            out["target"] = item_urn3(a.details.target)
        elif isinstance(a.details, ProvisionAgreementDetails):
            out["dataflow"] = urn_of(a.details.dataflow)
            out["dataProvider"] = item_urn3(a.details.data_provider)
        elif isinstance(a.details, ConstraintDetails):
            self._constraint(out, a.details)

    # ------------------------------------------------------------------ items

    def _items(self, scheme: Artefact) -> list[dict[str, Any]]:
        nested = scheme.type is ArtefactType.CATEGORY_SCHEME
        top: list[dict[str, Any]] = []
        by_id: dict[str, dict[str, Any]] = {}
        for item in scheme.items:
            leaf = item.id.rsplit(".", 1)[-1] if nested else item.id
            out: dict[str, Any] = {"id": leaf}
            self._annotations(out, item.annotations)
            urn = item_urn3(ItemRef(scheme=scheme.ref, item_id=item.id))
            out["links"] = [
                {"rel": "self", "urn": urn, "type": (scheme.type.info.item_class or "").lower()}
            ]
            self._nameable(out, item.names, item.descriptions, leaf)
            if item.parent and not nested:
                out["parent"] = item.parent
            if scheme.type.is_organisation_scheme and item.contacts:
                out["contacts"] = [self._contact(c) for c in item.contacts]
            if scheme.type is ArtefactType.CONCEPT_SCHEME and item.core_representation is not None:
                rep = self._representation(item.core_representation)
                if rep:
                    out["coreRepresentation"] = rep
            by_id[item.id] = out
            parent = by_id.get(item.parent) if nested and item.parent else None
            if parent is not None:
                parent.setdefault("categories", []).append(out)
            else:
                top.append(out)
        return top

    def _contact(self, contact: Contact) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._texts(out, "name", contact.names)
        self._texts(out, "department", contact.departments)
        self._texts(out, "role", contact.roles)
        for key, values in (
            ("telephones", contact.telephone),
            ("faxes", contact.fax),
            ("x400s", contact.x400),
            ("uris", contact.uri),
            ("emails", contact.email),
        ):
            if values:
                out[key] = list(values)
        return out

    # ------------------------------------------------------------------ DSD

    def _format(self, facets: dict[str, str], *, time: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in facets.items():
            if key == "textType":
                out["dataType" if self.f.v2 else "textType"] = value
            elif time and self.f.v2 and key not in ("startTime", "endTime"):
                continue
            elif key in _INT_FACETS:
                n = _number(value)
                if isinstance(n, int) and n >= 1:
                    out[key] = n
            elif key in _NUM_FACETS:
                n = _number(value)
                if n is not None:
                    out[key] = n
            elif key in _BOOL_FACETS:
                out["isMultiLingual" if key == "isMultiLingual" else key] = value.lower() == "true"
            elif key in _STR_FACETS:
                out[key] = value
        return out

    def _representation(self, rep: Representation, *, time: bool = False) -> dict[str, Any]:
        if rep.enumeration is not None and not time:
            out: dict[str, Any] = {"enumeration": urn_of(rep.enumeration)}
            fmt = self._format(
                {k: v for k, v in (rep.enumeration_format or {}).items() if k != "textType"}
            )
            if fmt:
                out["enumerationFormat"] = fmt
            return out
        fmt = self._format(rep.text_format or {}, time=time)
        if time:
            fmt.setdefault("dataType" if self.f.v2 else "textType", "ObservationalTimePeriod")
        return {"format" if self.f.v2 else "textFormat": fmt} if fmt or time else {}

    def _component(self, dsd: Artefact, urn_cls: str, comp: Component) -> dict[str, Any]:
        out: dict[str, Any] = {"id": comp.id}
        self._annotations(out, comp.annotations)
        out["links"] = [{"rel": "self", "urn": component_urn(dsd.ref, urn_cls, comp.id)}]
        if comp.concept is not None:
            out["conceptIdentity"] = item_urn3(comp.concept)
        if comp.roles:
            out["conceptRoles"] = [item_urn3(r) for r in comp.roles]
        if comp.kind == "time":
            out["localRepresentation"] = self._representation(
                comp.representation or Representation(), time=True
            )
        elif (
            self.f.v2
            and comp.kind == "measure"
            and comp.representation is not None
            and comp.representation.enumeration is not None
            and comp.representation.enumeration.type is not ArtefactType.CODELIST
        ):
            pass  # a 2.1 measure dimension enumerates concepts; an SDMX 3.0 dimension only codes
        elif comp.representation is not None:
            rep = self._representation(comp.representation)
            if rep:
                out["localRepresentation"] = rep
        return out

    def _dsd(self, dsd: Artefact, d: DsdDetails) -> dict[str, Any]:
        dims = []
        time_dim = None
        n = 0
        for dim in d.dimensions:
            if dim.kind == "time":
                time_dim = dim
                continue
            n += 1
            out = self._component(dsd, "Dimension", dim)
            out["position"] = dim.position or n
            if not self.f.v2:
                out["type"] = "MeasureDimension" if dim.kind == "measure" else "Dimension"
            dims.append(out)
        dim_list: dict[str, Any] = {
            "id": "DimensionDescriptor",
            "links": [
                {
                    "rel": "self",
                    "urn": component_urn(dsd.ref, "DimensionDescriptor", "DimensionDescriptor"),
                }
            ],
            "dimensions": dims,
        }
        if time_dim is not None:
            t = self._component(dsd, "TimeDimension", time_dim)
            if not self.f.v2:
                t["type"] = "TimeDimension"
                t["position"] = time_dim.position or n + 1
                dim_list["timeDimensions"] = [t]
            else:
                dim_list["timeDimension"] = t
        comps: dict[str, Any] = {"dimensionList": dim_list}
        if d.groups:
            comps["groups"] = [
                {"id": g.id, "groupDimensions": list(g.dimensions)} for g in d.groups
            ]
        if d.attributes:
            attrs = []
            for attr in d.attributes:
                out = self._component(dsd, "Attribute", attr)
                if self.f.v2:
                    out["usage"] = (
                        "mandatory" if attr.assignment_status == "Mandatory" else "optional"
                    )
                else:
                    out["assignmentStatus"] = attr.assignment_status or "Conditional"
                out["attributeRelationship"] = self._relationship(attr, d)
                attrs.append(out)
            comps["attributeList"] = {"id": "AttributeDescriptor", "attributes": attrs}
        if d.primary_measure is not None:
            pm = self._component(
                dsd, "Measure" if self.f.v2 else "PrimaryMeasure", d.primary_measure
            )
            comps["measureList"] = (
                {"id": "MeasureDescriptor", "measures": [pm]}
                if self.f.v2
                else {"id": "MeasureDescriptor", "primaryMeasure": pm}
            )
        return comps

    def _relationship(self, attr: Component, d: DsdDetails) -> dict[str, Any]:
        r = attr.relationship
        if (
            r is None
            or r.kind == "none"
            or (r.kind == "dimensions" and not r.dimensions and not r.attachment_groups)
        ):
            return {"dataflow": {}} if self.f.v2 else {"none": {}}
        if r.kind == "primary_measure":
            pm = d.primary_measure.id if d.primary_measure is not None else "OBS_VALUE"
            return {"observation": {}} if self.f.v2 else {"primaryMeasure": pm}
        if r.kind == "group":
            return {"group": r.group or ""}
        if r.dimensions:
            out: dict[str, Any] = {"dimensions": list(r.dimensions)}
            if r.attachment_groups and not self.f.v2:
                out["attachmentGroups"] = list(r.attachment_groups)
            return out
        return {"group": r.attachment_groups[0]}

    # ------------------------------------------------------------------ constraints

    def _constraint(self, out: dict[str, Any], c: ConstraintDetails) -> None:
        atts = _one_attachment_kind(c.attachments)
        if atts:
            att: dict[str, Any] = {}
            for a in atts:
                if a.item is not None:
                    att["dataProvider"] = item_urn3(a.item)
                elif a.ref is not None:
                    key = {
                        "Dataflow": "dataflows",
                        "DataStructure": "dataStructures",
                        "ProvisionAgreement": "provisionAgreements",
                    }[a.ref.type.info.cls]
                    att.setdefault(key, []).append(urn_of(a.ref))
            out["constraintAttachment"] = att
        if c.data_key_sets:
            out["dataKeySets"] = [
                {
                    "isIncluded": ks.include,
                    "keys": [
                        {"keyValues": [{"id": k, "value": v} for k, v in key.items()]}
                        for key in ks.keys
                    ],
                }
                for ks in c.data_key_sets
                if ks.keys
            ]
            if not out["dataKeySets"]:
                del out["dataKeySets"]
        regions = []
        for include in (True, False):
            chosen = [r for r in c.cube_regions if r.include is include]
            if chosen:
                regions.append(self._cube_region(_merge(chosen), include))
        if regions:
            out["cubeRegions"] = regions

    def _availability(self, a: Artefact) -> dict[str, Any]:
        """An AvailabilityConstraint (SDMX-JSON 2.1): annotations, one attachment, the included
        cube region and the counts; not maintainable (no id, version or agency)."""
        d = a.details
        assert isinstance(d, ConstraintDetails)
        out: dict[str, Any] = {}
        self._annotations(out, a.annotations)
        att = next(x for x in _one_attachment_kind(d.attachments) if x.ref is not None)
        assert att.ref is not None
        key = {
            "Dataflow": "dataflow",
            "DataStructure": "dataStructure",
            "ProvisionAgreement": "provisionAgreement",
        }[att.ref.type.info.cls]
        out["constraintAttachment"] = {key: urn_of(att.ref)}
        out["cubeRegion"] = self._cube_region(
            _merge([r for r in d.cube_regions if r.include]), True
        )
        out.update(availability_counts(a))
        return out

    def _cube_region(self, region: CubeRegion, include: bool) -> dict[str, Any]:
        out: dict[str, Any] = {self.f.included: include}
        keys = [
            self._key_value(kv)
            for kv in region.key_values
            if kv.values or kv.time_range is not None
        ]
        if keys:
            out["keyValues"] = keys
        comps = [self._key_value(kv) for kv in region.attributes]
        if comps:
            out["components" if self.f.v2 else "attributes"] = comps
        return out

    def _key_value(self, kv: KeyValue) -> dict[str, Any]:
        out: dict[str, Any] = {"id": kv.id}
        if not kv.include:
            out["include"] = False
        if kv.values:
            # objects, not bare strings (both are valid; pysdmx reads objects only)
            out["values"] = (
                [
                    {"value": v, "cascadeValues": True} if v in kv.cascade else {"value": v}
                    for v in kv.values
                ]
                if self.f.v2
                else list(kv.values)
            )
        elif kv.time_range is not None:
            out["timeRange"] = self._time_range(kv.time_range)
        return out

    @staticmethod
    def _time_range(tr: TimeRange) -> dict[str, Any]:
        def period(p: str, inclusive: bool) -> dict[str, Any]:
            return {"period": p, "isInclusive": inclusive}

        if tr.start and tr.end:
            return {
                "startPeriod": period(tr.start, tr.start_inclusive),
                "endPeriod": period(tr.end, tr.end_inclusive),
            }
        if tr.start:
            return {"afterPeriod": period(tr.start, tr.start_inclusive)}
        return {"beforePeriod": period(tr.end or "", tr.end_inclusive)}


def _is_availability(entry: StructureEntry) -> bool:
    """An Actual constraint that an AvailabilityConstraint can say (as SDMX-ML 3.1 writes it): full,
    with an included cube region and one attachment to a DSD, dataflow or provision agreement."""
    d = entry.artefact.details
    return (
        entry.mode == "full"
        and isinstance(d, ConstraintDetails)
        and d.role == "Actual"
        and any(r.include for r in d.cube_regions)
        and any(a.ref is not None for a in _one_attachment_kind(d.attachments))
    )


def write_json_structures(
    entries: Sequence[StructureEntry], ctx: RenderContext, flavour: JsonFlavour
) -> bytes:
    """One SDMX-JSON structure message of ``flavour``."""
    return JsonStructureWriter(ctx, flavour).write(entries)
