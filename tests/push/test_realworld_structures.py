"""Real-world structure and data messages (IMF, ISTAT, Eurostat; tests/fixtures/realworld/SOURCE.md).

Each test is a regression of issue 9: SDMX-ML 3.0 metadata attributes in a
DSD (a traceback and 500 before), dimensions whose codelist comes from their
concept's core representation (never validated before), nested maintenance
agencies (refused before), every missing reference in one report (only the
first before), and messages that named the wrong thing.
"""

from __future__ import annotations

import io
from pathlib import Path

from lxml import etree

from sdmx_server.domain.errors import NoResultsError
from sdmx_server.readers.sdmx1_structures import read_structure_bytes, read_structure_file
from sdmx_server.services.file_loading import load_structure_files
from tests.push.conftest import PushEnv

REALWORLD = Path(__file__).resolve().parent.parent / "fixtures" / "realworld"
BOP = REALWORLD / "IMF_STA_DSD_BOP.xml"
WEO = REALWORLD / "IMF_RES_WEO-excerpt-structure.xml"
WEO_DATA = REALWORLD / "IMF_RES_WEO-excerpt-data.xml"
ISTAT = REALWORLD / "ISTAT_22_289-structure.xml"
XML21 = "application/vnd.sdmx.structure+xml;version=2.1"
XML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
SS21 = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
METADATA_ATTRIBUTES = ("ACCESS_SHARING_LEVEL", "SECURITY_CLASSIFICATION", "LICENSE", "SERIES_NAME")


def test_metadata_attribute_usage_is_skipped_and_reported(exr_env: PushEnv) -> None:
    read = read_structure_file(BOP)
    (dsd,) = [a for a in read.artefacts if a.id == "DSD_BOP"]
    attributes = {a.id for a in dsd.details.attributes}
    assert attributes and not attributes & set(METADATA_ATTRIBUTES)
    skipped = " ".join(read.warnings[dsd.ref])
    assert all(f"metadata attribute {m} skipped" in skipped for m in METADATA_ATTRIBUTES)
    # The command line: no traceback; the DSD's outcome names what was skipped and why it is refused.
    report = load_structure_files([BOP], exr_env.services.structure_store)
    (outcome,) = [o for o in report.submission.outcomes if o.ref == dsd.ref]
    assert any("metadata attribute LICENSE skipped" in w for w in outcome.warnings), outcome
    assert "CS_BOP" in outcome.message  # its concept scheme is not in the message
    # Over HTTP: an SDMX answer (validated by the client hook), never a 500.
    with exr_env.client("admin") as client:
        r = client.post(
            "/rest/v2/structure", content=BOP.read_bytes(), headers={"Content-Type": XML30}
        )
    assert r.status_code in (409, 422), r.text[:500]
    assert etree.fromstring(r.content).tag.endswith("}RegistryInterface")
    assert "IMF.STA:CS_BOP(1.0)" in r.text


def _load_weo(env: PushEnv) -> list[str]:
    report = load_structure_files([WEO], env.services.structure_store)
    assert not report.submission.refused, [(o.ref, o.message) for o in report.submission.refused]
    return [w for o in report.submission.outcomes for w in o.warnings]


def test_nested_agencies_are_registered_like_unknown_ones(exr_env: PushEnv) -> None:
    warnings = _load_weo(exr_env)
    assert "maintenance agency IMF.RES was unknown: registered in IMF:AGENCIES(1.0)" in warnings
    with exr_env.client() as client:
        r = client.get("/rest/agencyscheme/IMF/AGENCIES/1.0")
        assert r.status_code == 200 and 'id="RES"' in r.text
        assert client.get("/rest/dataflow/IMF.RES/WEO/9.0.0").status_code == 200


