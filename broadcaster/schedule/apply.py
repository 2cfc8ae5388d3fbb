"""`schedule apply`: make the slots a schedule file owns match it, all or nothing.

Episodes are matched by key and slots by (file, episode key, entry, occurrence), so
applying the same file twice changes nothing. A file owns the slots it made: they carry its
path (relative to the station's `schedules/` folder, or absolute outside it) and its
`series`, so another file, even of the same name, never changes them. Every problem is
gathered before any change is made; one problem stops the whole apply.

A slot the file places in the past is a problem, unless `skip_past` asks to leave such
occurrences out (`schedule apply --future-only`, and `demo` loading a dated series): then
they are counted in `Plan.skipped` and only the future ones are booked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster import episodes as library
from broadcaster.audio.prepare import PreparedAudio, Progress, sha256_of
from broadcaster.config import Settings
from broadcaster.db.models import Episode, Slot
from broadcaster.errors import BadInput
from broadcaster.files import is_regular_file
from broadcaster.schedule.book import (
    active_province_codes,
    bookings_between,
    clash_messages,
    slot_length,
)
from broadcaster.schedule.file import EpisodeEntry, ScheduleFile, SlotEntry, parse_schedule
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.lock import lock_schedule
from broadcaster.schedule.overlaps import Booking, clashes
from broadcaster.schedule.times import show_local
from broadcaster.states import SlotStatus
from broadcaster.station import Station


@dataclass(frozen=True)
class Wanted:
    """A slot as the file wants it."""

    key: str
    episode_key: str
    start: datetime
    end: datetime
    destinations: tuple[str, ...]
    provinces: tuple[str, ...]
    repeat: str | None
    where: str


@dataclass
class Plan:
    origin: str
    series: str | None = None
    episodes_added: list[str] = field(default_factory=list)
    episodes_changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # past occurrences left out (skip_past)
    applied: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.episodes_added
            or self.episodes_changed
            or self.added
            or self.changed
            or self.cancelled
        )


@dataclass
class _EpisodeWork:
    entry: EpisodeEntry
    existing: Episode | None
    path: Path | None = None
    prepared: PreparedAudio | None = None
    fields_only: bool = False
    duration_s: float | None = None  # known once the episode is planned; None if it failed


SCHEDULES = Path("schedules")
"""The station's folder of schedule files, beside its config (or the current folder)."""
MAX_FILE_BYTES = 10 * 1024 * 1024
"""A schedule file larger than this is refused (10,000 slots take about 1 MB)."""


def origin_of(path: Path, settings: Settings) -> str:
    """`file:PATH`: the file's path relative to the station's `schedules/` folder, or its
    absolute path when it lies outside it."""
    resolved = path.resolve()
    folder = settings.path(SCHEDULES)
    try:
        return f"file:{resolved.relative_to(folder).as_posix()}"
    except ValueError:
        return f"file:{resolved.as_posix()}"


def read_schedule(path: Path, settings: Settings, now: datetime | None = None) -> ScheduleFile:
    """The file's entries; only a regular file is read (a FIFO or a device would block or
    never end), and at most `MAX_FILE_BYTES` of it."""
    if not path.exists():
        raise BadInput(f"{path}: schedule file not found")
    if not is_regular_file(path):
        raise BadInput(f"{path}: not a regular file (a schedule file is a TOML file)")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise BadInput(
                f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                "split the series into several files"
            )
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot be read ({exc})") from None
    return parse_schedule(text, settings.zone, str(path), Limits.of(settings), now)


