"""SDMX time periods: every form, every rejection, frequencies and query bounds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from sdmx_server.domain.periods import (
    Period,
    PeriodError,
    frequency_matches,
    parse_instant,
    parse_period,
    parse_query_bound,
    storage_bounds,
)


def dt(*args: int) -> datetime:
    return datetime(*args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    ("text", "freq", "start", "end"),
    [
        ("2020", "A", dt(2020, 1, 1), dt(2021, 1, 1)),
        ("2020-A1", "A", dt(2020, 1, 1), dt(2021, 1, 1)),
        ("2020-S1", "S", dt(2020, 1, 1), dt(2020, 7, 1)),
        ("2020-S2", "S", dt(2020, 7, 1), dt(2021, 1, 1)),
        ("2020-T1", "T", dt(2020, 1, 1), dt(2020, 5, 1)),
        ("2020-T2", "T", dt(2020, 5, 1), dt(2020, 9, 1)),
        ("2020-T3", "T", dt(2020, 9, 1), dt(2021, 1, 1)),
        ("2020-Q1", "Q", dt(2020, 1, 1), dt(2020, 4, 1)),
        ("2020-Q2", "Q", dt(2020, 4, 1), dt(2020, 7, 1)),
        ("2020-Q3", "Q", dt(2020, 7, 1), dt(2020, 10, 1)),
        ("2020-Q4", "Q", dt(2020, 10, 1), dt(2021, 1, 1)),
        ("2020-07", "M", dt(2020, 7, 1), dt(2020, 8, 1)),
        ("2020-12", "M", dt(2020, 12, 1), dt(2021, 1, 1)),
        ("2020-M07", "M", dt(2020, 7, 1), dt(2020, 8, 1)),
        ("2020-M12", "M", dt(2020, 12, 1), dt(2021, 1, 1)),
        ("2020-W05", "W", dt(2020, 1, 27), dt(2020, 2, 3)),
        ("2020-D001", "D", dt(2020, 1, 1), dt(2020, 1, 2)),
        ("2020-D366", "D", dt(2020, 12, 31), dt(2021, 1, 1)),
        ("2020-07-15", "D", dt(2020, 7, 15), dt(2020, 7, 16)),
        ("2020-07-15T10:30:00", "H", dt(2020, 7, 15, 10, 30), dt(2020, 7, 15, 10, 30, 1)),
        ("2020-07-15T10:30:00Z", "H", dt(2020, 7, 15, 10, 30), dt(2020, 7, 15, 10, 30, 1)),
        ("2020-07-15T10:30:00+02:00", "H", dt(2020, 7, 15, 8, 30), dt(2020, 7, 15, 8, 30, 1)),
        ("2020-07-15T00:00:00/P1M", "R", dt(2020, 7, 15), dt(2020, 8, 15)),
        ("2020-01/P3M", "R", dt(2020, 1, 1), dt(2020, 4, 1)),
        ("2020-01-01/P1Y2M10DT2H", "R", dt(2020, 1, 1), dt(2021, 3, 11, 2)),
        ("2020/P1Y", "R", dt(2020, 1, 1), dt(2021, 1, 1)),
        ("2020-01-01/P1W", "R", dt(2020, 1, 1), dt(2020, 1, 8)),
        ("2020-01-01T06:00:00Z/PT30M", "R", dt(2020, 1, 1, 6), dt(2020, 1, 1, 6, 30)),
        (
            "2020-01-01T06:00:00+01:00/PT1.5S",
            "R",
            dt(2020, 1, 1, 5),
            dt(2020, 1, 1, 5, 0, 1, 500000),
        ),
    ],
)
def test_every_form(text: str, freq: str, start: datetime, end: datetime) -> None:
    period = parse_period(text)
    assert period == Period(text, freq, start, end)
    assert period.start.tzinfo is None and period.end.tzinfo is None


def test_period_is_a_frozen_slots_dataclass() -> None:
    period = parse_period("2020-Q1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        period.text = "2021"  # type: ignore[misc]
    assert not hasattr(period, "__dict__")
    assert hash(period) == hash(parse_period("2020-Q1"))


def test_fractional_seconds_are_kept_to_the_microsecond() -> None:
    period = parse_period("2020-07-15T10:30:00.123456789Z")
    assert period.start == dt(2020, 7, 15, 10, 30, 0, 123456)
    assert parse_period("2020-07-15T10:30:00.5").start.microsecond == 500000
    assert storage_bounds(period) == ("2020-07-15T10:30:00", "2020-07-15T10:30:00")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2020-07-15T10:30:00-05:30", dt(2020, 7, 15, 16, 0)),
        ("2020-01-01T01:00:00+02:00", dt(2019, 12, 31, 23, 0)),  # crosses the year
        ("2020-12-31T20:00:00-05:00", dt(2021, 1, 1, 1, 0)),
        ("2020-07-15T10:30:00+14:00", dt(2020, 7, 14, 20, 30)),
        ("2020-07-15T10:30:00-12:00", dt(2020, 7, 15, 22, 30)),
        ("2020-07-15T10:30:00+00:00", dt(2020, 7, 15, 10, 30)),
    ],
)
def test_time_zones_are_converted_to_utc(text: str, start: datetime) -> None:
    assert parse_period(text).start == start


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "2020 ",
        " 2020",
        "\t2020-Q1",
        "2020-Q1\n",
        "20",
        "202",
        "20-01",
        "02020",
        "2020-",
        "2020-1",
        "2020-001",
        "2020/",
        "2020-Q0",
        "2020-Q5",
        "2020-Q01",
        "2020-q1",
        "2020-S0",
        "2020-S3",
        "2020-T0",
        "2020-T4",
        "2020-A0",
        "2020-A2",
        "2020-A",
        "2020-00",
        "2020-13",
        "2020-M00",
        "2020-M13",
        "2020-M7",
        "2020-M007",
        "2020-W00",
        "2020-W54",
        "2021-W53",
        "2020-W5",
        "2020-W005",
        "2020-w05",
        "2020-D000",
        "2020-D367",
        "2019-D366",
        "2020-D1",
        "2020-D01",
        "2020-D0001",
        "2020-02-30",
        "2019-02-29",
        "1900-02-29",
        "2020-04-31",
        "2020-00-10",
        "2020-01-00",
        "2020-1-15",
        "2020-01-5",
        "20200115",
        "2020-01-15T",
        "2020-01-15 10:30:00",
        "2020-01-15T10:30",
        "2020-01-15T24:00:00",
        "2020-01-15T10:60:00",
        "2020-01-15T10:30:60",
        "2020-01-15T10:30:00+15:00",
        "2020-01-15T10:30:00+14:30",
        "2020-01-15T10:30:00+02:60",
        "2020-01-15T10:30:00+0200",
        "2020-01-15T10:30:00z",
        "2020-01-15T10:30:00.",
        "0000",
        "0000-01",
        "9999",
        "9999-12",
        "9999-Q4",
        "0001-01-01T00:30:00+01:00",
        "２０２０",
        "٢٠٢٠-Q1",
        "abcd",
        "2020-X1",
        "Q1-2020",
        "2020Q1",
        "2020-01/",
        "/P1M",
        "2020-01/P",
        "2020-01/PT",
        "2020-01/P1",
        "2020-01/1M",
        "2020-01/P-1M",
        "2020-01/P0D",
        "2020-01/PT0S",
        "2020-01/P1M/P1M",
        "2020-Q1/P3M",
        "2020-W01/P1W",
        "2020-01/p1m",
        "2020-01/P1MT",
        "2020-01/PT1D",
        "2020-01/P1H",
        "2020-02-30/P1D",
        "2020-01-01T00:00:00/2020-02-01T00:00:00",
    ],
)
def test_rejections(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_period_error_is_a_value_error_with_a_clear_message() -> None:
    assert issubclass(PeriodError, ValueError)
    with pytest.raises(PeriodError, match="quarter must be between 1 and 4"):
        parse_period("2020-Q5")
    with pytest.raises(PeriodError, match="month 13 out of range"):
        parse_period("2020-13")
    with pytest.raises(PeriodError, match="not a valid date"):
        parse_period("2020-02-30")
    with pytest.raises(PeriodError, match="weeks 01-52"):
        parse_period("2021-W53")
    with pytest.raises(PeriodError, match="empty"):
        parse_period("")
    with pytest.raises(PeriodError, match="not an SDMX time period"):
        parse_period("20-01")


def test_non_string_is_rejected() -> None:
    with pytest.raises(PeriodError):
        parse_period(2020)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- weeks and leap years


def test_week_53_exists_only_in_long_iso_years() -> None:
    assert parse_period("2020-W53") == Period("2020-W53", "W", dt(2020, 12, 28), dt(2021, 1, 4))
    assert parse_period("2015-W53").start == dt(2015, 12, 28)
    assert parse_period("2026-W53").start == dt(2026, 12, 28)
    for year in (2019, 2021, 2022, 2023, 2024, 2025):
        with pytest.raises(PeriodError):
            parse_period(f"{year}-W53")


def test_week_one_may_start_in_the_previous_year() -> None:
    assert parse_period("2021-W01").start == dt(2021, 1, 4)
    assert parse_period("2020-W01").start == dt(2019, 12, 30)
    assert parse_period("2015-W01").start == dt(2014, 12, 29)
    assert parse_period("2016-W01").start == dt(2016, 1, 4)


@pytest.mark.parametrize("year", range(1995, 2045))
def test_weeks_agree_with_iso_calendar(year: int) -> None:
    weeks = date(year, 12, 28).isocalendar()[1]
    for week in (1, 2, 26, weeks):
        period = parse_period(f"{year}-W{week:02d}")
        assert period.start.date() == date.fromisocalendar(year, week, 1)
        assert period.end - period.start == timedelta(days=7)
    if weeks == 52:
        with pytest.raises(PeriodError):
            parse_period(f"{year}-W53")


def test_leap_years() -> None:
    assert parse_period("2020-02").end == dt(2020, 3, 1)
    assert parse_period("2020-02-29").start == dt(2020, 2, 29)
    assert parse_period("2000-02-29").start == dt(2000, 2, 29)
    assert parse_period("2020-D060").start == dt(2020, 2, 29)
    assert parse_period("2019-D060").start == dt(2019, 3, 1)
    assert parse_period("2019-D365").start == dt(2019, 12, 31)
    assert parse_period("2020-D366").start == dt(2020, 12, 31)
    assert parse_period("2020-01-31/P1M").end == dt(2020, 2, 29)  # month-end clamps
    assert parse_period("2019-01-31/P1M").end == dt(2019, 2, 28)
    assert parse_period("2020-02-29/P1Y").end == dt(2021, 2, 28)


# --------------------------------------------------------------------------- reporting year start


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2020-A1", dt(2020, 7, 1), dt(2021, 7, 1)),
        ("2020-S1", dt(2020, 7, 1), dt(2021, 1, 1)),
        ("2020-S2", dt(2021, 1, 1), dt(2021, 7, 1)),
        ("2020-T3", dt(2021, 3, 1), dt(2021, 7, 1)),
        ("2020-Q1", dt(2020, 7, 1), dt(2020, 10, 1)),
        ("2020-Q4", dt(2021, 4, 1), dt(2021, 7, 1)),
        ("2020-M01", dt(2020, 7, 1), dt(2020, 8, 1)),
        ("2020-M07", dt(2021, 1, 1), dt(2021, 2, 1)),
        ("2020-M12", dt(2021, 6, 1), dt(2021, 7, 1)),
        ("2020-D001", dt(2020, 7, 1), dt(2020, 7, 2)),
        ("2020-D365", dt(2021, 6, 30), dt(2021, 7, 1)),
        ("2019-D366", dt(2020, 6, 30), dt(2020, 7, 1)),  # July 2019 - June 2020 holds Feb 29
        # 2020-07-01 is a Wednesday: week 1 is the week holding it (first Thursday on/after it)
        ("2020-W01", dt(2020, 6, 29), dt(2020, 7, 6)),
        # 2021-07-01 is a Thursday, so that reporting year has 52 weeks
        ("2020-W52", dt(2021, 6, 21), dt(2021, 6, 28)),
        # gregorian forms are not shifted
        ("2020", dt(2020, 1, 1), dt(2021, 1, 1)),
        ("2020-07", dt(2020, 7, 1), dt(2020, 8, 1)),
        ("2020-07-15", dt(2020, 7, 15), dt(2020, 7, 16)),
    ],
)
def test_reporting_periods_with_a_july_start(text: str, start: datetime, end: datetime) -> None:
    period = parse_period(text, reporting_year_start=(7, 1))
    assert (period.start, period.end) == (start, end)


def test_reporting_periods_with_other_starts() -> None:
    assert parse_period("2020-Q1", (4, 6)).start == dt(2020, 4, 6)  # UK tax year
    assert parse_period("2020-A1", (4, 6)).end == dt(2021, 4, 6)
    assert parse_period("2020-M02", (1, 31)).start == dt(2020, 2, 29)  # clamped to month end
    with pytest.raises(PeriodError, match="days 001-365"):
        parse_period("2020-D366", (7, 1))
    with pytest.raises(PeriodError, match="weeks 01-52"):
        parse_period("2020-W53", (7, 1))


@pytest.mark.parametrize("rys", [(2, 29), (13, 1), (0, 1), (4, 31), (1, 0)])
def test_invalid_reporting_year_start(rys: tuple[int, int]) -> None:
    with pytest.raises(PeriodError, match="reporting year start"):
        parse_period("2020-Q1", reporting_year_start=rys)


# --------------------------------------------------------------------------- frequencies

ALL_CODES = ("A", "S", "T", "Q", "M", "W", "D", "B", "H", "N", "I")


@pytest.mark.parametrize(
    ("text", "matching"),
    [
        ("2020", {"A", "I"}),
        ("2020-A1", {"A", "I"}),
        ("2020-S1", {"S", "I"}),
        ("2020-T2", {"T", "I"}),
        ("2020-Q3", {"Q", "I"}),
        ("2020-07", {"M", "I"}),
        ("2020-M07", {"M", "I"}),
        ("2020-W05", {"W", "I"}),
        ("2020-D100", {"D", "B", "I"}),  # 2020-04-09, a Thursday
        ("2020-D005", {"D", "I"}),  # 2020-01-05, a Sunday
        ("2020-07-15", {"D", "B", "I"}),  # Wednesday
        ("2020-07-18", {"D", "I"}),  # Saturday
        ("2020-07-19", {"D", "I"}),  # Sunday
        ("2020-07-15T10:30:00", {"H", "N", "I"}),
        ("2020-07-15T10:30:00Z", {"H", "N", "I"}),
        ("2020-01/P1Y", {"A", "I"}),
        ("2020-01/P12M", {"A", "I"}),
        ("2020-01/P6M", {"S", "I"}),
        ("2020-01/P4M", {"T", "I"}),
        ("2020-01/P3M", {"Q", "I"}),
        ("2020-01/P1M", {"M", "I"}),
        ("2020-01-06/P7D", {"W", "I"}),
        ("2020-01-06/P1W", {"W", "I"}),
        ("2020-01-06/P1D", {"D", "I"}),
        ("2020-01-06T10:00:00/PT1H", {"H", "I"}),
        ("2020-01-06T10:00:00/PT1M", {"N", "I"}),
        ("2020-01/P2M", {"I"}),
        ("2020-01-01/P1Y2M10DT2H", {"I"}),
        ("2020-01-06/P1DT1H", {"I"}),
    ],
)
def test_frequency_matches(text: str, matching: set[str]) -> None:
    period = parse_period(text)
    assert {code for code in ALL_CODES if frequency_matches(period, code)} == matching


@pytest.mark.parametrize("code", ["X", "Z", "", "annual", "a"])
def test_unknown_frequency_codes_accept_everything(code: str) -> None:
    for text in ("2020", "2020-07", "2020-07-15T10:30:00", "2020-01/P2M"):
        assert frequency_matches(parse_period(text), code)


# --------------------------------------------------------------------------- storage and queries


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("2020", ("2020-01-01T00:00:00", "2020-12-31T23:59:59")),
        ("2020-Q3", ("2020-07-01T00:00:00", "2020-09-30T23:59:59")),
        ("2020-02", ("2020-02-01T00:00:00", "2020-02-29T23:59:59")),
        ("2020-W53", ("2020-12-28T00:00:00", "2021-01-03T23:59:59")),
        ("2020-07-15", ("2020-07-15T00:00:00", "2020-07-15T23:59:59")),
        ("2020-07-15T10:30:00+02:00", ("2020-07-15T08:30:00", "2020-07-15T08:30:00")),
        ("2020-01/P3M", ("2020-01-01T00:00:00", "2020-03-31T23:59:59")),
        ("0001", ("0001-01-01T00:00:00", "0001-12-31T23:59:59")),
        ("0999-Q1", ("0999-01-01T00:00:00", "0999-03-31T23:59:59")),
    ],
)
def test_storage_bounds(text: str, bounds: tuple[str, str]) -> None:
    assert storage_bounds(parse_period(text)) == bounds


def test_storage_strings_order_like_instants() -> None:
    texts = ["0999", "2019-12-31T23:59:59", "2020", "2020-Q1", "2020-01", "2020-W01", "2020-07-15"]
    periods = [parse_period(t) for t in texts]
    by_text = sorted(periods, key=lambda p: storage_bounds(p)[0])
    by_time = sorted(periods, key=lambda p: p.start)
    assert [p.start for p in by_text] == [p.start for p in by_time]


def _selected(obs: str, start: str | None = None, end: str | None = None) -> bool:
    """The server's overlap rule, on storage strings."""
    obs_start, obs_end = storage_bounds(parse_period(obs))
    if start is not None and obs_end < parse_query_bound(start, is_end=False):
        return False
    return not (end is not None and obs_start > parse_query_bound(end, is_end=True))


