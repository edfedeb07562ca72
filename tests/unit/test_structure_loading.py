"""Loading structure messages into the store (the path `sdmx-server load` and `serve` use)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sdmx
from sqlalchemy import func, select

from sdmx_server.domain.model import ArtefactType, Item, MaintainableRef
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_ml21_structure import write_structures
from sdmx_server.readers.sdmx1_structures import (
    NotAStructureMessage,
    read_structure_bytes,
    read_structure_file,
)
from sdmx_server.services.container import Services
from sdmx_server.services.file_loading import load_structure_files
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import StructureArtefact, StructureItem, StructureReference
from tests import fixtures
from tests.sdmx_validation import assert_valid_xml


def _counts(services: Services) -> tuple[int, int, int]:
    with services.session_factory() as s:
        return (
            s.scalar(select(func.count()).select_from(StructureArtefact)) or 0,
            s.scalar(select(func.count()).select_from(StructureItem)) or 0,
            s.scalar(select(func.count()).select_from(StructureReference)) or 0,
        )


def _all(services: Services) -> list:
    with services.session_factory() as s:
        return repo.load_artefacts(s, repo.find_rows(s, list(ArtefactType), None, None, None))


RELATIONSHIP_21 = {"ObservationRelationship": "PrimaryMeasureRelationship"}  # 3.0 name -> 2.1 name


def _v3_usage(path: Path) -> dict[str, str]:
    """Attribute usage in a 3.0 file (sdmx1 2.28 does not read it)."""
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    names = {
        "mandatory": "mandatory",
        "optional": "conditional",
    }  # 3.0 usage -> 2.1 assignment status
    return {a.get("id"): names[a.get("usage")] for a in root.iter("{*}Attribute") if a.get("usage")}


def _sdmx1_view(
    msg: sdmx.message.StructureMessage, usage: dict[str, str] | None = None
) -> dict[str, object]:
    """A comparable summary of what sdmx1 sees in a structure message (3.0 names mapped to 2.1)."""
    usage = usage or {}

    def status(a: object) -> str:
        value = getattr(a, "usage_status", None)
        return value.name if value is not None else usage.get(getattr(a, "id", ""), "conditional")

    view: dict[str, object] = {}
    for attr in ("codelist", "concept_scheme", "category_scheme", "organisation_scheme"):
        for key, scheme in getattr(msg, attr).items():
            if scheme.is_external_reference:
                continue
            view[f"{attr}:{scheme.maintainer.id}:{key}"] = sorted(
                (
                    i.id,
                    tuple(sorted(i.name.localizations.items())),
                    tuple(sorted(i.description.localizations.items())),
                    len(i.annotations),
                )
                for i in scheme.items.values()
            )
    for key, dsd in msg.structure.items():
        if dsd.is_external_reference:
            continue
        view[f"dsd:{key}"] = (
            [
                (
                    d.id,
                    d.order,
                    getattr(d.local_representation.enumerated, "id", None)
                    if d.local_representation
                    else None,
                )
                for d in dsd.dimensions
            ],
            [
                (
                    a.id,
                    status(a),
                    RELATIONSHIP_21.get(type(a.related_to).__name__, type(a.related_to).__name__),
                )
                for a in dsd.attributes
            ],
            sorted(dsd.group_dimensions),
        )
    for key, df in msg.dataflow.items():
        view[f"dataflow:{key}"] = df.structure.id
    return view


# The files the issue names, grouped as they can stand: a DSD needs its concepts and
# codelists, so files that only reference them load together with the files that define them.
LOAD_GROUPS = {
    "ILO": [fixtures.ILO_STRUCTURE],
    "ECB_EXR/1/structure-full": [fixtures.ECB_FULL],
    "ECB_EXR/*-structure*": sorted((fixtures.SDMX / "ECB_EXR").glob("*-structure*.xml")),
    # the 3.0 DSD references ECB codelists that no 3.0 sample defines: the 2.1 ECB file has them
    "v3 DSD": [fixtures.ECB_FULL, fixtures.V3 / "xml" / "ECB_EXR1.xml"],
    "v3 others": [
        fixtures.V3 / "xml" / n for n in ("codelist.xml", "conceptscheme.xml", "dataflow.xml")
    ],
}


@pytest.mark.parametrize("group", list(LOAD_GROUPS))
def test_required_files_load_without_loss(services: Services, group: str) -> None:
    paths = LOAD_GROUPS[group]
    report = load_structure_files(paths, services.structure_store)
    assert not report.submission.refused, [(o.ref, o.message) for o in report.submission.refused]
    assert all(f.error is None and not f.refused for f in report.files)
    stored = _all(services)
    body = write_structures(
        [StructureEntry(a) for a in stored], RenderContext(public_url="http://t")
    )
    assert_valid_xml(body)
    served = _sdmx1_view(sdmx.read_sdmx(io.BytesIO(body), format="XML"))
    expected: dict[str, object] = {}
    for path in paths:  # later files replace earlier versions of the same (non-final) artefact
        usage = (
            _v3_usage(path)
            if path.parent.name == "xml" and path.parent.parent.name == "v3"
            else None
        )
        expected.update(_sdmx1_view(sdmx.read_sdmx(path), usage))
    for key, value in expected.items():
        assert served[key] == value, key


def test_ilo_file_loads_quickly_and_completely(services: Services) -> None:
    report = load_structure_files([fixtures.ILO_STRUCTURE], services.structure_store)
    assert report.submission.count("created") == 50  # 46 codelists, 3 concept schemes, 1 DSD
    artefacts, items, _ = _counts(services)
    assert artefacts == 51  # + the SDMX agency scheme, with ILO registered automatically
    assert items >= 2866 + 54
    warnings = [w for o in report.submission.outcomes for w in o.warnings]
    assert any("ILO was unknown" in w for w in warnings)


def test_second_load_is_idempotent(services: Services) -> None:
    load_structure_files([fixtures.ECB_FULL], services.structure_store)
    before = _counts(services)
    report = load_structure_files([fixtures.ECB_FULL], services.structure_store)
    assert report.submission.count("kept") == len(report.submission.outcomes)
    assert _counts(services) == before


def test_unresolvable_categorisation_target_becomes_a_stub(services: Services) -> None:
    report = load_structure_files([fixtures.ECB_FULL], services.structure_store)
    cat = next(o for o in report.submission.outcomes if o.ref.type is ArtefactType.CATEGORISATION)
    assert cat.status == "created" and any("external-reference stub" in w for w in cat.warnings)
    with services.session_factory() as s:
        row = repo.get_row(
            s,
            MaintainableRef(
                type=ArtefactType.CATEGORY_SCHEME, agency="ECB", id="MOBILE_NAVI", version="1.0"
            ),
        )
        assert row is not None and row.is_external_reference


def test_dsd_with_missing_codelists_is_refused_and_nothing_of_it_stored(services: Services) -> None:
    result = read_structure_file(fixtures.ECB_FULL)
    dsd_only = [
        a
        for a in result.artefacts
        if a.type in (ArtefactType.DATA_STRUCTURE, ArtefactType.DATAFLOW)
    ]
    report = services.structure_store.submit(dsd_only)
    refused = {str(o.ref): o.message for o in report.refused}
    assert "DataStructure=ECB:ECB_EXR1(1.0)" in refused
    assert "neither in the message nor stored" in refused["DataStructure=ECB:ECB_EXR1(1.0)"]
    with services.session_factory() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(StructureArtefact)
                .where(StructureArtefact.type == "datastructure")
            )
            == 0
        )


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<?xml version='1.0'?><broken",
        b"STRUCTURE,STRUCTURE_ID\n",
        fixtures.ECB_DATA.read_bytes(),  # a data message, not a structure message
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    ],
)
def test_non_structure_or_malformed_input_is_refused_whole(services: Services, data: bytes) -> None:
    with pytest.raises(NotAStructureMessage):
        read_structure_bytes(data, "upload")


def test_bad_file_in_a_load_stores_nothing_of_it(services: Services, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(fixtures.ECB_FULL.read_bytes()[:5000])  # truncated
    report = load_structure_files([bad], services.structure_store)
    assert report.files[0].error and "bad.xml" in report.files[0].error
    assert _counts(services) == (0, 0, 0)


def test_v3_unsupported_constructs_are_refused_by_name() -> None:
    result = read_structure_file(fixtures.V3 / "xml" / "valuelist.xml")
    assert result.refused and "value list" in result.refused[0][1]
    result = read_structure_file(fixtures.V3 / "xml" / "geospatial_geographiccodelist.xml")
    assert result.refused and "geographic" in result.refused[0][1]


def test_final_artefact_accepts_only_label_changes(services: Services) -> None:
    load_structure_files([fixtures.ILO_STRUCTURE], services.structure_store)
    result = read_structure_file(fixtures.ILO_STRUCTURE)
    cl = next(a for a in result.artefacts if a.id == "CL_SEX")
    assert cl.is_final
    relabelled = cl.model_copy(update={"names": {**cl.names, "en": "Sex (renamed)"}})
    assert services.structure_store.submit([relabelled]).outcomes[0].status == "updated"
    changed = cl.model_copy(update={"items": cl.items + [Item(id="SEX_X", names={"en": "X"})]})
    outcome = services.structure_store.submit([changed]).outcomes[0]
    assert outcome.status == "refused" and "final" in outcome.message
    assert any(i.id == "SEX_X" for i in changed.items)
    with services.session_factory() as s:
        row = repo.get_row(s, cl.ref)
        assert row is not None and row.names["en"] == "Sex (renamed)" and row.item_count == 5


def test_removing_a_referenced_item_is_refused(services: Services) -> None:
    load_structure_files([fixtures.ECB_FULL], services.structure_store)
    result = read_structure_file(fixtures.ECB_FULL)
    cs = next(a for a in result.artefacts if a.type is ArtefactType.CONCEPT_SCHEME)
    fewer = cs.model_copy(update={"items": [i for i in cs.items if i.id != "FREQ"]})
    outcome = services.structure_store.submit([fewer]).outcomes[0]
    assert (
        outcome.status == "refused" and "FREQ" in outcome.message and "ECB_EXR1" in outcome.message
    )


def test_organisation_schemes_merge_item_by_item(services: Services) -> None:
    load_structure_files([fixtures.ECB_FULL], services.structure_store)
    result = read_structure_file(fixtures.ECB_FULL)
    agencies = next(a for a in result.artefacts if a.type is ArtefactType.AGENCY_SCHEME)
    one_new = agencies.model_copy(
        update={"items": [Item(id="MA_LMIS", names={"en": "Morocco LMIS"})]}
    )
    outcome = services.structure_store.submit([one_new]).outcomes[0]
    assert outcome.status == "merged"
    with services.session_factory() as s:
        row = repo.get_row(s, agencies.ref)
        ids = [i.item_id for i in repo.items_of(s, [row.pk])[row.pk]]
    assert "ECB" in ids and "MA_LMIS" in ids and "ILO" not in ids


def test_structure_change_bumps_cache_state(services: Services) -> None:
    with services.session_factory() as s:
        assert repo.read_state(s) == {}
    load_structure_files([fixtures.ECB_FULL], services.structure_store)
    with services.session_factory() as s:
        state = repo.read_state(s)
    assert state["codelist"][0] == 1 and state["dataflow"][0] == 1
    load_structure_files([fixtures.ECB_FULL], services.structure_store)  # nothing changes
    with services.session_factory() as s:
        assert repo.read_state(s)["codelist"][0] == 1


def _with_pa_constraint() -> bytes:
    """The ECB EXR structures plus an Allowed constraint attached to a provision agreement."""
    constraint = (
        b'<str:Constraints><str:ContentConstraint id="C_PA" agencyID="ECB" version="1.0" type="Allowed">'
        b'<com:Name xml:lang="en">PA limits</com:Name><str:ConstraintAttachment><str:ProvisionAgreement>'
        b'<Ref id="EXR_ECB" version="1.0" agencyID="ECB" class="ProvisionAgreement" package="registry"/>'
        b'</str:ProvisionAgreement></str:ConstraintAttachment><str:CubeRegion include="true">'
        b'<com:KeyValue id="CURRENCY"><com:Value>USD</com:Value></com:KeyValue></str:CubeRegion>'
        b"</str:ContentConstraint></str:Constraints>"
    )
    data = fixtures.ECB_FULL.read_bytes()
    end = data.rindex(b"</mes:Structures>")
    return data[:end] + constraint + data[end:]


def test_a_constraint_sdmx1_cannot_read_whole_is_refused_by_the_loader(tmp_path: Path) -> None:
    # sdmx1 drops the regions of a constraint attached to a provision agreement: stored, it would allow everything.
    path = tmp_path / "pa-constraint.xml"
    path.write_bytes(_with_pa_constraint())
    result = read_structure_file(path)
    refused = dict(result.refused)
    assert (
        "ContentConstraint ECB:C_PA(1.0)" in refused
        and "allow more" in refused["ContentConstraint ECB:C_PA(1.0)"]
    )
    assert not any(a.id == "C_PA" for a in result.artefacts)
    assert any(a.id == "EXR" for a in result.artefacts)  # the rest of the file is read


def test_a_doctype_after_a_long_comment_is_refused_by_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "late-doctype.xml"
    path.write_bytes(
        b"<?xml version='1.0'?><!--" + b"x" * 10_000 + b"-->"
        b"<!DOCTYPE s [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><s>&e;</s>"
    )
    with pytest.raises(NotAStructureMessage, match="DOCTYPE"):
        read_structure_file(path)
