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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from broadcaster.errors import BadInput
from broadcaster.provinces.defaults import DEFAULT_PROVINCES


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
    db_outage_grace: str = "10m"
    """How long the leader keeps airing while the database is away (locked, unreachable),
    with the as-run log journalled; then it stops, unless it learns sooner that another
    daemon holds the lease."""

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


class FacebookSettings(_Section):
    page_id: str
    access_token_env: str = "FB_PAGE_ACCESS_TOKEN"
    graph_api: str = "https://graph.facebook.com/v25.0"


class CallinSettings(_Section):
    webhook_token_env: str = "CALLIN_WEBHOOK_TOKEN"
    caller_key_env: str = "CALLER_HASH_KEY"
    retention_days: int = Field(90, ge=1)


class ProvinceSettings(_Section):
    code: str = Field(min_length=2, max_length=8, pattern=r"^[A-Z0-9]+$")
    name: str
    name_km: str | None = None
    relay: str | None = None


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


def _describe(error: ValidationError, where: str) -> BadInput:
    problems = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"]) or "(top level)"
        problems.append(f"{loc}: {item['msg']}")
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
        raise _describe(exc, str(path)) from None
