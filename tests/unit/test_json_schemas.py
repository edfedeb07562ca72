"""The SDMX-JSON validator of the tests (jsonschema-rs) gives the verdicts of the pure-Python one.

Real answers of the server in every SDMX-JSON version, and broken copies of them, are
checked by both: the same documents pass and the same fail (small documents: the pure-Python
validator is slow on the 2019-09 schemas).
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.json_schemas import json_errors, reference_errors, schema_name

STRUCTURE_URL = "/rest/v2/structure/codelist/ECB/CL_FREQ/1.0"
DATA_URL = "/rest/data/ECB,EXR,1.0/Q.USD.EUR.SP00.A"


def _broken(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Copies with one mistake each: no meta, a bad date-time, a number for a string deep inside."""
    no_meta = copy.deepcopy(doc)
    no_meta.pop("meta", None)
    bad_date = copy.deepcopy(doc)
    bad_date.setdefault("meta", {})["prepared"] = "yesterday"
    deep = copy.deepcopy(doc)

    def first_string(node: Any) -> bool:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if key == "id" and isinstance(value, str):
                node[key] = 5
                return True
            if isinstance(value, dict | list) and first_string(value):
                return True
        return False

    assert first_string(deep["data"])
    return [no_meta, bad_date, deep]


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        (STRUCTURE_URL, "application/vnd.sdmx.structure+json;version=1.0.0"),
        (STRUCTURE_URL, "application/vnd.sdmx.structure+json;version=2.0.0"),
        (STRUCTURE_URL, "application/vnd.sdmx.structure+json;version=2.1.0"),
        (DATA_URL, "application/vnd.sdmx.data+json;version=1.0.0"),
        (DATA_URL, "application/vnd.sdmx.data+json;version=2.0.0"),
        (DATA_URL, "application/vnd.sdmx.data+json;version=2.1.0"),
    ],
)
def test_both_validators_agree(dhttp: httpx.Client, url: str, accept: str) -> None:
    r = dhttp.get(url, headers={"Accept": accept})
    assert r.status_code == 200, r.text[:300]
    name = schema_name(r.headers["content-type"])
    assert name is not None
    doc = r.json()
    assert json_errors(r.headers["content-type"], doc) == []
    assert reference_errors(name, doc) == []
    verdicts = []
    for broken in _broken(doc):
        fast = bool(json_errors(r.headers["content-type"], broken))
        assert fast == bool(reference_errors(name, broken)), (name, broken.get("meta"))
        verdicts.append(fast)
    assert any(verdicts), "no broken copy failed: the comparison proves nothing"
