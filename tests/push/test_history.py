"""History: every observation keeps its versions, and the pull API shows them.

Pushed through the live server by a producer (SDMX-CSV 1.0 and 2.0 with the
``ACTION`` column), read back with ``updatedAfter`` (changed values as a
``Replace`` data set, deletions as a ``Delete`` data set), ``includeHistory``
(one data set per publication, with its exact ``validFromDate``) and ``asOf``
(the data as published at an instant) in SDMX-ML 2.1 generic and
structure-specific, SDMX-JSON 1.0 and SDMX-CSV 2.0; SDMX-CSV 1.0 answers the
first two with 406 and carries ``asOf`` (a plain snapshot). Every XML and
JSON body is validated against the official schemas (client hook),
structure-specific ones against the server's own ``/schema`` answer; sdmx1
reads the generic answers with their actions and validity dates.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from tests.data_parsers import parse_csv10, parse_generic, parse_json10, parse_structure_specific
from tests.push.conftest import EXR, EXR_DIMS, SERIES_ATTRS, PushEnv, exr_series_attrs
from tests.ss_validation import ss_errors

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
JSON10 = "application/vnd.sdmx.data+json;version=1.0.0"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
FORMATS = {
    "generic": GENERIC,
    "structure-specific": SS,
    "json": JSON10,
    "csv1": CSV10,
    "csv2": CSV20,
}
VERSIONED_FORMATS = {k: v for k, v in FORMATS.items() if k != "csv1"}

CSV20_HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,"
    "OBS_VALUE,OBS_STATUS"
)
SS_NS = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0):ObsLevelDim:TIME_PERIOD"

Cells = dict[tuple[str, str], float | None]  # (series key, period) -> value (None: deleted)


# ------------------------------------------------------------------ building messages


def csv10(cells: dict[tuple[str, str], float]) -> str:
    """SDMX-CSV 1.0 upserts of annual EXR cells: (currency, year) -> value.

    Each row carries its series' mandatory attributes (the same every time), so
    that any of these messages may create the series.
    """
    head = f"DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,{SERIES_ATTRS}"
    return (
        "\n".join(
            [head]
            + [
                f"{EXR},A,{cur},EUR,SP00,A,{year},{value},A,{exr_series_attrs('A', cur)}"
                for (cur, year), value in cells.items()
            ]
        )
        + "\n"
    )


def csv20(rows: list[tuple[str, str, str, float | None]]) -> str:
    """SDMX-CSV 2.0 rows (action, currency, year, value) of annual EXR cells.

    No series attributes: these messages change series that earlier ones created
    (their stored attributes stand), and an attribute value on a D row would
    mean "delete that value" (SDMX 3.0).
    """
    lines = [CSV20_HEADER]
    for action, cur, year, value in rows:
        cells = ("", "") if value is None else (str(value), "A")
        lines.append(f"dataflow,{EXR},{action},A,{cur},EUR,SP00,A,{year},{cells[0]},{cells[1]}")
    return "\n".join(lines) + "\n"


def series(cur: str) -> str:
    """The series key of the annual EXR series of a currency."""
    return f"A.{cur}.EUR.SP00.A"


def pushed(
    env: PushEnv,
    body: str,
    content_type: str = "application/vnd.sdmx.data+csv;version=1.0.0",
    **params: str,
) -> dict:
    """Push as ECB; the report of a written submission."""
    r = env.push(body, "ECB", content_type=content_type, params=params or None)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["status"] == "written", report
    return report


def instant(text_value: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or offset) as an aware datetime."""
    return datetime.fromisoformat(text_value.replace("Z", "+00:00"))


# ------------------------------------------------------------------ reading answers


@dataclass
class DataSet:
    """One data set of an answer: its action, validity start and cells."""

    action: str | None
    valid_from: datetime | None
    cells: Cells = field(default_factory=dict)


def _num(value: str | float | None) -> float | None:
    return None if value is None or value in ("", "NaN") else float(value)


