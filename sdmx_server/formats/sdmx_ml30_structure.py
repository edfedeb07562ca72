"""SDMX-ML 3.0 Structure messages, from our model (valid against the 3.0 SDMXMessage.xsd).

What changes from 2.1 (:mod:`sdmx_ml21_structure`): references are URNs in
element text; ``isFinal``, ``structureURL`` and ``serviceURL`` are gone (a stub
carries a ``com:Link`` to its full form); containers are per type, in the
schema's order; content constraints are ``DataConstraint`` with a ``role``;
attributes have a ``usage`` and a relationship to ``Dataflow``, dimensions,
a group or the ``Observation``; the primary measure is a ``Measure``; a 2.1
measure dimension is written as a plain dimension; organisation schemes carry
no version. 3.1 (:mod:`sdmx_ml31_structure`) is this writer with the 3.1
namespaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from lxml import etree

from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    CategorisationDetails,
    Component,
    ConstraintAttachmentRef,
    ConstraintDetails,
    Contact,
    CubeRegion,
    DataflowDetails,
    DsdDetails,
    ItemRef,
    KeyValue,
    ProvisionAgreementDetails,
    Representation,
    item_urn_of,
    urn_of,
)
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_ml21_structure import component_urn
from sdmx_server.formats.xml_ns import XML_LANG, bool_attr, iso, ns3

E = etree.SubElement

# Container element and element name per type, in the order StructuresType requires.
CONTAINERS: list[tuple[str, ArtefactType, str]] = [
    ("AgencySchemes", ArtefactType.AGENCY_SCHEME, "AgencyScheme"),
    ("Categorisations", ArtefactType.CATEGORISATION, "Categorisation"),
    ("CategorySchemes", ArtefactType.CATEGORY_SCHEME, "CategoryScheme"),
    ("Codelists", ArtefactType.CODELIST, "Codelist"),
    ("ConceptSchemes", ArtefactType.CONCEPT_SCHEME, "ConceptScheme"),
    ("DataConstraints", ArtefactType.CONTENT_CONSTRAINT, "DataConstraint"),
    ("DataConsumerSchemes", ArtefactType.DATA_CONSUMER_SCHEME, "DataConsumerScheme"),
    ("Dataflows", ArtefactType.DATAFLOW, "Dataflow"),
    ("DataProviderSchemes", ArtefactType.DATA_PROVIDER_SCHEME, "DataProviderScheme"),
    ("DataStructures", ArtefactType.DATA_STRUCTURE, "DataStructure"),
    ("OrganisationUnitSchemes", ArtefactType.ORGANISATION_UNIT_SCHEME, "OrganisationUnitScheme"),
    ("ProvisionAgreements", ArtefactType.PROVISION_AGREEMENT, "ProvisionAgreement"),
]

_ENUM_FACETS = {
    "isSequence",
    "interval",
    "startValue",
    "endValue",
    "timeInterval",
    "startTime",
    "endTime",
    "minLength",
    "maxLength",
    "minValue",
    "maxValue",
    "decimals",
    "pattern",
}
_TEXT_FACETS = _ENUM_FACETS | {"textType", "isMultiLingual"}


def constraint_urn(ref_agency: str, ref_id: str, version: str) -> str:
    """URN of a data constraint (SDMX 3.0 class ``DataConstraint``)."""
    return f"urn:sdmx:org.sdmx.infomodel.registry.DataConstraint={ref_agency}:{ref_id}({version})"


def item_urn3(ref: ItemRef) -> str:
    """The SDMX 3.0 URN of an item: agencies take the full form (``Agency=SDMX:AGENCIES(1.0).ECB``)."""
    scheme = ref.scheme
    if scheme.type is ArtefactType.AGENCY_SCHEME:
        return f"urn:sdmx:org.sdmx.infomodel.base.Agency={scheme.agency}:{scheme.id}({scheme.version}).{ref.item_id}"
    return item_urn_of(ref)


def urn3(a: Artefact) -> str:
    """The SDMX 3.0 URN of a maintainable (content constraints are data constraints)."""
    if a.type is ArtefactType.CONTENT_CONSTRAINT:
        return constraint_urn(a.agency, a.id, a.version)
    return urn_of(a.ref)


class StructureWriter3:
    """Writes one SDMX-ML 3.x Structure message."""

    def __init__(self, ctx: RenderContext, minor: str = "0") -> None:
        self.ctx = ctx
        self.lang = ctx.languages
        self.v31 = minor == "1"
        ns = ns3(minor)
        self.nsmap = ns
        self.MES = "{" + ns["mes"] + "}"
        self.STR = "{" + ns["str"] + "}"
        self.COM = "{" + ns["com"] + "}"

    def write(self, entries: Sequence[StructureEntry]) -> bytes:
        """The complete message as bytes (starts with ``<?xml``)."""
        root = etree.Element(self.MES + "Structure", nsmap=self.nsmap)
        header = E(root, self.MES + "Header")
        E(header, self.MES + "ID").text = self.ctx.message_id
        E(header, self.MES + "Test").text = "false"
        E(header, self.MES + "Prepared").text = iso(self.ctx.prepared)
        E(header, self.MES + "Sender", {"id": self.ctx.sender})
        structures = E(root, self.MES + "Structures")
        availability = [e for e in entries if self._is_availability(e)] if self.v31 else []
        for container, type_, tag in CONTAINERS:
            if (
                container == "Categorisations" and availability
            ):  # 3.1: AvailabilityConstraints come before
                box = E(structures, self.STR + "AvailabilityConstraints")
                for entry in availability:
                    self._availability(box, entry.artefact)
            selected = [
                e
                for e in entries
                if e.artefact.type is type_ and not any(e is a for a in availability)
            ]
            if not selected:
                continue
            parent = E(structures, self.STR + container)
            for entry in selected:
                self._maintainable(parent, tag, entry)
        return cast(bytes, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    # ------------------------------------------------------------------ common

    def _names(
        self,
        parent: etree._Element,
        names: dict[str, str],
        descriptions: dict[str, str],
        fallback: str,
        *,
        with_descriptions: bool = True,
    ) -> None:
        selected = self.lang.select(names) or {self.lang.default: fallback}
        for lang, text in selected.items():
            E(parent, self.COM + "Name", {XML_LANG: lang}).text = text
        if with_descriptions:
            for lang, text in self.lang.select(descriptions).items():
                E(parent, self.COM + "Description", {XML_LANG: lang}).text = text

    def _annotations(self, parent: etree._Element, annotations: Iterable[Annotation]) -> None:
        annotations = list(annotations)
        if not annotations:
            return
        box = E(parent, self.COM + "Annotations")
        for a in annotations:
            el = E(box, self.COM + "Annotation", {"id": a.id} if a.id else {})
            if a.title is not None:
                E(el, self.COM + "AnnotationTitle").text = a.title
            if a.type is not None:
                E(el, self.COM + "AnnotationType").text = a.type
            if a.url is not None:
                E(el, self.COM + "AnnotationURL").text = a.url
            for lang, text in self.lang.select(a.texts).items():
                E(el, self.COM + "AnnotationText", {XML_LANG: lang}).text = text
            if a.value is not None:
                E(el, self.COM + "AnnotationValue").text = a.value

    def _maintainable(self, parent: etree._Element, tag: str, entry: StructureEntry) -> None:
        a = entry.artefact
        stub = entry.mode != "full" or a.is_external_reference
        el = E(parent, self.STR + tag, self._maintainable_attrs(a, stub))
        if entry.mode != "stub":
            self._annotations(el, a.annotations)
        if stub:
            E(
                el,
                self.COM + "Link",
                {
                    "rel": "structure",
                    "url": a.structure_url or self._v2_url(a),
                    "urn": urn3(a),
                    "type": a.type.info.v3_resource or a.type.value,
                },
            )
        self._names(el, a.names, a.descriptions, a.id, with_descriptions=entry.mode != "stub")
        if not stub:
            self._body(el, a)
        elif a.type is ArtefactType.CONTENT_CONSTRAINT:
            pass  # role is an attribute, set with the others
        elif isinstance(a.details, ProvisionAgreementDetails):  # required children even in a stub
            E(el, self.STR + "Dataflow").text = urn_of(a.details.dataflow)
            E(el, self.STR + "DataProvider").text = item_urn3(a.details.data_provider)
        elif isinstance(a.details, CategorisationDetails):
            E(el, self.STR + "Source").text = urn_of(a.details.source)
            E(el, self.STR + "Target").text = item_urn3(a.details.target)

    @staticmethod
    def _is_availability(entry: StructureEntry) -> bool:
        """SDMX 3.1 writes actual (availability) constraints as AvailabilityConstraint when they can be:
        one attachment to a DSD, dataflow or provision agreement, and an included cube region."""
        d = entry.artefact.details
        return (
            entry.mode == "full"
            and isinstance(d, ConstraintDetails)
            and d.role == "Actual"
            and any(r.include for r in d.cube_regions)
            and any(a.ref is not None for a in _one_attachment_kind(d.attachments))
        )

    def _availability(self, parent: etree._Element, a: Artefact) -> None:
        d = a.details
        assert isinstance(d, ConstraintDetails)
        el = E(parent, self.STR + "AvailabilityConstraint")
        self._annotations(el, a.annotations)
        att = next(x for x in _one_attachment_kind(d.attachments) if x.ref is not None)
        assert att.ref is not None
        E(E(el, self.STR + "ConstraintAttachment"), self.STR + att.ref.type.info.cls).text = urn_of(
            att.ref
        )
        self._cube_region(el, _merge([r for r in d.cube_regions if r.include]), True)

    def _v2_url(self, a: Artefact) -> str:
        return (
            f"{self.ctx.public_url}/rest/v2/structure/{a.type.info.v3_resource}/{a.agency}/"
            f"{a.id}/{a.version}"
        )

    def _maintainable_attrs(self, a: Artefact, stub: bool) -> dict[str, str]:
        """XML attributes of a maintainable, in the schema's order."""
        attrs = {"id": a.id, "urn": urn3(a)}
        if a.uri:
            attrs["uri"] = a.uri
        # Organisation schemes have no version in SDMX 3.0, nor categorisations in 3.1.
        if not a.type.is_organisation_scheme and not (
            self.v31 and a.type is ArtefactType.CATEGORISATION
        ):
            attrs["version"] = a.version
        if a.valid_from:
            attrs["validFrom"] = iso(a.valid_from)
        if a.valid_to:
            attrs["validTo"] = iso(a.valid_to)
        attrs["agencyID"] = a.agency
        attrs["isExternalReference"] = bool_attr(stub)
        if a.type.is_item_scheme and not stub:
            attrs["isPartial"] = bool_attr(a.is_partial)
        if (
            a.type is ArtefactType.CONTENT_CONSTRAINT and not self.v31
        ):  # 3.1 data constraints are all Allowed
            attrs["role"] = a.details.role if isinstance(a.details, ConstraintDetails) else "Actual"
        return attrs

    def _body(self, el: etree._Element, a: Artefact) -> None:
        """What a full (not stub) maintainable holds beyond its names."""
        if a.type.is_item_scheme:
            self._items(el, a)
        elif isinstance(a.details, DsdDetails):
            self._dsd(el, a, a.details)
        elif isinstance(a.details, DataflowDetails):
            E(el, self.STR + "Structure").text = urn_of(a.details.structure)
        elif isinstance(a.details, CategorisationDetails):
            E(el, self.STR + "Source").text = urn_of(a.details.source)
            E(el, self.STR + "Target").text = item_urn3(a.details.target)
        elif isinstance(a.details, ProvisionAgreementDetails):
            E(el, self.STR + "Dataflow").text = urn_of(a.details.dataflow)
            E(el, self.STR + "DataProvider").text = item_urn3(a.details.data_provider)
        elif isinstance(a.details, ConstraintDetails):
            self._constraint(el, a.details)

    # ------------------------------------------------------------------ items

    def _items(self, parent: etree._Element, scheme: Artefact) -> None:
        info = scheme.type.info
        assert info.item_class is not None
        nested = scheme.type is ArtefactType.CATEGORY_SCHEME
        elements: dict[str, etree._Element] = {}
        for item in scheme.items:
            container = elements.get(item.parent, parent) if nested and item.parent else parent
            leaf = item.id.rsplit(".", 1)[-1] if nested else item.id
            ref = ItemRef(scheme=scheme.ref, item_id=item.id)
            attrs = {"id": leaf, "urn": item_urn3(ref)}
            if item.uri:
                attrs["uri"] = item.uri
            el = E(container, self.STR + info.item_class, attrs)
            elements[item.id] = el
            self._annotations(el, item.annotations)
            self._names(el, item.names, item.descriptions, leaf)
            if item.parent and not nested:
                E(el, self.STR + "Parent").text = item.parent
            if scheme.type.is_organisation_scheme:
                for contact in item.contacts:
                    self._contact(el, contact)
            if scheme.type is ArtefactType.CONCEPT_SCHEME and item.core_representation is not None:
                self._representation(el, "CoreRepresentation", item.core_representation)

    def _contact(self, parent: etree._Element, contact: Contact) -> None:
        el = E(parent, self.STR + "Contact")
        for tag, texts in (
            ("Name", contact.names),
            ("Department", contact.departments),
            ("Role", contact.roles),
        ):
            for lang, text in self.lang.select(texts).items():
                E(el, (self.COM if tag == "Name" else self.STR) + tag, {XML_LANG: lang}).text = text
        for tag, values in (
            ("Telephone", contact.telephone),
            ("Fax", contact.fax),
            ("X400", contact.x400),
            ("URI", contact.uri),
            ("Email", contact.email),
        ):
            for value in values:
                E(el, self.STR + tag).text = value

    # ------------------------------------------------------------------ DSD

    def _representation(
        self, parent: etree._Element, tag: str, rep: Representation, *, time: bool = False
    ) -> None:
        el = E(parent, self.STR + tag)
        if rep.enumeration is not None and not time:
            E(el, self.STR + "Enumeration").text = urn_of(rep.enumeration)
            if rep.enumeration_format:
                E(
                    el,
                    self.STR + "EnumerationFormat",
                    {k: v for k, v in rep.enumeration_format.items() if k in _ENUM_FACETS},
                )
        else:
            facets = {k: v for k, v in (rep.text_format or {}).items() if k in _TEXT_FACETS}
            if time:
                facets.setdefault("textType", "ObservationalTimePeriod")
            E(el, self.STR + "TextFormat", facets)

    def _component(
        self,
        parent: etree._Element,
        tag: str,
        urn_cls: str,
        dsd: Artefact,
        comp: Component,
        extra: dict[str, str] | None = None,
    ) -> etree._Element:
        attrs = {"id": comp.id, "urn": component_urn(dsd.ref, urn_cls, comp.id)}
        attrs.update(extra or {})
        el = E(parent, self.STR + tag, attrs)
        self._annotations(el, comp.annotations)
        if comp.concept is not None:
            E(el, self.STR + "ConceptIdentity").text = item_urn3(comp.concept)
        if comp.kind == "time":
            self._representation(
                el, "LocalRepresentation", comp.representation or Representation(), time=True
            )
        elif (
            comp.kind == "measure"
            and comp.representation is not None
            and comp.representation.enumeration is not None
            and comp.representation.enumeration.type is not ArtefactType.CODELIST
        ):
            pass  # a 2.1 measure dimension enumerates concepts; a 3.0 dimension may only enumerate codes
        elif comp.representation is not None:
            self._representation(el, "LocalRepresentation", comp.representation)
        return el

    def _dsd(self, parent: etree._Element, dsd: Artefact, d: DsdDetails) -> None:
        comps = E(parent, self.STR + "DataStructureComponents")
        dim_list = E(
            comps,
            self.STR + "DimensionList",
            {
                "id": "DimensionDescriptor",
                "urn": component_urn(dsd.ref, "DimensionDescriptor", "DimensionDescriptor"),
            },
        )
        time_dim = None
        n = 0
        for dim in d.dimensions:
            if dim.kind == "time":
                time_dim = dim
                continue
            n += 1
            el = self._component(
                dim_list, "Dimension", "Dimension", dsd, dim, {"position": str(dim.position or n)}
            )
            for role in dim.roles:
                E(el, self.STR + "ConceptRole").text = item_urn3(role)
        if time_dim is not None:
            self._component(dim_list, "TimeDimension", "TimeDimension", dsd, time_dim)
        for group in d.groups:
            g = E(
                comps,
                self.STR + "Group",
                {
                    "id": group.id,
                    "urn": component_urn(dsd.ref, "GroupDimensionDescriptor", group.id),
                },
            )
            self._annotations(g, group.annotations)
            for dim_id in group.dimensions:
                E(E(g, self.STR + "GroupDimension"), self.STR + "DimensionReference").text = dim_id
        if d.attributes:
            attr_list = E(
                comps,
                self.STR + "AttributeList",
                {
                    "id": "AttributeDescriptor",
                    "urn": component_urn(dsd.ref, "AttributeDescriptor", "AttributeDescriptor"),
                },
            )
            for attr in d.attributes:
                usage = "mandatory" if attr.assignment_status == "Mandatory" else "optional"
                el = self._component(
                    attr_list, "Attribute", "Attribute", dsd, attr, {"usage": usage}
                )
                for role in attr.roles:
                    E(el, self.STR + "ConceptRole").text = item_urn3(role)
                self._relationship(el, attr)
        if d.primary_measure is not None:
            measures = E(
                comps,
                self.STR + "MeasureList",
                {
                    "id": "MeasureDescriptor",
                    "urn": component_urn(dsd.ref, "MeasureDescriptor", "MeasureDescriptor"),
                },
            )
            pm = d.primary_measure
            self._component(measures, "Measure", "Measure", dsd, pm)

    def _relationship(self, parent: etree._Element, attr: Component) -> None:
        rel = E(parent, self.STR + "AttributeRelationship")
        r = attr.relationship
        if r is None or r.kind == "none":
            E(rel, self.STR + "Dataflow")
        elif r.kind == "primary_measure":
            E(rel, self.STR + "Observation")
        elif r.kind == "group":
            E(rel, self.STR + "Group").text = r.group or ""
        elif r.dimensions:
            for dim in r.dimensions:
                E(rel, self.STR + "Dimension").text = dim
        elif (
            r.attachment_groups
        ):  # 3.0 has no attachment group: the group the attribute is attached to
            E(rel, self.STR + "Group").text = r.attachment_groups[0]
        else:
            E(rel, self.STR + "Dataflow")

    # ------------------------------------------------------------------ constraints

    def _constraint(self, parent: etree._Element, c: ConstraintDetails) -> None:
        attachments = _one_attachment_kind(c.attachments)
        if attachments:
            box = E(parent, self.STR + "ConstraintAttachment")
            for att in attachments:
                if att.item is not None:
                    E(box, self.STR + "DataProvider").text = item_urn3(att.item)
                elif att.ref is not None:
                    E(box, self.STR + att.ref.type.info.cls).text = urn_of(att.ref)
        for ks in c.data_key_sets:
            box = E(parent, self.STR + "DataKeySet", {"isIncluded": bool_attr(ks.include)})
            for key in ks.keys:
                k = E(box, self.STR + "Key")
                for comp, value in key.items():
                    E(E(k, self.STR + "KeyValue", {"id": comp}), self.STR + "Value").text = value
        # SDMX 3.0 allows one included and one excluded cube region: regions of the same kind are merged.
        for include in (True, False):
            regions = [r for r in c.cube_regions if r.include is include]
            if regions:
                self._cube_region(parent, _merge(regions), include)

    def _cube_region(self, parent: etree._Element, region: CubeRegion, include: bool) -> None:
        el = E(parent, self.STR + "CubeRegion", {"include": bool_attr(include)})
        for kv in region.key_values:
            if kv.values or kv.time_range is not None:
                self._key_value(el, "KeyValue", kv)
        for kv in region.attributes:
            self._key_value(el, "Component", kv)

    def _key_value(self, parent: etree._Element, tag: str, kv: KeyValue) -> None:
        attrs = {"id": kv.id}
        if not kv.include:
            attrs["include"] = "false"
        el = E(parent, self.STR + tag, attrs)
        for value in kv.values:
            v = E(el, self.STR + "Value", {"cascadeValues": "true"} if value in kv.cascade else {})
            v.text = value
        if kv.time_range is not None and not kv.values:
            tr = kv.time_range
            box = E(el, self.STR + "TimeRange")
            if tr.start and tr.end:
                E(
                    box, self.STR + "StartPeriod", {"isInclusive": bool_attr(tr.start_inclusive)}
                ).text = tr.start
                E(
                    box, self.STR + "EndPeriod", {"isInclusive": bool_attr(tr.end_inclusive)}
                ).text = tr.end
            elif tr.start:
                E(
                    box, self.STR + "AfterPeriod", {"isInclusive": bool_attr(tr.start_inclusive)}
                ).text = tr.start
            elif tr.end:
                E(
                    box, self.STR + "BeforePeriod", {"isInclusive": bool_attr(tr.end_inclusive)}
                ).text = tr.end


