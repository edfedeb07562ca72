"""Embargo: a submission with ``releaseDate`` becomes public at that instant, and not before.

The store's services read a ``FakeClock`` (``exr_env.clock``, see the ``exr_env``
fixture below): release times are instants ahead of it, and a test moves the clock to a
release instead of sleeping until it. Until then a public query sees the previous state in every format and
in availability, the producer and administrators preview the embargoed data
with ``preview=true``, other producers and anonymous users cannot; at the
release the data become visible with nothing written then, and the HTTP
validators, ``updatedAfter`` and ``asOf`` follow. Several embargoes may be
pending at once, and live edits meanwhile follow the rule "publication order
wins" (ADR 0006). Every XML and JSON body is validated against the official
schemas by the client hook.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from tests.clock import FakeClock
from tests.push.conftest import PushEnv, count_rows, sdmx_error
from tests.push.test_history import (
    CSV10,
    CSV20,
    FORMATS,
    GENERIC,
    NOK,
    SEK,
    Cells,
    csv10,
    csv20,
    datasets,
    get,
    instant,
    plain_cells,
    pushed,
)

KEY = "A.SEK+NOK.EUR.SP00.A"
BASE: Cells = {(SEK, "2015"): 1.5, (SEK, "2016"): 1.6}
EMBARGOED = {("SEK", "2016"): 2.6, ("SEK", "2017"): 2.7, ("NOK", "2015"): 9.5}
AFTER: Cells = {(SEK, "2015"): 1.5, (SEK, "2016"): 2.6, (SEK, "2017"): 2.7, (NOK, "2015"): 9.5}
CET = timezone(timedelta(hours=1))


@pytest.fixture
def exr_env(make_exr_env: Callable[..., PushEnv]) -> PushEnv:
    """A writable copy of the EXR chain whose services read a ``FakeClock`` (``exr_env.clock``)."""
    return make_exr_env(clock=FakeClock())


def release_in(env: PushEnv, seconds: float) -> datetime:
    """A whole-second instant at least ``seconds`` from the env's clock (so that Last-Modified shows it
    exactly)."""
    return datetime.fromtimestamp(math.ceil(env.clock.now().timestamp() + seconds), UTC)


def wait_until(env: PushEnv, moment: datetime) -> None:
    """Move the env's clock to just after ``moment`` (no sleep)."""
    env.clock.advance_to(moment + timedelta(milliseconds=50))


def still_before(env: PushEnv, moment: datetime) -> None:
    """The checks made so far ran before ``moment`` (else they proved nothing: give more lead time)."""
    assert env.clock.now() < moment, (
        "the machine is too slow for this lead time: checks ran after the release"
    )


def embargo(
    env: PushEnv, cells: dict[tuple[str, str], float], release: datetime, who: str = "ECB"
) -> dict:
    """Push ``cells`` with a release date (written with a +01:00 offset: the zone is honoured)."""
    r = env.push(csv10(cells), who, params={"releaseDate": release.astimezone(CET).isoformat()})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["status"] == "written" and instant(report["releaseDate"]) == release, report
    return report


