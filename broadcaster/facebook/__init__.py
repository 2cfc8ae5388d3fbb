"""Facebook Live through the Graph API: create, end, count comments (SPEC 4.3)."""

from broadcaster.facebook.errors import GraphError, PermanentGraphError, TransientGraphError
from broadcaster.facebook.graph import ENDED_STATUSES, GraphClient, LiveVideo
from broadcaster.facebook.prepare import (
    Prepared,
    client_for,
    create_live_video_for,
    prepare_live_video,
)

__all__ = [
    "ENDED_STATUSES",
    "GraphClient",
    "GraphError",
    "LiveVideo",
    "PermanentGraphError",
    "Prepared",
    "TransientGraphError",
    "client_for",
    "create_live_video_for",
    "prepare_live_video",
]
