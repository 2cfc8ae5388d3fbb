"""The week's schedule for operators: a grid in the station's zone; book, move, cancel.

The forms do what `POST /api/slots`, `PATCH` and `DELETE /api/slots/{id}` do, with the same
functions (`schedule.book`, `schedule.move`) and the same messages; a refusal (an overlap,
a time in the past) is shown next to the form it came from, nothing stored.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from broadcaster import episodes as library
from broadcaster.db.models import Slot
from broadcaster.errors import BadInput, Conflict
from broadcaster.schedule import book
from broadcaster.schedule.lock import lock_schedule
from broadcaster.schedule.move import move_slot
from broadcaster.states import SlotStatus
from broadcaster.web.auth import Caller
from broadcaster.web.context import WebContext
from broadcaster.web.pages_common import Ctx, Person, refuse_form, render
from broadcaster.web.routes_schedule import when

router = APIRouter(include_in_schema=False)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]


@dataclass
class Refusal:
    """A refused change: its message and lines, and which form it belongs beside."""

    message: str
    problems: list[str] = field(default_factory=list)
    slot_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)


def refusal_of(
    exc: BadInput, slot_id: int | None = None, values: dict[str, str] | None = None
) -> Refusal:
    head = str(exc.args[0]) if exc.args else str(exc)
    return Refusal(head, list(exc.problems), slot_id, values or {})


def week_start(ctx: WebContext, asked: str | None) -> date:
    """The Monday of the week asked for (`YYYY-MM-DD`), or of this week."""
    day = ctx.station.clock().astimezone(ctx.station.settings.zone).date()
    if asked:
        with contextlib.suppress(ValueError):
            asked_day = date.fromisoformat(asked[:10])
            day = asked_day if 1900 <= asked_day.year <= 9000 else day
    return day - timedelta(days=day.weekday())


def _week_page(
    request: Request,
    ctx: WebContext,
    caller: Caller,
    monday: date,
    refusal: Refusal | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    zone = ctx.station.settings.zone
    now = ctx.station.clock()
    start = datetime.combine(monday, time(0), zone)
    end = start + timedelta(days=7)
    days: list[dict[str, Any]] = []
    with ctx.station.sessions() as session:
        slots = book.list_slots(session, start, end)
        by_day: dict[date, list[Slot]] = {}
        for slot in slots:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(
                {
                    "date": day,
                    "moment": datetime.combine(day, time(12), zone),
                    "today": day == now.astimezone(zone).date(),
                    "slots": [_slot_view(s, now, zone) for s in by_day.get(day, [])],
                }
            )
        episodes = (
            [{"id": e.id, "title": e.title} for e in library.all_episodes(session)]
            if caller.can_write
            else []
        )
    return render(
        request,
        ctx,
        "week.html",
        caller,
        status,
        title=f"{monday:%Y-%m-%d}",
        monday=monday,
        days=days,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        episodes=episodes,
        refusal=refusal,
        movable={s["id"] for d in days for s in d["slots"] if s["movable"]},
        done=done,
    )


def _slot_view(slot: Slot, now: datetime, zone: Any) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.episode.title,
        "start": slot.start.astimezone(zone),
        "end": slot.end.astimezone(zone),
        "status": slot.status,
        "destinations": list(slot.destinations),
        "movable": slot.status == SlotStatus.SCHEDULED and slot.start > now,
    }


@router.get("/week", response_class=HTMLResponse)
def week(
    request: Request,
    ctx: Ctx,
    caller: Person,
    week: Annotated[str | None, Query(max_length=20)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    said = done if done in ("booked", "moved", "cancelled") else None
    return _week_page(request, ctx, caller, week_start(ctx, week), done=said)


def _back(ctx: WebContext, moment: datetime, done: str) -> Response:
    local = moment.astimezone(ctx.station.settings.zone).date()
    return RedirectResponse(f"/week?week={local.isoformat()}&done={done}", status_code=303)


def _status(exc: BadInput) -> int:
    return 409 if isinstance(exc, Conflict) else 422


def _refused(
    request: Request,
    ctx: WebContext,
    caller: Caller,
    week: str,
    exc: BadInput,
    slot_id: int | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The week again, with what was refused and why beside the form (409 or 422)."""
    refusal = refusal_of(exc, slot_id, values)
    return _week_page(request, ctx, caller, week_start(ctx, week), refusal, status=_status(exc))


@router.post("/week/slots", response_class=HTMLResponse)
def add_slot(
    request: Request,
    ctx: Ctx,
    caller: Person,
    csrf_token: Text = "",
    episode_id: Text = "",
    start: Text = "",
    destinations: Annotated[list[str] | None, Form()] = None,
    provinces: Text = "all",
    repeat: Text = "",
    week: Text = "",
) -> Response:
    refused = refuse_form(request, ctx, caller, csrf_token)
    if refused is not None:
        return refused
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    values: dict[str, str] = {
        "episode_id": episode_id,
        "start": start,
        "provinces": provinces,
        "repeat": repeat,
    }
    try:
        if not episode_id.isdigit():
            raise BadInput("episode_id: choose an episode")
        moment = when(ctx, start.strip(), "start")
        with ctx.station.sessions.begin() as session:
            lock_schedule(session)
            request_ = book.SlotRequest(
                episode_id=int(episode_id),
                start=moment,
                destinations=book.parse_destinations(destinations or [], "destinations"),
                provinces=book.parse_provinces(
                    provinces or "all", book.active_province_codes(session), "provinces"
                ),
                repeat=repeat.strip() or None,
            )
            try:
                book.add_slots(session, request_, zone, now, origin="web")
            except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
                raise BadInput(f"repeat: {repeat!r} is not a usable RRULE ({exc})") from None
    except BadInput as exc:
        return _refused(request, ctx, caller, week or start, exc, None, values)
    return _back(ctx, moment, "booked")


@router.post("/week/slots/{slot_id}/move", response_class=HTMLResponse)
def move(
    request: Request,
    ctx: Ctx,
    caller: Person,
    slot_id: RowId,
    csrf_token: Text = "",
    start: Text = "",
    week: Text = "",
) -> Response:
    refused = refuse_form(request, ctx, caller, csrf_token)
    if refused is not None:
        return refused
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    try:
        moment = when(ctx, start.strip(), "start")
        with ctx.station.sessions.begin() as session:
            lock_schedule(session)
            move_slot(session, slot_id, moment, zone, now)
    except BadInput as exc:
        return _refused(request, ctx, caller, week, exc, slot_id, {"start": start})
    return _back(ctx, moment, "moved")


@router.post("/week/slots/{slot_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    ctx: Ctx,
    caller: Person,
    slot_id: RowId,
    csrf_token: Text = "",
    week: Text = "",
) -> Response:
    refused = refuse_form(request, ctx, caller, csrf_token)
    if refused is not None:
        return refused
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    try:
        with ctx.station.sessions.begin() as session:
            lock_schedule(session)
            slot, _changed = book.cancel_slot(session, slot_id, zone, now)
            moment = slot.start
    except BadInput as exc:
        return _refused(request, ctx, caller, week, exc, slot_id)
    return _back(ctx, moment, "cancelled")
