"""What every command shares: the station it works on, printing, and progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from broadcaster.config import Settings, load_settings
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
