"""A synthetic dataflow for benchmarks: 5 coded dimensions, one observation attribute.

``build_structures`` returns the artefacts (codelists, concept scheme, DSD,
dataflow); ``write_csv`` writes an SDMX-CSV 1.0 file of ``series`` series x
``periods`` annual observations, ordered by series key then period.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    AttributeRelationship,
    Component,
    DataflowDetails,
    DsdDetails,
    Item,
    ItemRef,
    MaintainableRef,
    Representation,
)

AGENCY = "BENCH"
DIM_SIZES = (10, 10, 10, 10, 100)  # 1,000,000 possible keys
DIMS = ("D1", "D2", "D3", "D4", "D5")
STATUS = ("A", "E", "P")


def _ref(type_: ArtefactType, id_: str) -> MaintainableRef:
    return MaintainableRef(type=type_, agency=AGENCY, id=id_, version="1.0")


def codes(dim: int) -> list[str]:
    """Code ids of one dimension."""
    return [f"{DIMS[dim]}_{n:03d}" for n in range(DIM_SIZES[dim])]


def build_structures(flow_id: str = "BIG") -> list[Artefact]:
    """Codelists, concept scheme, DSD and dataflow ``BENCH:<flow_id>(1.0)``."""
    codelists = [
        Artefact(
            type=ArtefactType.CODELIST,
            agency=AGENCY,
            id=f"CL_{d}",
            version="1.0",
            names={"en": d},
            items=[Item(id=c, names={"en": c}) for c in codes(n)],
        )
        for n, d in enumerate(DIMS)
    ]
    codelists.append(
        Artefact(
            type=ArtefactType.CODELIST,
            agency=AGENCY,
            id="CL_STATUS",
            version="1.0",
            names={"en": "Status"},
            items=[Item(id=s, names={"en": s}) for s in STATUS],
        )
    )
    concepts = Artefact(
        type=ArtefactType.CONCEPT_SCHEME,
        agency=AGENCY,
        id="CONCEPTS",
        version="1.0",
        names={"en": "Concepts"},
        items=[
            Item(id=c, names={"en": c}) for c in (*DIMS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS")
        ],
    )
    cs = _ref(ArtefactType.CONCEPT_SCHEME, "CONCEPTS")

    def concept(c: str) -> ItemRef:
        return ItemRef(scheme=cs, item_id=c)

    dims = [
        Component(
            id=d,
            kind="dimension",
            position=n + 1,
            concept=concept(d),
            representation=Representation(enumeration=_ref(ArtefactType.CODELIST, f"CL_{d}")),
        )
        for n, d in enumerate(DIMS)
    ]
    dims.append(
        Component(
            id="TIME_PERIOD",
            kind="time",
            position=len(DIMS) + 1,
            concept=concept("TIME_PERIOD"),
            representation=Representation(text_format={"textType": "ObservationalTimePeriod"}),
        )
    )
    attr = Component(
        id="OBS_STATUS",
        kind="attribute",
        concept=concept("OBS_STATUS"),
        assignment_status="Conditional",
        representation=Representation(enumeration=_ref(ArtefactType.CODELIST, "CL_STATUS")),
        relationship=AttributeRelationship(kind="primary_measure"),
    )
    dsd = Artefact(
        type=ArtefactType.DATA_STRUCTURE,
        agency=AGENCY,
        id="DSD_BENCH",
        version="1.0",
        names={"en": "Benchmark DSD"},
        details=DsdDetails(
            dimensions=dims,
            attributes=[attr],
            primary_measure=Component(
                id="OBS_VALUE", kind="primary_measure", concept=concept("OBS_VALUE")
            ),
        ),
    )
    flows = [
        Artefact(
            type=ArtefactType.DATAFLOW,
            agency=AGENCY,
            id=f,
            version="1.0",
            names={"en": f},
            details=DataflowDetails(structure=dsd.ref),
        )
        for f in (flow_id, "SMALL", "LOADTEST")
    ]
    return [*codelists, concepts, dsd, *flows]


def series_keys(count: int, seed: int = 7) -> list[tuple[str, ...]]:
    """``count`` distinct series keys, sorted (the order the server streams them in)."""
    rng = random.Random(seed)
    space = list(itertools.product(*(codes(n) for n in range(len(DIMS)))))
    return sorted(rng.sample(space, count))


def rows(
    keys: list[tuple[str, ...]], periods: int, first_year: int = 2000, seed: int = 11
) -> Iterator[list[str]]:
    """CSV rows (dims..., period, value, status) ordered by series key then period."""
    rng = random.Random(seed)
    for key in keys:
        for year in range(first_year, first_year + periods):
            yield [*key, str(year), f"{rng.random() * 1000:.3f}", STATUS[rng.randrange(3)]]


def write_csv(
    path: Path, flow_id: str, keys: list[tuple[str, ...]], periods: int, first_year: int = 2000
) -> int:
    """Write SDMX-CSV 1.0; returns the number of observations."""
    n = 0
    flow = f"{AGENCY}:{flow_id}(1.0)"
    with path.open("w", encoding="utf-8") as f:
        f.write(f"DATAFLOW,{','.join(DIMS)},TIME_PERIOD,OBS_VALUE,OBS_STATUS\n")
        for row in rows(keys, periods, first_year):
            f.write(flow + "," + ",".join(row) + "\n")
            n += 1
    return n
