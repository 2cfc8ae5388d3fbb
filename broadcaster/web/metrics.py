"""`GET /metrics`: the station's figures in Prometheus' text format, read at scrape time.

Read from the database (so a web-only process on another machine reports the same) and
from this process's preparation jobs. A private registry per app: no global state.
prometheus_client is imported at the first scrape, not at start: the daemon's idle memory
(B6) has no room to spare.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from broadcaster import on_air
from broadcaster.daemon.lease import current_holder
from broadcaster.db.models import SLOT_STATUSES, AsRunLeg, Slot
from broadcaster.states import LegStatus, SlotStatus
from broadcaster.station import Station

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric
from broadcaster.web.jobs import PreparationJobs

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WITH_GAPS = (LegStatus.PARTIAL, LegStatus.FAILED, LegStatus.CUT, LegStatus.ON_AIR)


class StationCollector:
    """A prometheus_client collector (it only needs `collect`)."""

    def __init__(self, station: Station, jobs: PreparationJobs) -> None:
        self.station, self.jobs = station, jobs

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        now, zone = self.station.clock(), self.station.settings.zone
        with self.station.sessions() as session:
            slots: dict[str, int] = dict.fromkeys(SLOT_STATUSES, 0)
            for status, count in session.execute(
                select(Slot.status, func.count()).group_by(Slot.status)
            ):
                slots[status] = count
            legs = session.execute(
                select(
                    AsRunLeg.leg, AsRunLeg.status, func.count(), func.sum(AsRunLeg.reconnects)
                ).group_by(AsRunLeg.leg, AsRunLeg.status)
            ).all()
            gaps: dict[tuple[str, str], list[float]] = {}
            rows = session.execute(
                select(AsRunLeg.leg, AsRunLeg.gaps).where(
                    (AsRunLeg.reconnects > 0) | AsRunLeg.status.in_(WITH_GAPS)
                )
            )
            for leg, leg_gaps in rows:
                for gap in leg_gaps or []:
                    key = (leg, str(gap.get("cause") or "unknown"))
                    gaps.setdefault(key, []).append(_gap_seconds(gap))
            airing = on_air.read(session, now, zone)
            leader = current_holder(session, now)

        by_status = GaugeMetricFamily(
            "broadcaster_slots", "Slots in the book, by status", labels=["status"]
        )
        for status, count in slots.items():
            by_status.add_metric([status], count)
        yield by_status
        aired = CounterMetricFamily(
            "broadcaster_slots_aired", "Slots that went out (aired or partial)"
        )
        aired.add_metric([], slots[SlotStatus.AIRED] + slots[SlotStatus.PARTIAL])
        yield aired
        missed = CounterMetricFamily("broadcaster_slots_missed", "Slots that nobody aired")
        missed.add_metric([], slots[SlotStatus.MISSED])
        yield missed

        leg_count = CounterMetricFamily(
            "broadcaster_legs", "As-run legs, by leg and status", labels=["leg", "status"]
        )
        reconnects = CounterMetricFamily(
            "broadcaster_leg_reconnects", "Reconnects of legs, by leg", labels=["leg"]
        )
        per_leg: dict[str, int] = {}
        for leg, status, count, total in legs:
            leg_count.add_metric([leg, status], count)
            per_leg[leg] = per_leg.get(leg, 0) + int(total or 0)
        for leg, total in sorted(per_leg.items()):
            reconnects.add_metric([leg], total)
        yield leg_count
        yield reconnects

        gap_count = CounterMetricFamily(
            "broadcaster_leg_gaps", "Gaps in legs, by leg and cause", labels=["leg", "cause"]
        )
        gap_time = CounterMetricFamily(
            "broadcaster_leg_gap_seconds",
            "Time lost to gaps, by leg and cause",
            labels=["leg", "cause"],
        )
        for (leg, cause), lengths in sorted(gaps.items()):
            gap_count.add_metric([leg, cause], len(lengths))
            gap_time.add_metric([leg, cause], round(sum(lengths), 3))
        yield gap_count
        yield gap_time

        state = GaugeMetricFamily(
            "broadcaster_on_air",
            "Legs on air now (1 per leg), from the daemon's snapshot",
            labels=["slot_id", "leg", "state"],
        )
        for row in airing:
            state.add_metric([str(row["slot_id"]), str(row["leg"]), str(row["state"])], 1)
        yield state
        has_leader = GaugeMetricFamily("broadcaster_leader", "1 if a daemon holds the lease")
        has_leader.add_metric([], 1 if leader else 0)
        yield has_leader

        jobs = GaugeMetricFamily(
            "broadcaster_preparation_jobs",
            "Upload preparation jobs in this process, by state",
            labels=["state"],
        )
        for job_state, count in self.jobs.counts().items():
            jobs.add_metric([job_state], count)
        yield jobs


def _gap_seconds(gap: dict[str, Any]) -> float:
    from datetime import datetime

    try:
        start = datetime.fromisoformat(gap["start"])
        end = datetime.fromisoformat(gap["end"]) if gap.get("end") else None
    except (KeyError, TypeError, ValueError):
        return 0.0
    return max(0.0, (end - start).total_seconds()) if end else 0.0


class Scrape:
    """The registry of one app, made at the first scrape."""

    def __init__(self, station: Station, jobs: PreparationJobs) -> None:
        self.collector = StationCollector(station, jobs)
        self._registry: CollectorRegistry | None = None

    def render(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if self._registry is None:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(self.collector)
            self._registry = registry
        return generate_latest(self._registry)