@pytest.mark.parametrize(
    ("text", "start_bound", "end_bound"),
    [
        ("2020", "2020-01-01T00:00:00", "2020-12-31T23:59:59"),
        ("2020-Q3", "2020-07-01T00:00:00", "2020-09-30T23:59:59"),
        ("2020-S2", "2020-07-01T00:00:00", "2020-12-31T23:59:59"),
        ("2020-W01", "2019-12-30T00:00:00", "2020-01-05T23:59:59"),
        ("2020-D060", "2020-02-29T00:00:00", "2020-02-29T23:59:59"),
        ("2020-07-15", "2020-07-15T00:00:00", "2020-07-15T23:59:59"),
        ("2020-07-15T10:30:00", "2020-07-15T10:30:00", "2020-07-15T10:30:00"),
        ("2020-07-15T10:30:00Z", "2020-07-15T10:30:00", "2020-07-15T10:30:00"),
        ("2020-07-15T10:30:00+02:00", "2020-07-15T08:30:00", "2020-07-15T08:30:00"),
        ("2020-07-15T10:30:00 02:00", "2020-07-15T08:30:00", "2020-07-15T08:30:00"),  # '+' decoded
        ("2020-01/P3M", "2020-01-01T00:00:00", "2020-03-31T23:59:59"),
    ],
)
def test_query_bounds(text: str, start_bound: str, end_bound: str) -> None:
    assert parse_query_bound(text, is_end=False) == start_bound
    assert parse_query_bound(text, is_end=True) == end_bound


