"""A leg's ffmpeg process as it runs: its `-progress` heartbeat and its stderr tail."""

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
        """Its audio has started going out."""
        ...


@dataclass(frozen=True)
class Beat:
    """The heartbeat as the leg sees it."""

    bytes_sent: int
    out_time_s: float
    last_progress: float | None
    ended: bool
    first_audio: float | None = None
    """Wall-clock time (`time.time()`) the first audio left for the server, from the
    heartbeat: the moment of the first beat with audio, less the audio time it reports, and
    never before the audio was released into the encoder."""


class Encoder:
    """Runs the readers of `proc` (stdout `-progress pipe:1`, stderr) on their own threads."""

    def __init__(
        self, proc: subprocess.Popen[bytes], owner: Owner, *, released: float | None = None
    ) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self._lock = threading.Lock()
        self._owner = owner
        self._released = released
        self._bytes, self._out_time = 0, 0.0
        self._last_progress: float | None = None
        self._ended = False
        self._first_audio: float | None = None
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

    def beat(self) -> Beat:
        with self._lock:
            return Beat(
                self._bytes, self._out_time, self._last_progress, self._ended, self._first_audio
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
            now = time.time()
            with self._lock:
                self._bytes, self._out_time = beat.bytes_sent, beat.out_time_s
                self._last_progress, self._ended = time.monotonic(), beat.ended
                first = self._first_audio is None and self._bytes > 0
                if first:
                    went = now - beat.out_time_s
                    self._first_audio = max(went, self._released or went)
            if first:
                self._owner.announce()

    def _read_errors(self, stream: IO[str]) -> None:
        for line in stream:
            self._owner.errors.append(line.rstrip())


def text(stream: IO[bytes]) -> IO[str]:
    """A process's output pipe read as lines of text."""
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
