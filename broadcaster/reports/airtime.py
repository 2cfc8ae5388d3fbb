"""The airtime report: per province, episode or partner, how many slots aired, how long they
were scheduled and how long they went out (SPEC 3.2 `report airtime`, `GET
/api/reports/airtime`). Every figure is summed by the database: a year of slots times 15
provinces is read as a handful of grouped rows, never row by row.

- by province: the carriage rows the relay monitor wrote (`aired_min` = time carried);
  statuses `full`, `partial`, `none`, `unknown`.
- by episode: the slots that have come round (not scheduled or cancelled), `aired_min` =
  for each slot the leg that was longest on air, its gaps taken off; slot statuses.
- by partner: the same, over the episodes each partner is a partner of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from broadcaster.db.models import Episode, Province, ProvinceCarriage
from broadcaster.provinces.carriage import CarriageStatus
from broadcaster.states import SlotStatus

COLUMNS = ("key", "name", "slots", "scheduled_min", "aired_min", "statuses")


class By(StrEnum):
    province = "province"
    episode = "episode"
    partner = "partner"


SLOT_STATUSES = (
    SlotStatus.AIRED,
    SlotStatus.PARTIAL,
    SlotStatus.FAILED,
    SlotStatus.MISSED,
    SlotStatus.ON_AIR,
)
"""The slots an airtime report counts: those that have come round."""
CARRIAGE_STATUSES = tuple(CarriageStatus)


def columns(by: By | str) -> list[str]:
    """The columns of the table and CSV (statuses flattened: `statuses.full`, ...)."""
    statuses = CARRIAGE_STATUSES if By(by) is By.province else SLOT_STATUSES
    return [*COLUMNS[:-1], *(f"statuses.{s}" for s in statuses)]


def airtime_report(
    session: Session,
    zone: ZoneInfo,
    start: datetime | None,
    end: datetime | None,
    by: By | str,
) -> list[dict[str, Any]]:
    """The report's rows for slots starting in [start, end) (either open), grouped `by`:
    `{"key", "name", "slots", "scheduled_min", "aired_min", "statuses": {status: n}}`."""
    del zone  # times are not shown in the rows; kept for the callers' one signature
    by = By(by)
    if by is By.province:
        return _by_province(session, start, end)
    per_episode = _episode_figures(session, start, end)
    if by is By.episode:
        return _by_episode(session, per_episode)
    return _by_partner(session, per_episode)


def airtime_totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The totals row of a report (slots, minutes and every status summed)."""
    statuses: dict[str, int] = {}
    for row in rows:
        for status, count in row["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "key": "total",
        "name": "",
        "slots": sum(r["slots"] for r in rows),
        "scheduled_min": round(sum(r["scheduled_min"] for r in rows), 2),
        "aired_min": round(sum(r["aired_min"] for r in rows), 2),
        "statuses": statuses,
    }


def _row(key: Any, name: str, figures: Mapping[str, Any], statuses: Sequence[str]) -> dict:
    counts = figures.get("statuses", {})
    return {
        "key": key,
        "name": name,
        "slots": int(figures.get("slots", 0)),
        "scheduled_min": round(float(figures.get("scheduled_s", 0.0)) / 60, 2),
        "aired_min": round(float(figures.get("aired_s", 0.0)) / 60, 2),
        "statuses": {str(s): int(counts.get(s, 0)) for s in statuses},
    }


def _add(into: dict[str, Any], status: str, slots: int, scheduled_s: float, aired_s: float) -> None:
    into["slots"] = into.get("slots", 0) + slots
    into["scheduled_s"] = into.get("scheduled_s", 0.0) + scheduled_s
    into["aired_s"] = into.get("aired_s", 0.0) + aired_s
    counts = into.setdefault("statuses", {})
    counts[status] = counts.get(status, 0) + slots


