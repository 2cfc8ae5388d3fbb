"""The daemon: keeps APScheduler's jobs in step with the database and airs each slot.

One `BackgroundScheduler` in UTC holds date jobs that carry only a slot id (`air-ID` a
little before the start, `preflight-ID` some minutes before), rebuilt from the database
by a `tick` every second; nothing is trusted from a job store. The tick also renews the
leader lease: only the holder airs, and a daemon that loses it stops airing at once.

The database may go away (locked by a backup, a server restarting): the leader then keeps
airing what it has loaded for `[station] db_outage_grace`, its as-run log journalled by
the writer (`playout.journal`) and written once the database is back; it stops at once
if it learns that another daemon holds the lease (SPEC 4.6, issue 11).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from broadcaster import on_air
from broadcaster.asrun import mark_missed
from broadcaster.daemon import preflight
from broadcaster.daemon.leader import Succession, this_daemon
from broadcaster.daemon.lease import release
from broadcaster.daemon.monitors import Monitors, OnAirSlot
from broadcaster.daemon.timeline import Action, cue
from broadcaster.db.models import Slot
from broadcaster.facebook import GraphClient
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout import ARM_LEAD_S, SlotAiring, Timing, air_slot
from broadcaster.playout.asrun import close_abandoned
from broadcaster.playout.build import radio_transmitter
from broadcaster.playout.journal import AsRunWriter, journal_for
from broadcaster.schedule.times import parse_duration
from broadcaster.states import ACTIVE, SlotStatus
from broadcaster.station import Station

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DaemonTiming:
    """How far ahead the daemon looks and works; tests shorten the lease."""

    tick_s: float = 1.0
    lease_ttl: timedelta = timedelta(seconds=5)
    horizon: timedelta = timedelta(hours=6)
    arm_lead: timedelta = timedelta(seconds=ARM_LEAD_S)
    preflight_lead: timedelta = timedelta(minutes=10)
    legs: Timing = field(default_factory=Timing)
    db_outage_grace: timedelta | None = None
    """None: `[station] db_outage_grace`."""


@dataclass
class Airing:
    slot_id: int
    start: datetime
    thread: threading.Thread
    stop: threading.Event
    legs: SlotAiring | None = None
    end: datetime | None = None
    title: str = ""


class Daemon:
    """`start()`, then `idle()` / `shutdown()`; `tick()` is the whole decision loop."""

    def __init__(
        self,
        station: Station,
        *,
        timing: DaemonTiming = DaemonTiming(),
        graph: GraphClient | None = None,
        holder: str | None = None,
    ) -> None:
        self.station, self.timing, self.graph = station, timing, graph
        self.holder = holder or this_daemon()
        self.leader = False
        self._lock = threading.RLock()
        self._airings: dict[int, Airing] = {}
        self._checking: set[int] = set()
        """Slots whose pre-flight runs now (never a second one beside it)."""
        self._loaded: dict[int, Slot] = {}
        """The window's slots as last read (with their episodes): aired from when the
        database cannot be read."""
        grace = timing.db_outage_grace or parse_duration(
            station.settings.station.db_outage_grace, "station.db_outage_grace"
        )
        self._grace_s = grace.total_seconds()
        self._db_seen = 0.0  # monotonic: the last time the lease was renewed
        self._db_away = False
        patience = max(2 * timing.tick_s, timing.lease_ttl.total_seconds() / 2)
        self.succession = Succession(self.holder, timing.lease_ttl, patience)
        self.writer = AsRunWriter(station, journal_for(station, self.holder))
        """The one writer of the as-run log (journalled while the database is away)."""
        self.transmitter: Transmitter | None = None
        """The radio mount's transmitter, on air while this daemon leads."""
        self._transmitter_error: str | None = None
        self.monitors = Monitors(station)
        """Relay polling, comment counts, hash erasing: beside the air chain, never in it."""
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(8)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )

    # -- life ----------------------------------------------------------------------------
    def start(self) -> None:
        """Take stock of the database once (ready), then keep in step every tick.

        The radio transmitter is started here (it lives as long as the daemon, from this
        thread); it holds the mount only while this daemon leads."""
        if self.station.settings.radio is not None:
            try:
                self.transmitter = radio_transmitter(self.station.settings)
            except ValueError as exc:
                self._transmitter_error = str(exc)
                log.error("%s: the radio leg of every slot will fail", exc)
            else:
                self.transmitter.hold(False)
                self.transmitter.start()
        self.writer.start()
        self.tick()
        self.monitors.start()
        self.scheduler.add_job(
            self.tick, "interval", seconds=self.timing.tick_s, id="tick", max_instances=1
        )
        self.scheduler.start()

    def shutdown(self, wait_s: float = 20.0) -> None:
        """Cut whatever is on air (logged `cut`), give the lease up, stop the scheduler."""
        self.scheduler.shutdown(wait=False)
        with self._lock:
            airings = list(self._airings.values())
        for airing in airings:
            airing.stop.set()
        deadline = time.monotonic() + wait_s
        for airing in airings:
            airing.thread.join(max(0.1, deadline - time.monotonic()))
        if self.transmitter is not None:
            self.transmitter.stop()
        self.monitors.see([])
        self.monitors.stop()
        self.writer.stop()
        if self.leader:
            self._leave_resumable([a.slot_id for a in airings])
            try:
                with self.station.sessions.begin() as session:
                    on_air.clear(session, self.holder)
                    release(session, self.holder, self.station.clock())
            except SQLAlchemyError as exc:
                log.warning("lease not released: %s", exc)
        self.leader = False

    def _leave_resumable(self, slot_ids: list[int]) -> None:
        """Slots this shutdown cut before their end stay on air in the book (SPEC 4.6): a
        daemon started again inside one resumes it at its offset, the gap logged, unless
        it was cancelled meanwhile. Their legs stay logged `cut` until then."""
        if not slot_ids:
            return
        now = self.station.clock()
        try:
            with self.station.sessions.begin() as session:
                for slot_id in slot_ids:
                    slot = session.get(Slot, slot_id)
                    if slot is None or slot.status == SlotStatus.CANCELLED or slot.end <= now:
                        continue
                    slot.status = SlotStatus.ON_AIR
                    log.info(
                        "slot %s cut by the shutdown; a daemon started before %s resumes it",
                        slot_id,
                        slot.end.isoformat(timespec="seconds"),
                    )
        except SQLAlchemyError as exc:
            log.warning("slots cut by the shutdown not marked for resuming: %s", _first_line(exc))

    def on_air(self) -> list[int]:
        with self._lock:
            return [sid for sid, a in self._airings.items() if a.thread.is_alive()]

    def idle(self) -> bool:
        """Nothing on air here, nothing still to air and the as-run log all written (for
        `run --exit-when-idle`); never idle while the database cannot tell."""
        if self.on_air() or not self.writer.caught_up():
            return False
        now = self.station.clock()
        try:
            with self.station.sessions() as session:
                pending = exists().where(Slot.status.in_(ACTIVE), Slot.end > now)
                return not session.scalar(select(pending))
        except SQLAlchemyError:
            return False

    # -- the loop ------------------------------------------------------------------------
    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # the loop must survive a bad moment; the next tick retries
            log.exception("daemon tick failed")

    def _tick(self) -> None:
        now = self.station.clock()
        if not self._renew(now) or self._db_away:
            return
        if not self.writer.caught_up():
            return  # the journal first: nothing is decided on a log still being written
        due: list[int] = []
        wanted: dict[str, tuple[datetime, int, str]] = {}
        with self.station.sessions.begin() as session:
            for slot in mark_missed(session, now):
                log.warning("slot %s (%s) missed: its time passed off air", slot.id, slot.start)
            self._close_abandoned(session, now)
            window = session.scalars(
                select(Slot)
                .where(Slot.status.in_(ACTIVE), Slot.end > now)
                .where(Slot.start < now + self.timing.horizon)
                .order_by(Slot.start)
            ).all()
            for slot in window:
                _ = slot.episode  # loaded with it, for airing from if the database goes
            self._loaded = {slot.id: slot for slot in window}
            with self._lock:
                airing = {sid: a for sid, a in self._airings.items() if a.thread.is_alive()}
            for slot in window:
                if slot.id in airing:
                    continue
                step = cue(slot.start, slot.end, slot.status, now, self.timing.arm_lead)
                if step.action is Action.RESUME or (step.action is Action.ARM and step.at <= now):
                    due.append(slot.id)
                elif step.action is Action.ARM:
                    wanted[f"air-{slot.id}"] = (step.at, slot.id, "air")
                    checked = (slot.preflight or {}).get("checked_at")
                    if checked is None and slot.id not in self._checking:
                        at = max(now, slot.start - self.timing.preflight_lead)
                        wanted[f"preflight-{slot.id}"] = (at, slot.id, "preflight")
            for sid, a in airing.items():  # cancelled or moved while on air: stop it
                held = session.get(Slot, sid)
                if held is None or held.status == SlotStatus.CANCELLED or held.start != a.start:
                    log.warning("slot %s was cancelled or moved while on air: cutting it", sid)
                    a.stop.set()
        self._sync_jobs(wanted)
        for sid in due:
            self.begin(sid)
        self._publish()

    def _publish(self) -> None:
        """Write what is on air here for the web and the monitors (`broadcaster.on_air`)."""
        with self._lock:
            airings = [a for a in self._airings.values() if a.legs is not None]
        legs = []
        slots = []
        for airing in airings:
            assert airing.legs is not None
            records = airing.legs.records()
            slots.append(
                OnAirSlot(
                    airing.slot_id,
                    airing.start,
                    airing.end or airing.start,
                    {rec.leg: str(rec.status) for rec in records},
                )
            )
            for rec in records:
                gap = rec.gaps[-1].as_json() if rec.gaps else None
                legs.append(
                    on_air.LegNow(
                        slot_id=airing.slot_id,
                        leg=rec.leg,
                        state=rec.status,
                        title=airing.title,
                        target=rec.target,
                        scheduled_start=airing.start,
                        end=airing.end or airing.start,
                        last_gap=gap,
                        reconnects=rec.reconnects,
                    )
                )
        self.monitors.see(slots)
        with self.station.sessions.begin() as session:
            on_air.publish(session, self.holder, legs, self.station.clock())

    def _renew(self, now: datetime) -> bool:
        """Hold the lease; on losing it, stop airing at once (never two daemons on air).

        While the database is away the leader stays on air for the grace period: no other
        daemon can take the lease meanwhile without the database either."""
        try:
            with self.station.sessions.begin() as session:
                held = self.succession.claim(session, now)
        except SQLAlchemyError as exc:
            return self._database_away(exc)
        if self._db_away:
            self._db_away = False
            log.info(
                "the database is back after %.0f s; %s",
                time.monotonic() - self._db_seen,
                "still the leader" if held else "another daemon holds the lease",
            )
        if held:
            if not self.leader:
                log.info("leader: %s holds the on-air lease", self.holder)
                if self.transmitter is not None:
                    self.transmitter.hold(True)
            self.leader = True
            self._db_seen = time.monotonic()
            return True
        if self.leader:
            log.warning("lease lost: stopping everything on air (another daemon holds it)")
            self._abandon_all()
            if self.transmitter is not None:
                self.transmitter.hold(False)
        self.leader = False
        self._sync_jobs({})
        return False

    def _database_away(self, exc: SQLAlchemyError) -> bool:
        """The lease could not be renewed: stay on air within the grace period."""
        away_s = time.monotonic() - self._db_seen
        if not self._db_away:
            self._db_away = True
            if self.leader:
                log.warning(
                    "the database is away (%s): staying on air for up to %s, the as-run log "
                    "journalled",
                    _first_line(exc),
                    self.station.settings.station.db_outage_grace
                    if self.timing.db_outage_grace is None
                    else f"{self._grace_s:.0f} s",
                )
            else:
                log.warning("the database is away (%s): standing by", _first_line(exc))
        if not self.leader:
            return False
        if away_s < self._grace_s:
            return True
        log.error(
            "the database has been away for %.0f s, past the outage grace: stopping everything "
            "on air (a daemon that reaches it may take over)",
            away_s,
        )
        self._abandon_all()
        if self.transmitter is not None:
            self.transmitter.hold(False)
        self.leader = False
        self._sync_jobs({})
        return False

    def _close_abandoned(self, session: Session, now: datetime) -> None:
        stale = session.scalars(
            select(Slot).where(Slot.status == SlotStatus.ON_AIR, Slot.end <= now)
        ).all()
        for slot in stale:
            if slot.id not in self._airings:
                close_abandoned(session, slot, now)
                log.warning("slot %s ended while no daemon was on air: logged partial", slot.id)

    def _sync_jobs(self, wanted: dict[str, tuple[datetime, int, str]]) -> None:
        for job in self.scheduler.get_jobs():
            if job.id != "tick" and job.id not in wanted:
                job.remove()
        for job_id, (at, slot_id, kind) in wanted.items():
            job = self.scheduler.get_job(job_id)
            if job is not None and job.next_run_time == at:
                continue
            func = self.begin if kind == "air" else self.preflight
            self.scheduler.add_job(
                func, "date", run_date=at, args=[slot_id], id=job_id, replace_existing=True
            )

    # -- the work ------------------------------------------------------------------------
    def begin(self, slot_id: int) -> None:
        """Put slot `slot_id` on air (its legs wait for the start to the frame)."""
        with self._lock:
            if not self.leader or slot_id in self._airings:
                return
            try:
                with self.station.sessions() as session:
                    slot = session.get(Slot, slot_id)
                    if slot is None or slot.status not in ACTIVE:
                        return
                    start, end, title = slot.start, slot.end, slot.episode.title
            except SQLAlchemyError as exc:
                loaded = self._loaded.get(slot_id)
                if loaded is None:
                    log.error("slot %s cannot be read (%s): not aired", slot_id, _first_line(exc))
                    return
                log.warning("slot %s: the database is away; airing it as loaded", slot_id)
                start, end, title = loaded.start, loaded.end, loaded.episode.title
            stop = threading.Event()
            thread = threading.Thread(
                target=self._air, args=(slot_id, stop), name=f"slot-{slot_id}"
            )
            self._airings[slot_id] = Airing(slot_id, start, thread, stop, end=end, title=title)
            thread.start()

    def _air(self, slot_id: int, stop: threading.Event) -> None:
        def seen(legs: SlotAiring) -> None:
            with self._lock:
                self._airings[slot_id].legs = legs

        try:
            log.info("slot %s: on air", slot_id)
            records = air_slot(
                self.station,
                slot_id,
                stop=stop,
                timing=self.timing.legs,
                graph=self.graph,
                on_air=seen,
                transmitter=self.transmitter,
                transmitter_error=self._transmitter_error,
                writer=self.writer,
                loaded=self._loaded.get(slot_id),
            )
            log.info("slot %s: %s", slot_id, ", ".join(f"{r.leg} {r.status}" for r in records))
        except Exception:
            log.exception("slot %s could not be aired", slot_id)
        finally:
            with self._lock:
                self._airings.pop(slot_id, None)

    def preflight(self, slot_id: int) -> None:
        """Check the slot's files and servers, make its live video; no transaction is
        open meanwhile (the Graph API may take its time)."""
        with self._lock:
            if slot_id in self._checking:
                return
            self._checking.add(slot_id)
        try:
            with self.station.sessions() as session:
                slot = session.get(Slot, slot_id)
                if slot is None or slot.status != SlotStatus.SCHEDULED:
                    return
                _ = slot.episode
                session.expunge_all()
            now = self.station.clock()
            checks = preflight.run_checks(self.station.settings, slot, now, self.graph)
            with self.station.sessions.begin() as session:
                preflight.store(session, slot)
        finally:
            with self._lock:
                self._checking.discard(slot_id)
        for check in checks:
            level = logging.INFO if check.ok else logging.WARNING
            log.log(level, "preflight slot %s: %s %s", slot_id, check.name, check.detail)

    def _abandon_all(self) -> None:
        with self._lock:
            for airing in self._airings.values():
                if airing.legs is not None:
                    airing.legs.abandon()
                else:
                    airing.stop.set()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
