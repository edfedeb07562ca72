"""SQL for structural metadata: artefacts, items, references and cache state.

Repositories take a :class:`~sqlalchemy.orm.Session` owned by a service and
return model objects; they never commit and know nothing of HTTP.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from sdmx_server.domain.clock import as_utc, next_change_time, utcnow
from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    Item,
    MaintainableRef,
)
from sdmx_server.storage import state_signal
from sdmx_server.storage.tables import (
    StructureArtefact,
    StructureItem,
    StructureReference,
    StructureState,
)

# ---------------------------------------------------------------- conversions


def _annotations_json(annotations: Sequence[Annotation]) -> list[dict[str, Any]]:
    return [
        a.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for a in annotations
    ]


def item_to_row(item: Item, position: int) -> dict[str, Any]:
    """Column values for one item."""
    details = item.model_dump(
        mode="json",
        exclude_none=True,
        exclude_defaults=True,
        include={"core_representation", "contacts", "uri"},
    )
    return {
        "item_id": item.id,
        "parent_id": item.parent,
        "position": position,
        "names": dict(item.names),
        "descriptions": dict(item.descriptions),
        "annotations": _annotations_json(item.annotations),
        "details": details or None,
    }


def row_to_item(row: Any) -> Item:
    """An :class:`Item` from a ``structure_item`` row (ORM object or Row)."""
    data: dict[str, Any] = {
        "id": row.item_id,
        "parent": row.parent_id,
        "names": row.names or {},
        "descriptions": row.descriptions or {},
        "annotations": row.annotations or [],
    }
    if row.details:
        data.update(row.details)
    return Item.model_validate(data)


def artefact_columns(artefact: Artefact) -> dict[str, Any]:
    """Column values of the artefact row (everything but items and references)."""
    links = {
        k: v
        for k, v in (
            ("uri", artefact.uri),
            ("serviceURL", artefact.service_url),
            ("structureURL", artefact.structure_url),
        )
        if v
    }
    return {
        "type": artefact.type.value,
        "agency_id": artefact.agency,
        "resource_id": artefact.id,
        "version": artefact.version,
        "is_final": artefact.is_final,
        "is_external_reference": artefact.is_external_reference,
        "valid_from": artefact.valid_from,
        "valid_to": artefact.valid_to,
        "names": dict(artefact.names),
        "descriptions": dict(artefact.descriptions),
        "annotations": _annotations_json(artefact.annotations),
        "details": artefact.details.model_dump(mode="json", exclude_none=True)
        if artefact.details
        else None,
        "links": links,
        "item_count": len(artefact.items),
    }


def row_to_artefact(row: StructureArtefact, items: Iterable[Any] = ()) -> Artefact:
    """An :class:`Artefact` from its row and item rows."""
    links = row.links or {}
    return Artefact.model_validate(
        {
            "type": row.type,
            "agency": row.agency_id,
            "id": row.resource_id,
            "version": row.version,
            "is_final": row.is_final,
            "is_external_reference": row.is_external_reference,
            "valid_from": as_utc(row.valid_from) if row.valid_from else None,
            "valid_to": as_utc(row.valid_to) if row.valid_to else None,
            "uri": links.get("uri"),
            "service_url": links.get("serviceURL"),
            "structure_url": links.get("structureURL"),
            "names": row.names or {},
            "descriptions": row.descriptions or {},
            "annotations": row.annotations or [],
            "details": row.details,
            "items": [row_to_item(i) for i in items],
        }
    )


def ref_of_row(row: StructureArtefact) -> MaintainableRef:
    """The reference of an artefact row."""
    return MaintainableRef(
        type=ArtefactType(row.type), agency=row.agency_id, id=row.resource_id, version=row.version
    )


# ---------------------------------------------------------------- queries


def get_row(session: Session, ref: MaintainableRef) -> StructureArtefact | None:
    """The row of exactly this artefact, if stored."""
    return session.execute(
        select(StructureArtefact).where(
            StructureArtefact.type == ref.type.value,
            StructureArtefact.agency_id == ref.agency,
            StructureArtefact.resource_id == ref.id,
            StructureArtefact.version == ref.version,
        )
    ).scalar_one_or_none()


def find_rows(
    session: Session,
    types: Sequence[ArtefactType],
    agencies: Sequence[str] | None,
    ids: Sequence[str] | None,
    versions: Sequence[str] | None,
) -> list[StructureArtefact]:
    """Rows matching the filters (None = any), ordered by type, agency, id, version."""
    stmt = select(StructureArtefact).where(StructureArtefact.type.in_([t.value for t in types]))
    if agencies is not None:
        stmt = stmt.where(StructureArtefact.agency_id.in_(list(agencies)))
    if ids is not None:
        stmt = stmt.where(StructureArtefact.resource_id.in_(list(ids)))
    if versions is not None:
        stmt = stmt.where(StructureArtefact.version.in_(list(versions)))
    stmt = stmt.order_by(
        StructureArtefact.type,
        StructureArtefact.agency_id,
        StructureArtefact.resource_id,
        StructureArtefact.version,
    )
    return list(session.execute(stmt).scalars())


def rows_by_pk(session: Session, pks: Iterable[int]) -> list[StructureArtefact]:
    """Rows for these primary keys."""
    pks = list(set(pks))
    if not pks:
        return []
    return list(
        session.execute(select(StructureArtefact).where(StructureArtefact.pk.in_(pks))).scalars()
    )


def items_of(
    session: Session, artefact_pks: Sequence[int], item_ids: Sequence[str] | None = None
) -> dict[int, list[StructureItem]]:
    """Items of the given artefacts in stored order (optionally only some ids)."""
    result: dict[int, list[StructureItem]] = defaultdict(list)
    if not artefact_pks:
        return result
    stmt = select(StructureItem).where(StructureItem.artefact_pk.in_(list(artefact_pks)))
    if item_ids is not None:
        stmt = stmt.where(StructureItem.item_id.in_(list(item_ids)))
    for item in session.execute(
        stmt.order_by(StructureItem.artefact_pk, StructureItem.position)
    ).scalars():
        result[item.artefact_pk].append(item)
    return result


def items_by_pk(session: Session, item_pks: Iterable[int]) -> list[tuple[int, str]]:
    """(scheme pk, item id) of these item primary keys."""
    pks = list(set(item_pks))
    if not pks:
        return []
    stmt = select(StructureItem.artefact_pk, StructureItem.item_id).where(StructureItem.pk.in_(pks))
    return [(int(a), str(i)) for a, i in session.execute(stmt)]


def item_ids(session: Session, artefact_pk: int) -> list[str]:
    """Ids of the items of one scheme (cheap: no ORM objects)."""
    return list(
        session.execute(
            select(StructureItem.item_id).where(StructureItem.artefact_pk == artefact_pk)
        ).scalars()
    )


def load_artefacts(session: Session, rows: Sequence[StructureArtefact]) -> list[Artefact]:
    """Full artefacts (with items) for these rows, in the same order."""
    schemes = [r.pk for r in rows if ArtefactType(r.type).is_item_scheme]
    items = items_of(session, schemes)
    return [row_to_artefact(r, items.get(r.pk, ())) for r in rows]


def references_from(session: Session, pks: Iterable[int]) -> dict[int, set[int]]:
    """Artefacts referenced by each of ``pks`` (their children)."""
    out: dict[int, set[int]] = defaultdict(set)
    pks = list(pks)
    if not pks:
        return out
    for src, tgt in session.execute(
        select(StructureReference.source_pk, StructureReference.target_pk).where(
            StructureReference.source_pk.in_(pks)
        )
    ):
        if src != tgt:
            out[src].add(tgt)
    return out


def references_to(session: Session, pks: Iterable[int]) -> dict[int, set[int]]:
    """Artefacts that reference each of ``pks`` (their parents)."""
    out: dict[int, set[int]] = defaultdict(set)
    pks = list(pks)
    if not pks:
        return out
    for src, tgt in session.execute(
        select(StructureReference.source_pk, StructureReference.target_pk).where(
            StructureReference.target_pk.in_(pks)
        )
    ):
        if src != tgt:
            out[tgt].add(src)
    return out


def referenced_item_ids(session: Session, source_pks: Sequence[int], target_pk: int) -> set[str]:
    """Ids of the items of ``target_pk`` referenced by ``source_pks``."""
    stmt = (
        select(StructureItem.item_id)
        .join(StructureReference, StructureReference.target_item_pk == StructureItem.pk)
        .where(
            StructureReference.source_pk.in_(list(source_pks)),
            StructureReference.target_pk == target_pk,
        )
    )
    return set(session.execute(stmt).scalars())


def item_references_to(session: Session, target_pks: Iterable[int]) -> dict[int, set[str]]:
    """Item-level references into ``target_pks``: source pk -> ids of the items it references there."""
    out: dict[int, set[str]] = defaultdict(set)
    target_pks = list(target_pks)
    if not target_pks:
        return out
    stmt = (
        select(StructureReference.source_pk, StructureItem.item_id)
        .join(StructureItem, StructureReference.target_item_pk == StructureItem.pk)
        .where(StructureReference.target_pk.in_(target_pks))
    )
    for src, item_id in session.execute(stmt):
        out[src].add(item_id)
    return out


def item_pks(session: Session, artefact_pk: int, item_ids: Iterable[str]) -> dict[str, int]:
    """Primary keys of items by id within one scheme."""
    ids = list(set(item_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(StructureItem.item_id, StructureItem.pk).where(
            StructureItem.artefact_pk == artefact_pk, StructureItem.item_id.in_(ids)
        )
    )
    return dict(rows.tuples().all())


def item_referencers(
    session: Session, artefact_pk: int, item_ids: Iterable[str]
) -> dict[str, list[int]]:
    """For items about to be removed: which artefacts still reference each."""
    ids = list(item_ids)
    out: dict[str, list[int]] = defaultdict(list)
    if not ids:
        return out
    stmt = (
        select(StructureItem.item_id, StructureReference.source_pk)
        .join(StructureReference, StructureReference.target_item_pk == StructureItem.pk)
        .where(
            StructureItem.artefact_pk == artefact_pk,
            StructureItem.item_id.in_(ids),
            StructureReference.source_pk != artefact_pk,
        )
    )
    for item_id, src in session.execute(stmt):
        out[item_id].append(src)
    return out


# ---------------------------------------------------------------- writes


def insert_artefact(session: Session, artefact: Artefact, now: datetime | None = None) -> int:
    """Insert the artefact row and its items; returns the new primary key."""
    now = now or utcnow()
    values = artefact_columns(artefact) | {"created_at": now, "updated_at": now}
    pk = session.execute(
        insert(StructureArtefact).values(**values).returning(StructureArtefact.pk)
    ).scalar_one()
    if artefact.items:
        session.execute(
            insert(StructureItem),
            [item_to_row(item, n) | {"artefact_pk": pk} for n, item in enumerate(artefact.items)],
        )
    return pk


def update_artefact_row(
    session: Session, pk: int, artefact: Artefact, now: datetime | None = None
) -> None:
    """Overwrite the artefact's own columns (not its items)."""
    values = artefact_columns(artefact) | {"updated_at": now or utcnow()}
    session.execute(update(StructureArtefact).where(StructureArtefact.pk == pk).values(**values))


