"""B7 (ours, not in SPEC 6): what a listener notices where back-to-back slots meet on one mount.

Five 6-s slots one after another on one mount of a loopback icecast2, each handed to playout
`ARM_LEAD_S` ahead as the daemon does; each slot's episode is its own tone (`FREQS`). Ours:
the station's transmitter (`outputs/transmitter.py`) on the mount from before the first slot
to after the last, each slot's `RadioLeg` booking its programme on it. Baseline, in the same
run: what a per-slot source did, each slot with its own transmitter (`continuous=False`)
started at its priming (`PRIME_S` ahead) and stopped at its end, so the mount empties
between slots (and the next slot's source may find it still taken: 403, retried with
back-off). A listener tunes in as soon as the mount is up (before the first slot) and, when
Icecast drops it, tunes in again at once (as a player or relay that retries would), each
time into a new recording.
Measured at the listener: how much of the 30 s its first connection heard before Icecast
dropped it (ffprobe of what it received), its longest wait for audio while connected, and
each slot's late start: where the slot's tone begins in the received audio (its band level
in 5-ms steps), turned into wall-clock time by when the listener had received the bytes of
the MP3 frame it begins in (`Listener.arrivals`), minus the slot's scheduled start. Beside
it: the same from the listener's first audio frame plus the tone's place in the stream, and
the as-run log's `actual_start`.
Criteria (ours): slots 2-5 reach the listener no more than `WITHIN_MS` later after their
instant than slot 1 did after its own (slot 1 shows the stream's own delay to a listener:
Icecast hands listeners 1400-byte blocks, 88 ms of 128-kbit/s audio); the first connection
hears the whole 30 s.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import math
import statistics
import subprocess
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import mul
from pathlib import Path

import requests

from bench.verdicts import Verdict, show
from broadcaster.outputs.radio import RadioLeg
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotAiring, SlotPlan
from broadcaster.playout.supervise import PRIME_S, LegRecord
from tests.conftest import make_tone
from tests.integration.conftest import ffprobe_duration
from tests.integration.servers import ICECAST_PASSWORD, Icecast, Listener, band_volume

SLOT_S, SLOTS = 6.0, 5
FREQS = (400, 600, 900, 1350, 2025)
"""Slot i's tone (Hz): each 1.5 x the one before, far enough apart for `band_volume`'s filter."""
WITHIN_MS = 50.0
RATE = 44100
STEP = 220
"""The band level is taken over windows of this many samples (5 ms)."""
ONSET_DB = 6.0
"""A tone has begun where its band comes within this of its steady level and stays there."""
STAYS_S = 0.2
CHUNK = 1024
"""`Listener` reads 1 KiB at a time and notes when each arrived (`Listener.arrivals`)."""
MS = timedelta(milliseconds=1)


class Tuner(threading.Thread):
    """A listener that tunes in again as soon as it is dropped, until `until` (wall clock).

    Each connection is a `Listener` with its own recording; `heard` has them in order."""

    def __init__(self, icecast: Icecast, folder: Path, tag: str, until: float) -> None:
        super().__init__(name="tuner", daemon=True)
        self.icecast, self.folder, self.tag, self.until = icecast, folder, tag, until
        self.heard: list[Listener] = []

    def run(self) -> None:
        while (left := self.until - time.time()) > 0:
            listener = Listener(
                self.icecast, self.folder / f"{self.tag}-{len(self.heard)}.mp3", give_up_s=left
            )
            # here, in this thread: one connection after the other; if the mount went
            # between the check and the request, try again
            with contextlib.suppress(requests.RequestException, ValueError):
                listener.run()
            if listener.arrivals:
                self.heard.append(listener)
            else:
                time.sleep(0.02)


@dataclass
class Run:
    starts: list[datetime]
    listeners: list[Listener]
    records: list[LegRecord]
    clock_offset: float
    """time.time() - time.monotonic(), to put `Listener.arrivals` on the wall clock."""


class SlotSource(threading.Thread):
    """The baseline's per-slot source: a transmitter of its own, started `PRIME_S` (and a
    little) before the slot's start and stopped at its end, once its leg is done (by the
    thread that started it: its encoder dies with the thread that forked it)."""

    def __init__(self, transmitter: Transmitter, start: datetime, end: datetime) -> None:
        super().__init__(name="slot-source", daemon=True)
        self.transmitter, self.start_at, self.end_at = transmitter, start, end
        self.airing: SlotAiring | None = None

    def run(self) -> None:
        time.sleep(max(0.0, self.start_at.timestamp() - PRIME_S - 0.2 - time.time()))
        self.transmitter.start()
        try:
            time.sleep(max(0.0, self.end_at.timestamp() - time.time()))
            deadline = time.monotonic() + 0.5  # the leg sees its programme end, then it goes
            while self.airing is not None and not self.airing.done():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
        finally:
            self.transmitter.stop()


def air_back_to_back(
    icecast: Icecast, tones: list[Path], folder: Path, tag: str, *, per_slot: bool
) -> Run:
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=ARM_LEAD_S + 2)
    until = (first + timedelta(seconds=SLOTS * SLOT_S + 3)).timestamp()
    mount = IcecastMount("127.0.0.1", icecast.port, "/sarika.mp3", ICECAST_PASSWORD)
    station = None if per_slot else Transmitter(mount).start()  # on the mount from now on
    sources: list[SlotSource] = []
    try:
        tuner = Tuner(icecast, folder, tag, until)
        tuner.start()
        airings, starts = [], []
        for i in range(SLOTS):
            start = first + timedelta(seconds=i * SLOT_S)
            end = start + timedelta(seconds=SLOT_S)
            time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds() - ARM_LEAD_S))
            if station is None:
                source = SlotSource(Transmitter(mount, continuous=False), start, end)
                sources.append(source)
                source.start()
                transmitter = source.transmitter
            else:
                transmitter = station
            leg = RadioLeg("radio", str(tones[i]), transmitter, title=f"Slot {i}")
            plan = SlotPlan(start, end, SLOT_S, [LegPlan("radio", leg, "icecast")])
            airing = SlotAiring(plan)
            if sources and station is None:
                sources[-1].airing = airing
            airings.append(airing.start())
            starts.append(start)
        records = [r for a in airings for r in a.wait()]
        tuner.join(until - time.time() + 15)
    finally:
        for source in sources:
            source.join(15)
        if station is not None:
            station.stop()
    return Run(starts, tuner.heard, records, time.time() - time.monotonic())


def band_levels(path: Path, freq: int) -> list[float]:
    """The level (dB) in the band of `freq` (`band_volume`'s filter) of each STEP samples."""
    pcm = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-vn",
         "-af", f"bandpass=f={freq}:width_type=q:w=8", "-ac", "1", "-ar", str(RATE),
         "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    levels = []
    for i in range(0, len(samples) - STEP + 1, STEP):
        window = samples[i : i + STEP]
        power = sum(map(mul, window, window)) / STEP / 32768**2
        levels.append(10 * math.log10(power) if power > 0 else -120.0)
    return levels


def onset(levels: list[float]) -> float | None:
    """Where (s into the recording) the tone begins, or None if it is not there."""
    if not levels:
        return None
    steady = sorted(levels)[int(0.9 * (len(levels) - 1))]
    stay = round(STAYS_S * RATE / STEP)
    for i in range(len(levels)):
        if all(level >= steady - ONSET_DB for level in levels[i : i + stay]):
            return i * STEP / RATE
    return None


def frames(path: Path) -> list[tuple[float, float, int, int]]:
    """Each MP3 frame of a recording: (time, duration, byte offset, size)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
         "packet=pts_time,duration_time,pos,size", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout  # fmt: skip
    return [
        (float(p["pts_time"]), float(p["duration_time"]), int(p["pos"]), int(p["size"]))
        for p in json.loads(out).get("packets", [])
    ]


def received_at(listener: Listener, byte: int, offset: float) -> float:
    """Wall-clock time the listener had byte `byte` of its recording: when the 1-KiB read
    holding it returned. Icecast 2.4 was seen to send a listener 1400-byte blocks (one every
    ~90 ms at 128 kbit/s), each completing at least one read, so this is the block's arrival;
    were it to send less at a time, it would be late by at most one read (64 ms)."""
    return offset + listener.arrivals[min(byte // CHUNK, len(listener.arrivals) - 1)]


@dataclass
class Start:
    slot: int
    late_ms: float
    """At the listener: when it had the audio where the slot's tone begins, minus the start."""
    by_position_ms: float
    """Cross-check: the first audio frame's arrival, plus the tone's place in the stream."""
    connection: int


def late_starts(run: Run) -> list[Start | None]:
    """For each slot, when its tone began at the listener (None: it never heard it)."""
    found: list[Start | None] = []
    for slot, freq in enumerate(FREQS):
        best: tuple[float, int, float] | None = None  # (steady level, connection, onset)
        for c, listener in enumerate(run.listeners):
            levels = band_levels(listener.out, freq)
            at = onset(levels)
            if at is None:
                continue
            others = [f for f in FREQS if f != freq]
            level = band_volume(listener.out, at + 0.3, 1.0, freq)
            if any(level < band_volume(listener.out, at + 0.3, 1.0, f) + 10 for f in others):
                continue  # not this slot's tone: another's, heard through the filter
            if best is None or level > best[0]:
                best = (level, c, at)
        if best is None:
            found.append(None)
            continue
        _, c, at = best
        listener = run.listeners[c]
        mp3 = frames(listener.out)
        if not mp3 or len(listener.arrivals) != -(-listener.out.stat().st_size // CHUNK):
            raise RuntimeError(f"the listener's reads do not match its recording {listener.out}")
        times = [f[0] for f in mp3]
        k = max(0, bisect.bisect_right(times, at) - 1)  # the frame the tone begins in
        _, _, pos, size = mp3[k]
        when = received_at(listener, pos + size - 1, run.clock_offset)
        first_audio = received_at(listener, mp3[0][2] + mp3[0][3] - 1, run.clock_offset)
        scheduled = run.starts[slot].timestamp()
        found.append(
            Start(
                slot + 1,
                (when - scheduled) * 1000,
                (first_audio + (mp3[k][0] - mp3[0][0]) - scheduled) * 1000,
                c + 1,
            )
        )
    return found


def slots_heard(run: Run) -> float:
    """Seconds of the slots (first start to last end) the first connection was connected
    for: from its answer to its last bytes. The transmitter's stream holds silence before
    and after the slots, so the recording's own length would count those too."""
    if not run.listeners or run.listeners[0].connected_at is None:
        return 0.0
    first = run.listeners[0]
    assert first.connected_at is not None
    begins, ends = run.starts[0].timestamp(), run.starts[-1].timestamp() + SLOT_S
    last = first.arrivals[-1] + run.clock_offset
    return max(0.0, min(ends, last) - max(begins, first.connected_at))


def report(label: str, run: Run) -> tuple[float, float]:
    """Print the figures of one run; (seconds heard without reconnecting, max ms that slots
    2-5 reached the listener later than slot 1 did: what going from slot to slot adds, beside the
    stream's own delay to a listener, which every slot has)."""
    first = run.listeners[0] if run.listeners else None
    recorded = ffprobe_duration(first.out) if first and first.out.stat().st_size else 0.0
    heard = slots_heard(run)
    starts = late_starts(run)
    print(f"   {label}:")
    print(
        f"     one listener heard {heard:.1f} s of the slots' {SLOTS * SLOT_S:.0f} s without"
        f" reconnecting (its recording: {recorded:.1f} s; {len(run.listeners)} connection(s)"
        f" in all); longest wait for audio"
        f" {(first.longest_wait() if first else math.nan) * 1000:.0f} ms"
    )
    cells = [
        "not heard" if s is None else f"{s.late_ms:.0f} (conn. {s.connection})" for s in starts
    ]
    print(f"     on air at the listener, ms after each slot's instant: {', '.join(cells)}")
    cross = ["-" if s is None else f"{s.by_position_ms:.0f}" for s in starts]
    print(f"       (by place in the stream from its first audio frame: {', '.join(cross)})")
    later = [math.inf if s is None or starts[0] is None else s.late_ms - starts[0].late_ms
             for s in starts[1:]]  # fmt: skip
    heard_late = [s.late_ms for s in starts[1:] if s is not None]
    if heard_late:
        print(
            f"     slots 2-{SLOTS}: median {statistics.median(heard_late):.0f} ms,"
            f" max {max(heard_late):.0f} ms ({len(heard_late)} of {SLOTS - 1} heard)",
            end="",
        )
        if starts[0] is not None:  # the stream's own delay to the listener, slot 1's
            behind = [late - starts[0].late_ms for late in heard_late]
            print(f"; later than slot 1: max {max(behind):.0f} ms", end="")
        print()
    logged = [
        "-" if r.actual_start is None else f"{(r.actual_start - r.scheduled_start) / MS:.0f}"
        for r in run.records
    ]
    print(
        f"     as-run log (actual_start), ms after each slot's instant: {', '.join(logged)};"
        f" statuses {sorted({r.status for r in run.records})}"
    )
    return heard, max(later)


def main() -> list[Verdict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tones = [make_tone(folder / f"tone-{f}.mp3", SLOT_S, f) for f in FREQS]
        icecast = Icecast()
        icecast.start()
        try:
            ours = air_back_to_back(icecast, tones, folder, "ours", per_slot=False)
            time.sleep(2)
            base = air_back_to_back(icecast, tones, folder, "base", per_slot=True)
        finally:
            icecast.close()
        print(f"   {SLOTS} back-to-back slots of {SLOT_S:.0f} s, {datetime.now(UTC):%Y-%m-%d}")
        heard, late = report("transmitter (one source on the mount across the slots)", ours)
        report("baseline: a transmitter per slot, from its priming to its end", base)
    return show(
        [
            Verdict(
                f"slots 2-{SLOTS} on air at the listener, max ms later than slot 1",
                late,
                WITHIN_MS,
                "ms",
            ),
            Verdict(
                "heard by one listener without reconnecting",
                heard,
                SLOTS * SLOT_S - 0.5,
                "s",
                at_most=False,
            ),
        ]
    )
