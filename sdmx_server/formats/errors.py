"""SDMX error messages: SDMX-ML 2.1 ``mes:Error`` and SDMX-JSON ``errors``."""

from __future__ import annotations

from typing import Any

import orjson
from lxml import etree

from sdmx_server.formats.xml_ns import COM, MES, NS21

XML_ERROR_TYPE = "application/xml"
JSON_ERROR_TYPE = "application/json"


def error_xml(code: int, message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    """An SDMX-ML 2.1 Error message (no Header, as the schema wants)."""
    root = etree.Element(MES + "Error", nsmap={"mes": NS21["mes"], "com": NS21["com"]})
    em = etree.SubElement(root, MES + "ErrorMessage", {"code": str(code)})
    etree.SubElement(em, COM + "Text").text = message
    for detail in (details or [])[:1000]:
        etree.SubElement(em, COM + "Text").text = "; ".join(f"{k}: {v}" for k, v in detail.items())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_json(code: int, title: str, message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    """An SDMX-JSON style error object (``errors`` with code, title, detail)."""
    body: dict[str, Any] = {"errors": [{"code": code, "title": title, "detail": message}]}
    if details:
        body["errors"][0]["details"] = details
    return orjson.dumps(body)
