"""One leg = one supervised ffmpeg process sending a segment of the slot's audio somewhere.

`Output` is the narrow interface playout relies on (start at an offset, stop, health);
`FfmpegLeg` runs the process, reads its `-progress` heartbeat and keeps its stderr tail.
A file leg is primed: its encoder is started ahead of the instant `at`, reading PCM from
its own decoder through a feeder (`feed.py`) that releases the audio at `at` (SPEC B1).
A relay leg (a live episode's feed, relayed on loopback as real-time PCM by `LiveFeed`) is
primed the same way; until the instant its feeder keeps only the newest of the feed. A live leg
reads its source itself, from when it is started. The radio mount is not a leg of this kind:
the station's transmitter airs it (`transmitter.py`, `radio.py`).
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from broadcaster.outputs.causes import classify, mask
from broadcaster.outputs.encoder import Encoder, text
from broadcaster.outputs.feed import Pcm, PcmFeeder, RelayTap
from broadcaster.outputs.pacing import PCM_FORMAT, Pacer, pcm_bytes
from broadcaster.outputs.spawn import close_pipes, spawn, stop_process

if TYPE_CHECKING:
    from broadcaster.outputs.programme import Programme, Reader

log = logging.getLogger(__name__)

FADE_S = 3.0
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
    first_audio: float | None = None
    """Wall-clock time this attempt's first audio left for the server (`Beat.first_audio`)."""


@dataclass(frozen=True)
class DeadAir:
    """A span (wall-clock seconds) in which a leg's programme was dead air, and why."""

    start: float
    end: float | None
    cause: str


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
    def dead_air(self) -> list[DeadAir]: ...
    @property
    def aircheck_path(self) -> Path | None: ...


def audio_filter(segment: Segment) -> list[str]:
    """The fade into the hard end of a segment that overruns its slot."""
    if segment.fade_at_s is None:
        return []
    fade = min(FADE_S, max(0.1, segment.duration_s - segment.fade_at_s))
    return ["-af", f"afade=t=out:st={segment.fade_at_s:.3f}:d={fade:.3f}"]


def decoder_command(
    source: str, segment: Segment, *, relay: bool = False, input_format: tuple[str, ...] = ()
) -> list[str]:
    """A leg's decoder: the segment of `source` as PCM on stdout, faded if it overruns.

    A relay (or any live input) is read as it comes: no seek, and it fades into the hard end."""
    seek = [] if relay else ["-ss", f"{segment.offset_s:.3f}"]
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
        *seek, *input_format, "-i", source,
        "-t", f"{segment.duration_s:.3f}", *audio_filter(segment),
        "-vn", *PCM_FORMAT, "pipe:1",
    ]  # fmt: skip


