"""Supervision against scripted outputs on the real clock (a few seconds each)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from broadcaster.clock import system_clock
from broadcaster.outputs.causes import BROKEN_PIPE, REFUSED, UNAUTHORIZED
from broadcaster.playout.slot import LegPlan, SlotAiring, SlotPlan, air
from broadcaster.playout.supervise import RESUME_PRIME_S, Timing
from tests.playout.scripted import ScriptedOutput, Step

FAST = Timing(connect_timeout_s=1.0, stall_s=1.0, backoff_first_s=0.2, backoff_cap_s=0.4)


def plan(*outputs: ScriptedOutput, seconds: float = 2.5, media_s: float | None = 60) -> SlotPlan:
    start = datetime.now(UTC) + timedelta(seconds=0.2)
    legs = [LegPlan(o.name, o, o.kind) for o in outputs]
    return SlotPlan(start, start + timedelta(seconds=seconds), media_s, legs)


def test_a_dropped_leg_restarts_at_the_offset_it_should_be_at() -> None:
    radio = ScriptedOutput("radio", [Step(0.8, BROKEN_PIPE)])
    fb = ScriptedOutput("facebook", [])
    p = plan(radio, fb)
    radio_rec, fb_rec = air(p, system_clock, timing=FAST)
    assert radio_rec.status == "partial" and radio_rec.reconnects == 1
    assert [g.cause for g in radio_rec.gaps] == [BROKEN_PIPE]
    gap = radio_rec.gaps[0]
    # back off, then primed RESUME_PRIME_S ahead: it plays from where the slot is by then
    hole = (gap.end - gap.start).total_seconds() if gap.end else None
    assert hole is not None and 0.1 + RESUME_PRIME_S < hole < 0.6 + RESUME_PRIME_S
    assert radio.segments[0].offset_s < 0.05
    assert 0.9 + RESUME_PRIME_S < radio.segments[1].offset_s < 1.4 + RESUME_PRIME_S
    assert abs(radio.segments[1].offset_s - (gap.end - p.start).total_seconds()) < 0.05
    assert radio.segments[1].duration_s < 2.5 - 0.9
    assert fb_rec.status == "aired" and fb_rec.gaps == [] and len(fb.segments) == 1


def test_a_wrong_password_fails_the_leg_without_retrying() -> None:
    radio = ScriptedOutput("radio", [Step(0, UNAUTHORIZED)] * 10)
    fb = ScriptedOutput("facebook", [])
    radio_rec, fb_rec = air(plan(radio, fb), system_clock, timing=FAST)
    assert radio_rec.status == "failed" and radio_rec.cause == UNAUTHORIZED
    assert len(radio.segments) == 1 and radio_rec.actual_start is None
    assert fb_rec.status == "aired"


def test_a_server_down_at_the_start_is_retried_with_backoff() -> None:
    radio = ScriptedOutput("radio", [Step(0, REFUSED)] * 3)
    (rec,) = air(plan(radio), system_clock, timing=FAST)
    assert rec.status == "partial" and rec.reconnects == 0  # a late first connection
    assert len(radio.segments) == 4
    # waits 0.2, 0.4, 0.4: the fourth attempt is launched about a second in, primed
    # RESUME_PRIME_S ahead of the offset it plays from
    assert 0.9 + RESUME_PRIME_S < radio.segments[3].offset_s < 1.5 + RESUME_PRIME_S
    assert rec.gaps[0].start == rec.scheduled_start and rec.gaps[0].cause == REFUSED
    assert rec.actual_start is not None and rec.gaps[0].end == rec.actual_start


def test_a_server_down_for_the_whole_slot_fails_the_leg() -> None:
    radio = ScriptedOutput("radio", [Step(0, REFUSED)] * 100)
    (rec,) = air(plan(radio, seconds=1.5), system_clock, timing=FAST)
    assert rec.status == "failed" and rec.cause == REFUSED
    assert 3 <= len(radio.segments) <= 6


def test_a_leg_that_never_connects_times_out() -> None:
    silent = SilentOutput("radio")
    (rec,) = air(plan(silent, seconds=2.0), system_clock, timing=FAST)
    assert rec.status == "failed" and rec.cause == "timeout"


def test_cut_stops_every_leg() -> None:
    radio, fb = ScriptedOutput("radio", []), ScriptedOutput("facebook", [])
    airing = SlotAiring(plan(radio, fb, seconds=30), system_clock, threading.Event(), FAST)
    airing.start()
    threading.Timer(0.8, airing.cut).start()
    records = airing.wait(timeout=5)
    assert [r.status for r in records] == ["cut", "cut"]


def test_a_leg_without_output_is_failed_with_its_cause() -> None:
    p = plan(ScriptedOutput("radio", []))
    p = SlotPlan(
        p.start,
        p.end,
        p.media_s,
        [*p.legs, LegPlan("facebook", None, "rtmp", "facebook: token expired")],
    )
    radio_rec, fb_rec = air(p, system_clock, timing=FAST)
    assert radio_rec.status == "aired"
    assert fb_rec.status == "failed" and fb_rec.cause == "facebook: token expired"


class SilentOutput(ScriptedOutput):
    """Runs but never sends a byte (a server that accepts and then hangs)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, [])

    def health(self):  # type: ignore[no-untyped-def]
        h = super().health()
        return h.__class__(**{**h.__dict__, "bytes_sent": 0, "last_progress": None})
