"""The station's own files: the dialogue series schedule and `broadcaster demo`.

The series file keeps its real dates, so the tests move a copy of it relative to now, or
run the command under a faked date (`faketime`), never depending on today's date.
"""

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcaster.schedule.file import parse_schedule
from tests.conftest import REPO, run_cli

PP = ZoneInfo("Asia/Phnom_Penh")
SERIES = Path("schedules") / "a2i-dialogues.toml"
AT = re.compile(r'^at = "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"$', re.MULTILINE)
FORMAT = "%Y-%m-%d %H:%M"


def copy_station_files(to: Path) -> None:
    shutil.copytree(REPO / "schedules", to / "schedules")
    shutil.copytree(REPO / "audio", to / "audio")


def move_series(path: Path, first_day: datetime) -> list[str]:
    """Move every slot of the series by the same whole days, its first onto `first_day`.

    Times of day, gaps and repeats stay as they are; returns the new `at` values.
    """
    text = path.read_text(encoding="utf-8")
    first = datetime.strptime(AT.findall(text)[0], FORMAT)
    days = timedelta(days=(first_day.date() - first.date()).days)
    text = AT.sub(
        lambda m: f'at = "{(datetime.strptime(m[1], FORMAT) + days).strftime(FORMAT)}"', text
    )
    path.write_text(text, encoding="utf-8")
    return AT.findall(text)


def series_starts(path: Path) -> list[datetime]:
    parsed = parse_schedule(path.read_text(encoding="utf-8"), PP, str(path))
    assert parsed.problems == []
    return sorted(start for slot in parsed.slots for start in slot.starts)


@pytest.mark.skipif(
    "FAKETIME" in os.environ,
    reason="under libfaketime 0.9.10 a thread's timed wait never returns, so the daemon "
    "cannot air; the demo's faked-date test runs its commands under faketime itself",
)
def test_demo_loads_the_series_and_airs_an_episode(station_dir: Path) -> None:
    copy_station_files(station_dir)
    # The series began 38 days ago: its weekly repeat (slot #8, from day 28) is half aired.
    move_series(station_dir / SERIES, datetime.now(PP) - timedelta(days=38))
    starts = series_starts(station_dir / SERIES)
    future = [s for s in starts if s > datetime.now(UTC)]
    assert (len(starts), len(future)) == (11, 2)
    result = run_cli("demo", "--on-air-in", "3s", cwd=station_dir)
    assert result.returncode == 0, result.stderr
    assert "Database created" in result.stdout
    assert f"{SERIES}: 2 slots added, 0 already there, 9 past slots left out." in result.stdout
    assert "Listen:    http://127.0.0.1:" in result.stdout  # icecast2 is installed for tests
    assert re.search(r"radio +aired +icecast", result.stdout)
    aircheck = re.search(r"facebook +aired +(\S+\.mp3)", result.stdout)
    assert aircheck and Path(aircheck.group(1)).stat().st_size > 100_000
    aired = json.loads(run_cli("asrun", "--json", cwd=station_dir).stdout)
    assert {(leg["leg"], leg["status"]) for leg in aired} == {
        ("radio", "aired"),
        ("facebook", "aired"),
    }
    assert "Progress on the rights to information and partnership" in result.stdout
    assert "ការទទួលបានព័ត៌មាន" in result.stdout
    listed = json.loads(run_cli("schedule", "list", "--json", cwd=station_dir).stdout)
    assert [datetime.fromisoformat(s["start"]) for s in listed] == future
    assert all(s["start"].endswith("+07:00") for s in listed)
    again = run_cli("demo", "--no-air", cwd=station_dir)
    assert again.returncode == 0, again.stderr
    assert "0 slots added, 2 already there, 9 past slots left out" in again.stdout


