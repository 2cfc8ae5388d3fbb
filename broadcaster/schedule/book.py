"""The slot book: adding, listing and cancelling slots over a session.

The rules (no past slots, no overlaps on a destination, known provinces and
destinations) live in the pure modules beside this one; this one does the queries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from broadcaster.db.models import DESTINATIONS, Episode, Province, Slot
from broadcaster.errors import BadInput, Conflict, NotFound
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.lock import lock_schedule
from broadcaster.schedule.overlaps import Booking, clashes
from broadcaster.schedule.recurrence import check_rule, expand
from broadcaster.schedule.times import iso_local, show_local
from broadcaster.states import ACTIVE, OCCUPYING, SlotStatus


@dataclass(frozen=True)
class SlotRequest:
    episode_id: int
    start: datetime
    destinations: tuple[str, ...] = DESTINATIONS
    provinces: tuple[str, ...] = ()
    repeat: str | None = None


def parse_destinations(value: str | Sequence[str], field: str = "to") -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [str(i).strip().lower() for i in items if str(i).strip()]
    if not names:
        raise BadInput(f"{field}: name at least one destination ({', '.join(DESTINATIONS)})")
    unknown = [n for n in names if n not in DESTINATIONS]
    if unknown:
        raise BadInput(
            f"{field}: unknown destination {', '.join(unknown)} (known: {', '.join(DESTINATIONS)})"
        )
    return tuple(d for d in DESTINATIONS if d in names)


def parse_provinces(
    value: str | Sequence[str], known: Sequence[str], field: str = "provinces"
) -> tuple[str, ...]:
    """`all` or province codes, checked against the active provinces, in their order."""
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return tuple(known)
        value = value.split(",")
    codes = [str(c).strip().upper() for c in value if str(c).strip()]
    if not codes:
        raise BadInput(f"{field}: name provinces by code, or 'all'")
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BadInput(
            f"{field}: unknown province {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return tuple(c for c in known if c in codes)


def active_province_codes(session: Session) -> list[str]:
    rows = session.scalars(
        select(Province.code).where(Province.active.is_(True)).order_by(Province.position)
    )
    return list(rows)


def slot_length(duration_s: float) -> timedelta:
    """A slot lasts its episode, rounded up to the whole second."""
    return timedelta(seconds=math.ceil(duration_s - 1e-6))


def describe(slot: Slot, zone: ZoneInfo) -> str:
    """How messages name a slot: `slot 12 'Title' (2026-12-01 19:00 to 19:30, radio)`."""
    end = show_local(slot.end, zone)
    start = show_local(slot.start, zone)
    end = end[11:] if end[:10] == start[:10] else end
    return (
        f"slot {slot.id} {slot.episode.title!r} ({start} to {end}, {','.join(slot.destinations)})"
    )


def booking_of(slot: Slot, zone: ZoneInfo) -> Booking:
    return Booking(describe(slot, zone), slot.start, slot.end, tuple(slot.destinations), False)


def bookings_between(
    session: Session, start: datetime, end: datetime, zone: ZoneInfo, exclude: Iterable[int] = ()
) -> list[Booking]:
    """Stored slots that hold time between `start` and `end`, as bookings."""
    skip = set(exclude)
    rows = session.scalars(
        select(Slot)
        .options(joinedload(Slot.episode))
        .where(Slot.status.in_(OCCUPYING), Slot.start < end, Slot.end > start)
    )
    return [booking_of(s, zone) for s in rows if s.id not in skip]


def clash_messages(found: list[tuple[Booking, Booking, str]]) -> list[str]:
    """One line per clashing pair, naming the existing slot and the destinations shared."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for a, b, dest in found:
        new, old = (b, a) if b.is_new and not a.is_new else (a, b)
        pairs.setdefault((new.ref, old.ref), []).append(dest)
    return [f"{new} overlaps {old} on {' and '.join(d)}" for (new, old), d in pairs.items()]


