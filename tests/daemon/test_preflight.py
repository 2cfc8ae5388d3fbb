"""`broadcaster preflight`: what a slot needs is checked ahead, failures said and kept."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from broadcaster.config import load_settings
from broadcaster.db.models import Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.conftest import make_tone, run_cli
from tests.daemon.running import slot_in, tone_episode
from tests.fakes.graph_api import running

TOKEN = "EAAB-page-token-secret"


def station_with_slot(folder: Path, config: str = "") -> tuple[Station, int, Path]:
    if config:
        (folder / "broadcaster.toml").write_text(config, encoding="utf-8")
    settings = load_settings(folder / "broadcaster.toml" if config else None, env={})
    initialise(settings)
    station = Station.open(settings)
    episode = tone_episode(station, folder, 3)
    slot_id, _ = slot_in(station, episode, 3600, 3)
    with station.sessions() as session:
        ep = session.get(Slot, slot_id).episode  # type: ignore[union-attr]
        media = Path(ep.media_path or "")
    return station, slot_id, media


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_next_slot_passes_and_the_result_is_kept(station_dir: Path) -> None:
    station, slot_id, _ = station_with_slot(station_dir)
    done = run_cli("preflight", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["slot_id"] == slot_id and shown["ok"] is True
    assert {c["check"] for c in shown["checks"]} == {"episode file", "radio", "facebook"}
    with station.sessions() as session:
        assert session.get(Slot, slot_id).preflight["ok"] is True  # type: ignore[union-attr,index]
    station.close()


def test_a_missing_or_broken_file_fails(station_dir: Path) -> None:
    station, slot_id, media = station_with_slot(station_dir)
    media.unlink()
    done = run_cli("preflight", str(slot_id))
    assert done.returncode == 1
    assert "FAIL  episode file" in done.stdout and "missing" in done.stdout
    media.write_bytes(b"\x00" * 1000)
    done = run_cli("preflight", str(slot_id))
    assert done.returncode == 1 and "FAIL  episode file" in done.stdout
    make_tone(media, 3)
    assert run_cli("preflight", str(slot_id)).returncode == 0
    station.close()


def test_a_radio_server_that_does_not_answer_fails(station_dir: Path) -> None:
    port = free_port()
    config = (
        f'[radio]\nicecast = "http://127.0.0.1:{port}/sarika.mp3"\n'
        'source_password_env = "TEST_ICECAST_PASSWORD"\n'
    )
    station, _, _ = station_with_slot(station_dir, config)
    unset = run_cli("preflight")
    assert unset.returncode == 1 and "$TEST_ICECAST_PASSWORD is not set" in unset.stdout
    down = run_cli("preflight", env={"TEST_ICECAST_PASSWORD": "hackme-secret"})
    assert down.returncode == 1
    assert f"FAIL  radio         http://127.0.0.1:{port}/status-json.xsl" in down.stdout
    assert "hackme-secret" not in down.stdout + down.stderr
    station.close()


def test_facebook_live_video_is_made_once_and_an_expired_token_fails(station_dir: Path) -> None:
    with running(TOKEN) as fake:
        config = (
            f'[facebook]\npage_id = "{fake.page_id}"\ngraph_api = "{fake.base_url}"\n'
            'access_token_env = "TEST_FB_TOKEN"\n'
        )
        station, slot_id, media = station_with_slot(station_dir, config)
        card = media.with_suffix(".png")
        make_card_loop(card.with_suffix(".mp4"))
        with station.sessions.begin() as session:
            session.get(Slot, slot_id).episode.card_path = str(card)  # type: ignore[union-attr]
        first = run_cli("preflight", "--json", env={"TEST_FB_TOKEN": TOKEN})
        assert first.returncode == 0, first.stdout + first.stderr
        assert len(fake.videos) == 1
        with station.sessions() as session:
            live_id = session.get(Slot, slot_id).facebook_live_id  # type: ignore[union-attr]
        assert live_id in fake.videos
        again = run_cli("preflight", env={"TEST_FB_TOKEN": TOKEN})
        assert again.returncode == 0 and len(fake.videos) == 1  # looked up, not made again
        expired = run_cli("preflight", env={"TEST_FB_TOKEN": "EAAB-expired-token"})
        assert expired.returncode == 1
        assert "FAIL  facebook" in expired.stdout and "expired" in expired.stdout
        assert "EAAB-expired-token" not in expired.stdout + expired.stderr
    station.close()


def test_an_ended_live_video_is_replaced_at_preflight(station_dir: Path) -> None:
    with running(TOKEN) as fake:
        config = (
            f'[facebook]\npage_id = "{fake.page_id}"\ngraph_api = "{fake.base_url}"\n'
            'access_token_env = "TEST_FB_TOKEN"\n'
        )
        station, slot_id, media = station_with_slot(station_dir, config)
        card = media.with_suffix(".png")
        make_card_loop(card.with_suffix(".mp4"))
        with station.sessions.begin() as session:
            session.get(Slot, slot_id).episode.card_path = str(card)  # type: ignore[union-attr]
        assert run_cli("preflight", env={"TEST_FB_TOKEN": TOKEN}).returncode == 0
        (old,) = fake.videos
        fake.set_status(old, "SCHEDULED_CANCELED")  # cancelled on facebook.com
        again = run_cli("preflight", "--json", env={"TEST_FB_TOKEN": TOKEN})
        assert again.returncode == 0, again.stdout + again.stderr
        assert len(fake.videos) == 2
        with station.sessions() as session:
            live_id = session.get(Slot, slot_id).facebook_live_id  # type: ignore[union-attr]
        assert live_id in fake.videos and live_id != old
        (check,) = [c for c in json.loads(again.stdout)["checks"] if c["check"] == "facebook"]
        assert check["ok"] is True
        assert (
            f"live video {live_id} created in place of {old} (SCHEDULED_CANCELED)"
            == check["detail"]
        )
        assert TOKEN not in again.stdout + again.stderr and "rtmp://" not in again.stdout
        third = run_cli("preflight", env={"TEST_FB_TOKEN": TOKEN})
        assert third.returncode == 0 and len(fake.videos) == 2  # the new one is kept
    station.close()


def test_nothing_to_check(station_dir: Path) -> None:
    initialise(load_settings(env={}))
    done = run_cli("preflight")
    assert done.returncode == 2 and "no slot is scheduled" in done.stderr


def make_card_loop(path: Path) -> None:
    import subprocess

    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=64x36:r=30",
         "-t", "2", "-c:v", "libx264", "-g", "60", str(path)],
        check=True,
    )  # fmt: skip
