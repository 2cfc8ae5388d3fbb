"""`broadcaster init` and `broadcaster demo`: setting an installation up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from broadcaster.cli.common import state
from broadcaster.db.reference import initialise
from broadcaster.schedule import book
from broadcaster.schedule.apply import apply_schedule
from broadcaster.schedule.times import format_duration, show_local
from broadcaster.station import Station

DEMO_SCHEDULE = Path("schedules/a2i-dialogues.toml")


def init(ctx: typer.Context) -> None:
    """Create or upgrade the database and load the provinces from the configuration.

    Safe to run again: it only changes what is missing or out of date.
    """
    settings = state(ctx).settings()
    report = initialise(settings)
    if report.revision_before == report.revision_after:
        typer.echo(f"Database up to date (schema {report.revision_after}): {report.url}")
    elif report.revision_before is None:
        typer.echo(f"Database created (schema {report.revision_after}): {report.url}")
    else:
        typer.echo(
            f"Database upgraded {report.revision_before} -> {report.revision_after}: {report.url}"
        )
    for label, codes in (
        ("added", report.provinces_added),
        ("updated", report.provinces_updated),
        ("retired", report.provinces_retired),
    ):
        if codes:
            typer.echo(f"Provinces {label}: {', '.join(codes)}")


def demo(
    ctx: typer.Context,
    schedule: Annotated[
        Path, typer.Option(help="Schedule file of the demo series.")
    ] = DEMO_SCHEDULE,
) -> None:
    """Set up the default station, load the dialogue series and show its schedule."""
    init(ctx)
    settings = state(ctx).settings()
    station = Station.open(settings)
    try:
        plan = apply_schedule(station, schedule)
        typer.echo(
            f"Series loaded from {schedule}: {len(plan.added)} slots added, "
            f"{plan.unchanged} already there."
        )
        zone = settings.zone
        with station.sessions() as session:
            slots = book.list_slots(session, station.clock())
            typer.echo(f"\nUpcoming on {settings.station.name} ({zone.key}):")
            for s in slots:
                typer.echo(
                    f"  {show_local(s.start, zone)}  {format_duration(s.episode.duration_s):>6}  "
                    f"{'+'.join(s.destinations):<15} {s.episode.title}"
                )
    finally:
        station.close()
    typer.echo(
        "\nTry: .venv/bin/broadcaster schedule list | episode list | schedule export --format ics"
    )
