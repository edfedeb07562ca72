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
        r = client.post(
            "/rest/v2/data/dataflow/ECB/EXR/1.0",
            content=(body[i : i + 1] for i in range(len(body))),
            headers={**exr_env.auth("ECB"), "Content-Type": CSV10_TYPE, "Content-Encoding": "gzip"},
        )
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
        for name in (
            "A" * 300 + ".xsd",
            "B" * 5000 + ".xsd",
            "..%2F..%2Fetc%2Fpasswd",
            "SDMXMessage.xml",
            "%2E%2E.xsd",
            "sdmxmessage.xsd",
        ):
            r = client.get(f"/schemas/v2_1/{name}")
            assert r.status_code == 404, (name[:20], r.status_code)
            assert sdmx_error(r)[0] == 100 and len(r.content) < 2000
        # a control character in any path is a syntax error before routing (ADR 0009)
        r = client.get("/schemas/v2_1/%00.xsd")
        assert r.status_code == 400 and sdmx_error(r)[0] == 140 and len(r.content) < 2000


# --------------------------------------------------------------------------- clients that go away


def test_client_that_disconnects_mid_upload_is_recorded_as_its_abort(
    exr_env: PushEnv, caplog
) -> None:
    body = exr_csv(ROWS).encode()
    before = exr_env.snapshot()
    host, port = exr_env.url.removeprefix("http://").split(":")
    caplog.set_level(logging.INFO)
    for path, auth in (
        ("/rest/v2/data/dataflow/ECB/EXR/1.0", "ECB"),
        ("/rest/v2/structure", "admin"),
    ):
        with socket.create_connection((host, int(port))) as sock:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CSV10_TYPE}\r\n"
                f"Authorization: {exr_env.auth(auth)['Authorization']}\r\n"
                f"Content-Length: {len(body) * 100}\r\n\r\n"
            ).encode()
            sock.sendall(head + body[:200])
            time.sleep(0.2)  # the server is reading the body now
        deadline = time.monotonic() + 10
        with exr_env.client("admin") as client:
            while True:
                events = client.get("/admin/audit").json()["events"]
                mine = [
                    e
                    for e in events
                    if e["target"].startswith(
                        "dataflow/ECB,EXR" if "data" in path else "structure/"
                    )
                ]
                if mine or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert mine and mine[0]["status"] == 499 and mine[0]["outcome"] == "ClientAbortedError", (
            events[:2]
        )
    assert exr_env.snapshot() == before
    records = [r for r in caplog.records if "closed the connection" in r.getMessage()]
    assert len(records) == 2 and all(r.levelno == logging.INFO and not r.exc_info for r in records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    ]


# --------------------------------------------------------------------------- numbers


SS21_OPEN = (
    '<mes:StructureSpecificData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
    'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
    "<mes:Header><mes:ID>X</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z</mes:Prepared>"
    '<mes:Sender id="ECB"/>{structure}</mes:Header><mes:DataSet>'
)
SS21_CLOSE = "</mes:DataSet></mes:StructureSpecificData>"
SERIES_ATTRS = 'TIME_FORMAT="P1M" COLLECTION="A" DECIMALS="4" TITLE_COMPL="CHF per euro" UNIT="CHF" UNIT_MULT="0"'


def ss21(observations: list[tuple[str, str]], structure: str = "", currency: str = "CHF") -> str:
    """A structure-specific message for ECB:EXR: one monthly series, (period, value) observations."""
    obs = "".join(
        f'<Obs TIME_PERIOD="{p}" OBS_VALUE="{v}" OBS_STATUS="A"/>' for p, v in observations
    )
    return (
        SS21_OPEN.format(structure=structure)
        + f'<Series FREQ="M" CURRENCY="{currency}" CURRENCY_DENOM="EUR" EXR_TYPE="SP00" EXR_SUFFIX="A" '
        + f"{SERIES_ATTRS}>{obs}</Series>"
        + SS21_CLOSE
    )


