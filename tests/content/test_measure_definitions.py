"""Every dataflow's users see the definitions of its measures, whichever codelist enumerates MEASURE."""

from __future__ import annotations

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    ConstraintDetails,
    DataflowDetails,
    DsdDetails,
    MaintainableRef,
)
from tests.content.conftest import of_type


def _allowed_measures(artefacts: dict[MaintainableRef, Artefact], flow: Artefact) -> set[str]:
    out: set[str] = set()
    for c in of_type(artefacts, ArtefactType.CONTENT_CONSTRAINT):
        assert isinstance(c.details, ConstraintDetails)
        if any(a.ref == flow.ref for a in c.details.attachments):
            for region in c.details.cube_regions:
                for kv in region.key_values:
                    if kv.id == "MEASURE":
                        out.update(kv.values)
    return out


def test_flows_on_the_ilo_measure_list_carry_their_measures_definitions(
    artefacts: dict[MaintainableRef, Artefact],
) -> None:
    national = next(a for a in artefacts.values() if a.agency == "MA_LMIS" and a.id == "CL_MEASURE")
    definitions = {i.id: i.descriptions for i in national.items}
    checked = 0
    for flow in of_type(artefacts, ArtefactType.DATAFLOW):
        assert isinstance(flow.details, DataflowDetails)
        dsd = artefacts[flow.details.structure]
        assert isinstance(dsd.details, DsdDetails)
        measure = next(d for d in dsd.details.dimensions if d.id == "MEASURE")
        assert measure.representation and measure.representation.enumeration
        annotated = {a.title: a.texts for a in flow.annotations if a.type == "MEASURE_DEFINITION"}
        if measure.representation.enumeration.agency == "MA_LMIS":
            assert not annotated, flow.id  # the codelist itself carries them
            continue
        checked += 1
        allowed = _allowed_measures(artefacts, flow)
        assert allowed and set(annotated) == allowed, flow.id
        for mid, texts in annotated.items():
            assert texts == definitions[mid] and set(texts) == {"en", "fr"}, (flow.id, mid)
        assert any(
            a.type == "MEASURE_METADATA" and "MA_LMIS:CL_MEASURE(1.0)" in (a.title or "")
            for a in flow.annotations
        )
    assert checked == 4
