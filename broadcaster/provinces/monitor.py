"""The relay monitor: while a slot with a radio leg is on air, each province's relay is
polled (its Icecast `status-json.xsl`) or its heartbeats read, every `relay_poll_s`; when
the slot leaves the air (or the daemon stops) its carriage per province is written.

It runs on its own thread (`daemon.monitors`) and never touches the air chain. Polls go
out together on a small pool of its own, each bounded by a timeout shorter than the
period; a server that is down, slow or answers garbage counts as not carrying.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from broadcaster.daemon.monitors import OnAirSlot
from broadcaster.db.models import Province, ProvinceCarriage, Slot
from broadcaster.provinces import relays
from broadcaster.provinces.carriage import (
    Carriage,
    CarriageStatus,
    Report,
    Segment,
    combine,
    silence,
)
from broadcaster.provinces.carriage import carriage as carriage_of
from broadcaster.provinces.heartbeat import last_reports
from broadcaster.station import Station

log = logging.getLogger(__name__)

SILENT_PERIODS = 3
"""A province silent this many polling periods counts as not carrying from its last report."""
CHECKPOINT = timedelta(seconds=10)
"""While a slot airs its carriage so far is written this often (for the on-air panel, and so
that a daemon that dies inside a slot loses at most this much)."""


Answer = Future[tuple[datetime, dict[str, relays.RelayState] | None]]
"""A poll of one server under way: when it was asked, and each relay mount's state (None:
no answer in time)."""


@dataclass
class Watch:
    """One radio slot being watched, and what each of its provinces reported."""

    slot_id: int
    start: datetime
    end: datetime
    provinces: tuple[str, ...]
    relays: dict[str, str]
    """province code -> relay URL, for the provinces polled."""
    before: dict[str, Carriage] = field(default_factory=dict)
    """What an earlier daemon wrote for this slot (it was restarted inside it)."""
    reports: dict[str, list[Report]] = field(default_factory=dict)
    ended: datetime | None = None
    """When the slot left the air (then it is written, and forgotten once written)."""
    written: datetime | None = None

    def add(self, code: str, report: Report) -> None:
        seen = self.reports.setdefault(code, [])
        if not seen or report.at > seen[-1].at:  # the same heartbeat read again: once
            seen.append(report)

    def note_silence(self, now: datetime, hold: timedelta) -> None:
        """Provinces whose last report, a carrying one, is older than `hold`: not carrying
        from that report on."""
        for seen in self.reports.values():
            quiet = silence(seen, now, hold)
            if quiet is not None:
                seen.append(quiet)


class ProvinceMonitor:
    """A `daemon.monitors.Monitor`: the provinces' relays while slots air."""

    name = "provinces"

    def __init__(self, station: Station, fetch: relays.Fetch = relays.fetch_status) -> None:
        self.station = station
        self.interval_s = float(station.settings.station.relay_poll_s)
        self.hold = timedelta(seconds=SILENT_PERIODS * self.interval_s)
        self.timeout_s = min(5.0, 0.8 * self.interval_s)
        self.fetch = fetch
        self._watches: dict[int, Watch] = {}
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="relay-poll")
        self._pending: dict[str, Answer] = {}
        self._said: dict[str, bool] = {}

    # -- the Monitor protocol ---------------------------------------------------------
    def step(self, on_air: Sequence[OnAirSlot], now: datetime) -> None:
        radio = {s.slot_id: s for s in on_air if "radio" in s.legs}
        for slot_id, slot in radio.items():
            if slot_id not in self._watches:
                self._begin(slot, now)
        for slot_id, watch in self._watches.items():
            if slot_id not in radio and watch.ended is None:
                watch.ended = now
        watching = [w for w in self._watches.values() if w.ended is None]
        if watching:
            self._poll(watching)
            self._heartbeats(watching)
            looked = self.station.clock()
            for watch in watching:
                watch.note_silence(looked, self.hold)
        for watch in [w for w in self._watches.values() if w.ended is not None]:
            self._finish(watch)
        for watch in watching:
            due = watch.written is None or now - watch.written >= CHECKPOINT
            if due and now > watch.start:
                self._checkpoint(watch, now)

    def close(self) -> None:
        now = self.station.clock()
        for watch in self._watches.values():
            if watch.ended is None:
                watch.note_silence(now, self.hold)
                watch.ended = now
        for watch in list(self._watches.values()):
            self._finish(watch)
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- the work ---------------------------------------------------------------------
    def _begin(self, slot: OnAirSlot, now: datetime) -> None:
        try:
            with self.station.sessions() as session:
                row = session.get(Slot, slot.slot_id)
                wanted = list(row.provinces) if row is not None else []
                provinces = session.scalars(
                    select(Province)
                    .where(Province.code.in_(wanted), Province.active.is_(True))
                    .order_by(Province.position)
                ).all()
                codes = tuple(p.code for p in provinces)
                polled = {p.code: p.relay for p in provinces if p.relay}
                before = {
                    r.province_code: stored(r)
                    for r in session.scalars(
                        select(ProvinceCarriage).where(ProvinceCarriage.slot_id == slot.slot_id)
                    )
                }
        except SQLAlchemyError as exc:
            log.warning("slot %s: provinces not read (%s); trying again", slot.slot_id, exc)
            return
        self._watches[slot.slot_id] = Watch(
            slot.slot_id, slot.start, slot.end, codes, polled, before
        )
        log.info(
            "slot %s: watching %d provinces (%d relays polled every %g s)",
            slot.slot_id, len(codes), len(polled), self.interval_s,
        )  # fmt: skip

    def _poll(self, watching: list[Watch]) -> None:
        """One poll of every relay server the watched slots need, together."""
        by_server: dict[str, set[str]] = {}
        for watch in watching:
            for relay in watch.relays.values():
                by_server.setdefault(relays.status_url(relay), set()).add(relay)
        asked: list[tuple[list[str], Answer]] = []
        for url, relays_there in by_server.items():
            wanted = sorted(relays_there)
            busy = self._pending.get(url)
            if busy is not None and not busy.done():
                continue  # still waiting for its last answer: no report this period
            future = self._pool.submit(self._ask, url, wanted)
            self._pending[url] = future
            asked.append((wanted, future))
        if not asked:
            return
        wait([f for _, f in asked], timeout=min(self.timeout_s + 0.5, 0.9 * self.interval_s))
        for _wanted, future in asked:
            # A server too slow to answer this period makes no report; silent for
            # SILENT_PERIODS, it counts as not carrying from its last report.
            if future.done() and future.exception() is None:
                at, states = future.result()
                if states is not None:
                    self._note(watching, states, at)

    def _ask(
        self, url: str, wanted: list[str]
    ) -> tuple[datetime, dict[str, relays.RelayState] | None]:
        at = self.station.clock()
        return at, relays.poll(url, wanted, self.timeout_s, self.fetch)

    def _note(
        self, watching: list[Watch], states: dict[str, relays.RelayState], at: datetime
    ) -> None:
        for watch in watching:
            for code, relay in watch.relays.items():
                state = states.get(relay)
                if state is None:
                    continue
                watch.add(code, Report(at, state.carrying, state.listeners))
                self._say(code, state.carrying, state.problem)

    def _heartbeats(self, watching: list[Watch]) -> None:
        codes = {c for w in watching for c in w.provinces if c not in w.relays}
        if not codes:
            return
        try:
            with self.station.sessions() as session:
                reports = last_reports(session, codes)
        except SQLAlchemyError as exc:
            log.warning("heartbeats not read (%s); trying again", exc)
            return
        for watch in watching:
            for code in watch.provinces:
                if code in reports and code not in watch.relays:
                    watch.add(code, reports[code])

    def _say(self, code: str, carrying: bool, problem: str | None) -> None:
        """Log a province's relay going off or coming back (once per change)."""
        if self._said.get(code) == carrying:
            return
        self._said[code] = carrying
        if carrying:
            log.info("province %s: relay carrying the feed", code)
        else:
            log.warning("province %s: relay not carrying the feed (%s)", code, problem or "off")

    def _finish(self, watch: Watch) -> None:
        """Write the slot's carriage per province; forget the watch once written."""
        assert watch.ended is not None
        try:
            with self.station.sessions.begin() as session:
                summary = write_carriage(session, watch, watch.ended, self.hold)
        except SQLAlchemyError as exc:
            log.warning("slot %s: carriage not written yet (%s)", watch.slot_id, exc)
            return
        log.info("slot %s: provinces %s", watch.slot_id, ", ".join(summary) or "none")
        self._watches.pop(watch.slot_id, None)

    def _checkpoint(self, watch: Watch, now: datetime) -> None:
        """The carriage so far (statuses against the whole slot), while the slot airs."""
        try:
            with self.station.sessions.begin() as session:
                write_carriage(session, watch, now, self.hold)
        except SQLAlchemyError as exc:
            log.warning("slot %s: carriage so far not written (%s)", watch.slot_id, exc)
        watch.written = now


