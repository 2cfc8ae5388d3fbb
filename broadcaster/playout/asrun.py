"""Store what the legs did as `AsRunLeg` rows and set the slot's status from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.playout.supervise import LegRecord
from broadcaster.playout.timing import slot_status


def record_legs(session: Session, slot_id: int, records: Sequence[LegRecord], now: datetime) -> str:
    """Insert or update one row per leg (by slot and leg name); returns the slot's new status.

    Call it when the slot goes on air (legs `on_air`) and again when it ends.
    """
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise LookupError(f"slot {slot_id} not found")
    existing = {
        row.leg: row for row in session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id))
    }
    for rec in records:
        row = existing.get(rec.leg)
        if row is None:
            row = AsRunLeg(slot_id=slot_id, leg=rec.leg)
            session.add(row)
        row.target = rec.target
        row.scheduled_start = rec.scheduled_start
        row.actual_start = rec.actual_start
        row.actual_end = rec.actual_end
        row.gaps = [g.as_json() for g in rec.gaps]
        row.reconnects = rec.reconnects
        row.status = rec.status
        row.cause = rec.cause
        row.aircheck_path = rec.aircheck_path
    slot.status = slot_status(r.status for r in records)
    slot.updated_at = now
    session.flush()
    return slot.status