OVERFLOWS = ("1e400", "1e99999999", "-1e400", "1E309", "+1e400", "9" * 400)


def test_numbers_that_overflow_are_refused_in_every_format(exr_env: PushEnv) -> None:
    from tests.push.conftest import CSV20_TYPE, SS21_TYPE
    from tests.push.test_hostile_input import errors, reasons, refused

    rows = [f"M,CHF,EUR,SP00,A,2031-{n + 1:02d},{v},A" for n, v in enumerate(OVERFLOWS)]
    # Many valid rows of the same series first: the SDMX-CSV fast lane takes the rows after them.
    ok = [f"M,CHF,EUR,SP00,A,{2040 + n // 12}-{n % 12 + 1:02d},1.5,A" for n in range(50)]
    r = refused(exr_env, exr_csv(ok + rows))
    assert [(loc, comp) for loc, comp, _v in errors(r)] == [
        (f"line {52 + n}", "OBS_VALUE") for n in range(6)
    ]
    assert reasons(r).count("out of range") == 6
    csv20 = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS\n" + "".join(f"dataflow,ECB:EXR(1.0),A,{row}\n" for row in rows)
    )
    r = refused(exr_env, csv20, CSV20_TYPE)
    assert reasons(r).count("out of range") == 6
    r = refused(
        exr_env, ss21([(f"2031-{n + 1:02d}", v) for n, v in enumerate(OVERFLOWS)]), SS21_TYPE
    )
    assert reasons(r).count("out of range") == 6 and {c for _l, c, _v in errors(r)} == {"OBS_VALUE"}
    assert all(len(e["value"]) <= 203 for e in r.json()["errors"])
    # INF, -INF and NaN stay valid; so do numbers near the limits.
    fine = ["INF", "-INF", "NaN", "1.7e308", "-1e-400", "1E+300"]
    r = exr_env.push(
        exr_csv([f"M,CHF,EUR,SP00,A,2032-{n + 1:02d},{v},A" for n, v in enumerate(fine)])
    )
    assert r.status_code == 200 and r.json()["inserted"] == 6, r.text[:500]


def test_json_output_never_holds_an_infinite_number(exr_env: PushEnv) -> None:
    import json

    from sqlalchemy import text

    r = exr_env.push(exr_csv(["M,CHF,EUR,SP00,A,2033-01,INF,A", "M,CHF,EUR,SP00,A,2033-02,12.5,A"]))
    assert r.status_code == 200, r.text
    # A value stored before overflows were refused (a database of an earlier version).
    with exr_env.services.engine.begin() as conn:
        conn.execute(text("UPDATE data_observation SET value = '1e400' WHERE period = '2033-02'"))
    with exr_env.client(None) as client:
        r = client.get(
            "/rest/data/ECB,EXR,1.0/M.CHF.EUR.SP00.A",
            params={"startPeriod": "2033-01"},
            headers={"Accept": "application/vnd.sdmx.data+json;version=1.0.0"},
        )
    assert r.status_code == 200, r.text[:300]

    def no_constants(name: str) -> float:
        raise AssertionError(f"invalid JSON number {name}")

    def finite(text: str) -> float:
        value = float(text)
        assert value not in (float("inf"), float("-inf")), text
        return value

    data = json.loads(r.text, parse_constant=no_constants, parse_float=finite, parse_int=finite)
    observations = next(iter(data["data"]["dataSets"][0]["series"].values()))["observations"]
    assert sorted(o[0] is None for o in observations.values()) == [True, True]


# --------------------------------------------------------------------------- NUL