def availability(env: PushEnv, key: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """Public availability of a key."""
    with env.client(None) as client:
        return client.get(f"/rest/availableconstraint/ECB,EXR,1.0/{key}", headers=headers or {})


def available(resp: httpx.Response) -> tuple[dict[str, set[str]], tuple[str, str]]:
    """Dimension values and (start, end) of the time range of an availability answer."""
    assert resp.status_code == 200, resp.text
    root = etree.fromstring(resp.content)
    values = {
        kv.get("id"): {v.text for v in kv.findall("{*}Value")}
        for kv in root.iter("{*}KeyValue")
        if kv.findall("{*}Value")
    }
    return values, (root.findtext(".//{*}StartPeriod"), root.findtext(".//{*}EndPeriod"))


def base_and_embargo(env: PushEnv, lead: float) -> datetime:
    """Publish BASE now and EMBARGOED at a release ``lead`` seconds ahead; the release instant."""
    report = pushed(env, csv10({("SEK", "2015"): 1.5, ("SEK", "2016"): 1.6}))
    assert report["inserted"] == 2
    release = release_in(env, lead)
    report = embargo(env, EMBARGOED, release)
    assert (report["inserted"], report["updated"], report["unchanged"]) == (2, 1, 0)
    return release


# ------------------------------------------------------------------ visibility


def test_embargoed_data_are_public_at_release_in_every_format_and_availability(
    exr_env: PushEnv,
) -> None:
    release = base_and_embargo(exr_env, lead=60)
    for fmt, accept in FORMATS.items():
        assert plain_cells(get(exr_env, KEY, accept)) == BASE, fmt
    values, period = available(availability(exr_env, KEY))
    assert values["CURRENCY"] == {"SEK"} and period == ("2015-01-01", "2016-12-31")
    assert availability(exr_env, "A.NOK.EUR.SP00.A").status_code == 404
    with exr_env.client(
        "ECB"
    ) as producer:  # the producer's own token, without preview: the public state
        assert plain_cells(producer.get(f"/rest/data/ECB,EXR,1.0/{KEY}")) == BASE
    still_before(exr_env, release)

    wait_until(exr_env, release)
    for fmt, accept in FORMATS.items():
        assert plain_cells(get(exr_env, KEY, accept)) == AFTER, fmt
    values, period = available(availability(exr_env, KEY))
    assert values["CURRENCY"] == {"SEK", "NOK"} and period == ("2015-01-01", "2017-12-31")


def test_preview_is_for_the_producer_and_administrators(exr_env: PushEnv) -> None:
    base_and_embargo(exr_env, lead=3600)
    preview = {"preview": "true"}
    for who in ("ECB", "admin"):
        with exr_env.client(who) as client:
            for fmt, accept in FORMATS.items():
                r = client.get(
                    f"/rest/data/ECB,EXR,1.0/{KEY}", params=preview, headers={"Accept": accept}
                )
                assert plain_cells(r) == AFTER, (who, fmt)
                assert (
                    r.headers["cache-control"] == "private" and "Authorization" in r.headers["vary"]
                )
    with exr_env.client("ECB") as client:
        public_etag = client.get(f"/rest/data/ECB,EXR,1.0/{KEY}").headers["etag"]
        assert (
            client.get(f"/rest/data/ECB,EXR,1.0/{KEY}", params=preview).headers["etag"]
            != public_etag
        )
    # Another producer of the dataflow previews its own embargoes only: ECB's stay hidden from it.
    with exr_env.client("BIS") as client:
        assert plain_cells(client.get(f"/rest/data/ECB,EXR,1.0/{KEY}", params=preview)) == BASE
    # A producer without a provision agreement for the dataflow: 403; no token or a dead one: 401.
    refused: list[tuple[str | None, int]] = [
        ("ESTAT", 403),
        (None, 401),
        ("revoked", 401),
        ("expired", 401),
    ]
    for caller, status in refused:
        with exr_env.client(caller) as client:
            r = client.get(f"/rest/data/ECB,EXR,1.0/{KEY}", params=preview)
            assert r.status_code == status, (caller, r.text)
            assert sdmx_error(r)[0] == {401: 110, 403: 150}[status]
    # Nothing else reveals embargoed data to the public: a future asOf, updatedAfter, includeHistory.
    future = (exr_env.clock.now() + timedelta(days=2)).isoformat()
    assert plain_cells(get(exr_env, KEY, GENERIC, asOf=future)) == BASE
    hour_ago = (exr_env.clock.now() - timedelta(hours=1)).isoformat()
    assert {
        c for ds in datasets(get(exr_env, KEY, CSV20, updatedAfter=hour_ago)) for c in ds.cells
    } == set(BASE)
    assert {
        c for ds in datasets(get(exr_env, KEY, CSV20, includeHistory="true")) for c in ds.cells
    } == set(BASE)


# ------------------------------------------------------------------ caching follows publication


def test_validators_change_at_release_with_nothing_written(exr_env: PushEnv) -> None:
    pushed(exr_env, csv10({("SEK", "2015"): 1.5, ("SEK", "2016"): 1.6}))
    exr_env.clock.advance(1.1)  # the embargoed write happens in a later second than the base
    url = f"/rest/data/ECB,EXR,1.0/{KEY}"
    with exr_env.client(None) as client:
        first = client.get(url)
        etag0, lm0 = first.headers["etag"], first.headers["last-modified"]
        release = release_in(exr_env, 60)
        embargo(exr_env, EMBARGOED, release)
        versions = count_rows(exr_env.services, "data_observation")
        # The embargoed write changes nothing public: same validators, 304s.
        again = client.get(url)
        assert (again.headers["etag"], again.headers["last-modified"]) == (etag0, lm0)
        assert client.get(url, headers={"If-None-Match": etag0}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": lm0}).status_code == 304
        avail_etag = availability(exr_env, KEY).headers["etag"]
        assert availability(exr_env, KEY, {"If-None-Match": avail_etag}).status_code == 304
        still_before(exr_env, release)

        wait_until(exr_env, release)
        after = client.get(url)
        etag1, lm1 = after.headers["etag"], after.headers["last-modified"]
        assert etag1 != etag0
        assert lm1 == format_datetime(release, usegmt=True)  # Last-Modified is the release time
        assert plain_cells(after) == AFTER
        assert client.get(url, headers={"If-None-Match": etag0}).status_code == 200
        assert client.get(url, headers={"If-None-Match": etag1}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": lm0}).status_code == 200
        assert client.get(url, headers={"If-Modified-Since": lm1}).status_code == 304
        # If-None-Match takes precedence over If-Modified-Since, both ways.
        assert (
            client.get(url, headers={"If-None-Match": etag0, "If-Modified-Since": lm1}).status_code
            == 200
        )
        assert (
            client.get(url, headers={"If-None-Match": etag1, "If-Modified-Since": lm0}).status_code
            == 304
        )
        assert availability(exr_env, KEY, {"If-None-Match": avail_etag}).status_code == 200
    # Nothing was written at the release: the versions were there all along.
    assert count_rows(exr_env.services, "data_observation") == versions
    # updatedAfter just before the release returns what the release changed; asOf sees both sides.
    just_before = (release - timedelta(milliseconds=500)).isoformat()
    changed = datasets(get(exr_env, KEY, GENERIC, updatedAfter=just_before))
    assert [(ds.action, ds.cells) for ds in changed] == [
        ("Replace", {k: AFTER[k] for k in AFTER if k not in BASE or AFTER[k] != BASE[k]})
    ]
    assert plain_cells(get(exr_env, KEY, CSV10, asOf=just_before)) == BASE
    assert (
        plain_cells(
            get(exr_env, KEY, CSV10, asOf=(release - timedelta(microseconds=1)).isoformat())
        )
        == BASE
    )
    assert plain_cells(get(exr_env, KEY, CSV10, asOf=release.isoformat())) == AFTER
    assert plain_cells(get(exr_env, KEY, CSV10, asOf=exr_env.clock.now().isoformat())) == AFTER


def test_if_modified_since_is_not_fooled_by_two_changes_in_one_second(exr_env: PushEnv) -> None:
    url = f"/rest/data/ECB,EXR,1.0/{KEY}"
    with exr_env.client(None) as client:
        for attempt in range(5):
            exr_env.clock.at_start_of_a_second()
            with exr_env.clock.paused():  # a few milliseconds apart, however slow the machine
                first = pushed(exr_env, csv10({("SEK", "2015"): float(attempt)}))
                exr_env.clock.advance(0.001)
                seen = client.get(url)
                exr_env.clock.advance(0.001)
                second = pushed(exr_env, csv10({("SEK", "2015"): attempt + 0.5}))
            if int(instant(first["releaseDate"]).timestamp()) == int(
                instant(second["releaseDate"]).timestamp()
            ):
                break
        else:
            pytest.fail("could not make two writes within one second")
        # Last-Modified has one-second resolution: the date alone cannot tell the two apart, so the
        # server answers in full (a wrong 304 would leave the client with the first value).
        assert client.get(url).headers["last-modified"] == seen.headers["last-modified"]
        r = client.get(url, headers={"If-Modified-Since": seen.headers["last-modified"]})
        assert r.status_code == 200 and plain_cells(r)[(SEK, "2015")] == attempt + 0.5
        assert client.get(url, headers={"If-None-Match": seen.headers["etag"]}).status_code == 200


# ------------------------------------------------------------------ several embargoes, live edits


def test_several_pending_embargoes_are_released_in_order(exr_env: PushEnv) -> None:
    pushed(exr_env, csv10({("SEK", "2015"): 1.0}))
    first, second = release_in(exr_env, 60), release_in(exr_env, 120)
    # Pushed in the opposite order of their releases; the later one also deletes a cell the earlier
    # one creates (unknown when it is written: publication order still decides).
    r = exr_env.push(
        csv20([("R", "SEK", "2015", 3.0), ("D", "SEK", "2016", None)]),
        "ECB",
        content_type=CSV20,
        params={"releaseDate": second.isoformat()},
    )
    assert r.status_code == 200, r.text
    embargo(exr_env, {("SEK", "2015"): 2.0, ("SEK", "2016"): 2.1}, first)
    states = [{(SEK, "2015"): 1.0}, {(SEK, "2015"): 2.0, (SEK, "2016"): 2.1}, {(SEK, "2015"): 3.0}]
    etags = []
    for n, moment in enumerate((None, first, second)):
        if moment is not None:
            wait_until(exr_env, moment)
        r = get(exr_env, "A.SEK.EUR.SP00.A", GENERIC)
        assert plain_cells(r) == states[n], n
        etags.append(r.headers["etag"])
        if n < 2:
            still_before(exr_env, (first, second)[n])
    assert len(set(etags)) == 3
    history = datasets(get(exr_env, "A.SEK.EUR.SP00.A", GENERIC, includeHistory="true"))
    assert [(ds.valid_from, ds.action) for ds in history][1:] == [
        (first, "Replace"),
        (second, "Delete"),
        (second, "Replace"),
    ]
    for n, moment in enumerate((first, second)):
        assert (
            plain_cells(
                get(
                    exr_env,
                    "A.SEK.EUR.SP00.A",
                    CSV10,
                    asOf=(moment - timedelta(microseconds=1)).isoformat(),
                )
            )
            == states[n]
        )
        assert (
            plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10, asOf=moment.isoformat()))
            == states[n + 1]
        )


def test_publication_order_wins_between_embargoes_and_live_edits(exr_env: PushEnv) -> None:
    cells = {("SEK", "2015"): 1.0, ("SEK", "2016"): 1.0, ("SEK", "2017"): 1.0, ("SEK", "2018"): 1.0}
    pushed(exr_env, csv10(cells))
    release = release_in(exr_env, 60)
    # The embargoed release restates 2016 unchanged, changes 2015 and 2017, deletes 2018.
    r = exr_env.push(
        csv20(
            [
                ("R", "SEK", "2015", 5.0),
                ("R", "SEK", "2016", 1.0),
                ("R", "SEK", "2017", 5.0),
                ("D", "SEK", "2018", None),
            ]
        ),
        "ECB",
        content_type=CSV20,
        params={"releaseDate": release.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["updated"], r.json()["deleted"], r.json()["unchanged"]) == (2, 1, 1)
    # Live edits published before the release: every one of those cells, and a deleted one.
    live = pushed(
        exr_env,
        csv20(
            [
                ("R", "SEK", "2015", 2.0),
                ("R", "SEK", "2016", 2.0),
                ("D", "SEK", "2017", None),
                ("R", "SEK", "2018", 2.0),
            ]
        ),
        CSV20,
    )
    before: Cells = {(SEK, "2015"): 2.0, (SEK, "2016"): 2.0, (SEK, "2018"): 2.0}
    assert plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10)) == before
    still_before(exr_env, release)

    wait_until(exr_env, release)
    # The release was published later than the live edits: it wins on every cell it states.
    released: Cells = {(SEK, "2015"): 5.0, (SEK, "2016"): 1.0, (SEK, "2017"): 5.0}
    assert plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10)) == released
    # A live edit published after the release wins over it.
    after = pushed(exr_env, csv10({("SEK", "2015"): 7.0}))
    assert (after["updated"], after["inserted"]) == (1, 0)
    assert plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10)) == {**released, (SEK, "2015"): 7.0}
    # And asOf replays it all.
    live_at = instant(live["releaseDate"])
    assert plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10, asOf=live_at.isoformat())) == before
    assert (
        plain_cells(get(exr_env, "A.SEK.EUR.SP00.A", CSV10, asOf=release.isoformat())) == released
    )
    with exr_env.services.engine.connect() as conn:  # one current version per cell, never two
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT o.series_pk, o.period_start FROM data_observation o"
                    " WHERE o.valid_to IS NULL GROUP BY o.series_pk, o.period_start HAVING COUNT(*) > 1) d"
                )
            ).scalar_one()
            == 0
        )


