"""`broadcaster asrun`: what actually aired, per slot and leg."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
from broadcaster.db.models import ProvinceCarriage
from broadcaster.provinces.carriage import CarriageStatus
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
            print_json(log.asrun_rows(session, legs, zone))
            return
        if not legs:
            say("Nothing in the as-run log for that range.")
            return
        carried = log.provinces_of(session, [leg.slot_id for leg in legs if leg.leg == "radio"])
        for leg in legs:
            began = show_local(leg.actual_start, zone)[11:] if leg.actual_start else "--"
            ended = show_local(leg.actual_end, zone)[11:] if leg.actual_end else "--"
            extra = f"  gaps {len(leg.gaps)}, reconnects {leg.reconnects}" if leg.gaps else ""
            why = f"  ({leg.cause})" if leg.cause and leg.status != LegStatus.AIRED else ""
            typer.echo(
                f"{leg.slot_id:>5}  {show_local(leg.scheduled_start, zone)}  {leg.leg:<8} "
                f"{began:>8}-{ended:<8}  {leg.status:<7}{extra}{why}  {leg.slot.episode.title}"
            )
            if leg.leg == "radio":
                for row in carried.get(leg.slot_id, []):
                    if row.status != CarriageStatus.FULL:
                        typer.echo("       " + province_line(row, zone))


def province_line(row: ProvinceCarriage, zone: ZoneInfo) -> str:
    """`SRP partial  carried 29.5 of 40 s, 1 gap: 19:00:10-19:00:21, peak 3 listeners`."""
    parts = [f"{row.province_code:<5} {row.status:<8}"]
    if row.status != CarriageStatus.UNKNOWN:
        parts.append(f"carried {row.carried_s:.1f} of {row.scheduled_s:.0f} s")
    holes = gaps_between(row)
    if holes and row.status == CarriageStatus.PARTIAL:
        shown = ", ".join(f"{_clock(a, zone)}-{_clock(b, zone)}" for a, b in holes[:3])
        more = f" (+{len(holes) - 3})" if len(holes) > 3 else ""
        parts.append(f"{len(holes)} gap{'s' if len(holes) > 1 else ''}: {shown}{more}")
    if row.peak_listeners is not None:
        parts.append(f"peak {row.peak_listeners} listeners")
    if row.status == CarriageStatus.UNKNOWN:
        parts.append("nothing reported")
    return "  ".join(parts[:1]) + " " + ", ".join(parts[1:])


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M:%S")


def gaps_between(row: ProvinceCarriage) -> list[tuple[datetime, datetime]]:
    """The stretches of the slot the province did not carry."""
    at = row.slot_start
    end = row.slot_start + timedelta(seconds=row.scheduled_s)
    holes = []
    for seg in row.segments:
        a, b = datetime.fromisoformat(seg["start"]), datetime.fromisoformat(seg["end"])
        if a > at:
            holes.append((at, a))
        at = max(at, b)
    if end > at:
        holes.append((at, end))
    return holes
