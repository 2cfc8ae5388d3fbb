"""Fixtures that start real icecast2 and nginx-rtmp, a fake Graph API, and a station on them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcaster.clock import system_clock
from broadcaster.config import load_settings
from broadcaster.db.models import Episode, Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.conftest import make_tone
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.servers import (
    ICECAST_PASSWORD,
    NGINX_RTMP_MODULE,
    Icecast,
    NginxRtmp,
    make_card_loop,
)
from tests.tiers import all_tiers_required

FB_TOKEN = "EAAB-integration-token"
PAGE_ID = "1234567890"
NEEDED = ("ffmpeg", "ffprobe", "icecast2", "nginx")


def missing_components() -> list[str]:
    """The real servers and tools the integration tests need that this machine lacks."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if not Path(NGINX_RTMP_MODULE).exists():
        missing.append(f"nginx's RTMP module ({NGINX_RTMP_MODULE}, Debian libnginx-mod-rtmp)")
    return missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(str(item.fspath)).parents]
    missing = missing_components() if ours else []
    for item in ours:
        item.add_marker(pytest.mark.integration)
        if missing and not all_tiers_required(config):
            reason = f"not installed: {', '.join(missing)} (scripts/install-system.sh test)"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _components_present() -> None:
    """Runs before any other fixture here: with every tier required, a test that needs a
    missing component fails, naming it (without, it was skipped at collection)."""
    missing = missing_components()
    if missing:
        pytest.fail(f"not installed: {', '.join(missing)}", pytrace=False)


@dataclass(frozen=True)
class Media:
    tone: Path
    card_loop: Path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    folder = tmp_path_factory.mktemp("media")
    return Media(make_tone(folder / "episode.mp3", 90), make_card_loop(folder / "card.mp4"))


@pytest.fixture
def icecast() -> Iterator[Icecast]:
    server = Icecast()
    server.start()
    yield server
    server.close()


@pytest.fixture
def nginx() -> Iterator[NginxRtmp]:
    server = NginxRtmp()
    server.start()
    yield server
    server.close()


@pytest.fixture
def graph(nginx: NginxRtmp) -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi(FB_TOKEN, PAGE_ID, rtmp_base=nginx.rtmp_base).start()
    yield fake
    fake.close()


def open_station(folder: Path, icecast: Icecast, graph: FakeGraphApi, **secrets: str) -> Station:
    """A station on SQLite in `folder`: radio to the real Icecast, Facebook to the fake API."""
    config = folder / "broadcaster.toml"
    config.write_text(
        f"""[station]
database = "sqlite:///var/broadcaster.db"
aircheck_dir = "var/airchecks"
[radio]
icecast = "{icecast.url()}"
source_password_env = "ICECAST_SOURCE_PASSWORD"
bitrate_kbps = 64
[facebook]
page_id = "{PAGE_ID}"
access_token_env = "FB_PAGE_ACCESS_TOKEN"
graph_api = "{graph.base_url}"
""",
        encoding="utf-8",
    )
    env = {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN}
    settings = load_settings(config, env={**env, **secrets})
    initialise(settings)
    return Station.open(settings, clock=system_clock)


@pytest.fixture
def on_air_station(
    tmp_path: Path, icecast: Icecast, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Station]:
    """A station with the right secrets, in the test's own folder."""
    monkeypatch.chdir(tmp_path)
    station = open_station(tmp_path, icecast, graph)
    yield station
    station.close()


def add_slot(
    station: Station,
    media: Media,
    *,
    seconds: float,
    title: str = "ការសន្ទនា: access to information",
    lead_s: float = 1.5,
    episode_s: float = 90,
) -> int:
    """An episode of the test tone and a slot of `seconds` starting `lead_s` from now."""
    now = datetime.now(UTC)
    start = (now + timedelta(seconds=lead_s)).replace(microsecond=0) + timedelta(seconds=1)
    with station.sessions.begin() as s:
        ep = Episode(
            title=title,
            source_kind="file",
            source=str(media.tone),
            media_path=str(media.tone),
            duration_s=episode_s,
            partners=["CCC"],
            description="A2I dialogue",
            created_at=now,
        )
        s.add(ep)
        s.flush()
        slot = Slot(
            episode_id=ep.id,
            start=start,
            end=start + timedelta(seconds=seconds),
            destinations=["radio", "facebook"],
            provinces=["PNH"],
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        s.add(slot)
        s.flush()
        return slot.id


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)
