"""Which formats each kind of response offers, and the writer of each.

Routes never import a concrete format module: they negotiate against the
offers below and ask :func:`structure_writer` or :func:`data_writer` for the
writer of the chosen format. Writers are named as ``module:function`` and
imported on first use, so adding a format is one line here plus its module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sdmx_server.domain.errors import BadRequestError, NotAcceptableError
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.data_context import DataContext, PackedWriter, Row
from sdmx_server.formats.data_parts import SeveralWriterFn
from sdmx_server.formats.media_types import MediaType, negotiate, parse_accept

StructureWriterFn = Callable[[Sequence[StructureEntry], RenderContext], bytes]
DataWriterFn = Callable[[DataContext, Iterator[list[Row]]], Iterator[bytes]]

XML_ALIASES = ("application/xml", "text/xml")

# ---------------------------------------------------------------- structures
STRUCTURE_ML21 = MediaType(
    "structure-ml-2.1",
    "application/vnd.sdmx.structure+xml",
    "2.1",
    aliases=XML_ALIASES,
    default=True,
)

STRUCTURE_V1: tuple[MediaType, ...] = (STRUCTURE_ML21,)
"""SDMX-ML 2.1 structure messages alone (what ``format=structure`` names)."""

STRUCTURE_ML30 = MediaType("structure-ml-3.0", "application/vnd.sdmx.structure+xml", "3.0.0")
STRUCTURE_ML31 = MediaType("structure-ml-3.1", "application/vnd.sdmx.structure+xml", "3.1.0")
STRUCTURE_JSON10 = MediaType("structure-json-1.0", "application/vnd.sdmx.structure+json", "1.0.0")
STRUCTURE_JSON20 = MediaType("structure-json-2.0", "application/vnd.sdmx.structure+json", "2.0.0")
STRUCTURE_JSON21 = MediaType("structure-json-2.1", "application/vnd.sdmx.structure+json", "2.1.0")

STRUCTURE_QUERY_V1: tuple[MediaType, ...] = (
    STRUCTURE_ML21,
    STRUCTURE_JSON10,
    STRUCTURE_ML30,
    STRUCTURE_ML31,
    STRUCTURE_JSON20,
    STRUCTURE_JSON21,
)
"""Structure query responses of the v1 API: SDMX-ML 2.1 by default, the others when asked by Accept
(``structure+json`` without a version is SDMX-JSON 1.0 there, as SDMX 2.1 defines it)."""

STRUCTURE_QUERY_V2: tuple[MediaType, ...] = (
    MediaType(
        "structure-ml-3.0",
        "application/vnd.sdmx.structure+xml",
        "3.0.0",
        aliases=XML_ALIASES,
        default=True,
    ),
    MediaType(
        "structure-json-2.0",
        "application/vnd.sdmx.structure+json",
        "2.0.0",
        aliases=("application/json",),
    ),
    STRUCTURE_ML31,
    STRUCTURE_JSON21,
    STRUCTURE_ML21,
    STRUCTURE_JSON10,
)
"""Structure query responses of the v2 API. SDMX-ML 3.0 for ``*/*`` and no Accept (ADR 0013: the
spec's default is SDMX-JSON, which sdmx1, sending ``*/*``, cannot read); SDMX-ML 2.1 and SDMX-JSON
1.0 when asked (RJSDMX asks for 2.1)."""

AVAILABILITY_V1: tuple[MediaType, ...] = (
    STRUCTURE_ML21,
    STRUCTURE_JSON10,
    STRUCTURE_JSON20,
    STRUCTURE_JSON21,
)
"""Availability responses of the v1 API: SDMX-ML 2.1 by default; SDMX-JSON when asked
(``structure+json`` without a version is 1.0.0 there, as on v1 structure queries)."""

AVAILABILITY_V2: tuple[MediaType, ...] = (
    MediaType(
        "availability-ml-3.0",
        "application/vnd.sdmx.structure+xml",
        "3.0.0",
        aliases=XML_ALIASES,
        default=True,
    ),
    MediaType("availability-ml-3.1", "application/vnd.sdmx.structure+xml", "3.1.0"),
    MediaType("structure-ml-2.1", "application/vnd.sdmx.structure+xml", "2.1"),
    MediaType(
        "structure-json-2.0",
        "application/vnd.sdmx.structure+json",
        "2.0.0",
        aliases=("application/json",),
    ),
    STRUCTURE_JSON21,
    STRUCTURE_JSON10,
)
"""Availability responses of the v2 API: SDMX-ML 3.0 by default, 3.1 and 2.1 when asked; SDMX-JSON
2.0 (a DataConstraint, role Actual; also for ``application/json``), 2.1 (an AvailabilityConstraint
with ``seriesCount``/``obsCount``) and 1.0 when asked. The JSON answers are written by the structure
writers (one walk, :mod:`sdmx_json_structure_common`)."""

# ---------------------------------------------------------------- data
DATA_GENERIC21 = MediaType(
    "data-generic-2.1",
    "application/vnd.sdmx.genericdata+xml",
    "2.1",
    aliases=XML_ALIASES,
    default=True,
)
DATA_GENERIC_TS21 = MediaType(
    "data-generic-ts-2.1", "application/vnd.sdmx.generictimeseriesdata+xml", "2.1"
)
DATA_SS21 = MediaType("data-ss-2.1", "application/vnd.sdmx.structurespecificdata+xml", "2.1")
DATA_SS_TS21 = MediaType(
    "data-ss-ts-2.1", "application/vnd.sdmx.structurespecifictimeseriesdata+xml", "2.1"
)
DATA_JSON10 = MediaType(
    "data-json-1.0", "application/vnd.sdmx.data+json", "1.0.0", aliases=("application/json",)
)
DATA_CSV10 = MediaType(
    "data-csv-1.0", "application/vnd.sdmx.data+csv", "1.0.0", aliases=("text/csv",)
)
DATA_JSON10_DRAFT = MediaType(
    "data-json-1.0-draft", "application/vnd.sdmx.draft-sdmx-json+json", "1.0.0"
)
DATA_CSV20 = MediaType("data-csv-2.0", "application/vnd.sdmx.data+csv", "2.0.0")

DATA_ML30 = MediaType("data-ml-3.0", "application/vnd.sdmx.data+xml", "3.0.0")
DATA_ML31 = MediaType("data-ml-3.1", "application/vnd.sdmx.data+xml", "3.1.0")
DATA_CSV21 = MediaType("data-csv-2.1", "application/vnd.sdmx.data+csv", "2.1.0")
DATA_JSON20 = MediaType("data-json-2.0", "application/vnd.sdmx.data+json", "2.0.0")
DATA_JSON21 = MediaType("data-json-2.1", "application/vnd.sdmx.data+json", "2.1.0")

DATA_V1: tuple[MediaType, ...] = (
    DATA_GENERIC21,
    DATA_GENERIC_TS21,
    DATA_SS21,
    DATA_SS_TS21,
    DATA_JSON10,
    DATA_CSV10,
    DATA_JSON10_DRAFT,
    DATA_CSV20,
    DATA_ML30,
    DATA_ML31,
    DATA_CSV21,
    DATA_JSON20,
    DATA_JSON21,
)
"""Data responses of the v1 API; the first is the default (what sdmx1 parses without a DSD)."""

DATA_V2: tuple[MediaType, ...] = (
    # SDMX-ML 3.0 is the default of v2 paths (no Accept, */*, application/xml): every SDMX 3.0 client
    # (sdmx1, pysdmx) reads it; the 3.x formats come before their 2.1-era namesakes, so that a
    # versionless media type means the newer one on v2 paths.
    MediaType(
        "data-ml-3.0", "application/vnd.sdmx.data+xml", "3.0.0", aliases=XML_ALIASES, default=True
    ),
    DATA_ML31,
    MediaType(
        "data-json-2.0", "application/vnd.sdmx.data+json", "2.0.0", aliases=("application/json",)
    ),
    DATA_JSON21,
    MediaType("data-csv-2.0", "application/vnd.sdmx.data+csv", "2.0.0", aliases=("text/csv",)),
    DATA_CSV21,
    DATA_GENERIC21,
    DATA_GENERIC_TS21,
    DATA_SS21,
    DATA_SS_TS21,
    DATA_JSON10,
    DATA_CSV10,
    DATA_JSON10_DRAFT,
)
"""Data responses of the v2 API (SDMX 3.0 formats first; the 2.1-era ones when asked, as the RJSDMX family does)."""


@dataclass(frozen=True)
class DataFormat:
    """What one data format declares: its id (the writer's key below), its capabilities and options.

    Nothing outside this registry compares format ids: services ask :func:`data_format` for these.
    """

    id: str
    time_series_only: bool = False  # dimensionAtObservation must be the time dimension
    carries_versions: bool = True  # can carry deletions and versions (updatedAfter, includeHistory)
    needs_labels: bool = False  # writes code and component names whatever the options say
    options: frozenset[str] = (
        frozenset()
    )  # media-type parameters it reads (labels, timeFormat, keys)
    labels: frozenset[str] = frozenset({"id", "both"})  # the labels= values it defines
    one_layout: bool = (
        False  # all rows have the same columns: several dataflows only if theirs are the same
    )


_CSV_OPTIONS = frozenset({"labels", "timeFormat", "keys"})
DATA_FORMATS: tuple[DataFormat, ...] = (
    DataFormat("data-generic-2.1"),
    DataFormat("data-generic-ts-2.1", time_series_only=True),
    DataFormat("data-ss-2.1"),
    DataFormat("data-ss-ts-2.1", time_series_only=True),
    DataFormat("data-json-1.0", needs_labels=True),
    DataFormat("data-json-1.0-draft", needs_labels=True),
    DataFormat("data-json-2.0", needs_labels=True),
    DataFormat("data-json-2.1", needs_labels=True),
    DataFormat(
        "data-csv-1.0",
        carries_versions=False,
        options=frozenset({"labels", "timeFormat"}),
        one_layout=True,
    ),
    # SDMX-CSV 2.x adds labels=name (a name column after each id column)
    DataFormat("data-csv-2.0", options=_CSV_OPTIONS, labels=frozenset({"id", "name", "both"})),
    DataFormat("data-csv-2.1", options=_CSV_OPTIONS, labels=frozenset({"id", "name", "both"})),
    DataFormat("data-ml-3.0"),
    DataFormat("data-ml-3.1"),
)
_BY_ID = {f.id: f for f in DATA_FORMATS}


def data_format(media_type: MediaType) -> DataFormat:
    """The declaration of a data format."""
    return _BY_ID[media_type.format_id]


# ---------------------------------------------------------------- registry interface
REGISTRY_ML21 = MediaType("registry-ml-2.1", "application/xml", None)
"""SubmitStructureResponse of structure writes: SDMX-ML 2.1 only, whatever Accept says (SDMX REST maintenance)."""

# ---------------------------------------------------------------- the format= query parameter
FORMAT_PARAMETER: dict[str, str] = {
    # value (as the Eurostat and .Stat web services accept it) -> the Accept it stands for
    "genericdata": "application/vnd.sdmx.genericdata+xml;version=2.1",
    "generictimeseriesdata": "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
    "structurespecificdata": "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    "structurespecifictimeseriesdata": "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1",
    "jsondata": "application/vnd.sdmx.data+json;version=1.0.0",
    "csvfile": "application/vnd.sdmx.data+csv;version=1.0.0",
    "csvfilewithlabels": "application/vnd.sdmx.data+csv;version=1.0.0;labels=both",
    "csvdata": "application/vnd.sdmx.data+csv;version=2.0.0",
    "csvdatawithlabels": "application/vnd.sdmx.data+csv;version=2.0.0;labels=both",
    "structure": "application/vnd.sdmx.structure+xml;version=2.1",
}
"""``format=`` values (for browsers, spreadsheets and BI tools, which cannot set Accept)."""


def names_an_offer(accept: str | None, offers: Sequence[MediaType]) -> bool:
    """True when ``accept`` names one of ``offers``' own media types (not a wildcard, not an alias)."""
    types = {o.type for o in offers}
    return any(f"{r.type}/{r.subtype}" in types for r in parse_accept(accept))


def negotiate_request(
    accept: str | None, format_value: str | None, offers: Sequence[MediaType]
) -> tuple[MediaType, dict[str, str]]:
    """The format of an answer: from ``Accept``, or from ``format=``.

    ``Accept`` wins when it names one of the resource's own SDMX media types
    (``application/vnd.sdmx...``); otherwise (no Accept, ``*/*``, or the
    generic types browsers and spreadsheets send: ``text/html``,
    ``application/xml`` ...) ``format=`` decides. An unknown ``format`` value is
    400; a known one this resource does not offer (``format=structure`` on
    data) is 406.
    """
    if format_value is None or names_an_offer(accept, offers):
        return negotiate(accept, offers)
    stands_for = FORMAT_PARAMETER.get(format_value.strip().lower())
    if stands_for is None:
        raise BadRequestError(
            f"format={format_value} is not known; use one of {', '.join(FORMAT_PARAMETER)}"
        )
    try:
        return negotiate(stands_for, offers)
    except NotAcceptableError:
        raise NotAcceptableError(
            f"format={format_value} is not available for this resource"
        ) from None


WRITERS: dict[str, str] = {
    "structure-ml-2.1": "sdmx_server.formats.sdmx_ml21_structure:write_structures",
    "structure-ml-3.0": "sdmx_server.formats.sdmx_ml30_structure:write_structures",
    "structure-ml-3.1": "sdmx_server.formats.sdmx_ml31_structure:write_structures",
    "structure-json-1.0": "sdmx_server.formats.sdmx_json10_structure:write_structures",
    "structure-json-2.0": "sdmx_server.formats.sdmx_json20_structure:write_structures",
    "structure-json-2.1": "sdmx_server.formats.sdmx_json21_structure:write_structures",
    "data-generic-2.1": "sdmx_server.formats.sdmx_ml21_generic:write_generic",
    "data-generic-ts-2.1": "sdmx_server.formats.sdmx_ml21_generic:write_generic_timeseries",
    "data-ss-2.1": "sdmx_server.formats.sdmx_ml21_ss:write_structure_specific",
    "data-ss-ts-2.1": "sdmx_server.formats.sdmx_ml21_ss:write_structure_specific_timeseries",
    "data-json-1.0": "sdmx_server.formats.sdmx_json10_data:write_json10",
    "data-json-1.0-draft": "sdmx_server.formats.sdmx_json10_data:write_json10_draft",
    "data-csv-1.0": "sdmx_server.formats.sdmx_csv10:write_csv10",
    "data-csv-1.0-raw": "sdmx_server.formats.sdmx_csv10:write_csv10_rows",
    "data-csv-2.0": "sdmx_server.formats.sdmx_csv20:write_csv20",
    "data-csv-2.1": "sdmx_server.formats.sdmx_csv20:write_csv20",
    "data-csv-2.0-raw": "sdmx_server.formats.sdmx_csv20:write_csv20_rows",
    "data-csv-2.1-raw": "sdmx_server.formats.sdmx_csv20:write_csv20_rows",
    "data-ml-3.0": "sdmx_server.formats.sdmx_ml30_data:write_data30",
    "data-ml-3.0-packed": "sdmx_server.formats.sdmx_ml30_data:packed_data30",
    "data-ml-3.1-packed": "sdmx_server.formats.sdmx_ml30_data:packed_data31",
    "data-generic-2.1-packed": "sdmx_server.formats.sdmx_ml21_generic:packed_generic",
    "data-generic-ts-2.1-packed": "sdmx_server.formats.sdmx_ml21_generic:packed_generic_timeseries",
    "data-ss-2.1-packed": "sdmx_server.formats.sdmx_ml21_ss:packed_structure_specific",
    "data-ss-ts-2.1-packed": "sdmx_server.formats.sdmx_ml21_ss:packed_structure_specific_timeseries",
    "data-json-2.0": "sdmx_server.formats.sdmx_json20_data:write_json20",
    "data-json-2.1": "sdmx_server.formats.sdmx_json21_data:write_json21",
    "data-ml-3.1": "sdmx_server.formats.sdmx_ml30_data:write_data31",
    "availability-ml-3.0": "sdmx_server.formats.sdmx_ml30_availability:write_availability30",
    "availability-ml-3.1": "sdmx_server.formats.sdmx_ml30_availability:write_availability31",
    "registry-ml-2.1": "sdmx_server.formats.sdmx_ml21_registry:write_submit_structure_response",
}


SEVERAL_WRITERS: dict[str, str] = {
    "data-ml-3.0": "sdmx_server.formats.sdmx_ml_several:write_data30_several",
    "data-ml-3.1": "sdmx_server.formats.sdmx_ml_several:write_data31_several",
    "data-generic-2.1": "sdmx_server.formats.sdmx_ml_several:write_generic21_several",
    "data-ss-2.1": "sdmx_server.formats.sdmx_ml_several:write_ss21_several",
    "data-ss-ts-2.1": "sdmx_server.formats.sdmx_ml_several:write_ss_ts21_several",
    "data-json-2.0": "sdmx_server.formats.sdmx_json_several:write_json20_several",
    "data-json-2.1": "sdmx_server.formats.sdmx_json_several:write_json21_several",
    "data-csv-2.0": "sdmx_server.formats.sdmx_csv_several:write_csv20_several",
    "data-csv-2.1": "sdmx_server.formats.sdmx_csv_several:write_csv20_several",
    "data-csv-1.0": "sdmx_server.formats.sdmx_csv_several:write_csv10_several",
}
"""Writers of data messages over several dataflows (one data set per dataflow, each with its structure).
SDMX-JSON 1.0 (one ``structure`` per message) and SDMX-ML 2.1 generic time series (its header has one
``Structure``) have none; SDMX-CSV 1.0 writes dataflows of the same columns only (406 otherwise)."""


def _load(format_id: str) -> Any:
    module, _, name = WRITERS[format_id].partition(":")
    return getattr(importlib.import_module(module), name)


def structure_writer(media_type: MediaType) -> StructureWriterFn:
    """The writer for a structure format."""
    writer: StructureWriterFn = _load(media_type.format_id)
    return writer


def data_writer(media_type: MediaType) -> DataWriterFn:
    """The streaming writer for a data format."""
    writer: DataWriterFn = _load(media_type.format_id)
    return writer


def raw_data_writer(media_type: MediaType) -> Callable[..., Iterator[bytes]] | None:
    """The writer of a format from CSV lines the database wrote itself (a fast path), if it has one."""
    if f"{media_type.format_id}-raw" not in WRITERS:
        return None
    writer: Callable[..., Iterator[bytes]] = _load(f"{media_type.format_id}-raw")
    return writer


def packed_writer(media_type: MediaType, ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of a format for ``ctx`` (the database writes each observation's markup;
    ADR 0016), if the format has one and the layout allows it."""
    key = f"{media_type.format_id}-packed"
    if key not in WRITERS:
        return None
    factory: Callable[[DataContext], PackedWriter | None] = _load(key)
    return factory(ctx)


def several_data_writer(media_type: MediaType) -> SeveralWriterFn | None:
    """The writer of a data message over several dataflows in this format, if the format can carry them."""
    target = SEVERAL_WRITERS.get(media_type.format_id)
    if target is None:
        return None
    module, _, name = target.partition(":")
    writer: SeveralWriterFn = getattr(importlib.import_module(module), name)
    return writer


def registry_writer(media_type: MediaType = REGISTRY_ML21) -> Callable[..., bytes]:
    """The writer of SubmitStructureResponse messages: ``(results, ctx, receiver) -> bytes``."""
    writer: Callable[..., bytes] = _load(media_type.format_id)
    return writer
