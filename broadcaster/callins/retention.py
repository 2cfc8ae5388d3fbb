"""Caller hashes are erased once older than `[callins] retention_days`; the counts stay
(each call keeps its caller's call number, `CallIn.caller_call`, not who made it)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from broadcaster.config import Settings
from broadcaster.db.models import CallIn

log = logging.getLogger(__name__)
_warned: set[str] = set()


def purge(session: Session, now: datetime, retention_days: int) -> int:
    """Erase the hashes of calls received more than `retention_days` ago (0: every
    hash); the number of calls whose hash was erased."""
    cutoff = now - timedelta(days=retention_days)
    erased = session.execute(
        update(CallIn)
        .where(CallIn.caller_hash.is_not(None), CallIn.received_at <= cutoff)
        .values(caller_hash=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(erased, "rowcount", 0) or 0)


def hash_key(settings: Settings, *, who: str = "broadcaster") -> str | None:
    """The caller-hash key; without one, warn once per process (repeat callers are then
    not counted: every call counts as a caller of its own)."""
    env = settings.callins.caller_key_env
    key = settings.secret(env)
    if key is None and env not in _warned:
        _warned.add(env)
        log.warning(
            "%s: $%s is not set: no caller hash is kept, so repeat callers are not counted",
            who,
            env,
        )
    return key
