"""`province token`, `report airtime` and `asrun` as an operator runs them: real processes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from broadcaster.config import load_settings
from broadcaster.station import Station
from tests.conftest import run_cli
from tests.provinces.factories import carriage, episode, leg, slot

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KHMER = "ការសន្ទនា ខេត្ត"


@pytest.fixture
def here(station_dir: Path) -> Path:
    assert run_cli("init", cwd=station_dir).returncode == 0
    return station_dir


@pytest.fixture
def aired(here: Path) -> Path:
    """One 40-s slot aired: PNH carried it all, SRP with a 10-s hole, BTB unknown."""
    station = Station.open(load_settings(env={}))
    ep = episode(station, KHMER, ["CCC"])
    s1 = slot(station, ep, T, 40)
    leg(station, s1, T, 40)
    carriage(station, s1, "PNH", "full", 40, segments=[(0, 40)], peak=3)
    carriage(station, s1, "SRP", "partial", 30, segments=[(0, 10), (20, 40)], peak=1)
    carriage(station, s1, "BTB", "unknown", 0)
    station.close()
    return here


def test_a_province_token_is_printed_once_and_only_its_hash_kept(here: Path) -> None:
    made = run_cli("province", "token", "pnh", cwd=here)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("hb_") and len(token) > 40 and token not in made.stderr
    db = here / "var" / "broadcaster.db"
    with sqlite3.connect(db) as conn:
        [(stored,)] = conn.execute("select heartbeat_token_hash from provinces where code='PNH'")
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    again = run_cli("province", "token", "PNH", cwd=here).stdout.strip()
    assert again != token
    for name in ("broadcaster.db", "broadcaster.db-wal"):
        if (here / "var" / name).exists():
            assert again.encode() not in (here / "var" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["province", "token", "XYZ"], "code: no province 'XYZ'"),
        (["report", "airtime", "--by", "slot"], "--by"),
        (["report", "airtime", "--format", "xlsx"], "--format"),
        (["report", "airtime", "--from", "2026-11-02 00:00", "--to", "2026-11-01 00:00"], "--to"),
        (["report", "airtime", "--from", "someday"], "--from"),
    ],
)
def test_bad_input_exits_2_naming_the_field(here: Path, args: list[str], message: str) -> None:
    got = run_cli(*args, cwd=here)
    assert got.returncode == 2 and message in got.stderr, got.stderr


def test_report_airtime_as_json_csv_and_a_table_with_totals(aired: Path) -> None:
    rows = json.loads(run_cli("report", "airtime", "--format", "json", cwd=aired).stdout)
    by_code = {r["key"]: r for r in rows}
    assert set(rows[0]) == {"key", "name", "slots", "scheduled_min", "aired_min", "statuses"}
    assert by_code["SRP"]["aired_min"] == 0.5 and by_code["SRP"]["statuses"]["partial"] == 1
    assert by_code["PNH"]["statuses"] == {"full": 1, "partial": 0, "none": 0, "unknown": 0}

    got = run_cli("report", "airtime", "--by", "episode", "--format", "csv", cwd=aired)
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(got.stdout.removeprefix("\ufeff"))))
    assert row["name"] == KHMER and row["aired_min"] == "0.67" and row["statuses.aired"] == "1"

    table = run_cli("report", "airtime", cwd=aired).stdout.splitlines()
    assert table[0].split()[:5] == ["key", "name", "slots", "scheduled_min", "aired_min"]
    assert table[-1].split()[:4] == ["total", "3", "2.0", "1.2"]
    partners = run_cli("report", "airtime", "--by", "partner", "--format", "json", cwd=aired)
    assert [r["key"] for r in json.loads(partners.stdout)] == ["CCC"]


def test_asrun_shows_provinces_in_json_and_a_line_per_province_not_full(aired: Path) -> None:
    rows = json.loads(run_cli("asrun", "--json", cwd=aired).stdout)
    [radio] = rows
    assert [(p["code"], p["status"]) for p in radio["provinces"]] == [
        ("PNH", "full"), ("BTB", "unknown"), ("SRP", "partial"),  # the provinces' order
    ]  # fmt: skip
    text = run_cli("asrun", cwd=aired).stdout
    lines = text.splitlines()
    assert len(lines) == 3 and "PNH" not in text
    assert lines[2].split()[:2] == ["SRP", "partial"] and "19:00:10-19:00:20" in lines[2]
    assert "carried 30.0 of 40 s" in lines[2] and "peak 1 listeners" in lines[2]
    assert lines[1].split()[:2] == ["BTB", "unknown"] and "nothing reported" in lines[1]
