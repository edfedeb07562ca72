"""Producers push as real clients would, and what they pushed reads back equal.

Messages are written by the clients' own writers against the structure read
from the live server: SDMX-ML 2.1 generic and structure-specific by sdmx1
(``sdmx.to_xml`` of a DataMessage built with sdmx1's model), SDMX-CSV 1.0 and
2.0 and SDMX-ML 3.0 by pysdmx (``write_sdmx``), plus the SDMX-ML 3.0 specimen
of the shared fixtures. httpx posts each body; the data are then read back
through the pull API with sdmx1, pysdmx and plain SDMX-CSV, and every key,
period, value and attribute must equal what was sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sdmx
from lxml import etree
from sdmx.message import DataMessage
from sdmx.model import v21 as m
from sdmx.session import Session

from tests import fixtures
from tests.push.conftest import CSV10_TYPE, EXR_DIMS, GENERIC21_TYPE, PushEnv, exr_observations
from tests.sdmx_validation import validate_response

Row = tuple[
    str, str, float, frozenset[tuple[str, str]]
]  # series key, period, value, every attribute

# No ", ', & or < here: pysdmx's XML writers do not escape them in attributes (and turn ' into "),
# and the server rightly refuses the malformed XML that results. See sent_rows(special=True).
# Every mandatory series attribute of ECB_EXR1 is here (TIME_FORMAT, COLLECTION, DECIMALS, TITLE_COMPL,
# UNIT, UNIT_MULT): the server refuses a new series without them.
SERIES_ATTRS = {
    "M.CHF.EUR.SP00.A": {
        "TITLE": "Franc suisse/euro (é, ü)",
        "DECIMALS": "4",
        "UNIT_MULT": "0",
        "COLLECTION": "A",
        "UNIT": "CHF",
        "TIME_FORMAT": "P1M",
        "TITLE_COMPL": "Swiss franc (CHF) per euro; monthly",
    },
    "M.GBP.EUR.SP00.A": {
        "TITLE": "Pound sterling/euro, 2:15 pm (C.E.T.)",
        "DECIMALS": "5",
        "UNIT_MULT": "0",
        "COLLECTION": "E",
        "UNIT": "GBP",
        "TIME_FORMAT": "P1M",
        "TITLE_COMPL": "UK pound sterling (GBP) per euro",
    },
    "A.CHF.EUR.SP00.A": {
        "TITLE": "Annual franc",
        "DECIMALS": "2",
        "UNIT_MULT": "3",
        "COLLECTION": "A",
        "UNIT": "CHF",
        "TIME_FORMAT": "P1Y",
        "TITLE_COMPL": "Swiss franc (CHF) per euro; annual",
    },
}
PERIODS = {"M": [f"2031-{m:02d}" for m in range(1, 7)], "A": ["2029", "2030", "2031"]}
STATUSES = ["A", "E", "P", "A", "F", "A"]


def sent_rows(special: bool = True) -> list[tuple[str, str, str, dict[str, str]]]:
    """What every client sends: (series key, period, value text, observation attributes).

    ``special``: a comment with XML and CSV special characters (for writers that escape them).
    """
    rows = []
    for n, (key, _attrs) in enumerate(SERIES_ATTRS.items()):
        for i, period in enumerate(PERIODS[key[0]]):
            value = f"{1 + n / 10 + i / 1000:.4f}" if i != 2 else f"-{n + 1}.5e-3"
            obs = {"OBS_STATUS": STATUSES[i]}
            if i == 1:
                obs["OBS_COM"] = (
                    f'Révisé, "provisoire" & <b>n°{n}</b>'
                    if special
                    else f"Révisé, provisoire; n°{n}"
                )
            rows.append((key, period, value, obs))
    return rows


def expected(special: bool = True) -> set[Row]:
    return {
        (key, period, float(value), frozenset({**SERIES_ATTRS[key], **obs}.items()))
        for key, period, value, obs in sent_rows(special)
    }


# --------------------------------------------------------------------------- readers


def _validate_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    validate_response(response.headers.get("content-type", ""), response.content)
    return response


def sdmx1_client(env: PushEnv) -> sdmx.Client:
    """An sdmx1 client registered on the live server, validating what it receives."""
    sdmx.add_source(
        {
            "id": "TESTSRC",
            "name": "push tests",
            "url": f"{env.url}/rest",
            "versions": ["2.1"],
            "supports": {"structure-specific data": True},
        },
        override=True,
    )
    session = Session()
    session.hooks["response"].append(_validate_hook)
    return sdmx.Client("TESTSRC", session=session)


KEYS = ".CHF+GBP.EUR.SP00.A"


def read_sdmx1(env: PushEnv, structure_specific: bool) -> set[Row]:
    client = sdmx1_client(env)
    kwargs: dict[str, Any] = {}
    if structure_specific:
        kwargs["dsd"] = client.dataflow("EXR").dataflow["EXR"].structure
    msg = client.data("EXR", key=KEYS, params={"startPeriod": "2029"}, **kwargs)
    (ds,) = msg.data
    assert isinstance(ds, m.StructureSpecificDataSet if structure_specific else m.GenericDataSet)
    out = set()
    for sk, observations in ds.series.items():
        key = ".".join(str(sk.values[d].value) for d in EXR_DIMS)
        series_attrs = {k: str(v.value) for k, v in sk.values.items() if k not in EXR_DIMS}
        series_attrs.update({k: str(v.value) for k, v in sk.attrib.items()})
        for obs in observations:
            attrs = {**series_attrs, **{k: str(v.value) for k, v in obs.attached_attribute.items()}}
            out.add(
                (
                    key,
                    str(obs.dimension.values["TIME_PERIOD"].value),
                    float(obs.value),
                    frozenset(attrs.items()),
                )
            )
    return out


def _rows_from_records(records: Iterator[dict[str, Any]]) -> set[Row]:
    out = set()
    for rec in records:
        key = ".".join(str(rec[d]) for d in EXR_DIMS)
        attrs = {
            k: str(v)
            for k, v in rec.items()
            if k not in (*EXR_DIMS, "DATAFLOW", "TIME_PERIOD", "OBS_VALUE")
            and v not in ("", None)
            and not (isinstance(v, float) and v != v)
        }
        out.add((key, str(rec["TIME_PERIOD"]), float(rec["OBS_VALUE"]), frozenset(attrs.items())))
    return out


def read_pysdmx(env: PushEnv) -> set[Row]:
    from pysdmx.io import read_sdmx

    msg = read_sdmx(f"{env.url}/rest/data/ECB,EXR,1.0/{KEYS}?startPeriod=2029", validate=True)
    (ds,) = msg.get_datasets()
    return _rows_from_records(iter(ds.data.to_dict("records")))


def read_csv(env: PushEnv) -> set[Row]:
    with env.client() as client:
        r = client.get(
            f"/rest/data/ECB,EXR,1.0/{KEYS}",
            params={"startPeriod": "2029"},
            headers={"Accept": CSV10_TYPE},
        )
    assert r.status_code == 200, r.text
    return _rows_from_records(csv.DictReader(io.StringIO(r.text)))


def assert_reads_back(env: PushEnv, want: set[Row]) -> None:
    """sdmx1 (generic and structure-specific), pysdmx and SDMX-CSV all read back exactly ``want``."""
    assert read_csv(env) == want
    assert read_sdmx1(env, structure_specific=False) == want
    assert read_sdmx1(env, structure_specific=True) == want
    assert read_pysdmx(env) == want


def assert_written(env: PushEnv, r: httpx.Response, n: int, fmt: str) -> None:
    assert r.status_code == 200, r.text
    report = r.json()
    assert (
        report["status"],
        report["format"],
        report["rows"],
        report["inserted"],
        report["errorCount"],
    ) == ("written", fmt, n, n, 0), report


# --------------------------------------------------------------------------- sdmx1 writes


def sdmx1_message(env: PushEnv, structure_specific: bool) -> bytes:
    """The rows, as sdmx1 writes them: a DataMessage built on the DSD sdmx1 read from the server."""
    client = sdmx1_client(env)
    flow = client.dataflow("EXR", agency_id="ECB", version="1.0").dataflow["EXR"]
    dsd = flow.structure
    cls = m.StructureSpecificDataSet if structure_specific else m.GenericDataSet
    ds = cls(structured_by=dsd, described_by=flow)
    # sdmx1 writes ActionType members as "ActionType.append" (not a valid SDMX-ML value): give the text.
    ds.action = "Append"  # type: ignore[assignment]
    measure = dsd.measures.get("OBS_VALUE")
    by_series: dict[str, list[Any]] = {}
    keys: dict[str, Any] = {}
    for key, period, value, obs_attrs in sent_rows():
        if key not in keys:
            sk = dsd.make_key(
                m.SeriesKey, dict(zip(EXR_DIMS, key.split("."), strict=True)), extend=False
            )
            for attr_id, attr_value in SERIES_ATTRS[key].items():
                sk.attrib[attr_id] = m.AttributeValue(
                    value=attr_value, value_for=dsd.attributes.get(attr_id)
                )
            keys[key] = sk
        sk = keys[key]
        obs = m.Observation(
            series_key=sk,
            dimension=dsd.make_key(m.Key, {"TIME_PERIOD": period}),
            value=value,
            value_for=measure,
            attached_attribute={
                a: m.AttributeValue(value=v, value_for=dsd.attributes.get(a))
                for a, v in obs_attrs.items()
            },
        )
        by_series.setdefault(key, []).append(obs)
    for key, observations in by_series.items():
        ds.add_obs(observations, keys[key])
    msg = DataMessage(
        data=[ds], dataflow=flow, observation_dimension=dsd.dimensions.get("TIME_PERIOD")
    )
    return bytes(sdmx.to_xml(msg, pretty_print=True))


def test_sdmx1_structure_specific(exr_env: PushEnv) -> None:
    body = sdmx1_message(exr_env, structure_specific=True)
    assert b"<mes:StructureSpecificData" in body and b"<Series " in body
    r = exr_env.push(
        body, content_type="application/vnd.sdmx.structurespecificdata+xml;version=2.1"
    )
    assert_written(exr_env, r, len(sent_rows()), "sdmx-ml-2.1-structurespecific")
    assert_reads_back(exr_env, expected())


def test_sdmx1_generic(exr_env: PushEnv) -> None:
    """sdmx1 writes generic data sets under a StructureSpecificData root (its issue #196): the
    server reads each data set by its content, so that the message loads as the producer meant."""
    body = sdmx1_message(exr_env, structure_specific=False)
    assert b"<gen:Series>" in body and b"<mes:StructureSpecificData" in body
    r = exr_env.push(body, content_type="application/xml")
    assert_written(exr_env, r, len(sent_rows()), "sdmx-ml-2.1-structurespecific")
    assert_reads_back(exr_env, expected())
    # Declared as generic, the root contradicts the Content-Type: refused, with a reason.
    r = exr_env.push(body, content_type=GENERIC21_TYPE)
    assert (
        r.status_code == 422
        and "not sdmx-ml-2.1-generic as declared" in r.json()["errors"][0]["reason"]
    )


# --------------------------------------------------------------------------- pysdmx writes


def pysdmx_dataset(env: PushEnv, special: bool, action: str = "Append") -> Any:
    import pandas as pd
    from pysdmx.io import read_sdmx
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model import Schema
    from pysdmx.model.dataset import ActionType

    msg = read_sdmx(f"{env.url}/rest/dataflow/ECB/EXR/1.0?references=all", validate=True)
    (dsd,) = [d for d in msg.get_data_structure_definitions() if d.id == "ECB_EXR1"]
    schema = Schema(
        context="dataflow", agency="ECB", id="EXR", version="1.0", components=dsd.components
    )
    records = []
    for key, period, value, obs_attrs in sent_rows(special):
        rec = dict(zip(EXR_DIMS, key.split("."), strict=True))
        rec.update(TIME_PERIOD=period, OBS_VALUE=value, OBS_COM="", **SERIES_ATTRS[key])
        rec.update(obs_attrs)
        records.append(rec)
    return PandasDataset(
        structure=schema, data=pd.DataFrame(records), action=getattr(ActionType, action)
    )


@pytest.mark.parametrize(
    "fmt_name,server_format",
    [
        ("DATA_SDMX_CSV_1_0_0", "sdmx-csv-1.0"),
        ("DATA_SDMX_CSV_2_0_0", "sdmx-csv-2.0"),
        ("DATA_SDMX_ML_3_0", "sdmx-ml-3.0-structurespecific"),
        ("DATA_SDMX_ML_2_1_STR", "sdmx-ml-2.1-structurespecific"),
        ("DATA_SDMX_ML_2_1_GEN", "sdmx-ml-2.1-generic"),
    ],
)
def test_pysdmx_writes(exr_env: PushEnv, fmt_name: str, server_format: str) -> None:
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format

    fmt = getattr(Format, fmt_name)
    special = "CSV" in fmt_name  # pysdmx's XML writers do not escape special characters
    body = write_sdmx([pysdmx_dataset(exr_env, special)], fmt)
    assert body
    r = exr_env.push(body, content_type=fmt.value)
    assert_written(exr_env, r, len(sent_rows()), server_format)
    assert_reads_back(exr_env, expected(special))
    # The same message again changes nothing, and says so.
    again = exr_env.push(body, content_type=fmt.value).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, len(sent_rows())), (
        again
    )


def test_body_without_content_type_is_sniffed(exr_env: PushEnv) -> None:
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format

    body = write_sdmx([pysdmx_dataset(exr_env, True)], Format.DATA_SDMX_CSV_2_0_0)
    r = exr_env.push(body, content_type=None)
    assert_written(exr_env, r, len(sent_rows()), "sdmx-csv-2.0")
    r = exr_env.push(sdmx1_message(exr_env, True), content_type="application/octet-stream")
    assert r.status_code == 200 and r.json()["format"] == "sdmx-ml-2.1-structurespecific"
    assert r.json()["unchanged"] == len(sent_rows())


# --------------------------------------------------------------------------- a specimen file


def _specimen_rows(path: str) -> set[Row]:
    root = etree.parse(path).getroot()
    out = set()
    for series in root.iter("Series"):
        attrs = dict(series.attrib)
        key = ".".join(attrs.pop(d) for d in EXR_DIMS)
        for obs in series.iter("Obs"):
            o = dict(obs.attrib)
            period, value = o.pop("TIME_PERIOD"), o.pop("OBS_VALUE")
            out.add((key, period, float(value), frozenset({**attrs, **o}.items())))
    return out


def test_sdmx_ml_30_specimen(exr_env: PushEnv) -> None:
    path = fixtures.V3 / "xml" / "ECB_EXR0.xml"
    want = _specimen_rows(str(path))
    assert len(want) == 116
    r = exr_env.push(path.read_bytes(), content_type="application/vnd.sdmx.data+xml;version=3.0.0")
    assert_written(exr_env, r, 116, "sdmx-ml-3.0-structurespecific")
    with exr_env.client() as client:
        got = client.get(
            "/rest/data/ECB,EXR,1.0/A.CAD+CHF+LTL.EUR.SP00.", headers={"Accept": CSV10_TYPE}
        )
    assert _rows_from_records(csv.DictReader(io.StringIO(got.text))) == want
    client = sdmx1_client(exr_env)
    msg = client.data("EXR", key="A.CAD+CHF+LTL.EUR.SP00.")
    assert sum(len(obs) for obs in msg.data[0].series.values()) == 116
    stored = exr_observations(exr_env.services, "s.series_key LIKE 'A.%'")
    assert {(k, p) for k, p in stored} >= {(k, p) for k, p, _v, _a in want}
