"""A leg's own decoder and the thread that feeds its PCM to the leg's encoder on time.

The decoder (`-ss OFFSET -i FILE ... -f s16le pipe:1`) and the encoder (reading
`pipe:0`) are both started ahead of the instant, so the encoder has opened its output
(the Icecast `PUT`, the RTMP publish) by then. ffmpeg opens its outputs only once it has
opened its input, and opening a pipe reads a few bytes (the ID3 check): the feeder hands
over the first `PREAMBLE` bytes of the real audio at once (no encoder makes a frame of
them), then nothing until the instant, then real time as `Pacer` says.

A relay leg (a live feed) reads its decoder through a `RelayTap`: it tunes in early, and
until the instant keeps only the newest audio, so the live feed goes out as it comes.

At the end of its audio the feeder closes the encoder's input, and the encoder finishes its
output cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import IO, Protocol

from broadcaster.outputs.pacing import FRAME_BYTES, Pacer, pcm_bytes

log = logging.getLogger(__name__)

PREAMBLE = 12
"""Bytes the encoder must get to open its input (ffmpeg reads 10 to look for an ID3 tag)."""
CHUNK = pcm_bytes(0.1)
"""100 ms of PCM: the feeder's step, as the transmitter's pump (ten wake-ups a second; the
encoder is handed each step as its first sample falls due, the pacer's lead ahead)."""
BIGGEST_WRITE = 65536


class Pcm(Protocol):
    """Where a feeder reads PCM: a decoder's stdout, a `RelayTap` or a programme reader."""

    def read(self, size: int, /) -> bytes: ...


class RelayTap(threading.Thread):
    """Reads a relay decoder's output as it comes. Until the feeder first calls `read1` (at
    the instant) only the newest `tuning_s` of audio is kept: the rest is already past.
    Its owner starts it and joins it (it ends with the decoder's output)."""

    def __init__(self, stream: IO[bytes], tuning_s: float = 0.1) -> None:
        super().__init__(name="relay-tap", daemon=True)
        self.stream, self.tuning = stream, pcm_bytes(tuning_s)
        self._buffer = bytearray()
        self._ready = threading.Condition()
        self._listening = self._ended = False

    def run(self) -> None:
        read = getattr(self.stream, "read1", self.stream.read)
        with contextlib.suppress(OSError, ValueError):
            while chunk := read(BIGGEST_WRITE):
                with self._ready:
                    self._buffer += chunk
                    excess = 0 if self._listening else len(self._buffer) - self.tuning
                    if excess > 0:
                        del self._buffer[: excess + (-excess) % FRAME_BYTES]
                    self._ready.notify_all()
        with self._ready:
            self._ended = True
            self._ready.notify_all()

    def read(self, size: int, /) -> bytes:
        """Up to `size` bytes once some have come (b"" at the end); keeps tuning in."""
        with self._ready:
            self._ready.wait_for(lambda: self._buffer or self._ended)
            out = bytes(self._buffer[:size])
            del self._buffer[:size]
            return out

    def read1(self, size: int, /) -> bytes:
        """`read`, and from now on keep everything: the leg's audio has started."""
        with self._ready:
            self._listening = True
        return self.read(size)


class PcmFeeder(threading.Thread):
    """Copies the decoder's output into the encoder's stdin, paced from the wall-clock `at`."""

    def __init__(
        self,
        name: str,
        decoder: Pcm,
        at: float,
        pacer: Pacer,
        *,
        encoder: IO[bytes],
    ) -> None:
        super().__init__(name=f"feed-{name}", daemon=True)
        self.decoder, self.encoder, self.pacer = decoder, encoder, pacer
        # Anchor the wall-clock instant on the monotonic clock once, here.
        self.anchor = time.monotonic() + (at - time.time())
        self.stopping = threading.Event()
        self.sent = 0
        self.released: float | None = None
        """Monotonic time of the first write after the instant (for the curious)."""

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        try:
            self._feed()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the encoder ended: its own exit code and stderr say why
        finally:
            with contextlib.suppress(OSError):
                self.encoder.close()  # end of input: the encoder finishes its output

    def _write(self, data: bytes) -> None:
        self.encoder.write(data)
        self.encoder.flush()
        self.sent += len(data)

    def _feed(self) -> None:
        first = self.decoder.read(PREAMBLE)
        if not first:
            return
        self._write(first)
        read = getattr(self.decoder, "read1", self.decoder.read)  # what is there, not more
        while not self.stopping.is_set() and not self.pacer.done(self.sent):
            elapsed = time.monotonic() - self.anchor
            wait = self.pacer.pause(elapsed, self.sent, CHUNK, longest=0.1)
            if wait > 0:
                self.stopping.wait(wait)
                continue
            want = min(self.pacer.due(elapsed) - self.sent, BIGGEST_WRITE)
            want -= want % FRAME_BYTES
            data = read(want) if want > 0 else b""
            if not data:
                return  # the decoder is done (or failed: it logs that itself)
            if self.released is None:
                self.released = time.monotonic()
            self._write(data)
