"""Series statistics (observation count, first and last period) stay exact through every kind of write.

A write that deletes nothing updates the statistics from its own versions
only (incremental); one that deletes recomputes them. After each write of a
sequence (first load, appends before and after the known periods, updates,
deletions, re-creations, a whole-series deletion), every series' statistics
must equal what the current observations say.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from sqlalchemy import text

from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from sdmx_server.storage.sqltime import to_db
from tests import fixtures
from tests.conftest import load_files, synthetic_exr_csv

HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
    "TIME_FORMAT,COLLECTION,DECIMALS,TITLE_COMPL,UNIT,UNIT_MULT"
)
TIME_FORMATS = {"A": "P1Y", "Q": "P3M", "M": "P1M", "D": "P1D"}


def _with_series_attrs(row: str) -> str:
    """The row with EXR's mandatory series attributes (ignored on deletions)."""
    _action, freq, currency = row.split(",")[:3]
    return f"{row},{TIME_FORMATS[freq]},A,4,{currency} per euro,{currency},0"


CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"


def _push(services: Services, rows: list[str]) -> None:
    body = (
        "\n".join([HEADER, *(f"dataflow,ECB:EXR(1.0),{_with_series_attrs(r)}" for r in rows)])
        + "\n"
    )
    result = services.data_write.submit(io.BytesIO(body.encode()), content_type=CSV20)
    assert result.ok, [e.as_dict() for e in result.errors[:5]]


def _stats(
    services: Services,
) -> tuple[
    dict[str, tuple[int, str | None, str | None]], dict[str, tuple[int, str | None, str | None]]
]:
    """(stored statistics, statistics recomputed from the current observations) per series key."""
    with services.session_factory() as session:
        stored = {
            k: (int(n), a, b)
            for k, n, a, b in session.execute(
                text("SELECT series_key, obs_count, first_period, last_period FROM data_series")
            )
        }
        now = to_db(session, utcnow())
        actual = dict.fromkeys(stored, (0, None, None))
        for k, n, a, b in session.execute(
            text(
                "SELECT s.series_key, COUNT(*), MIN(o.period_start), MAX(o.period_end) FROM data_series s"
                " JOIN data_observation o ON o.series_pk = s.pk WHERE NOT o.is_deleted AND o.valid_from <= :now"
                " AND (o.valid_to IS NULL OR o.valid_to > :now) GROUP BY s.series_key"
            ),
            {"now": now},
        ):
            actual[k] = (int(n), a, b)
    return stored, actual


def test_statistics_follow_every_write(make_services: Callable[..., Services], tmp_path) -> None:
    services = make_services()
    load_files(services, [fixtures.ECB_FULL])
    with synthetic_exr_csv(tmp_path).open("rb") as f:
        assert services.data_write.submit(f).ok  # a first load
    steps = [
        # appends after and before the known periods, and an update
        [
            "A,Q,USD,EUR,SP00,A,2022-Q1,1.5,A",
            "A,Q,USD,EUR,SP00,A,2018-Q4,1.4,A",
            "A,Q,USD,EUR,SP00,A,2020-Q1,9.9,A",
        ],
        # a new series, and the monthly series updated only
        [
            "I,A,GBP,EUR,SP00,A,2001,0.6,A",
            "I,A,GBP,EUR,SP00,A,2002,0.7,A",
            "R,M,JPY,EUR,SP00,A,2020-06,130,A",
        ],
        # deletions: the first and the last period of the quarterly series, and one in the middle
        [
            "D,Q,USD,EUR,SP00,A,2018-Q4,,",
            "D,Q,USD,EUR,SP00,A,2022-Q1,,",
            "D,Q,USD,EUR,SP00,A,2020-Q2,,",
        ],
        # re-created after their deletion, with an append
        [
            "A,Q,USD,EUR,SP00,A,2020-Q2,1.1,A",
            "A,Q,USD,EUR,SP00,A,2018-Q4,1.0,E",
            "A,A,GBP,EUR,SP00,A,2003,0.8,A",
        ],
        # a whole series deleted
        ["D,A,GBP,EUR,SP00,A,,,"],
        # and given again
        ["A,A,GBP,EUR,SP00,A,2010,0.9,A"],
    ]
    stored, actual = _stats(services)
    assert stored == actual and stored["Q.USD.EUR.SP00.A"][0] == 12
    for rows in steps:
        _push(services, rows)
        stored, actual = _stats(services)
        assert stored == actual, rows
    assert stored["Q.USD.EUR.SP00.A"] == (13, "2018-10-01T00:00:00", "2021-12-31T23:59:59")
    assert stored["A.GBP.EUR.SP00.A"] == (1, "2010-01-01T00:00:00", "2010-12-31T23:59:59")
