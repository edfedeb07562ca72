"""Who may push data, read non-public data, see submissions and the audit trail.

Every data write endpoint (a dataflow, a provision agreement, each also with
``dryRun=true`` and with ``Prefer: respond-async``) is tried with every kind
of credential. Refusals are SDMX error messages with the right status and
code, leave the data tables exactly as they were, and are all in the audit
trail with who, when, what and the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from sdmx_server.domain.clock import utcnow
from tests.conftest import pa_ref
from tests.push.conftest import (
    CSV10_TYPE,
    PushEnv,
    count_rows,
    exr_csv,
    exr_observations,
    sdmx_error,
    wait_for_submission,
)


@dataclass(frozen=True)
class Endpoint:
    """One way of writing data."""

    name: str
    target: str
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    @property
    def dry(self) -> bool:
        return bool(self.params and self.params.get("dryRun") == "true")

    @property
    def is_async(self) -> bool:
        return bool(self.headers and "respond-async" in self.headers.get("Prefer", ""))


FLOW = "dataflow/ECB/EXR/1.0"
PA = "provisionagreement/ECB/EXR_ECB/1.0"
ASYNC = {"Prefer": "respond-async"}
DRY = {"dryRun": "true"}
ENDPOINTS = [
    Endpoint("dataflow", FLOW),
    Endpoint("provisionagreement", PA),
    Endpoint("dataflow-dry", FLOW, DRY),
    Endpoint("provisionagreement-dry", PA, DRY),
    Endpoint("dataflow-async", FLOW, headers=ASYNC),
    Endpoint("provisionagreement-async", PA, headers=ASYNC),
]

# (label, Authorization header or named token, expected status)
UNAUTHENTICATED: list[tuple[str, str | None]] = [
    ("no token", None),
    ("basic scheme", "Basic dXNlcjpwYXNzd29yZA=="),
    ("bearer without token", "Bearer"),
    ("bearer and a blank", "Bearer  x"),
    ("token without scheme", "sdmx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ("wrong token", "Bearer sdmx_this-token-was-never-issued-by-the-server-0000000"),
    ("revoked token", "@revoked"),
    ("expired token", "@expired"),
]


def _header(env: PushEnv, spec: str | None) -> dict[str, str]:
    if spec is None:
        return {}
    if spec.startswith("@"):
        return env.auth(spec[1:])
    return {"Authorization": spec}


def _post(
    env: PushEnv, ep: Endpoint, body: str, auth: dict[str, str], accept: str | None = None
) -> httpx.Response:
    headers = {**auth, **(ep.headers or {}), "Content-Type": CSV10_TYPE}
    if accept:
        headers["Accept"] = accept
    with env.client() as client:
        return client.post(
            f"/rest/v2/data/{ep.target}", content=body.encode(), headers=headers, params=ep.params
        )


def _audit_by_request(env: PushEnv) -> dict[str, dict]:
    with env.client("admin") as client:
        r = client.get("/admin/audit", params={"limit": "1000"})
    assert r.status_code == 200, r.text
    return {e["requestId"]: e for e in r.json()["events"]}


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_write_endpoint_matrix(make_exr_env, ep: Endpoint) -> None:
    env: PushEnv = make_exr_env()
    started = utcnow()
    refused: list[tuple[httpx.Response, int, str]] = []  # response, status, who the audit names
    n = 0

    def body() -> str:
        nonlocal n
        n += 1
        return exr_csv([f"M,USD,EUR,SP00,A,{2100 + n}-01,{n}.5,A"])

    before = env.snapshot()
    submissions_before = count_rows(env.services, "submission")
    for label, spec in UNAUTHENTICATED:
        for accept in (None, "application/json"):
            r = _post(env, ep, body(), _header(env, spec), accept)
            assert r.status_code == 401, (label, r.status_code, r.text)
            code, message = sdmx_error(r)
            assert code == 110, (label, code)
            assert message, label
            assert r.headers["content-type"].startswith(
                "application/json" if accept else "application/xml"
            )
            refused.append((r, 401, "anonymous"))
    forbidden = ["maintainer", "ESTAT"] + (["BIS", "IMF"] if ep.target == PA else [])
    for who in forbidden:
        for accept in (None, "application/json"):
            r = _post(env, ep, body(), env.auth(who), accept)
            assert r.status_code == 403, (who, r.status_code, r.text)
            code, message = sdmx_error(r)
            assert code == 150 and message, (who, code, message)
            refused.append((r, 403, who))
    assert env.snapshot() == before, "a refused request changed the data tables"
    assert count_rows(env.services, "submission") == submissions_before

    accepted: list[tuple[httpx.Response, str]] = []
    for who in ("ECB", "admin"):
        sent = body()
        r = _post(env, ep, sent, env.auth(who))
        period = sent.strip().splitlines()[-1].split(",")[6]
        if ep.is_async:
            assert r.status_code == 202, r.text
            assert r.headers["location"] == r.json()["statusUrl"]
            assert r.headers["location"].startswith(env.url + "/rest/v2/submissions/")
            with env.client(who) as client:
                report = wait_for_submission(client, r.headers["location"])
        else:
            assert r.status_code == 200, r.text
            report = r.json()
        assert report["status"] == ("valid" if ep.dry else "written"), report
        assert report["errorCount"] == 0 and report["rows"] == 1
        assert report["inserted"] == 1 and report["updated"] == report["deleted"] == 0
        stored = exr_observations(env.services).get(("M.USD.EUR.SP00.A", period))
        if ep.dry:
            assert stored is None
        else:
            assert stored is not None and stored[0] == sent.strip().splitlines()[-1].split(",")[7]
        accepted.append((r, who))
    if ep.dry:
        assert env.snapshot() == before, "a dry run changed the data tables"

    events = _audit_by_request(env)
    for r, status, who in refused:
        event = events[r.headers["x-request-id"]]
        assert event["action"] == "data.submit" and event["status"] == status, event
        assert event["outcome"] in ("UnauthorizedError", "ForbiddenError"), event
        assert ("anonymous" if who == "anonymous" else f"(token {_token_pk(env, who)}:") in event[
            "principal"
        ], event
        assert (
            "ECB" in event["target"]
            and ("EXR_ECB" if ep.target == PA else "EXR") in event["target"]
        )
        assert started - timedelta(seconds=1) <= datetime.fromisoformat(event["at"]) <= utcnow()
    for r, who in accepted:
        event = events[r.headers["x-request-id"]]
        assert f"(token {_token_pk(env, who)}:" in event["principal"], event
        assert event["status"] == (202 if ep.is_async else 200)
        assert event["outcome"] == (
            "queued" if ep.is_async else "valid" if ep.dry else "written"
        ), event
        assert event["details"]["submission"] == r.json()["submission"]


def _token_pk(env: PushEnv, who: str) -> int:
    from sqlalchemy import select

    from sdmx_server.services.auth import hash_token
    from sdmx_server.storage.tables import AuthToken

    with env.services.session_factory() as session:
        return int(
            session.execute(
                select(AuthToken.pk).where(AuthToken.token_hash == hash_token(env.tokens[who]))
            ).scalar_one()
        )


def test_credentials_are_checked_before_the_body(make_exr_env) -> None:
    """Credentials and entitlement come first: an oversized body from someone who may not write gets
    401/403 (not 413), and only the entitled producer learns that it is too large."""
    env: PushEnv = make_exr_env(max_body_bytes=1000)
    big = exr_csv([f"M,USD,EUR,SP00,A,{2100 + n}-01,1,A" for n in range(100)])
    assert len(big) > 1000
    assert env.push(big, who=None).status_code == 401
    assert env.push(big, who="expired").status_code == 401
    assert env.push(big, who="ESTAT").status_code == 403
    assert env.push(big, who="maintainer").status_code == 403
    r = env.push(big, who="ECB")
    assert r.status_code == 413 and sdmx_error(r)[0] == 130


def test_constraint_of_the_provision_agreement(exr_env: PushEnv) -> None:
    """IMF's provision agreement allows CURRENCY GBP and CHF only: anything else is 422, every row listed."""
    before = exr_env.snapshot()
    # (Series nobody has reported yet: the stored ones belong to ECB and BIS, see test_shared_dataflow.)
    body = exr_csv(
        [
            "M,GBP,EUR,SP00,A,2031-01,0.9,A",
            "M,NOK,EUR,SP00,A,2031-01,11.1,A",
            "M,SEK,EUR,SP00,A,2031-01,11.5,A",
            "M,NOK,EUR,SP00,A,2031-02,11.2,A",
        ]
    )
    for target in (FLOW, "provisionagreement/ECB/EXR_IMF/1.0"):
        r = exr_env.push(body, who="IMF", target=target)
        assert r.status_code == 422, r.text
        report = r.json()
        assert report["status"] == "invalid" and report["errorCount"] == 3
        assert [(e["location"], e["component"], e["value"]) for e in report["errors"]] == [
            ("line 3", "CURRENCY", "NOK"),
            ("line 4", "CURRENCY", "SEK"),
            ("line 5", "CURRENCY", "NOK"),
        ]
        assert all("EXR_IMF_CONSTRAINT" in e["reason"] for e in report["errors"])
        assert report["inserted"] == 0
    assert exr_env.snapshot() == before
    # The same cells are fine for a producer whose agreement has no such constraint...
    r = exr_env.push(body, who="BIS")
    assert r.status_code == 200 and r.json()["inserted"] == 4
    # ... and IMF may write what it is allowed (other than the cells BIS has just reported).
    r = exr_env.push(
        exr_csv(["M,GBP,EUR,SP00,A,2031-02,0.9,A", "M,CHF,EUR,SP00,A,2031-01,0.95,A"]), who="IMF"
    )
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 2
    r = exr_env.push(exr_csv(["M,GBP,EUR,SP00,A,2031-01,0.91,A"]), who="IMF")
    assert r.status_code == 422 and "reported by BIS" in r.json()["errors"][0]["reason"]


