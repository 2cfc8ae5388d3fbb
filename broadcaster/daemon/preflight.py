"""Pre-flight: ahead of a slot, check what it needs while there is still time to fix it.

The episode's rendition is present and decodes, each server answers, the Facebook live
video exists (it is created here) and the token works. The findings are kept on the slot
(`Slot.preflight`) and shown by `broadcaster preflight`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.audio.probe import probe
from broadcaster.config import Settings
from broadcaster.db.models import Episode, Slot
from broadcaster.errors import BadInput, NotFound
from broadcaster.facebook import GraphClient, prepare_live_video
from broadcaster.files import private_dir
from broadcaster.outputs.causes import mask
from broadcaster.playout.run import card_loop_for
from broadcaster.states import ACTIVE

SERVER_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def slot_to_check(session: Session, now: datetime, slot_id: int | None) -> Slot:
    """The named slot, or the next one not yet over; NotFound if there is none."""
    if slot_id is not None:
        slot = session.get(Slot, slot_id)
        if slot is None:
            raise NotFound(f"slot {slot_id} not found")
        return slot
    query = (
        select(Slot).where(Slot.status.in_(ACTIVE), Slot.end > now).order_by(Slot.start).limit(1)
    )
    slot = session.scalars(query).first()
    if slot is None:
        raise NotFound("no slot is scheduled: nothing to check")
    return slot


def check_episode(settings: Settings, episode: Episode) -> Check:
    if episode.source_kind == "live":
        return _reachable("live feed", episode.source)
    media = settings.path(Path(episode.media_path or episode.source))
    if not media.is_file():
        return Check("episode file", False, f"{media} is missing")
    try:
        info = probe(media)
    except BadInput as exc:
        return Check("episode file", False, str(exc))
    return Check("episode file", True, f"{media.name} decodes, {info.duration_s:.1f} s")


def check_radio(settings: Settings) -> Check:
    radio = settings.radio
    if radio is None:
        return _aircheck_folder(settings, "radio")
    if settings.secret(radio.source_password_env) is None:
        return Check("radio", False, f"${radio.source_password_env} is not set")
    parts = urlsplit(radio.icecast)
    return _reachable("radio", f"{parts.scheme}://{parts.netloc}/status-json.xsl")


def check_facebook(
    settings: Settings, episode: Episode, slot: Slot, graph: GraphClient | None
) -> Check:
    """The live video is made once (kept on the slot), then only looked up.

    A stored one that has ended (or lost its stream URL) is replaced by a new one.
    """
    if settings.facebook is None:
        return _aircheck_folder(settings, "facebook")
    loop = card_loop_for(episode)
    if episode.source_kind != "live" and (loop is None or not loop.is_file()):
        return Check("facebook", False, f"title card video {loop} is missing")
    got = prepare_live_video(settings, episode, slot, graph)
    if got.error:
        return Check("facebook", False, got.error)
    if got.replaced:
        detail = (
            f"live video {got.video_id} created in place of {got.replaced} ({got.replaced_status})"
        )
        return Check("facebook", True, detail)
    if got.created:
        return Check("facebook", True, f"live video {got.video_id} created")
    return Check("facebook", True, f"live video {got.video_id} ready ({got.status or 'ok'})")


def run_checks(
    settings: Settings, slot: Slot, now: datetime, graph: GraphClient | None
) -> list[Check]:
    """Every check the slot needs, on `slot` detached from any session (no transaction
    waits on a server or the Graph API); the result is set on it: `store` keeps it."""
    checks = [check_episode(settings, slot.episode)]
    if "radio" in slot.destinations:
        checks.append(check_radio(settings))
    if "facebook" in slot.destinations:
        checks.append(check_facebook(settings, slot.episode, slot, graph))
    slot.preflight = {
        "checked_at": now.isoformat(),
        "ok": all(c.ok for c in checks),
        "checks": [c.as_json() for c in checks],
    }
    return checks


def store(session: Session, checked: Slot) -> None:
    """What `run_checks` found (and the live video it made) on the stored slot."""
    stored = session.get(Slot, checked.id)
    if stored is None:
        return
    stored.preflight = checked.preflight
    if checked.facebook_live_id is not None:
        stored.facebook_live_id = checked.facebook_live_id
    session.flush()


def _reachable(name: str, url: str) -> Check:
    """Does a server answer at `url` (any HTTP reply counts)? Credentials never shown."""
    shown = mask(url, ())
    try:
        reply = requests.get(url, timeout=SERVER_TIMEOUT_S, stream=True)
        reply.close()
    except requests.RequestException as exc:
        reason = type(exc).__name__.replace("Error", " error").strip()
        return Check(name, False, f"{shown} does not answer ({reason})")
    return Check(name, True, f"{shown} answers (HTTP {reply.status_code})")


def _aircheck_folder(settings: Settings, leg: str) -> Check:
    folder = settings.path(settings.station.aircheck_dir)
    try:
        private_dir(folder)
    except OSError as exc:
        return Check(leg, False, f"aircheck folder {folder}: {exc.strerror}")
    if not os.access(folder, os.W_OK):
        return Check(leg, False, f"aircheck folder {folder} is not writable")
    return Check(leg, True, f"aircheck file in {folder}")
