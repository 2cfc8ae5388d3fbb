"""The second pass: write the broadcast rendition and measure it as it is written.

One ffmpeg process decodes the source again and streams it through trim, gain (and the
true-peak limiter when needed), fades and the join with intro and outro, into an MP3 at
48 kHz, 192 kbit/s. The tee muxer writes the MP3 to its file and, at the same time, down a
pipe into a second ffmpeg that measures the finished rendition (EBU R128, true peak): the
figures stored are those of the file that will air. Nothing is held whole in memory.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from broadcaster.audio import ffmpeg
from broadcaster.audio.intro_outro import OUTPUT_RATE
from broadcaster.audio.loudness import FILTER as EBUR128
from broadcaster.audio.loudness import GainPlan, Loudness, limiter_filters, parse_summary
from broadcaster.audio.silence import Trim
from broadcaster.outputs.spawn import spawn, stop_process

BITRATE = "192k"
FADE_IN_S = 0.05
FADE_OUT_S = 0.2


@dataclass(frozen=True)
class Assembly:
    """What goes into the rendition, in order."""

    trim: Trim
    plan: GainPlan
    channels: int
    intro: Path | None = None
    outro: Path | None = None


def layout(channels: int) -> str:
    return "mono" if channels == 1 else "stereo"


def filtergraph(assembly: Assembly) -> str:
    """The filtergraph from inputs (0 source, then intro, then outro) to the `[out]` pad."""
    fmt = f"aformat=sample_fmts=fltp:sample_rates={OUTPUT_RATE}:channel_layouts=" + layout(
        assembly.channels
    )
    trim = assembly.trim
    fade_out_at = max(0.0, trim.duration_s - FADE_OUT_S)
    body = [
        "asetpts=PTS-STARTPTS",
        f"atrim=start={trim.start_s:.3f}:end={trim.end_s:.3f}",
        "asetpts=PTS-STARTPTS",
        f"aformat=channel_layouts={layout(assembly.channels)}",
        *limiter_filters(assembly.plan),
        fmt,
        f"afade=t=in:d={FADE_IN_S}",
        f"afade=t=out:st={fade_out_at:.3f}:d={FADE_OUT_S}",
    ]
    chains = [f"[0:a:0]{','.join(body)}[body]"]
    parts = ["[body]"]
    index = 1
    if assembly.intro is not None:
        chains.append(f"[{index}:a:0]{fmt}[intro]")
        parts.insert(0, "[intro]")
        index += 1
    if assembly.outro is not None:
        chains.append(f"[{index}:a:0]{fmt}[outro]")
        parts.append("[outro]")
    if len(parts) == 1:
        chains[0] = chains[0].removesuffix("[body]") + "[out]"
    else:
        chains.append(f"{''.join(parts)}concat=n={len(parts)}:v=0:a=1[out]")
    return ";".join(chains)


def _tee_path(path: Path) -> str:
    return re.sub(r"([\\|\[\]=:])", r"\\\1", str(path))


def render(
    source: Path,
    assembly: Assembly,
    out: Path,
    *,
    title: str,
    expected_s: float,
    on_fraction: Callable[[float], None] | None = None,
) -> Loudness:
    """Write the rendition of `source` to `out`; the loudness measured on what was written.

    Raises RuntimeError with ffmpeg's reason if either process fails.
    """
    inputs = ["-i", str(source)]
    for extra in (assembly.intro, assembly.outro):
        if extra is not None:
            inputs += ["-i", str(extra)]
    progress = ffmpeg.ProgressPipe()
    encode = [
        ffmpeg.FFMPEG,
        *ffmpeg.LOG_FLAGS,
        "-y",
        *progress.arg,
        *inputs,
        "-filter_complex",
        filtergraph(assembly),
        "-map",
        "[out]",
        "-map_metadata",
        "-1",
        "-c:a",
        "libmp3lame",
        "-b:a",
        BITRATE,
        "-ar",
        str(OUTPUT_RATE),
        "-metadata",
        f"title={title}",
        "-id3v2_version",
        "3",
        "-f",
        "tee",
        f"[f=mp3]{_tee_path(out)}|[f=mp3]pipe\\:1",
    ]
    meter = [ffmpeg.FFMPEG, *ffmpeg.LOG_FLAGS, "-f", "mp3", "-i", "pipe:0"]
    meter += ["-af", EBUR128, "-f", "null", "-"]
    with ffmpeg.log_file() as encode_err, ffmpeg.log_file() as meter_err:
        try:
            encoder = spawn(
                encode,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=encode_err,
                pass_fds=(progress.write_fd,),
            )
        except BaseException:
            progress.close()
            raise
        assert encoder.stdout is not None
        try:
            measurer = spawn(
                meter, stdin=encoder.stdout, stdout=subprocess.DEVNULL, stderr=meter_err
            )
        except BaseException:
            progress.close()
            stop_process(encoder, 0)
            raise
        encoder.stdout.close()  # the meter holds the pipe now
        try:
            progress.close_writer()
            progress.follow(
                lambda s: on_fraction(min(1.0, s / expected_s)) if on_fraction else None
            )
            encoded = encoder.wait()
            measured = measurer.wait()
        finally:
            progress.close()
            stop_process(encoder, 0)
            stop_process(measurer, 0)
        if encoded != 0:
            raise RuntimeError(f"encoding failed: {ffmpeg.read_log(encode_err).reason()}")
        meter_log = ffmpeg.read_log(meter_err)
        result = parse_summary(meter_log)
        if measured != 0 or result is None:
            raise RuntimeError(f"measuring the rendition failed: {meter_log.reason()}")
        return result
