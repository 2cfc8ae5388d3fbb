"""Hardening (issue 12) as a user meets it: every input bounded, every file private, no
secret shown. Each bad case: exit 2, the field named, the database dump unchanged."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import REPO, make_tone, run_cli

PP = ZoneInfo("Asia/Phnom_Penh")
EXE = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
SECRET = "S3cret-pw-0451"


def later(days: int = 7) -> str:
    return (datetime.now(PP) + timedelta(days=days)).strftime("%Y-%m-%d 19:00")


def dump(db: Path) -> list[str]:
    """The whole database as SQL (sqlite3's `.dump`)."""
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, umask: int = -1
) -> subprocess.CompletedProcess[str]:
    """`broadcaster ARGS` as a user runs it; a hung command fails the test, never the run."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    full_env.update(env or {})
    return subprocess.run(
        [str(EXE), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=60,
        umask=umask,
    )


def ok(*args: str, cwd: Path, env: dict[str, str] | None = None, umask: int = -1) -> str:
    result = cli(*args, cwd=cwd, env=env, umask=umask)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def here(station_dir: Path) -> Path:
    ok("init", cwd=station_dir)
    ok(
        "episode",
        "add-live",
        "http://127.0.0.1:9/studio.mp3",
        "--title",
        "Call-in",
        "--duration",
        "30m",
        cwd=station_dir,
    )
    ok("schedule", "add", "1", "--at", later(3), cwd=station_dir)
    return station_dir


def attack_file(folder: Path, count: int = 10_000) -> str:
    """The issue's 5 KB file: 50 entries of FREQ=HOURLY;COUNT=10000 (500,000 slots)."""
    parts = [
        'series = "Flood"\n[[episode]]\nkey = "live"\ntitle = "Flood"\n'
        'live = "http://127.0.0.1:9/x.mp3"\nduration = "5m"\n'
    ]
    start = datetime.now(PP) + timedelta(days=2)
    for i in range(50):
        at = (start + timedelta(minutes=6 * i)).strftime("%Y-%m-%d %H:%M")
        parts.append(
            f'[[slot]]\nepisode = "live"\nat = "{at}"\nrepeat = "FREQ=HOURLY;COUNT={count}"\n'
        )
    (folder / "attack.toml").write_text("\n".join(parts), encoding="utf-8")
    return "attack.toml"


