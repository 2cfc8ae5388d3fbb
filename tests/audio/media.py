"""Test inputs made with ffmpeg, sox and espeak-ng, and checks made with ffmpeg itself.

The checks never use the code under test: loudness comes from ffmpeg's `ebur128` filter,
lengths and formats from ffprobe, as an engineer at the station would check them.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEECH_TEXT = (
    "Sarika F M. Civil society dialogue, part one: progress on the rights to information "
    "and partnership. The government expressed commitment to dialogue at all levels."
)
# Speech-like: pink noise gated into syllables and phrases, band-limited like a voice.
SPEECHLIKE = (
    "volume='0.15+0.85*abs(sin(2*PI*t*2.3))*gt(sin(2*PI*t*0.31),-0.4)':eval=frame,"
    "highpass=f=120,lowpass=f=3800"
)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def noise_speech(
    path: Path,
    seconds: float,
    *,
    amplitude: float = 0.3,
    channels: int = 1,
    rate: int = 44100,
    lead: float = 0.0,
    tail: float = 0.0,
    gain_db: float = 0.0,
    codec: list[str] | None = None,
) -> Path:
    """Speech-like noise with `lead` and `tail` seconds of digital silence around it."""
    pad = f",adelay={int(lead * 1000)}:all=1,apad=pad_dur={tail}" if lead or tail else ""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"anoisesrc=c=pink:r={rate}:a={amplitude}:d={seconds}:s=7",
        "-af",
        f"{SPEECHLIKE},volume={gain_db}dB{pad}",
        "-ac",
        str(channels),
        *(codec or []),
        str(path),
    )
    return path


def espeak_speech(path: Path, *, lead: float = 0.0, tail: float = 0.0, gain_db: float = -3) -> Path:
    """A real recording of speech by espeak-ng, resampled, padded and written by sox."""
    raw = path.with_name(path.stem + ".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(raw), SPEECH_TEXT], check=True)
    subprocess.run(
        [
            "sox",
            "-q",
            str(raw),
            "-r",
            "44100",
            "-c",
            "2",
            str(path),
            "gain",
            str(gain_db),
            "pad",
            str(lead),
            str(tail),
        ],
        check=True,
    )
    raw.unlink()
    return path


@dataclass(frozen=True)
class R128:
    integrated: float
    true_peak: float


def r128(path: Path) -> R128:
    """EBU R128 integrated loudness and true peak by ffmpeg's ebur128 filter."""
    out = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true:framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = out[out.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1)
    return R128(integrated, float(peak))


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def duration(path: Path) -> float:
    return float(ffprobe(path)["format"]["duration"])
