"""The encoder handed from one slot's leg to the next (real ffmpeg, a file as the 'mount')."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from broadcaster.audio.probe import probe
from broadcaster.outputs import AircheckLeg, Segment
from broadcaster.outputs.encoder import Encoder
from broadcaster.outputs.handover import Baton
from tests.conftest import make_tone


class SharedFile(AircheckLeg):
    """An aircheck leg that, like a radio leg, holds a one-source resource: its key."""

    def handover_key(self) -> str:
        return f"test://{self.path.parent}"


def wait_done(leg: AircheckLeg, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while leg.health().running:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_given_baton_is_taken_once_and_a_late_one_refused() -> None:
    baton, stop = Baton(), threading.Event()
    encoder: Any = object()  # any value: the baton only passes it on
    assert baton.waiting
    assert baton.give(encoder)
    assert baton.take(time.monotonic() + 1, stop) is encoder
    assert not baton.waiting
    late = Baton()
    assert late.take(time.monotonic() + 0.05, stop) is None  # nobody gave it in time
    assert not late.give(encoder)  # so the giver keeps (and ends) it


def test_a_dropped_baton_wakes_the_next_leg_at_once() -> None:
    baton, stop = Baton(), threading.Event()
    threading.Timer(0.1, baton.drop).start()
    began = time.monotonic()
    assert baton.take(began + 10, stop) is None
    assert time.monotonic() - began < 1.0


def test_the_next_leg_writes_into_the_previous_legs_process(tmp_path: Path) -> None:
    low, high = make_tone(tmp_path / "low.mp3", 5, 440), make_tone(tmp_path / "high.mp3", 5, 880)
    out = tmp_path / "mount.mp3"
    first = SharedFile("radio", str(low), path=out, bitrate_kbps=64)
    second = SharedFile("radio", str(high), path=tmp_path / "never.mp3", bitrate_kbps=64)
    at = time.time() + 0.5
    first.start(Segment(0, 2.0), at)
    time.sleep(1.0)
    second.start(Segment(0, 2.0), at + 2.0)  # primed while the first is on air
    assert second.health().running and second.health().bytes_sent == 0
    wait_done(first)
    done = first.health()
    assert done.returncode == 0 and done.ended and done.bytes_sent > 0
    wait_done(second)
    assert second.health().returncode == 0 and second.health().bytes_sent > 0
    assert not (tmp_path / "never.mp3").exists()  # the second never opened its own output
    assert abs(probe(out).duration_s - 4.0) < 0.3  # both segments, one after the other


def test_a_stopped_previous_leg_lets_the_next_connect_by_itself(tmp_path: Path) -> None:
    tone = make_tone(tmp_path / "tone.mp3", 5)
    first = SharedFile("radio", str(tone), path=tmp_path / "a.mp3", bitrate_kbps=64)
    second = SharedFile("radio", str(tone), path=tmp_path / "b.mp3", bitrate_kbps=64)
    at = time.time() + 0.3
    first.start(Segment(0, 2.0), at)
    second.start(Segment(0, 2.0), at + 2.0)
    first.stop()  # cut: no hand-over will come
    deadline = time.monotonic() + 2
    while second.health().running:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    failed = second.health()
    assert failed.returncode == 1 and failed.cause and "hand-over" in failed.cause
    second.start(Segment(0, 1.0))  # what the supervisor does next: connects by itself
    wait_done(second)
    assert abs(probe(tmp_path / "b-2.mp3").duration_s - 1.0) < 0.3


def test_an_encoder_adopted_by_a_stopped_leg_is_ended(tmp_path: Path) -> None:
    tone = make_tone(tmp_path / "tone.mp3", 2)
    leg = SharedFile("radio", str(tone), path=tmp_path / "a.mp3", bitrate_kbps=64)
    leg.start(Segment(0, 1.0), time.time() + 5)
    with leg._lock:
        encoder: Encoder | None = leg._encoder
    assert encoder is not None
    other = SharedFile("radio", str(tone), path=tmp_path / "b.mp3", bitrate_kbps=64)
    other.stop()
    assert other._adopt(encoder) is None  # refused: the process is ended, not leaked
    assert encoder.proc.wait(5) is not None
    leg.stop()
