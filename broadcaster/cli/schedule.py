"""`broadcaster schedule ...`: slots on the air calendar."""

from __future__ import annotations

import enum
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from broadcaster.audio.prepare import sigterm_stops_preparation
from broadcaster.cli.common import (
    FromOpt,
    JsonOpt,
    ProgressLine,
    ToOpt,
    open_station,
    print_json,
    say,
    time_range,
)
from broadcaster.db.models import DESTINATIONS
from broadcaster.errors import BadInput
from broadcaster.schedule import book, export
from broadcaster.schedule.apply import Plan, apply_schedule
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.times import parse_duration, parse_time, show_local

app = typer.Typer(
    help="Add, list, cancel, apply and export slots.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


class Format(enum.StrEnum):
    ics = "ics"
    json = "json"
    csv = "csv"


@app.command("add")
def add(
    ctx: typer.Context,
    episode_id: Annotated[int, typer.Argument(metavar="EPISODE_ID", help="Episode to air.")],
    at: Annotated[
        str | None,
        typer.Option("--at", help="Start: 'YYYY-MM-DD HH:MM' station time, or ISO 8601."),
    ] = None,
    in_: Annotated[
        str | None, typer.Option("--in", help="Start after this long from now: 90s, 25m, 1h30m.")
    ] = None,
    to: Annotated[
        str, typer.Option("--to", help=f"Destinations, comma-separated: {','.join(DESTINATIONS)}.")
    ] = ",".join(DESTINATIONS),
    provinces: Annotated[
        str, typer.Option("--provinces", help="'all' or province codes, e.g. PNH,SRP.")
    ] = "all",
    repeat: Annotated[
        str | None,
        typer.Option("--repeat", help="RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=4."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Schedule an episode to air, once or repeated.

    Refused if it starts in the past or overlaps another slot on a destination.
    """
    with open_station(ctx) as station:
        zone, now = station.settings.zone, station.clock()
        if (at is None) == (in_ is None):
            raise BadInput("give the start with either --at TIME or --in DURATION")
        limits = Limits.of(station.settings)
        if at:
            start = parse_time(at, zone, "--at")
        else:  # on a whole second, as it is shown: `--in 12s` is 12 to 13 s from now
            start = now + parse_duration(in_ or "", "--in")
            if start.microsecond:
                start = start.replace(microsecond=0) + timedelta(seconds=1)
        limits.check_start(start, now, zone, "--at" if at else "--in")
        with station.sessions.begin() as session:
            request = book.SlotRequest(
                episode_id=episode_id,
                start=start,
                destinations=book.parse_destinations(to, "--to"),
                provinces=book.parse_provinces(
                    provinces, book.active_province_codes(session), "--provinces"
                ),
                repeat=repeat,
            )
            slots = book.add_slots(session, request, zone, now, limits=limits)
            if json_out:
                print_json([book.slot_json(s, zone) for s in slots])
                return
            for slot in slots:
                typer.echo(f"Scheduled {book.describe(slot, zone)}")


@app.command("list")
def list_(
    ctx: typer.Context,
    from_: FromOpt = None,
    to: ToOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include cancelled slots.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List slots, from now on unless --from says otherwise."""
    with open_station(ctx) as station, station.sessions() as session:
        zone = station.settings.zone
        start, end = time_range(station, from_, to)
        slots = book.list_slots(session, start or station.clock(), end, include_cancelled=all_)
        if json_out:
            print_json([book.slot_json(s, zone, with_title=True) for s in slots])
            return
        if not slots:
            say("No slots in that range.")
            return
        for s in slots:
            typer.echo(
                f"{s.id:>5}  {show_local(s.start, zone)}  {show_local(s.end, zone)[11:]}  "
                f"{s.status:<9}  {','.join(s.destinations):<14}  {s.episode.title}"
            )
        say(f"({len(slots)} slots; times in {zone.key})")


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    slot_id: Annotated[int, typer.Argument(metavar="SLOT_ID", help="Slot to cancel.")],
) -> None:
    """Cancel a scheduled slot (it stays in the log as cancelled)."""
    with open_station(ctx) as station, station.sessions.begin() as session:
        zone = station.settings.zone
        slot, changed = book.cancel_slot(session, slot_id, zone, station.clock())
        typer.echo(
            f"Cancelled {book.describe(slot, zone)}"
            if changed
            else f"{book.describe(slot, zone)} was already cancelled"
        )


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Schedule file (TOML), e.g. schedules/a2i.toml.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and change nothing.")
    ] = False,
    future_only: Annotated[
        bool,
        typer.Option(
            "--future-only",
            help="Leave out slots (and repeats) that have already started, and say how many, "
            "instead of refusing the file. Without it a past slot is an error.",
        ),
    ] = False,
) -> None:
    """Make the schedule match a schedule file: all of it, or nothing.

    Slots the file made before and no longer lists are cancelled; slots from other
    origins are left alone. Every problem in the file is listed at once; a slot in the
    past is one of them unless --future-only leaves it out.
    """
    with sigterm_stops_preparation(), open_station(ctx) as station:
        plan = apply_schedule(
            station, file, dry_run, progress=ProgressLine("preparing"), skip_past=future_only
        )
        _print_plan(plan, dry_run)


def _print_plan(plan: Plan, dry_run: bool, shown: int = 20) -> None:
    head = "Plan (dry run, nothing changed)" if dry_run else "Applied"
    series = f" (series {plan.series!r})" if plan.series else ""
    typer.echo(f"{head} for {plan.origin}{series}:")
    sections = [
        ("episodes added", plan.episodes_added),
        ("episodes changed", plan.episodes_changed),
        ("slots added", plan.added),
        ("slots changed", plan.changed),
        ("slots cancelled", plan.cancelled),
        ("slots left as they are (on air or past)", plan.kept),
        ("past slots left out (--future-only)", plan.skipped),
    ]
    for title, items in sections:
        if not items:
            continue
        typer.echo(f"  {title}: {len(items)}")
        for item in items[:shown]:
            typer.echo(f"    {item}")
        if len(items) > shown:
            typer.echo(f"    ... and {len(items) - shown} more")
    typer.echo(f"  slots unchanged: {plan.unchanged}")
    if plan.is_empty:
        typer.echo("  nothing to change")


@app.command("export")
def export_(
    ctx: typer.Context,
    format_: Annotated[Format, typer.Option("--format", "-f", help="ics, json or csv.")],
    from_: FromOpt = None,
    to: ToOpt = None,
) -> None:
    """Write the schedule to stdout as ICS (calendars), JSON or CSV (spreadsheets)."""
    with open_station(ctx) as station, station.sessions() as session:
        zone = station.settings.zone
        start, end = time_range(station, from_, to)
        slots = book.list_slots(session, start, end)
        if format_ is Format.ics:
            text = export.to_ics(slots, zone, station.settings.station.name)
        elif format_ is Format.csv:
            text = export.to_csv(slots, zone)
        else:
            text = export.to_json(slots, zone)
        typer.echo(text, nl=not text.endswith("\n"))
