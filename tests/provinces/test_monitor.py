"""The relay monitor on each database: fed what is on air as the daemon feeds it, its
relays answered by a scripted fetch, its clock moved by hand; what it writes is checked."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from broadcaster.daemon.monitors import OnAirSlot
from broadcaster.db.models import ProvinceCarriage
from broadcaster.provinces.heartbeat import record_heartbeat
from broadcaster.provinces.monitor import ProvinceMonitor, province_monitor
from broadcaster.provinces.tokens import find_province
from broadcaster.station import Station
from tests.conftest import FakeClock
from tests.provinces.factories import RELAY_A, RELAY_B, episode, slot, watch_provinces

STEP_S = 5.0  # the default [station] relay_poll_s


class Relays:
    """What each relay server answers now: mounts up with listeners, down, or garbage."""

    def __init__(self) -> None:
        self.up: dict[str, dict[str, int]] = {
            RELAY_A: {"/pnh.mp3": 3, "/kdl.mp3": 1},
            RELAY_B: {"/srp.mp3": 2},
        }
        self.down: set[str] = set()
        self.garbage: set[str] = set()
        self.asked: list[str] = []

    def fetch(self, url: str, timeout_s: float) -> bytes:
        server = url.removesuffix("/status-json.xsl")
        self.asked.append(server)
        if server in self.down:
            raise requests.ConnectionError("refused")
        if server in self.garbage:
            return b"<html>502 Bad Gateway</html>"
        sources = [
            {"listenurl": f"{server}{mount}", "listeners": n}
            for mount, n in self.up[server].items()
        ]
        return json.dumps({"icestats": {"source": sources}}).encode()


def rows(station: Station, slot_id: int) -> dict[str, ProvinceCarriage]:
    with station.sessions() as session:
        found = session.scalars(
            select(ProvinceCarriage).where(ProvinceCarriage.slot_id == slot_id)
        ).all()
        return {r.province_code: r for r in found}


def beat(station: Station, code: str, carrying: bool = True, listeners: int = 5) -> None:
    with station.sessions.begin() as session:
        record_heartbeat(find_province(session, code), carrying, listeners, station.clock())


def test_a_slot_watched_from_before_its_start_to_its_end(
    station: Station, caplog: pytest.LogCaptureFixture
) -> None:
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now + timedelta(seconds=2)
    slot_id = slot(station, episode(station), start, 60, status="on_air")
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=60), {"radio": "on_air"})]
    relays = Relays()
    monitor = province_monitor(station)
    assert isinstance(monitor, ProvinceMonitor) and monitor.interval_s == STEP_S
    monitor.fetch = relays.fetch
    caplog.set_level(logging.INFO, "broadcaster.provinces")
    t = -2.0
    while t <= 63:
        clock.now = start + timedelta(seconds=t)
        relays.down = {RELAY_B} if 20 <= t < 30 else set()  # Siem Reap off for 10 s
        relays.garbage = {RELAY_A} if t == 48 else set()  # one answer that is not JSON
        if t <= 28:
            beat(station, "TKO", listeners=int(t) + 10)  # then Takeo's site goes quiet
        monitor.step(on_air if t < 60 else [], clock.now)  # off the air after its end
        t += STEP_S
    monitor.close()

    got = rows(station, slot_id)
    assert {code: r.status for code, r in got.items()} == {
        "PNH": "partial", "KDL": "partial", "SRP": "partial", "TKO": "partial",
        "BTB": "unknown",
    }  # fmt: skip
    at = lambda s: (start + timedelta(seconds=s)).isoformat()  # noqa: E731
    # Polled at -2, 3, ... 58: the garbage at 48 reads as off until the poll at 53.
    assert got["PNH"].segments == [
        {"start": at(0), "end": at(48)},
        {"start": at(53), "end": at(60)},
    ]
    assert got["SRP"].segments == [
        {"start": at(0), "end": at(23)},
        {"start": at(33), "end": at(60)},
    ]
    assert got["SRP"].carried_s == 50.0 and got["SRP"].peak_listeners == 2
    # Takeo's last heartbeat was at 28: silent for 3 periods, not carrying from then on.
    assert got["TKO"].segments == [{"start": at(0), "end": at(28)}]
    assert got["TKO"].peak_listeners == 38
    assert got["BTB"].segments == [] and got["BTB"].carried_s == 0
    assert got["BTB"].peak_listeners is None
    for row in got.values():
        assert row.slot_start == start and row.scheduled_s == 60
    # One request per server per period, whatever the number of its mounts.
    assert relays.asked.count(RELAY_A) == relays.asked.count(RELAY_B) == 13
    assert "province SRP: relay not carrying the feed (server unreachable)" in caplog.text


def test_a_relay_up_throughout_is_full_and_close_finishes_what_is_open(station: Station) -> None:
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now + timedelta(seconds=1)
    slot_id = slot(station, episode(station), start, 30, provinces=("PNH", "SRP"))
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=30), {"radio": "on_air"})]
    relays = Relays()
    monitor = ProvinceMonitor(station, fetch=relays.fetch)
    for t in (-1, 4, 9, 14, 19, 24, 29):
        clock.now = start + timedelta(seconds=t)
        monitor.step(on_air, clock.now)
    clock.now = start + timedelta(seconds=31)
    monitor.close()  # the daemon stops just after the end: the slot is written
    got = rows(station, slot_id)
    assert {c: (r.status, r.carried_s) for c, r in got.items()} == {
        "PNH": ("full", 30.0), "SRP": ("full", 30.0),
    }  # fmt: skip


def test_a_daemon_restarted_inside_a_slot_keeps_both_parts(station: Station) -> None:
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now
    slot_id = slot(station, episode(station), start, 40, provinces=("PNH",))
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=40), {"radio": "on_air"})]
    relays = Relays()
    first = ProvinceMonitor(station, fetch=relays.fetch)
    for t in (0, 5, 10):
        clock.now = start + timedelta(seconds=t)
        first.step(on_air, clock.now)
    clock.now = start + timedelta(seconds=12)
    first.close()  # SIGTERM at 12 s
    assert rows(station, slot_id)["PNH"].carried_s == 12.0
    second = ProvinceMonitor(station, fetch=relays.fetch)  # resumed at 20 s
    for t in (20, 25, 30, 35, 41):
        clock.now = start + timedelta(seconds=t)
        second.step(on_air if t < 41 else [], clock.now)
    row = rows(station, slot_id)["PNH"]
    assert row.carried_s == 32.0 and row.status == "partial"
    assert len(row.segments) == 2


def test_only_radio_slots_are_watched_and_nothing_watched_means_no_monitor(
    station: Station,
) -> None:
    assert province_monitor(station) is None  # no relay, no heartbeat token
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now
    slot_id = slot(station, episode(station), start, 20, destinations=("facebook",))
    relays = Relays()
    monitor = ProvinceMonitor(station, fetch=relays.fetch)
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=20), {"facebook": "on_air"})]
    monitor.step(on_air, clock.now)
    clock.now += timedelta(seconds=30)
    monitor.step([], clock.now)
    monitor.close()
    assert relays.asked == [] and rows(station, slot_id) == {}


def test_a_fetch_that_fails_oddly_counts_as_not_carrying(station: Station) -> None:
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now
    slot_id = slot(station, episode(station), start, 10, provinces=("PNH",))
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=10), {"radio": "on_air"})]

    def broken(url: str, timeout_s: float) -> bytes:
        raise RuntimeError("something nobody expected")

    monitor = ProvinceMonitor(station, fetch=broken)
    for t in (0, 5):
        clock.now = start + timedelta(seconds=t)
        monitor.step(on_air, clock.now)
    clock.now = start + timedelta(seconds=11)
    monitor.step([], clock.now)
    monitor.close()
    assert rows(station, slot_id)["PNH"].status == "none"


def test_the_carriage_so_far_is_written_while_the_slot_airs(station: Station) -> None:
    """A daemon killed inside a slot (no close) leaves what it saw up to its last checkpoint;
    the one started after it adds what it sees."""
    watch_provinces(station)
    clock = station.clock
    assert isinstance(clock, FakeClock)
    start = clock.now
    slot_id = slot(station, episode(station), start, 60, provinces=("PNH",))
    on_air = [OnAirSlot(slot_id, start, start + timedelta(seconds=60), {"radio": "on_air"})]
    relays = Relays()
    killed = ProvinceMonitor(station, fetch=relays.fetch)
    for t in (-1, 4, 9, 14, 19, 24):
        clock.now = start + timedelta(seconds=t)
        killed.step(on_air, clock.now)
        if t == 9:  # the first checkpoint (at 4 s) is there while the slot airs
            assert rows(station, slot_id)["PNH"].carried_s == 4.0
    so_far = rows(station, slot_id)["PNH"]
    assert (so_far.carried_s, so_far.status) == (24.0, "partial")  # checkpointed at 24 s
    after = ProvinceMonitor(station, fetch=relays.fetch)
    for t in (40, 45, 50, 55, 61):
        clock.now = start + timedelta(seconds=t)
        after.step(on_air if t < 60 else [], clock.now)
    row = rows(station, slot_id)["PNH"]
    assert row.carried_s == 44.0 and len(row.segments) == 2
