"""A live episode: the feed relayed to both legs, standby audio within 2 s when it drops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.db.models import Episode, Slot
from broadcaster.playout import SlotAiring, air_slot
from broadcaster.playout.live import STANDBY_CAUSE
from broadcaster.station import Station
from tests.conftest import make_tone
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import Media
from tests.integration.servers import Icecast, NginxRtmp, band_volume

SLOT_S, DROP_AT, BACK_AT = 16, 5.0, 9.0
FEED_HZ, STANDBY_HZ = 880, 220


def add_live_slot(station: Station, url: str) -> int:
    now = datetime.now(UTC)
    start = now.replace(microsecond=0) + timedelta(seconds=3)
    with station.sessions.begin() as s:
        ep = Episode(
            title="Live from Siem Reap",
            source_kind="live",
            source=url,
            duration_s=SLOT_S,
            partners=[],
            created_at=now,
        )
        s.add(ep)
        s.flush()
        slot = Slot(
            episode_id=ep.id,
            start=start,
            end=start + timedelta(seconds=SLOT_S),
            destinations=["radio", "facebook"],
            provinces=["PNH"],
            created_at=now,
            updated_at=now,
        )
        s.add(slot)
        s.flush()
        return slot.id


def test_a_dropped_feed_is_covered_by_standby_and_comes_back(
    tmp_path: Path,
    on_air_station: Station,
    media: Media,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
) -> None:
    make_tone(tmp_path / "audio" / "standby.mp3", 10, freq=STANDBY_HZ)
    source = [icecast.feed("/live.mp3", FEED_HZ)]
    moments: dict[str, datetime] = {}

    def drop() -> None:
        source[0].kill()
        source[0].wait()
        moments["dropped"] = datetime.now(UTC)

    def restore() -> None:
        source.append(icecast.feed("/live.mp3", FEED_HZ))
        moments["restored"] = datetime.now(UTC)

    def outage(airing: SlotAiring) -> None:
        lead = (airing.plan.start - datetime.now(UTC)).total_seconds()
        threading.Timer(lead + DROP_AT, drop).start()
        threading.Timer(lead + BACK_AT, restore).start()

    try:
        slot_id = add_live_slot(on_air_station, icecast.url("/live.mp3"))
        records = air_slot(on_air_station, slot_id, card_loop=media.card_loop, on_air=outage)
    finally:
        for proc in source:
            proc.kill()
    for rec in records:
        assert rec.status == "partial" and rec.attempts == 1 and rec.reconnects == 0
        (gap,) = rec.gaps
        assert gap.cause == STANDBY_CAUSE and gap.end is not None
        assert 0 <= (gap.start - moments["dropped"]).total_seconds() <= 2.0
        assert 0 <= (gap.end - moments["restored"]).total_seconds() <= 4.0

    time.sleep(0.3)
    (video_id,) = graph.videos
    (recording,) = nginx.recordings(f"FB-{video_id}")
    standby_at = DROP_AT + 2.0
    assert band_volume(recording, 2, 2, FEED_HZ) > band_volume(recording, 2, 2, STANDBY_HZ) + 10
    assert band_volume(recording, standby_at, 1.5, STANDBY_HZ) > (
        band_volume(recording, standby_at, 1.5, FEED_HZ) + 10
    )
    assert band_volume(recording, SLOT_S - 3, 1.5, FEED_HZ) > (
        band_volume(recording, SLOT_S - 3, 1.5, STANDBY_HZ) + 10
    )
