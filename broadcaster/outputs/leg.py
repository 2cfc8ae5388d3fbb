"""One leg = one supervised ffmpeg process sending a segment of the slot's audio somewhere.

`Output` is the narrow interface playout relies on (start at an offset, stop, health);
`FfmpegLeg` runs the process, reads its `-progress` heartbeat and keeps its stderr tail.
A file leg is primed: its encoder is started ahead of the instant `at`, reading PCM from
its own decoder through a feeder (`feed.py`) that releases the audio at `at` (SPEC B1).
A live leg reads its source itself, from when it is started.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from broadcaster.outputs.causes import classify, mask
from broadcaster.outputs.feed import PcmFeeder, stop_process
from broadcaster.outputs.pacing import PCM_FORMAT, Pacer, pcm_bytes
from broadcaster.outputs.progress import ProgressParser

log = logging.getLogger(__name__)

FADE_S = 3.0
DIE_WITH_DAEMON = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []
"""Prefix of every ffmpeg we spawn: killed if the daemon dies (kill -9), so an orphan never
keeps a mount or a stream key busy for the daemon that takes over. The spawning thread
must outlive the process (Linux sends the signal when that thread ends)."""
LIVE_INPUT = [
    "-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_on_network_error", "1",
    "-reconnect_delay_max", "5", "-rw_timeout", "10000000",
]  # fmt: skip
PIPE_INPUT = ["-nofind_stream_info", "-thread_queue_size", "64", *PCM_FORMAT, "-i", "pipe:0"]
"""The encoder's input: PCM from the feeder; no stream probing, so it opens on 12 bytes."""


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

    @property
    def primes(self) -> bool:
        """True: `start` may be called ahead of `at`; the leg connects and holds its audio."""
        ...

    def start(self, segment: Segment, at: float | None = None) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...
    def health(self) -> Health: ...
    @property
    def aircheck_path(self) -> Path | None: ...


class FfmpegLeg(ABC):
    """Base of the three legs: builds the command, runs it, watches its heartbeat."""

    kind = "ffmpeg"
    start_latency_s = 0.0
    """From the first audio into the encoder to the first audio out (measured, bench b1):
    the feed is released that much before the instant, so the audio reaches the server on it."""

    def __init__(
        self, name: str, source: str, *, live: bool = False, input_format: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.source = source
        self.live = live
        self.input_format = input_format
        self.attempts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._decoder: subprocess.Popen[bytes] | None = None
        self._feeder: PcmFeeder | None = None
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

    @property
    def primes(self) -> bool:
        return not self.live

    def command(self, segment: Segment) -> list[str]:
        """The leg's process: for a file, the encoder fed by `decoder_command` on its stdin."""
        if self.live:
            audio_in = ["-nostdin", "-re", *LIVE_INPUT, *self.input_format, "-i", self.source]
            audio_filter = self.audio_filter(segment)
        else:
            audio_in, audio_filter = PIPE_INPUT, []
        return [
            "ffmpeg", "-hide_banner", "-loglevel", "warning",
            "-nostats", "-progress", "pipe:1", "-stats_period", "1",
            *audio_in, *self.extra_inputs(), *audio_filter,
            "-t", f"{segment.duration_s:.3f}",
            *self.output_args(segment),
        ]  # fmt: skip

    def decoder_command(self, segment: Segment) -> list[str]:
        """A file leg's decoder: the segment as PCM on stdout, faded if it overruns."""
        return [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-ss", f"{segment.offset_s:.3f}", *self.input_format, "-i", self.source,
            "-t", f"{segment.duration_s:.3f}", *self.audio_filter(segment),
            "-vn", *PCM_FORMAT, "pipe:1",
        ]  # fmt: skip

    def shown_command(self, segment: Segment) -> str:
        """The command line(s) as they may be logged, decoder first: secrets masked."""
        shown = " ".join(self.command(segment))
        if not self.live:
            shown = f"{' '.join(self.decoder_command(segment))} | {shown}"
        return mask(shown, self.secrets())

    def start(self, segment: Segment, at: float | None = None) -> None:
        """Launch the process for `segment`; any earlier process must have ended.

        `at` (wall-clock seconds, `time.time()`) is when the segment's first audio goes out;
        None is now. A file leg started early connects at once and holds its audio until `at`.
        """
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                raise RuntimeError(f"leg {self.name} is already running")
            self.attempts += 1
            self._stderr.clear()
            self._bytes, self._out_time, self._last_progress, self._ended = 0, 0.0, None, False
            log.info("leg %s: %s", self.name, self.shown_command(segment))
            decoder = None
            if not self.live:
                decoder = subprocess.Popen(
                    [*DIE_WITH_DAEMON, *self.decoder_command(segment)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            proc = subprocess.Popen(
                [*DIE_WITH_DAEMON, *self.command(segment)],
                stdin=subprocess.DEVNULL if decoder is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._proc, self._decoder, self._feeder = proc, decoder, None
        assert proc.stdout is not None and proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_progress, args=(_text(proc.stdout),), daemon=True),
            threading.Thread(target=self._read_errors, args=(_text(proc.stderr),), daemon=True),
        ]
        if decoder is not None:
            assert decoder.stdout is not None and decoder.stderr is not None
            assert proc.stdin is not None
            early = self.start_latency_s
            pacer = Pacer(total=pcm_bytes(segment.duration_s), tail_lead_s=0.02 - early)
            when = (time.time() if at is None else at) - early
            self._feeder = PcmFeeder(self.name, decoder.stdout, proc.stdin, when, pacer)
            errors = _text(decoder.stderr)
            self._readers.append(
                threading.Thread(target=self._read_errors, args=(errors, "decoder: "), daemon=True)
            )
            self._readers.append(self._feeder)
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

    def _read_errors(self, stream: IO[str], prefix: str = "") -> None:
        for line in stream:
            self._stderr.append(prefix + line.rstrip())

    def health(self) -> Health:
        proc = self._proc
        code = None if proc is None else proc.poll()
        running = proc is not None and code is None
        if code is not None:
            self._end_feed(timeout=1.0)
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

    def _end_feed(self, timeout: float) -> None:
        """Stop feeding (the encoder sees the end of its input) and end the decoder."""
        if self._feeder is not None:
            self._feeder.stop()
        stop_process(self._decoder, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """End the process cleanly (SIGTERM lets ffmpeg finish the file), killing if it hangs."""
        self._end_feed(timeout)
        stop_process(self._proc, timeout)


def _text(stream: IO[bytes]) -> IO[str]:
    """A process's output pipe read as lines of text."""
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
