"""Icecast's admin interface: the mount's stream title (PROTOCOLS.md)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from broadcaster.outputs.causes import mask

log = logging.getLogger(__name__)


def set_title(url: str, password: str, title: str, timeout: float = 5.0) -> None:
    """Set the mount's stream title through Icecast's admin interface (MP3 mounts only)."""
    parts = urlsplit(url)
    admin = f"{parts.scheme}://{parts.netloc}/admin/metadata"
    params = {"mount": parts.path, "mode": "updinfo", "song": title, "charset": "UTF-8"}
    try:
        reply = requests.get(admin, params=params, auth=("source", password), timeout=timeout)
    except requests.RequestException as exc:
        raise RuntimeError(mask(f"stream title not set: {exc}", [password])) from None
    if reply.status_code != 200:
        raise RuntimeError(f"stream title not set: Icecast answered {reply.status_code}")
    log.info("radio %s: stream title set to %r", parts.path, title)
