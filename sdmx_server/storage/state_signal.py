"""Announcing structure changes: to other workers (PostgreSQL NOTIFY) and to this process.

``structure_repo.bump_state`` calls :func:`announce` inside the writing
transaction. Other workers hear of it through ``NOTIFY`` (delivered at commit,
not at all on rollback); caches of this process are told at once and again
after the commit, so that the writer's own next request never sees an old copy.
"""

from __future__ import annotations

import weakref
from typing import Protocol

from sqlalchemy import event, text
from sqlalchemy.orm import Session

CHANNEL = "sdmx_structure_state"


class Invalidatable(Protocol):
    """A per-process cache of the structure state."""

    def invalidate(self) -> None:
        """Forget the cached copy."""


_local: weakref.WeakSet[Invalidatable] = weakref.WeakSet()


def register(cache: Invalidatable) -> None:
    """Have ``cache.invalidate()`` called whenever this process changes the structure state."""
    _local.add(cache)


def invalidate_local() -> None:
    """Drop every registered cache of this process."""
    for cache in list(_local):
        cache.invalidate()


def announce(session: Session) -> None:
    """Tell every worker (at commit) and this process (now and after commit) that structures changed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    invalidate_local()
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)


def _after_commit(session: Session) -> None:
    invalidate_local()
