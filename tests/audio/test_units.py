"""Small pieces: the level envelope and trim decision, the ebur128 log reader, gain plans."""

from __future__ import annotations

import math
import struct

from broadcaster.audio.ffmpeg import Log
from broadcaster.audio.loudness import Loudness, parse_summary, plan_gain
from broadcaster.audio.silence import ENVELOPE_RATE, Envelope, find_trim, silence_threshold


def pcm(seconds: float, amplitude: int) -> bytes:
    n = int(seconds * ENVELOPE_RATE)
    return b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 440 * i / ENVELOPE_RATE)))
        for i in range(n)
    )


def test_envelope_and_trim_in_pieces_of_any_size() -> None:
    data = pcm(2.0, 0) + pcm(3.0, 8000) + pcm(1.5, 3)
    envelope = Envelope()
    for start in range(0, len(data), 777):  # odd sizes: windows straddle the pieces
        envelope.feed(data[start : start + 777])
    envelope.close()
    assert envelope.duration_s == 6.5
    trim = find_trim(envelope, envelope.duration_s, silence_threshold(-16.0))
    assert trim.start_s == 1.75  # 0.25 s of room kept before the first sound
    assert trim.end_s == 5.5  # 0.5 s kept after the last
    assert envelope.audible_s(-45) == 3.0


def test_nothing_loud_keeps_everything() -> None:
    envelope = Envelope()
    envelope.feed(pcm(1.0, 2))
    envelope.close()
    trim = find_trim(envelope, 1.0, -40)
    assert (trim.start_s, trim.end_s) == (0.0, 1.0)


def test_parse_summary_reads_the_last_one() -> None:
    block = """[Parsed_ebur128_0 @ 0x1] [info] Summary:

  Integrated loudness:
    I:         {i} LUFS
    Threshold: -33.0 LUFS

  Loudness range:
    LRA:         4.1 LU
    Threshold: -43.0 LUFS
    LRA low:   -26.0 LUFS
    LRA high:  -22.0 LUFS

  True peak:
    Peak:       {tp} dBFS
"""
    log = Log(block.format(i="-70.0", tp="-inf") + block.format(i="-23.4", tp="-3.2"))
    assert parse_summary(log) == Loudness(-23.4, -3.2, 4.1, -33.0)
    silent = parse_summary(Log(block.format(i="-70.0", tp="-inf")))
    assert silent is not None and silent.silent
    assert parse_summary(Log("Conversion failed!")) is None


def test_gain_plan_limits_only_when_peaks_would_pass() -> None:
    quiet = plan_gain(Loudness(-30.0, -20.0, 5.0, -40.0), -16.0)
    assert quiet.gain_db == 14.0 and not quiet.limited
    peaky = plan_gain(Loudness(-20.0, -1.0, 5.0, -30.0), -16.0)
    assert peaky.gain_db == 4.0 and peaky.limit_dbtp == -2.0
