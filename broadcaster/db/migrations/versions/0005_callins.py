"""call-ins: delivery ids, comment counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import broadcaster.db.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callins", schema=None) as batch_op:
        batch_op.alter_column("province_code", existing_type=sa.String(length=8), nullable=True)
        batch_op.add_column(sa.Column("delivery_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("caller_call", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("screened_at", broadcaster.db.models.UTCDateTime(), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_callins_delivery_id"), ["delivery_id"])
        batch_op.create_index(batch_op.f("ix_callins_slot_id"), ["slot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callins_caller_hash"), ["caller_hash"], unique=False)

    op.create_table(
        "slot_comments",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("live_video_id", sa.String(length=64), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("counted_at", broadcaster.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.id"],
            name=op.f("fk_slot_comments_slot_id_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slot_id", name=op.f("pk_slot_comments")),
    )


def downgrade() -> None:
    op.drop_table("slot_comments")
    op.execute("DELETE FROM callins WHERE province_code IS NULL")
    with op.batch_alter_table("callins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callins_caller_hash"))
        batch_op.drop_index(batch_op.f("ix_callins_slot_id"))
        batch_op.drop_constraint(batch_op.f("uq_callins_delivery_id"), type_="unique")
        batch_op.drop_column("screened_at")
        batch_op.drop_column("caller_call")
        batch_op.drop_column("delivery_id")
        batch_op.alter_column("province_code", existing_type=sa.String(length=8), nullable=False)
