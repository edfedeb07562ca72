"""Request bodies of write requests: spooled to disk past a few MB, refused past the configured limit."""

from __future__ import annotations

import tempfile

from fastapi import Request

from sdmx_server.domain.errors import BadRequestError, RequestTooLargeError

SPOOL_IN_MEMORY = 8 << 20


async def read_body(request: Request, limit: int) -> tempfile.SpooledTemporaryFile[bytes]:
    """The request body, spooled to disk past 8 MB; 413 as soon as it exceeds ``limit``.

    A declared ``Content-Length`` over the limit is refused before anything is
    read; a body without one is counted as it arrives, so it is never held whole.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"The body has {declared} bytes; the limit is {limit}")
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spool.close()
            raise RequestTooLargeError(f"The body exceeds the limit of {limit} bytes")
        spool.write(chunk)
    spool.seek(0)
    if size == 0:
        spool.close()
        raise BadRequestError("The request has no body")
    return spool
