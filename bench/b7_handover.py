"""B7 (ours, not in SPEC 6): what a listener notices where back-to-back slots meet on one mount.

Five 6-s slots one after another on one mount of a loopback icecast2, each handed to playout
`ARM_LEAD_S` ahead as the daemon does; one listener tuned in from the first start. Measured:
how much of the 30 s the listener heard before Icecast dropped it (ffprobe of what it
received), its longest wait for audio while connected, and how late the as-run log says each
slot after the first went on air. Baseline, in the same run: the hand-over switched off (each
slot's leg connects for itself).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.outputs import IcecastLeg, handover
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotAiring, SlotPlan
from broadcaster.playout.supervise import LegRecord
from tests.conftest import make_tone
from tests.integration.conftest import ffprobe_duration
from tests.integration.servers import ICECAST_PASSWORD, Icecast, Listener

SLOT_S, SLOTS = 6.0, 5


def air_back_to_back(
    icecast: Icecast, tone: Path, out: Path
) -> tuple[Listener, float, list[LegRecord]]:
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=ARM_LEAD_S + 2)
    listener = Listener(icecast, out, give_up_s=SLOTS * SLOT_S + 20)
    listener.start()
    airings = []
    for i in range(SLOTS):
        start = first + timedelta(seconds=i * SLOT_S)
        time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds() - ARM_LEAD_S))
        leg = IcecastLeg(
            "radio", str(tone), url=icecast.url(), password=ICECAST_PASSWORD, title=f"Slot {i}"
        )
        plan = SlotPlan(start, start + timedelta(seconds=SLOT_S), SLOT_S, [LegPlan("radio", leg)])
        airings.append(SlotAiring(plan).start())
    records = [r for a in airings for r in a.wait()]
    listener.join(15)
    heard = ffprobe_duration(out) if out.exists() else 0.0
    return listener, heard, records


def report(label: str, listener: Listener, heard: float, records: list[LegRecord]) -> None:
    late = [
        ((r.actual_start - r.scheduled_start).total_seconds() * 1000 if r.actual_start else 9e9)
        for r in records[1:]
    ]
    print(f"   {label}:")
    print(
        f"     one listener heard {heard:.1f} s of {SLOTS * SLOT_S:.0f} s without reconnecting;"
        f" longest wait for audio {listener.longest_wait() * 1000:.0f} ms"
    )
    print(
        f"     as-run: slots 2-{SLOTS} on air after their start: median"
        f" {statistics.median(late):.0f} ms, max {max(late):.0f} ms;"
        f" statuses {sorted({r.status for r in records})}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tone = make_tone(folder / "tone.mp3", SLOT_S)
        icecast = Icecast()
        icecast.start()
        try:
            ours = air_back_to_back(icecast, tone, folder / "ours.mp3")
            time.sleep(2)
            within, handover.WITHIN_S = handover.WITHIN_S, -1.0  # off: connect for itself
            try:
                base = air_back_to_back(icecast, tone, folder / "base.mp3")
            finally:
                handover.WITHIN_S = within
        finally:
            icecast.close()
    print(f"   {SLOTS} back-to-back slots of {SLOT_S:.0f} s, {datetime.now(UTC):%Y-%m-%d}")
    report("hand-over (one source across the slots)", *ours)
    report("baseline: each slot's leg connects for itself", *base)
