"""SDMX REST v1 structure queries against a live server (ILO + ECB EXR structures).

Every response body these tests receive is validated against the official
SDMX-ML 2.1 schema by the ``http`` fixture's response hook.
"""

from __future__ import annotations

import gzip

import httpx
import pytest
from lxml import etree

from tests.sdmx_validation import assert_valid_xml

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
STRUCTURE_21 = "application/vnd.sdmx.structure+xml;version=2.1"


def doc(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def artefacts(response: httpx.Response) -> set[str]:
    """'Class=AG:ID(VER)' of every maintainable artefact in a structure message."""
    out = set()
    for el in doc(response).find("mes:Structures", NS).iter():
        if el.get("agencyID") and el.get("version") and el.get("urn"):
            out.add(
                f"{etree.QName(el).localname}={el.get('agencyID')}:{el.get('id')}({el.get('version')})"
            )
    return out


def codes(response: httpx.Response) -> list[str]:
    return [c.get("id") for c in doc(response).iter(f"{{{NS['str']}}}Code")]


# ------------------------------------------------------------------ resources


@pytest.mark.parametrize(
    "resource",
    [
        "codelist",
        "conceptscheme",
        "datastructure",
        "dataflow",
        "agencyscheme",
        "categorisation",
        "categoryscheme",
        "contentconstraint",
        "organisationscheme",
        "structure",
        "allowedconstraint",
    ],
)
def test_every_stored_resource_lists_as_allstubs(http: httpx.Client, resource: str) -> None:
    r = http.get(f"/rest/{resource}/all/all/all", params={"detail": "allstubs"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == STRUCTURE_21
    root = doc(r)
    assert etree.QName(root).localname == "Structure" and root.prefix == "mes"
    stubs = [el for el in root.iter() if el.get("isExternalReference") is not None]
    assert stubs and all(el.get("isExternalReference") == "true" for el in stubs)
    # allstubs: names only, no descriptions, annotations or items
    assert not root.findall(".//com:Description", NS) and not root.findall(".//com:Annotations", NS)
    assert not root.findall(".//str:Code", NS)
    assert all(el.get("structureURL", "").startswith("http://testserver/rest/") for el in stubs)


@pytest.mark.parametrize(
    "resource",
    ["dataproviderscheme", "provisionagreement", "actualconstraint", "dataconsumerscheme"],
)
def test_resource_with_nothing_stored_is_404_code_100(http: httpx.Client, resource: str) -> None:
    r = http.get(f"/rest/{resource}/all/all/all")
    assert r.status_code == 404
    assert doc(r).find("mes:ErrorMessage", NS).get("code") == "100"


@pytest.mark.parametrize(
    "resource",
    [
        "hierarchicalcodelist",
        "metadatastructure",
        "metadataflow",
        "structureset",
        "process",
        "reportingtaxonomy",
    ],
)
def test_unimplemented_resources_are_501(http: httpx.Client, resource: str) -> None:
    r = http.get(f"/rest/{resource}/all/all/latest")
    assert r.status_code == 501
    assert doc(r).find("mes:ErrorMessage", NS).get("code") == "501"


def test_exact_reference_returns_exactly_one_artefact(http: httpx.Client) -> None:
    r = http.get("/rest/codelist/ILO/CL_AREA/1.0")
    assert artefacts(r) == {"Codelist=ILO:CL_AREA(1.0)"}
    assert len(codes(r)) == 331
    names = doc(r).findall("mes:Structures/str:Codelists/str:Codelist/com:Name", NS)
    assert {n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in names} == {
        "en",
        "fr",
        "es",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/rest/codelist/ILO/CL_SEX",
        "/rest/codelist/ILO/CL_SEX/latest",
        "/rest/codelist/ILO/CL_SEX/",
        "/rest/codelist/ILO/CL_SEX/latest/",
        "/rest/codelist/all/CL_SEX/1.0?x=1".split("?")[0].replace("all", "ILO"),
        "/rest/codelist/TESTSRC/CL_SEX/latest",  # sdmx1 puts its source id in the agency segment
    ],
)
def test_omitted_segments_latest_trailing_slash_and_source_alias(
    http: httpx.Client, path: str
) -> None:
    r = http.get(path)
    assert r.status_code == 200, r.text
    assert "Codelist=ILO:CL_SEX(1.0)" in artefacts(r)


def test_plus_lists_and_encoded_separators(http: httpx.Client) -> None:
    both = {"Codelist=ILO:CL_SEX(1.0)", "Codelist=ILO:CL_AREA(1.0)"}
    assert artefacts(http.get("/rest/codelist/ILO/CL_SEX+CL_AREA/1.0")) == both
    assert artefacts(http.get("/rest/codelist/ILO/CL_SEX%2BCL_AREA/1.0")) == both
    r = http.get("/rest/codelist/ILO+ECB/CL_FREQ")
    assert artefacts(r) == {"Codelist=ILO:CL_FREQ(1.0)", "Codelist=ECB:CL_FREQ(1.0)"}


def test_all_agencies_and_all_ids(http: httpx.Client) -> None:
    r = http.get("/rest/codelist/all/CL_FREQ/latest")
    assert {"Codelist=ILO:CL_FREQ(1.0)", "Codelist=ECB:CL_FREQ(1.0)"} <= artefacts(r)
    r = http.get("/rest/codelist/ILO", params={"detail": "allstubs"})
    assert len(artefacts(r)) == 46


def test_unknown_artefact_is_404(http: httpx.Client) -> None:
    assert http.get("/rest/codelist/ILO/CL_NOPE/1.0").status_code == 404
    assert http.get("/rest/codelist/ILO/CL_SEX/9.9").status_code == 404


def test_item_query_returns_items_with_ancestors_in_request_order(http: httpx.Client) -> None:
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0/SEX_F+SEX_M")
    assert r.status_code == 200
    cl = doc(r).find("mes:Structures/str:Codelists/str:Codelist", NS)
    assert cl.get("isPartial") == "true"
    assert codes(r) == ["SEX_F", "SEX_M"]
    # a nested code brings its parent (CL_AGE is hierarchical)
    r = http.get("/rest/codelist/ILO/CL_AGE/1.0/AGE_YTHADULT_YGE15")
    got = codes(r)
    assert got[-1] == "AGE_YTHADULT_YGE15" and len(got) == 2 and got[0] == "AGE_YTHADULT"
    assert http.get("/rest/codelist/ILO/CL_SEX/1.0/NOPE").status_code == 404


def test_item_segment_on_a_non_item_scheme_is_400(http: httpx.Client) -> None:
    r = http.get("/rest/dataflow/ECB/EXR/1.0/X")
    assert r.status_code == 400 and doc(r).find("mes:ErrorMessage", NS).get("code") == "140"


# ------------------------------------------------------------------ references


def test_dataflow_references_children_is_the_dsd(http: httpx.Client) -> None:
    r = http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "children"})
    assert artefacts(r) == {"Dataflow=ECB:EXR(1.0)", "DataStructure=ECB:ECB_EXR1(1.0)"}


