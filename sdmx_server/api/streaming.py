"""A streamed answer whose database resources are released on every path, in a worker thread.

Starlette streams a synchronous iterator by calling ``next`` in the thread
pool, but never closes it: when the client goes away mid-answer the iterator
(and the session and pooled connection it holds) is left to the garbage
collector, which may finalise it on any thread, the event loop's included.
There a rollback, or the draining of a cancelled COPY, blocks every request of
the worker. ``ReleasingStreamingResponse`` owns the iterator instead: it
pulls chunks in worker threads and, however the response ends (complete,
client gone, cancelled, failed), closes the iterator and calls ``release`` in a
worker thread, shielded from cancellation, before the response is over.

Those threads come from a limiter of their own: a stream holds a pooled
connection, and if it had to queue for a thread behind requests that are
themselves waiting for a pooled connection, neither would move until the
pool timeout (a burst of 256 clients fell to 8 answers a second that way).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

_END = object()

STREAM_THREADS = 64  # per worker: more than the pool's connections, so every stream can always move
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _stream_limiter() -> anyio.CapacityLimiter:
    """The thread limiter of streamed answers on this event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(STREAM_THREADS)
    return limiter


def _next(chunks: Iterator[bytes]) -> object:
    return next(chunks, _END)


class ReleasingStreamingResponse(StreamingResponse):
    """``StreamingResponse`` over a synchronous byte iterator, released deterministically."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        release: Callable[[], None],
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self._chunks = chunks
        self._release = release
        self._released = False
        super().__init__(
            self._pull(), status_code=status_code, headers=headers, media_type=media_type
        )

    async def _pull(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await anyio.to_thread.run_sync(_next, self._chunks, limiter=_stream_limiter())
            if chunk is _END:
                return
            assert isinstance(chunk, bytes)
            yield chunk

    def close_now(self) -> None:
        """Close the iterator and release its resources (idempotent; call from a worker thread)."""
        if self._released:
            return
        self._released = True
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        except Exception:  # noqa: BLE001 - an abandoned stream must never fail the release
            log.debug("closing an abandoned stream failed", exc_info=True)
        finally:
            self._release()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            body = self.body_iterator
            with anyio.CancelScope(shield=True):
                if hasattr(body, "aclose"):
                    await (
                        body.aclose()
                    )  # suspended at a yield (or done): no thread is in the iterator
                await anyio.to_thread.run_sync(self.close_now, limiter=_stream_limiter())
