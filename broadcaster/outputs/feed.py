"""A leg's own decoder and the thread that feeds its PCM to the leg's encoder on time.

The decoder (`-ss OFFSET -i FILE ... -f s16le pipe:1`) and the encoder (reading
`pipe:0`) are both started ahead of the instant, so the encoder has opened its output
(the Icecast `PUT`, the RTMP publish) by then. ffmpeg opens its outputs only once it has
opened its input, and opening a pipe reads a few bytes (the ID3 check): the feeder hands
over the first `PREAMBLE` bytes of the real audio at once (no encoder makes a frame of
them), then nothing until the instant, then real time as `Pacer` says.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import threading
import time
from typing import IO

from broadcaster.outputs.pacing import FRAME_BYTES, Pacer

log = logging.getLogger(__name__)

PREAMBLE = 12
"""Bytes the encoder must get to open its input (ffmpeg reads 10 to look for an ID3 tag)."""
CHUNK = 3840
"""20 ms of PCM: the feeder's step."""
BIGGEST_WRITE = 65536


class PcmFeeder(threading.Thread):
    """Copies the decoder's output into the encoder's stdin, paced from the wall-clock `at`."""

    def __init__(
        self, name: str, decoder: IO[bytes], encoder: IO[bytes], at: float, pacer: Pacer
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
                self.encoder.close()  # end of input: the encoder finishes its output cleanly

    def _write(self, data: bytes) -> None:
        self.encoder.write(data)
        self.encoder.flush()
        self.sent += len(data)

    def _feed(self) -> None:
        preamble = self.decoder.read(PREAMBLE)
        if not preamble:
            return
        self._write(preamble)
        while not self.stopping.is_set() and not self.pacer.done(self.sent):
            elapsed = time.monotonic() - self.anchor
            wait = self.pacer.pause(elapsed, self.sent, CHUNK)
            if wait > 0:
                self.stopping.wait(wait)
                continue
            want = min(self.pacer.due(elapsed) - self.sent, BIGGEST_WRITE)
            want -= want % FRAME_BYTES
            data = self.decoder.read(want) if want > 0 else b""
            if not data:
                return  # the decoder is done (or failed: it logs that itself)
            if self.released is None:
                self.released = time.monotonic()
            self._write(data)


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout`."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
