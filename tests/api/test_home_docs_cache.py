"""``/`` names the API, ``/docs`` works offline, and every answer carries the Cache-Control of its kind."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from sdmx_server.domain.model import ArtefactType, MaintainableRef
from sdmx_server.services.container import Services
from tests import fixtures
from tests.conftest import (
    LiveServer,
    add_providers,
    load_data,
    load_files,
    pa_ref,
    synthetic_exr_csv,
)

PUBLIC = "http://testserver"  # SDMX_SERVER_PUBLIC_URL of the test settings
EXR = MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")


# ------------------------------------------------------------------ / and /docs


def test_root_is_an_html_page_for_browsers(http: httpx.Client) -> None:
    r = http.get(
        "/", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for path in ("/rest/dataflow", "/docs", "/portal", "/redoc", "/openapi.json"):
        assert f'href="{PUBLIC}{path}"' in r.text, path
    assert f"<code>{PUBLIC}/rest</code>" in r.text and f"<code>{PUBLIC}/rest/v2</code>" in r.text
    assert http.get("/rest/dataflow").status_code == 200  # the v1 link leads somewhere
    assert "SDMX REST API v1" in r.text and "SDMX REST API v2" in r.text
    assert http.head("/").status_code == 200


def test_root_answers_json_when_asked(http: httpx.Client) -> None:
    r = http.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    links = r.json()["links"]
    base = PUBLIC
    assert links["api_v1"] == base + "/rest" and links["api_v2"] == base + "/rest/v2"
    assert links["docs"] == base + "/docs" and links["portal"] == base + "/portal"
    assert links["openapi"] == base + "/openapi.json"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_load_only_local_assets(http: httpx.Client, page: str) -> None:
    r = http.get(page)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert not re.search(r"https?://", r.text), re.findall(
        r"https?://[^\"' ]+", r.text
    )  # no CDN, no fonts
    assets = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", r.text) + re.findall(
        r"""url: ?['"]([^'"]+)""", r.text
    )
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, r.text
    for asset in assets:
        got = http.get(asset)
        assert got.status_code == 200, asset
        assert got.content, asset
    assert "openapi" in http.get("/openapi.json").text


# ------------------------------------------------------------------ Cache-Control


@pytest.fixture(scope="module")
def private_server(
    db_factory: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, LiveServer, str]]:
    from tests.conftest import make_settings

    services = Services.build(make_settings(db_factory.migrated_url()))  # type: ignore[attr-defined]
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(
        services,
        synthetic_exr_csv(tmp_path_factory.mktemp("exr")),
        provision_agreement=pa_ref("EXR_BIS"),
    )
    token = services.auth.create_token("admin")[0]
    with LiveServer(services) as server:
        yield services, server, token
    services.close()


def test_cache_control_per_kind_of_answer(private_server: tuple[Services, LiveServer, str]) -> None:
    services, server, token = private_server
    auth = {"Authorization": f"Bearer {token}"}
    data = "/rest/data/ECB,EXR,1.0/Q.USD.EUR.SP00.A"
    with httpx.Client(base_url=server.url, timeout=30) as c:
        structure = c.get("/rest/codelist/ECB/CL_FREQ/1.0")
        assert structure.headers["cache-control"] == "public, max-age=60"
        revalidated = c.get(
            "/rest/codelist/ECB/CL_FREQ/1.0", headers={"If-None-Match": structure.headers["etag"]}
        )
        assert (
            revalidated.status_code == 304
            and revalidated.headers["cache-control"] == "public, max-age=60"
        )
        assert (
            c.get("/rest/schema/dataflow/ECB/EXR/1.0").headers["cache-control"]
            == "public, max-age=60"
        )
        public_data = c.get(data)
        assert (
            public_data.status_code == 200
            and public_data.headers["cache-control"] == "public, no-cache"
        )
        assert c.head(data).headers["cache-control"] == "public, no-cache"
        assert (
            c.get("/rest/availableconstraint/ECB,EXR,1.0").headers["cache-control"]
            == "public, no-cache"
        )
        # with a token, nothing is public (the answer may hold what only that token may see)
        assert c.get(data, headers=auth).headers["cache-control"] == "private, no-cache"
        assert (
            c.get(data, params={"preview": "true"}, headers=auth)
            .headers["cache-control"]
            .startswith("private")
        )
        # errors are never stored
        missing = c.get("/rest/codelist/ECB/CL_NOPE/1.0")
        assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
        assert c.get("/rest/data/ECB,EXR,1.0/Q.USD").headers["cache-control"] == "no-store"  # 400
        assert c.get("/health").headers["cache-control"] == "no-store"
        assert c.get("/admin/audit", headers=auth).headers["cache-control"] == "no-store"
        assert c.get("/docs").headers["cache-control"] == "public, max-age=300"
        assert (
            c.get("/static-offline-docs/swagger-ui.css").headers["cache-control"]
            == "public, max-age=86400"
        )

        services.auth.set_dataflow_public(EXR, False)
        try:
            assert c.get(data).headers["cache-control"] == "no-store"  # 401
            for answer in (
                c.get(data, headers=auth),
                c.head(data, headers=auth),
                c.get("/rest/availableconstraint/ECB,EXR,1.0", headers=auth),
            ):
                assert answer.status_code == 200 and answer.headers["cache-control"].startswith(
                    "private"
                ), answer
        finally:
            services.auth.set_dataflow_public(EXR, True)


def test_portal_pages_are_never_in_a_shared_cache(http: httpx.Client) -> None:
    """Portal pages show a language, a session and live data (an embargo released a second ago):
    private and revalidated, while the portal's own static files may be cached."""
    page = http.get("/portal", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-cache"
    css = http.get("/portal/static/portal.css")
    assert css.status_code == 200 and css.headers["cache-control"].startswith("public")
