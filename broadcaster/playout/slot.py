"""Air one slot: every leg starts at the same instant on its own thread and ends at the hard end."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from broadcaster.clock import Clock, system_clock
from broadcaster.outputs.leg import Output
from broadcaster.outputs.programme import Programme
from broadcaster.playout.supervise import LegRecord, LegSupervisor, Timing
from broadcaster.playout.timing import Gap
from broadcaster.states import LegStatus


@dataclass(frozen=True)
class LegPlan:
    """One leg to air: its output, or the reason it cannot air at all (e.g. a refused token)."""

    leg: str
    output: Output | None
    target: str = "aircheck"
    failed_cause: str | None = None


@dataclass(frozen=True)
class SlotPlan:
    """A slot ready to air: times, the media length (None for a live feed), its legs."""

    start: datetime
    end: datetime
    media_s: float | None
    legs: Sequence[LegPlan]
    programme: Programme | None = None
    """The decode the legs share; closed when they have all ended."""


class SlotAiring:
    """The legs of one slot on air; `records()` can be read at any time, `wait()` joins."""

    def __init__(
        self,
        plan: SlotPlan,
        clock: Clock = system_clock,
        stop: threading.Event | None = None,
        timing: Timing = Timing(),
    ) -> None:
        self.plan, self.stop_event = plan, stop or threading.Event()
        self._failed: list[LegRecord] = []
        self.supervisors: list[LegSupervisor] = []
        for leg in plan.legs:
            if leg.output is None:
                self._failed.append(_failed_record(leg, plan))
                continue
            sup = LegSupervisor(
                leg.output,
                leg.leg,
                plan.start,
                plan.end,
                plan.media_s,
                clock,
                self.stop_event,
                timing,
            )
            self.supervisors.append(sup)

    def start(self) -> SlotAiring:
        for sup in self.supervisors:
            sup.start()
        return self

    abandoned = False
    """Set when this daemon lost the lease: another one logs the slot from now on."""

    def abandon(self) -> None:
        """Stop every leg without logging them: the daemon is no longer the leader."""
        self.abandoned = True
        self.stop_event.set()

    def done(self) -> bool:
        return not any(sup.is_alive() for sup in self.supervisors)

    def cut(self) -> None:
        """Stop every leg now (a person or a shutdown): they are logged as cut."""
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> list[LegRecord]:
        deadline = None if timeout is None else time.monotonic() + timeout
        for sup in self.supervisors:
            sup.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if self.done() and self.plan.programme is not None:
            self.plan.programme.close()
        return self.records()

    def records(self) -> list[LegRecord]:
        by_leg = {r.leg: r for r in self._failed}
        by_leg.update({s.record.leg: s.record for s in self.supervisors})
        return [by_leg[leg.leg] for leg in self.plan.legs]


def _failed_record(leg: LegPlan, plan: SlotPlan) -> LegRecord:
    cause = leg.failed_cause or "no output configured"
    return LegRecord(
        leg=leg.leg,
        target=leg.target,
        scheduled_start=plan.start,
        gaps=[Gap(start=plan.start, end=plan.end, cause=cause)],
        status=LegStatus.FAILED,
        cause=cause,
    )


def air(
    plan: SlotPlan,
    clock: Clock = system_clock,
    stop: threading.Event | None = None,
    timing: Timing = Timing(),
) -> list[LegRecord]:
    """Air the slot and return one record per leg once all have ended (blocking)."""
    return SlotAiring(plan, clock, stop, timing).start().wait()
