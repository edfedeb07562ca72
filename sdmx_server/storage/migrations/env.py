"""Alembic environment: migrations run on a connection given by the caller,
or on ``SDMX_SERVER_DATABASE_URL`` when Alembic is run from the command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sdmx_server.settings import get_settings
from sdmx_server.storage.db import create_db_engine
from sdmx_server.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the caller's connection if there is one, else on the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(get_settings().database_url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
