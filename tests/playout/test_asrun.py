from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from broadcaster import asrun
from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.playout.asrun import (
    HANDOVER_CAUSE,
    Earlier,
    close_abandoned,
    earlier_runs,
    joined,
    record_legs,
)
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
                "start": "2026-11-25T17:03:00.000+07:00",  # to the millisecond (SPEC 3.2)
                "end": "2026-11-25T17:03:04.000+07:00",
                "cause": "broken pipe",
            }
        ]
        assert shown["actual_end"] == "2026-11-25T17:30:00.000+07:00"


T0 = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_resumed_leg_keeps_its_first_start_and_shows_the_handover_gap() -> None:
    earlier = Earlier(actual_start=at(0), gaps=(), reconnects=0, confirmed_at=at(10))
    now = LegRecord("radio", "icecast", at(0), actual_start=at(12), status="on_air")
    rec = joined(earlier, now)
    assert rec.actual_start == at(0)
    assert [(g.start, g.end, g.cause) for g in rec.gaps] == [(at(10), at(12), HANDOVER_CAUSE)]
    assert rec.reconnects == 1 and rec.status == "on_air"
    done = LegRecord("radio", "icecast", at(0), at(12), at(60), [], 0, "aired")
    assert joined(earlier, done).status == "partial"


def test_while_the_new_run_connects_the_handover_gap_is_open() -> None:
    earlier = Earlier(at(0), (Gap(at(3), at(4), "broken pipe"),), 1, at(10))
    connecting = LegRecord("radio", "icecast", at(0), status="on_air")
    rec = joined(earlier, connecting)
    assert [(g.start, g.end) for g in rec.gaps] == [(at(3), at(4)), (at(10), None)]
    assert rec.reconnects == 1


def test_a_new_run_that_cannot_connect_is_one_gap_from_the_last_heartbeat() -> None:
    earlier = Earlier(at(0), (), 0, at(10))
    # The supervisor opens its gap at the slot's start when the leg never got on air.
    failed = LegRecord(
        "radio", "icecast", at(0), None, None, [Gap(at(0), at(60), "refused")], 0, "failed"
    )
    rec = joined(earlier, failed)
    assert [(g.start, g.end, g.cause) for g in rec.gaps] == [(at(10), at(60), "refused")]
    assert rec.status == "partial" and rec.actual_start == at(0)


def test_no_earlier_run_changes_nothing() -> None:
    rec = LegRecord("radio", "icecast", at(0), actual_start=at(0))
    assert joined(None, rec) is rec


def test_heartbeats_are_stored_and_read_back_as_the_earlier_run(station: Station) -> None:
    start = station.clock()
    slot_id = slot_at(station, start, minutes=30)
    on_air = [LegRecord("radio", "icecast", start, actual_start=start)]
    with station.sessions.begin() as s:
        record_legs(s, slot_id, on_air, start + timedelta(seconds=42))
    with station.sessions.begin() as s:
        earlier = earlier_runs(s, slot_id)
    assert earlier["radio"].confirmed_at == start + timedelta(seconds=42)
    assert earlier["radio"].actual_start == start


def test_a_slot_left_on_air_by_a_dead_daemon_is_closed_as_partial(station: Station) -> None:
    start = station.clock()
    slot_id = slot_at(station, start, minutes=30)
    with station.sessions.begin() as s:
        record_legs(
            s, slot_id, [LegRecord("radio", "icecast", start, actual_start=start)],
            start + timedelta(minutes=5),
        )  # fmt: skip
    with station.sessions.begin() as s:
        slot = s.get(Slot, slot_id)
        assert slot is not None
        close_abandoned(s, slot, start + timedelta(hours=1))
    with station.sessions.begin() as s:
        row = s.scalars(select(AsRunLeg)).one()
        assert row.status == "partial" and row.actual_end == start + timedelta(minutes=5)
        assert row.gaps[0]["end"] == (start + timedelta(minutes=30)).isoformat()
        assert s.get(Slot, slot_id).status == "partial"  # type: ignore[union-attr]
