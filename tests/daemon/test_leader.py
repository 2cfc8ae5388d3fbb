"""Two daemons on one PostgreSQL database: only the leader airs; the standby takes over."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.daemon.running import (
    DaemonProcess,
    ffmpeg_children,
    slot_in,
    still_running,
    tone_episode,
)

pytestmark = [pytest.mark.timeout(180), pytest.mark.postgres]


@pytest.mark.parametrize(
    ("standby_node", "takeover_s"),
    [(None, 5.0), ("other-machine", 5.0 + 5.0)],  # another machine waits for the 5-s lease
    ids=["same-machine", "other-machine"],
)
def test_two_daemons_never_air_at_once_and_the_standby_takes_over(
    pg_url: str, station_dir: Path, standby_node: str | None, takeover_s: float
) -> None:
    env = {"BROADCASTER_DB": pg_url}
    settings = load_settings(env=env)
    initialise(settings)
    station = Station.open(settings)
    episode = tone_episode(station, station_dir, 24)
    slot_id, start = slot_in(station, episode, 6, 24)
    first = DaemonProcess(station_dir, env, "--exit-when-idle", name="first")
    first.wait_for("(leader)")
    node = {"BROADCASTER_NODE": standby_node} if standby_node else {}
    second = DaemonProcess(station_dir, {**env, **node}, "--exit-when-idle", name="second")
    second.wait_for("(standby)")
    samples: list[tuple[datetime, int, int]] = []
    killed: datetime | None = None
    leaders: set[int] = set()  # every ffmpeg the first daemon started, orphans included
    try:
        while second.proc.poll() is None:
            now = datetime.now(UTC)
            if killed is None:
                leaders.update(ffmpeg_children(first.pid))
            if killed is None and now >= start + timedelta(seconds=8):
                assert ffmpeg_children(first.pid), "the leader was not on air"
                first.kill9()
                killed = datetime.now(UTC)
            # After the kill its processes are counted wherever they went (an orphan is
            # adopted by init): the count must fall to 0, not merely leave the dead parent.
            a = len(still_running(leaders))
            samples.append((now, a, len(ffmpeg_children(second.pid))))
            assert now < start + timedelta(seconds=60), second.log()
            time.sleep(0.1)
        assert second.wait() == 0, second.log()
    finally:
        first.stop()
        second.stop()
    assert killed is not None
    assert not [s for s in samples if s[1] and s[2]], "both daemons were on air at once"
    assert not still_running(leaders), "the killed leader's ffmpeg outlived it"
    assert any(b for _, _, b in samples), "the standby never went on air"
    back = min(t for t, _, b in samples if b)
    assert back > killed
    assert (back - killed).total_seconds() < takeover_s + 5.0  # generous: a loaded machine
    assert "leader" in second.log()
    with station.sessions() as session:
        rows = session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
        assert {r.leg: r.status for r in rows} == {"radio": "partial", "facebook": "partial"}
        for row in rows:
            [gap] = row.gaps
            assert gap["cause"] == "daemon restarted"
            hole = datetime.fromisoformat(gap["end"]) - datetime.fromisoformat(gap["start"])
            assert hole.total_seconds() < takeover_s + 6.0
    station.close()
