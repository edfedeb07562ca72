"""Dataflow- or DSD-specific XSD for SDMX-ML 2.1 structure-specific data (``/schema``).

The schema restricts the abstract types of ``SDMXDataStructureSpecificBase.xsd``:
``DataSetType``, ``SeriesType``, ``ObsType`` and one type per group, with
one attribute per component. Coded components get an enumeration of the
codes of their codelist, restricted by the Allowed content constraints that
apply; uncoded ones a simple type for their text type restricted by every
facet of their text format that XSD can state (:func:`text_format_type`:
lengths and pattern on text types, inclusive bounds on numbers and dates,
fraction digits on decimals). Attributes are all optional (so that ``detail=dataonly`` output, which
drops them, still validates); dimensions are required.
"""

from __future__ import annotations

from typing import cast

from lxml import etree

from sdmx_server.domain.dsd_info import ComponentInfo, DsdInfo
from sdmx_server.formats.data_context import ALL_DIMENSIONS
from sdmx_server.formats.xml_ns import NS21

XS = "http://www.w3.org/2001/XMLSchema"
_X = "{" + XS + "}"
COMMON = NS21["com"]
SS = NS21["ss"]


# SDMX text types (SDMX-ML 2.1 DataType) -> XSD built-in or SDMXCommon types.
TEXT_TYPES: dict[str, str] = {
    "String": "xs:string",
    "Alpha": "common:AlphaType",
    "AlphaNumeric": "common:AlphaNumericType",
    "Numeric": "common:NumericType",
    "BigInteger": "xs:integer",
    "Integer": "xs:int",
    "Long": "xs:long",
    "Short": "xs:short",
    "Decimal": "xs:decimal",
    "Float": "xs:float",
    "Double": "xs:double",
    "Boolean": "xs:boolean",
    "URI": "xs:anyURI",
    "Count": "xs:integer",
    "InclusiveValueRange": "xs:decimal",
    "ExclusiveValueRange": "xs:decimal",
    "Incremental": "xs:decimal",
    "ObservationalTimePeriod": "common:ObservationalTimePeriodType",
    "StandardTimePeriod": "common:StandardTimePeriodType",
    "BasicTimePeriod": "common:BasicTimePeriodType",
    "GregorianTimePeriod": "common:GregorianTimePeriodType",
    "GregorianYear": "xs:gYear",
    "GregorianYearMonth": "xs:gYearMonth",
    "GregorianDay": "xs:date",
    "ReportingTimePeriod": "common:ReportingTimePeriodType",
    "ReportingYear": "common:ReportingYearType",
    "ReportingSemester": "common:ReportingSemesterType",
    "ReportingTrimester": "common:ReportingTrimesterType",
    "ReportingQuarter": "common:ReportingQuarterType",
    "ReportingMonth": "common:ReportingMonthType",
    "ReportingWeek": "common:ReportingWeekType",
    "ReportingDay": "common:ReportingDayType",
    "DateTime": "xs:dateTime",
    "TimeRange": "common:TimeRangeType",
    "Month": "xs:gMonth",
    "MonthDay": "xs:gMonthDay",
    "Day": "xs:gDay",
    "Time": "xs:time",
    "Duration": "xs:duration",
}
_LENGTH_BASES = frozenset(
    {"xs:string", "xs:anyURI", "common:AlphaType", "common:AlphaNumericType", "common:NumericType"}
)
_NUMERIC_BASES = frozenset(
    {"xs:integer", "xs:int", "xs:long", "xs:short", "xs:decimal", "xs:float", "xs:double"}
)
_DECIMAL_BASES = frozenset({"xs:integer", "xs:int", "xs:long", "xs:short", "xs:decimal"})
_ORDERED_BASES = _NUMERIC_BASES | {
    "xs:dateTime",
    "xs:date",
    "xs:gYear",
    "xs:gYearMonth",
    "xs:time",
    "xs:duration",
}


