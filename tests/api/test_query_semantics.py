"""SDMX 2.1 query semantics (SDMX REST v1.4/1.5) against live servers: every ``references``
value, ``references=<type>`` as direct parents and children, ``detail=referencepartial``, and
availability's ``references`` (docs/adr/0009-reference-semantics.md).

Every SDMX-ML body is validated against the official schemas by the ``http``/``dhttp`` hooks.
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
STR = "{" + NS["str"] + "}"
COM = "{" + NS["com"] + "}"

# The ReferencesType of the SDMX REST v1.5.0 OpenAPI (components/parameters/references), verbatim.
SPEC_REFERENCES = (
    "none",
    "parents",
    "parentsandsiblings",
    "children",
    "descendants",
    "all",
    "datastructure",
    "metadatastructure",
    "categoryscheme",
    "conceptscheme",
    "codelist",
    "hierarchicalcodelist",
    "organisationscheme",
    "agencyscheme",
    "dataproviderscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "dataflow",
    "metadataflow",
    "reportingtaxonomy",
    "provisionagreement",
    "structureset",
    "process",
    "categorisation",
    "contentconstraint",
    "actualconstraint",
    "allowedconstraint",
    "attachmentconstraint",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "namealiasscheme",
)
NOT_STORED = (
    "metadatastructure",
    "hierarchicalcodelist",
    "metadataflow",
    "reportingtaxonomy",
    "structureset",
    "process",
    "attachmentconstraint",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "namealiasscheme",
)


def artefacts(r: httpx.Response) -> set[str]:
    """'Class=AG:ID(VER)' of every maintainable artefact of a structure message."""
    assert r.status_code == 200, r.text[:300]
    out = set()
    for el in etree.fromstring(r.content).find("mes:Structures", NS).iter():
        if isinstance(el.tag, str) and el.get("agencyID") and el.get("version") and el.get("urn"):
            out.add(
                f"{etree.QName(el).localname}={el.get('agencyID')}:{el.get('id')}({el.get('version')})"
            )
    return out


def elements(r: httpx.Response, cls: str) -> dict[str, etree._Element]:
    return {
        el.get("id"): el
        for el in etree.fromstring(r.content).iter(STR + cls)
        if el.get("urn") and el.get("agencyID")
    }


def item_ids(el: etree._Element, item: str) -> list[str]:
    return [c.get("id") for c in el.findall(STR + item)]


# ------------------------------------------------------------------ 1. every ReferencesType value


@pytest.mark.parametrize("ref", SPEC_REFERENCES)
def test_every_references_value_of_the_spec_is_accepted(http: httpx.Client, ref: str) -> None:
    got = artefacts(http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": ref}))
    assert "DataStructure=ECB:ECB_EXR1(1.0)" in got
    if ref in NOT_STORED or ref == "none":
        assert got == {
            "DataStructure=ECB:ECB_EXR1(1.0)"
        }  # nothing stored of that type: the artefact alone


def test_constraint_and_organisation_scheme_kinds(dhttp: httpx.Client) -> None:
    flow = "/rest/dataflow/ECB/EXR/1.0"
    assert artefacts(dhttp.get(flow, params={"references": "allowedconstraint"})) == {
        "Dataflow=ECB:EXR(1.0)",
        "ContentConstraint=ECB:EXR_CONSTRAINTS(1.0)",
    }
    assert artefacts(dhttp.get(flow, params={"references": "contentconstraint"})) == {
        "Dataflow=ECB:EXR(1.0)",
        "ContentConstraint=ECB:EXR_CONSTRAINTS(1.0)",
    }
    assert artefacts(dhttp.get(flow, params={"references": "actualconstraint"})) == {
        "Dataflow=ECB:EXR(1.0)"
    }
    # organisationscheme: any of the four organisation-scheme types
    pa = "/rest/provisionagreement/ECB/EXR_BIS/1.0"
    assert artefacts(dhttp.get(pa, params={"references": "organisationscheme"})) == {
        "ProvisionAgreement=ECB:EXR_BIS(1.0)",
        "DataProviderScheme=ECB:DATA_PROVIDERS(1.0)",
    }
    assert artefacts(dhttp.get(pa, params={"references": "agencyscheme"})) == {
        "ProvisionAgreement=ECB:EXR_BIS(1.0)"
    }
    assert artefacts(dhttp.get(pa, params={"references": "dataflow"})) == {
        "ProvisionAgreement=ECB:EXR_BIS(1.0)",
        "Dataflow=ECB:EXR(1.0)",
    }


def test_values_outside_the_spec_are_still_400(http: httpx.Client) -> None:
    for bad in ("bogus", "ancestors", "Codelist", "structure"):
        r = http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": bad})
        assert r.status_code == 400, bad
        assert etree.fromstring(r.content).find("mes:ErrorMessage", NS).get("code") == "140"


# ------------------------------------------------------------------ 2. a type = direct parents and children


def test_a_type_means_direct_parents_and_children(shipped_client: httpx.Client) -> None:
    r = shipped_client.get("/rest/codelist/ILO/CL_COU/1.0", params={"references": "datastructure"})
    dsds = elements(r, "DataStructure")
    # every DSD returned references CL_COU itself (today: ten DSDs reached through other artefacts)
    for dsd_id, el in dsds.items():
        refs = {(ref.get("class"), ref.get("id")) for ref in el.iter("Ref")}
        assert ("Codelist", "CL_COU") in refs, dsd_id
    # and every DSD that references it is returned
    everything = shipped_client.get("/rest/datastructure/all/all/latest")
    users = {
        dsd_id
        for dsd_id, el in elements(everything, "DataStructure").items()
        if ("Codelist", "CL_COU") in {(ref.get("class"), ref.get("id")) for ref in el.iter("Ref")}
    }
    assert set(dsds) == users


def test_a_dsd_has_no_categorisations_of_its_own(
    shipped_client: httpx.Client, http: httpx.Client
) -> None:
    # categorisations reference dataflows: they are the dataflows' parents, not the DSD's
    got = artefacts(
        shipped_client.get(
            "/rest/datastructure/MA_LMIS/DSD_LFS", params={"references": "categorisation"}
        )
    )
    assert {a.split("=")[0] for a in got} == {"DataStructure"}
    got = artefacts(
        http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": "categorisation"})
    )
    assert got == {"DataStructure=ECB:ECB_EXR1(1.0)"}
    # the dataflow's own categorisation is found from the dataflow
    got = artefacts(http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "categorisation"}))
    assert any(a.startswith("Categorisation=") for a in got)


def test_a_type_reaches_parents_and_children_of_one_level(http: httpx.Client) -> None:
    # parent of that type: the dataflow of a DSD; child of that type: the DSD of a dataflow
    assert artefacts(
        http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": "dataflow"})
    ) == {"DataStructure=ECB:ECB_EXR1(1.0)", "Dataflow=ECB:EXR(1.0)"}
    assert artefacts(
        http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "datastructure"})
    ) == {"Dataflow=ECB:EXR(1.0)", "DataStructure=ECB:ECB_EXR1(1.0)"}
    # two levels down (the DSD's concept scheme) is not a dataflow's reference of that type
    assert artefacts(
        http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "conceptscheme"})
    ) == {"Dataflow=ECB:EXR(1.0)"}
    # several values: the union
    got = artefacts(
        http.get(
            "/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": "dataflow,conceptscheme"}
        )
    )
    assert "Dataflow=ECB:EXR(1.0)" in got and "ConceptScheme=ECB:ECB_CONCEPTS(1.0)" in got


# ------------------------------------------------------------------ 3. referencepartial


def test_referencepartial_of_a_dsd_keeps_every_code_nothing_restricts(http: httpx.Client) -> None:
    # the SDMX REST specification's own example
    full = http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": "children"})
    part = http.get(
        "/rest/datastructure/ECB/ECB_EXR1/1.0",
        params={"references": "children", "detail": "referencepartial"},
    )
    full_lists, part_lists = elements(full, "Codelist"), elements(part, "Codelist")
    assert set(full_lists) == set(part_lists) and "CL_FREQ" in part_lists
    for cl_id, el in part_lists.items():
        # no constraint is attached to the DSD: every code of every codelist it uses
        assert item_ids(el, "Code") == item_ids(full_lists[cl_id], "Code"), cl_id
        assert el.get("isPartial") == "true"
    assert len(item_ids(part_lists["CL_FREQ"], "Code")) == 10
    # the concept scheme holds exactly the concepts the DSD uses
    dsd = etree.fromstring(part.content).find(".//str:DataStructure", NS)
    used = {ref.get("id") for ref in dsd.iter("Ref") if ref.get("class") == "Concept"}
    scheme = elements(part, "ConceptScheme")["ECB_CONCEPTS"]
    assert set(item_ids(scheme, "Concept")) == used and scheme.get("isPartial") == "true"
    assert len(item_ids(elements(full, "ConceptScheme")["ECB_CONCEPTS"], "Concept")) > len(used)


def test_referencepartial_applies_the_dataflows_constraint_without_returning_it(
    http: httpx.Client,
) -> None:
    part = http.get(
        "/rest/dataflow/ECB/EXR/1.0",
        params={"references": "descendants", "detail": "referencepartial"},
    )
    assert not any(a.startswith("ContentConstraint=") for a in artefacts(part))
    constraint = http.get("/rest/contentconstraint/ECB/EXR_CONSTRAINTS/1.0")
    allowed = {
        kv.get("id"): {v.text for v in kv.findall("com:Value", NS)}
        for kv in etree.fromstring(constraint.content).iter(COM + "KeyValue")
    }
    lists = elements(part, "Codelist")
    assert set(item_ids(lists["CL_FREQ"], "Code")) == allowed["FREQ"] == {"A", "D", "H", "M", "Q"}
    assert set(item_ids(lists["CL_EXR_TYPE"], "Code")) == allowed["EXR_TYPE"]
    currencies = set(item_ids(lists["CL_CURRENCY"], "Code"))
    assert (
        currencies == allowed["CURRENCY"] | allowed["CURRENCY_DENOM"]
    )  # one codelist, two dimensions
    assert lists["CL_CURRENCY"].get("isPartial") == "true"


def test_referencepartial_of_a_dsd_ignores_its_dataflows_constraints(http: httpx.Client) -> None:
    # the constraint restricts the dataflow EXR, not the DSD (which another dataflow could use whole)
    part = http.get(
        "/rest/datastructure/ECB/ECB_EXR1/1.0",
        params={"references": "all", "detail": "referencepartial"},
    )
    assert len(item_ids(elements(part, "Codelist")["CL_FREQ"], "Code")) == 10


# ------------------------------------------------------------------ 4. availability references


def provider_ids(r: httpx.Response) -> set[str]:
    schemes = elements(r, "DataProviderScheme")
    for el in schemes.values():
        assert el.get("isPartial") == "true"
    return {p for el in schemes.values() for p in item_ids(el, "DataProvider")}


def test_availability_references_dataproviderscheme_gives_the_providers_with_data(
    dhttp: httpx.Client,
) -> None:
    # ECB reported the monthly USD series, BIS the synthetic CSV (USD Q/A/D and JPY)
    assert provider_ids(
        dhttp.get("/rest/availableconstraint/EXR", params={"references": "dataproviderscheme"})
    ) == {"ECB", "BIS"}
    assert provider_ids(
        dhttp.get(
            "/rest/availableconstraint/EXR/.JPY.EUR.SP00.A",
            params={"references": "dataproviderscheme"},
        )
    ) == {"BIS"}
    assert provider_ids(
        dhttp.get("/rest/availableconstraint/EXR/M.USD.EUR.SP00.A", params={"references": "all"})
    ) == {"ECB"}
    assert provider_ids(
        dhttp.get(
            "/rest/availableconstraint/EXR/all/BIS", params={"references": "dataproviderscheme"}
        )
    ) == {"BIS"}


def test_availability_references_conceptscheme_holds_the_constrained_dimensions(
    dhttp: httpx.Client,
) -> None:
    r = dhttp.get("/rest/availableconstraint/EXR", params={"references": "conceptscheme"})
    schemes = elements(r, "ConceptScheme")
    assert set(schemes) == {"ECB_CONCEPTS"} and schemes["ECB_CONCEPTS"].get("isPartial") == "true"
    cc = etree.fromstring(r.content).find(".//str:ContentConstraint", NS)
    constrained = {kv.get("id") for kv in cc.iter(COM + "KeyValue")}
    assert constrained == {
        "FREQ",
        "CURRENCY",
        "CURRENCY_DENOM",
        "EXR_TYPE",
        "EXR_SUFFIX",
        "TIME_PERIOD",
    }
    assert (
        set(item_ids(schemes["ECB_CONCEPTS"], "Concept")) == constrained
    )  # no attribute or measure concepts
    # one dimension asked for: its concept (and the time range's), no other dimension's
    r = dhttp.get(
        "/rest/availableconstraint/EXR/all/all/FREQ", params={"references": "conceptscheme"}
    )
    assert item_ids(elements(r, "ConceptScheme")["ECB_CONCEPTS"], "Concept") == [
        "FREQ",
        "TIME_PERIOD",
    ]
