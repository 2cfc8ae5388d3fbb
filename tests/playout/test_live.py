"""The live relay without servers: standby covers a feed that never comes, paced in real time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from broadcaster.playout.live import CHUNK, STANDBY_CAUSE, LiveFeed
from broadcaster.playout.timing import Gap
from tests.conftest import make_tone

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_an_unreachable_feed_is_covered_by_standby_in_real_time(tmp_path: Path) -> None:
    standby = make_tone(tmp_path / "standby.mp3", 3, freq=220)
    feed = LiveFeed("http://127.0.0.1:9/feed.mp3", standby, startup_grace_s=0.0).start()
    try:
        received, started = 0, time.monotonic()
        with requests.get(feed.url, stream=True, timeout=5) as reply:
            for chunk in reply.iter_content(CHUNK):
                received += len(chunk)
                if time.monotonic() - started > 3.0:
                    break
        took = time.monotonic() - started
        assert feed.on_standby
        # paced at 48 kHz stereo 16-bit, neither starved nor flooded
        assert abs(received / took - 192000) < 192000 * 0.15
    finally:
        gaps = feed.stop()
    (gap,) = gaps
    assert gap.cause == STANDBY_CAUSE and gap.end is not None


def test_standby_periods_are_clipped_to_a_legs_time_on_air(tmp_path: Path) -> None:
    feed = LiveFeed("http://127.0.0.1:9/x", tmp_path / "standby.mp3")
    s = timedelta(seconds=1)
    feed.gaps = [
        Gap(T0 - 5 * s, T0 + 2 * s, STANDBY_CAUSE),
        Gap(T0 + 8 * s, None, STANDBY_CAUSE),
        Gap(T0 + 20 * s, T0 + 21 * s, STANDBY_CAUSE),
    ]
    clipped = feed.gaps_between(T0, T0 + 10 * s)
    assert [(g.start, g.end) for g in clipped] == [(T0, T0 + 2 * s), (T0 + 8 * s, T0 + 10 * s)]
    feed._server.server_close()
