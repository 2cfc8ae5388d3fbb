"""Slots belong to the schedule file that made them: its path and its series (issue 12)."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from broadcaster.config import load_settings
from broadcaster.db.models import Slot
from broadcaster.db.reference import initialise
from broadcaster.errors import BadInput
from broadcaster.schedule.apply import apply_schedule, origin_of
from broadcaster.station import Station
from tests.conftest import FakeClock

LIVE = """
series = "{series}"
[[episode]]
key = "{key}"
title = "{title}"
live = "http://127.0.0.1:8010/studio.mp3"
duration = "30m"

[[slot]]
episode = "{key}"
at = "{at}"
repeat = "FREQ=WEEKLY;COUNT=2"
"""


def series_file(path: Path, series: str, key: str, title: str, at: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LIVE.format(series=series, key=key, title=title, at=at), encoding="utf-8")
    return path


def slots(station: Station) -> list[tuple[str, str | None, str, str]]:
    with station.sessions() as s:
        rows = s.scalars(select(Slot).order_by(Slot.start))
        return [(x.origin, x.origin_series, x.episode.title, x.status) for x in rows]


def test_a_file_of_the_same_name_in_another_folder_leaves_the_first_files_slots_alone(
    station: Station, station_dir: Path
) -> None:
    first = series_file(
        station_dir / "a" / "series.toml",
        "Access to information",
        "a1",
        "First",
        "2027-01-05 19:00",
    )
    second = series_file(
        station_dir / "b" / "series.toml", "Land rights", "b1", "Second", "2027-01-06 19:00"
    )
    apply_schedule(station, first)
    plan = apply_schedule(station, second)
    assert plan.cancelled == [] and len(plan.added) == 2
    assert [(t, s) for _, _, t, s in slots(station)] == [
        ("First", "scheduled"),
        ("Second", "scheduled"),
        ("First", "scheduled"),
        ("Second", "scheduled"),
    ]
    owners = {(o, s) for o, s, _, _ in slots(station)}
    assert owners == {
        (f"file:{first.resolve()}", "Access to information"),
        (f"file:{second.resolve()}", "Land rights"),
    }
    # the first file, applied again after an edit, changes only its own slots
    series_file(first, "Access to information", "a1", "First", "2027-01-05 20:00")
    again = apply_schedule(station, first)
    assert len(again.changed) == 2 and again.cancelled == []
    assert sorted(t for _, _, t, s in slots(station) if s == "scheduled") == [
        "First",
        "First",
        "Second",
        "Second",
    ]


def test_files_in_the_schedules_folder_are_named_relative_to_it(
    station: Station, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = station_dir / "schedules" / "2027" / "a2i.toml"
    settings = station.settings
    assert origin_of(inside, settings) == "file:2027/a2i.toml"
    inside.parent.mkdir(parents=True)
    monkeypatch.chdir(inside.parent.parent)
    assert origin_of(Path("2027/a2i.toml"), settings) == "file:2027/a2i.toml"
    assert origin_of(Path("/srv/other.toml"), settings) == "file:/srv/other.toml"


def test_the_same_path_with_another_series_is_another_owner(
    station: Station, station_dir: Path
) -> None:
    path = station_dir / "schedules" / "series.toml"
    series_file(path, "Series one", "s1", "One", "2027-01-05 19:00")
    apply_schedule(station, path)
    series_file(path, "Series two", "s2", "Two", "2027-01-12 20:00")
    plan = apply_schedule(station, path)
    assert plan.cancelled == [] and len(plan.added) == 2
    assert {(o, s) for o, s, _, _ in slots(station)} == {
        ("file:series.toml", "Series one"),
        ("file:series.toml", "Series two"),
    }


def test_a_fifo_or_a_folder_is_refused_at_once(station: Station, station_dir: Path) -> None:
    fifo = station_dir / "series.toml"
    os.mkfifo(fifo)  # reading it would block forever: nobody ever writes to it
    with pytest.raises(BadInput, match="not a regular file"):
        apply_schedule(station, fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        apply_schedule(station, station_dir)
    assert slots(station) == []


def test_the_migration_carries_todays_file_slots_over(db_url: str, station_dir: Path) -> None:
    """A database at 0003 with slots owned by `file:NAME`: after `init` they belong to
    `schedules/NAME` and its series, so applying that file again changes nothing."""
    from alembic import command

    from broadcaster.db.migrate import alembic_config
    from broadcaster.db.session import make_engine

    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(
            text(
                "INSERT INTO episodes (id, key, title, series, partners, source_kind, source, "
                "duration_s, created_at) VALUES (1, 'a1', 'First', 'Access to information', "
                "'[]', 'live', 'http://127.0.0.1:8010/studio.mp3', 1800, '2026-11-20 00:00:00')"
            )
        )
        for n, day in enumerate((5, 12)):
            conn.execute(
                text(
                    'INSERT INTO slots (episode_id, start, "end", destinations, provinces, '
                    "status, origin, origin_key, created_at, updated_at) VALUES (1, :start, "
                    ":end, '[\"radio\", \"facebook\"]', :provinces, 'scheduled', "
                    "'file:series.toml', :key, '2026-11-20 00:00:00', '2026-11-20 00:00:00')"
                ),
                {
                    "start": datetime(2027, 1, day, 12, 0),
                    "end": datetime(2027, 1, day, 12, 30),
                    "provinces": '["PNH"]',
                    "key": f"a1#0#{n}",
                },
            )
        conn.execute(
            text(
                'INSERT INTO slots (episode_id, start, "end", destinations, provinces, '
                "status, origin, created_at, updated_at) VALUES (1, '2027-02-01 12:00:00', "
                "'2027-02-01 12:30:00', '[\"radio\"]', '[\"PNH\"]', 'scheduled', 'cli', "
                "'2026-11-20 00:00:00', '2026-11-20 00:00:00')"
            )
        )
    engine.dispose()
    settings = load_settings(env={"BROADCASTER_DB": db_url})
    initialise(settings)
    station = Station.open(settings, clock=FakeClock(datetime(2026, 11, 25, 10, tzinfo=UTC)))
    try:
        assert sorted(set(slots(station))) == [
            ("cli", None, "First", "scheduled"),
            ("file:series.toml", "Access to information", "First", "scheduled"),
        ]
        path = series_file(
            station_dir / "schedules" / "series.toml",
            "Access to information",
            "a1",
            "First",
            "2027-01-05 19:00",
        )
        with station.sessions.begin() as s:  # the file's slots as the old apply made them
            for slot in s.scalars(select(Slot).where(Slot.origin != "cli")):
                slot.provinces = [p.code for p in settings.province]
        plan = apply_schedule(station, path)
        assert plan.is_empty and plan.unchanged == 2, plan
    finally:
        station.close()
