"""The audit trail: every write attempt, who, when, what, outcome.

Events are written in their own transaction, so that a refused or failed
write is recorded although its own transaction was rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, as_utc
from sdmx_server.domain.kinds import AuditAction
from sdmx_server.domain.safe_text import safe_json
from sdmx_server.storage.db_health import unavailability
from sdmx_server.storage.tables import AuditEvent

log = logging.getLogger(__name__)


class AuditTrail:
    """Records and lists audit events."""

    def __init__(
        self,
        write_sessions: sessionmaker[Session],
        sessions: sessionmaker[Session],
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._writes = write_sessions
        self._sessions = sessions
        self.clock = clock

    def record(
        self,
        principal: str,
        action: AuditAction,
        target: str,
        outcome: str,
        status: int,
        details: dict[str, Any] | None = None,
        request_id: str = "",
    ) -> None:
        """Store one event (never raises: auditing must not break the answer)."""
        try:
            with self._writes() as session, session.begin():
                session.add(
                    AuditEvent(
                        at=self.clock.now(),
                        principal=principal[:255],
                        action=action,
                        target=target[:1024],
                        outcome=outcome,
                        status=status,
                        request_id=request_id[:64],
                        details=safe_json(details or {}),
                    )
                )
        except Exception as exc:  # noqa: BLE001 - logged; the answer to the client is not affected
            if (
                unavailability(exc) is not None
            ):  # the database is down or busy: one line, no traceback
                log.warning(
                    "could not record audit event %s %s %s: database unavailable",
                    principal,
                    action,
                    target,
                )
            else:
                log.exception("could not record audit event %s %s %s", principal, action, target)

    def events(
        self,
        since: datetime | None = None,
        action: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Events, newest first."""
        with self._sessions() as session:
            stmt = select(AuditEvent).order_by(AuditEvent.pk.desc()).offset(offset).limit(limit)
            if since is not None:
                stmt = stmt.where(AuditEvent.at >= since)
            if action is not None:
                stmt = stmt.where(AuditEvent.action == action)
            return [
                {
                    "id": e.pk,
                    "at": as_utc(e.at).isoformat(),
                    "principal": e.principal,
                    "action": e.action,
                    "target": e.target,
                    "outcome": e.outcome,
                    "status": e.status,
                    "requestId": e.request_id,
                    "details": e.details,
                }
                for e in session.execute(stmt).scalars()
            ]
