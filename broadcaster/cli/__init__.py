"""The `broadcaster` command: parses and prints; the domain modules do the work.

Exit codes (SPEC 3.2): 0 done, 2 bad input (nothing stored), 1 any other failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError, OperationalError

from broadcaster.cli import (
    asrun,
    callin,
    daemon,
    episode,
    province,
    report,
    schedule,
    setup,
    user,
    web,
)
from broadcaster.cli.common import CliState
from broadcaster.errors import BadInput, NotReady

app = typer.Typer(
    name="broadcaster",
    help="Broadcaster: air dialogue episodes to radio and Facebook Live at once, on time.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="markdown",
)
app.add_typer(episode.app, name="episode")
app.add_typer(schedule.app, name="schedule")
app.add_typer(user.app, name="user")
app.add_typer(report.app, name="report")
app.add_typer(province.app, name="province")
app.add_typer(callin.app, name="callin")
app.command("init")(setup.init)
app.command("demo")(setup.demo)
app.command("asrun")(asrun.asrun)
app.command("run")(daemon.run)
app.command("preflight")(daemon.preflight)
app.command("web")(web.web)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (default: $BROADCASTER_CONFIG, else ./broadcaster.toml).",
        ),
    ] = None,
) -> None:
    """Broadcaster: air dialogue episodes to radio and Facebook Live at once, on time."""
    ctx.obj = CliState(config=config)


def _fail(code: int, message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; turn the station's errors into messages and exit codes.

    Whatever it writes is its own: nothing is readable or writable by others (umask 077),
    whatever the caller's umask (the files it makes on purpose say so too)."""
    os.umask(os.umask(0o077) | 0o077)
    try:
        app(args=argv, prog_name="broadcaster")
    except BadInput as exc:
        _fail(2, str(exc))
    except NotReady as exc:
        _fail(1, str(exc))
    except OperationalError as exc:
        _fail(1, f"the database cannot be used right now: {_db_reason(exc)}")
    except DBAPIError as exc:
        _fail(1, f"database error: {_db_reason(exc)}")
    except KeyboardInterrupt:
        _fail(130, "interrupted")
    except Exception as exc:
        if os.environ.get("BROADCASTER_DEBUG"):
            raise
        _fail(1, f"{type(exc).__name__}: {exc} (set BROADCASTER_DEBUG=1 for details)")


def _db_reason(exc: DBAPIError) -> str:
    text = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if "locked" in text:
        return f"{text} (another program holds it; try again in a moment)"
    return text
