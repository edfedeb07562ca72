"""Rendered structure responses with validators that stay right across workers.

The ETag derives from the per-type generations of ``structure_state`` and
from the request, so any worker knows that a structure changed with no shared
memory. The state comes from :class:`StructureStateCache` (on PostgreSQL a
copy kept fresh by ``LISTEN``/``NOTIFY``; otherwise one small query), so that
a 304 costs no database round trip. Rendered bodies are kept per worker in a
small LRU keyed by that ETag (a body is only ever reused for the exact state
it was made from).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.media_types import MediaType
from sdmx_server.formats.registry import structure_writer
from sdmx_server.services.state_watch import State, StructureStateCache
from sdmx_server.services.structure_query import StructureQuery, StructureQueryService

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Validators:
    """ETag and Last-Modified of a response, known before rendering it."""

    etag: str
    last_modified: datetime


@dataclass
class Rendered:
    """A rendered body, with its gzip form made on first demand."""

    body: bytes
    _gzip: bytes | None = field(default=None, repr=False)

    @property
    def has_gzip(self) -> bool:
        """Whether the gzip form is ready (making it may take milliseconds for a large body)."""
        return self._gzip is not None

    def gzipped(self) -> bytes:
        """The body compressed with gzip (cached)."""
        if self._gzip is None:
            self._gzip = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzip


class StructureRenderer:
    """Validators and (cached) bodies for structure queries."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        queries: StructureQueryService,
        sender: str = "SDMX_SERVER",
        cache_entries: int = 256,
        *,
        state: StructureStateCache,
    ) -> None:
        self._factory = session_factory
        self.state = state
        self._queries = queries
        self._sender = sender
        self._cache: OrderedDict[str, Rendered] = OrderedDict()
        self._validators: dict[tuple[str, str, str, str], tuple[State, Validators]] = {}
        self._max = cache_entries
        self._lock = threading.Lock()

    def validators(
        self,
        q: StructureQuery,
        media: MediaType,
        languages: Languages,
        state: State | None = None,
        *,
        public_url: str,
    ) -> Validators:
        """ETag and Last-Modified for this query in the current state of the store (or in ``state``).

        ``public_url`` is the base of the links the body holds (part of the ETag).
        """
        if state is None:
            state = self.state.read()
        memo_key = (q.cache_key(), media.format_id, languages.tag, public_url)
        hit = self._validators.get(memo_key)
        if hit is not None and hit[0] is state:  # the same snapshot object: nothing changed since
            return hit[1]
        validators = self._compute_validators(q, media, languages, state, public_url)
        with self._lock:
            self._validators[memo_key] = (state, validators)
            while len(self._validators) > 4 * self._max:
                self._validators.pop(next(iter(self._validators)))
        return validators

    def _compute_validators(
        self,
        q: StructureQuery,
        media: MediaType,
        languages: Languages,
        state: State,
        public_url: str,
    ) -> Validators:
        involved = sorted(t.value for t in q.involved_types)
        gens = ",".join(f"{t}={state[t][0]}" for t in involved if t in state)
        changed = [state[t][1] for t in involved if t in state]
        key = f"{q.cache_key()}|{media.format_id}|{languages.tag}|{public_url}|{gens}"
        etag = '"' + hashlib.sha1(key.encode()).hexdigest()[:24] + '"'
        return Validators(etag=etag, last_modified=max(changed) if changed else EPOCH)

    def cached(self, etag: str) -> Rendered | None:
        """The body already rendered for this ETag, if this worker has it."""
        with self._lock:
            hit = self._cache.get(etag)
            if hit is not None:
                self._cache.move_to_end(etag)
            return hit

    def render(
        self, q: StructureQuery, media: MediaType, languages: Languages, etag: str, public_url: str
    ) -> Rendered:
        """The body for ``q`` with links under ``public_url`` (NoResultsError if nothing matches)."""
        hit = self.cached(etag)
        if hit is not None:
            return hit
        entries = self._queries.query(q)
        ctx = RenderContext(public_url=public_url, languages=languages, sender=self._sender)
        rendered = Rendered(structure_writer(media)(entries, ctx))
        with self._lock:
            self._cache[etag] = rendered
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return rendered

    def clear(self) -> None:
        """Forget every cached body (tests; correctness never depends on it)."""
        with self._lock:
            self._cache.clear()
