from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from broadcaster.db.models import Episode, Slot
from broadcaster.errors import BadInput
from broadcaster.schedule import book
from broadcaster.schedule.apply import apply_schedule
from broadcaster.station import Station
from tests.conftest import FakeClock, add_episode_row, make_tone

SERIES = """
series = "A2I"
[[episode]]
key = "e1"
title = "Progress"
file = "audio/e1.mp3"
partners = ["CCC", "CPDD"]

[[episode]]
key = "live"
title = "Call-in"
live = "http://127.0.0.1:8010/studio.mp3"
duration = "30m"

[[slot]]
episode = "e1"
at = "2027-01-05 19:00"
repeat = "FREQ=WEEKLY;COUNT=3"

[[slot]]
episode = "live"
at = "2027-01-06 19:00"
to = ["radio"]
provinces = ["PNH", "SRP"]
"""


@pytest.fixture
def audio(station_dir: Path) -> Path:
    return make_tone(station_dir / "audio" / "e1.mp3", 4)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(station: Station) -> list[tuple[object, ...]]:
    with station.sessions() as s:
        slots = s.scalars(select(Slot).order_by(Slot.id))
        rows = [(x.id, x.start, x.end, x.status, x.episode_id) for x in slots]
        return rows + [(e.id, e.title, e.media_path) for e in s.scalars(select(Episode))]


def test_apply_then_reapply_changes_nothing(
    station: Station, station_dir: Path, audio: Path
) -> None:
    path = write(station_dir / "series.toml", SERIES)
    plan = apply_schedule(station, path)
    assert len(plan.episodes_added) == 2 and len(plan.added) == 4 and plan.applied
    before = snapshot(station)
    again = apply_schedule(station, path)
    assert again.is_empty and again.unchanged == 4
    assert snapshot(station) == before
    with station.sessions() as s:
        slots = book.list_slots(s)
        assert [x.start.astimezone(station.settings.zone).strftime("%d %H:%M") for x in slots] == [
            "05 19:00",
            "06 19:00",
            "12 19:00",
            "19 19:00",
        ]
        live = next(x for x in slots if x.episode.key == "live")
        assert live.provinces == ["PNH", "SRP"] and live.destinations == ["radio"]
        assert (live.end - live.start).total_seconds() == 1800
        e1 = next(x for x in slots if x.episode.key == "e1")
        assert 3.9 < (e1.end - e1.start).total_seconds() <= 5


def test_edits_move_add_and_cancel_only_the_files_slots(
    station: Station, station_dir: Path, audio: Path
) -> None:
    path = write(station_dir / "series.toml", SERIES)
    apply_schedule(station, path)
    other = add_episode_row(station, title="Other origin", seconds=60)
    with station.sessions.begin() as s:
        book.add_slots(
            s,
            book.SlotRequest(other, datetime(2027, 2, 1, 12, tzinfo=UTC)),
            station.settings.zone,
            station.clock(),
        )
    edited = SERIES.replace("COUNT=3", "COUNT=2").replace("2027-01-06 19:00", "2027-01-07 20:00")
    write(path, edited)
    dry = apply_schedule(station, path, dry_run=True)
    assert len(dry.changed) == 1 and len(dry.cancelled) == 1 and not dry.applied
    plan = apply_schedule(station, path)
    assert len(plan.changed) == 1 and len(plan.cancelled) == 1 and plan.unchanged == 2
    with station.sessions() as s:
        titles = sorted(x.episode.title for x in book.list_slots(s))
        assert titles == ["Call-in", "Other origin", "Progress", "Progress"]
        cancelled = [
            x for x in book.list_slots(s, include_cancelled=True) if x.status == "cancelled"
        ]
        assert len(cancelled) == 1 and cancelled[0].start.day == 19


def test_three_errors_are_all_reported_and_nothing_changes(
    station: Station, station_dir: Path, audio: Path
) -> None:
    blocker = add_episode_row(station, title="Existing show", seconds=3600)
    with station.sessions.begin() as s:
        [existing] = book.add_slots(
            s,
            book.SlotRequest(blocker, datetime(2027, 1, 12, 11, 30, tzinfo=UTC)),
            station.settings.zone,
            station.clock(),
        )
        existing_id = existing.id
    before = snapshot(station)
    bad = (
        SERIES
        + """
[[slot]]
episode = "nobody"
at = "2027-03-01 19:00"

[[slot]]
episode = "e1"
at = "2026-11-01 19:00"
"""
    )
    path = write(station_dir / "series.toml", bad)
    with pytest.raises(BadInput) as err:
        apply_schedule(station, path)
    problems = err.value.problems
    assert len(problems) == 3, problems
    joined = "\n".join(problems)
    assert "unknown episode 'nobody'" in joined
    assert "2026-11-01 19:00 is in the past" in joined
    assert f"overlaps slot {existing_id} 'Existing show'" in joined
    assert "nothing was changed" in str(err.value)
    assert snapshot(station) == before
    assert list((station_dir / "var" / "media").glob("*")) == []


