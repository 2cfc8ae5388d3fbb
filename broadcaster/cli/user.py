"""`broadcaster user ...`: people who sign in to the pages and the API."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from broadcaster.cli.common import open_station, say
from broadcaster.users import add_user

app = typer.Typer(
    help="Add users (operators and organisers).", no_args_is_help=True, rich_markup_mode="markdown"
)


class Role(enum.StrEnum):
    operator = "operator"
    organiser = "organiser"


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Sign-in name, e.g. sokha or sokha@ccc.org.kh.")],
    role: Annotated[
        Role, typer.Option("--role", help="operator (reads and writes) or organiser (reads).")
    ],
) -> None:
    """Add a user and print their API token. It is shown once: only its hash is kept."""
    with open_station(ctx) as station, station.sessions.begin() as session:
        user, token = add_user(session, name, role.value, station.clock())
        typer.echo(token)
        say(f"User {user.name} ({user.role}) added. Keep the token above; it is not shown again.")
