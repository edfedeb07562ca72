"""Structure messages sent to the API, checked safely before sdmx1 reads them.

sdmx1 parses with lxml's defaults. A request body is therefore parsed here
first, with a hardened parser (no DTD loading, no entity resolution, no
network, no huge trees), and refused if it is not well-formed, declares a
DOCTYPE (the only place entities can be declared: external entities and
entity expansion are refused before any is read), or is not an SDMX-ML 2.1
or 3.0 ``Structure`` message. Only then does sdmx1 read it
(:func:`sdmx_server.readers.sdmx1_structures.read_structure_bytes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from sdmx_server.domain.errors import BadRequestError, UnsupportedMediaTypeError
from sdmx_server.domain.model import Artefact, ArtefactType, ConstraintDetails
from sdmx_server.domain.safe_text import safe_text

from ._xml_common import (
    DEFAULT_XML_LIMITS,
    MES_21,
    MES_30,
    MarkupGaps,
    XmlLimits,
    check_attribute_count,
    check_prolog,
    localname,
    namespace,
)
from .base import DataReadError

if TYPE_CHECKING:
    from sdmx_server.readers.sdmx1_structures import ReadResult

STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml"
GENERIC_TYPES = frozenset({"application/xml", "text/xml", "application/octet-stream"})
VERSIONS = {"2.1": "2.1", "3.0": "3.0", "3.0.0": "3.0"}
ROOT_VERSIONS = {MES_21: "2.1", MES_30: "3.0"}
PROLOG_SCAN = 1 << 20  # a prolog longer than this is left to the parser's DOCTYPE check

_OTHER_ROOTS = {
    "RegistryInterface": "SDMX-ML registry interface messages are not accepted: send a Structure message",
    "Error": "this is an SDMX error message, not a structure message",
    "GenericData": "this is a data message: data are submitted to /rest/v2/data/dataflow/...",
    "GenericTimeSeriesData": "this is a data message: data are submitted to /rest/v2/data/dataflow/...",
    "StructureSpecificData": "this is a data message: data are submitted to /rest/v2/data/dataflow/...",
    "StructureSpecificTimeSeriesData": "this is a data message: data are submitted to /rest/v2/data/dataflow/...",
}


def declared_version(content_type: str | None) -> str | None:
    """The SDMX-ML version a Content-Type names (None: look at the body); 415 for other SDMX formats.

    Like data pushes, a missing or generic Content-Type (``application/xml``,
    ``application/octet-stream``, the ``application/x-www-form-urlencoded``
    that ``curl --data-binary`` sends, ...) leaves the format to the body's
    first bytes; only a type that names another format (SDMX data, JSON,
    CSV) is refused here.
    """
    if not content_type or not content_type.strip():
        return None
    main, *params = content_type.split(";")
    media = main.strip().lower()
    if media in GENERIC_TYPES or not _names_another_format(media):
        return None
    if media != STRUCTURE_TYPE:
        raise UnsupportedMediaTypeError(
            f"Structures are accepted as SDMX-ML 2.1 or 3.0 ({STRUCTURE_TYPE};version=2.1 or 3.0.0, "
            f"or application/xml), not {media}"
        )
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "version":
            version = VERSIONS.get(value.strip().strip('"'))
            if version is None:
                raise UnsupportedMediaTypeError(
                    f"SDMX-ML structure version {value.strip()} is not accepted (2.1 and 3.0.0 are)"
                )
            return version
    return None


def _names_another_format(media: str) -> bool:
    """True for media types that say the body is something else than an SDMX-ML structure message."""
    return (
        media.startswith("application/vnd.sdmx.")
        or media.endswith(("+json", "/json", "/csv", "+csv"))
        or media in ("text/csv", "application/zip", "application/gzip")
    )


def _check_sizes(body: bytes, limits: XmlLimits) -> None:
    """Refuse an over-long start tag or text before the parser sees it (see :class:`XmlLimits`)."""
    gaps = MarkupGaps(limits.max_tag_bytes)
    try:
        for start in range(0, len(body), 1 << 16):
            gaps.check(body[start : start + (1 << 16)])
    except DataReadError as exc:
        raise BadRequestError(f"{exc.message} ({exc.location})") from None


def _check_attribute_counts(root: etree._Element, limits: XmlLimits) -> None:
    """Refuse an element with too many attributes before sdmx1 reads them (see :class:`XmlLimits`)."""
    for elem in root.iter():
        try:
            check_attribute_count(elem, limits, elem.sourceline)
        except DataReadError as exc:
            raise BadRequestError(f"{exc.message} ({exc.location})") from None


def check_structure_xml(
    body: bytes, limits: XmlLimits = DEFAULT_XML_LIMITS
) -> tuple[str, etree._Element]:
    """Parse ``body`` with a hardened parser: the SDMX-ML version of its Structure root ("2.1" or "3.0"), and the root."""
    try:
        check_prolog(body[:PROLOG_SCAN])  # a DOCTYPE is refused before the parser sees its entities
    except DataReadError as exc:
        raise BadRequestError(
            "DOCTYPE declarations (and so entities) are not allowed in SDMX-ML messages "
            f"({exc.location})"
        ) from None
    _check_sizes(body, limits)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise BadRequestError(f"The body is not well-formed XML: {exc}") from None
    _check_attribute_counts(root, limits)
    docinfo = root.getroottree().docinfo
    if (
        docinfo.doctype
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
        or docinfo.system_url
    ):
        raise BadRequestError(
            "DOCTYPE declarations (and so entities) are not allowed in SDMX-ML messages"
        )
    name, ns = localname(root.tag), namespace(root.tag)
    if name in _OTHER_ROOTS and ns in ROOT_VERSIONS:
        raise UnsupportedMediaTypeError(_OTHER_ROOTS[name])
    if name != "Structure" or ns not in ROOT_VERSIONS:
        where = f" in namespace {ns}" if ns else ""
        raise UnsupportedMediaTypeError(
            f"The root element {name}{where} is not that of an SDMX-ML 2.1 or 3.0 Structure message"
        )
    return ROOT_VERSIONS[ns], root


def read_structure_message(
    body: bytes, content_type: str | None, limits: XmlLimits = DEFAULT_XML_LIMITS
) -> ReadResult:
    """Check, then read, a structure message body: 400 unreadable, 415 not an SDMX-ML structure message."""
    # sdmx1 is imported on first use, not when the application starts.
    from sdmx_server.readers.sdmx1_structures import NotAStructureMessage, read_structure_bytes

    declared = declared_version(content_type)
    version, root = check_structure_xml(body, limits)
    if declared is not None and declared != version:
        raise BadRequestError(
            f"The Content-Type says SDMX-ML {declared}, but the message is SDMX-ML {version}"
        )
    try:
        result = read_structure_bytes(body, source="the body")
    except NotAStructureMessage as exc:
        raise BadRequestError(str(exc)) from None
    if not result.artefacts and not result.refused:
        raise BadRequestError("The message holds no structures")
    _refuse_duplicate_items(result, root)
    _refuse_incomplete_constraints(result, root)
    _refuse_complex_components(result, root)
    return result


# Item schemes and their items (SDMX-ML 2.1 and 3.0 element names).
_ITEM_SCHEMES = {
    "Codelist": ("Code",),
    "ConceptScheme": ("Concept",),
    "CategoryScheme": ("Category",),
    "AgencyScheme": ("Agency",),
    "DataProviderScheme": ("DataProvider",),
    "DataConsumerScheme": ("DataConsumer",),
    "OrganisationUnitScheme": ("OrganisationUnit",),
}


def _duplicates(parent: etree._Element, item_names: tuple[str, ...], path: str = "") -> list[str]:
    """Item ids given more than once among ``parent``'s items (nested categories: per level, as paths)."""
    seen: dict[str, int] = {}
    found: list[str] = []
    for child in parent:
        if localname(child.tag) not in item_names:
            continue
        item_id = child.get("id") or ""
        seen[item_id] = seen.get(item_id, 0) + 1
        if seen[item_id] == 2:
            found.append(path + item_id)
        found += _duplicates(child, item_names, f"{path}{item_id}.")  # nested items (categories)
    return found


