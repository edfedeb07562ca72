"""Rights follow only from agreements and constraints with authority over the dataflow (ADR 0011).

A provision agreement entitles its producer (to push, to read a non-public
dataflow, to preview) and a content constraint restricts what may be
reported only when the dataflow's own agency maintains it, or when someone
with rights on that agency wrote it (an administrator, the command line, a
maintainer of that agency). Writing one that points at another agency's
dataflow or agreement needs maintainer rights on that agency (403); one that
exists anyway (loaded by an older version) grants and restricts nothing.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    ConstraintAttachmentRef,
    ConstraintDetails,
    CubeRegion,
    KeyValue,
    MaintainableRef,
)
from tests.push.conftest import CSV10_TYPE, PushEnv, exr_csv, sdmx_error

MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
XML21 = "application/vnd.sdmx.structure+xml;version=2.1"
STRUCTURE_TABLES = (
    "structure_artefact",
    "structure_item",
    "structure_reference",
    "structure_state",
)


def _message(containers: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" '
        f'xmlns:com="{COM}"><mes:Header><mes:ID>TEST</mes:ID><mes:Test>false</mes:Test>'
        '<mes:Prepared>2026-12-01T00:00:00Z</mes:Prepared><mes:Sender id="TESTER"/></mes:Header>'
        f"<mes:Structures>{containers}</mes:Structures></mes:Structure>"
    ).encode()


def agreement(agency: str, pa_id: str, flow: str, provider: str = "MIN_EMPLOI") -> bytes:
    """A provision agreement of ``agency`` for ``MA_LMIS:{flow}(1.0)`` by ``MA_LMIS:DATA_PROVIDERS(1.0).{provider}``."""
    return _message(
        f'<str:ProvisionAgreements><str:ProvisionAgreement id="{pa_id}" agencyID="{agency}" version="1.0">'
        f'<com:Name xml:lang="en">{provider} supplies {flow}</com:Name><str:StructureUsage>'
        f'<Ref agencyID="MA_LMIS" id="{flow}" version="1.0" class="Dataflow" package="datastructure"/>'
        '</str:StructureUsage><str:DataProvider><Ref agencyID="MA_LMIS" maintainableParentID="DATA_PROVIDERS" '
        f'maintainableParentVersion="1.0" id="{provider}" class="DataProvider" package="base"/></str:DataProvider>'
        "</str:ProvisionAgreement></str:ProvisionAgreements>"
    )


def constraint(agency: str, cc_id: str, attachment: str) -> bytes:
    """An Allowed constraint of ``agency`` attached to ``attachment`` (a ``str:ConstraintAttachment`` child)."""
    return _message(
        f'<str:Constraints><str:ContentConstraint id="{cc_id}" agencyID="{agency}" version="1.0" type="Allowed">'
        f'<com:Name xml:lang="en">Restriction</com:Name><str:ConstraintAttachment>{attachment}'
        '</str:ConstraintAttachment><str:CubeRegion include="true"><com:KeyValue id="REF_AREA">'
        "<com:Value>XXX</com:Value></com:KeyValue></str:CubeRegion></str:ContentConstraint></str:Constraints>"
    )


def _table_rows(env: PushEnv) -> dict[str, list[tuple]]:
    with env.services.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in STRUCTURE_TABLES
        }


def _post_structure(env: PushEnv, who: str, body: bytes) -> httpx.Response:
    with env.client(who) as client:
        return client.post("/rest/v2/structure", content=body, headers={"Content-Type": XML21})


def _lfs_cell(env: PushEnv) -> str:
    """One stored cell of DF_LFS_CORE (HCP's) as SDMX-CSV 1.0: re-sending it changes nothing."""
    with env.client() as client:
        r = client.get(
            "/rest/data/MA_LMIS,DF_LFS_CORE,1.0",
            params={"lastNObservations": "1"},
            headers={"Accept": CSV10_TYPE},
        )
    assert r.status_code == 200, r.text[:300]
    return "\n".join(r.text.strip().splitlines()[:2]) + "\n"


def _may_push(env: PushEnv, who: str, target: str = "dataflow/MA_LMIS/DF_LFS_CORE/1.0") -> int:
    """200 when ``who`` is entitled to push to the target (a dry run of HCP's cell: validated, so entitled,
    and only refused for the cell being HCP's), 403 when not."""
    r = env.push(_lfs_cell(env), who, target=target, params={"dryRun": "true"})
    if r.status_code == 422 and who != "HCP":
        assert [e["reason"] for e in r.json()["errors"]][0].endswith(
            "only HCP may change or delete it"
        ), r.text
        return 200
    assert r.status_code in (200, 403), r.text[:500]
    if r.status_code == 403:
        assert sdmx_error(r)[0] == 150
    return r.status_code


def _may_read_remit(env: PushEnv, who: str) -> int:
    with env.client(who) as client:
        r = client.get("/rest/data/MA_LMIS,DF_REMIT,1.0", params={"lastNObservations": "1"})
    assert r.status_code in (200, 403), r.text[:300]
    return r.status_code


REMIT = MaintainableRef(type=ArtefactType.DATAFLOW, agency="MA_LMIS", id="DF_REMIT", version="1.0")


@pytest.fixture
def env(lmis_env: PushEnv) -> PushEnv:
    lmis_env.new_token("ILO-maintainer", "maintainer", agency="ILO")
    lmis_env.services.auth.set_dataflow_public(REMIT, False)
    return lmis_env


def test_a_maintainer_of_another_agency_cannot_entitle_a_producer(env: PushEnv) -> None:
    assert _may_push(env, "MIN_EMPLOI") == 403 and _may_read_remit(env, "MIN_EMPLOI") == 403
    before = _table_rows(env)
    for body in (agreement("ILO", "PA_X", "DF_LFS_CORE"), agreement("ILO", "PA_Y", "DF_REMIT")):
        r = _post_structure(env, "ILO-maintainer", body)
        assert r.status_code == 403, r.text
        assert "agency MA_LMIS" in r.text and "MA_LMIS:DF_" in r.text
    assert _table_rows(env) == before
    assert _may_push(env, "MIN_EMPLOI") == 403 and _may_read_remit(env, "MIN_EMPLOI") == 403
    # The dataflow's own maintainers and administrators may write such agreements, and then they grant.
    env.new_token("LMIS-maintainer", "maintainer", agency="MA_LMIS")
    assert _post_structure(env, "admin", agreement("ILO", "PA_X", "DF_LFS_CORE")).status_code == 201
    assert (
        _post_structure(
            env, "LMIS-maintainer", agreement("MA_LMIS", "PA_Y", "DF_REMIT")
        ).status_code
        == 201
    )
    assert _may_push(env, "MIN_EMPLOI") == 200 and _may_read_remit(env, "MIN_EMPLOI") == 200
    assert _may_push(env, "MIN_EMPLOI", "provisionagreement/ILO/PA_X/1.0") == 200


def test_a_stored_agreement_without_authority_grants_nothing(env: PushEnv) -> None:
    """As loaded by an older version (who wrote it unknown): only its own agency speaks, and it is not
    the dataflow's."""
    for body in (agreement("ILO", "PA_X", "DF_LFS_CORE"), agreement("ILO", "PA_Y", "DF_REMIT")):
        assert _post_structure(env, "admin", body).status_code == 201
    assert _may_push(env, "MIN_EMPLOI") == 200 and _may_read_remit(env, "MIN_EMPLOI") == 200
    with env.services.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE structure_artefact SET authority = NULL WHERE agency_id = 'ILO'"
                " AND type = 'provisionagreement'"
            )
        )
        conn.execute(text("UPDATE structure_state SET generation = generation + 1"))
    assert _may_push(env, "MIN_EMPLOI") == 403
    assert _may_push(env, "MIN_EMPLOI", "provisionagreement/ILO/PA_X/1.0") == 403
    assert _may_read_remit(env, "MIN_EMPLOI") == 403
    with env.client("MIN_EMPLOI") as client:
        r = client.get("/rest/data/MA_LMIS,DF_REMIT,1.0", params={"preview": "true"})
        assert r.status_code == 403