def test_pushing_to_an_unknown_dataflow_or_agreement(exr_env: PushEnv) -> None:
    for target in (
        "dataflow/ECB/NOPE/1.0",
        "provisionagreement/ECB/NOPE/1.0",
        "dataflow/ECB/EXR/9.9",
    ):
        r = exr_env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]), who="admin", target=target)
        assert r.status_code == 404, (target, r.text)
        assert sdmx_error(r)[0] == 100
    r = exr_env.push("x", who="admin", target="datastructure/ECB/ECB_EXR1/1.0")
    assert r.status_code == 400 and sdmx_error(r)[0] == 140


def _set_private(env: PushEnv) -> None:
    import os

    from sdmx_server.cli import main

    old = os.environ.get("SDMX_SERVER_DATABASE_URL")
    os.environ["SDMX_SERVER_DATABASE_URL"] = env.services.settings.database_url
    try:
        from sdmx_server.settings import get_settings

        get_settings.cache_clear()
        assert main(["dataflow", "private", "ECB,EXR,1.0"]) == 0
    finally:
        if old is None:
            del os.environ["SDMX_SERVER_DATABASE_URL"]
        else:
            os.environ["SDMX_SERVER_DATABASE_URL"] = old
        get_settings.cache_clear()


def test_non_public_dataflow(exr_env: PushEnv) -> None:
    """A private dataflow's data: 401 without a token, 403 with one that does not grant them, 200 otherwise."""
    path = "/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A"
    with exr_env.client() as client:
        public = client.get(path)
    assert public.status_code == 200
    _set_private(exr_env)
    exr_env.new_token("reader-granted", "reader", dataflows=(_exr_ref(),))
    exr_env.new_token("reader-other", "reader")
    with exr_env.client() as client:
        r = client.get(path)
        assert r.status_code == 401 and sdmx_error(r)[0] == 110
        r = client.get(path, headers={"Accept": "application/json"})
        assert r.status_code == 401 and sdmx_error(r)[0] == 110
        r = client.get(path, headers={"Authorization": "Bearer sdmx_wrong"})
        assert r.status_code == 401
        for who in ("ESTAT", "maintainer", "reader-other"):
            r = client.get(path, headers=exr_env.auth(who))
            assert r.status_code == 403 and sdmx_error(r)[0] == 150, who
        for who in ("ECB", "BIS", "admin", "reader-granted"):
            r = client.get(path, headers=exr_env.auth(who))
            assert r.status_code == 200, (who, r.text[:300])
            assert r.text.count("<gen:Obs>") == public.text.count("<gen:Obs>") == 252
        # Other dataflows of the store are not affected; structures stay public.
        assert client.get("/rest/dataflow/ECB/EXR/1.0").status_code == 200


