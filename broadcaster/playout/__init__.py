"""Playout: airs one slot to all its legs at once, supervises them, records the as-run log.

The daemon calls `air_slot(station, slot_id, stop=event)` on a thread `ARM_LEAD_S` before the
slot's start: the legs connect ahead and release their audio at the start itself.
Its parts: `slot_plan(...)` builds the legs, `SlotAiring(plan, clock).start()` (or the
blocking `air(plan)`) airs them, `record_legs(session, slot_id, records, now)` stores them.
"""

from broadcaster.playout.asrun import record_legs
from broadcaster.playout.build import slot_plan
from broadcaster.playout.run import air_slot
from broadcaster.playout.slot import LegPlan, SlotAiring, SlotPlan, air
from broadcaster.playout.supervise import ARM_LEAD_S, LegRecord, Timing

__all__ = [
    "ARM_LEAD_S",
    "LegPlan",
    "LegRecord",
    "SlotAiring",
    "SlotPlan",
    "Timing",
    "air",
    "air_slot",
    "record_legs",
    "slot_plan",
]
