"""The feeder's pacing: nothing before the instant, a small lead, real time, a tight end."""

from __future__ import annotations

import io
import os
import time

import pytest

from broadcaster.outputs.feed import CHUNK, PREAMBLE, PcmFeeder, RelayTap
from broadcaster.outputs.pacing import BYTES_PER_S, FRAME_BYTES, Pacer, pcm_bytes


def test_nothing_is_due_before_the_instant() -> None:
    pacer = Pacer(total=pcm_bytes(10))
    assert pacer.due(-2.0) == 0 and pacer.due(-0.001) == 0
    assert pacer.pause(-1.5, 0, 3840) > 0


def test_the_lead_is_sent_at_the_instant_then_real_time() -> None:
    pacer = Pacer(total=pcm_bytes(10), lead_s=0.1)
    assert pacer.due(0.0) == pcm_bytes(0.1)
    assert pacer.due(0.1) - pacer.due(0.0) == pytest.approx(0.1 * BYTES_PER_S, abs=FRAME_BYTES)
    assert pacer.due(5.0) == pcm_bytes(5.1)
    assert all(pacer.due(t / 100) % FRAME_BYTES == 0 for t in range(0, 1000, 7))


def test_the_lead_shrinks_towards_the_end_so_the_last_byte_is_on_time() -> None:
    pacer = Pacer(total=pcm_bytes(10), lead_s=0.1, tail_lead_s=0.02, ramp_s=1.0)
    assert pacer.lead(8.9) == pytest.approx(0.1)
    assert pacer.lead(9.5) == pytest.approx(0.06)
    # the whole segment is handed over `tail_lead_s` before its end, not `lead_s`
    assert pacer.due(9.97) < pacer.total  # type: ignore[operator]
    assert pacer.due(9.98) == pacer.total
    assert pacer.done(pcm_bytes(10)) and not pacer.done(pcm_bytes(9.9))
    # due never goes backwards while the lead shrinks
    dues = [pacer.due(t / 1000) for t in range(8000, 10100)]
    assert dues == sorted(dues)


def test_without_a_total_the_lead_stays() -> None:
    pacer = Pacer(total=None, lead_s=0.05)
    assert pacer.due(1000.0) == pcm_bytes(1000.05) and not pacer.done(10**12)


def test_pause_waits_for_the_next_chunk_and_not_longer() -> None:
    pacer = Pacer(total=pcm_bytes(10), lead_s=0.1)
    sent = pacer.due(1.0)
    wait = pacer.pause(1.0, sent, 3840)
    assert 0.015 < wait <= 0.02
    assert pacer.pause(1.0, sent - 3840, 3840) == 0.0
    # a late feeder catches up at once: everything due is due now
    assert pacer.pause(3.0, pacer.due(1.0), 3840) == 0.0


class Sink(io.BytesIO):
    """The encoder's stdin: remembers when each write came."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[float, int]] = []

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.writes.append((time.time(), len(data)))
        return super().write(data)

    def close(self) -> None:
        self.closed_at = time.time()


def test_the_feeder_holds_back_all_but_the_preamble_until_the_instant() -> None:
    pcm = bytes(range(256)) * (pcm_bytes(1.0) // 256)
    sink, at = Sink(), time.time() + 0.5
    feeder = PcmFeeder("t", io.BytesIO(pcm), at, Pacer(total=len(pcm), lead_s=0.1), encoder=sink)
    feeder.start()
    feeder.join(timeout=5)
    first, *rest = sink.writes
    assert first[1] == PREAMBLE and first[0] < at - 0.3
    assert at - 0.005 < rest[0][0] < at + 0.2  # released at the instant, never before
    assert sum(n for _, n in rest[:1]) <= pcm_bytes(0.1) + 3840
    assert sink.getvalue() == pcm  # every byte, in order
    # Real time, not as fast as it can: it ends a second after the instant (a loaded machine
    # may wake it late, never early).
    assert at + 1.0 - 0.02 - 0.01 < sink.closed_at < at + 1.0 + 0.3


def test_a_stopped_feeder_closes_the_encoder_input() -> None:
    sink, at = Sink(), time.time()
    feeder = PcmFeeder("t", io.BytesIO(bytes(pcm_bytes(5))), at, Pacer(), encoder=sink)
    feeder.start()
    time.sleep(0.2)
    stopped = time.time()
    feeder.stop()
    feeder.join(timeout=5)
    assert not feeder.is_alive()
    assert sink.closed_at is not None and stopped <= sink.closed_at < stopped + 1.0
    # real time until it was stopped (however late a loaded machine woke it), not the 5 s
    assert len(sink.getvalue()) <= pcm_bytes(sink.closed_at - at + 0.1) + CHUNK


def test_a_relay_tap_keeps_only_the_newest_audio_until_the_leg_listens() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as stream, os.fdopen(write_end, "wb") as feed:
        tap = RelayTap(stream, tuning_s=0.1)
        tap.start()
        old, new = b"\x01" * pcm_bytes(0.5), b"\x02" * pcm_bytes(0.1)
        feed.write(old + new)  # half a second before the instant, then the newest tenth
        feed.flush()
        time.sleep(0.2)
        assert tap.read1(pcm_bytes(1.0)) == new  # what was before is gone
        later = b"\x03" * pcm_bytes(0.5)
        feed.write(later)
        feed.flush()
        time.sleep(0.2)
        got = b""
        while len(got) < len(later):  # listening now: nothing is dropped any more
            got += tap.read1(pcm_bytes(1.0))
        assert got == later
    tap.join(timeout=1)
    assert tap.read1(10) == b""  # the decoder ended
