"""Who this daemon is, and whether the daemon holding the lease is still alive.

A holder is `host:pid`. A daemon restarted on the same machine (after kill -9 or a crash)
sees that the holder's process is gone and takes the lease at once, instead of waiting for
it to lapse; a daemon on another machine cannot know, so it waits for the lapse.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from broadcaster.daemon.lease import current_holder, hold, take_over


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


def claim(session: Session, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; take it over from a dead daemon of this machine."""
    if hold(session, holder, now, ttl):
        return True
    other = current_holder(session, now)
    return other is not None and is_dead_here(other) and take_over(session, other, holder, now, ttl)
