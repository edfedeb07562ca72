"""Readiness: does the database answer, and is its schema at the newest migration?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from sdmx_server.storage.db_health import RETRY_AFTER, DbHealth, Unavailability, unavailability
from sdmx_server.storage.schema import current_revision, head_revision

# Routes classify database failures through this module (they never import storage).
__all__ = ["RETRY_AFTER", "DbHealth", "Unavailability", "readiness", "unavailability"]


def readiness(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """``(ready, body)``: the body says why not when the server is not ready."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except Exception as exc:  # any database failure means "not ready"
        return False, {"status": "unavailable", "reason": str(exc).splitlines()[0]}
    head = head_revision()
    if revision != head:
        return False, {
            "status": "unavailable",
            "reason": f"schema at {revision}, code expects {head}",
        }
    return True, {"status": "ready", "schema": revision}
