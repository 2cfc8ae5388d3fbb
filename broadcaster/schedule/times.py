"""Times and durations as operators type them, and as the station shows them.

Times: `YYYY-MM-DD HH:MM[:SS]` in the station's zone, or ISO 8601 with an offset.
Durations: `90s`, `25m`, `1h30m` (and combinations such as `1h5m30s`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcaster.errors import BadInput

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")

FIRST_YEAR, LAST_YEAR = 1900, 9000
"""Times typed are within these years: every zone and both databases can show them."""
LONGEST_DURATION = timedelta(days=36_600)
"""No duration typed means more than a century: added to now it stays on the calendar
(the station's own limits, `[station] longest_slot` and `horizon_days`, are far tighter)."""


def parse_time(text: str, zone: ZoneInfo, field: str = "time") -> datetime:
    """An aware UTC datetime from operator input; naive times are in the station's zone."""
    value = text.strip()
    if not _TIME.match(value):
        raise BadInput(
            f"{field}: {text!r} is not a time; use 'YYYY-MM-DD HH:MM' "
            "(station time) or ISO 8601 with an offset"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"{field}: {text!r} is not a valid time ({exc})") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise _out_of_range(field, text)
    try:
        if parsed.tzinfo is None:
            parsed = _localise(parsed, zone, field, text)
        return parsed.astimezone(UTC)
    except OverflowError:
        raise _out_of_range(field, text) from None


def _out_of_range(field: str, text: str) -> BadInput:
    return BadInput(f"{field}: {text!r} is out of range (years {FIRST_YEAR} to {LAST_YEAR})")


def _localise(naive: datetime, zone: ZoneInfo, field: str, text: str) -> datetime:
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise BadInput(f"{field}: {text!r} does not exist in {zone.key} (a clock change)")
    return aware


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """A positive duration from `90s`, `25m`, `1h30m`."""
    value = text.strip().lower()
    match = _DURATION.match(value)
    if not value or not match or not any(match.groups()):
        raise BadInput(f"{field}: {text!r} is not a duration; use e.g. 90s, 25m or 1h30m")
    hours, minutes, seconds = match.groups()
    try:
        delta = timedelta(
            hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
        )
    except (OverflowError, ValueError):
        delta = LONGEST_DURATION * 2
    if delta <= timedelta(0):
        raise BadInput(f"{field}: {text!r} must be longer than zero")
    if delta > LONGEST_DURATION:
        raise BadInput(f"{field}: {text!r} is too long (at most {LONGEST_DURATION.days} days)")
    return delta


def format_duration(seconds: float) -> str:
    """`1h30m`, `25m`, `1m30s`: the inverse of `parse_duration` for whole seconds."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


def iso_local(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the station's offset, whole seconds: `2026-12-01T19:00:00+07:00`."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def iso_local_ms(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the station's offset, to the millisecond (as-run times, measured)."""
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def show_local(moment: datetime, zone: ZoneInfo) -> str:
    """How a person reads a time at the station: `2026-12-01 19:00`."""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
