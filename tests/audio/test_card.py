"""The title card: Khmer shaped by raqm, Latin too, and the 2-second H.264 loop."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from broadcaster.audio.card import clusters, font_path, render_card, render_loop, wrap
from broadcaster.audio.prepare import prepare_episode
from broadcaster.config import Settings
from tests.audio.media import ffprobe, noise_speech

KHMER = "ការសន្ទនាអំពីសិទ្ធិទទួលបានព័ត៌មាន"  # dialogue on the right to information


def draw(text: str, layout: ImageFont.Layout) -> Image.Image:
    font = ImageFont.truetype(str(font_path()), 60, layout_engine=layout)
    image = Image.new("L", (1200, 200), 0)
    ImageDraw.Draw(image).text((10, 40), text, font=font, fill=255)
    return image


def test_khmer_is_shaped_by_raqm() -> None:
    shaped = draw(KHMER, ImageFont.Layout.RAQM)
    naive = draw(KHMER, ImageFont.Layout.BASIC)
    assert ImageChops.difference(shaped, naive).getbbox() is not None
    # with shaping the COENG subscripts sit under their consonants: the line is narrower
    shaped_box, naive_box = shaped.getbbox(), naive.getbbox()
    assert shaped_box is not None and naive_box is not None
    assert shaped_box[2] < naive_box[2]


def test_card_png(tmp_path: Path) -> None:
    out = render_card(
        tmp_path / "card.png",
        title=KHMER + " and partnership",
        station="Sarika FM",
        partners=["UNDP", "ក្រសួងព័ត៌មាន"],
    )
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (1280, 720)
        # title, station and partners all put ink on the card: top, middle and bottom bands
        gray = image.convert("L")
        for band in ((0, 40, 1280, 150), (0, 170, 1280, 570), (0, 600, 1280, 700)):
            lo, hi = gray.crop(band).getextrema()
            assert hi - lo > 100, band


def test_khmer_wraps_between_clusters_never_inside_one() -> None:
    font = ImageFont.truetype(str(font_path()), 60, layout_engine=ImageFont.Layout.RAQM)
    lines = wrap(KHMER * 3, font, 500)
    assert len(lines) > 1 and "".join(lines) == KHMER * 3
    for line in lines:
        assert font.getlength(line) <= 500
        assert not line.endswith("\u17d2")  # never split a consonant from its subscript
    assert clusters("ន្ទ") == ["ន្ទ"]
    assert clusters("សិទ្ធិ") == ["សិ", "ទ្ធិ"]


def test_loop_video(tmp_path: Path) -> None:
    png = render_card(
        tmp_path / "card.png", title="Access to information", station="Sarika FM", partners=[]
    )
    mp4 = render_loop(png, tmp_path / "card.mp4")
    info = ffprobe(mp4)
    assert [s["codec_type"] for s in info["streams"]] == ["video"]  # no audio
    video = info["streams"][0]
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (1280, 720)
    assert video["pix_fmt"] == "yuv420p"
    assert video["r_frame_rate"] == "30/1"
    assert int(video["level"]) <= 41
    assert int(video["nb_frames"]) == 60
    assert float(info["format"]["duration"]) == 2.0
    frames = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "frame=key_frame",
            "-of",
            "csv=p=0",
            str(mp4),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(frames) == 60
    assert [i for i, key in enumerate(frames) if key.startswith("1")] == [0]  # GOP of 60


def test_looping_with_stream_copy_keeps_keyframes_two_seconds_apart(tmp_path: Path) -> None:
    png = render_card(tmp_path / "card.png", title="Loop", station="Sarika FM", partners=[])
    mp4 = render_loop(png, tmp_path / "card.mp4")
    looped = tmp_path / "looped.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(mp4),
            "-t",
            "6",
            "-c:v",
            "copy",
            str(looped),
        ],
        check=True,
    )
    times = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            str(looped),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [round(float(t.strip(",")), 2) for t in times] == [0.0, 2.0, 4.0]


def test_prepare_makes_the_card(settings: Settings, tmp_path: Path) -> None:
    source = noise_speech(tmp_path / "talk.wav", 3)
    prepared = prepare_episode(source, title=KHMER, partners=["UNDP"], settings=settings)
    assert prepared.card_path is not None and prepared.card_video_path is not None
    assert prepared.card_path.suffix == ".png" and prepared.card_video_path.suffix == ".mp4"
    with Image.open(prepared.card_path) as image:
        assert image.size == (1280, 720)
    assert ffprobe(prepared.card_video_path)["streams"][0]["codec_name"] == "h264"
