"""Turn the components of one SDMX-ML element into :class:`DataRecord` fields.

Generic messages carry components as ``<Value id= value=/>`` children,
structure-specific ones as XML attributes (plus, in SDMX-ML 3.0, ``<Comp>``
children for multi-valued or localised values). Both end up here as
(id, value) pairs that :class:`Components` sorts into key, period, value,
attributes and unknown components.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._xml_common import XML_LANG, localname
from .base import ComponentRoles

# DataSet XML attributes that are part of the message, not of the DSD.
STANDARD_DATASET_ATTRIBUTES = frozenset(
    {
        "structureRef",
        "setID",
        "action",
        "reportingBeginDate",
        "reportingEndDate",
        "validFromDate",
        "validToDate",
        "publicationYear",
        "publicationPeriod",
        "dataScope",
    }
)


@dataclass(slots=True)
class Sorted:
    """Components of one element, sorted by role."""

    key: list[str]
    period: str = ""
    value: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)


class Components:
    """Sorts (component id, value) pairs by the roles of the target DSD."""

    def __init__(self, roles: ComponentRoles) -> None:
        self.roles = roles
        self.empty_key = [""] * len(roles.dimensions)
        self.dim_index = {dim: i for i, dim in enumerate(roles.dimensions)}
        self.time = roles.time_dimension
        self.measure = roles.primary_measure
        self.attributes = roles.attributes

    def sort(
        self,
        pairs: Iterable[tuple[str, str]],
        base_key: list[str] | None = None,
        base_period: str = "",
        skip: frozenset[str] = frozenset(),
    ) -> Sorted:
        """Sort ``pairs``; ``base_key``/``base_period`` come from the enclosing series."""
        out = Sorted(list(base_key) if base_key is not None else self.empty_key.copy(), base_period)
        dim_index, time, measure, attributes = (
            self.dim_index,
            self.time,
            self.measure,
            self.attributes,
        )
        for name, value in pairs:
            index = dim_index.get(name)
            if index is not None:
                out.key[index] = value
            elif name == time:
                out.period = value
            elif name == measure:
                out.value = value
            elif name in attributes:
                out.attrs[name] = value
            elif name not in skip:
                out.unknown[name] = value
        return out


def xml_attribute_pairs(elem: Any, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Unqualified XML attributes of a structure-specific element, minus ``exclude``.

    Namespaced attributes (``xsi:type``, ``data:structureRef``, ...) are never
    components: the SDMX schemas reserve unqualified attributes for them.
    """
    return [
        (name, value)
        for name, value in elem.attrib.items()
        if name[0] != "{" and name not in exclude
    ]


def _value_text(value: Any) -> str:
    """The text of a 3.0 ``<Value>``: plain text, or the English (else first) localised text."""
    if len(value) == 0:
        return (value.text or "").strip()
    chosen = None
    for text in value:
        if localname(text.tag) != "Text":
            continue
        lang = text.get(XML_LANG)
        if lang in (None, "en"):
            chosen = text
            break
        if chosen is None:
            chosen = text
    return (chosen.text or "").strip() if chosen is not None else ""


def comp_pairs(elem: Any) -> list[tuple[str, str]]:
    """SDMX-ML 3.0 ``<Comp id="X"><Value>a</Value><Value>b</Value></Comp>`` children as ``("X", "a;b")``."""
    pairs = []
    for child in elem:
        if localname(child.tag) != "Comp":
            continue
        cid = child.get("id")
        if not cid:
            continue
        values = [_value_text(v) for v in child if localname(v.tag) == "Value"]
        pairs.append((cid, ";".join(values)))
    return pairs


def generic_value_pairs(container: Any) -> list[tuple[str, str]]:
    """``<generic:Value id= value=/>`` children of a SeriesKey/ObsKey/GroupKey/Attributes."""
    return [(v.get("id", ""), v.get("value", "")) for v in container if localname(v.tag) == "Value"]
