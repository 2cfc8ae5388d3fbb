"""Finding slots that would air at the same time on the same destination (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Booking:
    """A slot as the overlap check sees it; `ref` identifies it in messages."""

    ref: str
    start: datetime
    end: datetime
    destinations: tuple[str, ...]
    is_new: bool = True


def clashes(bookings: Iterable[Booking]) -> list[tuple[Booking, Booking, str]]:
    """Pairs that overlap on a destination and involve at least one new booking.

    Intervals are half-open: a slot may start the instant another ends. One sweep per
    destination, so a year of slots is checked in milliseconds.
    """
    by_dest: dict[str, list[Booking]] = {}
    for b in bookings:
        for dest in b.destinations:
            by_dest.setdefault(dest, []).append(b)
    found: list[tuple[Booking, Booking, str]] = []
    for dest in sorted(by_dest):
        items = sorted(by_dest[dest], key=lambda b: (b.start, b.end))
        active: list[Booking] = []
        for b in items:
            active = [a for a in active if a.end > b.start]
            for a in active:
                if a.is_new or b.is_new:
                    found.append((a, b, dest))
            active.append(b)
    return found
