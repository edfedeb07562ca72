"""``sdmx-server token create | list | revoke`` (and ``dataflow private``), run as an operator would
on the shipped content's database (in process, see ``tests/cli_inprocess.py``; one subprocess run
is kept), its tokens then used against the live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_inprocess import CliResult, run_cli
from tests.push.conftest import PushEnv, db_text, exr_csv, sdmx_error

CLI = str(Path(sys.executable).with_name("sdmx-server"))
TOKEN = re.compile(r"^sdmx_[A-Za-z0-9_\-]{43}$")
LFS = "dataflow/MA_LMIS/DF_LFS_CORE/1.0"
LFS_HEADER = (
    "DATAFLOW,REF_AREA,FREQ,MEASURE,SEX,AGE,EDU,GEO,REGION,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
    "UNIT_MEASURE_TYPE,UNIT_MEASURE,UNIT_MULT,SOURCE,DECIMALS"
)


def lfs_row(year: int, value: str) -> str:
    return (
        f"{LFS_HEADER}\nMA_LMIS:DF_LFS_CORE(1.0),MAR,A,UNE_TUNE_NB,SEX_T,AGE_YTHADULT_YGE15,EDU_AGGREGATE_TOTAL,"
        f"GEO_COV_NAT,REG_MA_TOTAL,{year},{value},,NB,PS,3,SRC_HCP_ENE,0\n"
    )


def _cli_env(env: PushEnv) -> dict[str, str]:
    return {
        "SDMX_SERVER_DATABASE_URL": env.services.settings.database_url,
        "SDMX_SERVER_LOAD_SHIPPED_STRUCTURES": "false",
        "SDMX_SERVER_LOAD_SAMPLE_DATA": "false",
    }


def cli(env: PushEnv, *args: str) -> CliResult:
    """Run ``sdmx-server`` on the env's database (in this process)."""
    return run_cli(_cli_env(env), *args)


