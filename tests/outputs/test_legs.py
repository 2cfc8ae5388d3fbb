"""The three legs' commands, and the aircheck leg writing a real file with real ffmpeg."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from broadcaster.outputs import AircheckLeg, IcecastLeg, RtmpLeg, Segment
from tests.conftest import make_tone


def test_icecast_command_resumes_at_offset_and_masks_the_password() -> None:
    leg = IcecastLeg(
        "radio",
        "/m/ep.mp3",
        url="http://127.0.0.1:8000/sarika.mp3",
        password="p@ss:w/rd",
        title="សួស្តី",
        bitrate_kbps=96,
    )
    segment = Segment(offset_s=12.5, duration_s=30.0, fade_at_s=27.0)
    decoder = leg.decoder_command(segment)  # the file, from the offset, faded, as PCM
    assert decoder[decoder.index("-ss") + 1] == "12.500"
    assert decoder.index("-ss") < decoder.index("-i") and "-re" not in decoder
    assert decoder[decoder.index("-i") + 1] == "/m/ep.mp3"
    assert decoder[decoder.index("-t") + 1] == "30.000"
    assert "afade=t=out:st=27.000:d=3.000" in decoder and decoder[-1] == "pipe:1"
    cmd = leg.command(segment)  # the encoder reads that PCM from its stdin, unprobed
    assert cmd[cmd.index("-i") + 1] == "pipe:0" and "-nofind_stream_info" in cmd
    assert "-re" not in cmd and "-ss" not in cmd
    assert "-t" not in cmd  # it ends with its input (which a next slot may go on feeding)
    assert cmd[-1] == "icecast://source:p%40ss%3Aw%2Frd@127.0.0.1:8000/sarika.mp3"
    assert cmd[cmd.index("-b:a") + 1] == "96k"
    assert cmd[cmd.index("-content_type") + 1] == "audio/mpeg"
    shown = leg.shown_command(Segment(0, 30))
    assert "p@ss" not in shown and "p%40ss" not in shown and "icecast://source:***@" in shown


def test_icecast_url_needs_a_mount() -> None:
    with pytest.raises(ValueError, match="mount"):
        IcecastLeg("radio", "x.mp3", url="http://127.0.0.1:8000/", password="p", title="t")


def test_rtmp_command_copies_the_card_loop_and_encodes_aac_48k(tmp_path: Path) -> None:
    card = tmp_path / "card.mp4"
    leg = RtmpLeg(
        "facebook", "ep.mp3", url="rtmps://live-api-s.facebook.com:443/rtmp/FB-KEY1", card_loop=card
    )
    cmd = leg.command(Segment(offset_s=5, duration_s=10))
    loop = cmd.index("-stream_loop")
    assert cmd[loop + 1 : loop + 4] == ["-1", "-i", str(card)]
    assert cmd[cmd.index("-c:v") + 1] == "copy"
    assert cmd[cmd.index("-c:a") + 1] == "aac" and cmd[cmd.index("-ar") + 1] == "48000"
    assert cmd[cmd.index("-f", loop) + 1] == "flv"
    assert "FB-KEY1" not in leg.shown_command(Segment(5, 10))


def test_live_source_gets_reconnect_options_and_no_seek() -> None:
    leg = AircheckLeg("radio", "http://feed/live", path=Path("/tmp/x.mp3"), live=True)
    cmd = leg.command(Segment(offset_s=40, duration_s=10))
    assert "-ss" not in cmd and "-reconnect_streamed" in cmd


def test_aircheck_leg_records_the_segment_in_real_time(tmp_path: Path) -> None:
    tone = make_tone(tmp_path / "tone.mp3", 6)
    leg = AircheckLeg("radio", str(tone), path=tmp_path / "air" / "radio.mp3", bitrate_kbps=64)
    started = time.monotonic()
    leg.start(Segment(offset_s=3.0, duration_s=2.0))
    while leg.health().running:
        time.sleep(0.05)
    took = time.monotonic() - started
    health = leg.health()
    assert health.returncode == 0 and health.ended and health.bytes_sent > 0
    assert 1.8 < took < 4.0  # -re: real time, not as fast as possible
    probed = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            str(leg.aircheck_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert abs(float(probed.stdout) - 2.0) < 0.2


def test_a_failing_process_reports_its_cause(tmp_path: Path) -> None:
    leg = IcecastLeg(
        "radio",
        str(make_tone(tmp_path / "t.mp3", 2)),
        url="http://127.0.0.1:9/m.mp3",
        password="hunter2",
        title="t",
    )
    leg.start(Segment(0, 2))
    while leg.health().running:
        time.sleep(0.05)
    health = leg.health()
    assert health.returncode not in (None, 0)
    assert health.cause == "refused"
    assert "hunter2" not in health.error
