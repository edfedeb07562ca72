"""Streaming readers for SDMX-ML data messages.

Handles SDMX-ML 2.1 generic data (``GenericData``, ``GenericTimeSeriesData``),
SDMX-ML 2.1 structure-specific data (``StructureSpecificData``,
``StructureSpecificTimeSeriesData``) and SDMX-ML 3.0 structure-specific data,
in every layout: time series, cross-sections (``dimensionAtObservation`` a
non-time dimension, the time period then sits on the series) and flat
(``AllDimensions``) observations, with or without groups.

Records come out in document order: for each DataSet one ``dataset`` record
(its data-set level attributes, possibly none), then ``group`` records,
``series`` records (series-level attributes; emitted even without
observations) each followed by its ``obs`` records. SDMX-ML 3.0 ``Atts``
elements (attributes on a partial key) come out as ``group`` records with
``group_id`` None.

Memory stays flat: an :class:`lxml.etree.XMLPullParser` (see
:class:`._xml_common.XmlFeeder`) only reports the elements we need and every
element is dropped once read. Documents with a DOCTYPE are refused and
nothing is ever fetched or expanded. Locations are exact past line 65535
too, where libxml2 stops counting for elements.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from sdmx_server.domain.kinds import RecordKind

from ._ml_components import (
    STANDARD_DATASET_ATTRIBUTES,
    Components,
    Sorted,
    comp_pairs,
    generic_value_pairs,
    xml_attribute_pairs,
)
from ._xml_common import (
    DEFAULT_XML_LIMITS,
    GENERIC_21,
    GENERIC_DATA_21,
    LIBXML_MAX_LINE,
    ROOT_FORMATS,
    SS_21,
    XSI_TYPE,
    XmlFeeder,
    XmlLimits,
    check_attribute_count,
    check_root,
    localname,
    parse_action,
    parse_header,
)
from .base import Action, ComponentRoles, DataReadError, DataRecord, MessageInfo

__all__ = ["ML_FORMATS", "iter_ml_records", "read_ml_info"]

ML_FORMATS = frozenset(ROOT_FORMATS.values())

_TAGS = ("{*}Header", "{*}DataSet", "{*}Group", "{*}Series", "{*}Obs", "{*}Atts")
_TYPE = frozenset({"type"})


def _tell(stream: BinaryIO) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def read_ml_info(stream: BinaryIO, limits: XmlLimits = DEFAULT_XML_LIMITS) -> MessageInfo:
    """Read the header of an SDMX-ML data message.

    Returns the format (from the root element), the structure the header
    refers to (``Structure``, ``StructureUsage`` or ``ProvisionAgreement``,
    as a ``Ref`` or a URN), ``dimensionAtObservation``, the message ID,
    ``Prepared`` and the sender. Reads no further than the header; a
    seekable stream is put back where it was. Raises :class:`DataReadError`
    for malformed XML, a DOCTYPE or a message that is not data.
    """
    position = _tell(stream)
    try:
        feeder = XmlFeeder(stream, ("start", "end"), tag=("{*}Header", "{*}DataSet"), limits=limits)
        fmt: str | None = None
        for event, elem in feeder.events():
            if fmt is None:
                fmt = check_root(elem)
            if localname(elem.tag) == "DataSet":
                break
            if event == "end":
                return parse_header(elem, fmt)[0]
        if fmt is None:
            fmt = _check_parsed_root(feeder, None)
        return MessageInfo(format=fmt)
    finally:
        if position is not None:
            stream.seek(position)


def _check_parsed_root(feeder: XmlFeeder, fmt: str | None) -> str:
    if feeder.root is None:  # pragma: no cover - lxml raises "no element found" first
        raise DataReadError("line 1", "empty document")
    return check_root(feeder.root, fmt)


def iter_ml_records(
    stream: BinaryIO, roles: ComponentRoles, fmt: str, limits: XmlLimits = DEFAULT_XML_LIMITS
) -> Iterator[DataRecord]:
    """Stream the records of an SDMX-ML data message of format ``fmt``.

    ``fmt`` is one of the SDMX-ML entries of :data:`base.FORMATS`; a message
    of another format raises :class:`DataReadError`, as do malformed XML
    (with lxml's line and message), a DOCTYPE and an unknown ``action``.
    """
    if fmt not in ML_FORMATS:
        raise ValueError(f"not an SDMX-ML data format: {fmt!r}")
    return _MlReader(roles, fmt, limits).run(stream)


def _free(elem: Any) -> None:
    """Drop an element's content and its already-read preceding siblings."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _dataset_attribute(elem: Any, name: str) -> str | None:
    """A standard DataSet attribute, unqualified (generic) or namespaced (structure-specific)."""
    value = elem.get(name)
    if value is not None:
        return str(value)
    suffix = "}" + name
    for key, val in elem.attrib.items():
        if key.endswith(suffix):
            return str(val)
    return None


class _MlReader:
    """The state of one pass over a message."""

    def __init__(
        self, roles: ComponentRoles, fmt: str, limits: XmlLimits = DEFAULT_XML_LIMITS
    ) -> None:
        self.fmt = fmt
        self.limits = limits
        self.generic = fmt == GENERIC_21
        # SDMX-ML 2.1 generic and structure-specific data sets are told apart by their
        # content's namespace, whatever the root says: sdmx1's to_xml writes generic data
        # sets under a StructureSpecificData root.
        self.either_21 = fmt in (GENERIC_21, SS_21)
        self.comps = Components(roles)
        self.measure = roles.primary_measure
        self.obs_dimension = roles.time_dimension or "TIME_PERIOD"
        self.explicit_measures = False
        self.default_action = Action.INFORMATION
        self.ds_index = -1
        self.ds: Any = None
        self.ds_pending = False
        self.action = Action.INFORMATION
        self.valid_from: str | None = None
        self.valid_to: str | None = None
        self.series: Any = None
        self.series_sorted: Sorted | None = None
        self.series_suffix = ""
        self.start_lines: dict[Any, int] = {}
        self.feeder: XmlFeeder

    # ------------------------------------------------------------------ driver

    def run(self, stream: BinaryIO) -> Iterator[DataRecord]:
        feeder = self.feeder = XmlFeeder(stream, ("start", "end"), tag=_TAGS, limits=self.limits)
        start_lines = self.start_lines
        checked = False
        limits = self.limits
        for event, elem in feeder.events():
            if not checked:
                check_root(elem, self.fmt)
                checked = True
            tag = elem.tag
            name = tag[tag.rfind("}") + 1 :]
            if event == "start":
                # Before anything reads its attributes (see XmlLimits).
                check_attribute_count(elem, limits, elem.sourceline)
                if feeder.line:
                    start_lines[elem] = feeder.line
                if name == "DataSet":
                    self._start_dataset(elem)
                    continue
                if self.either_21 and self.ds is not None and elem.getparent() is self.ds:
                    # Generic or structure-specific: the data set's content says (see __init__).
                    self.generic = tag.startswith("{" + GENERIC_DATA_21 + "}")
                if name == "Series" and self.ds is not None and elem.getparent() is self.ds:
                    self.series, self.series_sorted = elem, None
                continue
            if name == "Obs":
                parent = elem.getparent()
                if parent is self.series and parent is not None:
                    if self.series_sorted is None or self.ds_pending:
                        yield from self._flush()
                    yield self._obs(elem, self.series_sorted)
                    _free(elem)
                elif parent is self.ds and parent is not None:
                    if self.ds_pending:
                        yield from self._flush()
                    yield self._obs(elem, None)
                    _free(elem)
            else:
                yield from self._end(name, elem)
            if start_lines:
                start_lines.pop(elem, None)
        if not checked:
            _check_parsed_root(feeder, self.fmt)

    def _line(self, elem: Any) -> int:
        """The line an element starts on (beyond libxml2's limit, as counted by the feeder)."""
        line = elem.sourceline
        if line is not None and line < LIBXML_MAX_LINE:
            return int(line)
        return self.feeder.location_line(elem, self.start_lines.get(elem))

    def _end(self, name: str, elem: Any) -> Iterator[DataRecord]:
        """End of anything but an Obs."""
        if name == "Series" and elem is self.series:
            yield from self._flush()
            self.series = self.series_sorted = None
            _free(elem)
        elif name in ("Group", "Atts") and self.ds is not None and elem.getparent() is self.ds:
            yield from self._flush()
            yield self._group(elem, name)
            _free(elem)
        elif name == "DataSet" and elem is self.ds:
            yield from self._flush()
            self.ds = None
            _free(elem)
        elif name == "Header" and self.ds is None:
            info, self.default_action = parse_header(elem, self.fmt)
            if info.dimension_at_observation not in (None, "AllDimensions"):
                self.obs_dimension = str(info.dimension_at_observation)
            self.explicit_measures = info.explicit_measures
            _free(elem)

    def _start_dataset(self, elem: Any) -> None:
        self.ds_index += 1
        self.ds = elem
        self.generic = self.fmt == GENERIC_21
        self.ds_pending = True
        self.series = self.series_sorted = None
        location = f"line {self._line(elem)}"
        self.action = parse_action(
            _dataset_attribute(elem, "action"), location, self.default_action
        )
        self.valid_from = _dataset_attribute(elem, "validFromDate")
        self.valid_to = _dataset_attribute(elem, "validToDate")

    def _flush(self) -> Iterator[DataRecord]:
        """The dataset and series records that are due before the next record."""
        if self.ds_pending:
            self.ds_pending = False
            yield self._dataset_record()
        if self.series is not None and self.series_sorted is None:
            yield self._series_record()

    def _record(
        self, kind: RecordKind, location: str, s: Sorted, group_id: str | None = None
    ) -> DataRecord:
        return DataRecord(
            kind=kind,
            action=self.action,
            location=location,
            key=tuple(s.key),
            period=s.period,
            value=s.value,
            attrs=s.attrs,
            unknown=s.unknown,
            group_id=group_id,
            dataset=self.ds_index,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )

    # ------------------------------------------------------------------ records

    def _dataset_record(self) -> DataRecord:
        ds = self.ds
        if self.generic:
            pairs = []
            for child in ds:
                if localname(child.tag) == "Attributes":
                    pairs.extend(generic_value_pairs(child))
        else:
            pairs = xml_attribute_pairs(ds, STANDARD_DATASET_ATTRIBUTES)
        return self._record("dataset", f"line {self._line(ds)}", self.comps.sort(pairs))

    def _series_record(self) -> DataRecord:
        series = self.series
        if self.generic:
            pairs = []
            for child in series:
                if localname(child.tag) in ("SeriesKey", "Attributes"):
                    pairs.extend(generic_value_pairs(child))
        else:
            pairs = xml_attribute_pairs(series)
            if len(series):
                pairs.extend(comp_pairs(series))
        s = self.comps.sort(pairs)
        self.series_sorted = s
        label = ".".join(s.key) + (f" {s.period}" if s.period else "")
        self.series_suffix = f" (series {label})"
        return self._record("series", f"line {self._line(series)}{self.series_suffix}", s)

    def _obs(self, elem: Any, series: Sorted | None) -> DataRecord:
        if self.generic:
            pairs = []
            for child in elem:
                tag = child.tag
                name = tag[tag.rfind("}") + 1 :]
                if name == "ObsDimension":
                    pairs.append((child.get("id") or self.obs_dimension, child.get("value", "")))
                elif name == "ObsValue":
                    pairs.append((self.measure, child.get("value", "")))
                elif name in ("Attributes", "ObsKey"):
                    pairs.extend(generic_value_pairs(child))
            skip: frozenset[str] = frozenset()
        else:
            pairs = xml_attribute_pairs(elem)
            if len(elem):
                pairs.extend(comp_pairs(elem))
            if (
                self.explicit_measures
                and self.obs_dimension
                and elem.get(self.obs_dimension) is None
            ):
                # Explicit measures: the observation's type names the measure (``xsi:type="demo:TFRNSI"``).
                measure = (elem.get(XSI_TYPE) or "").rpartition(":")[2]
                if measure:
                    pairs.append((self.obs_dimension, measure))
            skip = _TYPE
        if series is None:
            s = self.comps.sort(pairs, skip=skip)
            location = f"line {self._line(elem)}"
        else:
            s = self.comps.sort(pairs, series.key, series.period, skip)
            # Name the observation: XML written on one line gives every observation the same line.
            location = (
                f"line {self._line(elem)} (series {'.'.join(s.key)}, {s.period})"
                if s.period
                else f"line {self._line(elem)}{self.series_suffix}"
            )
        return self._record("obs", location, s)

    def _group(self, elem: Any, name: str) -> DataRecord:
        group_id: str | None = None
        if self.generic:
            group_id = elem.get("type")
            pairs = []
            for child in elem:
                if localname(child.tag) in ("GroupKey", "Attributes"):
                    pairs.extend(generic_value_pairs(child))
        else:
            if name == "Group":
                group_id = elem.get("type") or (elem.get(XSI_TYPE) or "").rpartition(":")[2] or None
            pairs = xml_attribute_pairs(elem, _TYPE if name == "Group" else frozenset())
            if len(elem):
                pairs.extend(comp_pairs(elem))
        s = self.comps.sort(pairs)
        label = f"group {group_id}" if group_id else "attributes"
        return self._record("group", f"line {self._line(elem)} ({label})", s, group_id)