def test_nul_bytes_are_refused_with_their_location(exr_env: PushEnv) -> None:
    from tests.push.conftest import SS21_TYPE
    from tests.push.test_hostile_input import errors, reasons, refused

    rows = [f"M,CHF,EUR,SP00,A,2031-{m:02d},1.{m},A" for m in range(1, 60)]
    rows[40] = "M,CH\x00F,EUR,SP00,A,2031-41,1,A"  # in a code, after the fast lane started
    rows[41] = "M,CHF,EUR,SP00,A,2031-42,1\x00,A"  # in a value
    rows[42] = "M,CHF,EUR,SP00,A,2031\x00-43,1,A"  # in a period
    r = refused(exr_env, exr_csv(rows))
    report = r.json()
    assert "\x00" not in r.text and "\\u0000" not in r.text
    text = reasons(r)
    for line, column, name in ((42, 3, "CURRENCY"), (43, 8, "OBS_VALUE"), (44, 7, "TIME_PERIOD")):
        assert f"NUL character (byte 0x00) in column {column} ({name})" in text, text
        assert f"line {line}" in {loc for loc, _c, _v in errors(r)}
    # The report was stored (PostgreSQL refuses NUL in text and jsonb) and is paged back the same.
    with exr_env.client("ECB") as client:
        page = client.get(f"/rest/v2/submissions/{report['submission']}/errors").json()
    assert page["errors"] == report["errors"]
    # In the header, and in SDMX-ML (not well-formed XML: refused with its line).
    r = refused(exr_env, "DATAFLOW,FREQ,CURR\x00ENCY\n" + "ECB:EXR(1.0),M,USD\n")
    assert errors(r) == [("line 1, column 3", "", "")] and "NUL" in reasons(r)
    body = ss21([("2031-01", "1")]).replace('CURRENCY_DENOM="EUR"', '\nCURRENCY_DENOM="E\x00UR"')
    r = refused(exr_env, body, SS21_TYPE)
    (error,) = r.json()["errors"]
    assert (
        error["location"] == "line 2"
        and "malformed XML" in error["reason"]
        and "\x00" not in r.text
    )
    r = refused(exr_env, ss21([("2031-01", "1&#0;")]), SS21_TYPE)
    assert "malformed XML" in reasons(r)


# --------------------------------------------------------------------------- the message's own structure


def test_dataflow_cell_must_name_the_url_dataflow(exr_env: PushEnv) -> None:
    from tests.push.conftest import CSV20_TYPE
    from tests.push.test_hostile_input import reasons, refused

    rows = ["M,CHF,EUR,SP00,A,2031-01,1,A"]
    for other, differs in (
        ("ECB:EXR(9.9)", "version"),
        ("XX:EXR(1.0)", "agency"),
        ("BIS:EXR(2.0)", "agency and version"),
    ):
        r = refused(exr_env, exr_csv(rows).replace("ECB:EXR(1.0)", other))
        assert f"for dataflow {other.replace('(', '(')}" in reasons(
            r
        ) and f"the {differs} differ" in reasons(r), reasons(r)
        csv20 = (
            f"STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
            f"OBS_STATUS\ndataflow,{other},A,{rows[0]}\n"
        )
        r = refused(exr_env, csv20, CSV20_TYPE)
        assert f"the {differs} differ" in reasons(r)
    # SDMX-CSV 2.0 naming a data structure: it must be the dataflow's.
    csv20 = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        f"OBS_STATUS\ndatastructure,ECB:ECB_EXR_RG(1.0),A,{rows[0]}\n"
    )
    r = refused(exr_env, csv20, CSV20_TYPE)
    assert "for data structure ECB:ECB_EXR_RG(1.0)" in reasons(
        r
    ) and "ECB:ECB_EXR1(1.0)" in reasons(r)
    # The right ones are accepted (a version-less reference too).
    assert exr_env.push(exr_csv(rows).replace("ECB:EXR(1.0)", "ECB:EXR")).status_code == 200


def _header_structure(kind: str, agency: str, id_: str, version: str) -> str:
    return (
        f'<mes:Structure structureID="S" dimensionAtObservation="TIME_PERIOD"><com:{kind}>'
        f'<Ref agencyID="{agency}" id="{id_}" version="{version}"/></com:{kind}></mes:Structure>'
    )


