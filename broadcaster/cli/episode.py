"""`broadcaster episode ...`: the episode library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from broadcaster import episodes as library
from broadcaster.audio.prepare import sigterm_stops_preparation
from broadcaster.cli.common import (
    DescriptionOpt,
    JsonOpt,
    PartnerOpt,
    ProgressLine,
    SeriesOpt,
    open_station,
    print_json,
    say,
)
from broadcaster.privacy import masked_url
from broadcaster.schedule.times import format_duration

app = typer.Typer(
    help="Register, list and show episodes.", no_args_is_help=True, rich_markup_mode="markdown"
)


@app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The recording: WAV, MP3, M4A, OGG, ...")],
    title: Annotated[str, typer.Option("--title", "-t", help="Episode title (Khmer or English).")],
    series: SeriesOpt = None,
    partner: PartnerOpt = None,
    description: DescriptionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check and prepare a recording for broadcast, and add it to the library.

    The file is probed, checked and turned into a broadcast-ready rendition now, so that
    nothing can go wrong with it at air time. Nothing is stored if it is unfit, or if it
    is stopped (Ctrl-C, SIGTERM): its ffmpeg processes end and its work folder goes.
    """
    fields = library.EpisodeFields(title, series, tuple(partner or ()), description)
    with sigterm_stops_preparation(), open_station(ctx) as station:
        episode = library.add_file(station, file, fields, progress=ProgressLine(file.name))
        if json_out:
            print_json(library.summary(episode))
            return
        loud = f", {episode.loudness_lufs:.1f} LUFS" if episode.loudness_lufs is not None else ""
        typer.echo(
            f"Episode {episode.id} added: {episode.title} "
            f"({format_duration(episode.duration_s)}{loud})"
        )


@app.command("add-live")
def add_live(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The live feed, e.g. http://host:8000/studio.mp3")],
    title: Annotated[str, typer.Option("--title", "-t", help="Episode title.")],
    duration: Annotated[str, typer.Option("--duration", "-d", help="Planned length: 1h, 45m.")],
    series: SeriesOpt = None,
    partner: PartnerOpt = None,
    description: DescriptionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add an episode fed live from URL, with its planned duration."""
    fields = library.EpisodeFields(title, series, tuple(partner or ()), description)
    with open_station(ctx) as station:
        episode = library.add_live(station, url, duration, fields)
        if json_out:
            print_json(library.summary(episode))
        else:
            typer.echo(
                f"Live episode {episode.id} added: {episode.title} "
                f"({format_duration(episode.duration_s)} from {masked_url(url)})"
            )


@app.command("list")
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List the episodes in the library."""
    with open_station(ctx) as station, station.sessions() as session:
        rows = library.all_episodes(session)
        if json_out:
            print_json([library.detail(e, station.settings) for e in rows])
            return
        if not rows:
            say("No episodes yet: add one with `broadcaster episode add FILE --title T`.")
            return
        for e in rows:
            loud = f"{e.loudness_lufs:6.1f} LUFS" if e.loudness_lufs is not None else " " * 11
            kind = "live" if e.source_kind == "live" else "file"
            typer.echo(f"{e.id:>4}  {kind}  {format_duration(e.duration_s):>8}  {loud}  {e.title}")


@app.command("show")
def show(
    ctx: typer.Context,
    episode_id: Annotated[int, typer.Argument(metavar="ID", help="Episode id.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one episode: its rendition, title card, loudness and source."""
    with open_station(ctx) as station, station.sessions() as session:
        data = library.detail(library.get(session, episode_id), station.settings)
        if json_out:
            print_json(data)
            return
        for key, value in data.items():
            if value not in (None, [], ""):
                shown = ", ".join(value) if isinstance(value, list) else value
                typer.echo(f"{key:>24}: {shown}")
