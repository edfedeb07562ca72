"""Availability answers in SDMX-ML 3.0 and 3.1 (``application/vnd.sdmx.structure+xml;version=3.0.0|3.1.0``).

A Structure message with the availability constraint (SDMX 3.0: a ``DataConstraint`` with role
``Actual``; SDMX 3.1: an ``AvailabilityConstraint`` with ``seriesCount`` and ``obsCount``), the
partial codelists of ``references=codelist`` and the dataflow of ``references=dataflow``. Only the
availability part of the SDMX-ML 3.x structure vocabulary is written here; the complete 3.x
structure writer (DSDs, concept schemes, ...) belongs to the structure formats, and answers that
need it are written by it when it is installed (:func:`full_writer`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import cast

from lxml import etree
from lxml.etree import SubElement as E

from sdmx_server.domain.errors import NotImplementedYetError
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    ConstraintDetails,
    CubeRegion,
    DataflowDetails,
    KeyValue,
    urn_of,
)
from sdmx_server.formats.common import RenderContext, StructureEntry, availability_counts
from sdmx_server.formats.xml_ns import XML_LANG, bool_attr, iso, ns3_data

OWN_TYPES = frozenset(
    {ArtefactType.CONTENT_CONSTRAINT, ArtefactType.CODELIST, ArtefactType.DATAFLOW}
)


def full_writer(minor: str) -> Callable[[Sequence[StructureEntry], RenderContext], bytes] | None:
    """The complete SDMX-ML 3.x structure writer, when the structure formats provide one."""
    try:
        module = importlib.import_module(f"sdmx_server.formats.sdmx_ml3{minor}_structure")
    except ImportError:
        return None
    writer: Callable[[Sequence[StructureEntry], RenderContext], bytes] | None = getattr(
        module, "write_structures", None
    )
    return writer


class AvailabilityWriter3:
    """One SDMX-ML 3.x Structure message holding an availability constraint (and codelists, dataflow)."""

    def __init__(self, ctx: RenderContext, minor: str) -> None:
        self.ctx = ctx
        self.v31 = minor == "1"
        ns = ns3_data(minor)
        self.nsmap = {"mes": ns["mes"], "str": ns["str"], "com": ns["com"]}
        self.MES, self.STR, self.COM = ("{" + ns[k] + "}" for k in ("mes", "str", "com"))

    def write(self, entries: Sequence[StructureEntry]) -> bytes:
        """The message."""
        root = etree.Element(self.MES + "Structure", nsmap=self.nsmap)
        header = E(root, self.MES + "Header")
        E(header, self.MES + "ID").text = self.ctx.message_id
        E(header, self.MES + "Test").text = "false"
        E(header, self.MES + "Prepared").text = iso(self.ctx.prepared)
        E(header, self.MES + "Sender", {"id": self.ctx.sender})
        structures = E(root, self.MES + "Structures")
        arts = [e.artefact for e in entries]
        constraints = [a for a in arts if a.type is ArtefactType.CONTENT_CONSTRAINT]
        if self.v31 and constraints:  # 3.1: AvailabilityConstraints come first
            box = E(structures, self.STR + "AvailabilityConstraints")
            for a in constraints:
                self._availability(box, a)
        codelists = [a for a in arts if a.type is ArtefactType.CODELIST]
        if codelists:
            box = E(structures, self.STR + "Codelists")
            for a in codelists:
                self._codelist(box, a)
        if constraints and not self.v31:
            box = E(structures, self.STR + "DataConstraints")
            for a in constraints:
                el = E(
                    box,
                    self.STR + "DataConstraint",
                    self._maintainable(a, "registry.DataConstraint", role="Actual"),
                )
                self._annotations(el, a)
                self._names(el, a)
                details = a.details
                assert isinstance(details, ConstraintDetails)
                self._attachment(el, details)
                for region in details.cube_regions:
                    self._region(el, region)
        flows = [a for a in arts if a.type is ArtefactType.DATAFLOW]
        if flows:
            box = E(structures, self.STR + "Dataflows")
            for a in flows:
                el = E(box, self.STR + "Dataflow", self._maintainable(a, "datastructure.Dataflow"))
                self._annotations(el, a)
                self._names(el, a)
                assert isinstance(a.details, DataflowDetails)
                E(el, self.STR + "Structure").text = urn_of(a.details.structure)
        return cast(bytes, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _maintainable(self, a: Artefact, cls: str, **extra: str) -> dict[str, str]:
        attrs = {
            "id": a.id,
            "urn": f"urn:sdmx:org.sdmx.infomodel.{cls}={a.agency}:{a.id}({a.version})",
            "version": a.version,
            "agencyID": a.agency,
            "isExternalReference": "false",
        }
        if a.type.is_item_scheme:
            attrs["isPartial"] = bool_attr(a.is_partial)
        attrs.update(extra)
        return attrs

    def _names(self, el: etree._Element, a: Artefact | object, fallback: str = "") -> None:
        names = getattr(a, "names", {}) or {}
        selected = self.ctx.languages.select(names) or {
            self.ctx.languages.default: fallback or getattr(a, "id", "")
        }
        for lang, text in selected.items():
            E(el, self.COM + "Name", {XML_LANG: lang}).text = text

    def _annotations(self, el: etree._Element, a: Artefact) -> None:
        if not a.annotations:
            return
        box = E(el, self.COM + "Annotations")
        for ann in a.annotations:
            item = E(box, self.COM + "Annotation", {"id": ann.id} if ann.id else {})
            if ann.title:
                E(item, self.COM + "AnnotationTitle").text = ann.title
            if ann.type:
                E(item, self.COM + "AnnotationType").text = ann.type

    def _attachment(self, el: etree._Element, details: ConstraintDetails) -> None:
        box = E(el, self.STR + "ConstraintAttachment")
        for att in details.attachments:
            if att.ref is not None:
                E(box, self.STR + att.ref.type.info.cls).text = urn_of(att.ref)

    def _region(self, parent: etree._Element, region: CubeRegion) -> None:
        el = E(parent, self.STR + "CubeRegion", {"include": bool_attr(region.include)})
        for kv in region.key_values:
            if kv.values or kv.time_range is not None:
                self._key_value(el, kv)

    def _key_value(self, parent: etree._Element, kv: KeyValue) -> None:
        el = E(parent, self.STR + "KeyValue", {"id": kv.id})
        for value in kv.values:
            E(el, self.STR + "Value").text = value
        tr = kv.time_range
        if tr is not None and not kv.values:
            box = E(el, self.STR + "TimeRange")
            if tr.start and tr.end:
                E(box, self.STR + "StartPeriod", {"isInclusive": "true"}).text = tr.start
                E(box, self.STR + "EndPeriod", {"isInclusive": "true"}).text = tr.end
            elif tr.start:
                E(box, self.STR + "AfterPeriod", {"isInclusive": "true"}).text = tr.start
            elif tr.end:
                E(box, self.STR + "BeforePeriod", {"isInclusive": "true"}).text = tr.end

    def _availability(self, parent: etree._Element, a: Artefact) -> None:
        details = a.details
        assert isinstance(details, ConstraintDetails)
        attrs = {k: str(v) for k, v in availability_counts(a).items()}
        el = E(parent, self.STR + "AvailabilityConstraint", attrs)
        self._annotations(el, a)
        box = E(el, self.STR + "ConstraintAttachment")
        att = next((x for x in details.attachments if x.ref is not None), None)
        if att is not None and att.ref is not None:
            E(box, self.STR + att.ref.type.info.cls).text = urn_of(att.ref)
        region = next(
            (r for r in details.cube_regions if r.include), CubeRegion(include=True, key_values=[])
        )
        self._region(el, region)

    def _codelist(self, parent: etree._Element, a: Artefact) -> None:
        el = E(parent, self.STR + "Codelist", self._maintainable(a, "codelist.Codelist"))
        self._names(el, a)
        for item in a.items:
            code = E(
                el,
                self.STR + "Code",
                {
                    "id": item.id,
                    "urn": f"urn:sdmx:org.sdmx.infomodel.codelist.Code="
                    f"{a.agency}:{a.id}({a.version}).{item.id}",
                },
            )
            self._names(code, item, item.id)
            if item.parent:
                E(code, self.STR + "Parent").text = item.parent


def _write(entries: Sequence[StructureEntry], ctx: RenderContext, minor: str) -> bytes:
    if all(e.artefact.type in OWN_TYPES for e in entries):
        return AvailabilityWriter3(ctx, minor).write(entries)
    writer = full_writer(minor)
    if writer is None:
        raise NotImplementedYetError(
            "These references need the SDMX-ML 3.x structure writer, not installed: ask "
            "for references=none, codelist, valuelist or dataflow, or for SDMX-ML 2.1"
        )
    return writer(entries, ctx)


def write_availability30(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """SDMX-ML 3.0: a DataConstraint (role Actual) and what ``references`` asked for."""
    return _write(entries, ctx, "0")


def write_availability31(entries: Sequence[StructureEntry], ctx: RenderContext) -> bytes:
    """SDMX-ML 3.1: an AvailabilityConstraint (with its counts) and what ``references`` asked for."""
    return _write(entries, ctx, "1")
