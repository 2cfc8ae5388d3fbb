"""The slots a public calendar feed shows: a bounded window, a bounded count.

The feed is open to anyone (`GET /schedule.ics`), so what one request can cost is capped:
at most `limit` slots, the earliest first, never the cancelled ones (as `schedule export`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from broadcaster.db.models import Slot
from broadcaster.states import SlotStatus

FEED_LIMIT = 2000


def feed_slots(
    session: Session, start: datetime, end: datetime | None = None, limit: int = FEED_LIMIT
) -> Sequence[Slot]:
    query = (
        select(Slot)
        .options(joinedload(Slot.episode))
        .where(Slot.status != SlotStatus.CANCELLED, Slot.end > start)
        .order_by(Slot.start, Slot.id)
        .limit(limit)
    )
    if end is not None:
        query = query.where(Slot.start < end)
    return session.scalars(query).all()