def _exr_ref():
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    return MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")


def test_submission_reports_are_for_the_submitting_producer_and_admins(exr_env: PushEnv) -> None:
    r = exr_env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,x,A"]), who="ECB")
    assert r.status_code == 422
    sub = r.json()["submission"]
    exr_env.new_token("ECB-second", "provider", provider="ECB")
    with exr_env.client() as client:
        for path in (f"/rest/v2/submissions/{sub}", f"/rest/v2/submissions/{sub}/errors"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
            for who in ("BIS", "maintainer", "ESTAT"):
                r = client.get(path, headers=exr_env.auth(who))
                assert r.status_code == 403 and sdmx_error(r)[0] == 150, (path, who)
            for who in ("ECB", "ECB-second", "admin"):  # any token of the same producer
                r = client.get(path, headers=exr_env.auth(who))
                assert r.status_code == 200, (path, who)
                assert r.json()["submission"] == sub and r.json()["errorCount"] == 1
        r = client.get(
            "/rest/v2/submissions/00000000-0000-0000-0000-000000000000",
            headers=exr_env.auth("admin"),
        )
        assert r.status_code == 404


def test_audit_trail_is_for_admins_and_lists_every_write(exr_env: PushEnv) -> None:
    env = exr_env
    with env.client() as client:
        r = client.get("/admin/audit")
        assert r.status_code == 401 and sdmx_error(r)[0] == 110
        for who in ("ECB", "maintainer", "revoked"):
            r = client.get("/admin/audit", headers=env.auth(who))
            assert r.status_code == (401 if who == "revoked" else 403), who
    since = utcnow()
    ok = env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]), who="ECB")
    bad = env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,oops,A"]), who="ECB")
    wrong = env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]), who=None)
    forbidden = env.push(exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]), who="ESTAT")
    garbage = env.push(b"\xff\xfe garbage", who="BIS")
    assert (ok.status_code, bad.status_code, wrong.status_code, forbidden.status_code) == (
        200,
        422,
        401,
        403,
    )
    with env.client("admin") as client:
        r = client.get("/admin/audit", params={"since": since.isoformat(), "action": "data.submit"})
        assert r.status_code == 200
        events = r.json()["events"]
        page = client.get(
            "/admin/audit", params={"since": since.isoformat(), "limit": "2", "offset": "1"}
        ).json()
        assert client.get("/admin/audit", params={"since": "yesterday"}).status_code == 400
    by_request = {e["requestId"]: e for e in events}
    assert len(events) == 5
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True), (
        "newest first"
    )
    assert [e["id"] for e in page["events"]] == [e["id"] for e in events[1:3]]
    expected = [
        (ok, "written", 200, "provider ECB (token "),
        (bad, "invalid", 422, "provider ECB (token "),
        (wrong, "UnauthorizedError", 401, "anonymous"),
        (forbidden, "ForbiddenError", 403, "provider ESTAT (token "),
        (garbage, "invalid", 422, "provider BIS (token "),
    ]
    for response, outcome, status, who in expected:
        event = by_request[response.headers["x-request-id"]]
        assert (event["outcome"], event["status"]) == (outcome, status), event
        assert event["principal"].startswith(who), event
        assert event["target"] in ("ECB:EXR(1.0)", "dataflow/ECB,EXR,1.0"), event
        assert since <= datetime.fromisoformat(event["at"]) <= utcnow()
    assert by_request[ok.headers["x-request-id"]]["details"]["inserted"] == 1
    assert by_request[bad.headers["x-request-id"]]["details"]["errorCount"] == 1


