"""SDMX error messages: SDMX-ML 2.1 ``mes:Error`` and SDMX-JSON ``errors``."""

from __future__ import annotations

import re
from typing import Any, cast

import orjson
from lxml import etree

from sdmx_server.formats.xml_ns import COM, MES, NS21

XML_ERROR_TYPE = "application/xml"
JSON_ERROR_TYPE = "application/json"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Replace characters XML 1.0 cannot carry (a client may echo anything into a message)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def error_xml(
    code: int, message: str, details: list[dict[str, Any]] | None = None, lang: str = "en"
) -> bytes:
    """An SDMX-ML 2.1 Error message (no Header, as the schema wants); ``lang`` is the message's language."""
    root = etree.Element(MES + "Error", nsmap={"mes": NS21["mes"], "com": NS21["com"]})
    em = etree.SubElement(root, MES + "ErrorMessage", {"code": str(code)})
    text = etree.SubElement(em, COM + "Text")
    text.text = xml_safe(message)
    if lang != "en":
        text.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    for detail in (details or [])[:1000]:
        etree.SubElement(em, COM + "Text").text = xml_safe(
            "; ".join(f"{k}: {v}" for k, v in detail.items())
        )
    return cast(bytes, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def error_json(
    code: int, title: str, message: str, details: list[dict[str, Any]] | None = None
) -> bytes:
    """An SDMX-JSON style error object (``errors`` with code, title, detail)."""
    body: dict[str, Any] = {"errors": [{"code": code, "title": title, "detail": message}]}
    if details:
        body["errors"][0]["details"] = details
    return orjson.dumps(body)
