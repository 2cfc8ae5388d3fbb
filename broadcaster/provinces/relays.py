"""A province's relay as its Icecast server tells it: `status-json.xsl` read, the relay's
mount found by `listenurl`. A server that is down, slow or answers garbage says "not
carrying", never raises: the monitor must keep going whatever the provinces' servers do."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

STATUS_PATH = "/status-json.xsl"


@dataclass(frozen=True)
class RelayState:
    carrying: bool
    listeners: int | None = None
    problem: str | None = None
    """Why it is not carrying when the server did not say (down, garbage...)."""


def status_url(relay: str) -> str:
    """`http://host:8001/pnh.mp3` -> `http://host:8001/status-json.xsl`."""
    parts = urlsplit(relay)
    return f"{parts.scheme}://{parts.netloc}{STATUS_PATH}"


def mount_of(relay: str) -> str:
    return urlsplit(relay).path or "/"


def mounts(status: Any) -> list[dict[str, Any]]:
    """The mounts a parsed `status-json.xsl` lists: `icestats.source` is an object for one
    mount, a list for several, and absent for none."""
    if not isinstance(status, dict):
        raise ValueError("not an Icecast status document")
    stats = status.get("icestats")
    if not isinstance(stats, dict):
        raise ValueError("no icestats in the status document")
    source = stats.get("source")
    if source is None:
        return []
    items = source if isinstance(source, list) else [source]
    return [item for item in items if isinstance(item, dict)]


def relay_state(body: bytes | str, relay: str) -> RelayState:
    """Whether the server's status (`body`) shows the relay's mount, and its listeners."""
    try:
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        # Icecast 2.4 puts raw control characters from stream titles into its JSON.
        listed = mounts(json.loads(text, strict=False))
    except (ValueError, RecursionError) as exc:
        return RelayState(False, problem=f"unreadable status ({str(exc)[:80]})")
    wanted = mount_of(relay)
    for source in listed:
        listen = source.get("listenurl")
        if isinstance(listen, str) and mount_of(listen) == wanted:
            return RelayState(True, _count(source.get("listeners")))
    return RelayState(False, problem=f"mount {wanted} not on the server")


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


Fetch = Callable[[str, float], bytes]
"""Reads a status URL within a timeout (seconds); raises on any failure."""

MAX_STATUS_BYTES = 1 << 20


def fetch_status(url: str, timeout_s: float) -> bytes:
    """The body of `url` (at most 1 MiB), or an exception."""
    with requests.get(url, timeout=timeout_s, stream=True, allow_redirects=False) as reply:
        reply.raise_for_status()
        body = reply.raw.read(MAX_STATUS_BYTES + 1, decode_content=True)
    if len(body) > MAX_STATUS_BYTES:
        raise ValueError("status document too large")
    return bytes(body)


def poll(
    url: str, relays: list[str], timeout_s: float, fetch: Fetch
) -> dict[str, RelayState] | None:
    """The state of each relay mount served by one server (one request for all); None when
    it did not answer in time (no report: silence long enough counts as not carrying)."""
    try:
        body = fetch(url, timeout_s)
    except requests.Timeout:
        return None
    except Exception as exc:  # down, refused, HTTP error: not carrying
        why = _reason(exc)
        return {relay: RelayState(False, problem=why) for relay in relays}
    return {relay: relay_state(body, relay) for relay in relays}


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.ConnectionError):
        return "server unreachable"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"server answered HTTP {exc.response.status_code}"
    return type(exc).__name__