def sync_items(session: Session, pk: int, items: Sequence[Item]) -> None:
    """Make the stored items of ``pk`` equal ``items``: update, insert and delete by id.

    Items are updated in place (never deleted and re-inserted) so that
    references to them stay valid; removing a referenced item fails on the
    foreign key, which the caller reports.
    """
    existing = {
        r.item_id: r
        for r in session.execute(
            select(StructureItem).where(StructureItem.artefact_pk == pk)
        ).scalars()
    }
    wanted = {item.id for item in items}
    removed = [r.pk for item_id, r in existing.items() if item_id not in wanted]
    if removed:
        session.execute(delete(StructureItem).where(StructureItem.pk.in_(removed)))
    new_rows = []
    for n, item in enumerate(items):
        values = item_to_row(item, n)
        row = existing.get(item.id)
        if row is None:
            new_rows.append(values | {"artefact_pk": pk})
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
    if new_rows:
        session.execute(insert(StructureItem), new_rows)
    session.flush()


def replace_references(
    session: Session, source_pk: int, refs: Sequence[tuple[str, int, int | None]]
) -> None:
    """Store exactly these (role, target pk, target item pk) references of ``source_pk``."""
    session.execute(delete(StructureReference).where(StructureReference.source_pk == source_pk))
    if refs:
        session.execute(
            insert(StructureReference),
            [
                {"source_pk": source_pk, "role": role, "target_pk": t, "target_item_pk": ti}
                for role, t, ti in refs
            ],
        )


