"""Schedule apply at scale: a 10,000-slot schedule file, applied then re-applied (issue 2).

Baseline in the same run: inserting the same 10,000 rows with plain sqlite3 executemany,
the floor any ORM-based apply stands on. Target (issue 2): "applies in a few seconds", read
as at most `TARGET_S`; re-applying changes nothing (checked: the benchmark fails if not).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.verdicts import Verdict, show
from broadcaster.clock import system_clock
from broadcaster.config import load_settings
from broadcaster.db.reference import initialise
from broadcaster.schedule.apply import apply_schedule
from broadcaster.station import Station
from tests.schedule.test_apply_large import big_schedule

TARGET_S = 3.0


def main() -> list[Verdict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chdir(root)
        (root / "big.toml").write_text(big_schedule(), encoding="utf-8")
        settings = load_settings(env={})
        initialise(settings)
        station = Station.open(settings, clock=lambda: datetime(2026, 11, 25, tzinfo=UTC))
        t0 = time.perf_counter()
        plan = apply_schedule(station, root / "big.toml")
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = apply_schedule(station, root / "big.toml")
        second = time.perf_counter() - t0
        station.close()
        assert len(plan.added) == 10_000 and again.unchanged == 10_000

        conn = sqlite3.connect(root / "raw.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "create table s (id integer primary key, ep int, st text, en text, d text,"
            " p text, status text, origin text, k text)"
        )
        now = system_clock().isoformat()
        rows = [
            (1, now, now, '["radio"]', '["PNH"]', "scheduled", "file", f"k{i}")
            for i in range(10_000)
        ]
        t0 = time.perf_counter()
        with conn:
            conn.executemany(
                "insert into s (ep, st, en, d, p, status, origin, k) values (?,?,?,?,?,?,?,?)", rows
            )
        raw = time.perf_counter() - t0
        conn.close()
    print(f"   apply 10,000 slots (SQLite):   {first:6.2f} s")
    print(f"   re-apply, nothing changes:      {second:6.2f} s")
    print(f"   baseline sqlite3 executemany:   {raw:6.2f} s   (same rows, no checks)")
    return show([Verdict("apply 10,000 slots (SQLite)", first, TARGET_S, "s")])
