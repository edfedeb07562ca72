"""The SDMX-ML 3.x and SDMX-JSON structure writers on constructs the shipped and specimen content
lacks (measure dimension, attachment groups, actual constraints, time ranges, exclude regions, several
regions, data key sets), each message validated against its official schema."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    AttributeRelationship,
    Component,
    ConstraintAttachmentRef,
    ConstraintDetails,
    CubeRegion,
    DataflowDetails,
    DataKeySet,
    DsdDetails,
    Group,
    ItemRef,
    KeyValue,
    MaintainableRef,
    Representation,
    TimeRange,
)
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.registry import STRUCTURE_QUERY_V2, structure_writer
from tests.json_schemas import json_errors
from tests.sdmx_validation import xml_errors

CS = MaintainableRef(type=ArtefactType.CONCEPT_SCHEME, agency="T", id="CS", version="1.0")
CL = MaintainableRef(type=ArtefactType.CODELIST, agency="T", id="CL_A", version="1.0")
DSD = MaintainableRef(type=ArtefactType.DATA_STRUCTURE, agency="T", id="DSD", version="1.0")
DF = MaintainableRef(type=ArtefactType.DATAFLOW, agency="T", id="DF", version="1.0")


def _comp(id_: str, kind: str, **kw: object) -> Component:
    return Component(id=id_, kind=kind, concept=ItemRef(scheme=CS, item_id=id_), **kw)  # type: ignore[arg-type]


def _artefacts() -> list[Artefact]:
    dsd = Artefact(
        type=ArtefactType.DATA_STRUCTURE,
        agency="T",
        id="DSD",
        names={"en": "D"},
        details=DsdDetails(
            dimensions=[
                _comp("A", "dimension", representation=Representation(enumeration=CL)),
                _comp("MEASURE", "measure", representation=Representation(enumeration=CS)),
                _comp("TIME_PERIOD", "time"),
            ],
            groups=[Group(id="G", dimensions=["A"])],
            attributes=[
                _comp(
                    "AT_DS",
                    "attribute",
                    assignment_status="Mandatory",
                    representation=Representation(
                        text_format={"textType": "String", "maxLength": "10"}
                    ),
                ),
                _comp(
                    "AT_G", "attribute", relationship=AttributeRelationship(kind="group", group="G")
                ),
                _comp(
                    "AT_AG",
                    "attribute",
                    relationship=AttributeRelationship(
                        kind="dimensions", dimensions=["A"], attachment_groups=["G"]
                    ),
                ),
                _comp(
                    "AT_O", "attribute", relationship=AttributeRelationship(kind="primary_measure")
                ),
            ],
            primary_measure=_comp(
                "OBS_VALUE",
                "primary_measure",
                representation=Representation(text_format={"textType": "Double"}),
            ),
        ),
    )
    flow = Artefact(
        type=ArtefactType.DATAFLOW,
        agency="T",
        id="DF",
        names={"en": "F"},
        details=DataflowDetails(structure=DSD),
    )
    regions = [
        CubeRegion(key_values=[KeyValue(id="A", values=["X"])]),
        CubeRegion(
            key_values=[
                KeyValue(id="A", values=["Y"]),
                KeyValue(id="TIME_PERIOD", time_range=TimeRange(start="2020", end="2024")),
            ]
        ),
        CubeRegion(include=False, key_values=[KeyValue(id="A", values=["Z"])]),
    ]
    allowed = Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="T",
        id="CC",
        names={"en": "C"},
        details=ConstraintDetails(
            role="Allowed",
            attachments=[ConstraintAttachmentRef(ref=DF)],
            cube_regions=regions,
            data_key_sets=[DataKeySet(keys=[{"A": "X", "MEASURE": "M"}])],
        ),
    )
    actual = Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="T",
        id="AV",
        names={"en": "Av"},
        details=ConstraintDetails(
            role="Actual", attachments=[ConstraintAttachmentRef(ref=DF)], cube_regions=regions[:2]
        ),
    )
    return [dsd, flow, allowed, actual]


@pytest.mark.parametrize("media", STRUCTURE_QUERY_V2, ids=lambda m: m.format_id)
def test_every_structure_format_writes_valid_messages(media: object) -> None:
    entries = [StructureEntry(a) for a in _artefacts()]
    body = structure_writer(media)(entries, RenderContext(public_url="http://x"))  # type: ignore[arg-type]
    ctype = media.content_type  # type: ignore[attr-defined]
    if "xml" in ctype:
        version = "3.1" if "3.1" in ctype else "3.0" if "3.0" in ctype else "2.1"
        assert not xml_errors(body, version), xml_errors(body, version)
    else:
        assert not json_errors(ctype, json.loads(body)), json_errors(ctype, json.loads(body))


def test_sdmx_ml_30_specifics() -> None:
    body = structure_writer(STRUCTURE_QUERY_V2[0])(
        [StructureEntry(a) for a in _artefacts()], RenderContext(public_url="http://x")
    )
    root = etree.fromstring(body)
    ns = {"s": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure"}
    dims = [d.get("id") for d in root.iterfind(".//s:DimensionList/s:Dimension", ns)]
    assert dims == ["A", "MEASURE"]  # the 2.1 measure dimension is a plain dimension in 3.0
    cc = root.find(".//s:DataConstraint[@id='CC']", ns)
    assert cc.get("role") == "Allowed"
    included = cc.find("s:CubeRegion[@include='true']", ns)
    assert [v.text for v in included.iterfind("s:KeyValue[@id='A']/s:Value", ns)] == [
        "X",
        "Y",
    ]  # merged
    assert (
        included.find("s:KeyValue[@id='TIME_PERIOD']/s:TimeRange/s:StartPeriod", ns).text == "2020"
    )
    assert cc.find("s:CubeRegion[@include='false']", ns) is not None
    usage = {a.get("id"): a.get("usage") for a in root.iterfind(".//s:Attribute", ns)}
    assert usage["AT_DS"] == "mandatory" and usage["AT_O"] == "optional"
    assert (
        root.find(".//s:Attribute[@id='AT_O']/s:AttributeRelationship/s:Observation", ns)
        is not None
    )
    assert (
        root.find(".//s:Attribute[@id='AT_DS']/s:AttributeRelationship/s:Dataflow", ns) is not None
    )


def test_sdmx_ml_31_writes_actual_constraints_as_availability_constraints() -> None:
    media = next(m for m in STRUCTURE_QUERY_V2 if m.format_id == "structure-ml-3.1")
    body = structure_writer(media)(
        [StructureEntry(a) for a in _artefacts()], RenderContext(public_url="http://x")
    )
    root = etree.fromstring(body)
    ns = {"s": "http://www.sdmx.org/resources/sdmxml/schemas/v3_1/structure"}
    (av,) = root.findall(".//s:AvailabilityConstraints/s:AvailabilityConstraint", ns)
    assert av.find("s:ConstraintAttachment/s:Dataflow", ns).text.endswith("Dataflow=T:DF(1.0)")
    assert [c.get("id") for c in root.iterfind(".//s:DataConstraints/s:DataConstraint", ns)] == [
        "CC"
    ]
    assert (
        root.find(".//s:DataConstraint", ns).get("role") is None
    )  # 3.1 data constraints are all Allowed


def test_sdmx_json_constraint_members_per_version() -> None:
    """SDMX-JSON 2.1 writes Actual constraints as availabilityConstraints (as SDMX-ML 3.1 does), 2.0
    as dataConstraints with their role, 1.0 as contentConstraints with their type."""

    def write(format_id: str) -> dict[str, object]:
        media = next(m for m in STRUCTURE_QUERY_V2 if m.format_id == format_id)
        body = structure_writer(media)(
            [StructureEntry(a) for a in _artefacts()], RenderContext(public_url="http://x")
        )
        doc: dict[str, object] = json.loads(body)
        assert not json_errors(media.content_type, doc)
        return doc["data"]  # type: ignore[return-value]

    v21 = write("structure-json-2.1")
    assert [c["id"] for c in v21["dataConstraints"]] == ["CC"]  # type: ignore[index]
    (av,) = v21["availabilityConstraints"]  # type: ignore[misc]
    assert av["constraintAttachment"] == {
        "dataflow": "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=T:DF(1.0)"
    }
    assert av["cubeRegion"]["include"] is True and "id" not in av
    v20 = write("structure-json-2.0")
    assert {c["id"]: c["role"] for c in v20["dataConstraints"]} == {"CC": "Allowed", "AV": "Actual"}  # type: ignore[index]
    assert "availabilityConstraints" not in v20
    v10 = write("structure-json-1.0")
    assert "dataConstraints" not in v10
    types = {c["id"]: c["type"] for c in v10["contentConstraints"]}  # type: ignore[index]
    assert types == {"CC": "Allowed", "AV": "Actual"}
    regions = [r for c in v10["contentConstraints"] for r in c["cubeRegions"]]  # type: ignore[index]
    assert {r["isIncluded"] for r in regions} == {True, False} and all(
        "include" not in r for r in regions
    )