def _refuse_duplicate_items(result: ReadResult, root: etree._Element) -> None:
    """Refuse item schemes that give an item id twice: sdmx1 keeps one of them silently, so the
    scheme would be stored with fewer items than sent (and maybe the wrong one)."""
    duplicated: dict[tuple[str, str | None, str | None, str], list[str]] = {}
    for elem in root.iter():
        name = localname(elem.tag)
        items = _ITEM_SCHEMES.get(name)
        if items is None or elem.get("id") is None:
            continue
        found = _duplicates(elem, items)
        if found:
            duplicated[
                (name, elem.get("agencyID"), elem.get("id"), elem.get("version") or "1.0")
            ] = found
    if not duplicated:
        return
    kept: list[Artefact] = []
    for artefact in result.artefacts:
        dupes = duplicated.get(
            (artefact.type.info.cls, artefact.agency, artefact.id, artefact.version)
        )
        if dupes is None:
            kept.append(artefact)
            continue
        shown = ", ".join(safe_text(f, 100) for f in dupes[:10]) + (
            f" and {len(dupes) - 10} more" if len(dupes) > 10 else ""
        )
        result.refused.append(
            (
                f"{artefact.type.info.cls} {artefact.agency}:{artefact.id}({artefact.version})",
                f"duplicate item id {shown}: the ids of an item scheme's items must be unique",
            )
        )
    result.artefacts[:] = kept


