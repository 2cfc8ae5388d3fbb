"""Moving a slot: the same rules as booking it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from broadcaster.errors import BadInput, Conflict
from broadcaster.schedule.book import SlotRequest, add_slots, cancel_slot
from broadcaster.schedule.lock import lock_schedule
from broadcaster.schedule.move import move_slot
from broadcaster.station import Station
from tests.conftest import add_episode_row


def test_moving_keeps_the_length_and_refuses_what_booking_refuses(station: Station) -> None:
    zone, now = station.settings.zone, station.clock()
    long_ep = add_episode_row(station, "Long live show", seconds=3600)
    short_ep = add_episode_row(station, "Talk", seconds=600)
    with station.sessions.begin() as session:
        lock_schedule(session)
        [a] = add_slots(session, SlotRequest(long_ep, now + timedelta(days=1)), zone, now)
        [b] = add_slots(session, SlotRequest(short_ep, now + timedelta(days=2)), zone, now)
        a.preflight = {"checked_at": now.isoformat()}
        a_id, b_id = a.id, b.id
    with station.sessions.begin() as session:
        lock_schedule(session)
        moved, changed = move_slot(session, b_id, now + timedelta(days=3), zone, now)
        assert changed and moved.end - moved.start == timedelta(seconds=600)
        _, same = move_slot(session, b_id, now + timedelta(days=3), zone, now)
        assert not same
        moved_a, _ = move_slot(session, a_id, now + timedelta(days=1, hours=2), zone, now)
        assert moved_a.preflight is None  # checked again before its new time
    with station.sessions.begin() as session, pytest.raises(Conflict) as clash:
        move_slot(session, b_id, now + timedelta(days=1, hours=2, minutes=30), zone, now)
    assert f"slot {a_id} 'Long live show'" in str(clash.value)
    with station.sessions.begin() as session, pytest.raises(BadInput, match="in the past"):
        move_slot(session, b_id, now - timedelta(hours=1), zone, now)
    with station.sessions.begin() as session:
        cancel_slot(session, b_id, zone, now)
    with station.sessions.begin() as session, pytest.raises(BadInput, match="only scheduled"):
        move_slot(session, b_id, now + timedelta(days=5), zone, now)
    later = now + timedelta(days=1, hours=2, minutes=30)
    with station.sessions.begin() as session, pytest.raises(BadInput, match="already started"):
        move_slot(session, a_id, now + timedelta(days=9), zone, later)
