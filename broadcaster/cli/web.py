"""`broadcaster web`: the API and pages alone, without playout (e.g. a second machine)."""

from __future__ import annotations

from typing import Annotated

import typer

from broadcaster.cli.common import open_station


def web(
    ctx: typer.Context,
    listen: Annotated[
        str | None,
        typer.Option("--listen", help="HOST:PORT to serve on (default: [web] listen)."),
    ] = None,
) -> None:
    """Serve the API and pages without airing anything, until Ctrl-C or SIGTERM.

    For a second machine against the same PostgreSQL, or to look at a station whose
    daemon runs elsewhere: it reads what the daemon publishes in the database.
    """
    from broadcaster.cli.daemon import setup_logging
    from broadcaster.web.server import serve_forever

    setup_logging()
    with open_station(ctx) as station:
        serve_forever(station, listen)
