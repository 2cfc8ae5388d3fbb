"""Daemons as a user runs them (`broadcaster run` in its own process), and what they spawn."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.audio.probe import probe
from broadcaster.db.models import Episode, Slot
from broadcaster.station import Station
from tests.conftest import REPO, make_tone
from tests.listening import pcm, power


class DaemonProcess:
    """`broadcaster run --no-web` in `folder`, its log in a file the test can read."""

    def __init__(self, folder: Path, env: dict[str, str], *args: str, name: str = "daemon"):
        self.log_path = folder / f"{name}.log"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
        full_env.update(env)
        exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(exe), "run", "--no-web", *args],
            cwd=folder,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.pid = self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never logged; log:\n{self.log()}")
            time.sleep(0.05)

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self.proc.wait()

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def _each_process(part: str) -> Iterator[tuple[int, str]]:
    """(pid, text of /proc/PID/`part`) for every process there now."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / part).read_bytes().decode(errors="replace")
            except OSError:
                continue  # it ended meanwhile


def ffmpeg_children(pid: int) -> list[int]:
    """The ffmpeg processes whose parent is `pid` (read from /proc)."""
    found = []
    for child, stat in _each_process("stat"):
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == pid and name == "ffmpeg":
            found.append(child)
    return found


def still_running(pids: set[int]) -> list[int]:
    """Those of `pids` that are still an ffmpeg process, whoever their parent is now."""
    alive = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
        except OSError:
            continue
        state = stat[stat.rindex(")") + 2 :].split()[0]
        if "(ffmpeg)" in stat and state != "Z":
            alive.append(pid)
    return alive


def ffmpeg_writing_into(folder: Path) -> list[int]:
    """Any ffmpeg whose command line names a path inside `folder` (orphans included)."""
    return [
        pid
        for pid, cmdline in _each_process("cmdline")
        if cmdline.startswith("ffmpeg") and str(folder) in cmdline
    ]


def tone_episode(
    station: Station, folder: Path, seconds: float, title: str = "Tone", freq: int = 440
) -> int:
    """An episode whose rendition is a real tone MP3 (no preparation, to keep tests short)."""
    media = make_tone(folder / f"tone-{freq}-{seconds:g}s-{len(title)}.mp3", seconds, freq)
    return episode_of(station, media, title)


def episode_of(station: Station, media: Path, title: str) -> int:
    """An episode row whose rendition is `media` as it is."""
    with station.sessions.begin() as session:
        ep = Episode(
            title=title,
            source_kind="file",
            source=str(media),
            media_path=str(media),
            duration_s=probe(media).duration_s,
            partners=[],
            created_at=datetime.now(UTC),
        )
        session.add(ep)
        session.flush()
        return ep.id


def slot_in(
    station: Station,
    episode_id: int,
    seconds: float,
    length_s: float,
    status: str = "scheduled",
    *,
    at: datetime | None = None,
    destinations: tuple[str, ...] = ("radio", "facebook"),
) -> tuple[int, datetime]:
    """A slot starting `seconds` from now (negative: in the past) or `at`, on a whole second."""
    now = datetime.now(UTC)
    start = at or (now + timedelta(seconds=seconds)).replace(microsecond=0)
    with station.sessions.begin() as session:
        slot = Slot(
            episode_id=episode_id,
            start=start,
            end=start + timedelta(seconds=length_s),
            destinations=list(destinations),
            provinces=["PNH"],
            status=status,
            created_at=now,
            updated_at=now,
        )
        session.add(slot)
        session.flush()
        return slot.id, start


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


STEP_BASE_HZ, STEP_HZ = 400, 100
"""A stepped tone: second k of the episode is a tone of STEP_BASE_HZ + k * STEP_HZ."""


def stepped_episode(station: Station, folder: Path, seconds: int, title: str = "Steps") -> int:
    """An episode whose every second has its own pitch, so a recording tells where in the
    episode it is (what offset a resumed leg really aired from)."""
    path = folder / f"steps-{seconds}s.mp3"
    expr = f"sin(2*PI*({STEP_BASE_HZ}+{STEP_HZ}*floor(t))*t)*0.5"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"aevalsrc={expr}:s=44100:d={seconds}", "-ac", "1", "-b:a", "64k", str(path)],
        check=True,
    )  # fmt: skip
    return episode_of(station, path, title)


def _step(samples: array[int], at_s: float, steps: int, window_s: float = 0.04) -> int:
    powers = [power(samples, at_s, STEP_BASE_HZ + k * STEP_HZ, window_s) for k in range(steps)]
    return max(range(steps), key=powers.__getitem__)


def episode_position(recording: Path, steps: int) -> float:
    """Where in a stepped episode (seconds) the recording begins: the step heard at its start,
    and how far into the recording the next step begins (found to 10 ms)."""
    samples = pcm(recording)
    first = _step(samples, 0.1, steps)
    at = 0.1
    while at < 2.5:
        if _step(samples, at, steps) == first + 1:
            # The step began inside [at - 0.01, at + window]; refine to 10 ms.
            while at > 0 and _step(samples, at - 0.01, steps) == first + 1:
                at -= 0.01
            return (first + 1) - (at + 0.02)
        at += 0.05
    raise AssertionError(f"no step change near the start of {recording}")
