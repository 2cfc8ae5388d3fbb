"""Store what the legs did as `AsRunLeg` rows and set the slot's status from them.

A slot can be aired by more than one daemon run: a daemon killed mid-slot and restarted,
or a standby taking over from a lost leader. The rows then tell the whole story: the
first run's start, its gaps, the hand-over gap from the last heartbeat (`confirmed_at`)
to the moment the next run was back on air, and every reconnect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.playout.supervise import LegRecord
from broadcaster.playout.timing import Gap, slot_status
from broadcaster.states import LegStatus

HANDOVER_CAUSE = "daemon restarted"


@dataclass(frozen=True)
class Earlier:
    """What earlier daemon runs logged for one leg of a slot before they stopped."""

    actual_start: datetime | None
    gaps: tuple[Gap, ...]
    reconnects: int
    confirmed_at: datetime | None
    aircheck_path: str | None = None


def earlier_runs(session: Session, slot_id: int) -> dict[str, Earlier]:
    """The legs an earlier run left on air (or failing) for `slot_id`, by leg name."""
    rows = session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
    return {
        row.leg: Earlier(
            actual_start=row.actual_start,
            gaps=tuple(_gap(g) for g in row.gaps),
            reconnects=row.reconnects,
            confirmed_at=row.confirmed_at or row.actual_start,
            aircheck_path=row.aircheck_path,
        )
        for row in rows
    }


def _gap(stored: Mapping[str, str | None]) -> Gap:
    end = stored.get("end")
    return Gap(
        start=datetime.fromisoformat(str(stored["start"])),
        end=None if end is None else datetime.fromisoformat(end),
        cause=str(stored.get("cause") or "unknown"),
    )


def joined(earlier: Earlier | None, rec: LegRecord, cause: str = HANDOVER_CAUSE) -> LegRecord:
    """`rec` (this run) continued from what earlier runs logged for the same leg (pure)."""
    if earlier is None:
        return rec
    before = [g for g in earlier.gaps if g.end is not None]
    if earlier.actual_start is None:
        # Never on air before: the earlier run's off-air time is this run's too.
        return replace(rec, gaps=_merge([*before, *rec.gaps]))
    seen = earlier.confirmed_at or earlier.actual_start
    own = [
        Gap(max(g.start, seen), g.end, g.cause) for g in rec.gaps if g.end is None or g.end > seen
    ]
    handover: list[Gap] = []
    if not own or own[0].start > seen:
        handover = [Gap(seen, rec.actual_start, cause)]
    gaps = _merge([*before, *handover, *own])
    status = rec.status
    if status in (LegStatus.AIRED, LegStatus.FAILED):
        status = LegStatus.PARTIAL
    return replace(
        rec,
        actual_start=earlier.actual_start,
        gaps=gaps,
        reconnects=earlier.reconnects + rec.reconnects + (1 if rec.actual_start else 0),
        status=status,
        cause=rec.cause or cause,
    )


def _merge(gaps: Sequence[Gap]) -> list[Gap]:
    """Gaps in time order, overlapping ones joined (the first cause kept)."""
    out: list[Gap] = []
    for gap in sorted(gaps, key=lambda g: g.start):
        last = out[-1] if out else None
        if last is not None and (last.end is None or gap.start <= last.end):
            if last.end is not None:
                last.end = None if gap.end is None else max(last.end, gap.end)
            continue
        out.append(Gap(gap.start, gap.end, gap.cause))
    return out


def record_legs(
    session: Session,
    slot_id: int,
    records: Sequence[LegRecord],
    now: datetime,
    earlier: Mapping[str, Earlier] | None = None,
) -> str:
    """Insert or update one row per leg (by slot and leg name); returns the slot's new status.

    Call it when the slot goes on air (legs `on_air`), as a heartbeat while it airs, and
    when it ends. `earlier` (from `earlier_runs`, read before this run started) joins what
    a previous daemon run logged.
    """
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise LookupError(f"slot {slot_id} not found")
    existing = {
        row.leg: row for row in session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id))
    }
    statuses = []
    for own in records:
        rec = joined((earlier or {}).get(own.leg), own)
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
        if rec.status != LegStatus.ON_AIR:
            row.confirmed_at = rec.actual_end
        elif own.actual_start is not None and not (own.gaps and own.gaps[-1].end is None):
            row.confirmed_at = now
        statuses.append(rec.status)
    slot.status = slot_status(statuses)
    slot.updated_at = now
    session.flush()
    return slot.status


def close_abandoned(session: Session, slot: Slot, now: datetime) -> None:
    """A slot left `on_air` by a daemon that stopped, whose time is over with nobody airing it.

    Each leg ends where it was last seen on air; the rest of the slot is a gap.
    """
    rows = session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot.id)).all()
    statuses = []
    for row in rows:
        if row.status == LegStatus.ON_AIR:
            seen = row.confirmed_at or row.actual_start
            gaps = [_gap(g) for g in row.gaps]
            if seen is not None and seen < slot.end:
                gaps.append(Gap(seen, slot.end, "no daemon was on air"))
            for gap in gaps:
                gap.end = gap.end or slot.end
            row.gaps = [g.as_json() for g in _merge(gaps)]
            row.actual_end = seen
            row.status = LegStatus.PARTIAL if row.actual_start is not None else LegStatus.MISSED
            row.cause = row.cause or "no daemon was on air"
        statuses.append(row.status)
    slot.status = slot_status(statuses)
    slot.updated_at = now
    session.flush()
