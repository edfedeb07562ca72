"""Stubs of every shipped artefact type (schema-valid, readable by sdmx1), item-level and typed
``references=``, and conditional GET of queries without result, against a live server over the
shipped content (``codelists/``, ``dsd/``, ``data/sample/``)."""

from __future__ import annotations

import contextlib
import io

import httpx
import pytest
import sdmx
from lxml import etree

from tests.sdmx_validation import xml_errors

STR = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"
STUB_DETAILS = ("allstubs", "allcompletestubs")
REFERENCE_STUB_DETAILS = ("referencestubs", "referencecompletestubs")
# Every resource that holds shipped artefacts (and the whole-store resource).
RESOURCES = (
    "structure",
    "agencyscheme",
    "dataproviderscheme",
    "organisationscheme",
    "codelist",
    "conceptscheme",
    "categoryscheme",
    "categorisation",
    "datastructure",
    "dataflow",
    "contentconstraint",
    "allowedconstraint",
    "provisionagreement",
)


def read_with_sdmx1(body: bytes) -> sdmx.message.StructureMessage:
    with contextlib.redirect_stdout(io.StringIO()):  # sdmx1 prints the stubs it leaves unresolved
        msg = sdmx.read_sdmx(io.BytesIO(body), format="XML")
    assert isinstance(msg, sdmx.message.StructureMessage)
    return msg


def check_structure_answer(r: httpx.Response) -> sdmx.message.StructureMessage:
    """200, valid against the official XSD, and read by sdmx1."""
    assert r.status_code == 200, r.text[:500]
    assert xml_errors(r.content) == []
    return read_with_sdmx1(r.content)


def maintainables(body: bytes) -> dict[str, list[etree._Element]]:
    """Maintainable elements of a structure message by class."""
    out: dict[str, list[etree._Element]] = {}
    for el in etree.fromstring(body).iter():
        if isinstance(el.tag, str) and el.get("agencyID") and el.get("urn") and el.get("version"):
            out.setdefault(etree.QName(el).localname, []).append(el)
    return out


def names(r: httpx.Response) -> set[str]:
    return {f"{cls}={el.get('id')}" for cls, els in maintainables(r.content).items() for el in els}


def dataflows(shipped_client: httpx.Client) -> list[str]:
    r = shipped_client.get("/rest/dataflow/all/all/latest", params={"detail": "allstubs"})
    return [el.get("id") for el in maintainables(r.content)["Dataflow"]]


# ------------------------------------------------------------------ stubs


