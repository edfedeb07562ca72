"""A re-send that changes nothing writes nothing, embargoed or not: it can never remove data (ADR 0011).

Regression: an embargoed re-send of unchanged values restated every cell (closing the stored
versions at the release time) and was then discarded as "nothing changed"; the discard cascaded
to the restated versions, so at the release the cells vanished.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.clock import FakeClock
from tests.push.conftest import CSV10_TYPE, PushEnv, snapshot
from tests.push.test_embargo import release_in, wait_until


@pytest.fixture
def exr_env(make_exr_env: Callable[..., PushEnv]) -> PushEnv:
    """A writable copy of the EXR chain on a ``FakeClock``: a release comes when the test moves it."""
    return make_exr_env(clock=FakeClock())


KEY = "M.USD.EUR.SP00.A"


def _one_cell(env: PushEnv) -> str:
    with env.client() as client:
        r = client.get(
            f"/rest/data/ECB,EXR,1.0/{KEY}",
            params={"lastNObservations": "1"},
            headers={"Accept": CSV10_TYPE},
        )
    assert r.status_code == 200, r.text
    assert len(r.text.strip().splitlines()) == 2, r.text
    return r.text


def test_embargoed_resend_of_unchanged_values_keeps_the_data(exr_env: PushEnv) -> None:
    env = exr_env
    cell = _one_cell(env)
    before = snapshot(env.services)
    release = release_in(env, 1.5)
    r = env.push(cell, "ECB", params={"releaseDate": release.isoformat()})
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["inserted"], report["updated"], report["deleted"], report["unchanged"]) == (
        0,
        0,
        0,
        1,
    ), report
    wait_until(env, release)
    assert _one_cell(env) == cell, "the re-sent cell disappeared at the release"
    # Nothing changed, so nothing was written: not a batch, not a version, not a closed version.
    assert snapshot(env.services) == before
    with env.services.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT COUNT(*) FROM data_batch WHERE release_at > written_at")
            ).scalar_one()
            == 0
        )


def test_resend_with_one_change_restates_and_keeps_the_rest(exr_env: PushEnv) -> None:
    """An embargoed batch that does change something keeps restating the unchanged cells (ADR 0006),
    and at its release every cell it holds is there."""
    env = exr_env
    with env.client() as client:
        r = client.get(
            f"/rest/data/ECB,EXR,1.0/{KEY}",
            params={"lastNObservations": "2"},
            headers={"Accept": CSV10_TYPE},
        )
    lines = r.text.strip().splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    cols = header.split(",")
    at = cols.index("OBS_VALUE")
    changed = second.split(",")
    changed[at] = str(float(changed[at]) + 1)
    release = release_in(env, 1.5)
    r = env.push(
        "\n".join([header, first, ",".join(changed)]) + "\n",
        "ECB",
        params={"releaseDate": release.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["updated"], r.json()["unchanged"]) == (1, 1), r.text
    wait_until(env, release)
    with env.client() as client:
        after = (
            client.get(
                f"/rest/data/ECB,EXR,1.0/{KEY}",
                params={"lastNObservations": "2"},
                headers={"Accept": CSV10_TYPE},
            )
            .text.strip()
            .splitlines()
        )
    assert after[1] == first and after[2] == ",".join(changed)