def test_query_bounds_use_the_reporting_year_start() -> None:
    assert parse_query_bound("2020-Q1", is_end=False, reporting_year_start=(7, 1)) == (
        "2020-07-01T00:00:00"
    )


def test_overlap_semantics() -> None:
    # startPeriod=2020-Q3 keeps the annual 2020 value and monthly values from July on
    assert _selected("2020", start="2020-Q3")
    assert _selected("2020-07", start="2020-Q3")
    assert _selected("2020-12-31", start="2020-Q3")
    assert not _selected("2020-06", start="2020-Q3")
    assert not _selected("2019", start="2020-Q3")
    assert not _selected("2020-Q2", start="2020-Q3")
    # endPeriod=2020 keeps everything in 2020 and nothing after
    assert _selected("2020-12", end="2020")
    assert _selected("2020-12-31T23:59:59", end="2020")
    assert _selected("2020-W53", end="2020")  # starts in 2020, ends in 2021
    assert not _selected("2021-01", end="2020")
    assert not _selected("2021-01-01T00:00:00", end="2020")
    # mixed frequencies in one window
    assert _selected("2020-Q1", start="2020-03", end="2020-03")
    assert _selected("2020-03-15", start="2020-03", end="2020-03")
    assert not _selected("2020-04-01", start="2020-03", end="2020-03")
    assert _selected("2020-01/P3M", start="2020-03-31", end="2021")
    assert not _selected("2020-01/P3M", start="2020-04-01")


