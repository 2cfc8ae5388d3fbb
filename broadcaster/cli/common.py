"""What every command shares: the station it works on, printing, and progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from broadcaster.config import Settings, load_settings
from broadcaster.schedule.times import parse_time
from broadcaster.station import Station


@dataclass
class CliState:
    config: Path | None = None

    def settings(self) -> Settings:
        return load_settings(self.config)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


@contextmanager
def open_station(ctx: typer.Context) -> Iterator[Station]:
    station = Station.open(state(ctx).settings())
    try:
        yield station
    finally:
        station.close()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def say(message: str) -> None:
    """Human-readable progress and notes go to stderr, so stdout stays clean for data."""
    typer.echo(message, err=True)


class ProgressLine:
    """Shows `stage 42%` on one terminal line; one line per stage when not a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last: tuple[str, int] | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        percent = max(0, min(100, int(fraction * 100)))
        if self.tty:
            sys.stderr.write(f"\r{self.label}: {stage} {percent:3d}%\033[K")
            if percent >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif self.last is None or self.last[0] != stage or percent - self.last[1] >= 25:
            say(f"{self.label}: {stage} {percent}%")
        self.last = (stage, percent)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="From this time (YYYY-MM-DD HH:MM, station time).")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Until this time.")]
SeriesOpt = Annotated[str | None, typer.Option(help="Series the episode belongs to.")]
PartnerOpt = Annotated[
    list[str] | None, typer.Option("--partner", "-p", help="A partner; repeat for several.")
]
DescriptionOpt = Annotated[str | None, typer.Option(help="A line or two about it.")]


def time_range(
    station: Station, from_: str | None, to: str | None
) -> tuple[datetime | None, datetime | None]:
    """The --from/--to options as UTC instants (None where not given)."""
    zone = station.settings.zone
    start = parse_time(from_, zone, "--from") if from_ else None
    end = parse_time(to, zone, "--to") if to else None
    return start, end
