"""Provinces: the list, relay sites' heartbeats, and the airtime report (SPEC 3.5)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy import select

from broadcaster.db.models import Province
from broadcaster.provinces.heartbeat import record_heartbeat
from broadcaster.provinces.tokens import check_code, find_province, token_matches
from broadcaster.reports.airtime import By, airtime_report, columns
from broadcaster.reports.output import to_csv
from broadcaster.schedule.times import iso_local_ms
from broadcaster.web.auth import Caller, bearer_token, client_address
from broadcaster.web.context import WebContext, context, reader, refuse_if_limited
from broadcaster.web.errors import ERROR_RESPONSES, ApiError, ErrorOut
from broadcaster.web.models import ProvinceOut
from broadcaster.web.routes_schedule import FromQ, ToQ, _range

router = APIRouter()
Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller, Depends(reader)]
Code = Annotated[str, Path(min_length=1, max_length=20, description="e.g. PNH")]


class LastHeartbeat(BaseModel):
    at: str
    carrying: bool
    listeners: int | None = None


class ProvinceNow(ProvinceOut):
    """A province, how it is watched (never its relay's URL), and its last heartbeat."""

    heartbeat_configured: bool = False
    last_heartbeat: LastHeartbeat | None = None


class HeartbeatIn(BaseModel):
    """What a relay site says; with no body: carrying, listeners unknown."""

    model_config = ConfigDict(extra="forbid")

    carrying: StrictBool = True
    listeners: StrictInt | None = Field(default=None, ge=0, le=10_000_000)


class HeartbeatOut(BaseModel):
    code: str
    received_at: str
    carrying: bool
    listeners: int | None = None


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"


class AirtimeRow(BaseModel):
    key: str | int
    name: str
    slots: int
    scheduled_min: float
    aired_min: float
    statuses: dict[str, int]


@router.get(
    "/api/provinces",
    response_model=list[ProvinceNow],
    tags=["provinces"],
    responses=ERROR_RESPONSES,
)
def provinces(ctx: Ctx, _caller: Reader) -> Any:
    """The provinces carried: whether each has a relay to poll (its URL stays private) or a
    heartbeat token, and its last heartbeat."""
    zone = ctx.station.settings.zone
    with ctx.station.sessions() as session:
        rows = session.scalars(
            select(Province).where(Province.active.is_(True)).order_by(Province.position)
        )
        return [
            {
                "code": p.code,
                "name": p.name,
                "name_km": p.name_km,
                "relay_configured": bool(p.relay),
                "heartbeat_configured": p.heartbeat_token_hash is not None,
                "last_heartbeat": None
                if p.last_heartbeat_at is None
                else {
                    "at": iso_local_ms(p.last_heartbeat_at, zone),
                    "carrying": bool(p.last_carrying),
                    "listeners": p.last_listeners,
                },
            }
            for p in rows
        ]


def _refused(ctx: WebContext, address: str, message: str) -> ApiError:
    ctx.limiter.failed(address)
    return ApiError(401, message, "authorization", {"WWW-Authenticate": "Bearer"})


@router.post(
    "/api/provinces/{code}/heartbeat",
    response_model=HeartbeatOut,
    tags=["provinces"],
    responses={
        401: {"model": ErrorOut, "description": "no token, or not this province's token"},
        404: {"model": ErrorOut, "description": "no such province"},
        422: {"model": ErrorOut, "description": "a malformed body"},
        429: {"model": ErrorOut, "description": "too many refused tokens from this address"},
        503: {"model": ErrorOut, "description": "the database cannot be reached"},
    },
)
def heartbeat(
    ctx: Ctx,
    request: Request,
    code: Code,
    body: Annotated[HeartbeatIn | None, Body()] = None,
) -> Any:
    """A relay site says whether it carries the feed (bearer: the province's token, from
    `broadcaster province token CODE`). Silent for 3 polling periods: not carrying."""
    address = client_address(request)
    wanted = check_code(code)
    refuse_if_limited(ctx, address)
    token = bearer_token(request)
    if token is None:
        raise _refused(ctx, address, "authorization: send 'Authorization: Bearer TOKEN' "
                       "with the province's token (`broadcaster province token CODE`)")  # fmt: skip
    report = body or HeartbeatIn()
    now = ctx.station.clock()
    with ctx.station.sessions.begin() as session:
        province = find_province(session, wanted)
        if not token_matches(province, token):
            raise _refused(ctx, address, f"authorization: not the heartbeat token of {wanted}")
        record_heartbeat(province, report.carrying, report.listeners, now)
        return {
            "code": province.code,
            "received_at": iso_local_ms(now, ctx.station.settings.zone),
            "carrying": report.carrying,
            "listeners": report.listeners,
        }


@router.get(
    "/api/reports/airtime",
    response_model=list[AirtimeRow],
    tags=["reports"],
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"text/csv": {}}, "description": "the rows (JSON, or CSV)"},
    },
)
def airtime(
    ctx: Ctx,
    _caller: Reader,
    from_: FromQ = None,
    to: ToQ = None,
    by: Annotated[By, Query(description="province, episode or partner")] = By.province,
    fmt: Annotated[
        ReportFormat, Query(alias="format", description="json, or csv (UTF-8 with BOM)")
    ] = ReportFormat.json,
) -> Any:
    """Airtime per province (time carried), episode or partner, as `report airtime`."""
    start, end = _range(ctx, from_, to)
    with ctx.station.sessions() as session:
        rows = airtime_report(session, ctx.station.settings.zone, start, end, by)
    if fmt is ReportFormat.csv:
        return Response(
            to_csv(rows, columns(by)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="airtime-{by}.csv"'},
        )
    return rows
