"""Availability answers in SDMX-JSON structure messages, against a live server (ECB EXR chain of
``data_server``): ``/rest/v2/availability`` in SDMX-JSON 2.0 (a DataConstraint, role Actual), 2.1
(an AvailabilityConstraint with ``seriesCount``/``obsCount``, as SDMX-ML 3.1) and 1.0; the v1
``/rest/availableconstraint`` in SDMX-JSON 1.0 (a ContentConstraint of type Actual), 2.0 and 2.1.

Each answer is validated against the official SDMX-JSON schema of its version (explicitly, and by
the client hook) and compared with the SDMX-ML answer to the same query; pysdmx, whose
``RestService`` asks for SDMX-JSON 2.0 availability by default, reads them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from lxml import etree
from pysdmx.api.qb import ApiVersion, AvailabilityQuery, DataContext, RestService
from pysdmx.io import read_sdmx
from pysdmx.io.format import AvailabilityFormat

from tests.json_schemas import validate_json
from tests.sdmx_validation import httpx_hooks

JSON10 = "application/vnd.sdmx.structure+json;version=1.0.0"
JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
JSON21 = "application/vnd.sdmx.structure+json;version=2.1.0"
ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.structure+xml;version=3.1.0"
ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
AV = "/rest/v2/availability/dataflow/ECB/EXR/1.0"
V1 = "/rest/availableconstraint/ECB,EXR,1.0"
FLOW_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"
Region = tuple[dict[str, set[str]], tuple[str | None, str | None], dict[str, str]]


@pytest.fixture
def client(data_server: Any) -> httpx.Client:
    with httpx.Client(base_url=data_server.url, timeout=60, event_hooks=httpx_hooks) as c:
        yield c


def get_json(client: httpx.Client, path: str, accept: str, **params: str) -> dict[str, Any]:
    r = client.get(path, params=params, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == accept
    doc: dict[str, Any] = json.loads(r.content)
    validate_json(accept, doc)
    return doc


def ml_region(resp: httpx.Response) -> Region:
    """Values, time range and ``sdmx_metrics`` annotations of an SDMX-ML availability answer."""
    assert resp.status_code == 200, resp.text
    doc = etree.fromstring(resp.content)
    values = {
        kv.get("id"): {v.text for v in kv.findall("{*}Value")}
        for kv in doc.iter("{*}KeyValue")
        if kv.find("{*}Value") is not None
    }
    start = doc.find(".//{*}TimeRange/{*}StartPeriod")
    end = doc.find(".//{*}TimeRange/{*}EndPeriod")
    metrics = {
        a.get("id"): a.findtext("{*}AnnotationTitle")
        for a in doc.iter("{*}Annotation")
        if a.findtext("{*}AnnotationType") in ("sdmx_metrics", "sdmx_availability")
    }
    return (
        values,
        (start.text if start is not None else None, end.text if end is not None else None),
        metrics,
    )


def json_region(region: dict[str, Any], annotations: list[dict[str, Any]]) -> Region:
    """The same of an SDMX-JSON cube region (values as objects in 2.x, strings in 1.0)."""
    values: dict[str, set[str]] = {}
    time: tuple[str | None, str | None] = (None, None)
    for kv in region.get("keyValues", []):
        if "timeRange" in kv:
            tr = kv["timeRange"]
            time = (tr["startPeriod"]["period"], tr["endPeriod"]["period"])
        else:
            values[kv["id"]] = {v["value"] if isinstance(v, dict) else v for v in kv["values"]}
    metrics = {
        a["id"]: a["title"]
        for a in annotations
        if a.get("type") in ("sdmx_metrics", "sdmx_availability")
    }
    return values, time, metrics


def the_constraint(doc: dict[str, Any], member: str) -> dict[str, Any]:
    constraints = doc["data"][member]
    assert len(constraints) == 1
    return constraints[0]


# ------------------------------------------------------------------ v2


def test_json20_is_an_actual_data_constraint_equal_to_the_ml30_answer(client: httpx.Client) -> None:
    for query in ({}, {"c[FREQ]": "M", "c[TIME_PERIOD]": "ge:2020-01"}, {"mode": "available"}):
        doc = get_json(client, AV, JSON20, **query)
        assert set(doc["data"]) == {"dataConstraints"}
        c = the_constraint(doc, "dataConstraints")
        assert c["role"] == "Actual" and c["id"] == "AVAILABILITY_EXR" and c["agencyID"] == "ECB"
        assert c["constraintAttachment"] == {"dataflows": [FLOW_URN]}
        assert len(c["cubeRegions"]) == 1 and c["cubeRegions"][0]["include"] is True
        got = json_region(c["cubeRegions"][0], c["annotations"])
        assert got == ml_region(client.get(AV, params=query, headers={"Accept": ML30})), query
    assert got[2]["mode"] == "available"
    assert got[2]["series_count"] == "5" and got[2]["obs_count"] == str(252 + 53)


def test_json21_is_an_availability_constraint_with_the_ml31_counts(client: httpx.Client) -> None:
    for key in ("", "/M.USD,JPY.EUR.SP00.A"):
        doc = get_json(client, AV + key, JSON21)
        assert set(doc["data"]) == {"availabilityConstraints"}
        c = the_constraint(doc, "availabilityConstraints")
        assert c["constraintAttachment"] == {"dataflow": FLOW_URN}
        assert "id" not in c and "role" not in c  # not maintainable; SDMX 3.1 has no role
        ml = etree.fromstring(client.get(AV + key, headers={"Accept": ML31}).content)
        el = ml.find(".//{*}AvailabilityConstraints/{*}AvailabilityConstraint")
        assert c["seriesCount"] == int(el.get("seriesCount"))
        assert c["obsCount"] == int(el.get("obsCount"))
        assert c["cubeRegion"]["include"] is True
        assert json_region(c["cubeRegion"], c["annotations"]) == ml_region(
            client.get(AV + key, headers={"Accept": ML31})
        )
    assert (c["seriesCount"], c["obsCount"]) == (2, 252 + 24)


def test_versionless_json_and_application_json(client: httpx.Client) -> None:
    for accept in ("application/json", "application/vnd.sdmx.structure+json"):
        r = client.get(AV, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"] == JSON20, accept
    r = client.get(V1, headers={"Accept": "application/vnd.sdmx.structure+json"})
    assert r.headers["content-type"] == JSON10  # SDMX 2.1's JSON on v1
    assert client.get(AV, headers={"Accept": "application/vnd.sdmx.data+json"}).status_code == 406


def test_references_in_every_json_version(client: httpx.Client) -> None:
    members = {
        "codelist": {"codelists"},
        "dataflow": {"dataflows"},
        "conceptscheme": {"conceptSchemes"},
        "datastructure": {"dataStructures"},
        "dataproviderscheme": {"dataProviderSchemes"},
        "all": {
            "codelists",
            "dataflows",
            "conceptSchemes",
            "dataStructures",
            "dataProviderSchemes",
        },
    }
    for accept, constraints in (
        (JSON20, "dataConstraints"),
        (JSON21, "availabilityConstraints"),
        (JSON10, "contentConstraints"),
    ):
        for references, expected in members.items():
            doc = get_json(client, AV, accept, references=references)
            assert set(doc["data"]) == expected | {constraints}, (accept, references)
        doc = get_json(client, AV, accept, references="codelist")
        lists = {cl["id"]: cl for cl in doc["data"]["codelists"]}
        assert all(cl["isPartial"] for cl in lists.values())
        assert {c["id"] for c in lists["CL_CURRENCY"]["codes"]} == {"USD", "JPY", "EUR"}
        doc = get_json(client, AV, accept, references="dataproviderscheme")
        (scheme,) = doc["data"]["dataProviderSchemes"]
        assert {p["id"] for p in scheme["dataProviders"]} == {"ECB", "BIS"}
        doc = get_json(client, f"{AV}/D.USD.EUR.SP00.A", accept, references="dataproviderscheme")
        (scheme,) = doc["data"]["dataProviderSchemes"]
        assert {p["id"] for p in scheme["dataProviders"]} == {"BIS"}  # those with the data asked


def test_validators_differ_per_format_and_revalidate(client: httpx.Client) -> None:
    xml = client.get(AV, headers={"Accept": ML30})
    doc = client.get(AV, headers={"Accept": JSON20})
    assert xml.headers["etag"] != doc.headers["etag"]
    again = client.get(AV, headers={"Accept": JSON20, "If-None-Match": doc.headers["etag"]})
    assert again.status_code == 304
    gz = client.get(AV, headers={"Accept": JSON21, "Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert client.get(f"{AV}/M.GBP.EUR.SP00.A", headers={"Accept": JSON20}).status_code == 404
    head = client.head(AV, headers={"Accept": JSON21})
    assert head.status_code == 200 and head.headers["content-type"] == JSON21


# ------------------------------------------------------------------ v1


def test_v1_json10_is_an_actual_content_constraint_equal_to_the_ml21_answer(
    client: httpx.Client,
) -> None:
    for path, params in ((V1, {}), (V1 + "/.JPY.EUR.SP00.A", {"startPeriod": "2020"})):
        doc = get_json(client, path, JSON10, **params)
        c = the_constraint(doc, "contentConstraints")
        assert c["type"] == "Actual" and c["constraintAttachment"] == {"dataflows": [FLOW_URN]}
        region = c["cubeRegions"][0]
        assert region["isIncluded"] is True
        assert all(isinstance(v, str) for kv in region["keyValues"] for v in kv.get("values", []))
        got = json_region(region, c["annotations"])
        assert got == ml_region(client.get(path, params=params, headers={"Accept": ML21}))
    assert got[2]["obs_count"] == "12"


def test_v1_json20_and_json21_and_format_parameter(client: httpx.Client) -> None:
    doc = get_json(client, V1, JSON20, mode="available")
    assert the_constraint(doc, "dataConstraints")["role"] == "Actual"
    doc = get_json(client, V1, JSON21)
    assert the_constraint(doc, "availabilityConstraints")["seriesCount"] == 5
    r = client.get(V1, params={"format": "structure"}, headers={"Accept": JSON20})
    assert r.headers["content-type"] == JSON20  # an SDMX Accept wins over format=
    v1_etag = client.get(V1).headers["etag"]
    assert client.get(V1, headers={"Accept": JSON10}).headers["etag"] != v1_etag


# ------------------------------------------------------------------ a real client


@pytest.mark.parametrize(
    ("fmt", "api"),
    [
        (AvailabilityFormat.SDMX_JSON_2_0_0, ApiVersion.V2_0_0),
        (AvailabilityFormat.SDMX_JSON_2_0_0, ApiVersion.V2_2_2),
        (AvailabilityFormat.SDMX_ML_3_1, ApiVersion.V2_2_2),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_pysdmx_reads_the_availability(
    data_server: Any, fmt: AvailabilityFormat, api: ApiVersion
) -> None:
    service = RestService(f"{data_server.url}/rest/v2", api, avail_format=fmt)
    body = service.availability(
        AvailabilityQuery(
            context=DataContext.DATAFLOW,
            agency_id="ECB",
            resource_id="EXR",
            version="1.0",
            key="M.JPY.EUR.SP00.A",
        )
    )
    message = read_sdmx(body.decode(), validate=True)
    (constraint,) = message.get_availability_constraints()
    assert constraint.series_count == 1 and constraint.obs_count == 24
    values = {
        kv.id: {v.value for v in kv.values} for kv in constraint.cube_region.key_values if kv.values
    }
    assert values["CURRENCY"] == {"JPY"}