def test_dataflow_references_descendants_has_exact_codelist_versions(http: httpx.Client) -> None:
    r = http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "descendants"})
    got = artefacts(r)
    assert "DataStructure=ECB:ECB_EXR1(1.0)" in got
    dsd = doc(r).find(".//str:DataStructure", NS)
    used = {
        (ref.get("class"), ref.get("agencyID"), ref.get("id"), ref.get("version"))
        for ref in dsd.iter("Ref")
        if ref.get("class") == "Codelist"
    }
    assert used and {f"Codelist={a}:{i}({v})" for _, a, i, v in used} <= got
    assert "ConceptScheme=ECB:ECB_CONCEPTS(1.0)" in got
    assert not any(a.startswith("Categorisation") for a in got)  # parents are not descendants


def test_dataflow_references_parents(http: httpx.Client) -> None:
    r = http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "parents"})
    assert artefacts(r) == {
        "Dataflow=ECB:EXR(1.0)",
        "ContentConstraint=ECB:EXR_CONSTRAINTS(1.0)",
        "Categorisation=ECB:53A341E8-D48B-767E-D5FF-E2E3E0E2BB19(1.0)",
    }


def test_references_all_is_parents_siblings_and_descendants(http: httpx.Client) -> None:
    all_ = artefacts(http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "all"}))
    desc = artefacts(http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "descendants"}))
    pas = artefacts(
        http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "parentsandsiblings"})
    )
    assert all_ == desc | pas
    # the categorisation's category scheme is a sibling (kept as an external-reference stub)
    assert "CategoryScheme=ECB:MOBILE_NAVI(1.0)" in pas


