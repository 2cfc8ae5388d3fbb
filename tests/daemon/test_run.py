"""`broadcaster run` as a user runs it: on time, resumed after kill -9, cut by SIGTERM.

The legs are the embedded default (aircheck files), so what aired is checked on the files
ffmpeg wrote and in the as-run log, with real time and real processes.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.audio.probe import probe
from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.conftest import run_cli
from tests.daemon.running import (
    DaemonProcess,
    ffmpeg_writing_into,
    sleep_until,
    slot_in,
    tone_episode,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def on_air(station_dir: Path) -> Iterator[Station]:
    """A station on SQLite under the test's folder, on the real clock."""
    settings = load_settings(env={})
    initialise(settings)
    st = Station.open(settings)
    yield st
    st.close()


def legs(station: Station, slot_id: int) -> dict[str, AsRunLeg]:
    with station.sessions() as session:
        rows = session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
        return {row.leg: row for row in rows}


def slot_status(station: Station, slot_id: int) -> str:
    with station.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.status


def test_a_slot_added_from_another_terminal_airs_on_time(
    on_air: Station, station_dir: Path
) -> None:
    episode = tone_episode(on_air, station_dir, 6)
    daemon = DaemonProcess(station_dir, {})
    try:
        daemon.wait_for("ready in")
        added = run_cli("schedule", "add", str(episode), "--in", "5s", "--json")
        assert added.returncode == 0, added.stderr
        slot_id = int(re.search(r'"id": (\d+)', added.stdout).group(1))  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while slot_status(on_air, slot_id) not in ("aired", "partial", "failed"):
            assert time.monotonic() < deadline, daemon.log()
            time.sleep(0.2)
    finally:
        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0
    rows = legs(on_air, slot_id)
    assert {leg: row.status for leg, row in rows.items()} == {"radio": "aired", "facebook": "aired"}
    for row in rows.values():
        assert row.actual_start is not None and row.actual_end is not None
        assert abs((row.actual_start - row.scheduled_start).total_seconds()) < 0.5
        assert row.aircheck_path is not None
        assert abs(probe(Path(row.aircheck_path)).duration_s - 6) < 0.5


def test_a_slot_whose_time_passed_is_missed_and_the_daemon_exits_when_idle(
    on_air: Station, station_dir: Path
) -> None:
    episode = tone_episode(on_air, station_dir, 5)
    slot_id, _ = slot_in(on_air, episode, -60, 5)
    daemon = DaemonProcess(station_dir, {}, "--exit-when-idle")
    assert daemon.wait(30) == 0
    assert slot_status(on_air, slot_id) == "missed"
    assert {r.status for r in legs(on_air, slot_id).values()} == {"missed"}
    assert "missed" in daemon.log()


def test_a_slot_cancelled_before_its_start_never_airs(on_air: Station, station_dir: Path) -> None:
    episode = tone_episode(on_air, station_dir, 5)
    slot_id, _ = slot_in(on_air, episode, 12, 5)
    later_id, _ = slot_in(on_air, episode, 20, 3)
    daemon = DaemonProcess(station_dir, {}, "--exit-when-idle")
    try:
        daemon.wait_for("ready in")
        cancelled = run_cli("schedule", "cancel", str(slot_id))
        assert cancelled.returncode == 0, cancelled.stderr
        assert daemon.wait(40) == 0
    finally:
        daemon.stop()
    assert slot_status(on_air, slot_id) == "cancelled"
    assert legs(on_air, slot_id) == {}
    assert slot_status(on_air, later_id) == "aired"


def test_kill_9_mid_slot_then_restart_resumes_at_the_offset(
    on_air: Station, station_dir: Path
) -> None:
    episode = tone_episode(on_air, station_dir, 20)
    slot_id, start = slot_in(on_air, episode, 5, 20)
    first = DaemonProcess(station_dir, {}, "--exit-when-idle", name="first")
    second = None
    try:
        first.wait_for("ready in")
        sleep_until(start + timedelta(seconds=7))
        assert {r.status for r in legs(on_air, slot_id).values()} == {"on_air"}
        first.kill9()
        killed = datetime.now(UTC)
        time.sleep(0.5)
        assert ffmpeg_writing_into(station_dir) == [], "ffmpeg outlived its daemon"
        time.sleep(0.5)
        second = DaemonProcess(station_dir, {}, "--exit-when-idle", name="second")
        assert second.wait(60) == 0, second.log()
    finally:
        first.stop()
        if second is not None:
            second.stop()
    rows = legs(on_air, slot_id)
    assert set(rows) == {"radio", "facebook"}
    offsets = [float(x) for x in re.findall(r"-ss (\d+\.\d+)", second.log())]
    for row in rows.values():
        assert row.status == "partial", row.cause
        assert row.actual_start is not None
        assert abs((row.actual_start - start).total_seconds()) < 0.5  # the first run's start
        assert row.reconnects == 1
        [gap] = row.gaps
        gap_start = datetime.fromisoformat(gap["start"])
        gap_end = datetime.fromisoformat(gap["end"])
        assert gap["cause"] == "daemon restarted"
        assert (killed - gap_start).total_seconds() < 1.5  # the last heartbeat
        assert (gap_end - killed).total_seconds() < 3.0  # back on air within 3 s
        assert row.actual_end is not None
        assert abs((row.actual_end - (start + timedelta(seconds=20))).total_seconds()) < 1.0
    # The first run's airchecks are kept beside the resumed ones.
    for leg in ("radio", "facebook"):
        first_run, second_run = (
            next(station_dir.glob(f"var/airchecks/*-slot{slot_id}-{leg}{suffix}.mp3"))
            for suffix in ("", "-2")
        )
        assert probe(first_run).duration_s > 5 and probe(second_run).duration_s > 5
    # Each leg resumed where the slot was when it came back (within 1 s).
    assert len(offsets) == 2
    back = datetime.fromisoformat(rows["radio"].gaps[0]["end"])
    for offset in offsets:
        assert abs(offset - (back - start).total_seconds()) < 1.0


def test_sigterm_cuts_the_legs_cleanly(on_air: Station, station_dir: Path) -> None:
    episode = tone_episode(on_air, station_dir, 20)
    slot_id, start = slot_in(on_air, episode, 4, 20)
    daemon = DaemonProcess(station_dir, {})
    try:
        daemon.wait_for("ready in")
        sleep_until(start + timedelta(seconds=3))
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        daemon.stop()
    rows = legs(on_air, slot_id)
    assert {r.status for r in rows.values()} == {"cut"}
    assert slot_status(on_air, slot_id) == "partial"
    for row in rows.values():
        assert row.aircheck_path is not None
        aired = probe(Path(row.aircheck_path)).duration_s
        assert 2.0 < aired < 6.0  # cut about 3 s in, the file finished cleanly
