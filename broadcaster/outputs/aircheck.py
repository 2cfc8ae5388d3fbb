"""The embedded default: the leg is recorded to an MP3 file instead of a server."""

from __future__ import annotations

from pathlib import Path

from broadcaster.outputs.leg import FfmpegLeg, Segment


class AircheckLeg(FfmpegLeg):
    """Writes what the leg would send, in real time, to `path` (a new file per attempt).

    Every packet is flushed as it is made, so a daemon killed mid-slot leaves the part that
    aired on disk."""

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

    @property
    def aircheck_path(self) -> Path:
        return self.path

    def attempt_path(self) -> Path:
        """The first attempt writes `path`; a restart writes `stem-2.mp3` and so on."""
        if self.attempts <= 1:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{self.attempts}{self.path.suffix}")

    def output_args(self, segment: Segment) -> list[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return ["-vn", "-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k",
                "-flush_packets", "1", "-f", "mp3", "-y", str(self.attempt_path())]  # fmt: skip
