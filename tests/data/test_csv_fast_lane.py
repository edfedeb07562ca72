"""The SDMX-CSV fast lane of the validator gives exactly what the general path gives.

``Validator.csv_observations`` checks the common row from its cells and the
caches; any other row goes through ``Validator.observation``. Here the same
messages, with good rows and every kind of bad one mixed in, are validated
both ways (the second through the record reader and ``observation`` alone),
and the staging rows, wildcard deletions, errors and upper-level attributes
must be identical, while most rows did take the fast lane.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest

from sdmx_server.readers.base import DataRecord
from sdmx_server.readers.sdmx_csv import iter_csv_records, open_csv_rows
from sdmx_server.services.container import Services
from sdmx_server.services.data_validation import ValidationError, Validator
from sdmx_server.services.data_write import roles_of
from sdmx_server.services.dsd_info import DsdInfo, load_dsd_info, resolve_dataflow
from sdmx_server.storage.staged import StagedObservation, StagedRow

HEADER = (
    "FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,OBS_CONF,OBS_COM,"
    "COLLECTION,TITLE,UNIT_MULT"
)
MONTHS = [f"{y}-{m:02d}" for y in (2019, 2020) for m in range(1, 13)]
GOOD_SERIES = (
    [("M", currency, MONTHS) for currency in ("USD", "JPY", "GBP", "CHF", "SEK")]
    + [
        ("Q", currency, [f"{y}-Q{q}" for y in (2018, 2019, 2020) for q in range(1, 5)])
        for currency in ("USD", "JPY")
    ]
    + [("A", currency, [str(y) for y in range(2000, 2021)]) for currency in ("GBP", "USD")]
)
# Rows of a new series, M.NOK, over periods already seen: each one could take the fast lane.
BAD_CELLS = [
    # (freq, currency, period, value, status, conf, comment, collection, title, unit_mult)
    ("M", "NOK", "2019-01", "1.5", "A", "", "", "A", "NOK M", "0"),  # good: the series is now known
    ("M", "NOK", "2019-02", "abc", "A", "", "", "A", "NOK M", "0"),  # not a number
    ("M", "NOK", "2019-03", "NaN", "A", "", "", "A", "NOK M", "0"),  # a number, normalised
    ("M", "NOK", "2019-04", ".5", "A", "", "", "A", "NOK M", "0"),  # a number, normalised
    ("M", "NOK", "2019-05", "1e3", "A", "", "", "A", "NOK M", "0"),
    ("M", "NOK", "2019-06", "-0.25", "Z", "", "", "A", "NOK M", "0"),  # not an OBS_STATUS code
    ("M", "NOK", "2019-07", "1.5", "", "", "", "A", "NOK M", "0"),  # mandatory OBS_STATUS missing
    (
        "M",
        "NOK",
        "2019-08",
        "1.5",
        "A",
        "C",
        "a comment",
        "A",
        "NOK M",
        "0",
    ),  # uncoded observation attribute
    ("M", "NOK", "2021-Q3", "1.5", "A", "", "", "A", "NOK M", "0"),  # not monthly
    ("M", "NOK", "2021-13", "1.5", "A", "", "", "A", "NOK M", "0"),  # not a period
    (
        "M",
        "NOK",
        "2019-09",
        "1.5",
        "A",
        "",
        "",
        "A",
        "another title",
        "0",
    ),  # conflicting series attribute
    ("M", "NOK", "2019-10", "1.5", "A", "", "", "B", "NOK M", "0"),  # conflicting series attribute
    ("M", "NOK", "2019-11", "1.5", "A", "", "", "", "", ""),  # series attributes not repeated
    (
        "M",
        "NOK",
        "2019-12",
        "1.5",
        "A",
        "",
        "",
        "A",
        "NOK M",
        "5",
    ),  # UNIT_MULT given anew (conflict)
    ("M", "QQQ", "2020-01", "1.5", "A", "", "", "A", "", "0"),  # not a currency code
    ("M", "NOK", "", "1.5", "A", "", "", "A", "NOK M", "0"),  # no period
    (
        "M",
        "NOK",
        "2020-02",
        "",
        "M",
        "",
        "",
        "A",
        "NOK M",
        "0",
    ),  # no value: allowed with OBS_STATUS M (missing)
    (
        "M",
        "NOK",
        "2019-01",
        "9.9",
        "A",
        "",
        "",
        "A",
        "NOK M",
        "0",
    ),  # given twice (the store reports it)
    ("M", "", "2020-03", "1.5", "A", "", "", "A", "NOK M", "0"),  # a wildcard outside a deletion
    ("M", "NOK", "2020-04", "1.5", "A", "", "", "A", "NOK M", "0"),  # good again
]


def _good_rows() -> list[tuple[str, ...]]:
    rows = []
    for freq, currency, periods in GOOD_SERIES:
        title = f"{currency} {freq}"
        for n, period in enumerate(periods):
            rows.append(
                (freq, currency, period, f"{1 + n / 100:.4f}", "AE"[n % 2], "", "", "A", title, "0")
            )
    return rows


def _csv10(rows: list[tuple[str, ...]], extra: list[str] | None = None) -> bytes:
    lines = ["DATAFLOW," + HEADER]
    for freq, cur, period, value, status, conf, com, coll, title, mult in rows:
        lines.append(
            f"ECB:EXR(1.0),{freq},{cur},EUR,SP00,A,{period},{value},{status},{conf},{com},{coll},"
            f"{title},{mult}"
        )
    lines += extra or []
    return ("\n".join(lines) + "\n").encode()


def _csv20(rows: list[tuple[str, ...]], actions: list[str]) -> bytes:
    lines = ["STRUCTURE,STRUCTURE_ID,ACTION," + HEADER]
    for action, (freq, cur, period, value, status, conf, com, coll, title, mult) in zip(
        actions, rows, strict=True
    ):
        lines.append(
            f"dataflow,ECB:EXR(1.0),{action},{freq},{cur},EUR,SP00,A,{period},{value},{status},{conf},"
            f"{com},{coll},{title},{mult}"
        )
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Outcome:
    staged: list[StagedRow] = field(default_factory=list)
    wildcards: list[StagedObservation] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)
    general_path_rows: int = 0


class CountingValidator(Validator):
    """The real validator, counting the rows that took the general path."""

    general_path_rows: int = 0

    def observation(self, rec: DataRecord, row: int) -> StagedRow | StagedObservation | None:
        self.general_path_rows += 1
        return super().observation(rec, row)


def _fast(info: DsdInfo, body: bytes, fmt: str) -> tuple[Outcome, Validator]:
    out = Outcome()
    v = CountingValidator(info, out.errors.append)
    v.csv_observations(
        open_csv_rows(io.BytesIO(body), roles_of(info), fmt), out.staged.extend, out.wildcards
    )
    out.general_path_rows = v.general_path_rows
    return out, v


def _general(info: DsdInfo, body: bytes, fmt: str) -> tuple[Outcome, Validator]:
    out = Outcome()
    v = Validator(info, out.errors.append)
    for n, rec in enumerate(iter_csv_records(io.BytesIO(body), roles_of(info), fmt), start=1):
        staged = v.observation(rec, n)
        if isinstance(staged, StagedObservation):
            out.wildcards.append(staged)
        elif staged is not None:
            out.staged.append(staged)
    return out, v


@pytest.fixture(scope="module")
def exr_info(loaded_services: Services) -> DsdInfo:
    with loaded_services.session_factory() as session:
        return load_dsd_info(session, resolve_dataflow(session, "ECB", "EXR", "1.0"), None)


def _assert_same(info: DsdInfo, body: bytes, fmt: str) -> Outcome:
    fast, vf = _fast(info, body, fmt)
    general, vg = _general(info, body, fmt)
    assert fast.staged == general.staged
    assert fast.wildcards == general.wildcards
    assert fast.errors == general.errors
    assert vf.rows == vg.rows
    assert (vf.series_attrs, vf.group_attrs, vf.dataset_attrs) == (
        vg.series_attrs,
        vg.group_attrs,
        vg.dataset_attrs,
    )
    return fast


def test_good_rows_take_the_fast_lane(exr_info: DsdInfo) -> None:
    good = _good_rows()
    fast = _assert_same(exr_info, _csv10(good), "sdmx-csv-1.0")
    assert len(fast.staged) == len(good) and not fast.errors
    # The general path sees the first row of each series and each new period of a frequency, no more.
    first_rows = len(GOOD_SERIES) + sum(
        len(periods) - 1 for f, c, periods in GOOD_SERIES if c == "USD"
    )
    assert fast.general_path_rows == first_rows < len(good) / 2
    assert fast.staged[1][2] == "M.USD.EUR.SP00.A" and fast.staged[1][7] == '{"OBS_STATUS":"E"}'


def test_bad_rows_mixed_in_give_the_same_report(exr_info: DsdInfo) -> None:
    good = _good_rows()
    rows = good[:30] + BAD_CELLS + good[30:]
    extra = [
        "ECB:EXR(1.0),M,USD,EUR,SP00,A,2022-01,1.5",  # too few cells
        "ECB:EXR(2.0),M,USD,EUR,SP00,A,2022-02,1.5,A,,,A,USD M,0",
    ]  # another dataflow
    fast = _assert_same(exr_info, _csv10(rows, extra), "sdmx-csv-1.0")
    reasons = " | ".join(e.reason for e in fast.errors)
    for expected in (
        "not a number",
        "not a code",
        "mandatory attribute missing",
        "does not match the frequency",
        "not a valid time period",
        "conflicts with",
        "missing dimension value",
        "expected 14 cells",
        "the row is for",
    ):
        assert expected in reasons, expected
    values = {row[3]: row[6] for row in fast.staged if row[2] == "M.NOK.EUR.SP00.A"}
    assert (values["2019-03"], values["2019-04"], values["2019-05"], values["2020-02"]) == (
        "NaN",
        "0.5",
        "1e3",
        None,
    )
    assert "2019-02" not in values and "2019-09" not in values and values["2020-04"] == "1.5"


def test_actions_and_deletions_give_the_same_rows(exr_info: DsdInfo) -> None:
    good = _good_rows()
    actions = ["I", "A", "R", "M", "", "D", "X", "A"] * (len(good) // 8) + ["A"] * (len(good) % 8)
    wildcard = ("M", "", "", "", "", "", "", "", "", "")
    body = _csv20([*good, wildcard], [*actions, "D"])
    fast = _assert_same(exr_info, body, "sdmx-csv-2.0")
    assert {row[1] for row in fast.staged} == {"I", "A", "R", "M", "D"}
    assert len(fast.wildcards) == 1 and any("unknown ACTION" in e.reason for e in fast.errors)


def test_new_series_take_the_fast_lane_when_rows_carry_no_series_attributes(
    exr_info: DsdInfo,
) -> None:
    lines = [
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
    ]
    currencies = ["USD", "JPY", "GBP", "QQQ", "CHF", "SEK"]  # QQQ: not a currency code
    for currency in currencies:
        for period in MONTHS:
            lines.append(f"ECB:EXR(1.0),M,{currency},EUR,SP00,A,{period},1.25,A")
    lines.append("ECB:EXR(1.0),M,NOK,EUR,SP00,A,2019-01,1.25,Z")  # a new series, a bad status
    body = ("\n".join(lines) + "\n").encode()
    fast = _assert_same(exr_info, body, "sdmx-csv-1.0")
    assert len(fast.staged) == len(MONTHS) * (len(currencies) - 1)
    assert sum("not a code" in e.reason for e in fast.errors) == len(MONTHS) + 1
    # The general path: the first row, the first series' new periods, the rows with errors.
    assert fast.general_path_rows == 1 + (len(MONTHS) - 1) + len(MONTHS) + 1
