"""A small Graph API client for live videos (SPEC 4.3); the base URL is configurable.

The token travels in the `Authorization` header only, never in a URL, and is scrubbed
from every message this module raises or logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from broadcaster.facebook.errors import (
    GraphError,
    PermanentGraphError,
    TransientGraphError,
    from_response,
)

log = logging.getLogger(__name__)


ENDED_STATUSES = frozenset(
    {"LIVE_STOPPED", "PROCESSING", "VOD", "SCHEDULED_EXPIRED", "SCHEDULED_CANCELED"}
)
"""A live video in one of these statuses is over: it never takes a stream again."""

LOOKUP_FIELDS = "status,secure_stream_url,stream_url"
"""What a stored live video is read for before streaming to it (Facebook adds `id`)."""


@dataclass(frozen=True)
class LiveVideo:
    id: str
    secure_stream_url: str | None
    stream_url: str | None
    status: str | None = None

    @property
    def ended(self) -> bool:
        """Over (stopped, expired, cancelled, or already a VOD): never stream to it."""
        return self.status in ENDED_STATUSES

    @property
    def url(self) -> str | None:
        """Where to stream: the RTMPS URL when there is one."""
        return self.secure_stream_url or self.stream_url


class GraphClient:
    """Calls the Graph API at `base_url` with a page token; retries transient errors."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: requests.Session | None = None,
        timeout: float = 10.0,
        attempts: int = 5,
        wait_first_s: float = 1.0,
        wait_max_s: float = 30.0,
    ) -> None:
        if not token:
            raise PermanentGraphError("facebook: no page access token is set")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.http = http or requests.Session()
        self.timeout, self.attempts = timeout, attempts
        self.wait_first_s, self.wait_max_s = wait_first_s, wait_max_s

    # -- the calls of SPEC 4.3 -------------------------------------------------------
    def create_live_video(
        self, page_id: str, title: str, description: str, start: datetime
    ) -> LiveVideo:
        """A scheduled, unpublished live video starting at `start`; gives its stream URL."""
        data = {
            "title": title[:254],
            "description": description,
            "status": "SCHEDULED_UNPUBLISHED",
            "event_params": json.dumps({"start_time": int(start.timestamp())}),
        }
        made = self._call("POST", f"/{page_id}/live_videos", data=data)
        video = self.live_video(str(made["id"])) if "secure_stream_url" not in made else None
        merged = {**made, **(video.__dict__ if video else {})}
        return LiveVideo(
            id=str(merged["id"]),
            secure_stream_url=merged.get("secure_stream_url"),
            stream_url=merged.get("stream_url"),
            status=merged.get("status"),
        )

    def live_video(self, video_id: str, fields: str = LOOKUP_FIELDS) -> LiveVideo:
        """The live video's status and stream URLs (absent once it has ended)."""
        got = self._call("GET", f"/{video_id}", params={"fields": fields})
        return LiveVideo(
            id=str(got["id"]),
            secure_stream_url=got.get("secure_stream_url"),
            stream_url=got.get("stream_url"),
            status=got.get("status"),
        )

    def end_live_video(self, video_id: str) -> None:
        self._call("POST", f"/{video_id}", data={"end_live_video": "true"})

    def comment_count(self, video_id: str, since: datetime | None = None) -> int:
        """How many comments the live video has (following pages), as online participation."""
        params: dict[str, str] = {"order": "chronological", "limit": "100", "fields": "id"}
        if since is not None:
            params["since"] = str(int(since.timestamp()))
        count, path = 0, f"/{video_id}/comments"
        for _ in range(1000):
            page = self._call("GET", path, params=params)
            count += len(page.get("data") or [])
            following = _next_page(page, params)
            if following is None:
                break
            params = following
        return count

    # -- plumbing ----------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientGraphError),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.wait_first_s, max=self.wait_max_s),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "facebook: retrying %s %s after: %s",
                method,
                path,
                state.outcome.exception() if state.outcome else "?",
            ),
        )
        result: dict[str, Any] = retrying(self._once, method, path, params, data)
        return result

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            reply = self.http.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise TransientGraphError(
                self.scrub(f"facebook: Graph API unreachable: {exc}")
            ) from None
        try:
            body: Any = reply.json()
        except ValueError:
            body = None
        if reply.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            error = from_response(reply.status_code, body)
            error.args = (self.scrub(str(error)),)
            raise error
        if not isinstance(body, dict):
            raise TransientGraphError(
                f"facebook: Graph API answered HTTP {reply.status_code} without JSON",
                http=reply.status_code,
            )
        return body

    def scrub(self, text: str) -> str:
        """`text` without the token."""
        return text.replace(self._token, "***") if self._token else text


def _next_page(page: Mapping[str, Any], params: Mapping[str, str]) -> dict[str, str] | None:
    """The parameters of the page after `page`, or None when it was the last.

    There is a next page only when `paging.next` is given; it is asked for with the
    `after` cursor (or, without cursors, the next URL's own parameters), never by
    fetching `paging.next` itself: Facebook puts the access token in that URL.
    """
    paging = page.get("paging") or {}
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return None
    after = (paging.get("cursors") or {}).get("after")
    if after:
        following = {**params, "after": str(after)}
    else:
        query = parse_qs(urlsplit(str(paging["next"])).query)
        following = {k: v[-1] for k, v in query.items() if k != "access_token"}
    return following if following != dict(params) else None


__all__ = [
    "ENDED_STATUSES",
    "GraphClient",
    "GraphError",
    "LiveVideo",
    "PermanentGraphError",
    "TransientGraphError",
]