def apply_schedule(
    station: Station,
    path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    skip_past: bool = False,
) -> Plan:
    """Apply (or with `dry_run`, only plan) the schedule file at `path`.

    With `skip_past`, occurrences that have already started are left out (listed in
    `Plan.skipped`) instead of being problems; a repeated slot keeps its future ones.
    """
    now = station.clock()
    parsed = read_schedule(path, station.settings, now)
    problems = list(parsed.problems)
    plan = Plan(origin=origin_of(path, station.settings), series=parsed.series)
    zone = station.settings.zone
    with _media_for(station.settings, dry_run) as settings, station.sessions() as session:
        works = _episode_work(session, parsed, settings, problems, plan, progress)
        try:
            if not dry_run:  # from the overlap check to the commit, nobody else books
                lock_schedule(session)
            wanted = _wanted_slots(session, parsed, works, problems)
            existing = session.scalars(
                select(Slot).where(
                    Slot.origin == plan.origin,
                    Slot.origin_series.is_(None)
                    if plan.series is None
                    else Slot.origin_series == plan.series,
                )
            ).all()
            to_add, to_change, to_cancel = _diff(
                wanted, existing, now, zone, plan, problems, skip_past
            )
            _check_overlaps(session, to_add, to_change, to_cancel, zone, problems)
            if problems:
                raise BadInput(f"{path}: {len(problems)} problem(s); nothing was changed", problems)
            if not dry_run:
                _write(session, works, to_add, to_change, to_cancel, plan, now)
                session.commit()
                plan.applied = True
        except BaseException:
            session.rollback()
            for work in works.values():
                if work.prepared is not None:
                    library.discard(work.prepared)
            raise
        if dry_run:
            for work in works.values():
                if work.prepared is not None:
                    library.discard(work.prepared)
    return plan


@contextmanager
def _media_for(settings: Settings, dry_run: bool) -> Iterator[Settings]:
    """A dry run prepares audio in a scratch folder, so nothing under media_dir changes."""
    if not dry_run:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="broadcaster-dry-run-") as scratch:
        station = settings.station.model_copy(update={"media_dir": Path(scratch)})
        yield settings.model_copy(update={"station": station})


def _episode_work(
    session: Session,
    parsed: ScheduleFile,
    settings: Settings,
    problems: list[str],
    plan: Plan,
    progress: Progress | None,
) -> dict[str, _EpisodeWork]:
    keys = [e.key for e in parsed.episodes] + [s.episode for s in parsed.slots]
    keys += [r.episode for r in parsed.refused_slots if r.episode is not None]
    stored = {e.key: e for e in session.scalars(select(Episode).where(Episode.key.in_(keys)))}
    works: dict[str, _EpisodeWork] = {}
    for entry in parsed.episodes:
        work = _EpisodeWork(entry, stored.get(entry.key))
        try:
            _plan_episode(work, settings, plan, progress)
        except BadInput as exc:
            problems.append(f"{entry.where}: {exc}")
        works[entry.key] = work
    for key, episode in stored.items():
        if key is not None:
            works.setdefault(
                key, _EpisodeWork(_entry_of(episode), episode, duration_s=episode.duration_s)
            )
    return works


def _entry_of(episode: Episode) -> EpisodeEntry:
    return EpisodeEntry(
        episode.key or "",
        episode.title,
        episode.series,
        tuple(episode.partners),
        episode.description,
    )


def _plan_episode(
    work: _EpisodeWork, settings: Settings, plan: Plan, progress: Progress | None
) -> None:
    entry, old = work.entry, work.existing
    fields = library.EpisodeFields(
        entry.title, entry.series, entry.partners, entry.description, entry.key
    )
    fields.check()
    if entry.live is not None:
        library.check_live_url(entry.live, "live")
        same = (
            old is not None
            and old.source_kind == "live"
            and old.source == entry.live
            and old.duration_s == entry.duration_s
        )
    else:
        assert entry.file is not None
        work.path = Path(entry.file)
        if not work.path.is_file():
            raise BadInput(f"file: {entry.file} not found (from {Path.cwd()})")
        card_same = (
            old is not None
            and old.title == entry.title
            and list(old.partners) == list(entry.partners)
        )
        same = (
            old is not None
            and old.source_kind == "file"
            and card_same
            and old.source_sha256 == sha256_of(work.path)
        )
        if not same:
            labelled = _labelled(progress, entry.key)
            work.prepared = library.prepare_file(work.path, fields, settings, labelled)
    work.duration_s = _duration(work)
    described = old is not None and (
        old.title,
        old.series,
        list(old.partners),
        old.description,
    ) == (entry.title, entry.series, list(entry.partners), entry.description)
    if old is None:
        plan.episodes_added.append(f"{entry.key}: {entry.title}")
    elif not same or not described:
        plan.episodes_changed.append(f"{entry.key}: {entry.title}")
        work.fields_only = same


