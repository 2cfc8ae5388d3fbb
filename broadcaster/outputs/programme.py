"""A slot's programme, decoded once for all its legs.

The radio leg and the Facebook leg of a slot play the same audio from the same instant,
so one decoder (the episode from the slot's offset, faded into the hard end) feeds both:
each leg reads the PCM through its own `Reader`, at its own pace, from its own position.
A leg restarted inside the slot reads from where the slot then is, if that audio is still
(or soon) in the buffer; otherwise it is told so (`open` gives None) and decodes alone.
The decoder reads ahead of the slowest reader by at most `AHEAD_S` (bounded memory) and
keeps `BEHIND_S` behind it for a leg that restarts. Live feeds are not shared here.
"""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from typing import cast

from broadcaster.outputs.leg import Segment, decoder_command
from broadcaster.outputs.pacing import FRAME_BYTES, pcm_bytes
from broadcaster.outputs.spawn import close_pipes, spawn

log = logging.getLogger(__name__)

AHEAD_S = 4.0
BEHIND_S = 2.0
READ_SIZE = 65536
FIT_S = 0.002
"""Two segments end (and fade) at the same place if within this much."""


@dataclass(frozen=True)
class _Decoded:
    """What the running decoder makes: the episode from `start_s` to `end_s`, fading at
    `fade_s` (all in the episode's seconds)."""

    start_s: float
    end_s: float
    fade_s: float | None

    @classmethod
    def of(cls, segment: Segment) -> _Decoded:
        fade = None if segment.fade_at_s is None else segment.offset_s + segment.fade_at_s
        return cls(segment.offset_s, segment.offset_s + segment.duration_s, fade)

    def serves(self, other: _Decoded) -> bool:
        same_fade = (self.fade_s is None) == (other.fade_s is None) and (
            self.fade_s is None or other.fade_s is None or abs(self.fade_s - other.fade_s) < FIT_S
        )
        return same_fade and abs(self.end_s - other.end_s) < FIT_S and other.start_s >= self.start_s


class Programme:
    """One episode's decoder for the legs of one slot; `close()` when the slot ends."""

    def __init__(self, source: str, input_format: tuple[str, ...] = ()) -> None:
        self.source, self.input_format = source, input_format
        self.errors: deque[str] = deque(maxlen=20)
        self._cond = threading.Condition()
        self._decoder: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._decoded: _Decoded | None = None
        self._buffer = bytearray()
        self._origin = 0
        """Byte position (in the decoded stream) of the buffer's first byte."""
        self._ended = False
        self._readers: set[Reader] = set()
        self.decoders = 0
        """How many decoders this programme has started (one, unless every leg stopped)."""

    def open(self, segment: Segment) -> Reader | None:
        """A reader of `segment`'s audio, or None if the running decoder cannot serve it."""
        wanted = _Decoded.of(segment)
        with self._cond:
            if self._decoded is not None and not self._readers and self._ended:
                self._stop_decoder()  # every leg left: start again from the segment
            if self._decoded is None:
                self._start_decoder(segment, wanted)
            assert self._decoded is not None
            if not self._decoded.serves(wanted):
                return None
            at = pcm_bytes(wanted.start_s - self._decoded.start_s)
            at -= at % FRAME_BYTES
            if at < self._origin:
                return None  # already gone from the buffer
            reader = Reader(self, at)
            self._readers.add(reader)
            self._cond.notify_all()
            return reader

    def close(self) -> None:
        with self._cond:
            for reader in list(self._readers):
                reader.closed = True
            self._readers.clear()
            self._stop_decoder()

    # -- the decoder ---------------------------------------------------------------------
    def _start_decoder(self, segment: Segment, decoded: _Decoded) -> None:
        """Called with the condition held."""
        command = decoder_command(self.source, segment, input_format=self.input_format)
        log.info("programme: %s (one decode for the slot's legs)", " ".join(command))
        proc = spawn(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._decoder, self._decoded = proc, decoded
        self._buffer, self._origin, self._ended = bytearray(), 0, False
        self.decoders += 1
        reader = threading.Thread(target=self._read, args=(proc,), name="programme", daemon=True)
        errors = threading.Thread(target=self._errors, args=(proc,), name="programme-err",
                                  daemon=True)  # fmt: skip
        self._threads = [reader, errors]
        for thread in self._threads:
            thread.start()

    def _stop_decoder(self) -> None:
        """Called with the condition held (the reader thread waits on it: released here)."""
        proc, threads = self._decoder, self._threads
        self._decoder, self._decoded, self._threads = None, None, []
        self._ended = True
        self._cond.notify_all()
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        self._cond.release()
        try:
            proc.wait(5)
            for thread in threads:
                thread.join(5)
            close_pipes(proc)
        finally:
            self._cond.acquire()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        stdout = cast(io.BufferedReader, proc.stdout)
        ahead = pcm_bytes(AHEAD_S)
        with contextlib.suppress(OSError, ValueError):
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._decoder is not proc or self._room(ahead) > 0)
                    if self._decoder is not proc:
                        return
                chunk = stdout.read1(READ_SIZE)
                with self._cond:
                    if self._decoder is not proc:
                        return
                    if not chunk:
                        break
                    self._buffer += chunk
                    self._trim()
                    self._cond.notify_all()
        with self._cond:
            if self._decoder is proc:
                self._ended = True
                self._cond.notify_all()

    def _errors(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        with contextlib.suppress(OSError, ValueError):
            for raw in proc.stderr:
                self.errors.append(raw.decode("utf-8", errors="replace").rstrip())

    def _room(self, ahead: int) -> int:
        """How much more may be decoded now: up to `ahead` past the slowest reader (or, with
        no reader yet, past the start)."""
        slowest = min((r.position for r in self._readers), default=self._origin)
        return slowest + ahead - (self._origin + len(self._buffer))

    def _trim(self) -> None:
        keep_from = min((r.position for r in self._readers), default=None)
        if keep_from is None:
            return
        keep_from -= pcm_bytes(BEHIND_S)
        cut = keep_from - self._origin
        cut -= cut % FRAME_BYTES
        if cut > 0:
            del self._buffer[:cut]
            self._origin += cut

    # -- for readers ---------------------------------------------------------------------
    def _take(self, reader: Reader, size: int, *, all_of_it: bool) -> bytes:
        with self._cond:

            def ready() -> bool:
                have = self._origin + len(self._buffer) - reader.position
                return reader.closed or self._ended or have >= (size if all_of_it else 1)

            self._cond.wait_for(ready)
            if reader.closed:
                return b""
            start = reader.position - self._origin
            out = bytes(self._buffer[start : start + size])
            reader.position += len(out)
            self._trim()
            self._cond.notify_all()
            return out

    def _leave(self, reader: Reader) -> None:
        with self._cond:
            reader.closed = True
            self._readers.discard(reader)
            self._cond.notify_all()


class Reader:
    """One leg's view of the programme: a file-like PCM stream from its own position."""

    def __init__(self, programme: Programme, position: int) -> None:
        self.programme, self.position, self.closed = programme, position, False

    def read(self, size: int = READ_SIZE, /) -> bytes:
        """`size` bytes (fewer only at the end), waiting for them."""
        return self.programme._take(self, size, all_of_it=True)

    def read1(self, size: int = READ_SIZE, /) -> bytes:
        """What is there, up to `size` (at least a byte unless at the end)."""
        return self.programme._take(self, size, all_of_it=False)

    def close(self) -> None:
        self.programme._leave(self)