@pytest.mark.parametrize(
    "text", ["", "garbage", "2020-13", "2020-Q5", " 2020", "2020-01-01T25:00:00"]
)
def test_query_bound_garbage(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_query_bound(text, is_end=False)
    with pytest.raises(PeriodError):
        parse_query_bound(text, is_end=True)


# --------------------------------------------------------------------------- instants


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2020-01-01", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T10:30:00", datetime(2020, 1, 1, 10, 30, tzinfo=UTC)),
        ("2020-01-01T10:30", datetime(2020, 1, 1, 10, 30, tzinfo=UTC)),
        ("2020-01-01T10:30:00Z", datetime(2020, 1, 1, 10, 30, tzinfo=UTC)),
        ("2020-01-01T10:30:00.250Z", datetime(2020, 1, 1, 10, 30, 0, 250000, tzinfo=UTC)),
        ("2020-01-01T00:00:00+02:00", datetime(2019, 12, 31, 22, tzinfo=UTC)),
        ("2020-01-01T00:00:00 02:00", datetime(2019, 12, 31, 22, tzinfo=UTC)),
        ("2020-01-01T00:00:00.5 02:00", datetime(2019, 12, 31, 22, 0, 0, 500000, tzinfo=UTC)),
        ("2020-01-01T00:00:00-05:00", datetime(2020, 1, 1, 5, tzinfo=UTC)),
        ("2020-01-01T00:00:00+0200", datetime(2019, 12, 31, 22, tzinfo=UTC)),
        ("2020-01-01T00:00:00+02", datetime(2019, 12, 31, 22, tzinfo=UTC)),
    ],
)
def test_parse_instant(text: str, instant: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == instant
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "2020",
        "2020-01",
        "2020-Q1",
        "2020-13-01",
        "2020-02-30",
        "2020-01-01T25:00:00",
        "2020-01-01T10:30:00+15:00",
        " 2020-01-01",
        "2020-01-01 10:30:00",
        "2020-01-01T10:30:00  02:00",
        "2020-01-01Z",
        "0000-01-01",
    ],
)
def test_parse_instant_garbage(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_instant(text)
