"""The one source of "now": injectable so tests can stand anywhere in time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
