"""Back-to-back slots on one Icecast mount share one radio source: the encoder is handed over.

Icecast takes one source per mount and keeps the mount busy until the old source's
connection closes; when a source leaves, its listeners and the provincial relays are
dropped (a relay tries again only after its `master-update-interval`). So when a slot
starts where the previous one on the same mount ends (within `WITHIN_S`), the next slot's
leg does not connect: it `claim`s the running encoder, which the previous leg passes on
once it has written its last audio, and writes its own audio into it from its instant on.
Listeners hear one stream and the title changes.

If the previous leg stops first (cut, or restarting), it drops the baton: the next leg
then connects by itself (`Baton.take` gives None).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from broadcaster.outputs.encoder import Encoder

WITHIN_S = 2.0
"""Slots on one mount at most this far apart share the source (the encoder waits, connected)."""
TAKE_LATE_S = 1.0
"""How long past its instant the next leg waits for the encoder before connecting itself."""


class Baton:
    """The encoder passing from one leg to the next: given once, or dropped, or withdrawn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._encoder: Encoder | None = None
        self._closed = False

    def give(self, encoder: Encoder) -> bool:
        """Hand `encoder` over; False if the next leg no longer waits (keep and end it)."""
        with self._lock:
            if self._closed:
                return False
            self._encoder, self._closed = encoder, True
        self._ready.set()
        return True

    def drop(self) -> None:
        """The previous leg will not hand over: the next one connects by itself."""
        with self._lock:
            self._closed = True
        self._ready.set()

    def take(self, deadline: float, stopping: threading.Event) -> Encoder | None:
        """Wait for the encoder until `deadline` (monotonic) or a stop; None if it never came.

        Whatever happens, the baton is closed after this: a late `give` is refused.
        """
        while not self._ready.wait(0.01):
            if stopping.is_set() or time.monotonic() > deadline:
                break
        with self._lock:
            self._closed = True
            encoder, self._encoder = self._encoder, None
            return encoder

    @property
    def waiting(self) -> bool:
        with self._lock:
            return not self._closed


class Holder(Protocol):
    """A leg that may hold a mount's source."""

    def successor(self, at: float) -> Baton | None:
        """A baton if this leg's audio ends near `at` (wall clock) and it can hand over."""
        ...


_lock = threading.Lock()
_holders: dict[str, Holder] = {}


def hold(key: str, leg: Holder) -> None:
    """`leg` now owns the source connected to `key` (it connected, or was handed it)."""
    with _lock:
        _holders[key] = leg


def claim(key: str, leg: Holder, at: float) -> Baton | None:
    """A baton from the leg holding `key` if its audio ends near `at`; else None (connect)."""
    with _lock:
        holder = _holders.get(key)
    if holder is None or holder is leg:
        return None
    return holder.successor(at)
