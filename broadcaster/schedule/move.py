"""Moving a slot to a new start: same length, same destinations, the same rules as adding."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from broadcaster.db.models import Slot
from broadcaster.errors import BadInput, Conflict
from broadcaster.schedule.book import bookings_between, clash_messages, describe, get_slot
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.overlaps import Booking, clashes
from broadcaster.schedule.times import show_local
from broadcaster.states import SlotStatus


def move_slot(
    session: Session,
    slot_id: int,
    start: datetime,
    zone: ZoneInfo,
    now: datetime,
    limits: Limits | None = None,
) -> tuple[Slot, bool]:
    """Move a scheduled slot to `start`; returns (slot, changed). Refuses the past, slots
    that are on air or over, overlaps (naming the slot hit) and starts beyond the horizon."""
    slot = get_slot(session, slot_id)
    if slot.status != SlotStatus.SCHEDULED:
        raise BadInput(f"{describe(slot, zone)} is {slot.status}; only scheduled slots can move")
    if slot.start <= now:
        raise BadInput(f"{describe(slot, zone)} has already started")
    if start == slot.start:
        return slot, False
    if start <= now:
        raise BadInput(
            f"start: {show_local(start, zone)} is in the past "
            f"(now {show_local(now, zone)} {zone.key})"
        )
    (limits or Limits()).check_start(start, now, zone, "start")
    end = start + (slot.end - slot.start)
    moved = Booking(
        f"slot {slot.id} moved to {show_local(start, zone)}",
        start,
        end,
        tuple(slot.destinations),
        True,
    )
    found = clashes([*bookings_between(session, start, end, zone, exclude=[slot.id]), moved])
    if found:
        raise Conflict("the slot would overlap another", clash_messages(found))
    slot.start, slot.end, slot.updated_at = start, end, now
    slot.preflight = None  # checked again before the new time
    session.flush()
    return slot, True
