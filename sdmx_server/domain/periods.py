"""SDMX time periods: parsing, frequency checks and storage bounds.

Every form of the SDMX 2.1 ``ObservationalTimePeriodType`` (and SDMX 3.0,
which keeps the same lexical forms) is turned into a :class:`Period` with a
half-open interval ``[start, end)`` of naive UTC datetimes:

=====================  ======  ==========================================
form                   freq    example
=====================  ======  ==========================================
gregorian year         ``A``   ``2020``
reporting year         ``A``   ``2020-A1``
reporting semester     ``S``   ``2020-S2``
reporting trimester    ``T``   ``2020-T3``
reporting quarter      ``Q``   ``2020-Q4``
gregorian month        ``M``   ``2020-07``
reporting month        ``M``   ``2020-M07``
reporting week         ``W``   ``2020-W53`` (ISO 8601 weeks)
reporting day          ``D``   ``2020-D366``
gregorian day          ``D``   ``2020-07-15``
date-time              ``H``   ``2020-07-15T10:30:00.5+02:00``
time range             ``R``   ``2020-01/P3M``, ``2020-01-01T00:00:00/PT2H``
=====================  ======  ==========================================

Reporting periods (``A1``, ``S``, ``T``, ``Q``, ``M``, ``W``, ``D``) count
from the start of the reporting year, January 1 unless another
``reporting_year_start`` (month, day) is given. Reporting weeks follow ISO
8601: week 1 is the Monday-to-Sunday week holding the first Thursday of the
reporting year.

The REST query helpers (:func:`parse_query_bound`, :func:`parse_instant`)
and :func:`storage_bounds` produce ``YYYY-MM-DDTHH:MM:SS`` strings, which
order correctly as text, so the database compares periods as strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "Period",
    "PeriodError",
    "frequency_matches",
    "parse_instant",
    "parse_period",
    "parse_query_bound",
    "storage_bounds",
]


class PeriodError(ValueError):
    """A text that is not a valid SDMX time period (or query date)."""


@dataclass(frozen=True, slots=True)
class Period:
    """An SDMX time period and the interval it covers.

    ``start`` and ``end`` are naive datetimes in UTC; ``end`` is exclusive
    (the start of the next period).
    """

    text: str
    freq: str
    start: datetime
    end: datetime


ReportingYearStart = tuple[int, int]

_ONE_SECOND = timedelta(seconds=1)

# Lexical forms. re.ASCII keeps \d to 0-9 (no Arabic-Indic digits etc.).
_PERIOD_RE = re.compile(
    r"""
    (?P<y>\d{4})
    (?:
        -(?P<rtype>[ASTQMWD])(?P<rnum>\d{1,3})
      | -(?P<mon>\d{2})
        (?:-(?P<day>\d{2})
           (?:T(?P<hh>\d{2}):(?P<mm>\d{2}):(?P<ss>\d{2})(?P<frac>\.\d+)?
              (?P<tz>Z|[+-]\d{2}:\d{2})?
           )?
        )?
    )?
    """,
    re.VERBOSE | re.ASCII,
)

_DURATION_RE = re.compile(
    r"""
    P(?!$)
    (?:(?P<Y>\d+)Y)?
    (?:(?P<M>\d+)M)?
    (?:(?P<W>\d+)W)?
    (?:(?P<D>\d+)D)?
    (?:T(?=\d)
        (?:(?P<h>\d+)H)?
        (?:(?P<m>\d+)M)?
        (?:(?P<s>\d+(?:\.\d+)?)S)?
    )?
    """,
    re.VERBOSE | re.ASCII,
)

_INSTANT_RE = re.compile(
    r"""
    (?P<y>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})
    (?:T(?P<hh>\d{2}):(?P<mm>\d{2})(?::(?P<ss>\d{2})(?P<frac>\.\d+)?)?
       (?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?
    )?
    """,
    re.VERBOSE | re.ASCII,
)

# A "+" in a URL query string decodes to a space: "2020-01-01T00:00:00 02:00".
_DECODED_PLUS_RE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$", re.ASCII)

# Expected digit count and number of periods per reporting year, per reporting type.
_REPORTING_DIGITS = {"A": 1, "S": 1, "T": 1, "Q": 1, "M": 2, "W": 2, "D": 3}
_REPORTING_MONTHS = {"A": 12, "S": 6, "T": 4, "Q": 3, "M": 1}
_REPORTING_FREQ = {"A": "A", "S": "S", "T": "T", "Q": "Q", "M": "M", "W": "W", "D": "D"}
_REPORTING_NAMES = {
    "A": "reporting year",
    "S": "semester",
    "T": "trimester",
    "Q": "quarter",
    "M": "reporting month",
    "W": "week",
    "D": "reporting day",
}

# Frequency codes and the Period.freq values they accept (B, I and ranges are special).
_FREQ_ACCEPTS = {
    "A": frozenset({"A"}),
    "S": frozenset({"S"}),
    "T": frozenset({"T"}),
    "Q": frozenset({"Q"}),
    "M": frozenset({"M"}),
    "W": frozenset({"W"}),
    "D": frozenset({"D"}),
    "H": frozenset({"H"}),
    "N": frozenset({"H"}),
}


# --------------------------------------------------------------------------- helpers


def _add_months(d: datetime, months: int) -> datetime:
    """``d`` plus a number of calendar months, clamping the day (Jan 31 + 1 month = Feb 28/29)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("year out of range")
    day = min(d.day, _days_in_month(year, month))
    return d.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _check_reporting_year_start(rys: ReportingYearStart) -> None:
    try:
        date(2001, rys[0], rys[1])  # a common year: February 29 is refused
    except (TypeError, ValueError):
        raise PeriodError(f"invalid reporting year start (month, day) {rys!r}") from None


def _reporting_year_start_date(year: int, rys: ReportingYearStart) -> datetime:
    return datetime(year, rys[0], rys[1])


def _first_week_start(year_start: datetime) -> datetime:
    """Monday of week 1: the week that holds the first Thursday of the reporting year."""
    wd = year_start.weekday()  # Monday = 0
    return year_start - timedelta(days=wd) if wd <= 3 else year_start + timedelta(days=7 - wd)


def _tz_offset(tz: str | None, text: str) -> timedelta:
    """The UTC offset of an ISO zone designator (``Z``, ``+02:00``, ``-0530``, ``+02``)."""
    if not tz or tz == "Z":
        return timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) > 2 else 0
    if minutes > 59 or hours > 14 or (hours == 14 and minutes):
        raise PeriodError(f"invalid time zone offset in {text!r}")
    return sign * timedelta(hours=hours, minutes=minutes)