# ------------------------------------------------------------------ the release date itself


@pytest.mark.parametrize(
    "value", ["2030-01-15T10:00:00", "2030-01-15", "tomorrow", "2030-13-01T00:00:00Z"]
)
def test_release_date_needs_a_valid_instant_with_a_zone(exr_env: PushEnv, value: str) -> None:
    before = exr_env.snapshot()
    r = exr_env.push(csv10({("SEK", "2015"): 1.0}), "ECB", params={"releaseDate": value})
    assert r.status_code == 400 and "releaseDate" in sdmx_error(r)[1], r.text
    assert exr_env.snapshot() == before


def test_release_date_in_the_past_publishes_now(exr_env: PushEnv) -> None:
    first = pushed(exr_env, csv10({("SEK", "2015"): 1.0}))
    exr_env.clock.advance(1.1)
    with exr_env.client(None) as client:
        seen = client.get(f"/rest/data/ECB,EXR,1.0/{KEY}")
        asked = exr_env.clock.now() - timedelta(days=1)
        report = exr_env.push(
            csv10({("SEK", "2015"): 2.0}), "ECB", params={"releaseDate": asked.isoformat()}
        ).json()
        # Never back-dated: the version is published when written, so the past is not rewritten.
        published = instant(report["releaseDate"])
        assert published > instant(first["releaseDate"]) and published > asked + timedelta(hours=23)
        assert plain_cells(
            get(exr_env, KEY, CSV10, asOf=(published - timedelta(microseconds=1)).isoformat())
        ) == {(SEK, "2015"): 1.0}
        r = client.get(
            f"/rest/data/ECB,EXR,1.0/{KEY}",
            headers={"If-Modified-Since": seen.headers["last-modified"]},
        )
        assert r.status_code == 200 and plain_cells(r) == {(SEK, "2015"): 2.0}
        assert r.headers["last-modified"] != seen.headers["last-modified"]


