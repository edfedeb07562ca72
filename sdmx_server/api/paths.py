"""Parsing of SDMX REST paths and query parameters into domain queries.

Paths are parsed by hand from one catch-all segment so that every form real
clients send works without redirects: omitted trailing segments, a trailing
slash, percent-encoded separators (``%2C``, ``%2B``, already decoded by the
server) and ``+`` lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sdmx_server.domain.errors import BadRequestError, NotImplementedYetError
from sdmx_server.domain.kinds import is_structure_detail
from sdmx_server.domain.model import ArtefactType
from sdmx_server.domain.versions import parse_v1
from sdmx_server.services.structure_query import StructureQuery
from sdmx_server.services.structure_references import V1_REFERENCES

# \Z, not $: "$" would also match before a final newline ("CL_X\n").
ID_RE = re.compile(r"^[A-Za-z0-9_@$\-]+\Z")
AGENCY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)*\Z")
VERSION_RE = re.compile(r"^[0-9A-Za-z.+~*_\-]+\Z")
ITEM_RE = re.compile(r"^[A-Za-z0-9_@$\-.]+\Z")

ALL_TYPES = tuple(ArtefactType)

V1_RESOURCES: dict[str, tuple[ArtefactType, ...]] = {
    **{t.value: (t,) for t in ArtefactType},
    "organisationscheme": (
        ArtefactType.AGENCY_SCHEME,
        ArtefactType.DATA_PROVIDER_SCHEME,
        ArtefactType.DATA_CONSUMER_SCHEME,
        ArtefactType.ORGANISATION_UNIT_SCHEME,
    ),
    "actualconstraint": (ArtefactType.CONTENT_CONSTRAINT,),
    "allowedconstraint": (ArtefactType.CONTENT_CONSTRAINT,),
    "structure": ALL_TYPES,
}

V1_NOT_IMPLEMENTED = frozenset(
    {
        "hierarchicalcodelist",
        "metadatastructure",
        "metadataflow",
        "structureset",
        "process",
        "reportingtaxonomy",
        "attachmentconstraint",
        "transformationscheme",
        "rulesetscheme",
        "userdefinedoperatorscheme",
        "customtypescheme",
        "namepersonalisationscheme",
        "vtlmappingscheme",
    }
)

WILDCARDS = frozenset({"all", "ALL", "*"})


def split_path(rest: str) -> list[str]:
    """Path segments after the resource; a trailing slash is ignored."""
    rest = rest.strip("/")
    return rest.split("/") if rest else []


def _list(
    segment: str | None, pattern: re.Pattern[str], what: str, sep: str = "+"
) -> tuple[str, ...] | None:
    if segment is None or segment in WILDCARDS or segment == "":
        return None
    values = tuple(v for v in segment.split(sep) if v)
    for v in values:
        if not pattern.match(v):
            raise BadRequestError(f"'{v}' is not a valid {what}")
    if any(v in WILDCARDS for v in values):
        return None
    return values


def check_params(params: Mapping[str, str], allowed: set[str]) -> None:
    """400 for parameters the resource does not define."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadRequestError(
            f"Unknown query parameter(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}"
        )


def parse_structure_v1(
    resource: str, rest: str, params: Mapping[str, str], source_alias: str
) -> StructureQuery:
    """``/{resource}/{agencyID}/{resourceID}/{version}/{itemID}`` with ``references`` and ``detail``."""
    if resource in V1_NOT_IMPLEMENTED:
        raise NotImplementedYetError(f"The resource '{resource}' is not implemented by this server")
    types = V1_RESOURCES.get(resource)
    if types is None:
        raise BadRequestError(f"'{resource}' is not an SDMX structure resource")
    check_params(
        params, {"references", "detail", "format"}
    )  # format=: formats.registry.FORMAT_PARAMETER
    segments = split_path(rest)
    if len(segments) > 4:
        raise BadRequestError(
            "Too many path segments: expected /{agencyID}/{resourceID}/{version}/{itemID}"
        )
    segments += [""] * (4 - len(segments))
    agency, resource_id, version, item = segments
    agencies = _list(agency, AGENCY_RE, "agency id")
    if agencies is not None and source_alias in agencies:
        agencies = None  # sdmx1 puts its source id in the agency segment
    ids = _list(resource_id, ID_RE, "resource id")
    if version and not all(VERSION_RE.match(v) for v in version.split("+") if v):
        raise BadRequestError(f"'{version}' is not a valid version")
    item_ids = _list(item, ITEM_RE, "item id")
    if item_ids is not None and not all(t.is_item_scheme for t in types):
        raise BadRequestError(f"'{resource}' has no items: the itemID segment is not allowed")
    references = params.get("references", "none")
    ref_values = tuple(r.strip() for r in references.split(",") if r.strip()) or ("none",)
    for ref in ref_values:
        if ref not in V1_REFERENCES:
            raise BadRequestError(
                f"references={ref} is not a valid value (SDMX REST v1: {', '.join(V1_REFERENCES)})"
            )
    detail = params.get("detail", "full")
    if not is_structure_detail(detail):  # v1 knows no raw
        raise BadRequestError(f"detail={detail} is not a valid value")
    role = {"actualconstraint": "Actual", "allowedconstraint": "Allowed"}.get(resource)
    return StructureQuery(
        types=types,
        agencies=agencies,
        ids=ids,
        version=parse_v1(version),
        item_ids=item_ids,
        references=ref_values,
        detail=detail,
        constraint_role=role,
    )