def test_sdmx_ml_header_structure_must_be_the_dataflow_dsd(exr_env: PushEnv) -> None:
    from tests.push.conftest import SS21_TYPE
    from tests.push.test_hostile_input import reasons, refused

    obs = [("2031-01", "1")]
    r = refused(
        exr_env, ss21(obs, _header_structure("Structure", "ECB", "ECB_EXR_RG", "1.0")), SS21_TYPE
    )
    assert "for data structure ECB:ECB_EXR_RG(1.0)" in reasons(r) and "the id differ" in reasons(r)
    r = refused(
        exr_env, ss21(obs, _header_structure("Structure", "ECB", "ECB_EXR1", "2.0")), SS21_TYPE
    )
    assert "the version differ" in reasons(r)
    r = refused(
        exr_env, ss21(obs, _header_structure("StructureUsage", "BIS", "EXR", "1.0")), SS21_TYPE
    )
    assert "for dataflow BIS:EXR(1.0)" in reasons(r)
    r = exr_env.push(
        ss21(obs, _header_structure("Structure", "ECB", "ECB_EXR1", "1.0")), content_type=SS21_TYPE
    )
    assert r.status_code == 200 and r.json()["inserted"] == 1, r.text[:500]


# --------------------------------------------------------------------------- observations without a value


def test_observation_without_value_needs_a_reason(exr_env: PushEnv) -> None:
    from tests.push.conftest import (
        CSV20_TYPE,
        EXR_HEADER,
        SERIES_ATTRS,
        SS21_TYPE,
        exr_series_attrs,
    )
    from tests.push.test_hostile_input import errors, reasons, refused

    ok = [f"M,CHF,EUR,SP00,A,{2040 + n // 12}-{n % 12 + 1:02d},1.5,A" for n in range(30)]
    # Empty cells, after rows that put the series on the fast lane, and in a new series.
    r = refused(
        exr_env, exr_csv(ok + ["M,CHF,EUR,SP00,A,2031-01,,A", "M,JPY,EUR,SP00,A,2031-01,,A"])
    )
    assert errors(r) == [("line 32", "OBS_VALUE", ""), ("line 33", "OBS_VALUE", "")]
    assert "missing observation value" in reasons(r) and "OBS_STATUS" in reasons(r)
    # No OBS_VALUE column at all: every row is named.
    header = EXR_HEADER.replace(",OBS_VALUE", "") + "," + SERIES_ATTRS
    body = (
        header
        + "\n"
        + "".join(
            f"ECB:EXR(1.0),M,CHF,EUR,SP00,A,2031-0{m},A,{exr_series_attrs('M', 'CHF')}\n"
            for m in (1, 2, 3)
        )
    )
    r = refused(exr_env, body)
    assert errors(r) == [(f"line {n}", "OBS_VALUE", "") for n in (2, 3, 4)]
    # SDMX-ML: an Obs without OBS_VALUE.
    xml = ss21([("2031-01", "1")]).replace('OBS_VALUE="1" ', "")
    r = refused(exr_env, xml, SS21_TYPE)
    assert [c for _l, c, _v in errors(r)] == ["OBS_VALUE"]
    # A status saying why (M: missing, data cannot exist; L: not collected) makes it valid; so does a deletion.
    r = exr_env.push(
        exr_csv(
            [
                "M,CHF,EUR,SP00,A,2031-01,,M",
                "M,CHF,EUR,SP00,A,2031-02,,L",
                "M,CHF,EUR,SP00,A,2031-03,2.5,A",
            ]
        )
    )
    assert r.status_code == 200 and r.json()["inserted"] == 3, r.text[:500]
    r = exr_env.push(xml.replace('OBS_STATUS="A"', 'OBS_STATUS="M"'), content_type=SS21_TYPE)
    assert r.status_code == 200, r.text[:500]
    csv20 = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,"
        "OBS_STATUS\ndataflow,ECB:EXR(1.0),D,M,CHF,EUR,SP00,A,2031-03,,\n"
    )
    r = exr_env.push(csv20, content_type=CSV20_TYPE)
    assert r.status_code == 200 and r.json()["deleted"] == 1, r.text[:500]