def test_token_create_as_a_real_process(lmis_env: PushEnv) -> None:
    """The console script itself, in its own process: the token it prints is accepted by the server."""
    done = subprocess.run(
        [CLI, "token", "create", "--role", "admin"],
        env={**os.environ, **_cli_env(lmis_env)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[-1]
    assert TOKEN.match(token), done.stdout
    with lmis_env.client() as client:
        assert client.get("/admin/audit", headers=bearer(token)).status_code == 200


def create(env: PushEnv, *args: str) -> str:
    """``token create``: exit 0, the token alone on the last line of standard output."""
    done = cli(env, "token", "create", *args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert TOKEN.match(lines[-1]), done.stdout
    assert lines[-1] not in "\n".join(lines[:-1]) and lines[-1] not in done.stderr, (
        "the token is printed once"
    )
    return lines[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def push(env: PushEnv, token: str, body: str, target: str = LFS) -> int:
    with env.client() as client:
        r = client.post(
            f"/rest/v2/data/{target}",
            content=body.encode(),
            headers={
                **bearer(token),
                "Content-Type": "application/vnd.sdmx.data+csv;version=1.0.0",
            },
        )
    return r.status_code


def test_provider_tokens(lmis_env: PushEnv) -> None:
    bare = create(lmis_env, "--provider", "HCP", "--name", "HCP push robot")
    full = create(lmis_env, "--provider", "MA_LMIS:DATA_PROVIDERS(1.0).HCP")
    anapec = create(lmis_env, "--provider", "ANAPEC")
    assert len({bare, full, anapec}) == 3
    assert push(lmis_env, bare, lfs_row(2030, "1500")) == 200
    assert push(lmis_env, full, lfs_row(2031, "1600")) == 200
    assert (
        push(lmis_env, anapec, lfs_row(2032, "1700")) == 403
    )  # ANAPEC has no agreement for DF_LFS_CORE
    assert (
        push(lmis_env, full, lfs_row(2033, "1"), "provisionagreement/MA_LMIS/PA_HCP_LFS_CORE/1.0")
        == 200
    )
    assert (
        push(lmis_env, anapec, lfs_row(2033, "1"), "provisionagreement/MA_LMIS/PA_HCP_LFS_CORE/1.0")
        == 403
    )
    with lmis_env.client("admin") as client:
        events = client.get("/admin/audit").json()["events"]
    assert any(
        e["principal"].startswith("provider HCP (token") and "HCP push robot" in e["principal"]
        for e in events
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (("--provider", "NOPE"), "No data provider NOPE"),
        (("--provider", "MA_LMIS:DATA_PROVIDERS(9.9).HCP"), "No data provider"),
        (("--role", "maintainer"), "needs --agency"),
        ((), "give --provider"),
        (("--provider", "HCP", "--expires", "next tuesday"), "--expires"),
        (("--provider", "HCP", "--expires", "2020-01-01T00:00:00Z"), "is in the past"),
    ],
)
def test_create_refusals(lmis_env: PushEnv, args: tuple[str, ...], message: str) -> None:
    done = cli(lmis_env, "token", "create", *args)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert not any(TOKEN.match(line) for line in done.stdout.splitlines())


def test_ambiguous_bare_provider(exr_env: PushEnv) -> None:
    from sdmx_server.domain.model import Artefact, ArtefactType, Item

    other = Artefact(
        type=ArtefactType.DATA_PROVIDER_SCHEME,
        agency="BIS",
        id="DATA_PROVIDERS",
        version="1.0",
        names={"en": "Another scheme"},
        items=[Item(id="ECB", names={"en": "ECB again"})],
    )
    assert not exr_env.services.structure_store.submit([other]).refused
    done = cli(exr_env, "token", "create", "--provider", "ECB")
    assert done.returncode != 0
    assert "not unique" in done.stderr and "ECB:DATA_PROVIDERS(1.0).ECB" in done.stderr, done.stderr
    token = create(exr_env, "--provider", "ECB:DATA_PROVIDERS(1.0).ECB")
    assert (
        push(exr_env, token, exr_csv(["M,CHF,EUR,SP00,A,2031-01,1,A"]), "dataflow/ECB/EXR/1.0")
        == 200
    )


def test_roles(lmis_env: PushEnv) -> None:
    admin = create(lmis_env, "--role", "admin")
    maintainer = create(lmis_env, "--role", "maintainer", "--agency", "MA_LMIS")
    with lmis_env.client() as client:
        assert client.get("/admin/audit", headers=bearer(admin)).status_code == 200
        r = client.get("/admin/audit", headers=bearer(maintainer))
        assert r.status_code == 403 and sdmx_error(r)[0] == 150
    assert push(lmis_env, admin, lfs_row(2030, "1")) == 200
    assert push(lmis_env, maintainer, lfs_row(2030, "2")) == 403


def test_expiry_list_revoke_and_hashing(lmis_env: PushEnv) -> None:
    # (The command line refuses a past expiry: an expired token is made through the service.)
    past = lmis_env.new_token(
        "past", "provider", provider="HCP", expires_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    days = create(lmis_env, "--provider", "HCP", "--expires", "30", "--name", "thirty days")
    dated = create(lmis_env, "--provider", "HCP", "--expires", "2999-12-31T23:00:00+01:00")
    with lmis_env.client() as client:
        r = client.post(
            f"/rest/v2/data/{LFS}", content=lfs_row(2030, "1").encode(), headers=bearer(past)
        )
        assert r.status_code == 401 and "expired" in sdmx_error(r)[1]
    assert push(lmis_env, days, lfs_row(2030, "1")) == 200
    assert push(lmis_env, dated, lfs_row(2030, "2")) == 200

    listing = cli(lmis_env, "token", "list")
    assert listing.returncode == 0
    for token in (past, days, dated, *lmis_env.tokens.values()):
        assert token not in listing.stdout and token[12:30] not in listing.stdout
    rows = {line.split()[1]: line for line in listing.stdout.splitlines()[1:]}
    assert rows[days[:12]].count("HCP") and "thirty days" in rows[days[:12]]
    assert "2000-01-01" in rows[past[:12]] and "2999-12-31T22:00:00" in rows[dated[:12]]

    number = rows[days[:12]].split()[0]
    done = cli(lmis_env, "token", "revoke", number)
    assert done.returncode == 0 and "revoked" in done.stdout
    done = cli(lmis_env, "token", "revoke", dated[:12])  # by prefix
    assert done.returncode == 0
    assert cli(lmis_env, "token", "revoke", "999999").returncode != 0
    for token in (days, dated):
        with lmis_env.client() as client:
            r = client.post(
                f"/rest/v2/data/{LFS}", content=lfs_row(2031, "3").encode(), headers=bearer(token)
            )
        assert r.status_code == 401 and "revoked" in sdmx_error(r)[1]
    listing = cli(lmis_env, "token", "list").stdout
    revoked = [line for line in listing.splitlines() if line.split()[1] in (days[:12], dated[:12])]
    assert len(revoked) == 2 and all(
        re.search(r"\d{4}-\d\d-\d\dT", line.split()[5]) for line in revoked
    )

    # Stored hashed: no plain token anywhere in the database, its SHA-256 instead.
    import hashlib

    everything = db_text(lmis_env.services)
    for token in (past, days, dated, *lmis_env.tokens.values()):
        assert token not in everything
        assert hashlib.sha256(token.encode()).hexdigest() in everything


def test_dataflow_private_from_the_command_line(lmis_env: PushEnv) -> None:
    hcp = create(lmis_env, "--provider", "HCP")
    path = "/rest/data/MA_LMIS,DF_LFS_CORE,1.0/all"
    with lmis_env.client() as client:
        assert client.get(path).status_code == 200
    done = cli(lmis_env, "dataflow", "private", "MA_LMIS,DF_LFS_CORE,1.0")
    assert done.returncode == 0, done.stderr
    with lmis_env.client() as client:
        r = client.get(path)
        assert r.status_code == 401 and sdmx_error(r)[0] == 110
        assert client.get(path, headers=bearer(hcp)).status_code == 200
        assert client.get(path, headers=lmis_env.auth("ANAPEC")).status_code == 403
        assert client.get("/rest/data/MA_LMIS,DF_ADMIN_ANAPEC,1.0/all").status_code == 200
    assert cli(lmis_env, "dataflow", "public", "MA_LMIS,DF_LFS_CORE,1.0").returncode == 0
    with lmis_env.client() as client:
        assert client.get(path).status_code == 200
    assert cli(lmis_env, "dataflow", "private", "MA_LMIS,NOPE,1.0").returncode != 0


def test_command_line_writes_are_audited(lmis_env: PushEnv, tmp_path) -> None:
    hcp = create(lmis_env, "--provider", "HCP", "--name", "audited")
    assert cli(lmis_env, "dataflow", "private", "MA_LMIS,DF_LFS_CORE,1.0").returncode == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(lfs_row(2031, "12.5"))
    bad.write_text(lfs_row(2032, "not a number"))
    assert cli(lmis_env, "load", str(good)).returncode == 0
    assert cli(lmis_env, "load", str(bad)).returncode == 1
    revoked = cli(lmis_env, "token", "revoke", hcp[:12])
    assert revoked.returncode == 0, revoked.stderr
    with lmis_env.client("admin") as client:
        events = client.get("/admin/audit", params={"limit": "20"}).json()["events"]
    mine = [e for e in events if e["principal"].startswith("command line (")]
    by_action = {(e["action"], e["outcome"]): e for e in mine}
    assert set(by_action) == {
        ("token.create", "created"),
        ("dataflow.private", "private"),
        ("data.load", "written"),
        ("data.load", "invalid"),
        ("token.revoke", "revoked"),
    }
    assert by_action[("data.load", "written")]["details"]["inserted"] == 1
    assert by_action[("data.load", "invalid")]["status"] == 422
    assert "DF_LFS_CORE" in by_action[("data.load", "written")]["target"]
    assert hcp not in str(events)  # never the secret
