"""call-ins: delivery ids, comment counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