def test_dimensions_take_their_concepts_core_representation(exr_env: PushEnv) -> None:
    env = exr_env
    _load_weo(env)
    body = WEO_DATA.read_bytes()
    r = env.push(body, "admin", target="dataflow/IMF.RES/WEO/9.0.0", content_type=SS21)
    assert r.status_code == 422, r.text[:500]
    errors = r.json()["errors"]
    assert {(e["component"], e["value"]) for e in errors} == {("COUNTRY", "NOT_A_COUNTRY")}
    assert all("IMF.RES:CL_WEO_COUNTRY(1.0.1)" in e["reason"] for e in errors)
    good = (
        b"".join(body.split(b'    <Series COUNTRY="NOT_A_COUNTRY"')[0:1])
        + b"  </message:DataSet>\n</message:StructureSpecificData>\n"
    )
    r = env.push(good, "admin", target="dataflow/IMF.RES/WEO/9.0.0", content_type=SS21)
    assert r.status_code == 200 and r.json()["inserted"] == 1, r.text[:500]
    with env.client() as client:
        schema = client.get("/rest/schema/dataflow/IMF.RES/WEO/9.0.0")
        assert schema.status_code == 200, schema.text[:300]
        values = set(
            etree.fromstring(schema.content).xpath("//*[local-name()='enumeration']/@value")
        )
        assert {"SVK", "FRA", "NGDP_R"} <= values and "NOT_A_COUNTRY" not in values
        available = client.get("/rest/availableconstraint/IMF.RES,WEO,9.0.0")
        assert available.status_code == 200, available.text[:300]
        assert "SVK" in available.text
        # An OVERLAP attribute of three characters breaks its concept's maxLength of 2.
        r = env.push(
            good.replace(b'OVERLAP="OL"', b'OVERLAP="OLX"'),
            "admin",
            target="dataflow/IMF.RES/WEO/9.0.0",
            content_type=SS21,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["component"] == "OVERLAP", r.text[
            :500
        ]


def test_every_missing_reference_is_reported_at_once(exr_env: PushEnv) -> None:
    report = load_structure_files([ISTAT], exr_env.services.structure_store)
    (refused,) = report.submission.refused
    missing = refused.message.split("; ")
    assert len(missing) == 14, missing
    assert all(
        m.startswith("references ") and m.endswith("which is neither in the message nor stored")
        for m in missing
    )
    assert (
        "Codelist=IT1:CL_UNIT_MULT(1.0)" in refused.message
        and "ConceptScheme=IT1:CROSS_DOMAIN(1.0)" in refused.message
    )


def test_a_data_structure_that_is_not_stored_is_named_as_not_found(exr_env: PushEnv) -> None:
    body = WEO_DATA.read_bytes().replace(
        b'<common:StructureUsage><Ref agencyID="IMF.RES" id="WEO" version="9.0.0"/></common:StructureUsage>',
        b'<common:Structure><Ref agencyID="IMF.RES" id="DSD_WEO" version="9.0.0"/></common:Structure>',
    )
    try:
        exr_env.services.data_write.submit(io.BytesIO(body))
    except NoResultsError as exc:
        assert "IMF.RES:DSD_WEO(9.0.0)" in exc.message and "not found" in exc.message, exc.message
        assert "0 dataflows" not in exc.message
    else:
        raise AssertionError("a message for a data structure that is not stored was accepted")


def test_a_categorisation_of_something_not_stored_names_its_type_and_urn() -> None:
    message = (
        b'<?xml version="1.0" encoding="UTF-8"?><mes:Structure '
        b'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message" '
        b'xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure" '
        b'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common"><mes:Header><mes:ID>T</mes:ID>'
        b'<mes:Test>false</mes:Test><mes:Prepared>2024-01-01T00:00:00Z</mes:Prepared><mes:Sender id="T"/>'
        b'</mes:Header><mes:Structures><str:Categorisations><str:Categorisation id="CAT1" agencyID="ECB" '
        b'version="1.0"><com:Name xml:lang="en">c</com:Name><str:Source>'
        b"urn:sdmx:org.sdmx.infomodel.base.DataProvider=ECB:DATA_PROVIDERS(1.0).X</str:Source><str:Target>"
        b"urn:sdmx:org.sdmx.infomodel.categoryscheme.Category=ECB:CS(1.0).X</str:Target></str:Categorisation>"
        b"</str:Categorisations></mes:Structures></mes:Structure>"
    )
    ((label, reason),) = read_structure_bytes(message, source="test").refused
    assert "dict" not in reason
    assert (
        "DataProvider (urn:sdmx:org.sdmx.infomodel.base.DataProvider=ECB:DATA_PROVIDERS(1.0).X)"
        in reason
    ), reason


DEMOGRAPHY = [
    REALWORLD / "SDMX_common-excerpt.xml",
    REALWORLD / "ESTAT_demography-structure.xml",
    REALWORLD / "ESTAT_demography-dataflow.xml",
]
DEMOGRAPHY_DATA = REALWORLD / "ESTAT_demography-xs.xml"


def test_explicit_measures_are_read_from_the_observation_type(exr_env: PushEnv) -> None:
    """Eurostat's demography sample: the measure dimension DEMO at the observation, each ``Obs`` typed
    ``xsi:type="demo:TFRNSI"``. The measure comes from the type: no missing DEMO, no false conflicts of
    UNIT_MEASURE between the four measures of one cross-section."""
    env = exr_env
    report = load_structure_files(DEMOGRAPHY, env.services.structure_store)
    assert not report.submission.refused, [(o.ref, o.message) for o in report.submission.refused]
    body = DEMOGRAPHY_DATA.read_bytes().replace(
        b'<Series FREQ="A"', b'<Series DECIMALS="1" FREQ="A"'
    )
    r = env.push(body, "admin", target="dataflow/ESTAT/DEMOGRAPHY/1.0", content_type=SS21)
    assert r.status_code == 200, [e["reason"] for e in r.json().get("errors", [])][:5]
    assert r.json()["inserted"] == 60
    with env.client() as client:
        r = client.get(
            "/rest/data/ESTAT,DEMOGRAPHY,1.0/A.BE.T.TFRNSI+LEXPNSIT",
            headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"},
        )
    assert r.status_code == 200, r.text[:300]
    rows = {
        (line.split(",")[4], line.split(",")[5]): line for line in r.text.strip().splitlines()[1:]
    }
    assert "1.82" in rows[("TFRNSI", "2007")] and "CPW" in rows[("TFRNSI", "2007")], r.text[:500]
    assert "80.2" in rows[("LEXPNSIT", "2007")] and "YRS" in rows[("LEXPNSIT", "2007")], r.text[
        :500
    ]


def test_reference_partial_lists_the_core_representation_codes_allowed(exr_env: PushEnv) -> None:
    """``detail=referencepartial``: a codelist that a dimension takes from its concept is cut to the
    codes the dataflow's Allowed constraint gives that dimension, like a local one."""
    from sdmx_server.domain.model import (
        Artefact,
        ArtefactType,
        ConstraintAttachmentRef,
        ConstraintDetails,
        CubeRegion,
        KeyValue,
        MaintainableRef,
    )

    env = exr_env
    _load_weo(env)
    flow = MaintainableRef(type=ArtefactType.DATAFLOW, agency="IMF.RES", id="WEO", version="9.0.0")
    cc = Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="IMF.RES",
        id="CC_WEO",
        version="1.0",
        names={"en": "WEO countries"},
        details=ConstraintDetails(
            role="Allowed",
            attachments=[ConstraintAttachmentRef(ref=flow)],
            cube_regions=[
                CubeRegion(include=True, key_values=[KeyValue(id="COUNTRY", values=["SVK"])])
            ],
        ),
    )
    assert not env.services.structure_store.submit([cc]).refused
    with env.client() as client:
        r = client.get(
            "/rest/dataflow/IMF.RES/WEO/9.0.0",
            params={"references": "all", "detail": "referencepartial"},
        )
    assert r.status_code == 200, r.text[:300]
    root = etree.fromstring(r.content)
    (codelist,) = root.xpath("//*[local-name()='Codelist'][@id='CL_WEO_COUNTRY']")
    assert [c.get("id") for c in codelist.xpath("./*[local-name()='Code']")] == ["SVK"]
    assert codelist.get("isPartial") == "true"
