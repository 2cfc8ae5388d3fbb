"""`broadcaster report airtime`: where and how long each dialogue was carried."""

from __future__ import annotations

from typing import Annotated

import typer

from broadcaster.cli.common import FromOpt, ToOpt, open_station, time_range
from broadcaster.errors import BadInput
from broadcaster.reports.airtime import By, airtime_report, airtime_totals, columns
from broadcaster.reports.output import Format, render


def airtime(
    ctx: typer.Context,
    from_: FromOpt = None,
    to: ToOpt = None,
    by: Annotated[
        By, typer.Option("--by", help="province (time carried), episode or partner.")
    ] = By.province,
    fmt: Annotated[
        Format, typer.Option("--format", help="table (with totals), csv or json.")
    ] = Format.table,
) -> None:
    """Airtime per province, episode or partner: slots, minutes scheduled and aired (for a
    province, carried by its relay), and how many slots ended in each status."""
    with open_station(ctx) as station, station.sessions() as session:
        start, end = time_range(station, from_, to)
        if start is not None and end is not None and end <= start:
            raise BadInput("--to: must be later than --from")
        rows = airtime_report(session, station.settings.zone, start, end, by)
    typer.echo(render(rows, fmt, columns(by), airtime_totals(rows)))
