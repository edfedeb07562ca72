"""The shipped sample data of dataflows several producers share are attributed to their producers."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from tests.push.conftest import CSV10_TYPE, PushEnv

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def sources(env: PushEnv, path: str) -> Counter[str]:
    with env.client() as client:
        r = client.get(path, headers={"Accept": CSV10_TYPE})
    if r.status_code == 404:
        return Counter()
    assert r.status_code == 200, r.text[:300]
    return Counter(row["SOURCE"] for row in csv.DictReader(io.StringIO(r.text)))


def test_provider_queries_find_each_producers_sample_rows(lmis_env: PushEnv) -> None:
    with (SAMPLE / "DF_MIG_OUTFLOW.csv").open() as f:
        shipped = Counter(row["SOURCE"] for row in csv.DictReader(f))
    flow = "/rest/data/MA_LMIS,DF_MIG_OUTFLOW,1.0/all"
    assert sources(lmis_env, flow) == shipped
    hcp = sources(lmis_env, f"{flow}/MA_LMIS,HCP")
    ministry = sources(lmis_env, f"{flow}/MIN_EMPLOI")
    assert set(hcp) == {"SRC_HCP_ENMI"} and hcp["SRC_HCP_ENMI"] == shipped["SRC_HCP_ENMI"]
    assert (
        set(ministry) == {"SRC_MIN_EMPLOI"}
        and ministry["SRC_MIN_EMPLOI"] == shipped["SRC_MIN_EMPLOI"]
    )


def test_a_producer_cannot_replace_another_producers_sample_rows(lmis_env: PushEnv) -> None:
    with (SAMPLE / "DF_MIG_OUTFLOW.csv").open() as f:
        rows = list(csv.DictReader(f))
    hcp_row = next(r for r in rows if r["SOURCE"] == "SRC_HCP_ENMI")
    changed = {**hcp_row, "OBS_VALUE": str(float(hcp_row["OBS_VALUE"]) + 1)}
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(hcp_row), lineterminator="\n")
    writer.writeheader()
    writer.writerow(changed)
    before = lmis_env.snapshot()
    r = lmis_env.push(
        text.getvalue(), who="MIN_EMPLOI", target="dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0"
    )
    assert r.status_code == 422 and "reported by HCP" in r.json()["errors"][0]["reason"], r.text[
        :500
    ]
    assert lmis_env.snapshot() == before
    r = lmis_env.push(text.getvalue(), who="HCP", target="dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0")
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text[:500]


def test_an_administrator_loads_on_behalf_of_a_producer(lmis_env: PushEnv, tmp_path: Path) -> None:
    """``sdmx-server load --provision-agreement``: the producer owns what was loaded for it."""
    from tests.push.test_token_cli import cli

    with (SAMPLE / "DF_MIG_OUTFLOW.csv").open() as f:
        rows = list(csv.DictReader(f))
    row = {**next(r for r in rows if r["SOURCE"] == "SRC_HCP_ENMI"), "TIME_PERIOD": "2035"}
    path = tmp_path / "hcp-2035.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    refused = cli(lmis_env, "load", str(path), "--provision-agreement", "MA_LMIS,NOPE,1.0")
    assert refused.returncode == 1 and "NOPE" in refused.stdout
    done = cli(
        lmis_env, "load", str(path), "--provision-agreement", "MA_LMIS,PA_HCP_MIG_OUTFLOW,1.0"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    hcp = sources(
        lmis_env, "/rest/data/MA_LMIS,DF_MIG_OUTFLOW,1.0/all/MA_LMIS,HCP?startPeriod=2035"
    )
    assert hcp == Counter({"SRC_HCP_ENMI": 1})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow({**row, "OBS_VALUE": "1"})
    r = lmis_env.push(
        text.getvalue(), who="MIN_EMPLOI", target="dataflow/MA_LMIS/DF_MIG_OUTFLOW/1.0"
    )
    assert r.status_code == 422 and "reported by HCP" in r.json()["errors"][0]["reason"], r.text[
        :500
    ]
