"""The call-in queue an operator screens during a live show: waiting, on air, done,
dropped. Oldest waiting first, with how long each has waited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from broadcaster.callins.intake import call_json
from broadcaster.db.models import CallIn
from broadcaster.errors import BadInput, NotFound


class CallState(StrEnum):
    WAITING = "waiting"
    ON_AIR = "on_air"
    DONE = "done"
    DROPPED = "dropped"


OPEN = (CallState.WAITING, CallState.ON_AIR)
"""The live queue: what `callin list` shows unless asked for a state."""
LIST_MAX = 1000


def parse_state(value: str, field: str = "state") -> CallState:
    try:
        return CallState(value.strip().lower())
    except ValueError:
        raise BadInput(
            f"{field}: {value[:20]!r} is not a state (use {', '.join(CallState)})"
        ) from None


def screen(session: Session, call_id: int, state: CallState, now: datetime) -> CallIn:
    """Move a call to `state` (any state to any other: an operator may correct a slip)."""
    call = session.get(CallIn, call_id)
    if call is None:
        raise NotFound(f"id: no call {call_id} (see `callin list`)")
    if state != CallState.WAITING and call.screened_at is None:
        call.screened_at = now
    if state == CallState.WAITING:
        call.screened_at = None
    call.state = state
    session.flush()
    return call


def queue(
    session: Session,
    *,
    slot_id: int | None = None,
    states: Sequence[CallState] = OPEN,
    limit: int = LIST_MAX,
) -> list[CallIn]:
    """Calls in `states` (of `slot_id`), waiting ones first, oldest first."""
    order = case({s.value: i for i, s in enumerate(CallState)}, value=CallIn.state, else_=9)
    query = select(CallIn).where(CallIn.state.in_([s.value for s in states]))
    if slot_id is not None:
        query = query.where(CallIn.slot_id == slot_id)
    query = query.order_by(order, CallIn.received_at, CallIn.id).limit(limit)
    return list(session.scalars(query))


def waited_s(call: CallIn, now: datetime) -> float:
    """How long the call waited: until it was screened, or until now while waiting."""
    until = call.screened_at if call.state != CallState.WAITING and call.screened_at else now
    return max(0.0, round((until - call.received_at).total_seconds(), 1))


def queue_json(call: CallIn, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {**call_json(call, zone), "waited_s": waited_s(call, now)}