def _microseconds(frac: str | None) -> int:
    if not frac:
        return 0
    return int(frac[1:7].ljust(6, "0"))


def _datetime_from_match(m: re.Match[str], text: str) -> datetime:
    """A naive UTC datetime from a match with groups y, mon, day[, hh, mm, ss, frac, tz]."""
    try:
        dt = datetime(
            int(m["y"]),
            int(m["mon"]),
            int(m["day"]),
            int(m["hh"] or 0),
            int(m["mm"] or 0),
            int(m["ss"] or 0),
            _microseconds(m["frac"]),
        )
    except ValueError as exc:
        raise PeriodError(f"invalid date or time in {text!r}: {exc}") from None
    offset = _tz_offset(m["tz"], text)
    if offset:
        try:
            dt -= offset
        except OverflowError:
            raise PeriodError(f"{text!r} is out of range") from None
    return dt


# --------------------------------------------------------------------------- parse_period


def parse_period(text: str, reporting_year_start: ReportingYearStart = (1, 1)) -> Period:
    """Parse an SDMX observational time period.

    ``reporting_year_start`` is the (month, day) on which the reporting year
    begins; it shifts the reporting forms (``2020-A1``, ``-S``, ``-T``,
    ``-Q``, ``-M``, ``-W``, ``-D``) and nothing else.

    Raises :class:`PeriodError` (a ``ValueError``) for anything that is not
    exactly one of the supported forms: no surrounding whitespace, no
    lower-case designators, no out-of-range parts (``2020-Q5``, ``2020-13``,
    ``2020-02-30``, ``2021-W53``).
    """
    if not isinstance(text, str):
        raise PeriodError(f"a time period must be a string, not {type(text).__name__}")
    rys: ReportingYearStart = (reporting_year_start[0], reporting_year_start[1])
    return _parse_period_cached(text, rys)


@lru_cache(maxsize=8192)
def _parse_period_cached(text: str, rys: ReportingYearStart) -> Period:
    if not text:
        raise PeriodError("empty time period")
    if "/" in text:
        return _parse_range(text)
    m = _PERIOD_RE.fullmatch(text)
    if m is None:
        raise PeriodError(f"{text!r} is not an SDMX time period")
    year = int(m["y"])
    if year < 1:
        raise PeriodError(f"year 0000 is not allowed in {text!r}")
    try:
        if m["rtype"]:
            return _parse_reporting(text, year, m["rtype"], m["rnum"], rys)
        return _parse_gregorian(text, year, m)
    except PeriodError:
        raise
    except (OverflowError, ValueError):  # year 9999 has no end, 0001-W01 no start, ...
        raise PeriodError(f"{text!r} is out of range") from None


