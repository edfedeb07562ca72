"""Dataflow- or DSD-specific XSD for SDMX-ML 2.1 structure-specific data (``/schema``).

The schema restricts the abstract types of ``SDMXDataStructureSpecificBase.xsd``:
``DataSetType``, ``SeriesType``, ``ObsType`` and one type per group, with
one attribute per component. Coded components get an enumeration of the
codes of their codelist, restricted by the Allowed content constraints that
apply. Attributes are all optional (so that ``detail=dataonly`` output, which
drops them, still validates); dimensions are required.
"""

from __future__ import annotations

from lxml import etree

from sdmx_server.formats.data_context import ALL_DIMENSIONS
from sdmx_server.formats.xml_ns import NS21
from sdmx_server.services.dsd_info import ComponentInfo, DsdInfo

XS = "http://www.w3.org/2001/XMLSchema"
_X = "{" + XS + "}"
COMMON = NS21["com"]
SS = NS21["ss"]


def _allowed(info: DsdInfo, comp: ComponentInfo) -> list[str] | None:
    """The codes a component may take under the Allowed constraints.

    The include regions of one constraint are a union (a region that does not
    name the component allows all its codes); constraints intersect; an
    exclude region that names only this component removes its values.
    """
    if comp.codes is None:
        return None
    codes = frozenset(comp.codes)
    allowed = set(codes)
    for constraint in info.constraints:
        includes = [r for r in constraint.regions if r.include]
        if includes:
            union: set[str] = set()
            for region in includes:
                union |= region.values.get(comp.id, codes) - region.excluded.get(comp.id, frozenset())
            allowed &= union
        for region in constraint.regions:
            if (not region.include and set(region.values) == {comp.id} and not region.excluded
                    and region.time_start is None and region.time_end is None):
                allowed -= region.values[comp.id]
    return sorted(allowed)