def test_references_by_type(http: httpx.Client) -> None:
    # a type means the direct parents and children of that type (docs/adr/0009): a dataflow's
    # codelists are its DSD's children, not its own
    r = http.get("/rest/datastructure/ECB/ECB_EXR1/1.0", params={"references": "codelist"})
    got = artefacts(r) - {"DataStructure=ECB:ECB_EXR1(1.0)"}
    assert got and all(a.startswith("Codelist=ECB:") for a in got)
    r = http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "codelist"})
    assert artefacts(r) == {"Dataflow=ECB:EXR(1.0)"}
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", params={"references": "datastructure"})
    assert artefacts(r) == {"Codelist=ILO:CL_SEX(1.0)", "DataStructure=ILO:IMF_ILOSTAT(1.0)"}


def test_codelist_parentsandsiblings_reproduces_the_ilo_response_shape(http: httpx.Client) -> None:
    # the shared ILO file is ILOSTAT's own answer to this very query
    r = http.get("/rest/codelist/ILO/CL_ECO/latest", params={"references": "parentsandsiblings"})
    got = artefacts(r)
    assert "DataStructure=ILO:IMF_ILOSTAT(1.0)" in got
    assert sum(a.startswith("Codelist=ILO:") for a in got) == 46
    assert sum(a.startswith("ConceptScheme=ILO:") for a in got) == 3


# ------------------------------------------------------------------ detail


def test_detail_referencestubs_and_completestubs(http: httpx.Client) -> None:
    r = http.get(
        "/rest/dataflow/ECB/EXR/1.0", params={"references": "children", "detail": "referencestubs"}
    )
    root = doc(r)
    assert root.find(".//str:Dataflow", NS).get("isExternalReference") == "false"
    dsd = root.find(".//str:DataStructure", NS)
    assert (
        dsd.get("isExternalReference") == "true"
        and dsd.find("str:DataStructureComponents", NS) is None
    )
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", params={"detail": "allcompletestubs"})
    cl = doc(r).find(".//str:Codelist", NS)
    assert cl.get("isExternalReference") == "true" and cl.find("str:Code", NS) is None


def test_detail_referencepartial_keeps_only_allowed_codes(http: httpx.Client) -> None:
    full = http.get("/rest/dataflow/ECB/EXR/1.0", params={"references": "all"})
    part = http.get(
        "/rest/dataflow/ECB/EXR/1.0", params={"references": "all", "detail": "referencepartial"}
    )

    def currency_codes(resp: httpx.Response) -> tuple[list[str], str | None]:
        cl = [
            c for c in doc(resp).iter(f"{{{NS['str']}}}Codelist") if c.get("id") == "CL_CURRENCY"
        ][0]
        return [c.get("id") for c in cl.findall("str:Code", NS)], cl.get("isPartial")

    all_codes, partial_flag = currency_codes(full)
    some_codes, partial_flag2 = currency_codes(part)
    assert partial_flag == "false" and partial_flag2 == "true"
    assert 0 < len(some_codes) < len(all_codes)
    assert "MAD" in some_codes and "USD" in some_codes
    # concept scheme keeps only the concepts the DSD uses
    concepts = list(doc(part).iter(f"{{{NS['str']}}}Concept"))
    assert 0 < len(concepts) < 340


@pytest.mark.parametrize("params", [{"detail": "bogus"}, {"references": "bogus"}, {"foo": "bar"}])
def test_bad_parameters_are_400(http: httpx.Client, params: dict[str, str]) -> None:
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", params=params)
    assert r.status_code == 400 and doc(r).find("mes:ErrorMessage", NS).get("code") == "140"


@pytest.mark.parametrize(
    "path",
    [
        "/rest/codelist/IL O/CL_SEX",
        "/rest/codelist/ILO/CL*SEX/1.0",
        "/rest/codelist/ILO/CL_SEX/1.0/A/B",
        "/rest/codelist/ILO/CL_SEX/1.0%3Cscript%3E",
        "/rest/nonsense/ILO",
        "/rest/codelist/%00/x",
        "/rest/codelist/ILO/CL_SEX/1.0/..%2F..%2Fetc",
    ],
)
def test_malformed_paths_are_client_errors_never_500(http: httpx.Client, path: str) -> None:
    r = http.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code)
    assert doc(r).find("mes:ErrorMessage", NS) is not None