def test_attribute_values_allowed_by_any_include_region(exr_env: PushEnv) -> None:
    """A constraint's include regions are a union: an attribute value one of them allows is allowed
    (and a value none allows is refused), also when the regions allow different values."""
    from sdmx_server.domain.model import (
        Artefact,
        ArtefactType,
        ConstraintAttachmentRef,
        ConstraintDetails,
        CubeRegion,
        KeyValue,
    )

    pa = pa_ref("EXR_IMF")
    constraint = Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency="ECB",
        id="EXR_IMF_CONSTRAINT",
        version="1.0",
        names={"en": "What IMF may report"},
        details=ConstraintDetails(
            role="Allowed",
            attachments=[ConstraintAttachmentRef(ref=pa)],
            cube_regions=[
                CubeRegion(
                    include=True,
                    key_values=[
                        KeyValue(id="CURRENCY", values=["GBP"]),
                        KeyValue(id="OBS_STATUS", values=["A"]),
                    ],
                ),
                CubeRegion(
                    include=True,
                    key_values=[
                        KeyValue(id="CURRENCY", values=["CHF"]),
                        KeyValue(id="OBS_STATUS", values=["E"]),
                    ],
                ),
            ],
        ),
    )
    report = exr_env.services.structure_store.submit([constraint])
    assert not report.refused, report.refused
    r = exr_env.push(
        exr_csv(["M,GBP,EUR,SP00,A,2031-01,0.9,A", "M,CHF,EUR,SP00,A,2031-01,0.95,E"]), who="IMF"
    )
    assert r.status_code == 200 and r.json()["inserted"] == 2, r.text[:500]
    r = exr_env.push(exr_csv(["M,GBP,EUR,SP00,A,2031-02,0.9,P"]), who="IMF")
    assert r.status_code == 422, r.text[:500]
    assert [(e["component"], e["value"]) for e in r.json()["errors"]] == [("OBS_STATUS", "P")]
    assert "EXR_IMF_CONSTRAINT" in r.json()["errors"][0]["reason"]


