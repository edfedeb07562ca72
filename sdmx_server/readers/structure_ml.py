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
from sdmx_server.domain.model import ArtefactType, ConstraintDetails

from ._xml_common import MES_21, MES_30, check_prolog, localname, namespace
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
    """The SDMX-ML version a Content-Type names (None: look at the body); 415 for other formats."""
    if not content_type or not content_type.strip():
        return None
    main, *params = content_type.split(";")
    media = main.strip().lower()
    if media in GENERIC_TYPES:
        return None
    if media != STRUCTURE_TYPE:
        raise UnsupportedMediaTypeError(
            f"Structures are accepted as SDMX-ML 2.1 or 3.0 ({STRUCTURE_TYPE};version=2.1 or 3.0.0, "
            f"or application/xml), not {media}")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "version":
            version = VERSIONS.get(value.strip().strip('"'))
            if version is None:
                raise UnsupportedMediaTypeError(f"SDMX-ML structure version {value.strip()} is not accepted "
                                                "(2.1 and 3.0.0 are)")
            return version
    return None


def check_structure_xml(body: bytes) -> tuple[str, etree._Element]:
    """Parse ``body`` with a hardened parser: the SDMX-ML version of its Structure root ("2.1" or "3.0"), and the root."""
    try:
        check_prolog(body[:PROLOG_SCAN])  # a DOCTYPE is refused before the parser sees its entities
    except DataReadError as exc:
        raise BadRequestError("DOCTYPE declarations (and so entities) are not allowed in SDMX-ML messages "
                              f"({exc.location})") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise BadRequestError(f"The body is not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise BadRequestError("DOCTYPE declarations (and so entities) are not allowed in SDMX-ML messages")
    name, ns = localname(root.tag), namespace(root.tag)
    if name in _OTHER_ROOTS and ns in ROOT_VERSIONS:
        raise UnsupportedMediaTypeError(_OTHER_ROOTS[name])
    if name != "Structure" or ns not in ROOT_VERSIONS:
        where = f" in namespace {ns}" if ns else ""
        raise UnsupportedMediaTypeError(f"The root element {name}{where} is not that of an SDMX-ML 2.1 or 3.0 "
                                        "Structure message")
    return ROOT_VERSIONS[ns], root


def read_structure_message(body: bytes, content_type: str | None) -> ReadResult:
    """Check, then read, a structure message body: 400 unreadable, 415 not an SDMX-ML structure message."""
    # sdmx1 is imported on first use, not when the application starts.
    from sdmx_server.readers.sdmx1_structures import NotAStructureMessage, read_structure_bytes

    declared = declared_version(content_type)
    version, root = check_structure_xml(body)
    if declared is not None and declared != version:
        raise BadRequestError(f"The Content-Type says SDMX-ML {declared}, but the message is SDMX-ML {version}")
    try:
        result = read_structure_bytes(body, source="the body")
    except NotAStructureMessage as exc:
        raise BadRequestError(str(exc)) from None
    if not result.artefacts and not result.refused:
        raise BadRequestError("The message holds no structures")
    _refuse_incomplete_constraints(result, root)
    _refuse_complex_components(result, root)
    return result


def _selections(elem: etree._Element) -> int:
    """Component selections and keys a constraint element holds (2.1 and 3.0 names)."""
    count = 0
    for child in elem.iter():
        name = localname(child.tag)
        parent = localname(child.getparent().tag) if child.getparent() is not None else ""
        if (name in ("KeyValue", "Attribute", "Component") and parent == "CubeRegion") or (
                name == "Key" and parent == "DataKeySet"):
            count += 1
    return count


def _refuse_incomplete_constraints(result: ReadResult, root: etree._Element) -> None:
    """Refuse constraints whose regions sdmx1 could not read whole, rather than store them wider than sent.

    sdmx1 drops the selections of a constraint it cannot tie to a DSD (one
    attached to a provision agreement or a data provider) and of components it
    does not know; stored like that, the constraint would allow everything.
    """
    elements = {(e.get("agencyID"), e.get("id"), e.get("version") or "1.0"): e
                for e in root.iter() if localname(e.tag) in ("ContentConstraint", "DataConstraint")}
    kept = []
    for artefact in result.artefacts:
        details = artefact.details
        elem = elements.get((artefact.agency, artefact.id, artefact.version))
        if not isinstance(details, ConstraintDetails) or elem is None:
            kept.append(artefact)
            continue
        read = (sum(len(r.key_values) + len(r.attributes) for r in details.cube_regions)
                + sum(len(k.keys) for k in details.data_key_sets))
        if read < _selections(elem):
            result.refused.append((f"ContentConstraint {artefact.agency}:{artefact.id}({artefact.version})",
                                   "its cube regions or key sets cannot be read completely (constraints attached to "
                                   "provision agreements or data providers, or naming unknown components, are not "
                                   "supported): stored, it would allow more than it says"))
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
            if any(localname(rep.tag) == "LocalRepresentation" and _is_multi_valued(rep) for rep in comp):
                found.append(f"complex {kind.lower()} {comp.get('id')}")
        if found:
            complex_[(dsd.get("agencyID"), dsd.get("id"), dsd.get("version") or "1.0")] = found
    if not complex_:
        return
    kept = []
    for artefact in result.artefacts:
        named = complex_.get((artefact.agency, artefact.id, artefact.version))
        if artefact.type is ArtefactType.DATA_STRUCTURE and named:
            result.refused.append((f"DataStructureDefinition {artefact.agency}:{artefact.id}({artefact.version})",
                                   f"{', '.join(named)}: complex components (SDMX 3.0, several values per "
                                   "component) are not supported by this server"))
            continue
        kept.append(artefact)
    result.artefacts[:] = kept