def plain_cells(resp: httpx.Response) -> Cells:
    """The observations of a plain answer in any format: (series key, period) -> value."""
    ctype = resp.headers["content-type"]
    dims = list(EXR_DIMS)
    if "genericdata" in ctype:
        obs = parse_generic(resp.content, dims, with_attrs=False)
    elif "structurespecific" in ctype:
        obs = parse_structure_specific(resp.content, dims, with_attrs=False)
    elif "json" in ctype:
        obs = parse_json10(resp.content, with_attrs=False)
    elif "version=2.0.0" in ctype:
        return {k: v for ds in datasets(resp) for k, v in ds.cells.items()}
    else:
        obs = parse_csv10(resp.content, dims, with_attrs=False)
    out: Cells = {}
    for key, period, value, _attrs in obs:
        assert (".".join(key), period) not in out, f"{key} {period} twice"
        out[(".".join(key), period)] = _num(value)
    return out


def datasets(resp: httpx.Response) -> list[DataSet]:
    """The data sets of an answer in order, with their actions and validity (any versioned format).

    SDMX-CSV 2.0 has no data sets: a run of rows with the same ACTION in which no cell repeats is one.
    """
    ctype = resp.headers["content-type"]
    if "json" in ctype:
        return _json_datasets(resp.content)
    if "csv" in ctype:
        return _csv20_datasets(resp.content)
    return _xml_datasets(resp.content, structure_specific="structurespecific" in ctype)


def _xml_datasets(body: bytes, structure_specific: bool) -> list[DataSet]:
    root = etree.fromstring(body)
    out = []
    for ds in root.iter("{*}DataSet"):

        def attr(name: str, ds: etree._Element = ds) -> str | None:
            return next((v for k, v in ds.attrib.items() if k.rpartition("}")[2] == name), None)

        valid = attr("validFromDate")
        item = DataSet(attr("action"), instant(valid) if valid else None)
        for s in ds.findall("{*}Series"):
            if structure_specific:
                key = ".".join(s.get(d) for d in EXR_DIMS)
                obs = [(o.get("TIME_PERIOD"), o.get("OBS_VALUE")) for o in s.findall("Obs")]
            else:
                values = {v.get("id"): v.get("value") for v in s.findall("{*}SeriesKey/{*}Value")}
                key = ".".join(values[d] for d in EXR_DIMS)
                obs = [
                    (
                        o.find("{*}ObsDimension").get("value"),
                        o.find("{*}ObsValue").get("value")
                        if o.find("{*}ObsValue") is not None
                        else None,
                    )
                    for o in s.findall("{*}Obs")
                ]
            for period, value in obs:
                assert (key, period) not in item.cells
                item.cells[(key, period)] = _num(value)
        out.append(item)
    return out


def _json_datasets(body: bytes) -> list[DataSet]:
    doc = json.loads(body)
    dims = doc["data"]["structure"]["dimensions"]
    out = []
    for ds in doc["data"]["dataSets"]:
        item = DataSet(ds["action"], instant(ds["validFrom"]) if "validFrom" in ds else None)
        for skey, s in ds.get("series", {}).items():
            key = ".".join(
                d["values"][int(i)]["id"]
                for d, i in zip(dims["series"], skey.split(":"), strict=True)
            )
            for okey, obs in s["observations"].items():
                period = dims["observation"][0]["values"][int(okey)]["id"]
                item.cells[(key, period)] = _num(obs[0])
        out.append(item)
    return out


def _csv20_datasets(body: bytes) -> list[DataSet]:
    out: list[DataSet] = []
    for row in csv.DictReader(io.StringIO(body.decode())):
        action = {"I": "Information", "R": "Replace", "D": "Delete"}[row["ACTION"]]
        key = ".".join(row[d] for d in EXR_DIMS)
        if not out or out[-1].action != action or (key, row["TIME_PERIOD"]) in out[-1].cells:
            out.append(DataSet(action, None))
        out[-1].cells[(key, row["TIME_PERIOD"])] = _num(row["OBS_VALUE"])
    return out