# -- by province ---------------------------------------------------------------------------
def _by_province(
    session: Session, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    pc = ProvinceCarriage
    query = select(
        pc.province_code, pc.status, func.count(), func.sum(pc.scheduled_s), func.sum(pc.carried_s)
    ).group_by(pc.province_code, pc.status)
    if start is not None:
        query = query.where(pc.slot_start >= start)
    if end is not None:
        query = query.where(pc.slot_start < end)
    figures: dict[str, dict[str, Any]] = {}
    for code, status, count, scheduled_s, carried_s in session.execute(query):
        _add(figures.setdefault(code, {}), status, count, scheduled_s or 0.0, carried_s or 0.0)
    provinces = session.execute(
        select(Province.code, Province.name, Province.active).order_by(
            Province.position, Province.code
        )
    ).all()
    return [
        _row(code, name, figures.get(code, {}), CARRIAGE_STATUSES)
        for code, name, active in provinces
        if active or code in figures
    ]


# -- by episode and partner ----------------------------------------------------------------
def _seconds(dialect: str, a: str, b: str) -> str:
    """SQL for the seconds from the stored time `a` to `b` (naive UTC columns)."""
    if dialect == "postgresql":
        return f"EXTRACT(EPOCH FROM ({b} - {a}))"
    return f"((julianday({b}) - julianday({a})) * 86400.0)"


def _gap_seconds(dialect: str, gaps: str, end: str) -> str:
    """SQL for the seconds a leg's gaps (a JSON list of {start, end}) lasted; an open
    gap lasts to the leg's end."""
    if dialect == "postgresql":
        return (
            "(SELECT COALESCE(SUM(EXTRACT(EPOCH FROM ("
            f"COALESCE((g->>'end')::timestamptz, {end} AT TIME ZONE 'UTC')"
            " - (g->>'start')::timestamptz))), 0)"
            f" FROM json_array_elements({gaps}) AS g)"
        )
    return (
        "(SELECT COALESCE(SUM((julianday(COALESCE(json_extract(g.value, '$.end'), "
        f"{end})) - julianday(json_extract(g.value, '$.start'))) * 86400.0), 0)"
        f" FROM json_each({gaps}) AS g)"
    )


def _episode_figures(
    session: Session, start: datetime | None, end: datetime | None
) -> dict[int, dict[str, Any]]:
    """Per episode: slots, scheduled and aired seconds, slot statuses (two grouped queries'
    worth of rows, whatever the number of slots)."""
    dialect = session.get_bind().dialect.name
    slot_s = _seconds(dialect, "s.start", 's."end"')
    leg_s = (
        f"{_seconds(dialect, 'l.actual_start', 'l.actual_end')}"
        f" - {_gap_seconds(dialect, 'l.gaps', 'l.actual_end')}"
    )
    where = ["s.status IN :statuses"]
    params: dict[str, Any] = {"statuses": [str(s) for s in SLOT_STATUSES]}
    if start is not None:
        where.append("s.start >= :start")
        params["start"] = start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    if end is not None:
        where.append("s.start < :end")
        params["end"] = end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    sql = text(
        f"""
        SELECT per_slot.episode_id, per_slot.status, COUNT(*), SUM(per_slot.slot_s),
               SUM(COALESCE(per_slot.aired_s, 0))
        FROM (
            SELECT s.id AS id, s.episode_id AS episode_id, s.status AS status,
                   {slot_s} AS slot_s, MAX(CASE WHEN l.actual_start IS NOT NULL
                   AND l.actual_end IS NOT NULL THEN {leg_s} END) AS aired_s
            FROM slots s LEFT JOIN asrun_legs l ON l.slot_id = s.id
            WHERE {" AND ".join(where)}
            GROUP BY s.id, s.episode_id, s.status, s.start, s."end"
        ) AS per_slot
        GROUP BY per_slot.episode_id, per_slot.status
        """  # only the station's own SQL fragments are formatted in, values are bound
    ).bindparams(bindparam("statuses", expanding=True))
    figures: dict[int, dict[str, Any]] = {}
    for episode_id, status, count, scheduled_s, aired_s in session.execute(sql, params):
        aired = max(0.0, min(float(aired_s or 0.0), float(scheduled_s or 0.0)))
        _add(figures.setdefault(episode_id, {}), status, count, float(scheduled_s or 0.0), aired)
    return figures


def _by_episode(session: Session, figures: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    if not figures:
        return []
    titles = session.execute(
        select(Episode.id, Episode.title).where(Episode.id.in_(list(figures))).order_by(Episode.id)
    ).all()
    return [_row(eid, title, figures[eid], SLOT_STATUSES) for eid, title in titles]


def _by_partner(session: Session, figures: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    if not figures:
        return []
    partners: dict[str, dict[str, Any]] = {}
    episodes = session.execute(
        select(Episode.id, Episode.partners).where(Episode.id.in_(list(figures)))
    ).all()
    for eid, names in episodes:
        for name in dict.fromkeys(names or []):  # a partner named twice counts once
            into = partners.setdefault(str(name), {})
            for status, count in figures[eid]["statuses"].items():
                into.setdefault("statuses", {})
                into["statuses"][status] = into["statuses"].get(status, 0) + count
            into["slots"] = into.get("slots", 0) + figures[eid]["slots"]
            into["scheduled_s"] = into.get("scheduled_s", 0.0) + figures[eid]["scheduled_s"]
            into["aired_s"] = into.get("aired_s", 0.0) + figures[eid]["aired_s"]
    return [
        _row(name, name, partners[name], SLOT_STATUSES)
        for name in sorted(partners, key=str.casefold)
    ]
