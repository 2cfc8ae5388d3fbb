"""Faults mid-show against the real servers: each leg recovers alone, or fails clearly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.facebook import GraphClient
from broadcaster.outputs.late import WAITING
from broadcaster.playout import ARM_LEAD_S, LegRecord, SlotAiring, air_slot
from broadcaster.station import Station
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import (
    FB_TOKEN,
    Media,
    add_slot,
    ffprobe_duration,
    open_station,
)
from tests.integration.servers import Icecast, NginxRtmp, on_air_at_server
from tests.integration.tap import Tap

SLOT_S = 18
DOWN_AT, UP_AT = 5.0, 8.0


def outage(server: Icecast | NginxRtmp, station: Station) -> Callable[[SlotAiring], None]:
    """Stop `server` DOWN_AT seconds into the slot and start it again at UP_AT."""

    def schedule(airing: SlotAiring) -> None:
        lead = (airing.plan.start - station.clock()).total_seconds()
        threading.Timer(lead + DOWN_AT, server.stop).start()
        threading.Timer(lead + UP_AT, server.start).start()

    return schedule


def check_recovered(rec: LegRecord) -> None:
    assert rec.status == "partial" and rec.reconnects == 1
    (gap,) = rec.gaps
    assert gap.end is not None and rec.actual_start is not None
    assert DOWN_AT - 0.5 < (gap.start - rec.actual_start).total_seconds() < DOWN_AT + 2.5
    assert UP_AT - DOWN_AT - 1.0 < (gap.end - gap.start).total_seconds() < 8.0
    assert gap.cause in ("broken pipe", "refused", "timeout", "other")


def check_untouched(rec: LegRecord) -> None:
    assert rec.status == "aired" and rec.gaps == [] and rec.reconnects == 0 and rec.attempts == 1


def test_icecast_restarted_mid_slot(
    on_air_station: Station, media: Media, icecast: Icecast, nginx: NginxRtmp, graph: FakeGraphApi
) -> None:
    slot_id = add_slot(on_air_station, media, seconds=SLOT_S)
    radio, facebook = air_slot(
        on_air_station, slot_id, card_loop=media.card_loop, on_air=outage(icecast, on_air_station)
    )
    check_recovered(radio)
    check_untouched(facebook)
    (video_id,) = graph.videos
    (recording,) = nginx.recordings(f"FB-{video_id}")  # one unbroken stream
    assert abs(ffprobe_duration(recording) - SLOT_S) < 1.5
    with on_air_station.sessions.begin() as s:
        slot = s.get(Slot, slot_id)
        assert slot is not None and slot.status == "partial"
        row = s.scalars(select(AsRunLeg).where(AsRunLeg.leg == "radio")).one()
        assert row.reconnects == 1 and row.gaps[0]["cause"] == radio.gaps[0].cause


def test_rtmp_ingest_restarted_mid_slot(
    on_air_station: Station, media: Media, icecast: Icecast, nginx: NginxRtmp, graph: FakeGraphApi
) -> None:
    slot_id = add_slot(on_air_station, media, seconds=SLOT_S)
    radio, facebook = air_slot(
        on_air_station, slot_id, card_loop=media.card_loop, on_air=outage(nginx, on_air_station)
    )
    check_recovered(facebook)
    check_untouched(radio)
    (video_id,) = graph.videos
    before, after = nginx.recordings(f"FB-{video_id}")
    assert ffprobe_duration(before) > DOWN_AT - 1.0
    assert ffprobe_duration(after) > SLOT_S - UP_AT - 4.0


def test_a_wrong_icecast_password_fails_the_radio_leg_once(
    tmp_path: Path,
    media: Media,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph, ICECAST_SOURCE_PASSWORD="not-the-password")
    try:
        slot_id = add_slot(station, media, seconds=5)
        radio, facebook = air_slot(station, slot_id, card_loop=media.card_loop)
    finally:
        station.close()
    assert radio.status == "failed" and radio.cause == "401 wrong password"
    assert radio.attempts == 1  # no retry storm
    assert "not-the-password" not in icecast.log()
    assert facebook.status == "aired"
    assert icecast.log().count("attempted to login with invalid or missing password") == 1
    (gap,) = radio.gaps
    assert gap.start == radio.scheduled_start  # off air for the whole slot
    assert gap.end == radio.scheduled_start + timedelta(seconds=5)


def test_an_expired_facebook_token_fails_only_the_facebook_leg(
    tmp_path: Path,
    media: Media,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph, FB_PAGE_ACCESS_TOKEN="EAAB-expired")
    try:
        slot_id = add_slot(station, media, seconds=5)
        radio, facebook = air_slot(station, slot_id, card_loop=media.card_loop)
        with station.sessions.begin() as s:
            row = s.scalars(select(AsRunLeg).where(AsRunLeg.leg == "facebook")).one()
            stored_cause = row.cause
            slot = s.get(Slot, slot_id)
            assert slot is not None and slot.status == "partial"
    finally:
        station.close()
    assert radio.status == "aired"
    assert facebook.status == "failed"
    assert facebook.cause is not None and "token is invalid or expired" in facebook.cause
    assert stored_cause == facebook.cause and "EAAB-expired" not in stored_cause
    assert len(graph.requests) == 1 and graph.videos == {}
    assert nginx.recordings("FB-") == []


def test_a_graph_api_that_never_answers_does_not_delay_the_radio(
    tmp_path: Path,
    media: Media,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Accepts connections, never answers: the radio's first audio reaches Icecast on the
    start; the Facebook leg's as-run row says why it never came."""
    monkeypatch.chdir(tmp_path)
    tap = Tap(icecast.port, rtmp=False)
    through_tap = SimpleNamespace(url=lambda: f"http://127.0.0.1:{tap.port}/sarika.mp3")
    station = open_station(tmp_path, through_tap, graph)  # type: ignore[arg-type]
    graph.hang()
    client = GraphClient(graph.base_url, FB_TOKEN, timeout=2.0, attempts=2, wait_first_s=0.5)
    try:
        slot_id = add_slot(station, media, seconds=8, episode_s=8)
        radio, facebook = air_slot(station, slot_id, card_loop=media.card_loop, graph=client)
    finally:
        station.close()
        tap.close()
    assert radio.status == "aired" and radio.gaps == []
    (session,) = tap.media_sessions()
    first, _ = on_air_at_server(session, tmp_path, 64)
    assert abs(first - radio.scheduled_start.timestamp()) < 0.05
    assert facebook.status == "failed" and facebook.actual_start is None
    (gap,) = facebook.gaps
    assert gap.cause == WAITING and gap.start == facebook.scheduled_start
    assert facebook.cause is not None and "timed out" in facebook.cause.lower()
    assert nginx.recordings("FB-") == []


