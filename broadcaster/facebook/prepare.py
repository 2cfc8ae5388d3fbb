"""Pre-flight for the Facebook leg: the live video and its stream URL, or why there is none."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from broadcaster.config import Settings
from broadcaster.db.models import Episode, Slot
from broadcaster.facebook.errors import GraphError, PermanentGraphError
from broadcaster.facebook.graph import GraphClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A live video (`video_id`, `stream_url`) or the `error` that stops the leg.

    `created` says the video was made now; `replaced` names the stored live video it
    stands in for (one that had ended, or had no stream URL), and `replaced_status` why.
    """

    video_id: str | None = None
    stream_url: str | None = None
    error: str | None = None
    status: str | None = None
    created: bool = False
    replaced: str | None = None
    replaced_status: str | None = None


def client_for(settings: Settings, attempts: int = 5, wait_first_s: float = 1.0) -> GraphClient:
    """A client configured from `[facebook]`; a clear error when the token is missing."""
    fb = settings.facebook
    if fb is None:
        raise PermanentGraphError("facebook: no [facebook] section is configured")
    token = settings.secret(fb.access_token_env)
    if token is None:
        raise PermanentGraphError(f"facebook: ${fb.access_token_env} (the page token) is not set")
    return GraphClient(fb.graph_api, token, attempts=attempts, wait_first_s=wait_first_s)


def create_live_video_for(
    settings: Settings, episode: Episode, slot: Slot, client: GraphClient | None = None
) -> Prepared:
    """Create a scheduled live video for the slot; never raises for Graph API trouble."""
    fb = settings.facebook
    if fb is None:
        return Prepared()
    try:
        client = client or client_for(settings)
        video = client.create_live_video(
            fb.page_id, episode.title, episode.description or "", slot.start
        )
    except GraphError as exc:
        return Prepared(error=str(exc))
    url = video.secure_stream_url or video.stream_url
    if not url:
        return Prepared(
            video_id=video.id,
            status=video.status,
            created=True,
            error="facebook: the live video has no stream URL",
        )
    return Prepared(video_id=video.id, stream_url=url, status=video.status, created=True)


def prepare_live_video(
    settings: Settings, episode: Episode, slot: Slot, client: GraphClient | None = None
) -> Prepared:
    """The live video to stream the slot to, kept on the slot; never raises for Graph trouble.

    A stored `slot.facebook_live_id` is looked up first and used while it can still take
    a stream. One that has ended (a shutdown ends it, Facebook expires it, someone stops
    it) or has no stream URL is never streamed to: a new live video is made and stored
    instead. A lookup that fails is that leg's error, as any Graph API failure.
    """
    fb = settings.facebook
    if fb is None:
        return Prepared()
    stored = None
    try:
        client = client or client_for(settings)
        if slot.facebook_live_id:
            stored = client.live_video(slot.facebook_live_id)
    except GraphError as exc:
        return Prepared(video_id=slot.facebook_live_id, error=str(exc))
    if stored is not None and not stored.ended and stored.url:
        return Prepared(video_id=stored.id, stream_url=stored.url, status=stored.status)
    made = create_live_video_for(settings, episode, slot, client)
    if made.video_id:
        slot.facebook_live_id = made.video_id
    if stored is None:
        return made
    why = stored.status if stored.ended else "no stream URL"
    state = f"has ended ({stored.status})" if stored.ended else "has no stream URL"
    if made.video_id:
        log.warning(
            "facebook: slot %s: live video %s %s; new live video %s replaces it",
            slot.id,
            stored.id,
            state,
            made.video_id,
        )
    else:
        log.warning(
            "facebook: slot %s: live video %s %s and no new one could be made: %s",
            slot.id,
            stored.id,
            state,
            made.error,
        )
    return replace(made, replaced=stored.id, replaced_status=why)
