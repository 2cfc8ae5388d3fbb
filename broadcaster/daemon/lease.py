"""The leader lease: one row in the database says which daemon may air, and until when.

Taking or renewing the lease is one conditional UPDATE (or the first INSERT), so two
daemons racing on SQLite or PostgreSQL can never both believe they hold it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadcaster.db.models import LeaderLease

LEASE = "on-air"


def hold(session: Session, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease for `holder` until now + ttl; False if another holds it."""
    expires = now + ttl
    taken = session.execute(
        update(LeaderLease)
        .where(LeaderLease.name == LEASE)
        .where(or_(LeaderLease.holder == holder, LeaderLease.expires_at <= now))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.execute(
                insert(LeaderLease).values(name=LEASE, holder=holder, expires_at=expires)
            )
    except IntegrityError:
        return False
    return True


def release(session: Session, holder: str, now: datetime) -> None:
    """Give the lease up at once, so a standby need not wait for it to lapse (a released
    lease has no holder)."""
    session.execute(
        update(LeaderLease)
        .where(LeaderLease.name == LEASE, LeaderLease.holder == holder)
        .values(holder="", expires_at=now)
        .execution_options(synchronize_session=False)
    )


def current_holder(session: Session, now: datetime) -> str | None:
    row = session.get(LeaderLease, LEASE)
    if row is None or row.expires_at <= now or not row.holder:
        return None
    return row.holder


def take_over(
    session: Session,
    stale: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    lapsed: datetime | None = None,
) -> bool:
    """Take the lease from `stale` (a holder known to be dead, or whose lease has lapsed
    at `lapsed` and stayed so): only if that holder has not renewed it meanwhile."""
    query = update(LeaderLease).where(LeaderLease.name == LEASE, LeaderLease.holder == stale)
    if lapsed is not None:
        query = query.where(LeaderLease.expires_at == lapsed)
    taken = session.execute(
        query.values(holder=holder, expires_at=now + ttl).execution_options(
            synchronize_session=False
        )
    )
    return taken.rowcount == 1  # type: ignore[attr-defined]
