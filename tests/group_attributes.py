"""A dataflow whose attributes live on groups: the SDMX 2.1 sample DSD ECB_EXR_CG (a SiblingGroup on
CURRENCY, CURRENCY_DENOM, EXR_TYPE, EXR_VAR carrying DECIMALS, UNIT_MEASURE, UNIT_MULT and TITLE; a
RateGroup on EXR_TYPE, EXR_VAR carrying COLL_METHOD) with six series written for the group-attribute
filter tests, then one update of a group value (so that ``asOf`` sees the older one).

Series (key FREQ.CURRENCY.CURRENCY_DENOM.EXR_TYPE.EXR_VAR), their group values after the update:

==================  ========  ============================================  ====================
series              DECIMALS  TITLE                                         COLL_METHOD
==================  ========  ============================================  ====================
M.CHF.EUR.SP00.E    4         Swiss franc per euro                          Average of ... period
M.GBP.EUR.SP00.E    5         Pound sterling per euro                       Average of ... period
M.JPY.EUR.SP00.E    3 (was 2) Yen per euro                                  Average of ... period
M.USD.EUR.SP00.P    4         US dollar per euro, end of period             End of period
A.USD.EUR.SP00.P    4         US dollar per euro, end of period             End of period
M.USD.EUR.RR00.E    3         Real US dollar rate                           (no RateGroup value)
==================  ========  ============================================  ====================
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime

from sdmx_server.domain.clock import utcnow
from sdmx_server.services.container import Services
from sdmx_server.storage.schema import upgrade_to_head
from tests import fixtures

DIMS = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_VAR"]
FLOW_ID = "EXR_GRP"
AVERAGE = "Average of observations through period"
END = "End of period"
SIBLING = {  # CURRENCY.CURRENCY_DENOM.EXR_TYPE.EXR_VAR -> (DECIMALS, UNIT_MEASURE, TITLE)
    "CHF.EUR.SP00.E": ("4", "CHF", "Swiss franc per euro"),
    "GBP.EUR.SP00.E": ("5", "GBP", "Pound sterling per euro"),
    "JPY.EUR.SP00.E": ("2", "JPY", "Yen per euro"),
    "USD.EUR.SP00.P": ("4", "USD", "US dollar per euro, end of period"),
    "USD.EUR.RR00.E": ("3", "USD", "Real US dollar rate"),
}
RATE = {"SP00.E": AVERAGE, "SP00.P": END}  # EXR_TYPE.EXR_VAR -> COLL_METHOD (none for RR00.E)
SERIES = [
    "M.CHF.EUR.SP00.E",
    "M.GBP.EUR.SP00.E",
    "M.JPY.EUR.SP00.E",
    "M.USD.EUR.SP00.P",
    "A.USD.EUR.SP00.P",
    "M.USD.EUR.RR00.E",
]
OBS_PER_SERIES = 3

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<message:GenericTimeSeriesData xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
 xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<message:Header><message:ID>{id}</message:ID><message:Test>false</message:Test>
<message:Prepared>2026-12-01T00:00:00Z</message:Prepared><message:Sender id="ECB"/>
<message:Structure structureID="STR1" dimensionAtObservation="TIME_PERIOD"><common:Structure>
<Ref agencyID="ECB" id="ECB_EXR_CG" version="1.0"/></common:Structure></message:Structure>
</message:Header><message:DataSet structureRef="STR1" action="{action}">
"""


def _values(tag: str, values: dict[str, str]) -> str:
    inner = "".join(f'<generic:Value id="{k}" value="{v}"/>' for k, v in values.items())
    return f"<generic:{tag}>{inner}</generic:{tag}>"


def _group(group: str, dims: list[str], key: str, attrs: dict[str, str]) -> str:
    return (
        f'<generic:Group type="{group}">'
        + _values("GroupKey", dict(zip(dims, key.split("."), strict=True)))
        + _values("Attributes", attrs)
        + "</generic:Group>"
    )


def initial_message() -> bytes:
    """Every series with its observations and every group with its values."""
    parts = [_HEAD.format(id="GROUPS1", action="Replace")]
    for key, (decimals, unit, title) in SIBLING.items():
        attrs = {"DECIMALS": decimals, "UNIT_MEASURE": unit, "UNIT_MULT": "0", "TITLE": title}
        parts.append(_group("SiblingGroup", DIMS[1:], key, attrs))
    for key, method in RATE.items():
        parts.append(_group("RateGroup", DIMS[3:], key, {"COLL_METHOD": method}))
    for n, key in enumerate(SERIES):
        parts.append(
            "<generic:Series>" + _values("SeriesKey", dict(zip(DIMS, key.split("."), strict=True)))
        )
        periods = (
            ["2018", "2019", "2020"] if key.startswith("A") else ["2020-01", "2020-02", "2020-03"]
        )
        for m, period in enumerate(periods):
            parts.append(
                f'<generic:Obs><generic:ObsDimension value="{period}"/>'
                f'<generic:ObsValue value="{n + 1}.{m}"/>'
                + _values("Attributes", {"OBS_STATUS": "A"})
                + "</generic:Obs>"
            )
        parts.append("</generic:Series>")
    parts.append("</message:DataSet></message:GenericTimeSeriesData>")
    return "".join(parts).encode()


def update_message() -> bytes:
    """JPY's DECIMALS go from 2 to 3 (an update of one group's value only)."""
    _, unit, title = SIBLING["JPY.EUR.SP00.E"]
    attrs = {"DECIMALS": "3", "UNIT_MEASURE": unit, "UNIT_MULT": "0", "TITLE": title}
    return (
        _HEAD.format(id="GROUPS2", action="Replace")
        + _group("SiblingGroup", DIMS[1:], "JPY.EUR.SP00.E", attrs)
        + "</message:DataSet></message:GenericTimeSeriesData>"
    ).encode()


@dataclass
class GroupStore:
    """The services, and an instant between the first write and the update."""

    services: Services
    before_update: datetime


def build_group_store(services: Services) -> GroupStore:
    """Load the structures and both messages into ``services`` (a fresh, empty database)."""
    from tests.conftest import add_dataflow, load_files

    upgrade_to_head(services.engine)
    load_files(services, [fixtures.SDMX / "ECB_EXR" / "rg-structure-full.xml"])
    add_dataflow(services, "ECB", FLOW_ID, "ECB_EXR_CG")
    flow = flow_ref()
    result = services.data_write.submit(io.BytesIO(initial_message()), dataflow=flow)
    assert result.ok, [e.as_dict() for e in result.errors[:20]]
    time.sleep(0.05)
    between = utcnow()
    time.sleep(0.05)
    result = services.data_write.submit(io.BytesIO(update_message()), dataflow=flow)
    assert result.ok, [e.as_dict() for e in result.errors[:20]]
    return GroupStore(services, between)


def flow_ref() -> object:
    """The test dataflow's reference."""
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    return MaintainableRef(type=ArtefactType.DATAFLOW, agency="ECB", id=FLOW_ID, version="1.0")
