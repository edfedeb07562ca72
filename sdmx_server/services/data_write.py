"""The one validation-and-write path for data: CLI loads and producers' submissions.

``DataWriteService.submit`` reads a data message (any supported format),
validates every record, and either writes everything in one transaction or
nothing: a submission with any error is refused whole, with every error
listed. ``dry_run`` applies inside the transaction and rolls back, so the
counts it reports are exact.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, as_utc, next_change_time
from sdmx_server.domain.errors import NoResultsError, SemanticError
from sdmx_server.domain.kinds import UpperLevel
from sdmx_server.domain.model import (
    ArtefactType,
    DataflowDetails,
    MaintainableRef,
    ProvisionAgreementDetails,
)
from sdmx_server.readers._xml_common import DEFAULT_XML_LIMITS, XmlLimits
from sdmx_server.readers.base import (
    Action,
    ComponentRoles,
    DataReadError,
    DataRecord,
    MessageInfo,
    StructureRefHint,
)
from sdmx_server.readers.sdmx_csv import CSV_FORMATS, iter_csv_records, open_csv_rows, read_csv_info
from sdmx_server.readers.sdmx_ml import iter_ml_records, read_ml_info
from sdmx_server.readers.sniff import sniff_format
from sdmx_server.services.data_validation import ValidationError, Validator
from sdmx_server.services.dsd_info import DsdInfo, load_dsd_info, resolve_dataflow
from sdmx_server.services.mandatory_attributes import check_mandatory_upper
from sdmx_server.storage import data_write_repo as wr
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.sqltime import to_db
from sdmx_server.storage.staged import StagedObservation
from sdmx_server.storage.tables import DataBatch, DataflowState, StructureArtefact

log = logging.getLogger(__name__)


@dataclass
class SubmissionResult:
    """The outcome of one data submission."""

    dataflow: MaintainableRef | None
    format: str
    rows: int = 0
    errors: list[ValidationError] = field(default_factory=list)
    error_count: int = 0
    counts: wr.ApplyCounts = field(default_factory=wr.ApplyCounts)
    batch_pk: int | None = None
    release_at: datetime | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing was wrong."""
        return self.error_count == 0

    def as_dict(self) -> dict[str, object]:
        """JSON form of the report."""
        return {
            "dataflow": self.dataflow.triplet if self.dataflow else None,
            "format": self.format,
            "status": "valid" if self.ok else "invalid",
            "written": self.ok and not self.dry_run,
            "dryRun": self.dry_run,
            "rows": self.rows,
            "errorCount": self.error_count,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "deleted": self.counts.deleted,
            "unchanged": self.counts.unchanged,
            "releaseDate": self.release_at.isoformat() if self.release_at else None,
            "errors": [e.as_dict() for e in self.errors],
        }


def _read_info(fmt: str, stream: BinaryIO, limits: XmlLimits = DEFAULT_XML_LIMITS) -> MessageInfo:
    info = read_csv_info(stream) if fmt.startswith("sdmx-csv") else read_ml_info(stream, limits)
    stream.seek(0)
    return info


def _records(
    fmt: str, stream: BinaryIO, roles: ComponentRoles, limits: XmlLimits = DEFAULT_XML_LIMITS
) -> Iterator[DataRecord]:
    if fmt.startswith("sdmx-csv"):
        return iter_csv_records(stream, roles, fmt)
    return iter_ml_records(stream, roles, fmt, limits)


def roles_of(info: DsdInfo) -> ComponentRoles:
    """What the readers need to know of the DSD."""
    return ComponentRoles(
        dimensions=info.dimension_ids,
        time_dimension=info.time_dimension,
        primary_measure=info.primary_measure.id,
        attributes=frozenset(info.attributes),
        groups=dict(info.groups),
    )


def _triplet(agency: str | None, id_: str, version: str | None) -> str:
    return f"{agency or '*'}:{id_}({version or '*'})"


