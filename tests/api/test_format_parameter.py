"""``format=`` as the Eurostat and .Stat web services accept it, for clients that cannot set Accept."""

from __future__ import annotations

import httpx
import pytest

from sdmx_server.formats.registry import DATA_V1, FORMAT_PARAMETER, STRUCTURE_V1, negotiate_request

DATA = "/rest/data/ECB,EXR,1.0/M.USD.EUR.SP00.A"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("value", "content_type", "starts"),
    [
        ("csvfile", "application/vnd.sdmx.data+csv;version=1.0.0", b"DATAFLOW,FREQ,"),
        ("csvfilewithlabels", "application/vnd.sdmx.data+csv;version=1.0.0", b"DATAFLOW,FREQ: "),
        ("csvdata", "application/vnd.sdmx.data+csv;version=2.0.0", b"STRUCTURE,STRUCTURE_ID,"),
        ("jsondata", "application/vnd.sdmx.data+json;version=1.0.0", b"{"),
        ("genericdata", "application/vnd.sdmx.genericdata+xml;version=2.1", b"<"),
        (
            "structurespecificdata",
            "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
            b"<",
        ),
        (
            "GenericTimeSeriesData",
            "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
            b"<",
        ),
    ],
)
def test_format_selects_the_data_format(
    dhttp: httpx.Client, value: str, content_type: str, starts: bytes
) -> None:
    for accept in (None, BROWSER, "*/*"):  # a browser's Accept names no SDMX type: format= decides
        r = dhttp.get(
            DATA,
            params={"format": value, "lastNObservations": "2"},
            headers={"Accept": accept} if accept else {},
        )
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-type"] == content_type, (value, accept)
        assert r.content.lstrip().startswith(starts), r.content[:80]


def test_an_sdmx_accept_wins_over_format(dhttp: httpx.Client) -> None:
    r = dhttp.get(
        DATA,
        params={"format": "csvfile", "lastNObservations": "1"},
        headers={"Accept": "application/vnd.sdmx.data+json;version=1.0.0"},
    )
    assert r.headers["content-type"] == "application/vnd.sdmx.data+json;version=1.0.0"


def test_format_on_structures_and_refusals(http: httpx.Client, dhttp: httpx.Client) -> None:
    r = http.get(
        "/rest/codelist/ECB/CL_FREQ/1.0",
        params={"format": "structure"},
        headers={"Accept": BROWSER},
    )
    assert (
        r.status_code == 200
        and r.headers["content-type"] == "application/vnd.sdmx.structure+xml;version=2.1"
    )
    assert (
        http.get("/rest/codelist/ECB/CL_FREQ/1.0", params={"format": "csvfile"}).status_code == 406
    )
    assert dhttp.get(DATA, params={"format": "structure"}).status_code == 406
    unknown = dhttp.get(DATA, params={"format": "xlsx"})
    assert unknown.status_code == 400 and "csvfile" in unknown.text


def test_every_format_value_maps_to_an_offer() -> None:
    for value in FORMAT_PARAMETER:
        offers = STRUCTURE_V1 if value == "structure" else DATA_V1
        media, _ = negotiate_request(None, value, offers)
        assert FORMAT_PARAMETER[value].startswith(media.content_type)


def test_format_on_availability(dhttp: httpx.Client) -> None:
    """Availability answers are structure messages: ``format=structure`` from a browser, and a data
    format is 406 there."""
    r = dhttp.get(
        "/rest/availableconstraint/ECB,EXR,1.0",
        params={"format": "structure"},
        headers={"Accept": BROWSER},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.sdmx.structure+xml;version=2.1"
    assert b"ContentConstraint" in r.content
    refused = dhttp.get("/rest/availableconstraint/ECB,EXR,1.0", params={"format": "csvfile"})
    assert refused.status_code == 406
