"""SDMX 3.0 complex attributes (several values per attribute) are refused, not flattened.

A representation with ``maxOccurs`` above 1 makes an attribute (or measure)
complex; sdmx1 reads it as a single value and the store has no arrays, so the
DSD is refused by name, like the other SDMX 3.0 constructs the server does not
model (value lists, geographic codelists)."""

from __future__ import annotations

import re
from pathlib import Path

from sdmx_server.domain.model import ArtefactType
from sdmx_server.readers.sdmx1_structures import read_structure_file
from sdmx_server.readers.structure_ml import read_structure_message
from sdmx_server.services.container import Services
from sdmx_server.services.file_loading import load_structure_files
from sdmx_server.storage import structure_repo as repo
from tests import fixtures

CA_DSD = fixtures.V3 / "xml" / "ECB_EXR_CA_DSD.xml"
DSD_ID = "ECB_EXR_COMPLEX_ATTRIBUTES"


def _complex_ids(data: bytes) -> set[str]:
    """Ids of the attributes the file declares with maxOccurs above 1."""
    from lxml import etree

    root = etree.fromstring(data)
    out = set()
    for attr in root.iter("{*}Attribute"):
        for rep in attr.findall("{*}LocalRepresentation"):
            if rep.get("maxOccurs", "1") not in ("0", "1"):
                out.add(attr.get("id"))
    return out


def test_dsd_with_complex_attributes_is_refused_naming_them() -> None:
    data = CA_DSD.read_bytes()
    complex_ids = _complex_ids(data)
    assert "OBS_STATUS" in complex_ids  # maxOccurs="unbounded" in the specimen
    result = read_structure_file(CA_DSD)
    assert not [a for a in result.artefacts if a.type is ArtefactType.DATA_STRUCTURE]
    assert len(result.refused) == 1
    label, reason = result.refused[0]
    assert DSD_ID in label
    assert "complex attribute" in reason
    for attr_id in complex_ids:
        assert f"complex attribute {attr_id}" in reason
    assert "TIME_FORMAT" not in reason  # maxOccurs="1": a plain attribute


def test_the_api_pre_parse_refuses_it_too() -> None:
    result = read_structure_message(
        CA_DSD.read_bytes(), "application/vnd.sdmx.structure+xml;version=3.0.0"
    )
    assert not result.artefacts
    assert result.refused and "complex attribute OBS_STATUS" in result.refused[0][1]


def test_same_dsd_with_single_valued_attributes_is_accepted(tmp_path: Path) -> None:
    simple = tmp_path / "simple.xml"
    simple.write_bytes(re.sub(rb'maxOccurs="[^"]*"', b'maxOccurs="1"', CA_DSD.read_bytes()))
    result = read_structure_file(simple)
    assert not result.refused
    assert [a.id for a in result.artefacts if a.type is ArtefactType.DATA_STRUCTURE] == [DSD_ID]


def test_explicit_max_occurs_above_one_is_complex(tmp_path: Path) -> None:
    data = re.sub(rb'maxOccurs="[^"]*"', b'maxOccurs="1"', CA_DSD.read_bytes())
    marker = b'id="OBS_CONF">'
    start = data.index(marker)
    at = data.index(b'maxOccurs="1"', start)
    two = tmp_path / "two.xml"
    two.write_bytes(data[:at] + b'maxOccurs="2"' + data[at + len(b'maxOccurs="1"') :])
    result = read_structure_file(two)
    assert not result.artefacts
    assert result.refused and "complex attribute OBS_CONF" in result.refused[0][1]


def test_loading_the_file_stores_nothing_of_the_dsd(services: Services) -> None:
    report = load_structure_files([CA_DSD], services.structure_store)
    assert report.files[0].refused and "complex attribute" in report.files[0].refused[0][1]
    assert not report.ok
    with services.session_factory() as s:
        assert not repo.find_rows(s, [ArtefactType.DATA_STRUCTURE], None, [DSD_ID], None)
