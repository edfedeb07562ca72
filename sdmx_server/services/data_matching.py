"""Which dataflows a v2 data query names (SDMX REST 2.x ``/data/{context}/{agency}/{id}/{version}``).

Agency, id and version may be ``*`` or ``,`` lists, the version a wildcard term (``+``, ``~``, ``1.*``
...; ``*`` and an omitted version are all versions, as ``doc/data.md`` defaults them). The context says
what they name: dataflows, data structures (every dataflow using one) or provision agreements (their
dataflow, restricted to their data provider: one data set per agreement, as ``doc/data.md`` asks);
``*`` is the union of the three, each observation once (a dataflow matched as a whole leaves out the
agreements of that dataflow).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.domain.model import ArtefactType, ProvisionAgreementDetails
from sdmx_server.domain.versions import parse_v2, version_key
from sdmx_server.services.data_query import DataRequest
from sdmx_server.storage import structure_repo as repo

_TYPES = {
    "dataflow": ArtefactType.DATAFLOW,
    "datastructure": ArtefactType.DATA_STRUCTURE,
    "provisionagreement": ArtefactType.PROVISION_AGREEMENT,
}
Provider = tuple[str | None, str]


def names_patterns(req: DataRequest) -> bool:
    """True for a v2 data request that may name several dataflows (anything but one dataflow named by
    its agency, id and exact version)."""
    if not req.patterns:
        return False
    version = req.version
    exact = version is not None and not any(c in version for c in ",*+~")
    return (
        req.context != "dataflow"
        or req.agency is None
        or "," in req.agency
        or req.resource_id == "*"
        or "," in req.resource_id
        or not exact
    )


def match_dataflows(session: Session, req: DataRequest) -> list[DataRequest]:
    """One request per matching dataflow (or per provision agreement), each naming exactly one dataflow
    (and, for an agreement, its data provider), ordered by agency, id, version and provider. 404 when
    nothing matches."""
    agencies = req.agency.split(",") if req.agency else None
    ids = None if req.resource_id == "*" else req.resource_id.split(",")
    try:
        selector = parse_v2("*" if req.version is None else req.version)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None
    contexts = list(_TYPES) if req.context == "*" else [req.context]
    whole: dict[int, Any] = {}  # dataflow pk -> row: all its providers
    agreements: dict[tuple[int, Provider], Any] = {}  # (dataflow pk, provider) -> dataflow row
    for context in contexts:
        # external-reference stubs hold no structure to answer data with
        rows = [
            r
            for r in repo.find_rows(session, [_TYPES[context]], agencies, ids, None)
            if not r.is_external_reference
        ]
        by_name: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            by_name.setdefault((row.agency_id, row.resource_id), []).append(row)
        for group in by_name.values():
            versions = set(selector.select([r.version for r in group]))
            for row in (r for r in group if r.version in versions):
                if context == "dataflow":
                    whole[row.pk] = row
                elif context == "datastructure":
                    users = repo.references_to(session, [row.pk]).get(row.pk, set())
                    for flow in repo.rows_by_pk(session, users):
                        if (
                            flow.type == ArtefactType.DATAFLOW.value
                            and not flow.is_external_reference
                        ):
                            whole[flow.pk] = flow
                else:
                    art = repo.row_to_artefact(row)
                    assert isinstance(art.details, ProvisionAgreementDetails)
                    target = repo.get_row(session, art.details.dataflow)
                    prov = art.details.data_provider
                    if target is not None:
                        agreements[(target.pk, (prov.scheme.agency, prov.item_id))] = target
    found: list[tuple[Any, tuple[Provider, ...] | None]] = [
        (row, req.providers) for row in whole.values()
    ]
    found += [(flow, (provider,)) for (pk, provider), flow in agreements.items() if pk not in whole]
    if not found:
        raise NoResultsError(
            f"No {req.context if req.context != '*' else 'dataflow'} matches "
            f"{req.agency or '*'}/{req.resource_id}/{req.version or '*'}"
        )
    found.sort(
        key=lambda f: (
            f[0].agency_id,
            f[0].resource_id,
            version_key(f[0].version),
            tuple(p for _, p in f[1] or ()),
        )
    )
    return [
        replace(
            req,
            context="dataflow",
            agency=row.agency_id,
            resource_id=row.resource_id,
            version=row.version,
            providers=providers,
            patterns=False,
        )
        for row, providers in found
    ]