class SchemaWriter:
    """Builds the XSD for one structure and one dimension at observation."""

    common_ns = COMMON
    ss_ns = SS
    time_series_bases = True  # SDMX-ML 2.1 has TimeSeries* base types; 3.x has not
    choice_max = "1"  # 2.1: one choice of Series or Obs; 3.x: an unbounded choice of Group, Series, Obs

    def __init__(self, info: DsdInfo, namespace: str, dim_at_obs: str, schema_base: str) -> None:
        self.info = info
        self.ns = namespace
        self.dim_at_obs = dim_at_obs
        self.base = schema_base.rstrip("/")
        self.time_id = info.time_dimension or "TIME_PERIOD"
        self.root = etree.Element(_X + "schema", nsmap={"xs": XS, "ss": self.ss_ns, "common": self.common_ns,
                                                        None: namespace},
                                  targetNamespace=namespace, elementFormDefault="unqualified",
                                  attributeFormDefault="unqualified")

    def build(self) -> bytes:
        """The schema document."""
        E = etree.SubElement
        E(self.root, _X + "import", namespace=self.common_ns, schemaLocation=f"{self.base}/SDMXCommon.xsd")
        E(self.root, _X + "import", namespace=self.ss_ns, schemaLocation=f"{self.base}/SDMXDataStructureSpecific.xsd")
        self._simple_types()
        self._dataset()
        self._groups()
        if self.dim_at_obs != ALL_DIMENSIONS:
            self._series()
        self._obs()
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    # ------------------------------------------------------------------ helpers

    def _type_of(self, comp: ComponentInfo) -> str:
        if comp.codes is not None:
            return f"{comp.id}.Type"
        t = comp.text_type
        return {"Double": "xs:double", "Float": "xs:float", "Decimal": "xs:decimal", "Integer": "xs:integer",
                "Long": "xs:long", "Short": "xs:short", "BigInteger": "xs:integer", "Boolean": "xs:boolean",
                "Count": "xs:integer", "DateTime": "xs:dateTime", "URI": "xs:anyURI"}.get(t or "", "xs:string")

    def _simple_types(self) -> None:
        E = etree.SubElement
        comps = list(self.info.dimensions) + list(self.info.attributes.values())
        for comp in comps:
            values = _allowed(self.info, comp)
            if values is None:
                continue
            st = E(self.root, _X + "simpleType", name=f"{comp.id}.Type")
            r = E(st, _X + "restriction", base="common:IDType" if comp in self.info.dimensions else "xs:string")
            for v in values:
                E(r, _X + "enumeration", value=v)

    def _attr(self, parent: etree._Element, name: str, type_: str | None, use: str) -> None:
        attrs = {"name": name, "use": use}
        if type_ is not None and use != "prohibited":
            attrs["type"] = type_
        etree.SubElement(parent, _X + "attribute", attrs)

    def _restriction(self, name: str, base: str) -> tuple[etree._Element, etree._Element]:
        E = etree.SubElement
        ct = E(self.root, _X + "complexType", name=name)
        restriction = E(E(ct, _X + "complexContent"), _X + "restriction", base=base)
        seq = E(restriction, _X + "sequence")
        E(seq, _X + "element", ref="common:Annotations", minOccurs="0")
        return restriction, seq

    def _presented(self, level: str) -> list[ComponentInfo]:
        """Attributes written at ``level`` for this dimension at observation (as the writers do)."""
        out = []
        for comp in self.info.attributes.values():
            where = comp.level
            if where in ("series", "group"):
                if self.dim_at_obs == ALL_DIMENSIONS:
                    where = "obs"
                elif self.dim_at_obs != self.time_id and self.dim_at_obs in self._related(comp.id):
                    where = "obs"
            if where == level:
                out.append(comp)
        return out

    def _related(self, attr_id: str) -> set[str]:
        for a in getattr(self.info.dsd.details, "attributes", []):
            if a.id == attr_id and a.relationship is not None:
                if a.relationship.kind == "group" and a.relationship.group:
                    return set(self.info.groups.get(a.relationship.group, ()))
                return set(a.relationship.dimensions)
        return set(self.info.dimension_ids)

    # ------------------------------------------------------------------ types

    def _dataset(self) -> None:
        E = etree.SubElement
        # For time series the types derive from the TimeSeries* types, which derive from
        # the general ones: the same schema then validates both message variants.
        ts = self.time_series_bases and self.dim_at_obs == self.time_id
        base = "ss:TimeSeriesDataSetType" if ts else "ss:DataSetType"
        restriction, seq = self._restriction("DataSetType", base)
        E(seq, _X + "element", name="DataProvider", type="common:DataProviderReferenceType", form="unqualified",
          minOccurs="0")
        if self.info.groups and self.choice_max == "1":
            E(seq, _X + "element", name="Group", type="ss:GroupType", form="unqualified", minOccurs="0",
              maxOccurs="unbounded")
        choice = E(seq, _X + "choice", minOccurs="0", maxOccurs=self.choice_max)
        inner_max = "unbounded" if self.choice_max == "1" else "1"
        if self.info.groups and self.choice_max != "1":
            E(choice, _X + "element", name="Group", type="ss:GroupType", form="unqualified")
        if self.dim_at_obs == ALL_DIMENSIONS:
            E(choice, _X + "element", name="Obs", type="ObsType", form="unqualified", maxOccurs=inner_max)
        else:
            E(choice, _X + "element", name="Series", type="SeriesType", form="unqualified", maxOccurs=inner_max)
        for comp in self._presented("dataset"):
            self._attr(restriction, comp.id, self._type_of(comp), "optional")

    def _groups(self) -> None:
        E = etree.SubElement
        dims = {d.id: d for d in self.info.dimensions}
        for group, group_dims in self.info.groups.items():
            restriction, _seq = self._restriction(group, "ss:GroupType")
            E(restriction, _X + "attribute", name="type", type="common:IDType", fixed=group)
            for d in group_dims:
                if d in dims:
                    self._attr(restriction, d, self._type_of(dims[d]), "required")
            for comp in self._presented("group"):
                if comp.group == group:
                    self._attr(restriction, comp.id, self._type_of(comp), "optional")

    def _series(self) -> None:
        E = etree.SubElement
        base = "ss:TimeSeriesType" if self.time_series_bases and self.dim_at_obs == self.time_id else "ss:SeriesType"
        restriction, seq = self._restriction("SeriesType", base)
        E(seq, _X + "element", name="Obs", type="ObsType", form="unqualified", minOccurs="0", maxOccurs="unbounded")
        for d in self.info.dimensions:
            if d.id != self.dim_at_obs:
                self._attr(restriction, d.id, self._type_of(d), "required")
        cross = self.dim_at_obs != self.time_id
        self._attr(restriction, "TIME_PERIOD", "common:ObservationalTimePeriodType", "required" if cross else "prohibited")
        for comp in self._presented("series"):
            self._attr(restriction, comp.id, self._type_of(comp), "optional")

    def _obs(self) -> None:
        base = "ss:TimeSeriesObsType" if self.time_series_bases and self.dim_at_obs == self.time_id else "ss:ObsType"
        restriction, _seq = self._restriction("ObsType", base)
        dims = {d.id: d for d in self.info.dimensions}
        if self.dim_at_obs == ALL_DIMENSIONS:
            for d in self.info.dimensions:
                self._attr(restriction, d.id, self._type_of(d), "required")
            self._attr(restriction, "TIME_PERIOD", "common:ObservationalTimePeriodType", "required")
        elif self.dim_at_obs == self.time_id:
            self._attr(restriction, "TIME_PERIOD", "common:ObservationalTimePeriodType", "required")
        else:
            self._attr(restriction, "TIME_PERIOD", None, "prohibited")
            self._attr(restriction, self.dim_at_obs, self._type_of(dims[self.dim_at_obs]), "required")
        measure = self.info.primary_measure
        mtype = "xs:double" if self.info.numeric_measure else self._type_of(measure)
        self._attr(restriction, "OBS_VALUE" if measure.id == "OBS_VALUE" else measure.id, mtype, "optional")
        for comp in self._presented("obs"):
            self._attr(restriction, comp.id, self._type_of(comp), "optional")


def write_schema(info: DsdInfo, namespace: str, dim_at_obs: str, schema_base: str) -> bytes:
    """The XSD for structure-specific data of ``info`` with ``dim_at_obs`` at observation level."""
    return SchemaWriter(info, namespace, dim_at_obs, schema_base).build()

