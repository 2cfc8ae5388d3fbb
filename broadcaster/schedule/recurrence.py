"""Expanding a slot's RFC 5545 RRULE into start times (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

from broadcaster.errors import BadInput

MAX_OCCURRENCES = 10_000
"""The default of `[station] max_occurrences`: slots from one request or schedule file."""


def expand(
    first: datetime,
    rule: str | None,
    zone: ZoneInfo,
    field: str = "repeat",
    *,
    limit: int = MAX_OCCURRENCES,
    until: datetime | None = None,
) -> list[datetime]:
    """Every start of a slot repeated by `rule`, counted from `first` (aware UTC), in order.

    The rule runs on the station's wall clock, so a weekly 19:00 slot stays at 19:00.
    It must end (COUNT or UNTIL): a schedule holds real rows, not an endless promise.
    At most `limit` starts, none after `until` (the booking horizon): a rule that goes
    further is refused as soon as it does, so a huge COUNT costs nothing.
    """
    if not rule:
        return [first]
    parsed = _parse(rule, first.astimezone(zone).replace(tzinfo=None), field)
    starts: list[datetime] = []
    try:
        for occurrence in parsed:
            if len(starts) >= limit:
                raise BadInput(
                    f"{field}: {rule!r} makes more than {limit} slots "
                    "(the limit is [station] max_occurrences)"
                )
            start = occurrence.replace(tzinfo=zone).astimezone(UTC)
            if until is not None and start > until:
                raise BadInput(
                    f"{field}: {rule!r} goes beyond {until.astimezone(zone):%Y-%m-%d}: slots "
                    "are booked at most [station] horizon_days ahead"
                )
            starts.append(start)
    except (OverflowError, ValueError) as exc:  # the calendar's far end, as dateutil meets it
        raise BadInput(f"{field}: {rule!r} runs out of the calendar ({exc})") from None
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
    if "DTSTART" in upper:
        raise BadInput(
            f"{field}: {rule!r} carries its own DTSTART; the slot's start is given apart "
            "(--at, `at` or `start`): leave DTSTART out"
        )
    try:
        parsed = rrulestr(text, dtstart=local_first, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{field}: {rule!r} is not an RRULE ({exc})") from None
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise BadInput(f"{field}: {rule!r} never ends; add COUNT=N or UNTIL=YYYYMMDD")
    if isinstance(parsed, rrule) and not _days_can_occur(parsed):
        raise BadInput(f"{field}: {rule!r} names days that never occur (e.g. 30 February)")
    return parsed


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_can_occur(parsed: rrule) -> bool:
    """False for a rule whose days never come (BYMONTH=2;BYMONTHDAY=30): dateutil would
    search to the year 9999 for them, seconds of work for nothing."""

    def part(name: str) -> tuple[int, ...]:  # dateutil keeps the BY* parts unexposed
        return tuple(getattr(parsed, f"_by{name}", None) or ())

    if part("yearday") or part("weekno"):  # with BYMONTH: often never; not worth the search
        return not part("month")
    months = part("month") or tuple(range(1, 13))
    days = part("monthday") + part("nmonthday")
    return not days or any(abs(d) <= _MONTH_DAYS[m - 1] for m in months for d in days)
