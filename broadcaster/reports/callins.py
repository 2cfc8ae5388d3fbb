"""Call-in figures for organisers: calls, callers, repeat callers, calls put on air and
dropped, Facebook comments, per province, episode or slot. Figures only: no caller, no
topic, nothing a person could be found by.

A caller is counted in the row of their first call and a repeat caller in the row of
their second (`CallIn.caller_call`), so the rows add up to the totals and the counts stay
when the hashes are erased. Without a caller-hash key every call counts as its own caller.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from broadcaster.db.models import CallIn, Episode, Province, Slot, SlotComments
from broadcaster.schedule.times import show_local

COLUMNS = ("key", "name", "calls", "callers", "repeat_callers", "on_air", "dropped", "comments")
UNKNOWN = "unknown"


class By(StrEnum):
    province = "province"
    episode = "episode"
    slot = "slot"


def _figures() -> list[ColumnElement[Any]]:
    one = literal(1)
    zero = literal(0)
    first = or_(CallIn.caller_call.is_(None), CallIn.caller_call == 1)
    return [
        func.count(CallIn.id).label("calls"),
        func.coalesce(func.sum(case((first, one), else_=zero)), 0).label("callers"),
        func.coalesce(func.sum(case((CallIn.caller_call == 2, one), else_=zero)), 0).label(
            "repeat_callers"
        ),
        func.coalesce(
            func.sum(case((CallIn.state.in_(("on_air", "done")), one), else_=zero)), 0
        ).label("on_air"),
        func.coalesce(func.sum(case((CallIn.state == "dropped", one), else_=zero)), 0).label(
            "dropped"
        ),
    ]


def _in_range(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if start is not None:
        where.append(CallIn.received_at >= start)
    if end is not None:
        where.append(CallIn.received_at < end)
    return where


def _empty(key: Any, name: str, comments: int | None) -> dict[str, Any]:
    return {
        "key": key, "name": name, "calls": 0, "callers": 0, "repeat_callers": 0,
        "on_air": 0, "dropped": 0, "comments": comments,
    }  # fmt: skip


def _fill(row: dict[str, Any], figures: Any) -> None:
    for col in ("calls", "callers", "repeat_callers", "on_air", "dropped"):
        row[col] = int(getattr(figures, col) or 0)


def callins_report(
    session: Session,
    by: By,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: Any = None,
) -> list[dict[str, Any]]:
    """Rows of `COLUMNS`. Provinces: every active one (and `unknown` when it has calls);
    comments are not known per province (null). Episodes and slots: those with calls or
    counted comments in the range; calls linked to no slot in a row keyed null."""
    if by is By.province:
        return _by_province(session, start, end)
    return _by_slot_or_episode(session, by, start, end, zone)


def _by_province(
    session: Session, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for p in session.scalars(
        select(Province).where(Province.active.is_(True)).order_by(Province.position, Province.code)
    ):
        rows[p.code] = _empty(p.code, p.name, None)
    key = func.coalesce(CallIn.province_code, UNKNOWN).label("key")
    query = select(key, *_figures()).where(*_in_range(start, end)).group_by(key)
    names = dict(session.execute(select(Province.code, Province.name)).all())
    for figures in session.execute(query):
        code = figures.key
        row = rows.setdefault(code, _empty(code, names.get(code, "Unknown"), None))
        _fill(row, figures)
    if UNKNOWN in rows:
        rows[UNKNOWN]["name"] = "Unknown"
        rows[UNKNOWN] = rows.pop(UNKNOWN)  # last
    return list(rows.values())


def _by_slot_or_episode(
    session: Session, by: By, start: datetime | None, end: datetime | None, zone: Any
) -> list[dict[str, Any]]:
    group = Slot.episode_id if by is By.episode else CallIn.slot_id
    query = (
        select(group.label("key"), *_figures())
        .select_from(CallIn)
        .outerjoin(Slot, Slot.id == CallIn.slot_id)
        .where(*_in_range(start, end))
        .group_by(group)
    )
    figures_of = {f.key: f for f in session.execute(query)}
    comment_group = Slot.episode_id if by is By.episode else Slot.id
    c_query = (
        select(comment_group.label("key"), func.sum(SlotComments.comments).label("comments"))
        .join(Slot, Slot.id == SlotComments.slot_id)
        .group_by(comment_group)
    )
    if start is not None or end is not None:
        c_query = c_query.where(
            and_(
                *([Slot.end > start] if start is not None else []),
                *([Slot.start < end] if end is not None else []),
            )
        )
    comments_of = {k: int(n or 0) for k, n in session.execute(c_query)}
    keys = [k for k in figures_of if k is not None] + [
        k for k in comments_of if k not in figures_of
    ]
    names = _names(session, by, keys, zone)
    ordered = sorted(keys, key=lambda k: names.get(k, ("", ""))[0])
    rows = []
    for k in ordered:
        row = _empty(k, names.get(k, ("", f"#{k}"))[1], comments_of.get(k, 0))
        if k in figures_of:
            _fill(row, figures_of[k])
        rows.append(row)
    if None in figures_of:
        row = _empty(None, "(no slot on air)", None)
        _fill(row, figures_of[None])
        rows.append(row)
    return rows


def _names(session: Session, by: By, keys: list[Any], zone: Any) -> dict[Any, tuple[str, str]]:
    """key -> (sort key, name)."""
    if not keys:
        return {}
    if by is By.episode:
        found = session.execute(select(Episode.id, Episode.title).where(Episode.id.in_(keys)))
        return {i: (f"{t.casefold()}\x00{i:010d}", t) for i, t in found}
    found_slots = session.execute(
        select(Slot.id, Slot.start, Episode.title)
        .join(Episode, Episode.id == Slot.episode_id)
        .where(Slot.id.in_(keys))
    )
    return {
        i: (s.isoformat() + f"{i:010d}", f"{show_local(s, zone)} {t}" if zone else t)
        for i, s, t in found_slots
    }


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The table's last row: sums of every figure (comments where any row has them)."""
    total: dict[str, Any] = {"key": "total", "name": ""}
    for col in ("calls", "callers", "repeat_callers", "on_air", "dropped"):
        total[col] = sum(int(r[col]) for r in rows)
    with_comments = [r["comments"] for r in rows if r["comments"] is not None]
    total["comments"] = sum(with_comments) if with_comments else None
    return total