def _parse_gregorian(text: str, year: int, m: re.Match[str]) -> Period:
    if m["mon"] is None:
        return Period(text, "A", datetime(year, 1, 1), datetime(year + 1, 1, 1))
    month = int(m["mon"])
    if not 1 <= month <= 12:
        raise PeriodError(f"month {m['mon']} out of range 01-12 in {text!r}")
    if m["day"] is None:
        start = datetime(year, month, 1)
        return Period(text, "M", start, _add_months(start, 1))
    if m["hh"] is None:
        try:
            start = datetime(year, month, int(m["day"]))
        except ValueError:
            raise PeriodError(f"{text!r} is not a valid date") from None
        return Period(text, "D", start, start + timedelta(days=1))
    start = _datetime_from_match(m, text)
    return Period(text, "H", start, start + _ONE_SECOND)


def _parse_reporting(
    text: str, year: int, rtype: str, rnum: str, rys: ReportingYearStart
) -> Period:
    name = _REPORTING_NAMES[rtype]
    digits = _REPORTING_DIGITS[rtype]
    if len(rnum) != digits:
        raise PeriodError(f"{text!r}: a {name} number has {digits} digit(s)")
    _check_reporting_year_start(rys)
    number = int(rnum)
    year_start = _reporting_year_start_date(year, rys)
    next_year_start = _reporting_year_start_date(year + 1, rys)
    freq = _REPORTING_FREQ[rtype]
    if rtype in _REPORTING_MONTHS:
        months = _REPORTING_MONTHS[rtype]
        count = 12 // months
        if not 1 <= number <= count:
            raise PeriodError(
                f"{text!r}: the reporting year is written A1"
                if count == 1
                else f"{text!r}: {name} must be between 1 and {count}"
            )
        start = _add_months(year_start, (number - 1) * months)
        end = next_year_start if number == count else _add_months(year_start, number * months)
        return Period(text, freq, start, end)
    if rtype == "W":
        first = _first_week_start(year_start)
        weeks = (_first_week_start(next_year_start) - first).days // 7
        if not 1 <= number <= weeks:
            raise PeriodError(f"{text!r}: reporting year {year} has weeks 01-{weeks:02d}")
        start = first + timedelta(weeks=number - 1)
        return Period(text, freq, start, start + timedelta(weeks=1))
    days = (next_year_start - year_start).days
    if not 1 <= number <= days:
        raise PeriodError(f"{text!r}: reporting year {year} has days 001-{days:03d}")
    start = year_start + timedelta(days=number - 1)
    return Period(text, freq, start, start + timedelta(days=1))


def _parse_range(text: str) -> Period:
    start_text, sep, duration_text = text.partition("/")
    if "/" in duration_text or not start_text or not duration_text:
        raise PeriodError(f"{text!r} is not a time range (start/duration)")
    m = _PERIOD_RE.fullmatch(start_text)
    if m is None or m["rtype"]:
        raise PeriodError(
            f"{text!r}: a time range starts with a year, year-month, date or date-time"
        )
    d = _DURATION_RE.fullmatch(duration_text)
    if d is None:
        raise PeriodError(f"{text!r}: {duration_text!r} is not an ISO 8601 duration")
    try:
        start = _parse_gregorian(start_text, int(m["y"]), m).start
        end = _add_duration(start, d)
    except PeriodError:
        raise
    except (OverflowError, ValueError):
        raise PeriodError(f"{text!r} is out of range") from None
    if end <= start:
        raise PeriodError(f"{text!r}: the duration must be longer than zero")
    return Period(text, "R", start, end)


def _add_duration(start: datetime, d: re.Match[str]) -> datetime:
    months = int(d["Y"] or 0) * 12 + int(d["M"] or 0)
    end = _add_months(start, months) if months else start
    return end + timedelta(
        weeks=int(d["W"] or 0),
        days=int(d["D"] or 0),
        hours=int(d["h"] or 0),
        minutes=int(d["m"] or 0),
        seconds=float(d["s"] or 0),
    )


# --------------------------------------------------------------------------- frequency


