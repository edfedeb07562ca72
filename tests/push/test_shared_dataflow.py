"""Producers sharing a dataflow: each changes only the cells it reported.

In the EXR template, ECB reported the monthly US dollar series and BIS the
quarterly, annual and daily US dollar series and the monthly yen series.
"""

from __future__ import annotations

from tests.push.conftest import EXR_HEADER, PushEnv, exr_csv, exr_observations

# BIS's yen series as stored in the template (tests/conftest.py synthetic_exr_csv).
JPY_ATTRS = {
    "TIME_FORMAT": "P1M",
    "COLLECTION": "A",
    "TITLE": "Yen, per euro",
    "DECIMALS": "2",
    "TITLE_COMPL": "Japanese yen (JPY) per euro",
    "UNIT": "JPY",
    "UNIT_MULT": "0",
}


USD_ANNUAL_ATTRS = JPY_ATTRS | {
    "TIME_FORMAT": "P1Y",
    "TITLE": "Annual USD",
    "DECIMALS": "4",
    "TITLE_COMPL": "US dollar (USD) per euro",
    "UNIT": "USD",
}


def one_row(key: str, stored: dict[str, str], period: str, value: str, **changes: str) -> str:
    """SDMX-CSV 1.0: one observation of a series with its stored series attributes, ``changes`` applied."""
    attrs = stored | changes
    header = f"{EXR_HEADER},{','.join(attrs)}"
    cells = ",".join(f'"{v}"' if "," in v else v for v in attrs.values())
    return exr_csv([f"{key.replace('.', ',')},{period},{value},A,{cells}"], header)


def jpy_month(period: str, value: str, **changes: str) -> str:
    """One month of BIS's yen series."""
    return one_row("M.JPY.EUR.SP00.A", JPY_ATTRS, period, value, **changes)


def test_a_producer_cannot_overwrite_another_producers_cells(exr_env: PushEnv) -> None:
    before = exr_env.snapshot()
    r = exr_env.push(
        exr_csv(
            [
                "M,JPY,EUR,SP00,A,2020-01,999,A",
                "M,JPY,EUR,SP00,A,2020-02,998,A",
                "M,USD,EUR,SP00,A,2019-12,1.5,A",
            ]
        ),
        who="ECB",
    )
    assert r.status_code == 422
    report = r.json()
    assert report["errorCount"] == 2  # the two yen months; ECB's own dollar month is fine
    assert {e["value"] for e in report["errors"]} == {"2020-01", "2020-02"}
    assert all(
        "reported by BIS" in e["reason"] and e["location"].startswith("line ")
        for e in report["errors"]
    )
    assert exr_env.snapshot() == before


def test_deleting_another_producers_cells_is_refused_and_own_cells_are_fine(
    exr_env: PushEnv,
) -> None:
    header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"
    before = exr_env.snapshot()
    body = f"{header}\ndataflow,ECB:EXR(1.0),D,Q,USD,EUR,SP00,A,2020-Q1,\n"
    r = exr_env.push(body, who="ECB", content_type="application/vnd.sdmx.data+csv;version=2.0.0")
    assert r.status_code == 422 and "reported by BIS" in r.json()["errors"][0]["reason"]
    assert exr_env.snapshot() == before
    r = exr_env.push(body, who="BIS", content_type="application/vnd.sdmx.data+csv;version=2.0.0")
    assert r.status_code == 200 and r.json()["deleted"] == 1
    assert ("Q.USD.EUR.SP00.A", "2020-Q1") not in exr_observations(exr_env.services)


def test_a_new_cell_in_another_producers_series_and_a_deleted_cell_are_free(
    exr_env: PushEnv,
) -> None:
    r = exr_env.push(jpy_month("2035-01", "130"), who="ECB")  # a new period: nobody's yet
    assert r.status_code == 200 and r.json()["inserted"] == 1
    header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"
    deleted = exr_env.push(
        f"{header}\ndataflow,ECB:EXR(1.0),D,A,USD,EUR,SP00,A,2015,\n",
        who="BIS",
        content_type="application/vnd.sdmx.data+csv;version=2.0.0",
    )
    assert deleted.status_code == 200 and deleted.json()["deleted"] == 1
    # Deleted by BIS: free again (with the series' attributes as BIS reported them).
    again = exr_env.push(one_row("A.USD.EUR.SP00.A", USD_ANNUAL_ATTRS, "2015", "1.2"), who="ECB")
    assert again.status_code == 200 and again.json()["inserted"] == 1
    assert exr_observations(exr_env.services)[("A.USD.EUR.SP00.A", "2015")][0] == "1.2"


def test_an_administrator_loading_without_a_provision_agreement_is_not_limited(
    exr_env: PushEnv,
) -> None:
    import io

    body = jpy_month("2020-01", "111", TITLE_COMPL="Changed by an administrator").encode()
    result = exr_env.services.data_write.submit(io.BytesIO(body))  # the command-line loader's path
    assert result.ok and result.counts.updated == 1


def test_series_attributes_belong_to_the_producer_that_reported_them(exr_env: PushEnv) -> None:
    before = exr_env.snapshot()
    r = exr_env.push(jpy_month("2036-01", "131", TITLE_COMPL="Yen, as ECB sees it"), who="ECB")
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert len(errors) == 1 and errors[0]["location"] == "line 2", errors
    assert "series M.JPY.EUR.SP00.A were reported by BIS" in errors[0]["reason"]
    assert exr_env.snapshot() == before
    # The same values again change nothing: another producer may add a period with them.
    same = exr_env.push(jpy_month("2036-01", "131"), who="ECB")
    assert same.status_code == 200 and same.json()["inserted"] == 1, same.text
    # The owner may change them.
    own = exr_env.push(jpy_month("2020-01", "120.10", TITLE_COMPL="Yen, revised by BIS"), who="BIS")
    assert own.status_code == 200 and own.json()["unchanged"] == 1, own.text
    with exr_env.client() as client:
        got = client.get(
            "/rest/data/ECB,EXR,1.0/M.JPY.EUR.SP00.A",
            params={"detail": "nodata"},
            headers={"Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"},
        )
    assert got.status_code == 200 and "Yen, revised by BIS" in got.text


def test_another_producers_cells_are_reported_with_the_rows_errors(exr_env: PushEnv) -> None:
    r = exr_env.push(
        jpy_month("2020-01", "999") + "ECB:EXR(1.0),M,JPY,EUR,SP00,A,2020-02,abc,A,P1M,A,"
        '"Yen, per euro",2,Japanese yen (JPY) per euro,JPY,0\n',
        who="ECB",
    )
    assert r.status_code == 422
    found = {(e["location"], e["component"]): e["reason"] for e in r.json()["errors"]}
    assert "reported by BIS" in found[("line 2", "TIME_PERIOD")]
    assert ("line 3", "OBS_VALUE") in found and len(found) == 2
