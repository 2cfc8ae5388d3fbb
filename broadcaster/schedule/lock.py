"""One booking at a time: a lock on the schedule for the length of a transaction.

`add_slots` checks for overlaps and then inserts; two sessions doing that at once could
both find the time free. Taking this lock first makes them queue: on PostgreSQL an
advisory lock held until commit, on SQLite the database's write lock (an UPDATE that
touches nothing takes it, waiting out `busy_timeout`). Call it first in the transaction.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

SCHEDULE_LOCK = 0x42_53_4C_54  # "BSLT": any constant shared by everyone who books


def lock_schedule(session: Session) -> None:
    """Hold the schedule until this session's transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEDULE_LOCK})
    elif dialect == "sqlite":
        session.execute(text("UPDATE leader_lease SET name = name WHERE 0 = 1"))
