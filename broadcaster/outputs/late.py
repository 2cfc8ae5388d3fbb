"""A leg whose destination comes later: the Facebook leg while the Graph API is asked.

The radio never waits for Facebook (SPEC 4.2, 4.3). Until the live video's stream URL is
known, every start of this leg fails at once with the reason (still waiting for the Graph
API, or its error), so playout records a gap with that cause and tries again with
back-off; once the URL is there, the leg is the real one (`make(url)`) and joins the slot
at the offset where it then is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from broadcaster.outputs.leg import DeadAir, Health, Output, Segment

WAITING = "facebook: waiting for the Graph API (the live video's stream URL)"
CONNECT_S = 1.0
"""A leg started ahead waits for its URL until this long before its instant (to connect)."""


class Destination:
    """The stream URL, or the error that stops the leg, set once by whoever asks for it."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self.url: str | None = None
        self.error: str | None = None
        self.video_id: str | None = None

    def set(self, url: str | None, error: str | None, video_id: str | None = None) -> None:
        self.url, self.error, self.video_id = url, error, video_id
        self._done.set()

    def known(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class LateLeg:
    """An `Output` that becomes `make(url)` once `destination` is known."""

    primes = True

    def __init__(
        self, name: str, kind: str, destination: Destination, make: Callable[[str], Output]
    ) -> None:
        self.name, self.kind, self.destination, self.make = name, kind, destination, make
        self._leg: Output | None = None

    @property
    def aircheck_path(self) -> Path | None:
        return None if self._leg is None else self._leg.aircheck_path

    def _why_not(self) -> str | None:
        if not self.destination.known():
            return WAITING
        if self.destination.url is None:
            return self.destination.error or "facebook: no live video was created"
        return None

    def start(self, segment: Segment, at: float | None = None) -> None:
        """Started ahead of `at` (primed), it waits for the URL while there is time left to
        connect (`CONNECT_S`); without one by then it fails, saying why."""
        if at is not None and not self.destination.known():
            self.destination.wait(max(0.0, at - CONNECT_S - time.time()))
        if self._why_not() is not None:
            return
        if self._leg is None:
            assert self.destination.url is not None
            self._leg = self.make(self.destination.url)
        self._leg.start(segment, at)

    def health(self) -> Health:
        if self._leg is None:
            why = self._why_not() or "not started"
            return Health(False, 1, 0, 0.0, None, False, why, why)
        return self._leg.health()

    def stop(self, timeout: float = 5.0) -> None:
        if self._leg is not None:
            self._leg.stop(timeout)

    def dead_air(self) -> list[DeadAir]:
        return [] if self._leg is None else self._leg.dead_air()
