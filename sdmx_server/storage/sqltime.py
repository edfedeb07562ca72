"""Datetimes in raw SQL: the same representation SQLAlchemy's DateTime uses.

SQLAlchemy stores SQLite datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` text (UTC
here); a raw ``text()`` query must bind and compare the same form, or string
comparison goes wrong. PostgreSQL takes aware datetimes as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session


def is_sqlite(session: Session) -> bool:
    """True when the session's database is SQLite."""
    return session.get_bind().dialect.name == "sqlite"


def to_db(session: Session, value: datetime | None) -> Any:
    """Bind form of a datetime for raw SQL."""
    if value is None or not is_sqlite(session):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db(value: Any) -> datetime | None:
    """A datetime (aware, UTC) from a raw SQL result value."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("T", " ")
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
