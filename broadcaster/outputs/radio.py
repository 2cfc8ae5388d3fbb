"""The radio leg of a slot: its programme booked on the station's transmitter.

It is an `Output` like the others, so playout supervises it the same way: started
`PRIME_S` ahead it decodes the episode (from the offset, faded if it overruns) into a
buffer that the transmitter takes from at the instant. It is on air when the transmitter
has sent its first audio; it fails when the transmitter has lost the mount (the cause is
the transmitter's), and a restart books the programme again at the offset of the moment.
"""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from broadcaster.outputs.feed import Pcm
from broadcaster.outputs.leg import DeadAir, Health, Segment, decoder_command
from broadcaster.outputs.programme import Programme, Reader
from broadcaster.outputs.spawn import close_pipes, spawn
from broadcaster.outputs.transmitter import Booking, PcmBuffer, Transmitter

log = logging.getLogger(__name__)


class RadioLeg:
    """A slot's programme on the transmitter (the Icecast mount)."""

    kind = "icecast"
    primes = True

    def __init__(
        self,
        name: str,
        source: str,
        transmitter: Transmitter,
        *,
        title: str,
        relay: bool = False,
        live: bool = False,
        input_format: tuple[str, ...] = (),
    ) -> None:
        self.name, self.source, self.transmitter, self.title = name, source, transmitter, title
        self.relay, self.live, self.input_format = relay, live, input_format
        self.attempts = 0
        self._booking: Booking | None = None
        self._decoder: subprocess.Popen[bytes] | None = None
        self._dead_air: list[DeadAir] = []
        self.programme: Programme | None = None
        """The slot's shared decode (`outputs.programme`), set by the plan for a file."""
        self._reader: Reader | None = None

    @property
    def aircheck_path(self) -> Path | None:
        return None

    def start(self, segment: Segment, at: float | None = None) -> None:
        """Book `segment` from `at` (now if None); an earlier attempt's booking is taken off."""
        self.stop()
        when = time.time() if at is None else at
        self.attempts += 1
        decoded = segment
        if self.relay:  # it tunes in now: its fade into the hard end comes that much later
            ahead = max(0.0, when - time.time())
            fade = None if segment.fade_at_s is None else segment.fade_at_s + ahead
            decoded = replace(segment, duration_s=segment.duration_s + ahead, fade_at_s=fade)
        shared = not (self.relay or self.live) and self.programme is not None
        self._reader = self.programme.open(decoded) if shared and self.programme else None
        stream: Pcm
        if self._reader is not None:
            log.info("leg %s: the slot's programme | transmitter", self.name)
            stream = self._reader
        else:
            command = decoder_command(
                self.source, decoded, relay=self.relay or self.live, input_format=self.input_format
            )
            log.info("leg %s: %s | transmitter", self.name, " ".join(command))
            self._decoder = spawn(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
            assert self._decoder.stdout is not None
            stream = self._decoder.stdout
        pcm = PcmBuffer(stream, keep_newest=self.relay or self.live)
        pcm.start()
        booking = Booking(at=when, end=when + segment.duration_s, pcm=pcm, title=self.title)
        self._booking = self.transmitter.book(booking)

    def health(self) -> Health:
        booking = self._booking
        if booking is None:
            return Health(False, 1, 0, 0.0, None, False, "not started", "not started")
        seen = self.transmitter.seen(booking)
        if not self.transmitter.alive():
            cause = "the radio transmitter is not running"
            return Health(False, 1, seen.bytes_sent, 0.0, seen.last_sent, False, cause, cause)
        if seen.error is not None and not seen.connected:
            return Health(False, 1, seen.bytes_sent, 0.0, seen.last_sent, False, seen.error,
                          seen.error, seen.first_audio)  # fmt: skip
        return Health(
            running=not seen.finished,
            returncode=0 if seen.finished else None,
            bytes_sent=seen.bytes_sent,
            out_time_s=0.0,
            last_progress=seen.last_sent,
            ended=seen.finished,
            cause=None,
            error="",
            first_audio=seen.first_audio,
        )

    def dead_air(self) -> list[DeadAir]:
        """Spans this leg's programme was dead air (silence), over all its attempts."""
        booking = self._booking
        current = list(self.transmitter.seen(booking).dead_air) if booking else []
        return [*self._dead_air, *current]

    def stop(self, timeout: float = 5.0) -> None:
        booking, self._booking = self._booking, None
        if booking is not None:
            self.transmitter.cancel(booking)
            self._dead_air.extend(self.transmitter.seen(booking).dead_air)
        reader, self._reader = self._reader, None
        if reader is not None:  # the shared decode goes on for the other legs
            reader.close()
        decoder, self._decoder = self._decoder, None
        if decoder is not None and decoder.poll() is None:
            decoder.kill()
        if decoder is not None:
            decoder.wait(timeout)
        if booking is not None:
            booking.pcm.close()  # its reader sees the end and is joined
        close_pipes(decoder)
