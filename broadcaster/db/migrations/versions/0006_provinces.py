"""provinces: heartbeat tokens, carriage segments, report indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import broadcaster.db.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provinces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("last_heartbeat_at", broadcaster.db.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("last_carrying", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("last_listeners", sa.Integer(), nullable=True))
    # A unique index, not a constraint: SQLite adds it without copying the table, which
    # call-ins and carriage rows point at (a copy would break their foreign keys).
    op.create_index(
        op.f("ix_provinces_heartbeat_token_hash"),
        "provinces",
        ["heartbeat_token_hash"],
        unique=True,
    )

    with op.batch_alter_table("province_carriage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_s", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("peak_listeners", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("slot_start", broadcaster.db.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("scheduled_s", sa.Float(), nullable=False, server_default="0")
        )
    # Rows written before this revision (none were: nothing wrote carriage) get their start.
    op.execute(
        "UPDATE province_carriage SET slot_start = "
        "(SELECT slots.start FROM slots WHERE slots.id = province_carriage.slot_id)"
    )
    with op.batch_alter_table("province_carriage", schema=None) as batch_op:
        batch_op.alter_column(
            "slot_start", existing_type=broadcaster.db.models.UTCDateTime(), nullable=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_province_carriage_slot_id"), ["slot_id", "province_code"]
        )
        batch_op.create_index(
            "ix_province_carriage_report",
            ["province_code", "status", "slot_start", "scheduled_s", "carried_s"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("province_carriage", schema=None) as batch_op:
        batch_op.drop_index("ix_province_carriage_report")
        batch_op.drop_constraint(batch_op.f("uq_province_carriage_slot_id"), type_="unique")
        batch_op.drop_column("scheduled_s")
        batch_op.drop_column("slot_start")
        batch_op.drop_column("peak_listeners")
        batch_op.drop_column("carried_s")

    op.drop_index(op.f("ix_provinces_heartbeat_token_hash"), table_name="provinces")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table (see upgrade).
    for column in ("last_listeners", "last_carrying", "last_heartbeat_at", "heartbeat_token_hash"):
        op.drop_column("provinces", column)
