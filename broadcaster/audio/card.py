"""The title card of the Facebook video: a 1280x720 PNG and its 2-second H.264 loop.

Khmer needs complex text layout (subscript consonants under the COENG sign, vowels
placed before, above and below their consonant), so text is shaped with raqm
(`ImageFont.Layout.RAQM`) in a Khmer OS font, whose Latin letters serve English too.
The loop is encoded once here; the Facebook leg repeats it with `-stream_loop -1` and
`-c:v copy`, so the picture costs almost nothing on air.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from broadcaster.audio import ffmpeg

WIDTH, HEIGHT = 1280, 720
FPS = 30
LOOP_FRAMES = 60
"""Two seconds at 30 fps: one GOP, so keyframes fall exactly 2 s apart when looped."""

FONT_DIR = Path("/usr/share/fonts/truetype/khmeros")
TITLE_FONTS = ("KhmerOSbattambang.ttf", "KhmerOS.ttf", "KhmerOScontent.ttf")
BACKGROUND_TOP = (14, 42, 71)
BACKGROUND_BOTTOM = (6, 18, 33)
ACCENT = (242, 169, 0)
TEXT = (255, 255, 255)
MUTED = (190, 205, 220)
MARGIN = 80
MAX_TITLE_LINES = 4
COENG = "\u17d2"


def font_path() -> Path:
    for name in TITLE_FONTS:
        candidate = FONT_DIR / name
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"no Khmer font in {FONT_DIR} (install fonts-khmeros)")


def load_font(size: int, path: Path | None = None) -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        raise RuntimeError("Pillow lacks raqm (install libraqm0): Khmer would not be shaped")
    return ImageFont.truetype(str(path or font_path()), size, layout_engine=ImageFont.Layout.RAQM)


def clusters(text: str) -> list[str]:
    """Split into units that must stay together: a base with its marks and subscripts."""
    units: list[str] = []
    for ch in text:
        joins = units and (
            unicodedata.category(ch) in ("Mn", "Mc", "Me")
            or ch == COENG
            or units[-1].endswith(COENG)
            or ch in "\u200c\u200d"
        )
        if joins:
            units[-1] += ch
        else:
            units.append(ch)
    return units


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than `width`: break at spaces (or ZWSP), else between clusters."""
    words = [w for w in text.replace("\u200b", " ").split() if w]
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if font.getlength(trial) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        pieces = list(_break_word(word, font, width))
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return lines


def _break_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> Iterable[str]:
    """A word too wide for a line (Khmer is written without spaces), cut between clusters."""
    piece = ""
    for unit in clusters(word):
        if piece and font.getlength(piece + unit) > width:
            yield piece
            piece = unit
        else:
            piece += unit
    if piece:
        yield piece


def _fit_title(title: str, width: int, max_height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title fits, keeping words whole if at all possible."""
    sizes = range(84, 27, -4)
    for whole_words in (True, False):
        for size in sizes:
            font = load_font(size)
            if whole_words and any(font.getlength(w) > width for w in title.split()):
                continue
            lines = wrap(title, font, width)
            if len(lines) <= MAX_TITLE_LINES and len(lines) * int(size * 1.6) <= max_height:
                return font, lines
    font = load_font(sizes[-1])
    return font, wrap(title, font, width)[:MAX_TITLE_LINES]


def render_card(out: Path, *, title: str, station: str, partners: list[str]) -> Path:
    """Draw the card: station name above, the title in the middle, the partners below."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND_BOTTOM)
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        mix = y / (HEIGHT - 1)
        colour = tuple(
            round(top * (1 - mix) + bottom * mix)
            for top, bottom in zip(BACKGROUND_TOP, BACKGROUND_BOTTOM, strict=True)
        )
        draw.line([(0, y), (WIDTH, y)], fill=colour)
    inner = WIDTH - 2 * MARGIN

    station_font = load_font(40)
    station_line = (wrap(station, station_font, inner) or [""])[0]
    draw.text((MARGIN, 60), station_line, font=station_font, fill=ACCENT)
    draw.rectangle([MARGIN, 128, MARGIN + 160, 134], fill=ACCENT)

    title_font, lines = _fit_title(title.strip() or "Untitled", inner, 400)
    step = int(title_font.size * 1.6)
    top = 170 + (400 - step * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((MARGIN, top + i * step), line, font=title_font, fill=TEXT)

    names = [p.strip() for p in partners if p.strip()]
    if names:
        partner_font = load_font(30)
        partner_lines = wrap("Partners: " + " · ".join(names), partner_font, inner)[:2]
        y = HEIGHT - 60 - len(partner_lines) * 48
        for i, line in enumerate(partner_lines):
            draw.text((MARGIN, y + i * 48), line, font=partner_font, fill=MUTED)
    image.save(out, format="PNG", optimize=True)
    return out


def render_loop(png: Path, out: Path) -> Path:
    """Encode the 2-second H.264 loop the Facebook leg streams with `-c:v copy`."""
    code, log = ffmpeg.run(
        [
            "-y",
            "-filter_threads",
            "1",
            "-loop",
            "1",
            "-framerate",
            str(FPS),
            "-i",
            str(png),
            "-frames:v",
            str(LOOP_FRAMES),
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "stillimage",
            # one thread and no lookahead: 60 identical frames need neither, and it halves
            # the encoder's memory (about 95 MB instead of 140 MB resident)
            "-threads",
            "1",
            "-rc-lookahead",
            "0",
            "-profile:v",
            "high",
            "-level:v",
            "4.1",
            "-pix_fmt",
            "yuv420p",
            "-r",
            str(FPS),
            "-g",
            str(LOOP_FRAMES),
            "-keyint_min",
            str(LOOP_FRAMES),
            "-sc_threshold",
            "0",
            "-bf",
            "0",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(out),
        ],
        timeout=120,
    )
    if code != 0:
        raise RuntimeError(f"encoding the card video failed: {log.reason()}")
    return out
