"""`broadcaster user ...`: people who sign in to the pages and the API."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from broadcaster.cli.common import JsonOpt, open_station, print_json, say
from broadcaster.schedule.times import iso_local, show_local
from broadcaster.users import add_user, all_users, revoke_user

app = typer.Typer(
    help="Add, list and revoke users (operators and organisers).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
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


@app.command("list")
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List the users and their roles (never their tokens)."""
    with open_station(ctx) as station, station.sessions() as session:
        zone = station.settings.zone
        users = all_users(session)
        if json_out:
            print_json(
                [
                    {"name": u.name, "role": u.role, "created_at": iso_local(u.created_at, zone)}
                    for u in users
                ]
            )
            return
        if not users:
            say("No users yet: add one with `broadcaster user add NAME --role operator`.")
            return
        for u in users:
            typer.echo(f"{u.name:<30} {u.role:<10} added {show_local(u.created_at, zone)}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user to remove.")],
) -> None:
    """Remove a user: their token is refused from now on, and their page sessions end."""
    with open_station(ctx) as station, station.sessions.begin() as session:
        user = revoke_user(session, name)
        typer.echo(f"User {user.name} ({user.role}) revoked; their token no longer works.")