def write_carriage(session: Session, watch: Watch, until: datetime, hold: timedelta) -> list[str]:
    """One row per province of the slot, as watched up to `until`; a slot watched before (a
    daemon restarted inside it) keeps what was seen then too. Returns `CODE status` each."""
    existing = {
        row.province_code: row
        for row in session.scalars(
            select(ProvinceCarriage).where(ProvinceCarriage.slot_id == watch.slot_id)
        )
    }
    scheduled_s = (watch.end - watch.start).total_seconds()
    summary = []
    for code in watch.provinces:
        got = carriage_of(watch.reports.get(code, []), watch.start, watch.end, until, hold)
        got = combine(watch.before.get(code), got, watch.start, watch.end)
        row = existing.get(code)
        if row is None:
            row = ProvinceCarriage(slot_id=watch.slot_id, province_code=code)
            session.add(row)
        row.segments = [
            {"start": s.start.isoformat(), "end": s.end.isoformat()} for s in got.segments
        ]
        row.status = got.status
        row.carried_s = round(got.carried_s, 3)
        row.peak_listeners = got.peak_listeners
        row.slot_start = watch.start
        row.scheduled_s = scheduled_s
        summary.append(f"{code} {got.status}")
    session.flush()
    return summary


def stored(row: ProvinceCarriage) -> Carriage:
    segments = tuple(
        Segment(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in row.segments
    )
    return Carriage(CarriageStatus(row.status), segments, row.carried_s, row.peak_listeners)


def province_monitor(station: Station) -> ProvinceMonitor | None:
    """The monitor, if any province has a relay to poll or a heartbeat token."""
    try:
        with station.sessions() as session:
            watched = session.scalar(
                select(Province.code)
                .where(Province.active.is_(True))
                .where(or_(Province.relay.is_not(None), Province.heartbeat_token_hash.is_not(None)))
                .limit(1)
            )
    except SQLAlchemyError as exc:
        log.warning("provinces not read (%s); watching them anyway", exc)
        return ProvinceMonitor(station)
    return ProvinceMonitor(station) if watched is not None else None
