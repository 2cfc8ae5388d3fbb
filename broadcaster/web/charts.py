"""Charts drawn on the server as SVG: readable without JavaScript, scaled to any width.

One shape is enough for the reports: a horizontal bar per label, its value written at
the bar's end, so the numbers can be read (and copied) without the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR_H = 22
GAP = 8
LABEL_W = 200
VALUE_W = 70
COLOUR = "#1f5f8b"  # 7.0:1 against white


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"


def bar_chart(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """An SVG of one bar per (label, value); `title` is its accessible name."""
    top = 30
    height = top + max(1, len(rows)) * (BAR_H + GAP) + GAP
    most = max((v for _, v in rows), default=0.0) or 1.0
    span = WIDTH - LABEL_W - VALUE_W - 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart" '
        f'preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="16" font-weight="bold" fill="#111">{escape(title)}</text>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="{top + 16}" font-size="14" fill="#333">-</text>')
    for i, (label, value) in enumerate(rows):
        y = top + i * (BAR_H + GAP)
        bar = max(0.0, value) / most * span
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 16}" font-size="14" text-anchor="end" '
            f'fill="#111">{escape(shown)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{bar:.1f}" height="{BAR_H}" fill="{COLOUR}">'
            f"<title>{escape(label)}: {_number(value)} {escape(unit)}</title></rect>"
            f'<text x="{LABEL_W + bar + 6:.1f}" y="{y + 16}" font-size="14" fill="#111">'
            f"{_number(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
