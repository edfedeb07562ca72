"""Production-safe defaults: one default database whatever the working directory, every command
naming its database, no sample data unless asked, and links that follow the request unless
``SDMX_SERVER_PUBLIC_URL`` says otherwise (with proxy headers believed from trusted addresses only)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from sdmx_server import settings as settings_module
from tests import fixtures
from tests.cli_inprocess import run_cli
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any SDMX_SERVER_ setting (the test database's own variables kept)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SDMX_SERVER_") or k.startswith("SDMX_SERVER_TEST")
    }
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def cli(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sdmx_server.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def count(db_url: str, table: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the default database


def test_the_default_database_is_one_absolute_file_whatever_the_working_directory(
    tmp_path: Path,
) -> None:
    probe = "from sdmx_server.settings import Settings; print(Settings().database_url)"
    (tmp_path / "elsewhere").mkdir()
    urls = {
        subprocess.run(
            [sys.executable, "-c", probe],
            cwd=cwd,
            env=clean_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for cwd in (tmp_path, tmp_path / "elsewhere", ROOT)
    }
    assert urls == {f"sqlite:///{ROOT / 'var' / 'sdmx-server.sqlite'}"}


def test_installed_outside_a_checkout_the_default_database_is_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "PACKAGE_PARENT", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert (
        settings_module.default_database_path()
        == tmp_path / "data" / "sdmx-server" / "sdmx-server.sqlite"
    )
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        settings_module.default_database_url()
        == f"sqlite:///{tmp_path / 'home/.local/share/sdmx-server/sdmx-server.sqlite'}"
    )


def test_every_command_says_which_database_it_used(db_factory, tmp_path: Path) -> None:
    """The first command runs as a real process, the others in process (``tests/cli_inprocess.py``)."""
    url = db_factory.new_url()
    settings = {"SDMX_SERVER_DATABASE_URL": url, "SDMX_SERVER_LOG_LEVEL": "WARNING"}
    env = clean_env(**settings)
    shown = f"database: {url}" if url.startswith("sqlite") else "database: " + url.split("://")[0]
    for n, args in enumerate(
        (
            ["migrate"],
            ["load", str(fixtures.ECB_FULL)],
            ["token", "create", "--role", "admin"],
            ["token", "list"],
            ["token", "revoke", "1"],
            ["dataflow", "private", "ECB,EXR,1.0"],
        )
    ):
        out = cli(*args, env=env) if n == 0 else run_cli(settings, *args, clean=True)
        assert out.returncode == 0, (args, out.stderr)
        assert out.stderr.splitlines()[0].startswith(shown), (args, out.stderr)
    # a token's line stays the last of stdout: scripts keep working with | tail -1
    created = run_cli(settings, "token", "create", "--role", "admin", clean=True)
    assert created.stdout.splitlines()[-1].startswith("sdmx_")
    # a relative SQLite path is shown resolved; a password never
    relative = run_cli(
        {"SDMX_SERVER_DATABASE_URL": "sqlite:///rel.sqlite"}, "migrate", cwd=tmp_path, clean=True
    )
    assert relative.stderr.splitlines()[0] == f"database: sqlite:///{tmp_path / 'rel.sqlite'}"
    port = free_port()  # nothing listens there: the command fails, after naming the database
    secret = run_cli(
        {"SDMX_SERVER_DATABASE_URL": f"postgresql+psycopg://sdmx:s3cret@127.0.0.1:{port}/none"},
        "migrate",
        clean=True,
    )
    assert secret.returncode != 0
    assert (
        secret.stderr.splitlines()[0]
        == f"database: postgresql+psycopg://sdmx:***@127.0.0.1:{port}/none"
    )
    assert "s3cret" not in secret.stderr


# ------------------------------------------------------------------ serve


@contextmanager
def serving(
    env: dict[str, str], *args: str, host: str = "127.0.0.1"
) -> Iterator[tuple[str, list[str]]]:
    """A real ``sdmx-server serve`` process; yields its URL (on loopback) and, after exit, its log lines."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sdmx_server.cli",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", lines
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        lines.extend(err.splitlines())


