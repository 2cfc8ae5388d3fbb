"""The as-run log as people read it: per slot and leg, what actually went out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from broadcaster.db.models import AsRunLeg, Province, ProvinceCarriage, Slot
from broadcaster.schedule.times import iso_local_ms
from broadcaster.states import LegStatus, SlotStatus


def legs_between(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> Sequence[AsRunLeg]:
    query = (
        select(AsRunLeg)
        .join(AsRunLeg.slot)
        .options(joinedload(AsRunLeg.slot).joinedload(Slot.episode))
        .order_by(AsRunLeg.scheduled_start, AsRunLeg.slot_id, AsRunLeg.leg)
    )
    if start is not None:
        query = query.where(Slot.end > start)
    if end is not None:
        query = query.where(Slot.start < end)
    return session.scalars(query).all()


def _when(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else iso_local_ms(moment, zone)


def leg_json(leg: AsRunLeg, zone: ZoneInfo) -> dict[str, Any]:
    """The pinned as-run object of SPEC 3.2, plus the title, target and cause."""
    gaps = [
        {
            "start": _when(datetime.fromisoformat(g["start"]), zone),
            "end": _when(datetime.fromisoformat(g["end"]), zone) if g.get("end") else None,
            "cause": g.get("cause"),
        }
        for g in leg.gaps
    ]
    return {
        "slot_id": leg.slot_id,
        "leg": leg.leg,
        "scheduled_start": _when(leg.scheduled_start, zone),
        "actual_start": _when(leg.actual_start, zone),
        "actual_end": _when(leg.actual_end, zone),
        "gaps": gaps,
        "reconnects": leg.reconnects,
        "status": leg.status,
        "title": leg.slot.episode.title,
        "target": leg.target,
        "cause": leg.cause,
    }


def provinces_of(session: Session, slot_ids: Sequence[int]) -> dict[int, list[ProvinceCarriage]]:
    """Each slot's carriage rows, in the provinces' order (one query for all the slots)."""
    found: dict[int, list[ProvinceCarriage]] = {}
    ids = sorted(set(slot_ids))
    for i in range(0, len(ids), 500):  # keep each IN list short
        rows = session.scalars(
            select(ProvinceCarriage)
            .join(Province, Province.code == ProvinceCarriage.province_code)
            .where(ProvinceCarriage.slot_id.in_(ids[i : i + 500]))
            .order_by(ProvinceCarriage.slot_id, Province.position, Province.code)
        )
        for row in rows:
            found.setdefault(row.slot_id, []).append(row)
    return found


def carriage_json(row: ProvinceCarriage, zone: ZoneInfo) -> dict[str, Any]:
    """A province's carriage of a slot, as the radio rows of the as-run log give it."""
    return {
        "code": row.province_code,
        "status": row.status,
        "carried_s": round(row.carried_s, 3),
        "peak_listeners": row.peak_listeners,
        "segments": [
            {
                "start": _when(datetime.fromisoformat(s["start"]), zone),
                "end": _when(datetime.fromisoformat(s["end"]), zone),
            }
            for s in row.segments
        ],
    }


def asrun_rows(session: Session, legs: Sequence[AsRunLeg], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The as-run log as `asrun --json` and `GET /api/asrun` give it: `leg_json`, and on
    the radio rows the provinces that carried it (`provinces`)."""
    carried = provinces_of(session, [leg.slot_id for leg in legs if leg.leg == "radio"])
    rows = []
    for leg in legs:
        row = leg_json(leg, zone)
        if leg.leg == "radio":
            row["provinces"] = [carriage_json(c, zone) for c in carried.get(leg.slot_id, [])]
        rows.append(row)
    return rows


def mark_missed(session: Session, now: datetime) -> list[Slot]:
    """Slots whose time passed with nobody airing them: `missed`, with a missed row per leg."""
    overdue = session.scalars(
        select(Slot).where(Slot.status == SlotStatus.SCHEDULED, Slot.end <= now)
    ).all()
    for slot in overdue:
        slot.status = SlotStatus.MISSED
        slot.updated_at = now
        for destination in slot.destinations:
            session.add(
                AsRunLeg(
                    slot_id=slot.id,
                    leg=destination,
                    scheduled_start=slot.start,
                    status=LegStatus.MISSED,
                    cause="no daemon was on air during the slot",
                    gaps=[],
                    reconnects=0,
                )
            )
    session.flush()
    return list(overdue)
