"""The radio output: one transmitter on the Icecast mount from the daemon's start to its stop.

One encoder (PCM in, MP3 out) is fed in real time by the pump: each booked programme from
its instant to its hard end, the station's fill between them, so the mount never empties
and listeners and provincial relays stay connected (SPEC 4.2). The sender sends the MP3 to
the mount itself (`source.py`: no password in any process list) and reconnects with
back-off when the server goes. A programme that stays below -50 dBFS for `silence_s` is dead
air: the fill (standby) plays instead until it sounds again, and the gap is kept.

Threads, all owned and joined here: the pump, the sender, the encoder's two readers, the
fill's reader, the titler. A `Booking` is the only thing shared with a slot's leg: the pump
and the sender write its figures under the transmitter's lock, the leg reads copies.

Timeline: PCM byte `p` is due on air at `t0 + p / BYTES_PER_S` (monotonic); the pump
writes it `LEAD_S` before, the encoder's own delay. A booking at wall time `at` begins at
the position of `at`, so it goes on air at its instant, to the frame.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import subprocess
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from broadcaster.outputs.causes import UNAUTHORIZED, classify
from broadcaster.outputs.encoder import text
from broadcaster.outputs.feed import Pcm
from broadcaster.outputs.leg import DeadAir
from broadcaster.outputs.pacing import BYTES_PER_S, FRAME_BYTES, PCM_FORMAT, pcm_bytes
from broadcaster.outputs.progress import ProgressParser
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.spawn import spawn

with warnings.catch_warnings():  # deprecated in 3.11, kept by audioop-lts on 3.13
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

log = logging.getLogger(__name__)

LEAD_S = 0.10
"""How far ahead of the clock the pump writes: the encoder's delay from PCM in to MP3 out
(resampling to 44.1 kHz, LAME's frame and look-ahead, ffmpeg's packets), measured."""
CHUNK = pcm_bytes(0.1)
"""The pump's step: 100 ms of PCM a write (the encoder frames it; fewer wake-ups)."""
ENCODER_DELAY_S = 0.025
"""LAME's priming delay: the MP3 bytes of PCM position p are about this much further on."""
SILENT_DBFS = -50.0
BACKOFF_FIRST_S, BACKOFF_CAP_S = 0.5, 4.0
REFUSED_PASSWORD_S = 60.0
"""After Icecast refused the password, the next try waits this long (no retry storm)."""
NEAR_S = 2.5
"""Slots only (`continuous = false`): connected from this long before a booking to this
long after it, so back-to-back slots share the connection."""


@dataclass
class Booking:
    """A programme booked on the transmitter: PCM from `pcm` from `at` to `end` (wall time).

    The transmitter writes the figures below; read them with `Transmitter.seen(booking)`."""

    at: float
    end: float
    pcm: PcmBuffer
    title: str
    first_audio: float | None = None
    """Wall time the MP3 bytes of its first audio went to the server (measured)."""
    bytes_sent: int = 0
    last_sent: float | None = None
    """Monotonic time of the last bytes of it sent."""
    finished: bool = False
    """The pump has passed its end (or it was cancelled)."""
    underrun_s: float = 0.0
    dead_air: list[DeadAir] = field(default_factory=list)
    """Wall-time spans its programme was silent past `silence_s` (standby played)."""
    _pos: int | None = None
    _mp3_start: int | None = None
    _mp3_end: int | None = None
    _quiet_since: int | None = None


@dataclass(frozen=True)
class Seen:
    """A booking's figures at one moment, with the transmitter's connection state."""

    first_audio: float | None
    bytes_sent: int
    last_sent: float | None
    finished: bool
    connected: bool
    error: str | None
    """Why the connection is down now (after it was asked to be up), if it is."""
    dead_air: tuple[DeadAir, ...]


