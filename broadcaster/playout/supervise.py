"""One leg on its own thread: on air at the slot's start, restarted at the right offset, ended.

A leg that `primes` is started `PRIME_S` before the slot's start with the start as its
instant: it connects meanwhile and releases its audio at the instant (SPEC B1). So the
slot must be handed to playout at least `ARM_LEAD_S` ahead. A restart is released at once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from broadcaster.clock import Clock
from broadcaster.outputs.causes import STALLED, TIMEOUT, is_permanent
from broadcaster.outputs.leg import Health, Output, Segment
from broadcaster.playout.timing import (
    LEG_CUT,
    LEG_DONE,
    LEG_FAILED,
    Gap,
    backoff,
    leg_status,
    segment_at,
)
from broadcaster.states import LegStatus

log = logging.getLogger(__name__)

POLL_S = 0.1
PRIME_S = 2.0
"""How long before the slot's start a leg that primes is started (spawn and connect)."""
RESUME_PRIME_S = 0.5
"""A leg restarted (or resumed) inside its slot is started this long before its audio goes
out: enough to spawn and connect, so the offset it plays from is the slot's at that moment."""
STALL_GAP_S = 2.5
"""A leg whose progress (bytes leaving for its server) is this long overdue is off air: a
gap opens from the last progress seen, and closes when progress resumes or the leg is
restarted (after `Timing.stall_s`). Progress comes every half second from a leg's ffmpeg
(so a gap starts at most that long before its audio truly stopped), and with every chunk
the radio's transmitter sends, when all is well."""
ARM_LEAD_S = 3.0
"""Call `air_slot` / `SlotAiring.start()` at least this long before the slot's start."""
END_GRACE_S = 1.0
"""How long past the hard end a leg may run before it is stopped."""


@dataclass
class LegRecord:
    """What one leg did: the as-run row of SPEC 3.2 as a plain value."""

    leg: str
    target: str
    scheduled_start: datetime
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    gaps: list[Gap] = field(default_factory=list)
    reconnects: int = 0
    status: str = LegStatus.ON_AIR
    cause: str | None = None
    aircheck_path: str | None = None
    attempts: int = 0

    def copy(self) -> LegRecord:
        """A copy that shares nothing mutable with this record."""
        return replace(self, gaps=[Gap(g.start, g.end, g.cause) for g in self.gaps])

    def as_json(self) -> dict[str, Any]:
        return {
            "leg": self.leg,
            "target": self.target,
            "scheduled_start": self.scheduled_start.isoformat(),
            "actual_start": self.actual_start and self.actual_start.isoformat(),
            "actual_end": self.actual_end and self.actual_end.isoformat(),
            "gaps": [g.as_json() for g in self.gaps],
            "reconnects": self.reconnects,
            "status": self.status,
            "cause": self.cause,
            "aircheck_path": self.aircheck_path,
        }


@dataclass(frozen=True)
class Timing:
    """Knobs of supervision; tests shorten them."""

    connect_timeout_s: float = 15.0
    stall_s: float = 10.0
    backoff_first_s: float = 0.5
    backoff_cap_s: float = 4.0


def _at(wall: float, like: datetime) -> datetime:
    return datetime.fromtimestamp(wall, like.tzinfo)


def went_out(health: Health, launched: datetime) -> datetime:
    """When the attempt's first audio left for the server: measured by the leg if it can
    tell (`Health.first_audio`), else when the attempt was launched."""
    if health.first_audio is None:
        return launched
    return datetime.fromtimestamp(health.first_audio, launched.tzinfo)


