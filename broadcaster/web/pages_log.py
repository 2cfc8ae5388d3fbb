"""The as-run and airtime log for organisers: filters (dates, episode, partner, province,
destination, status), a page of legs at a time, and the same rows as CSV.

Built to stay fast over years of data: the filters are one query on the slots' start
index, the page is a LIMIT of it, and only the page's rows are turned into objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, contains_eager

from broadcaster.asrun import leg_json
from broadcaster.db.models import AsRunLeg, Episode, Province, ProvinceCarriage, Slot
from broadcaster.reports.output import to_csv
from broadcaster.states import LegStatus
from broadcaster.web.context import WebContext
from broadcaster.web.pages_common import Ctx, Person, render

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100
DEFAULT_DAYS = 30
CSV_COLUMNS = (
    "slot_id", "leg", "title", "scheduled_start", "actual_start", "actual_end", "status",
    "target", "reconnects", "gaps", "cause", "province", "carriage",
)  # fmt: skip
Param = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class LogFilters:
    """What the organiser asked for; dates are whole days in the station's zone."""

    first: date
    last: date
    episode: str = ""
    partner: str = ""
    province: str = ""
    destination: str = ""
    status: str = ""
    page: int = 1

    def query_string(self, **change: Any) -> str:
        values = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "episode": self.episode,
            "partner": self.partner,
            "province": self.province,
            "destination": self.destination,
            "status": self.status,
            "page": self.page,
        }
        values.update(change)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def _day(value: str, default: date) -> date:
    """A `YYYY-MM-DD` day from a filter; `default` when it is not one (or out of range)."""
    try:
        day = date.fromisoformat(value.strip()[:10]) if value.strip() else default
    except ValueError:
        return default
    return day if 1900 <= day.year <= 9000 else default


def days_asked(ctx: WebContext, from_: str, to: str) -> tuple[date, date]:
    """The first and last days asked for (`YYYY-MM-DD`, in either order), by default the
    last `DEFAULT_DAYS` up to today in the station's zone."""
    today = ctx.station.clock().astimezone(ctx.station.settings.zone).date()
    last = _day(to, today)
    first = _day(from_, last - timedelta(days=DEFAULT_DAYS))
    return (last, first) if last < first else (first, last)


def read_filters(
    ctx: Ctx,
    from_: Annotated[str, Query(alias="from", max_length=20)] = "",
    to: Annotated[str, Query(max_length=20)] = "",
    episode: Param = "",
    partner: Param = "",
    province: Param = "",
    destination: Param = "",
    status: Param = "",
    page: Annotated[str, Query(max_length=8)] = "1",
) -> LogFilters:
    """The filters from the query string (the log page and its CSV read the same ones)."""
    first, last = days_asked(ctx, from_, to)
    return LogFilters(
        first,
        last,
        episode.strip(),
        partner.strip(),
        province.strip().upper(),
        destination.strip() if destination.strip() in ("radio", "facebook") else "",
        status.strip() if status.strip() in tuple(LegStatus) else "",
        max(1, int(page)) if page.isdigit() and len(page) < 7 else 1,
    )


Filters = Annotated[LogFilters, Depends(read_filters)]


def partners_in(session: Session) -> dict[str, list[int]]:
    """Each partner named in the library, and its episodes."""
    found: dict[str, list[int]] = {}
    for episode_id, partners in session.execute(select(Episode.id, Episode.partners)):
        for name in partners or []:
            found.setdefault(str(name), []).append(episode_id)
    return dict(sorted(found.items(), key=lambda kv: kv[0].casefold()))


