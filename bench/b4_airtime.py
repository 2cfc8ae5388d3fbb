"""B4: the airtime report over a year, 20,000 slots x 15 provinces, on SQLite and PostgreSQL.

A year of slots (about 55 a day, 20 to 60 minutes each), each carried by 15 provinces with
realistic gaps (most in full, some partial with one to three holes, a few not carried, a
few unknown), as-run legs for radio and Facebook with gaps, 200 episodes with partners.
Measured, median of 15 runs each, on each database:
- `report airtime --by province`: the command's work (query and table with totals) in
  process, and the command as a user runs it (a new process, so with Python's start-up,
  beside `broadcaster --help` timed the same way);
- `GET /api/reports/airtime` over HTTP from the real app (uvicorn);
- `--by episode` and `--by partner`, for information (no target).
Baseline in the same run: the same province figures computed by loading every carriage row
into Python (the ORM objects) and summing there; both must agree (checked).
Target (SPEC B4): the report and the API route each within 200 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, insert, select, text

from bench.verdicts import Verdict, show
from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Episode, ProvinceCarriage, Slot
from broadcaster.db.reference import initialise
from broadcaster.provinces.defaults import DEFAULT_PROVINCES
from broadcaster.reports.airtime import airtime_report, airtime_totals, columns
from broadcaster.reports.output import Format, render
from broadcaster.station import Station
from broadcaster.users import add_user
from broadcaster.web.server import WebServer

SLOTS = 20_000
EPISODES = 200
RUNS = 15
TARGET_MS = 200.0
PG_ADMIN_URL = os.environ.get(
    "BROADCASTER_TEST_PG", "postgresql+psycopg:///postgres?host=/var/run/postgresql"
)
PARTNERS = ["CCC", "CPDD", "CCIM", "Star Kampuchea", "API", "World Vision Cambodia"]


def fill(station: Station, seed: int = 4) -> None:
    """A year of aired slots with their legs and each province's carriage."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    first = datetime(2025, 11, 1, tzinfo=UTC)
    step = timedelta(days=365) / SLOTS
    codes = [p["code"] for p in DEFAULT_PROVINCES]
    with station.sessions.begin() as session:
        session.execute(
            insert(Episode),
            [
                {
                    "title": f"ការសន្ទនា {i + 1}", "source_kind": "file", "source": "/dev/null",
                    "duration_s": 1800.0, "partners": rng.sample(PARTNERS, rng.randint(1, 3)),
                    "created_at": now,
                }
                for i in range(EPISODES)
            ],
        )  # fmt: skip
        episode_ids = list(session.scalars(select(Episode.id)))
        slots = []
        for i in range(SLOTS):
            start = first + step * i
            length = rng.choice((1200, 1800, 2700, 3600))
            slots.append({
                "episode_id": rng.choice(episode_ids), "start": start,
                "end": start + timedelta(seconds=length), "destinations": ["radio", "facebook"],
                "provinces": codes, "status": "aired" if rng.random() < 0.95 else "partial",
                "origin": "cli", "created_at": now, "updated_at": now,
            })  # fmt: skip
        session.execute(insert(Slot), slots)
        stored = session.execute(select(Slot.id, Slot.start, Slot.end).order_by(Slot.id)).all()
        legs, carriage = [], []
        for slot_id, start, end in stored:
            length = (end - start).total_seconds()
            for leg in ("radio", "facebook"):
                gaps = []
                if rng.random() < 0.1:
                    at = rng.uniform(0, length - 60)
                    gaps.append({
                        "start": (start + timedelta(seconds=at)).isoformat(),
                        "end": (start + timedelta(seconds=at + rng.uniform(2, 60))).isoformat(),
                        "cause": "reconnect",
                    })  # fmt: skip
                legs.append({
                    "slot_id": slot_id, "leg": leg, "target": "icecast", "scheduled_start": start,
                    "actual_start": start, "actual_end": end, "gaps": gaps,
                    "reconnects": len(gaps), "status": "aired",
                })  # fmt: skip
            for code in codes:
                carriage.append(_carriage(rng, slot_id, code, start, length))
        for i in range(0, len(legs), 10_000):
            session.execute(insert(AsRunLeg), legs[i : i + 10_000])
        for i in range(0, len(carriage), 20_000):
            session.execute(insert(ProvinceCarriage), carriage[i : i + 20_000])


def _carriage(
    rng: random.Random, slot_id: int, code: str, start: datetime, length: float
) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.02:
        status, segments = "unknown", []
    elif roll < 0.05:
        status, segments = "none", []
    elif roll < 0.85:
        status, segments = "full", [(0.0, length)]
    else:
        holes = sorted(rng.uniform(0, length) for _ in range(2 * rng.randint(1, 3)))
        edges = [0.0, *holes, length]
        segments = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]
        carried = sum(b - a for a, b in segments)
        status = "full" if carried >= 0.98 * length else "partial"
    carried = sum(b - a for a, b in segments)
    return {
        "slot_id": slot_id, "province_code": code, "status": status,
        "carried_s": round(carried, 3), "peak_listeners": rng.randint(0, 40) if segments else None,
        "slot_start": start, "scheduled_s": length,
        "segments": [
            {"start": (start + timedelta(seconds=a)).isoformat(),
             "end": (start + timedelta(seconds=b)).isoformat()}
            for a, b in segments
        ],
    }  # fmt: skip


