"""Files that must be refused at `episode add`: the reason named, nothing left behind."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from broadcaster.audio.prepare import prepare_episode
from broadcaster.config import Settings
from broadcaster.errors import BadInput
from tests.audio.media import ffmpeg, noise_speech


def empty(tmp: Path) -> Path:
    path = tmp / "empty.mp3"
    path.write_bytes(b"")
    return path


def truncated_mp3(tmp: Path) -> Path:
    whole = noise_speech(tmp / "whole.mp3", 20, codec=["-b:a", "64k"])
    cut = tmp / "cut.mp3"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2 + 77])  # mid-stream, mid-frame
    return cut


def truncated_wav(tmp: Path) -> Path:
    whole = noise_speech(tmp / "whole.wav", 10)
    cut = tmp / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:300_001])
    return cut


def damaged_mp3(tmp: Path) -> Path:
    whole = noise_speech(tmp / "whole.mp3", 20, codec=["-b:a", "64k"])
    data = bytearray(whole.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = random.Random(5).randbytes(third)
    path = tmp / "damaged.mp3"
    path.write_bytes(bytes(data))
    return path


def random_bytes(tmp: Path) -> Path:
    path = tmp / "noise.mp3"
    path.write_bytes(random.Random(3).randbytes(300_000))
    return path


def png_image(tmp: Path) -> Path:
    path = tmp / "picture.mp3"  # named like audio, but a picture
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=64x64:d=1",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "png",
        str(path),
    )
    return path


def text_file(tmp: Path) -> Path:
    path = tmp / "notes.wav"
    path.write_text("Episode 3: notes for the presenter.\n" * 50, encoding="utf-8")
    return path


def video_without_audio(tmp: Path) -> Path:
    path = tmp / "video.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(path),
    )
    return path


def digital_silence(tmp: Path) -> Path:
    path = tmp / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "10", str(path))
    return path


def low_noise(tmp: Path) -> Path:
    path = tmp / "hiss.mp3"  # about -65 dBFS of hiss: an empty room, not a programme
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=c=white:r=44100:a=0.0005:d=10", "-b:a", "64k", str(path))
    return path


CASES: list[tuple[Callable[[Path], Path], str | tuple[str, ...]]] = [
    (empty, "empty"),
    (truncated_mp3, "truncated"),
    (truncated_wav, "truncated"),
    (damaged_mp3, ("corrupt", "truncated")),
    (random_bytes, ("not audio", "corrupt")),
    (png_image, "image"),
    (text_file, "not an audio file"),
    (video_without_audio, "no audio stream"),
    (digital_silence, "silent"),
    (low_noise, "silent"),
]


def media_files(settings: Settings) -> list[Path]:
    media_dir = settings.path(settings.station.media_dir)
    return sorted(media_dir.rglob("*")) if media_dir.exists() else []


@pytest.mark.parametrize(("make", "reason"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_file_is_refused_and_nothing_is_stored(
    settings: Settings,
    tmp_path: Path,
    make: Callable[[Path], Path],
    reason: str | tuple[str, ...],
) -> None:
    source = make(tmp_path)
    with pytest.raises(BadInput) as caught:
        prepare_episode(source, title="Bad", partners=[], settings=settings)
    message = str(caught.value)
    assert message.startswith(str(source)), message
    reasons = (reason,) if isinstance(reason, str) else reason
    assert any(r in message for r in reasons), message
    assert media_files(settings) == []


def test_missing_file(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "nowhere.mp3"
    with pytest.raises(BadInput, match="not found"):
        prepare_episode(source, title="Bad", partners=[], settings=settings)


def test_too_long_for_the_longest_slot(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(
        update={"station": settings.station.model_copy(update={"longest_slot": "10s"})}
    )
    source = noise_speech(tmp_path / "long.mp3", 15, codec=["-b:a", "64k"])
    with pytest.raises(BadInput) as caught:
        prepare_episode(source, title="Long", partners=[], settings=settings)
    assert str(caught.value).startswith(f"{source}: too long")
    assert "10s" in str(caught.value)
    assert media_files(settings) == []


def test_intro_pushing_past_the_longest_slot(settings: Settings, tmp_path: Path) -> None:
    intro = tmp_path / "intro.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=4", str(intro))
    settings = settings.model_copy(
        update={
            "station": settings.station.model_copy(update={"longest_slot": "10s", "intro": intro})
        }
    )
    source = noise_speech(tmp_path / "nine.wav", 9)
    with pytest.raises(BadInput, match="too long: the rendition would last"):
        prepare_episode(source, title="Long", partners=[], settings=settings)
    assert media_files(settings) == []


def test_missing_intro_is_named(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(
        update={"station": settings.station.model_copy(update={"intro": Path("no/intro.mp3")})}
    )
    source = noise_speech(tmp_path / "talk.wav", 3)
    with pytest.raises(BadInput) as caught:
        prepare_episode(source, title="Talk", partners=[], settings=settings)
    assert str(caught.value).startswith(str(source))
    assert "intro" in str(caught.value) and "not found" in str(caught.value)
    assert media_files(settings) == []


def test_a_failure_late_in_the_work_leaves_nothing(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadcaster.audio.prepare as prepare_module

    def broken(png: Path, out: Path) -> Path:
        out.write_bytes(b"half a video")
        raise RuntimeError("encoding the card video failed: disk full")

    monkeypatch.setattr(prepare_module, "render_loop", broken)
    source = noise_speech(tmp_path / "talk.wav", 3)
    with pytest.raises(BadInput, match="disk full"):
        prepare_episode(source, title="Talk", partners=[], settings=settings)
    assert media_files(settings) == []
