"""Server settings, read from the environment (prefix ``SDMX_SERVER_``).

Nothing is read at import time: call :func:`get_settings` (cached) or build a
:class:`Settings` explicitly in tests.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sdmx_server.storage.db import DbLimits

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
DB_FILE = "sdmx-server.sqlite"


def default_database_path() -> Path:
    """Where the default SQLite database lives, whatever the working directory.

    From a checkout (the package sits beside ``pyproject.toml``): the
    repository's ``var/`` folder. Installed elsewhere: the user's data folder,
    ``$XDG_DATA_HOME/sdmx-server`` (``~/.local/share/sdmx-server``).
    """
    if (PACKAGE_PARENT / "pyproject.toml").is_file():
        return PACKAGE_PARENT / "var" / DB_FILE
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).resolve() / "sdmx-server" / DB_FILE


def default_database_url() -> str:
    """The SQLAlchemy URL of :func:`default_database_path` (an absolute path)."""
    return f"sqlite:///{default_database_path()}"


class Settings(BaseSettings):
    """Every knob of the server; each field maps to ``SDMX_SERVER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SDMX_SERVER_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL. SQLite by default (var/sdmx-server.sqlite of the checkout, else "
        "~/.local/share/sdmx-server/); postgresql+psycopg://user@host/db in production.",
    )
    public_url: str | None = Field(
        default=None,
        description="Public base URL (scheme://host[:port][/prefix]) used in every link the server writes; "
        "unset: derived from each request's Host (and X-Forwarded-Proto from trusted proxies).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated proxy addresses whose X-Forwarded-For/-Proto headers are trusted "
        "('*' trusts anyone: only behind a proxy that overwrites them).",
    )
    host: str = Field(default="127.0.0.1", description="Interface `serve` binds.")
    port: int = Field(default=8000, description="Port `serve` binds.")
    workers: int = Field(
        default=1, description="Worker processes `serve` starts (each with its own pool)."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: str = Field(
        default="text", description="'text' for people, 'json' for log shippers."
    )
    default_language: str = Field(
        default="en", description="Fallback language for names and descriptions."
    )
    source_alias: str = Field(
        default="LMIS",
        description="Agency id treated as a wildcard in structure paths, so that sdmx1 sources "
        "registered with this id work (sdmx1 puts the source id in the agency segment).",
    )
    load_shipped_structures: bool = Field(
        default=True, description="Load dsd/ and codelists/ into an empty database on `serve`."
    )
    load_sample_data: bool = Field(
        default=False,
        description="Load the shipped (partly illustrative) sample data into an empty database on `serve` "
        "(`serve --demo` and `./dev run` set it).",
    )
    content_dir: Path | None = Field(
        default=None,
        description="Folder holding the shipped dsd/, codelists/ and data/ folders (default: the repository root).",
    )
    max_response_observations: int = Field(
        default=1_000_000,
        description="A data response larger than this is refused with 413 (SDMX code 510) unless the client pages.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024 * 1024, description="Largest accepted request body."
    )
    max_uri_length: int = Field(default=8192, description="Longer request URIs get 414.")
    xml_max_attributes: int = Field(
        default=1000,
        description="Most attributes one element of an SDMX-ML message may carry (more: refused).",
    )
    xml_max_tag_bytes: int = Field(
        default=256 << 10,
        description="Longest start tag, or run of text, in an SDMX-ML message, in bytes (longer: refused).",
    )
    structure_cache_entries: int = Field(
        default=256, description="Rendered structure responses kept per worker (keyed by ETag)."
    )
    cors_allow_origins: str = Field(default="*", description="Comma-separated CORS origins.")
    run_jobs: bool = Field(
        default=True, description="Run queued submissions (jobs) in this worker."
    )
    job_lease_seconds: float = Field(
        default=60.0, description="A job's lease; renewed while it runs."
    )
    job_max_backoff_seconds: float = Field(
        default=30.0,
        description="Longest wait of the job runner between polls while the database fails.",
    )
    db_pool_size: int = Field(
        default=8, description="Pooled connections per worker (as many again as overflow)."
    )
    db_pool_timeout: float = Field(
        default=5.0,
        description="Seconds a request waits for a pooled connection (or for a thread of the "
        "worker) before it is answered 503 with Retry-After.",
    )
    db_connect_timeout: float = Field(
        default=5.0, description="Seconds a new database connection may take."
    )
    db_statement_timeout: float = Field(
        default=120.0,
        description="PostgreSQL statement_timeout (seconds) of reads; a streamed answer's query "
        "runs while it streams, so this also bounds how long one data answer may take to send.",
    )
    db_write_statement_timeout: float = Field(
        default=600.0,
        description="statement_timeout (seconds) inside write transactions (pushes, jobs, structure writes).",
    )
    db_idle_in_transaction_timeout: float = Field(
        default=60.0,
        description="PostgreSQL idle_in_transaction_session_timeout (seconds): a transaction "
        "left idle that long is ended by the database.",
    )

    def db_limits(self) -> DbLimits:
        """The database waits of these settings."""
        return DbLimits(
            pool_timeout=self.db_pool_timeout,
            connect_timeout=self.db_connect_timeout,
            statement_timeout=self.db_statement_timeout,
            write_statement_timeout=self.db_write_statement_timeout,
            idle_in_transaction_timeout=self.db_idle_in_transaction_timeout,
        )

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.rstrip("/") or None

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.database_url.startswith("sqlite")

    @property
    def resolved_content_dir(self) -> Path:
        """Folder with the shipped content (``dsd/``, ``codelists/``, ``data/``)."""
        if self.content_dir is not None:
            return self.content_dir
        return Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
