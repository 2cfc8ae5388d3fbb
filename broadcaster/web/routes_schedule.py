"""Health, the schedule and its slots, the as-run log, the ICS feed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from broadcaster import asrun as log
from broadcaster import on_air
from broadcaster.daemon.lease import current_holder
from broadcaster.db.models import Slot
from broadcaster.errors import BadInput, NotFound
from broadcaster.schedule import book, export
from broadcaster.schedule.feed import feed_slots
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.lock import lock_schedule
from broadcaster.schedule.move import move_slot
from broadcaster.schedule.times import parse_time
from broadcaster.states import SlotStatus
from broadcaster.web.auth import Caller
from broadcaster.web.context import WebContext, context, reader, writer
from broadcaster.web.errors import ERROR_RESPONSES, ErrorOut, bad_input_response
from broadcaster.web.models import (
    TIME_SCHEMA,
    AsRunOut,
    HealthOut,
    SlotIn,
    SlotMove,
    SlotOut,
)

router = APIRouter()
# response_model_exclude_unset: keys a route leaves out (e.g. `title` when booking) stay
# out, as in the CLI's --json.
Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
FromQ = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=64,
        description="From this time (station time or ISO 8601)",
        json_schema_extra=TIME_SCHEMA,
    ),
]
ToQ = Annotated[
    str | None,
    Query(alias="to", max_length=64, description="Until this time", json_schema_extra=TIME_SCHEMA),
]
SlotId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ICS_DEFAULT_PAST = timedelta(days=31)

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorOut, "description": "malformed request"},
    404: {"model": ErrorOut, "description": "no such slot"},
    409: {"model": ErrorOut, "description": "overlaps another slot, named in the message"},
}


def when(ctx: WebContext, value: str, field: str) -> datetime:
    """A time as the CLI reads it; the far edges of the calendar are refused, not a 500."""
    try:
        moment = parse_time(value, ctx.station.settings.zone, field)
    except (OverflowError, ValueError):
        moment = None
    if moment is None or not 1900 <= moment.year <= 9000:
        raise BadInput(f"{field}: {value!r} is out of range (years 1900 to 9000)")
    return moment


def _range(ctx: WebContext, from_: str | None, to: str | None) -> tuple[Any, Any]:
    start = when(ctx, from_, "from") if from_ else None
    end = when(ctx, to, "to") if to else None
    if start is not None and end is not None and end <= start:
        raise BadInput("to: must be later than from")
    return start, end


@router.get(
    "/api/health",
    response_model_exclude_unset=True,
    response_model=HealthOut,
    tags=["status"],
    responses={503: {"model": HealthOut, "description": "the database cannot be reached"}},
)
def health(ctx: Ctx) -> Any:
    """Is the station working: the database, the leader daemon, what is on air, what is next.
    Open to anyone (monitors poll it)."""
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    try:
        with ctx.station.sessions() as session:
            session.execute(text("SELECT 1"))
            leader = current_holder(session, now)
            airing = on_air.read(session, now, zone)
            upcoming = session.scalars(
                select(Slot)
                .options(joinedload(Slot.episode))
                .where(Slot.status == SlotStatus.SCHEDULED, Slot.start > now)
                .order_by(Slot.start, Slot.id)
                .limit(1)
            ).first()
            next_slot = book.slot_json(upcoming, zone, with_title=True) if upcoming else None
    except SQLAlchemyError:
        body: dict[str, Any] = {
            "status": "degraded",
            "database": "unreachable",
            "leader": None,
            "on_air": [],
            "next_slot": None,
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return {
        "status": "ok",
        "database": "ok",
        "leader": leader,
        "on_air": airing,
        "next_slot": next_slot,
    }


@router.get(
    "/api/schedule",
    response_model_exclude_unset=True,
    response_model=list[SlotOut],
    tags=["schedule"],
    responses=ERROR_RESPONSES,
)
def schedule(
    ctx: Ctx,
    _caller: Reader,
    from_: FromQ = None,
    to: ToQ = None,
    include_cancelled: Annotated[bool, Query(alias="all")] = False,
) -> Any:
    """Slots from now on (or `from`), as `schedule list --json` prints them."""
    start, end = _range(ctx, from_, to)
    with ctx.station.sessions() as session:
        slots = book.list_slots(
            session, start or ctx.station.clock(), end, include_cancelled=include_cancelled
        )
        return [book.slot_json(s, ctx.station.settings.zone, with_title=True) for s in slots]


@router.post(
    "/api/slots",
    response_model_exclude_unset=True,
    status_code=201,
    response_model=list[SlotOut],
    tags=["schedule"],
    responses=WRITE_RESPONSES,
)
def add_slots(ctx: Ctx, _caller: Writer, body: SlotIn) -> Any:
    """Book an episode, once or repeated (`repeat`); as `schedule add --json`. An overlap
    is 409 and names the slot it hits; nothing is stored on any error."""
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    start = when(ctx, body.start, "start")
    with ctx.station.sessions.begin() as session:
        lock_schedule(session)
        request = book.SlotRequest(
            episode_id=body.episode_id,
            start=start,
            destinations=book.parse_destinations(body.destinations, "destinations"),
            provinces=book.parse_provinces(
                body.provinces, book.active_province_codes(session), "provinces"
            ),
            repeat=body.repeat,
        )
        try:
            limits = Limits.of(ctx.station.settings)
            slots = book.add_slots(session, request, zone, now, origin="web", limits=limits)
        except NotFound as exc:  # the episode named in the body: the body is at fault
            return bad_input_response(BadInput(f"episode_id: {exc}"), 422)
        except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
            # an RRULE that dateutil chokes on while expanding it
            raise BadInput(f"repeat: {body.repeat!r} is not a usable RRULE ({exc})") from None
        return [book.slot_json(s, zone) for s in slots]


@router.patch(
    "/api/slots/{slot_id}",
    response_model_exclude_unset=True,
    response_model=SlotOut,
    tags=["schedule"],
    responses=WRITE_RESPONSES,
)
def move(ctx: Ctx, _caller: Writer, slot_id: SlotId, body: SlotMove) -> Any:
    """Move a scheduled slot to a new start; same rules as booking it."""
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    start = when(ctx, body.start, "start")
    with ctx.station.sessions.begin() as session:
        lock_schedule(session)
        limits = Limits.of(ctx.station.settings)
        slot, _changed = move_slot(session, slot_id, start, zone, now, limits)
        return book.slot_json(slot, zone, with_title=True)


@router.delete(
    "/api/slots/{slot_id}",
    response_model_exclude_unset=True,
    response_model=SlotOut,
    tags=["schedule"],
    responses=WRITE_RESPONSES,
)
def cancel(ctx: Ctx, _caller: Writer, slot_id: SlotId) -> Any:
    """Cancel a slot (it stays in the log as cancelled), as `schedule cancel`."""
    zone = ctx.station.settings.zone
    with ctx.station.sessions.begin() as session:
        lock_schedule(session)
        slot, _changed = book.cancel_slot(session, slot_id, zone, ctx.station.clock())
        return book.slot_json(slot, zone, with_title=True)


@router.get(
    "/api/asrun",
    response_model_exclude_unset=True,
    response_model=list[AsRunOut],
    tags=["as-run"],
    responses=ERROR_RESPONSES,
)
def asrun(ctx: Ctx, _caller: Reader, from_: FromQ = None, to: ToQ = None) -> Any:
    """The as-run log, per slot and leg, as `asrun --json` prints it."""
    start, end = _range(ctx, from_, to)
    with ctx.station.sessions() as session:
        zone = ctx.station.settings.zone
        return log.asrun_rows(session, log.legs_between(session, start, end), zone)


@router.get(
    "/schedule.ics",
    tags=["schedule"],
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "iCalendar feed"},
        422: {"model": ErrorOut, "description": "a bad time"},
    },
)
def schedule_ics(ctx: Ctx, from_: FromQ = None, to: ToQ = None) -> Response:
    """The broadcast schedule for calendar apps (subscribe by URL); open to anyone.
    From 31 days ago unless `from` says otherwise; at most 2,000 slots."""
    start, end = _range(ctx, from_, to)
    now = ctx.station.clock()
    with ctx.station.sessions() as session:
        slots = feed_slots(session, start or now - ICS_DEFAULT_PAST, end)
        body = export.to_ics(slots, ctx.station.settings.zone, ctx.station.settings.station.name)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="schedule.ics"'},
    )