def check_structure_hint(
    session: Session, hint: StructureRefHint | None, row: StructureArtefact
) -> None:
    """Refuse a message whose own structure reference names another dataflow or data structure than
    the target: agency, id and version must all match where the message gives them (SDMX-CSV's
    DATAFLOW or STRUCTURE_ID cell, SDMX-ML's header ``Structure``)."""
    if hint is None or hint.kind not in ("dataflow", "datastructure"):
        return
    flow = MaintainableRef(
        type=ArtefactType.DATAFLOW, agency=row.agency_id, id=row.resource_id, version=row.version
    )
    if hint.kind == "dataflow":
        expected, what = flow, "dataflow"
    else:
        details = repo.row_to_artefact(row).details
        if not isinstance(
            details, DataflowDetails
        ):  # pragma: no cover - a dataflow row always has them
            return
        expected, what = details.structure, "data structure"
    differs = [
        name
        for name, given, wanted in (
            ("agency", hint.agency, expected.agency),
            ("id", hint.id, expected.id),
            ("version", hint.version, expected.version),
        )
        if given not in (None, "") and given != wanted
    ]
    if differs:
        target = f"dataflow {flow.agency}:{flow.id}({flow.version})"
        if what == "data structure":
            target += (
                f", whose data structure is {expected.agency}:{expected.id}({expected.version})"
            )
        raise SemanticError(
            f"The message is for {what} {_triplet(hint.agency, hint.id, hint.version)}, not for "
            f"{target} (the {' and '.join(differs)} differ)"
        )


def _lock_key(dataflow_pk: int) -> int:
    return int.from_bytes(
        hashlib.blake2b(f"data:{dataflow_pk}".encode(), digest_size=8).digest(), "big", signed=True
    )


