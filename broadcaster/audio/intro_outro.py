"""The station's intro and outro: short sounds, prepared whole with pydub.

They are seconds long, so pydub may hold them: resampled to the rendition's rate and
channels, brought to the loudness target (never above the peak ceiling), and given
short fades so they join the programme without a click.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment

from broadcaster.audio.loudness import LIMIT_DBTP, measure
from broadcaster.audio.probe import probe
from broadcaster.errors import BadInput

OUTPUT_RATE = 48000
LONGEST_S = 120.0
"""An intro or outro is a jingle, not a programme: longer ones are refused."""
FADE_EDGE_MS = 20
FADE_JOIN_MS = 300
"""The fade where the sound meets the programme (end of the intro, start of the outro)."""


@dataclass(frozen=True)
class StationSound:
    path: Path
    duration_s: float


def prepare_sound(
    source: Path, role: str, sound: Path, *, channels: int, target_lufs: float, out: Path
) -> StationSound:
    """Write `sound` as a WAV ready to join the programme; BadInput naming both files if unfit."""

    def refuse(reason: str) -> BadInput:
        return BadInput(f"{source}: the station {role} {sound} {reason}")

    try:
        info = probe(sound)
    except BadInput as exc:
        raise refuse(f"cannot be used ({str(exc).removeprefix(f'{sound}: ')})") from None
    if info.duration_s > LONGEST_S:
        raise refuse(f"lasts {info.duration_s:.0f} s; an {role} may last {LONGEST_S:.0f} s")
    loudness = measure(sound, timeout=60)
    if loudness is None:
        raise refuse("cannot be decoded")
    if loudness.silent:
        raise refuse("is silent")
    gain = min(target_lufs - loudness.integrated_lufs, LIMIT_DBTP - loudness.true_peak_dbtp)
    try:
        segment = AudioSegment.from_file(str(sound))
    except Exception as exc:  # pydub raises CouldntDecodeError and plain OSErrors
        raise refuse(f"cannot be decoded ({type(exc).__name__})") from None
    segment = (
        segment.set_frame_rate(OUTPUT_RATE).set_channels(channels).set_sample_width(2)
    ).apply_gain(gain)
    if role == "intro":
        segment = segment.fade_in(FADE_EDGE_MS).fade_out(min(FADE_JOIN_MS, len(segment) // 2))
    else:
        segment = segment.fade_in(min(FADE_JOIN_MS, len(segment) // 2)).fade_out(FADE_EDGE_MS)
    segment.export(str(out), format="wav")
    return StationSound(path=out, duration_s=len(segment) / 1000)
