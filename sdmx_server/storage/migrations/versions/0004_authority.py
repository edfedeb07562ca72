"""The rights an artefact was written with (what provision agreements and constraints grant, ADR 0011).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows get NULL: who wrote them is unknown, so they speak only for their own agency.
    with op.batch_alter_table("structure_artefact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authority", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("structure_artefact", schema=None) as batch_op:
        batch_op.drop_column("authority")
