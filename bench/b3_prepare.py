"""B3: preparing a 60- and a 180-minute episode (SPEC 6).

Target: peak memory at most 200 MB for both; time at most 1.5 x a two-pass ffmpeg
loudnorm of the same file, measured in the same run.

Each run happens in its own child process; a sampler adds up the resident memory of that
child and all its descendants (the Python process and its ffmpeg children) every 50 ms.
The child also reports getrusage maxrss for itself and for its largest ffmpeg child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.verdicts import Verdict, show

LENGTHS_MIN = tuple(int(m) for m in os.environ.get("B3_MINUTES", "60 180").split())
TARGET_MB = 200.0
TARGET_RATIO = 1.5
PIECE_MIN = 10

CHILD = """
import json, resource, sys, time
from pathlib import Path
from broadcaster.config import load_settings
from broadcaster.audio.prepare import prepare_episode
started = time.monotonic()
prepared = prepare_episode(Path(sys.argv[1]), title="B3", partners=["UNDP"],
                           settings=load_settings(env={}))
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.monotonic() - started, "self_mb": self_mb,
                  "children_mb": children_mb, "lufs": prepared.loudness_lufs,
                  "tp": prepared.true_peak_dbtp, "duration_s": prepared.duration_s}))
"""


def _tree_rss_kb(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total = 0
    for pid in rss:
        p = pid
        while p not in (0, 1) and p != root:
            p = parents.get(p, 0)
        if p == root:
            total += rss[pid]
    return total


def measure(args: list[str], cwd: Path) -> tuple[float, float, str, str]:
    """Wall seconds, peak tree RSS (MB), stdout and stderr of a command."""
    started = time.monotonic()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {err.decode(errors='replace')[-800:]}")
    return seconds, peak / 1024, out.decode(), err.decode(errors="replace")


def make_source(folder: Path, minutes: int) -> Path:
    """Speech-like noise (mono, 44.1 kHz, 64 kbit/s MP3): 10 minutes made, then repeated."""
    piece = folder / "piece.mp3"
    if not piece.exists():
        subprocess.run(
            [
                "ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                f"anoisesrc=c=pink:r=44100:a=0.3:d={PIECE_MIN * 60}:s=3",
                "-af",
                "volume='0.15+0.85*abs(sin(2*PI*t*2.3))*gt(sin(2*PI*t*0.31),-0.4)':eval=frame,"
                "highpass=f=120,lowpass=f=3800,volume=12dB",
                "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", str(piece),
            ],
            check=True,
        )  # fmt: skip
    out = folder / f"episode-{minutes}.mp3"
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-y", "-stream_loop", str(minutes // PIECE_MIN - 1),
            "-i", str(piece), "-c", "copy", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def run_baseline(source: Path, folder: Path) -> tuple[float, float]:
    """Two-pass loudnorm: measure, then apply into the same MP3 format as the rendition."""
    first = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(source), "-af",
             "loudnorm=I=-16:TP=-1:LRA=11:print_format=json", "-f", "null", "-"]  # fmt: skip
    s1, m1, _, log = measure(first, folder)
    figures = json.loads(log[log.rindex("{") : log.rindex("}") + 1])
    out = str(folder / "baseline.mp3")
    second = [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", str(source),
        "-af",
        "loudnorm=I=-16:TP=-1:LRA=11:linear=true:"
        f"measured_I={figures['input_i']}:measured_TP={figures['input_tp']}:"
        f"measured_LRA={figures['input_lra']}:measured_thresh={figures['input_thresh']}:"
        f"offset={figures['target_offset']},aresample=48000",
        "-c:a", "libmp3lame", "-b:a", "192k", "-ar", "48000", out,
    ]  # fmt: skip
    s2, m2, _, _ = measure(second, folder)
    return s1 + s2, max(m1, m2)


def main() -> list[Verdict]:
    verdicts: list[Verdict] = []
    cores = os.cpu_count()
    print(f"   machine: {cores} cores; sources: speech-like noise, mono 44.1 kHz MP3 64 kbit/s")
    with tempfile.TemporaryDirectory(prefix="b3-") as tmp:
        folder = Path(tmp)
        for minutes in LENGTHS_MIN:
            source = make_source(folder, minutes)
            station = folder / f"station-{minutes}"
            station.mkdir()
            seconds, peak_mb, out, _ = measure([sys.executable, "-c", CHILD, str(source)], station)
            report = json.loads(out.strip().splitlines()[-1])
            base_s, base_mb = run_baseline(source, folder)
            ratio = seconds / base_s
            print(
                f"   {minutes:>3} min: prepare_episode {seconds:6.1f} s, peak {peak_mb:5.1f} MB "
                f"(tree RSS; python {report['self_mb']:.0f} MB + largest ffmpeg "
                f"{report['children_mb']:.0f} MB by getrusage) | two-pass loudnorm "
                f"{base_s:6.1f} s, peak {base_mb:5.1f} MB | ratio {ratio:.2f}",
                flush=True,
            )
            print(
                f"          rendition {report['duration_s'] / 60:.1f} min, "
                f"{report['lufs']} LUFS, true peak {report['tp']} dBTP",
                flush=True,
            )
            verdicts += show(
                [
                    Verdict(f"{minutes} min: peak memory", peak_mb, TARGET_MB, "MB"),
                    Verdict(f"{minutes} min: time / two-pass loudnorm", ratio, TARGET_RATIO),
                ],
                indent="          ",
            )
            source.unlink()
    return verdicts


if __name__ == "__main__":
    main()
