"""Why an ffmpeg leg stopped, read from its stderr, and how to keep secrets out of the text."""

from __future__ import annotations

import re
from collections.abc import Iterable

REFUSED = "refused"
UNAUTHORIZED = "401 wrong password"
MOUNT_IN_USE = "403 mount in use"
BROKEN_PIPE = "broken pipe"
TIMEOUT = "timeout"
DISK_FULL = "disk full"
"""The aircheck (or another file) cannot be written: no space left on its device."""
STALLED = "stalled"
"""The leg's audio stopped leaving for its server (no progress) while its process lived."""
OTHER = "other"

PERMANENT = frozenset({UNAUTHORIZED})
"""Causes that retrying cannot cure: the leg fails instead of reconnecting."""

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DISK_FULL, re.compile(r"no space left on device|ENOSPC|disk quota exceeded", re.I)),
    (UNAUTHORIZED, re.compile(r"\b401\b|unauthori[sz]ed", re.I)),
    (MOUNT_IN_USE, re.compile(r"\b403\b|forbidden|mountpoint in use", re.I)),
    (REFUSED, re.compile(r"connection refused|ECONNREFUSED", re.I)),
    (BROKEN_PIPE, re.compile(r"broken pipe|connection reset|EPIPE|end of file", re.I)),
    (TIMEOUT, re.compile(r"timed out|timeout", re.I)),
)


def classify(stderr: str) -> str:
    """The cause named by ffmpeg's error output (the first matching kind), else `other`."""
    for cause, pattern in _PATTERNS:
        if pattern.search(stderr):
            return cause
    return OTHER


def is_permanent(cause: str | None) -> bool:
    return cause in PERMANENT


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every non-empty secret, and any `user:password@` in a URL, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"(\w+://[^:/@\s]+):[^@\s]+@", r"\1:***@", text)
