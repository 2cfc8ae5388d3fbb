"""Leading and trailing silence, decided with pydub on a level envelope built piece by piece.

The decoded programme arrives as a small PCM stream (mono, 16 kHz); each piece becomes a
pydub AudioSegment for as long as it takes to read its levels, so memory stays bounded
however long the episode. Only the envelope (one figure per 100 ms) is kept.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from pydub import AudioSegment

ENVELOPE_RATE = 16000
"""Sample rate of the PCM stream the envelope is read from (mono, signed 16-bit)."""

WINDOW_MS = 100
BYTES_PER_WINDOW = ENVELOPE_RATE * WINDOW_MS // 1000 * 2

KEEP_BEFORE_S = 0.25
"""Room left before the first sound, so an attack is never clipped."""
KEEP_AFTER_S = 0.5
"""Room left after the last sound, so a decay dies away naturally."""

SOUND_AT_LEAST_DBFS = -45.0
"""A window at least this loud holds something to hear (for the silent-file check)."""
AUDIBLE_AT_LEAST_S = 1.0


class Envelope:
    """Level per 100 ms window (dBFS), fed with PCM bytes in pieces of any size."""

    def __init__(self) -> None:
        self.levels = array("f")
        self.bytes = 0
        self._pending = b""

    def feed(self, pcm: bytes) -> None:
        self.bytes += len(pcm)
        data = self._pending + pcm
        whole = len(data) - len(data) % BYTES_PER_WINDOW
        self._pending = data[whole:]
        if whole:
            self._add(data[:whole])

    def close(self) -> None:
        if len(self._pending) >= 2:
            self._add(self._pending[: len(self._pending) // 2 * 2])
        self._pending = b""

    def _add(self, pcm: bytes) -> None:
        piece = AudioSegment(data=pcm, sample_width=2, frame_rate=ENVELOPE_RATE, channels=1)
        for start in range(0, len(piece), WINDOW_MS):
            window = piece[start : start + WINDOW_MS]
            if len(window) == 0:
                break
            level = window.dBFS
            self.levels.append(-120.0 if level == -math.inf else max(level, -120.0))

    @property
    def duration_s(self) -> float:
        return self.bytes // 2 / ENVELOPE_RATE

    def audible_s(self, at_least_dbfs: float = SOUND_AT_LEAST_DBFS) -> float:
        return sum(1 for level in self.levels if level >= at_least_dbfs) * WINDOW_MS / 1000


@dataclass(frozen=True)
class Trim:
    """The part of the source to keep, in seconds from its start."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def silence_threshold(integrated_lufs: float) -> float:
    """Quieter than this (dBFS, per 100 ms) counts as silence: 25 dB under the programme."""
    return min(-35.0, max(-60.0, integrated_lufs - 25.0))


def find_trim(envelope: Envelope, total_s: float, threshold_dbfs: float) -> Trim:
    """Keep from just before the first window at `threshold_dbfs` to just after the last."""
    levels = envelope.levels
    first, last = _first(levels, threshold_dbfs), _last(levels, threshold_dbfs)
    if first is None or last is None:
        return Trim(0.0, total_s)
    step = WINDOW_MS / 1000
    start = max(0.0, first * step - KEEP_BEFORE_S)
    end = min(total_s, (last + 1) * step + KEEP_AFTER_S)
    if end - start < step:
        return Trim(0.0, total_s)
    return Trim(round(start, 3), round(end, 3))


def _first(levels: array[float], threshold: float) -> int | None:
    for i, level in enumerate(levels):
        if level >= threshold:
            return i
    return None


def _last(levels: array[float], threshold: float) -> int | None:
    for i in range(len(levels) - 1, -1, -1):
        if levels[i] >= threshold:
            return i
    return None