# --------------------------------------------------------------------------- every route × every credential
#
# The routes come from the application itself: every route that writes (any method but GET/HEAD) and
# every GET route that needs a token. A route added later is tried too; if the matrix cannot tell how
# to call it (a path parameter or a family it does not know), the test fails and says what to add.

PROTECTED_READ_PREFIXES = ("/admin/", "/rest/v2/submissions/")
SESSION_ROUTES = ("/portal/",)
PATH_VALUES = {
    "context": "dataflow",
    "agency": "ECB",
    "resource_id": "CL_MATRIX",
    "version": "1.0",
    "structure_type": "codelist",
}
STRUCTURE21 = "application/vnd.sdmx.structure+xml;version=2.1"


def _codelist_message(name: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><mes:Structure '
        'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><mes:Header><mes:ID>M</mes:ID>'
        '<mes:Test>false</mes:Test><mes:Prepared>2026-12-01T00:00:00Z</mes:Prepared><mes:Sender id="T"/>'
        '</mes:Header><mes:Structures><str:Codelists><str:Codelist id="CL_MATRIX" agencyID="ECB" version="1.0">'
        f'<com:Name xml:lang="en">{name}</com:Name><str:Code id="A"><com:Name xml:lang="en">A</com:Name>'
        "</str:Code></str:Codelist></str:Codelists></mes:Structures></mes:Structure>"
    ).encode()


