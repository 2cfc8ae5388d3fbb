"""`broadcaster report ...`: the figures organisers take away (SPEC 3.2)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Reports for organisers: airtime per province, episode or partner; call-ins.",
    no_args_is_help=True,
)

# The commands register themselves here:
#   report airtime -> broadcaster/cli/report_airtime.py
#   report callins -> broadcaster/cli/report_callins.py

from broadcaster.cli.report_callins import callins as _callins  # noqa: E402

app.command("callins")(_callins)

from broadcaster.cli.report_airtime import airtime as _airtime  # noqa: E402

app.command("airtime")(_airtime)