class LegSupervisor(threading.Thread):
    """Keeps `output` on air from `start` to `end`, recording gaps; never touches other legs."""

    def __init__(
        self,
        output: Output,
        leg: str,
        start: datetime,
        end: datetime,
        media_s: float | None,
        clock: Clock,
        stop: threading.Event,
        timing: Timing = Timing(),
    ) -> None:
        super().__init__(name=f"leg-{leg}", daemon=True)
        self.output, self.start_at, self.end_at = output, start, end
        self.media_s, self.clock, self.stop_event, self.timing = media_s, clock, stop, timing
        self._rec = LegRecord(leg=leg, target=output.kind, scheduled_start=start)
        self._rec_lock = threading.RLock()
        """Held while this thread changes the record; `record` copies it under it."""
        path = output.aircheck_path
        self._rec.aircheck_path = None if path is None else str(path)
        self._just_aired = False
        self._stall: Gap | None = None
        """The gap a stall opened, while it is open."""
        self._cut_at: datetime | None = None
        """When a stop was asked: the audio stopped going out then, however long the
        processes take to end."""

    @property
    def record(self) -> LegRecord:
        """A copy of what the leg has done so far, safe to keep and read on any thread."""
        with self._rec_lock:
            return self._rec.copy()

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if a stop was asked meanwhile."""
        return self.stop_event.wait(max(0.0, seconds))

    def run(self) -> None:
        try:
            outcome = self._air()
        except Exception as exc:  # a bug in one leg must not take the others down
            log.exception("leg %s crashed", self._rec.leg)
            with self._rec_lock:
                outcome, self._rec.cause = LEG_FAILED, f"internal error: {exc}"
        self.output.stop()  # nothing of it lingers (and a next slot waiting for it is told)
        self._finish(outcome)

    def _air(self) -> str:
        ahead = PRIME_S if self.output.primes else 0.0
        if self._wait((self.start_at - self.clock()).total_seconds() - ahead):
            return LEG_CUT
        failures = 0
        while True:
            at = max(self.clock(), self.start_at)
            if at > self.start_at and self.output.primes:
                # Resumed or restarted inside the slot: primed a moment ahead too, so the
                # audio that goes out is where the slot is then, not where it was at launch.
                at += timedelta(seconds=RESUME_PRIME_S)
            segment = segment_at(at, self.start_at, self.end_at, self.media_s)
            if segment is None:
                return LEG_DONE
            result, cause = self._attempt(segment, at)
            if result != LEG_FAILED:
                return result
            self._off_air(cause)
            if is_permanent(cause):
                return LEG_FAILED
            failures = 0 if self._rec.actual_start and self._just_aired else failures
            failures += 1
            pause = backoff(failures, self.timing.backoff_first_s, self.timing.backoff_cap_s)
            to_start = (self.start_at - self.clock()).total_seconds()
            if to_start > 0:  # failed while priming: try again, by the start at the latest
                pause = min(pause, to_start)
            log.warning("leg %s off air (%s); retry in %.1f s", self._rec.leg, cause, pause)
            if self._wait(min(pause, (self.end_at - self.clock()).total_seconds())):
                return LEG_CUT

    def _attempt(self, segment: Segment, at: datetime) -> tuple[str, str]:
        """Run one process until it ends; (outcome, cause). Opens or closes gaps as it goes.

        Its audio goes out from `at` (the slot's start when primed ahead, else now).
        """
        launched = max(self.clock(), at)
        mono = time.monotonic() + (launched - self.clock()).total_seconds()
        self.output.start(segment, at.timestamp())
        with self._rec_lock:
            self._rec.attempts += 1
        self._just_aired = False
        self._stall = None
        hard_end = self.end_at + timedelta(seconds=END_GRACE_S)
        while True:
            if self._wait(POLL_S):
                self._cut_at = self.clock()
                self.output.stop()
                return LEG_CUT, "stopped"
            health, now = self.output.health(), self.clock()
            if not self._just_aired and health.bytes_sent > 0:
                self._on_air(went_out(health, launched))
            if not health.running:
                if health.returncode == 0 and (health.ended or now >= hard_end):
                    return LEG_DONE, ""
                return LEG_FAILED, health.cause or f"ffmpeg exited with {health.returncode}"
            if now >= hard_end:
                self.output.stop()
                return LEG_DONE, ""
            last = health.last_progress if self._just_aired else None
            silent_for = time.monotonic() - (last or mono)  # negative while primed
            if last is not None and not health.ended:
                self._watch_stall(silent_for, now)
            limit = self.timing.stall_s if last else self.timing.connect_timeout_s
            if silent_for > limit:
                self.output.stop()
                return LEG_FAILED, TIMEOUT

    def _watch_stall(self, silent_for: float, now: datetime) -> None:
        """Open a gap from the last progress once it is `STALL_GAP_S` overdue; close it
        when progress resumes (at the moment it did)."""
        with self._rec_lock:
            rec = self._rec
            last_seen = now - timedelta(seconds=silent_for)
            if silent_for > STALL_GAP_S and self._stall is None:
                if rec.gaps and rec.gaps[-1].end is None:
                    return  # already off air for another reason
                self._stall = Gap(start=max(last_seen, self.start_at), end=None, cause=STALLED)
                rec.gaps.append(self._stall)
                rec.cause = STALLED
                log.warning("leg %s: no progress for %.1f s: off air", rec.leg, silent_for)
            elif silent_for <= STALL_GAP_S and self._stall is not None:
                self._stall.end = max(last_seen, self._stall.start)
                log.info("leg %s: progress again after %.1f s", rec.leg,
                         (self._stall.end - self._stall.start).total_seconds())  # fmt: skip
                self._stall = None

    def _on_air(self, launched: datetime) -> None:
        with self._rec_lock:
            self._just_aired = True
            rec = self._rec
            open_gap = rec.gaps[-1] if rec.gaps and rec.gaps[-1].end is None else None
            if open_gap is not None and launched <= open_gap.start:
                rec.gaps.pop()  # failed while priming, on air in time after all: nothing lost
                open_gap = None
            if rec.actual_start is None:
                rec.actual_start = launched
            elif open_gap is not None:
                rec.reconnects += 1
            if open_gap is not None:
                open_gap.end = launched
                log.info("leg %s back on air after %s", rec.leg, open_gap.cause)

    def _off_air(self, cause: str) -> None:
        with self._rec_lock:
            rec = self._rec
            rec.cause = cause
            if rec.gaps and rec.gaps[-1].end is None:
                return
            start = self.start_at if rec.actual_start is None else self.clock()
            rec.gaps.append(Gap(start=min(start, self.end_at), end=None, cause=cause))

    def _finish(self, outcome: str) -> None:
        with self._rec_lock:
            rec, now = self._rec, min(self._cut_at or self.clock(), self.end_at)
            if rec.actual_start is not None:
                rec.actual_end = now
            for gap in rec.gaps:  # a failed leg stays off air until the end of the slot
                if gap.end is None:
                    gap.end = max(self.end_at if outcome == LEG_FAILED else now, gap.start)
            dead_air = getattr(self.output, "dead_air", None)
            for span in dead_air() if dead_air is not None else ():
                end = span.end if span.end is not None else now.timestamp()
                rec.gaps.append(Gap(_at(span.start, now), _at(end, now), span.cause))
                rec.gaps.sort(key=lambda g: g.start)
                rec.cause = rec.cause or span.cause
            if outcome == LEG_DONE and rec.actual_start is not None and not rec.gaps:
                rec.cause = None
            rec.status = leg_status(outcome, rec.actual_start, rec.gaps)
            log.info("leg %s %s (%s)", rec.leg, rec.status, rec.cause or "ok")