@dataclass(frozen=True)
class Route:
    """One route of the application, as the matrix calls it."""

    method: str
    template: str

    @property
    def family(self) -> str:
        if self.template.startswith("/rest/v2/structure"):
            return "structure"
        if self.template.startswith("/rest/v2/data/"):
            return "data"
        if self.template.startswith("/rest/v2/submissions/"):
            return "submission"
        if self.template.startswith("/admin/"):
            return "admin"
        return "unknown"

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def app_routes() -> list[Route]:
    """Every write route and every protected read route of the application (from its route table)."""
    import tempfile

    from fastapi.routing import APIRoute

    from sdmx_server.app import create_app
    from sdmx_server.settings import Settings

    # Building the app opens no connection: any database URL does.
    url = f"sqlite:///{tempfile.gettempdir()}/sdmx-server-route-table.sqlite"
    app = create_app(services=None, settings=Settings(database_url=url, run_jobs=False))
    out = []

    def walk(routes: list, prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI's included routers
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
                continue
            if not isinstance(route, APIRoute):
                continue
            path = prefix + route.path
            if path.startswith(SESSION_ROUTES):
                continue  # cookie sessions and CSRF, not bearer tokens: tests/portal/test_desk_authorization.py
            for method in sorted(route.methods):
                if method not in ("GET", "HEAD") or path.startswith(PROTECTED_READ_PREFIXES):
                    out.append(Route(method, path))

    walk(app.routes, "")
    app.state.services.close()
    return sorted(set(out), key=str)


ROUTES = app_routes()


def _credentials(env: PushEnv, route: Route) -> tuple[list[tuple[str, dict[str, str], int]], str]:
    """(label, headers, expected status) of every kind of credential but the right one; and the right one."""
    right = {"structure": "ECB-maintainer", "data": "ECB", "submission": "ECB", "admin": "admin"}[
        route.family
    ]
    other_producer = (
        "ESTAT" if route.family == "data" else "BIS" if route.family == "submission" else "ECB"
    )
    maintainer_elsewhere = "BIS-maintainer"
    bearer = {"Authorization": "Bearer sdmx_this-token-was-never-issued-by-the-server-0000000"}
    creds = [
        ("none", {}, 401),
        ("malformed: basic scheme", {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}, 401),
        ("malformed: bearer alone", {"Authorization": "Bearer"}, 401),
        ("malformed: no scheme", {"Authorization": env.tokens[right]}, 401),
        ("unknown", bearer, 401),
        ("revoked", env.auth(f"{right}-revoked"), 401),
        ("expired", env.auth(f"{right}-expired"), 401),
        ("another producer's", env.auth(other_producer), 403),
        ("reader", env.auth("reader"), 403),
        ("maintainer of another agency", env.auth(maintainer_elsewhere), 403),
    ]
    if route.family == "data":
        creds.append(("maintainer of the dataflow's agency", env.auth("ECB-maintainer"), 403))
    return creds, right


def _request(
    env: PushEnv, route: Route, headers: dict[str, str], submission: str, n: int, key: str = ""
) -> httpx.Response:
    import re

    values = {**PATH_VALUES, "submission_id": submission, "key": key}
    if route.family == "data":
        values["resource_id"] = "EXR"
    names = re.findall(r"{(\w+)(?::\w+)?}", route.template)
    missing = [n for n in names if n not in values]
    assert not missing, (
        f"{route}: the auth matrix has no value for path parameters {missing}: add them"
    )
    path = re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m[1]], route.template)
    body: bytes | None = None
    hdrs = dict(headers)
    if route.method in ("POST", "PUT", "PATCH"):
        if route.family == "structure":
            body, hdrs["Content-Type"] = _codelist_message(f"Matrix codes {n}"), STRUCTURE21
        elif route.family == "data":
            body, hdrs["Content-Type"] = (
                exr_csv([f"M,USD,EUR,SP00,A,{2100 + n}-01,{n}.5,A"]).encode(),
                CSV10_TYPE,
            )
        elif route.template == "/admin/tokens":
            body, hdrs["Content-Type"] = b'{"role": "reader", "name": "matrix"}', "application/json"
    with env.client() as client:
        return client.request(route.method, path, content=body, headers=hdrs)


