"""The three legs' commands, and the aircheck leg writing a real file with real ffmpeg."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from broadcaster.config import RadioSettings, load_settings
from broadcaster.outputs import AircheckLeg, RtmpLeg, Segment
from broadcaster.outputs.leg import decoder_command
from broadcaster.outputs.radio import RadioLeg
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout.build import radio_transmitter
from tests.conftest import make_tone


def test_the_decoder_resumes_at_offset_and_fades_into_the_hard_end() -> None:
    segment = Segment(offset_s=12.5, duration_s=30.0, fade_at_s=27.0)
    decoder = decoder_command("/m/ep.mp3", segment)  # the file, from the offset, as PCM
    assert decoder[decoder.index("-ss") + 1] == "12.500"
    assert decoder.index("-ss") < decoder.index("-i") and "-re" not in decoder
    assert decoder[decoder.index("-i") + 1] == "/m/ep.mp3"
    assert decoder[decoder.index("-t") + 1] == "30.000"
    assert "afade=t=out:st=27.000:d=3.000" in decoder and decoder[-1] == "pipe:1"
    relay = decoder_command("http://127.0.0.1:9/feed", segment, relay=True)
    assert "-ss" not in relay  # a live feed is read as it comes


def test_the_transmitter_never_puts_the_password_in_a_command_line() -> None:
    """SPEC 4.2: the encoder writes MP3 to its stdout; the daemon sends it to the mount
    itself, the password in its request, never in any process's argv."""
    mount = IcecastMount("127.0.0.1", 8000, "/sarika.mp3", "p@ss:w/rd", name="Sarika FM")
    cmd = Transmitter(mount, bitrate_kbps=96).encoder_command(7)
    assert cmd[-3:] == ["-f", "mp3", "pipe:1"]
    assert not any("p@ss" in arg or "p%40ss" in arg or "icecast://" in arg for arg in cmd)
    assert cmd[cmd.index("-b:a") + 1] == "96k"
    assert cmd[cmd.index("-progress") + 1] == "pipe:7"
    assert cmd[cmd.index("-id3v2_version") + 1] == "0"  # nothing but audio frames
    request = mount.request().decode()
    assert request.startswith("PUT /sarika.mp3 HTTP/1.1\r\n")
    assert "Authorization: Basic c291cmNlOnBAc3M6dy9yZA==" in request  # source:p@ss:w/rd
    assert "Expect: 100-continue" in request and "Ice-Name: Sarika FM" in request


def test_a_radio_url_needs_a_mount() -> None:
    with pytest.raises(ValueError, match="mount"):  # refused as the settings are made (issue 11)
        settings = load_settings(env={"PW": "x"}).model_copy(
            update={
                "radio": RadioSettings(icecast="http://127.0.0.1:8000/", source_password_env="PW")
            }
        )
        radio_transmitter(settings)


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


def test_a_radio_leg_off_the_mount_reports_the_transmitters_cause(tmp_path: Path) -> None:
    mount = IcecastMount("127.0.0.1", 9, "/m.mp3", "hunter2")  # nothing listens on port 9
    with Transmitter(mount, bitrate_kbps=64) as transmitter:
        leg = RadioLeg("radio", str(make_tone(tmp_path / "t.mp3", 2)), transmitter, title="t")
        leg.start(Segment(0, 2))
        deadline = time.monotonic() + 10
        while leg.health().running:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        health = leg.health()
        leg.stop()
    assert health.returncode not in (None, 0)
    assert health.cause == "refused"
    assert "hunter2" not in health.error and "hunter2" not in "\n".join(transmitter.errors)
