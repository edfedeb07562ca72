"""``/schema`` of the shipped dataflows: their structure-specific data validate against it.

The shipped Allowed constraints have several include cube regions; a
constraint's regions are a union, so the generated XSD must allow every value
any region allows (intersecting them wrongly refused most shipped data).
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from tests.ss_validation import ss_errors

SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
SS_TS = "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1"
XS = "{http://www.w3.org/2001/XMLSchema}"


def shipped_dataflows(shipped_client: httpx.Client) -> list[tuple[str, str, str]]:
    r = shipped_client.get("/rest/dataflow/all/all/latest", params={"detail": "allstubs"})
    assert r.status_code == 200
    return [
        (el.get("agencyID"), el.get("id"), el.get("version"))
        for el in etree.fromstring(r.content).iter("{*}Dataflow")
    ]


@pytest.mark.parametrize(
    ("accept", "dim_at_obs"), [(SS, "TIME_PERIOD"), (SS_TS, "TIME_PERIOD"), (SS, "AllDimensions")]
)
def test_structure_specific_data_of_every_shipped_dataflow_validate_against_its_schema(
    shipped_client: httpx.Client, accept: str, dim_at_obs: str
) -> None:
    flows = shipped_dataflows(shipped_client)
    assert len(flows) >= 10
    failures = {}
    checked = 0
    for agency, fid, ver in flows:
        data = shipped_client.get(
            f"/rest/data/{agency},{fid},{ver}",
            params={"dimensionAtObservation": dim_at_obs},
            headers={"Accept": accept},
        )
        if data.status_code == 404:
            continue  # no sample data for this dataflow
        assert data.status_code == 200, (fid, data.text[:300])
        xsd = shipped_client.get(
            f"/rest/schema/dataflow/{agency}/{fid}/{ver}",
            params={"dimensionAtObservation": dim_at_obs},
        )
        assert xsd.status_code == 200, (fid, xsd.text[:300])
        ns = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:{fid}({ver}):ObsLevelDim:{dim_at_obs}"
        errors = ss_errors(data.content, xsd.content, ns)
        if errors:
            failures[fid] = errors[:3]
        checked += 1
    assert checked >= 10
    assert failures == {}


def _enumeration(xsd: bytes, comp: str) -> set[str]:
    root = etree.fromstring(xsd)
    st = next(el for el in root.iter(f"{XS}simpleType") if el.get("name") == f"{comp}.Type")
    return {e.get("value") for e in st.iter(f"{XS}enumeration")}


def test_schema_allows_the_union_of_a_constraints_include_regions(
    shipped_client: httpx.Client,
) -> None:
    # CC_DF_LFS_CORE has three include regions: national detail, regional detail, and a regional total
    cc = etree.fromstring(
        shipped_client.get("/rest/contentconstraint/MA_LMIS/CC_DF_LFS_CORE").content
    )
    regions = [r for r in cc.iter("{*}CubeRegion") if r.get("include", "true") == "true"]
    assert len(regions) > 1
    xsd = shipped_client.get("/rest/schema/dataflow/MA_LMIS/DF_LFS_CORE/1.0").content
    for comp in ("REGION", "AGE", "EDU", "MEASURE"):
        union: set[str] = set()
        for region in regions:
            kv = [k for k in region.findall("{*}KeyValue") if k.get("id") == comp]
            assert kv, f"every region names {comp}"
            union |= {v.text for v in kv[0].findall("{*}Value")}
        assert _enumeration(xsd, comp) == union, comp
    assert {"REG_MA_TOTAL"} < _enumeration(xsd, "REGION")
