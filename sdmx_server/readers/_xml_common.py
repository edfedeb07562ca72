"""What the SDMX-ML readers and the format sniffer share.

Namespaces and root elements, a hardened :func:`lxml.etree.iterparse`, the
DOCTYPE guard, header parsing and structure references (``Ref`` elements and
URNs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from lxml import etree

from sdmx_server.domain.kinds import StructureContext

from .base import Action, DataReadError, MessageInfo, StructureRefHint

SDMX_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
SDMX_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
MES_21 = SDMX_21 + "message"
MES_30 = SDMX_30 + "message"
GENERIC_DATA_21 = SDMX_21 + "data/generic"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = "{" + XSI + "}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

GENERIC_21 = "sdmx-ml-2.1-generic"
SS_21 = "sdmx-ml-2.1-structurespecific"
SS_30 = "sdmx-ml-3.0-structurespecific"

ROOT_FORMATS: dict[tuple[str, str], str] = {
    (MES_21, "GenericData"): GENERIC_21,
    (MES_21, "GenericTimeSeriesData"): GENERIC_21,
    (MES_21, "StructureSpecificData"): SS_21,
    (MES_21, "StructureSpecificTimeSeriesData"): SS_21,
    (MES_30, "StructureSpecificData"): SS_30,
}

ACTIONS: dict[str, Action] = {
    "Information": Action.INFORMATION,
    "Append": Action.APPEND,
    "Replace": Action.REPLACE,
    "Delete": Action.DELETE,
    "Merge": Action.MERGE,
}

_NOT_DATA = {
    "Structure": "this is a structure message, not a data message",
    "GenericMetadata": "this is a metadata message, not a data message",
    "StructureSpecificMetadata": "this is a metadata message, not a data message",
    "MetadataSet": "this is a metadata message, not a data message",
    "Error": "this is an SDMX error message, not a data message",
    "RegistryInterface": "this is a registry interface message, not a data message",
}

_URN_RE = re.compile(
    r"urn:sdmx:org\.sdmx\.infomodel\.[A-Za-z]+\.(?P<cls>[A-Za-z]+)="
    r"(?P<agency>[^:()]+):(?P<id>[^:()]+)\((?P<version>[^()]*)\)"
)
_URN_KINDS: dict[str, StructureContext] = {
    "DataStructure": "datastructure",
    "Dataflow": "dataflow",
    "ProvisionAgreement": "provisionagreement",
}
_REF_KINDS: dict[str, StructureContext] = {
    "Structure": "datastructure",
    "StructureUsage": "dataflow",
    "ProvisionAgrement": "provisionagreement",  # sic, SDMX 2.1 schema
    "ProvisionAgreement": "provisionagreement",
}

PROLOG_PEEK = 65536


def localname(tag: object) -> str:
    """The local part of an lxml tag (``""`` for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """The namespace URI of a Clark-notation tag (``""`` if none)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def format_from_root(ns: str, name: str) -> str:
    """The data format of a root element, or :class:`DataReadError` saying what it is instead."""
    fmt = ROOT_FORMATS.get((ns, name))
    if fmt is not None:
        return fmt
    if name in _NOT_DATA and "sdmx" in ns.lower():
        raise DataReadError("line 1", _NOT_DATA[name])
    if "/v2_0/" in ns or "/v1_0/" in ns:
        raise DataReadError(
            "line 1", "SDMX-ML 1.0/2.0 messages are not supported: send SDMX-ML 2.1 or 3.0 data"
        )
    if ns.startswith("http://www.sdmx.org/resources/sdmxml/schemas/"):
        raise DataReadError("line 1", f"unsupported SDMX-ML message {name} ({ns})")
    where = f" in namespace {ns}" if ns else " (no namespace)"
    raise DataReadError("line 1", f"root element {name}{where} is not an SDMX data message")


def parse_action(text: str | None, location: str, default: Action) -> Action:
    """An SDMX-ML ``action`` value (``Append``, ``Replace``, ...), or ``default`` if absent."""
    if text is None or text == "":
        return default
    try:
        return ACTIONS[text.strip()]
    except KeyError:
        raise DataReadError(
            location, f"unknown action {text!r} (expected {', '.join(ACTIONS)})"
        ) from None


# --------------------------------------------------------------------------- hardened parsing


def scan_prolog(head: bytes) -> int | None:
    """Offset of the root element's ``<`` in ``head`` (``None`` if ``head`` ends first).

    Raises :class:`DataReadError` if the prolog holds a DOCTYPE declaration.
    Only the bytes given are looked at; :func:`check_doctype` is the backstop
    for prologs longer than that or in UTF-16.
    """
    data = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    skipped = len(head) - len(data)
    i, n = 0, len(data)
    while i < n:
        if data[i] in b" \t\r\n":
            i += 1
        elif data.startswith(b"<?", i):
            end = data.find(b"?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        elif data.startswith(b"<!", i):
            line = data.count(b"\n", 0, i) + 1
            raise DataReadError(f"line {line}", "DOCTYPE declarations are not allowed")
        else:
            return i + skipped
    return None


def check_prolog(head: bytes) -> None:
    """Refuse a document whose prolog (before the root element) holds a DOCTYPE."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        head = head.decode("utf-16", "ignore").encode("utf-8")
    scan_prolog(head)


def check_doctype(elem: Any) -> None:
    """Refuse a parsed document with a DOCTYPE (backstop of :func:`check_prolog`)."""
    docinfo = elem.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        raise DataReadError("line 1", "DOCTYPE declarations are not allowed")


# libxml2 keeps exact line numbers on elements only up to 65534; beyond, it records 65535.
# From EXACT_LINES on, XmlFeeder feeds the parser one line at a time and counts them itself.
EXACT_LINES = 65000
LIBXML_MAX_LINE = 65535
CHUNK = 65536


@dataclass(frozen=True)
class XmlLimits:
    """What one element of an XML message may carry (settings ``SDMX_SERVER_XML_MAX_*``).

    Reading an element's attributes costs lxml time that grows with the square
    of their number, with the interpreter lock held: 100,000 attributes on one
    ``Obs`` would keep a worker from answering anything for a minute. The
    bounds are far above what any SDMX message needs (an element carries one
    attribute per component of its DSD).
    """

    max_attributes: int = 1000  # attributes of one element
    max_tag_bytes: int = 256 << 10  # bytes of one start tag, or of one run of text, between two '<'


DEFAULT_XML_LIMITS = XmlLimits()


class MarkupGaps:
    """Refuses a document where more than ``limit`` bytes pass without a ``<``: a start tag (with its
    attributes) or a text that long. Two byte searches per chunk, so it costs nothing measurable."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.since = 0  # bytes since the last '<'
        self.lines = 0  # newlines seen, for the location

    def check(self, data: bytes) -> None:
        """Account for the next bytes of the document."""
        first = data.find(b"<")
        at = first if first >= 0 else len(data)
        if first < 0:
            self.since += len(data)
        else:
            self.since += first
            if self.since <= self.limit and len(data) > self.limit:
                # A chunk longer than the limit may hide a long gap between two of its own '<'.
                start = first
                while (end := data.find(b"<", start + 1)) >= 0:
                    if end - start - 1 > self.limit:
                        self.since, at = end - start - 1, start
                        break
                    start = end
            if self.since <= self.limit:
                self.since = len(data) - data.rfind(b"<") - 1
                at = len(data)
        if self.since > self.limit:
            line = self.lines + data.count(b"\n", 0, at) + 1
            raise DataReadError(
                f"line {line}",
                f"a start tag or a text longer than {self.limit} bytes: refused "
                "(SDMX_SERVER_XML_MAX_TAG_BYTES)",
            )
        self.lines += data.count(b"\n")


def check_attribute_count(elem: Any, limits: XmlLimits, line: int | None) -> None:
    """Refuse an element with more attributes than ``limits`` allow (counted without reading them)."""
    count = len(elem.attrib)
    if count > limits.max_attributes:
        raise DataReadError(
            f"line {line or 1}",
            f"element {localname(elem.tag)} has {count} attributes; at most "
            f"{limits.max_attributes} are accepted (SDMX_SERVER_XML_MAX_ATTRIBUTES)",
        )


class XmlFeeder:
    """Feeds a binary stream to a hardened :class:`lxml.etree.XMLPullParser`.

    The parser never loads a DTD, resolves entities or touches the network,
    and the prolog is checked for a DOCTYPE before lxml sees a byte. While the
    document is short, whole chunks are fed and libxml2's ``sourceline`` is
    exact; past line :data:`EXACT_LINES` the feeder passes one line at a time
    and :attr:`line` is the line being parsed, for :meth:`location_line`.
    """

    def __init__(
        self,
        stream: BinaryIO,
        events: tuple[str, ...],
        tag: Any = None,
        limits: XmlLimits = DEFAULT_XML_LIMITS,
    ) -> None:
        self.stream = stream
        self.limits = limits
        self._gaps = MarkupGaps(limits.max_tag_bytes)
        self.parser = etree.XMLPullParser(
            events=events,
            tag=tag,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        self.line = 0  # 0 while libxml2's own line numbers are exact
        self.root: Any = None

    def _head(self) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while size < PROLOG_PEEK:
            chunk = self.stream.read(PROLOG_PEEK - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        head = b"".join(chunks)
        if not head.strip():
            raise DataReadError("line 1", "empty document")
        check_prolog(head)
        return head

    def _pieces(self) -> Iterator[bytes]:
        data = self._head()
        lines_done = 0
        while data:
            if not self.line:
                newlines = data.count(b"\n")
                if lines_done + newlines < EXACT_LINES:
                    lines_done += newlines
                    yield data
                    data = self.stream.read(CHUNK)
                    continue
                self.line = lines_done + 1
            start = 0
            end = data.find(b"\n")
            while end >= 0:
                yield data[start : end + 1]
                self.line += 1
                start = end + 1
                end = data.find(b"\n", start)
            if start < len(data):
                yield data[start:]
            data = self.stream.read(CHUNK)

    def events(self) -> Iterator[tuple[str, Any]]:
        """Parse events, then :attr:`root`; malformed XML raises :class:`DataReadError`."""
        parser = self.parser
        gaps = self._gaps
        etree.clear_error_log()  # this thread's log: keep errors of earlier documents out
        try:
            for piece in self._pieces():
                gaps.check(piece)  # before libxml2 spends time on an oversized tag
                parser.feed(piece)
                yield from parser.read_events()
            self.root = parser.close()
            yield from parser.read_events()
        except etree.XMLSyntaxError as exc:
            yield from parser.read_events()  # what was read before the error
            raise xml_error(exc, parser) from None

    def location_line(self, elem: Any, start_line: int | None = None) -> int:
        """The line of ``elem``: libxml2's while exact, else ``start_line`` or the current line."""
        line = int(elem.sourceline or 0)
        if line < LIBXML_MAX_LINE:
            return line
        return start_line or self.line or line


def xml_error(exc: etree.XMLSyntaxError, parser: Any = None) -> DataReadError:
    """A :class:`DataReadError` for malformed XML, located at libxml2's line.

    The parser's error log is preferred to the exception text; when lxml only
    says "no element found" (an undefined entity with ``resolve_entities=False``)
    the real error is the last one libxml2 logged.
    """
    entries = list(getattr(parser, "error_log", None) or ())
    if not entries and not exc.lineno:
        entries = list(getattr(exc, "error_log", None) or ())
    if entries:
        last = entries[-1]
        line, message = last.line, last.message
    else:
        line = exc.lineno
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or str(exc))
    return DataReadError(f"line {line if line and line > 0 else 1}", f"malformed XML: {message}")


