"""Running ffmpeg: streamed work with progress, bounded memory and readable failures.

ffmpeg does the work that must stream (decoding hours of audio, filtering, encoding);
Python only reads what it asks for: progress lines, a small PCM stream, the log.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from broadcaster.files import CHILD_UMASK
from broadcaster.outputs.progress import ProgressParser
from broadcaster.privacy import child_env

FFMPEG = "ffmpeg"

LOG_FLAGS = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info"]
"""Each log line carries its level ([error], [warning], [info]): errors can be told apart."""

_LEVEL = re.compile(r"\[(panic|fatal|error|warning|info)\]")


@dataclass(frozen=True)
class Log:
    """What an ffmpeg run wrote to stderr."""

    text: str

    def lines(self, level: str) -> list[str]:
        return [line for line in self.text.splitlines() if _level_of(line) == level]

    def errors(self) -> list[str]:
        return [
            line
            for line in self.text.splitlines()
            if _level_of(line) in ("panic", "fatal", "error")
        ]

    def reason(self) -> str:
        """The most telling error line, without the [component @ 0x...] prefix."""
        errors = self.errors() or self.text.strip().splitlines() or ["no output"]
        # ffmpeg's last line is often a generic "Conversion failed!"; the first error says why.
        return clean(errors[0])


def _level_of(line: str) -> str | None:
    match = _LEVEL.search(line)
    return match.group(1) if match else None


def clean(line: str) -> str:
    """A log line without the component tag and the level marker."""
    line = re.sub(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*", "", line.strip())
    line = _LEVEL.sub("", line, count=1)
    return line.strip()


@contextmanager
def log_file() -> Iterator[IO[bytes]]:
    """An unnamed temporary file for stderr: never a pipe, so ffmpeg cannot block on it."""
    with tempfile.TemporaryFile() as fh:
        yield fh


def read_log(fh: IO[bytes]) -> Log:
    fh.flush()
    fh.seek(0)
    return Log(fh.read().decode("utf-8", errors="replace"))


class ProgressPipe:
    """`-progress pipe:N`: an inherited pipe on which ffmpeg writes `out_time_us=...` lines."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()

    @property
    def arg(self) -> list[str]:
        return ["-progress", f"pipe:{self.write_fd}", "-stats_period", "0.5"]

    def close_writer(self) -> None:
        """Call once the child is started, so the pipe ends when ffmpeg exits."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def follow(self, on_seconds: Callable[[float], None]) -> None:
        """Read until ffmpeg closes the pipe, reporting the output time in seconds (the
        heartbeat read as playout reads it: `outputs.progress`)."""
        parser = ProgressParser()
        with os.fdopen(self.read_fd, "rb") as fh:
            self.read_fd = -1
            for raw in fh:
                beat = parser.feed(raw.decode("ascii", errors="replace"))
                if beat is not None:
                    on_seconds(beat.out_time_s)

    def close(self) -> None:
        self.close_writer()
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1


def run(args: Sequence[str], *, timeout: float | None = None) -> tuple[int, Log]:
    """Run ffmpeg to completion with no streamed output; the exit code and its log."""
    with log_file() as err:
        proc = subprocess.run(
            [FFMPEG, *LOG_FLAGS, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            timeout=timeout,
            check=False,
            env=child_env(),
            umask=CHILD_UMASK,
        )
        return proc.returncode, read_log(err)