# --------------------------------------------------------------------------- XML bombs of breadth


def _while_pushing(env: PushEnv, send) -> tuple[httpx.Response, list[float]]:
    """Run ``send`` (one hostile request) in a thread and time ``/health`` on the same server meanwhile."""
    import threading

    answer: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: answer.append(send()), daemon=True)
    latencies: list[float] = []
    with httpx.Client(base_url=env.url, timeout=5) as client:
        worker.start()
        while worker.is_alive() or len(latencies) < 3:
            started = time.monotonic()
            r = client.get("/health")
            latencies.append(time.monotonic() - started)
            assert r.status_code == 200
            time.sleep(0.02)
    worker.join(30)
    assert answer, "the hostile request got no answer"
    return answer[0], latencies


def test_xml_breadth_bomb_never_stops_the_worker(exr_env: PushEnv) -> None:
    """100,000 attributes on one Obs (1 MB): refused at once, and /health answers within a second."""
    from tests.push.conftest import SS21_TYPE
    from tests.push.test_structure_common import structure_message_with_code_attributes

    before = exr_env.snapshot()
    for count, attr in ((100_000, "A{}"), (20_000, "a{}")):
        attrs = " ".join(f'{attr.format(i)}="1"' for i in range(count))
        body = ss21([("2031-01", "1")]).replace(
            '<Obs TIME_PERIOD="2031-01"', f'<Obs {attrs} TIME_PERIOD="2031-01"'
        )
        assert 100_000 < len(body) < 1_200_000
        started = time.monotonic()
        r, latencies = _while_pushing(
            exr_env, lambda b=body: exr_env.push(b, content_type=SS21_TYPE)
        )
        assert r.status_code == 422, r.text[:300]
        (error,) = r.json()["errors"]
        assert error["location"] == "line 1" and (
            "attributes; at most 1000" in error["reason"]
            or "start tag or a text longer than" in error["reason"]
        ), error
        assert time.monotonic() - started < 10
        assert max(latencies) < 1.0, latencies
    assert exr_env.snapshot() == before
    # A structure message with 100,000 attributes on one code: 400, the worker answering all along.
    from tests.push.conftest import snapshot

    structures = ("structure_artefact", "structure_item", "structure_reference")
    before_structures = snapshot(exr_env.services, structures)
    body = structure_message_with_code_attributes(100_000)
    r, latencies = _while_pushing(
        exr_env,
        lambda: httpx.post(
            f"{exr_env.url}/rest/v2/structure",
            content=body,
            timeout=60,
            headers={
                **exr_env.auth("admin"),
                "Content-Type": "application/vnd.sdmx.structure+xml;version=2.1",
            },
        ),
    )
    assert (
        r.status_code == 400 and "attributes" in sdmx_error(r)[1] or "start tag" in sdmx_error(r)[1]
    ), r.text[:300]
    assert max(latencies) < 1.0, latencies
    assert snapshot(exr_env.services, structures) == before_structures


def test_breadth_limits_are_settings(make_exr_env) -> None:
    from tests.push.conftest import SS21_TYPE
    from tests.push.test_hostile_input import reasons, refused

    env: PushEnv = make_exr_env(xml_max_attributes=12, xml_max_tag_bytes=400)
    body = ss21([("2031-01", "1")])
    r = refused(
        env,
        body.replace("<Obs ", "<Obs " + " ".join(f'X{i}="1"' for i in range(10)) + " "),
        SS21_TYPE,
    )
    assert "element Obs has 13 attributes; at most 12" in reasons(r)
    r = refused(
        env, body.replace('TITLE_COMPL="CHF per euro"', f'TITLE_COMPL="{"x" * 500}"'), SS21_TYPE
    )
    assert "longer than 400 bytes" in reasons(r)
    assert env.push(body, content_type=SS21_TYPE).status_code == 200