def delete_artefact(session: Session, pk: int) -> None:
    """Delete an artefact (its items and outgoing references cascade)."""
    session.execute(delete(StructureReference).where(StructureReference.source_pk == pk))
    session.execute(delete(StructureItem).where(StructureItem.artefact_pk == pk))
    session.execute(delete(StructureArtefact).where(StructureArtefact.pk == pk))


def latest_versions(
    session: Session, type_: ArtefactType, agency: str, resource_id: str
) -> list[str]:
    """Stored versions of one artefact."""
    return list(
        session.execute(
            select(StructureArtefact.version).where(
                StructureArtefact.type == type_.value,
                StructureArtefact.agency_id == agency,
                StructureArtefact.resource_id == resource_id,
            )
        ).scalars()
    )


def versions_by_id(
    session: Session, type_: ArtefactType, agency: str | None, resource_id: str
) -> list[tuple[str, str]]:
    """(agency, version) pairs stored for an id (any agency when ``agency`` is None)."""
    stmt = select(StructureArtefact.agency_id, StructureArtefact.version).where(
        StructureArtefact.type == type_.value, StructureArtefact.resource_id == resource_id
    )
    if agency is not None:
        stmt = stmt.where(StructureArtefact.agency_id == agency)
    return [(a, v) for a, v in session.execute(stmt)]


