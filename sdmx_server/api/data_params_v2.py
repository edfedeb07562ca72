"""Parsing SDMX REST 2.x data paths and parameters into the version-neutral :class:`DataRequest`.

``/data/{context}/{agencyID}/{resourceID}/{version}/{key}``, every segment optional (``*``).
The query string is read raw: ``+`` means AND inside a ``c[...]`` value, so it must not be
decoded into a space as form decoding would; brackets may be raw or percent-encoded. Also read:
sdmx1's ``c=COMPONENT:op:value`` form and its ``updateAfter`` spelling (both documented aliases).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import unquote

from sdmx_server.api.data_params import CODE_RE, _bool, _instant, _positive_int
from sdmx_server.api.paths import AGENCY_RE, ID_RE, VERSION_RE, split_path
from sdmx_server.domain.data_filter import ComponentFilter, DataFilter, parse_component_filter
from sdmx_server.domain.errors import BadRequestError
from sdmx_server.domain.kinds import (
    DATA_QUERY_CONTEXTS,
    AvailabilityMode,
    DataDetail,
    is_availability_mode,
    is_data_query_context,
)
from sdmx_server.services.data_query import DataRequest

V2_DATA_PARAMS = frozenset(
    {
        "updatedAfter",
        "updateAfter",
        "firstNObservations",
        "lastNObservations",
        "dimensionAtObservation",
        "attributes",
        "measures",
        "includeHistory",
        "asOf",
        "offset",
        "limit",
        "sort",
        "preview",
    }
)
ATTRIBUTE_KEYWORDS = ("dsd", "msd", "dataset", "series", "obs", "all", "none")
MEASURE_KEYWORDS = ("all", "none")


@dataclass(frozen=True)
class V2Query:
    """The raw query string, split: plain parameters and ``c`` filters."""

    params: dict[str, str]
    filters: tuple[ComponentFilter, ...]


def split_query(query_string: str, allowed: frozenset[str] = V2_DATA_PARAMS) -> V2Query:
    """Parameters of a raw query string (``+`` kept), 400 for repeated plain or unknown parameters."""
    params: dict[str, str] = {}
    filters: list[ComponentFilter] = []
    for part in query_string.split("&"):
        if not part:
            continue
        raw_key, _, raw_value = part.partition("=")
        key, value = unquote(raw_key), unquote(raw_value)
        if key.startswith("c[") and key.endswith("]"):
            filters.append(parse_component_filter(key[2:-1], value))
        elif key == "c":
            component, sep, rest = value.partition(":")
            if not sep:
                raise BadRequestError("c must be c[COMPONENT]=op:value (or c=COMPONENT:op:value)")
            filters.append(parse_component_filter(component, rest))
        elif key in params:
            raise BadRequestError(f"The parameter {key} is given twice")
        else:
            params[key] = value
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadRequestError(
            f"Unknown query parameter(s): {', '.join(unknown)}. Allowed: c[COMPONENT], "
            f"{', '.join(sorted(allowed - {'updateAfter', 'preview'}))}"
        )
    return V2Query(params, tuple(filters))


def _segment_list(segment: str, pattern: object, what: str) -> tuple[str, ...] | None:
    """``*`` (None) or a ``,`` list of values."""
    if segment in ("", "*"):
        return None
    values = tuple(v for v in segment.split(",") if v)
    for v in values:
        if not pattern.match(v):  # type: ignore[attr-defined]
            raise BadRequestError(f"'{v[:60]}' is not a valid {what}")
    return None if "*" in values else values


def parse_key_v2(text: str) -> tuple[tuple[str, ...] | None, ...] | None:
    """``M.USD,JPY.*.SP00.A``: per dimension the allowed codes (``,``; ``+`` too, as pysdmx sends), None
    for ``*`` or empty; None for the whole key ``*``."""
    if text in ("", "*", "all"):
        return None
    out: list[tuple[str, ...] | None] = []
    for part in text.split("."):
        if part in ("", "*"):
            out.append(None)
            continue
        codes = tuple(c for c in part.replace("+", ",").split(",") if c)
        for code in codes:
            if not CODE_RE.match(code):
                raise BadRequestError(
                    f"'{code[:60]}' is not a valid code in the key '{text[:200]}'"
                )
        out.append(None if "*" in codes or not codes else codes)
    return tuple(out)


def _projection(raw: str | None, keywords: tuple[str, ...], name: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    values = tuple(v for v in raw.split(",") if v)
    if not values:
        raise BadRequestError(f"{name} is empty")
    for v in values:
        if v not in keywords and not ID_RE.match(v):
            raise BadRequestError(
                f"{name}: '{v[:60]}' is neither a component id nor one of {', '.join(keywords)}"
            )
    return values


def detail_of(attributes: tuple[str, ...] | None, measures: tuple[str, ...] | None) -> DataDetail:
    """The v1 ``detail`` an ``attributes``/``measures`` pair amounts to (SDMX REST 2.x, data.md)."""
    no_attrs = attributes is not None and attributes in (("none",), ("msd",))
    no_measures = measures == ("none",)
    if no_measures:
        return "serieskeysonly" if no_attrs else "nodata"
    return "dataonly" if no_attrs else "full"


def parse_sort(raw: str | None) -> tuple[tuple[str, bool], ...]:
    """``sort=COMPONENT:asc+COMPONENT:desc`` (REST 2.2, as pysdmx writes it): (component, descending)."""
    if raw is None or raw == "":
        return ()
    out = []
    for item in raw.replace(",", "+").split("+"):
        comp, _, order = item.partition(":")
        order = order or "asc"
        if not ID_RE.match(comp) or order not in ("asc", "desc"):
            raise BadRequestError(f"sort: '{item[:60]}' is not COMPONENT[:asc|:desc]")
        out.append((comp, order == "desc"))
    return tuple(out)


V2_AVAILABILITY_PARAMS = frozenset({"mode", "references", "updatedAfter", "updateAfter"})
AVAILABILITY_REFERENCES = (
    "none",
    "all",
    "datastructure",
    "conceptscheme",
    "codelist",
    "valuelist",
    "dataproviderscheme",
    "dataflow",
)


@dataclass(frozen=True)
class AvailabilityQuery:
    """A parsed v2 availability query."""

    data: DataRequest
    component: str | None
    mode: AvailabilityMode
    references: tuple[str, ...]


def parse_availability_v2(rest: str, query_string: str, source_alias: str) -> AvailabilityQuery:
    """``/availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}`` with ``c``, ``mode``,
    ``references`` (a ``,`` list) and ``updatedAfter``."""
    query = split_query(query_string, V2_AVAILABILITY_PARAMS)
    segments = split_path(rest)
    if len(segments) > 6:
        raise BadRequestError(
            "Expected /availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}"
        )
    segments += ["*"] * (6 - len(segments))
    component = None if segments[5] in ("*", "all", "") else segments[5]
    if component is not None and not ID_RE.match(component):
        raise BadRequestError(f"'{component[:60]}' is not a valid component id")
    mode = query.params.pop("mode", "exact")
    if not is_availability_mode(mode):
        raise BadRequestError("mode must be exact or available")
    references = tuple(r for r in query.params.pop("references", "none").split(",") if r) or (
        "none",
    )
    for ref in references:
        if ref not in AVAILABILITY_REFERENCES:
            raise BadRequestError(
                f"references={ref[:40]} is not one of {', '.join(AVAILABILITY_REFERENCES)}"
            )
    data = _request("/".join(segments[:5]), query, source_alias)
    return AvailabilityQuery(
        replace(data, canonical=data.canonical + f"|{mode}|{','.join(references)}|{component}"),
        component,
        mode,
        references,
    )


def parse_data_v2(rest: str, query_string: str, source_alias: str) -> DataRequest:
    """The path after ``/rest/v2/data`` and the raw query string (agency, id and version are patterns:
    every dataflow they match is answered)."""
    return replace(_request(rest, split_query(query_string), source_alias), patterns=True)


def _request(rest: str, query: V2Query, source_alias: str) -> DataRequest:
    params = query.params
    segments = split_path(rest)
    if len(segments) > 5:
        raise BadRequestError("Expected /data/{context}/{agencyID}/{resourceID}/{version}/{key}")
    segments += ["*"] * (5 - len(segments))
    context, agency, resource_id, version, key = segments
    if not is_data_query_context(context):
        raise BadRequestError(
            f"'{context}' is not a data context ({', '.join(DATA_QUERY_CONTEXTS)})"
        )
    agencies = _segment_list(agency, AGENCY_RE, "agency id")
    if agencies is not None and source_alias in agencies:
        agencies = None  # sdmx1 puts its source id in the agency segment
    ids = _segment_list(resource_id, ID_RE, "resource id")
    if version not in ("", "*", "+", "~") and not all(
        VERSION_RE.match(v) for v in version.split(",") if v
    ):
        raise BadRequestError(f"'{version[:60]}' is not a valid version")
    updated_after = _instant(params, "updatedAfter") or _instant(params, "updateAfter")
    as_of = _instant(params, "asOf")
    if as_of is not None and updated_after is not None and updated_after > as_of:
        raise BadRequestError(
            "updatedAfter is later than asOf: nothing can have changed in between"
        )
    dim_at_obs = params.get("dimensionAtObservation")
    if dim_at_obs is not None and not (dim_at_obs == "AllDimensions" or ID_RE.match(dim_at_obs)):
        raise BadRequestError(f"'{dim_at_obs[:60]}' is not a valid dimensionAtObservation")
    attributes = _projection(params.get("attributes"), ATTRIBUTE_KEYWORDS, "attributes")
    measures = _projection(params.get("measures"), MEASURE_KEYWORDS, "measures")
    canonical = (
        f"v2|{context}|"
        + "&".join(f"{k}={params[k]}" for k in sorted(params))
        + f"|{key}|{DataFilter(query.filters).canonical}"
    )
    return DataRequest(
        agency=",".join(agencies) if agencies else None,
        resource_id=",".join(ids) if ids else "*",
        version=version if version not in ("", "*") else "*",
        key=parse_key_v2(key),
        context=context,
        filter=DataFilter(query.filters),
        updated_after=updated_after,
        first_n=_positive_int(params, "firstNObservations"),
        last_n=_positive_int(params, "lastNObservations"),
        dim_at_obs=dim_at_obs,
        detail=detail_of(attributes, measures),
        attributes=attributes,
        measures=measures,
        include_history=_bool(params, "includeHistory"),
        as_of=as_of,
        offset=_positive_int(params, "offset", 0),
        limit=_positive_int(params, "limit", 1),
        sort=parse_sort(params.get("sort")),
        canonical=canonical,
        preview=_bool(params, "preview"),
    )
