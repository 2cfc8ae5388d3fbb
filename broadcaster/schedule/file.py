"""Reading a schedule file (SPEC 3.4) into plain entries, collecting every problem (pure).

Nothing here touches the database or the audio: `apply` does that with what this returns.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from broadcaster.db.models import DESTINATIONS
from broadcaster.errors import BadInput
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.recurrence import check_rule, expand
from broadcaster.schedule.times import parse_duration, parse_time

EPISODE_KEYS = {"key", "title", "file", "live", "duration", "partners", "description", "series"}
SLOT_KEYS = {"episode", "at", "to", "provinces", "repeat"}
MAX_SERIES = 254

T = TypeVar("T")


@dataclass(frozen=True)
class EpisodeEntry:
    key: str
    title: str
    series: str | None
    partners: tuple[str, ...]
    description: str | None
    file: str | None = None
    live: str | None = None
    duration_s: float | None = None
    where: str = ""


@dataclass(frozen=True)
class SlotEntry:
    """One `[[slot]]` table, expanded: `starts` holds every occurrence of its repeat."""

    episode: str
    starts: tuple[datetime, ...]
    destinations: tuple[str, ...]
    provinces: str | tuple[str, ...]
    repeat: str | None
    ordinal: int  # its place among the file's slots for the same episode
    where: str = ""


@dataclass(frozen=True)
class SlotRefs:
    """What a `[[slot]]` refused for other problems names, so `apply` checks those too."""

    where: str
    episode: str | None
    provinces: str | tuple[str, ...] | None


@dataclass
class ScheduleFile:
    series: str | None
    episodes: list[EpisodeEntry] = field(default_factory=list)
    slots: list[SlotEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    refused_slots: list[SlotRefs] = field(default_factory=list)


def parse_schedule(
    text: str,
    zone: ZoneInfo,
    name: str = "schedule",
    limits: Limits | None = None,
    now: datetime | None = None,
) -> ScheduleFile:
    """Entries of a schedule file; `problems` lists everything wrong, each with its place.

    With `now`, slots beyond the `limits`' horizon are problems; the whole file makes at
    most `limits.max_occurrences` slots, and no live episode lasts beyond the longest slot.
    """
    limits = limits or Limits()
    bounds = _Bounds(limits, now)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ScheduleFile(series=None, problems=[f"{name}: not valid TOML: {exc}"])
    series = data.get("series")
    result = ScheduleFile(series=series if isinstance(series, str) else None)
    if series is not None and not isinstance(series, str):
        result.problems.append(f"{name}: series: must be text")
    elif isinstance(series, str) and len(series) > MAX_SERIES:
        result.problems.append(f"{name}: series: {len(series)} characters; at most {MAX_SERIES}")
    unknown = set(data) - {"series", "episode", "slot"}
    if unknown:
        result.problems.append(f"{name}: unknown table or key: {', '.join(sorted(unknown))}")
    episodes = _table_list(data, "episode", name, result.problems)
    slots = _table_list(data, "slot", name, result.problems)
    seen: set[str] = set()
    for i, raw in enumerate(episodes, 1):
        _collect(result.problems, _episode, raw, f"{name}: episode #{i}", result, seen, bounds)
    ordinals: dict[str, int] = {}
    made = 0
    for i, raw in enumerate(slots, 1):
        where = f"{name}: slot #{i}"
        before = len(result.slots)
        _collect(result.problems, _slot, raw, where, zone, result, ordinals, bounds)
        made += sum(len(s.starts) for s in result.slots[before:])
        if made > limits.max_occurrences:  # stop expanding: the file is refused already
            result.problems.append(
                f"{where}: the file makes more than {limits.max_occurrences} slots "
                f"({made} up to this entry); at most {limits.max_occurrences} from one "
                "schedule file ([station] max_occurrences)"
            )
            break
    return result


@dataclass(frozen=True)
class _Bounds:
    """The limits as a file is read; `now` None: no horizon (a file read to show it)."""

    limits: Limits
    now: datetime | None

    @property
    def until(self) -> datetime | None:
        return None if self.now is None else self.limits.until(self.now)


def _table_list(data: dict[str, Any], key: str, name: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{name}: '{key}' must be an array of tables: [[{key}]]")
        return []
    return value


def _collect(problems: list[str], fn: Any, raw: Any, where: str, *args: Any) -> None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return
    try:
        fn(raw, where, *args)
    except BadInput as exc:
        problems.extend(f"{where}: {p}" for p in exc.problems or [str(exc)])


def _check(found: list[str], fn: Callable[[], T]) -> T | None:
    """`fn()`, or None with its problem added to `found`: so one entry lists every problem."""
    try:
        return fn()
    except BadInput as exc:
        found.extend(exc.problems or [str(exc)])
        return None


def _refuse(found: list[str]) -> None:
    if found:
        raise BadInput(f"{len(found)} problem(s)", found)


def _text(raw: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key}: missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadInput(f"{key}: must be non-empty text")
    return value


def _unknown_keys(raw: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise BadInput(f"unknown key {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def _episode(
    raw: dict[str, Any], where: str, result: ScheduleFile, seen: set[str], bounds: _Bounds
) -> None:
    found: list[str] = []
    _check(found, lambda: _unknown_keys(raw, EPISODE_KEYS))
    key = _check(found, lambda: _text(raw, "key", required=True))
    if key is not None:
        if key in seen:
            found.append(f"key: {key!r} is used by another episode in this file")
        seen.add(key)
    title = _check(found, lambda: _text(raw, "title", required=True))
    if title is not None and len(title) > 254:
        found.append(f"title: {len(title)} characters; at most 254")
    file = _check(found, lambda: _text(raw, "file"))
    live = _check(found, lambda: _text(raw, "live"))
    duration_s = None
    if ("file" in raw) == ("live" in raw):
        found.append('give either file = "..." or live = "..." (with duration)')
    elif "live" in raw:
        duration_s = _check(found, lambda: _live_duration(raw, bounds.limits))
    elif "duration" in raw:
        found.append("duration: only for live episodes; a file's length is measured")
    partners = raw.get("partners", [])
    if not isinstance(partners, list) or not all(
        isinstance(p, str) and p.strip() for p in partners
    ):
        found.append("partners: must be a list of names")
    description = _check(found, lambda: _text(raw, "description"))
    own_series = _check(found, lambda: _text(raw, "series"))
    if own_series is not None and len(own_series) > MAX_SERIES:
        found.append(f"series: {len(own_series)} characters; at most {MAX_SERIES}")
    series = own_series or result.series
    _refuse(found)
    assert key is not None and title is not None
    result.episodes.append(
        EpisodeEntry(
            key,
            title,
            series,
            tuple(partners),
            description,
            file,
            live,
            duration_s,
            f"{where} ({key})",
        )
    )


def _live_duration(raw: dict[str, Any], limits: Limits) -> float:
    duration = _text(raw, "duration", required=True)
    assert duration is not None
    seconds = parse_duration(duration, "duration").total_seconds()
    limits.check_length(seconds, "duration")
    return seconds


def _slot(
    raw: dict[str, Any],
    where: str,
    zone: ZoneInfo,
    result: ScheduleFile,
    ordinals: dict[str, int],
    bounds: _Bounds,
) -> None:
    found: list[str] = []
    _check(found, lambda: _unknown_keys(raw, SLOT_KEYS))
    episode = _check(found, lambda: _text(raw, "episode", required=True))
    at = _check(found, lambda: _text(raw, "at", required=True))
    start = _check(found, lambda: parse_time(at, zone, "at")) if at is not None else None
    dests = _check(found, lambda: _destinations(raw))
    provinces = _check(found, lambda: _provinces(raw))
    repeat = _check(found, lambda: _text(raw, "repeat"))
    starts = None
    if start is not None:
        starts = _check(found, lambda: _starts(start, repeat, zone, bounds))
    elif repeat is not None:  # its own problems, even though `at` has one
        _check(found, lambda: check_rule(repeat))
    if found:
        result.refused_slots.append(SlotRefs(where, episode, provinces))
    _refuse(found)
    assert episode is not None and starts is not None and dests is not None
    assert provinces is not None
    ordinal = ordinals.get(episode, 0)
    ordinals[episode] = ordinal + 1
    result.slots.append(
        SlotEntry(episode, tuple(starts), dests, provinces, repeat, ordinal, f"{where} ({at})")
    )


def _starts(start: datetime, repeat: str | None, zone: ZoneInfo, bounds: _Bounds) -> list[datetime]:
    limits = bounds.limits
    if bounds.now is not None:
        limits.check_start(start, bounds.now, zone, "at")
    return expand(start, repeat, zone, limit=limits.max_occurrences, until=bounds.until)


def _destinations(raw: dict[str, Any]) -> tuple[str, ...]:
    to = raw.get("to", list(DESTINATIONS))
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to:
        raise BadInput('to: must be a list such as ["radio", "facebook"]')
    unknown = [d for d in to if d not in DESTINATIONS]
    if unknown:
        raise BadInput(f"to: unknown destination {', '.join(map(str, unknown))}")
    return tuple(d for d in DESTINATIONS if d in to)


def _provinces(raw: dict[str, Any]) -> str | tuple[str, ...]:
    provinces = raw.get("provinces", "all")
    if provinces == "all":
        return "all"
    if isinstance(provinces, list) and provinces and all(isinstance(p, str) for p in provinces):
        return tuple(p.upper() for p in provinces)
    raise BadInput("provinces: 'all' or a list of codes")