def _labelled(progress: Progress | None, key: str) -> Progress | None:
    """Progress lines that say which episode is being prepared."""
    if progress is None:
        return None
    report = progress
    return lambda stage, fraction: report(f"{key} {stage}", fraction)


def _duration(work: _EpisodeWork) -> float:
    if work.prepared is not None:
        return work.prepared.duration_s
    if work.entry.duration_s is not None:
        return work.entry.duration_s
    assert work.existing is not None
    return work.existing.duration_s


def _wanted_slots(
    session: Session, parsed: ScheduleFile, works: dict[str, _EpisodeWork], problems: list[str]
) -> dict[str, Wanted]:
    known = active_province_codes(session)
    for refused in parsed.refused_slots:  # listed with their other problems
        if refused.episode is not None and refused.episode not in works:
            problems.append(f"{refused.where}: unknown episode {refused.episode!r}")
        if refused.provinces is not None:
            _unknown_provinces(refused.where, refused.provinces, known, problems)
    wanted: dict[str, Wanted] = {}
    for entry in parsed.slots:
        work = works.get(entry.episode)
        if work is None:
            problems.append(f"{entry.where}: unknown episode {entry.episode!r}")
        provinces = _provinces(entry, known, problems)
        if work is None or work.duration_s is None:  # its audio problem is already listed
            continue
        length = slot_length(work.duration_s)
        for n, start in enumerate(entry.starts):
            key = f"{entry.episode}#{entry.ordinal}#{n}"
            wanted[key] = Wanted(
                key,
                entry.episode,
                start,
                start + length,
                entry.destinations,
                provinces,
                entry.repeat,
                entry.where,
            )
    return wanted


def _provinces(entry: SlotEntry, known: list[str], problems: list[str]) -> tuple[str, ...]:
    if entry.provinces == "all":
        return tuple(known)
    _unknown_provinces(entry.where, entry.provinces, known, problems)
    return tuple(c for c in known if c in entry.provinces)


def _unknown_provinces(
    where: str, provinces: str | tuple[str, ...], known: list[str], problems: list[str]
) -> None:
    if provinces == "all":
        return
    unknown = [c for c in provinces if c not in known]
    if unknown:
        problems.append(f"{where}: unknown province {', '.join(unknown)}")


def _same(slot: Slot, want: Wanted, episode_id: int | None) -> bool:
    """Same airing; the repeat rule that produced it is description, not identity."""
    stored = (slot.start, slot.end, tuple(slot.destinations), tuple(slot.provinces))
    wanted = (want.start, want.end, want.destinations, want.provinces)
    return stored == wanted and slot.episode_id == episode_id


