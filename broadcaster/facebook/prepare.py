"""Pre-flight for the Facebook leg: the live video and its stream URL, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass

from broadcaster.config import Settings
from broadcaster.db.models import Episode, Slot
from broadcaster.facebook.errors import GraphError, PermanentGraphError
from broadcaster.facebook.graph import GraphClient


@dataclass(frozen=True)
class Prepared:
    """A created live video (`video_id`, `stream_url`) or the `error` that stops the leg."""

    video_id: str | None = None
    stream_url: str | None = None
    error: str | None = None


def client_for(settings: Settings, attempts: int = 5, wait_first_s: float = 1.0) -> GraphClient:
    """A client configured from `[facebook]`; a clear error when the token is missing."""
    fb = settings.facebook
    if fb is None:
        raise PermanentGraphError("facebook: no [facebook] section is configured")
    token = settings.secret(fb.access_token_env)
    if token is None:
        raise PermanentGraphError(f"facebook: ${fb.access_token_env} (the page token) is not set")
    return GraphClient(fb.graph_api, token, attempts=attempts, wait_first_s=wait_first_s)


def prepare_live_video(
    settings: Settings, episode: Episode, slot: Slot, client: GraphClient | None = None
) -> Prepared:
    """Create the slot's scheduled live video; never raises for Graph API trouble."""
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
        return Prepared(video_id=video.id, error="facebook: the live video has no stream URL")
    return Prepared(video_id=video.id, stream_url=url)
