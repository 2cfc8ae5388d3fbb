"""The states of slots and legs (SPEC 2, 3.2), and the groups of them the code asks about.

`StrEnum`s: each member is its string, as stored in the database and shown in JSON.
"""

from __future__ import annotations

from enum import StrEnum


class SlotStatus(StrEnum):
    SCHEDULED = "scheduled"
    ON_AIR = "on_air"
    AIRED = "aired"
    PARTIAL = "partial"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class LegStatus(StrEnum):
    ON_AIR = "on_air"
    AIRED = "aired"
    PARTIAL = "partial"
    CUT = "cut"
    """Stopped early by a person or a shutdown."""
    FAILED = "failed"
    MISSED = "missed"


ACTIVE = (SlotStatus.SCHEDULED, SlotStatus.ON_AIR)
"""Slots still to air, or airing (or left on air by a daemon that stopped: to resume)."""
OCCUPYING = tuple(s for s in SlotStatus if s is not SlotStatus.CANCELLED)
"""Slots that hold their time on their destinations: all but cancelled ones."""
EMPTY_HANDED = (LegStatus.FAILED, LegStatus.MISSED)
"""Legs that never went out."""
