"""What the daemon should do about a slot at a given instant (pure, no clock, no I/O).

Starting ffmpeg and connecting take a measurable time, so legs are armed `lead` ahead of
the slot and released at the instant; a daemon that starts inside a slot resumes at the
offset where the slot should now be; one that starts after it marks it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from broadcaster.states import ACTIVE, SlotStatus


class Action(StrEnum):
    ARM = "arm"  # wait, then start the legs at `at`
    RESUME = "resume"  # on air now: start the legs at `offset_s` into the episode
    MISS = "miss"  # its time passed with nobody airing it
    NOTHING = "nothing"  # cancelled, or already finished and logged


@dataclass(frozen=True)
class Cue:
    action: Action
    at: datetime
    offset_s: float = 0.0


def cue(start: datetime, end: datetime, status: str, now: datetime, lead: timedelta) -> Cue:
    """The next step for a slot from `start` to `end` in `status`, seen at `now`."""
    if status not in ACTIVE:
        return Cue(Action.NOTHING, now)
    if now >= end:
        return Cue(Action.MISS if status == SlotStatus.SCHEDULED else Action.NOTHING, now)
    if now >= start:
        return Cue(Action.RESUME, now, (now - start).total_seconds())
    return Cue(Action.ARM, start - lead)
