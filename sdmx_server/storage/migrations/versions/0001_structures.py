"""Structural metadata: artefacts, items, references, cache state.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 09:18:56.046222
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schema_info",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_schema_info")),
    )
    op.create_table(
        "structure_artefact",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("is_external_reference", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("names", JSON_TYPE, nullable=False),
        sa.Column("descriptions", JSON_TYPE, nullable=False),
        sa.Column("annotations", JSON_TYPE, nullable=False),
        sa.Column("details", JSON_TYPE, nullable=True),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_structure_artefact")),
        sa.UniqueConstraint(
            "type", "agency_id", "resource_id", "version", name="uq_structure_artefact_identity"
        ),
    )
    with op.batch_alter_table("structure_artefact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_structure_artefact_type_resource", ["type", "resource_id"], unique=False
        )

    op.create_table(
        "structure_state",
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("type", name=op.f("pk_structure_state")),
    )
    op.create_table(
        "structure_item",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("artefact_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=512), nullable=False),
        sa.Column("parent_id", sa.String(length=512), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("names", JSON_TYPE, nullable=False),
        sa.Column("descriptions", JSON_TYPE, nullable=False),
        sa.Column("annotations", JSON_TYPE, nullable=False),
        sa.Column("details", JSON_TYPE, nullable=True),
        sa.ForeignKeyConstraint(
            ["artefact_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_structure_item_artefact_pk_structure_artefact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_structure_item")),
        sa.UniqueConstraint("artefact_pk", "item_id", name="uq_structure_item_identity"),
    )
    op.create_table(
        "structure_reference",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=512), nullable=False),
        sa.Column("target_pk", sa.Integer(), nullable=False),
        sa.Column("target_item_pk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_structure_reference_source_pk_structure_artefact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_item_pk"],
            ["structure_item.pk"],
            name=op.f("fk_structure_reference_target_item_pk_structure_item"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_structure_reference_target_pk_structure_artefact"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_structure_reference")),
    )
    with op.batch_alter_table("structure_reference", schema=None) as batch_op:
        batch_op.create_index("ix_structure_reference_source", ["source_pk"], unique=False)
        batch_op.create_index("ix_structure_reference_target", ["target_pk"], unique=False)
        batch_op.create_index(
            "ix_structure_reference_target_item", ["target_item_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("structure_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_structure_reference_target_item")
        batch_op.drop_index("ix_structure_reference_target")
        batch_op.drop_index("ix_structure_reference_source")

    op.drop_table("structure_reference")
    op.drop_table("structure_item")
    op.drop_table("structure_state")
    with op.batch_alter_table("structure_artefact", schema=None) as batch_op:
        batch_op.drop_index("ix_structure_artefact_type_resource")

    op.drop_table("structure_artefact")
    op.drop_table("schema_info")