def check_root(elem: Any, fmt: str | None = None) -> str:
    """Check the document of ``elem``: no DOCTYPE, a data-message root (of format ``fmt``)."""
    check_doctype(elem)
    root = elem.getroottree().getroot()
    found = format_from_root(namespace(root.tag), localname(root.tag))
    if fmt is not None and found != fmt:
        raise DataReadError("line 1", f"the message is {found}, not {fmt} as declared")
    return found


# --------------------------------------------------------------------------- header


def _children(elem: Any) -> Iterator[tuple[str, Any]]:
    for child in elem:
        name = localname(child.tag)
        if name:
            yield name, child


def parse_urn(urn: str, default_kind: StructureContext) -> StructureRefHint | None:
    """A structure reference from an SDMX URN (``None`` if it is not one)."""
    m = _URN_RE.search(urn)
    if m is None:
        return None
    kind = _URN_KINDS.get(m["cls"], default_kind)
    return StructureRefHint(kind, m["agency"], m["id"], m["version"])


def _structure_ref(elem: Any, kind: StructureContext) -> StructureRefHint | None:
    """``<com:Structure>`` and friends: a ``Ref`` (2.1), a ``URN`` child (2.1) or URN text (3.0)."""
    for name, child in _children(elem):
        if name == "Ref" and child.get("id"):
            return StructureRefHint(
                kind, child.get("agencyID"), child.get("id"), child.get("version")
            )
        if name == "URN" and child.text:
            return parse_urn(child.text.strip(), kind)
    if elem.text and elem.text.strip():
        return parse_urn(elem.text.strip(), kind)
    return None


def parse_header(header: Any, fmt: str) -> tuple[MessageInfo, Action]:
    """The :class:`MessageInfo` of a ``mes:Header`` element and its default ``DataSetAction``."""
    info = MessageInfo(format=fmt)
    action = Action.INFORMATION
    for name, child in _children(header):
        if name == "ID" and info.header_id is None:
            info.header_id = (child.text or "").strip() or None
        elif name == "Prepared":
            info.prepared = (child.text or "").strip() or None
        elif name == "Sender":
            info.sender = child.get("id")
        elif name == "DataSetAction":
            action = parse_action(child.text, f"line {child.sourceline}", Action.INFORMATION)
        elif name == "Structure" and info.structure is None:
            info.dimension_at_observation = child.get("dimensionAtObservation")
            info.explicit_measures = (child.get("explicitMeasures") or "").strip().lower() in (
                "true",
                "1",
            )
            for ref_name, ref in _children(child):
                kind = _REF_KINDS.get(ref_name)
                if kind is not None:
                    info.structure = _structure_ref(ref, kind)
                    break
    return info, action
