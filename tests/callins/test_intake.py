"""Recording calls, screening them and counting them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from broadcaster.callins import intake, retention, screening
from broadcaster.callins.intake import CallRequest, Recorded
from broadcaster.db.models import CallIn, Slot, SlotComments
from broadcaster.errors import BadInput
from broadcaster.reports.callins import By, callins_report, totals
from broadcaster.station import Station
from tests.conftest import add_episode_row

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def slot(station: Station, episode: int, start: datetime, minutes: int, to: list[str]) -> int:
    with station.sessions.begin() as s:
        row = Slot(
            episode_id=episode, start=start, end=start + timedelta(minutes=minutes),
            destinations=to, provinces=["PNH"], status="aired",
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def record(station: Station, *wanted: CallRequest) -> list[Recorded | BadInput]:
    with station.sessions.begin() as s:
        return intake.record(s, list(wanted))


def calls(station: Station) -> int:
    with station.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(CallIn)) or 0)


def test_a_call_is_linked_to_the_slot_on_air_when_it_arrived(station: Station) -> None:
    ep = add_episode_row(station, "Dialogue", 1800)
    radio = slot(station, ep, NOW - timedelta(hours=1), 30, ["radio"])
    fb_only = slot(station, ep, NOW - timedelta(minutes=50), 30, ["facebook"])
    later = slot(station, ep, NOW, 30, ["radio", "facebook"])
    got = record(
        station,
        CallRequest(received_at=NOW - timedelta(minutes=45)),  # both on air: the radio's
        CallRequest(received_at=NOW - timedelta(minutes=25)),  # only the Facebook slot
        CallRequest(received_at=NOW - timedelta(minutes=5)),  # between slots
        CallRequest(received_at=NOW + timedelta(minutes=1), slot_id=radio),  # named
    )
    assert [r.call.slot_id for r in got if isinstance(r, Recorded)] == [radio, fb_only, None, radio]
    assert (
        record(station, CallRequest(received_at=NOW + timedelta(minutes=29)))[0].call.slot_id
        == later
    )  # type: ignore[union-attr]


def test_a_delivery_is_counted_once_however_often_it_comes(station: Station) -> None:
    first = CallRequest(received_at=NOW, province="PNH", delivery_id="gw-1", caller_hash="a" * 64)
    got = record(station, first, first, CallRequest(received_at=NOW, delivery_id="gw-2"))
    assert [(r.call.id, r.created) for r in got if isinstance(r, Recorded)] == [
        (got[0].call.id, True),  # type: ignore[union-attr]
        (got[0].call.id, False),  # type: ignore[union-attr]
        (got[2].call.id, True),  # type: ignore[union-attr]
    ]
    again = record(station, first)[0]
    assert isinstance(again, Recorded) and not again.created
    assert again.call.id == got[0].call.id  # type: ignore[union-attr]
    assert calls(station) == 2


def test_a_refused_call_stores_nothing_and_spares_the_others(station: Station) -> None:
    got = record(
        station,
        CallRequest(received_at=NOW, province="XXX"),
        CallRequest(received_at=NOW, province="SRP"),
        CallRequest(received_at=NOW, slot_id=999),
    )
    assert isinstance(got[0], BadInput) and str(got[0]).startswith("province:")
    assert isinstance(got[1], Recorded)
    assert isinstance(got[2], BadInput) and str(got[2]).startswith("slot:")
    assert calls(station) == 1


def test_callers_and_repeat_callers_stay_counted_once_the_hashes_are_erased(
    station: Station,
) -> None:
    a, b = "a" * 64, "b" * 64
    old = NOW - timedelta(days=100)
    record(
        station,
        CallRequest(received_at=old, province="PNH", caller_hash=a),
        CallRequest(received_at=NOW, province="PNH", caller_hash=a),
        CallRequest(received_at=NOW, province="SRP", caller_hash=a),
        CallRequest(received_at=NOW, province="SRP", caller_hash=b),
        CallRequest(received_at=NOW, province=None),  # no number, no province
    )
    with station.sessions() as s:
        before = callins_report(s, By.province)
    figures = {r["key"]: (r["calls"], r["callers"], r["repeat_callers"]) for r in before}
    assert figures["PNH"] == (2, 1, 1) and figures["SRP"] == (2, 1, 0)
    assert figures["unknown"] == (1, 1, 0) and before[-1]["key"] == "unknown"
    assert len(before) == 16  # every province, and unknown
    total = totals(before)
    assert (total["calls"], total["callers"], total["repeat_callers"]) == (5, 3, 1)

    with station.sessions.begin() as s:
        assert retention.purge(s, NOW, 90) == 1  # only the 100-day-old call's
    with station.sessions.begin() as s:
        assert retention.purge(s, NOW, 0) == 3
    with station.sessions() as s:
        assert s.scalar(select(func.count()).where(CallIn.caller_hash.is_not(None))) == 0
        assert callins_report(s, By.province) == before


def test_the_queue_puts_the_oldest_waiting_call_first(station: Station) -> None:
    got = record(
        station,
        CallRequest(received_at=NOW - timedelta(minutes=3), topic="land"),
        CallRequest(received_at=NOW - timedelta(minutes=9), topic="water"),
        CallRequest(received_at=NOW - timedelta(minutes=6), topic="schools"),
    )
    ids = [r.call.id for r in got if isinstance(r, Recorded)]
    with station.sessions.begin() as s:
        screening.screen(s, ids[2], screening.CallState.ON_AIR, NOW - timedelta(minutes=1))
    with station.sessions() as s:
        queue = [screening.queue_json(c, station.settings.zone, NOW) for c in screening.queue(s)]
    assert [(c["topic"], c["state"], c["waited_s"]) for c in queue] == [
        ("water", "waiting", 540.0),
        ("land", "waiting", 180.0),
        ("schools", "on_air", 300.0),  # waited until it was put on air
    ]
    with station.sessions.begin() as s:
        screening.screen(s, ids[1], screening.CallState.DROPPED, NOW)
        done = screening.queue(s, states=[screening.CallState.DROPPED])
        assert [c.id for c in done] == [ids[1]]


def test_report_by_episode_and_slot_with_facebook_comments(station: Station) -> None:
    ep1 = add_episode_row(station, "ការសន្ទនា ១", 1800)
    ep2 = add_episode_row(station, "Dialogue 2", 1800)
    s1 = slot(station, ep1, NOW - timedelta(hours=2), 30, ["radio", "facebook"])
    s2 = slot(station, ep2, NOW - timedelta(hours=1), 30, ["radio", "facebook"])
    with station.sessions.begin() as s:
        s.add(SlotComments(slot_id=s2, live_video_id="v2", comments=42, counted_at=NOW))
    got = record(
        station,
        CallRequest(received_at=NOW - timedelta(hours=2) + timedelta(minutes=5)),
        CallRequest(received_at=NOW - timedelta(hours=2) + timedelta(minutes=6)),
        CallRequest(received_at=NOW - timedelta(minutes=10)),  # no slot on air
    )
    with station.sessions.begin() as s:
        screening.screen(s, got[0].call.id, screening.CallState.DONE, NOW)  # type: ignore[union-attr]
        screening.screen(s, got[1].call.id, screening.CallState.DROPPED, NOW)  # type: ignore[union-attr]
    with station.sessions() as s:
        episodes = callins_report(s, By.episode)
        slots = callins_report(s, By.slot, zone=station.settings.zone)
    assert [(r["key"], r["calls"], r["on_air"], r["dropped"], r["comments"]) for r in episodes] == [
        (ep2, 0, 0, 0, 42),
        (ep1, 2, 1, 1, 0),
        (None, 1, 0, 0, None),
    ]
    assert [r["key"] for r in slots] == [s1, s2, None]
    assert slots[0]["name"].endswith("ការសន្ទនា ១") and slots[0]["name"].startswith(
        "2026-11-25 15:00"
    )
