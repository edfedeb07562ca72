"""Producers sharing a dataflow: each changes only the cells it reported.

In the EXR template, ECB reported the monthly US dollar series and BIS the
quarterly, annual and daily US dollar series and the monthly yen series.
"""

from __future__ import annotations

from tests.push.conftest import PushEnv, exr_csv, exr_observations


def test_a_producer_cannot_overwrite_another_producers_cells(exr_env: PushEnv) -> None:
    before = exr_env.snapshot()
    r = exr_env.push(exr_csv(["M,JPY,EUR,SP00,A,2020-01,999,A", "M,JPY,EUR,SP00,A,2020-02,998,A",
                              "M,USD,EUR,SP00,A,2019-12,1.5,A"]), who="ECB")
    assert r.status_code == 422
    report = r.json()
    assert report["errorCount"] == 2  # the two yen months; ECB's own dollar month is fine
    assert {e["value"] for e in report["errors"]} == {"2020-01", "2020-02"}
    assert all("reported by BIS" in e["reason"] and e["location"].startswith("line ") for e in report["errors"])
    assert exr_env.snapshot() == before


def test_deleting_another_producers_cells_is_refused_and_own_cells_are_fine(exr_env: PushEnv) -> None:
    header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"
    before = exr_env.snapshot()
    body = f"{header}\ndataflow,ECB:EXR(1.0),D,Q,USD,EUR,SP00,A,2020-Q1,\n"
    r = exr_env.push(body, who="ECB", content_type="application/vnd.sdmx.data+csv;version=2.0.0")
    assert r.status_code == 422 and "reported by BIS" in r.json()["errors"][0]["reason"]
    assert exr_env.snapshot() == before
    r = exr_env.push(body, who="BIS", content_type="application/vnd.sdmx.data+csv;version=2.0.0")
    assert r.status_code == 200 and r.json()["deleted"] == 1
    assert ("Q.USD.EUR.SP00.A", "2020-Q1") not in exr_observations(exr_env.services)


def test_a_new_cell_in_another_producers_series_and_a_deleted_cell_are_free(exr_env: PushEnv) -> None:
    r = exr_env.push(exr_csv(["M,JPY,EUR,SP00,A,2035-01,130,A"]), who="ECB")  # a new period: nobody's yet
    assert r.status_code == 200 and r.json()["inserted"] == 1
    header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"
    deleted = exr_env.push(f"{header}\ndataflow,ECB:EXR(1.0),D,A,USD,EUR,SP00,A,2015,\n", who="BIS",
                           content_type="application/vnd.sdmx.data+csv;version=2.0.0")
    assert deleted.status_code == 200 and deleted.json()["deleted"] == 1
    again = exr_env.push(exr_csv(["A,USD,EUR,SP00,A,2015,1.2,A"]), who="ECB")  # deleted by BIS: free again
    assert again.status_code == 200 and again.json()["inserted"] == 1
    assert exr_observations(exr_env.services)[("A.USD.EUR.SP00.A", "2015")][0] == "1.2"


def test_an_administrator_loading_without_a_provision_agreement_is_not_limited(exr_env: PushEnv) -> None:
    import io

    body = exr_csv(["M,JPY,EUR,SP00,A,2020-01,111,A"]).encode()
    result = exr_env.services.data_write.submit(io.BytesIO(body))  # the command-line loader's path
    assert result.ok and result.counts.updated == 1
