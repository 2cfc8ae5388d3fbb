"""Reading a schedule file (SPEC 3.4) into plain entries, collecting every problem (pure).

Nothing here touches the database or the audio: `apply` does that with what this returns.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from broadcaster.db.models import DESTINATIONS
from broadcaster.errors import BadInput
from broadcaster.schedule.recurrence import expand
from broadcaster.schedule.times import parse_duration, parse_time

EPISODE_KEYS = {"key", "title", "file", "live", "duration", "partners", "description", "series"}
SLOT_KEYS = {"episode", "at", "to", "provinces", "repeat"}


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


@dataclass
class ScheduleFile:
    series: str | None
    episodes: list[EpisodeEntry] = field(default_factory=list)
    slots: list[SlotEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_schedule(text: str, zone: ZoneInfo, name: str = "schedule") -> ScheduleFile:
    """Entries of a schedule file; `problems` lists everything wrong, each with its place."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ScheduleFile(series=None, problems=[f"{name}: not valid TOML: {exc}"])
    series = data.get("series")
    result = ScheduleFile(series=series if isinstance(series, str) else None)
    if series is not None and not isinstance(series, str):
        result.problems.append(f"{name}: series: must be text")
    unknown = set(data) - {"series", "episode", "slot"}
    if unknown:
        result.problems.append(f"{name}: unknown table or key: {', '.join(sorted(unknown))}")
    episodes = _table_list(data, "episode", name, result.problems)
    slots = _table_list(data, "slot", name, result.problems)
    seen: set[str] = set()
    for i, raw in enumerate(episodes, 1):
        _collect(result.problems, _episode, raw, f"{name}: episode #{i}", result, seen)
    ordinals: dict[str, int] = {}
    for i, raw in enumerate(slots, 1):
        _collect(result.problems, _slot, raw, f"{name}: slot #{i}", zone, result, ordinals)
    return result


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
        problems.append(f"{where}: {exc}")


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


def _episode(raw: dict[str, Any], where: str, result: ScheduleFile, seen: set[str]) -> None:
    _unknown_keys(raw, EPISODE_KEYS)
    key = _text(raw, "key", required=True)
    assert key is not None
    if key in seen:
        raise BadInput(f"key: {key!r} is used by another episode in this file")
    seen.add(key)
    title = _text(raw, "title", required=True)
    assert title is not None
    if len(title) > 254:
        raise BadInput(f"title: {len(title)} characters; at most 254")
    file, live = _text(raw, "file"), _text(raw, "live")
    if (file is None) == (live is None):
        raise BadInput('give either file = "..." or live = "..." (with duration)')
    duration_s = None
    if live is not None:
        duration = _text(raw, "duration", required=True)
        assert duration is not None
        duration_s = parse_duration(duration, "duration").total_seconds()
    elif "duration" in raw:
        raise BadInput("duration: only for live episodes; a file's length is measured")
    partners = raw.get("partners", [])
    if not isinstance(partners, list) or not all(
        isinstance(p, str) and p.strip() for p in partners
    ):
        raise BadInput("partners: must be a list of names")
    series = _text(raw, "series") or result.series
    result.episodes.append(
        EpisodeEntry(
            key,
            title,
            series,
            tuple(partners),
            _text(raw, "description"),
            file,
            live,
            duration_s,
            f"{where} ({key})",
        )
    )


def _slot(
    raw: dict[str, Any], where: str, zone: ZoneInfo, result: ScheduleFile, ordinals: dict[str, int]
) -> None:
    _unknown_keys(raw, SLOT_KEYS)
    episode = _text(raw, "episode", required=True)
    at = _text(raw, "at", required=True)
    assert episode is not None and at is not None
    start = parse_time(at, zone, "at")
    to = raw.get("to", list(DESTINATIONS))
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to:
        raise BadInput('to: must be a list such as ["radio", "facebook"]')
    unknown = [d for d in to if d not in DESTINATIONS]
    if unknown:
        raise BadInput(f"to: unknown destination {', '.join(map(str, unknown))}")
    provinces = raw.get("provinces", "all")
    if isinstance(provinces, str):
        if provinces != "all":
            raise BadInput("provinces: 'all' or a list of codes")
    elif isinstance(provinces, list) and all(isinstance(p, str) for p in provinces) and provinces:
        provinces = tuple(p.upper() for p in provinces)
    else:
        raise BadInput("provinces: 'all' or a list of codes")
    repeat = _text(raw, "repeat")
    starts = expand(start, repeat, zone)
    ordinal = ordinals.get(episode, 0)
    ordinals[episode] = ordinal + 1
    dests = tuple(d for d in DESTINATIONS if d in to)
    result.slots.append(
        SlotEntry(episode, tuple(starts), dests, provinces, repeat, ordinal, f"{where} ({at})")
    )
