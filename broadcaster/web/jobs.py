"""Preparing uploaded episodes in the background, one at a time, with their progress.

Jobs live in memory (the process that took the upload prepares it); the newest
`KEEP` are kept for `GET /api/episodes/jobs/{id}`. A job that fails removes its upload
and everything preparation made, as `episode add` does.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcaster import episodes as library
from broadcaster.errors import BadInput
from broadcaster.schedule.times import iso_local
from broadcaster.station import Station

log = logging.getLogger("broadcaster.web.jobs")

KEEP = 200
STATES = ("queued", "running", "done", "failed")


@dataclass
class Job:
    id: str
    file_name: str
    path: Path
    fields: library.EpisodeFields
    created_at: datetime
    state: str = "queued"
    stage: str | None = None
    progress: float = 0.0
    episode_id: int | None = None
    error: str | None = None
    finished_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_progress(self, stage: str, fraction: float) -> None:
        with self.lock:
            self.stage, self.progress = stage, max(0.0, min(1.0, fraction))


def public_message(message: str, path: Path, file_name: str) -> str:
    """A preparation message with the server's path replaced by the client's file name."""
    for form in (str(path.resolve()), str(path), path.name):
        message = message.replace(form, file_name)
    return message


class PreparationJobs:
    """A queue and one worker thread; `submit` returns at once."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="prepare-uploads", daemon=True)
            self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        """Stop taking work; queued uploads are removed, the running one gets `wait_s`."""
        self._queue.put(None)
        with self._lock:
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state, job.error = "failed", "the server stopped before preparing it"
                    job.path.unlink(missing_ok=True)
        if self._thread is not None:
            self._thread.join(wait_s)

    def submit(self, path: Path, file_name: str, fields: library.EpisodeFields) -> Job:
        job = Job(uuid.uuid4().hex, file_name, path, fields, self.station.clock())
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].state in ("queued", "running"):
                    break
                del self._jobs[oldest]
        self.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def counts(self) -> dict[str, int]:
        with self._lock:
            found = dict.fromkeys(STATES, 0)
            for job in self._jobs.values():
                found[job.state] = found.get(job.state, 0) + 1
            return found

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.state != "queued":
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state = "running"
        try:
            episode = library.add_file(self.station, job.path, job.fields, job.on_progress)
        except BadInput as exc:
            job.error = public_message(str(exc), job.path, job.file_name)
            job.state = "failed"
            job.path.unlink(missing_ok=True)
        except Exception:
            log.exception("preparing upload %s failed", job.id)
            job.error = "preparation failed on the server (see its log)"
            job.state = "failed"
            job.path.unlink(missing_ok=True)
        else:
            job.episode_id = episode.id
            job.state, job.progress, job.stage = "done", 1.0, "prepared"
        job.finished_at = self.station.clock()

    def as_json(self, job: Job, episode: dict[str, Any] | None) -> dict[str, Any]:
        zone = self.station.settings.zone
        with job.lock:
            return {
                "id": job.id,
                "state": job.state,
                "file_name": job.file_name,
                "stage": job.stage,
                "progress": round(job.progress, 3),
                "episode": episode,
                "error": None if job.error is None else {"message": job.error, "field": "file"},
                "created_at": iso_local(job.created_at, zone),
                "finished_at": job.finished_at and iso_local(job.finished_at, zone),
            }
