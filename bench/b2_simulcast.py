"""B2: CPU cost of an hour of simulcast, against re-encoding a still picture every frame.

The slot is aired as the daemon airs it: the radio through the station's transmitter
(`outputs/transmitter.py`: one MP3 encoder fed in real time, on a loopback icecast2 from
before the slot to after it), the slot's `RadioLeg` decoding the episode into it, and an
`RtmpLeg` (AAC encoder, the looped 2-s card GOP copied) to a loopback nginx-rtmp, both
legs reading one decode of the episode (`outputs/programme.py`). Counted, from the
transmitter's start to its stop: every process (transmitter encoder, the slot's decoder,
the RTMP encoder: their CPU as this process's waited-for
children) and this Python process (the daemon's part: the pump, the sender, the feeder,
supervision). Each process's share is also sampled from /proc every 0.2 s while it runs
(the last moments before it exits are missed there, not in the total); the sampler's own
thread CPU is measured and left out of this process's figure (the daemon has no sampler).
In the same run, a plain ffmpeg command sends the same card PNG (`-loop 1`, x264
veryfast) and AAC to the same nginx-rtmp for N seconds. Both are scaled to CPU seconds per
hour of airtime (N s; the transmitter's few seconds on the mount before and after the slot
are counted in ours).
Target ratio (SPEC B2) at most 0.12 (it was 0.25).
`B2_SECONDS` changes N (default 60).
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import broadcaster.outputs.leg as leg_module
import broadcaster.outputs.programme as programme_module
import broadcaster.outputs.radio as radio_module
import broadcaster.outputs.transmitter as transmitter_module
from bench.verdicts import Verdict, show
from broadcaster.audio.card import render_card, render_loop
from broadcaster.clock import system_clock
from broadcaster.outputs import RtmpLeg
from broadcaster.outputs.programme import Programme
from broadcaster.outputs.radio import RadioLeg
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotPlan, air
from tests.integration.servers import ICECAST_PASSWORD, Icecast, NginxRtmp, make_card_loop

TARGET_RATIO = 0.12


def cpu() -> tuple[float, float]:
    """(this process, its waited-for children) user+sys CPU seconds so far."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


def card(folder: Path) -> tuple[Path, Path]:
    """The title card PNG and its 2-s loop, made by the station's own card module."""
    png, loop = folder / "card.png", folder / "card.mp4"
    render_card(
        png,
        title="ការសន្ទនា: access to information",
        station="Sarika FM",
        partners=["CCC", "CPDD", "CCIM"],
    )
    render_loop(png, loop)
    return png, loop


class CpuBook(threading.Thread):
    """Each process playout spawns, by its part, and its CPU seconds (user + sys) as last
    read from /proc/PID/stat, sampled every `every_s` while it runs."""

    PARTS: tuple[tuple[Any, str], ...] = (
        (transmitter_module, "transmitter"),
        (radio_module, "radio leg"),
        (leg_module, "rtmp leg"),
        (programme_module, "slot programme"),
    )

    def __init__(self, every_s: float = 0.2) -> None:
        super().__init__(name="cpu-book", daemon=True)
        self.every_s = every_s
        self.parts: dict[int, str] = {}
        self.seconds: dict[int, float] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self.own_cpu = 0.0
        """This sampler's own CPU seconds (the thread's): the daemon has no such thread, so
        it is taken off this process's figure and shown apart."""

    @contextmanager
    def watching(self) -> Iterator[CpuBook]:
        """Note every process the transmitter and the legs spawn meanwhile."""
        saved = [(module, module.spawn) for module, _ in self.PARTS]
        for module, part in self.PARTS:
            module.spawn = self._wrap(module.spawn, part)
        self.start()
        try:
            yield self
        finally:
            for module, spawn in saved:
                module.spawn = spawn
            self._done.set()
            self.join()

    def _wrap(self, spawn: Callable[..., Any], part: str) -> Callable[..., Any]:
        def spawned(args: list[str], **popen: Any) -> Any:
            proc = spawn(args, **popen)
            if "libmp3lame" in args:
                what = "MP3 encoder"
            elif "flv" in args:
                what = "AAC encoder + FLV"
            else:
                what = "decoder"
            with self._lock:
                self.parts[proc.pid] = f"{part} {what}"
            return proc

        return spawned

    def run(self) -> None:
        start = time.thread_time()
        while not self._done.wait(self.every_s):
            self._sample()
        self.own_cpu = time.thread_time() - start

    def _sample(self) -> None:
        with self._lock:
            pids = list(self.parts)
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # gone (reaped): its last sample stands
            fields = stat.rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / self._tick  # utime, stime
            with self._lock:
                self.seconds[pid] = used

    def by_part(self) -> dict[str, float]:
        total: dict[str, float] = defaultdict(float)
        with self._lock:
            for pid, part in self.parts.items():
                total[part] += self.seconds.get(pid, 0.0)
        return dict(total)