@pytest.mark.parametrize("detail", STUB_DETAILS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_stubs_of_every_shipped_type_are_valid_and_read_by_sdmx1(
    shipped_client: httpx.Client, resource: str, detail: str
) -> None:
    r = shipped_client.get(f"/rest/{resource}", params={"detail": detail})
    msg = check_structure_answer(r)
    found = maintainables(r.content)
    assert found and all(
        el.get("isExternalReference") == "true" for els in found.values() for el in els
    )
    # constraints keep their type (the schema's default, Actual, would misstate the shipped Allowed ones)
    for el in found.get("ContentConstraint", []):
        assert el.get("type") == "Allowed"
    for c in msg.constraint.values():
        assert c.role.role is sdmx.model.common.ConstraintRoleType.allowable
    # provision agreement stubs carry the references the schema requires
    for el in found.get("ProvisionAgreement", []):
        assert el.find(f"{STR}StructureUsage/Ref").get("class") == "Dataflow"
        assert el.find(f"{STR}DataProvider/Ref").get("class") == "DataProvider"
    for pa in msg.provisionagreement.values():
        assert pa.structure_usage is not None and pa.data_provider is not None


def test_whole_store_stubs_hold_every_shipped_type(shipped_client: httpx.Client) -> None:
    found = maintainables(
        shipped_client.get("/rest/structure", params={"detail": "allstubs"}).content
    )
    assert {
        "AgencyScheme",
        "DataProviderScheme",
        "Codelist",
        "ConceptScheme",
        "CategoryScheme",
        "Categorisation",
        "DataStructure",
        "Dataflow",
        "ContentConstraint",
        "ProvisionAgreement",
    } <= set(found)


@pytest.mark.parametrize("detail", REFERENCE_STUB_DETAILS)
def test_reference_stubs_of_every_shipped_dataflow_are_valid_and_read_by_sdmx1(
    shipped_client: httpx.Client, detail: str
) -> None:
    flows = dataflows(shipped_client)
    assert len(flows) >= 10
    for flow in flows:
        r = shipped_client.get(
            f"/rest/dataflow/MA_LMIS/{flow}", params={"references": "all", "detail": detail}
        )
        msg = check_structure_answer(r)
        assert flow in {df.id for df in msg.dataflow.values()}
        found = maintainables(r.content)
        assert found.get("ContentConstraint") and found.get("ProvisionAgreement"), flow
        assert all(el.get("type") == "Allowed" for el in found["ContentConstraint"])


def test_full_answers_keep_the_constraint_type(shipped_client: httpx.Client) -> None:
    r = shipped_client.get("/rest/contentconstraint")
    msg = check_structure_answer(r)
    assert msg.constraint and all(
        c.role.role is sdmx.model.common.ConstraintRoleType.allowable
        for c in msg.constraint.values()
    )


# ------------------------------------------------------------------ references


def test_item_query_references_only_artefacts_of_those_items(shipped_client: httpx.Client) -> None:
    # the SDMX REST specification's own example: the categorisations of one category
    r = shipped_client.get(
        "/rest/categoryscheme/MA_LMIS/LMIS_THEMES/1.0/REM", params={"references": "categorisation"}
    )
    check_structure_answer(r)
    got = maintainables(r.content)
    cats = got["Categorisation"]
    assert cats
    assert all(el.find(f"{STR}Target/Ref").get("id") == "REM" for el in cats)
    everything = maintainables(
        shipped_client.get(
            "/rest/categoryscheme/MA_LMIS/LMIS_THEMES/1.0", params={"references": "categorisation"}
        ).content
    )["Categorisation"]
    assert len(cats) < len(everything)
    assert {el.get("id") for el in cats} == {
        el.get("id") for el in everything if el.find(f"{STR}Target/Ref").get("id") == "REM"
    }
    # parents likewise; the dataflows categorised under REM are reached through them
    r = shipped_client.get(
        "/rest/categoryscheme/MA_LMIS/LMIS_THEMES/1.0/REM",
        params={"references": "parentsandsiblings"},
    )
    assert {el.get("id") for el in maintainables(r.content)["Categorisation"]} == {
        el.get("id") for el in cats
    }
    flows = {el.get("id") for el in maintainables(r.content)["Dataflow"]}
    assert flows == {el.find(f"{STR}Source/Ref").get("id") for el in cats}


def test_item_query_of_codes_keeps_scheme_level_references(shipped_client: httpx.Client) -> None:
    # DSDs reference a codelist as a whole (no item-level reference): an item query keeps them
    whole = names(
        shipped_client.get("/rest/codelist/ILO/CL_SEX/1.0", params={"references": "datastructure"})
    )
    items = names(
        shipped_client.get(
            "/rest/codelist/ILO/CL_SEX/1.0/SEX_F", params={"references": "datastructure"}
        )
    )
    assert items == whole and any(n.startswith("DataStructure=") for n in whole)


def test_type_reference_excludes_siblings(shipped_client: httpx.Client) -> None:
    # other codelists are siblings of CL_SEX (through the DSDs), neither its parents nor its children
    r = shipped_client.get("/rest/codelist/ILO/CL_SEX", params={"references": "codelist"})
    check_structure_answer(r)
    assert names(r) == {"Codelist=CL_SEX"}
    siblings = names(
        shipped_client.get("/rest/codelist/ILO/CL_SEX", params={"references": "parentsandsiblings"})
    )
    assert sum(n.startswith("Codelist=") for n in siblings) > 10
    # direct parents and children of the type are found (docs/adr/0009: not those further away)
    dsds = names(
        shipped_client.get("/rest/codelist/ILO/CL_SEX", params={"references": "datastructure"})
    )
    assert "DataStructure=DSD_LFS" in dsds and not any(
        n.startswith("Codelist=") and n != "Codelist=CL_SEX" for n in dsds
    )
    flows = names(
        shipped_client.get("/rest/codelist/ILO/CL_SEX", params={"references": "dataflow"})
    )
    assert flows == {"Codelist=CL_SEX"}  # dataflows reference DSDs, not codelists
    codelists = names(
        shipped_client.get("/rest/dataflow/MA_LMIS/DF_LFS_CORE", params={"references": "codelist"})
    )
    assert codelists == {"Dataflow=DF_LFS_CORE"}  # the codelists are its DSD's children


# ------------------------------------------------------------------ conditional GET


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "*"},
        {"If-Modified-Since": "Tue, 01 Jan 2036 00:00:00 GMT"},
        {"If-None-Match": '"whatever"'},
    ],
)
def test_conditional_get_of_a_query_without_result_is_404(
    shipped_client: httpx.Client, headers: dict[str, str]
) -> None:
    for path in ("/rest/codelist/ILO/NOPE", "/rest/codelist/ILO/CL_SEX/1.0/NOPE"):
        r = shipped_client.get(path, headers=headers)
        assert r.status_code == 404, (path, headers)
        err = etree.fromstring(r.content).find("{*}ErrorMessage")
        assert err is not None and err.get("code") == "100"


def test_conditional_get_of_an_existing_query_is_still_304(shipped_client: httpx.Client) -> None:
    r = shipped_client.get("/rest/codelist/ILO/CL_SEX")
    assert r.status_code == 200
    assert (
        shipped_client.get(
            "/rest/codelist/ILO/CL_SEX", headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )
    assert (
        shipped_client.get("/rest/codelist/ILO/CL_SEX", headers={"If-None-Match": "*"}).status_code
        == 304
    )
