"""Carriage, pure: from what a province's relay said and when, the segments during which it
carried the feed in a slot, and its status. No clock, no database, no network.

A report (a poll of the relay, or a heartbeat) holds from its moment until the next one.
A province silent for `hold` (3 polling periods) counts as not carrying from its last
report: whoever watches it notes that with `silence` (a not-carrying report at the moment
of the last one), so a watcher that was itself held up never counts against the province.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

FULL_SHARE = 0.98
"""A province that carried at least this share of the slot carried it `full`."""


class CarriageStatus(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Report:
    """What one poll or heartbeat said: carrying the feed or not, and to how many."""

    at: datetime
    carrying: bool
    listeners: int | None = None


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Carriage:
    """One province over one slot."""

    status: CarriageStatus
    segments: tuple[Segment, ...]
    carried_s: float
    peak_listeners: int | None


def carried_segments(reports: Sequence[Report], start: datetime, end: datetime) -> list[Segment]:
    """The carried stretches within [start, end): each carrying report holds until the next
    report, or until `end`."""
    ordered = sorted(reports, key=lambda r: r.at)
    segments: list[Segment] = []
    for i, report in enumerate(ordered):
        if not report.carrying:
            continue
        until = ordered[i + 1].at if i + 1 < len(ordered) else end
        a, b = max(report.at, start), min(until, end)
        if b > a:
            segments.append(Segment(a, b))
    return merge(segments)


def silence(reports: Sequence[Report], now: datetime, hold: timedelta) -> Report | None:
    """The report to add when the last report, a carrying one, is older than `hold` at
    `now`: "not carrying", at the moment of that last report (added after it, it ends the
    carrying there); None otherwise."""
    if not reports:
        return None
    last = sorted(reports, key=lambda r: r.at)[-1]  # stable: of equal times, the latest added
    if last.carrying and now - last.at > hold:
        return Report(last.at, False)
    return None


def merge(segments: Iterable[Segment]) -> list[Segment]:
    """Segments in time order, touching or overlapping ones joined."""
    out: list[Segment] = []
    for seg in sorted(segments, key=lambda s: s.start):
        if out and seg.start <= out[-1].end:
            if seg.end > out[-1].end:
                out[-1] = Segment(out[-1].start, seg.end)
            continue
        out.append(seg)
    return out


def status_of(carried_s: float, slot_s: float, reported: bool) -> CarriageStatus:
    if not reported:
        return CarriageStatus.UNKNOWN
    if slot_s > 0 and carried_s >= FULL_SHARE * slot_s:
        return CarriageStatus.FULL
    return CarriageStatus.PARTIAL if carried_s > 0 else CarriageStatus.NONE


def carriage(
    reports: Sequence[Report],
    slot_start: datetime,
    slot_end: datetime,
    until: datetime,
    hold: timedelta,
) -> Carriage:
    """A province's carriage of the slot [slot_start, slot_end) as watched up to `until`
    (the slot's end, or earlier when the watching stopped). A report from before the slot
    counts (it says what the relay was doing when it began) if within `hold` of its start."""
    end = min(until, slot_end)
    relevant = [r for r in reports if slot_start - hold <= r.at < end]
    segments = carried_segments(relevant, slot_start, end)
    carried = sum(s.seconds for s in segments)
    during = [r.listeners for r in relevant if r.listeners is not None and r.at >= slot_start]
    before = [r.listeners for r in relevant if r.listeners is not None and r.at < slot_start]
    heard = during or before[-1:]
    slot_s = (slot_end - slot_start).total_seconds()
    return Carriage(
        status_of(carried, slot_s, bool(relevant)),
        tuple(segments),
        carried,
        max(heard) if heard else None,
    )


def combine(
    earlier: Carriage | None, later: Carriage, slot_start: datetime, slot_end: datetime
) -> Carriage:
    """A slot watched in two parts (a daemon restarted inside it): both parts' segments."""
    if earlier is None:
        return later
    segments = tuple(merge([*earlier.segments, *later.segments]))
    carried = sum(s.seconds for s in segments)
    peaks = [p for p in (earlier.peak_listeners, later.peak_listeners) if p is not None]
    reported = any(c.status != CarriageStatus.UNKNOWN for c in (earlier, later))
    slot_s = (slot_end - slot_start).total_seconds()
    return Carriage(
        status_of(carried, slot_s, reported), segments, carried, max(peaks) if peaks else None
    )
