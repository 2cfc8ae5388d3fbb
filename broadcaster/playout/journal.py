"""The one writer of the as-run log, and its journal for when the database is away.

The air chain never writes to the database itself: each slot's airing hands the writer
a copy of its legs' records (`put`, which never blocks) and goes on. The writer thread
stores the newest copy of each slot; when the database is locked or unreachable, the
copies go to an append-only journal (one JSON line each, fsynced) and are written to the
database, once and in the order they were made, as soon as it answers again. A daemon
that stops with entries still in its journal leaves them for the next daemon on this
machine, which replays them before it does anything else (SPEC 4.6, issue 11).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from broadcaster.daemon.leader import is_dead_here
from broadcaster.files import private_dir
from broadcaster.playout.asrun import Earlier, record_legs
from broadcaster.playout.supervise import LegRecord
from broadcaster.playout.timing import Gap
from broadcaster.station import Station

log = logging.getLogger(__name__)

RETRY_S = 1.0
"""How often the writer tries the database again while it is away."""


@dataclass(frozen=True)
class Snapshot:
    """A slot's legs as they stood at `at`: an immutable copy, safe to hand over."""

    slot_id: int
    at: datetime
    records: tuple[LegRecord, ...]
    earlier: Mapping[str, Earlier]

    @classmethod
    def of(
        cls,
        slot_id: int,
        at: datetime,
        records: Sequence[LegRecord],
        earlier: Mapping[str, Earlier] | None,
    ) -> Snapshot:
        return cls(slot_id, at, tuple(r.copy() for r in records), dict(earlier or {}))

    def as_json(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "at": self.at.isoformat(),
            "records": [r.as_json() for r in self.records],
            "earlier": {leg: _earlier_json(e) for leg, e in self.earlier.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            slot_id=int(data["slot_id"]),
            at=datetime.fromisoformat(data["at"]),
            records=tuple(_record(r) for r in data["records"]),
            earlier={leg: _earlier(e) for leg, e in data.get("earlier", {}).items()},
        )


class AsRunWriter:
    """`put()` snapshots from any thread; one thread writes them (or journals them)."""

    def __init__(self, station: Station, journal: Path) -> None:
        self.station, self.journal = station, journal
        self._queue: queue.Queue[Snapshot | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self.away_since: float | None = None
        """monotonic: when the database stopped taking the log (None: it takes it)."""

    # -- any thread ----------------------------------------------------------------------
    def put(
        self,
        slot_id: int,
        records: Sequence[LegRecord],
        earlier: Mapping[str, Earlier] | None = None,
    ) -> None:
        self._idle.clear()
        self._queue.put(Snapshot.of(slot_id, self.station.clock(), records, earlier))

    def caught_up(self) -> bool:
        """Nothing waits to be written: the database holds the whole log."""
        return self._idle.is_set() and self._queue.empty() and not self._pending()

    def wait(self, timeout: float) -> bool:
        """Until everything put so far is written (or journalled); True if caught up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.caught_up():
                return True
            time.sleep(0.05)
        return self.caught_up()

    # -- life ----------------------------------------------------------------------------
    def start(self) -> AsRunWriter:
        self.replay_left_behind()
        self._thread = threading.Thread(target=self._run, name="asrun-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued (to the database, else the journal) and end the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    # -- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=RETRY_S)
            except queue.Empty:
                item = None if not self._pending() else _RETRY
                if item is None:
                    self._idle.set()
                    continue
            batch: dict[int, Snapshot] = {}
            while True:
                if item is None:
                    stopping = True
                elif item is not _RETRY:
                    batch.pop(item.slot_id, None)  # the newest copy of each slot, in order
                    batch[item.slot_id] = item
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(list(batch.values()))
            if self._queue.empty() and not self._pending():
                self._idle.set()

    def _write(self, batch: list[Snapshot]) -> None:
        try:
            self._replay(self.journal)
            if batch:
                self._store(batch)
        except SQLAlchemyError as exc:
            if self.away_since is None:
                self.away_since = time.monotonic()
                log.warning(
                    "the database is not taking the as-run log (%s): journalling it to %s",
                    _first_line(exc),
                    self.journal,
                )
            self._append(batch)
            return
        if self.away_since is not None:
            log.info(
                "the database is back after %.0f s: the as-run journal is written",
                time.monotonic() - self.away_since,
            )
            self.away_since = None

    def _store(self, batch: Sequence[Snapshot]) -> None:
        with self.station.sessions.begin() as session:
            for snap in batch:
                try:
                    record_legs(session, snap.slot_id, snap.records, snap.at, snap.earlier)
                except LookupError:
                    log.warning("slot %s is gone: its as-run rows are not kept", snap.slot_id)

    # -- the journal ---------------------------------------------------------------------
    def _pending(self) -> bool:
        try:
            return self.journal.stat().st_size > 0
        except FileNotFoundError:
            return False

    def _append(self, batch: Sequence[Snapshot]) -> None:
        if not batch:
            return
        lines = "".join(json.dumps(s.as_json(), ensure_ascii=False) + "\n" for s in batch)
        private_dir(self.journal.parent)
        with _locked(self.journal) as fd:
            os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, lines.encode("utf-8"))
            os.fsync(fd)

    def _replay(self, path: Path) -> None:
        """Write `path`'s entries to the database in order, then empty it (raises
        SQLAlchemyError, the journal kept whole, if the database is still away)."""
        if not path.exists() or path.stat().st_size == 0:
            return
        with _locked(path) as fd:
            data = _read_all(fd)
            entries = []
            for number, line in enumerate(data.splitlines(), 1):
                try:
                    entries.append(Snapshot.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):  # a line cut by a crash
                    log.warning("%s line %d is unreadable: skipped", path, number)
            self._store(entries)
            os.ftruncate(fd, 0)
            os.fsync(fd)
        if path != self.journal:
            path.unlink(missing_ok=True)
        log.info("as-run journal %s: %d entries written to the database", path, len(entries))

    def replay_left_behind(self) -> None:
        """Entries of daemons of this machine that stopped before the database came back."""
        for path in sorted(self.journal.parent.glob("asrun-*.jsonl")):
            holder = _holder_of(path)
            if path == self.journal or (holder is not None and is_dead_here(holder)):
                try:
                    self._replay(path)
                except SQLAlchemyError as exc:
                    log.warning("as-run journal %s kept: %s", path, _first_line(exc))


def journal_for(station: Station, holder: str) -> Path:
    """`asrun-HOST:PID.jsonl` in the `journal` folder beside the aircheck folder."""
    folder = station.settings.path(station.settings.station.aircheck_dir).parent / "journal"
    return folder / f"asrun-{holder.replace('/', '_')}.jsonl"


def _holder_of(path: Path) -> str | None:
    name = path.name.removeprefix("asrun-").removesuffix(".jsonl")
    return name or None


_RETRY = Snapshot(0, datetime.min, (), {})
"""Queue marker: nothing new, but the journal still waits for the database."""


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _read_all(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _earlier_json(e: Earlier) -> dict[str, Any]:
    return {
        "actual_start": e.actual_start and e.actual_start.isoformat(),
        "gaps": [g.as_json() for g in e.gaps],
        "reconnects": e.reconnects,
        "confirmed_at": e.confirmed_at and e.confirmed_at.isoformat(),
        "aircheck_path": e.aircheck_path,
    }


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _gap(data: Mapping[str, Any]) -> Gap:
    return Gap(datetime.fromisoformat(data["start"]), _when(data.get("end")), data["cause"])


def _earlier(data: Mapping[str, Any]) -> Earlier:
    return Earlier(
        actual_start=_when(data.get("actual_start")),
        gaps=tuple(_gap(g) for g in data.get("gaps", [])),
        reconnects=int(data.get("reconnects", 0)),
        confirmed_at=_when(data.get("confirmed_at")),
        aircheck_path=data.get("aircheck_path"),
    )


def _record(data: Mapping[str, Any]) -> LegRecord:
    return LegRecord(
        leg=data["leg"],
        target=data["target"],
        scheduled_start=datetime.fromisoformat(data["scheduled_start"]),
        actual_start=_when(data.get("actual_start")),
        actual_end=_when(data.get("actual_end")),
        gaps=[_gap(g) for g in data.get("gaps", [])],
        reconnects=int(data.get("reconnects", 0)),
        status=data["status"],
        cause=data.get("cause"),
        aircheck_path=data.get("aircheck_path"),
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
