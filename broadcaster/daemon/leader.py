"""Who this daemon is, and whether the daemon holding the lease is still alive.

A holder is `host:pid`. A daemon restarted on the same machine (after kill -9 or a crash)
sees that the holder's process is gone and takes the lease at once, instead of waiting for
it to lapse; a daemon on another machine cannot know, so it waits for the lapse, and then
for `patience` more while it watches the lapsed lease stay untouched: after a database
outage every daemon sees the leader's lease lapsed at the same moment, and the leader,
which kept airing through the outage, renews it first (SPEC 4.6, issue 11).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from broadcaster.daemon.lease import LEASE, hold, take_over
from broadcaster.db.models import LeaderLease


def machine() -> str:
    """This machine's name in the lease; `$BROADCASTER_NODE` names it otherwise."""
    return os.environ.get("BROADCASTER_NODE") or socket.gethostname()


def this_daemon() -> str:
    return f"{machine()}:{os.getpid()}"


def is_dead_here(holder: str) -> bool:
    """True if `holder` ran on this machine and its process no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != machine() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Succession:
    """One daemon's claim on the lease, tick after tick.

    It renews its own lease; takes over from a daemon of this machine that is dead; and
    takes over a lapsed lease of a living (or unknown) holder only once it has seen that
    same lapsed lease, unrenewed, for `patience` seconds of reachable database."""

    def __init__(self, holder: str, ttl: timedelta, patience_s: float) -> None:
        self.holder, self.ttl, self.patience_s = holder, ttl, patience_s
        self._lapsed: tuple[str, datetime, float] | None = None

    def claim(self, session: Session, now: datetime) -> bool:
        """Renew or take the lease; raises SQLAlchemyError if the database cannot be
        written (a lapse seen meanwhile is then forgotten)."""
        try:
            # A write first: what follows is seen only while the database can be written,
            # so a lapse read through a lock (SQLite lets readers in) never counts.
            session.execute(
                update(LeaderLease)
                .where(LeaderLease.name == LEASE)
                .values(holder=LeaderLease.holder)
                .execution_options(synchronize_session=False)
            )
            return self._claim(session, now)
        except Exception:
            self._lapsed = None
            raise

    def _claim(self, session: Session, now: datetime) -> bool:
        row = session.get(LeaderLease, LEASE)
        if row is None or row.holder in (self.holder, ""):
            self._lapsed = None
            return hold(session, self.holder, now, self.ttl)
        other, expires = row.holder, row.expires_at
        if is_dead_here(other):
            self._lapsed = None
            return take_over(session, other, self.holder, now, self.ttl)
        if expires > now:
            self._lapsed = None
            return False
        seen = self._lapsed
        if seen is None or seen[:2] != (other, expires):
            self._lapsed = (other, expires, time.monotonic())
            return False
        if time.monotonic() - seen[2] < self.patience_s:
            return False
        self._lapsed = None
        return take_over(session, other, self.holder, now, self.ttl, lapsed=expires)
