"""Call-ins over HTTP: the telephony gateway's webhook, the screening queue (operators
only), and the call-in report (organisers too).

The webhook parses its body itself so that no error ever repeats a value sent: a bad
`from` is refused naming the field, never showing the number."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from broadcaster.callins import intake, phone, retention, screening
from broadcaster.callins.desk import IntakeDesk
from broadcaster.errors import BadInput
from broadcaster.reports.callins import By, callins_report
from broadcaster.schedule.times import parse_time
from broadcaster.web.auth import Caller, client_address
from broadcaster.web.context import WebContext, context, reader, refuse_if_limited, writer
from broadcaster.web.errors import ERROR_RESPONSES, ApiError, ErrorOut, error_body, field_of
from broadcaster.web.routes_schedule import FromQ, ToQ, _range

log = logging.getLogger("broadcaster.web")
router = APIRouter()
Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
CallId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WEBHOOK_MAX_BODY = 16 * 1024
_desk_lock = threading.Lock()


class CallOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    received_at: str
    province: str
    slot_id: int | None
    topic: str | None
    state: str
    repeat_caller: bool
    waited_s: float | None = None


class CallScreen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(max_length=20, description="waiting, on_air, done or dropped")


class CallinRowOut(BaseModel):
    key: str | int | None
    name: str
    calls: int
    callers: int
    repeat_callers: int
    on_air: int
    dropped: int
    comments: int | None


WEBHOOK_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["delivery_id", "from", "at"],
                "properties": {
                    "delivery_id": {"type": "string", "maxLength": 200},
                    "from": {"type": "string", "maxLength": 40, "description": "never stored"},
                    "at": {"type": "string", "description": "ISO 8601 with an offset"},
                    "province": {"type": ["string", "null"], "maxLength": 8},
                    "topic": {"type": ["string", "null"], "maxLength": 500},
                },
            }
        }
    },
}


def operator(caller: Caller = Depends(reader)) -> Caller:
    """The queue shows who is waiting to speak: operators only, organisers see figures."""
    if not caller.can_write:
        raise ApiError(
            403,
            f"role: {caller.name} is an {caller.role}; the call-in queue is for operators",
            "role",
        )
    return caller


def desk(state: Any, ctx: WebContext) -> IntakeDesk:
    """The app's intake desk (made with the first call)."""
    found = getattr(state, "callin_desk", None)
    if isinstance(found, IntakeDesk):
        return found
    with _desk_lock:
        found = getattr(state, "callin_desk", None)
        if found is None:
            found = state.callin_desk = IntakeDesk(ctx.station)
    assert isinstance(found, IntakeDesk)
    return found