def baseline(station: Station) -> list[dict[str, Any]]:
    """The province figures the slow way: every carriage row loaded, summed in Python."""
    figures: dict[str, dict[str, Any]] = {}
    with station.sessions() as session:
        for row in session.scalars(select(ProvinceCarriage)):
            f = figures.setdefault(row.province_code, {"slots": 0, "s": 0.0, "c": 0.0, "st": {}})
            f["slots"] += 1
            f["s"] += row.scheduled_s
            f["c"] += row.carried_s
            f["st"][row.status] = f["st"].get(row.status, 0) + 1
    return [
        {"key": code, "slots": f["slots"], "scheduled_min": round(f["s"] / 60, 2),
         "aired_min": round(f["c"] / 60, 2), "statuses": f["st"]}
        for code, f in sorted(figures.items())
    ]  # fmt: skip


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'b4.db'}"
        return
    name = f"bc_b4_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(kind: str, folder: Path) -> dict[str, float]:
    with database(kind, folder) as url:
        (folder / "broadcaster.toml").write_text('[web]\nlisten = "127.0.0.1:0"\n')
        env = {"BROADCASTER_DB": url}
        settings = load_settings(folder / "broadcaster.toml", env=env)
        initialise(settings)
        station = Station.open(settings)
        t0 = time.perf_counter()
        fill(station)
        with station.sessions.begin() as session:
            _, token = add_user(session, "b4", "organiser", station.clock())
        if kind == "postgresql":
            with station.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        print(
            f"   {kind}: {SLOTS:,} slots x 15 provinces stored in {time.perf_counter() - t0:.0f} s"
        )
        zone = settings.zone

        def report(by: str) -> str:
            with station.sessions() as session:
                rows = airtime_report(session, zone, None, None, by)
            return render(rows, Format.table, columns(by), airtime_totals(rows))

        with station.sessions() as session:
            fast = airtime_report(session, zone, None, None, "province")
        slow = baseline(station)
        trimmed = [{k: r[k] for k in ("key", "slots", "scheduled_min", "aired_min")} for r in fast]
        assert sorted(trimmed, key=lambda r: r["key"]) == [
            {k: r[k] for k in ("key", "slots", "scheduled_min", "aired_min")} for r in slow
        ], "the report and the baseline disagree"
        assert sum(r["slots"] for r in fast) == SLOTS * 15
        figures = {
            "report": median_ms(lambda: report("province")),
            "episode": median_ms(lambda: report("episode"), 5),
            "partner": median_ms(lambda: report("partner"), 5),
            "baseline": median_ms(lambda: baseline(station), 3),
        }
        server = WebServer(station).start()
        try:
            headers = {"Authorization": f"Bearer {token}"}

            def route() -> None:
                got = requests.get(server.url + "/api/reports/airtime", headers=headers, timeout=30)
                assert got.status_code == 200 and len(got.json()) == 15

            route()
            figures["api"] = median_ms(route)
        finally:
            server.stop()
            station.close()
        exe = str(Path(sys.executable).with_name("broadcaster"))
        full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")},
                    **env}  # fmt: skip

        def command(*args: str) -> Callable[[], None]:
            def run() -> None:
                subprocess.run([exe, *args], cwd=folder, env=full_env, check=True,
                               capture_output=True)  # fmt: skip

            return run

        figures["cli"] = median_ms(command("report", "airtime", "--by", "province"), 5)
        figures["cli_help"] = median_ms(command("--help"), 5)
    return figures


def main() -> list[Verdict]:
    verdicts = []
    for kind in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            f = measure(kind, Path(tmp))
        print(f"   {kind}: report airtime --by province (query + table):  {f['report']:7.1f} ms")
        print(f"   {kind}: GET /api/reports/airtime over HTTP:             {f['api']:7.1f} ms")
        print(
            f"   {kind}: baseline, every row loaded and summed in Python: {f['baseline']:7.1f} ms"
        )
        print(f"   {kind}: --by episode {f['episode']:.1f} ms, --by partner {f['partner']:.1f} ms")
        print(f"   {kind}: the command as a process: {f['cli']:.0f} ms "
              f"(`broadcaster --help`: {f['cli_help']:.0f} ms)")  # fmt: skip
        verdicts += [
            Verdict(f"B4 report airtime --by province, {kind}", f["report"], TARGET_MS, "ms"),
            Verdict(f"B4 GET /api/reports/airtime, {kind}", f["api"], TARGET_MS, "ms"),
        ]
    return show(verdicts)
