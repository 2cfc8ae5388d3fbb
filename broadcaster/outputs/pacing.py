"""When to hand PCM to a leg's encoder: real time from the instant on, a little ahead (pure).

The encoder is started early and held back by giving it no audio; from the instant on it
gets `lead_s` of audio at once (the encoder's own delay: an AAC frame plus its priming is
about 43 ms), then audio as fast as the clock goes. Towards the end the lead shrinks to
`tail_lead_s`, so the last bytes leave close to the hard end rather than `lead_s` early.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE, CHANNELS, SAMPLE_BYTES = 48000, 2, 2
FRAME_BYTES = CHANNELS * SAMPLE_BYTES
BYTES_PER_S = RATE * FRAME_BYTES
PCM_FORMAT = ("-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS))
"""How the decoder writes, and the encoder reads, the PCM between them."""


def pcm_bytes(seconds: float) -> int:
    """`seconds` of PCM in bytes, whole sample frames."""
    return max(0, int(seconds * RATE)) * FRAME_BYTES


@dataclass(frozen=True)
class Pacer:
    """How many bytes are due `elapsed` seconds after the instant, for `total` bytes (or None)."""

    total: int | None = None
    lead_s: float = 0.1
    tail_lead_s: float = 0.02
    ramp_s: float = 1.0

    def lead(self, elapsed: float) -> float:
        """The lead at `elapsed`: `lead_s`, shrinking to `tail_lead_s` over the last `ramp_s`."""
        if self.total is None:
            return self.lead_s
        left = self.total / BYTES_PER_S - elapsed
        share = min(1.0, max(0.0, left / self.ramp_s)) if self.ramp_s > 0 else 1.0
        return self.tail_lead_s + (self.lead_s - self.tail_lead_s) * share

    def due(self, elapsed: float) -> int:
        """Bytes that should have been written by `elapsed` (none before the instant)."""
        if elapsed < 0:
            return 0
        due = pcm_bytes(elapsed + self.lead(elapsed))
        return due if self.total is None else min(due, self.total)

    def done(self, sent: int) -> bool:
        return self.total is not None and sent >= self.total

    def pause(self, elapsed: float, sent: int, chunk: int, longest: float = 0.02) -> float:
        """How long to sleep before `chunk` more bytes (or the rest) are due; 0 if they are."""
        want = sent + chunk if self.total is None else min(sent + chunk, self.total)
        if self.due(elapsed) >= want:
            return 0.0
        if elapsed < 0:
            return min(-elapsed, longest * 10)
        # due() grows at (nearly) the byte rate: aim at when `want` is reached
        return min(longest, max(0.001, (want - self.due(elapsed)) / BYTES_PER_S))
