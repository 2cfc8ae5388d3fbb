"""`broadcaster asrun`: what actually aired, per slot and leg."""

from __future__ import annotations

import typer

from broadcaster import asrun as log
from broadcaster.cli.common import (
    FromOpt,
    JsonOpt,
    ToOpt,
    open_station,
    print_json,
    say,
    time_range,
)
from broadcaster.schedule.times import show_local
from broadcaster.states import LegStatus


def asrun(
    ctx: typer.Context,
    from_: FromOpt = None,
    to: ToOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the as-run log: each leg's real start and end, gaps, reconnects and status."""
    with open_station(ctx) as station, station.sessions() as session:
        zone = station.settings.zone
        start, end = time_range(station, from_, to)
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
            why = f"  ({leg.cause})" if leg.cause and leg.status != LegStatus.AIRED else ""
            typer.echo(
                f"{leg.slot_id:>5}  {show_local(leg.scheduled_start, zone)}  {leg.leg:<8} "
                f"{began:>8}-{ended:<8}  {leg.status:<7}{extra}{why}  {leg.slot.episode.title}"
            )