def get(env: PushEnv, key: str, accept: str, **params: str) -> httpx.Response:
    """A public data query for one key (schema-validated by the client hook; structure-specific here)."""
    with env.client(None) as client:
        r = client.get(f"/rest/data/ECB,EXR,1.0/{key}", params=params, headers={"Accept": accept})
        if r.status_code == 200 and "structurespecific" in accept:
            xsd = client.get(
                "/rest/schema/dataflow/ECB/EXR/1.0",
                params={"dimensionAtObservation": "TIME_PERIOD"},
            )
            assert xsd.status_code == 200
            assert ss_errors(r.content, xsd.content, SS_NS) == []
    return r


def sdmx1_datasets(resp: httpx.Response) -> list[Cells]:
    """The cells of each data set of a generic SDMX-ML answer, as sdmx1 reads them.

    sdmx1 (2.x) reads the data sets and their observations but not their
    ``action`` and ``validFromDate`` attributes (its reader skips them).
    """
    import sdmx

    msg = sdmx.read_sdmx(io.BytesIO(resp.content))
    assert isinstance(msg, sdmx.message.DataMessage)
    out = []
    for ds in msg.data:
        cells: Cells = {}
        for obs in ds.obs:
            key = obs.key.get_values()
            cells[(".".join(str(v) for v in key[:-1]), str(key[-1]))] = _num(obs.value)
        out.append(cells)
    return out


# ------------------------------------------------------------------ a three-step story


@dataclass
class Story:
    """Three publications of two annual series (SEK, NOK) and the instants between them."""

    t0: datetime  # before anything
    t1: datetime  # published at: first load
    t2: datetime  # second: updates, deletions, an insertion
    t3: datetime  # third: a deleted cell comes back, a new value
    between_12: datetime
    between_23: datetime


SEK, NOK = series("SEK"), series("NOK")
STATE_1: Cells = {
    (SEK, "2015"): 1.5,
    (SEK, "2016"): 1.6,
    (SEK, "2017"): 1.7,
    (NOK, "2015"): 9.5,
    (NOK, "2016"): 9.6,
}
STATE_2: Cells = {(SEK, "2015"): 1.5, (SEK, "2016"): 2.6, (SEK, "2018"): 1.8, (NOK, "2015"): 9.5}
STATE_3: Cells = {
    (SEK, "2015"): 1.5,
    (SEK, "2016"): 3.6,
    (SEK, "2018"): 1.8,
    (NOK, "2015"): 9.5,
    (SEK, "2017"): 3.7,
}


def tell_story(env: PushEnv) -> Story:
    """Push the three publications, 50 ms apart (validity times have microseconds)."""
    t0 = datetime.now().astimezone()
    time.sleep(0.05)
    r1 = pushed(
        env,
        csv10(
            {
                ("SEK", "2015"): 1.5,
                ("SEK", "2016"): 1.6,
                ("SEK", "2017"): 1.7,
                ("NOK", "2015"): 9.5,
                ("NOK", "2016"): 9.6,
            }
        ),
    )
    assert (r1["inserted"], r1["updated"], r1["deleted"]) == (5, 0, 0)
    time.sleep(0.05)
    b12 = datetime.now().astimezone()
    time.sleep(0.05)
    r2 = pushed(
        env,
        csv20(
            [
                ("R", "SEK", "2016", 2.6),
                ("D", "SEK", "2017", None),
                ("A", "SEK", "2018", 1.8),
                ("D", "NOK", "2016", None),
                ("R", "NOK", "2015", 9.5),
            ]
        ),
        "application/vnd.sdmx.data+csv;version=2.0.0",
    )
    assert (r2["inserted"], r2["updated"], r2["deleted"], r2["unchanged"]) == (1, 1, 2, 1)
    time.sleep(0.05)
    b23 = datetime.now().astimezone()
    time.sleep(0.05)
    r3 = pushed(env, csv10({("SEK", "2016"): 3.6, ("SEK", "2017"): 3.7}))
    assert (r3["inserted"], r3["updated"], r3["deleted"]) == (1, 1, 0)
    return Story(
        t0,
        instant(r1["releaseDate"]),
        instant(r2["releaseDate"]),
        instant(r3["releaseDate"]),
        b12,
        b23,
    )


