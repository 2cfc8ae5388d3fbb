"""Expanding a slot's RFC 5545 RRULE into start times (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

from broadcaster.errors import BadInput

MAX_OCCURRENCES = 10_000


def expand(
    first: datetime, rule: str | None, zone: ZoneInfo, field: str = "repeat"
) -> list[datetime]:
    """Every start of a slot repeated by `rule`, counted from `first` (aware UTC), in order.

    The rule runs on the station's wall clock, so a weekly 19:00 slot stays at 19:00.
    It must end (COUNT or UNTIL): a schedule holds real rows, not an endless promise.
    """
    if not rule:
        return [first]
    parsed = _parse(rule, first.astimezone(zone).replace(tzinfo=None), field)
    starts: list[datetime] = []
    for occurrence in parsed:
        if len(starts) >= MAX_OCCURRENCES:
            raise BadInput(f"{field}: {rule!r} makes more than {MAX_OCCURRENCES} slots")
        starts.append(occurrence.replace(tzinfo=zone).astimezone(UTC))
    if not starts:
        raise BadInput(f"{field}: {rule!r} makes no slot at all")
    return starts


def check_rule(rule: str, field: str = "repeat") -> None:
    """Refuse a rule that is not an RRULE or never ends, without knowing its first start.

    For reporting a bad `repeat` next to a bad `at`; `expand` checks everything else.
    """
    _parse(rule, datetime(2000, 1, 1), field)


def _parse(rule: str, local_first: datetime, field: str) -> rrule | rruleset:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    upper = text.upper()
    try:
        parsed = rrulestr(text, dtstart=local_first, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{field}: {rule!r} is not an RRULE ({exc})") from None
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise BadInput(f"{field}: {rule!r} never ends; add COUNT=N or UNTIL=YYYYMMDD")
    return parsed
