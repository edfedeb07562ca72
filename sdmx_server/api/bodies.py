"""Request bodies of write requests: spooled to disk past a few MB, refused past the configured limit."""

from __future__ import annotations

import logging
import tempfile
import zlib
from collections.abc import AsyncIterator, Iterator

from fastapi import Request
from starlette.requests import ClientDisconnect

from sdmx_server.domain.errors import (
    BadRequestError,
    ClientAbortedError,
    RequestTooLargeError,
    UnsupportedMediaTypeError,
)

SPOOL_IN_MEMORY = 8 << 20
_INFLATE_STEP = 1 << 20  # decompressed bytes per step: a small compressed chunk can hold a lot
_GZIP_MAGIC = b"\x1f\x8b"

log = logging.getLogger(__name__)


class _GzipMembers:
    """Decompresses a gzip body of one or more members (RFC 1952 2.2), in bounded steps.

    Whatever follows a member must be the start of another one: anything else
    (garbage, padding) is refused rather than silently dropped, and so is a
    body that ends inside a member.
    """

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._between = b""  # bytes after a complete member, before the next one is recognised
        self._members = 1

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decompressed pieces (at most ``_INFLATE_STEP`` bytes each) of the next compressed bytes."""
        while data:
            if self._inflater.eof:
                data = self._between + data
                if len(data) < len(_GZIP_MAGIC):
                    self._between = data  # wait for the rest of the next member's magic number
                    return
                if not data.startswith(_GZIP_MAGIC):
                    raise BadRequestError(
                        f"The gzip-encoded body goes on after its gzip member {self._members} "
                        "with bytes that are not another gzip member (trailing garbage)"
                    )
                self._between = b""
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._members += 1
            try:
                out = self._inflater.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                raise BadRequestError(
                    f"The gzip-encoded body cannot be decompressed (member {self._members}): {exc}"
                ) from None
            if out:
                yield out
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                data = self._inflater.unused_data + data

    def finish(self) -> None:
        """Refuse a body that ended inside a member or after a stray byte."""
        if not self._inflater.eof:
            raise BadRequestError("The gzip-encoded body is truncated")
        if self._between:
            raise BadRequestError(
                f"The gzip-encoded body goes on after its gzip member {self._members} "
                "with bytes that are not another gzip member (trailing garbage)"
            )


async def _stream(request: Request) -> AsyncIterator[bytes]:
    """The body's chunks; a client that goes away mid-upload is :class:`ClientAbortedError`."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise ClientAbortedError(
            "The client closed the connection before the whole body was received"
        ) from None


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
        raise UnsupportedMediaTypeError(
            f"Content-Encoding {encoding} is not supported; send gzip or no encoding"
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"The body has {declared} bytes; the limit is {limit}")
    inflater = _GzipMembers() if encoding != "identity" else None
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(
        max_size=SPOOL_IN_MEMORY
    )
    received = size = 0
    try:
        async for chunk in _stream(request):
            received += len(chunk)
            if received > limit:
                raise RequestTooLargeError(f"The body exceeds the limit of {limit} bytes")
            if inflater is None:
                size += len(chunk)
                spool.write(chunk)
                continue
            for out in inflater.feed(chunk):
                size += len(out)
                if size > limit:
                    raise RequestTooLargeError(
                        f"The decompressed body exceeds the limit of {limit} bytes"
                    )
                spool.write(out)
        if inflater is not None and received:
            inflater.finish()
    except ClientAbortedError:
        spool.close()
        # The client's doing, not the server's: one line, no traceback (audited as 499 by the route).
        log.info(
            "client closed the connection during the upload of %s %s after %d bytes",
            request.method,
            request.url.path,
            received,
        )
        raise
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    if size == 0:
        spool.close()
        raise BadRequestError("The request has no body")
    return spool


def unwrap_upload(
    spool: tempfile.SpooledTemporaryFile[bytes], content_type: str | None
) -> tuple[tempfile.SpooledTemporaryFile[bytes], str | None]:
    """A pushed body as the data readers take it: the ``file`` part of a ``multipart/form-data``
    body (extension, for HTML forms and tools that upload files), and an Excel workbook made from
    the submission template (``.xlsx``, by its media type or its first bytes) as SDMX-CSV.

    Other bodies are returned untouched. Multipart and workbook bodies are read in memory
    (they are already bounded by the body limit).
    """
    from sdmx_server.readers.xlsx import XLSX_TYPE, is_xlsx, xlsx_to_csv

    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        import email.parser
        import email.policy

        raw = spool.read()
        spool.close()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + (content_type or "").encode("latin-1") + b"\r\n\r\n" + raw
        )
        if not msg.is_multipart():
            raise BadRequestError("The multipart/form-data body cannot be read")
        parts = [
            p
            for p in msg.iter_parts()
            if p.get_param("name", header="content-disposition") == "file"
        ] or [p for p in msg.iter_parts() if p.get_filename()]
        if not parts:
            raise BadRequestError("The multipart/form-data body has no 'file' part")
        part = parts[0]
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        inner = part.get_content_type()
        content_type = None if inner in ("application/octet-stream", "text/plain") else inner
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        spool.write(data)
        spool.seek(0)
        ctype = (content_type or "").lower()
    head = spool.read(4)
    spool.seek(0)
    if ctype == XLSX_TYPE or is_xlsx(head):
        data = spool.read()
        spool.close()
        try:
            book = xlsx_to_csv(data)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or foreign zip
            raise BadRequestError(
                "The Excel workbook cannot be read: send the submission template, filled in"
            ) from None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        spool.write(book.body)
        spool.seek(0)
        content_type = "application/vnd.sdmx.data+csv;version=1.0.0"
    if spool.seek(0, 2) == 0:
        spool.close()
        raise BadRequestError("The request has no body")
    spool.seek(0)
    return spool, content_type