def _gateway(ctx: WebContext, authorization: str | None, address: str) -> None:
    """`Authorization: Bearer $CALLIN_WEBHOOK_TOKEN`, compared in constant time."""
    env = ctx.station.settings.callins.webhook_token_env
    expected = ctx.station.settings.secret(env)
    header = authorization or ""
    scheme, _, sent = header.partition(" ")
    if not header:
        raise ApiError(
            401, "authorization: the gateway must send its bearer token", "authorization",
            {"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    refuse_if_limited(ctx, address)
    if expected is None:
        raise ApiError(503, f"the call-in webhook is off: ${env} is not set on the server")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode(), expected.encode()
    ):
        ctx.limiter.failed(address)
        raise ApiError(
            401, "authorization: not the call-in webhook's token", "authorization",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )  # fmt: skip


Answer = tuple[int, dict[str, Any], dict[str, str]]


async def answer(
    ctx: WebContext,
    state: Any,
    authorization: str | None,
    address: str,
    content_length: str | None,
    read_body: Callable[[], Awaitable[bytes]],
) -> Answer:
    """The webhook's whole answer (status, JSON body, headers), whichever way it came."""
    try:
        _gateway(ctx, authorization, address)
        too_large = ApiError(413, f"body: larger than {WEBHOOK_MAX_BODY // 1024} KB", "body")
        if content_length is not None and (
            not content_length.isdigit() or int(content_length) > WEBHOOK_MAX_BODY
        ):
            raise too_large
        raw = await read_body()
        if len(raw) > WEBHOOK_MAX_BODY:
            raise too_large
        wanted = parse_delivery(ctx, raw)
        outcome = await asyncio.wrap_future(desk(state, ctx).submit(wanted))
    except ApiError as exc:
        return exc.status, error_body(exc.message, exc.field), exc.headers or {}
    except BadInput as exc:
        status = 400 if str(exc).startswith("body:") else 422
        return status, _bad_input_body(exc), {}
    except OperationalError:
        log.warning("POST /api/callins: database unavailable")
        return 503, error_body("the database cannot be used right now"), {"Retry-After": "5"}
    except Exception:
        log.exception("POST /api/callins failed")
        return 500, error_body("internal error (see the server's log)"), {}
    if isinstance(outcome, BadInput):
        return 422, _bad_input_body(outcome), {}
    body = intake.call_json(outcome.call, ctx.station.settings.zone)
    return (201 if outcome.created else 200), body, {}


def _bad_input_body(exc: BadInput) -> dict[str, Any]:
    message = str(exc)
    return error_body(message, field_of(message))


class WebhookFastPath:
    """ASGI middleware: `POST /api/callins` answered before the router (a busy phone-in
    spends its CPU on calls, not on matching routes); the route below documents it and
    answers the same way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/api/callins"
        ):
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        headers = dict(scope["headers"])

        def header(name: bytes) -> str | None:
            value = headers.get(name)
            return value.decode("latin-1") if value is not None else None

        async def read_body() -> bytes:
            chunks, size = [], 0
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > WEBHOOK_MAX_BODY:
                    return b"x" * (WEBHOOK_MAX_BODY + 1)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)

        client = scope.get("client")
        status, body, extra = await answer(
            app.state.web,
            app.state,
            header(b"authorization"),
            client[0] if client else "unknown",
            header(b"content-length"),
            read_body,
        )
        payload = json.dumps(body, ensure_ascii=False).encode()
        raw_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"x-content-type-options", b"nosniff"),
            *((k.lower().encode(), v.encode()) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})


def _text(body: dict[str, Any], field: str, *, required: bool) -> str | None:
    value = body.get(field)
    if value is None:
        if required:
            raise BadInput(f"{field}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadInput(f"{field}: must be a string")
    return str(value)


def parse_delivery(ctx: WebContext, raw: bytes) -> intake.CallRequest:
    """The gateway's JSON as a call to record; BadInput names the field, never its value."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadInput("body: not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("body: must be a JSON object")
    delivery = intake.clean_delivery_id(_text(body, "delivery_id", required=True) or "")
    number = _text(body, "from", required=True) or ""
    settings = ctx.station.settings
    digest = phone.caller_hash(number, retention.hash_key(settings, who="call-in webhook"))
    del number
    at_text = _text(body, "at", required=True) or ""
    try:
        at = parse_time(at_text, settings.zone, "at")
    except (BadInput, OverflowError, ValueError):
        raise BadInput("at: not a time (ISO 8601, e.g. 2026-12-01T19:05:00+07:00)") from None
    now = ctx.station.clock()
    return intake.CallRequest(
        received_at=intake.check_time(at, now),
        province=intake.clean_province(_text(body, "province", required=False)),
        topic=intake.clean_topic(_text(body, "topic", required=False)),
        caller_hash=digest,
        delivery_id=delivery,
        entered_by="gateway",
    )


@router.post(
    "/api/callins",
    tags=["call-ins"],
    status_code=201,
    response_model=CallOut,
    response_model_exclude_none=False,
    openapi_extra={"requestBody": WEBHOOK_BODY},
    responses={
        **ERROR_RESPONSES,
        200: {"model": CallOut, "description": "a retried delivery: the call it made"},
        400: {"model": ErrorOut, "description": "malformed body"},
        413: {"model": ErrorOut, "description": "a body over 16 KB"},
        503: {"model": ErrorOut, "description": "no webhook token set, or no database"},
    },
)
async def webhook(request: Request) -> Any:
    """The telephony gateway's webhook (bearer `$CALLIN_WEBHOOK_TOKEN`): `{"delivery_id",
    "from", "at", "province"?, "topic"?}`. 201 and the call; a delivery id seen before
    is 200 with the call it made. The number is hashed and dropped; never echoed."""
    status, body, headers = await answer(
        context(request),
        request.app.state,
        request.headers.get("authorization"),
        client_address(request),
        request.headers.get("content-length"),
        request.body,
    )
    return JSONResponse(body, status_code=status, headers=headers)


@router.get(
    "/api/callins",
    tags=["call-ins"],
    response_model=list[CallOut],
    responses={**ERROR_RESPONSES, 404: {"model": ErrorOut, "description": "no such call"}},
)
def call_queue(
    ctx: Ctx,
    _caller: Annotated[Caller, Depends(operator)],
    slot: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    state: Annotated[
        str | None,
        Query(max_length=20, description="waiting, on_air, done, dropped or all"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=screening.LIST_MAX)] = 200,
) -> Any:
    """The queue (operators): waiting calls first, oldest first, with `waited_s`;
    waiting and on-air calls unless `state` says otherwise."""
    if state is None:
        states: tuple[screening.CallState, ...] = screening.OPEN
    elif state.strip().lower() == "all":
        states = tuple(screening.CallState)
    else:
        states = (screening.parse_state(state),)
    with ctx.station.sessions() as session:
        zone, now = ctx.station.settings.zone, ctx.station.clock()
        calls = screening.queue(session, slot_id=slot, states=states, limit=limit)
        return [screening.queue_json(c, zone, now) for c in calls]


@router.patch(
    "/api/callins/{call_id}",
    tags=["call-ins"],
    response_model=CallOut,
    responses={
        **ERROR_RESPONSES,
        400: {"model": ErrorOut, "description": "malformed request"},
        404: {"model": ErrorOut, "description": "no such call"},
    },
)
def screen_call(ctx: Ctx, _caller: Writer, call_id: CallId, body: CallScreen) -> Any:
    """Screen a call: `{"state": "on_air" | "done" | "dropped" | "waiting"}`."""
    wanted = screening.parse_state(body.state)
    with ctx.station.sessions.begin() as session:
        now = ctx.station.clock()
        call = screening.screen(session, call_id, wanted, now)
        return screening.queue_json(call, ctx.station.settings.zone, now)


@router.get(
    "/api/reports/callins",
    tags=["reports"],
    response_model=list[CallinRowOut],
    responses=ERROR_RESPONSES,
)
def callins_figures(
    ctx: Ctx,
    _caller: Reader,
    from_: FromQ = None,
    to: ToQ = None,
    by: Annotated[By, Query(description="province, episode or slot")] = By.province,
) -> Any:
    """Call-in figures, as `report callins --format json`: calls, callers, repeat
    callers, put on air, dropped, Facebook comments. Never who called."""
    start, end = _range(ctx, from_, to)
    with ctx.station.sessions() as session:
        return callins_report(session, by, start, end, ctx.station.settings.zone)
