"""Hostile and broken input changes nothing stored, and says clearly what is wrong.

Every case compares the data tables before and after, checks the status
(422 with the JSON report for content errors, 400/413 SDMX error messages for
the request itself) and the report's errors: every one listed, each with its
location, component, value and reason, none twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.push.conftest import (
    CSV10_TYPE,
    CSV20_TYPE,
    GENERIC21_TYPE,
    SS21_TYPE,
    PushEnv,
    db_text,
    exr_csv,
    sdmx_error,
)

HEADER = (
    "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
)
SS21_OPEN = (
    '<mes:StructureSpecificData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
    'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
    "<mes:Header><mes:ID>X</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z</mes:Prepared>"
    '<mes:Sender id="ECB"/></mes:Header><mes:DataSet>'
)
SS21_CLOSE = "</mes:DataSet></mes:StructureSpecificData>"


def refused(
    env: PushEnv,
    body: bytes | str,
    content_type: str | None = CSV10_TYPE,
    status: int = 422,
    **kwargs: object,
) -> httpx.Response:
    """Push ``body``; assert the status and that the data tables did not change."""
    before = env.snapshot()
    r = env.push(body, content_type=content_type, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, (r.status_code, r.text[:1000])
    assert env.snapshot() == before, "refused input changed the data tables"
    if status == 422:
        report = r.json()
        assert (
            report["status"] == "invalid"
            and report["inserted"] == report["updated"] == report["deleted"] == 0
        )
        assert len(report["errors"]) == min(report["errorCount"], 1000) >= 1
        for e in report["errors"]:
            assert (
                set(e) == {"location", "component", "value", "reason"}
                and e["location"]
                and e["reason"]
            ), e
    return r


def errors(r: httpx.Response) -> list[tuple[str, str, str]]:
    return [(e["location"], e["component"], e["value"]) for e in r.json()["errors"]]


def reasons(r: httpx.Response) -> str:
    return " | ".join(e["reason"] for e in r.json()["errors"])


# --------------------------------------------------------------------------- XML


def test_malformed_xml(exr_env: PushEnv) -> None:
    body = (
        SS21_OPEN
        + '\n<Series FREQ="M" CURRENCY="USD">\n<Obs TIME_PERIOD="2031-01" OBS_VALUE="1"\n'
        + SS21_CLOSE
    )
    r = refused(exr_env, body, SS21_TYPE)
    (error,) = r.json()["errors"]
    assert error["location"].startswith("line ") and "malformed XML" in error["reason"]
    r = refused(exr_env, "<not-closed", "application/xml")
    assert r.json()["errorCount"] == 1


PASSWD = "file:///etc/passwd"


def test_external_entity_is_never_resolved(exr_env: PushEnv) -> None:
    secret = open("/etc/passwd").read().splitlines()[0]  # e.g. root:x:0:0:root:/root:/bin/bash
    assert secret
    variants = [
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "{PASSWD}">]>\n'
        + SS21_OPEN
        + '<Series FREQ="M" CURRENCY="&xxe;" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A">'
        '<Obs TIME_PERIOD="2031-01" OBS_VALUE="1" OBS_STATUS="A"/></Series>' + SS21_CLOSE,
        f'<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "{PASSWD}">\n' + SS21_OPEN + SS21_CLOSE,
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY % p SYSTEM "{PASSWD}"> %p;]>\n'
        + SS21_OPEN
        + SS21_CLOSE,
        SS21_OPEN.replace(
            "<mes:DataSet>",
            f'<mes:DataSet xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="{PASSWD}" parse="text"/>',
        )
        + SS21_CLOSE,
    ]
    for body in variants:
        for content_type in (SS21_TYPE, "application/xml", None):
            r = refused(exr_env, body, content_type)
            assert secret not in r.text and "root:" not in r.text
    assert secret not in db_text(exr_env.services)


def test_entity_expansion_is_refused_fast(exr_env: PushEnv) -> None:
    lol = '<!ENTITY lol0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [{lol}]>\n'
        + SS21_OPEN
        + '<Series FREQ="M" CURRENCY="USD" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A" TITLE="&lol9;">'
        + '<Obs TIME_PERIOD="2031-01" OBS_VALUE="1" OBS_STATUS="A"/></Series>'
        + SS21_CLOSE
    )
    started = time.monotonic()
    r = refused(exr_env, bomb, SS21_TYPE)
    assert time.monotonic() - started < 5
    assert "DOCTYPE" in reasons(r) or "DTD" in reasons(r) or "entit" in reasons(r).lower()
    assert len(r.content) < 10_000


# --------------------------------------------------------------------------- size


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield (HEADER + "\n").encode()
    line = b"ECB:EXR(1.0),M,USD,EUR,SP00,A,2031-01,1,A\n"
    sent = 0
    while sent < total:
        block = line * (size // len(line))
        sent += len(block)
        yield block


def test_body_over_the_limit(make_exr_env) -> None:
    env: PushEnv = make_exr_env(max_body_bytes=20_000)
    ok = exr_csv([f"M,CHF,EUR,SP00,A,2031-{m:02d},1.{m},A" for m in range(1, 13)])
    assert len(ok) < 20_000
    assert env.push(ok).status_code == 200
    before = env.snapshot()
    big = exr_csv([f"M,GBP,EUR,SP00,A,{2100 + n // 12}-{n % 12 + 1:02d},1,A" for n in range(1000)])
    assert len(big) > 20_000
    for accept, json in ((None, False), ("application/json", True)):
        headers = {"Accept": accept} if accept else None
        r = env.push(big, headers=headers)
        assert r.status_code == 413, r.text[:300]
        code, message = sdmx_error(r)
        assert code == 130 and "20000" in message
        assert r.headers["content-type"].startswith(
            "application/json" if json else "application/xml"
        )
    # Without Content-Length (chunked transfer): refused once the limit is passed, not after reading it all.
    with httpx.Client(base_url=env.url, timeout=60) as client:
        r = client.post(
            "/rest/v2/data/dataflow/ECB/EXR/1.0",
            content=_chunks(5_000_000),
            headers={**env.auth("ECB"), "Content-Type": CSV10_TYPE},
        )
    assert r.status_code == 413 and sdmx_error(r)[0] == 130
    assert env.snapshot() == before
    # Refusals are audited.
    with env.client("admin") as client:
        events = client.get("/admin/audit", params={"action": "data.submit"}).json()["events"]
    assert sum(1 for e in events if e["status"] == 413) == 3


def test_empty_body_and_header_only(exr_env: PushEnv) -> None:
    r = refused(exr_env, b"", status=400)
    assert sdmx_error(r)[0] == 140 and "no body" in sdmx_error(r)[1]
    for body in (HEADER + "\n", HEADER, "\ufeff" + HEADER + "\r\n"):
        r = refused(exr_env, body)
        assert reasons(r).startswith("the message holds no data"), r.text
    r = refused(exr_env, "   \n\n", content_type=None)
    assert r.json()["errorCount"] == 1


# --------------------------------------------------------------------------- encodings


def test_wrong_encodings(exr_env: PushEnv) -> None:
    latin1 = (
        HEADER + ",TITLE\n" + "ECB:EXR(1.0),M,USD,EUR,SP00,A,2031-01,1,A,Dollar américain\n"
    ).encode("latin-1")
    r = refused(exr_env, latin1, CSV10_TYPE)
    assert "UTF-8" in reasons(r) and errors(r)[0][0] == "line 2"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + SS21_OPEN
        + '<Series FREQ="M" CURRENCY="USD" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A" TITLE="Dollar am\xe9ricain">'
        + '<Obs TIME_PERIOD="2031-01" OBS_VALUE="1" OBS_STATUS="A"/></Series>'
        + SS21_CLOSE
    ).encode("latin-1")
    r = refused(exr_env, xml, SS21_TYPE)
    assert "malformed XML" in reasons(r) or "UTF-8" in reasons(r)
    utf16 = exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]).encode("utf-16-le")  # no BOM
    for content_type in (CSV10_TYPE, None):
        r = refused(exr_env, utf16, content_type)
        assert r.json()["errorCount"] >= 1
    garbage = bytes(range(256)) * 64
    for content_type in (CSV10_TYPE, SS21_TYPE, None, "application/octet-stream"):
        r = refused(exr_env, garbage, content_type)
        assert r.json()["errorCount"] >= 1


def test_utf8_with_bom_and_utf16_xml_with_bom_are_fine(exr_env: PushEnv) -> None:
    """Not everything unusual is hostile: BOMs and a declared UTF-16 XML message are accepted."""
    body = "\ufeff" + exr_csv(["M,CHF,EUR,SP00,A,2031-01,1,A"])
    assert exr_env.push(body.encode("utf-8")).json()["inserted"] == 1
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        + SS21_OPEN
        + '<Series FREQ="M" CURRENCY="CHF" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A" TITLE="Franc é">'
        + '<Obs TIME_PERIOD="2031-02" OBS_VALUE="2" OBS_STATUS="A"/></Series>'
        + SS21_CLOSE
    )
    r = exr_env.push(xml.encode("utf-16"), content_type=SS21_TYPE)
    assert r.status_code == 200 and r.json()["inserted"] == 1, r.text


# --------------------------------------------------------------------------- content errors


def test_every_content_error_is_listed(exr_env: PushEnv) -> None:
    body = exr_csv(
        [
            "M,USD,EUR,SP00,A,2031-01,1,A",  # fine
            "M,NOPE,EUR,SP00,A,2031-01,1,A",  # unknown code
            "M,USD,EUR,SP00,A,2031-13,1,A",  # no month 13
            "M,USD,EUR,SP00,A,31/01/2031,1,A",  # not an SDMX period
            "Q,USD,EUR,SP00,A,2031-01,1,A",  # a month in a quarterly series
            "M,USD,EUR,SP00,A,2031-02,1;5,A",  # not a number
            "M,USD,EUR,SP00,A,2031-03,abc,A",  # not a number
            "M,USD,EUR,SP00,A,2031-04,1,",  # mandatory OBS_STATUS missing
            "M,USD,EUR,SP00,A,2031-05,1,ZZ",  # not a code of CL_OBS_STATUS
            "M,USD,EUR,SP00,A,2031-01,2,A",  # duplicate of line 2
            "M,USD,EUR,SP00,A,2031-06,1",  # a cell short
            "M,USD,EUR,SP00,A,2031-07,1,A,extra",  # a cell too many
            "M,USD,EUR,SP00,A,,1,A",  # no period
        ]
    )
    r = refused(exr_env, body)
    got = errors(r)
    assert got == [
        ("line 3", "CURRENCY", "NOPE"),
        ("line 4", "TIME_PERIOD", "2031-13"),
        ("line 5", "TIME_PERIOD", "31/01/2031"),
        ("line 6", "TIME_PERIOD", "2031-01"),
        ("line 7", "OBS_VALUE", "1;5"),
        ("line 8", "OBS_VALUE", "abc"),
        ("line 9", "OBS_STATUS", ""),
        ("line 10", "OBS_STATUS", "ZZ"),
        ("line 12", "", ""),
        ("line 13", "", ""),
        ("line 14", "TIME_PERIOD", ""),
        ("line 11", "TIME_PERIOD", "2031-01"),
    ], [(g, e["reason"]) for g, e in zip(got, r.json()["errors"], strict=True)]
    text = reasons(r)
    for phrase in (
        "not a code of",
        "not a valid time period",
        "does not match the frequency Q",
        "not a number",
        "mandatory attribute missing",
        "more than once",
    ):
        assert phrase in text, phrase
    assert len(set(got)) == len(got), "an error is listed twice"


def test_wrong_key_length_and_unknown_components(exr_env: PushEnv) -> None:
    # CSV with a dimension column missing, and with an unknown column.
    missing = (
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        "ECB:EXR(1.0),M,USD,EUR,SP00,2031-01,1,A\nECB:EXR(1.0),M,USD,EUR,SP00,2031-02,1,A\n"
    )
    r = refused(exr_env, missing)
    assert errors(r) == [("line 1", "", "")] and "missing column(s) EXR_SUFFIX" in reasons(r), (
        r.text
    )
    extra = HEADER + ",COLOUR\nECB:EXR(1.0),M,USD,EUR,SP00,A,2031-01,1,A,blue\n"
    r = refused(exr_env, extra)
    assert ("line 2", "COLOUR", "blue") in errors(r) or any(
        c == "COLOUR" for _l, c, _v in errors(r)
    ), r.text
    # SDMX-ML: a series with a dimension too few, and one with an unknown attribute.
    xml = (
        SS21_OPEN + '<Series FREQ="M" CURRENCY="USD" CURRENCY_DENOM="EUR" EXR_TYPE="SP00">'
        '<Obs TIME_PERIOD="2031-01" OBS_VALUE="1" OBS_STATUS="A"/></Series>'
        '<Series FREQ="M" CURRENCY="USD" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A" COLOUR="red">'
        '<Obs TIME_PERIOD="2031-01" OBS_VALUE="1" OBS_STATUS="A"/></Series>' + SS21_CLOSE
    )
    r = refused(exr_env, xml, SS21_TYPE)
    components = {c for _l, c, _v in errors(r)}
    assert "EXR_SUFFIX" in components and "COLOUR" in components, r.text
    # A message for another dataflow than the URL's: an error of the message like any other, reported.
    other = exr_csv(["M,USD,EUR,SP00,A,2031-01,1,A"]).replace("ECB:EXR(1.0)", "ECB:OTHER(1.0)")
    r = refused(exr_env, other)
    assert errors(r) == [("line 1", "", "")] and "for dataflow OTHER, not EXR" in reasons(r)


def test_control_characters(exr_env: PushEnv) -> None:
    body = (
        HEADER
        + ",OBS_COM\n"
        + "ECB:EXR(1.0),M,USD,EUR,SP00,A,2031-01,1,A,bell\x07here\n"
        + "ECB:EXR(1.0),M,USD,EUR,SP00,A,2031-02,1,A,nul\x00here\n"
    )
    r = refused(exr_env, body)
    assert {loc for loc, comp, _v in errors(r) if comp == "OBS_COM"} == {"line 2", "line 3"}, r.text
    assert "control characters" in reasons(r)
    # The report itself is clean JSON whatever was sent.
    assert "\x00" not in r.text and "\x07" not in r.text


def test_csv20_structure_mismatch(exr_env: PushEnv) -> None:
    body = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS\n"
        + "dataflow,ECB:EXR(1.0),A,M,USD,EUR,SP00,A,2031-01,1,A\n"
        + "dataflow,ECB:OTHER(1.0),A,M,USD,EUR,SP00,A,2031-02,1,A\n"
    )
    r = refused(exr_env, body, CSV20_TYPE)
    assert errors(r)[0][0] == "line 3"


@pytest.mark.parametrize("n", [5000])
def test_thousands_of_errors_are_all_listed(exr_env: PushEnv, n: int) -> None:
    rows = [f"M,USD,EUR,SP00,A,{2100 + i // 12}-{i % 12 + 1:02d},oops{i},A" for i in range(n)]
    r = refused(exr_env, exr_csv(rows))
    report = r.json()
    assert report["errorCount"] == n and report["rows"] == n
    assert len(report["errors"]) == 1000 and "nextErrors" in report
    everything = []
    with exr_env.client("ECB") as client:
        offset = 0
        while True:
            page = client.get(
                f"/rest/v2/submissions/{report['submission']}/errors",
                params={"offset": offset, "limit": 1500},
            ).json()
            everything += page["errors"]
            if "next" not in page:
                break
            offset += len(page["errors"])
    assert len(everything) == n
    assert [(e["location"], e["component"], e["value"]) for e in everything] == [
        (f"line {i + 2}", "OBS_VALUE", f"oops{i}") for i in range(n)
    ]
    assert all(e["reason"] == "not a number" for e in everything)


def test_errors_in_xml_written_on_one_line_name_their_observation(exr_env: PushEnv) -> None:
    """Most tools write SDMX-ML on one line: every error must still say which observation it is."""
    obs = "".join(
        f'<gen:Obs><gen:ObsDimension value="2031-0{m}"/><gen:ObsValue value="x{m}"/><gen:Attributes>'
        '<gen:Value id="OBS_STATUS" value="A"/></gen:Attributes></gen:Obs>'
        for m in (1, 2, 3)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><mes:GenericData '
        'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:gen="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><mes:Header><mes:ID>E</mes:ID>'
        '<mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z</mes:Prepared><mes:Sender id="ECB"/>'
        '<mes:Structure structureID="S" dimensionAtObservation="TIME_PERIOD"><com:StructureUsage>'
        '<Ref agencyID="ECB" id="EXR" version="1.0"/></com:StructureUsage></mes:Structure></mes:Header>'
        '<mes:DataSet structureRef="S"><gen:Series><gen:SeriesKey><gen:Value id="FREQ" value="M"/>'
        '<gen:Value id="CURRENCY" value="USD"/><gen:Value id="CURRENCY_DENOM" value="EUR"/>'
        '<gen:Value id="EXR_TYPE" value="SP00"/><gen:Value id="EXR_SUFFIX" value="A"/></gen:SeriesKey>'
        f"{obs}</gen:Series></mes:DataSet></mes:GenericData>"
    )
    r = refused(exr_env, body, content_type=GENERIC21_TYPE)
    assert errors(r) == [
        (f"line 1 (series M.USD.EUR.SP00.A, 2031-0{m})", "OBS_VALUE", f"x{m}") for m in (1, 2, 3)
    ]


def test_gzip_encoded_bodies(make_exr_env) -> None:
    """Content-Encoding gzip is decompressed (the limit applies to what it expands to); others are 415."""
    import gzip
    import zlib

    env: PushEnv = make_exr_env(max_body_bytes=20_000)
    ok = exr_csv([f"M,CHF,EUR,SP00,A,2031-{m:02d},1.{m},A" for m in range(1, 13)])
    r = env.push(gzip.compress(ok.encode()), headers={"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["inserted"] == 12, r.text[:500]
    before = env.snapshot()
    # A compression bomb: 2 kB that expand to 10 MB, far over the 20 kB limit.
    bomb = gzip.compress(ok.encode() + b"0" * 10_000_000)
    assert len(bomb) < 20_000
    r = env.push(bomb, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 413 and sdmx_error(r)[0] == 130 and "decompressed" in sdmx_error(r)[1]
    r = env.push(gzip.compress(ok.encode())[:-30], headers={"Content-Encoding": "gzip"})
    assert r.status_code == 400 and "truncated" in sdmx_error(r)[1]
    r = env.push(b"not gzip at all", headers={"Content-Encoding": "gzip"})
    assert r.status_code == 400 and sdmx_error(r)[0] == 140
    r = env.push(zlib.compress(ok.encode()), headers={"Content-Encoding": "deflate"})
    assert r.status_code == 415 and "deflate" in sdmx_error(r)[1]
    assert env.snapshot() == before
