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

from broadcaster import on_air as now_on_air
from broadcaster.audio.probe import probe
from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.conftest import run_cli
from tests.daemon.running import (
    DaemonProcess,
    episode_position,
    ffmpeg_writing_into,
    sleep_until,
    slot_in,
    stepped_episode,
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
        seen: list[dict[str, object]] = []  # what another process reads of what is on air
        while slot_status(on_air, slot_id) not in ("aired", "partial", "failed"):
            assert time.monotonic() < deadline, daemon.log()
            with on_air.sessions() as session:
                seen += now_on_air.read(session, datetime.now(UTC), on_air.settings.zone)
            time.sleep(0.2)
    finally:
        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0
    live = [s for s in seen if s["state"] == "on_air"]
    assert {(s["slot_id"], s["leg"]) for s in live} == {(slot_id, "radio"), (slot_id, "facebook")}
    assert all(s["title"] == "Tone" for s in live)
    elapsed = [float(s["elapsed_s"]) for s in live]  # type: ignore[arg-type]
    assert max(elapsed) > 3.0  # it moved on while the slot aired
    assert all(abs(float(s["elapsed_s"]) + float(s["remaining_s"]) - 7.0) < 0.01 for s in live)  # type: ignore[arg-type]
    with on_air.sessions() as session:  # a daemon that stopped leaves nothing on air
        assert now_on_air.read(session, datetime.now(UTC), on_air.settings.zone) == []
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


def resumed_airchecks(station_dir: Path, slot_id: int, leg: str) -> tuple[Path, Path]:
    """The first run's aircheck of a leg and the resumed run's (`-2`), kept side by side."""
    first, second = (
        next(station_dir.glob(f"var/airchecks/*-slot{slot_id}-{leg}{suffix}.mp3"))
        for suffix in ("", "-2")
    )
    return first, second


def check_resumed(station_dir: Path, slot_id: int, start: datetime, stopped: datetime,
                  rows: dict[str, AsRunLeg], slot_s: int) -> None:  # fmt: skip
    """Each leg: one gap from about when the first daemon stopped to when the second was
    back; the second run's audio begins where the slot then was (read from the audio)."""
    assert set(rows) == {"radio", "facebook"}
    for leg, row in rows.items():
        assert row.status == "partial", row.cause
        assert row.actual_start is not None
        assert abs((row.actual_start - start).total_seconds()) < 0.5  # the first run's start
        assert row.reconnects == 1
        [gap] = row.gaps
        gap_start = datetime.fromisoformat(gap["start"])
        gap_end = datetime.fromisoformat(gap["end"])
        assert gap["cause"] == "daemon restarted"
        assert -0.2 < (stopped - gap_start).total_seconds() < 1.5  # the last sign of life
        assert stopped < gap_end < stopped + timedelta(seconds=15)  # back, however loaded
        assert row.actual_end is not None
        assert abs((row.actual_end - (start + timedelta(seconds=slot_s))).total_seconds()) < 1.0
        first_run, second_run = resumed_airchecks(station_dir, slot_id, leg)
        aired_before = probe(first_run).duration_s
        assert abs(aired_before - (gap_start - start).total_seconds()) < 1.0
        # What the listener heard after the gap is the slot where it then was: the offset.
        heard_from = episode_position(second_run, slot_s)
        # (an aircheck's start is read from ffmpeg's heartbeat: loose on a loaded machine)
        assert abs(heard_from - (gap_end - start).total_seconds()) < 0.75, (leg, heard_from)
        assert abs(probe(second_run).duration_s - (slot_s - heard_from)) < 1.0


def test_kill_9_mid_slot_then_restart_resumes_at_the_offset(
    on_air: Station, station_dir: Path
) -> None:
    episode = stepped_episode(on_air, station_dir, 20)
    slot_id, start = slot_in(on_air, episode, 5, 20)
    first = DaemonProcess(station_dir, {}, "--exit-when-idle", name="first")
    second = None
    try:
        first.wait_for("ready in")
        sleep_until(start + timedelta(seconds=7))
        assert {r.status for r in legs(on_air, slot_id).values()} == {"on_air"}
        first.kill9()
        killed = datetime.now(UTC)
        deadline = time.monotonic() + 5
        while ffmpeg_writing_into(station_dir):
            assert time.monotonic() < deadline, "ffmpeg outlived its daemon"
            time.sleep(0.05)
        time.sleep(0.5)
        second = DaemonProcess(station_dir, {}, "--exit-when-idle", name="second")
        assert second.wait(60) == 0, second.log()
    finally:
        first.stop()
        if second is not None:
            second.stop()
    check_resumed(station_dir, slot_id, start, killed, legs(on_air, slot_id), 20)


def test_sigterm_cuts_the_legs_cleanly_and_a_restart_resumes_the_slot(
    on_air: Station, station_dir: Path
) -> None:
    """SPEC 4.6: SIGTERM logs the legs `cut`; the slot, still scheduled, is resumed at its
    offset by the next daemon started inside it, with the gap in the as-run."""
    episode = stepped_episode(on_air, station_dir, 20)
    slot_id, start = slot_in(on_air, episode, 4, 20)
    daemon = DaemonProcess(station_dir, {})
    second = None
    try:
        daemon.wait_for("ready in")
        sleep_until(start + timedelta(seconds=5))
        daemon.signal(signal.SIGTERM)
        stopped = datetime.now(UTC)
        assert daemon.wait(30) == 0
        rows = legs(on_air, slot_id)
        assert {r.status for r in rows.values()} == {"cut"}
        assert slot_status(on_air, slot_id) == "on_air"  # still to resume
        for row in rows.values():
            assert row.aircheck_path is not None
            aired = probe(Path(row.aircheck_path)).duration_s
            assert 4.0 < aired < 7.0  # cut about 5 s in, the file finished cleanly
        time.sleep(1.0)
        second = DaemonProcess(station_dir, {}, "--exit-when-idle", name="second")
        assert second.wait(60) == 0, second.log()
    finally:
        daemon.stop()
        if second is not None:
            second.stop()
    assert slot_status(on_air, slot_id) == "partial"
    check_resumed(station_dir, slot_id, start, stopped, legs(on_air, slot_id), 20)


def test_a_slot_cut_by_sigterm_and_then_cancelled_is_not_resumed(
    on_air: Station, station_dir: Path
) -> None:
    episode = stepped_episode(on_air, station_dir, 20)
    slot_id, start = slot_in(on_air, episode, 4, 16)
    daemon = DaemonProcess(station_dir, {})
    second = None
    try:
        daemon.wait_for("ready in")
        sleep_until(start + timedelta(seconds=3))
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
        cancelled = run_cli("schedule", "cancel", str(slot_id))
        assert cancelled.returncode == 0, cancelled.stderr
        second = DaemonProcess(station_dir, {}, "--exit-when-idle", name="second")
        assert second.wait(60) == 0, second.log()
    finally:
        daemon.stop()
        if second is not None:
            second.stop()
    assert slot_status(on_air, slot_id) == "cancelled"
    assert {r.status for r in legs(on_air, slot_id).values()} == {"cut"}
    assert not list(station_dir.glob(f"var/airchecks/*-slot{slot_id}-*-2.mp3"))
