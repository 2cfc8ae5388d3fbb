"""B8: the airtime log page over a year of data: B4's data set (20,000 slots x 15 provinces,
both legs, 200 episodes with partners; `bench.b4_airtime.fill`), on SQLite and PostgreSQL.

The page is asked for by an organiser's session in process (Starlette's test client: no
network, so the time is the server's: the queries and the template): the whole year, the
year for one province, and a deep page with every filter set. Each is asked 7 times after
one warm-up; the figure is the slowest variant's median.
Baseline in the same run: the page's own query (the first 100 legs of the year, with their
slot and episode), run alone: what the count and the rendering add is the rest.
Target (issue 16): the log page renders within 300 ms on the server.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bench.b4_airtime import PARTNERS, SLOTS, database, fill
from bench.verdicts import Verdict, show
from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Episode, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from broadcaster.users import add_user
from broadcaster.web.app import create_app
from broadcaster.web.auth import SESSION_COOKIE

TARGET_MS = 300.0
RUNS = 7


def timed(client: TestClient, path: str) -> list[float]:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    assert "legs found" in answer.text
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200
    return times


def baseline(station: Station, start: datetime, end: datetime) -> float:
    """The page's query alone: the first 100 legs of the year with slot and episode."""
    times = []
    for _ in range(RUNS + 1):
        t0 = time.perf_counter()
        with station.sessions() as session:
            rows = session.execute(
                select(AsRunLeg, Slot, Episode)
                .join(AsRunLeg.slot)
                .join(Slot.episode)
                .where(Slot.start >= start, Slot.start < end)
                .order_by(Slot.start, Slot.id, AsRunLeg.leg)
                .limit(100)
            ).all()
            assert len(rows) == 100
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[1:])


def measure(kind: str, folder: Path) -> float:
    """The slowest variant's median (ms) on one database; prints every figure."""
    with database(kind, folder) as url:
        settings = load_settings(env={"BROADCASTER_DB": url})
        initialise(settings)
        station = Station.open(settings)
        t0 = time.perf_counter()
        fill(station)
        if kind == "postgresql":
            with station.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        with station.sessions.begin() as session:
            user, _token = add_user(session, "bench", "organiser", station.clock())
            first, last = session.execute(select(func.min(Slot.start), func.max(Slot.start))).one()
        print(f"   {kind}: B4's year stored ({SLOTS:,} slots) in {time.perf_counter() - t0:.0f} s")
        zone = settings.zone
        day1, day2 = first.astimezone(zone).date(), last.astimezone(zone).date()
        app = create_app(station, session_secret="bench")
        cookie, _csrf = app.state.web.sessions.make(user)
        span = f"from={day1}&to={day2}"
        variants = {
            "the whole year": f"/log?{span}",
            "the year, one province": f"/log?{span}&province=SRP",
            "page 20, every filter": f"/log?{span}&province=SRP&partner={PARTNERS[0]}"
            "&destination=radio&status=aired&episode=%E1%9E%80&page=20",
        }
        medians = {}
        try:
            with TestClient(app, cookies={SESSION_COOKIE: cookie}) as client:
                for name, path in variants.items():
                    times = timed(client, path)
                    medians[name] = statistics.median(times)
                    print(
                        f"   {kind:<10} /log {name:<24} median {medians[name]:6.1f} ms, "
                        f"max {max(times):6.1f} ms"
                    )
            start = datetime.combine(day1, datetime.min.time(), zone)
            end = datetime.combine(day2 + timedelta(days=1), datetime.min.time(), zone)
            print(f"   {kind:<10} baseline: the query alone, median "
                  f"{baseline(station, start, end):.1f} ms")  # fmt: skip
        finally:
            app.state.web.jobs.stop()
            station.close()
        return max(medians.values())


def main() -> list[Verdict]:
    here = os.getcwd()
    verdicts = []
    try:
        for kind in ("sqlite", "postgresql"):
            with tempfile.TemporaryDirectory() as tmp:
                os.chdir(tmp)
                worst = measure(kind, Path(tmp))
                verdicts.append(
                    Verdict(
                        f"B8 airtime log page over a year, {kind}, server (median)",
                        worst,
                        TARGET_MS,
                        "ms",
                    )
                )
    finally:
        os.chdir(here)
    return show(verdicts)
