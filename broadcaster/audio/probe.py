"""What a file holds, by ffprobe: trust the content, not the name."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import BadInput


@dataclass(frozen=True)
class Probe:
    path: Path
    format_name: str
    codec: str
    duration_s: float
    sample_rate: int
    channels: int


def probe(path: Path) -> Probe:
    """The audio stream of `path`; BadInput naming the file if there is none to play."""
    if not path.exists():
        raise BadInput(f"{path}: file not found")
    if not path.is_file():
        raise BadInput(f"{path}: not a file")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from None
    if size == 0:
        raise BadInput(f"{path}: the file is empty")
    result = subprocess.run(
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
        timeout=60,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unreadable"])[-1]
        reason = reason.replace(str(path), "").strip(": ")
        raise BadInput(f"{path}: not an audio file ffmpeg can read ({reason})")
    info = json.loads(result.stdout or "{}")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise BadInput(f"{path}: has no audio stream")
    stream = streams[0]
    fmt = info.get("format", {})
    duration = _float(stream.get("duration")) or _float(fmt.get("duration"))
    if not duration or duration <= 0:
        raise BadInput(f"{path}: the audio has no length (truncated or corrupt)")
    return Probe(
        path=path,
        format_name=str(fmt.get("format_name", "")),
        codec=str(stream.get("codec_name", "")),
        duration_s=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
    )


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
