from datetime import UTC, datetime, timedelta

import pytest

from broadcaster.errors import BadInput, Conflict, NotFound
from broadcaster.schedule import book
from broadcaster.station import Station
from tests.conftest import add_episode_row

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 19:00 station time; the clock is 2026-11-25


def add(
    station: Station,
    episode: int,
    start: datetime,
    dests: tuple[str, ...] = ("radio",),
    repeat: str | None = None,
) -> list[int]:
    with station.sessions.begin() as s:
        req = book.SlotRequest(episode, start, dests, (), repeat)
        return [x.id for x in book.add_slots(s, req, station.settings.zone, station.clock())]


def test_a_slot_lasts_its_episode_and_covers_all_provinces(station: Station) -> None:
    ep = add_episode_row(station, seconds=1500.2)
    [slot_id] = add(station, ep, AT)
    with station.sessions() as s:
        data = book.slot_json(book.get_slot(s, slot_id), station.settings.zone)
    assert data["start"] == "2026-12-01T19:00:00+07:00"
    assert data["end"] == "2026-12-01T19:25:01+07:00"
    assert len(data["provinces"]) == 15 and data["status"] == "scheduled"


def test_an_overlap_names_the_existing_slot_and_stores_nothing(station: Station) -> None:
    ep = add_episode_row(station, title="Progress on A2I")
    [first] = add(station, ep, AT, ("radio", "facebook"))
    with pytest.raises(Conflict) as err:
        add(station, ep, AT + timedelta(minutes=10), ("facebook",))
    assert f"slot {first} 'Progress on A2I'" in str(err.value)
    assert "on facebook" in str(err.value)
    with station.sessions() as s:
        assert len(book.list_slots(s)) == 1
    # back to back is fine
    add(station, ep, AT + timedelta(minutes=30), ("radio", "facebook"))


def test_repeats_are_checked_each_and_all_refused_together(station: Station) -> None:
    ep = add_episode_row(station, seconds=600)
    [blocker] = add(station, ep, AT + timedelta(days=14))
    with pytest.raises(Conflict, match=f"slot {blocker}"):
        add(station, ep, AT, repeat="FREQ=WEEKLY;COUNT=4")
    with station.sessions() as s:
        assert [x.id for x in book.list_slots(s)] == [blocker]
    ids = add(station, ep, AT + timedelta(hours=1), repeat="FREQ=WEEKLY;COUNT=4")
    assert len(ids) == 4


def test_the_past_and_unknown_things_are_refused(station: Station) -> None:
    ep = add_episode_row(station)
    with pytest.raises(BadInput, match="in the past"):
        add(station, ep, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with pytest.raises(NotFound, match="episode 999"):
        add(station, 999, AT)
    with pytest.raises(BadInput, match="unknown destination tv"):
        book.parse_destinations("radio,tv")
    with pytest.raises(BadInput, match="unknown province XYZ"):
        book.parse_provinces("PNH,XYZ", ["PNH", "SRP"])
    assert book.parse_provinces("srp, pnh", ["PNH", "SRP"]) == ("PNH", "SRP")


def test_cancel(station: Station) -> None:
    ep = add_episode_row(station)
    [slot_id] = add(station, ep, AT)
    zone, now = station.settings.zone, station.clock()
    with station.sessions.begin() as s:
        assert book.cancel_slot(s, slot_id, zone, now)[1] is True
    with station.sessions.begin() as s:
        assert book.cancel_slot(s, slot_id, zone, now)[1] is False
        assert book.list_slots(s) == []
        assert len(book.list_slots(s, include_cancelled=True)) == 1
    add(station, ep, AT)  # the cancelled slot no longer holds the time
    with station.sessions.begin() as s, pytest.raises(NotFound):
        book.cancel_slot(s, 12345, zone, now)