def test_missing_audio_and_bad_audio_are_problems_too(station: Station, station_dir: Path) -> None:
    (station_dir / "audio").mkdir()
    (station_dir / "audio" / "e1.mp3").write_bytes(b"ID3 not really an mp3" * 10)
    text = (
        SERIES.replace('duration = "30m"', 'duration = "30m"\n')
        + """
[[episode]]
key = "gone"
title = "Gone"
file = "audio/gone.mp3"
"""
    )
    path = write(station_dir / "series.toml", text)
    with pytest.raises(BadInput) as err:
        apply_schedule(station, path)
    joined = "\n".join(err.value.problems)
    assert "audio/gone.mp3 not found" in joined
    assert "e1.mp3" in joined and "audio" in joined
    with station.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Episode)) == 0


def test_a_missing_schedule_file(station: Station, station_dir: Path) -> None:
    with pytest.raises(BadInput, match="schedule file not found"):
        apply_schedule(station, station_dir / "nope.toml")


STARTED = """
[[episode]]
key = "live"
title = "Call-in"
live = "http://127.0.0.1:8010/studio.mp3"
duration = "30m"

[[slot]]
episode = "live"
at = "2026-11-11 19:00"
repeat = "FREQ=WEEKLY;COUNT=4"

[[slot]]
episode = "live"
at = "2026-11-20 09:00"
to = ["radio"]
"""  # the clock is 2026-11-25 17:00 station time: 11, 18 and 20 Nov are past


def starts(station: Station) -> list[str]:
    with station.sessions() as s:
        zone = station.settings.zone
        return [x.start.astimezone(zone).strftime("%m-%d %H:%M") for x in book.list_slots(s)]


def test_a_past_slot_is_refused_unless_skip_past_leaves_it_out(
    station: Station, station_dir: Path
) -> None:
    path = write(station_dir / "series.toml", STARTED)
    with pytest.raises(BadInput) as err:
        apply_schedule(station, path)
    assert err.value.problems == [
        f"{path}: slot #1 (2026-11-11 19:00): 2026-11-11 19:00 is in the past",
        f"{path}: slot #1 (2026-11-11 19:00): 2026-11-18 19:00 is in the past",
        f"{path}: slot #2 (2026-11-20 09:00): 2026-11-20 09:00 is in the past",
    ]
    dry = apply_schedule(station, path, dry_run=True, skip_past=True)
    assert len(dry.skipped) == 3 and len(dry.added) == 2 and not dry.applied
    assert starts(station) == []
    plan = apply_schedule(station, path, skip_past=True)
    assert plan.skipped == [
        "live at 2026-11-11 19:00",
        "live at 2026-11-18 19:00",
        "live at 2026-11-20 09:00",
    ]
    assert plan.added == ["live at 2026-11-25 19:00", "live at 2026-12-02 19:00"]
    assert starts(station) == ["11-25 19:00", "12-02 19:00"]  # the repeat keeps its future
    again = apply_schedule(station, path, skip_past=True)
    assert again.is_empty and again.unchanged == 2 and len(again.skipped) == 3
    clock = station.clock
    assert isinstance(clock, FakeClock)
    clock.now += timedelta(days=1)  # 25 Nov 19:00 has started: it stays, as a slot of the past
    later = apply_schedule(station, path, skip_past=True)
    assert later.is_empty and later.unchanged == 1 and len(later.skipped) == 3
    assert later.kept == ["live at 2026-11-25 19:00 (scheduled)"]
    with pytest.raises(BadInput) as strict:  # only what was never booked is a problem
        apply_schedule(station, path)
    assert len(strict.value.problems) == 3


def test_skip_past_cancels_a_future_slot_the_file_moved_into_the_past(
    station: Station, station_dir: Path
) -> None:
    path = write(station_dir / "series.toml", STARTED.replace("2026-11-20", "2026-11-28"))
    plan = apply_schedule(station, path, skip_past=True)
    assert len(plan.added) == 3 and starts(station)[1] == "11-28 09:00"
    write(path, STARTED)
    with pytest.raises(BadInput, match="2026-11-20 09:00 is in the past"):
        apply_schedule(station, path)
    moved = apply_schedule(station, path, skip_past=True)
    assert moved.skipped[-1] == "live at 2026-11-20 09:00"
    assert len(moved.cancelled) == 1 and "2026-11-28 09:00" in moved.cancelled[0]
    assert starts(station) == ["11-25 19:00", "12-02 19:00"]


def test_a_slot_refused_by_the_file_still_has_its_names_checked(
    station: Station, station_dir: Path
) -> None:
    text = STARTED.replace("2026-11-20 09:00", "2026-12-20 09:00") + (
        '\n[[slot]]\nepisode = "nobody"\nat = "2026-12-24 19:00"\n'
        'to = ["tv"]\nprovinces = ["PNH", "ZZZ"]\nrepeat = "FREQ=DAILY"\n'
    )
    path = write(station_dir / "series.toml", text)
    with pytest.raises(BadInput) as err:
        apply_schedule(station, path, skip_past=True)
    assert err.value.problems == [
        f"{path}: slot #3: to: unknown destination tv",
        f"{path}: slot #3: repeat: 'FREQ=DAILY' never ends; add COUNT=N or UNTIL=YYYYMMDD",
        f"{path}: slot #3: unknown episode 'nobody'",
        f"{path}: slot #3: unknown province ZZZ",
    ]
