"""`broadcaster province ...`: the provincial relay sites."""

from __future__ import annotations

from typing import Annotated

import typer

from broadcaster.cli.common import open_station, say
from broadcaster.provinces.tokens import issue_token

app = typer.Typer(
    help="Provincial relay sites: heartbeat tokens.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command("token")
def token(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The province's code, e.g. PNH.")],
) -> None:
    """Print a new heartbeat token for a relay site (shown once; only its hash is kept).
    The site posts `POST /api/provinces/CODE/heartbeat` with it as its bearer token.
    A token made before for the province stops working."""
    with open_station(ctx) as station, station.sessions.begin() as session:
        province, secret = issue_token(session, code)
        typer.echo(secret)
        say(
            f"Heartbeat token for {province.code} ({province.name}). Keep it; it is not shown "
            "again. The daemon watches heartbeats from its next start if no province did before."
        )
