"""`broadcaster run` (the daemon) and `broadcaster preflight` (check the next slot)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Annotated

import typer

from broadcaster.cli.common import JsonOpt, open_station, print_json, say
from broadcaster.daemon import preflight as checks
from broadcaster.daemon.onair import Daemon
from broadcaster.schedule.times import show_local
from broadcaster.station import Station

log = logging.getLogger("broadcaster.run")


def setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(QuietSkips())


class QuietSkips(logging.Filter):
    """APScheduler would say every second that a slow tick (a locked database) was not
    started twice; the daemon says what is wrong itself, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


def run(
    ctx: typer.Context,
    no_web: Annotated[
        bool, typer.Option("--no-web", help="Do not serve the API and pages ([web] listen).")
    ] = False,
    exit_when_idle: Annotated[
        bool,
        typer.Option(
            "--exit-when-idle",
            help="Exit (0) once nothing is on air and nothing is scheduled later.",
        ),
    ] = False,
) -> None:
    """Run the daemon: air every slot on time, keep the as-run log; SIGTERM ends cleanly.

    The API and pages are served beside it on [web] listen, unless --no-web.

    Only one daemon airs at a time (a lease in the database); others wait as standby.
    """
    setup_logging()
    with open_station(ctx) as station:
        if no_web:
            serve(station, exit_when_idle=exit_when_idle)
            return
        from broadcaster.web.server import WebServer

        # The web has connections of its own, so no burst of requests can keep the
        # daemon's tick (and its lease) waiting for one.
        with WebServer.own_station(station.settings):
            serve(station, exit_when_idle=exit_when_idle)


def serve(
    station: Station,
    *,
    exit_when_idle: bool = False,
    until: Callable[[], bool] | None = None,
) -> bool:
    """Run the daemon until SIGTERM/SIGINT, idle (if asked) or `until()`; legs end cleanly.
    True if a signal stopped it."""
    daemon = Daemon(station)
    stop = threading.Event()

    def ask_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: ending what is on air and stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    started = time.monotonic()
    try:
        daemon.start()
        log.info(
            "ready in %.2f s as %s (%s)",
            time.monotonic() - started,
            daemon.holder,
            "leader" if daemon.leader else "standby",
        )
        while not stop.wait(0.5):
            if exit_when_idle and daemon.idle():
                log.info("nothing on air and nothing scheduled: exiting")
                break
            if until is not None and until():
                break
    finally:
        daemon.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return stop.is_set()


def preflight(
    ctx: typer.Context,
    slot_id: Annotated[
        int | None, typer.Argument(help="Slot to check (default: the next one).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the files, servers and Facebook token a slot needs; exit 1 if any fails."""
    with open_station(ctx) as station:
        now = station.clock()
        with station.sessions() as session:
            slot = checks.slot_to_check(session, now, slot_id)
            _ = slot.episode
            session.expunge_all()
        found = checks.run_checks(station.settings, slot, now, None)
        with station.sessions.begin() as session:
            checks.store(session, slot)
        if json_out:
            print_json({"slot_id": slot.id, **(slot.preflight or {})})
        else:
            when = show_local(slot.start, station.settings.zone)
            typer.echo(f"Slot {slot.id}, {when}: {slot.episode.title}")
            for check in found:
                typer.echo(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name:<13} {check.detail}")
    if not all(c.ok for c in found):
        say("Pre-flight failed: fix the above before the slot starts.")
        raise typer.Exit(1)
