"""Bodies that must be refused cleanly, changing nothing (issue 9): gzip members, names of schema
files, clients that go away mid-upload, and the rest of the hostile bodies the server was fed.

Every refusal is checked on a live server (uvicorn on loopback) with real clients, and the data (and,
where structures are written, structure) tables are compared before and after.
"""

from __future__ import annotations

import gzip
import logging
import socket
import time

import httpx

from tests.push.conftest import CSV10_TYPE, PushEnv, exr_csv, sdmx_error

ROWS = [f"M,CHF,EUR,SP00,A,2031-{m:02d},1.{m},A" for m in range(1, 13)]


# --------------------------------------------------------------------------- gzip


def test_gzip_body_of_several_members_is_read_whole(exr_env: PushEnv) -> None:
    """RFC 1952: a gzip body may hold several members; every one is read, not only the first."""
    text = exr_csv(ROWS).encode()
    cut = text.index(b"\n", len(text) // 2) + 1
    body = gzip.compress(text[:cut]) + gzip.compress(text[cut:])
    r = exr_env.push(body, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["inserted"] == 12, r.text[:500]
    # Three members, one of them empty, split across the request's chunks one byte at a time.
    text = text.replace(b",1.", b",2.")
    body = gzip.compress(text[:cut]) + gzip.compress(b"") + gzip.compress(text[cut:])
    with httpx.Client(base_url=exr_env.url, timeout=60) as client:
        r = client.post("/rest/v2/data/dataflow/ECB/EXR/1.0", content=(body[i:i + 1] for i in range(len(body))),
                        headers={**exr_env.auth("ECB"), "Content-Type": CSV10_TYPE, "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["updated"] == 12, r.text[:500]


def test_gzip_trailing_garbage_is_refused(exr_env: PushEnv) -> None:
    ok = gzip.compress(exr_csv(ROWS).encode())
    before = exr_env.snapshot()
    for tail in (b"garbage after the stream", b"\x00" * 10, b"\x1f", b"\x1f\x8b\x08"):
        r = exr_env.push(ok + tail, headers={"Content-Encoding": "gzip"})
        assert r.status_code == 400, (tail, r.status_code, r.text[:300])
        code, message = sdmx_error(r)
        assert code == 140 and ("trailing garbage" in message or "truncated" in message), message
    assert exr_env.snapshot() == before


def test_gzip_members_count_against_the_limit_together(make_exr_env) -> None:
    """The limit applies to what all the members expand to, not to each one."""
    env: PushEnv = make_exr_env(max_body_bytes=20_000)
    text = exr_csv(ROWS).encode()
    assert len(text) < 20_000
    before = env.snapshot()
    body = gzip.compress(text) + b"".join(gzip.compress(b"0" * 9_000) for _ in range(3))
    r = env.push(body, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 413 and "decompressed" in sdmx_error(r)[1]
    assert env.snapshot() == before


# --------------------------------------------------------------------------- schema files


def test_invalid_schema_file_names_are_404(exr_env: PushEnv) -> None:
    with exr_env.client(None, validate=False) as client:
        assert client.get("/schemas/v2_1/SDMXMessage.xsd").status_code == 200
        for name in ("A" * 300 + ".xsd", "B" * 5000 + ".xsd", "%00.xsd", "..%2F..%2Fetc%2Fpasswd", "SDMXMessage.xml",
                     "%2E%2E.xsd", "sdmxmessage.xsd"):
            r = client.get(f"/schemas/v2_1/{name}")
            assert r.status_code == 404, (name[:20], r.status_code)
            assert sdmx_error(r)[0] == 100 and len(r.content) < 2000


# --------------------------------------------------------------------------- clients that go away


def test_client_that_disconnects_mid_upload_is_recorded_as_its_abort(exr_env: PushEnv, caplog) -> None:
    body = exr_csv(ROWS).encode()
    before = exr_env.snapshot()
    host, port = exr_env.url.removeprefix("http://").split(":")
    caplog.set_level(logging.INFO)
    for path, auth in (("/rest/v2/data/dataflow/ECB/EXR/1.0", "ECB"), ("/rest/v2/structure", "admin")):
        with socket.create_connection((host, int(port))) as sock:
            head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CSV10_TYPE}\r\n"
                    f"Authorization: {exr_env.auth(auth)['Authorization']}\r\n"
                    f"Content-Length: {len(body) * 100}\r\n\r\n").encode()
            sock.sendall(head + body[:200])
            time.sleep(0.2)  # the server is reading the body now
        deadline = time.monotonic() + 10
        with exr_env.client("admin") as client:
            while True:
                events = client.get("/admin/audit").json()["events"]
                mine = [e for e in events if e["target"].startswith("dataflow/ECB,EXR" if "data" in path
                                                                    else "structure/")]
                if mine or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert mine and mine[0]["status"] == 499 and mine[0]["outcome"] == "ClientAbortedError", events[:2]
    assert exr_env.snapshot() == before
    records = [r for r in caplog.records if "closed the connection" in r.getMessage()]
    assert len(records) == 2 and all(r.levelno == logging.INFO and not r.exc_info for r in records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], \
        [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