class PcmBuffer(threading.Thread):
    """Reads a decoder's PCM as it comes into a bounded buffer that the pump takes from
    without waiting. `keep_newest`: until first taken from, only the newest `tuning_s` is
    kept (a live relay tuned in early); otherwise the decoder waits when it is full."""

    def __init__(self, stream: Pcm, *, keep_newest: bool = False, most_s: float = 2.0) -> None:
        super().__init__(name="pcm-buffer", daemon=True)
        self.stream, self.keep_newest = stream, keep_newest
        self.most = pcm_bytes(most_s)
        self.tuning = pcm_bytes(0.1)
        self._buffer = bytearray()
        self._cond = threading.Condition()
        self._taking = False
        self.ended = False

    def run(self) -> None:
        read = getattr(self.stream, "read1", self.stream.read)
        with contextlib.suppress(OSError, ValueError):
            while True:
                with self._cond:
                    if not self.keep_newest or self._taking:
                        self._cond.wait_for(lambda: len(self._buffer) < self.most or self.ended)
                    if self.ended:
                        break
                chunk = read(65536)
                if not chunk:
                    break
                with self._cond:
                    self._buffer += chunk
                    if self.keep_newest and not self._taking:
                        excess = len(self._buffer) - self.tuning
                        if excess > 0:
                            del self._buffer[: excess + (-excess) % FRAME_BYTES]
                    self._cond.notify_all()
        with self._cond:
            self.ended = True
            self._cond.notify_all()

    def wait_for(self, size: int, timeout: float) -> bool:
        """Wait until `size` bytes are in (or the end); True if they are."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._buffer) >= size or self.ended, timeout)

    def take(self, size: int) -> bytes:
        """Up to `size` bytes, whole sample frames, at once (b"" if none is there yet)."""
        with self._cond:
            self._taking = True
            size = min(size, len(self._buffer))
            size -= size % FRAME_BYTES
            out = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._cond.notify_all()
            return out

    def close(self) -> None:
        with self._cond:
            self.ended = True
            self._cond.notify_all()
        self.join(timeout=2.0)


class Transmitter:
    """The radio mount on air: `start()`, `book()` programmes, `stop()` (joins everything)."""

    def __init__(
        self,
        mount: IcecastMount,
        *,
        bitrate_kbps: int = 128,
        fill: Path | None = None,
        continuous: bool = True,
        silence_s: float = 10.0,
        station_name: str = "Sarika FM",
    ) -> None:
        self.mount, self.bitrate_kbps, self.fill = mount, bitrate_kbps, fill
        self.continuous, self.silence_s, self.station_name = continuous, silence_s, station_name
        self._lock = threading.Lock()
        self._bookings: list[Booking] = []
        self._stopping = threading.Event()
        self._holding = threading.Event()
        self._holding.set()
        self._threads: list[threading.Thread] = []
        self._encoder: subprocess.Popen[bytes] | None = None
        self._fill_proc: subprocess.Popen[bytes] | None = None
        self._fill: PcmBuffer | None = None
        self._titles: queue.Queue[str | None] = queue.Queue()
        self._title = station_name if continuous else ""
        """The mount's title now: the station's between slots, else the programme's."""
        self._t0 = 0.0
        self._wall0 = 0.0
        self._written = 0
        self._produced = 0
        self.connected = False
        self.connections = 0
        self.error: str | None = None
        self.bytes_sent = 0
        self.errors: deque[str] = deque(maxlen=40)

    # -- life ------------------------------------------------------------------------------
    def start(self) -> Transmitter:
        """Start the encoder and the threads; call from a thread that lives as long as this
        transmitter (its processes die with the thread that started them)."""
        beats, beats_in = os.pipe()
        try:
            self._encoder = spawn(
                self.encoder_command(beats_in),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(beats_in,),
            )
        except BaseException:
            os.close(beats)
            raise
        finally:
            os.close(beats_in)
        if self.fill is not None and self.fill.is_file():
            self._fill_proc = spawn(
                ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
                 "-stream_loop", "-1", "-i", str(self.fill), "-vn", *PCM_FORMAT, "pipe:1"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            assert self._fill_proc.stdout is not None
            self._fill = PcmBuffer(self._fill_proc.stdout, most_s=1.0)
            self._fill.start()
        encoder = self._encoder
        assert encoder.stdout is not None and encoder.stderr is not None
        self._t0, self._wall0 = time.monotonic(), time.time()
        self._threads = [
            threading.Thread(target=self._pump, name="tx-pump", daemon=True),
            threading.Thread(target=self._send, args=(encoder.stdout,), name="tx-send",
                             daemon=True),
            threading.Thread(target=self._read_errors, args=(text(encoder.stderr),),
                             name="tx-errors", daemon=True),
            threading.Thread(target=self._read_beats, args=(os.fdopen(beats, "rb"),),
                             name="tx-beats", daemon=True),
            threading.Thread(target=self._set_titles, name="tx-titles", daemon=True),
        ]  # fmt: skip
        for thread in self._threads:
            thread.start()
        log.info("radio %s: transmitter started", self.mount.mount)
        return self

    def encoder_command(self, progress_fd: int) -> list[str]:
        """PCM on stdin, MP3 frames (nothing else) on stdout: no server, no secret in it."""
        return [
            "ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostats",
            "-progress", f"pipe:{progress_fd}", "-stats_period", "1",
            "-nofind_stream_info", *PCM_FORMAT, "-i", "pipe:0",
            "-vn", "-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k", "-ar", "44100",
            "-id3v2_version", "0", "-write_xing", "0", "-flush_packets", "1",
            "-f", "mp3", "pipe:1",
        ]  # fmt: skip

    def stop(self, timeout: float = 5.0) -> None:
        """End the stream cleanly (the encoder finishes, the source leaves) and join."""
        self._stopping.set()
        self._titles.put(None)
        encoder = self._encoder
        for thread in self._threads:
            if thread.name == "tx-pump":
                thread.join(timeout)
        if encoder is not None and encoder.stdin is not None:
            with contextlib.suppress(OSError):
                encoder.stdin.close()
        if encoder is not None:
            try:
                encoder.wait(timeout)
            except subprocess.TimeoutExpired:
                encoder.kill()
                encoder.wait()
        for thread in self._threads:
            thread.join(timeout)
        if self._fill_proc is not None:
            self._fill_proc.kill()
            self._fill_proc.wait()
        if self._fill is not None:
            self._fill.close()
        with self._lock:
            for booking in self._bookings:
                booking.finished = True
            self._bookings.clear()
        log.info("radio %s: transmitter stopped", self.mount.mount)

    def __enter__(self) -> Transmitter:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- what slots do -----------------------------------------------------------------
    def book(self, booking: Booking) -> Booking:
        with self._lock:
            self._bookings.append(booking)
            self._bookings.sort(key=lambda b: b.at)
        return booking

    def cancel(self, booking: Booking) -> None:
        """Take `booking` off the air now (the fill follows)."""
        with self._lock:
            booking.finished = True
            if booking in self._bookings:
                self._bookings.remove(booking)

    def seen(self, booking: Booking) -> Seen:
        with self._lock:
            return Seen(
                booking.first_audio,
                booking.bytes_sent,
                booking.last_sent,
                booking.finished,
                self.connected,
                None if self.connected else self.error,
                tuple(booking.dead_air),
            )

    def hold(self, on: bool) -> None:
        """Whether this transmitter may hold the mount: a standby daemon's may not (Icecast
        takes one source per mount; the leader's is on it). Off drops the connection now."""
        if on:
            self._holding.set()
        else:
            self._holding.clear()

    def alive(self) -> bool:
        return self._encoder is not None and self._encoder.poll() is None

    # -- the pump: PCM into the encoder in real time ----------------------------------
    def _pos_of(self, wall: float) -> int:
        """The timeline position of wall-clock time `wall`."""
        return pcm_bytes(wall - self._wall0)

    def _wall_of(self, pos: int) -> float:
        return self._wall0 + pos / BYTES_PER_S

    def _pump(self) -> None:
        encoder = self._encoder
        assert encoder is not None and encoder.stdin is not None
        sink = encoder.stdin
        try:
            while not self._stopping.is_set():
                # A chunk goes in when its first sample is due (LEAD_S ahead): the encoder
                # sends as it gets, so a slot's first sample leaves on its instant.
                due = pcm_bytes(time.monotonic() - self._t0 + LEAD_S)
                if self._written > due:
                    self._stopping.wait(max(0.001, (self._written - due) / BYTES_PER_S))
                    continue
                size = min(max(CHUNK, due - self._written), pcm_bytes(0.5))
                data = self._next_chunk(size)
                sink.write(data)
                sink.flush()
                self._written += len(data)
        except (BrokenPipeError, OSError, ValueError) as exc:
            if not self._stopping.is_set():
                log.error("radio %s: the encoder stopped taking audio: %s", self.mount.mount, exc)

    def _next_chunk(self, size: int) -> bytes:
        """`size` bytes from whatever is on air at the pump's position: a booking, or the fill.
        A chunk never crosses a booking's start or end, so the switch is on the frame."""
        pos = self._written
        with self._lock:
            current = None
            for booking in self._bookings:
                start, end = self._pos_of(booking.at), self._pos_of(booking.end)
                if booking.finished:
                    continue
                if start <= pos < end:
                    current = booking
                    size = min(size, end - pos)
                    break
                if pos < start:
                    size = min(size, start - pos)
                    break
            if current is not None and current._pos is None:
                current._pos = pos
                current._mp3_start = self._mp3_offset(pos)
                current._mp3_end = self._mp3_offset(self._pos_of(current.end))
            self._finish_passed(pos)
        if current is None:
            return self._fill_bytes(size)
        data = current.pcm.take(size)
        if len(data) < size:  # the programme ran dry (ended early, or is late): fill after it
            if not current.pcm.ended:
                with self._lock:
                    current.underrun_s += (size - len(data)) / BYTES_PER_S
            data += self._fill_bytes(size - len(data))
        return self._watch_silence(current, data, pos)

    def _finish_passed(self, pos: int) -> None:
        """Bookings the pump has passed are done; the station's name is the title again,
        unless the next programme follows at once (its own title then comes with it)."""
        for booking in self._bookings:
            if not booking.finished and pos >= self._pos_of(booking.end):
                booking.finished = True
                follows = any(
                    not b.finished and b.at - booking.end < NEAR_S for b in self._bookings
                )
                if self.continuous and not follows:
                    self._titles.put(self.station_name)
        self._bookings = [b for b in self._bookings if not b.finished]

    def _fill_bytes(self, size: int) -> bytes:
        data = self._fill.take(size) if self._fill is not None else b""
        return data + bytes(size - len(data))

    def _watch_silence(self, booking: Booking, data: bytes, pos: int) -> bytes:
        """Dead air: past `silence_s` below -50 dBFS, the fill plays until sound returns."""
        quiet = level_dbfs(data) < SILENT_DBFS
        with self._lock:
            if not quiet:
                if booking._quiet_since is not None:
                    open_gap = booking.dead_air[-1] if booking.dead_air else None
                    if open_gap is not None and open_gap.end is None:
                        booking.dead_air[-1] = DeadAir(
                            open_gap.start, self._wall_of(pos), "silence"
                        )
                        log.warning("radio: sound is back after dead air")
                booking._quiet_since = None
                return data
            if booking._quiet_since is None:
                booking._quiet_since = pos
            silent_s = (pos - booking._quiet_since) / BYTES_PER_S
            if silent_s < self.silence_s:
                return data
            if not booking.dead_air or booking.dead_air[-1].end is not None:
                start = self._wall_of(booking._quiet_since)
                booking.dead_air.append(DeadAir(start, None, "silence"))
                log.warning("radio: dead air for %.0f s: standby plays", silent_s)
        return self._fill_bytes(len(data))

    # -- the sender: MP3 to the mount ---------------------------------------------------
    def _mp3_offset(self, pos: int) -> int:
        return int((pos / BYTES_PER_S + ENCODER_DELAY_S) * self.bitrate_kbps * 125)

    def _wanted(self) -> bool:
        """Whether the mount should be held now (always, unless slots-only or standby)."""
        if not self._holding.is_set():
            return False
        if self.continuous:
            return True
        now = time.time()
        with self._lock:
            return any(b.at - NEAR_S <= now <= b.end + NEAR_S for b in self._bookings)

    def _send(self, audio: IO[bytes]) -> None:
        read = getattr(audio, "read1", audio.read)
        sock = None
        failures, retry_at = 0, 0.0
        try:
            while chunk := read(65536):
                start, self._produced = self._produced, self._produced + len(chunk)
                if sock is None and self._wanted() and time.monotonic() >= retry_at:
                    try:
                        sock = self.mount.connect()
                    except OSError as exc:
                        failures += 1
                        pause = min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2 ** (failures - 1))
                        if self._down(exc) == UNAUTHORIZED:  # no retry storm on a password
                            pause = REFUSED_PASSWORD_S
                        retry_at = time.monotonic() + pause
                        continue
                    failures = 0
                    self._up()
                elif sock is not None and not self._wanted():
                    sock.close()
                    sock = None
                    with self._lock:
                        self.connected = False
                    log.info("radio %s: off air until the next slot", self.mount.mount)
                if sock is None:
                    continue
                try:
                    sock.sendall(chunk)
                except OSError as exc:
                    sock.close()
                    sock = None
                    failures = 1
                    retry_at = time.monotonic() + BACKOFF_FIRST_S
                    self._down(exc)
                    continue
                self._sent(start, start + len(chunk))
        finally:
            if sock is not None:
                sock.close()
            with self._lock:
                self.connected = False

    def _up(self) -> None:
        with self._lock:
            self.connected, self.error = True, None
            self.connections += 1
            title = self._title
        log.info("radio %s: connected to the mount", self.mount.mount)
        self._titles.put(title)  # Icecast forgets the title with the source

    def _down(self, exc: OSError) -> str:
        """Off the mount: note why (a cause of `causes.py`) and say it."""
        message = f"{exc.__class__.__name__}: {exc}"
        cause = classify(message)
        with self._lock:
            was, self.connected = self.connected, False
            first = self.error is None
            self.error = cause
        self.errors.append(message)
        if was or first:
            log.warning("radio %s: off the mount (%s)", self.mount.mount, cause)
        return cause

    def _sent(self, start: int, end: int) -> None:
        now_wall, now_mono = time.time(), time.monotonic()
        with self._lock:
            self.bytes_sent += end - start
            for booking in self._bookings:
                first, last = booking._mp3_start, booking._mp3_end
                if first is None or last is None or end <= first or start >= last:
                    continue
                if booking.first_audio is None:
                    booking.first_audio = now_wall
                    self._title = booking.title
                    self._titles.put(booking.title)
                booking.bytes_sent += min(end, last) - max(start, first)
                booking.last_sent = now_mono

    # -- the encoder's own readers, and the title -----------------------------------------
    def _read_errors(self, stream: IO[str]) -> None:
        for line in stream:
            self.errors.append(line.rstrip())

    def _read_beats(self, stream: IO[bytes]) -> None:
        parser = ProgressParser()
        with stream:
            for line in text(stream):
                parser.feed(line)

    def _set_titles(self) -> None:
        from broadcaster.outputs.icecast import set_title

        while (title := self._titles.get()) is not None:
            with self._lock:
                if not self.connected or not title:
                    continue
            try:
                set_title(self.mount.url, self.mount.password, title)
            except RuntimeError as exc:
                log.warning("radio %s: %s", self.mount.mount, exc)


def level_dbfs(pcm: bytes) -> float:
    """The RMS level of s16 PCM in dBFS (-inf for digital silence)."""
    rms = audioop.rms(pcm[: len(pcm) - len(pcm) % 2], 2)
    return -math.inf if rms <= 0 else 20 * math.log10(rms / 32768.0)
