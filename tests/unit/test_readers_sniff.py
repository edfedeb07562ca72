"""Which data format a body is in: from its Content-Type, else from its first bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_server.readers.base import FORMATS, DataReadError
from sdmx_server.readers.sniff import sniff_format
from tests.fixtures import ILO_STRUCTURE

from .conftest import ECB_EXR, V3_CSV, V3_XML, requires_specimens

GENERIC, SS21, SS30, CSV1, CSV2 = FORMATS

MES21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
MES30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"


def head(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


# --------------------------------------------------------------------------- Content-Type


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [
        ("application/vnd.sdmx.genericdata+xml;version=2.1", GENERIC),
        ("application/vnd.sdmx.genericdata+xml", GENERIC),
        ("application/vnd.sdmx.generictimeseriesdata+xml;version=2.1", GENERIC),
        ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", SS21),
        ("application/vnd.sdmx.structurespecifictimeseriesdata+xml; version=2.1", SS21),
        ("APPLICATION/VND.SDMX.STRUCTURESPECIFICDATA+XML;VERSION=2.1", SS21),
        ("application/vnd.sdmx.data+xml;version=3.0.0", SS30),
        ("application/vnd.sdmx.data+xml; version=3.0", SS30),
        ("application/vnd.sdmx.data+csv;version=1.0.0", CSV1),
        ("application/vnd.sdmx.data+csv;version=2.0.0", CSV2),
        ('application/vnd.sdmx.data+csv; charset=utf-8; version="2.0.0"; labels=both', CSV2),
    ],
)
def test_sdmx_media_types_decide(content_type: str, fmt: str) -> None:
    # the body says otherwise: the specific Content-Type wins (the reader then checks)
    assert sniff_format(b"STRUCTURE,STRUCTURE_ID\n", content_type) == fmt
    assert sniff_format(b"", content_type) == fmt


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/xml",
        "text/xml; charset=utf-8",
        "text/csv",
        "application/csv",
        "application/octet-stream",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/vnd.sdmx.data+xml",
        "application/vnd.sdmx.data+csv",
    ],
)
def test_generic_media_types_look_at_the_bytes(content_type: str | None) -> None:
    assert sniff_format(b"DATAFLOW,FREQ\n", content_type) == CSV1
    xml = f'<m:GenericData xmlns:m="{MES21}"><m:Header/></m:GenericData>'.encode()
    assert sniff_format(xml, content_type) == GENERIC


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("application/vnd.sdmx.structure+xml;version=2.1", "structure message"),
        ("application/vnd.sdmx.structure+xml;version=3.0.0", "structure message"),
        ("application/vnd.sdmx.genericmetadata+xml;version=2.1", "metadata message"),
        ("application/vnd.sdmx.data+json;version=1.0.0", "SDMX-JSON"),
        ("application/json", "JSON"),
        ("application/vnd.sdmx.data+xml;version=2.1", "unsupported version"),
        ("application/vnd.sdmx.data+csv;version=3.0.0", "unsupported version"),
    ],
)
def test_refused_media_types(content_type: str, message: str) -> None:
    with pytest.raises(DataReadError, match=message) as info:
        sniff_format(b"STRUCTURE,STRUCTURE_ID\n", content_type)
    assert info.value.location == "line 1"


# --------------------------------------------------------------------------- bytes: real specimens


@requires_specimens
@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (ECB_EXR / "1" / "M.USD.EUR.SP00.A.xml", GENERIC),
        (ECB_EXR / "ng-ts.xml", GENERIC),  # GenericTimeSeriesData
        (ECB_EXR / "ng-xs.xml", GENERIC),
        (ECB_EXR / "rg-flat.xml", GENERIC),
        (ECB_EXR / "ng-ts-ss.xml", SS21),  # StructureSpecificTimeSeriesData
        (ECB_EXR / "sg-xs-ss.xml", SS21),
        (ECB_EXR / "rg-flat-ss.xml", SS21),
        (V3_XML / "ECB_EXR0.xml", SS30),
        (V3_XML / "ECB_EXR_CA.xml", SS30),
        (V3_CSV / "example-01.csv", CSV2),
        (V3_CSV / "example-02.csv", CSV2),  # STRUCTURE[;]
        (V3_CSV / "example-04.csv", CSV2),  # STRUCTURE[|] and ';' as delimiter
        (V3_CSV / "example-15.csv", CSV2),
    ],
)
def test_specimens(path: Path, fmt: str) -> None:
    assert sniff_format(head(path)) == fmt
    assert sniff_format(head(path, 600)) == fmt  # a short head is enough


@requires_specimens
@pytest.mark.parametrize(
    "path",
    [
        ECB_EXR / "1" / "structure.xml",
        ECB_EXR / "ng-structure.xml",
        V3_XML / "ECB_EXR1.xml",
        V3_XML / "codelist.xml",
        ILO_STRUCTURE,
    ],
)
def test_structure_messages_are_refused(path: Path) -> None:
    with pytest.raises(DataReadError, match="this is a structure message, not a data message") as e:
        sniff_format(head(path))
    assert e.value.location == "line 1"


# --------------------------------------------------------------------------- bytes: crafted heads


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (f'<GenericData xmlns="{MES21}"/>', GENERIC),
        (f"<message:StructureSpecificData xmlns:message='{MES21}'>", SS21),
        (f'<m:StructureSpecificData xmlns:x="urn:x" xmlns:m="{MES30}">', SS30),
        (
            f'\ufeff<?xml version="1.0"?>\n<!-- a comment -->\n<m:GenericData xmlns:m="{MES21}">',
            GENERIC,
        ),
        (
            f'  \n<?xml version="1.0"?><?pi x?><m:StructureSpecificTimeSeriesData xmlns:m="{MES21}">',
            SS21,
        ),
        ("DATAFLOW,FREQ,REF_AREA\n", CSV1),
        ('"DATAFLOW";FREQ\r\n', CSV1),
        ("\ufeffDATAFLOW\tFREQ\n", CSV1),
        ("DATAFLOW: Dataflow,FREQ: Frequency\n", CSV1),
        ("STRUCTURE,STRUCTURE_ID,ACTION\n", CSV2),
        ("STRUCTURE[;],STRUCTURE_ID\n", CSV2),
        ("STRUCTURE[|];STRUCTURE_ID\n", CSV2),
        ("STRUCTURE\tSTRUCTURE_ID\n", CSV2),
        ("STRUCTURE", CSV2),
    ],
)
def test_heads(body: str, fmt: str) -> None:
    assert sniff_format(body.encode()) == fmt


def test_utf16_xml() -> None:
    body = f'<?xml version="1.0" encoding="UTF-16"?><m:GenericData xmlns:m="{MES21}"/>'
    assert sniff_format(body.encode("utf-16")) == GENERIC


def test_head_cut_inside_a_character() -> None:
    body = "STRUCTURE,STRUCTURE_ID,ÉTAT".encode()
    assert sniff_format(body[:-5]) == CSV2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty message"),
        (b"  \n\t", "empty message"),
        (b'{"data": {}}', "SDMX-JSON"),
        (b"[1, 2]", "SDMX-JSON"),
        (b"FREQ,REF_AREA\nA,MA\n", "DATAFLOW .* or STRUCTURE"),
        (b"STRUCTURE_ID,STRUCTURE\n", "DATAFLOW .* or STRUCTURE"),
        (b"\xff\xfe\x00garbage", "not an SDMX"),
        (b"STRUCTURE,\xe9TAT\nx\n", "invalid UTF-8"),
        (b"<html><body/></html>", "not an SDMX data message"),
        (b'<m:GenericData xmlns:m="urn:other">', "not an SDMX data message"),
        (b"<m:GenericData>", "prefix 'm'"),
        (f'<m:Structure xmlns:m="{MES21}">'.encode(), "structure message"),
        (f'<m:Structure xmlns:m="{MES30}">'.encode(), "structure message"),
        (f'<m:GenericMetadata xmlns:m="{MES21}">'.encode(), "metadata message"),
        (f'<m:Error xmlns:m="{MES21}">'.encode(), "error message"),
        (f'<m:RegistryInterface xmlns:m="{MES21}">'.encode(), "registry"),
        (f'<m:GenericData xmlns:m="{MES30}">'.encode(), "unsupported SDMX-ML message"),
        (
            b'<CompactData xmlns="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message">',
            "SDMX-ML 1.0/2.0",
        ),
        (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<x/>', "DOCTYPE"),
        (b"<!-- " + b"x" * 5000, "cannot find the root element"),
    ],
)
def test_refused_heads(body: bytes, message: str) -> None:
    with pytest.raises(DataReadError, match=message) as info:
        sniff_format(body)
    assert info.value.location.startswith("line ")


def test_doctype_location() -> None:
    with pytest.raises(DataReadError, match="DOCTYPE declarations are not allowed") as info:
        sniff_format(
            b'<?xml version="1.0"?>\n\n<!DOCTYPE x SYSTEM "http://example.com/x.dtd">\n<x/>'
        )
    assert info.value.location == "line 3"
