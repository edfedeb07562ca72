"""A group-attribute filter gives the same series on every reading path the filter compiler serves:
the row cursor, COPY (PostgreSQL), the database-written SDMX-CSV (COPY ... CSV on PostgreSQL,
SQLite's string building), exact counts, the series-statistics upper bound and the provider probe.

The filter comes from the data-query service (``build_filter``: the request resolved against the
DSD), so what is checked is what a query runs. The answers of the HTTP API do not take the
database-written CSV lane for a DSD with groups; the lane is called directly here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.data_filter import DataFilter, parse_component_filter
from sdmx_server.services.container import Services
from sdmx_server.services.data_query import DataRequest
from sdmx_server.storage import data_read_repo as rr
from tests.conftest import TEST_DB, DatabaseFactory, make_settings
from tests.group_attributes import FLOW_ID, OBS_PER_SERIES, SERIES, GroupStore, build_group_store

CHF, GBP, JPY, USD_P, USD_A, USD_RR = SERIES
CASES = [
    ({"DECIMALS": "4"}, {CHF, USD_P, USD_A}),
    ({"DECIMALS": "ne:4+ne:5"}, {JPY, USD_RR}),
    ({"TITLE": "co:dollar", "COLL_METHOD": "ne:End of period"}, {USD_RR}),
    ({"COLL_METHOD": "nc:Average"}, {USD_P, USD_A, USD_RR}),
    ({"UNIT_MEASURE": "sw:U,ew:F"}, {CHF, USD_P, USD_A, USD_RR}),
]


@pytest.fixture(scope="module")
def store(db_factory: DatabaseFactory) -> Iterator[GroupStore]:
    services = Services.build(make_settings(db_factory.new_url()))
    try:
        yield build_group_store(services)
    finally:
        services.close()


def _filter(services: Services, session: Session, filters: dict[str, str]) -> rr.ObservationFilter:
    req = DataRequest(
        agency="ECB",
        resource_id=FLOW_ID,
        version="1.0",
        filter=DataFilter(tuple(parse_component_filter(k, v) for k, v in filters.items())),
    )
    _pk, info = services.data_query.resolve(session, req)
    f = services.data_query.build_filter(session, info, req, utcnow())
    assert any(c.kind == "group_attribute" for c in f.columns)  # not folded away, not refused
    return f


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_every_reading_path_selects_the_same_series(
    store: GroupStore, filters: dict[str, str], expected: set[str]
) -> None:
    services = store.services
    with services.data_query.open() as session:
        f = _filter(services, session, filters)
        cursor = {row[2] for batch in rr.stream_rows(session, f) for row in batch}
        assert cursor == expected
        assert {row[2] for batch in rr.series_keys(session, f) for row in batch} == expected
        assert rr.count_rows(session, f) == OBS_PER_SERIES * len(expected)
        assert rr.count_series(session, f) == len(expected)
        assert rr.upper_bound_rows(session, f, series=True) == len(expected)
        assert rr.upper_bound_rows(session, f) == OBS_PER_SERIES * len(expected)
        if TEST_DB == "postgres":
            copied = {row[2] for batch in rr.copy_rows(session, f) for row in batch}
            assert copied == expected
            lines = b"".join(rr.copy_csv(session, f, "ECB:EXR_GRP(1.0)", [])).decode()
        else:
            lines = b"".join(
                rr.sqlite_csv(session, f, "ECB:EXR_GRP(1.0)", [], frozenset(), True)
            ).decode()
        csv_series = {".".join(line.split(",")[1:6]) for line in lines.splitlines()}
        assert csv_series == expected
        assert rr.providers_with_data(session, f) == set()  # loaded without a provider


def test_preview_sees_an_embargoed_group_value(store: GroupStore) -> None:
    """The visible version of a group value follows the query's instant and previews: a value
    written for a later release is seen only by a preview of its batch."""
    import io
    from datetime import timedelta

    from tests.group_attributes import flow_ref, update_message

    services = store.services
    assert b'id="DECIMALS" value="3"' in update_message()
    message = update_message().replace(b'id="DECIMALS" value="3"', b'id="DECIMALS" value="7"')
    result = services.data_write.submit(
        io.BytesIO(message), dataflow=flow_ref(), release_at=utcnow() + timedelta(days=30)
    )
    assert result.ok, [e.as_dict() for e in result.errors[:5]]
    with services.data_query.open() as session:
        f = _filter(services, session, {"DECIMALS": "7"})
        assert rr.count_series(session, f) == 0  # embargoed: not published yet
        pending = rr.pending_batches(session, f.dataflow_pk, utcnow(), None)
        assert pending
        f.mode, f.extra = "preview", {"pending": tuple(pending)}
        assert {row[2] for batch in rr.series_keys(session, f) for row in batch} == {JPY}
        g = _filter(services, session, {"DECIMALS": "3"})
        g.mode, g.extra = "preview", {"pending": tuple(pending)}
        assert {row[2] for batch in rr.series_keys(session, g) for row in batch} == {USD_RR}
