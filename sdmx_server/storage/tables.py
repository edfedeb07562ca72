"""SQLAlchemy 2 table models (structures and data), on SQLite and PostgreSQL alike.

Structures: one generic artefact table, one item table (codes, concepts,
categories, organisations) and one reference table holding every reference
between artefacts as real foreign keys (``ON DELETE RESTRICT`` on the
target), so that no dangling reference can be stored. Type-specific parts
(DSD components, constraint regions, ...) are JSON documents in
``details``; every reference they contain is mirrored in
``structure_reference`` by the one function that writes both.

Data: see ADR 0003 (generic series/observation tables with history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")

MAX_KEY_DIMENSIONS = 20
"""Series keys are stored in this many dimension columns (see ADR 0003)."""


class Base(DeclarativeBase):
    """Declarative base with explicit constraint names (stable migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StructureArtefact(Base):
    """A maintainable artefact (codelist, DSD, dataflow, ...)."""

    __tablename__ = "structure_artefact"
    __table_args__ = (
        UniqueConstraint(
            "type", "agency_id", "resource_id", "version", name="uq_structure_artefact_identity"
        ),
        Index("ix_structure_artefact_type_resource", "type", "resource_id"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    agency_id: Mapped[str] = mapped_column(String(255), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    is_final: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_external_reference: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    names: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    annotations: Mapped[list[Any]] = mapped_column(JsonType, nullable=False, default=list)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    links: Mapped[dict[str, str]] = mapped_column(
        JsonType, nullable=False, default=dict
    )  # uri, serviceURL, structureURL
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Data access: a non-public dataflow is readable only with a token that grants it.
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The rights of whoever last wrote it: "*" (an administrator, the command line) or a maintainer's
    # agency; NULL when unknown (written before 0004). Decides what the artefact grants (ADR 0011).
    authority: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class StructureItem(Base):
    """An item of an item scheme (code, concept, category, agency, data provider, ...)."""

    __tablename__ = "structure_item"
    __table_args__ = (
        UniqueConstraint("artefact_pk", "item_id", name="uq_structure_item_identity"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    artefact_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[str] = mapped_column(
        String(512), nullable=False
    )  # nested categories: dotted path
    parent_id: Mapped[str | None] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    names: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    annotations: Mapped[list[Any]] = mapped_column(JsonType, nullable=False, default=list)
    details: Mapped[dict[str, Any] | None] = mapped_column(
        JsonType
    )  # core representation, contacts, uri


class StructureReference(Base):
    """A reference from one artefact to another artefact or to one of its items."""

    __tablename__ = "structure_reference"
    __table_args__ = (
        Index("ix_structure_reference_source", "source_pk"),
        Index("ix_structure_reference_target", "target_pk"),
        Index("ix_structure_reference_target_item", "target_item_pk"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(512), nullable=False)
    target_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="RESTRICT"), nullable=False
    )
    target_item_pk: Mapped[int | None] = mapped_column(
        ForeignKey("structure_item.pk", ondelete="RESTRICT")
    )


class StructureState(Base):
    """One row per artefact type: a generation bumped by every write, for caching.

    ETags and Last-Modified of structure responses derive from these rows, so
    every worker sees a change as soon as the writing transaction commits.
    """

    __tablename__ = "structure_state"

    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SchemaInfo(Base):
    """Free-form facts about the database (e.g. when the shipped content was loaded)."""

    __tablename__ = "schema_info"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


# --------------------------------------------------------------------------- data
# Generic tables for every DSD (ADR 0003). An observation *version* is one row of
# data_observation: valid_from is when it was (or will be) published, valid_to
# when a later publication superseded it (NULL: not superseded); the batch
# records when it was written and by whom.


def _key_columns() -> dict[str, Mapped[str | None]]:
    return {f"k{n}": mapped_column(String(255)) for n in range(1, MAX_KEY_DIMENSIONS + 1)}


class DataBatch(Base):
    """One write (a load or a producer's submission) into one dataflow."""

    __tablename__ = "data_batch"
    __table_args__ = (Index("ix_data_batch_dataflow_release", "dataflow_pk", "release_at"),)

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    dataflow_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="RESTRICT"), nullable=False
    )
    provider_pk: Mapped[int | None] = mapped_column(
        ForeignKey("structure_item.pk", ondelete="RESTRICT")
    )
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    release_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # True once the statistics of a release have been brought up to date (embargoes are activated lazily).
    activated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    principal: Mapped[str] = mapped_column(String(255), nullable=False, default="system")
    source: Mapped[str] = mapped_column(String(1024), nullable=False, default="")
    inserted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    deleted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class DataSeries(Base):
    """A series key of a dataflow; the key's dimension values are also in k1..k20 for filtering."""

    __tablename__ = "data_series"
    __table_args__ = (UniqueConstraint("dataflow_pk", "series_key", name="uq_data_series_key"),)

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    dataflow_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="RESTRICT"), nullable=False
    )
    series_key: Mapped[str] = mapped_column(String(2048), nullable=False)
    # Statistics of the published state (kept up to date by writes and release activation).
    obs_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_period: Mapped[str | None] = mapped_column(String(32))
    last_period: Mapped[str | None] = mapped_column(String(32))
    locals().update(_key_columns())


class DataObservation(Base):
    """One version of one observation (series, period)."""

    __tablename__ = "data_observation"
    __table_args__ = (
        Index("ix_data_observation_cell", "series_pk", "period_start", "valid_from"),
        Index("ix_data_observation_batch", "batch_pk"),
    )

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    series_pk: Mapped[int] = mapped_column(
        ForeignKey("data_series.pk", ondelete="CASCADE"), nullable=False
    )
    period: Mapped[str] = mapped_column(String(64), nullable=False)  # as reported, e.g. 2020-Q3
    period_start: Mapped[str] = mapped_column(String(32), nullable=False)  # YYYY-MM-DDTHH:MM:SS
    period_end: Mapped[str] = mapped_column(String(32), nullable=False)  # inclusive
    value: Mapped[str | None] = mapped_column(Text)  # lexical form; numbers are JSON-compatible
    attrs: Mapped[dict[str, str] | None] = mapped_column(JsonType)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # I: a new cell; R: a cell re-created after a deletion; U: an update; D: a deletion.
    change: Mapped[str] = mapped_column(String(1), nullable=False, default="I")
    batch_pk: Mapped[int] = mapped_column(
        ForeignKey("data_batch.pk", ondelete="CASCADE"), nullable=False
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DataAttributeValue(Base):
    """One version of the attribute values attached above the observation level.

    ``level`` is "dataset" (key ""), "group" (key = group id + group key) or
    "series" (series_pk set, key "").
    """

    __tablename__ = "data_attribute_value"
    __table_args__ = (
        Index(
            "ix_data_attribute_value_target",
            "dataflow_pk",
            "level",
            "series_pk",
            "target_key",
            "valid_from",
        ),
    )

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    dataflow_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="RESTRICT"), nullable=False
    )
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    series_pk: Mapped[int | None] = mapped_column(ForeignKey("data_series.pk", ondelete="CASCADE"))
    target_key: Mapped[str] = mapped_column(String(2048), nullable=False, default="")
    attrs: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    batch_pk: Mapped[int] = mapped_column(
        ForeignKey("data_batch.pk", ondelete="CASCADE"), nullable=False
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DataflowState(Base):
    """Per-dataflow summary of the published state: for availability and caching."""

    __tablename__ = "data_dataflow_state"

    dataflow_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="CASCADE"), primary_key=True
    )
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False, default=dict)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


