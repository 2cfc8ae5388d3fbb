"""`broadcaster callin ...`: calls an operator takes by hand, the screening queue, and
erasing caller hashes. A phone number typed here is hashed and dropped, never stored or
printed (note that a shell keeps its history: `--phone -` reads it from stdin instead)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from broadcaster.callins import intake, phone, retention, screening
from broadcaster.cli.common import JsonOpt, open_station, print_json, say
from broadcaster.errors import BadInput

app = typer.Typer(
    help="Listeners' calls: take one by hand, screen the queue, erase old caller hashes.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state", help="waiting, on_air, done, dropped or all (default: waiting and on_air)."
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    province: Annotated[
        str, typer.Option("--province", help="The caller's province code, or `unknown`.")
    ],
    phone_number: Annotated[
        str | None,
        typer.Option(
            "--phone",
            help="The caller's number (`-`: read it from stdin); only a keyed hash is kept.",
        ),
    ] = None,
    slot: Annotated[
        int | None, typer.Option("--slot", help="The slot it belongs to (default: on air now).")
    ] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="What the caller raises.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a call taken by hand; it joins the queue as `waiting`."""
    with open_station(ctx) as station:
        now = station.clock()
        digest = None
        if phone_number is not None:
            number = sys.stdin.readline().strip() if phone_number == "-" else phone_number
            digest = phone.caller_hash(
                number, retention.hash_key(station.settings, who="callin add"), "--phone"
            )
            del number
        request = intake.CallRequest(
            received_at=now,
            province=intake.clean_province(province, "--province"),
            topic=intake.clean_topic(topic, "--topic"),
            caller_hash=digest,
            slot_id=slot,
            entered_by="operator",
        )
        with station.sessions.begin() as session:
            (outcome,) = intake.record(session, [request])
            if isinstance(outcome, BadInput):
                raise type(outcome)("--" + str(outcome))
            body = intake.call_json(outcome.call, station.settings.zone)
        if json_out:
            print_json(body)
            return
        where = f"slot {body['slot_id']}" if body["slot_id"] else "no slot on air"
        repeat = ", a repeat caller" if body["repeat_caller"] else ""
        typer.echo(f"Call {body['id']} from {body['province']} ({where}{repeat}): waiting")


@app.command("list")
def list_(
    ctx: typer.Context,
    slot: Annotated[int | None, typer.Option("--slot", help="Only this slot's calls.")] = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The queue: waiting calls first, oldest first, with how long each has waited."""
    if state is None:
        states: tuple[screening.CallState, ...] = screening.OPEN
    elif state.strip().lower() == "all":
        states = tuple(screening.CallState)
    else:
        states = (screening.parse_state(state, "--state"),)
    with open_station(ctx) as station, station.sessions() as session:
        zone, now = station.settings.zone, station.clock()
        calls = screening.queue(session, slot_id=slot, states=states)
        rows = [screening.queue_json(c, zone, now) for c in calls]
    if json_out:
        print_json(rows)
        return
    if not rows:
        say("No calls in the queue.")
        return
    for c, row in zip(calls, rows, strict=True):
        hours, rest = divmod(int(row["waited_s"]), 3600)
        waited = (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60}:{rest % 60:02d}"
        )
        typer.echo(
            f"{row['id']:>6}  {c.received_at.astimezone(zone):%H:%M:%S}  {row['state']:<8} "
            f"{waited:>7}  {row['province']:<8} slot {row['slot_id'] or '-':<6}"
            f"{'  repeat' if row['repeat_caller'] else ''}  {row['topic'] or ''}"
        )


@app.command("screen")
def screen(
    ctx: typer.Context,
    call_id: Annotated[int, typer.Argument(help="The call's id (see `callin list`).")],
    state: Annotated[str, typer.Option("--state", help="waiting, on_air, done or dropped.")],
) -> None:
    """Move a call along the queue: on air, done, dropped (or back to waiting)."""
    wanted = screening.parse_state(state, "--state")
    with open_station(ctx) as station, station.sessions.begin() as session:
        call = screening.screen(session, call_id, wanted, station.clock())
        typer.echo(f"Call {call.id}: {call.state}")


@app.command("purge")
def purge(ctx: typer.Context) -> None:
    """Erase caller hashes older than `[callins] retention_days` now (the daemon does it
    every hour); the call counts stay."""
    with open_station(ctx) as station, station.sessions.begin() as session:
        days = station.settings.callins.retention_days
        erased = retention.purge(session, station.clock(), days)
        typer.echo(f"Erased the caller hash of {erased} call(s) older than {days} day(s).")
