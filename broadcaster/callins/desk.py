"""The webhook's writer: calls from many requests recorded together, one transaction per
batch (group commit), so a busy phone-in costs one commit per batch, not per call.

A request waits for its batch to commit before it is answered, so every 2xx is a stored
call (none lost); a retried delivery id finds the call it made (none doubled). The thread
starts with the first call and ends after a quiet moment."""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from broadcaster.callins.intake import CallRequest, Recorded, active_provinces, record
from broadcaster.errors import BadInput
from broadcaster.station import Station

log = logging.getLogger(__name__)

Outcome = Recorded | BadInput
PROVINCES_TTL_S = 10.0
"""A province added or retired by `init` is seen by the webhook within this long."""
SLOW_BATCH_S = 0.1
"""A batch slower than this is logged (the database is busy: answers wait for it)."""


@dataclass
class _Item:
    request: CallRequest
    done: Future[Outcome]


class IntakeDesk:
    """`submit(request)` -> a Future of the call recorded (or the BadInput refusing it)."""

    def __init__(self, station: Station, max_batch: int = 500, idle_s: float = 2.0) -> None:
        self.station, self.max_batch, self.idle_s = station, max_batch, idle_s
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._lock = threading.Lock()
        self._running = False
        self._provinces: set[str] = set()
        self._provinces_until = 0.0

    def submit(self, request: CallRequest) -> Future[Outcome]:
        done: Future[Outcome] = Future()
        with self._lock:
            self._queue.put(_Item(request, done))
            if not self._running:
                self._running = True
                threading.Thread(target=self._work, name="callin-desk", daemon=True).start()
        return done

    def _work(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_s)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except Exception:  # never leave the desk dead with requests waiting on it
                log.exception("call-ins: a batch of %d failed", len(batch))
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(RuntimeError("the call was not stored"))

    def _write(self, batch: list[_Item]) -> None:
        try:
            outcomes = self._record([i.request for i in batch])
        except IntegrityError:
            # Another process stored one of these delivery ids meanwhile: one at a time,
            # each then finds the call it made.
            outcomes = []
            for item in batch:
                try:
                    outcomes += self._record([item.request])
                except Exception as exc:  # a bug or an outage: that request gets a 5xx
                    outcomes.append(exc)  # type: ignore[arg-type]
        except Exception as exc:
            log.error("call-ins: %d call(s) not stored: %s", len(batch), type(exc).__name__)
            for item in batch:
                if not item.done.cancelled():
                    item.done.set_exception(exc)
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.done.cancelled():  # the request went away; its call is stored all the same
                continue
            if isinstance(outcome, Exception) and not isinstance(outcome, BadInput):
                item.done.set_exception(outcome)
            else:
                item.done.set_result(outcome)

    def _record(self, requests: list[CallRequest]) -> list[Outcome]:
        started = time.monotonic()
        with self.station.sessions.begin() as session:
            if started > self._provinces_until:
                self._provinces = active_provinces(session)
                self._provinces_until = started + PROVINCES_TTL_S
            outcomes = record(session, requests, self._provinces)
        took = time.monotonic() - started
        if took > SLOW_BATCH_S:
            log.warning("call-ins: %d call(s) took %.0f ms to store", len(requests), took * 1000)
        return outcomes
