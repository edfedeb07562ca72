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
        UniqueConstraint("type", "agency_id", "resource_id", "version", name="uq_structure_artefact_identity"),
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
    links: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)  # uri, serviceURL, structureURL
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Data access: a non-public dataflow is readable only with a token that grants it.
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class StructureItem(Base):
    """An item of an item scheme (code, concept, category, agency, data provider, ...)."""

    __tablename__ = "structure_item"
    __table_args__ = (UniqueConstraint("artefact_pk", "item_id", name="uq_structure_item_identity"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    artefact_pk: Mapped[int] = mapped_column(
        ForeignKey("structure_artefact.pk", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[str] = mapped_column(String(512), nullable=False)  # nested categories: dotted path
    parent_id: Mapped[str | None] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    names: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JsonType, nullable=False, default=dict)
    annotations: Mapped[list[Any]] = mapped_column(JsonType, nullable=False, default=list)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # core representation, contacts, uri


class StructureReference(Base):
    """A reference from one artefact to another artefact or to one of its items."""

    __tablename__ = "structure_reference"
    __table_args__ = (
        Index("ix_structure_reference_source", "source_pk"),
        Index("ix_structure_reference_target", "target_pk"),
        Index("ix_structure_reference_target_item", "target_item_pk"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_pk: Mapped[int] = mapped_column(ForeignKey("structure_artefact.pk", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(512), nullable=False)
    target_pk: Mapped[int] = mapped_column(ForeignKey("structure_artefact.pk", ondelete="RESTRICT"), nullable=False)
    target_item_pk: Mapped[int | None] = mapped_column(ForeignKey("structure_item.pk", ondelete="RESTRICT"))


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
