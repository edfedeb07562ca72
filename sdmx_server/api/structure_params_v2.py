"""Parsing of SDMX REST v2 structure queries: ``/structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}``.

SDMX REST 2.x (``doc/structures.md``): omitted trailing segments are ``*``
(``~`` for the version), ``*`` is a wildcard, ``,`` separates several values,
versions take the semantic wildcards of ``querying_versions.md``
(:func:`sdmx_server.domain.versions.parse_v2`), ``references`` takes several
values (``ancestors`` included) and ``detail`` adds ``raw``. The result is the
same version-neutral :class:`StructureQuery` the v1 parser makes, so both APIs
answer through one service.
"""

from __future__ import annotations

from collections.abc import Mapping

from sdmx_server.api.paths import AGENCY_RE, ID_RE, ITEM_RE, VERSION_RE, check_params, split_path
from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.domain.kinds import is_structure_detail
from sdmx_server.domain.model import SDMX3_TYPES_NOT_STORED, ArtefactType
from sdmx_server.domain.versions import parse_v2
from sdmx_server.services.structure_query import REFERENCES, StructureQuery

V2_TYPES: dict[str, tuple[ArtefactType, ...]] = {
    **{t.info.v3_resource: (t,) for t in ArtefactType if t.info.v3_resource},
    "*": tuple(ArtefactType),
}
"""SDMX REST v2 structure types the server stores (``dataconstraint`` is our content constraint)."""

V2_NOT_STORED = SDMX3_TYPES_NOT_STORED
"""SDMX REST v2 structure types that exist but that this server does not store: as the path type a
404 (no results: none is stored; pysdmx's ``get_codes`` falls back to a value-list query and must see
"not found", ADR 0013), as a ``references`` type nothing added."""

_PARAMS = {"references", "detail"}


def _values(segment: str, pattern: object, what: str) -> tuple[str, ...] | None:
    """A ``,`` list of ids; None for ``*`` (or a list holding ``*``)."""
    if segment in ("", "*"):
        return None
    values = tuple(v for v in segment.split(",") if v)
    if "*" in values:
        return None
    for v in values:
        if not pattern.match(v):  # type: ignore[attr-defined]
            raise BadRequestError(f"'{v}' is not a valid {what}")
    return values or None


def _references(text: str) -> tuple[str, ...]:
    """``references``: one or several values; v2 type names become the v1 names the service uses."""
    out: list[str] = []
    for ref in (r.strip() for r in text.split(",")):
        if not ref:
            continue
        if ref in REFERENCES:
            out.append(ref)
        elif ref in V2_TYPES and ref != "*":
            out.append(V2_TYPES[ref][0].value)
        elif ref in V2_NOT_STORED:
            continue  # nothing of that type is stored: it adds nothing
        else:
            raise BadRequestError(f"references={ref} is not a valid value")
    if not out:
        return ("none",)
    if len(out) > 1 and "none" in out:
        out = [r for r in out if r != "none"]
    return tuple(dict.fromkeys(out))


def parse_structure_v2(
    structure_type: str, rest: str, params: Mapping[str, str], source_alias: str
) -> StructureQuery:
    """Parse a v2 structure query path (after ``/structure/``) and its parameters."""
    if structure_type in V2_NOT_STORED:
        raise NoResultsError(
            f"No {structure_type} structures: this server does not store that type"
        )
    types = V2_TYPES.get(structure_type)
    if types is None:
        raise BadRequestError(
            f"'{structure_type}' is not an SDMX REST v2 structure type; "
            f"use one of {', '.join(sorted(V2_TYPES))}"
        )
    check_params(params, _PARAMS)
    segments = split_path(rest)
    if len(segments) > 4:
        raise BadRequestError(
            "Too many path segments: expected /{agencyID}/{resourceID}/{version}/{itemID}"
        )
    segments += [""] * (4 - len(segments))
    agency, resource_id, version, item = segments
    agencies = _values(agency, AGENCY_RE, "agency id")
    if agencies is not None and source_alias in agencies:
        agencies = None  # sdmx1 puts its source id in the agency segment
    ids = _values(resource_id, ID_RE, "resource id")
    if version and not all(VERSION_RE.match(v) for v in version.split(",") if v):
        raise BadRequestError(f"'{version}' is not a valid version")
    try:
        selector = parse_v2(version)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from exc
    item_ids = _values(item, ITEM_RE, "item id")
    if item_ids is not None:
        types = tuple(t for t in types if t.is_item_scheme)
        if not types:
            raise BadRequestError(
                f"'{structure_type}' has no items: the itemID segment is not allowed"
            )
    raw_detail = params.get("detail", "full")
    # ``raw`` differs from ``full`` only for codelist extensions, which the store resolves on load
    detail = "full" if raw_detail == "raw" else raw_detail
    if not is_structure_detail(detail):
        raise BadRequestError(f"detail={raw_detail} is not a valid value")
    return StructureQuery(
        types=types,
        agencies=agencies,
        ids=ids,
        version=selector,
        item_ids=item_ids,
        references=_references(params.get("references", "none")),
        detail=detail,
    )
