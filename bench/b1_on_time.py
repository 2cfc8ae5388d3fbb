"""B1: legs on air to the frame. First audio at Icecast and at the RTMP ingest minus the start.

N short slots (4 s, one every 5 s, each to its own mount and stream key) air both legs: MP3
to a loopback icecast2, FLV (the title card's 2-s loop copied, AAC) to a loopback nginx-rtmp.
A timestamping TCP proxy in front of each server (tests/integration/tap.py) notes when the
first and last audio bytes of each connection arrive. Each slot is handed to playout
`ARM_LEAD_S` before its start, as the daemon does. Baseline, in the same run: the old
behaviour, one `-re -ss OFFSET -i FILE` ffmpeg per leg spawned at the slot's start.
Targets: p95 |first audio - start| <= 50 ms per leg, legs within 50 ms of each other (p95),
p95 |last audio - end| <= 100 ms. `B1_SLOTS` changes N (default 20).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.outputs import IcecastLeg, RtmpLeg, Segment
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotAiring, SlotPlan
from tests.integration.servers import ICECAST_PASSWORD, Icecast, NginxRtmp, make_card_loop
from tests.integration.tap import AUDIO, Session, Tap

SLOT_S, EVERY_S = 4.0, 5.0


class OldIcecastLeg(IcecastLeg):
    """The baseline: the pre-B1 command, one ffmpeg reading the file in real time.

    Made with `live=True`, so it does not prime: it is spawned at the slot's start.
    """

    def command(self, segment: Segment) -> list[str]:
        return old_command(self, segment)


class OldRtmpLeg(RtmpLeg):
    def command(self, segment: Segment) -> list[str]:
        return old_command(self, segment)


def old_command(leg: IcecastLeg | RtmpLeg, segment: Segment) -> list[str]:
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning",
        "-nostats", "-progress", "pipe:1", "-stats_period", "1",
        "-re", "-ss", f"{segment.offset_s:.3f}", "-i", leg.source,
        *leg.extra_inputs(), *leg.audio_filter(segment),
        "-t", f"{segment.duration_s:.3f}", *leg.output_args(segment),
    ]  # fmt: skip


@dataclass
class Slot:
    start: datetime
    end: datetime
    radio: Session | None = None
    facebook: Session | None = None


def air_slots(
    n: int, tone: Path, loop: Path, ice: Tap, rtmp: Tap, *, old: bool, tag: str
) -> list[Slot]:
    """Air `n` slots, each handed to playout ARM_LEAD_S ahead (overlapping the previous)."""
    first = datetime.now(UTC) + timedelta(seconds=ARM_LEAD_S + 0.5)
    slots, airings = [], []
    for i in range(n):
        start = first + timedelta(seconds=i * EVERY_S)
        end = start + timedelta(seconds=SLOT_S)
        time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds() - ARM_LEAD_S))
        radio_cls, fb_cls = (OldIcecastLeg, OldRtmpLeg) if old else (IcecastLeg, RtmpLeg)
        radio = radio_cls(
            "radio",
            str(tone),
            url=f"http://127.0.0.1:{ice.port}/{tag}{i}.mp3",
            password=ICECAST_PASSWORD,
            title="B1",
            live=old,
        )
        facebook = fb_cls(
            "facebook",
            str(tone),
            url=f"rtmp://127.0.0.1:{rtmp.port}/live/{tag}{i}",
            card_loop=loop,
            live=old,
        )
        legs = [LegPlan("radio", radio, "icecast"), LegPlan("facebook", facebook, "rtmp")]
        airings.append(SlotAiring(SlotPlan(start, end, 60.0, legs)).start())
        slots.append(Slot(start, end))
    records = [r for a in airings for r in a.wait()]
    bad = [r.as_json() for r in records if r.status != "aired"]
    if bad:
        raise RuntimeError(f"slots did not air cleanly: {bad}")
    time.sleep(0.5)
    for slot in slots:
        slot.radio = _session(ice, slot)
        slot.facebook = _session(rtmp, slot)
    return slots


def _session(tap: Tap, slot: Slot) -> Session | None:
    lo, hi = slot.start.timestamp() - 1.0, slot.end.timestamp() + 1.0
    found = [s for s in tap.media_sessions() if AUDIO in s.first and lo < s.first[AUDIO] < hi]
    return found[0] if len(found) == 1 else None


def ms_after(session: Session | None, when: datetime, last: bool = False) -> float:
    if session is None:
        raise RuntimeError("a leg's connection was not seen by the proxy")
    seen = (session.last if last else session.first)[AUDIO]
    return (seen - when.timestamp()) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, slots: list[Slot]) -> dict[str, float]:
    radio = [ms_after(s.radio, s.start) for s in slots]
    fb = [ms_after(s.facebook, s.start) for s in slots]
    apart = [abs(a - b) for a, b in zip(radio, fb, strict=True)]
    ends = [ms_after(s.radio, s.end, True) for s in slots]
    ends += [ms_after(s.facebook, s.end, True) for s in slots]
    print(f"   {label} ({len(slots)} slots), ms after the scheduled instant:")
    figures = {}
    for leg, values in (("icecast", radio), ("rtmp", fb)):
        absolute = p95([abs(v) for v in values])
        figures[leg] = absolute
        print(
            f"     first audio at {leg:7}: p50 {statistics.median(values):7.1f}"
            f"  p95 {p95(values):7.1f}  max {max(values):7.1f}  p95 |.| {absolute:7.1f}"
        )
    figures["apart"], figures["end"] = p95(apart), p95([abs(v) for v in ends])
    print(f"     legs apart: p95 {figures['apart']:7.1f}  max {max(apart):7.1f}")
    print(
        f"     last audio - end (both legs): p50 {statistics.median(ends):7.1f}"
        f"  p95 |.| {figures['end']:7.1f}  min {min(ends):7.1f}  max {max(ends):7.1f}"
    )
    return figures


def main() -> None:
    n = int(os.environ.get("B1_SLOTS", "20"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tone = folder / "tone.mp3"
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "sine=frequency=440:duration=60", "-b:a", "128k", str(tone)],
            check=True,
        )  # fmt: skip
        loop = _card(folder)
        icecast, nginx = Icecast(), NginxRtmp()
        icecast.start()
        nginx.start()
        ice, rtmp = Tap(icecast.port, rtmp=False), Tap(nginx.port, rtmp=True)
        try:
            ours = air_slots(n, tone, loop, ice, rtmp, old=False, tag="b1-")
            base = air_slots(n, tone, loop, ice, rtmp, old=True, tag="old-")
        finally:
            ice.close()
            rtmp.close()
            icecast.close()
            nginx.close()
    print(f"   {n} slots of {SLOT_S:.0f} s each way, {datetime.now(UTC):%Y-%m-%d}")
    got = report("primed legs, armed ARM_LEAD_S ahead", ours)
    report("baseline: ffmpeg spawned at the instant", base)
    met = max(got["icecast"], got["rtmp"], got["apart"]) <= 50 and got["end"] <= 100
    verdict = "met" if met else "NOT met"
    print(f"   targets (p95 <= 50 ms, apart <= 50 ms, end <= 100 ms): {verdict}")


def _card(folder: Path) -> Path:
    try:
        from broadcaster.audio.card import render_card, render_loop

        png, loop = folder / "card.png", folder / "card.mp4"
        render_card(png, title="B1", station="Sarika FM", partners=["CCC"])
        render_loop(png, loop)
        if loop.is_file():
            return loop
    except Exception as exc:  # the card helper is not what is measured here
        print(f"   (card helper failed: {exc!r}; a plain card loop is used)")
    return make_card_loop(folder / "plain.mp4")