class FfmpegLeg(ABC):
    """Base of the three legs: builds the command, runs it, watches its heartbeat."""

    kind = "ffmpeg"
    start_latency_s = 0.0
    """From the first audio into the encoder to the first audio out (measured, bench b1):
    the feed is released that much before the instant, so the audio reaches the server on it."""

    def __init__(
        self,
        name: str,
        source: str,
        *,
        live: bool = False,
        relay: bool = False,
        input_format: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.source = source
        self.live = live
        self.relay = relay
        self.input_format = input_format
        self.attempts = 0
        self.errors: deque[str] = deque(maxlen=40)
        """The stderr tail of this leg's processes (decoder lines prefixed)."""
        self._lock = threading.Lock()
        self._encoder: Encoder | None = None
        self._decoder: subprocess.Popen[bytes] | None = None
        self._feeder: PcmFeeder | None = None
        self._decoder_errors: threading.Thread | None = None
        self._tap: RelayTap | None = None
        self.programme: Programme | None = None
        """The slot's shared decode (`outputs.programme`), set by the plan for a file."""
        self._reader: Reader | None = None
        """A relay leg's reader of its decoder (started and joined per attempt)."""
        self._released = 0.0
        """Wall-clock time this attempt's audio goes into the encoder."""
        self._stopping = False

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
        """Called once per process, when this leg's first bytes have gone out."""
        return None

    @property
    def aircheck_path(self) -> Path | None:
        return None

    def dead_air(self) -> list[DeadAir]:
        """Spans of dead air in what this leg sent (only the radio transmitter watches)."""
        return []

    # -- the process -------------------------------------------------------------------

    @property
    def primes(self) -> bool:
        return not self.live

    def command(self, segment: Segment) -> list[str]:
        """The leg's process: for a file, the encoder fed by `decoder_command` on its stdin."""
        if self.live:
            audio_in = ["-nostdin", "-re", *LIVE_INPUT, *self.input_format, "-i", self.source]
            until = [*audio_filter(segment), "-t", f"{segment.duration_s:.3f}"]
        else:  # it ends with its input: the feeder closes it after the segment's audio
            audio_in, until = PIPE_INPUT, []
        return [
            "ffmpeg", "-hide_banner", "-loglevel", "warning",
            "-nostats", "-progress", "pipe:1", "-stats_period", "0.5",
            *audio_in, *self.extra_inputs(), *until,
            *self.output_args(segment),
        ]  # fmt: skip

    def decoder_command(self, segment: Segment) -> list[str]:
        return decoder_command(
            self.source, segment, relay=self.relay, input_format=self.input_format
        )

    def shown_command(self, segment: Segment, decoded: Segment | None = None) -> str:
        """The command line(s) as they may be logged, decoder first: secrets masked."""
        shown = " ".join(self.command(segment))
        if not self.live:
            shown = f"{' '.join(self.decoder_command(decoded or segment))} | {shown}"
        return mask(shown, self.secrets())

    def start(self, segment: Segment, at: float | None = None) -> None:
        """Launch the process for `segment`; any earlier process must have ended.

        `at` (wall-clock seconds, `time.time()`) is when the segment's first audio goes out;
        None is now. A file leg started early connects at once and holds its audio until `at`.
        """
        with self._lock:
            if self._encoder is not None and self._encoder.alive():
                raise RuntimeError(f"leg {self.name} is already running")
        self._close_attempt()
        with self._lock:
            self.attempts += 1
            self.errors.clear()
            self._stopping = False
            when = time.time() if at is None else at
            self._released = when if self.live else when - self.start_latency_s
            decoded = self._decoded(segment, when)
            log.info("leg %s: %s", self.name, self.shown_command(segment, decoded))
            reader = None
            if not (self.live or self.relay) and self.programme is not None:
                reader = self.programme.open(decoded)
            self._reader = reader
            decoder = None if self.live or reader else self._spawn_decoder(decoded)
            encoder = self._spawn_encoder(segment, piped=not self.live)
            self._encoder, self._decoder, self._feeder = encoder, decoder, None
            if self.live:
                return
            early = self.start_latency_s
            pacer = Pacer(total=pcm_bytes(segment.duration_s), tail_lead_s=0.02 - early)
            assert encoder.stdin is not None
            source: Pcm
            if reader is not None:
                source = reader
            else:
                assert decoder is not None and decoder.stdout is not None
                source = decoder.stdout
            if self.relay and decoder is not None and decoder.stdout is not None:
                self._tap = RelayTap(decoder.stdout)
                self._tap.start()
                source = self._tap
            self._feeder = PcmFeeder(self.name, source, when - early, pacer, encoder=encoder.stdin)
            self._feeder.start()

    def _decoded(self, segment: Segment, when: float) -> Segment:
        """What the decoder makes: a relay's starts now, before the instant, so its times
        (the fade into the hard end) are later by that much; a file's are the segment's."""
        if not self.relay:
            return segment
        ahead = max(0.0, when - time.time())
        fade_at = None if segment.fade_at_s is None else segment.fade_at_s + ahead
        return replace(segment, duration_s=segment.duration_s + ahead, fade_at_s=fade_at)

    def _spawn_decoder(self, segment: Segment) -> subprocess.Popen[bytes]:
        """Called with the lock held; its stderr tail joins the leg's errors."""
        proc = spawn(
            self.decoder_command(segment),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stderr is not None
        errors = text(proc.stderr)
        self._decoder_errors = threading.Thread(
            target=self._read_errors, args=(errors, "decoder: "), daemon=True
        )
        self._decoder_errors.start()
        return proc

    def _spawn_encoder(self, segment: Segment, piped: bool) -> Encoder:
        """Called with the lock held."""
        proc = spawn(
            self.command(segment),
            stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return Encoder(proc, self, released=self._released)

    def announce(self) -> None:
        try:
            self.on_live()
        except Exception as exc:  # a failure here must not stop the audio
            log.warning("leg %s: %s", self.name, mask(str(exc), self.secrets()))

    def _read_errors(self, stream: IO[str], prefix: str = "") -> None:
        for line in stream:
            self.errors.append(prefix + line.rstrip())

    def health(self) -> Health:
        with self._lock:
            encoder = self._encoder
        if encoder is None:
            return Health(False, 1, 0, 0.0, None, False, "not started", "not started")
        code = encoder.proc.poll()
        if code is not None:
            self._end_feed(timeout=1.0)
            encoder.drain()  # let the readers drain the dead process
        beat = encoder.beat()
        error = mask("\n".join(self.errors), self.secrets())
        failed = code is not None and code != 0
        return Health(
            running=code is None,
            returncode=code,
            bytes_sent=beat.bytes_sent,
            out_time_s=beat.out_time_s,
            last_progress=beat.last_progress,
            ended=beat.ended,
            cause=classify(error) if failed else None,
            error=error if failed else "",
            first_audio=beat.first_audio,
        )

    def _end_feed(self, timeout: float) -> None:
        """Stop feeding (the encoder sees the end of its input) and end the decoder.

        The decoder is killed: nothing reads it any more, so it may be blocked writing and
        deaf to SIGTERM, and none of its output is wanted."""
        if self._feeder is not None:
            self._feeder.stop()
        if self._reader is not None:  # the shared decode goes on for the other legs
            self._reader.close()
        decoder = self._decoder
        if decoder is not None and decoder.poll() is None:
            decoder.kill()
        if decoder is not None:
            decoder.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """End the process cleanly (SIGTERM lets ffmpeg finish the file), killing if it hangs."""
        with self._lock:
            self._stopping = True
        self._end_feed(timeout)
        with self._lock:
            encoder = self._encoder
        if encoder is not None:
            stop_process(encoder.proc, timeout)
        self._close_attempt(timeout)

    def _close_attempt(self, timeout: float = 5.0) -> None:
        """After an attempt's processes have ended: join its threads, close its pipes."""
        with self._lock:
            encoder, decoder, feeder = self._encoder, self._decoder, self._feeder
            errors, self._decoder_errors = self._decoder_errors, None
            tap, self._tap = self._tap, None
        if encoder is not None:
            encoder.drain(timeout)
        if feeder is not None:  # its last write fails once the encoder is gone
            feeder.join(timeout)
        if errors is not None:
            errors.join(timeout)
        if tap is not None:  # it ends with the decoder's output
            tap.join(timeout)
        close_pipes(decoder)
        if encoder is not None:
            close_pipes(encoder.proc)