def _range_frequency(period: Period) -> str | None:
    """The frequency code whose period length a time range has, if any."""
    d = _DURATION_RE.fullmatch(period.text.partition("/")[2])
    if d is None:  # pragma: no cover - a parsed range always has a valid duration
        return None
    months = int(d["Y"] or 0) * 12 + int(d["M"] or 0)
    days = int(d["W"] or 0) * 7 + int(d["D"] or 0)
    seconds = int(d["h"] or 0) * 3600 + int(d["m"] or 0) * 60 + float(d["s"] or 0)
    if not days and not seconds:
        return {12: "A", 6: "S", 4: "T", 3: "Q", 1: "M"}.get(months)
    if not months and not seconds:
        return {7: "W", 1: "D"}.get(days)
    if not months and not days:
        return {3600: "H", 60: "N"}.get(int(seconds)) if seconds == int(seconds) else None
    return None


def frequency_matches(period: Period, freq_code: str) -> bool:
    """Whether an observation's period is legal for an SDMX ``FREQ`` code.

    ``A``/``S``/``T``/``Q``/``M``/``W``/``D`` accept the gregorian and the
    reporting forms of their length; ``B`` accepts a day (date or ``D``
    form) falling on Monday to Friday; ``H`` and ``N`` accept date-times;
    ``I`` (irregular) accepts anything; a code this module does not know
    accepts anything too. A time range matches the code of its duration
    (``P1Y``/``P12M`` A, ``P6M`` S, ``P4M`` T, ``P3M`` Q, ``P1M`` M,
    ``P7D``/``P1W`` W, ``P1D`` D, ``PT1H`` H, ``PT1M`` N) and ``I``.
    """
    if freq_code == "I":
        return True
    if period.freq == "R":
        if freq_code not in _FREQ_ACCEPTS and freq_code != "B":
            return True
        return _range_frequency(period) == freq_code
    if freq_code == "B":
        return period.freq == "D" and period.start.weekday() < 5
    accepts = _FREQ_ACCEPTS.get(freq_code)
    if accepts is None:
        return True
    return period.freq in accepts


# --------------------------------------------------------------------------- storage and queries


def _iso_seconds(dt: datetime) -> str:
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )


def storage_bounds(period: Period) -> tuple[str, str]:
    """The period's start and inclusive end (end minus one second) as ``YYYY-MM-DDTHH:MM:SS``.

    The strings sort like the instants they stand for, so SQL can compare
    them as text.
    """
    return _iso_seconds(period.start), _iso_seconds(period.end - _ONE_SECOND)


def _undo_plus_decoding(text: str) -> str:
    """Put back a ``+`` that URL decoding turned into a space before a time zone offset."""
    if " " in text:
        return _DECODED_PLUS_RE.sub(r"\1+\2", text)
    return text


def parse_query_bound(
    text: str, *, is_end: bool, reporting_year_start: ReportingYearStart = (1, 1)
) -> str:
    """Turn a REST ``startPeriod`` / ``endPeriod`` value into a storage-string bound.

    Any SDMX period form is accepted (and therefore any ISO date or
    date-time). A start bound is the period's start, an end bound its
    inclusive end. An observation is selected when it overlaps the window::

        obs_end >= parse_query_bound(startPeriod, is_end=False)
        obs_start <= parse_query_bound(endPeriod, is_end=True)

    so ``startPeriod=2020-Q3`` keeps the annual 2020 value and ``endPeriod=2020``
    keeps everything in 2020. Raises :class:`PeriodError` for anything else.
    """
    if not isinstance(text, str):
        raise PeriodError("a query period must be a string")
    period = parse_period(_undo_plus_decoding(text), reporting_year_start)
    start, end = storage_bounds(period)
    return end if is_end else start


def parse_instant(text: str) -> datetime:
    """Parse an ``updatedAfter`` / ``asOf`` / ``releaseDate`` value into an aware UTC datetime.

    Accepts an ISO 8601 date (midnight UTC) or date-time (seconds and
    fraction optional) with or without a zone (``Z``, ``+02:00``, ``+0200``,
    ``+02``; none means UTC), including the URL-decoded form in which the
    ``+`` of the offset became a space. Raises :class:`PeriodError` otherwise.
    """
    if not isinstance(text, str) or not text:
        raise PeriodError("empty date-time")
    m = _INSTANT_RE.fullmatch(_undo_plus_decoding(text))
    if m is None:
        raise PeriodError(f"{text!r} is not an ISO 8601 date or date-time")
    if int(m["y"]) < 1:
        raise PeriodError(f"year 0000 is not allowed in {text!r}")
    try:
        naive = _datetime_from_match(m, text)
    except OverflowError:  # pragma: no cover - guarded in _datetime_from_match
        raise PeriodError(f"{text!r} is out of range") from None
    return naive.replace(tzinfo=UTC)
