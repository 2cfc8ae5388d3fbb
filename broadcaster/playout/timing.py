"""Pure timing of a slot's legs: where to (re)start, how long to wait, what status results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from broadcaster.outputs.leg import FADE_S, Segment
from broadcaster.states import EMPTY_HANDED, LegStatus, SlotStatus

LEG_DONE, LEG_FAILED, LEG_CUT = "done", "failed", "cut"
CLIP_S = 0.5
"""Media overrunning the slot by at most this much is ended at the hard end, not faded: it is
the encoder's padding or a breath of room tone, and a fade would dim its last seconds."""


@dataclass
class Gap:
    """Time off air: from `start` to `end` (None while still off), and why."""

    start: datetime
    end: datetime | None
    cause: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "cause": self.cause,
        }


def segment_at(
    now: datetime, start: datetime, end: datetime, media_s: float | None
) -> Segment | None:
    """What a leg launched at `now` should play; None once the slot or the media is over.

    `media_s` None means a live feed (it lasts as long as the slot). Media longer than
    what is left of the slot fades out into the hard end (clipped if barely longer).
    """
    offset = max(0.0, (now - start).total_seconds())
    left = (end - max(now, start)).total_seconds()
    if left <= 0.05:
        return None
    media_left = left if media_s is None else media_s - offset
    if media_left <= 0.05:
        return None
    if media_s is not None and media_left <= left + CLIP_S:
        return Segment(offset_s=offset, duration_s=min(media_left, left))
    return Segment(offset_s=offset, duration_s=left, fade_at_s=max(0.0, left - FADE_S))


def backoff(failures: int, first: float = 0.5, cap: float = 4.0) -> float:
    """Wait before the next attempt after `failures` failures in a row: 0.5, 1, 2, 4, 4 ..."""
    if failures <= 0:
        return 0.0
    return float(min(cap, first * 2 ** (failures - 1)))


def leg_status(outcome: str, actual_start: datetime | None, gaps: Iterable[Gap]) -> str:
    """The as-run status of a leg from how it ended, whether it aired, and its gaps."""
    gaps = list(gaps)
    if outcome == LEG_CUT:
        return LegStatus.CUT
    if actual_start is None:
        return LegStatus.FAILED if outcome == LEG_FAILED or gaps else LegStatus.MISSED
    if outcome == LEG_FAILED or gaps:
        return LegStatus.PARTIAL
    return LegStatus.AIRED


def slot_status(leg_statuses: Iterable[str]) -> str:
    """The slot's status from its legs: aired, partial, failed or missed (a cut slot is partial)."""
    statuses = list(leg_statuses)
    if not statuses:
        return SlotStatus.MISSED
    if all(s == LegStatus.AIRED for s in statuses):
        return SlotStatus.AIRED
    if all(s == LegStatus.MISSED for s in statuses):
        return SlotStatus.MISSED
    if all(s in EMPTY_HANDED for s in statuses):
        return SlotStatus.FAILED
    if any(s == LegStatus.ON_AIR for s in statuses):
        return SlotStatus.ON_AIR
    return SlotStatus.PARTIAL