def simulcast(
    seconds: int, tone: Path, loop: Path, icecast: Icecast, nginx: NginxRtmp
) -> tuple[float, float, float, dict[str, float]]:
    """(children's CPU, this process's CPU but the sampler's, the sampler's CPU, sampled
    CPU by part) of airing `seconds`."""
    mount = IcecastMount("127.0.0.1", icecast.port, "/sarika.mp3", ICECAST_PASSWORD)
    book = CpuBook()
    me0, kids0 = cpu()
    with book.watching(), Transmitter(mount, bitrate_kbps=128) as transmitter:
        start = system_clock() + timedelta(seconds=ARM_LEAD_S)
        programme = Programme(str(tone))  # one decode for both legs, as the daemon airs it
        radio = RadioLeg("radio", str(tone), transmitter, title="B2")
        rtmp = RtmpLeg("facebook", str(tone), url=f"{nginx.rtmp_base}/b2", card_loop=loop)
        radio.programme = rtmp.programme = programme
        legs = [LegPlan("radio", radio, "icecast"), LegPlan("facebook", rtmp, "rtmp")]
        end = start + timedelta(seconds=seconds)
        records = air(SlotPlan(start, end, seconds + 10, legs, programme=programme))
    me1, kids1 = cpu()
    bad = [r for r in records if r.status != "aired"]
    if bad:
        raise RuntimeError(f"simulcast did not air cleanly: {[r.as_json() for r in bad]}")
    return kids1 - kids0, me1 - me0 - book.own_cpu, book.own_cpu, book.by_part()


def still_reencode(seconds: int, tone: Path, png: Path, nginx: NginxRtmp) -> float:
    _, kids0 = cpu()
    ffmpeg(
        "-re",
        "-loop",
        "1",
        "-framerate",
        "30",
        "-i",
        str(png),
        "-re",
        "-i",
        str(tone),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-pix_fmt",
        "yuv420p",
        "-r",
        "30",
        "-g",
        "60",
        "-b:v",
        "2500k",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "48000",
        "-t",
        str(seconds),
        "-f",
        "flv",
        f"{nginx.rtmp_base}/baseline",
    )
    _, kids1 = cpu()
    return kids1 - kids0


def main() -> list[Verdict]:
    seconds = int(os.environ.get("B2_SECONDS", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tone = folder / "tone.mp3"
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds + 10}",
            "-b:a",
            "128k",
            str(tone),
        )
        png, loop = card(folder)
        if not loop.is_file():
            loop = make_card_loop(folder / "plain.mp4")
        icecast, nginx = Icecast(), NginxRtmp()
        icecast.start()
        nginx.start()
        try:
            kids, me, sampler, parts = simulcast(seconds, tone, loop, icecast, nginx)
            base = still_reencode(seconds, tone, png, nginx)
        finally:
            icecast.close()
            nginx.close()
    per_hour = 3600 / seconds
    ours = kids + me
    print(f"   {seconds} s on air, {datetime.now(UTC):%Y-%m-%d}")
    print(
        f"   simulcast (transmitter + radio and RTMP legs + daemon): {ours * per_hour:8.1f}"
        " CPU-s per hour"
    )
    print(f"     processes (waited-for children): {kids * per_hour:8.1f}")
    for part, used in sorted(parts.items()):
        print(f"       {part:28} {used * per_hour:8.1f} (sampled)")
    print(f"     this Python process:             {me * per_hour:8.1f}")
    print(f"   (not counted: this benchmark's sampler thread {sampler * per_hour:.1f})")
    print(f"   baseline (-loop 1 PNG, x264 veryfast, AAC): {base * per_hour:8.1f} CPU-s per hour")
    ratio = ours / base if base else float("inf")
    return show([Verdict("CPU per hour, simulcast / still re-encoded", ratio, TARGET_RATIO)])
