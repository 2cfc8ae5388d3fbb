"""Reading recordings as a listener's ear would: PCM samples, where sound is, which pitch."""

from __future__ import annotations

import math
import subprocess
from array import array
from pathlib import Path

RATE = 16000
"""Recordings are read as mono PCM at this rate: enough for the test tones (up to ~4 kHz)."""


def pcm(path: Path) -> array[int]:
    """The recording's samples (mono, 16 kHz, signed 16 bit)."""
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE),
         "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    samples = array("h")
    samples.frombytes(raw)
    return samples


def power(samples: array[int], at_s: float, freq: float, window_s: float = 0.02) -> float:
    """Goertzel: how much of `freq` there is in the window of `window_s` at `at_s`."""
    start, size = int(at_s * RATE), int(window_s * RATE)
    coeff = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples[start : start + size]:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2
