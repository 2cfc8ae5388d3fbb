"""An `Output` that follows a script instead of running ffmpeg, for supervision tests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from broadcaster.outputs.leg import DeadAir, Health, Segment


@dataclass(frozen=True)
class Step:
    """One process: sends for `air_s` seconds (0: never connects), then ends with `cause`."""

    air_s: float
    cause: str | None = None


class ScriptedOutput:
    """Each `start` plays the next step; past the script, the leg airs until stopped."""

    kind = "scripted"
    aircheck_path: Path | None = None
    primes = True

    def __init__(self, name: str, steps: list[Step]) -> None:
        self.name, self.steps = name, list(steps)
        self.segments: list[Segment] = []
        self.instants: list[float | None] = []
        self._step: Step | None = None
        self._started = 0.0
        self._stopped = False

    def start(self, segment: Segment, at: float | None = None) -> None:
        """A step that never connects fails at once; one that airs does so from `at`."""
        self.segments.append(segment)
        self.instants.append(at)
        self._step = self.steps.pop(0) if self.steps else Step(segment.duration_s)
        ahead = 0.0 if at is None or not self._step.air_s else max(0.0, at - time.time())
        self._started, self._stopped = time.monotonic() + ahead, False

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped = True

    def dead_air(self) -> list[DeadAir]:
        return []

    def health(self) -> Health:
        step = self._step
        assert step is not None
        elapsed = max(0.0, time.monotonic() - self._started)
        done = self._stopped or elapsed >= step.air_s
        sent = int(min(elapsed, step.air_s) * 16000) if step.air_s else 0
        clean = step.cause is None
        return Health(
            running=not done,
            returncode=None if not done else (0 if clean else 1),
            bytes_sent=sent,
            out_time_s=min(elapsed, step.air_s),
            last_progress=time.monotonic() if not done else None,
            ended=done and clean,
            cause=None if clean or not done else step.cause,
            error="" if clean else f"ffmpeg: {step.cause}",
        )
