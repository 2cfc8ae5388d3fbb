"""One leg = one supervised ffmpeg process sending a segment of the slot's audio somewhere.

`Output` is the narrow interface playout relies on (start at an offset, stop, health);
`FfmpegLeg` runs the process, reads its `-progress` heartbeat and keeps its stderr tail.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from broadcaster.outputs.causes import classify, mask
from broadcaster.outputs.progress import ProgressParser

log = logging.getLogger(__name__)

FADE_S = 3.0
LIVE_INPUT = [
    "-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_on_network_error", "1",
    "-reconnect_delay_max", "5", "-rw_timeout", "10000000",
]  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """Play from `offset_s` into the source for `duration_s`; fade out from `fade_at_s` on."""

    offset_s: float
    duration_s: float
    fade_at_s: float | None = None


@dataclass(frozen=True)
class Health:
    """A snapshot of the process: alive or not, what it sent, why it stopped."""

    running: bool
    returncode: int | None
    bytes_sent: int
    out_time_s: float
    last_progress: float | None
    ended: bool
    cause: str | None
    error: str


class Output(Protocol):
    """What playout needs from a leg, whatever the server behind it."""

    name: str
    kind: str

    def start(self, segment: Segment) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...
    def health(self) -> Health: ...
    @property
    def aircheck_path(self) -> Path | None: ...


class FfmpegLeg(ABC):
    """Base of the three legs: builds the command, runs it, watches its heartbeat."""

    kind = "ffmpeg"

    def __init__(
        self, name: str, source: str, *, live: bool = False, input_format: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.source = source
        self.live = live
        self.input_format = input_format
        self.attempts = 0
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._stderr: deque[str] = deque(maxlen=40)
        self._bytes = 0
        self._out_time = 0.0
        self._last_progress: float | None = None
        self._ended = False
        self._readers: list[threading.Thread] = []

    # -- what each leg adds ------------------------------------------------------------
    @abstractmethod
    def output_args(self, segment: Segment) -> list[str]:
        """Encoder and destination arguments, after the inputs."""

    def extra_inputs(self) -> list[str]:
        """Inputs after the audio (the Facebook card loop)."""
        return []

    def secrets(self) -> tuple[str, ...]:
        """Strings to mask wherever the command or its errors are shown."""
        return ()

    def on_live(self) -> None:
        """Called once per process, when its first bytes have gone out."""
        return None

    @property
    def aircheck_path(self) -> Path | None:
        return None

    # -- the process -------------------------------------------------------------------
    def audio_filter(self, segment: Segment) -> list[str]:
        if segment.fade_at_s is None:
            return []
        fade = min(FADE_S, max(0.1, segment.duration_s - segment.fade_at_s))
        return ["-af", f"afade=t=out:st={segment.fade_at_s:.3f}:d={fade:.3f}"]

    def command(self, segment: Segment) -> list[str]:
        audio_in = [*LIVE_INPUT] if self.live else ["-ss", f"{segment.offset_s:.3f}"]
        return [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning",
            "-nostats", "-progress", "pipe:1", "-stats_period", "1",
            "-re", *audio_in, *self.input_format, "-i", self.source,
            *self.extra_inputs(),
            *self.audio_filter(segment),
            "-t", f"{segment.duration_s:.3f}",
            *self.output_args(segment),
        ]  # fmt: skip

    def shown_command(self, segment: Segment) -> str:
        """The command line as it may be logged: secrets masked."""
        return mask(" ".join(self.command(segment)), self.secrets())

    def start(self, segment: Segment) -> None:
        """Launch the process for `segment`; any earlier process must have ended."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                raise RuntimeError(f"leg {self.name} is already running")
            self.attempts += 1
            self._stderr.clear()
            self._bytes, self._out_time, self._last_progress, self._ended = 0, 0.0, None, False
            log.info("leg %s: %s", self.name, self.shown_command(segment))
            proc = subprocess.Popen(
                self.command(segment),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
            self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_progress, args=(proc.stdout,), daemon=True),
            threading.Thread(target=self._read_errors, args=(proc.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_progress(self, stream: IO[str]) -> None:
        parser, announced = ProgressParser(), False
        for line in stream:
            beat = parser.feed(line)
            if beat is None:
                continue
            with self._lock:
                self._bytes, self._out_time = beat.bytes_sent, beat.out_time_s
                self._last_progress, self._ended = time.monotonic(), beat.ended
            if beat.bytes_sent > 0 and not announced:
                announced = True
                try:
                    self.on_live()
                except Exception as exc:  # a title that fails must not stop the audio
                    log.warning("leg %s: %s", self.name, mask(str(exc), self.secrets()))

    def _read_errors(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr.append(line.rstrip())

    def health(self) -> Health:
        proc = self._proc
        code = None if proc is None else proc.poll()
        running = proc is not None and code is None
        if code is not None:
            for reader in self._readers:  # let the readers drain the dead process
                reader.join(timeout=1.0)
        with self._lock:
            error = mask("\n".join(self._stderr), self.secrets())
            failed = code is not None and code != 0
            return Health(
                running=running,
                returncode=code,
                bytes_sent=self._bytes,
                out_time_s=self._out_time,
                last_progress=self._last_progress,
                ended=self._ended,
                cause=classify(error) if failed else None,
                error=error if failed else "",
            )

    def stop(self, timeout: float = 5.0) -> None:
        """End the process cleanly (SIGTERM lets ffmpeg finish the file), killing if it hangs."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
