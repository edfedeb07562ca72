"""The submission desk over HTTP: sign in, what may I send, templates, a clerk's upload with mistakes,
French suggestions, the fix, submit with an embargo, preview, release (real server, real store)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import openpyxl
import pytest

from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer
from tests.shipped_content import shipped_services

PA = "MA_LMIS,PA_MIN_AFF_ETR_MIG_ABROAD,1.0"
HEADER = (
    "DATAFLOW,ORIGIN_AREA,DEST_AREA,FREQ,MEASURE,SEX,AGE,EDU,OCU,ECO,PERMIT,SCHEME,TIME_PERIOD,OBS_VALUE,"
    "OBS_STATUS,UNIT_MEASURE_TYPE,UNIT_MEASURE,UNIT_MULT,SOURCE,DECIMALS,REPORTER"
)
TAIL = "AGE_AGGREGATE_TOTAL,EDU_AGGREGATE_TOTAL,OCU_ISCO08_TOTAL,ECO_ISIC4_TOTAL,PERMIT_TOTAL,SCHEME_TOTAL"


def row(sex: str, period: str, value: str) -> str:
    return (
        f"MA_LMIS:DF_MIG_ABROAD(1.0),MAR,ESP,A,MNA_TPOP_NB,{sex},{TAIL},{period},{value},"
        "E,NB,PS,0,SRC_MAE,0,MAR"
    )


@pytest.fixture
def desk(db_factory: DatabaseFactory) -> Iterator[tuple[LiveServer, Services, str]]:
    services = shipped_services(db_factory)
    token, _row = services.auth.create_token("provider", provider="MIN_AFF_ETR")
    with LiveServer(services) as server:
        yield server, services, token
    services.close()


def sign_in(c: httpx.Client, token: str) -> str:
    """Sign in; returns the session's CSRF token (from the desk page)."""
    form = c.get("/portal/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    r = c.post(
        "/portal/signin", data={"token": token, "csrf": csrf.group(1), "next": "/portal/desk"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/portal/desk"
    cookie = r.headers["set-cookie"]
    assert "lmis_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = c.get("/portal/desk")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_sign_in_needs_the_form_token_and_a_valid_token(
    desk: tuple[LiveServer, Services, str],
) -> None:
    server, services, token = desk
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert c.get("/portal/desk").status_code == 303
        c.get("/portal/signin")
        assert c.post("/portal/signin", data={"token": token, "csrf": "forged"}).status_code == 403
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/portal/signin").text)
        assert csrf is not None
        assert (
            c.post(
                "/portal/signin", data={"token": "sdmx_wrong", "csrf": csrf.group(1)}
            ).status_code
            == 401
        )
        session_csrf = sign_in(c, token)
        assert "PA_MIN_AFF_ETR_MIG_ABROAD" in c.get("/portal/desk").text
        # a forged cookie is anonymous; another worker (any process) accepts the real one
        value = c.cookies["lmis_session"]
        with httpx.Client(
            base_url=server.url, timeout=60, cookies={"lmis_session": value[:-2] + "00"}
        ) as other:
            assert other.get("/portal/desk").status_code == 303
        # sign out needs the session's CSRF token
        assert c.post("/portal/signout", data={"csrf": "nope"}).status_code == 400
        r = c.post("/portal/signout", data={"csrf": session_csrf})
        assert r.status_code == 303 and 'lmis_session=""' in r.headers["set-cookie"]
        # revoking the token ends its sessions at once
        with httpx.Client(
            base_url=server.url, timeout=60, cookies={"lmis_session": value}
        ) as again:
            assert again.get("/portal/desk").status_code == 200
            services.auth.revoke(token[:12])
            assert again.get("/portal/desk").status_code == 303


def test_templates_offer_the_allowed_codes(desk: tuple[LiveServer, Services, str]) -> None:
    server, _services, token = desk
    with httpx.Client(base_url=server.url, timeout=60) as c:
        sign_in(c, token)
        page = c.get("/portal/desk", headers={"Accept-Language": "fr"}).text
        assert "DF_MIG_ABROAD" in page and "SEX_M" in page
        csv_t = c.get(
            "/portal/desk/template/MA_LMIS/PA_MIN_AFF_ETR_MIG_ABROAD/1.0.csv"
        ).text.splitlines()
        assert (
            csv_t[0].startswith("DATAFLOW,ORIGIN_AREA,DEST_AREA,FREQ,MEASURE")
            and "TIME_PERIOD,OBS_VALUE" in csv_t[0]
        )
        x = c.get(
            "/portal/desk/template/MA_LMIS/PA_MIN_AFF_ETR_MIG_ABROAD/1.0.xlsx",
            headers={"Accept-Language": "fr"},
        )
        wb = openpyxl.load_workbook(io.BytesIO(x.content))
        assert wb.sheetnames == ["Data", "Codes"]
        validations = wb["Data"].data_validations.dataValidation
        assert len(validations) >= 5 and all(v.type == "list" for v in validations)
        codes = list(wb["Codes"].iter_rows(values_only=True))
        flat = [v for r in codes for v in r if v]
        assert "SEX_M" in flat and "Hommes" in flat
        # another producer's agreement is not offered
        assert c.get("/portal/desk/template/MA_LMIS/PA_HCP_LFS_CORE/1.0.csv").status_code == 404


def upload(
    c: httpx.Client, csrf: str, body: bytes, name: str, action: str = "check", release: str = ""
) -> httpx.Response:
    return c.post(
        "/portal/desk/upload",
        data={"csrf": csrf, "pa": PA, "action": action, "releaseDate": release},
        files={"file": (name, body)},
        headers={"Accept-Language": "fr"},
    )


def test_clerk_upload_mistakes_suggestions_fix_embargo_release(
    desk: tuple[LiveServer, Services, str],
) -> None:
    server, services, token = desk
    with httpx.Client(base_url=server.url, timeout=60) as c:
        csrf = sign_in(c, token)
        bad = (
            "\r\n".join(
                [
                    HEADER,
                    row("Hommes", "2024", "170.5"),
                    row("SEX_F", "2024", '"160,5"'),
                    row("SEX_T", "01/01/2024", "330").replace(",ESP,", ",Bénin,"),
                ]
            )
            + "\r\n"
        )
        r = upload(c, csrf, bad.encode("cp1252"), "frontieres.csv")
        assert r.status_code == 422
        html = r.text
        assert "Hommes» est le libellé français de SEX_M" in html.replace("« ", "«").replace(
            " »", "»"
        )
        assert "Virgule décimale : écrivez 160.5" in html
        assert "pour l&#39;année, écrivez 2024" in html
        assert re.search(r"<td>ligne 2</td><td><code>SEX</code>", html)
        assert "Bénin» est le libellé français de BEN" in html.replace("« ", "«").replace(" »", "»")
        assert "Windows-1252" in html
        # the same file as the Excel template, with blank rows, under a .csv name
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "Data"
        ws.append(HEADER.split(","))
        ws.append([])
        ws.append(row("Femmes", "2024T1", "12 500").split(","))
        buf = io.BytesIO()
        wb.save(buf)
        r = upload(c, csrf, buf.getvalue(), "frontieres.csv")
        text = r.text.replace("\u202f", " ")
        assert "classeur Excel sous un autre nom" in text and "1 ligne(s) vide(s)" in text
        assert "Data!3" in text  # the workbook's own row number
        assert "Séparateur de milliers : écrivez 12500" in text or "Virgule" not in text
        # fixed: valid on a dry run, nothing written yet
        good = (
            "\r\n".join([HEADER, row("SEX_M", "2024", "170.5"), row("SEX_F", "2024", "160.5")])
            + "\r\n"
        )
        r = upload(c, csrf, good.encode(), "frontieres.csv")
        assert r.status_code == 200 and 'data-status="valid"' in r.text
        inline = re.search(r'name="inline" value="([^"]+)"', r.text)
        assert inline is not None
        release = (utcnow() + timedelta(seconds=3)).isoformat()
        r = c.post(
            "/portal/desk/upload",
            data={
                "csrf": csrf,
                "pa": PA,
                "action": "submit",
                "inline": inline.group(1),
                "filename": "frontieres.csv",
                "releaseDate": release,
            },
        )
        assert r.status_code == 200 and 'data-status="written"' in r.text
        subs = c.get("/portal/desk/submissions").text
        assert "embargo en cours" in subs or "embargo pending" in subs
        preview = re.search(r'class="preview" href="([^"]+)"', subs)
        assert preview is not None
        page = c.get(preview.group(1).replace("&amp;", "&"))
        assert 'id="preview-badge"' in page.text and "160.5" in page.text
        public = httpx.get(server.url + "/portal/dataflow/MA_LMIS/DF_MIG_ABROAD/1.0").text
        assert "160.5" not in public
        deadline = utcnow() + timedelta(seconds=20)
        while "160.5" not in public and utcnow() < deadline:
            public = httpx.get(server.url + "/portal/dataflow/MA_LMIS/DF_MIG_ABROAD/1.0").text
        assert "160.5" in public


def test_me_and_template_endpoints_for_scripts(desk: tuple[LiveServer, Services, str]) -> None:
    server, _services, token = desk
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert c.get("/rest/v2/me").status_code == 401
        me = c.get("/rest/v2/me", headers={**auth, "Accept-Language": "fr"}).json()
        assert me["principal"]["provider"] == "MIN_AFF_ETR"
        (pa,) = me["provisionAgreements"]
        assert pa["id"] == PA and pa["dataflow"] == "MA_LMIS,DF_MIG_ABROAD,1.0"
        sex = next(col for col in pa["columns"] if col["id"] == "SEX")
        assert {"id": "SEX_M", "name": "Hommes"} in sex["codes"]
        csv_t = c.get(pa["templates"]["csv"], headers=auth)
        assert csv_t.status_code == 200 and csv_t.text.startswith("DATAFLOW,ORIGIN_AREA")
        x = c.get(pa["templates"]["xlsx"], headers=auth)
        assert openpyxl.load_workbook(io.BytesIO(x.content)).sheetnames == ["Data", "Codes"]
        assert (
            c.get(
                "/rest/v2/templates/provisionagreement/MA_LMIS/PA_HCP_LFS_CORE/1.0", headers=auth
            ).status_code
            == 404
        )


def test_administrators_manage_tokens_and_read_the_audit(
    desk: tuple[LiveServer, Services, str],
) -> None:
    server, services, producer = desk
    admin, _row = services.auth.create_token("admin", name="ops")
    auth = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert (
            c.get("/admin/tokens", headers={"Authorization": f"Bearer {producer}"}).status_code
            == 403
        )
        made = c.post(
            "/admin/tokens",
            headers=auth,
            json={
                "role": "provider",
                "provider": "HCP",
                "name": "hcp clerk",
                "expires": "2099-01-01T00:00:00Z",
            },
        )
        assert made.status_code == 201
        new = made.json()
        assert (
            c.get("/rest/v2/me", headers={"Authorization": f"Bearer {new['token']}"}).status_code
            == 200
        )
        listed = c.get("/admin/tokens", headers=auth).json()["tokens"]
        assert any(t["id"] == new["id"] and t["provider"] == "HCP" for t in listed)
        assert all("token" not in t for t in listed)
        assert c.delete(f"/admin/tokens/{new['id']}", headers=auth).status_code == 200
        assert (
            c.get("/rest/v2/me", headers={"Authorization": f"Bearer {new['token']}"}).status_code
            == 401
        )
        assert c.post("/admin/tokens", headers=auth, content=b"[").status_code == 400
        # the same in the portal, CSRF-protected
        csrf = sign_in(c, admin)
        page = c.get("/portal/admin")
        assert (
            page.status_code == 200 and 'id="tokens"' in page.text and "token.revoke" in page.text
        )
        assert (
            c.post("/portal/admin/tokens", data={"csrf": "x", "role": "reader"}).status_code == 400
        )
        r = c.post(
            "/portal/admin/tokens",
            data={"csrf": csrf, "role": "provider", "provider": "CNSS", "name": "cnss"},
        )
        token = re.search(r'id="new-token" readonly size="60" value="(sdmx_[^"]+)"', r.text)
        assert r.status_code == 200 and token is not None
        number = services.auth.authenticate(f"Bearer {token.group(1)}").token_pk
        r = c.post("/portal/admin/tokens", data={"csrf": csrf, "revoke": str(number)})
        assert r.status_code == 200
        assert (
            c.get("/rest/v2/me", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code
            == 401
        )
    with httpx.Client(base_url=server.url, timeout=60) as clerk:
        sign_in(clerk, producer)
        assert clerk.get("/portal/admin").status_code == 403


def test_push_api_takes_multipart_and_xlsx(desk: tuple[LiveServer, Services, str]) -> None:
    server, _services, token = desk
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "fr"}
    url = "/rest/v2/data/provisionagreement/MA_LMIS/PA_MIN_AFF_ETR_MIG_ABROAD/1.0"
    good = ("\r\n".join([HEADER, row("SEX_M", "2024", "170.5")]) + "\r\n").encode()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    ws.append(HEADER.split(","))
    ws.append([])
    ws.append(row("SEX_X", "2024", "1").split(","))
    buf = io.BytesIO()
    wb.save(buf)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = c.post(
            url,
            params={"dryRun": "true"},
            headers=auth,
            files={"file": ("a.csv", good, "text/csv")},
        )
        assert r.status_code == 200 and r.json()["status"] == "valid" and r.json()["rows"] == 1
        x = c.post(
            url,
            params={"dryRun": "true"},
            content=buf.getvalue(),
            headers={
                **auth,
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            },
        )
        assert x.status_code == 422
        (err,) = x.json()["errors"]
        assert (
            err["component"] == "SEX"
            and err["reason"].startswith("n'est pas un code")
            and "reasonEn" in err
        )
        m = c.post(
            url, params={"dryRun": "true"}, headers=auth, files={"file": ("a.xlsx", buf.getvalue())}
        )
        assert m.status_code == 422 and m.json()["errorCount"] == 1
        bad = c.post(url, headers=auth, content=b"PK\x03\x04garbage", params={"dryRun": "true"})
        assert bad.status_code == 400
        none = c.post(
            url, headers=auth, files={"other": (None, b"not a file")}, params={"dryRun": "true"}
        )
        assert none.status_code == 400
