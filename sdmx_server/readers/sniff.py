"""Tell which data-message format a request body is in.

The ``Content-Type`` decides when it names an SDMX data format; when it is
missing or generic (``application/xml``, ``text/csv``, ``application/octet-stream``
...) the first bytes do: the root element and its namespace for XML, the
first header cell for CSV.
"""

from __future__ import annotations

import re

from ._xml_common import GENERIC_21, SS_21, SS_30, format_from_root, scan_prolog
from .base import DataReadError
from .sdmx_csv import CSV_10, CSV_20, detect_csv_header

__all__ = ["sniff_format"]

_MEDIA_TYPES = {
    "application/vnd.sdmx.genericdata+xml": GENERIC_21,
    "application/vnd.sdmx.generictimeseriesdata+xml": GENERIC_21,
    "application/vnd.sdmx.structurespecificdata+xml": SS_21,
    "application/vnd.sdmx.structurespecifictimeseriesdata+xml": SS_21,
}
_VERSIONED = {
    "application/vnd.sdmx.data+xml": {"3.0": SS_30},
    "application/vnd.sdmx.data+csv": {"1.0": CSV_10, "2.0": CSV_20},
}
_REFUSED = {
    "application/vnd.sdmx.structure+xml": "this is a structure message, not a data message",
    "application/vnd.sdmx.structure+json": "this is a structure message, not a data message",
    "application/vnd.sdmx.genericmetadata+xml": "this is a metadata message, not a data message",
    "application/vnd.sdmx.structurespecificmetadata+xml": "this is a metadata message, not a data message",
    "application/vnd.sdmx.metadata+xml": "this is a metadata message, not a data message",
    "application/vnd.sdmx.metadata+json": "this is a metadata message, not a data message",
    "application/vnd.sdmx.metadata+csv": "this is a metadata message, not a data message",
    "application/vnd.sdmx.data+json": "SDMX-JSON data messages are not accepted: "
    "send SDMX-ML or SDMX-CSV",
    "application/json": "JSON is not accepted: send SDMX-ML or SDMX-CSV",
}

_ROOT_RE = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)")


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    main, *params = content_type.split(";")
    parsed = {}
    for param in params:
        name, sep, value = param.partition("=")
        if sep:
            parsed[name.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), parsed


def _from_content_type(content_type: str) -> str | None:
    media, params = _media_type(content_type)
    if media in _MEDIA_TYPES:
        return _MEDIA_TYPES[media]
    if media in _REFUSED:
        raise DataReadError("line 1", _REFUSED[media])
    versions = _VERSIONED.get(media)
    if versions is None:
        return None  # generic or unknown: look at the bytes
    version = params.get("version")
    if version is None:
        return None
    for prefix, fmt in versions.items():
        if version == prefix or version.startswith(prefix + "."):
            return fmt
    raise DataReadError("line 1", f"unsupported version {version} of {media}")


def _from_xml(head: bytes) -> str:
    start = scan_prolog(head)
    if start is None:
        raise DataReadError("line 1", "cannot find the root element of the XML message")
    m = _ROOT_RE.match(head, start)
    if m is None:
        raise DataReadError("line 1", "cannot find the root element of the XML message")
    prefix = m[1].decode("ascii") if m[1] else ""
    name = m[2].decode("ascii")
    attr = rb"xmlns:" + prefix.encode("ascii") if prefix else rb"xmlns"
    decl = re.compile(re.escape(attr) + rb"""\s*=\s*(["'])(.*?)\1""", re.DOTALL)
    found = decl.search(head, m.end())
    ns = found[2].decode("utf-8", "replace") if found else ""
    if prefix and not found:
        raise DataReadError(
            "line 1", f"the namespace prefix {prefix!r} of the root is not declared"
        )
    return format_from_root(ns, name)


def _from_csv(head: bytes) -> str:
    line, newline, _rest = head.partition(b"\n")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if newline or exc.end < len(line):  # invalid bytes, not a character cut off by the head
            raise DataReadError("line 1", "invalid UTF-8: SDMX-CSV must be UTF-8 encoded") from None
        text = line[: exc.start].decode("utf-8-sig")
    return detect_csv_header(text)[0]


def sniff_format(head: bytes, content_type: str | None = None) -> str:
    """One of :data:`base.FORMATS` for a message starting with ``head``.

    ``content_type`` (the request's Content-Type) decides when it names an
    SDMX data media type; otherwise ``head`` (a few kilobytes of the body)
    does. Raises :class:`DataReadError` at ``line 1`` for anything that is
    not an SDMX-ML 2.1/3.0 or SDMX-CSV 1.0/2.0 data message, with a message
    that says what it is instead (structure message, SDMX-JSON, ...).
    """
    if content_type:
        fmt = _from_content_type(content_type)
        if fmt is not None:
            return fmt
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (XML only, in practice)
        body = body.decode("utf-16", "ignore").encode("utf-8")
    stripped = body.lstrip()
    if not stripped:
        raise DataReadError("line 1", "empty message")
    if stripped.startswith(b"<"):
        return _from_xml(body)
    if stripped[:1] in (b"{", b"["):
        raise DataReadError(
            "line 1", "SDMX-JSON data messages are not accepted: send SDMX-ML or SDMX-CSV"
        )
    return _from_csv(body)
