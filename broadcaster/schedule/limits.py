"""Limits a station never reaches and a runaway request always would (pure).

From `[station]`: `max_occurrences` slots per request or schedule file, slots at most
`horizon_days` ahead, no episode longer than `longest_slot`. Each refusal names the field
and the limit, so the CLI exits 2 and the API answers 422 without storing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from broadcaster.config import Settings
from broadcaster.errors import BadInput
from broadcaster.schedule.recurrence import MAX_OCCURRENCES
from broadcaster.schedule.times import format_duration, parse_duration, show_local


@dataclass(frozen=True)
class Limits:
    max_occurrences: int = MAX_OCCURRENCES
    horizon: timedelta = timedelta(days=400)
    longest: timedelta = timedelta(hours=8)

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        station = settings.station
        return cls(
            max_occurrences=station.max_occurrences,
            horizon=timedelta(days=station.horizon_days),
            longest=parse_duration(station.longest_slot, "station.longest_slot"),
        )

    def until(self, now: datetime) -> datetime:
        """The last instant a slot may start."""
        return now + self.horizon

    def check_start(self, start: datetime, now: datetime, zone: ZoneInfo, field: str) -> None:
        """Refuse a start beyond the horizon, naming `field` and the limit."""
        if start > self.until(now):
            raise BadInput(
                f"{field}: {show_local(start, zone)} is more than {self.horizon.days} days "
                f"ahead; slots are booked at most [station] horizon_days = "
                f"{self.horizon.days} days ahead (until {show_local(self.until(now), zone)})"
            )

    def check_count(self, count: int, field: str) -> None:
        if count > self.max_occurrences:
            raise BadInput(
                f"{field}: {count} slots; at most {self.max_occurrences} from one request "
                "or schedule file ([station] max_occurrences)"
            )

    def check_length(self, seconds: float, field: str) -> None:
        """Refuse an episode longer than the longest slot (a live `--duration`)."""
        if seconds > self.longest.total_seconds():
            raise BadInput(
                f"{field}: {format_duration(seconds)} is longer than the longest slot, "
                f"[station] longest_slot = {format_duration(self.longest.total_seconds())}"
            )
