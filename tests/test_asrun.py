import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster import asrun
from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.station import Station
from tests.conftest import add_episode_row, run_cli

ASRUN_KEYS = {
    "slot_id",
    "leg",
    "scheduled_start",
    "actual_start",
    "actual_end",
    "gaps",
    "reconnects",
    "status",
}


def slot_at(station: Station, start: datetime, minutes: int = 30) -> int:
    ep = add_episode_row(station, title="Progress", seconds=minutes * 60)
    with station.sessions.begin() as s:
        slot = Slot(
            episode_id=ep,
            start=start,
            end=start + timedelta(minutes=minutes),
            destinations=["radio", "facebook"],
            provinces=["PNH"],
            status="scheduled",
            created_at=start,
            updated_at=start,
        )
        s.add(slot)
        s.flush()
        return slot.id


def test_slots_nobody_aired_are_marked_missed_per_leg(station: Station) -> None:
    now = station.clock()
    past = slot_at(station, now - timedelta(hours=2))
    future = slot_at(station, now + timedelta(hours=2))
    with station.sessions.begin() as s:
        assert [x.id for x in asrun.mark_missed(s, now)] == [past]
    with station.sessions.begin() as s:
        assert asrun.mark_missed(s, now) == []  # once only
        legs = asrun.legs_between(s)
        assert [(x.slot_id, x.leg, x.status) for x in legs] == [
            (past, "facebook", "missed"),
            (past, "radio", "missed"),
        ]
        assert s.get(Slot, past).status == "missed"  # type: ignore[union-attr]
        assert s.get(Slot, future).status == "scheduled"  # type: ignore[union-attr]


def test_asrun_json_shows_gaps_in_station_time(
    station: Station, station_dir: Path, db_url: str
) -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    slot_id = slot_at(station, start)
    gap = {
        "start": "2026-11-25T12:10:00.250000+00:00",
        "end": "2026-11-25T12:10:04.031000+00:00",
        "cause": "connection refused",
    }
    with station.sessions.begin() as s:
        s.add(
            AsRunLeg(
                slot_id=slot_id,
                leg="radio",
                target="icecast",
                scheduled_start=start,
                actual_start=start + timedelta(milliseconds=20),
                actual_end=start + timedelta(minutes=30),
                gaps=[gap],
                reconnects=1,
                status="partial",
            )
        )
    result = run_cli("asrun", "--json", cwd=station_dir, env={"BROADCASTER_DB": db_url})
    assert result.returncode == 0, result.stderr
    [leg] = json.loads(result.stdout)
    assert set(leg) >= ASRUN_KEYS
    # SPEC 3.2: as-run times to the millisecond, in the station's offset.
    assert leg["scheduled_start"] == "2026-11-25T19:00:00.000+07:00"
    assert leg["actual_start"] == "2026-11-25T19:00:00.020+07:00"
    assert leg["gaps"] == [
        {
            "start": "2026-11-25T19:10:00.250+07:00",
            "end": "2026-11-25T19:10:04.031+07:00",
            "cause": "connection refused",
        }
    ]
    assert (leg["reconnects"], leg["status"]) == (1, "partial")
    text = run_cli("asrun", cwd=station_dir, env={"BROADCASTER_DB": db_url})
    assert "partial" in text.stdout and "reconnects 1" in text.stdout
