"""Shared fixtures: settings in a temporary station folder, initialised databases."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from broadcaster.config import Settings, load_settings
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.tiers import (  # noqa: F401  (the tiers plugin's hooks)
    all_tiers_required,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "BROADCASTER_TEST_PG", "postgresql+psycopg:///postgres?host=/var/run/postgresql"
)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def station_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A station's folder with its own broadcaster.toml; the tests run inside it."""
    monkeypatch.chdir(tmp_path)
    for name in ("BROADCASTER_CONFIG", "BROADCASTER_DB"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def settings(station_dir: Path) -> Settings:
    """Built-in defaults, rooted in the test's own folder (SQLite under var/)."""
    return load_settings(env={})


def _pg_unavailable() -> str | None:
    """Why the test server cannot be used, or None when it can."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except (SQLAlchemyError, OSError) as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> str:
    why = _pg_unavailable()
    if why is not None:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({why})"
        if all_tiers_required(request.config):
            pytest.fail(f"{message}; run scripts/ensure-postgres.sh", pytrace=False)
        pytest.skip(message)
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"bc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, station_dir: Path) -> str:
    """Each database test runs against SQLite and against PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def station(db_url: str, station_dir: Path) -> Iterator[Station]:
    """An initialised station on each database, its clock fixed at 2026-11-25 10:00 UTC."""
    settings = load_settings(env={"BROADCASTER_DB": db_url})
    initialise(settings)
    st = Station.open(settings, clock=FakeClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)))
    yield st
    st.close()


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `broadcaster` command as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    full_env.update(env or {})
    exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        input=input,
        timeout=300,
    )


def make_tone(path: Path, seconds: float, freq: int = 440) -> Path:
    """A real MP3 of a steady tone (no silence to trim, so its length is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={freq}:duration={seconds}",
            "-ac",
            "1",
            "-b:a",
            "64k",
            str(path),
        ],
        check=True,
    )
    return path


def add_episode_row(
    station: Station, title: str = "Dialogue", seconds: float = 1800, key: str | None = None
) -> int:
    """An episode row without audio work, for tests about slots."""
    from broadcaster.db.models import Episode

    with station.sessions.begin() as session:
        ep = Episode(
            title=title,
            key=key,
            source_kind="file",
            source="/dev/null",
            duration_s=seconds,
            partners=[],
            created_at=station.clock(),
        )
        session.add(ep)
        session.flush()
        return ep.id
