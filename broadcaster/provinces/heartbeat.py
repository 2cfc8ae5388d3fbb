"""Heartbeats: relay sites without a pollable mount say themselves whether they carry the
feed (`POST /api/provinces/{code}/heartbeat`). The last report is kept on the province;
the relay monitor reads it every polling period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db.models import Province
from broadcaster.provinces.carriage import Report


def record_heartbeat(
    province: Province, carrying: bool, listeners: int | None, now: datetime
) -> None:
    """Keep the site's report (its token already checked)."""
    province.last_heartbeat_at = now
    province.last_carrying = carrying
    province.last_listeners = listeners


def last_reports(session: Session, codes: Iterable[str]) -> dict[str, Report]:
    """The last heartbeat of each of `codes` that ever sent one."""
    wanted = list(codes)
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Province.code, Province.last_heartbeat_at, Province.last_carrying,
            Province.last_listeners,
        ).where(Province.code.in_(wanted), Province.last_heartbeat_at.is_not(None))
    ).all()  # fmt: skip
    return {
        code: Report(at, bool(carrying), listeners)
        for code, at, carrying, listeners in rows
        if at is not None
    }
