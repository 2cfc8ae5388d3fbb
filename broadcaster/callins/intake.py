"""Calls coming in: from the gateway's webhook (many at once, in one transaction) or an
operator. Each is linked to the slot on air when it arrived, counted once per delivery id,
and numbered among its caller's calls (so repeat callers are counted without the hash)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from broadcaster.db.models import CallIn, Province, Slot
from broadcaster.errors import BadInput, NotFound
from broadcaster.schedule.times import iso_local
from broadcaster.states import SlotStatus

UNKNOWN = "unknown"
"""Where a call with no province is counted."""
TOPIC_MAX = 500
DELIVERY_MAX = 200
FUTURE_SLACK = timedelta(minutes=10)
"""A gateway's clock may run a little ahead; a call from further in the future is refused."""


@dataclass(frozen=True)
class CallRequest:
    """One call to record; the number is already a hash (or None), never the number."""

    received_at: datetime
    province: str | None = None
    topic: str | None = None
    caller_hash: str | None = None
    slot_id: int | None = None
    """The slot named by the operator; None: the slot on air at `received_at`."""
    delivery_id: str | None = None
    entered_by: str = "operator"


@dataclass(frozen=True)
class CallView:
    """A stored call as the intake answers it (no ORM object: a busy webhook makes many)."""

    id: int
    received_at: datetime
    province_code: str | None
    slot_id: int | None
    topic: str | None
    state: str
    caller_call: int | None


@dataclass(frozen=True)
class Recorded:
    call: CallView
    created: bool
    """False: the delivery id was seen before; `call` is the call it made then."""


VIEW_COLUMNS = (
    CallIn.id,
    CallIn.received_at,
    CallIn.province_code,
    CallIn.slot_id,
    CallIn.topic,
    CallIn.state,
    CallIn.caller_call,
)


def clean_topic(topic: str | None, field: str = "topic") -> str | None:
    """The topic without control characters; at most 500 characters (never echoed)."""
    if topic is None:
        return None
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in topic
    ).strip()
    if len(text) > TOPIC_MAX:
        raise BadInput(f"{field}: longer than {TOPIC_MAX} characters")
    return text or None


def clean_province(code: str | None, field: str = "province") -> str | None:
    """A province code as stored (upper case), None for unknown; the code is checked
    against the database by `record`."""
    if code is None:
        return None
    text = code.strip()
    if not text or text.lower() == UNKNOWN:
        return None
    if len(text) > 8 or not text.isascii() or not text.isalnum():
        raise BadInput(f"{field}: not a province code (e.g. PNH; see GET /api/provinces)")
    return text.upper()


def clean_delivery_id(value: str, field: str = "delivery_id") -> str:
    text = value.strip()
    if not text or len(text) > DELIVERY_MAX or not text.isprintable():
        raise BadInput(f"{field}: must be 1 to {DELIVERY_MAX} printable characters")
    return text


def check_time(received_at: datetime, now: datetime, field: str = "at") -> datetime:
    if received_at > now + FUTURE_SLACK:
        raise BadInput(f"{field}: in the future (the gateway's clock is ahead?)")
    if received_at.year < 2000:
        raise BadInput(f"{field}: before the year 2000")
    return received_at


# Built once: a busy webhook runs them for every batch.
_SEEN = select(CallIn.delivery_id, *VIEW_COLUMNS).where(
    CallIn.delivery_id.in_(bindparam("ids", expanding=True))
)
_COUNTED = (
    select(CallIn.caller_hash, func.count())
    .where(CallIn.caller_hash.in_(bindparam("hashes", expanding=True)))
    .group_by(CallIn.caller_hash)
)
_SLOTS = (
    select(Slot.id, Slot.start, Slot.end, Slot.destinations)
    .where(Slot.start <= bindparam("last"), Slot.end > bindparam("first"))
    .where(Slot.status != SlotStatus.CANCELLED)
    .order_by(Slot.start)
)
_INSERT = insert(CallIn).returning(CallIn.id, sort_by_parameter_order=True)


