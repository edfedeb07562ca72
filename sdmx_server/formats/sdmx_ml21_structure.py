"""SDMX-ML 2.1 Structure messages, from our model (valid against SDMXMessage.xsd).

Ordered like SDMXStructure*.xsd. Every ``Ref`` carries ``class`` and
``package``; stubs carry ``isExternalReference="true"`` and a
``structureURL`` under the server's public URL.
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
    ConstraintDetails,
    Contact,
    CubeRegion,
    DataflowDetails,
    DsdDetails,
    ItemRef,
    KeyValue,
    MaintainableRef,
    ProvisionAgreementDetails,
    Representation,
    item_urn_of,
    urn_of,
)
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.xml_ns import COM, MES, NSMAP21, STR, XML_LANG, bool_attr, iso

E = etree.SubElement

# Container element per type, in the order StructuresType requires.
CONTAINERS: list[tuple[str, tuple[ArtefactType, ...]]] = [
    (
        "OrganisationSchemes",
        (
            ArtefactType.AGENCY_SCHEME,
            ArtefactType.DATA_CONSUMER_SCHEME,
            ArtefactType.DATA_PROVIDER_SCHEME,
            ArtefactType.ORGANISATION_UNIT_SCHEME,
        ),
    ),
    ("Dataflows", (ArtefactType.DATAFLOW,)),
    ("CategorySchemes", (ArtefactType.CATEGORY_SCHEME,)),
    ("Categorisations", (ArtefactType.CATEGORISATION,)),
    ("Codelists", (ArtefactType.CODELIST,)),
    ("Concepts", (ArtefactType.CONCEPT_SCHEME,)),
    ("DataStructures", (ArtefactType.DATA_STRUCTURE,)),
    ("Constraints", (ArtefactType.CONTENT_CONSTRAINT,)),
    ("ProvisionAgreements", (ArtefactType.PROVISION_AGREEMENT,)),
]


class StructureWriter21:
    """Writes one SDMX-ML 2.1 Structure message."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.lang = ctx.languages

    def write(self, entries: Sequence[StructureEntry]) -> bytes:
        """The complete message as bytes (starts with ``<?xml``)."""
        root = etree.Element(MES + "Structure", nsmap=NSMAP21)
        write_header(root, self.ctx)
        structures = E(root, MES + "Structures")
        for container, types in CONTAINERS:
            selected = [e for t in types for e in entries if e.artefact.type is t]
            if not selected:
                continue
            parent = E(structures, STR + container)
            for entry in selected:
                self._maintainable(parent, entry)
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
            E(parent, COM + "Name", {XML_LANG: lang}).text = text
        if with_descriptions:
            for lang, text in self.lang.select(descriptions).items():
                E(parent, COM + "Description", {XML_LANG: lang}).text = text

    def _annotations(self, parent: etree._Element, annotations: Iterable[Annotation]) -> None:
        annotations = list(annotations)
        if not annotations:
            return
        box = E(parent, COM + "Annotations")
        for a in annotations:
            el = E(box, COM + "Annotation", {"id": a.id} if a.id else {})
            if a.title is not None:
                E(el, COM + "AnnotationTitle").text = a.title
            if a.type is not None:
                E(el, COM + "AnnotationType").text = a.type
            if a.url is not None:
                E(el, COM + "AnnotationURL").text = a.url
            texts = dict(a.texts)
            if a.value is not None and not texts:
                texts = {self.lang.default: a.value}
            for lang, text in self.lang.select(texts).items():
                E(el, COM + "AnnotationText", {XML_LANG: lang}).text = text

    def _maintainable(self, parent: etree._Element, entry: StructureEntry) -> None:
        a = entry.artefact
        stub = entry.mode != "full" or a.is_external_reference
        el = E(parent, STR + a.type.info.cls, self._maintainable_attrs(a, stub))
        if entry.mode != "stub":
            self._annotations(el, a.annotations)
        self._names(el, a.names, a.descriptions, a.id, with_descriptions=entry.mode != "stub")
        if not stub:
            self._body(el, a)
        else:
            self._stub_body(el, a)

    def _maintainable_attrs(self, a: Artefact, stub: bool) -> dict[str, str]:
        """XML attributes of a maintainable, in the schema's order."""
        attrs = {"id": a.id, "urn": urn_of(a.ref)}
        if a.uri:
            attrs["uri"] = a.uri
        attrs["version"] = a.version
        if a.valid_from:
            attrs["validFrom"] = iso(a.valid_from)
        if a.valid_to:
            attrs["validTo"] = iso(a.valid_to)
        attrs["agencyID"] = a.agency
        attrs["isFinal"] = bool_attr(a.is_final)
        attrs["isExternalReference"] = bool_attr(stub)
        if a.service_url:
            attrs["serviceURL"] = a.service_url
        if stub:
            attrs["structureURL"] = a.structure_url or self.ctx.structure_url(a)
        elif a.structure_url:
            attrs["structureURL"] = a.structure_url
        if a.type.is_item_scheme and not stub:
            attrs["isPartial"] = bool_attr(a.is_partial)
        return attrs

    @staticmethod
    def _stub_body(el: etree._Element, a: Artefact) -> None:
        """What a stub must still carry: the schema's required children and
        the constraint type (its default, Actual, would misstate Allowed ones)."""
        if a.type is ArtefactType.CONTENT_CONSTRAINT:
            el.set("type", a.details.role if isinstance(a.details, ConstraintDetails) else "Actual")
        elif isinstance(a.details, ProvisionAgreementDetails):
            E(E(el, STR + "StructureUsage"), "Ref", ref_attrs(a.details.dataflow))
            E(E(el, STR + "DataProvider"), "Ref", item_ref_attrs(a.details.data_provider))

    def _body(self, el: etree._Element, a: Artefact) -> None:
        """What a full (not stub) maintainable holds beyond its names."""
        if a.type.is_item_scheme:
            self._items(el, a)
        elif isinstance(a.details, DsdDetails):
            self._dsd(el, a, a.details)
        elif isinstance(a.details, DataflowDetails):
            E(E(el, STR + "Structure"), "Ref", ref_attrs(a.details.structure))
        elif isinstance(a.details, CategorisationDetails):
            E(E(el, STR + "Source"), "Ref", ref_attrs(a.details.source))
            E(E(el, STR + "Target"), "Ref", item_ref_attrs(a.details.target))
        elif isinstance(a.details, ProvisionAgreementDetails):
            E(E(el, STR + "StructureUsage"), "Ref", ref_attrs(a.details.dataflow))
            E(E(el, STR + "DataProvider"), "Ref", item_ref_attrs(a.details.data_provider))
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
            attrs = {"id": leaf, "urn": item_urn_of(ref)}
            if item.uri:
                attrs["uri"] = item.uri
            el = E(container, STR + info.item_class, attrs)
            elements[item.id] = el
            self._annotations(el, item.annotations)
            self._names(el, item.names, item.descriptions, leaf)
            if scheme.type.is_organisation_scheme:
                for contact in item.contacts:
                    self._contact(el, contact)
            if item.parent and not nested:
                E(E(el, STR + "Parent"), "Ref", {"id": item.parent})
            if scheme.type is ArtefactType.CONCEPT_SCHEME and item.core_representation is not None:
                self._representation(el, "CoreRepresentation", item.core_representation)

    def _contact(self, parent: etree._Element, contact: Contact) -> None:
        el = E(parent, STR + "Contact")
        for tag, texts in (
            ("Name", contact.names),
            ("Department", contact.departments),
            ("Role", contact.roles),
        ):
            for lang, text in self.lang.select(texts).items():
                E(el, (COM if tag == "Name" else STR) + tag, {XML_LANG: lang}).text = text
        for tag, values in (
            ("Telephone", contact.telephone),
            ("Fax", contact.fax),
            ("X400", contact.x400),
            ("URI", contact.uri),
            ("Email", contact.email),
        ):
            for value in values:
                E(el, STR + tag).text = value

    # ------------------------------------------------------------------ DSD

    def _representation(
        self, parent: etree._Element, tag: str, rep: Representation, kind: str | None = None
    ) -> None:
        el = E(parent, STR + tag)
        if rep.enumeration is not None:
            E(E(el, STR + "Enumeration"), "Ref", ref_attrs(rep.enumeration))
            if rep.enumeration_format:
                E(el, STR + "EnumerationFormat", _facets(rep.enumeration_format, enumerated=True))
        elif rep.text_format is not None:
            E(el, STR + "TextFormat", _facets(rep.text_format))

    def _component(
        self,
        parent: etree._Element,
        tag: str,
        dsd: Artefact,
        comp: Component,
        extra: dict[str, str] | None = None,
    ) -> etree._Element:
        attrs = {"id": comp.id, "urn": component_urn(dsd.ref, tag, comp.id)}
        attrs.update(extra or {})
        el = E(parent, STR + tag, attrs)
        self._annotations(el, comp.annotations)
        if comp.concept is not None:
            E(E(el, STR + "ConceptIdentity"), "Ref", item_ref_attrs(comp.concept))
        if comp.representation is not None:
            self._representation(el, "LocalRepresentation", comp.representation, comp.kind)
        elif comp.kind == "time":
            # SDMX-ML 2.1 requires the time dimension's representation; clients (sdmx1) may omit it.
            E(
                E(el, STR + "LocalRepresentation"),
                STR + "TextFormat",
                {"textType": "ObservationalTimePeriod"},
            )
        return el

    def _dsd(self, parent: etree._Element, dsd: Artefact, d: DsdDetails) -> None:
        comps = E(parent, STR + "DataStructureComponents")
        dim_list = E(
            comps,
            STR + "DimensionList",
            {
                "id": "DimensionDescriptor",
                "urn": component_urn(dsd.ref, "DimensionDescriptor", "DimensionDescriptor"),
            },
        )
        for n, dim in enumerate(d.dimensions, start=1):
            tag = {"time": "TimeDimension", "measure": "MeasureDimension"}.get(
                dim.kind, "Dimension"
            )
            el = self._component(dim_list, tag, dsd, dim, {"position": str(dim.position or n)})
            for role in dim.roles:
                E(E(el, STR + "ConceptRole"), "Ref", item_ref_attrs(role))
        for group in d.groups:
            g = E(
                comps,
                STR + "Group",
                {
                    "id": group.id,
                    "urn": component_urn(dsd.ref, "GroupDimensionDescriptor", group.id),
                },
            )
            self._annotations(g, group.annotations)
            for dim_id in group.dimensions:
                E(
                    E(E(g, STR + "GroupDimension"), STR + "DimensionReference"),
                    "Ref",
                    {"id": dim_id},
                )
        if d.attributes:
            attr_list = E(
                comps,
                STR + "AttributeList",
                {
                    "id": "AttributeDescriptor",
                    "urn": component_urn(dsd.ref, "AttributeDescriptor", "AttributeDescriptor"),
                },
            )
            for attr in d.attributes:
                el = self._component(
                    attr_list,
                    "Attribute",
                    dsd,
                    attr,
                    {"assignmentStatus": attr.assignment_status or "Conditional"},
                )
                for role in attr.roles:
                    E(E(el, STR + "ConceptRole"), "Ref", item_ref_attrs(role))
                self._relationship(el, attr, d)
        measures = E(
            comps,
            STR + "MeasureList",
            {
                "id": "MeasureDescriptor",
                "urn": component_urn(dsd.ref, "MeasureDescriptor", "MeasureDescriptor"),
            },
        )
        if d.primary_measure is not None:
            self._component(measures, "PrimaryMeasure", dsd, d.primary_measure)

    @staticmethod
    def _relationship(parent: etree._Element, attr: Component, d: DsdDetails) -> None:
        rel = E(parent, STR + "AttributeRelationship")
        r = attr.relationship
        if r is None or r.kind == "none":
            E(rel, STR + "None")
        elif r.kind == "primary_measure":
            pm = d.primary_measure.id if d.primary_measure is not None else "OBS_VALUE"
            E(E(rel, STR + "PrimaryMeasure"), "Ref", {"id": pm})
        elif r.kind == "group":
            E(E(rel, STR + "Group"), "Ref", {"id": r.group or ""})
        else:
            for dim in r.dimensions:
                E(E(rel, STR + "Dimension"), "Ref", {"id": dim})
            for group in r.attachment_groups:
                E(E(rel, STR + "AttachmentGroup"), "Ref", {"id": group})

    # ------------------------------------------------------------------ constraints

    def _constraint(self, parent: etree._Element, c: ConstraintDetails) -> None:
        parent.set("type", c.role)
        if c.attachments:
            box = E(parent, STR + "ConstraintAttachment")
            order = {"DataProvider": 0, "DataStructure": 1, "Dataflow": 2, "ProvisionAgreement": 3}
            atts = sorted(
                c.attachments,
                key=lambda a: order.get(
                    "DataProvider" if a.item else (a.ref.type.info.cls if a.ref else ""), 9
                ),
            )
            for att in atts:
                if att.item is not None:
                    E(E(box, STR + "DataProvider"), "Ref", item_ref_attrs(att.item))
                elif att.ref is not None:
                    E(E(box, STR + att.ref.type.info.cls), "Ref", ref_attrs(att.ref))
        for ks in c.data_key_sets:
            box = E(parent, STR + "DataKeySet", {"isIncluded": bool_attr(ks.include)})
            for key in ks.keys:
                k = E(box, STR + "Key")
                for comp, value in key.items():
                    E(E(k, COM + "KeyValue", {"id": comp}), COM + "Value").text = value
        for region in c.cube_regions:
            self._cube_region(parent, region)
        if c.reference_period is not None:
            rp = c.reference_period
            E(
                parent,
                STR + "ReferencePeriod",
                {"startTime": rp.start or "", "endTime": rp.end or ""},
            )

    @staticmethod
    def _cube_region(parent: etree._Element, region: CubeRegion) -> None:
        el = E(parent, STR + "CubeRegion", {"include": bool_attr(region.include)})
        for tag, values in (("KeyValue", region.key_values), ("Attribute", region.attributes)):
            for kv in values:
                _key_value(el, tag, kv)


