"""EBU R128 loudness: reading ffmpeg's `ebur128` figures and planning the gain.

The rendition is made with a plain gain to the target; when that gain would push the
true peak above the ceiling, a true-peak limiter (the signal oversampled four times)
holds the peaks while the gain still reaches the target loudness.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from broadcaster.audio import ffmpeg

TRUE_PEAK_CEILING_DBTP = -1.0
"""The promise (SPEC 4.1): true peak at most -1 dBTP on the rendition."""

LIMIT_DBTP = -2.0
"""Where the limiter holds peaks: MP3 encoding adds a few tenths of a dB of overshoot."""

SILENT_BELOW_LUFS = -50.0
"""Integrated loudness below this is silence or hiss, not a programme to normalise."""

FILTER = "ebur128=peak=true:framelog=verbose"
"""The measuring filter: the summary (I, LRA, true peak) goes to the log at the end."""

_SUMMARY = re.compile(r"Summary:(?P<body>.*?)True peak:\s*\n[^\n]*?Peak:\s*(?P<tp>\S+)", re.S)
_FIELD = re.compile(r"^\s*(I|LRA|Threshold):\s*(\S+)", re.M)


@dataclass(frozen=True)
class Loudness:
    """EBU R128 figures of a stream: integrated loudness and true peak."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float
    threshold_lufs: float

    @property
    def silent(self) -> bool:
        return self.integrated_lufs < SILENT_BELOW_LUFS or self.true_peak_dbtp == -math.inf


def parse_summary(log: ffmpeg.Log) -> Loudness | None:
    """The last ebur128 summary in an ffmpeg log, or None if the filter never finished."""
    matches = list(_SUMMARY.finditer(log.text))
    if not matches:
        return None
    last = matches[-1]
    fields: dict[str, float] = {}
    for name, value in _FIELD.findall(last.group("body")):
        # "Threshold" appears twice (integrated gate, then LRA gate): keep the first.
        fields.setdefault(name, _number(value))
    return Loudness(
        integrated_lufs=fields.get("I", -70.0),
        true_peak_dbtp=_number(last.group("tp")),
        lra_lu=fields.get("LRA", 0.0),
        threshold_lufs=fields.get("Threshold", -70.0),
    )


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return -math.inf


def measure(path: Path, *, timeout: float | None = None) -> Loudness | None:
    """Measure a whole file (short ones: intro, outro); None if ffmpeg cannot decode it."""
    code, log = ffmpeg.run(
        ["-i", str(path), "-map", "0:a:0", "-af", FILTER, "-f", "null", "-"], timeout=timeout
    )
    if code != 0:
        return None
    return parse_summary(log)


@dataclass(frozen=True)
class GainPlan:
    """How to bring a stream to the target: a gain, and a limiter ceiling if one is needed."""

    gain_db: float
    limit_dbtp: float | None

    @property
    def limited(self) -> bool:
        return self.limit_dbtp is not None

    def corrected(self, result: Loudness, target_lufs: float) -> GainPlan:
        """A second attempt after `result` missed the target or the ceiling."""
        gain = self.gain_db + (target_lufs - result.integrated_lufs)
        limit = self.limit_dbtp if self.limit_dbtp is not None else LIMIT_DBTP
        if result.true_peak_dbtp > TRUE_PEAK_CEILING_DBTP - 0.2:
            limit -= result.true_peak_dbtp - (TRUE_PEAK_CEILING_DBTP - 0.5)
        return GainPlan(gain_db=gain, limit_dbtp=max(limit, -12.0))


def plan_gain(measured: Loudness, target_lufs: float) -> GainPlan:
    """The gain that brings `measured` to the target; limit only if peaks would pass -2 dBTP."""
    gain = target_lufs - measured.integrated_lufs
    if measured.true_peak_dbtp + gain <= LIMIT_DBTP:
        return GainPlan(gain_db=gain, limit_dbtp=None)
    return GainPlan(gain_db=gain, limit_dbtp=LIMIT_DBTP)


def within_target(result: Loudness, target_lufs: float, tolerance_lu: float = 0.5) -> bool:
    return (
        abs(result.integrated_lufs - target_lufs) <= tolerance_lu
        and result.true_peak_dbtp <= TRUE_PEAK_CEILING_DBTP
    )


def limiter_filters(plan: GainPlan) -> list[str]:
    """Gain and (if planned) a true-peak limiter; the caller resamples to the output rate."""
    gain = [f"volume={plan.gain_db:.2f}dB"]
    if plan.limit_dbtp is None:
        return gain
    ceiling = 10 ** (plan.limit_dbtp / 20)
    return [
        "aresample=192000",  # four times oversampled: the limiter then sees true peaks
        *gain,
        f"alimiter=limit={ceiling:.4f}:level=false:latency=true:attack=1:release=60",
    ]
