"""The radio transmitter through `broadcaster run`: the mount never leaves the air.

Three slots with gaps between them: one source connection and one listener connection
throughout, the station's fill between slots, each slot's tone reaching Icecast at its
instant, the titles station / episode / station, and a second icecast2 relaying the mount
(a province) keeps its mount up the whole time. Dead air in a live feed is replaced by
standby and logged. No process's command line holds the source password.
"""

from __future__ import annotations

import subprocess
import threading
import time
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.db.models import AsRunLeg, Episode
from tests.conftest import make_tone
from tests.daemon.running import DaemonProcess, ffmpeg_children, slot_in, tone_episode
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import FB_TOKEN, open_station
from tests.integration.servers import ICECAST_PASSWORD, Icecast, Listener
from tests.integration.tap import Session, Tap
from tests.listening import RATE, pcm, power

pytestmark = pytest.mark.timeout(240)

KBPS = 64
SHORT_SLOTS = 100
FILL_HZ = 300


def onset(samples: array[int], freq: float, after_s: float = 0.0) -> float:
    """Where in the stream (s) `freq` first dominates the fill, to 5 ms."""
    end = len(samples) / RATE - 0.05
    at = after_s
    while at < end:  # coarse, then fine
        if power(samples, at, freq) > 10 * power(samples, at, FILL_HZ):
            back = at - 0.05
            while power(samples, back, freq) <= 10 * power(samples, back, FILL_HZ):
                back += 0.005
            return back
        at += 0.05
    raise AssertionError(f"no {freq} Hz tone in the stream")


def relay_watch(
    province: Icecast, mount: str, stop: threading.Event, seen: list[tuple[float, bool]]
) -> None:
    while not stop.wait(0.25):
        try:
            up = province.mount(mount) is not None
        except Exception:
            up = False
        seen.append((time.time(), up))


