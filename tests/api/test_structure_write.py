"""Structure submission over HTTP: ``POST /rest/v2/structure``, ``PUT`` and ``DELETE
/rest/v2/structure/{type}/{agency}/{id}/{version}``, on a real server, with real clients.

Every test gets its own copy of one template store (the ECB EXR chain from
the shared sdmx1 test data, with its 252 observations, two data providers and
tokens), so that tests write freely. Every SDMX body received is validated
against the official SDMX-ML 2.1 schemas (``httpx_hooks``), the
``SubmitStructureResponse`` answers included.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sdmx
from lxml import etree
from sdmx.message import StructureMessage
from sdmx.model import common, v21
from sqlalchemy import text

from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.model import Artefact as ModelArtefact
from sdmx_server.domain.model import (
    ArtefactType,
    ConstraintAttachmentRef,
    ConstraintDetails,
    CubeRegion,
    Item,
    KeyValue,
)
from sdmx_server.services.container import Services
from tests import fixtures
from tests.conftest import (
    DatabaseFactory,
    LiveServer,
    add_providers,
    free_port,
    load_data,
    load_files,
    make_settings,
    pa_ref,
)
from tests.sdmx_validation import assert_valid_xml, httpx_hooks

MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
REG = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/registry"
NS = {"mes": MES, "str": STR, "com": COM, "reg": REG}
STRUCTURE_TABLES = (
    "structure_artefact",
    "structure_item",
    "structure_reference",
    "structure_state",
)
DATA_TABLES = ("data_batch", "data_series", "data_observation", "data_attribute_value")
XML21 = "application/vnd.sdmx.structure+xml;version=2.1"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"

# --------------------------------------------------------------------------- messages


def message(*containers: str) -> bytes:
    """An SDMX-ML 2.1 structure message around ``str:*`` containers (in schema order)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" '
        f'xmlns:com="{COM}"><mes:Header><mes:ID>TEST</mes:ID><mes:Test>false</mes:Test>'
        '<mes:Prepared>2024-05-01T00:00:00Z</mes:Prepared><mes:Sender id="TESTER"/></mes:Header>'
        f"<mes:Structures>{''.join(containers)}</mes:Structures></mes:Structure>"
    ).encode()


def codelist(
    cl_id: str,
    codes: list[str],
    *,
    name: str = "Test codes",
    final: bool = False,
    agency: str = "ECB",
) -> str:
    """A ``str:Codelists`` container with one codelist."""
    items = "".join(
        f'<str:Code id="{c}"><com:Name xml:lang="en">Code {c}</com:Name></str:Code>' for c in codes
    )
    return (
        f'<str:Codelists><str:Codelist id="{cl_id}" agencyID="{agency}" version="1.0" '
        f'isFinal="{"true" if final else "false"}"><com:Name xml:lang="en">{name}</com:Name>{items}'
        "</str:Codelist></str:Codelists>"
    )


def concepts() -> str:
    """``ECB:CS_TEST(1.0)``: REF, TIME_PERIOD, OBS_VALUE, NOTE."""
    items = "".join(
        f'<str:Concept id="{c}"><com:Name xml:lang="en">{c}</com:Name></str:Concept>'
        for c in ("REF", "TIME_PERIOD", "OBS_VALUE", "NOTE")
    )
    return (
        f'<str:Concepts><str:ConceptScheme id="CS_TEST" agencyID="ECB" version="1.0">'
        f'<com:Name xml:lang="en">Test concepts</com:Name>{items}</str:ConceptScheme></str:Concepts>'
    )


def _concept(cid: str) -> str:
    return (
        f'<str:ConceptIdentity><Ref id="{cid}" maintainableParentID="CS_TEST" maintainableParentVersion="1.0" '
        'agencyID="ECB" class="Concept" package="conceptscheme"/></str:ConceptIdentity>'
    )


def dsd(
    *, codelist_id: str = "CL_TEST", with_note: bool = False, name: str = "Test structure"
) -> str:
    """``ECB:DSD_TEST(1.0)``: REF (coded) and TIME_PERIOD, OBS_VALUE, optionally a conditional NOTE attribute."""
    note = ""
    if with_note:
        note = (
            '<str:AttributeList id="AttributeDescriptor"><str:Attribute id="NOTE" assignmentStatus="Conditional">'
            f'{_concept("NOTE")}<str:AttributeRelationship><str:PrimaryMeasure><Ref id="OBS_VALUE"/>'
            "</str:PrimaryMeasure></str:AttributeRelationship></str:Attribute></str:AttributeList>"
        )
    return (
        f'<str:DataStructures><str:DataStructure id="DSD_TEST" agencyID="ECB" version="1.0">'
        f'<com:Name xml:lang="en">{name}</com:Name><str:DataStructureComponents>'
        '<str:DimensionList id="DimensionDescriptor">'
        f'<str:Dimension id="REF" position="1">{_concept("REF")}<str:LocalRepresentation><str:Enumeration>'
        f'<Ref id="{codelist_id}" version="1.0" agencyID="ECB" class="Codelist" package="codelist"/>'
        "</str:Enumeration></str:LocalRepresentation></str:Dimension>"
        f'<str:TimeDimension id="TIME_PERIOD" position="2">{_concept("TIME_PERIOD")}<str:LocalRepresentation>'
        '<str:TextFormat textType="ObservationalTimePeriod"/></str:LocalRepresentation></str:TimeDimension>'
        f'</str:DimensionList>{note}<str:MeasureList id="MeasureDescriptor"><str:PrimaryMeasure id="OBS_VALUE">'
        f"{_concept('OBS_VALUE')}</str:PrimaryMeasure></str:MeasureList></str:DataStructureComponents>"
        "</str:DataStructure></str:DataStructures>"
    )


def dataflow(flow_id: str = "DF_TEST", dsd_id: str = "DSD_TEST") -> str:
    """A ``str:Dataflows`` container with one dataflow."""
    return (
        f'<str:Dataflows><str:Dataflow id="{flow_id}" agencyID="ECB" version="1.0">'
        f'<com:Name xml:lang="en">Test flow</com:Name><str:Structure><Ref id="{dsd_id}" version="1.0" '
        'agencyID="ECB" class="DataStructure" package="datastructure"/></str:Structure></str:Dataflow>'
        "</str:Dataflows>"
    )


