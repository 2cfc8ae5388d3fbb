"""A leg's ffmpeg process as it runs: its `-progress` heartbeat and its stderr tail.

It belongs to one leg at a time. At a hand-over (`handover.py`) the radio encoder, still
connected to the mount, passes to the next slot's leg: from then on its heartbeat counts
for that leg and it is that leg's title that is set when its audio first goes out.
"""

from __future__ import annotations

import io
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Protocol

from broadcaster.outputs.progress import ProgressParser


class Owner(Protocol):
    """The leg an encoder airs for."""

    name: str
    errors: deque[str]

    def announce(self) -> None:
        """Its audio has started going out (the radio leg sets the stream title)."""
        ...


@dataclass(frozen=True)
class Beat:
    """The heartbeat as the owning leg sees it: bytes counted from when it took over."""

    bytes_sent: int
    out_time_s: float
    last_progress: float | None
    ended: bool


class Encoder:
    """Runs the readers of `proc` (stdout `-progress pipe:1`, stderr) on their own threads."""

    def __init__(self, proc: subprocess.Popen[bytes], owner: Owner) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self._lock = threading.Lock()
        self._owner = owner
        self._baseline = 0
        self._announced = False
        self._bytes, self._out_time = 0, 0.0
        self._last_progress: float | None = None
        self._ended = False
        self.readers = [
            threading.Thread(target=self._read_progress, args=(text(proc.stdout),), daemon=True),
            threading.Thread(target=self._read_errors, args=(text(proc.stderr),), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @property
    def stdin(self) -> IO[bytes] | None:
        return self.proc.stdin

    def alive(self) -> bool:
        return self.proc.poll() is None

    def adopt(self, owner: Owner) -> None:
        """From now on the heartbeat, errors and the first-audio call go to `owner`."""
        with self._lock:
            self._owner, self._baseline, self._announced = owner, self._bytes, False

    def beat(self) -> Beat:
        with self._lock:
            return Beat(
                self._bytes - self._baseline, self._out_time, self._last_progress, self._ended
            )

    def drain(self, timeout: float = 1.0) -> None:
        """Let the readers finish reading a process that has ended."""
        for reader in self.readers:
            reader.join(timeout=timeout)

    def _read_progress(self, stream: IO[str]) -> None:
        parser = ProgressParser()
        for line in stream:
            beat = parser.feed(line)
            if beat is None:
                continue
            with self._lock:
                self._bytes, self._out_time = beat.bytes_sent, beat.out_time_s
                self._last_progress, self._ended = time.monotonic(), beat.ended
                owner = self._owner
                first = not self._announced and self._bytes > self._baseline
                self._announced = self._announced or first
            if first:
                owner.announce()

    def _read_errors(self, stream: IO[str]) -> None:
        for line in stream:
            with self._lock:
                owner = self._owner
            owner.errors.append(line.rstrip())


def text(stream: IO[bytes]) -> IO[str]:
    """A process's output pipe read as lines of text."""
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