def _key_value(parent: etree._Element, tag: str, kv: KeyValue) -> None:
    attrs = {"id": kv.id}
    if not kv.include:
        attrs["include"] = "false"
    el = E(parent, COM + tag, attrs)
    for value in kv.values:
        v = E(el, COM + "Value", {"cascadeValues": "true"} if value in kv.cascade else {})
        v.text = value
    if kv.time_range is not None and not kv.values:
        tr = kv.time_range
        box = E(el, COM + "TimeRange")
        if tr.start and tr.end:
            E(
                box, COM + "StartPeriod", {"isInclusive": bool_attr(tr.start_inclusive)}
            ).text = tr.start
            E(box, COM + "EndPeriod", {"isInclusive": bool_attr(tr.end_inclusive)}).text = tr.end
        elif tr.start:
            E(
                box, COM + "AfterPeriod", {"isInclusive": bool_attr(tr.start_inclusive)}
            ).text = tr.start
        elif tr.end:
            E(box, COM + "BeforePeriod", {"isInclusive": bool_attr(tr.end_inclusive)}).text = tr.end


# ---------------------------------------------------------------------- helpers

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


def _facets(facets: dict[str, str], *, enumerated: bool = False) -> dict[str, str]:
    if enumerated:
        return {k: v for k, v in facets.items() if k in _ENUM_FACETS}
    return {k: v for k, v in facets.items() if k != "sentinelValues"}


