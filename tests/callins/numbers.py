"""Listeners' numbers as a gateway or an operator would type them, and what the privacy
tests search for: every form of every number, and its digits alone."""

from __future__ import annotations

FORMS = (
    "+855 {a} {b} {c}",
    "0{a} {b} {c}",
    "855-{a}-{b}{c}",
    "00855 {a} {b}{c}",
    "(0{a}) {b}-{c}",
    "+855{a}{b}{c}",
)
PREFIXES = ("12", "15", "16", "17", "77", "78", "89", "92", "96", "97", "10", "11", "69")


def national(i: int) -> str:
    """Caller `i`'s number without country or trunk prefix: 8 digits, e.g. 17 413 529."""
    return PREFIXES[i % len(PREFIXES)] + f"{(413_529 + i * 7_919) % 1_000_000:06d}"


def formatted(i: int, form: int) -> str:
    n = national(i)
    return FORMS[form % len(FORMS)].format(a=n[:2], b=n[2:5], c=n[5:])


def needles(i: int) -> set[str]:
    """What must never be found for caller `i`: each typed form, and the digits alone
    (national, with the trunk 0, international)."""
    n = national(i)
    return {formatted(i, f) for f in range(len(FORMS))} | {n, "0" + n, "855" + n}