def _selections(elem: etree._Element) -> int:
    """Component selections and keys a constraint element holds (2.1 and 3.0 names)."""
    count = 0
    for child in elem.iter():
        name = localname(child.tag)
        parent = localname(child.getparent().tag) if child.getparent() is not None else ""
        if (name in ("KeyValue", "Attribute", "Component") and parent == "CubeRegion") or (
            name == "Key" and parent == "DataKeySet"
        ):
            count += 1
    return count


def _refuse_incomplete_constraints(result: ReadResult, root: etree._Element) -> None:
    """Refuse constraints whose regions sdmx1 could not read whole, rather than store them wider than sent.

    sdmx1 drops the selections of a constraint it cannot tie to a DSD (one
    attached to a provision agreement or a data provider) and of components it
    does not know; stored like that, the constraint would allow everything.
    """
    elements = {
        (e.get("agencyID"), e.get("id"), e.get("version") or "1.0"): e
        for e in root.iter()
        if localname(e.tag) in ("ContentConstraint", "DataConstraint")
    }
    kept = []
    for artefact in result.artefacts:
        details = artefact.details
        elem = elements.get((artefact.agency, artefact.id, artefact.version))
        if not isinstance(details, ConstraintDetails) or elem is None:
            kept.append(artefact)
            continue
        read = sum(len(r.key_values) + len(r.attributes) for r in details.cube_regions) + sum(
            len(k.keys) for k in details.data_key_sets
        )
        if read < _selections(elem):
            result.refused.append(
                (
                    f"ContentConstraint {artefact.agency}:{artefact.id}({artefact.version})",
                    "its cube regions or key sets cannot be read completely (constraints attached to "
                    "provision agreements or data providers, or naming unknown components, are not "
                    "supported): stored, it would allow more than it says",
                )
            )
            continue
        kept.append(artefact)
    result.artefacts[:] = kept


def _is_multi_valued(representation: etree._Element) -> bool:
    value = (representation.get("maxOccurs") or "1").strip()
    return value == "unbounded" or (value.isdigit() and int(value) > 1)


def _refuse_complex_components(result: ReadResult, root: etree._Element) -> None:
    """Refuse DSDs with SDMX 3.0 complex attributes or measures (a representation with
    ``maxOccurs`` above 1): sdmx1 reads them as single values, and the store would flatten
    their arrays silently."""
    complex_: dict[tuple[str | None, str | None, str], list[str]] = {}
    for dsd in root.iter():
        if localname(dsd.tag) not in ("DataStructure", "DataStructureDefinition"):
            continue
        found: list[str] = []
        for comp in dsd.iter():
            kind = localname(comp.tag)
            if kind not in ("Attribute", "Measure"):
                continue
            if any(
                localname(rep.tag) == "LocalRepresentation" and _is_multi_valued(rep)
                for rep in comp
            ):
                found.append(f"complex {kind.lower()} {comp.get('id')}")
        if found:
            complex_[(dsd.get("agencyID"), dsd.get("id"), dsd.get("version") or "1.0")] = found
    if not complex_:
        return
    kept = []
    for artefact in result.artefacts:
        named = complex_.get((artefact.agency, artefact.id, artefact.version))
        if artefact.type is ArtefactType.DATA_STRUCTURE and named:
            result.refused.append(
                (
                    f"DataStructureDefinition {artefact.agency}:{artefact.id}({artefact.version})",
                    f"{', '.join(named)}: complex components (SDMX 3.0, several values per "
                    "component) are not supported by this server",
                )
            )
            continue
        kept.append(artefact)
    result.artefacts[:] = kept
