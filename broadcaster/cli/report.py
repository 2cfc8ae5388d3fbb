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
