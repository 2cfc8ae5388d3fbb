"""Back-to-back slots on one mount: `broadcaster run`'s transmitter goes from one to the next.

A listener tuned in before the first slot stays connected to the last, recorded or live: one
source connection, no 403 "mount in use", the title changes, each tone where its slot says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from broadcaster.db.models import AsRunLeg, Episode
from broadcaster.station import Station
from tests.daemon.running import DaemonProcess, slot_in, tone_episode
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import FB_TOKEN, open_station
from tests.integration.servers import (
    ICECAST_PASSWORD,
    Icecast,
    Listener,
    band_volume,
    sounding,
)

pytestmark = pytest.mark.timeout(150)

SLOT_S = 8
STUDIO = "/studio.mp3"
DIALOGUES = [("file", "Dialogue one", 440), ("file", "ការសន្ទនា ពីរ", 880)]
WITH_A_CALL_IN = [
    ("file", "Dialogue one", 440),
    ("live", "Call-in from the studio", 1760),  # the studio's feed: a 1760 Hz tone
    ("file", "ការសន្ទនា បី", 880),
]


def book(station: Station, folder: Path, kind: str, title: str, freq: int, at: datetime) -> int:
    """A radio slot of SLOT_S seconds at `at`: a recorded `freq` tone, or the studio live."""
    if kind == "file":
        episode = tone_episode(station, folder, SLOT_S, title, freq)
    else:
        with station.sessions.begin() as s:
            live = Episode(
                title=title,
                source_kind="live",
                source=f"http://127.0.0.1:{_studio_port(station)}{STUDIO}",
                duration_s=SLOT_S,
                partners=[],
                created_at=datetime.now(UTC),
            )
            s.add(live)
            s.flush()
            episode = live.id
    return slot_in(station, episode, 0, SLOT_S, at=at, destinations=("radio",))[0]


def _studio_port(station: Station) -> int:
    radio = station.settings.radio
    assert radio is not None
    port = urlsplit(radio.icecast).port
    assert port is not None
    return port


@pytest.mark.parametrize("programme", [DIALOGUES, WITH_A_CALL_IN], ids=["files", "file-live-file"])
def test_the_next_slot_takes_over_the_mount_and_listeners_stay(
    programme: list[tuple[str, str, int]],
    tmp_path: Path,
    icecast: Icecast,
    graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph)
    studio = icecast.feed(STUDIO, 1760, seconds=90)
    first = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    slots = [
        book(station, tmp_path, kind, title, freq, first + timedelta(seconds=i * SLOT_S))
        for i, (kind, title, freq) in enumerate(programme)
    ]
    listener = Listener(icecast, tmp_path / "listener.mp3", give_up_s=60)
    listener.start()
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
    daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
    try:
        assert daemon.wait(90) == 0, daemon.log()
    finally:
        daemon.stop()
        studio.kill()
    listener.join(10)

    with station.sessions() as s:
        rows = {r.slot_id: r for r in s.scalars(select(AsRunLeg)).all()}
    station.close()
    assert {sid: (r.leg, r.status) for sid, r in rows.items()} == {
        sid: ("radio", "aired") for sid in slots
    }, daemon.log()
    for row in rows.values():
        assert row.actual_start is not None and row.gaps == [] and row.reconnects == 0
        assert abs((row.actual_start - row.scheduled_start).total_seconds()) < 0.5
    assert "mount in use" not in daemon.log() and "off air" not in daemon.log()

    # One source connection from before the first slot's start to after the last one's end:
    # the station's name between, each slot's title while it airs.
    assert listener.closed and len(listener.sources) == 1, listener.sources
    titles = [t for t in listener.titles if t]
    expected = ["Sarika FM", *(title for _, title, _ in programme)]
    assert titles[: len(expected)] == expected and set(titles[len(expected) :]) <= {"Sarika FM"}
    heard = listener.out
    begins, ends = sounding(heard)  # silence (no fill here) around the slots
    assert abs((ends - begins) - len(programme) * SLOT_S) < 1.0
    tones = [freq for _, _, freq in programme]
    for i, freq in enumerate(tones):  # each slot's tone in its own time, not the others'
        for other in set(tones) - {freq}:
            at = begins + i * SLOT_S + 1
            assert (
                band_volume(heard, at, SLOT_S - 2, freq)
                > band_volume(heard, at, SLOT_S - 2, other) + 20
            ), (i, freq, other)
    # no hole at a hand-over: audio kept coming, and the fifths of a second either side of
    # each are as loud as fifths of a second in the middle of the first slot (but a live
    # slot fades out into its hard end: only after that one)
    assert listener.longest_wait() < 0.6
    fifths = [t / 10 for t in range(-5, 5, 2)]
    steady = min(band_volume(heard, begins + SLOT_S / 2 + t, 0.2) for t in fifths)
    for junction in range(1, len(programme)):
        faded = programme[junction - 1][0] == "live"
        around = [t for t in fifths if t >= 0 or not faded]
        level = min(band_volume(heard, begins + junction * SLOT_S + t, 0.2) for t in around)
        assert level > steady - 3, (junction, level, steady)
