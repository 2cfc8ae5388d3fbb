"""Issue 17: a live video that has ended is never streamed to again; a new one takes over.

The fake Graph API here watches the real nginx-rtmp (`/stat`), as Facebook watches its
ingest: a scheduled video goes LIVE when its key is published, and ends as a VOD.
"""

from __future__ import annotations

import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
import requests

from broadcaster.db.models import Slot
from broadcaster.facebook import GraphClient
from broadcaster.playout import SlotAiring, air_slot
from broadcaster.station import Station
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import FB_TOKEN, PAGE_ID, Media, add_slot, ffprobe_duration
from tests.integration.servers import NginxRtmp

SLOT_S = 16
CUT_AT = 5.0


def published(nginx: NginxRtmp) -> set[str]:
    """The stream names nginx-rtmp's `live` application is receiving now."""
    try:
        xml = requests.get(f"http://127.0.0.1:{nginx.http_port}/stat", timeout=2).text
        root = ET.fromstring(xml)
    except (requests.RequestException, ET.ParseError):
        return set()
    return {
        str(stream.findtext("name"))
        for app in root.iter("application")
        if app.findtext("name") == "live"
        for stream in app.iter("stream")
        if stream.find("publishing") is not None
    }


@pytest.fixture
def graph(nginx: NginxRtmp) -> Iterator[FakeGraphApi]:
    """The conftest's fake Graph API, but one that sees what the ingest receives."""
    fake = FakeGraphApi(
        FB_TOKEN, PAGE_ID, rtmp_base=nginx.rtmp_base, ingest=lambda key: key in published(nginx)
    ).start()
    yield fake
    fake.close()


class StatWatch:
    """Every stream name nginx-rtmp was seen receiving, polled until `stop()`."""

    def __init__(self, nginx: NginxRtmp) -> None:
        self.nginx, self.names = nginx, set[str]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> StatWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.names |= published(self.nginx)

    def stop(self) -> set[str]:
        self._stop.set()
        self._thread.join(5)
        return self.names


def cut_after(
    station: Station, seconds: float, stop: threading.Event
) -> Callable[[SlotAiring], None]:
    def schedule(airing: SlotAiring) -> None:
        lead = (airing.plan.start - station.clock()).total_seconds()
        threading.Timer(max(0.0, lead) + seconds, stop.set).start()

    return schedule


def stored_live_id(station: Station, slot_id: int) -> str | None:
    with station.sessions() as s:
        slot = s.get(Slot, slot_id)
        assert slot is not None
        return slot.facebook_live_id


def test_a_restart_after_a_shutdown_streams_to_a_new_live_video(
    on_air_station: Station,
    media: Media,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SIGTERM ends the live video; the daemon back inside the slot makes a new one."""
    caplog.set_level(logging.INFO)
    slot_id = add_slot(on_air_station, media, seconds=SLOT_S, lead_s=1.5)
    stop = threading.Event()
    first = air_slot(
        on_air_station,
        slot_id,
        card_loop=media.card_loop,
        stop=stop,
        on_air=cut_after(on_air_station, CUT_AT, stop),
    )
    assert [r.leg for r in first] == ["radio", "facebook"]
    old = stored_live_id(on_air_station, slot_id)
    assert old is not None and graph.status(old) == "VOD"  # it went live, the shutdown ended it
    (old_recording,) = nginx.recordings(f"FB-{old}")
    assert abs(ffprobe_duration(old_recording) - CUT_AT) < 1.5
    ended = GraphClient(graph.base_url, FB_TOKEN).live_video(old)
    assert ended.ended and ended.url is None  # Facebook takes its stream URL away

    watch = StatWatch(nginx).start()
    second = air_slot(on_air_station, slot_id, card_loop=media.card_loop)  # the restart
    seen = watch.stop()

    new = stored_live_id(on_air_station, slot_id)
    assert new is not None and new != old and set(graph.videos) == {old, new}
    assert seen == {f"FB-{new}"}  # the RTMP leg went to the new video's key, never the old
    assert nginx.recordings(f"FB-{old}") == [old_recording]
    facebook = second[1]
    assert facebook.leg == "facebook" and facebook.status != "failed", facebook.cause
    assert facebook.actual_start is not None and facebook.actual_end is not None
    (new_recording,) = nginx.recordings(f"FB-{new}")
    resumed = (facebook.actual_end - facebook.actual_start).total_seconds()
    assert resumed > 2.0 and abs(ffprobe_duration(new_recording) - resumed) < 1.5
    assert graph.status(new) == "VOD" and graph.status(old) == "VOD"
    lookups = [r for r in graph.requests if r.method == "GET" and r.path.endswith(f"/{old}")]
    assert lookups and lookups[-1].query["fields"] == "status,secure_stream_url,stream_url"
    assert f"live video {old} has ended (VOD); new live video {new} replaces it" in caplog.text
    assert FB_TOKEN not in caplog.text and graph.stream_url(new) not in caplog.text


def test_an_expired_live_video_made_at_preflight_is_replaced(
    on_air_station: Station, media: Media, nginx: NginxRtmp, graph: FakeGraphApi
) -> None:
    slot_id = add_slot(on_air_station, media, seconds=5)
    with on_air_station.sessions.begin() as s:
        slot = s.get(Slot, slot_id)
        assert slot is not None
        made = GraphClient(graph.base_url, FB_TOKEN).create_live_video(
            PAGE_ID, "made at pre-flight", "", slot.start
        )
        slot.facebook_live_id = made.id
    graph.set_status(made.id, "SCHEDULED_EXPIRED")
    watch = StatWatch(nginx).start()
    radio, facebook = air_slot(on_air_station, slot_id, card_loop=media.card_loop)
    seen = watch.stop()
    assert (radio.status, facebook.status) == ("aired", "aired")
    new = stored_live_id(on_air_station, slot_id)
    assert new is not None and new != made.id
    assert seen == {f"FB-{new}"}
    assert nginx.recordings(f"FB-{made.id}") == []
    (recording,) = nginx.recordings(f"FB-{new}")
    assert abs(ffprobe_duration(recording) - 5) < 1.0
    assert graph.status(made.id) == "SCHEDULED_EXPIRED" and graph.status(new) == "VOD"
