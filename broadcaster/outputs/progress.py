"""ffmpeg's `-progress` heartbeat: blocks of `key=value` lines ending with `progress=...`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One heartbeat: what the leg has sent so far."""

    bytes_sent: int
    out_time_s: float
    ended: bool


class ProgressParser:
    """Feed it lines; it returns a `Progress` each time a block completes."""

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}

    def feed(self, line: str) -> Progress | None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        self._fields[key] = value
        if key != "progress":
            return None
        fields, self._fields = self._fields, {}
        return Progress(
            bytes_sent=_int(fields.get("total_size")),
            out_time_s=_int(fields.get("out_time_us", fields.get("out_time_ms"))) / 1e6,
            ended=value == "end",
        )


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:  # ffmpeg prints N/A before the first packet
        return 0
