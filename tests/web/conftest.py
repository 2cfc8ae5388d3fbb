"""The real app, served by uvicorn on a free loopback port, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from broadcaster.config import load_settings
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from broadcaster.users import add_user
from broadcaster.web.server import WebServer

UPLOAD_LIMIT_MB = 2


@dataclass
class Api:
    """A running app and the tokens of an operator and an organiser."""

    url: str
    station: Station
    operator: str
    organiser: str
    folder: Path

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def op(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.call(method, path, self.operator, **kwargs)

    def org(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.call(method, path, self.organiser, **kwargs)


def write_config(folder: Path, extra: str = "", sign_ins: int = 10_000) -> Path:
    path = folder / "broadcaster.toml"
    path.write_text(
        "[web]\n"
        'listen = "127.0.0.1:0"\n'
        f"max_upload_mb = {UPLOAD_LIMIT_MB}\n"
        f"failed_sign_ins_per_minute = {sign_ins}\n" + extra,
        encoding="utf-8",
    )
    return path


GATEWAY_TOKEN = "gw_" + "g" * 40
"""The call-in webhook's token (`$CALLIN_WEBHOOK_TOKEN`) in the served app."""
CALLER_KEY = "test-caller-hash-key"


def serve(
    folder: Path,
    db_url: str,
    extra_config: str = "",
    sign_ins: int = 10_000,
    env: dict[str, str] | None = None,
) -> Iterator[Api]:
    config = write_config(folder, extra_config, sign_ins)
    secrets = {"CALLIN_WEBHOOK_TOKEN": GATEWAY_TOKEN, "CALLER_HASH_KEY": CALLER_KEY}
    settings = load_settings(config, env={"BROADCASTER_DB": db_url, **secrets, **(env or {})})
    initialise(settings)
    station = Station.open(settings)
    with station.sessions.begin() as session:
        _, operator = add_user(session, "dara", "operator", station.clock())
        _, organiser = add_user(session, "sokha", "organiser", station.clock())
    server = WebServer(station).start()
    try:
        yield Api(server.url, station, operator, organiser, folder)
    finally:
        server.stop()
        station.close()


@pytest.fixture
def api(db_url: str, station_dir: Path) -> Iterator[Api]:
    """The app on each database (SQLite and PostgreSQL)."""
    yield from serve(station_dir, db_url)


@pytest.fixture
def sqlite_api(station_dir: Path) -> Iterator[Api]:
    """The app on SQLite only, for tests about HTTP rather than the database."""
    yield from serve(station_dir, f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}")
