"""Every write route of the portal (cookie sessions and CSRF, not bearer tokens) refuses every kind of
missing or wrong credential and changes nothing stored; the right session writes.

The bearer-token routes are covered by ``tests/push/test_auth_matrix.py``, which leaves ``/portal/``
to this test; a new portal write route fails here until it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.routing import APIRoute

from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer
from tests.portal.test_desk import HEADER, PA, row, sign_in
from tests.shipped_content import shipped_services

WRITES = {"/portal/signin", "/portal/signout", "/portal/desk/upload", "/portal/admin/tokens"}


@pytest.fixture
def portal(db_factory: DatabaseFactory) -> Iterator[tuple[LiveServer, Services]]:
    services = shipped_services(db_factory)
    with LiveServer(services) as server:
        yield server, services
    services.close()


def _digest(services: Services) -> dict[str, list[tuple[str, ...]]]:
    from sqlalchemy import inspect, text

    out = {}
    with services.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table not in ("audit_event", "alembic_version"):
                rows = conn.execute(text(f'SELECT * FROM "{table}"'))
                out[table] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def test_the_portal_writes_are_all_listed() -> None:
    from sdmx_server.portal import routes

    posts = {
        r.path for r in routes.router.routes if isinstance(r, APIRoute) and "POST" in r.methods
    }
    assert posts == WRITES, posts


def test_sign_in_refuses_every_wrong_token(portal: tuple[LiveServer, Services]) -> None:
    server, services = portal
    good, _ = services.auth.create_token("provider", provider="MIN_AFF_ETR")
    revoked, _ = services.auth.create_token("provider", provider="MIN_AFF_ETR")
    services.auth.revoke(revoked[:12])
    expired, _ = services.auth.create_token(
        "provider", provider="MIN_AFF_ETR", expires_at=utcnow() - timedelta(minutes=1)
    )
    before = _digest(services)
    for label, token in (
        ("none", ""),
        ("malformed", "Bearer abc"),
        ("unknown", "sdmx_this-token-was-never-issued-by-the-server-0000000"),
        ("revoked", revoked),
        ("expired", expired),
    ):
        with httpx.Client(base_url=server.url, timeout=60) as c:
            csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/portal/signin").text)
            assert csrf is not None
            r = c.post("/portal/signin", data={"token": token, "csrf": csrf.group(1)})
            assert r.status_code in (400, 401, 403), (label, r.status_code)
            assert "lmis_session=" not in r.headers.get("set-cookie", ""), label
            assert c.get("/portal/desk").status_code in (303, 401, 403) or "signin" in str(
                c.get("/portal/desk").url
            ), label
    with httpx.Client(
        base_url=server.url, timeout=60
    ) as c:  # the right token, with a forged form token
        assert c.post("/portal/signin", data={"token": good, "csrf": "forged"}).status_code == 403
    assert _digest(services) == before


def test_writes_without_a_session_or_with_a_forged_form_token_change_nothing(
    portal: tuple[LiveServer, Services],
) -> None:
    server, services = portal
    producer, _ = services.auth.create_token("provider", provider="MIN_AFF_ETR")
    other, _ = services.auth.create_token("provider", provider="HCP")
    admin, _ = services.auth.create_token("admin", name="ops")
    body = f"{HEADER}\n{row('SEX_T', '2031', '99.5')}\n"
    upload = {"action": "submit", "agreement": PA}
    files = {"file": ("envoi.csv", body.encode(), "text/csv")}
    before = _digest(services)
    with httpx.Client(base_url=server.url, timeout=60) as anonymous:
        # no session at all (a bearer header does not open one)
        for path, data in (
            ("/portal/desk/upload", upload),
            ("/portal/admin/tokens", {"role": "admin"}),
            ("/portal/signout", {}),
        ):
            r = anonymous.post(
                path,
                data=data,
                files=files if "upload" in path else None,
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert r.status_code in (303, 400, 401, 403), (path, r.status_code)
    with httpx.Client(base_url=server.url, timeout=60) as clerk:
        sign_in(clerk, producer)
        r = clerk.post("/portal/desk/upload", data={**upload, "csrf": "forged"}, files=files)
        assert r.status_code in (303, 400, 403), r.status_code  # refused (or sent back to the form)
        r = clerk.post("/portal/admin/tokens", data={"csrf": "forged", "role": "admin"})
        assert r.status_code in (303, 400, 403), r.status_code  # refused, or sent back to the form
    with httpx.Client(
        base_url=server.url, timeout=60
    ) as clerk:  # a producer is not an administrator
        csrf = sign_in(clerk, producer)
        r = clerk.post("/portal/admin/tokens", data={"csrf": csrf, "role": "admin", "name": "x"})
        assert r.status_code == 403, r.status_code
    with httpx.Client(base_url=server.url, timeout=60) as stranger:  # another producer's agreement
        csrf = sign_in(stranger, other)
        r = stranger.post("/portal/desk/upload", data={**upload, "csrf": csrf}, files=files)
        assert r.status_code in (403, 404), r.status_code  # not its agreement (404: not even named)
    assert _digest(services) == before
    with httpx.Client(base_url=server.url, timeout=60) as admin_page:  # the right session writes
        csrf = sign_in(admin_page, admin)
        r = admin_page.post(
            "/portal/admin/tokens", data={"csrf": csrf, "role": "reader", "name": "new reader"}
        )
        assert r.status_code == 200
    assert _digest(services) != before