def config(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


DTSTART_RULE = "DTSTART:20300101T190000\nRRULE:FREQ=DAILY;COUNT=2"


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("attack", ["slot #50: repeat:", "horizon_days"]),  # each rule: 416 days of slots
        ("attack-by-file", ["slot #3: the file makes more than 10000", "max_occurrences"]),
        ("repeat-flood", ["repeat:", "more than 10000 slots", "max_occurrences"]),
        ("live-forever", ["duration:", "longest_slot = 8h"]),
        ("year-9999", ["--at:", "out of range (years 1900 to 9000)"]),
        ("year-1", ["--at:", "out of range (years 1900 to 9000)"]),
        ("two-years", ["--at:", "horizon_days = 400"]),
        ("in-forever", ["--in:", "too long"]),
        ("in-5000h", ["--in:", "horizon_days = 400"]),
        ("dtstart", ["repeat:", "DTSTART"]),
        ("list-from-year-1", ["--from:", "out of range"]),
        ("fifo", ["fifo.toml", "not a regular file"]),
        ("db-env", ["BROADCASTER_DB", "not a database URL"]),
        ("db-config", ["station.database", "not a database URL"]),
        ("radio-no-mount", ["radio.icecast", "names no mount"]),
        ("radio-scheme", ["radio.icecast", "http or https"]),
    ],
)
def test_each_bad_input_is_exit_2_naming_the_field_and_changes_nothing(
    here: Path, case: str, words: list[str]
) -> None:
    env: dict[str, str] = {}
    args: list[str]
    if case == "attack":
        args = ["schedule", "apply", attack_file(here)]
    elif case == "attack-by-file":  # each rule within every limit; the file over the total
        args = ["schedule", "apply", attack_file(here, 5000)]
    elif case == "repeat-flood":
        args = [
            "schedule",
            "add",
            "1",
            "--at",
            later(10),
            "--repeat",
            "FREQ=MINUTELY;INTERVAL=30;COUNT=99999",
        ]
    elif case == "live-forever":
        args = ["episode", "add-live", "http://127.0.0.1:9/x.mp3", "--title", "T"]
        args += ["--duration", "100000h"]
    elif case == "year-9999":
        args = ["schedule", "add", "1", "--at", "9999-12-31 23:00"]
    elif case == "year-1":
        args = ["schedule", "add", "1", "--at", "0001-01-01 00:00"]
    elif case == "two-years":
        args = ["schedule", "add", "1", "--at", later(730)]
    elif case == "in-forever":
        args = ["schedule", "add", "1", "--in", "99999999h"]
    elif case == "in-5000h":
        args = ["schedule", "add", "1", "--in", "10000h"]
    elif case == "dtstart":
        args = ["schedule", "add", "1", "--at", later(10), "--repeat", DTSTART_RULE]
    elif case == "list-from-year-1":
        args = ["schedule", "list", "--from", "0001-01-01 00:00"]
    elif case == "fifo":
        os.mkfifo(here / "fifo.toml")
        args = ["schedule", "apply", "fifo.toml"]
    elif case == "db-env":
        env = {"BROADCASTER_DB": "postgresql://studio:pw@db.example:port/bc"}
        args = ["schedule", "list"]
    elif case == "db-config":
        args = ["--config", config(here, "c.toml", '[station]\ndatabase = "var/broadcaster.db"\n')]
        args += ["schedule", "list"]
    elif case == "radio-no-mount":
        args = ["--config", config(here, "c.toml", '[radio]\nicecast = "http://127.0.0.1:8000"\n')]
        args += ["schedule", "list"]
    else:
        text = '[radio]\nicecast = "icecast://127.0.0.1:8000/sarika.mp3"\n'
        args = ["--config", config(here, "c.toml", text), "schedule", "list"]
    db = here / "var" / "broadcaster.db"
    before = dump(db)
    result = cli(*args, cwd=here, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    assert "pw@" not in result.stderr  # a database password is never shown
    assert dump(db) == before


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(here: Path) -> None:
    for n, title in enumerate(['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)"]):
        ok("episode", "add-live", "http://127.0.0.1:9/s.mp3", "--title", title, "--duration", "5m",
           cwd=here)  # fmt: skip
        ok("schedule", "add", str(n + 2), "--at", later(4 + n), cwd=here)
    rows = list(csv.DictReader(io.StringIO(ok("schedule", "export", "--format", "csv", cwd=here))))
    titles = [r["title"] for r in rows]
    assert titles == [
        "Call-in",
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
    ]
    assert all(r["start"][0].isdigit() for r in rows)  # times are not touched
    exported = json.loads(ok("schedule", "export", "--format", "json", cwd=here))
    assert exported[1]["title"].startswith("=HYPERLINK")  # JSON is data, not a sheet


def test_a_feed_password_is_never_shown(here: Path) -> None:
    url = f"http://studio:{SECRET}@127.0.0.1:9/live.mp3"
    added = ok("episode", "add-live", url, "--title", "Studio", "--duration", "1h", cwd=here)
    assert "http://studio:***@127.0.0.1:9/live.mp3" in added
    outputs = [
        added,
        ok("episode", "show", "2", cwd=here),
        ok("episode", "show", "2", "--json", cwd=here),
        ok("episode", "list", "--json", cwd=here),
    ]
    assert json.loads(outputs[2])["source"] == "http://studio:***@127.0.0.1:9/live.mp3"
    refused = cli("episode", "add-live", f"ftp://studio:{SECRET}@host/x", "--title", "T",
                  "--duration", "1h", cwd=here)  # fmt: skip
    assert refused.returncode == 2 and "url:" in refused.stderr
    for text in [*outputs, refused.stdout, refused.stderr]:
        assert SECRET not in text
    with sqlite3.connect(here / "var" / "broadcaster.db") as conn:  # stored as given, to air
        assert conn.execute("select source from episodes where id = 2").fetchone() == (url,)


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text(errors="replace")
            except OSError:
                continue
            parents[int(entry.name)] = int(text[text.rindex(")") + 2 :].split()[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _environ(pid: int) -> tuple[str, bytes] | None:
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        return name, Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None


def test_under_umask_000_nothing_written_is_open_to_others_and_children_hold_no_secret(
    station_dir: Path,
) -> None:
    """`episode add` and a slot aired (aircheck legs) with umask 000 and secrets in the
    environment: every folder the product made is 0700, every file it wrote 0600 or at
    least not writable by others; no ffmpeg child holds a secret in its environment."""
    here = station_dir
    secrets = {
        "FB_PAGE_ACCESS_TOKEN": f"EAAB{SECRET}",
        "ICECAST_SOURCE_PASSWORD": f"ice-{SECRET}",
        "CALLER_HASH_KEY": f"key-{SECRET}",
    }
    make_tone(here / "talk.mp3", 3)
    ours = {here / "talk.mp3"}
    ok("init", cwd=here, umask=0)
    ok("episode", "add", "talk.mp3", "--title", "Talk", cwd=here, umask=0, env=secrets)
    ok("schedule", "add", "1", "--in", "8s", cwd=here, umask=0)
    log = here / "daemon.log"
    ours.add(log)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [str(EXE), "run", "--no-web", "--exit-when-idle"],
            cwd=here,
            env={**full_env, **secrets},
            stdout=out,
            stderr=subprocess.STDOUT,
            umask=0,
        )
        seen: dict[int, str] = {}
        try:
            deadline = time.monotonic() + 90
            while daemon.poll() is None and time.monotonic() < deadline:
                for pid in _descendants(daemon.pid):
                    got = _environ(pid)
                    if got is not None and pid not in seen:
                        name, environ = got
                        seen[pid] = name
                        assert SECRET.encode() not in environ, (name, environ)
                time.sleep(0.2)
            assert daemon.wait(30) == 0, log.read_text()
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
    assert "ffmpeg" in seen.values(), (seen, log.read_text())
    airchecks = list((here / "var" / "airchecks").rglob("*.mp3"))
    assert airchecks, log.read_text()
    media = [p for p in (here / "var" / "media").iterdir()]
    assert {p.suffix for p in media} == {".mp3", ".png", ".mp4"}
    for path in [here / "var", *here.joinpath("var").rglob("*")]:
        if path in ours:
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o022 == 0, f"{path} is writable by others ({mode:o})"
        if path.is_dir():
            assert mode == 0o700, f"{path}: {mode:o}"
    for path in [*airchecks, *media]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # the database (and its WAL) are out of others' reach: var/ is the station's alone
    assert stat.S_IMODE((here / "var").stat().st_mode) == 0o700


def test_ordinary_repeats_within_the_limits_are_booked(here: Path) -> None:
    """The limits leave ordinary bookings alone: weekly, within the horizon."""
    result = run_cli("schedule", "add", "1", "--at", later(20), "--repeat", "FREQ=WEEKLY;COUNT=40",
                     cwd=here)  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
def test_the_demos_icecast_config_is_private_and_icecast_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from broadcaster.local_icecast import LocalIcecast

    monkeypatch.setenv("FB_PAGE_ACCESS_TOKEN", f"EAAB{SECRET}")
    old = os.umask(0)
    try:
        icecast = LocalIcecast()
    finally:
        os.umask(old)
    try:
        config = icecast.folder / "icecast.xml"
        assert icecast.password in config.read_text()
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(icecast.folder.stat().st_mode) & 0o022 == 0
        environ = Path(f"/proc/{icecast.proc.pid}/environ").read_bytes()
        assert SECRET.encode() not in environ and b"PATH=" in environ
    finally:
        icecast.close()
