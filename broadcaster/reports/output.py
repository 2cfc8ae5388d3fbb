"""One way to print a report's rows: a table with a totals row, CSV a spreadsheet opens
with Khmer intact (UTF-8 with BOM, formula-looking cells neutralised), or JSON."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def spreadsheet_safe(value: Any) -> Any:
    """OWASP's rule for CSV injection: a text cell a spreadsheet would run as a formula
    (starting with = + - @ tab or CR) gets a leading `'`. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """Nested mappings become `parent.child` columns (e.g. `statuses.full`)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                flat[f"{key}.{sub}"] = inner
        elif isinstance(value, list | tuple):
            flat[key] = " ".join(str(v) for v in value)
        else:
            flat[key] = value
    return flat


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    flat = [flatten(r) for r in rows]
    cols = list(columns) if columns else _columns(flat)
    out = io.StringIO()
    writer = csv.DictWriter(out, cols, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return BOM + out.getvalue()


def to_json(rows: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)


def to_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    totals: Mapping[str, Any] | None = None,
) -> str:
    """Aligned columns for a terminal; numbers right-aligned; `totals` as a last row."""
    flat = [flatten(r) for r in rows]
    cols = list(columns) if columns else _columns(flat)
    body = [[_cell(r.get(c)) for c in cols] for r in flat]
    if totals is not None:
        total = flatten(totals)
        body.append([_cell(total.get(c)) for c in cols])
    widths = [max([width(c)] + [width(line[i]) for line in body]) for i, c in enumerate(cols)]
    numeric = [all(_is_number(r.get(c)) for r in flat if r.get(c) is not None) for c in cols]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            _pad(cell, w, right=num) for cell, w, num in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    lines = [line(cols), line(["-" * w for w in widths])]
    lines += [line(cells) for cells in body[: len(flat)]]
    if totals is not None:
        lines += [line(["-" * w for w in widths]), line(body[-1])]
    return "\n".join(lines)


def render(
    rows: Sequence[Mapping[str, Any]],
    fmt: Format,
    columns: Sequence[str] | None = None,
    totals: Mapping[str, Any] | None = None,
) -> str:
    if fmt is Format.json:
        return to_json(rows)
    if fmt is Format.csv:
        return to_csv(rows, columns)
    return to_table(rows, columns, totals)


def width(text: str) -> int:
    """Columns `text` takes on a terminal: Khmer vowel signs and subscripts (marks) take
    none, wide East Asian characters two."""
    cols = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        cols += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cols


def _pad(cell: str, cols: int, *, right: bool) -> str:
    fill = " " * max(0, cols - width(cell))
    return fill + cell if right else cell + fill


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        for key in row:
            if key not in cols:
                cols.append(key)
    return cols


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
