"""The station's own files: the dialogue series schedule and `broadcaster demo`."""

import json
import re
import shutil
from pathlib import Path

from tests.conftest import REPO, run_cli


def copy_station_files(to: Path) -> None:
    shutil.copytree(REPO / "schedules", to / "schedules")
    shutil.copytree(REPO / "audio", to / "audio")


def test_demo_loads_the_series_and_airs_an_episode(station_dir: Path) -> None:
    copy_station_files(station_dir)
    result = run_cli("demo", "--on-air-in", "3s", cwd=station_dir)
    assert result.returncode == 0, result.stderr
    assert "Database created" in result.stdout
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
    assert len(listed) == 11
    assert all(s["start"].endswith("+07:00") for s in listed)
    again = run_cli("demo", "--no-air", cwd=station_dir)
    assert again.returncode == 0 and "0 slots added, 11 already there" in again.stdout


def test_apply_lists_every_error_and_exits_2(station_dir: Path) -> None:
    copy_station_files(station_dir)
    assert run_cli("init", cwd=station_dir).returncode == 0
    path = station_dir / "schedules" / "a2i-dialogues.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('at = "2027-01-05 19:00"', 'at = "2027-01-05 7pm"')
    text = text.replace('episode = "a2i-04"', 'episode = "a2i-99"')
    text = text.replace('provinces = ["PNH", "KDL", "TKO", "SRP", "BTB"]', 'provinces = ["ZZZ"]')
    path.write_text(text, encoding="utf-8")
    dry = run_cli("schedule", "apply", str(path), "--dry-run", cwd=station_dir)
    real = run_cli("schedule", "apply", str(path), cwd=station_dir)
    for result in (dry, real):
        assert result.returncode == 2
        assert "3 problem(s); nothing was changed" in result.stderr
        assert "2027-01-05 7pm" in result.stderr
        assert "unknown episode 'a2i-99'" in result.stderr
        assert "unknown province ZZZ" in result.stderr
    listed = json.loads(run_cli("schedule", "list", "--json", cwd=station_dir).stdout)
    episodes = json.loads(run_cli("episode", "list", "--json", cwd=station_dir).stdout)
    assert listed == [] and episodes == []
    assert not any((station_dir / "var" / "media").glob("*.*"))