def lock_dataflow(session: Session, dataflow_pk: int) -> None:
    """Serialise the writers of one dataflow's data, and structure changes that affect it, until the
    transaction ends (PostgreSQL advisory lock; SQLite writers are serialised by ``BEGIN IMMEDIATE``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(dataflow_pk)})


class DataWriteService:
    """Validates and writes data messages (owns the write transaction)."""

    def __init__(
        self,
        write_sessions: sessionmaker[Session],
        xml_limits: XmlLimits = DEFAULT_XML_LIMITS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._factory = write_sessions
        self._xml_limits = xml_limits
        self.clock = clock

    def resolve_target(
        self, session: Session, hint: StructureRefHint | None, dataflow: MaintainableRef | None
    ) -> StructureArtefact:
        """The dataflow to write into: given explicitly, or named by the message."""
        if dataflow is not None:
            row = resolve_dataflow(session, dataflow.agency, dataflow.id, dataflow.version)
            if hint is not None and hint.kind == "dataflow" and hint.id != row.resource_id:
                raise SemanticError(f"The message is for dataflow {hint.id}, not {row.resource_id}")
            check_structure_hint(session, hint, row)
            return row
        if hint is None:
            raise SemanticError(
                "The message does not say which dataflow it is for: give the dataflow"
            )
        if hint.kind == "dataflow":
            return resolve_dataflow(session, hint.agency, hint.id, hint.version)
        if hint.kind == "datastructure":
            pairs = repo.versions_by_id(session, ArtefactType.DATA_STRUCTURE, hint.agency, hint.id)
            dsd_rows = [
                repo.get_row(
                    session,
                    MaintainableRef(
                        type=ArtefactType.DATA_STRUCTURE, agency=a, id=hint.id, version=v
                    ),
                )
                for a, v in pairs
                if hint.version in (None, v)
            ]
            flows = {
                p
                for r in dsd_rows
                if r is not None
                for p in repo.references_to(session, [r.pk]).get(r.pk, set())
            }
            dataflows = [
                r for r in repo.rows_by_pk(session, flows) if r.type == ArtefactType.DATAFLOW.value
            ]
            if not any(r is not None for r in dsd_rows):
                named = f"{hint.agency or '*'}:{hint.id}({hint.version or 'any version'})"
                raise NoResultsError(
                    f"Data structure {named}, which the message names, is not found: load it "
                    "(and a dataflow that uses it), or give the dataflow"
                )
            if len(dataflows) != 1:
                raise SemanticError(
                    f"Data structure {hint.id} has {len(dataflows)} dataflows: give the dataflow"
                )
            return dataflows[0]
        raise SemanticError(
            f"Cannot tell the dataflow from a {hint.kind} reference: give the dataflow"
        )

    def submit(
        self,
        stream: BinaryIO,
        *,
        content_type: str | None = None,
        dataflow: MaintainableRef | None = None,
        provision_agreement: MaintainableRef | None = None,
        release_at: datetime | None = None,
        dry_run: bool = False,
        principal: str = "system",
        source: str = "",
        on_error: Callable[[ValidationError], None] | None = None,
        keep_errors: int | None = None,
        before_commit: Callable[[Session, SubmissionResult], None] | None = None,
    ) -> SubmissionResult:
        """Validate and (unless invalid or ``dry_run``) write one data message.

        Raises :class:`DataReadError` for unreadable input and SDMX errors for
        an unknown target; every validation problem goes into the result.
        ``before_commit`` runs in the writing transaction just before it
        commits (a job records its outcome there, so that data and outcome
        commit together); whatever it raises rolls everything back.
        """
        head = stream.read(4096)
        stream.seek(0)
        fmt = sniff_format(head, content_type)
        msg = _read_info(fmt, stream, self._xml_limits)
        result = SubmissionResult(dataflow=None, format=fmt, dry_run=dry_run)

        def collect(err: ValidationError) -> None:
            result.error_count += 1
            if keep_errors is None or len(result.errors) < keep_errors:
                result.errors.append(err)
            if on_error is not None:
                on_error(err)

        with self._factory() as session:
            session.begin()
            try:
                self._submit(
                    session,
                    stream,
                    fmt,
                    msg,
                    dataflow,
                    provision_agreement,
                    release_at,
                    principal,
                    source,
                    result,
                    collect,
                )
                if result.ok and not dry_run:
                    if before_commit is not None:
                        before_commit(session, result)
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise
        return result

    def activate_due_releases(self, dataflow_pk: int, n_dims: int) -> int:
        """Refresh statistics for embargoed releases whose time has come; returns how many.

        Queries see a release at its release time whatever happens here (they
        filter on the validity columns); this brings the series statistics and
        the availability summary in line. Idempotent: any worker may run it.
        """
        now = self.clock.now()
        with self._factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(dataflow_pk)}
                )
            due = list(
                session.execute(
                    text(
                        "SELECT pk FROM data_batch WHERE dataflow_pk = :df AND NOT activated AND release_at <= :now"
                        " ORDER BY release_at"
                    ),
                    {"df": dataflow_pk, "now": to_db(session, now)},
                ).scalars()
            )
            for batch_pk in due:
                wr.refresh_series_stats(session, int(batch_pk), now)
            if due:
                refresh_summary(session, dataflow_pk, n_dims, now)
                session.execute(
                    text(
                        "UPDATE data_batch SET activated = true WHERE pk IN ("
                        + ", ".join(str(int(p)) for p in due)
                        + ")"
                    )
                )
            return len(due)

    # ------------------------------------------------------------------ internals

    def _submit(
        self,
        session: Session,
        stream: BinaryIO,
        fmt: str,
        msg: MessageInfo,
        dataflow: MaintainableRef | None,
        pa_ref: MaintainableRef | None,
        release_at: datetime | None,
        principal: str,
        source: str,
        result: SubmissionResult,
        collect: Callable[[ValidationError], None],
    ) -> None:
        pa_row = None
        if pa_ref is not None:
            pa_row = repo.get_row(session, pa_ref)
            if pa_row is None:
                raise NoResultsError(f"Provision agreement {pa_ref} not found")
            pa = repo.row_to_artefact(pa_row)
            assert isinstance(pa.details, ProvisionAgreementDetails)
            dataflow = pa.details.dataflow
        df_row = self.resolve_target(session, msg.structure, dataflow)
        # Lock first, then compile: a structure change committed meanwhile is seen (READ COMMITTED).
        lock_dataflow(session, df_row.pk)
        fresh = session.get(StructureArtefact, df_row.pk, populate_existing=True)
        if fresh is None:
            raise NoResultsError(
                f"Dataflow {df_row.agency_id}:{df_row.resource_id}({df_row.version}) not found"
            )
        df_row = fresh
        info = load_dsd_info(session, df_row, pa_row)
        result.dataflow = info.dataflow.ref
        validator = Validator(info, collect)
        stager = wr.ObservationStager(session)
        wildcards = self._validate(stream, fmt, info, validator, stager)
        stager.finish()
        result.rows = validator.rows
        for loc, key, period in stager.duplicates():
            collect(
                ValidationError(
                    loc,
                    info.time_dimension or "TIME_PERIOD",
                    period,
                    f"observation {key} {period} is given more than once",
                )
            )
        if result.ok and not (
            validator.rows
            or wildcards
            or validator.dataset_attrs
            or validator.group_attrs
            or validator.series_attrs
        ):
            # An empty message is a mistake (a header only, an empty data set), not a write of nothing.
            collect(
                ValidationError(
                    "line 1",
                    "",
                    "",
                    "the message holds no data: no observation, deletion or attribute value",
                )
            )
        # The checks against the store run whatever the rows' errors, so that one report lists every
        # error (on the valid staged rows; wildcard deletions are expanded only for a valid message).
        check_mandatory_upper(session, info, validator, collect)
        if not result.ok:
            provider_pk = _provider_pk(session, pa_row)
            if provider_pk is not None and len(info.provider_pks) > 1:
                self._check_cell_owners(session, info, provider_pk, collect)
            stager.drop()
            return
        now = self.clock.now()
        # A release date already past publishes now: a version never becomes visible before it was
        # written, so asOf answers and Last-Modified never change retroactively.
        release = max(as_utc(release_at), now) if release_at is not None else now
        result.release_at = release
        self._apply(
            session,
            info,
            validator,
            stager,
            wildcards,
            release,
            now,
            principal,
            source,
            pa_row,
            result,
            collect,
        )
        stager.drop()

    def _validate(
        self,
        stream: BinaryIO,
        fmt: str,
        info: DsdInfo,
        validator: Validator,
        stager: wr.ObservationStager,
    ) -> list[StagedObservation]:
        wildcards: list[StagedObservation] = []
        pending_series: DataRecord | None = None
        inherited: dict[
            str, str
        ] = {}  # attributes of a cross-sectional "series" for its observations
        row = 0
        if (
            fmt in CSV_FORMATS
        ):  # one observation per row: the validator's SDMX-CSV loop, with its fast lane
            try:
                validator.csv_observations(
                    open_csv_rows(stream, roles_of(info), fmt), stager.add_batch, wildcards
                )
            except DataReadError as exc:
                validator.error(exc.location, "", "", exc.message)
            return wildcards
        try:
            for rec in _records(fmt, stream, roles_of(info), self._xml_limits):
                row += 1
                if rec.kind == "obs":
                    if pending_series is not None and pending_series.key == rec.key:
                        pending_series = None
                    if inherited:
                        rec.attrs = {**inherited, **rec.attrs}
                    staged = validator.observation(rec, row)
                    if staged is None:
                        continue
                    if isinstance(staged, StagedObservation):
                        wildcards.append(staged)
                    else:
                        stager.add(staged)
                    continue
                if pending_series is not None:
                    wildcards.append(_whole_series_delete(pending_series, row))
                    pending_series = None
                inherited = {}
                if (
                    rec.kind == "series"
                    and ("" in rec.key or rec.period)
                    and rec.action is not Action.DELETE
                ):
                    # A cross-sectional series: a partial key; its attributes belong to its observations.
                    inherited = dict(rec.attrs)
                    continue
                validator.upper_record(rec)
                if rec.kind == "series" and rec.action is Action.DELETE and not rec.attrs:
                    pending_series = rec
            if pending_series is not None:
                wildcards.append(_whole_series_delete(pending_series, row + 1))
        except DataReadError as exc:
            validator.error(exc.location, "", "", exc.message)
        return wildcards

    def _apply(
        self,
        session: Session,
        info: DsdInfo,
        validator: Validator,
        stager: wr.ObservationStager,
        wildcards: list[StagedObservation],
        release: datetime,
        now: datetime,
        principal: str,
        source: str,
        pa_row: StructureArtefact | None,
        result: SubmissionResult,
        collect: Callable[[ValidationError], None],
    ) -> None:
        df_pk = info.dataflow_pk
        provider_pk = _provider_pk(session, pa_row)
        batch = DataBatch(
            dataflow_pk=df_pk,
            provider_pk=provider_pk,
            written_at=now,
            release_at=release,
            activated=release <= now,
            principal=principal,
            source=source[:1024],
        )
        session.add(batch)
        session.flush()
        result.batch_pk = batch.pk
        if wildcards:
            wr.expand_wildcard_deletes(session, df_pk, wildcards, release)
        shared = provider_pk is not None and len(info.provider_pks) > 1
        if shared and provider_pk is not None:
            # Producers sharing a dataflow: each changes only the cells it reported (or new ones).
            self._check_cell_owners(session, info, provider_pk, collect)
            if result.error_count:
                return
        if (
            wildcards
            or session.execute(text("SELECT 1 FROM stage_obs WHERE action = 'D' LIMIT 1")).first()
        ):
            wr.resolve_action_order(session)
        n_dims = len(info.dimensions)
        first_load = (
            session.execute(
                text("SELECT 1 FROM data_batch WHERE dataflow_pk = :df AND pk <> :b LIMIT 1"),
                {"df": df_pk, "b": batch.pk},
            ).first()
            is None
            and not wildcards
        )
        # Everything below is undone if it changes nothing: an embargoed batch restates every cell
        # (change N) and closes the versions it restates, so deleting such a batch afterwards would take
        # the closed versions' successors with it (ON DELETE CASCADE) and lose the data at the release.
        writes = session.begin_nested()
        wr.insert_new_series(session, df_pk, n_dims)
        wr.analyze_if_large(session, stager.count, observations=False)
        later = (
            session.execute(
                text(
                    "SELECT 1 FROM data_batch WHERE dataflow_pk = :df AND release_at > :r LIMIT 1"
                ),
                {"df": df_pk, "r": to_db(session, release)},
            ).first()
            is not None
        )
        result.counts = wr.apply_observations(
            session,
            df_pk,
            batch.pk,
            release,
            later,
            first_load=first_load and release <= now,
            restate=release > now,
        )
        upper = list(_upper_rows(validator))
        if upper:
            wr.stage_attributes(session, upper)
            if shared and provider_pk is not None:
                self._check_attribute_owners(session, df_pk, provider_pk, validator, collect)
                if result.error_count:
                    return
            wr.insert_attribute_series(session, df_pk, n_dims)
            attribute_changes = wr.apply_attributes(session, df_pk, batch.pk, release, later)
        else:
            attribute_changes = 0
        c = result.counts
        if not (c.inserted or c.updated or c.deleted or attribute_changes):
            # Nothing changed (every value as stored), embargoed or not: nothing is written, no batch, so
            # validators (ETag, Last-Modified) and updatedAfter do not move for a re-sent file, and a
            # re-send can never remove data (ADR 0011).
            writes.rollback()
            session.delete(batch)
            session.flush()
            result.batch_pk = None
            return
        writes.commit()
        batch.inserted, batch.updated, batch.deleted = (
            result.counts.inserted,
            result.counts.updated,
            result.counts.deleted,
        )
        wr.analyze_if_large(session, stager.count)
        if release <= now:
            wr.refresh_series_stats(session, batch.pk, now, incremental=not result.counts.deleted)
            refresh_summary(session, df_pk, n_dims, now)
        session.flush()

    @staticmethod
    def _check_cell_owners(
        session: Session,
        info: DsdInfo,
        provider_pk: int,
        collect: Callable[[ValidationError], None],
    ) -> None:
        """Staged cells whose latest version another producer of a shared dataflow wrote."""
        for loc, key, period, other in wr.cells_of_other_providers(
            session, info.dataflow_pk, provider_pk
        ):
            collect(
                ValidationError(
                    loc,
                    info.time_dimension or "TIME_PERIOD",
                    period,
                    f"observation {key} {period} was reported by {other}: only {other} "
                    "may change or delete it",
                )
            )

    @staticmethod
    def _check_attribute_owners(
        session: Session,
        df_pk: int,
        provider_pk: int,
        validator: Validator,
        collect: Callable[[ValidationError], None],
    ) -> None:
        """Attribute values above the observation level belong, like cells, to the producer that
        reported their latest version: another may repeat them, not change them."""
        for level, target, key, other in wr.attributes_of_other_providers(
            session, df_pk, provider_pk
        ):
            if level == "series":
                loc, what = validator.series_attrs[key][1], f"series {key}"
            elif level == "group":
                loc, what = validator.group_attrs[target][1], f"group {target}"
            else:
                loc, what = "data set", "the data set"
            collect(
                ValidationError(
                    loc,
                    "",
                    "",
                    f"the attributes of {what} were reported by {other}: only {other} "
                    "may change them",
                )
            )


def _provider_pk(session: Session, pa_row: StructureArtefact | None) -> int | None:
    """The data provider (item pk) of a provision agreement, if any."""
    if pa_row is None:
        return None
    pa = repo.row_to_artefact(pa_row)
    assert isinstance(pa.details, ProvisionAgreementDetails)
    prov = pa.details.data_provider
    scheme = repo.get_row(session, prov.scheme)
    return repo.item_pks(session, scheme.pk, [prov.item_id]).get(prov.item_id) if scheme else None


def _whole_series_delete(rec: DataRecord, row: int) -> StagedObservation:
    return StagedObservation(
        row=row,
        action=Action.DELETE,
        series_key=".".join(rec.key),
        key=rec.key,
        period="",
        period_start="",
        period_end="",
        value=None,
        attrs=None,
        location=rec.location,
    )


def _upper_rows(
    validator: Validator,
) -> Iterator[tuple[UpperLevel, str, str, tuple[str, ...], str, str]]:
    action = "A"
    if validator.dataset_attrs:
        yield "dataset", "", "", (), orjson.dumps(validator.dataset_attrs).decode(), action
    for key, (attrs, _loc) in validator.group_attrs.items():
        yield "group", key, "", (), orjson.dumps(attrs).decode(), action
    for key, (attrs, _loc) in validator.series_attrs.items():
        yield "series", "", key, tuple(key.split(".")), orjson.dumps(attrs).decode(), action


def refresh_summary(session: Session, dataflow_pk: int, n_dims: int, now: datetime) -> None:
    """Recompute the dataflow's availability summary (published state at ``now``)."""
    summary = wr.dataflow_summary(session, dataflow_pk, n_dims)
    state = session.get(DataflowState, dataflow_pk, with_for_update=True)
    if state is None:
        session.add(DataflowState(dataflow_pk=dataflow_pk, summary=summary, as_of=now))
    else:
        state.summary = summary
        state.as_of = next_change_time(None, now)
