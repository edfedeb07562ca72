"""SDMX REST v2 structure queries (``/rest/v2/structure/...``) against a live server.

The ``http`` fixture validates every body against its official schema
(SDMX-ML 3.0/3.1/2.1 XSDs, SDMX-JSON 1.0/2.0/2.1 schemas).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from lxml import etree

from sdmx_server.services.container import Services
from tests.conftest import LiveServer, load_files
from tests.sdmx_validation import httpx_hooks

V30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
NS = {"mes": V30 + "message", "str": V30 + "structure", "com": V30 + "common"}
ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.structure+xml;version=3.1.0"
ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
JSON21 = "application/vnd.sdmx.structure+json;version=2.1.0"
JSON10 = "application/vnd.sdmx.structure+json;version=1.0.0"


def artefacts(r: httpx.Response) -> set[str]:
    """``Tag=AG:ID(VER)`` of every maintainable in an SDMX-ML 3.x or 2.1 structure message."""
    out = set()
    root = etree.fromstring(r.content)
    structures = next(c for c in root if etree.QName(c).localname == "Structures")
    for container in structures:
        for el in container:
            out.add(
                f"{etree.QName(el).localname}={el.get('agencyID')}:{el.get('id')}({el.get('version')})"
            )
    return out


def codes(r: httpx.Response) -> list[str]:
    return [c.get("id") for c in etree.fromstring(r.content).iter(f"{{{NS['str']}}}Code")]


# ------------------------------------------------------------------ paths and formats


def test_default_format_is_sdmx_ml_30_and_answer_equals_v1(http: httpx.Client) -> None:
    for accept in (None, "*/*", "application/xml"):
        r = http.get(
            "/rest/v2/structure/codelist/ILO/CL_SEX/1.0",
            headers={"Accept": accept} if accept else {},
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == ML30
        assert r.content.startswith(b"<?xml") and b"<mes:Structure" in r.content[:300]
    v1 = http.get("/rest/codelist/ILO/CL_SEX/1.0")
    ids_v1 = [
        c.get("id")
        for c in etree.fromstring(v1.content).iter(
            "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}Code"
        )
    ]
    assert codes(r) == ids_v1 and len(ids_v1) == 5


@pytest.mark.parametrize(
    "accept",
    [
        ML30,
        ML31,
        ML21,
        JSON20,
        JSON21,
        JSON10,
        "application/vnd.sdmx.structure+json",
        "application/json",
        "application/vnd.sdmx.structure+xml;version=3.0",
    ],
)
def test_every_format_on_v2_validates(http: httpx.Client, accept: str) -> None:
    r = http.get(
        "/rest/v2/structure/*/*/*/*", params={"detail": "full"}, headers={"Accept": accept}
    )
    assert r.status_code == 200, r.text[:500]
    expected = {
        "application/vnd.sdmx.structure+json": JSON20,
        "application/json": JSON20,
        "application/vnd.sdmx.structure+xml;version=3.0": ML30,
    }.get(accept, accept)
    assert r.headers["content-type"] == expected


@pytest.mark.parametrize("accept", [ML30, ML31, JSON20, JSON21, JSON10])
def test_v1_paths_answer_the_new_formats_when_asked(http: httpx.Client, accept: str) -> None:
    r = http.get(
        "/rest/dataflow/ECB/EXR/1.0", params={"references": "all"}, headers={"Accept": accept}
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == accept
    assert (
        http.get("/rest/dataflow/ECB/EXR/1.0").headers["content-type"] == ML21
    )  # default unchanged


def test_json20_structure_message_shape(http: httpx.Client) -> None:
    r = http.get(
        "/rest/v2/structure/datastructure/ECB/ECB_EXR1/1.0",
        params={"references": "children"},
        headers={"Accept": JSON20},
    )
    assert b"2.0.0/sdmx-json-structure-schema.json" in r.content[:350]  # where pysdmx looks for it
    data = r.json()["data"]
    dsd = data["dataStructures"][0]
    dims = dsd["dataStructureComponents"]["dimensionList"]
    assert [d["id"] for d in dims["dimensions"]] == [
        "FREQ",
        "CURRENCY",
        "CURRENCY_DENOM",
        "EXR_TYPE",
        "EXR_SUFFIX",
    ]
    assert dims["timeDimension"]["id"] == "TIME_PERIOD"
    assert {c["id"] for c in data["codelists"]} >= {"CL_FREQ", "CL_CURRENCY"}
    assert all(
        isinstance(f, int)
        for a in dsd["dataStructureComponents"]["attributeList"]["attributes"]
        for k, f in a.get("localRepresentation", {}).get("format", {}).items()
        if k.endswith("Length")
    )


@pytest.mark.parametrize(
    "path",
    [
        "/rest/v2/structure/codelist/ILO/CL_SEX",
        "/rest/v2/structure/codelist/ILO/CL_SEX/",
        "/rest/v2/structure/codelist/ILO/CL_SEX/~",
        "/rest/v2/structure/codelist/ILO/CL_SEX/+",
        "/rest/v2/structure/codelist/ILO/CL_SEX/1.0/",
        "/rest/v2/structure/codelist/ILO/CL_SEX/1.0/*",
        "/rest/v2/structure/codelist/TESTSRC/CL_SEX/+",
        "/rest/v2/structure/codelist/*/CL_SEX/%2B",
        "/rest/v2/structure/codelist/ILO%2CECB/CL_SEX/1.0",
        "/rest/v2/structure/codelist/ILO/CL_SEX/%2A",
    ],
)
def test_omitted_segments_wildcards_trailing_slash_encoded(http: httpx.Client, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 200, (path, r.text[:300])
    assert artefacts(r) == {"Codelist=ILO:CL_SEX(1.0)"}
    assert len(codes(r)) == 5  # the /* item segment is every item, not a partial scheme
    assert b'isPartial="false"' in r.content


def test_lists_and_all(http: httpx.Client) -> None:
    r = http.get("/rest/v2/structure/codelist/ILO,ECB/CL_SEX,CL_FREQ/*")
    assert artefacts(r) == {
        "Codelist=ILO:CL_SEX(1.0)",
        "Codelist=ECB:CL_FREQ(1.0)",
        "Codelist=ILO:CL_FREQ(1.0)",
    }
    everything = http.get("/rest/v2/structure/*", params={"detail": "allstubs"})
    names = artefacts(everything)
    assert {
        "Dataflow=ECB:EXR(1.0)",
        "DataStructure=ECB:ECB_EXR1(1.0)",
        "DataConstraint=ECB:EXR_CONSTRAINTS(1.0)",
        "Categorisation=ECB:53A341E8-D48B-767E-D5FF-E2E3E0E2BB19(1.0)",
    } <= names
    assert any(n.startswith("AgencyScheme=") for n in names)


def test_item_queries_comma_lists_and_encoded(http: httpx.Client) -> None:
    r = http.get("/rest/v2/structure/codelist/ILO/CL_SEX/1.0/SEX_M,SEX_F")
    assert codes(r) == ["SEX_M", "SEX_F"] and b'isPartial="true"' in r.content
    assert codes(http.get("/rest/v2/structure/codelist/ILO/CL_SEX/1.0/SEX_M%2CSEX_F")) == [
        "SEX_M",
        "SEX_F",
    ]
    assert http.get("/rest/v2/structure/dataflow/ECB/EXR/1.0/X").status_code == 400


def test_references_several_values_ancestors_and_types(http: httpx.Client) -> None:
    base = "/rest/v2/structure/codelist/ECB/CL_FREQ/1.0"
    parents = artefacts(http.get(base, params={"references": "parents"}))
    assert "DataStructure=ECB:ECB_EXR1(1.0)" in parents
    ancestors = artefacts(http.get(base, params={"references": "ancestors"}))
    assert {"DataStructure=ECB:ECB_EXR1(1.0)", "Dataflow=ECB:EXR(1.0)"} <= ancestors
    several = artefacts(
        http.get(
            "/rest/v2/structure/dataflow/ECB/EXR/1.0",
            params={"references": "datastructure,dataconstraint"},
        )
    )
    assert {"DataStructure=ECB:ECB_EXR1(1.0)", "DataConstraint=ECB:EXR_CONSTRAINTS(1.0)"} <= several
    assert not any(n.startswith("Codelist") for n in several)
    # a v2 type the server does not store adds nothing (pysdmx asks for hierarchy associations)
    r = http.get(
        "/rest/v2/structure/dataflow/ECB/EXR/1.0", params={"references": "hierarchyassociation"}
    )
    assert artefacts(r) == {"Dataflow=ECB:EXR(1.0)"}


def test_every_parameter_at_its_default_value(http: httpx.Client) -> None:
    plain = http.get("/rest/v2/structure/dataflow/ECB/EXR")
    explicit = http.get(
        "/rest/v2/structure/dataflow/ECB/EXR/~/*", params={"references": "none", "detail": "full"}
    )
    assert explicit.status_code == 200 and artefacts(explicit) == artefacts(plain) == {
        "Dataflow=ECB:EXR(1.0)"
    }
    assert explicit.headers["etag"] == plain.headers["etag"]
    raw = http.get("/rest/v2/structure/dataflow/ECB/EXR", params={"detail": "raw"})
    assert raw.status_code == 200 and artefacts(raw) == artefacts(plain)


def test_detail_values(http: httpx.Client) -> None:
    r = http.get(
        "/rest/v2/structure/dataflow/ECB/EXR/1.0",
        params={"references": "descendants", "detail": "referencestubs"},
    )
    root = etree.fromstring(r.content)
    cl = root.find(".//str:Codelist", NS)
    assert cl.get("isExternalReference") == "true" and cl.find("com:Link", NS) is not None
    assert "/rest/v2/structure/codelist/" in cl.find("com:Link", NS).get("url")
    partial = http.get(
        "/rest/v2/structure/dataflow/ECB/EXR/1.0",
        params={"references": "all", "detail": "referencepartial"},
    )
    full = http.get("/rest/v2/structure/codelist/ECB/CL_CURRENCY/1.0")
    currency = etree.fromstring(partial.content).find(".//str:Codelist[@id='CL_CURRENCY']", NS)
    assert currency.get("isPartial") == "true"
    kept = [c.get("id") for c in currency.iterfind("str:Code", NS)]
    assert 0 < len(kept) < len(codes(full)) and "USD" in kept  # the codes the EXR constraint allows


@pytest.mark.parametrize(
    "path,params,status",
    [
        ("/rest/v2/structure/contentconstraint", {}, 400),  # the v2 name is dataconstraint
        ("/rest/v2/structure/nonsense/ILO", {}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {"references": "bogus"}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {"detail": "bogus"}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/1.0", {"startPeriod": "2020"}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/1.+.+", {}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/0.+.0", {}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_SEX/1.0/A/B", {}, 400),
        ("/rest/v2/structure/codelist/IL%20O", {}, 400),
        (
            "/rest/v2/structure/codelist/ILO%3ACL_SEX",
            {},
            400,
        ),  # an encoded ':' is no separator here
        (
            "/rest/v2/structure/codelist/ILO/CL_SEX",
            {"c[FREQ]": "A"},
            400,
        ),  # data filters are no structure parameter
        ("/rest/v2/structure", {}, 400),
        ("/rest/v2/structure/codelist/ILO/CL_NOPE", {}, 404),
        ("/rest/v2/structure/hierarchy/ILO/H", {}, 404),  # a type not stored here: nothing matches
        ("/rest/v2/structure/valuelist/ILO/CL_SEX", {}, 404),
        ("/rest/v2/metadata/metadataset/P/ID/1.0", {}, 501),
        ("/rest/v2/metadata/structure/dataflow/ECB/EXR", {}, 501),
        ("/rest/v2/registration/id/R1", {}, 501),
    ],
)
def test_errors_are_sdmx_errors_never_500(
    http: httpx.Client, path: str, params: dict[str, str], status: int
) -> None:
    r = http.get(path, params=params)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    assert (
        b"ErrorMessage" in r.content
        and f'code="{ {400: 140, 404: 100, 501: 501}[status] }"'.replace(" ", "")
        in r.text.replace(" ", "")
    )


def test_other_v2_families_are_not_shadowed(http: httpx.Client) -> None:
    # data, availability and schema are other routes' business: this router must not answer them
    for path in (
        "/rest/v2/data/dataflow/ECB/EXR/1.0/M.USD.EUR.SP00.A",
        "/rest/v2/availability/dataflow/ECB/EXR",
        "/rest/v2/schema/dataflow/ECB/EXR/1.0",
    ):
        r = http.get(path)
        assert b"Reference metadata" not in r.content and b"structure type" not in r.content, path
    assert http.post("/rest/v2/structure", content=b"").status_code in (
        401,
        403,
    )  # writes keep their route


def test_conditional_get_gzip_and_head(http: httpx.Client) -> None:
    path = "/rest/v2/structure/codelist/ILO/CL_SEX/+"
    r = http.get(path)
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert r.headers["vary"].startswith("Accept")
    assert http.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(path, headers={"If-Modified-Since": lm}).status_code == 304
    assert http.get(path, headers={"Accept": JSON20}).headers["etag"] != etag  # per representation
    assert (
        http.get("/rest/codelist/ILO/CL_SEX/1.0").headers["etag"] != etag
    )  # v1's 2.1 body is another one
    gz = http.get(path, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.content == r.content  # httpx decoded it: the same cached body
    head = http.head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    assert (
        http.get(
            "/rest/v2/structure/codelist/ILO/CL_NOPE", headers={"If-None-Match": "*"}
        ).status_code
        == 404
    )


# ------------------------------------------------------------------ semantic versions


def _versions_message(path: Path) -> Path:
    """A structure message with one codelist in many versions (SDMX 3.0 semantic, legacy and drafts)."""
    versions = ["1.0", "1.1", "1.2.0", "1.10.0", "2.0.0", "2.1.0-draft", "3.0"]
    cls = "".join(
        f'<str:Codelist id="CL_V" agencyID="TEST" version="{v}" isFinal="{str(n % 2 == 0).lower()}">'
        f'<com:Name xml:lang="en">Versions {v}</com:Name><str:Code id="A{n}"><com:Name xml:lang="en">A</com:Name>'
        f"</str:Code></str:Codelist>"
        for n, v in enumerate(versions)
    )
    legacy = (
        '<str:Codelist id="CL_LEGACY" agencyID="TEST" version="1.0" isFinal="false">'
        '<com:Name xml:lang="en">Legacy</com:Name><str:Code id="X"><com:Name xml:lang="en">X</com:Name>'
        "</str:Code></str:Codelist>"
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><mes:Structure '
        'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><mes:Header><mes:ID>V</mes:ID>'
        '<mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z</mes:Prepared><mes:Sender id="T"/>'
        f"</mes:Header><mes:Structures><str:Codelists>{cls}{legacy}</str:Codelists></mes:Structures>"
        "</mes:Structure>"
    )
    path.write_text(text)
    return path


@pytest.fixture
def versions_client(
    make_services: Callable[..., Services], serve: Callable[[Services], LiveServer], tmp_path: Path
) -> httpx.Client:
    services = make_services()
    load_files(services, [_versions_message(tmp_path / "versions.xml")])
    server = serve(services)
    return httpx.Client(base_url=server.url, event_hooks=httpx_hooks, timeout=30)


@pytest.mark.parametrize(
    "version,expected",
    [
        ("*", {"1.0", "1.1", "1.2.0", "1.10.0", "2.0.0", "2.1.0-draft", "3.0"}),
        ("~", {"2.1.0-draft"} and {"3.0"}),  # the latest, drafts included: 3.0 > 2.1.0-draft
        ("+", {"3.0"}),  # legacy 3.0 is read as 3.0.0 (ADR 0013)
        ("1.+.0", {"1.10.0"}),  # latest stable 1.y.z: 1.10.0 > 1.2.0 > 1.1(.0) numerically
        ("1.2+.0", {"1.10.0"}),
        ("1.0.0+", {"1.0"}),  # 1.0.z with z >= 0: the legacy 1.0 as 1.0.0
        ("2+.0.0", {"3.0"}),
        ("2.+.0", {"2.0.0"}),  # 2.1.0-draft is not stable
        ("2.~.0", {"2.1.0-draft"}),
        ("~.0.0", {"2.1.0-draft"}),  # x.y.z forms only: 3.0 is x.y
        ("1.~", {"1.1"}),  # X.y forms only
        ("1.*", {"1.0", "1.1"}),
        ("1.*.0", {"1.2.0", "1.10.0"}),
        ("2.0.0,1.1", {"2.0.0", "1.1"}),
        ("+,1.*", {"3.0", "1.0", "1.1"}),
        ("1.2.0", {"1.2.0"}),
    ],
)
def test_semantic_version_wildcards(
    versions_client: httpx.Client, version: str, expected: set[str]
) -> None:
    r = versions_client.get(f"/rest/v2/structure/codelist/TEST/CL_V/{version}")
    assert r.status_code == 200, (version, r.text[:300])
    assert {a.split("(")[1].rstrip(")") for a in artefacts(r)} == expected


def test_plus_on_non_semantic_non_final_versions(versions_client: httpx.Client) -> None:
    # sdmx1's v3 mode sends + by default: an SDMX 2.1 artefact with isFinal=false still answers it
    r = versions_client.get("/rest/v2/structure/codelist/TEST/CL_LEGACY/+")
    assert artefacts(r) == {"Codelist=TEST:CL_LEGACY(1.0)"}
    assert (
        versions_client.get("/rest/v2/structure/codelist/TEST/CL_LEGACY/2.+.0").status_code == 404
    )
    assert versions_client.get("/rest/v2/structure/codelist/TEST/CL_V/4+.0.0").status_code == 404


def test_json_bodies_parse(http: httpx.Client) -> None:
    r = http.get("/rest/v2/structure/categorisation", headers={"Accept": JSON21})
    assert json.loads(r.content)["data"]["categorisations"][0]["target"].startswith(
        "urn:sdmx:org.sdmx.infomodel.categoryscheme.Category="
    )
