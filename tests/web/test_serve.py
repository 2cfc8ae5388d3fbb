"""The API as a user starts it: `broadcaster run` serves it while airing, `broadcaster web`
serves it alone; `user list` and `user revoke`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from broadcaster.config import load_settings
from broadcaster.db.models import Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from broadcaster.users import add_user
from tests.conftest import REPO, run_cli
from tests.daemon.running import slot_in, tone_episode

pytestmark = pytest.mark.timeout(180)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started(folder: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`broadcaster ARGS` in `folder`, its output in a log file; SIGTERM at the end."""
    exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    log = folder / f"{args[0]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(exe), *args], cwd=folder, env=env, stdout=out, stderr=out)
        try:
            yield proc, log
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered; log:\n{log.read_text()}")


@pytest.fixture
def station_on_port(station_dir: Path) -> Iterator[tuple[Station, str, str]]:
    port = free_port()
    (station_dir / "broadcaster.toml").write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8"
    )
    settings = load_settings(station_dir / "broadcaster.toml", env={})
    initialise(settings)
    station = Station.open(settings)
    with station.sessions.begin() as session:
        _, token = add_user(session, "dara", "operator", station.clock())
    yield station, f"http://127.0.0.1:{port}", token
    station.close()


def test_run_serves_the_api_while_airing(
    station_on_port: tuple[Station, str, str], station_dir: Path
) -> None:
    station, url, token = station_on_port
    episode = tone_episode(station, station_dir, 5)
    slot_id, start = slot_in(station, episode, 4, 5)
    auth = {"Authorization": f"Bearer {token}"}
    with started(station_dir, "run") as (proc, log):
        wait_for_http(url + "/api/health", proc, log)
        seen_on_air, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline and not seen_on_air:
            health = requests.get(url + "/api/health", timeout=5).json()
            if (datetime.now(UTC) - start).total_seconds() > 1:  # airing, not arming
                seen_on_air = [r for r in health["on_air"] if r["state"] == "on_air"]
            time.sleep(0.2)
        assert {(r["slot_id"], r["leg"]) for r in seen_on_air} == {
            (slot_id, "radio"),
            (slot_id, "facebook"),
        }, log.read_text()
        assert health["leader"]
        in_300_days = datetime.now(UTC) + timedelta(days=300)  # within [station] horizon_days
        later = requests.post(
            url + "/api/slots",
            json={"episode_id": episode, "start": f"{in_300_days:%Y-%m-%dT%H:%M:00Z}"},
            headers=auth,
            timeout=10,
        )
        assert later.status_code == 201
        docs = requests.get(url + "/docs", timeout=5)
        assert docs.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/health", timeout=2)
    with station.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.status in ("on_air", "aired", "partial")
    assert "Traceback" not in log.read_text()


def test_web_alone_serves_without_airing(
    station_on_port: tuple[Station, str, str], station_dir: Path
) -> None:
    _station, url, token = station_on_port
    with started(station_dir, "web") as (proc, log):
        wait_for_http(url + "/api/health", proc, log)
        health = requests.get(url + "/api/health", timeout=5).json()
        assert health["status"] == "ok" and health["leader"] is None
        listed = requests.get(
            url + "/api/provinces", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert listed.status_code == 200 and len(listed.json()) == 15
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    assert token not in log.read_text()


def test_run_refuses_a_taken_port_clearly(
    station_on_port: tuple[Station, str, str], station_dir: Path
) -> None:
    _station, url, _token = station_on_port
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = run_cli("run", "--exit-when-idle", cwd=station_dir)
    assert result.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_list_and_revoke(station_dir: Path) -> None:
    assert run_cli("init", cwd=station_dir).returncode == 0
    token = run_cli("user", "add", "sokha", "--role", "organiser", cwd=station_dir).stdout
    assert run_cli("user", "add", "dara", "--role", "operator", cwd=station_dir).returncode == 0
    listed = run_cli("user", "list", cwd=station_dir)
    assert listed.returncode == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["dara", "operator"],
        ["sokha", "organiser"],
    ]
    assert token.strip() not in listed.stdout
    revoked = run_cli("user", "revoke", "sokha", cwd=station_dir)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    again = run_cli("user", "revoke", "sokha", cwd=station_dir)
    assert again.returncode == 2 and "no user called 'sokha'" in again.stderr
    as_json = run_cli("user", "list", "--json", cwd=station_dir)
    assert '"name": "dara"' in as_json.stdout and "sokha" not in as_json.stdout


def test_demo_prints_the_docs_url_and_serves_until_ctrl_c(station_dir: Path) -> None:
    shutil.copytree(REPO / "schedules", station_dir / "schedules")
    shutil.copytree(REPO / "audio", station_dir / "audio")
    port = free_port()
    (station_dir / "broadcaster.toml").write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8"
    )
    with started(station_dir, "demo", "--on-air-in", "3s", "--stay") as (proc, log):
        deadline = time.monotonic() + 120
        while "Ctrl-C to stop" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert f"API docs:  http://127.0.0.1:{port}/docs" in log.read_text()
        assert requests.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
        time.sleep(2)
        assert proc.poll() is None  # still serving
        health = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()
        assert health["leader"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, log.read_text()
    assert "Traceback" not in log.read_text()
