"""B2: CPU cost of an hour of simulcast, against re-encoding a still picture every frame.

Both legs (Icecast MP3, RTMP with the looped 2-s card GOP) and this process are measured
while airing N seconds to a loopback icecast2 and nginx-rtmp; in the same run, a plain
ffmpeg command sends the same card PNG (`-loop 1`, x264 veryfast) and AAC to the same
nginx-rtmp for N seconds. Both are scaled to CPU seconds per hour. Target ratio <= 0.25.
`B2_SECONDS` changes N (default 60).
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.audio.card import render_card, render_loop
from broadcaster.clock import system_clock
from broadcaster.outputs import IcecastLeg, RtmpLeg
from broadcaster.playout import LegPlan, SlotPlan, air
from tests.integration.servers import ICECAST_PASSWORD, Icecast, NginxRtmp, make_card_loop


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


def simulcast(seconds: int, tone: Path, loop: Path, icecast: Icecast, nginx: NginxRtmp) -> float:
    start = system_clock() + timedelta(seconds=1)
    legs = [
        LegPlan(
            "radio",
            IcecastLeg(
                "radio", str(tone), url=icecast.url(), password=ICECAST_PASSWORD, title="B2"
            ),
            "icecast",
        ),
        LegPlan(
            "facebook",
            RtmpLeg("facebook", str(tone), url=f"{nginx.rtmp_base}/b2", card_loop=loop),
            "rtmp",
        ),
    ]
    me0, kids0 = cpu()
    records = air(SlotPlan(start, start + timedelta(seconds=seconds), seconds + 10, legs))
    me1, kids1 = cpu()
    bad = [r for r in records if r.status != "aired"]
    if bad:
        raise RuntimeError(f"simulcast did not air cleanly: {[r.as_json() for r in bad]}")
    return (me1 - me0) + (kids1 - kids0)


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


def main() -> None:
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
            ours = simulcast(seconds, tone, loop, icecast, nginx)
            base = still_reencode(seconds, tone, png, nginx)
        finally:
            icecast.close()
            nginx.close()
    per_hour = 3600 / seconds
    print(f"   {seconds} s on air, {datetime.now(UTC):%Y-%m-%d}")
    print(f"   simulcast (radio + facebook legs + daemon): {ours * per_hour:8.1f} CPU-s per hour")
    print(f"   baseline (-loop 1 PNG, x264 veryfast, AAC): {base * per_hour:8.1f} CPU-s per hour")
    ratio = ours / base if base else float("inf")
    print(f"   ratio {ratio:.3f} (target <= 0.25): {'met' if ratio <= 0.25 else 'NOT met'}")
