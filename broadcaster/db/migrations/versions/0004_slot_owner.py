"""slots owned by the schedule file's series and path

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:00:00

A schedule file's slots were owned by `file:NAME`, the file's base name, so two files of
the same name in different folders changed each other's slots. They are now owned by the
file's path (relative to the station's `schedules/` folder, where `file:NAME` files were
applied from) and its `series` (`origin_series`). Today's rows keep their `file:NAME` and
get the series their episodes carry (the most common one, as the file gave it to them).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.alter_column(
            "origin",
            existing_type=sa.String(length=200),
            type_=sa.String(length=1000),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("origin_series", sa.String(length=254), nullable=True))
    _carry_series_over()


def _carry_series_over() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.origin, e.series FROM slots s JOIN episodes e ON e.id = s.episode_id "
            "WHERE s.origin LIKE 'file:%'"
        )
    ).all()
    seen: dict[str, Counter[str | None]] = {}
    for origin, series in rows:
        seen.setdefault(origin, Counter())[series] += 1
    for origin, counts in seen.items():
        series = counts.most_common(1)[0][0]
        bind.execute(
            sa.text("UPDATE slots SET origin_series = :series WHERE origin = :origin"),
            {"series": series, "origin": origin},
        )


def downgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_column("origin_series")
        batch_op.alter_column(
            "origin",
            existing_type=sa.String(length=1000),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
