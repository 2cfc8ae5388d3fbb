"""daemon heartbeat on as-run legs; slots found by status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import broadcaster.db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asrun_legs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", broadcaster.db.models.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.create_index("ix_slots_status_end", ["status", "end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_index("ix_slots_status_end")
    with op.batch_alter_table("asrun_legs", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
