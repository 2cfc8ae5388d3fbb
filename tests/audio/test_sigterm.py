"""SIGTERM during `episode add` (issue 11): its ffmpeg children stop, its half-made work
folder goes, nothing is stored, and the command says so."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, make_tone, run_cli
from tests.daemon.running import ffmpeg_children, still_running

EXE = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"


@pytest.fixture(scope="module")
def long_talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twenty minutes of tone: each stage of its preparation lasts a few seconds."""
    return make_tone(tmp_path_factory.mktemp("long") / "long.mp3", 1200)


@pytest.mark.parametrize("stage", ["analyse", "render"])
def test_sigterm_stops_the_ffmpeg_children_and_removes_the_work_folder(
    station_dir: Path, long_talk: Path, stage: str
) -> None:
    assert run_cli("init", cwd=station_dir).returncode == 0
    media = station_dir / "var" / "media"
    err_path = station_dir / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [str(EXE), "episode", "add", str(long_talk), "--title", "Long"],
            cwd=station_dir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 120
            children: list[int] = []
            while time.monotonic() < deadline and proc.poll() is None:
                children = ffmpeg_children(proc.pid)
                if f"long.mp3: {stage}" in err_path.read_text() and children:
                    break
                time.sleep(0.05)
            assert children, err_path.read_text()
            assert [p.name for p in media.glob(".prepare-*")], "no work folder while preparing"
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = err_path.read_text()
    assert code == 128 + signal.SIGTERM, stderr
    assert "stopped by SIGTERM; nothing was stored" in stderr
    assert "Traceback" not in stderr
    assert still_running(set(children)) == []
    assert list(media.iterdir()) == []  # neither the work folder nor a half-placed file
    with sqlite3.connect(station_dir / "var" / "broadcaster.db") as conn:
        assert conn.execute("select count(*) from episodes").fetchone() == (0,)