def test_a_maintainer_of_another_agency_cannot_constrain_a_dataflow_or_agreement(
    env: PushEnv,
) -> None:
    before = _table_rows(env)
    flow = '<str:Dataflow><Ref agencyID="MA_LMIS" id="DF_LFS_CORE" version="1.0" class="Dataflow"/></str:Dataflow>'
    dsd = (
        '<str:DataStructure><Ref agencyID="MA_LMIS" id="DSD_LFS" version="1.0" class="DataStructure"/>'
        "</str:DataStructure>"
    )
    for attachment in (flow, dsd):
        r = _post_structure(env, "ILO-maintainer", constraint("ILO", "CC_X", attachment))
        assert r.status_code == 403, r.text
    assert _table_rows(env) == before
    assert _may_push(env, "HCP") == 200


@pytest.mark.parametrize("authority", [None, "*"])
def test_a_foreign_constraint_restricts_only_with_authority(
    exr_env: PushEnv, authority: str | None
) -> None:
    """A constraint of agency BIS on ECB:EXR excluding NOK: written by an administrator, it restricts
    ECB's pushes; without known authority (an older version), it restricts nothing."""
    cc = Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="BIS",
        id="CC_NO_NOK",
        version="1.0",
        names={"en": "No NOK"},
        details=ConstraintDetails(
            role="Allowed",
            attachments=[
                ConstraintAttachmentRef(
                    ref=MaintainableRef(
                        type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0"
                    )
                )
            ],
            cube_regions=[
                CubeRegion(include=False, key_values=[KeyValue(id="CURRENCY", values=["NOK"])])
            ],
        ),
    )
    assert not exr_env.services.structure_store.submit([cc]).refused
    if authority is None:
        with exr_env.services.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE structure_artefact SET authority = NULL WHERE resource_id = 'CC_NO_NOK'"
                )
            )
            conn.execute(text("UPDATE structure_state SET generation = generation + 1"))
    r = exr_env.push(exr_csv(["M,NOK,EUR,SP00,A,2031-01,1.5,A"]), "ECB")
    if authority is None:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 422 and "CC_NO_NOK" in r.text, r.text
