"""Back-to-back slots on one mount: `broadcaster run` hands the radio source from one to the next.

A listener tuned in for the first slot stays connected through the second: one source
connection, no 403 "mount in use", the title changes, each tone where its slot says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.db.models import AsRunLeg
from broadcaster.station import Station
from tests.daemon.running import DaemonProcess, slot_in, tone_episode
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import FB_TOKEN, ffprobe_duration, open_station
from tests.integration.servers import ICECAST_PASSWORD, Icecast, Listener, band_volume

pytestmark = pytest.mark.timeout(120)

SLOT_S = 8
FIRST, SECOND = ("Dialogue one", 440), ("ការសន្ទនា ពីរ", 880)


def book(station: Station, folder: Path, title: str, freq: int, start: datetime) -> int:
    """An episode of a steady `freq` tone and a radio slot of SLOT_S seconds at `start`."""
    episode = tone_episode(station, folder, SLOT_S, title, freq)
    return slot_in(station, episode, 0, SLOT_S, at=start, destinations=("radio",))[0]


def test_the_next_slot_takes_over_the_mount_and_listeners_stay(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph)
    start = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    first = book(station, tmp_path, *FIRST, start)
    second = book(station, tmp_path, *SECOND, start + timedelta(seconds=SLOT_S))
    listener = Listener(icecast, tmp_path / "listener.mp3", give_up_s=40)
    listener.start()
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
    daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
    try:
        assert daemon.wait(60) == 0, daemon.log()
    finally:
        daemon.stop()
    listener.join(10)

    with station.sessions() as s:
        rows = {r.slot_id: r for r in s.scalars(select(AsRunLeg)).all()}
    station.close()
    assert {sid: (r.leg, r.status) for sid, r in rows.items()} == {
        first: ("radio", "aired"),
        second: ("radio", "aired"),
    }, daemon.log()
    for row in rows.values():
        assert row.actual_start is not None and row.gaps == [] and row.reconnects == 0
        assert abs((row.actual_start - row.scheduled_start).total_seconds()) < 0.5
    assert "in use" not in daemon.log() and "403" not in daemon.log()

    # One source connection from the first slot's start to the second one's end.
    assert listener.closed and len(listener.sources) == 1, listener.sources
    assert [t for t in listener.titles if t] == [FIRST[0], SECOND[0]]
    heard = listener.out
    assert abs(ffprobe_duration(heard) - 2 * SLOT_S) < 1.0
    for at, (freq, other) in ((1, (440, 880)), (SLOT_S + 1, (880, 440))):
        assert (
            band_volume(heard, at, SLOT_S - 2, freq)
            > band_volume(heard, at, SLOT_S - 2, other) + 20
        )
    # no hole at the hand-over: audio kept coming, and the fifths of a second around it are
    # as loud as fifths of a second in the middle of the first slot
    assert listener.longest_wait() < 0.6
    fifths = [t / 10 for t in range(-5, 5, 2)]
    steady = min(band_volume(heard, SLOT_S / 2 + t, 0.2) for t in fifths)
    around = min(band_volume(heard, SLOT_S + t, 0.2) for t in fifths)
    assert around > steady - 3, (around, steady)
