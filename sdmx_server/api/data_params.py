"""Parsing data-query paths and parameters (v1) into :class:`DataRequest`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sdmx_server.api.paths import AGENCY_RE, ID_RE, VERSION_RE, check_params, split_path
from sdmx_server.domain.data_filter import period_filter
from sdmx_server.domain.errors import BadRequestError
from sdmx_server.domain.kinds import DATA_DETAILS, is_data_detail
from sdmx_server.domain.periods import PeriodError, parse_instant, parse_query_bound
from sdmx_server.services.data_query import DataRequest

V1_DATA_PARAMS = {
    "startPeriod",
    "endPeriod",
    "updatedAfter",
    "firstNObservations",
    "lastNObservations",
    "dimensionAtObservation",
    "detail",
    "includeHistory",
    "asOf",
    "offset",
    "limit",
    "preview",
    "format",
}  # format=: see formats.registry.FORMAT_PARAMETER
CODE_RE = re.compile(r"^[A-Za-z0-9_@$\-]+$")


def parse_flow_ref(text: str) -> tuple[str | None, str, str | None]:
    """``ID``, ``AG,ID`` or ``AG,ID,VER`` (``latest``/``all`` versions mean the latest)."""
    parts = text.split(",")
    if len(parts) > 3 or not parts[-1 if len(parts) < 2 else 1]:
        raise BadRequestError(
            f"'{text}' is not a valid flowRef (ID, AGENCY,ID or AGENCY,ID,VERSION)"
        )
    if len(parts) == 1:
        agency, id_, version = None, parts[0], None
    elif len(parts) == 2:
        agency, id_, version = parts[0], parts[1], None
    else:
        agency, id_, version = parts
    if agency in ("all", "*", ""):
        agency = None
    if version in ("latest", "all", "*", "+", "~", ""):
        version = None
    if agency is not None and not AGENCY_RE.match(agency):
        raise BadRequestError(f"'{agency}' is not a valid agency id")
    if not ID_RE.match(id_):
        raise BadRequestError(f"'{id_}' is not a valid dataflow id")
    if version is not None and not VERSION_RE.match(version):
        raise BadRequestError(f"'{version}' is not a valid version")
    return agency, id_, version


def parse_key(text: str | None) -> tuple[tuple[str, ...] | None, ...] | None:
    """``M.USD+JPY..SP00.A``: per dimension the allowed codes, None for a wildcard; None for ``all``."""
    if text is None or text in ("", "all", "*"):
        return None
    out: list[tuple[str, ...] | None] = []
    for part in text.split("."):
        if part in ("", "*"):
            out.append(None)
            continue
        codes = tuple(c for c in part.replace(",", "+").split("+") if c)
        for code in codes:
            if not CODE_RE.match(code):
                raise BadRequestError(f"'{code}' is not a valid code in the key '{text}'")
        out.append(codes or None)
    return tuple(out)


def parse_providers(text: str | None) -> tuple[tuple[str | None, str], ...] | None:
    """``[AG,]PID`` with ``+`` for OR; None for ``all``."""
    if text is None or text in ("", "all", "*"):
        return None
    out = []
    for item in text.split("+"):
        agency, _, pid = item.rpartition(",")
        if not ID_RE.match(pid) or (agency and not AGENCY_RE.match(agency)):
            raise BadRequestError(f"'{item}' is not a valid providerRef")
        out.append((agency or None, pid))
    return tuple(out)


# The largest offset, limit, observation count or Range bound accepted: any sum of two still fits the
# 64-bit integers of the databases (larger values are refused with 400, never passed on).
MAX_INDEX = 10**18
DIGITS_RE = re.compile(r"[0-9]{1,19}")


def int_param(
    params: Mapping[str, str],
    name: str,
    default: int | None = None,
    *,
    minimum: int = 0,
    maximum: int = MAX_INDEX,
) -> int | None:
    """An integer query parameter in ``[minimum, maximum]`` (``default`` when absent); 400 (code 140) for
    anything else: signs, decimals, non-ASCII digits, or values too large for the database."""
    raw = params.get(name)
    if raw is None:
        return default
    if DIGITS_RE.fullmatch(raw) is None or not minimum <= int(raw) <= maximum:
        raise BadRequestError(
            f"{name} must be an integer from {minimum} to {maximum}, not '{raw[:40]}'"
        )
    return int(raw)


def _positive_int(params: Mapping[str, str], name: str, minimum: int = 1) -> int | None:
    return int_param(params, name, minimum=minimum)


def _bool(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise BadRequestError(f"{name} must be true or false, not '{raw}'")
    return raw.lower() == "true"


def _instant(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except PeriodError as exc:
        raise BadRequestError(f"{name}: {exc}") from None


def _bound(params: Mapping[str, str], name: str, *, is_end: bool) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_query_bound(raw, is_end=is_end)
    except PeriodError as exc:
        raise BadRequestError(f"{name}: {exc}") from None


def parse_data_v1(rest: str, params: Mapping[str, str]) -> DataRequest:
    """``/data/{flowRef}[/{key}[/{providerRef}]]`` and the v1 query parameters."""
    check_params(params, V1_DATA_PARAMS)
    segments = split_path(rest)
    if not segments or len(segments) > 3:
        raise BadRequestError("Expected /data/{flowRef}[/{key}[/{providerRef}]]")
    agency, id_, version = parse_flow_ref(segments[0])
    key = parse_key(segments[1] if len(segments) > 1 else None)
    providers = parse_providers(segments[2] if len(segments) > 2 else None)
    detail = params.get("detail", "full")
    if not is_data_detail(detail):
        raise BadRequestError(f"detail={detail} is not one of {', '.join(DATA_DETAILS)}")
    start = _bound(params, "startPeriod", is_end=False)
    end = _bound(params, "endPeriod", is_end=True)
    if start is not None and end is not None and start > end:
        raise BadRequestError("startPeriod is after endPeriod")
    dim_at_obs = params.get("dimensionAtObservation")
    if dim_at_obs is not None and not (dim_at_obs == "AllDimensions" or ID_RE.match(dim_at_obs)):
        raise BadRequestError(f"'{dim_at_obs}' is not a valid dimensionAtObservation")
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params)) + f"|{'/'.join(segments[1:])}"
    return DataRequest(
        # startPeriod/endPeriod become the same TIME_PERIOD predicates as v2's c[TIME_PERIOD]=ge:..+le:..
        agency=agency,
        resource_id=id_,
        version=version,
        key=key,
        providers=providers,
        filter=period_filter(params.get("startPeriod"), params.get("endPeriod")),
        updated_after=_instant(params, "updatedAfter"),
        first_n=_positive_int(params, "firstNObservations"),
        last_n=_positive_int(params, "lastNObservations"),
        dim_at_obs=dim_at_obs,
        detail=detail,
        include_history=_bool(params, "includeHistory"),
        as_of=_instant(params, "asOf"),
        offset=_positive_int(params, "offset", 0),
        limit=_positive_int(params, "limit", 1),
        canonical=canonical,
        preview=_bool(params, "preview"),
    )


def parse_range(header: str | None) -> tuple[int, int | None] | None:
    """``Range: values=a-b`` (``.Stat Suite`` paging) -> (first, last) observation index, 0-based inclusive."""
    if not header:
        return None
    m = re.fullmatch(r"\s*values\s*=\s*([0-9]+)\s*-\s*([0-9]*)\s*", header)
    if m is None:
        return None  # other range units are ignored, as HTTP allows
    if any(len(g) > 19 or int(g) > MAX_INDEX for g in m.groups() if g):
        raise BadRequestError(f"Range: values must be integers from 0 to {MAX_INDEX}")
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else None
    if last is not None and last < first:
        raise BadRequestError("Range: the last value is before the first")
    return first, last
