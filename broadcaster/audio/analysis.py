"""The first pass over a source: decode it once, fully, as a stream.

One ffmpeg process decodes the file and splits the audio two ways: to `ebur128` (integrated
loudness and true peak) and to a small mono PCM stream from which pydub builds the level
envelope that decides the silence to trim. Decoding every frame is also the check that the
file is whole: a truncated or corrupt file shows here, at `episode add`, never at air time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from broadcaster.audio import ffmpeg
from broadcaster.audio.loudness import FILTER as EBUR128
from broadcaster.audio.loudness import Loudness, parse_summary
from broadcaster.audio.probe import Probe
from broadcaster.audio.silence import (
    AUDIBLE_AT_LEAST_S,
    ENVELOPE_RATE,
    Envelope,
    Trim,
    find_trim,
    silence_threshold,
)
from broadcaster.errors import BadInput
from broadcaster.outputs.spawn import spawn, stop_process
from broadcaster.schedule.times import format_duration

READ_BYTES = 1 << 16
MAX_DECODE_ERRORS = 6
"""A damaged frame or two is inaudible (each logs two lines); more and the file is corrupt."""


@dataclass(frozen=True)
class Analysis:
    loudness: Loudness
    decoded_s: float
    trim: Trim
    audible_s: float
    decode_errors: int


def analyse(
    source: Path, info: Probe, on_fraction: Callable[[float], None] | None = None
) -> Analysis:
    """Decode `source` fully; BadInput naming it if it is truncated, corrupt or silent."""
    graph = (
        f"[0:a:0]asplit=2[m][e];[m]{EBUR128}[mo];"
        f"[e]aresample={ENVELOPE_RATE},aformat=sample_fmts=s16:channel_layouts=mono[eo]"
    )
    args = [
        ffmpeg.FFMPEG,
        *ffmpeg.LOG_FLAGS,
        "-i",
        str(source),
        "-filter_complex",
        graph,
        "-map",
        "[mo]",
        "-f",
        "null",
        "-",
        "-map",
        "[eo]",
        "-f",
        "s16le",
        "pipe:1",
    ]
    envelope = Envelope()
    reported = -1.0
    with ffmpeg.log_file() as err:
        proc = spawn(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        try:
            while block := proc.stdout.read(READ_BYTES):
                envelope.feed(block)
                if on_fraction is not None:
                    fraction = min(1.0, envelope.duration_s / info.duration_s)
                    if fraction - reported >= 0.01:
                        reported = fraction
                        on_fraction(fraction)
            code = proc.wait()
        finally:
            stop_process(proc, 0)
        log = ffmpeg.read_log(err)
    envelope.close()
    loudness = parse_summary(log)
    if code != 0 or loudness is None:
        raise BadInput(f"{source}: corrupt: ffmpeg cannot decode it ({log.reason()})")
    decoded = envelope.duration_s
    errors = log.errors()
    _check_whole(source, info, decoded, errors)
    threshold = silence_threshold(loudness.integrated_lufs)
    audible = envelope.audible_s(threshold)
    if loudness.silent or audible < AUDIBLE_AT_LEAST_S:
        raise BadInput(
            f"{source}: silent: nothing to broadcast (integrated loudness "
            f"{_lufs(loudness.integrated_lufs)}, {audible:.1f} s above {threshold:.0f} dBFS)"
        )
    return Analysis(
        loudness=loudness,
        decoded_s=decoded,
        trim=find_trim(envelope, decoded, threshold),
        audible_s=audible,
        decode_errors=len(errors),
    )


def _check_whole(source: Path, info: Probe, decoded: float, errors: list[str]) -> None:
    if decoded <= 0:
        reason = ffmpeg.clean(errors[0]) if errors else "no audio could be decoded"
        raise BadInput(f"{source}: corrupt: {reason}")
    short = info.duration_s - decoded
    if not info.duration_estimated and short > max(0.5, 0.01 * info.duration_s):
        raise BadInput(
            f"{source}: truncated: it should last {format_duration(info.duration_s)} but the "
            f"audio stops after {format_duration(decoded)}"
        )
    if len(errors) > MAX_DECODE_ERRORS:
        raise BadInput(
            f"{source}: corrupt: {len(errors)} decoding errors (first: {ffmpeg.clean(errors[0])})"
        )


def _lufs(value: float) -> str:
    return "silence" if value <= -70 else f"{value:.1f} LUFS"
