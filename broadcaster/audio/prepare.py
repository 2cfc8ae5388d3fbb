"""Turning an uploaded recording into a broadcast-ready rendition.

The entry point for the CLI, the schedule file and the web upload alike.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from broadcaster.audio.probe import probe
from broadcaster.config import Settings
from broadcaster.errors import BadInput
from broadcaster.schedule.times import format_duration, parse_duration

Progress = Callable[[str, float], None]
"""Called with a stage name and the fraction done (0.0 to 1.0)."""


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

    def files(self) -> list[Path]:
        return [p for p in (self.media_path, self.card_path) if p is not None]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_episode(
    source: Path,
    *,
    title: str,
    partners: list[str],
    settings: Settings,
    progress: Progress | None = None,
) -> PreparedAudio:
    """Validate `source` and write its rendition under `media_dir`; BadInput if unfit.

    Nothing is left behind on failure: work happens in a temporary file that is renamed
    into place only when complete.
    """
    info = probe(source)
    longest = parse_duration(settings.station.longest_slot, "station.longest_slot")
    if info.duration_s > longest.total_seconds():
        raise BadInput(
            f"{source}: lasts {format_duration(info.duration_s)}, longer than the longest "
            f"possible slot ({settings.station.longest_slot})"
        )
    digest = sha256_of(source)
    media_dir = settings.path(settings.station.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / f"{digest[:12]}-{uuid.uuid4().hex[:8]}{source.suffix.lower() or '.audio'}"
    with tempfile.NamedTemporaryFile(dir=media_dir, delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
    try:
        shutil.copyfile(source, tmp_path)
        tmp_path.replace(target)
    finally:
        tmp_path.unlink(missing_ok=True)
    if progress:
        progress("prepared", 1.0)
    return PreparedAudio(
        media_path=target, card_path=None, duration_s=info.duration_s, source_sha256=digest
    )