def _diff(
    wanted: dict[str, Wanted],
    existing: Sequence[Slot],
    now: datetime,
    zone: ZoneInfo,
    plan: Plan,
    problems: list[str],
    skip_past: bool = False,
) -> tuple[list[Wanted], list[tuple[Slot, Wanted]], list[Slot]]:
    by_key = {s.origin_key: s for s in existing}
    episode_ids = {s.episode.key: s.episode_id for s in existing}
    to_add: list[Wanted] = []
    to_change: list[tuple[Slot, Wanted]] = []
    left_out: set[str] = set()  # past occurrences skipped; a future slot of theirs is cancelled

    def past(key: str, want: Wanted, when: str) -> None:
        if skip_past:
            left_out.add(key)
            plan.skipped.append(when)
        else:
            problems.append(f"{want.where}: {show_local(want.start, zone)} is in the past")

    for key, want in wanted.items():
        slot = by_key.get(key)
        when = f"{want.episode_key} at {show_local(want.start, zone)}"
        if slot is None:
            if want.start <= now:
                past(key, want, when)
            else:
                to_add.append(want)
                plan.added.append(when)
        elif slot.status not in (SlotStatus.SCHEDULED, SlotStatus.CANCELLED) or slot.start <= now:
            plan.kept.append(f"{when} ({slot.status})")
        elif slot.status == SlotStatus.SCHEDULED and _same(
            slot, want, episode_ids.get(want.episode_key)
        ):
            plan.unchanged += 1
        elif want.start <= now:
            past(key, want, when)
        else:
            to_change.append((slot, want))
            plan.changed.append(f"slot {slot.id}: {when}")
    to_cancel = [
        s
        for s in by_key.values()
        if (s.origin_key not in wanted or s.origin_key in left_out)
        and s.status == SlotStatus.SCHEDULED
        and s.start > now
    ]
    plan.cancelled.extend(
        f"slot {s.id}: {s.episode.key} at {show_local(s.start, zone)}" for s in to_cancel
    )
    return to_add, to_change, to_cancel


def _check_overlaps(
    session: Session,
    to_add: list[Wanted],
    to_change: list[tuple[Slot, Wanted]],
    to_cancel: list[Slot],
    zone: ZoneInfo,
    problems: list[str],
) -> None:
    moving = [*to_add, *(w for _, w in to_change)]
    if not moving:
        return
    first = min(w.start for w in moving)
    last = max(w.end for w in moving)
    dropped = {s.id for s in to_cancel}
    replaced = {s.id for s, _ in to_change}  # checked at their new times below
    bookings = bookings_between(session, first, last, zone, exclude=dropped | replaced)
    bookings += [
        Booking(f"{w.where} at {show_local(w.start, zone)}", w.start, w.end, w.destinations, True)
        for w in moving
    ]
    problems.extend(clash_messages(clashes(bookings)))


def _write(
    session: Session,
    works: dict[str, _EpisodeWork],
    to_add: list[Wanted],
    to_change: list[tuple[Slot, Wanted]],
    to_cancel: list[Slot],
    plan: Plan,
    now: datetime,
) -> None:
    ids: dict[str, int] = {}
    for key, work in works.items():
        ids[key] = _write_episode(session, work, now)
    for want in to_add:
        session.add(
            Slot(
                episode_id=ids[want.episode_key],
                start=want.start,
                end=want.end,
                destinations=list(want.destinations),
                provinces=list(want.provinces),
                status=SlotStatus.SCHEDULED,
                origin=plan.origin,
                origin_series=plan.series,
                origin_key=want.key,
                repeat=want.repeat,
                created_at=now,
                updated_at=now,
            )
        )
    for slot, want in to_change:
        slot.episode_id = ids[want.episode_key]
        slot.start, slot.end = want.start, want.end
        slot.destinations, slot.provinces = list(want.destinations), list(want.provinces)
        slot.repeat, slot.status, slot.updated_at = want.repeat, SlotStatus.SCHEDULED, now
    for slot in to_cancel:
        slot.status, slot.updated_at = SlotStatus.CANCELLED, now
    session.flush()


def _write_episode(session: Session, work: _EpisodeWork, now: datetime) -> int:
    entry, episode = work.entry, work.existing
    if entry.file is None and entry.live is None:  # stored episode named by a slot only
        assert episode is not None
        return episode.id
    if episode is None:
        episode = Episode(created_at=now)
        session.add(episode)
    fields = library.EpisodeFields(
        entry.title, entry.series, entry.partners, entry.description, entry.key
    )
    library.apply_fields(episode, fields)
    if entry.live is not None and entry.duration_s is not None:
        library.apply_live(episode, entry.live, entry.duration_s)
    elif work.prepared is not None and work.path is not None:
        library.apply_prepared(episode, work.path, work.prepared)
    session.flush()
    return episode.id