def add_slots(
    session: Session,
    request: SlotRequest,
    zone: ZoneInfo,
    now: datetime,
    origin: str = "cli",
    limits: Limits | None = None,
) -> list[Slot]:
    """Create the slot (or its repeats); refuse the past, overlaps (naming the slot) and
    what goes beyond the `limits` (the horizon, the number of slots).

    The schedule is locked for the rest of the transaction: two bookings never both find
    the same time free (the CLI, the web and schedule files alike)."""
    limits = limits or Limits()
    lock_schedule(session)
    episode = session.get(Episode, request.episode_id)
    if episode is None:
        raise NotFound(f"episode {request.episode_id}: no such episode (see `episode list`)")
    if request.repeat:
        check_rule(request.repeat)
    limits.check_start(request.start, now, zone, "start")
    starts = expand(
        request.start,
        request.repeat,
        zone,
        limit=limits.max_occurrences,
        until=limits.until(now),
    )
    if starts[0] <= now:
        raise BadInput(
            f"start: {show_local(starts[0], zone)} is in the past "
            f"(now {show_local(now, zone)} {zone.key})"
        )
    length = slot_length(episode.duration_s)
    provinces = request.provinces or tuple(active_province_codes(session))
    new = [
        Booking(f"new slot at {show_local(s, zone)}", s, s + length, request.destinations, True)
        for s in starts
    ]
    existing = bookings_between(session, starts[0], starts[-1] + length, zone)
    found = clashes([*existing, *new])
    if found:
        raise Conflict("the slot overlaps another", clash_messages(found))
    slots = [
        Slot(
            episode=episode,
            start=s,
            end=s + length,
            destinations=list(request.destinations),
            provinces=list(provinces),
            status=SlotStatus.SCHEDULED,
            origin=origin,
            repeat=request.repeat,
            created_at=now,
            updated_at=now,
        )
        for s in starts
    ]
    session.add_all(slots)
    session.flush()
    return slots


def get_slot(session: Session, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id, options=[joinedload(Slot.episode)])
    if slot is None:
        raise NotFound(f"slot {slot_id}: no such slot (see `schedule list`)")
    return slot


def cancel_slot(session: Session, slot_id: int, zone: ZoneInfo, now: datetime) -> tuple[Slot, bool]:
    """Cancel a slot still to come or on air (the daemon cuts it, or will not resume it);
    returns (slot, changed). Aired history cannot be cancelled."""
    slot = get_slot(session, slot_id)
    if slot.status == SlotStatus.CANCELLED:
        return slot, False
    if slot.status not in ACTIVE:
        raise BadInput(
            f"{describe(slot, zone)} is {slot.status}; only slots to come or on air can be "
            "cancelled"
        )
    if slot.end <= now:
        raise BadInput(f"{describe(slot, zone)} is already over")
    slot.status = SlotStatus.CANCELLED
    slot.updated_at = now
    return slot, True


def list_slots(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = False,
) -> Sequence[Slot]:
    query = select(Slot).options(joinedload(Slot.episode)).order_by(Slot.start, Slot.id)
    if start is not None:
        query = query.where(Slot.end > start)
    if end is not None:
        query = query.where(Slot.start < end)
    if not include_cancelled:
        query = query.where(Slot.status != SlotStatus.CANCELLED)
    return session.scalars(query).all()


def slot_json(slot: Slot, zone: ZoneInfo, with_title: bool = False) -> dict[str, Any]:
    """The pinned slot object of SPEC 3.2 (`title` added for listings)."""
    data: dict[str, Any] = {
        "id": slot.id,
        "episode_id": slot.episode_id,
        "start": iso_local(slot.start, zone),
        "end": iso_local(slot.end, zone),
        "destinations": list(slot.destinations),
        "provinces": list(slot.provinces),
        "status": slot.status,
    }
    if with_title:
        data["title"] = slot.episode.title
    data["origin"] = slot.origin
    if slot.repeat:
        data["repeat"] = slot.repeat
    return data
