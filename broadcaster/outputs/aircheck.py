"""The embedded default: the leg is recorded to an MP3 file instead of a server."""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

from broadcaster.files import private_dir
from broadcaster.outputs.causes import DISK_FULL
from broadcaster.outputs.leg import FfmpegLeg, Health, Segment

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 256 * 1024
"""An attempt starts only with this much space free in the aircheck folder: a full disk
gives a gap with cause `disk full`, not a stream of empty files."""


class AircheckLeg(FfmpegLeg):
    """Writes what the leg would send, in real time, to `path` (a new file per attempt).

    Every packet is flushed as it is made, so a daemon killed mid-slot leaves the part that
    aired on disk. When the folder's disk is full, no attempt is started (the leg is off air
    with cause `disk full` until space is free again), and an attempt that wrote nothing
    leaves no file."""

    kind = "aircheck"

    def __init__(
        self,
        name: str,
        source: str,
        *,
        path: Path,
        bitrate_kbps: int = 128,
        live: bool = False,
        relay: bool = False,
        input_format: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name, source, live=live, relay=relay, input_format=input_format)
        self.path = path
        self.bitrate_kbps = bitrate_kbps
        self._refused: str | None = None

    def start(self, segment: Segment, at: float | None = None) -> None:
        private_dir(self.path.parent)
        free = shutil.disk_usage(self.path.parent).free
        if free < MIN_FREE_BYTES:
            self._refused = f"{DISK_FULL}: {free // 1024} KB free in {self.path.parent}"
            return
        self._refused = None
        super().start(segment, at)

    def health(self) -> Health:
        if self._refused is not None:
            return Health(False, 1, 0, 0.0, None, False, DISK_FULL, self._refused)
        return super().health()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        if self._refused is None and self.attempts:
            attempt = self.attempt_path()
            with contextlib.suppress(OSError):
                if attempt.stat().st_size == 0:
                    attempt.unlink()
                    log.info("leg %s: %s was left empty: removed", self.name, attempt.name)

    @property
    def aircheck_path(self) -> Path:
        return self.path

    def attempt_path(self) -> Path:
        """The first attempt writes `path`; a restart writes `stem-2.mp3` and so on."""
        if self.attempts <= 1:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{self.attempts}{self.path.suffix}")

    def output_args(self, segment: Segment) -> list[str]:
        return ["-vn", "-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k",
                "-flush_packets", "1", "-f", "mp3", "-y", str(self.attempt_path())]  # fmt: skip