def test_a_preview_shows_embargoed_attribute_values_too(exr_env: PushEnv) -> None:
    """An embargoed release that changes a series attribute: the public sees the old value, the
    producer's preview the new one (with the release's observations), in every format."""
    from tests.push.conftest import exr_csv, exr_series_attr_values

    key = "M.CHF.EUR.SP00.A"
    assert exr_env.push(exr_csv(["M,CHF,EUR,SP00,A,2031-01,0.9,A"])).status_code == 200
    old_title = exr_series_attr_values("M", "CHF")["TITLE_COMPL"]
    attrs = exr_series_attr_values("M", "CHF") | {"TITLE_COMPL": "Swiss franc embargoed title"}
    header = (
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        + ",".join(attrs)
    )
    body = f"{header}\nECB:EXR(1.0),M,CHF,EUR,SP00,A,2031-02,0.91,A,{','.join(attrs.values())}\n"
    release = release_in(exr_env, 3600)
    r = exr_env.push(body, params={"releaseDate": release.isoformat()})
    assert r.status_code == 200, r.text
    for fmt, accept in FORMATS.items():
        with exr_env.client(None) as public, exr_env.client("ECB") as producer:
            seen = public.get(f"/rest/data/ECB,EXR,1.0/{key}", headers={"Accept": accept}).text
            preview = producer.get(
                f"/rest/data/ECB,EXR,1.0/{key}",
                params={"preview": "true"},
                headers={"Accept": accept},
            ).text
        assert old_title in seen and "embargoed title" not in seen, fmt
        assert "embargoed title" in preview and "2031-02" in preview, fmt
