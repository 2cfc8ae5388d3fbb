"""`broadcaster init` and `broadcaster demo`: setting an installation up."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from broadcaster import asrun
from broadcaster.cli.common import state
from broadcaster.cli.daemon import serve
from broadcaster.config import RadioSettings, Settings
from broadcaster.db.models import Episode, User
from broadcaster.db.reference import initialise
from broadcaster.errors import NotReady
from broadcaster.local_icecast import PASSWORD_ENV, start_if_installed
from broadcaster.schedule import book
from broadcaster.schedule.apply import Plan, apply_schedule
from broadcaster.schedule.times import format_duration, parse_duration, show_local
from broadcaster.station import Station
from broadcaster.users import add_user, revoke_user

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
    on_air_in: Annotated[
        str, typer.Option(help="When the demo episode goes on air, from now (e.g. 30s).")
    ] = "30s",
    air: Annotated[
        bool, typer.Option("--air/--no-air", help="Run the daemon and air the demo episode.")
    ] = True,
    web: Annotated[
        bool, typer.Option("--web/--no-web", help="Serve the API and its docs meanwhile.")
    ] = True,
    stay: Annotated[
        bool | None,
        typer.Option(
            "--stay/--no-stay",
            help="Keep the daemon and the API running after the episode, until Ctrl-C "
            "(default: when run in a terminal).",
        ),
    ] = None,
) -> None:
    """Set up the default station, load the dialogue series, then air a demo episode.

    The series keeps its real dates: only its slots still to come are booked, and the
    ones already past are left out (and counted). The daemon then airs the series' first
    episode shortly, in a slot of its own booked from now, to aircheck files and, when
    icecast2 is installed, to a local Icecast you can listen to; it stops when the
    episode ends.
    """
    init(ctx)
    settings = state(ctx).settings()
    station = Station.open(settings)
    try:
        plan = apply_schedule(station, schedule, skip_past=True)
        typer.echo(f"Series loaded from {schedule}: {_loaded(plan)}.")
        booked = len(plan.added) + len(plan.changed) + plan.unchanged + len(plan.kept)
        if plan.skipped and not booked:
            typer.echo(
                f"All {len(plan.skipped)} slots of the series are in the past, so none is "
                "booked; its episodes are loaded."
            )
        zone = settings.zone
        with station.sessions() as session:
            slots = book.list_slots(session, station.clock())
            typer.echo(f"\nUpcoming on {settings.station.name} ({zone.key}):")
            if not slots:
                typer.echo("  nothing booked")
            for s in slots:
                typer.echo(
                    f"  {show_local(s.start, zone)}  {format_duration(s.episode.duration_s):>6}  "
                    f"{'+'.join(s.destinations):<15} {s.episode.title}"
                )
    finally:
        station.close()
    if air:
        keep = sys.stdout.isatty() if stay is None else stay
        air_demo(settings, parse_duration(on_air_in, "on-air-in"), web=web, stay=keep)
    typer.echo("\nTry: .venv/bin/broadcaster schedule list | episode list | asrun | run")


def _loaded(plan: Plan) -> str:
    """What loading the series did to its slots, e.g. `3 slots added, 8 already there`."""
    parts = [
        f"{len(plan.added)} slots added",
        f"{plan.unchanged + len(plan.kept)} already there",
    ]
    if plan.changed:
        parts.append(f"{len(plan.changed)} changed")
    if plan.cancelled:
        parts.append(f"{len(plan.cancelled)} cancelled")
    if plan.skipped:
        parts.append(f"{len(plan.skipped)} past slots left out")
    return ", ".join(parts)


DEMO_OPERATOR = "demo-operator"


def _demo_operator(station: Station) -> str:
    """The demo operator's token, new on each run (the previous one stops working)."""
    with station.sessions.begin() as session:
        if session.scalar(select(User.id).where(User.name == DEMO_OPERATOR)) is not None:
            revoke_user(session, DEMO_OPERATOR)
        _user, token = add_user(session, DEMO_OPERATOR, "operator", station.clock())
    return token


def _start_web(stack: ExitStack, settings: Settings, station: Station) -> str:
    """The pages and the API beside the demo's daemon, the lines that say where and how to
    sign in; a taken port is said, not fatal, for a demo."""
    from broadcaster.web.server import WebServer

    try:
        server = stack.enter_context(WebServer.own_station(settings))
    except NotReady as exc:
        return f"  Pages:     not served ({exc})"
    token = _demo_operator(station)
    return (
        f"  Pages:     {server.url}/  (week, episodes, on air, log, provinces)\n"
        f"  Sign in:   as {DEMO_OPERATOR} with the token {token}\n"
        f"  API docs:  {server.url}/docs  (the same token)"
    )


def air_demo(
    settings: Settings, delay: timedelta, *, web: bool = False, stay: bool = False
) -> None:
    """Book the first episode `delay` from now and run the daemon until it has aired (with
    `stay`, on until Ctrl-C), serving the API beside it when `web`."""
    icecast = start_if_installed()
    if icecast is not None:
        radio = RadioSettings(icecast=icecast.url, source_password_env=PASSWORD_ENV)
        env = {**settings.env, PASSWORD_ENV: icecast.password}
        settings = settings.model_copy(update={"radio": radio, "env": env})
    station = Station.open(settings)
    api = ExitStack()
    try:
        api_line = _start_web(api, settings, station) if web else None
        with station.sessions.begin() as session:
            episode = session.scalars(select(Episode).order_by(Episode.id)).first()
            if episode is None:
                raise NotReady("the demo series has no episode to air")
            start = (station.clock() + delay).replace(microsecond=0)
            request = book.SlotRequest(episode_id=episode.id, start=start)
            [slot] = book.add_slots(session, request, settings.zone, station.clock(), "demo")
            slot_id, title, end = slot.id, episode.title, slot.end
        zone = settings.zone
        wait = format_duration(delay.total_seconds())
        typer.echo(f"\nOn air at {show_local(start, zone)} (in {wait}): {title}")
        if icecast is not None:
            typer.echo(f"  Listen:    {icecast.url}  (mpv, ffplay or VLC; the radio leg)")
        else:
            typer.echo("  Listen:    no icecast2 installed here, so the radio leg is an aircheck")
        typer.echo(f"  Airchecks: {settings.path(settings.station.aircheck_dir)}")
        typer.echo(f"  Look:      .venv/bin/broadcaster asrun   (slot {slot_id})")
        if api_line:
            typer.echo(api_line)
        typer.echo("")
        stopped = serve(station, until=lambda: station.clock() > end + timedelta(seconds=2))
        with station.sessions() as session:
            for leg in asrun.legs_between(session, start, end):
                if leg.slot_id == slot_id:
                    where = leg.aircheck_path or leg.target
                    typer.echo(f"  {leg.leg:<8} {leg.status:<8} {where}")
        if stay and not stopped:
            typer.echo("\nThe daemon stays on (and the API, if shown above): Ctrl-C to stop.")
            serve(station)
    finally:
        api.close()
        station.close()
        if icecast is not None:
            icecast.close()
