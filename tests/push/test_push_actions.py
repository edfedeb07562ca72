"""Actions, format by format, with exact counts.

* SDMX-ML 2.1 (generic and structure-specific): Append and Replace both insert
  or update (Append merges observation attributes with the stored ones,
  Replace replaces the observation whole); Delete of observations, of a whole
  series (a series without observations) and of a wildcarded partial key.
* SDMX-ML 3.0: Append, Replace, Delete and Information (loaded as Append),
  and the header's DataSetAction as the default.
* SDMX-CSV 2.0: the ACTION column per row (I, A, R, D, M); no ACTION column
  means Information, loaded as Append.
* A delete with a partial key followed by appends, in one message, replaces
  a slice atomically: readers querying all along never see it empty or half
  replaced.

Upserting series carry EXR's mandatory series attributes (the server refuses
a new series without them); deletions carry none, because an attribute value
in a deletion means "delete this value" (SDMX 3.0).

Every report's inserted / updated / deleted / unchanged counts are checked
exactly against the stored state before and after.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from tests.clock import FakeClock
from tests.push.conftest import (
    CSV10_TYPE,
    CSV20_TYPE,
    ML30_TYPE,
    SERIES_ATTRS,
    SS21_TYPE,
    PushEnv,
    exr_observations,
    exr_series_attr_values,
    exr_series_attrs,
)

GENERIC21 = "application/vnd.sdmx.genericdata+xml;version=2.1"
DIMS = ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX")
NS_21 = (
    'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
    'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" '
)
URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"

# A series: (key, [(period, value, {obs attributes})]); an empty list means "no observations".
Series = tuple[str, list[tuple[str, str, dict[str, str]]]]


def _attrs(d: dict[str, str]) -> str:
    return "".join(f' {k}="{v}"' for k, v in d.items())


def _key_attrs(key: str) -> dict[str, str]:
    return {d: v for d, v in zip(DIMS, key.split("."), strict=True) if v}


def _series_attrs(action: str | None, key: str) -> dict[str, str]:
    """The mandatory series attributes that an upserted series carries (none in a deletion)."""
    if action == "Delete" or "" in key.split("."):
        return {}
    freq, currency = key.split(".")[:2]
    return exr_series_attr_values(freq, currency)


def ss21(*datasets: tuple[str | None, list[Series]], header_action: str | None = None) -> str:
    """An SDMX-ML 2.1 structure-specific message: one DataSet per (action, series)."""
    body = []
    for action, series in datasets:
        act = f' action="{action}"' if action else ""
        body.append(f'<mes:DataSet ss:structureRef="EXR" xsi:type="ns1:DataSetType"{act}>')
        for key, observations in series:
            body.append(
                f"<Series{_attrs(_key_attrs(key))}{_attrs(_series_attrs(action or header_action, key))}>"
            )
            body += [
                f'<Obs TIME_PERIOD="{p}"{_attrs({"OBS_VALUE": v} if v else {})}{_attrs(a)}/>'
                for p, v, a in observations
            ]
            body.append("</Series>")
        body.append("</mes:DataSet>")
    hdr_action = f"<mes:DataSetAction>{header_action}</mes:DataSetAction>" if header_action else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:StructureSpecificData {NS_21}'
        'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:ns1="{URN}:ObsLevelDim:TIME_PERIOD">\n'
        "<mes:Header><mes:ID>T1</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z"
        '</mes:Prepared><mes:Sender id="ECB"/>'
        f'<mes:Structure structureID="EXR" namespace="{URN}:ObsLevelDim:TIME_PERIOD" '
        'dimensionAtObservation="TIME_PERIOD"><com:StructureUsage><Ref agencyID="ECB" id="EXR" version="1.0"/>'
        f"</com:StructureUsage></mes:Structure>{hdr_action}</mes:Header>\n"
        + "\n".join(body)
        + "\n</mes:StructureSpecificData>\n"
    )


def generic21(*datasets: tuple[str | None, list[Series]]) -> str:
    """The same as :func:`ss21`, in SDMX-ML 2.1 generic."""
    body = []
    for action, series in datasets:
        act = f' action="{action}"' if action else ""
        body.append(f'<mes:DataSet structureRef="EXR"{act}>')
        for key, observations in series:
            values = "".join(
                f'<gen:Value id="{d}" value="{v}"/>' for d, v in _key_attrs(key).items()
            )
            series_attrs = "".join(
                f'<gen:Value id="{a}" value="{v}"/>' for a, v in _series_attrs(action, key).items()
            )
            body.append(
                f"<gen:Series><gen:SeriesKey>{values}</gen:SeriesKey>"
                + (f"<gen:Attributes>{series_attrs}</gen:Attributes>" if series_attrs else "")
            )
            for p, v, a in observations:
                value = f'<gen:ObsValue value="{v}"/>' if v else ""
                attrs = (
                    (
                        "<gen:Attributes>"
                        + "".join(f'<gen:Value id="{k}" value="{x}"/>' for k, x in a.items())
                        + "</gen:Attributes>"
                    )
                    if a
                    else ""
                )
                body.append(f'<gen:Obs><gen:ObsDimension value="{p}"/>{value}{attrs}</gen:Obs>')
            body.append("</gen:Series>")
        body.append("</mes:DataSet>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:GenericData {NS_21}'
        'xmlns:gen="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic">\n'
        "<mes:Header><mes:ID>T1</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z"
        '</mes:Prepared><mes:Sender id="ECB"/>'
        '<mes:Structure structureID="EXR" dimensionAtObservation="TIME_PERIOD"><com:StructureUsage>'
        '<Ref agencyID="ECB" id="EXR" version="1.0"/></com:StructureUsage></mes:Structure></mes:Header>\n'
        + "\n".join(body)
        + "\n</mes:GenericData>\n"
    )


def ml30(*datasets: tuple[str | None, list[Series]], header_action: str | None = None) -> str:
    """The same as :func:`ss21`, in SDMX-ML 3.0 structure-specific."""
    text = ss21(*datasets, header_action=header_action)
    return text.replace("schemas/v2_1/", "schemas/v3_0/").replace(
        '<com:StructureUsage><Ref agencyID="ECB" id="EXR" version="1.0"/></com:StructureUsage>',
        f"<com:StructureUsage>{URN}</com:StructureUsage>",
    )


ML21 = {"structure-specific": (ss21, SS21_TYPE), "generic": (generic21, GENERIC21)}


def counts(r: httpx.Response) -> tuple[int, int, int, int]:
    """(inserted, updated, deleted, unchanged) of a successful submission."""
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["status"] == "written" and report["errorCount"] == 0, report
    return report["inserted"], report["updated"], report["deleted"], report["unchanged"]


def chf(env: PushEnv) -> dict[str, tuple[str | None, dict[str, str]]]:
    """The stored observations of M.CHF.EUR.SP00.A, by period."""
    return {p: v for (k, p), v in exr_observations(env.services).items() if k == "M.CHF.EUR.SP00.A"}


CHF = "M.CHF.EUR.SP00.A"
A = {"OBS_STATUS": "A"}
AF = {"OBS_STATUS": "A", "OBS_CONF": "F"}


# --------------------------------------------------------------------------- SDMX-ML 2.1


@pytest.mark.parametrize("flavour", list(ML21))
def test_ml21_append_replace_delete(exr_env: PushEnv, flavour: str) -> None:
    write, ctype = ML21[flavour]

    def push(*datasets: tuple[str | None, list[Series]]) -> tuple[int, int, int, int]:
        return counts(exr_env.push(write(*datasets), content_type=ctype))

    assert push(
        ("Append", [(CHF, [("2031-01", "1.1", AF), ("2031-02", "1.2", A), ("2031-03", "1.3", AF)])])
    ) == (3, 0, 0, 0)
    # Append: 01 changes value (and keeps OBS_CONF, not given), 02 unchanged, 04 new.
    assert push(
        ("Append", [(CHF, [("2031-01", "1.15", A), ("2031-02", "1.2", A), ("2031-04", "1.4", A)])])
    ) == (1, 1, 0, 1)
    assert chf(exr_env)["2031-01"] == ("1.15", AF)
    # Replace: an insert-or-update too, but the observation is replaced whole (OBS_CONF of 03 goes).
    assert push(
        ("Replace", [(CHF, [("2031-03", "1.3", A), ("2031-02", "1.25", A), ("2031-05", "1.5", A)])])
    ) == (1, 2, 0, 0)
    stored = chf(exr_env)
    assert stored == {
        "2031-01": ("1.15", AF),
        "2031-02": ("1.25", A),
        "2031-03": ("1.3", A),
        "2031-04": ("1.4", A),
        "2031-05": ("1.5", A),
    }
    # Delete observations (one that exists, one that never did).
    assert push(("Delete", [(CHF, [("2031-04", "", {}), ("2031-12", "", {})])])) == (0, 0, 1, 0)
    assert set(chf(exr_env)) == {"2031-01", "2031-02", "2031-03", "2031-05"}
    # Delete a whole series: a series without observations.
    others = {k: v for k, v in exr_observations(exr_env.services).items() if k[0] != CHF}
    assert push(("Delete", [(CHF, [])])) == (0, 0, 4, 0)
    assert chf(exr_env) == {}
    assert exr_observations(exr_env.services) == others, "other series were touched"
    # Deleted cells come back as inserts.
    assert push(("Append", [(CHF, [("2031-01", "2", A)])])) == (1, 0, 0, 0)


@pytest.mark.parametrize("flavour", list(ML21))
def test_ml21_wildcard_delete(exr_env: PushEnv, flavour: str) -> None:
    write, ctype = ML21[flavour]
    before = exr_observations(exr_env.services)
    monthly = {k for k in before if k[0].startswith("M.")}
    jan_2019 = {k for k in monthly if k[1] == "2019-01"}
    assert (
        len(monthly) == 252 + 24 and len(jan_2019) == 2
    )  # USD (ECB, 1999-2019) and JPY (BIS, 2019-2020)
    # A partial key (no CURRENCY) with an observation: that period of every matching series.
    # The slice holds ECB's and BIS's cells: an administrator's token (no data provider) may delete both.
    r = exr_env.push(
        write(("Delete", [("M..EUR.SP00.A", [("2019-01", "", {})])])),
        who="admin",
        content_type=ctype,
    )
    assert counts(r) == (0, 0, 2, 0)
    after = exr_observations(exr_env.services)
    assert set(before) - set(after) == jan_2019
    # A partial key without observations: every matching series, whole.
    r = exr_env.push(write(("Delete", [("M..EUR.SP00.A", [])])), who="admin", content_type=ctype)
    assert counts(r) == (0, 0, len(monthly) - 2, 0)
    after = exr_observations(exr_env.services)
    assert set(after) == set(before) - monthly
    assert after == {k: v for k, v in before.items() if k not in monthly}


def test_ml21_delete_then_append_in_one_message(exr_env: PushEnv) -> None:
    """Two data sets, Delete (partial key) then Append: the slice is replaced, counted per cell."""
    before = exr_observations(exr_env.services)
    jpy = {p: v for (k, p), v in before.items() if k == "M.JPY.EUR.SP00.A"}
    assert len(jpy) == 24
    keep = sorted(jpy)[:12]  # 2019 again (same values for six months, new ones for the other six)
    new_obs = [
        (p, jpy[p][0] if n < 6 else f"{100 + n}", {"OBS_STATUS": jpy[p][1]["OBS_STATUS"]})
        for n, p in enumerate(keep)
    ]
    message = ss21(
        ("Delete", [("M.JPY.EUR.SP00.", [])]),
        ("Append", [("M.JPY.EUR.SP00.A", new_obs), ("M.GBP.EUR.SP00.A", [("2019-01", "0.88", A)])]),
    )
    r = exr_env.push(message, who="BIS", content_type=SS21_TYPE)  # BIS reported the yen series
    # 12 cells of 2020 deleted, 6 of 2019 updated, 6 unchanged, GBP inserted.
    assert counts(r) == (1, 6, 12, 6)
    after = {
        p: v for (k, p), v in exr_observations(exr_env.services).items() if k == "M.JPY.EUR.SP00.A"
    }
    assert sorted(after) == keep
    assert [after[p][0] for p in keep] == [v for _p, v, _a in new_obs]


# --------------------------------------------------------------------------- SDMX-ML 3.0


def test_ml30_actions(exr_env: PushEnv) -> None:
    def push(
        *datasets: tuple[str | None, list[Series]], header: str | None = None
    ) -> tuple[int, int, int, int]:
        return counts(exr_env.push(ml30(*datasets, header_action=header), content_type=ML30_TYPE))

    assert push(("Information", [(CHF, [("2031-01", "1.1", AF), ("2031-02", "1.2", AF)])])) == (
        2,
        0,
        0,
        0,
    )
    # Information is loaded as Append: it merges attributes.
    assert push(("Information", [(CHF, [("2031-01", "1.11", A), ("2031-03", "1.3", A)])])) == (
        1,
        1,
        0,
        0,
    )
    assert chf(exr_env)["2031-01"] == ("1.11", AF)
    assert push(("Append", [(CHF, [("2031-02", "1.2", AF), ("2031-04", "1.4", A)])])) == (
        1,
        0,
        0,
        1,
    )
    assert push(("Replace", [(CHF, [("2031-02", "1.2", A)])])) == (0, 1, 0, 0)
    assert chf(exr_env)["2031-02"] == ("1.2", A)
    assert push(("Delete", [(CHF, [("2031-04", "", {})])])) == (0, 0, 1, 0)
    # No action on the data set: the header's DataSetAction applies.
    assert push((None, [(CHF, [("2031-03", "", {})])]), header="Delete") == (0, 0, 1, 0)
    assert push((None, [(CHF, [("2031-05", "1.5", A)])]), header="Append") == (1, 0, 0, 0)
    assert push((None, [(CHF, [("2031-06", "1.6", A)])])) == (1, 0, 0, 0)  # neither: Information
    assert set(chf(exr_env)) == {"2031-01", "2031-02", "2031-05", "2031-06"}
    assert push(("Delete", [(CHF, [])])) == (0, 0, 4, 0)
    assert chf(exr_env) == {}


# --------------------------------------------------------------------------- SDMX-CSV 2.0

CSV20_HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,"
    "OBS_VALUE,OBS_STATUS,OBS_CONF"
)


def csv20(rows: list[str], header: str = CSV20_HEADER) -> str:
    """SDMX-CSV 2.0 for ECB:EXR(1.0); each row starts at the ACTION cell (or after it, without one).

    Columns of EXR's mandatory series attributes follow: an upsert row of a full
    series key carries its series' values, a deletion row leaves them empty (a
    value there would ask to delete it).
    """
    with_action = ",ACTION," in header
    lines = [f"{header},{SERIES_ATTRS}"]
    for row in rows:
        cells = row.split(",")
        action, freq, currency = (
            (cells[0], cells[1], cells[2]) if with_action else ("", cells[0], cells[1])
        )
        attrs = (
            "," * (SERIES_ATTRS.count(","))
            if action == "D" or not currency
            else exr_series_attrs(freq, currency)
        )
        lines.append(f"dataflow,ECB:EXR(1.0),{row},{attrs}")
    return "\n".join(lines) + "\n"


def test_csv20_action_column(exr_env: PushEnv) -> None:
    no_action = CSV20_HEADER.replace("ACTION,", "")
    r = exr_env.push(
        csv20([f"M,CHF,EUR,SP00,A,2031-0{m},1.{m},A,F" for m in range(1, 5)], no_action),
        content_type=CSV20_TYPE,
    )
    assert counts(r) == (4, 0, 0, 0)  # no ACTION column: Information, loaded as Append
    r = exr_env.push(
        csv20(
            [
                "I,M,CHF,EUR,SP00,A,2031-01,1.15,A,",  # Information: update, OBS_CONF kept (merged)
                "A,M,CHF,EUR,SP00,A,2031-02,1.2,A,F",  # Append: same value and attributes
                "R,M,CHF,EUR,SP00,A,2031-03,1.3,A,",  # Replace: OBS_CONF dropped
                "D,M,CHF,EUR,SP00,A,2031-04,,,",  # Delete
                "M,M,CHF,EUR,SP00,A,2031-05,1.5,E,",  # Merge (SDMX 3.1): insert
                "D,M,CHF,EUR,SP00,A,2031-06,,,",  # Delete of nothing
                ",M,CHF,EUR,SP00,A,2031-07,1.7,A,",  # empty ACTION cell: Information
            ]
        ),
        content_type=CSV20_TYPE,
    )
    assert counts(r) == (2, 2, 1, 1)
    assert chf(exr_env) == {
        "2031-01": ("1.15", AF),
        "2031-02": ("1.2", AF),
        "2031-03": ("1.3", A),
        "2031-05": ("1.5", {"OBS_STATUS": "E"}),
        "2031-07": ("1.7", A),
    }
    # Merge of an existing observation merges attributes too, and keeps the value when none is given.
    # (The mandatory OBS_STATUS must still be given: it is checked row by row, not against the store.)
    r = exr_env.push(csv20(["M,M,CHF,EUR,SP00,A,2031-05,,E,F"]), content_type=CSV20_TYPE)
    assert counts(r) == (0, 1, 0, 0)
    assert chf(exr_env)["2031-05"] == ("1.5", {"OBS_STATUS": "E", "OBS_CONF": "F"})
    # D without a period deletes the series; D with a partial key every matching cell.
    r = exr_env.push(csv20(["D,M,CHF,EUR,SP00,A,,,,"]), content_type=CSV20_TYPE)
    assert counts(r) == (0, 0, 5, 0)
    daily = {k for k in exr_observations(exr_env.services) if k[0].startswith("D.")}
    r = exr_env.push(
        csv20(["D,D,,,,,,,,"]), who="BIS", content_type=CSV20_TYPE
    )  # BIS's daily series
    assert counts(r) == (0, 0, len(daily), 0) and len(daily) == 10
    assert not any(k[0].startswith("D.") for k in exr_observations(exr_env.services))


def test_csv20_unknown_action_is_an_error(exr_env: PushEnv) -> None:
    before = exr_env.snapshot()
    r = exr_env.push(
        csv20(["X,M,CHF,EUR,SP00,A,2031-01,1,A,", "A,M,CHF,EUR,SP00,A,2031-02,1,A,"]),
        content_type=CSV20_TYPE,
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert (
        len(errors) == 1 and errors[0]["location"] == "line 2" and "ACTION" in errors[0]["reason"]
    )
    assert exr_env.snapshot() == before


# --------------------------------------------------------------------------- atomic slice replacement


def _slice(env: PushEnv) -> frozenset[tuple[str, str, str]]:
    with env.client() as client:
        r = client.get("/rest/data/ECB,EXR,1.0/Q..EUR.SP00.A", headers={"Accept": CSV10_TYPE})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return frozenset(
        (".".join(row[d] for d in DIMS), row["TIME_PERIOD"], row["OBS_VALUE"])
        for row in csv.DictReader(io.StringIO(r.text))
    )


def test_slice_replacement_is_atomic(exr_env: PushEnv) -> None:
    """Delete ``Q..EUR.SP00.A`` then append a new slice, in one message, again and again, while a
    reader queries the slice: every answer is the whole old slice or the whole new one."""
    old = _slice(exr_env)
    assert len(old) == 12  # Q.USD.EUR.SP00.A, 2019-Q1..2021-Q4

    def message(version: int) -> str:
        rows = ["D,Q,,EUR,SP00,A,,,,"]
        for cur in ("USD", "GBP", "CHF"):
            for year in (2020, 2021):
                for q in range(1, 5):
                    rows.append(f"A,Q,{cur},EUR,SP00,A,{year}-Q{q},{version}.{q}{year % 10},A,")
        return csv20(rows)

    states = {
        n: frozenset(
            (f"Q.{c}.EUR.SP00.A", f"{y}-Q{q}", f"{n}.{q}{y % 10}")
            for c in ("USD", "GBP", "CHF")
            for y in (2020, 2021)
            for q in range(1, 5)
        )
        for n in (1, 2)
    }
    seen: list[frozenset[tuple[str, str, str]]] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                seen.append(_slice(exr_env))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        r = exr_env.push(message(1), who="BIS", content_type=CSV20_TYPE)  # BIS reported Q.USD
        # 2019 of USD deleted (4), 2020-2021 of USD updated (8), GBP and CHF inserted (16).
        assert counts(r) == (16, 8, 4, 0)
        for n in range(8):
            r = exr_env.push(message(2 - n % 2), who="BIS", content_type=CSV20_TYPE)
            assert counts(r) == (0, 24, 0, 0)
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures
    assert len(seen) >= 5, "the reader did not get to read"
    allowed = {old, states[1], states[2]}
    bad = [s for s in seen if s not in allowed]
    assert not bad, (
        f"{len(bad)} of {len(seen)} reads saw a partial slice, e.g. {sorted(bad[0])[:5]}"
    )
    assert _slice(exr_env) == states[1]


def test_resending_the_same_data_changes_nothing_visible(
    make_exr_env: Callable[..., PushEnv],
) -> None:
    """A file sent again (every value as stored) writes no version: the ETag, Last-Modified and
    updatedAfter answers stay as they were, and the report counts it unchanged."""
    exr_env = make_exr_env(clock=FakeClock())  # moved forward instead of sleeping
    body = csv20([f"A,M,CHF,EUR,SP00,A,2031-0{m},1.{m},A," for m in range(1, 4)])
    assert counts(exr_env.push(body, content_type=CSV20_TYPE)) == (3, 0, 0, 0)
    with exr_env.client() as client:
        first = client.get("/rest/data/ECB,EXR,1.0/M.CHF.EUR.SP00.A")
    assert first.status_code == 200
    exr_env.clock.advance(1.1)  # Last-Modified has a one-second resolution
    since = exr_env.clock.now().isoformat()
    before = exr_env.snapshot()
    assert counts(exr_env.push(body, content_type=CSV20_TYPE)) == (0, 0, 0, 3)
    assert exr_env.snapshot() == before
    with exr_env.client() as client:
        again = client.get("/rest/data/ECB,EXR,1.0/M.CHF.EUR.SP00.A")
        changes = client.get(
            "/rest/data/ECB,EXR,1.0/M.CHF.EUR.SP00.A", params={"updatedAfter": since}
        )
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert changes.status_code == 404, changes.text[:300]
