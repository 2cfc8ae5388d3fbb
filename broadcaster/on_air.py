"""What is on air now: a snapshot per leg that the daemon publishes every second.

The web, the monitors and other daemons read it (`read`), never the legs themselves; it
lives in the database, so a process on another machine reads it too. A row whose
`updated_at` is older than `STALE_S` belongs to a daemon that has gone and is not shown.

Shape of one snapshot (`as_json`, also `GET /api/health`'s `on_air`):
`{"slot_id", "leg", "state", "title", "target", "scheduled_start", "elapsed_s",
"remaining_s", "last_gap": {"start", "end", "cause"} | null, "reconnects", "holder",
"updated_at"}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from broadcaster.db.models import OnAirNow
from broadcaster.schedule.times import iso_local_ms

STALE_S = 5.0


@dataclass(frozen=True)
class LegNow:
    """One leg of a slot on air, as the daemon sees it at one moment (a plain value)."""

    slot_id: int
    leg: str
    state: str
    title: str
    target: str
    scheduled_start: datetime
    end: datetime
    last_gap: dict[str, Any] | None
    reconnects: int

    @property
    def key(self) -> str:
        return f"slot:{self.slot_id}:{self.leg}"


def publish(session: Session, holder: str, legs: Sequence[LegNow], now: datetime) -> None:
    """Replace this daemon's rows with `legs` (only its own: another daemon's stay)."""
    keys = {leg.key for leg in legs}
    session.execute(
        delete(OnAirNow).where(OnAirNow.holder == holder, OnAirNow.key.not_in(keys or {""}))
    )
    for leg in legs:
        row = session.get(OnAirNow, leg.key) or OnAirNow(key=leg.key)
        row.holder, row.slot_id, row.leg, row.state = holder, leg.slot_id, leg.leg, leg.state
        row.detail = {
            "title": leg.title,
            "target": leg.target,
            "scheduled_start": leg.scheduled_start.isoformat(),
            "end": leg.end.isoformat(),
            "last_gap": leg.last_gap,
            "reconnects": leg.reconnects,
        }
        row.updated_at = now
        session.add(row)
    session.flush()


def clear(session: Session, holder: str) -> None:
    """The daemon stops: nothing of its stays on air."""
    session.execute(delete(OnAirNow).where(OnAirNow.holder == holder))


def read(session: Session, now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The fresh snapshots, by slot and leg, as JSON objects (the module's docstring)."""
    fresh = now - timedelta(seconds=STALE_S)
    rows = session.scalars(
        select(OnAirNow).where(OnAirNow.updated_at >= fresh).order_by(OnAirNow.key)
    ).all()
    return [as_json(row, now, zone) for row in rows]


def as_json(row: OnAirNow, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    detail = dict(row.detail or {})
    start = datetime.fromisoformat(detail["scheduled_start"])
    end = datetime.fromisoformat(detail["end"])
    gap = detail.get("last_gap")
    if gap is not None:
        gap = {
            "start": iso_local_ms(datetime.fromisoformat(gap["start"]), zone),
            "end": gap.get("end") and iso_local_ms(datetime.fromisoformat(gap["end"]), zone),
            "cause": gap.get("cause"),
        }
    return {
        "slot_id": row.slot_id,
        "leg": row.leg,
        "state": row.state,
        "title": detail.get("title"),
        "target": detail.get("target"),
        "scheduled_start": iso_local_ms(start, zone),
        "elapsed_s": round(max(0.0, (min(now, end) - start).total_seconds()), 3),
        "remaining_s": round(max(0.0, (end - max(now, start)).total_seconds()), 3),
        "last_gap": gap,
        "reconnects": detail.get("reconnects", 0),
        "holder": row.holder,
        "updated_at": iso_local_ms(row.updated_at, zone),
    }
