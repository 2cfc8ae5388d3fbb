"""Preparing good recordings: loudness, true peak, trimmed silence, intro and outro."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcaster.audio.prepare import PreparedAudio, prepare_episode
from broadcaster.config import Settings
from tests.audio.media import duration, espeak_speech, ffmpeg, ffprobe, noise_speech, r128

TARGET = -16.0


def prepare(source: Path, settings: Settings, **kw: object) -> PreparedAudio:
    return prepare_episode(
        source,
        title="Dialogue",
        partners=["UNDP"],
        settings=settings,
        **kw,  # type: ignore[arg-type]
    )


def assert_broadcast_ready(
    prepared: PreparedAudio, settings: Settings, target: float = TARGET
) -> None:
    media_dir = settings.path(settings.station.media_dir)
    assert prepared.media_path.parent == media_dir
    assert prepared.media_path.suffix == ".mp3"
    measured = r128(prepared.media_path)
    assert abs(measured.integrated - target) <= 1.0, measured
    assert measured.true_peak <= -1.0, measured
    # the stored figures are those of the file that will air
    assert prepared.loudness_lufs is not None and prepared.true_peak_dbtp is not None
    assert abs(prepared.loudness_lufs - measured.integrated) <= 0.2
    assert abs(prepared.true_peak_dbtp - measured.true_peak) <= 0.2
    stream = ffprobe(prepared.media_path)["streams"][0]
    assert stream["codec_name"] == "mp3"
    assert int(stream["sample_rate"]) == 48000
    assert abs(prepared.duration_s - duration(prepared.media_path)) < 0.1
    # nothing else is left in media_dir: the rendition, the card and its loop
    assert sorted(media_dir.iterdir()) == sorted(prepared.files())


@pytest.mark.parametrize(
    ("name", "gain_db", "channels", "codec"),
    [
        ("loud-stereo.wav", 24, 2, []),  # about -5 LUFS, clipped at full scale
        ("quiet-mono.mp3", -10, 1, ["-b:a", "64k"]),  # about -42 LUFS
        ("medium.m4a", 0, 2, ["-c:a", "aac", "-b:a", "96k"]),
        ("vorbis.ogg", 6, 1, ["-c:a", "libvorbis"]),
    ],
)
def test_formats_and_levels_reach_the_target(
    settings: Settings, tmp_path: Path, name: str, gain_db: float, channels: int, codec: list[str]
) -> None:
    source = noise_speech(tmp_path / name, 12, gain_db=gain_db, channels=channels, codec=codec)
    before = r128(source)
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    assert prepared.measured_lufs == pytest.approx(before.integrated, abs=0.3)
    assert prepared.measured_true_peak_dbtp == pytest.approx(before.true_peak, abs=0.3)
    assert ffprobe(prepared.media_path)["streams"][0]["channels"] == channels
    assert prepared.duration_s == pytest.approx(12, abs=0.3)


def test_real_speech_is_trimmed_and_normalised(settings: Settings, tmp_path: Path) -> None:
    source = espeak_speech(tmp_path / "speech.wav", lead=3.0, tail=4.0)
    spoken = duration(source) - 7.0
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    # shorter by about the silence: at most half a second of room kept at each end
    assert spoken - 0.3 <= prepared.duration_s <= spoken + 1.0
    assert prepared.trimmed_s == pytest.approx(duration(source) - prepared.duration_s, abs=0.1)


def test_low_noise_around_the_programme_counts_as_silence(
    settings: Settings, tmp_path: Path
) -> None:
    body = noise_speech(tmp_path / "body.wav", 8, amplitude=0.3)
    source = tmp_path / "hiss.mp3"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=c=white:r=44100:a=0.0005:d=14",
        "-i",
        str(body),
        "-filter_complex",
        "[1:a]adelay=3000[b];[0:a][b]amix=inputs=2:normalize=0",
        "-ac",
        "1",
        "-b:a",
        "96k",
        str(source),
    )
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    assert 8.0 <= prepared.duration_s <= 9.0


def test_a_steady_tone_keeps_its_length(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "tone.mp3"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-ac", "1", "-b:a", "64k", str(source)
    )
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    assert prepared.duration_s == pytest.approx(5.0, abs=0.1)
    assert prepared.trimmed_s < 0.1


def test_wrong_extension_is_accepted_by_content(settings: Settings, tmp_path: Path) -> None:
    source = noise_speech(tmp_path / "actually-a-wav.mp3", 5, codec=["-f", "wav"])
    assert ffprobe(source)["format"]["format_name"] == "wav"
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)


def test_other_loudness_target(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(
        update={"station": settings.station.model_copy(update={"loudness_target_lufs": -23.0})}
    )
    source = noise_speech(tmp_path / "talk.wav", 8, amplitude=0.5, channels=2)
    assert_broadcast_ready(prepare(source, settings), settings, target=-23.0)


def test_intro_and_outro_are_joined(settings: Settings, tmp_path: Path) -> None:
    intro = tmp_path / "sounds" / "intro.mp3"
    outro = tmp_path / "sounds" / "outro.ogg"
    intro.parent.mkdir()
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:duration=2", "-b:a", "48k", str(intro))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-c:a", "libvorbis", str(outro))
    settings = settings.model_copy(
        update={
            "station": settings.station.model_copy(
                update={"intro": Path("sounds/intro.mp3"), "outro": outro}
            )
        }
    )
    source = noise_speech(tmp_path / "body.wav", 10, amplitude=0.4, channels=2, lead=2, tail=2)
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    # 2 s intro + 10 s programme (plus at most 0.75 s of kept room) + 3 s outro
    assert 15.0 <= prepared.duration_s <= 15.9
    assert ffprobe(prepared.media_path)["streams"][0]["channels"] == 2


def test_progress_reports_each_stage(settings: Settings, tmp_path: Path) -> None:
    source = noise_speech(tmp_path / "talk.mp3", 20, codec=["-b:a", "64k"])
    seen: list[tuple[str, float]] = []
    prepare(source, settings, progress=lambda stage, fraction: seen.append((stage, fraction)))
    stages = [s for s, _ in seen]
    for stage in ("analyse", "render", "card", "prepared"):
        assert stage in stages
    assert stages.index("analyse") < stages.index("render") < stages.index("card")
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    analyse = [f for s, f in seen if s == "analyse"]
    assert analyse == sorted(analyse) and analyse[-1] == pytest.approx(1.0, abs=0.02)
    assert seen[-1] == ("prepared", 1.0)


def test_the_station_sounds_in_the_repository_serve_as_intro_and_outro(
    settings: Settings, tmp_path: Path
) -> None:
    sounds = Path(__file__).resolve().parents[2] / "audio" / "station"
    settings = settings.model_copy(
        update={
            "station": settings.station.model_copy(
                update={"intro": sounds / "intro.mp3", "outro": sounds / "outro.mp3"}
            )
        }
    )
    source = noise_speech(tmp_path / "body.mp3", 6, codec=["-b:a", "64k"])
    prepared = prepare(source, settings)
    assert_broadcast_ready(prepared, settings)
    assert prepared.duration_s == pytest.approx(3.0 + 6.0 + 5.1, abs=0.8)