def run_faked(when: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`run_cli` with the clock of the command set to `when` (UTC) and running on from there."""
    # Without BROADCASTER_* (as run_cli) nor an outer faketime's own settings: the suite
    # may itself run under faketime, and a nested one would not take.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BROADCASTER_", "FAKETIME"))}
    preload = [p for p in env.pop("LD_PRELOAD", "").split() if "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    env["TZ"] = "UTC"
    exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
    return subprocess.run(
        ["faketime", when, str(exe), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime (libfaketime) is needed")
@pytest.mark.parametrize(
    "when",
    [
        "2027-03-01 12:00:00",  # issue 17: every slot of the series is past
        "2027-02-10 12:00:00",  # two of the four weekly repeats of slot #8 are still to come
    ],
)
def test_demo_on_a_later_date_loads_only_the_future_slots(station_dir: Path, when: str) -> None:
    copy_station_files(station_dir)
    now = datetime.fromisoformat(when).replace(tzinfo=UTC)
    starts = series_starts(station_dir / SERIES)
    past = sum(1 for s in starts if s <= now)
    future = len(starts) - past
    assert past > 0

    result = run_faked(when, "demo", "--no-air", cwd=station_dir)
    assert result.returncode == 0, result.stderr
    loaded = f"{SERIES}: {future} slots added, 0 already there, {past} past slots left out."
    assert loaded in result.stdout
    assert (f"All {past} slots of the series are in the past" in result.stdout) == (not future)
    listed = json.loads(run_faked(when, "schedule", "list", "--json", cwd=station_dir).stdout)
    assert [datetime.fromisoformat(s["start"]) for s in listed] == starts[past:]
    assert all(datetime.fromisoformat(s["start"]) > now for s in listed)
    episodes = json.loads(run_faked(when, "episode", "list", "--json", cwd=station_dir).stdout)
    assert len(episodes) == 5

    again = run_faked(when, "demo", "--no-air", cwd=station_dir)
    assert again.returncode == 0, again.stderr
    assert f"0 slots added, {future} already there, {past} past slots left out" in again.stdout

    strict = run_faked(when, "schedule", "apply", str(SERIES), cwd=station_dir)
    assert strict.returncode == 2
    assert f"{past} problem(s); nothing was changed" in strict.stderr
    assert strict.stderr.count("is in the past") == past
    lenient = run_faked(when, "schedule", "apply", str(SERIES), "--future-only", cwd=station_dir)
    assert lenient.returncode == 0, lenient.stderr
    assert f"past slots left out (--future-only): {past}" in lenient.stdout
    assert f"slots unchanged: {future}" in lenient.stdout


def test_apply_lists_every_error_and_exits_2(station_dir: Path) -> None:
    copy_station_files(station_dir)
    assert run_cli("init", cwd=station_dir).returncode == 0
    path = station_dir / SERIES
    first = move_series(path, datetime.now(PP) + timedelta(days=7))[0]  # all still to come
    text = path.read_text(encoding="utf-8")
    seven_pm = first.replace(" 19:00", " 7pm")
    text = text.replace(f'at = "{first}"', f'at = "{seven_pm}"')
    text = text.replace('episode = "a2i-04"', 'episode = "a2i-99"')
    text = text.replace('provinces = ["PNH", "KDL", "TKO", "SRP", "BTB"]', 'provinces = ["ZZZ"]')
    path.write_text(text, encoding="utf-8")
    dry = run_cli("schedule", "apply", str(path), "--dry-run", cwd=station_dir)
    real = run_cli("schedule", "apply", str(path), cwd=station_dir)
    for result in (dry, real):
        assert result.returncode == 2
        assert "3 problem(s); nothing was changed" in result.stderr
        assert seven_pm in result.stderr
        assert "unknown episode 'a2i-99'" in result.stderr
        assert "unknown province ZZZ" in result.stderr
    listed = json.loads(run_cli("schedule", "list", "--json", cwd=station_dir).stdout)
    episodes = json.loads(run_cli("episode", "list", "--json", cwd=station_dir).stdout)
    assert listed == [] and episodes == []
    assert not any((station_dir / "var" / "media").glob("*.*"))
