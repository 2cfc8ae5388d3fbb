"""The command line as an operator runs it: a real process, real files, real exit codes."""

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import make_tone, run_cli

PP = ZoneInfo("Asia/Phnom_Penh")
SLOT_KEYS = {"id", "episode_id", "start", "end", "destinations", "provinces", "status"}


def later(days: int = 7, hour: int = 19) -> str:
    """A station-time start safely in the future, whatever day the tests run."""
    day = datetime.now(PP) + timedelta(days=days)
    return day.strftime(f"%Y-%m-%d {hour:02d}:00")


@pytest.fixture
def here(station_dir: Path) -> Path:
    assert run_cli("init", cwd=station_dir).returncode == 0
    return station_dir


def ok(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = run_cli(*args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def test_help_is_useful_on_every_command(here: Path) -> None:
    commands = [
        [],
        ["init"],
        ["demo"],
        ["episode"],
        ["episode", "add"],
        ["episode", "add-live"],
        ["episode", "list"],
        ["episode", "show"],
        ["schedule"],
        ["schedule", "add"],
        ["schedule", "list"],
        ["schedule", "cancel"],
        ["schedule", "apply"],
        ["schedule", "export"],
        ["user"],
        ["user", "add"],
        ["user", "list"],
        ["user", "revoke"],
        ["run"],
        ["web"],
        ["preflight"],
        ["asrun"],
    ]
    for cmd in commands:
        out = ok(*cmd, "--help", cwd=here)
        assert "Usage" in out and len(out.splitlines()) > 5, cmd
    assert "--repeat" in ok("schedule", "add", "--help", cwd=here)


def test_init_is_idempotent(here: Path) -> None:
    assert "up to date" in ok("init", cwd=here)
    assert rows(here / "var" / "broadcaster.db", "select count(*) from provinces") == [(15,)]


def test_episode_and_schedule_json_keep_their_pinned_shape(here: Path) -> None:
    make_tone(here / "talk.mp3", 3)
    added = json.loads(
        ok(
            "episode",
            "add",
            "talk.mp3",
            "--title",
            "សិទ្ធិទទួលបានព័ត៌មាន",
            "--partner",
            "CCC",
            "--partner",
            "CPDD",
            "--json",
            cwd=here,
        )
    )
    assert set(added) >= {"id", "title", "duration_s", "loudness_lufs"}
    assert added["title"] == "សិទ្ធិទទួលបានព័ត៌មាន" and 2.9 < added["duration_s"] < 3.2
    shown = json.loads(ok("episode", "show", str(added["id"]), "--json", cwd=here))
    assert set(shown) >= {
        "id",
        "title",
        "duration_s",
        "loudness_lufs",
        "true_peak_dbtp",
        "media_path",
        "card_path",
        "source",
    }
    assert Path(shown["media_path"]).is_file()
    assert shown["source"] == str((here / "talk.mp3").resolve())
    live = json.loads(
        ok(
            "episode",
            "add-live",
            "http://127.0.0.1:9/studio.mp3",
            "--title",
            "Live",
            "--duration",
            "1h30m",
            "--json",
            cwd=here,
        )
    )
    assert live["duration_s"] == 5400

    at = later()
    slots = json.loads(
        ok(
            "schedule",
            "add",
            str(added["id"]),
            "--at",
            at,
            "--to",
            "radio",
            "--provinces",
            "PNH,SRP",
            "--repeat",
            "FREQ=DAILY;COUNT=2",
            "--json",
            cwd=here,
        )
    )
    assert len(slots) == 2 and set(slots[0]) >= SLOT_KEYS
    assert (
        slots[0]["start"] == datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=PP).isoformat()
    )
    assert slots[0]["destinations"] == ["radio"] and slots[0]["provinces"] == ["PNH", "SRP"]
    listed = json.loads(ok("schedule", "list", "--json", cwd=here))
    assert [s["id"] for s in listed] == [s["id"] for s in slots]
    assert set(listed[0]) >= SLOT_KEYS | {"title"}
    assert listed[0]["title"] == "សិទ្ធិទទួលបានព័ត៌មាន"
    stored = rows(here / "var" / "broadcaster.db", "select start from slots order by id")
    utc = datetime.fromisoformat(slots[0]["start"]).astimezone(UTC).replace(tzinfo=None)
    assert str(stored[0][0]).startswith(utc.strftime("%Y-%m-%d %H:%M:%S"))

    soon = json.loads(ok("schedule", "add", str(live["id"]), "--in", "2h", "--json", cwd=here))
    start = datetime.fromisoformat(soon[0]["start"])
    assert abs((start - datetime.now(UTC)).total_seconds() - 7200) < 60
    # `--in` starts on a whole second: what is stored is what is shown
    [(kept,)] = rows(
        here / "var" / "broadcaster.db", f"select start from slots where id = {soon[0]['id']}"
    )
    assert datetime.fromisoformat(str(kept)).replace(tzinfo=UTC) == start
    assert "Cancelled slot" in ok("schedule", "cancel", str(soon[0]["id"]), cwd=here)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "add", "1", "--at", "2020-01-01 19:00"], "in the past"),
        (["schedule", "add", "1", "--at", "next week"], "--at"),
        (["schedule", "add", "1", "--in", "soon"], "--in"),
        (["schedule", "add", "1"], "--at TIME or --in"),
        (["schedule", "add", "99", "--in", "1h"], "episode 99"),
        (["schedule", "add", "1", "--in", "1h", "--to", "tv"], "unknown destination tv"),
        (["schedule", "add", "1", "--in", "1h", "--provinces", "XX"], "unknown province XX"),
        (["schedule", "add", "1", "--in", "1h", "--repeat", "FREQ=DAILY"], "never ends"),
        (["schedule", "cancel", "42"], "slot 42"),
        (["episode", "show", "42"], "episode 42"),
        (["episode", "add", "missing.mp3", "--title", "T"], "missing.mp3: file not found"),
        (["episode", "add", "notes.mp3", "--title", "T"], "notes.mp3"),
        (["episode", "add", "empty.wav", "--title", "T"], "empty"),
        (["episode", "add", "talk.mp3", "--title", ""], "title"),
        (["episode", "add-live", "ftp://x/y", "--title", "T", "--duration", "1h"], "url"),
        (
            ["episode", "add-live", "http://x/y", "--title", "T", "--duration", "forever"],
            "duration",
        ),
        (["user", "add", "sokha", "--role", "admin"], "admin"),
        (["schedule", "apply", "nope.toml"], "nope.toml"),
        (["schedule", "export", "--format", "pdf"], "pdf"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_stores_nothing(
    here: Path, args: list[str], message: str
) -> None:
    make_tone(here / "talk.mp3", 2)
    ok("episode", "add", "talk.mp3", "--title", "Talk", cwd=here)
    (here / "notes.mp3").write_text("these are my notes, not audio\n" * 50)
    (here / "empty.wav").write_bytes(b"")
    db = here / "var" / "broadcaster.db"
    before = [rows(db, f"select * from {t}") for t in ("episodes", "slots", "users")]
    media = sorted((here / "var" / "media").iterdir())
    result = run_cli(*args, cwd=here)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert [rows(db, f"select * from {t}") for t in ("episodes", "slots", "users")] == before
    assert sorted((here / "var" / "media").iterdir()) == media


def test_an_overlap_names_the_slot_it_hits(here: Path) -> None:
    make_tone(here / "talk.mp3", 2)
    ok("episode", "add", "talk.mp3", "--title", "Talk", cwd=here)
    ok(
        "episode",
        "add-live",
        "http://127.0.0.1:9/s.mp3",
        "--title",
        "Long live show",
        "--duration",
        "1h",
        cwd=here,
    )
    at = later(3)
    first = json.loads(ok("schedule", "add", "2", "--at", at, "--json", cwd=here))[0]
    result = run_cli("schedule", "add", "1", "--at", later(3).replace(":00", ":30"), cwd=here)
    assert result.returncode == 2
    assert f"slot {first['id']} 'Long live show'" in result.stderr


def test_missing_database_and_unknown_config(station_dir: Path) -> None:
    result = run_cli("schedule", "list", cwd=station_dir)
    assert result.returncode == 1 and "broadcaster init" in result.stderr
    assert not (station_dir / "var" / "broadcaster.db").exists()
    result = run_cli("--config", "nope.toml", "schedule", "list", cwd=station_dir)
    assert result.returncode == 2 and "nope.toml" in result.stderr


def test_a_locked_database_is_a_clear_failure(here: Path) -> None:
    db = here / "var" / "broadcaster.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli("user", "add", "dara", "--role", "operator", cwd=here)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "locked" in result.stderr and "Traceback" not in result.stderr
    assert rows(db, "select count(*) from users") == [(0,)]


def test_user_token_is_printed_once_and_stored_hashed(here: Path) -> None:
    result = run_cli("user", "add", "sokha", "--role", "organiser", cwd=here)
    assert result.returncode == 0
    token = result.stdout.strip()
    assert len(token) > 30
    [(name, role, stored)] = rows(
        here / "var" / "broadcaster.db", "select name, role, token_hash from users"
    )
    assert (name, role) == ("sokha", "organiser") and token not in stored and len(stored) == 64
    again = run_cli("user", "add", "sokha", "--role", "operator", cwd=here)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_exports_import_cleanly(here: Path) -> None:
    make_tone(here / "talk.mp3", 2)
    ok("episode", "add", "talk.mp3", "--title", "ការចូលរួម", "--partner", "CCC", cwd=here)
    slots = json.loads(
        ok(
            "schedule",
            "add",
            "1",
            "--at",
            later(5),
            "--repeat",
            "FREQ=WEEKLY;COUNT=3",
            "--json",
            cwd=here,
        )
    )

    cal = Calendar.from_ical(ok("schedule", "export", "--format", "ics", cwd=here))
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 3 and len(cal.walk("VTIMEZONE")) == 1
    for event, slot in zip(events, slots, strict=True):
        start = event.decoded("dtstart")
        assert str(event["summary"]) == "ការចូលរួម"
        assert start == datetime.fromisoformat(slot["start"])  # same instant
        assert start.astimezone(PP).hour == 19  # right in Phnom Penh
        assert start.astimezone(UTC).hour == 12  # and in UTC
        assert start.utcoffset() == timedelta(hours=7)

    table = list(csv.DictReader(io.StringIO(ok("schedule", "export", "--format", "csv", cwd=here))))
    assert [int(r["id"]) for r in table] == [s["id"] for s in slots]
    assert table[0]["title"] == "ការចូលរួម" and table[0]["start"] == slots[0]["start"]
    exported = json.loads(ok("schedule", "export", "--format", "json", cwd=here))
    assert [e["start"] for e in exported] == [s["start"] for s in slots]


def test_python_dash_m_works(here: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "broadcaster", "--help"], capture_output=True, text=True, cwd=here
    )
    assert out.returncode == 0 and "schedule" in out.stdout


@pytest.mark.postgres
def test_the_same_commands_on_postgresql(station_dir: Path, pg_url: str) -> None:
    env = {"BROADCASTER_DB": pg_url}
    assert "Database created" in ok("init", cwd=station_dir, env=env)
    assert "up to date" in ok("init", cwd=station_dir, env=env)
    ok(
        "episode",
        "add-live",
        "http://127.0.0.1:9/s.mp3",
        "--title",
        "ការចូលរួម",
        "--duration",
        "30m",
        cwd=station_dir,
        env=env,
    )
    made = json.loads(
        ok("schedule", "add", "1", "--at", later(2), "--json", cwd=station_dir, env=env)
    )
    clash = run_cli("schedule", "add", "1", "--at", later(2), cwd=station_dir, env=env)
    assert clash.returncode == 2 and f"slot {made[0]['id']}" in clash.stderr
    listed = json.loads(ok("schedule", "list", "--json", cwd=station_dir, env=env))
    assert [s["id"] for s in listed] == [made[0]["id"]]
    assert listed[0]["title"] == "ការចូលរួម"
    assert not (station_dir / "var" / "broadcaster.db").exists()