def constraint(currencies: list[str], cid: str = "C_TEST", pa: str | None = None) -> str:
    """An Allowed constraint on ``ECB:EXR(1.0)`` (or on one of its provision agreements) limiting CURRENCY."""
    values = "".join(f"<com:Value>{c}</com:Value>" for c in currencies)
    attachment = (
        '<str:Dataflow><Ref id="EXR" version="1.0" agencyID="ECB" class="Dataflow" '
        'package="datastructure"/></str:Dataflow>'
    )
    if pa is not None:
        attachment = (
            f'<str:ProvisionAgreement><Ref id="{pa}" version="1.0" agencyID="ECB" '
            'class="ProvisionAgreement" package="registry"/></str:ProvisionAgreement>'
        )
    return (
        f'<str:Constraints><str:ContentConstraint id="{cid}" agencyID="ECB" version="1.0" type="Allowed">'
        f'<com:Name xml:lang="en">Currencies</com:Name><str:ConstraintAttachment>{attachment}'
        f'</str:ConstraintAttachment><str:CubeRegion include="true"><com:KeyValue id="CURRENCY">{values}'
        "</com:KeyValue></str:CubeRegion></str:ContentConstraint></str:Constraints>"
    )


CHAIN = message(dataflow(), codelist("CL_TEST", ["A", "B"]), concepts(), dsd())


# --------------------------------------------------------------------------- the store


def snapshot(
    services: Services, tables: tuple[str, ...] = STRUCTURE_TABLES + DATA_TABLES
) -> dict[str, list[Any]]:
    """Every row of the structure (and data) tables: compared before and after refused writes."""
    out: dict[str, list[Any]] = {}
    with services.engine.connect() as conn:
        for table in tables:
            order = "type" if table == "structure_state" else "pk"
            out[table] = [
                tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
            ]
    return out


def _extra_structures() -> list[ModelArtefact]:
    """Codelists the authorisation tests replace and delete."""
    return [
        ModelArtefact(
            type=ArtefactType.CODELIST,
            agency="ECB",
            id=cl_id,
            version="1.0",
            names={"en": cl_id},
            items=[Item(id="X", names={"en": "X"})],
        )
        for cl_id in ("CL_AUTH", "CL_DEL_A", "CL_DEL_B")
    ]


class Template:
    """The template store, built once per session and cloned for each test."""

    def __init__(self, factory: DatabaseFactory) -> None:
        self.factory = factory
        self.url = factory.migrated_url()
        services = Services.build(make_settings(self.url, source_alias="TESTSRC"))
        try:
            load_files(services, [fixtures.ECB_FULL])
            add_providers(services)
            load_data(services, fixtures.ECB_DATA, provision_agreement=pa_ref("EXR_ECB"))
            assert not services.structure_store.submit(_extra_structures()).refused
            auth = services.auth
            self.tokens = {
                "admin": auth.create_token("admin")[0],
                "maintainer": auth.create_token("maintainer", agency="ECB")[0],
                "other_maintainer": auth.create_token("maintainer", agency="BIS")[0],
                "provider": auth.create_token("provider", provider="ECB")[0],
                "revoked": auth.create_token("maintainer", agency="ECB")[0],
                "expired": auth.create_token(
                    "maintainer", agency="ECB", expires_at=utcnow() - timedelta(days=1)
                )[0],
            }
            auth.revoke(self.tokens["revoked"][:12])
        finally:
            services.close()

    def clone(self) -> str:
        """A new database holding a copy of the template."""
        return self.factory.clone(self.url)


@pytest.fixture(scope="session")
def template(db_factory: DatabaseFactory) -> Template:
    return Template(db_factory)


@dataclass
class Env:
    """One test's store, its live server and the template's tokens."""

    services: Services
    server: LiveServer
    tokens: dict[str, str]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, who: str | None = "admin") -> httpx.Client:
        """A client with a named token, validating every SDMX body it receives."""
        headers = {"Authorization": f"Bearer {self.tokens.get(who, who)}"} if who else {}
        client = httpx.Client(
            base_url=self.server.url, headers=headers, timeout=120, event_hooks=httpx_hooks
        )
        self.clients.append(client)
        return client

    def snapshot(self) -> dict[str, list[Any]]:
        """The structure and data tables."""
        return snapshot(self.services)


def _env(template: Template, **overrides: object) -> Iterator[Env]:
    services = Services.build(make_settings(template.clone(), source_alias="TESTSRC", **overrides))
    server = LiveServer(services).__enter__()
    env = Env(services, server, template.tokens)
    try:
        yield env
    finally:
        for client in env.clients:
            client.close()
        server.__exit__()
        services.close()


@pytest.fixture
def env(template: Template) -> Iterator[Env]:
    yield from _env(template)


@pytest.fixture
def small_env(template: Template) -> Iterator[Env]:
    """A store whose server accepts bodies of at most 4 KB."""
    yield from _env(template, max_body_bytes=4096)


# --------------------------------------------------------------------------- reading answers


@dataclass
class Result:
    """One SubmissionResult of a SubmitStructureResponse."""

    ref: str  # AGENCY:ID(VERSION), or the URN
    cls: str
    action: str
    status: str
    code: int
    text: str


def results(response: httpx.Response) -> dict[str, Result]:
    """The per-artefact results of a SubmitStructureResponse, by ``AGENCY:ID(VERSION)``."""
    assert response.headers["content-type"].startswith("application/xml"), response.headers
    assert_valid_xml(
        response.content
    )  # also done by the hook: the answer is schema-valid SDMX-ML 2.1
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{MES}}}RegistryInterface", response.text[:300]
    out = {}
    for res in root.iterfind("mes:SubmitStructureResponse/reg:SubmissionResult", NS):
        sub = res.find("reg:SubmittedStructure", NS)
        ref = sub.find("reg:MaintainableObject/Ref", NS)
        status = res.find("reg:StatusMessage", NS)
        texts = status.findall("reg:MessageText", NS)
        key = (
            f"{ref.get('agencyID')}:{ref.get('id')}({ref.get('version')})"
            if ref is not None
            else sub.findtext("reg:MaintainableObject/URN", namespaces=NS)
        )
        out[key] = Result(
            key,
            ref.get("class") if ref is not None else "",
            sub.get("action"),
            status.get("status"),
            int(texts[0].get("code")),
            " | ".join(t.findtext("com:Text", namespaces=NS) for t in texts),
        )
    return out