def test_a_slow_graph_api_lets_facebook_join_late(
    on_air_station: Station, media: Media, icecast: Icecast, nginx: NginxRtmp, graph: FakeGraphApi
) -> None:
    """The live video's URL comes 3 s after the start: the radio is on air on time, the
    Facebook leg joins when it comes, the gap before logged with its cause."""
    slot_id = add_slot(on_air_station, media, seconds=12, lead_s=1.5)
    graph.delay_s = 3.0 + ARM_LEAD_S  # asked about ARM_LEAD_S before the start
    radio, facebook = air_slot(on_air_station, slot_id, card_loop=media.card_loop)
    assert radio.status == "aired" and radio.gaps == []
    assert radio.actual_start is not None
    assert abs((radio.actual_start - radio.scheduled_start).total_seconds()) < 0.1
    assert facebook.status == "partial" and facebook.actual_start is not None
    (gap,) = facebook.gaps
    assert gap.cause == WAITING and gap.start == facebook.scheduled_start
    late = (facebook.actual_start - facebook.scheduled_start).total_seconds()
    # the URL a little after 3 s, then at most one back-off (4 s) and the priming (0.5 s)
    assert 2.5 < late < 3.5 + 4.0 + 0.5 + 2.0, late
    (video_id,) = graph.videos
    (recording,) = nginx.recordings(f"FB-{video_id}")
    assert abs(ffprobe_duration(recording) - (12 - late)) < 1.5
