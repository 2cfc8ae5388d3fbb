"""The on-air panel: what each leg is doing (elapsed, remaining, last gap and its cause),
each province's relay, and the call-in queue with its buttons.

The page loads the panel once and `pages.js` fetches `/on-air/panel` again every 2 s
(every 0.5 s around the next slot's start). It reads the daemon's snapshot
(`on_air.read`, the `on_air_now` table), never the legs themselves, so it works from any
machine that reaches the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from broadcaster import on_air
from broadcaster.callins.screening import CallState, parse_state, queue, screen, waited_s
from broadcaster.db.models import Province, ProvinceCarriage, Slot
from broadcaster.errors import BadInput
from broadcaster.states import SlotStatus
from broadcaster.web.context import WebContext
from broadcaster.web.pages_common import Ctx, Person, refuse_form, render

router = APIRouter(include_in_schema=False)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
QUEUE_SHOWN = 50


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _relays(session: Session, slot_ids: list[int]) -> list[dict[str, Any]]:
    carried: dict[str, str] = {}
    if slot_ids:
        for row in session.scalars(
            select(ProvinceCarriage).where(ProvinceCarriage.slot_id.in_(slot_ids))
        ):
            carried[row.province_code] = row.status
    provinces = session.scalars(
        select(Province).where(Province.active.is_(True)).order_by(Province.position)
    )
    return [
        {
            "code": p.code,
            "name": p.name,
            "name_km": p.name_km,
            "relay": bool(p.relay),
            "carrying": getattr(p, "last_carrying", None),
            "listeners": getattr(p, "last_listeners", None),
            "status": carried.get(p.code),
        }
        for p in provinces
    ]


def panel_values(ctx: WebContext) -> dict[str, Any]:
    zone, now = ctx.station.settings.zone, ctx.station.clock()
    with ctx.station.sessions() as session:
        legs = on_air.read(session, now, zone)
        for leg in legs:
            leg["elapsed"] = clock_text(float(leg["elapsed_s"]))
            leg["remaining"] = clock_text(float(leg["remaining_s"]))
        upcoming = session.scalars(
            select(Slot)
            .options(joinedload(Slot.episode))
            .where(Slot.status == SlotStatus.SCHEDULED, Slot.start > now)
            .order_by(Slot.start, Slot.id)
            .limit(1)
        ).first()
        next_slot = None
        if upcoming is not None:
            next_slot = {
                "id": upcoming.id,
                "title": upcoming.episode.title,
                "start": upcoming.start,
                "epoch_ms": int(upcoming.start.timestamp() * 1000),
            }
        slot_ids = sorted({int(leg["slot_id"]) for leg in legs if leg["slot_id"] is not None})
        relays = _relays(session, slot_ids)
        names = {r["code"]: r for r in relays}
        calls = [
            {
                "id": c.id,
                "received_at": c.received_at,
                "province": names.get(c.province_code or "", {}),
                "topic": c.topic,
                "state": c.state,
                "waited": clock_text(waited_s(c, now)),
                "repeat": bool(c.caller_call and c.caller_call > 1),
            }
            for c in queue(session, limit=QUEUE_SHOWN)
        ]
    return {"legs": legs, "next_slot": next_slot, "relays": relays, "calls": calls, "now": now}


@router.get("/on-air", response_class=HTMLResponse)
def on_air_page(request: Request, ctx: Ctx, caller: Person) -> Response:
    return render(
        request, ctx, "on_air.html", caller, title="On air", states=CallState, **panel_values(ctx)
    )


@router.get("/on-air/panel", response_class=HTMLResponse)
def on_air_panel(request: Request, ctx: Ctx, caller: Person) -> Response:
    """The panel alone, for the page's refresh."""
    return render(request, ctx, "_on_air_panel.html", caller, states=CallState, **panel_values(ctx))


@router.post("/on-air/callins/{call_id}", response_class=HTMLResponse)
def screen_call(
    request: Request,
    ctx: Ctx,
    caller: Person,
    call_id: RowId,
    csrf_token: Annotated[str, Form(max_length=500)] = "",
    state: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """A call-in queue button: waiting, on air, done or dropped (`callin screen`)."""
    refused = refuse_form(request, ctx, caller, csrf_token)
    if refused is not None:
        return refused
    now: datetime = ctx.station.clock()
    try:
        with ctx.station.sessions.begin() as session:
            screen(session, call_id, parse_state(state), now)
    except BadInput as exc:
        values = panel_values(ctx)
        return render(
            request, ctx, "on_air.html", caller, 422,
            title="On air", states=CallState, refusal=str(exc), **values,
        )  # fmt: skip
    return RedirectResponse("/on-air", status_code=303)