def error_text(response: httpx.Response) -> str:
    """The text of an SDMX-ML Error message."""
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{MES}}}Error", response.text[:300]
    return " ".join(root.itertext())


def get_xml(client: httpx.Client, path: str) -> etree._Element:
    """A structure query's answer, parsed."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return etree.fromstring(response.content)


def code_ids(client: httpx.Client, cl_id: str) -> list[str]:
    """Ids of the codes of ``ECB:{cl_id}(1.0)`` as the server serves them."""
    root = get_xml(client, f"/rest/codelist/ECB/{cl_id}/1.0")
    return [c.get("id") for c in root.iterfind(".//str:Code", NS)]


def without_codes(client: httpx.Client, cl_id: str, drop: set[str]) -> bytes:
    """The served codelist, minus some codes, as a structure message to PUT."""
    root = get_xml(client, f"/rest/codelist/ECB/{cl_id}/1.0")
    for code in list(root.iterfind(".//str:Code", NS)):
        if code.get("id") in drop:
            code.getparent().remove(code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def audit_events(env: Env, action: str) -> list[dict[str, Any]]:
    """Audit events of one action, newest first."""
    response = env.client("admin").get("/admin/audit", params={"action": action, "limit": "1000"})
    assert response.status_code == 200
    return response.json()["events"]


# --------------------------------------------------------------------------- create, replace, delete


def test_post_creates_a_chain_then_replaces_nothing(env: Env) -> None:
    client = env.client("maintainer")
    response = client.post("/rest/v2/structure", content=CHAIN, headers={"Content-Type": XML21})
    assert response.status_code == 201, response.text
    got = results(response)
    assert set(got) == {
        "ECB:CL_TEST(1.0)",
        "ECB:CS_TEST(1.0)",
        "ECB:DSD_TEST(1.0)",
        "ECB:DF_TEST(1.0)",
    }
    assert {(r.action, r.status, r.code) for r in got.values()} == {("Append", "Success", 201)}
    assert got["ECB:DSD_TEST(1.0)"].cls == "DataStructure"
    assert response.headers.get("location") is None  # several artefacts: no single Location

    flow = get_xml(client, "/rest/dataflow/ECB/DF_TEST/1.0?references=all")
    assert {e.get("id") for e in flow.iterfind(".//str:Codelist", NS)} == {"CL_TEST"}
    assert [d.get("id") for d in flow.iterfind(".//str:DataStructure//str:Dimension", NS)] == [
        "REF"
    ]

    again = client.post("/rest/v2/structure", content=CHAIN)  # no Content-Type: sniffed
    assert again.status_code == 200, again.text
    assert {(r.action, r.status, r.code, r.text) for r in results(again).values()} == {
        ("Replace", "Success", 200, "unchanged")
    }

    event = audit_events(env, "structure.submit")[0]
    assert (
        event["outcome"] == "written"
        and event["status"] == 200
        and "maintainer ECB" in event["principal"]
    )
    assert {a["artefact"] for a in event["details"]["artefacts"]} >= {"Dataflow=ECB:DF_TEST(1.0)"}


def test_post_of_one_artefact_gives_its_location(env: Env) -> None:
    response = env.client().post(
        "/rest/v2/structure/codelist", content=message(codelist("CL_ONE", ["A"]))
    )
    assert response.status_code == 201
    # Links use SDMX_SERVER_PUBLIC_URL (here http://testserver).
    assert response.headers["location"] == "http://testserver/rest/codelist/ECB/CL_ONE/1.0"
    assert env.client(None).get("/rest/codelist/ECB/CL_ONE/1.0").status_code == 200
    # POST under a type takes only artefacts of that type.
    wrong = env.client().post(
        "/rest/v2/structure/conceptscheme", content=message(codelist("CL_TWO", ["A"]))
    )
    assert wrong.status_code == 422
    assert results(wrong)["ECB:CL_TWO(1.0)"].code == 422
    assert env.client().get("/rest/codelist/ECB/CL_TWO/1.0").status_code == 404


def test_put_replaces_a_non_final_codelist(env: Env) -> None:
    client = env.client("maintainer")
    assert client.post("/rest/v2/structure", content=CHAIN).status_code == 201
    response = client.put(
        "/rest/v2/structure/codelist/ECB/CL_TEST/1.0",
        content=message(codelist("CL_TEST", ["A", "B", "C"], name="Renamed")),
        headers={"Content-Type": XML21},
    )
    assert response.status_code == 200, response.text
    result = results(response)["ECB:CL_TEST(1.0)"]
    assert (result.action, result.status, result.code) == ("Replace", "Success", 200)
    assert code_ids(client, "CL_TEST") == ["A", "B", "C"]
    root = get_xml(client, "/rest/codelist/ECB/CL_TEST/1.0")
    assert root.findtext(".//str:Codelist/com:Name", namespaces=NS) == "Renamed"


def test_put_and_post_sniff_the_format_without_an_sdmx_content_type(env: Env) -> None:
    """As the README's curl example sends them: no Content-Type, or curl's form type for --data-binary."""
    client = env.client("maintainer")
    plain = httpx.Client(
        base_url=str(client.base_url),
        headers={"Authorization": client.headers["authorization"]},
        timeout=30,
    )
    with plain:
        created = plain.post(
            "/rest/v2/structure",
            content=CHAIN,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert created.status_code == 201, created.text
        url = "/rest/v2/structure/codelist/ECB/CL_TEST/1.0"
        for content_type, name in (
            (None, "No type"),
            ("application/x-www-form-urlencoded", "Form type"),
            ("text/plain", "Plain text"),
            ("application/octet-stream", "Octets"),
        ):
            request = plain.build_request(
                "PUT", url, content=message(codelist("CL_TEST", ["A", "B"], name=name))
            )
            request.headers.pop("Content-Type", None)  # httpx sends none for raw bytes
            if content_type is not None:
                request.headers["Content-Type"] = content_type
            response = plain.send(request)
            assert response.status_code == 200, (content_type, response.text)
            assert (
                get_xml(plain, url.replace("/v2/structure", "")).findtext(
                    ".//str:Codelist/com:Name", namespaces=NS
                )
                == name
            )
        # a type naming another format is still refused
        wrong = plain.put(
            url,
            content=message(codelist("CL_TEST", ["A"])),
            headers={"Content-Type": "application/vnd.sdmx.data+csv;version=1.0.0"},
        )
        assert wrong.status_code == 415


def test_put_must_name_exactly_the_artefact_of_the_url(env: Env) -> None:
    client = env.client()
    before = env.snapshot()
    body = message(codelist("CL_AUTH", ["X", "Y"]))
    # Another id in the URL than in the body: 422, as SDMX REST says.
    wrong_id = client.put("/rest/v2/structure/codelist/ECB/CL_DEL_A/1.0", content=body)
    assert wrong_id.status_code == 422
    got = results(wrong_id)
    assert got["ECB:CL_AUTH(1.0)"].code == 422 and got["ECB:CL_DEL_A(1.0)"].code == 422
    wrong_type = client.put("/rest/v2/structure/conceptscheme/ECB/CL_AUTH/1.0", content=body)
    assert wrong_type.status_code == 422
    two = client.put(
        "/rest/v2/structure/codelist/ECB/CL_AUTH/1.0",
        content=message(
            codelist("CL_AUTH", ["X", "Y"]).replace("</str:Codelists>", "")
            + codelist("CL_DEL_A", ["X"]).replace("<str:Codelists>", "")
        ),
    )
    assert two.status_code == 422
    assert results(two)["ECB:CL_AUTH(1.0)"].code == 424  # checked, not written
    unknown = client.put(
        "/rest/v2/structure/codelist/ECB/CL_NEW/1.0", content=message(codelist("CL_NEW", ["A"]))
    )
    assert unknown.status_code == 404
    assert results(unknown)["ECB:CL_NEW(1.0)"].text.endswith("create it with POST")
    assert (
        client.put("/rest/v2/structure/codelist/ECB/CL_AUTH/latest", content=body).status_code
        == 400
    )
    assert client.put("/rest/v2/structure/hierarchy/ECB/H/1.0", content=body).status_code == 501
    assert (
        client.put("/rest/v2/structure/nonsense/ECB/CL_AUTH/1.0", content=body).status_code == 400
    )
    assert env.snapshot() == before


def test_final_artefacts_change_only_their_names(env: Env) -> None:
    client = env.client()
    final = message(codelist("CL_FINAL", ["A", "B"], final=True))
    assert client.post("/rest/v2/structure", content=final).status_code == 201
    renamed = client.put(
        "/rest/v2/structure/codelist/ECB/CL_FINAL/1.0",
        content=message(codelist("CL_FINAL", ["A", "B"], name="Better name", final=True)),
    )
    assert renamed.status_code == 200, renamed.text
    assert (
        get_xml(client, "/rest/codelist/ECB/CL_FINAL/1.0").findtext(".//com:Name", namespaces=NS)
        == "Better name"
    )
    before = env.snapshot()
    recoded = client.put(
        "/rest/v2/structure/codelist/ECB/CL_FINAL/1.0",
        content=message(codelist("CL_FINAL", ["A", "B", "C"], name="Better name", final=True)),
    )
    assert recoded.status_code == 409
    result = results(recoded)["ECB:CL_FINAL(1.0)"]
    assert (result.status, result.code) == ("Failure", 409) and "is final" in result.text
    assert env.snapshot() == before
    # A final artefact is not deleted either (SDMX REST: 409 for stable artefacts).
    deleted = client.delete("/rest/v2/structure/codelist/ECB/CL_FINAL/1.0")
    assert deleted.status_code == 409 and "final" in results(deleted)["ECB:CL_FINAL(1.0)"].text
    assert env.snapshot() == before


def test_a_reference_to_something_missing_is_a_conflict_and_nothing_is_written(env: Env) -> None:
    client = env.client()
    before = env.snapshot()
    body = message(
        dataflow(), codelist("CL_OTHER", ["A"]), concepts(), dsd(codelist_id="CL_MISSING")
    )
    response = client.post("/rest/v2/structure", content=body)
    assert response.status_code == 409
    got = results(response)
    assert got["ECB:DSD_TEST(1.0)"].code == 409 and "CL_MISSING" in got["ECB:DSD_TEST(1.0)"].text
    assert got["ECB:DF_TEST(1.0)"].code == 409 and "refused" in got["ECB:DF_TEST(1.0)"].text
    assert got["ECB:CL_OTHER(1.0)"].code == 424 and got["ECB:CL_OTHER(1.0)"].status == "Failure"
    assert env.snapshot() == before  # all or nothing: not even the codelist
    assert client.get("/rest/codelist/ECB/CL_OTHER/1.0").status_code == 404
    # No silent external-reference stub either: a categorisation of a missing category scheme is refused.
    categorisation = (
        '<str:Categorisations><str:Categorisation id="CAT1" agencyID="ECB" version="1.0">'
        '<com:Name xml:lang="en">c</com:Name><str:Source><Ref id="EXR" version="1.0" agencyID="ECB" '
        'class="Dataflow" package="datastructure"/></str:Source><str:Target><Ref id="X" '
        'maintainableParentID="NO_SCHEME" maintainableParentVersion="1.0" agencyID="ECB" '
        'class="Category" package="categoryscheme"/></str:Target></str:Categorisation>'
        "</str:Categorisations>"
    )
    refused = client.post("/rest/v2/structure", content=message(categorisation))
    assert refused.status_code == 409 and "NO_SCHEME" in results(refused)["ECB:CAT1(1.0)"].text
    # ... and an unknown maintenance agency is not registered on the fly.
    unknown_agency = client.post(
        "/rest/v2/structure", content=message(codelist("CL_X", ["A"], agency="NOBODY"))
    )
    assert (
        unknown_agency.status_code == 409
        and "agency" in results(unknown_agency)["NOBODY:CL_X(1.0)"].text
    )
    assert env.snapshot() == before
    # With the agency defined in the message (agency schemes merge item by item), it is accepted.
    agencies = (
        '<str:OrganisationSchemes><str:AgencyScheme id="AGENCIES" agencyID="SDMX" version="1.0">'
        '<com:Name xml:lang="en">Agencies</com:Name><str:Agency id="NOBODY"><com:Name xml:lang="en">'
        "Nobody</com:Name></str:Agency></str:AgencyScheme></str:OrganisationSchemes>"
    )
    accepted = client.post(
        "/rest/v2/structure", content=message(agencies, codelist("CL_X", ["A"], agency="NOBODY"))
    )
    assert accepted.status_code == 201, accepted.text
    assert results(accepted)["SDMX:AGENCIES(1.0)"].action == "Replace"
    served = get_xml(client, "/rest/agencyscheme/SDMX/AGENCIES/1.0")
    assert {"ECB", "NOBODY"} <= {a.get("id") for a in served.iterfind(".//str:Agency", NS)}


def test_delete(env: Env) -> None:
    client = env.client("maintainer")
    deleted = client.delete("/rest/v2/structure/codelist/ECB/CL_DEL_A/1.0")
    assert deleted.status_code == 200, deleted.text
    assert (
        results(deleted)["ECB:CL_DEL_A(1.0)"].action,
        results(deleted)["ECB:CL_DEL_A(1.0)"].status,
    ) == ("Delete", "Success")
    assert client.get("/rest/codelist/ECB/CL_DEL_A/1.0").status_code == 404
    again = client.delete("/rest/v2/structure/codelist/ECB/CL_DEL_A/1.0")
    assert again.status_code == 404 and results(again)["ECB:CL_DEL_A(1.0)"].code == 404

    before = env.snapshot()
    referenced = client.delete("/rest/v2/structure/codelist/ECB/CL_CURRENCY/1.0")
    assert referenced.status_code == 409
    assert "DataStructure=ECB:ECB_EXR1(1.0)" in results(referenced)["ECB:CL_CURRENCY(1.0)"].text
    pa = client.delete("/rest/v2/structure/provisionagreement/ECB/EXR_ECB/1.0")
    assert pa.status_code == 409 and "252 observations" in results(pa)["ECB:EXR_ECB(1.0)"].text
    assert env.snapshot() == before
    # The other provision agreement covers no data: it goes.
    assert client.delete("/rest/v2/structure/provisionagreement/ECB/EXR_BIS/1.0").status_code == 200


def test_delete_of_a_dataflow_holding_data(env: Env) -> None:
    client = env.client()
    assert client.post("/rest/v2/structure", content=CHAIN).status_code == 201
    pushed = client.post(
        "/rest/v2/data/dataflow/ECB/DF_TEST/1.0",
        headers={"Content-Type": CSV10},
        content="DATAFLOW,REF,TIME_PERIOD,OBS_VALUE\nECB:DF_TEST(1.0),A,2020,1.5\n",
    )
    assert pushed.status_code == 200, pushed.text
    before = env.snapshot()
    response = client.delete("/rest/v2/structure/dataflow/ECB/DF_TEST/1.0")
    assert response.status_code == 409
    assert (
        "holds data: 1 submissions, 1 series (1 observations)"
        in results(response)["ECB:DF_TEST(1.0)"].text
    )
    assert env.snapshot() == before
    assert client.get("/rest/data/ECB,DF_TEST,1.0/A", headers={"Accept": CSV10}).status_code == 200


# --------------------------------------------------------------------------- stored data stay valid


def _exr_dsd(client: httpx.Client) -> etree._Element:
    return get_xml(client, "/rest/datastructure/ECB/ECB_EXR1/1.0")


def test_a_dsd_change_that_would_invalidate_data_is_refused(env: Env) -> None:
    client = env.client()
    root = _exr_dsd(client)
    dims = root.find(".//str:DimensionList", NS)
    first, second = dims.findall("str:Dimension", NS)[:2]
    first.set("position", "2")
    second.set("position", "1")
    dims.remove(second)
    dims.insert(0, second)  # CURRENCY before FREQ
    before = env.snapshot()
    response = client.put(
        "/rest/v2/structure/datastructure/ECB/ECB_EXR1/1.0",
        content=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
    )
    assert response.status_code == 409, response.text
    text_ = results(response)["ECB:ECB_EXR1(1.0)"].text
    assert "would change the dimensions of ECB:EXR(1.0) from (FREQ, CURRENCY," in text_
    assert "to (CURRENCY, FREQ," in text_ and "1 series (252 observations)" in text_
    # Adding a dimension is refused too: the stored keys have five.
    root = _exr_dsd(client)
    dims = root.find(".//str:DimensionList", NS)
    last = dims.findall("str:Dimension", NS)[-1]
    extra = etree.fromstring(etree.tostring(last))
    extra.set("id", "EXTRA")
    extra.attrib.pop("urn", None)
    extra.set("position", str(int(last.get("position")) + 1))
    last.addnext(extra)
    time_dim = dims.find("str:TimeDimension", NS)
    time_dim.set("position", str(int(extra.get("position")) + 1))
    more = client.put(
        "/rest/v2/structure/datastructure/ECB/ECB_EXR1/1.0",
        content=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
    )
    assert more.status_code == 409, more.text
    assert "EXR_SUFFIX, EXTRA, TIME_PERIOD)" in results(more)["ECB:ECB_EXR1(1.0)"].text
    assert env.snapshot() == before


def test_a_harmless_dsd_change_is_accepted(env: Env) -> None:
    client = env.client()
    root = _exr_dsd(client)
    root.find(".//str:DataStructure/com:Name", NS).text = "Exchange rates, renamed"
    # A new conditional attribute keeps the stored data valid.
    attributes = root.find(".//str:AttributeList", NS)
    template_attr = next(
        a for a in attributes.findall("str:Attribute", NS) if a.get("id") == "TITLE"
    )
    extra = etree.fromstring(etree.tostring(template_attr))
    extra.set("id", "COMMENT_EXTRA")
    extra.set("assignmentStatus", "Conditional")
    for key in ("urn",):
        extra.attrib.pop(key, None)
    attributes.append(extra)
    response = client.put(
        "/rest/v2/structure/datastructure/ECB/ECB_EXR1/1.0",
        content=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
    )
    assert response.status_code == 200, response.text
    served = _exr_dsd(client)
    assert "COMMENT_EXTRA" in {a.get("id") for a in served.iterfind(".//str:Attribute", NS)}
    assert (
        client.get("/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A", headers={"Accept": CSV10}).status_code
        == 200
    )


def test_an_attribute_cannot_become_mandatory_where_stored_data_lack_it(env: Env) -> None:
    client = env.client()
    root = _exr_dsd(client)
    conf = next(a for a in root.iterfind(".//str:Attribute", NS) if a.get("id") == "OBS_CONF")
    conf.set("assignmentStatus", "Mandatory")
    before = env.snapshot()
    response = client.put(
        "/rest/v2/structure/datastructure/ECB/ECB_EXR1/1.0",
        content=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
    )
    assert response.status_code == 409, response.text
    assert (
        "attribute OBS_CONF would become mandatory, but 252 stored observations of ECB:EXR(1.0) have no value"
        in results(response)["ECB:ECB_EXR1(1.0)"].text
    )
    assert env.snapshot() == before


def test_codes_in_use_cannot_be_removed(env: Env) -> None:
    client = env.client()
    before = env.snapshot()
    used = client.put(
        "/rest/v2/structure/codelist/ECB/CL_CURRENCY/1.0",
        content=without_codes(client, "CL_CURRENCY", {"USD"}),
    )
    assert used.status_code == 409
    text_ = results(used)["ECB:CL_CURRENCY(1.0)"].text
    assert "CURRENCY USD is used by 1 series (252 observations) of ECB:EXR(1.0)" in text_
    status = client.put(
        "/rest/v2/structure/codelist/ECB/CL_OBS_STATUS/1.0",
        content=without_codes(client, "CL_OBS_STATUS", {"A"}),
    )
    assert status.status_code == 409
    assert "attribute OBS_STATUS A is used" in results(status)["ECB:CL_OBS_STATUS(1.0)"].text
    assert env.snapshot() == before
    assert "ZAR" in code_ids(client, "CL_CURRENCY")
    unused = client.put(
        "/rest/v2/structure/codelist/ECB/CL_CURRENCY/1.0",
        content=without_codes(client, "CL_CURRENCY", {"ZAR"}),
    )
    assert unused.status_code == 200, unused.text
    assert "ZAR" not in code_ids(client, "CL_CURRENCY") and "USD" in code_ids(client, "CL_CURRENCY")


def test_a_constraint_that_excludes_stored_data_is_refused(env: Env) -> None:
    client = env.client()
    before = env.snapshot()
    tight = client.post("/rest/v2/structure", content=message(constraint(["JPY", "GBP"])))
    assert tight.status_code == 409
    text_ = results(tight)["ECB:C_TEST(1.0)"].text
    assert (
        "would exclude 1 series (252 observations) stored in ECB:EXR(1.0)" in text_
        and "M.USD.EUR.SP00.A" in text_
    )
    assert env.snapshot() == before
    loose = client.post("/rest/v2/structure", content=message(constraint(["USD", "JPY"])))
    assert loose.status_code == 201, loose.text
    # Tightening it later is refused the same way; a producer then cannot push GBP.
    tighter = client.put(
        "/rest/v2/structure/dataconstraint/ECB/C_TEST/1.0", content=message(constraint(["JPY"]))
    )
    assert tighter.status_code == 409
    refused = client.post(
        "/rest/v2/data/dataflow/ECB/EXR/1.0",
        headers={"Content-Type": CSV10},
        content="DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS,COLLECTION\nECB:EXR(1.0),M,GBP,EUR,SP00,A,2020-01,0.8,A,A\n",
    )
    assert refused.status_code == 422 and "C_TEST" in refused.text


def _pa_constraint(cid: str, pa: str, currencies: list[str]) -> ModelArtefact:
    return ModelArtefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="ECB",
        id=cid,
        version="1.0",
        names={"en": cid},
        details=ConstraintDetails(
            attachments=[ConstraintAttachmentRef(ref=pa_ref(pa))],
            cube_regions=[CubeRegion(key_values=[KeyValue(id="CURRENCY", values=currencies)])],
        ),
    )


def test_a_provision_agreement_constraint_is_checked_against_its_providers_data(env: Env) -> None:
    # sdmx1 drops the regions of constraints attached to provision agreements: such a message is
    # refused by name rather than stored as a constraint that allows everything.
    client = env.client()
    before = env.snapshot()
    sent = client.post(
        "/rest/v2/structure", content=message(constraint(["JPY"], cid="C_ECB", pa="EXR_ECB"))
    )
    assert sent.status_code == 422
    assert "cannot be read completely" in results(sent)["ECB:C_ECB(1.0)"].text
    assert env.snapshot() == before
    # The store's rule itself (as the CLI and the API apply it), on the provider's data only.
    store = env.services.structure_store
    report = store.submit([_pa_constraint("C_ECB", "EXR_ECB", ["JPY"])], strict=True, atomic=True)
    (outcome,) = report.outcomes
    assert outcome.status == "refused" and outcome.code == 409
    assert "252 observations) stored in ECB:EXR(1.0) (this provider's data)" in outcome.message
    assert env.snapshot() == before
    # BIS has not submitted anything: its agreement can be constrained.
    assert (
        store.submit([_pa_constraint("C_BIS", "EXR_BIS", ["JPY"])], strict=True, atomic=True)
        .outcomes[0]
        .code
        == 201
    )


# --------------------------------------------------------------------------- caches see the change


def _subprocess_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """The application in another process (its own caches), over the same database."""
    port = free_port()
    env = {
        **os.environ,
        "SDMX_SERVER_DATABASE_URL": url,
        "SDMX_SERVER_LOAD_SHIPPED_STRUCTURES": "false",
        "SDMX_SERVER_LOAD_SAMPLE_DATA": "false",
        "SDMX_SERVER_SOURCE_ALIAS": "TESTSRC",
        "SDMX_SERVER_RUN_JOBS": "false",
        "SDMX_SERVER_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sdmx_server.app:app_factory",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the second server did not start")


def test_a_changed_codelist_is_seen_by_the_next_submission_and_by_other_workers(env: Env) -> None:
    client = env.client()
    assert client.post("/rest/v2/structure", content=CHAIN).status_code == 201
    csv = "DATAFLOW,REF,TIME_PERIOD,OBS_VALUE\nECB:DF_TEST(1.0),{code},2021,{value}\n"
    push = "/rest/v2/data/dataflow/ECB/DF_TEST/1.0"
    assert (
        client.post(
            push, content=csv.format(code="A", value=1), headers={"Content-Type": CSV10}
        ).status_code
        == 200
    )
    url = env.services.settings.database_url
    proc, other = _subprocess_server(url)
    try:
        with httpx.Client(base_url=other, timeout=60, event_hooks=httpx_hooks) as second:
            # The other worker compiles (and caches) the dataflow's structure: C is no code of it yet.
            assert (
                second.get("/rest/data/ECB,DF_TEST,1.0/A", headers={"Accept": CSV10}).status_code
                == 200
            )
            assert second.get(
                "/rest/data/ECB,DF_TEST,1.0/C", headers={"Accept": CSV10}
            ).status_code in (400, 403)
            refused = client.post(
                push, content=csv.format(code="C", value=2), headers={"Content-Type": CSV10}
            )
            assert refused.status_code == 422 and "not a code of" in refused.text
            changed = client.put(
                "/rest/v2/structure/codelist/ECB/CL_TEST/1.0",
                content=message(codelist("CL_TEST", ["A", "B", "C"])),
            )
            assert changed.status_code == 200
            accepted = client.post(
                push, content=csv.format(code="C", value=2), headers={"Content-Type": CSV10}
            )
            assert accepted.status_code == 200, accepted.text
            # The other process sees the new code at once: no stale compiled structure.
            answer = second.get("/rest/data/ECB,DF_TEST,1.0/C", headers={"Accept": CSV10})
            assert answer.status_code == 200, answer.text
            assert "ECB:DF_TEST(1.0),C,2021,2" in answer.text
            assert "C" in [
                c.get("id")
                for c in etree.fromstring(
                    second.get("/rest/codelist/ECB/CL_TEST/1.0").content
                ).iterfind(".//str:Code", NS)
            ]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


# --------------------------------------------------------------------------- who may write


PRINCIPALS = [  # (token name, expected status: None = allowed)
    (None, 401),
    ("sdmx_wrong-token-0123456789", 401),
    ("revoked", 401),
    ("expired", 401),
    ("provider", 403),
    ("other_maintainer", 403),
    ("maintainer", None),
    ("admin", None),
]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_authorisation_matrix(env: Env, method: str) -> None:
    allowed = iter(["A", "B"])
    for who, expected in PRINCIPALS:
        before = env.snapshot()
        client = env.client(who)
        if method == "POST":
            target = f"CL_NEW_{expected or next(allowed)}"
            response = client.post("/rest/v2/structure", content=message(codelist(target, ["A"])))
        elif method == "PUT":
            target = "CL_AUTH"
            response = client.put(
                "/rest/v2/structure/codelist/ECB/CL_AUTH/1.0",
                content=message(codelist("CL_AUTH", ["X"], name=f"Renamed by {who}")),
            )
        else:
            target = "CL_DEL_" + (next(allowed) if expected is None else "A")
            response = client.delete(f"/rest/v2/structure/codelist/ECB/{target}/1.0")
        if expected is not None:
            assert response.status_code == expected, (who, response.status_code, response.text)
            if expected == 401:
                assert response.headers["www-authenticate"].startswith("Bearer")
            if method == "POST" and who == "other_maintainer":
                # Known only once the message is read: the answer says which artefact may not be written.
                assert results(response)[f"ECB:{target}(1.0)"].code == 403
            else:
                assert error_text(response)  # an SDMX error message
            assert env.snapshot() == before, who  # nothing changed
        else:
            assert response.status_code in (200, 201), (who, response.text)
            assert results(response)[f"ECB:{target}(1.0)"].status == "Success"
            assert env.snapshot() != before
    action = {"POST": "structure.submit", "PUT": "structure.replace", "DELETE": "structure.delete"}[
        method
    ]
    events = audit_events(env, action)
    assert [e["status"] for e in reversed(events)] == [
        e or (201 if method == "POST" else 200) for _, e in PRINCIPALS
    ]
    assert {e["outcome"] for e in events} == {"UnauthorizedError", "ForbiddenError", "written"}


def test_post_with_an_artefact_of_another_agency_is_refused_whole(env: Env) -> None:
    before = env.snapshot()
    body = message(
        codelist("CL_MINE", ["A"]).replace("</str:Codelists>", "")
        + codelist("CL_THEIRS", ["A"], agency="SDMX").replace("<str:Codelists>", "")
    )
    response = env.client("maintainer").post("/rest/v2/structure", content=body)
    assert response.status_code == 403
    got = results(response)
    assert (
        got["SDMX:CL_THEIRS(1.0)"].code == 403 and "agency SDMX" in got["SDMX:CL_THEIRS(1.0)"].text
    )
    assert got["ECB:CL_MINE(1.0)"].code == 424
    assert env.snapshot() == before
    assert env.client("admin").post("/rest/v2/structure", content=body).status_code == 201


# --------------------------------------------------------------------------- hostile and broken bodies


def test_hostile_and_broken_bodies_change_nothing(env: Env, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    client = env.client()
    before = env.snapshot()
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE mes:Structure [<!ENTITY secret SYSTEM "file://{secret}">]>'
        + message(codelist("CL_XXE", ["A"], name="&secret;")).decode().split("?>", 1)[1]
    ).encode()
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
            for n in range(1, 10)
        )
        + "]>"
        + message(codelist("CL_LOL", ["A"], name="&lol9;")).decode().split("?>", 1)[1]
    ).encode()
    # A DOCTYPE hidden behind a long comment is still seen.
    hidden = b'<?xml version="1.0"?><!--' + b"x" * 10000 + b"-->" + xxe.split(b"?>", 1)[1]
    for body in (xxe, laughs, hidden):
        response = client.post("/rest/v2/structure", content=body, headers={"Content-Type": XML21})
        assert response.status_code == 400, response.text
        assert "DOCTYPE" in error_text(response)
    malformed = client.post("/rest/v2/structure", content=message(codelist("CL_BAD", ["A"]))[:-30])
    assert malformed.status_code == 400 and "not well-formed" in error_text(malformed)
    not_structure = client.post("/rest/v2/structure", content=fixtures.ECB_DATA.read_bytes())
    assert not_structure.status_code == 415 and "data message" in error_text(not_structure)
    json_body = client.post(
        "/rest/v2/structure", content=b'{"data": {}}', headers={"Content-Type": "application/json"}
    )
    assert json_body.status_code == 415
    mismatch = client.post(
        "/rest/v2/structure",
        content=message(codelist("CL_V", ["A"])),
        headers={"Content-Type": "application/vnd.sdmx.structure+xml;version=3.0.0"},
    )
    assert mismatch.status_code == 400
    empty = client.post("/rest/v2/structure", content=b"")
    assert empty.status_code == 400
    latin1 = client.post(
        "/rest/v2/structure",
        content=message(codelist("CL_ENC", ["A"], name="Caf\u00e9")).replace(
            b"Caf\xc3\xa9", b"Caf\xe9"
        ),
    )
    assert latin1.status_code == 400  # declared UTF-8, is not
    assert env.snapshot() == before
    dump = repr(env.snapshot())
    assert "TOP-SECRET" not in dump and "lollol" not in dump
    outcomes = {e["outcome"] for e in audit_events(env, "structure.submit")}
    assert {"BadRequestError", "UnsupportedMediaTypeError"} <= outcomes


def test_a_body_over_the_limit_gets_413_without_being_read(small_env: Env) -> None:
    before = small_env.snapshot()
    big = message(codelist("CL_BIG", [f"C{n:05d}" for n in range(400)]))
    assert len(big) > 4096
    client = small_env.client()
    response = client.post("/rest/v2/structure", content=big)
    assert response.status_code == 413
    chunked = client.post(
        "/rest/v2/structure", content=iter([big[:3000], big[3000:]])
    )  # no Content-Length
    assert chunked.status_code == 413
    put = client.put("/rest/v2/structure/codelist/ECB/CL_AUTH/1.0", content=big)
    assert put.status_code == 413
    assert small_env.snapshot() == before


# --------------------------------------------------------------------------- real clients and SDMX-ML 3.0


def test_structures_written_by_sdmx1(env: Env) -> None:
    ecb = common.Agency(id="ECB")
    cl = common.Codelist(
        id="CL_SDMX1", version="1.0", maintainer=ecb, name={"en": "Sizes"}, is_final=False
    )
    for code in ("S", "M", "L"):
        cl.append(common.Code(id=code, name={"en": f"size {code}"}))
    cs = common.ConceptScheme(id="CS_SDMX1", version="1.0", maintainer=ecb, name={"en": "Concepts"})
    for cid in ("SIZE", "TIME_PERIOD", "OBS_VALUE"):
        cs.append(common.Concept(id=cid, name={"en": cid}))
    dsd_ = v21.DataStructureDefinition(
        id="DSD_SDMX1", version="1.0", maintainer=ecb, name={"en": "By size"}
    )
    dsd_.dimensions.append(
        v21.Dimension(
            id="SIZE",
            concept_identity=cs["SIZE"],
            order=1,
            local_representation=common.Representation(enumerated=cl),
        )
    )
    dsd_.dimensions.append(
        v21.TimeDimension(id="TIME_PERIOD", concept_identity=cs["TIME_PERIOD"], order=2)
    )
    dsd_.measures.append(v21.PrimaryMeasure(id="OBS_VALUE", concept_identity=cs["OBS_VALUE"]))
    flow = v21.DataflowDefinition(
        id="DF_SDMX1", version="1.0", maintainer=ecb, name={"en": "By size"}, structure=dsd_
    )
    msg = StructureMessage()
    for obj in (cl, cs, dsd_, flow):
        msg.add(obj)
    body = sdmx.to_xml(msg)
    client = env.client("maintainer")
    response = client.post("/rest/v2/structure", content=body, headers={"Content-Type": XML21})
    assert response.status_code == 201, response.text
    assert set(results(response)) == {
        "ECB:CL_SDMX1(1.0)",
        "ECB:CS_SDMX1(1.0)",
        "ECB:DSD_SDMX1(1.0)",
        "ECB:DF_SDMX1(1.0)",
    }
    # Read back with sdmx1, as a client would.
    back = sdmx.read_sdmx(
        io.BytesIO(client.get("/rest/dataflow/ECB/DF_SDMX1/1.0?references=all").content)
    )
    assert list(back.codelist["CL_SDMX1"].items) == ["S", "M", "L"]
    assert [d.id for d in back.structure["DSD_SDMX1"].dimensions] == ["SIZE", "TIME_PERIOD"]
    pushed = env.client("admin").post(
        "/rest/v2/data/dataflow/ECB/DF_SDMX1/1.0",
        headers={"Content-Type": CSV10},
        content="DATAFLOW,SIZE,TIME_PERIOD,OBS_VALUE\nECB:DF_SDMX1(1.0),M,2022,3\n",
    )
    assert pushed.status_code == 200, pushed.text


def test_sdmx_ml_30_messages(env: Env) -> None:
    client = env.client()
    response = client.post(
        "/rest/v2/structure",
        content=(fixtures.V3 / "xml" / "codelist.xml").read_bytes(),
        headers={"Content-Type": "application/vnd.sdmx.structure+xml;version=3.0.0"},
    )
    assert response.status_code == 201, response.text
    assert results(response)["SDMX:CL_AGE(1.0)"].status == "Success"
    assert code_ids_of(client, "SDMX", "CL_AGE")[:4] == ["Y", "M", "W", "D"]
    # Constructs this server does not store are named, and nothing of the message is written.
    before = env.snapshot()
    unsupported = client.post(
        "/rest/v2/structure", content=(fixtures.V3 / "xml" / "valuelist.xml").read_bytes()
    )
    assert unsupported.status_code == 422
    (only,) = results(unsupported).values()
    assert "ValueList=EXAMPLE:VL_CURRENCY_SYMBOL" in only.ref and "not stored" in only.text
    assert env.snapshot() == before


def code_ids_of(client: httpx.Client, agency: str, cl_id: str) -> list[str]:
    """Ids of the codes of a codelist of any agency."""
    root = get_xml(client, f"/rest/codelist/{agency}/{cl_id}/1.0")
    return [c.get("id") for c in root.iterfind(".//str:Code", NS)]
