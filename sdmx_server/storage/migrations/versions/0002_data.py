"""Observation store: batches, series, observation and attribute versions, dataflow state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:34:43.153884
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_dataflow_state",
        sa.Column("dataflow_pk", sa.Integer(), nullable=False),
        sa.Column("summary", JSON_TYPE, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataflow_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_data_dataflow_state_dataflow_pk_structure_artefact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataflow_pk", name=op.f("pk_data_dataflow_state")),
    )
    op.create_table(
        "data_series",
        sa.Column("pk", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("dataflow_pk", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=2048), nullable=False),
        sa.Column("obs_count", sa.Integer(), nullable=False),
        sa.Column("first_period", sa.String(length=32), nullable=True),
        sa.Column("last_period", sa.String(length=32), nullable=True),
        sa.Column("k1", sa.String(length=255), nullable=True),
        sa.Column("k2", sa.String(length=255), nullable=True),
        sa.Column("k3", sa.String(length=255), nullable=True),
        sa.Column("k4", sa.String(length=255), nullable=True),
        sa.Column("k5", sa.String(length=255), nullable=True),
        sa.Column("k6", sa.String(length=255), nullable=True),
        sa.Column("k7", sa.String(length=255), nullable=True),
        sa.Column("k8", sa.String(length=255), nullable=True),
        sa.Column("k9", sa.String(length=255), nullable=True),
        sa.Column("k10", sa.String(length=255), nullable=True),
        sa.Column("k11", sa.String(length=255), nullable=True),
        sa.Column("k12", sa.String(length=255), nullable=True),
        sa.Column("k13", sa.String(length=255), nullable=True),
        sa.Column("k14", sa.String(length=255), nullable=True),
        sa.Column("k15", sa.String(length=255), nullable=True),
        sa.Column("k16", sa.String(length=255), nullable=True),
        sa.Column("k17", sa.String(length=255), nullable=True),
        sa.Column("k18", sa.String(length=255), nullable=True),
        sa.Column("k19", sa.String(length=255), nullable=True),
        sa.Column("k20", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataflow_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_data_series_dataflow_pk_structure_artefact"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_data_series")),
        sa.UniqueConstraint("dataflow_pk", "series_key", name="uq_data_series_key"),
    )
    op.create_table(
        "data_batch",
        sa.Column("pk", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("dataflow_pk", sa.Integer(), nullable=False),
        sa.Column("provider_pk", sa.Integer(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated", sa.Boolean(), nullable=False),
        sa.Column("principal", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataflow_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_data_batch_dataflow_pk_structure_artefact"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["provider_pk"],
            ["structure_item.pk"],
            name=op.f("fk_data_batch_provider_pk_structure_item"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_data_batch")),
    )
    with op.batch_alter_table("data_batch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_batch_dataflow_release", ["dataflow_pk", "release_at"], unique=False
        )

    op.create_table(
        "data_attribute_value",
        sa.Column("pk", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("dataflow_pk", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("series_pk", BIGINT_PK, nullable=True),
        sa.Column("target_key", sa.String(length=2048), nullable=False),
        sa.Column("attrs", JSON_TYPE, nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("batch_pk", BIGINT_PK, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_pk"],
            ["data_batch.pk"],
            name=op.f("fk_data_attribute_value_batch_pk_data_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataflow_pk"],
            ["structure_artefact.pk"],
            name=op.f("fk_data_attribute_value_dataflow_pk_structure_artefact"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["series_pk"],
            ["data_series.pk"],
            name=op.f("fk_data_attribute_value_series_pk_data_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_data_attribute_value")),
    )
    with op.batch_alter_table("data_attribute_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_attribute_value_target",
            ["dataflow_pk", "level", "series_pk", "target_key", "valid_from"],
            unique=False,
        )

    op.create_table(
        "data_observation",
        sa.Column("pk", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("series_pk", BIGINT_PK, nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.String(length=32), nullable=False),
        sa.Column("period_end", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("attrs", JSON_TYPE, nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("change", sa.String(length=1), nullable=False),
        sa.Column("batch_pk", BIGINT_PK, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_pk"],
            ["data_batch.pk"],
            name=op.f("fk_data_observation_batch_pk_data_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_pk"],
            ["data_series.pk"],
            name=op.f("fk_data_observation_series_pk_data_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_data_observation")),
    )
    with op.batch_alter_table("data_observation", schema=None) as batch_op:
        batch_op.create_index("ix_data_observation_batch", ["batch_pk"], unique=False)
        batch_op.create_index(
            "ix_data_observation_cell", ["series_pk", "period_start", "valid_from"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("data_observation", schema=None) as batch_op:
        batch_op.drop_index("ix_data_observation_cell")
        batch_op.drop_index("ix_data_observation_batch")

    op.drop_table("data_observation")
    with op.batch_alter_table("data_attribute_value", schema=None) as batch_op:
        batch_op.drop_index("ix_data_attribute_value_target")

    op.drop_table("data_attribute_value")
    with op.batch_alter_table("data_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_data_batch_dataflow_release")

    op.drop_table("data_batch")
    op.drop_table("data_series")
    op.drop_table("data_dataflow_state")