def record(
    session: Session, wanted: Sequence[CallRequest], provinces: set[str] | None = None
) -> list[Recorded | BadInput]:
    """Record `wanted` in `session` (the caller commits), in order: for each, the call
    made (or found by its delivery id), or the BadInput that refused it (nothing stored
    for that one). A few statements for the whole batch, whatever its size. `provinces`:
    the active province codes when the caller already knows them."""
    if not wanted:
        return []
    active = provinces if provinces is not None else active_provinces(session)
    conn = session.connection()  # Core statements: no ORM bookkeeping per call
    deliveries = {w.delivery_id for w in wanted if w.delivery_id}
    seen: dict[str, CallView] = {}
    if deliveries:
        found = conn.execute(_SEEN, {"ids": list(deliveries)})
        seen = {row[0]: CallView(*row[1:]) for row in found if row[0]}
    hashes = {w.caller_hash for w in wanted if w.caller_hash}
    calls_by: dict[str, int] = {}
    if hashes:
        counted = conn.execute(_COUNTED, {"hashes": list(hashes)})
        calls_by = {h: n for h, n in counted if h}
    slots = _slots_around(session, [w.received_at for w in wanted if w.slot_id is None])
    named = {w.slot_id for w in wanted if w.slot_id is not None}
    known_slots = set(conn.scalars(select(Slot.id).where(Slot.id.in_(named)))) if named else set()

    results: list[Recorded | BadInput | int] = []
    rows: list[dict[str, Any]] = []
    first_of: dict[str, int] = {}  # a delivery id repeated within the batch -> its row
    for w in wanted:
        if w.delivery_id and w.delivery_id in seen:
            results.append(Recorded(seen[w.delivery_id], created=False))
            continue
        if w.delivery_id and w.delivery_id in first_of:
            results.append(-1 - first_of[w.delivery_id])  # the same call, not created
            continue
        if w.province is not None and w.province not in active:
            results.append(
                BadInput("province: not one of the station's provinces (see GET /api/provinces)")
            )
            continue
        if w.slot_id is not None and w.slot_id not in known_slots:
            results.append(NotFound(f"slot: no slot {w.slot_id} (see `schedule list`)"))
            continue
        number: int | None = None
        if w.caller_hash:
            number = calls_by.get(w.caller_hash, 0) + 1
            calls_by[w.caller_hash] = number
        if w.delivery_id:
            first_of[w.delivery_id] = len(rows)
        results.append(len(rows))
        rows.append(
            {
                "received_at": w.received_at,
                "province_code": w.province,
                "slot_id": w.slot_id if w.slot_id is not None else _on_air_at(slots, w.received_at),
                "topic": w.topic,
                "state": "waiting",
                "caller_hash": w.caller_hash,
                "entered_by": w.entered_by,
                "delivery_id": w.delivery_id,
                "caller_call": number,
                "screened_at": None,
            }
        )
    ids: list[int] = []
    if rows:
        made = conn.execute(_INSERT, rows)
        ids = [row[0] for row in made]
    views = [
        CallView(
            i, r["received_at"], r["province_code"], r["slot_id"], r["topic"], "waiting",
            r["caller_call"],
        )
        for i, r in zip(ids, rows, strict=True)
    ]  # fmt: skip
    out: list[Recorded | BadInput] = []
    for item in results:
        if isinstance(item, int):
            out.append(
                Recorded(views[item], True) if item >= 0 else Recorded(views[-1 - item], False)
            )
        else:
            out.append(item)
    return out


def active_provinces(session: Session) -> set[str]:
    return set(session.scalars(select(Province.code).where(Province.active.is_(True))))


def _slots_around(
    session: Session, moments: Sequence[datetime]
) -> list[tuple[int, datetime, datetime, bool]]:
    """Slots (id, start, end, carries radio) that could have been on air at `moments`."""
    if not moments:
        return []
    rows = session.connection().execute(_SLOTS, {"last": max(moments), "first": min(moments)})
    return [(sid, start, end, "radio" in (dests or [])) for sid, start, end, dests in rows]


def _on_air_at(slots: Sequence[tuple[int, datetime, datetime, bool]], at: datetime) -> int | None:
    """The slot on air at `at`; where two overlap (radio and Facebook apart), the radio's."""
    airing = [s for s in slots if s[1] <= at < s[2]]
    if not airing:
        return None
    airing.sort(key=lambda s: (not s[3], s[1]))
    return airing[0][0]


def call_json(call: CallIn | CallView, zone: ZoneInfo) -> dict[str, Any]:
    """The pinned shape (SPEC 3.2): `{"id", "received_at", "province", "slot_id",
    "topic", "state", "repeat_caller"}`."""
    return {
        "id": call.id,
        "received_at": iso_local(call.received_at, zone),
        "province": call.province_code or UNKNOWN,
        "slot_id": call.slot_id,
        "topic": call.topic,
        "state": call.state,
        "repeat_caller": bool(call.caller_call and call.caller_call > 1),
    }