def filtered(ctx: WebContext, f: LogFilters, partners: dict[str, list[int]]) -> Select[Any]:
    """The legs the filters keep, with their slot, episode and (for a province) carriage."""
    zone = ctx.station.settings.zone
    start = datetime.combine(f.first, time(0), zone)
    end = datetime.combine(f.last + timedelta(days=1), time(0), zone)
    query = (
        select(AsRunLeg)
        .join(AsRunLeg.slot)
        .join(Slot.episode)
        .where(Slot.start >= start, Slot.start < end)
    )
    if f.episode:
        if f.episode.isdigit():
            query = query.where(Slot.episode_id == int(f.episode))
        else:
            query = query.where(
                func.lower(Episode.title).contains(f.episode.lower(), autoescape=True)
            )
    if f.partner:
        query = query.where(Slot.episode_id.in_(partners.get(f.partner, [-1])))
    if f.province:  # what the province's relay carried, as `report airtime` counts it
        query = query.where(
            exists().where(
                ProvinceCarriage.slot_id == AsRunLeg.slot_id,
                ProvinceCarriage.province_code == f.province,
            )
        )
    if f.destination:
        query = query.where(AsRunLeg.leg == f.destination)
    if f.status:
        query = query.where(AsRunLeg.status == f.status)
    return query


def carriage_of(session: Session, slot_ids: list[int], province: str) -> dict[int, str]:
    """How `province` carried each of these slots (full, partial, none, unknown)."""
    found: dict[int, str] = {}
    for i in range(0, len(slot_ids), 500):  # keep each IN list short
        rows = session.execute(
            select(ProvinceCarriage.slot_id, ProvinceCarriage.status).where(
                ProvinceCarriage.province_code == province,
                ProvinceCarriage.slot_id.in_(slot_ids[i : i + 500]),
            )
        )
        found.update({slot_id: status for slot_id, status in rows})
    return found


def rows_of(
    session: Session, ctx: WebContext, f: LogFilters, query: Select[Any], limit: int | None
) -> list[dict[str, Any]]:
    ordered = query.options(contains_eager(AsRunLeg.slot).contains_eager(Slot.episode)).order_by(
        Slot.start, Slot.id, AsRunLeg.leg
    )
    if limit is not None:
        ordered = ordered.limit(limit).offset((f.page - 1) * limit)
    legs = session.scalars(ordered).all()
    ids = sorted({leg.slot_id for leg in legs})
    carried = carriage_of(session, ids, f.province) if f.province else {}
    zone = ctx.station.settings.zone
    rows = []
    for leg in legs:
        row = leg_json(leg, zone)
        row["gaps"] = len(row["gaps"])
        row["province"] = f.province or None
        row["carriage"] = carried.get(leg.slot_id) if f.province else None
        rows.append(row)
    return rows


@router.get("/log", response_class=HTMLResponse)
def airtime_log(request: Request, ctx: Ctx, caller: Person, f: Filters) -> Response:
    with ctx.station.sessions() as session:
        partners = partners_in(session)
        query = filtered(ctx, f, partners)
        total = session.scalar(query.with_only_columns(func.count(AsRunLeg.id))) or 0
        rows = rows_of(session, ctx, f, query, PAGE_ROWS)
        provinces = session.execute(
            select(Province.code, Province.name, Province.name_km)
            .where(Province.active.is_(True))
            .order_by(Province.position)
        ).all()
    pages = max(1, -(-total // PAGE_ROWS))
    return render(
        request,
        ctx,
        "log.html",
        caller,
        title="Log",
        f=f,
        rows=rows,
        total=total,
        pages=pages,
        partners=list(partners),
        provinces=provinces,
        statuses=list(LegStatus),
        csv_link="/log.csv?" + f.query_string(page=1),
        report_link="/reports/airtime.csv?"
        + urlencode({"from": f.first.isoformat(), "to": f.last.isoformat(), "by": "province"}),
        previous_link="/log?" + f.query_string(page=f.page - 1) if f.page > 1 else None,
        next_link="/log?" + f.query_string(page=f.page + 1) if f.page < pages else None,
    )


@router.get("/log.csv")
def airtime_log_csv(ctx: Ctx, _caller: Person, f: Filters) -> Response:
    """Every leg the filters keep (not only one page), as a spreadsheet opens it."""
    with ctx.station.sessions() as session:
        query = filtered(ctx, f, partners_in(session))
        rows = rows_of(session, ctx, f, query, None)
    name = (
        f"asrun-{f.first.isoformat()}-{f.last.isoformat()}{'-' + f.province if f.province else ''}"
    )
    return Response(
        to_csv(rows, CSV_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
