"""The database goes away while a slot airs: the radio and Facebook stay on air.

A second process holds the SQLite database with `BEGIN EXCLUSIVE` for 30 s, or the
PostgreSQL server is stopped for 30 s and started again, from 5 s into a 30-s slot (so
the slot ends during the outage). Through `broadcaster run` as a user runs it, with a
listener on the real icecast2 and the Facebook leg on nginx-rtmp: both legs stay on air,
the listener never waits a second for audio, and afterwards the as-run log (journalled
meanwhile) says `aired` with no gap.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Episode, LeaderLease, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.daemon.running import DaemonProcess, sleep_until, slot_in, tone_episode
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import FB_TOKEN, Media, ffprobe_duration, open_station
from tests.integration.postgres import OwnPostgres
from tests.integration.servers import ICECAST_PASSWORD, Icecast, Listener, NginxRtmp

pytestmark = pytest.mark.timeout(240)

SLOT_S, OUTAGE_FROM_S, OUTAGE_S = 30, 5, 30
ENV = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}


@contextmanager
def sqlite_held(db: Path) -> Iterator[None]:
    """Another program (a backup, a migration) holds the database exclusively."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], timeout=20, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True)\n"
         "sys.stdin.readline(); c.execute('COMMIT')\n", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    try:
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(20) == 0


@contextmanager
def postgres_stopped(server: OwnPostgres) -> Iterator[None]:
    server.stop()
    try:
        yield
    finally:
        server.start()


def station_on(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, db_url: str | None
) -> Station:
    station = open_station(tmp_path, icecast, graph)
    if db_url is None:
        return station
    station.close()
    settings = load_settings(tmp_path / "broadcaster.toml", env={**ENV, "BROADCASTER_DB": db_url})
    initialise(settings)
    return Station.open(settings)


def air_through_outage(
    tmp_path: Path,
    icecast: Icecast,
    nginx: NginxRtmp,
    graph: FakeGraphApi,
    outage: Callable[[], AbstractContextManager[None]],
    card_loop: Path,
    *,
    db_url: str | None = None,
    exit_when_idle: bool = True,
    second_daemon: bool = False,
) -> tuple[Station, int, DaemonProcess, DaemonProcess | None, Listener]:
    station = station_on(tmp_path, icecast, graph, db_url)
    episode = tone_episode(station, tmp_path, SLOT_S + 10, "Outage")
    with station.sessions.begin() as session:  # the title card's video loop, for Facebook
        session.get_one(Episode, episode).card_path = str(card_loop.with_suffix(".png"))
    slot_id, start = slot_in(station, episode, 8, SLOT_S)
    env = {**ENV, **({"BROADCASTER_DB": db_url} if db_url else {})}
    args = ("--exit-when-idle",) if exit_when_idle else ()
    daemon = DaemonProcess(tmp_path, env, *args, name="first")
    second = None
    listener = Listener(icecast, tmp_path / "listener.mp3", give_up_s=90)
    try:
        daemon.wait_for("connected to the mount")
        listener.start()
        sleep_until(start + timedelta(seconds=OUTAGE_FROM_S))
        with outage():
            if second_daemon:
                second = DaemonProcess(tmp_path, env, *args, name="second")
            time.sleep(OUTAGE_S)
        ended = start + timedelta(seconds=SLOT_S)
        if exit_when_idle:
            assert daemon.wait(90) == 0, daemon.log()
        else:
            deadline = time.monotonic() + 60
            while slot_status(station, slot_id) in ("scheduled", "on_air"):
                assert time.monotonic() < deadline, daemon.log()
                time.sleep(0.5)
            assert datetime.now(UTC) > ended
            assert daemon.proc.poll() is None, "the daemon stopped: " + daemon.log()
    finally:
        daemon.stop()
        if second is not None:
            second.stop()
    listener.join(30)
    return station, slot_id, daemon, second, listener


def slot_status(station: Station, slot_id: int) -> str:
    with station.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.status


def check_aired_through(
    station: Station, slot_id: int, daemon: DaemonProcess, listener: Listener, nginx: NginxRtmp
) -> None:
    log = daemon.log()
    assert "journalling it" in log and "lease lost" not in log, log
    with station.sessions() as session:
        rows = {
            r.leg: r for r in session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id))
        }
        assert {leg: r.status for leg, r in rows.items()} == {
            "radio": "aired",
            "facebook": "aired",
        }, log
        for row in rows.values():
            assert row.gaps == [] and row.reconnects == 0, (row.leg, row.gaps)
            assert row.actual_start is not None and row.actual_end is not None
            assert (row.actual_end - row.actual_start).total_seconds() > SLOT_S - 1.5
    # The listener heard the mount throughout: never more than a second without audio.
    assert listener.connected_at is not None and listener.longest_wait() < 1.0, (
        listener.longest_wait()
    )
    # Facebook's RTMP server recorded the whole slot.
    [recording] = nginx.recordings(graph_key(station, slot_id))
    assert ffprobe_duration(recording) > SLOT_S - 2


def graph_key(station: Station, slot_id: int) -> str:
    with station.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.facebook_live_id
        return f"FB-{slot.facebook_live_id}"


def test_sqlite_held_for_30_s_the_slot_airs_on_and_the_log_is_written_after(
    tmp_path: Path, icecast: Icecast, nginx: NginxRtmp, graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch, media: Media,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "var" / "broadcaster.db"
    station, slot_id, daemon, second, listener = air_through_outage(
        tmp_path,
        icecast,
        nginx,
        graph,
        lambda: sqlite_held(db),
        media.card_loop,
        second_daemon=True,
    )
    check_aired_through(station, slot_id, daemon, listener, nginx)
    # The daemon started during the outage stood by: it never held the lease or aired.
    assert second is not None
    assert "(standby)" in second.log() and "leader:" not in second.log(), second.log()
    assert len(listener.sources) == 1, listener.sources  # one source connection throughout
    station.close()


@pytest.mark.postgres
@pytest.mark.parametrize("exit_when_idle", [True, False], ids=["exit-when-idle", "run"])
def test_postgresql_stopped_for_30_s_the_slot_airs_on_and_the_log_is_written_after(
    tmp_path: Path, icecast: Icecast, nginx: NginxRtmp, graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch, exit_when_idle: bool, media: Media,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    server = OwnPostgres()
    try:
        station, slot_id, daemon, _, listener = air_through_outage(
            tmp_path, icecast, nginx, graph, lambda: postgres_stopped(server), media.card_loop,
            db_url=server.url, exit_when_idle=exit_when_idle,
        )  # fmt: skip
        check_aired_through(station, slot_id, daemon, listener, nginx)
        with station.sessions() as session:  # one daemon held the lease throughout
            lease = session.scalars(select(LeaderLease)).one()
            assert lease.holder in ("", f"{daemon_host()}:{daemon.pid}")
        station.close()
    finally:
        server.close()


def daemon_host() -> str:
    from broadcaster.daemon.leader import machine

    return machine()
