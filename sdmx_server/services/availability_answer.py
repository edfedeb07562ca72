"""One call answers an availability query: it owns its read session from resolution to the entries,
and returns either "not modified" (``entries`` None) or the entries with their validators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sdmx_server.domain.errors import BadRequestError
from sdmx_server.domain.kinds import AvailabilityMode
from sdmx_server.formats.common import StructureEntry
from sdmx_server.services.auth import Principal, require_read
from sdmx_server.services.availability import AvailabilityService
from sdmx_server.services.data_query import DataQueryService, DataRequest

NotModifiedCheck = Callable[[str, datetime, Callable[[datetime], bool]], bool]


@dataclass
class AvailabilityAnswer:
    """Entries to write (None: not modified), validators and whether the answer is private."""

    entries: list[StructureEntry] | None
    etag: str
    last_modified: datetime
    private: bool


def answer_availability(
    query: DataQueryService,
    principal: Principal,
    req: DataRequest,
    mode: AvailabilityMode,
    component: str | None,
    references: tuple[str, ...],
    format_tag: str,
    not_modified: NotModifiedCheck,
) -> AvailabilityAnswer:
    """Resolve (v2 contexts and wildcards), authorise, validate, check the conditional request, compute
    (v1 and v2 availability queries: the routes only parse and write)."""
    with query.open() as session:
        req = query.concrete(session, req)
        _pk, info = query.resolve(session, req)
        # Availability reveals which data exist: it follows the dataflow's read rights.
        require_read(
            principal,
            info.dataflow.ref.triplet,
            info.dataflow_pk,
            info.is_public,
            info.provider_pks,
        )
        if (
            component is not None
            and component not in info.dimension_ids
            and component != info.time_dimension
        ):
            raise BadRequestError(f"{component} is not a dimension of {info.dsd.ref}")
        now = query.clock.now()
        etag, last_modified = query.validators(
            session,
            info,
            req,
            f"availability|{mode}|{','.join(references)}|{component}|{format_tag}",
            now,
        )
        if not_modified(
            etag, last_modified, lambda since: query.unchanged_within(session, info, since, now)
        ):
            return AvailabilityAnswer(None, etag, last_modified, not info.is_public)
        service = AvailabilityService(query)
        avail = service.compute(session, info, req, mode, component, now)
        entries: list[StructureEntry] = []
        seen: set[object] = set()
        for ref in references:
            # valuelist: the server stores no value lists, so it adds nothing to the constraint
            for entry in service.entries(
                session, info, avail, "none" if ref == "valuelist" else ref, mode, req, now
            ):
                key = entry.artefact.ref
                if key not in seen:
                    seen.add(key)
                    entries.append(entry)
    return AvailabilityAnswer(entries, etag, last_modified, not info.is_public)
