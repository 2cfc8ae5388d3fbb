"""What a file holds, by ffprobe: trust the content, not the name."""

from __future__ import annotations

import json
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import BadInput
from broadcaster.privacy import child_env


@dataclass(frozen=True)
class Probe:
    path: Path
    format_name: str
    codec: str
    duration_s: float
    sample_rate: int
    channels: int
    duration_estimated: bool = False
    """ffprobe guessed the length from the bit rate (no header states it): only roughly right."""
    has_video: bool = False


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
            "warning",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unreadable"])[-1]
        reason = reason.replace(str(path), "").strip(": ")
        raise BadInput(f"{path}: not an audio file ffmpeg can read ({reason})")
    info = json.loads(result.stdout or "{}")
    all_streams = info.get("streams", [])
    streams = [s for s in all_streams if s.get("codec_type") == "audio"]
    fmt = info.get("format", {})
    if not streams:
        raise BadInput(f"{path}: {_not_audio(fmt, all_streams)}")
    stream = streams[0]
    if not stream.get("codec_name") or stream.get("codec_name") == "none":
        raise BadInput(f"{path}: not an audio file ffmpeg can read (unknown codec)")
    duration = _float(stream.get("duration")) or _float(fmt.get("duration"))
    if not duration or duration <= 0:
        raise BadInput(f"{path}: corrupt or not audio: ffmpeg finds no playable audio in it")
    if "wav" in str(fmt.get("format_name", "")).split(","):
        _check_riff(path, size)
    return Probe(
        path=path,
        format_name=str(fmt.get("format_name", "")),
        codec=str(stream.get("codec_name", "")),
        duration_s=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        duration_estimated="Estimating duration from bitrate" in result.stderr,
        has_video=any(s.get("codec_type") == "video" for s in all_streams),
    )


def _not_audio(fmt: dict[str, object], streams: list[dict[str, object]]) -> str:
    """Why a file with no audio stream is refused, naming what it holds instead."""
    kinds = sorted({str(s.get("codec_type")) for s in streams if s.get("codec_type")})
    name = str(fmt.get("format_name", "")).split(",")[0]
    if name.endswith("_pipe") or name == "image2":
        return f"not audio: it is an image ({name.removesuffix('_pipe')})"
    if "video" in kinds:
        return "not audio: the file holds video with no audio stream"
    if kinds:
        return f"not audio: the file holds no audio stream (only {', '.join(kinds)})"
    return "not audio: the file holds no audio stream"


def _check_riff(path: Path, size: int) -> None:
    """A WAV whose header promises more sample data than the file holds was cut short."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return
        offset = 12
        while offset + 8 <= size:
            fh.seek(offset)
            chunk = fh.read(8)
            if len(chunk) < 8:
                return
            cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                if head[:4] == b"RIFF" and length not in (0, 0xFFFFFFFF):
                    missing = offset + 8 + length - size
                    if missing > 0:
                        raise BadInput(
                            f"{path}: truncated: the WAV header promises {length} bytes of "
                            f"audio but the file stops {missing} bytes short"
                        )
                return
            offset += 8 + length + (length & 1)


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