# ------------------------------------------------------------------ tests


def test_versions_are_stored_with_written_and_published_times(exr_env: PushEnv) -> None:
    story = tell_story(exr_env)
    with exr_env.services.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.period, o.value, o.change, o.is_deleted, o.valid_from, o.valid_to, b.written_at, b.release_at"
                " FROM data_observation o JOIN data_series s ON s.pk = o.series_pk JOIN data_batch b ON b.pk = o.batch_pk"
                " WHERE s.series_key = :k ORDER BY o.period, o.valid_from"
            ),
            {"k": SEK},
        ).all()
    from sdmx_server.storage.sqltime import from_db

    versions = [
        (
            p,
            None if v is None else float(v),
            c,
            bool(d),
            from_db(vf),
            from_db(vt),
            from_db(w),
            from_db(rel),
        )
        for p, v, c, d, vf, vt, w, rel in rows
    ]
    t1, t2, t3 = story.t1, story.t2, story.t3
    assert [(p, v, c, d, vf, vt) for p, v, c, d, vf, vt, _w, _r in versions] == [
        ("2015", 1.5, "I", False, t1, None),
        ("2016", 1.6, "I", False, t1, t2),
        ("2016", 2.6, "U", False, t2, t3),
        ("2016", 3.6, "U", False, t3, None),
        ("2017", 1.7, "I", False, t1, t2),
        ("2017", None, "D", True, t2, t3),
        ("2017", 3.7, "R", False, t3, None),
        ("2018", 1.8, "I", False, t2, None),
    ]
    # Without an embargo a version is published when it is written.
    assert all(vf == w == r for _p, _v, _c, _d, vf, _vt, w, r in versions)


@pytest.mark.parametrize("fmt", VERSIONED_FORMATS)
def test_updated_after_returns_changes_and_deletions(exr_env: PushEnv, fmt: str) -> None:
    story = tell_story(exr_env)
    r = get(
        exr_env, "A.SEK+NOK.EUR.SP00.A", FORMATS[fmt], updatedAfter=story.between_12.isoformat()
    )
    assert r.status_code == 200, r.text
    found = datasets(r)
    by_action = {ds.action: ds.cells for ds in found}
    assert len(found) == len(by_action) == 2, [ds.action for ds in found]
    # What changed after the instant, as it stands now: SEK 2016 and 2017 changed twice (their latest
    # version counts), SEK 2018 is new; NOK 2016 was deleted; unchanged cells are not repeated.
    assert by_action["Replace"] == {(SEK, "2016"): 3.6, (SEK, "2017"): 3.7, (SEK, "2018"): 1.8}
    assert set(by_action["Delete"]) == {(NOK, "2016")}
    r = get(
        exr_env, "A.SEK+NOK.EUR.SP00.A", FORMATS[fmt], updatedAfter=story.between_23.isoformat()
    )
    assert {ds.action: ds.cells for ds in datasets(r)} == {
        "Replace": {(SEK, "2016"): 3.6, (SEK, "2017"): 3.7}
    }
    # Nothing changed after the last publication: no data.
    r = get(
        exr_env,
        "A.SEK+NOK.EUR.SP00.A",
        FORMATS[fmt],
        updatedAfter=(story.t3 + timedelta(microseconds=1)).isoformat(),
    )
    assert r.status_code == 404