@pytest.mark.slow
def test_serve_loads_sample_data_only_when_asked(db_factory) -> None:
    query = "/rest/data/MA_LMIS,DF_LFS_CORE,1.0/all?lastNObservations=1"
    plain = db_factory.new_url()
    with serving(clean_env(SDMX_SERVER_DATABASE_URL=plain)) as (url, _):
        assert (
            httpx.get(url + "/rest/dataflow/MA_LMIS/DF_LFS_CORE/1.0").status_code == 200
        )  # structures: yes
        assert httpx.get(url + query).status_code == 404  # made-up figures: no
    assert count(plain, "data_observation") == 0
    demo = db_factory.new_url()
    with serving(clean_env(SDMX_SERVER_DATABASE_URL=demo), "--demo") as (url, _):
        assert httpx.get(url + query).status_code == 200
    assert count(demo, "data_observation") > 0


def test_the_image_and_compose_file_do_not_load_sample_data() -> None:
    for name in ("Dockerfile", "docker-compose.yml"):
        body = (ROOT / name).read_text()
        assert (
            "LOAD_SAMPLE_DATA=true" not in body.replace(": ", "=").replace('"', "")
            and "--demo" not in body
        ), name
    assert (
        "SDMX_SERVER_LOAD_SAMPLE_DATA:-true" in (ROOT / "dev").read_text()
    )  # ./dev run asks for them


@pytest.mark.slow
def test_public_url_warning_host_links_and_trusted_proxy_headers(db_factory) -> None:
    db = db_factory.new_url()
    base = clean_env(SDMX_SERVER_DATABASE_URL=db, SDMX_SERVER_LOAD_SHIPPED_STRUCTURES="false")
    assert cli("load", str(fixtures.ECB_FULL), env=base).returncode == 0
    stub = "/rest/codelist/ECB/CL_FREQ/1.0?detail=allstubs"

    with serving(base, host="0.0.0.0") as (url, log):
        as_named = httpx.get(url + stub, headers={"Host": "lmis.example.org:8443"})
        assert (
            'structureURL="http://lmis.example.org:8443/rest/codelist/ECB/CL_FREQ/1.0"'
            in as_named.text
        )
        # loopback is trusted by default (a proxy on the same machine)
        proxied = httpx.get(
            url + stub, headers={"Host": "lmis.example.org", "X-Forwarded-Proto": "https"}
        )
        assert (
            'structureURL="https://lmis.example.org/rest/codelist/ECB/CL_FREQ/1.0"' in proxied.text
        )
    assert any("without SDMX_SERVER_PUBLIC_URL" in line and "WARNING" in line for line in log), log

    with serving(dict(base, SDMX_SERVER_FORWARDED_ALLOW_IPS="192.0.2.7")) as (url, log):
        spoofed = httpx.get(
            url + stub, headers={"Host": "lmis.example.org", "X-Forwarded-Proto": "https"}
        )
        assert (
            'structureURL="http://lmis.example.org/rest/codelist/ECB/CL_FREQ/1.0"' in spoofed.text
        )
    assert not any("without SDMX_SERVER_PUBLIC_URL" in line for line in log), (
        log
    )  # loopback: no warning

    with serving(
        dict(base, SDMX_SERVER_PUBLIC_URL="https://stats.example.org/sdmx/"), host="0.0.0.0"
    ) as (url, log):
        fixed = httpx.get(url + stub, headers={"Host": "other.example.org"})
        assert (
            'structureURL="https://stats.example.org/sdmx/rest/codelist/ECB/CL_FREQ/1.0"'
            in fixed.text
        )
    assert not any("without SDMX_SERVER_PUBLIC_URL" in line for line in log), log


def test_the_compose_file_runs_the_server_on_postgresql_with_trusted_proxies_named() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    server = services["server"]
    env = server["environment"]
    assert (
        env["SDMX_SERVER_DATABASE_URL"].startswith("postgresql+psycopg://")
        and "@db/" in env["SDMX_SERVER_DATABASE_URL"]
    )
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert "*" not in env["SDMX_SERVER_FORWARDED_ALLOW_IPS"] and env["SDMX_SERVER_PUBLIC_URL"]
    assert "LOAD_SAMPLE_DATA" not in env