def text_format_type(facets: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """(XSD base type, [(facet element, value)]) for an SDMX text format.

    Every facet XSD can express on that base is returned: ``minLength`` and
    ``maxLength`` on text types, ``pattern`` on any, ``minValue``/``maxValue``
    as inclusive bounds on numbers and dates, ``decimals`` as fraction digits
    (a Double or Float with ``decimals`` is declared decimal so that they can
    apply). Facets with no XSD counterpart (``isSequence``, ``interval``,
    ``isMultiLingual``, ...) are not constraints on a single value.
    """
    base = TEXT_TYPES.get(facets.get("textType", ""), "xs:string")
    if "decimals" in facets and base in ("xs:double", "xs:float"):
        base = "xs:decimal"
    out: list[tuple[str, str]] = []
    if base in _LENGTH_BASES:
        for name in ("minLength", "maxLength"):
            if name in facets:
                out.append((name, facets[name]))
    if "pattern" in facets:
        out.append(("pattern", facets["pattern"]))
    if base in _ORDERED_BASES:
        if "minValue" in facets:
            out.append(("minInclusive", facets["minValue"]))
        if "maxValue" in facets:
            out.append(("maxInclusive", facets["maxValue"]))
    if base in _DECIMAL_BASES and "decimals" in facets:
        out.append(("fractionDigits", facets["decimals"]))
    return base, out


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
                union |= region.values.get(comp.id, codes) - region.excluded.get(
                    comp.id, frozenset()
                )
            allowed &= union
        for region in constraint.regions:
            if (
                not region.include
                and set(region.values) == {comp.id}
                and not region.excluded
                and region.time_start is None
                and region.time_end is None
            ):
                allowed -= region.values[comp.id]
    return sorted(allowed)


class SchemaWriter:
    """Builds the XSD for one structure and one dimension at observation."""

    common_ns = COMMON
    ss_ns = SS
    time_series_bases = True  # SDMX-ML 2.1 has TimeSeries* base types; 3.x has not
    choice_max = (
        "1"  # 2.1: one choice of Series or Obs; 3.x: an unbounded choice of Group, Series, Obs
    )

    def __init__(self, info: DsdInfo, namespace: str, dim_at_obs: str, schema_base: str) -> None:
        self.info = info
        self.ns = namespace
        self.dim_at_obs = dim_at_obs
        self.base = schema_base.rstrip("/")
        self.time_id = info.time_dimension or "TIME_PERIOD"
        self.root = etree.Element(
            _X + "schema",
            nsmap={"xs": XS, "ss": self.ss_ns, "common": self.common_ns, None: namespace},
            targetNamespace=namespace,
            elementFormDefault="unqualified",
            attributeFormDefault="unqualified",
        )

    def build(self) -> bytes:
        """The schema document."""
        E = etree.SubElement
        E(
            self.root,
            _X + "import",
            namespace=self.common_ns,
            schemaLocation=f"{self.base}/SDMXCommon.xsd",
        )
        E(
            self.root,
            _X + "import",
            namespace=self.ss_ns,
            schemaLocation=f"{self.base}/SDMXDataStructureSpecific.xsd",
        )
        self._simple_types()
        self._dataset()
        self._groups()
        if self.dim_at_obs != ALL_DIMENSIONS:
            self._series()
        self._obs()
        return cast(
            bytes,
            etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True),
        )

    # ------------------------------------------------------------------ helpers

    def _type_of(self, comp: ComponentInfo) -> str:
        if comp.codes is not None:
            return f"{comp.id}.Type"
        base, facets = text_format_type(comp.facets)
        return f"{comp.id}.Type" if facets else base

    def _simple_types(self) -> None:
        E = etree.SubElement
        comps = (
            list(self.info.dimensions)
            + list(self.info.attributes.values())
            + [self.info.primary_measure]
        )
        for comp in comps:
            values = _allowed(self.info, comp)
            if values is None:
                base, facets = text_format_type(comp.facets)
                if not facets:
                    continue
                r = E(
                    E(self.root, _X + "simpleType", name=f"{comp.id}.Type"),
                    _X + "restriction",
                    base=base,
                )
                for name, value in facets:
                    E(r, _X + name, value=value)
                continue
            st = E(self.root, _X + "simpleType", name=f"{comp.id}.Type")
            r = E(
                st,
                _X + "restriction",
                base="common:IDType" if comp in self.info.dimensions else "xs:string",
            )
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
        E(
            seq,
            _X + "element",
            name="DataProvider",
            type="common:DataProviderReferenceType",
            form="unqualified",
            minOccurs="0",
        )
        if self.info.groups and self.choice_max == "1":
            E(
                seq,
                _X + "element",
                name="Group",
                type="ss:GroupType",
                form="unqualified",
                minOccurs="0",
                maxOccurs="unbounded",
            )
        choice = E(seq, _X + "choice", minOccurs="0", maxOccurs=self.choice_max)
        inner_max = "unbounded" if self.choice_max == "1" else "1"
        if self.info.groups and self.choice_max != "1":
            E(choice, _X + "element", name="Group", type="ss:GroupType", form="unqualified")
        if self.dim_at_obs == ALL_DIMENSIONS:
            E(
                choice,
                _X + "element",
                name="Obs",
                type="ObsType",
                form="unqualified",
                maxOccurs=inner_max,
            )
        else:
            E(
                choice,
                _X + "element",
                name="Series",
                type="SeriesType",
                form="unqualified",
                maxOccurs=inner_max,
            )
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
        base = (
            "ss:TimeSeriesType"
            if self.time_series_bases and self.dim_at_obs == self.time_id
            else "ss:SeriesType"
        )
        restriction, seq = self._restriction("SeriesType", base)
        E(
            seq,
            _X + "element",
            name="Obs",
            type="ObsType",
            form="unqualified",
            minOccurs="0",
            maxOccurs="unbounded",
        )
        for d in self.info.dimensions:
            if d.id != self.dim_at_obs:
                self._attr(restriction, d.id, self._type_of(d), "required")
        cross = self.dim_at_obs != self.time_id
        self._attr(
            restriction,
            "TIME_PERIOD",
            "common:ObservationalTimePeriodType",
            "required" if cross else "prohibited",
        )
        for comp in self._presented("series"):
            self._attr(restriction, comp.id, self._type_of(comp), "optional")

    def _obs(self) -> None:
        base = (
            "ss:TimeSeriesObsType"
            if self.time_series_bases and self.dim_at_obs == self.time_id
            else "ss:ObsType"
        )
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
            self._attr(
                restriction, self.dim_at_obs, self._type_of(dims[self.dim_at_obs]), "required"
            )
        measure = self.info.primary_measure
        facets = measure.codes is None and bool(text_format_type(measure.facets)[1])
        mtype = "xs:double" if self.info.numeric_measure and not facets else self._type_of(measure)
        self._attr(
            restriction, "OBS_VALUE" if measure.id == "OBS_VALUE" else measure.id, mtype, "optional"
        )
        for comp in self._presented("obs"):
            self._attr(restriction, comp.id, self._type_of(comp), "optional")


def write_schema(info: DsdInfo, namespace: str, dim_at_obs: str, schema_base: str) -> bytes:
    """The XSD for structure-specific data of ``info`` with ``dim_at_obs`` at observation level."""
    return SchemaWriter(info, namespace, dim_at_obs, schema_base).build()
