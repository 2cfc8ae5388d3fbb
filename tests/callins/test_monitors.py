"""The daemon's call-in monitors: Facebook comments counted while a slot's Facebook leg is
on air (against the fake Graph API), caller hashes erased past retention, one warning
when there is no key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.callins.intake import CallRequest, record
from broadcaster.callins.monitors import CommentCounter, HashEraser, comment_counter
from broadcaster.config import load_settings
from broadcaster.daemon.monitors import Monitors, OnAirSlot
from broadcaster.db.models import CallIn, Slot, SlotComments
from broadcaster.db.reference import initialise
from broadcaster.facebook import GraphClient
from broadcaster.station import Station
from tests.conftest import add_episode_row
from tests.fakes.graph_api import FakeGraphApi, running

TOKEN = "EAAB-comments-token"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGraphApi]:
    with running(TOKEN) as server:
        yield server


def live_slot(station: Station, fake: FakeGraphApi) -> tuple[int, str]:
    graph = GraphClient(fake.base_url, TOKEN)
    video = graph.create_live_video(fake.page_id, "Dialogue", "", NOW)
    episode = add_episode_row(station)
    with station.sessions.begin() as s:
        slot = Slot(
            episode_id=episode, start=NOW, end=NOW + timedelta(minutes=30),
            destinations=["radio", "facebook"], provinces=["PNH"], status="on_air",
            facebook_live_id=video.id, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        s.add(slot)
        s.flush()
        return slot.id, video.id


def stored(station: Station, slot_id: int) -> int | None:
    with station.sessions() as s:
        row = s.get(SlotComments, slot_id)
        return None if row is None else row.comments


def test_comments_are_counted_while_on_air_and_once_more_at_the_end(
    station: Station, fake: FakeGraphApi
) -> None:
    slot_id, video = live_slot(station, fake)
    counter = CommentCounter(
        station, lambda: GraphClient(fake.base_url, TOKEN, attempts=1), interval_s=30
    )
    airing = [OnAirSlot(slot_id, NOW, NOW + timedelta(minutes=30), {"facebook": "on_air"})]
    radio_only = [OnAirSlot(slot_id, NOW, NOW + timedelta(minutes=30), {"radio": "on_air"})]
    counter.step(radio_only, NOW)
    assert stored(station, slot_id) is None  # no Facebook leg on air: nothing asked
    fake.add_comments(video, 130)  # two pages of 100
    counter.step(airing, NOW)
    assert stored(station, slot_id) == 130

    fake.fail(2, http=500, times=1)  # a Graph API hiccup: logged, the next period retries
    fake.add_comments(video, 20)
    counter.step(airing, NOW + timedelta(seconds=30))
    assert stored(station, slot_id) == 130
    fake.add_comments(video, 5)
    counter.step([], NOW + timedelta(minutes=31))  # the slot left the air: a last count
    assert stored(station, slot_id) == 155
    asked = len(fake.requests)
    counter.step([], NOW + timedelta(minutes=32))
    assert len(fake.requests) == asked  # not asked again once it is over


def test_the_counter_runs_only_with_facebook_configured(station: Station) -> None:
    assert comment_counter(station) is None


def test_hashes_past_retention_are_erased_hourly(station: Station) -> None:
    with station.sessions.begin() as s:
        record(
            s,
            [
                CallRequest(received_at=NOW - timedelta(days=91), caller_hash="a" * 64),
                CallRequest(received_at=NOW - timedelta(days=1), caller_hash="a" * 64),
            ],
        )
    eraser = HashEraser(station)
    assert eraser.interval_s == 3600
    eraser.step([], NOW)
    with station.sessions() as s:
        assert list(s.scalars(select(CallIn.caller_hash).order_by(CallIn.id))) == [None, "a" * 64]
        assert list(s.scalars(select(CallIn.caller_call).order_by(CallIn.id))) == [1, 2]


def test_without_a_key_the_daemon_warns_once(
    station_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (station_dir / "broadcaster.toml").write_text(
        '[callins]\ncaller_key_env = "CALLER_KEY_FOR_THE_WARNING_TEST"\n', encoding="utf-8"
    )
    settings = load_settings(env={})
    initialise(settings)
    station = Station.open(settings)
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        names = [m.name for m in Monitors(station).monitors]
        assert "caller-hashes" in names and "comments" not in names
    warnings = [r for r in caplog.records if "CALLER_KEY_FOR_THE_WARNING_TEST" in r.getMessage()]
    assert len(warnings) == 1 and "repeat callers are not counted" in warnings[0].getMessage()
    station.close()