def _one_attachment_kind(atts: list[ConstraintAttachmentRef]) -> list[ConstraintAttachmentRef]:
    """SDMX 3.0 attaches a data constraint to one kind of artefact: the most specific one present."""
    for kind in ("ProvisionAgreement", "Dataflow", "DataStructure"):
        chosen = [a for a in atts if a.ref is not None and a.ref.type.info.cls == kind]
        if chosen:
            return chosen
    providers = [a for a in atts if a.item is not None]
    return providers[:1]


def _merge(regions: list[CubeRegion]) -> CubeRegion:
    if len(regions) == 1:
        return regions[0]
    keys: dict[str, KeyValue] = {}
    attrs: dict[str, KeyValue] = {}
    for region in regions:
        for target, values in ((keys, region.key_values), (attrs, region.attributes)):
            for kv in values:
                if kv.id in target:
                    merged = list(dict.fromkeys(target[kv.id].values + kv.values))
                    target[kv.id] = target[kv.id].model_copy(update={"values": merged})
                else:
                    target[kv.id] = kv
    return CubeRegion(
        include=regions[0].include, key_values=list(keys.values()), attributes=list(attrs.values())
    )


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """One SDMX-ML 3.0 Structure message."""
    return StructureWriter3(ctx, "0").write(entries)


__all__ = ["StructureWriter3", "write_structures", "urn3"]