@pytest.mark.parametrize("fmt", VERSIONED_FORMATS)
def test_include_history_returns_every_version(exr_env: PushEnv, fmt: str) -> None:
    story = tell_story(exr_env)
    r = get(exr_env, "A.SEK+NOK.EUR.SP00.A", FORMATS[fmt], includeHistory="true")
    assert r.status_code == 200, r.text
    found = [(ds.action, ds.cells) for ds in datasets(r)]
    # One data set per publication and kind (its deletions first), in publication order; replaying
    # them rebuilds the data.
    assert found == [
        ("Replace", STATE_1),
        ("Delete", {(SEK, "2017"): None, (NOK, "2016"): None}),
        ("Replace", {(SEK, "2016"): 2.6, (SEK, "2018"): 1.8}),
        ("Replace", {(SEK, "2016"): 3.6, (SEK, "2017"): 3.7}),
    ]
    if fmt != "csv2":  # data sets carry their exact publication instant
        assert [ds.valid_from for ds in datasets(r)] == [story.t1, story.t2, story.t2, story.t3]
    state: Cells = {}
    for action, cells in found:
        for cell, value in cells.items():
            if action == "Delete":
                state.pop(cell)
            else:
                state[cell] = value
    assert state == STATE_3
    # With updatedAfter: only the versions published after it.
    r = get(
        exr_env,
        "A.SEK+NOK.EUR.SP00.A",
        FORMATS[fmt],
        includeHistory="true",
        updatedAfter=story.between_23.isoformat(),
    )
    assert [(ds.action, ds.cells) for ds in datasets(r)] == [
        ("Replace", {(SEK, "2016"): 3.6, (SEK, "2017"): 3.7})
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_as_of_returns_the_data_as_published_then(exr_env: PushEnv, fmt: str) -> None:
    story = tell_story(exr_env)
    key, accept = "A.SEK+NOK.EUR.SP00.A", FORMATS[fmt]
    assert get(exr_env, key, accept, asOf=story.t0.isoformat()).status_code == 404
    assert plain_cells(get(exr_env, key, accept, asOf=story.between_12.isoformat())) == STATE_1
    assert plain_cells(get(exr_env, key, accept, asOf=story.between_23.isoformat())) == STATE_2
    assert plain_cells(get(exr_env, key, accept)) == STATE_3
    # A version's exact validFrom selects it; a microsecond earlier, the one before.
    assert plain_cells(get(exr_env, key, accept, asOf=story.t2.isoformat())) == STATE_2
    assert (
        plain_cells(
            get(exr_env, key, accept, asOf=(story.t2 - timedelta(microseconds=1)).isoformat())
        )
        == STATE_1
    )
    # A time zone other than UTC means the same instant.
    new_york = story.between_23.astimezone(timezone(timedelta(hours=-5)))
    assert plain_cells(get(exr_env, key, accept, asOf=new_york.isoformat())) == STATE_2


@pytest.mark.parametrize(
    "params",
    [
        {"updatedAfter": "2020-01-01T00:00:00Z"},
        {"includeHistory": "true"},
        {"includeHistory": "true", "updatedAfter": "2020-01-01T00:00:00Z"},
    ],
)
def test_csv10_cannot_carry_deletions_or_versions(exr_env: PushEnv, params: dict[str, str]) -> None:
    tell_story(exr_env)
    r = get(exr_env, "A.SEK+NOK.EUR.SP00.A", CSV10, **params)
    assert r.status_code == 406
    message = etree.fromstring(r.content).findtext("{*}ErrorMessage/{*}Text")
    assert "cannot carry deletions or versions" in message and "version=2.0.0" in message
    # The same query in SDMX-CSV 2.0 works.
    assert get(exr_env, "A.SEK+NOK.EUR.SP00.A", CSV20, **params).status_code == 200


def test_sdmx1_reads_change_and_history_answers(exr_env: PushEnv) -> None:
    story = tell_story(exr_env)
    r = get(exr_env, "A.SEK+NOK.EUR.SP00.A", GENERIC, updatedAfter=story.between_12.isoformat())
    assert (
        sdmx1_datasets(r)
        == [ds.cells for ds in datasets(r)]
        == [{(SEK, "2016"): 3.6, (SEK, "2017"): 3.7, (SEK, "2018"): 1.8}, {(NOK, "2016"): None}]
    )
    r = get(exr_env, "A.SEK+NOK.EUR.SP00.A", GENERIC, includeHistory="true")
    assert sdmx1_datasets(r) == [ds.cells for ds in datasets(r)]
    assert len(sdmx1_datasets(r)) == 4
