"""Turning an uploaded recording into a broadcast-ready rendition.

The entry point for the CLI, the schedule file and the web upload alike:

1. probe (ffprobe): is there an audio stream, how long is it (`probe.py`);
2. analyse (one streamed decode): whole, not silent, its loudness and true peak, the
   silence to trim (`analysis.py`, `silence.py`, `loudness.py`);
3. render (a second streamed decode): trim, gain and limiter, intro and outro, MP3 at
   48 kHz, measured as it is written (`rendition.py`, `intro_outro.py`);
4. the title card and its video loop (`card.py`).

Work happens in a hidden folder inside `media_dir`; files are renamed into place only when
everything succeeded, and the folder is removed whatever happens (a SIGTERM included, under
`sigterm_stops_preparation`). The media folder is 0700 and what goes on air 0600: nobody
else on the machine can replace it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from broadcaster.audio.analysis import analyse
from broadcaster.audio.card import render_card, render_loop
from broadcaster.audio.intro_outro import prepare_sound
from broadcaster.audio.loudness import (
    TRUE_PEAK_CEILING_DBTP,
    Loudness,
    plan_gain,
    within_target,
)
from broadcaster.audio.probe import probe
from broadcaster.audio.rendition import Assembly, render
from broadcaster.config import Settings
from broadcaster.errors import BadInput
from broadcaster.files import make_private, private_dir
from broadcaster.schedule.times import format_duration, parse_duration

Progress = Callable[[str, float], None]
"""Called with a stage name and the fraction done (0.0 to 1.0)."""

RENDER_ATTEMPTS = 3
"""A limited rendition can land a little under the target: measure, correct, write again."""
TOLERANCE_LU = 1.0


@dataclass(frozen=True)
class PreparedAudio:
    media_path: Path
    card_path: Path | None
    duration_s: float
    source_sha256: str
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    measured_lufs: float | None = None
    measured_true_peak_dbtp: float | None = None
    card_video_path: Path | None = None
    trimmed_s: float = 0.0
    """Leading and trailing silence removed from the source, in seconds."""

    def files(self) -> list[Path]:
        paths = (self.media_path, self.card_path, self.card_video_path)
        return [p for p in paths if p is not None]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stage(progress: Progress | None, stage: str) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(stage, fraction)


def prepare_episode(
    source: Path,
    *,
    title: str,
    partners: list[str],
    settings: Settings,
    progress: Progress | None = None,
) -> PreparedAudio:
    """Validate `source` and write its rendition and card under `media_dir`; BadInput if unfit.

    Nothing is left behind on failure.
    """
    station = settings.station
    info = probe(source)
    longest = parse_duration(station.longest_slot, "station.longest_slot").total_seconds()
    if info.duration_s > longest:
        raise BadInput(
            f"{source}: too long: lasts {format_duration(info.duration_s)}, longer than the "
            f"longest possible slot ({station.longest_slot})"
        )
    digest = sha256_of(source)
    media_dir = private_dir(settings.path(station.media_dir))
    work = Path(tempfile.mkdtemp(prefix=".prepare-", dir=media_dir))  # 0700
    placed: list[Path] = []
    try:
        analysis = analyse(source, info, _stage(progress, "analyse"))
        channels = 1 if info.channels == 1 else 2
        target = station.loudness_target_lufs
        sounds = {}
        for role, configured in (("intro", station.intro), ("outro", station.outro)):
            if configured is not None:
                sounds[role] = prepare_sound(
                    source,
                    role,
                    settings.path(configured),
                    channels=channels,
                    target_lufs=target,
                    out=work / f"{role}.wav",
                )
        expected = analysis.trim.duration_s + sum(s.duration_s for s in sounds.values())
        if expected > longest:
            raise BadInput(
                f"{source}: too long: the rendition would last {format_duration(expected)}, "
                f"longer than the longest possible slot ({station.longest_slot})"
            )
        assembly = Assembly(
            trim=analysis.trim,
            plan=plan_gain(analysis.loudness, target),
            channels=channels,
            intro=sounds["intro"].path if "intro" in sounds else None,
            outro=sounds["outro"].path if "outro" in sounds else None,
        )
        rendition = work / "rendition.mp3"
        final = _render(source, assembly, rendition, title, target, expected, progress)
        duration = probe(rendition).duration_s

        card_stage = _stage(progress, "card")
        if card_stage:
            card_stage(0.0)
        card_png = render_card(
            work / "card.png", title=title, station=station.name, partners=partners
        )
        card_mp4 = render_loop(card_png, work / "card.mp4")
        if card_stage:
            card_stage(1.0)

        stem = f"{digest[:12]}-{uuid.uuid4().hex[:8]}"
        targets = [
            (rendition, media_dir / f"{stem}.mp3"),
            (card_png, media_dir / f"{stem}-card.png"),
            (card_mp4, media_dir / f"{stem}-card.mp4"),
        ]
        for made, dest in targets:
            make_private(made)
            os.replace(made, dest)
            placed.append(dest)
    except RuntimeError as exc:
        _remove(placed)
        raise BadInput(f"{source}: preparation failed: {exc}") from exc
    except BaseException:
        _remove(placed)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress:
        progress("prepared", 1.0)
    return PreparedAudio(
        media_path=placed[0],
        card_path=placed[1],
        card_video_path=placed[2],
        duration_s=duration,
        source_sha256=digest,
        loudness_lufs=round(final.integrated_lufs, 2),
        true_peak_dbtp=round(final.true_peak_dbtp, 2),
        measured_lufs=round(analysis.loudness.integrated_lufs, 2),
        measured_true_peak_dbtp=round(analysis.loudness.true_peak_dbtp, 2),
        trimmed_s=round(max(0.0, analysis.decoded_s - analysis.trim.duration_s), 3),
    )


def _render(
    source: Path,
    assembly: Assembly,
    out: Path,
    title: str,
    target: float,
    expected: float,
    progress: Progress | None,
) -> Loudness:
    """Render, measure, and render again with a corrected gain if the target was missed."""
    result: Loudness | None = None
    for attempt in range(RENDER_ATTEMPTS):
        stage = "render" if attempt == 0 else f"render (correction {attempt})"
        result = render(
            source,
            assembly,
            out,
            title=title,
            expected_s=expected,
            on_fraction=_stage(progress, stage),
        )
        if within_target(result, target):
            return result
        assembly = Assembly(
            trim=assembly.trim,
            plan=assembly.plan.corrected(result, target),
            channels=assembly.channels,
            intro=assembly.intro,
            outro=assembly.outro,
        )
    assert result is not None
    if (
        abs(result.integrated_lufs - target) <= TOLERANCE_LU
        and result.true_peak_dbtp <= TRUE_PEAK_CEILING_DBTP
    ):
        return result
    raise BadInput(
        f"{source}: cannot be normalised: after {RENDER_ATTEMPTS} attempts it measures "
        f"{result.integrated_lufs:.1f} LUFS, true peak {result.true_peak_dbtp:.1f} dBTP "
        f"(target {target:.1f} LUFS, at most {TRUE_PEAK_CEILING_DBTP:.0f} dBTP)"
    )


class Terminated(SystemExit):
    """SIGTERM arrived while preparing: unwinds like an exception, so every `finally` runs
    (ffmpeg children stopped, the half-made folder removed), then exits 143."""


@contextmanager
def sigterm_stops_preparation() -> Iterator[None]:
    """Within this block (in the main thread), SIGTERM stops the preparation cleanly
    instead of killing the process with its ffmpeg children running and its work on disk."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        sys.stderr.write("error: stopped by SIGTERM; nothing was stored\n")
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
