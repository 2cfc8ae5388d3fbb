"""Acceptance (issue 4): one slot on air to a real icecast2 and nginx-rtmp at once."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import select

from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.playout import SlotAiring, air_slot
from broadcaster.station import Station
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import Media, add_slot, ffprobe_duration
from tests.integration.servers import (
    Icecast,
    Listener,
    NginxRtmp,
    band_volume,
    keyframe_times,
    loud_seconds,
    probe,
    sounding,
)

SLOT_S = 60
TITLE = "ការសន្ទនា: access to information"


def test_a_slot_airs_to_icecast_and_rtmp_at_once(
    on_air_station: Station,
    media: Media,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    tmp_path: Path,
) -> None:
    """The acceptance: 60 s to both servers; a listener hears it from first to last second."""
    slot_id = add_slot(
        on_air_station, media, seconds=SLOT_S, title=TITLE, lead_s=3, episode_s=SLOT_S
    )
    listener = Listener(icecast, tmp_path / "listener.mp3", give_up_s=SLOT_S + 30)
    listener.start()
    seen: dict[str, str] = {}

    def watch(airing: SlotAiring) -> None:
        def look() -> None:
            time.sleep(max(0.0, (airing.plan.start - on_air_station.clock()).total_seconds()))
            time.sleep(3.0)
            seen["stat"] = requests.get(f"http://127.0.0.1:{nginx.http_port}/stat", timeout=5).text

        threading.Thread(target=look, daemon=True).start()

    records = air_slot(on_air_station, slot_id, card_loop=media.card_loop, on_air=watch)

    assert [(r.leg, r.target, r.status) for r in records] == [
        ("radio", "icecast", "aired"),
        ("facebook", "rtmp", "aired"),
    ]
    for rec in records:
        assert rec.actual_start is not None and rec.actual_end is not None
        assert abs((rec.actual_start - rec.scheduled_start).total_seconds()) < 0.5
        assert rec.gaps == [] and rec.reconnects == 0

    listener.join(10)
    assert listener.closed  # the source left at the hard end, and the listener with it
    assert listener.connected_at is not None
    assert listener.connected_at < records[0].scheduled_start.timestamp()  # tuned in before
    heard = listener.out
    # The slot's own transmitter is on the mount from just before the start (silent until
    # then) to the hard end: the slot's sound is SLOT_S long, the recording hardly more.
    begins, ends = sounding(heard)
    assert abs((ends - begins) - SLOT_S) < 1.0 and begins < 3.0
    assert ffprobe_duration(heard) - ends < 1.0
    seconds = loud_seconds(heard, SLOT_S, start=begins)  # the tone in every second
    assert min(seconds) > -30, seconds
    assert listener.longest_wait() < 0.6  # and it kept coming
    assert [t for t in listener.titles if t] == [TITLE]  # set once on air
    assert "FB-" in seen["stat"] and "H264" in seen["stat"]
    assert icecast.mount() is None

    (video_id,) = graph.videos
    assert graph.videos[video_id].status == "VOD"  # ended after the slot
    (recording,) = nginx.recordings(f"FB-{video_id}")
    info = probe(recording)
    kinds = {s["codec_type"]: s for s in info["streams"]}
    assert kinds["video"]["codec_name"] == "h264" and kinds["video"]["r_frame_rate"] == "30/1"
    assert kinds["audio"]["codec_name"] == "aac" and kinds["audio"]["sample_rate"] == "48000"
    assert abs(float(info["format"]["duration"]) - SLOT_S) < 1.5
    keys = keyframe_times(recording)
    steps = {round(b - a, 2) for a, b in itertools.pairwise(keys)}
    assert steps == {2.0} and len(keys) >= SLOT_S // 2 - 1

    with on_air_station.sessions.begin() as s:
        rows = s.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
        assert sorted((r.leg, r.status) for r in rows) == [
            ("facebook", "aired"),
            ("radio", "aired"),
        ]
        slot = s.get(Slot, slot_id)
        assert slot is not None and slot.status == "aired"
        assert slot.facebook_live_id == video_id


def test_an_overrunning_episode_fades_out_at_the_hard_end(
    on_air_station: Station, media: Media, nginx: NginxRtmp, graph: FakeGraphApi
) -> None:
    slot_id = add_slot(on_air_station, media, seconds=8, episode_s=90)
    records = air_slot(on_air_station, slot_id, card_loop=media.card_loop)
    assert [r.status for r in records] == ["aired", "aired"]
    for rec in records:
        assert rec.actual_end is not None and rec.actual_start is not None
        assert 7.5 < (rec.actual_end - rec.actual_start).total_seconds() <= 8.1
    (video_id,) = graph.videos
    (recording,) = nginx.recordings(f"FB-{video_id}")
    assert abs(ffprobe_duration(recording) - 8) < 1.0
    # a 3-s fade into the hard end: the last half second is far quieter than the middle
    assert band_volume(recording, 7.3, 0.6) < band_volume(recording, 2, 2) - 15
