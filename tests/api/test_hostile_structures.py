"""Structure writes with hostile identifiers and duplicate items (issue 9): one 4xx on SQLite and
PostgreSQL alike, nothing stored, over HTTP and through the command-line loader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.test_structure_write import (  # noqa: F401 - fixtures used by name
    XML21,
    Env,
    codelist,
    env,
    message,
    results,
    template,
)

HOSTILE_IDS = ["CL_é中", "../../etc", "X'); DROP TABLE x;--", "C" * 300, "CL X", "CL\tX"]


def _codelist(
    cl_id: str = "CL_OK", codes: list[str] | None = None, version: str = "1.0", agency: str = "ECB"
) -> bytes:
    body = message(codelist(cl_id, codes or ["A", "B"], agency=agency))
    return body.replace(
        f'agencyID="{agency}" version="1.0"'.encode(),
        f'agencyID="{agency}" version="{version}"'.encode(),
        1,
    )


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_artefact_and_item_ids_are_refused(env: Env, bad: str) -> None:  # noqa: F811
    from xml.sax.saxutils import quoteattr

    client = env.client("admin")
    before = env.snapshot()
    escaped = quoteattr(bad)[1:-1]
    for body in (_codelist(escaped), _codelist("CL_OK", ["A", escaped])):
        r = client.post("/rest/v2/structure", content=body, headers={"Content-Type": XML21})
        assert r.status_code == 422, (bad[:20], r.status_code, r.text[:500])
        (result,) = results(r).values()
        assert (
            result.status == "Failure"
            and result.code == 422
            and "not a valid SDMX id" in result.text
            or "characters long" in result.text
        ), result.text
    assert env.snapshot() == before


def test_hostile_versions_and_agencies_are_refused(env: Env) -> None:  # noqa: F811
    client = env.client("admin")
    before = env.snapshot()
    for version in ("1.0 beta", "1.0');--", "9" * 70, "latest", "1..0"):
        r = client.post(
            "/rest/v2/structure",
            content=_codelist(version=version),
            headers={"Content-Type": XML21},
        )
        assert r.status_code == 422, (version, r.status_code, r.text[:300])
        assert "not a valid SDMX version" in r.text or "characters long" in r.text
    r = client.post(
        "/rest/v2/structure", content=_codelist(agency="E" * 300), headers={"Content-Type": XML21}
    )
    assert r.status_code == 422 and "characters long" in r.text, r.text[:300]
    assert env.snapshot() == before
    # Semantic versions are fine (read back unvalidated: SDMX-ML 2.1's version pattern has no "-draft").
    reader = httpx.Client(base_url=env.server.url, timeout=60)
    for version in ("1.0.0", "1.0.0-draft", "2.1.3"):
        r = client.post(
            "/rest/v2/structure",
            content=_codelist("CL_SEMVER", version=version),
            headers={"Content-Type": XML21},
        )
        assert r.status_code == 201, (version, r.text[:300])
        assert reader.get(f"/rest/codelist/ECB/CL_SEMVER/{version}").status_code == 200
    reader.close()


def test_hostile_ids_in_url_paths_are_4xx(env: Env) -> None:  # noqa: F811
    client = env.client(None)
    for bad in ("CL_é中", "X');%20DROP%20TABLE%20x;--", "C" * 300, "CL_X%0A"):
        for path in (
            f"/rest/codelist/ECB/{bad}",
            f"/rest/codelist/{bad}/CL_X/1.0",
            f"/rest/data/{bad}",
            f"/rest/schema/dataflow/ECB/{bad}",
            f"/rest/availableconstraint/{bad}",
        ):
            r = client.get(path)
            assert r.status_code in (400, 404), (path[:60], r.status_code)
    # A final newline is no part of an id ("$" in a pattern would let it through).
    assert client.get("/rest/codelist/ECB/CL_CURRENCY%0A").status_code == 400
    assert client.get("/rest/codelist/ECB%0A/CL_CURRENCY").status_code == 400
    admin = env.client("admin")
    before = env.snapshot()
    r = admin.put(
        f"/rest/v2/structure/codelist/ECB/{'C' * 300}/1.0",
        content=_codelist("C" * 300),
        headers={"Content-Type": XML21},
    )
    assert 400 <= r.status_code < 500, r.status_code
    assert env.snapshot() == before


def test_duplicate_item_ids_are_refused_naming_the_id(env: Env) -> None:  # noqa: F811
    client = env.client("admin")
    before = env.snapshot()
    r = client.post(
        "/rest/v2/structure",
        content=_codelist("CL_DUP", ["A", "B", "A", "C", "C"]),
        headers={"Content-Type": XML21},
    )
    assert r.status_code == 422, r.text[:500]
    (result,) = results(r).values()
    assert result.ref == "ECB:CL_DUP(1.0)" and "duplicate item id A, C" in result.text, result.text
    # Concepts too, with another (valid) artefact in the same message: nothing is written.
    concepts = (
        '<str:Concepts><str:ConceptScheme id="CS_DUP" agencyID="ECB" version="1.0"><com:Name xml:lang="en">'
        "Dup</com:Name>"
        + '<str:Concept id="X"><com:Name xml:lang="en">X</com:Name></str:Concept>' * 2
        + "</str:ConceptScheme></str:Concepts>"
    )
    r = client.post(
        "/rest/v2/structure",
        content=message(codelist("CL_FINE", ["A"]), concepts),
        headers={"Content-Type": XML21},
    )
    assert r.status_code == 422 and "duplicate item id X" in results(r)["ECB:CS_DUP(1.0)"].text, (
        r.text[:500]
    )
    assert env.snapshot() == before


def test_the_loader_refuses_the_same(env: Env, tmp_path: Path) -> None:  # noqa: F811
    from xml.sax.saxutils import quoteattr

    before = env.snapshot()
    files = []
    for n, body in enumerate(
        [_codelist(quoteattr(b)[1:-1]) for b in HOSTILE_IDS]
        + [_codelist("CL_DUP", ["A", "A"]), _codelist(version="1.0 beta")]
    ):
        path = tmp_path / f"s{n}.xml"
        path.write_bytes(body)
        files.append(str(path))
    run_env = dict(
        os.environ,
        SDMX_SERVER_DATABASE_URL=env.services.settings.database_url,
        SDMX_SERVER_LOG_LEVEL="WARNING",
    )
    done = subprocess.run(
        [sys.executable, "-m", "sdmx_server.cli", "load", *files],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "Traceback" not in out
    assert out.count("not a valid SDMX id") + out.count("characters long") >= len(HOSTILE_IDS), out
    assert "duplicate item id A" in out and "not a valid SDMX version" in out, out
    after = env.snapshot()
    # The command line's load is audited; nothing else changed.
    assert {t: rows for t, rows in after.items() if t != "audit_event"} == before
