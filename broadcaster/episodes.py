"""The episode library: register prepared recordings and live feeds, list and show them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.audio.prepare import PreparedAudio, Progress, prepare_episode
from broadcaster.config import Settings
from broadcaster.db.models import Episode
from broadcaster.errors import BadInput, NotFound
from broadcaster.privacy import masked_url
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.times import iso_local, parse_duration
from broadcaster.station import Station

LIVE_SCHEMES = ("http", "https", "rtmp", "rtmps", "srt", "icecast")
MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class EpisodeFields:
    """What a person says about an episode, checked before any work is done."""

    title: str
    series: str | None = None
    partners: tuple[str, ...] = ()
    description: str | None = None
    key: str | None = None

    def check(self) -> None:
        if not self.title.strip():
            raise BadInput("title: must not be empty")
        if len(self.title) > 254:
            raise BadInput(f"title: {len(self.title)} characters; at most 254 (Facebook's limit)")
        for partner in self.partners:
            if not partner.strip():
                raise BadInput("partner: must not be empty")


def check_live_url(url: str, field: str = "url") -> str:
    try:
        parts = urlsplit(url)
        scheme, host, _port = parts.scheme, parts.hostname, parts.port
    except ValueError:  # a bracket out of place, a port that is not a number
        scheme, host = "", None
    if scheme not in LIVE_SCHEMES or not host or len(url) > MAX_URL_LENGTH:
        raise BadInput(
            f"{field}: {masked_url(url)[:MAX_URL_LENGTH]!r} is not a live feed URL "
            f"({', '.join(LIVE_SCHEMES)} with a host, at most {MAX_URL_LENGTH} characters)"
        )
    return url


def prepare_file(
    path: Path, fields: EpisodeFields, settings: Settings, progress: Progress | None = None
) -> PreparedAudio:
    fields.check()
    return prepare_episode(
        path,
        title=fields.title,
        partners=list(fields.partners),
        settings=settings,
        progress=progress,
    )


def store_file_episode(
    session: Session, path: Path, fields: EpisodeFields, prepared: PreparedAudio, now: datetime
) -> Episode:
    episode = Episode(created_at=now, source_kind="file")
    apply_prepared(episode, path, prepared)
    apply_fields(episode, fields)
    session.add(episode)
    session.flush()
    return episode


def apply_fields(episode: Episode, fields: EpisodeFields) -> None:
    episode.title = fields.title.strip()
    episode.series = fields.series
    episode.partners = list(fields.partners)
    episode.description = fields.description
    episode.key = fields.key


def apply_prepared(episode: Episode, path: Path, prepared: PreparedAudio) -> None:
    episode.source_kind = "file"
    episode.source = str(path.resolve())
    episode.source_sha256 = prepared.source_sha256
    episode.media_path = str(prepared.media_path)
    episode.card_path = str(prepared.card_path) if prepared.card_path else None
    episode.duration_s = prepared.duration_s
    episode.loudness_lufs = prepared.loudness_lufs
    episode.true_peak_dbtp = prepared.true_peak_dbtp
    episode.measured_lufs = prepared.measured_lufs
    episode.measured_true_peak_dbtp = prepared.measured_true_peak_dbtp


def apply_live(episode: Episode, url: str, duration_s: float) -> None:
    episode.source_kind = "live"
    episode.source = url
    episode.source_sha256 = None
    episode.media_path = None
    episode.duration_s = duration_s
    episode.loudness_lufs = episode.true_peak_dbtp = None
    episode.measured_lufs = episode.measured_true_peak_dbtp = None


def add_file(
    station: Station, path: Path, fields: EpisodeFields, progress: Progress | None = None
) -> Episode:
    """Prepare `path` and store the episode; on any failure no row and no file remain."""
    prepared = prepare_file(path, fields, station.settings, progress)
    try:
        with station.sessions.begin() as session:
            return store_file_episode(session, path, fields, prepared, station.clock())
    except BaseException:
        discard(prepared)
        raise


def discard(prepared: PreparedAudio) -> None:
    """Remove files made for an episode that was not stored."""
    for file in prepared.files():
        file.unlink(missing_ok=True)


def add_live(station: Station, url: str, duration: str, fields: EpisodeFields) -> Episode:
    fields.check()
    check_live_url(url)
    seconds = parse_duration(duration, "duration").total_seconds()
    Limits.of(station.settings).check_length(seconds, "duration")
    with station.sessions.begin() as session:
        episode = Episode(created_at=station.clock())
        apply_live(episode, url, seconds)
        apply_fields(episode, fields)
        session.add(episode)
        session.flush()
        return episode


def get(session: Session, episode_id: int) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"episode {episode_id}: no such episode")
    return episode


def all_episodes(session: Session) -> Sequence[Episode]:
    return session.scalars(select(Episode).order_by(Episode.id)).all()


def summary(episode: Episode) -> dict[str, Any]:
    """The pinned short form printed by `episode add --json`."""
    return {
        "id": episode.id,
        "title": episode.title,
        "duration_s": round(episode.duration_s, 3),
        "loudness_lufs": _round(episode.loudness_lufs),
    }


def detail(episode: Episode, settings: Settings) -> dict[str, Any]:
    """The pinned long form printed by `episode show --json`, plus descriptive extras."""
    return {
        **summary(episode),
        "true_peak_dbtp": _round(episode.true_peak_dbtp),
        "media_path": episode.media_path,
        "card_path": episode.card_path,
        "source": masked_url(episode.source),
        "kind": episode.source_kind,
        "key": episode.key,
        "series": episode.series,
        "partners": list(episode.partners),
        "description": episode.description,
        "measured_lufs": _round(episode.measured_lufs),
        "measured_true_peak_dbtp": _round(episode.measured_true_peak_dbtp),
        "created_at": iso_local(episode.created_at, settings.zone),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
