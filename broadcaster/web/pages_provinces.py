"""Provinces for organisers: what each province's relay carried (slots full, partial, none,
unknown; minutes) and its call-ins, charts of airtime and call-ins per province and per
partner (SVG drawn here), and the reports as CSV, as `broadcaster report ...` writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db.models import Episode, Province
from broadcaster.reports import airtime, callins
from broadcaster.reports.output import Format
from broadcaster.reports.output import render as render_report
from broadcaster.web.charts import bar_chart
from broadcaster.web.context import WebContext
from broadcaster.web.i18n import Words
from broadcaster.web.pages_common import Ctx, Person, render, svg, words_for
from broadcaster.web.pages_log import days_asked

router = APIRouter(include_in_schema=False)
DayQ = Annotated[str, Query(max_length=20)]
STATUSES = ("full", "partial", "none", "unknown")


def period(ctx: WebContext, from_: str, to: str) -> tuple[date, date, datetime, datetime]:
    """The days asked for (default: the last 30) and their edges in the station's zone."""
    zone = ctx.station.settings.zone
    first, last = days_asked(ctx, from_, to)
    start = datetime.combine(first, time(0), zone)
    return first, last, start, datetime.combine(last + timedelta(days=1), time(0), zone)


def _calls_by_partner(session: Session, per_episode: list[dict[str, Any]]) -> dict[str, int]:
    ids = [r["key"] for r in per_episode if r["key"] is not None]
    query = select(Episode.id, Episode.partners).where(Episode.id.in_(ids))
    partners = {episode_id: names for episode_id, names in session.execute(query)}
    found: dict[str, int] = {}
    for row in per_episode:
        for name in partners.get(row["key"]) or []:
            found[str(name)] = found.get(str(name), 0) + int(row["calls"])
    return found


def province_rows(
    session: Session, ctx: WebContext, start: datetime, end: datetime, words: Words
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    zone = ctx.station.settings.zone
    calls = {
        r["key"]: int(r["calls"])
        for r in callins.callins_report(session, callins.By.province, start, end, zone)
    }
    km = {code: name for code, name in session.execute(select(Province.code, Province.name_km))}
    rows = []
    for r in airtime.airtime_report(session, zone, start, end, airtime.By.province):
        name = km.get(r["key"]) if words.lang == "km" and km.get(r["key"]) else r["name"]
        rows.append({**r, "shown_name": name, "calls": calls.get(r["key"], 0)})
    total = {**airtime.airtime_totals(rows), "calls": sum(calls.values())}
    return rows, total


@router.get("/provinces", response_class=HTMLResponse)
def provinces_page(
    request: Request,
    ctx: Ctx,
    caller: Person,
    from_: Annotated[str, Query(alias="from", max_length=20)] = "",
    to: DayQ = "",
) -> Response:
    first, last, start, end = period(ctx, from_, to)
    words = words_for(request, ctx)
    zone = ctx.station.settings.zone
    with ctx.station.sessions() as session:
        rows, total = province_rows(session, ctx, start, end, words)
        by_partner = airtime.airtime_report(session, zone, start, end, airtime.By.partner)
        calls_episode = callins.callins_report(session, callins.By.episode, start, end, zone)
        calls_partner = _calls_by_partner(session, calls_episode)
    charts = [
        bar_chart(
            words("airtime_by_province"), [(r["shown_name"], r["aired_min"]) for r in rows], "min"
        ),
        bar_chart(words("callins_by_province"), [(r["shown_name"], r["calls"]) for r in rows]),
        bar_chart(
            words("airtime_by_partner"), [(r["name"], r["aired_min"]) for r in by_partner], "min"
        ),
        bar_chart(words("callins_by_partner"), sorted(calls_partner.items())),
    ]
    span = f"from={first.isoformat()}&to={last.isoformat()}"
    return render(
        request,
        ctx,
        "provinces.html",
        caller,
        title="Provinces",
        first=first,
        last=last,
        rows=rows,
        total=total,
        statuses=STATUSES,
        charts=[svg(c) for c in charts],
        downloads=[
            ("download_report", f"/reports/airtime.csv?{span}&by=province"),
            ("report_by_partner", f"/reports/airtime.csv?{span}&by=partner"),
            ("report_by_episode", f"/reports/airtime.csv?{span}&by=episode"),
            ("download_callins", f"/reports/callins.csv?{span}&by=province"),
        ],
    )


def _report_csv(
    ctx: WebContext,
    from_: str,
    to: str,
    name: str,
    report: Callable[[Session, datetime, datetime], list[dict[str, Any]]],
    columns: Sequence[str],
) -> Response:
    """A report for the days asked for, as `broadcaster report ... --format csv` writes it."""
    first, last, start, end = period(ctx, from_, to)
    with ctx.station.sessions() as session:
        body = render_report(report(session, start, end), Format.csv, columns)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{name}-{first.isoformat()}-{last.isoformat()}.csv"'
            )
        },
    )


@router.get("/reports/airtime.csv")
def airtime_csv(
    ctx: Ctx,
    _caller: Person,
    from_: Annotated[str, Query(alias="from", max_length=20)] = "",
    to: DayQ = "",
    by: airtime.By = airtime.By.province,
) -> Response:
    """`broadcaster report airtime --by BY --format csv` for these days."""
    zone = ctx.station.settings.zone

    def report(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return airtime.airtime_report(session, zone, start, end, by)

    return _report_csv(ctx, from_, to, f"airtime-{by.value}", report, airtime.columns(by))


@router.get("/reports/callins.csv")
def callins_csv(
    ctx: Ctx,
    _caller: Person,
    from_: Annotated[str, Query(alias="from", max_length=20)] = "",
    to: DayQ = "",
    by: callins.By = callins.By.province,
) -> Response:
    """`broadcaster report callins --by BY --format csv` for these days."""
    zone = ctx.station.settings.zone

    def report(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return callins.callins_report(session, by, start, end, zone)

    return _report_csv(ctx, from_, to, f"callins-{by.value}", report, callins.COLUMNS)