# ------------------------------------------------------------------ negotiation


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/xml",
        "text/xml",
        "application/*",
        STRUCTURE_21,
        "application/vnd.sdmx.structure+xml",
        "application/vnd.sdmx.structure+json;version=1.0.0;q=0.5, application/xml;q=0.9",
    ],
)
def test_accept_variants_give_sdmx_ml_21(http: httpx.Client, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == STRUCTURE_21  # exactly the SDMX type, no charset
    assert r.content.startswith(b"<?xml")


@pytest.mark.parametrize(
    "accept",
    [
        "text/csv",
        "application/json",
        "application/vnd.sdmx.structure+xml;version=9.9",
        "application/xml;q=0",
    ],
)
def test_unsupported_accept_is_406(http: httpx.Client, accept: str) -> None:
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept": accept})
    assert r.status_code == 406


def test_accept_language_selects_one_language_with_fallback(http: httpx.Client) -> None:
    def langs(resp: httpx.Response) -> set[str]:
        return {
            n.get("{http://www.w3.org/XML/1998/namespace}lang")
            for n in doc(resp).iter(f"{{{NS['com']}}}Name")
        }

    assert langs(http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "fr"})) == {
        "fr"
    }
    assert langs(
        http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "fr-MA, en;q=0.5"})
    ) == {"fr"}
    assert langs(http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "ar"})) == {
        "en"
    }  # fallback
    assert langs(http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "*"})) == {
        "en",
        "fr",
        "es",
    }
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "es"})
    assert "Mujeres" in r.text and "Femmes" not in r.text


def test_gzip_vary_and_cors(http: httpx.Client) -> None:
    r = http.get(
        "/rest/codelist/ILO/CL_AREA/1.0",
        headers={"Accept-Encoding": "gzip", "Origin": "https://ilo.example"},
    )
    assert r.headers["content-encoding"] == "gzip"
    assert {v.strip() for v in r.headers["vary"].split(",")} >= {
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
    }
    assert r.headers["access-control-allow-origin"] == "*"
    with httpx.stream(
        "GET",
        str(http.base_url.join("/rest/codelist/ILO/CL_AREA/1.0")),
        headers={"Accept-Encoding": "gzip"},
    ) as raw:
        body = b"".join(raw.iter_raw())
    assert gzip.decompress(body).startswith(b"<?xml")
    plain = http.get("/rest/codelist/ILO/CL_AREA/1.0", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content.startswith(b"<?xml")
    err = http.get("/rest/codelist/ILO/NOPE", headers={"Origin": "https://ilo.example"})
    assert err.status_code == 404 and err.headers["access-control-allow-origin"] == "*"


def test_head_options_and_other_methods(http: httpx.Client) -> None:
    get = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Encoding": "identity"})
    head = http.head("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)
    opt = http.options(
        "/rest/codelist/ILO/CL_SEX/1.0",
        headers={"Origin": "https://x", "Access-Control-Request-Method": "GET"},
    )
    assert opt.status_code == 204 and "GET" in opt.headers["allow"]
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = http.request(method, "/rest/codelist/ILO/CL_SEX/1.0")
        assert r.status_code == 405, method
        assert doc(r).find("mes:ErrorMessage", NS) is not None


def test_over_long_uri_is_414(http: httpx.Client) -> None:
    r = http.get("/rest/codelist/ILO/" + "+".join(f"CL_X{i}" for i in range(2000)) + "/1.0")
    assert r.status_code == 414


def test_etag_and_last_modified_give_304(http: httpx.Client) -> None:
    r = http.get("/rest/codelist/ILO/CL_SEX/1.0")
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert (
        http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert (
        http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"If-Modified-Since": lm}).status_code
        == 304
    )
    assert (
        http.get(
            "/rest/codelist/ILO/CL_SEX/1.0", headers={"If-Modified-Since": "2030-01-01T00:00:00Z"}
        ).status_code
        == 304
    )
    assert (
        http.get(
            "/rest/codelist/ILO/CL_SEX/1.0", headers={"If-Modified-Since": "2001-01-01T00:00:00Z"}
        ).status_code
        == 200
    )
    # If-None-Match wins over If-Modified-Since
    r2 = http.get(
        "/rest/codelist/ILO/CL_SEX/1.0",
        headers={"If-None-Match": '"other"', "If-Modified-Since": lm},
    )
    assert r2.status_code == 200
    # a different representation has a different ETag
    fr = http.get("/rest/codelist/ILO/CL_SEX/1.0", headers={"Accept-Language": "fr"})
    assert fr.headers["etag"] != etag


def test_response_bodies_validate(http: httpx.Client) -> None:
    r = http.get("/rest/structure/all/all/all", params={"detail": "full"})
    assert r.status_code == 200
    assert_valid_xml(r.content)
