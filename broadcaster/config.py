"""Typed settings from `broadcaster.toml` and the environment (SPEC 3.3).

Settings are passed in, never a global. Secrets are not settings: the file names the
environment variable that holds each one, and `Settings.secret` reads it when needed.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from broadcaster.errors import BadInput
from broadcaster.privacy import masked_url
from broadcaster.provinces.defaults import DEFAULT_PROVINCES
from broadcaster.schedule.times import parse_duration


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StationSettings(_Section):
    name: str = "Sarika FM"
    timezone: str = "Asia/Phnom_Penh"
    database: str = "sqlite:///var/broadcaster.db"
    media_dir: Path = Path("var/media")
    aircheck_dir: Path = Path("var/airchecks")
    standby_audio: Path = Path("audio/standby.mp3")
    fill_audio: Path | None = None
    """Plays between slots on the radio mount, looped; unset: the standby audio, else silence."""
    silence_s: float = Field(10.0, gt=0, le=600)
    """A programme this long below -50 dBFS is dead air: standby plays, a `silence` gap."""
    loudness_target_lufs: float = Field(-16.0, ge=-40.0, le=-5.0)
    intro: Path | None = None
    outro: Path | None = None
    longest_slot: str = "8h"
    relay_poll_s: float = Field(5.0, ge=0.5, le=60)
    """Province relays are polled this often while a slot airs; 3 periods of silence = off."""
    db_outage_grace: str = "10m"
    """How long the leader keeps airing while the database is away (locked, unreachable),
    with the as-run log journalled; then it stops, unless it learns sooner that another
    daemon holds the lease."""
    horizon_days: int = Field(400, ge=1, le=3660)
    """Slots are booked at most this many days ahead (a repeat that goes further is refused)."""
    max_occurrences: int = Field(10_000, ge=1, le=1_000_000)
    """At most this many slots from one request or one schedule file (repeats counted)."""

    @field_validator("database")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("longest_slot")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            parse_duration(value, "longest_slot")
        except BadInput as exc:
            raise ValueError(str(exc).removeprefix("longest_slot: ")) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Phnom_Penh)") from None
        return value


class WebSettings(_Section):
    listen: str = "127.0.0.1:8080"
    max_upload_mb: int = Field(500, ge=1, le=100_000)
    session_key_env: str = "BROADCASTER_SESSION_KEY"
    """Names the variable holding the key that signs page sessions (unset: a key per run)."""
    failed_sign_ins_per_minute: int = Field(10, ge=1)
    """Failed sign-ins one address may make in a minute before it is refused for a while."""


class RadioSettings(_Section):
    icecast: str
    source_password_env: str = "ICECAST_SOURCE_PASSWORD"
    bitrate_kbps: int = Field(128, ge=32, le=320)
    continuous: bool = True
    """The mount stays on air between slots with the fill; false: on air only during slots."""

    @field_validator("icecast")
    @classmethod
    def _server_and_mount(cls, value: str) -> str:
        return check_mount_url(value)


class FacebookSettings(_Section):
    page_id: str
    access_token_env: str = "FB_PAGE_ACCESS_TOKEN"
    graph_api: str = "https://graph.facebook.com/v25.0"

    @field_validator("graph_api")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _http_parts(value)
        return value


class CallinSettings(_Section):
    webhook_token_env: str = "CALLIN_WEBHOOK_TOKEN"
    caller_key_env: str = "CALLER_HASH_KEY"
    retention_days: int = Field(90, ge=0, le=36_500)
    """Caller hashes older than this are erased (hourly, and by `callin purge`); 0: all."""


class ProvinceSettings(_Section):
    code: str = Field(min_length=2, max_length=8, pattern=r"^[A-Z0-9]+$")
    name: str
    name_km: str | None = None
    relay: str | None = None

    @field_validator("relay")
    @classmethod
    def _relay_mount(cls, value: str | None) -> str | None:
        return None if value is None else check_mount_url(value)


class Settings(_Section):
    station: StationSettings = StationSettings()
    web: WebSettings = WebSettings()
    radio: RadioSettings | None = None
    facebook: FacebookSettings | None = None
    callins: CallinSettings = CallinSettings()
    province: list[ProvinceSettings] = Field(
        default_factory=lambda: [ProvinceSettings(**p) for p in DEFAULT_PROVINCES]
    )
    base_dir: Path = Path(".")
    source: Path | None = None
    env: Mapping[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    @field_validator("province")
    @classmethod
    def _unique_codes(cls, value: list[ProvinceSettings]) -> list[ProvinceSettings]:
        codes = [p.code for p in value]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"province codes repeated: {', '.join(dupes)}")
        if not value:
            raise ValueError("at least one province is needed")
        return value

    @field_validator("env")
    @classmethod
    def _database_override(cls, value: Mapping[str, str]) -> Mapping[str, str]:
        override = value.get("BROADCASTER_DB")
        if override:
            try:
                check_database_url(override)
            except ValueError as exc:
                raise ValueError(f"$BROADCASTER_DB: {exc}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.station.timezone)

    @property
    def database_url(self) -> str:
        """The database URL: `$BROADCASTER_DB` if set, relative SQLite paths made absolute."""
        url = self.env.get("BROADCASTER_DB") or self.station.database
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            url = prefix + str((self.base_dir / url[len(prefix) :]).resolve())
        return url

    def path(self, value: Path) -> Path:
        """A configured path made absolute against the config file's folder."""
        return value if value.is_absolute() else (self.base_dir / value).resolve()

    def secret(self, env_name: str) -> str | None:
        """The secret held by the environment variable `env_name`, or None if unset."""
        value = self.env.get(env_name)
        return value or None