# ---------------------------------------------------------------- cache state


def read_state(session: Session) -> dict[str, tuple[int, datetime]]:
    """Generation and change time of every artefact type."""
    return {
        t: (g, as_utc(c))
        for t, g, c in session.execute(
            select(StructureState.type, StructureState.generation, StructureState.changed_at)
        )
    }


def bump_state(session: Session, types: Iterable[ArtefactType]) -> None:
    """Record that artefacts of these types changed (in the caller's transaction)."""
    now = utcnow()
    for type_ in sorted({t.value for t in types}):
        row = session.get(StructureState, type_, with_for_update=True)
        if row is None:
            session.add(StructureState(type=type_, generation=1, changed_at=now))
        else:
            row.generation = row.generation + 1
            row.changed_at = next_change_time(row.changed_at, now)
    session.flush()
    state_signal.announce(session)


def count_artefacts(session: Session) -> dict[str, int]:
    """Number of stored artefacts by type."""
    stmt = select(StructureArtefact.type, func.count()).group_by(StructureArtefact.type)
    return dict(session.execute(stmt).tuples().all())


def exists_any(session: Session) -> bool:
    """True when at least one artefact is stored."""
    return session.execute(select(StructureArtefact.pk).limit(1)).first() is not None


def match_refs(
    session: Session, refs: Iterable[MaintainableRef]
) -> dict[MaintainableRef, StructureArtefact]:
    """Stored rows for many references at once."""
    refs = list(set(refs))
    out: dict[MaintainableRef, StructureArtefact] = {}
    for start in range(0, len(refs), 200):
        chunk = refs[start : start + 200]
        cond = or_(
            *[
                and_(
                    StructureArtefact.type == r.type.value,
                    StructureArtefact.agency_id == r.agency,
                    StructureArtefact.resource_id == r.id,
                    StructureArtefact.version == r.version,
                )
                for r in chunk
            ]
        )
        for row in session.execute(select(StructureArtefact).where(cond)).scalars():
            out[ref_of_row(row)] = row
    return out
