from broadcaster.outputs.causes import (
    BROKEN_PIPE,
    MOUNT_IN_USE,
    OTHER,
    REFUSED,
    TIMEOUT,
    UNAUTHORIZED,
    classify,
    is_permanent,
    mask,
)
from broadcaster.outputs.progress import ProgressParser


def test_ffmpeg_errors_are_classified() -> None:
    assert (
        classify("[tcp @ 0x5] Connection to tcp://127.0.0.1:8000 failed: Connection refused")
        == REFUSED
    )
    assert classify("[http @ 0x1] HTTP error 401 Unauthorized") == UNAUTHORIZED
    assert classify("HTTP error 403 Forbidden") == MOUNT_IN_USE
    assert classify("av_interleaved_write_frame(): Broken pipe") == BROKEN_PIPE
    assert classify("Connection timed out") == TIMEOUT
    assert classify("Invalid data found when processing input") == OTHER


def test_only_a_wrong_password_is_permanent() -> None:
    assert is_permanent(UNAUTHORIZED)
    assert not any(is_permanent(c) for c in (REFUSED, MOUNT_IN_USE, BROKEN_PIPE, TIMEOUT, OTHER))


def test_mask_hides_secrets_and_url_credentials() -> None:
    text = "Error opening output icecast://source:s3cr%21t@127.0.0.1:8000/m.mp3 with s3cr!t"
    shown = mask(text, ["s3cr!t"])
    assert "s3cr" not in shown
    assert "icecast://source:***@127.0.0.1:8000/m.mp3" in shown


def test_progress_blocks_become_heartbeats() -> None:
    parser = ProgressParser()
    lines = [
        "total_size=N/A",
        "out_time_us=N/A",
        "progress=continue",
        "total_size=4096",
        "out_time_us=1500000",
        "progress=continue",
        "total_size=8192",
        "out_time_us=3000000",
        "progress=end",
    ]
    beats = [b for b in map(parser.feed, lines) if b is not None]
    assert [(b.bytes_sent, b.out_time_s, b.ended) for b in beats] == [
        (0, 0.0, False),
        (4096, 1.5, False),
        (8192, 3.0, True),
    ]
