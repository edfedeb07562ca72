"""Request bodies of write requests: spooled to disk past a few MB, refused past the configured limit."""

from __future__ import annotations

import tempfile
import zlib

from fastapi import Request

from sdmx_server.domain.errors import (
    BadRequestError,
    RequestTooLargeError,
    UnsupportedMediaTypeError,
)

SPOOL_IN_MEMORY = 8 << 20
_INFLATE_STEP = 1 << 20  # decompressed bytes per step: a small compressed chunk can hold a lot


async def read_body(request: Request, limit: int) -> tempfile.SpooledTemporaryFile[bytes]:
    """The request body, spooled to disk past 8 MB; 413 as soon as it exceeds ``limit``.

    A declared ``Content-Length`` over the limit is refused before anything is
    read; a body without one is counted as it arrives, so it is never held whole.
    ``Content-Encoding: gzip`` is decompressed as it arrives, the limit applying
    to the decompressed body too (a compression bomb stops at the limit); any
    other encoding is 415.
    """
    encoding = (request.headers.get("content-encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise UnsupportedMediaTypeError(f"Content-Encoding {encoding} is not supported; send gzip or no encoding")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"The body has {declared} bytes; the limit is {limit}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    received = size = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise RequestTooLargeError(f"The body exceeds the limit of {limit} bytes")
            if inflater is None:
                size += len(chunk)
                spool.write(chunk)
                continue
            data = chunk
            while data:
                try:
                    out = inflater.decompress(data, _INFLATE_STEP)
                except zlib.error as exc:
                    raise BadRequestError(f"The gzip-encoded body cannot be decompressed: {exc}") from None
                size += len(out)
                if size > limit:
                    raise RequestTooLargeError(f"The decompressed body exceeds the limit of {limit} bytes")
                spool.write(out)
                data = inflater.unconsumed_tail
        if inflater is not None and not inflater.eof and received:
            raise BadRequestError("The gzip-encoded body is truncated")
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    if size == 0:
        spool.close()
        raise BadRequestError("The request has no body")
    return spool