# --------------------------------------------------------------------------- access, audit, submissions


class AuthToken(Base):
    """A bearer token (stored as its SHA-256), bound to a data provider or a role."""

    __tablename__ = "auth_token"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(
        String(16), nullable=False
    )  # first characters, to recognise a token
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(
        String(16), nullable=False
    )  # provider | admin | maintainer | reader
    provider_pk: Mapped[int | None] = mapped_column(
        ForeignKey("structure_item.pk", ondelete="RESTRICT")
    )
    agency: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthGrant(Base):
    """Read access of a token to a non-public dataflow."""

    __tablename__ = "auth_grant"
    __table_args__ = (
        UniqueConstraint("token_pk", "dataflow_pk", name="uq_auth_grant_token_dataflow"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_pk: Mapped[int] = mapped_column(
        ForeignKey("auth_token.pk", ondelete="CASCADE"), nullable=False
    )
    dataflow_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="CASCADE"), nullable=False
    )


class AuditEvent(Base):
    """One write attempt: who, when, what, outcome."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    principal: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(1024), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False, default=200)
    request_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False, default=dict)


class Submission(Base):
    """A data submission: its report, and the job state when it runs asynchronously."""

    __tablename__ = "submission"
    __table_args__ = (Index("ix_submission_status", "status", "lease_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataflow: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    target_type: Mapped[str] = mapped_column(String(32), nullable=False, default="dataflow")
    target: Mapped[str] = mapped_column(
        String(512), nullable=False
    )  # AG,ID,VER of the dataflow or PA in the URL
    principal: Mapped[str] = mapped_column(String(255), nullable=False)
    token_pk: Mapped[int | None] = mapped_column(ForeignKey("auth_token.pk", ondelete="SET NULL"))
    content_type: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    options: Mapped[dict[str, Any]] = mapped_column(
        JsonType, nullable=False, default=dict
    )  # dryRun, releaseDate
    status: Mapped[str] = mapped_column(
        String(16), nullable=False
    )  # queued|running|succeeded|invalid|failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict[str, Any]] = mapped_column(
        JsonType, nullable=False, default=dict
    )  # counts, no errors
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    body_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class SubmissionChunk(Base):
    """The body of a queued submission, in chunks, so that any worker can run the job."""

    __tablename__ = "submission_chunk"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class SubmissionError(Base):
    """One validation error of a submission (reports are paged from here)."""

    __tablename__ = "submission_error"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    location: Mapped[str] = mapped_column(Text, nullable=False)
    component: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