def test_three_slots_with_gaps_one_connection_fill_between_and_a_relay_up_throughout(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tone(tmp_path / "audio" / "standby.mp3", 10, FILL_HZ)  # the station's fill
    tap = Tap(icecast.port, rtmp=False)
    relay = Icecast(relays=((icecast.port, "/sarika.mp3", "/pnh.mp3"),))
    relay.start()
    station = open_station(tmp_path, icecast, graph)
    config = tmp_path / "broadcaster.toml"
    config.write_text(config.read_text().replace(f":{icecast.port}/", f":{tap.port}/"))
    first = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    tones = [(440, "Slot one"), (660, "ស្លុតទីពីរ"), (880, "Slot three")]
    slots = []
    for i, (freq, title) in enumerate(tones):
        episode = tone_episode(station, tmp_path, 15, title, freq)
        at = first + timedelta(seconds=25 * i)
        slots.append(slot_in(station, episode, 0, 15, at=at, destinations=("radio",))[0])
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
    daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
    listener = Listener(icecast, tmp_path / "listener.mp3", give_up_s=120)
    stop, relayed = threading.Event(), []  # type: ignore[var-annotated]
    watcher = threading.Thread(target=relay_watch, args=(relay, "/pnh.mp3", stop, relayed))
    try:
        daemon.wait_for("connected to the mount")
        listener.start()
        deadline = time.monotonic() + 10
        while relay.mount("/pnh.mp3") is None:  # the province picks the station up
            assert time.monotonic() < deadline, relay.log()
            time.sleep(0.1)
        assert datetime.now(UTC) < first, "the mount came up too late to test"
        watcher.start()
        assert daemon.wait(120) == 0, daemon.log()
    finally:
        stop.set()
        daemon.stop()
        relay.close()
        tap.close()
    listener.join(10)
    with station.sessions() as s:
        rows = {r.slot_id: r for r in s.scalars(select(AsRunLeg)).all()}
    station.close()
    assert {sid: r.status for sid, r in rows.items()} == {sid: "aired" for sid in slots}

    # One source connection, one listener connection, never waiting long for audio.
    [session] = [s for s in tap.media_sessions()]
    assert len(listener.sources) == 1 and listener.closed, listener.sources
    assert listener.longest_wait() < 0.5, listener.longest_wait()
    # The province's relay kept its mount up from before the first slot to the last's end.
    last_end = first.timestamp() + 25 * (len(tones) - 1) + 15
    during = [up for when, up in relayed if when < last_end]
    assert len(during) > 200 and all(during), during.count(False)
    titles = [t for t in listener.titles if t]
    assert titles[:6] == ["Sarika FM", "Slot one", "Sarika FM", "ស្លុតទីពីរ", "Sarika FM",
                          "Slot three"], titles  # fmt: skip

    # Each slot's tone reached the server at its instant; the fill played between them.
    stream = tmp_path / "at-server.mp3"
    stream.write_bytes(bytes(session.body))
    samples = pcm(stream)
    after = 0.0
    for (freq, _), sid in zip(tones, slots, strict=True):
        at = onset(samples, freq, after)
        reached = session.arrived(int(at * KBPS * 125))
        scheduled = rows[sid].scheduled_start.timestamp()
        assert abs(reached - scheduled) < 0.05, (freq, reached - scheduled)
        logged = rows[sid].actual_start
        assert logged is not None and abs(logged.timestamp() - reached) < 0.05
        gap_mid = at + 15 + 5  # the middle of the 10-s gap after it
        if gap_mid < len(samples) / RATE:
            assert power(samples, gap_mid, FILL_HZ, 0.2) > 10 * power(samples, gap_mid, freq, 0.2)
        after = at + 15


def _cmdlines() -> list[bytes]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((entry / "cmdline").read_bytes())
            except OSError:
                continue
    return found


def test_no_process_command_line_holds_the_source_password(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph)
    episode = tone_episode(station, tmp_path, 8, "Secrets", 440)
    slot_id, start = slot_in(station, episode, 5, 8, destinations=("radio",))
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
    daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
    looked = 0
    try:
        while daemon.proc.poll() is None:
            if start.timestamp() < time.time() < start.timestamp() + 7:
                lines = _cmdlines()
                assert any(b"ffmpeg" in line for line in lines)
                assert not [line for line in lines if ICECAST_PASSWORD.encode() in line]
                looked += 1
            time.sleep(0.2)
        assert daemon.wait() == 0, daemon.log()
    finally:
        daemon.stop()
    assert looked > 10
    with station.sessions() as s:
        [row] = s.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
        assert row.status == "aired"
    station.close()


def test_dead_air_in_a_live_feed_is_replaced_by_standby_and_logged(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The studio's feed goes silent for 15 s mid-slot: standby within silence_s + 2 s, a
    `silence` gap in the as-run, the feed back on air when it sounds again."""
    monkeypatch.chdir(tmp_path)
    make_tone(tmp_path / "audio" / "standby.mp3", 10, FILL_HZ)
    tap = Tap(icecast.port, rtmp=False)
    station = open_station(tmp_path, icecast, graph)
    config = tmp_path / "broadcaster.toml"
    config.write_text(config.read_text().replace(f":{icecast.port}/", f":{tap.port}/"))
    # The studio: a 1 kHz tone that falls silent from 8 s to 23 s of its own time.
    studio = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "sine=frequency=1000:duration=60,volume='if(between(t,8,23),0,1)':eval=frame",
         "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3",
         f"icecast://source:{ICECAST_PASSWORD}@127.0.0.1:{icecast.port}/studio.mp3"],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    fed = time.time()
    try:
        with station.sessions.begin() as s:
            live = Episode(title="Live call-in", source_kind="live",
                           source=f"http://127.0.0.1:{icecast.port}/studio.mp3",
                           duration_s=30, partners=[], created_at=datetime.now(UTC))  # fmt: skip
            s.add(live)
            s.flush()
            live_id = live.id
        start = datetime.fromtimestamp(fed + 4, UTC).replace(microsecond=0)
        slot_id, _ = slot_in(station, live_id, 0, 26, at=start, destinations=("radio",))
        env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
        daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
        try:
            assert daemon.wait(90) == 0, daemon.log()
        finally:
            daemon.stop()
    finally:
        studio.kill()
        tap.close()
    with station.sessions() as s:
        [row] = s.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
    station.close()
    silent_from = fed + 8  # about: the feed's own start is when ffmpeg began sending
    assert row.status == "partial", (row.status, row.gaps, row.cause)
    [gap] = [g for g in row.gaps if g["cause"] == "silence"]
    gap_start = datetime.fromisoformat(gap["start"]).timestamp()
    gap_end = datetime.fromisoformat(gap["end"]).timestamp()
    assert abs(gap_start - silent_from) < 1.5, gap_start - silent_from
    assert abs((gap_end - gap_start) - 15) < 1.5, gap_end - gap_start
    # At the server: standby (the fill tone) within silence_s + 2 s of the silence, and the
    # feed's tone back after it.
    [session] = tap.media_sessions()
    stream = tmp_path / "at-server.mp3"
    stream.write_bytes(bytes(session.body))
    samples = pcm(stream)
    feed_on = onset(samples, 1000)
    standby_on = onset_of_fill(samples, feed_on + 1)
    silence_in_stream = feed_on + (silent_from - start.timestamp())
    assert 0 < standby_on - silence_in_stream < 10 + 2, standby_on - silence_in_stream
    back = onset(samples, 1000, standby_on + 1)
    assert abs((back - silence_in_stream) - 15) < 1.5


def onset_of_fill(samples: array[int], after_s: float) -> float:
    at = after_s
    while at < len(samples) / RATE - 0.05:
        if power(samples, at, FILL_HZ, 0.1) > 10 * power(samples, at, 1000, 0.1):
            return at
        at += 0.05
    raise AssertionError("standby never played")


_ = Session  # the tap's session type, for readers


def _process_shape(pid: int) -> tuple[int, int, int]:
    """(threads, open descriptors, ffmpeg children) of process `pid`."""
    threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return threads, fds, len(ffmpeg_children(pid))


def test_a_hundred_short_slots_leave_no_threads_descriptors_or_processes_behind(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph)
    config = tmp_path / "broadcaster.toml"  # Facebook to an aircheck file: no Graph API here
    config.write_text(config.read_text().split("[facebook]")[0])
    episode = tone_episode(station, tmp_path, 1, "Short", 440)
    first = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    starts = [first + timedelta(seconds=1.5 * i) for i in range(SHORT_SLOTS)]
    for at in starts:
        slot_in(station, episode, 0, 1, at=at)
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD}
    daemon = DaemonProcess(tmp_path, env, "--exit-when-idle")
    shapes = {}
    try:
        for k in (3, SHORT_SLOTS - 4):  # mid-slot, the same moment of the cycle
            moment = starts[k] + timedelta(seconds=0.6)
            time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
            shapes[k] = _process_shape(daemon.pid)
        assert daemon.wait(60) == 0, daemon.log()
    finally:
        daemon.stop()
    with station.sessions() as s:
        statuses = [r.status for r in s.scalars(select(AsRunLeg)).all()]
    station.close()
    assert statuses.count("aired") == 2 * SHORT_SLOTS, sorted(set(statuses))
    first, last = shapes[3], shapes[SHORT_SLOTS - 4]
    assert first[1:] == last[1:], shapes  # descriptors and ffmpeg children: exactly
    # Threads: APScheduler's pool starts its (at most 8) workers only as jobs overlap, so
    # a few more may exist late in the run; a leak would add one or more per slot (93 here).
    assert 0 <= last[0] - first[0] <= 8, shapes
