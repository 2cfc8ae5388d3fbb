"""One leg = one supervised ffmpeg process sending a segment of the slot's audio somewhere.

`Output` is the narrow interface playout relies on (start at an offset, stop, health);
`FfmpegLeg` runs the process, reads its `-progress` heartbeat and keeps its stderr tail.
A file leg is primed: its encoder is started ahead of the instant `at`, reading PCM from
its own decoder through a feeder (`feed.py`) that releases the audio at `at` (SPEC B1).
A relay leg (a live episode's feed, relayed on loopback as real-time PCM by `LiveFeed`) is
primed the same way; until the instant its feeder keeps only the newest of the feed. A live leg
reads its source itself, from when it is started. Back-to-back radio slots share one
encoder and its Icecast connection (`handover.py`).
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
from typing import IO, Protocol

from broadcaster.outputs import handover
from broadcaster.outputs.causes import classify, mask
from broadcaster.outputs.encoder import Beat, Encoder, text
from broadcaster.outputs.feed import NOT_HANDED, PcmFeeder, RelayTap, stop_process
from broadcaster.outputs.handover import Baton
from broadcaster.outputs.pacing import PCM_FORMAT, Pacer, pcm_bytes
from broadcaster.outputs.spawn import spawn

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
        self._feed_end = 0.0
        """Wall-clock time this attempt's audio ends."""
        self._next: Baton | None = None
        """The next slot's leg waiting for this one's encoder."""
        self._handed_on = False
        self._stopping = False
        self._last_beat: Beat | None = None

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
        """Called once per process (or hand-over), when this leg's first bytes have gone out."""
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
            until = [*self.audio_filter(segment), "-t", f"{segment.duration_s:.3f}"]
        else:  # it ends with its input, which may go on with the next slot's (hand-over)
            audio_in, until = PIPE_INPUT, []
        return [
            "ffmpeg", "-hide_banner", "-loglevel", "warning",
            "-nostats", "-progress", "pipe:1", "-stats_period", "1",
            *audio_in, *self.extra_inputs(), *until,
            *self.output_args(segment),
        ]  # fmt: skip

    def decoder_command(self, segment: Segment) -> list[str]:
        """A file leg's decoder: the segment as PCM on stdout, faded if it overruns.

        A relay's decoder reads the feed as it comes (no seek) and fades into the hard end."""
        seek = [] if self.relay else ["-ss", f"{segment.offset_s:.3f}"]
        return [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            *seek, *self.input_format, "-i", self.source,
            "-t", f"{segment.duration_s:.3f}", *self.audio_filter(segment),
            "-vn", *PCM_FORMAT, "pipe:1",
        ]  # fmt: skip

    def shown_command(self, segment: Segment, decoded: Segment | None = None) -> str:
        """The command line(s) as they may be logged, decoder first: secrets masked."""
        shown = " ".join(self.command(segment))
        if not self.live:
            shown = f"{' '.join(self.decoder_command(decoded or segment))} | {shown}"
        return mask(shown, self.secrets())

    def handover_key(self) -> str | None:
        """The server resource only one source may hold (an Icecast mount), if any."""
        return None

    def start(self, segment: Segment, at: float | None = None) -> None:
        """Launch the process for `segment`; any earlier process must have ended.

        `at` (wall-clock seconds, `time.time()`) is when the segment's first audio goes out;
        None is now. A file leg started early connects at once and holds its audio until `at`;
        or, when the previous slot's leg on the same mount ends at `at`, takes its encoder then.
        """
        with self._lock:
            if self._encoder is not None and self._encoder.alive():
                raise RuntimeError(f"leg {self.name} is already running")
            self.attempts += 1
            self.errors.clear()
            self._handed_on, self._stopping, self._last_beat = False, False, None
            when = time.time() if at is None else at
            self._feed_end = when + segment.duration_s
            decoded = self._decoded(segment, when)
            log.info("leg %s: %s", self.name, self.shown_command(segment, decoded))
            key = None if self.live else self.handover_key()
            baton = None if key is None else handover.claim(key, self, when)
            decoder = None if self.live else self._spawn_decoder(decoded)
            encoder = None
            if baton is None:
                encoder = Encoder(self._spawn_encoder(segment, piped=not self.live), self)
                if key is not None:
                    handover.hold(key, self)
            else:
                log.info("leg %s: takes over the source of the slot before at its end", self.name)
            self._encoder, self._decoder, self._feeder = encoder, decoder, None
            if self.live:
                return
            early = self.start_latency_s
            pacer = Pacer(total=pcm_bytes(segment.duration_s), tail_lead_s=0.02 - early)
            assert decoder is not None and decoder.stdout is not None
            self._feeder = PcmFeeder(
                self.name,
                RelayTap(decoder.stdout) if self.relay else decoder.stdout,
                when - early,
                pacer,
                encoder=None if encoder is None else encoder.stdin,
                baton=baton,
                adopt=self._adopt,
                pass_on=self._pass_on,
            )
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
        threading.Thread(target=self._read_errors, args=(errors, "decoder: "), daemon=True).start()
        return proc

    def _spawn_encoder(self, segment: Segment, piped: bool) -> subprocess.Popen[bytes]:
        return spawn(
            self.command(segment),
            stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    # -- hand-over between back-to-back slots (handover.py) ----------------------------
    def successor(self, at: float) -> Baton | None:
        with self._lock:
            encoder, waiting = self._encoder, self._next is not None and self._next.waiting
            if encoder is None or not encoder.alive() or self._stopping or waiting:
                return None
            if abs(self._feed_end - at) > handover.WITHIN_S:
                return None
            self._next = Baton()
            return self._next

    def _pass_on(self) -> bool:
        """All this leg's audio is in its encoder: give the encoder to the next slot's leg."""
        with self._lock:
            baton, encoder = self._next, self._encoder
            if baton is None or encoder is None or not encoder.alive() or self._stopping:
                return False
            if not baton.give(encoder):
                return False
            self._last_beat, self._encoder, self._next = encoder.beat(), None, None
            self._handed_on = True
        log.info("leg %s: source handed to the next slot", self.name)
        return True

    def _adopt(self, encoder: Encoder) -> IO[bytes] | None:
        """The previous leg's encoder is this leg's now (None if this leg was stopped)."""
        with self._lock:
            if not self._stopping and encoder.alive():
                encoder.adopt(self)
                self._encoder = encoder
                key = self.handover_key()
                if key is not None:
                    handover.hold(key, self)
                return encoder.stdin
        stop_process(encoder.proc, 5.0)
        return None

    def announce(self) -> None:
        try:
            self.on_live()
        except Exception as exc:  # a title that fails must not stop the audio
            log.warning("leg %s: %s", self.name, mask(str(exc), self.secrets()))

    def _read_errors(self, stream: IO[str], prefix: str = "") -> None:
        for line in stream:
            self.errors.append(prefix + line.rstrip())

    def health(self) -> Health:
        with self._lock:
            encoder, feeder, handed, beat = self._encoder, self._feeder, self._handed_on, None
            if handed:
                beat = self._last_beat
        if beat is not None:  # handed over: this leg is done, the process lives on
            return Health(False, 0, beat.bytes_sent, beat.out_time_s, beat.last_progress,
                          True, None, "")  # fmt: skip
        if encoder is None:  # waiting for the previous slot's encoder, or it never came
            if feeder is not None and feeder.is_alive():
                return Health(True, None, 0, 0.0, None, False, None, "")
            cause = (feeder.failure if feeder else None) or NOT_HANDED
            return Health(False, 1, 0, 0.0, None, False, cause, cause)
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
        )

    def _end_feed(self, timeout: float) -> None:
        """Stop feeding (the encoder sees the end of its input) and end the decoder."""
        if self._feeder is not None:
            self._feeder.stop()
        stop_process(self._decoder, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """End the process cleanly (SIGTERM lets ffmpeg finish the file), killing if it hangs.

        A leg that handed its encoder on leaves it running; a hand-over not yet made is off.
        """
        with self._lock:
            self._stopping = True
            baton, self._next = self._next, None
        if baton is not None:
            baton.drop()
        self._end_feed(timeout)
        with self._lock:
            encoder = self._encoder
        if encoder is not None:
            stop_process(encoder.proc, timeout)
