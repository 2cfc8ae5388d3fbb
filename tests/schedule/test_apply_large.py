from pathlib import Path

from sqlalchemy import func, select

from broadcaster.db.models import Slot
from broadcaster.schedule.apply import apply_schedule
from broadcaster.station import Station


def big_schedule(entries: int = 100, each: int = 100) -> str:
    """10,000 slots: 100 daily series of 100 half-hour shows, 30 minutes apart on the radio."""
    parts = [
        '[[episode]]\nkey = "live"\ntitle = "Call-in"\n'
        'live = "http://127.0.0.1:8010/studio.mp3"\nduration = "25m"\n'
    ]
    for i in range(entries):
        hour, half = divmod(i, 2)
        day = 1 + hour // 24
        parts.append(
            f'[[slot]]\nepisode = "live"\n'
            f'at = "2027-01-{day:02d} {hour % 24:02d}:{half * 30:02d}"\n'
            f'to = ["radio"]\nrepeat = "FREQ=DAILY;INTERVAL=3;COUNT={each}"\n'
        )
    return "\n".join(parts)


def test_ten_thousand_slots_apply_and_reapply_changes_nothing(
    station: Station, station_dir: Path
) -> None:
    path = station_dir / "big.toml"
    path.write_text(big_schedule(), encoding="utf-8")
    plan = apply_schedule(station, path)
    assert len(plan.added) == 10_000
    with station.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Slot)) == 10_000
    again = apply_schedule(station, path)
    assert again.is_empty and again.unchanged == 10_000
