"""B6: the daemon with 100,000 future slots stored: time until ready, idle memory.

`broadcaster run --no-web` is started as a user starts it, on a SQLite database holding
100,000 scheduled slots (one every 10 minutes for about two years). Ready = its
"ready in" log line, timed from the spawn (interpreter start and imports included).
Idle memory = its resident set (VmRSS) after it has ticked for 10 s.
Baseline in the same run: a bare `python -c` that imports nothing and sleeps, timed and
measured the same way; the difference is what the daemon itself costs.
Targets (SPEC B6): idle memory at most 100 MB; ready within 2 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.verdicts import Verdict, show
from broadcaster.config import load_settings
from broadcaster.db.models import Episode, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station

SLOTS = 100_000
IDLE_S = 10.0


def fill(station: Station) -> None:
    now = datetime.now(UTC)
    first = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    with station.sessions.begin() as session:
        ep = Episode(
            title="Dialogue", source_kind="file", source="/dev/null", duration_s=300.0,
            partners=[], created_at=now,
        )  # fmt: skip
        session.add(ep)
        session.flush()
        rows = [
            {
                "episode_id": ep.id,
                "start": first + timedelta(minutes=10 * i),
                "end": first + timedelta(minutes=10 * i + 5),
                "destinations": ["radio", "facebook"],
                "provinces": ["PNH"],
                "status": "scheduled",
                "origin": "cli",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(SLOTS)
        ]
        session.execute(insert(Slot), rows)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(cmd: list[str], ready_text: str | None, cwd: Path) -> tuple[float, float]:
    """(seconds until ready, idle RSS in MB) of the process `cmd`."""
    log = cwd / "b6.log"
    with log.open("w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        ready = float("nan")
        while proc.poll() is None and time.perf_counter() - t0 < 30:
            if ready_text is None or ready_text in log.read_text():
                ready = time.perf_counter() - t0
                break
            time.sleep(0.005)
        time.sleep(IDLE_S)
        rss = rss_mb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return ready, rss


def main() -> list[Verdict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chdir(root)
        settings = load_settings(env={})
        initialise(settings)
        station = Station.open(settings)
        t0 = time.perf_counter()
        fill(station)
        station.close()
        print(f"   {SLOTS:,} future slots stored in {time.perf_counter() - t0:.1f} s")
        exe = str(Path(sys.executable).with_name("broadcaster"))
        ready, rss = measure([exe, "run", "--no-web"], "ready in", root)
        base_ready, base_rss = measure(
            [sys.executable, "-c", "print('ready', flush=True); import time; time.sleep(60)"],
            "ready",
            root,
        )
    print(f"   daemon ready after spawn:     {ready:6.2f} s")
    print(f"   daemon idle memory (RSS):     {rss:6.1f} MB")
    print(f"   baseline bare python: ready {base_ready:.2f} s, RSS {base_rss:.1f} MB")
    return show(
        [
            Verdict(f"daemon ready after spawn, {SLOTS:,} slots stored", ready, 2.0, "s"),
            Verdict("daemon idle memory (RSS)", rss, 100.0, "MB"),
        ]
    )