def _assert_refusal(route: Route, label: str, r: httpx.Response, status: int) -> None:
    from lxml import etree

    assert r.status_code == status, (str(route), label, r.status_code, r.text[:300])
    if route.method == "HEAD":  # no body: the status and the error's media type say it
        assert r.headers["content-type"].startswith("application/xml"), r.headers
        return
    root = etree.fromstring(r.content)
    if root.tag.endswith(
        "}RegistryInterface"
    ):  # POST of a message: which artefact was refused, and why
        codes = [m.get("code") for m in root.iter("{*}MessageText")]
        assert str(status) in codes, (str(route), label, r.text[:300])
        return
    code, message = sdmx_error(r)
    assert code == (110 if status == 401 else 150) and message, (str(route), label, code, message)


def _digest(env: PushEnv) -> dict[str, list[tuple]]:
    """Every row of every table but the audit trail (which records refusals by design)."""
    from sqlalchemy import inspect, text

    out = {}
    with env.services.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table in ("audit_event", "alembic_version"):
                continue
            out[table] = sorted(
                tuple(map(repr, row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))
            )
    return out


def test_the_matrix_knows_every_route() -> None:
    assert ROUTES, "no write route found"
    unknown = [str(r) for r in ROUTES if r.family == "unknown"]
    assert not unknown, f"routes the auth matrix does not know how to call: {unknown}"
    # The routes this matrix was written for are all there (a rename would silently shrink it).
    for expected in (
        "POST /rest/v2/data/{context}/{agency}/{resource_id}/{version}",
        "POST /rest/v2/structure",
        "PUT /rest/v2/structure/{structure_type}/{agency}/{resource_id}/{version}",
        "DELETE /rest/v2/structure/{structure_type}/{agency}/{resource_id}/{version}",
        "GET /admin/audit",
        "GET /rest/v2/submissions/{submission_id}",
    ):
        assert expected in {str(r) for r in ROUTES}, expected


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_with_every_credential(make_exr_env, route: Route) -> None:
    from sdmx_server.domain.model import Artefact, ArtefactType, Item

    env: PushEnv = make_exr_env()
    env.new_token("ECB-maintainer", "maintainer", agency="ECB")
    env.new_token("BIS-maintainer", "maintainer", agency="BIS")
    env.new_token("reader", "reader", dataflows=(_exr_ref(),))
    for who, role, extra in (
        ("ECB", "provider", {"provider": "ECB"}),
        ("ECB-maintainer", "maintainer", {"agency": "ECB"}),
        ("admin", "admin", {}),
    ):
        env.new_token(f"{who}-revoked", role, **extra)
        env.services.auth.revoke(env.tokens[f"{who}-revoked"][:12])
        env.new_token(f"{who}-expired", role, expires_at=utcnow() - timedelta(minutes=1), **extra)
    # What the right credential changes must exist (PUT, DELETE) and a submission of ECB's must be there.
    assert not env.services.structure_store.submit(
        [
            Artefact(
                type=ArtefactType.CODELIST,
                agency="ECB",
                id="CL_MATRIX",
                version="1.0",
                names={"en": "Matrix codes"},
                items=[Item(id="A", names={"en": "A"})],
            )
        ]
    ).refused
    first = env.push(exr_csv(["M,USD,EUR,SP00,A,2099-01,1.5,A"]), "ECB")
    assert first.status_code == 200, first.text
    submission = first.json()["submission"]

    victim = env.new_token("victim", "reader")  # what DELETE /admin/tokens/{key} revokes
    key = str(env.services.auth.authenticate(f"Bearer {victim}").token_pk)
    creds, right = _credentials(env, route)
    before = _digest(env)
    for n, (label, headers, status) in enumerate(creds):
        r = _request(env, route, headers, submission, n, key)
        _assert_refusal(route, label, r, status)
        assert _digest(env) == before, f"{route} refused for '{label}' changed the database"
    r = _request(env, route, env.auth(right), submission, len(creds), key)
    assert r.status_code in (200, 201), (str(route), r.status_code, r.text[:500])
    if route.method not in ("GET", "HEAD"):
        assert _digest(env) != before, f"{route}: the right credential wrote nothing"
