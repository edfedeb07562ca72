"""Who may read data: public dataflows need no token; a non-public one only a token that grants it.

Data and availability (which reveals what data exist) follow the same rule;
structures stay public. Answers for non-public data are marked private for caches.
"""

from __future__ import annotations

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

EXR = MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id="EXR", version="1.0")
CSV = {"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"}


@pytest.fixture(scope="module")
def private_server(
    db_factory: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, LiveServer]]:
    from tests.conftest import make_settings

    services = Services.build(make_settings(db_factory.migrated_url()))  # type: ignore[attr-defined]
    load_files(services, [fixtures.ECB_FULL])
    add_providers(services)
    load_data(
        services,
        synthetic_exr_csv(tmp_path_factory.mktemp("exr")),
        provision_agreement=pa_ref("EXR_BIS"),
    )
    services.auth.set_dataflow_public(EXR, False)
    with LiveServer(services) as server:
        yield services, server
    services.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def tokens(private_server: tuple[Services, LiveServer]) -> dict[str, str]:
    services, _ = private_server
    return {
        "admin": services.auth.create_token("admin")[0],
        "bis": services.auth.create_token("provider", provider="BIS")[0],
        "ecb": services.auth.create_token("provider", provider="ECB")[0],
        "maintainer": services.auth.create_token("maintainer", agency="ECB")[0],
    }


@pytest.fixture
def client(private_server: tuple[Services, LiveServer]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=private_server[1].url, timeout=30) as c:
        yield c


@pytest.mark.parametrize(
    "path",
    [
        "/rest/data/ECB,EXR,1.0/Q.USD.EUR.SP00.A",
        "/rest/availableconstraint/ECB,EXR,1.0",
        "/rest/v2/data/dataflow/ECB/EXR/1.0/Q.USD.EUR.SP00.A",
        "/rest/v2/availability/dataflow/ECB/EXR/1.0",
    ],
)
def test_anonymous_gets_401_and_changes_nothing(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 401
    assert b"not public" in r.content and b'code="110"' in r.content
    assert "Q.USD" not in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/rest/data/ECB,EXR,1.0/Q.USD.EUR.SP00.A",
        "/rest/availableconstraint/ECB,EXR,1.0",
        "/rest/v2/data/dataflow/ECB/EXR/1.0/Q.USD.EUR.SP00.A",
        "/rest/v2/availability/dataflow/ECB/EXR/1.0",
    ],
)
def test_tokens_that_may_not_read_get_403(
    client: httpx.Client, tokens: dict[str, str], path: str
) -> None:
    # The maintainer of the agency writes its structures, not its data; a wrong token is 401.
    assert client.get(path, headers=bearer(tokens["maintainer"])).status_code == 403
    assert client.get(path, headers=bearer("sdmx_" + "x" * 43)).status_code == 401


@pytest.mark.parametrize("who", ["admin", "bis", "ecb"])
def test_admin_and_the_dataflows_producers_read(
    client: httpx.Client, tokens: dict[str, str], who: str
) -> None:
    r = client.get(
        "/rest/data/ECB,EXR,1.0/Q.USD.EUR.SP00.A", headers={**bearer(tokens[who]), **CSV}
    )
    assert r.status_code == 200
    assert r.text.count("\n") == 13  # header + 12 quarters
    assert r.headers["cache-control"] == "private"
    assert "Authorization" in r.headers["vary"]
    avail = client.get("/rest/availableconstraint/ECB,EXR,1.0", headers=bearer(tokens[who]))
    assert avail.status_code == 200 and avail.headers["cache-control"] == "private"
    assert b"<com:Value>JPY</com:Value>" in avail.content
    v2 = client.get(
        "/rest/v2/data/dataflow/ECB/EXR/1.0/Q.USD.EUR.SP00.A?c[TIME_PERIOD]=ge:2020",
        headers={**bearer(tokens[who]), "Accept": "application/vnd.sdmx.data+csv;version=2.0.0"},
    )
    assert v2.status_code == 200 and v2.text.count("\n") == 9  # header + 8 quarters of 2020-2021
    assert v2.headers["cache-control"] == "private"
    v2_avail = client.get("/rest/v2/availability/dataflow/ECB/EXR/1.0", headers=bearer(tokens[who]))
    assert v2_avail.status_code == 200 and v2_avail.headers["cache-control"] == "private"


def test_structures_stay_public(client: httpx.Client) -> None:
    assert client.get("/rest/dataflow/ECB/EXR/1.0").status_code == 200
    assert client.get("/rest/schema/dataflow/ECB/EXR/1.0").status_code == 200


def test_reader_token_with_a_grant(
    private_server: tuple[Services, LiveServer], client: httpx.Client
) -> None:
    services, _ = private_server
    granted, _ = services.auth.create_token("reader", dataflows=(EXR,))
    r = client.get("/rest/data/ECB,EXR,1.0/A.USD.EUR.SP00.A", headers={**bearer(granted), **CSV})
    assert r.status_code == 200 and r.text.count("\n") == 8


def test_making_it_public_again_is_seen_at_once(
    private_server: tuple[Services, LiveServer], client: httpx.Client
) -> None:
    services, _ = private_server
    services.auth.set_dataflow_public(EXR, True)
    try:
        r = client.get("/rest/data/ECB,EXR,1.0/A.USD.EUR.SP00.A", headers=CSV)
        assert r.status_code == 200 and r.headers["cache-control"] == "public, no-cache"
    finally:
        services.auth.set_dataflow_public(EXR, False)
    assert client.get("/rest/data/ECB,EXR,1.0/A.USD.EUR.SP00.A", headers=CSV).status_code == 401
