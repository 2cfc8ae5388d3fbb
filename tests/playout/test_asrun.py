from datetime import timedelta

from sqlalchemy import select

from broadcaster import asrun
from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.playout.asrun import record_legs
from broadcaster.playout.supervise import LegRecord
from broadcaster.playout.timing import Gap
from broadcaster.station import Station
from tests.test_asrun import slot_at


def test_records_become_asrun_rows_and_set_the_slot_status(station: Station) -> None:
    start = station.clock()
    slot_id = slot_at(station, start, minutes=30)
    on_air = [
        LegRecord("radio", "icecast", start, actual_start=start),
        LegRecord("facebook", "rtmp", start, actual_start=start),
    ]
    with station.sessions.begin() as s:
        assert record_legs(s, slot_id, on_air, start) == "on_air"
    end = start + timedelta(minutes=30)
    gap = Gap(start + timedelta(minutes=3), start + timedelta(minutes=3, seconds=4), "broken pipe")
    done = [
        LegRecord("radio", "icecast", start, start, end, [gap], 1, "partial", "broken pipe"),
        LegRecord("facebook", "rtmp", start, start, end, [], 0, "aired"),
    ]
    with station.sessions.begin() as s:
        assert record_legs(s, slot_id, done, end) == "partial"
    with station.sessions.begin() as s:
        rows = s.scalars(select(AsRunLeg).order_by(AsRunLeg.leg)).all()
        assert [(r.leg, r.status, r.reconnects) for r in rows] == [
            ("facebook", "aired", 0),
            ("radio", "partial", 1),
        ]
        assert s.get(Slot, slot_id).status == "partial"  # type: ignore[union-attr]
        shown = asrun.leg_json(rows[1], station.settings.zone)
        assert shown["gaps"] == [
            {
                "start": "2026-11-25T17:03:00+07:00",
                "end": "2026-11-25T17:03:04+07:00",
                "cause": "broken pipe",
            }
        ]
        assert shown["actual_end"] == "2026-11-25T17:30:00+07:00"
