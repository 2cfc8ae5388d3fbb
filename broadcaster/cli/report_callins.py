"""`broadcaster report callins`: how many listeners called, from where, how many came back."""

from __future__ import annotations

from typing import Annotated

import typer

from broadcaster.cli.common import FromOpt, ToOpt, open_station, time_range
from broadcaster.reports.callins import COLUMNS, By, callins_report, totals
from broadcaster.reports.output import Format, render


def callins(
    ctx: typer.Context,
    from_: FromOpt = None,
    to: ToOpt = None,
    by: Annotated[By, typer.Option("--by", help="province, episode or slot.")] = By.province,
    fmt: Annotated[
        Format, typer.Option("--format", help="table (with totals), csv or json.")
    ] = Format.table,
) -> None:
    """Call-in figures per province, episode or slot: calls, callers, repeat callers,
    calls put on air and dropped, Facebook comments. Never who called."""
    with open_station(ctx) as station, station.sessions() as session:
        start, end = time_range(station, from_, to)
        rows = callins_report(session, by, start, end, station.settings.zone)
    typer.echo(render(rows, fmt, COLUMNS, totals(rows)))
