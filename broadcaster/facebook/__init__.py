"""Facebook Live through the Graph API: create, end, count comments (SPEC 4.3)."""

from broadcaster.facebook.errors import GraphError, PermanentGraphError, TransientGraphError
from broadcaster.facebook.graph import GraphClient, LiveVideo
from broadcaster.facebook.prepare import client_for, prepare_live_video

__all__ = [
    "GraphClient",
    "GraphError",
    "LiveVideo",
    "PermanentGraphError",
    "TransientGraphError",
    "client_for",
    "prepare_live_video",
]
