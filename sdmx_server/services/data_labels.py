"""Names of codes and components, for ``labels=both`` (SDMX-CSV) and readable outputs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sdmx_server.domain.model import DsdDetails
from sdmx_server.formats.data_context import DataContext
from sdmx_server.storage import structure_repo as repo


def add_labels(session: Session, ctx: DataContext) -> None:
    """Fill ``ctx.code_labels`` and ``ctx.component_names`` in the negotiated language."""
    info = ctx.info
    select = ctx.render.languages.select
    comps = list(info.dimensions) + list(info.attributes.values())
    by_codelist: dict[str, list[str]] = {}
    for comp in comps:
        if comp.codelist is not None:
            by_codelist.setdefault(str(comp.codelist), []).append(comp.id)
    for comp in comps:
        if comp.codelist is None or comp.id in ctx.code_labels:
            continue
        row = repo.get_row(session, comp.codelist)
        if row is None:
            continue
        names = {
            i.item_id: _first(select(i.names)) for i in repo.items_of(session, [row.pk])[row.pk]
        }
        for other in by_codelist[str(comp.codelist)]:
            ctx.code_labels[other] = names
    details = info.dsd.details
    assert isinstance(details, DsdDetails)
    all_comps = (
        details.dimensions
        + details.attributes
        + ([details.primary_measure] if details.primary_measure else [])
    )
    schemes: dict[str, dict[str, str]] = {}
    for component in all_comps:
        if component.concept is None:
            continue
        key = str(component.concept.scheme)
        if key not in schemes:
            scheme_row = repo.get_row(session, component.concept.scheme)
            schemes[key] = (
                {
                    i.item_id: _first(select(i.names))
                    for i in repo.items_of(session, [scheme_row.pk])[scheme_row.pk]
                }
                if scheme_row is not None
                else {}
            )
        name = schemes[key].get(component.concept.item_id)
        if name:
            ctx.component_names[component.id] = name


def _first(texts: dict[str, str]) -> str:
    return next(iter(texts.values()), "")
