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


def unwrap_upload(spool: tempfile.SpooledTemporaryFile[bytes],
                  content_type: str | None) -> tuple[tempfile.SpooledTemporaryFile[bytes], str | None]:
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
            b"Content-Type: " + (content_type or "").encode("latin-1") + b"\r\n\r\n" + raw)
        if not msg.is_multipart():
            raise BadRequestError("The multipart/form-data body cannot be read")
        parts = [p for p in msg.iter_parts() if p.get_param("name", header="content-disposition") == "file"] or \
            [p for p in msg.iter_parts() if p.get_filename()]
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
            raise BadRequestError("The Excel workbook cannot be read: send the submission template, filled in") \
                from None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        spool.write(book.body)
        spool.seek(0)
        content_type = "application/vnd.sdmx.data+csv;version=1.0.0"
    if spool.seek(0, 2) == 0:
        spool.close()
        raise BadRequestError("The request has no body")
    spool.seek(0)
    return spool, content_type