DATABASES = ("sqlite", "postgresql", "postgres")


def check_database_url(url: str) -> str:
    """Refuse a database URL SQLAlchemy cannot parse or a database we do not support."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(
            f"{masked_url(url)!r} is not a database URL (e.g. sqlite:///var/broadcaster.db or "
            f"postgresql://user@host/broadcaster): {exc}"
        ) from None
    backend = parsed.drivername.partition("+")[0]
    if backend not in DATABASES:
        raise ValueError(f"{parsed.drivername!r}: only sqlite and postgresql databases")
    if backend == "sqlite" and not parsed.database:
        raise ValueError("a SQLite URL needs a file: sqlite:///var/broadcaster.db")
    return url


def _http_parts(url: str) -> tuple[str, str]:
    """(host, path) of an http(s) URL with a host and a valid port; ValueError if not."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the scheme must be http or https, not {parts.scheme or 'none'!r}")
    if not host:
        raise ValueError("the URL names no server (e.g. http://127.0.0.1:8000/sarika.mp3)")
    return host, parts.path


def check_mount_url(url: str) -> str:
    """An Icecast server and mount: `http(s)://host[:port]/mount`; ValueError if not."""
    _host, path = _http_parts(url)
    if path.strip("/") == "":
        raise ValueError(
            "the URL names no mount: give the server and the mount, "
            "e.g. http://127.0.0.1:8000/sarika.mp3"
        )
    return url


def _describe(error: ValidationError, where: str) -> BadInput:
    problems = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = str(item["msg"]).removeprefix("Value error, ")
        if loc == "env":  # the only checked variable: $BROADCASTER_DB
            loc, message = message.split(": ", 1)
        problems.append(f"{loc}: {message}")
    return BadInput(f"{where}: invalid configuration", problems)


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `config`, `$BROADCASTER_CONFIG`, ./broadcaster.toml, or the defaults."""
    env = dict(os.environ if env is None else env)
    explicit = config or (
        Path(env["BROADCASTER_CONFIG"]) if env.get("BROADCASTER_CONFIG") else None
    )
    path = explicit or Path("broadcaster.toml")
    data: dict[str, Any] = {}
    if explicit is not None and not path.is_file():
        raise BadInput(f"{path}: configuration file not found")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}: not valid TOML: {exc}") from None
        base = path.resolve().parent
        source: Path | None = path.resolve()
    else:
        base, source = Path.cwd(), None
    try:
        return Settings.model_validate({**data, "base_dir": base, "source": source, "env": env})
    except ValidationError as exc:
        raise _describe(exc, str(path) if source else "the configuration") from None