def ref_attrs(ref: MaintainableRef) -> dict[str, str]:
    """Attributes of a 2.1 ``Ref`` to a maintainable artefact."""
    info = ref.type.info
    return {
        "agencyID": ref.agency,
        "id": ref.id,
        "version": ref.version,
        "class": info.cls,
        "package": info.package,
    }


def item_ref_attrs(ref: ItemRef) -> dict[str, str]:
    """Attributes of a 2.1 ``Ref`` to an item (concept, code, category, data provider)."""
    info = ref.scheme.type.info
    assert info.item_class is not None
    return {
        "agencyID": ref.scheme.agency,
        "maintainableParentID": ref.scheme.id,
        "maintainableParentVersion": ref.scheme.version,
        "id": ref.item_id,
        "class": info.item_class,
        "package": info.package,
    }


def component_urn(dsd: MaintainableRef, cls: str, comp_id: str) -> str:
    """URN of a DSD component or component list."""
    cls = {
        "Dimension": "Dimension",
        "TimeDimension": "TimeDimension",
        "MeasureDimension": "MeasureDimension",
        "Attribute": "DataAttribute",
        "PrimaryMeasure": "PrimaryMeasure",
    }.get(cls, cls)
    return f"urn:sdmx:org.sdmx.infomodel.datastructure.{cls}={dsd.agency}:{dsd.id}({dsd.version}).{comp_id}"


def write_header(
    root: etree._Element, ctx: RenderContext, *, structure: Iterable[etree._Element] = ()
) -> etree._Element:
    """The common message Header (ID, Test, Prepared, Sender)."""
    header = E(root, MES + "Header")
    E(header, MES + "ID").text = ctx.message_id
    E(header, MES + "Test").text = "false"
    E(header, MES + "Prepared").text = iso(ctx.prepared)
    E(header, MES + "Sender", {"id": ctx.sender})
    for el in structure:
        header.append(el)
    return header


def write_structures(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """Convenience wrapper: one SDMX-ML 2.1 Structure message."""
    return StructureWriter21(ctx).write(entries)


__all__ = ["StructureWriter21", "write_structures", "ref_attrs", "item_ref_attrs", "write_header"]
