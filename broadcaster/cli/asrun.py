"""`broadcaster asrun`: what actually aired, per slot and leg."""

from __future__ import annotations

from typing import Annotated

import typer

from broadcaster import asrun as log
from broadcaster.cli.common import open_station, print_json, say
from broadcaster.schedule.times import parse_time, show_local


def asrun(
    ctx: typer.Context,
    from_: Annotated[
        str | None, typer.Option("--from", help="From this time (station time or ISO 8601).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Until this time.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show the as-run log: each leg's real start and end, gaps, reconnects and status."""
    with open_station(ctx) as station, station.sessions() as session:
        zone = station.settings.zone
        start = parse_time(from_, zone, "--from") if from_ else None
        end = parse_time(to, zone, "--to") if to else None
        legs = log.legs_between(session, start, end)
        if json_out:
            print_json([log.leg_json(leg, zone) for leg in legs])
            return
        if not legs:
            say("Nothing in the as-run log for that range.")
            return
        for leg in legs:
            began = show_local(leg.actual_start, zone)[11:] if leg.actual_start else "--"
            ended = show_local(leg.actual_end, zone)[11:] if leg.actual_end else "--"
            extra = f"  gaps {len(leg.gaps)}, reconnects {leg.reconnects}" if leg.gaps else ""
            why = f"  ({leg.cause})" if leg.cause and leg.status != "aired" else ""
            typer.echo(
                f"{leg.slot_id:>5}  {show_local(leg.scheduled_start, zone)}  {leg.leg:<8} "
                f"{began:>8}-{ended:<8}  {leg.status:<7}{extra}{why}  {leg.slot.episode.title}"
            )
