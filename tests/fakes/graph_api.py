"""A fake Facebook Graph API on loopback: real HTTP, the real answer and error shapes.

It follows a live video's lifecycle as far as the API server can see it:

- a new video is `SCHEDULED_UNPUBLISHED` (create `status`, with a start time),
  `UNPUBLISHED`, or `LIVE` (`LIVE_NOW`);
- `POST /{id}` with `end_live_video=true` ends it: `VOD` when it went live, else
  `LIVE_STOPPED`; `status=SCHEDULED_CANCELED` cancels a scheduled one;
- a scheduled video that never went live is `SCHEDULED_EXPIRED` once its start time is
  more than `expire_after_s` past;
- a test sets a status directly with `set_status` (or `videos[id].status = ...`).

The fake does not see the RTMP ingest unless it is given `ingest`, a callable telling
whether a stream key (`FB-<id>`) is being published; a scheduled video that is
published after its start time is then `LIVE`. Without `ingest`, a scheduled video
ended after its start time is taken to have gone live (it ends as `VOD`).

As Facebook does, an ended, expired or cancelled video has no `stream_url` or
`secure_stream_url` in its answers; `GET /{id}?fields=...` answers with only those fields
(and `id`), an unknown field is error 100; stream URLs carry Facebook's query string
(`?s_bl=1&s_psm=1&s_sc=<id>&s_sw=0&s_vt=api-s&a=<secret>`, which nginx-rtmp takes as
arguments, not as part of the stream name); comments come in pages of `limit` (25 by
default) with `paging.cursors` and a `paging.next` URL that, like Facebook's, carries the
access token; the token is checked before anything else, injected failures included.

Tests inject errors with `fail(code, ...)`; every request is kept in `requests` so a
test can count attempts and check that the token never went into a URL.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

VERSION = "v25.0"

STATUSES = frozenset(
    {
        "UNPUBLISHED",
        "LIVE",
        "LIVE_STOPPED",
        "PROCESSING",
        "VOD",
        "SCHEDULED_UNPUBLISHED",
        "SCHEDULED_LIVE",
        "SCHEDULED_EXPIRED",
        "SCHEDULED_CANCELED",
    }
)
ENDED = frozenset({"LIVE_STOPPED", "PROCESSING", "VOD", "SCHEDULED_EXPIRED", "SCHEDULED_CANCELED"})
"""Statuses whose answers carry no stream URL: the video takes no stream any more."""

SCHEDULED = frozenset({"SCHEDULED_UNPUBLISHED", "SCHEDULED_LIVE"})
CREATE_STATUSES = {
    "LIVE_NOW": "LIVE",
    "UNPUBLISHED": "UNPUBLISHED",
    "SCHEDULED_UNPUBLISHED": "SCHEDULED_UNPUBLISHED",
}
VIDEO_FIELDS = frozenset(
    {
        "id",
        "status",
        "title",
        "description",
        "stream_url",
        "secure_stream_url",
        "permalink_url",
        "live_views",
        "embed_html",
        "creation_time",
        "planned_start_time",
        "broadcast_start_time",
    }
)
DEFAULT_VIDEO_FIELDS = ("status", "stream_url", "secure_stream_url", "embed_html")
"""What `GET /{id}` answers without `fields` (after the docs' sample; not checked)."""

COMMENT_FIELDS = frozenset({"id", "message", "from", "created_time"})
DEFAULT_COMMENT_FIELDS = ("created_time", "from", "message")
COMMENT_PAGE = 25
MAX_AHEAD_S = 7 * 24 * 3600
"""A scheduled start may be at most 7 days ahead."""


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Failure:
    code: int
    http: int = 400
    subcode: int | None = None
    message: str = "An unexpected error has occurred. Please retry your request later."
    times: int = 1


@dataclass
class Video:
    id: str
    title: str
    description: str
    status: str
    start_time: int | None
    created: float = 0.0
    secret: str = ""
    went_live: float | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stream_key(self) -> str:
        return f"FB-{self.id}"


class FakeGraphApi:
    """Live videos of one page; `base_url` goes into `[facebook] graph_api`.

    `clock` gives the fake's time (UNIX seconds); `expire_after_s` is how long after its
    start a scheduled video that never went live expires; `ingest(stream_key)` tells
    whether the ingest receives that stream (optional, see the module's notes): it is
    asked at every request and every `ingest_poll_s` while the fake runs, as Facebook
    watches its ingest.
    """

    def __init__(
        self,
        token: str,
        page_id: str = "1234567890",
        rtmp_base: str = "",
        *,
        clock: Callable[[], float] = time.time,
        expire_after_s: float = 600.0,
        ingest: Callable[[str], bool] | None = None,
        ingest_poll_s: float = 0.5,
    ) -> None:
        self.token, self.page_id = token, page_id
        self.rtmp_base = (rtmp_base or "rtmp://127.0.0.1:1935/live").rstrip("/")
        self.clock, self.expire_after_s, self.ingest = clock, expire_after_s, ingest
        self.ingest_poll_s = ingest_poll_s
        self._closed = threading.Event()
        self.videos: dict[str, Video] = {}
        self.requests: list[Seen] = []
        self.failures: list[Failure] = []
        self.delay_s = 0.0
        """Each answer comes this late (a slow Graph API); `hang()` makes it never come."""
        self._hung = threading.Event()
        self._next = 1000
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/{VERSION}"

    def fail(self, code: int, http: int = 400, subcode: int | None = None, times: int = 1,
             message: str | None = None) -> None:  # fmt: skip
        """Answer the next `times` requests that carry the right token with this error."""
        self.failures.append(Failure(code, http, subcode, message or Failure.message, times))

    def stream_url(self, video_id: str) -> str:
        """The video's stream URL as Facebook shapes it (key `FB-<id>`, then arguments)."""
        video = self.videos[video_id]
        args = urlencode(
            {"s_bl": 1, "s_psm": 1, "s_sc": video.id, "s_sw": 0, "s_vt": "api-s", "a": video.secret}
        )
        return f"{self.rtmp_base}/{video.stream_key}?{args}"

    def status(self, video_id: str) -> str:
        """The video's status now (expiry and the ingest taken into account)."""
        with self._lock:
            video = self.videos[video_id]
            self._refresh(video)
            return video.status

    def set_status(self, video_id: str, status: str) -> None:
        """Put a video in any status, as Facebook (or a person on facebook.com) could."""
        if status not in STATUSES:
            raise ValueError(f"not a live video status: {status}")
        with self._lock:
            video = self.videos[video_id]
            video.status = status
            if status == "LIVE" and video.went_live is None:
                video.went_live = self.clock()

    def add_comments(self, video_id: str, count: int, at: float | None = None) -> None:
        """`count` comments on the video, made at `at` (UNIX seconds; now by default)."""
        with self._lock:
            video = self.videos[video_id]
            stamp = _iso(self.clock() if at is None else at)
            first = len(video.comments)
            for n in range(first, first + count):
                video.comments.append(
                    {
                        "id": f"{video.id}_{n + 1}",
                        "message": f"comment {n + 1}",
                        "from": {"name": f"Viewer {n + 1}", "id": str(900000 + n)},
                        "created_time": stamp,
                    }
                )

    # -- request handling ---------------------------------------------------------------
    def hang(self) -> None:
        """From now on every request is accepted and never answered."""
        self._hung.set()

    def handle(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(seen)
            token = _token(seen)
            if token is None:
                return 400, _error(104, "An access token is required to request this resource.")
            if token != self.token:
                return 400, _error(190, "Error validating access token: Session has expired.",
                                   463, "OAuthException")  # fmt: skip
            if self.failures:
                failure = self.failures[0]
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.pop(0)
                return failure.http, _error(failure.code, failure.message, failure.subcode)
            return self._route(seen)

    def _route(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        parts = [p for p in seen.path.split("/") if p]
        if parts[:1] == [VERSION]:
            parts = parts[1:]
        params = {**seen.query, **seen.form} if seen.method == "POST" else seen.query
        if seen.method == "POST" and parts == [self.page_id, "live_videos"]:
            return self._create(params)
        if len(parts) == 1 and parts[0] in self.videos:
            video = self.videos[parts[0]]
            self._refresh(video)
            if seen.method == "POST":
                return self._update(video, params)
            if seen.method == "GET":
                return self._video_json(video, params.get("fields"))
        comments = len(parts) == 2 and parts[1] == "comments" and parts[0] in self.videos
        if seen.method == "GET" and comments:
            return self._comments(self.videos[parts[0]], params)
        return _unsupported()

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status = CREATE_STATUSES.get(form.get("status", "UNPUBLISHED"))
        if status is None:
            choices = "{LIVE_NOW, UNPUBLISHED, SCHEDULED_UNPUBLISHED}"
            return 400, _error(100, f"(#100) param status must be one of {choices}")
        try:
            start = _start_time(form)
        except ValueError:
            return 400, _error(100, "(#100) Invalid parameter", kind="OAuthException")
        now = self.clock()
        if status == "SCHEDULED_UNPUBLISHED":
            if start is None:
                return 400, _error(100, "(#100) A scheduled live video needs a planned start time")
            if start > now + MAX_AHEAD_S:
                return 400, _error(100, "(#100) The planned start time must be within 7 days")
        title = form.get("title", "")
        if len(title) > 254:
            return 400, _error(100, "(#100) The title is too long")
        self._next += 1
        video = Video(
            str(self._next),
            title,
            form.get("description", ""),
            status,
            start if status == "SCHEDULED_UNPUBLISHED" else None,
            created=now,
            secret="Ab" + secrets.token_urlsafe(12),
            went_live=now if status == "LIVE" else None,
        )
        self.videos[video.id] = video
        url = self.stream_url(video.id)
        return 200, {"id": video.id, "stream_url": url, "secure_stream_url": url,
                     "stream_secondary_urls": [], "secure_stream_secondary_urls": []}  # fmt: skip

    def _update(self, video: Video, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("end_live_video") == "true":
            if video.status not in ENDED:
                video.status = "VOD" if self._went_live(video) else "LIVE_STOPPED"
            return 200, {"id": video.id}
        if form.get("status") == "SCHEDULED_CANCELED":
            if video.status not in SCHEDULED:
                return 400, _error(100, "(#100) Only a scheduled live video can be cancelled")
            video.status = "SCHEDULED_CANCELED"
            return 200, {"success": True}
        if "title" in form or "description" in form:
            video.title = form.get("title", video.title)
            video.description = form.get("description", video.description)
            return 200, {"success": True}
        return _unsupported()

    def _video_json(self, video: Video, fields: str | None) -> tuple[int, dict[str, Any]]:
        wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else []
        unknown = [f for f in wanted if f not in VIDEO_FIELDS]
        if unknown:
            return 400, _error(100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) "
                               "on node type (LiveVideo)")  # fmt: skip
        every: dict[str, Any] = {
            "id": video.id,
            "status": video.status,
            "title": video.title,
            "description": video.description,
            "permalink_url": f"/{self.page_id}/videos/{video.id}/",
            "live_views": 0,
            "embed_html": f'<iframe src="https://www.facebook.com/plugins/video.php?'
            f'href=%2F{self.page_id}%2Fvideos%2F{video.id}%2F"></iframe>',
            "creation_time": _iso(video.created),
        }
        if video.start_time is not None:
            every["planned_start_time"] = _iso(video.start_time)
        if video.went_live is not None:
            every["broadcast_start_time"] = _iso(video.went_live)
        if video.status not in ENDED:
            every["stream_url"] = every["secure_stream_url"] = self.stream_url(video.id)
        answer = {"id": video.id}
        for name in wanted or DEFAULT_VIDEO_FIELDS:
            if name in every:
                answer[name] = every[name]
        return 200, answer

    def _comments(self, video: Video, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            limit = int(query.get("limit", COMMENT_PAGE))
            since = _since(query["since"]) if "since" in query else None
            first = _position(query["after"]) if "after" in query else 0
            last = first + limit
            if "before" in query:
                last = _position(query["before"])
                first = max(0, last - limit)
        except ValueError:
            return 400, _error(100, "(#100) Invalid parameter", kind="OAuthException")
        if limit < 1:
            return 400, _error(100, "(#100) The parameter limit must be a positive number")
        fields = [f.strip() for f in query.get("fields", "").split(",") if f.strip()]
        unknown = [f for f in fields if f not in COMMENT_FIELDS]
        if unknown:
            return 400, _error(100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) "
                               "on node type (Comment)")  # fmt: skip
        items = [c for c in video.comments if since is None or _made_at(c) >= since]
        if query.get("order") == "reverse_chronological":
            items.reverse()
        page = items[first:last]
        data = [
            {k: c[k] for k in ("id", *(fields or DEFAULT_COMMENT_FIELDS)) if k in c} for c in page
        ]
        answer: dict[str, Any] = {"data": data}
        if not page:
            return 200, answer
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(first), "after": _cursor(first + len(page))}
        }
        kept = {k: v for k, v in query.items() if k not in ("after", "before", "access_token")}
        link = f"{self.base_url}/{video.id}/comments?access_token={self.token}"
        if first + len(page) < len(items):
            more = urlencode({**kept, "limit": limit, "after": _cursor(first + len(page))})
            paging["next"] = f"{link}&{more}"
        if first > 0:
            back = urlencode({**kept, "limit": limit, "before": _cursor(first)})
            paging["previous"] = f"{link}&{back}"
        answer["paging"] = paging
        return 200, answer

    # -- the lifecycle ------------------------------------------------------------------
    def _refresh(self, video: Video) -> None:
        """Move a video on as time and the ingest would: it goes live or it expires."""
        if video.status in ENDED:
            return
        now = self.clock()
        if self.ingest is not None and video.status != "LIVE" and self.ingest(video.stream_key):
            started = video.start_time is None or now >= video.start_time
            if video.status in SCHEDULED and started:
                video.status = "LIVE"
            if video.status == "LIVE" or video.status == "UNPUBLISHED":
                video.went_live = video.went_live or now
        if (
            video.status in SCHEDULED
            and video.went_live is None
            and video.start_time is not None
            and now > video.start_time + self.expire_after_s
        ):
            video.status = "SCHEDULED_EXPIRED"

    def _went_live(self, video: Video) -> bool:
        if video.status == "LIVE" or video.went_live is not None:
            return True
        if self.ingest is None and video.status in SCHEDULED and video.start_time is not None:
            return self.clock() >= video.start_time  # taken to have been streamed to
        return False

    # -- lifetime -----------------------------------------------------------------------
    def start(self) -> FakeGraphApi:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        if self.ingest is not None:
            threading.Thread(target=self._watch_ingest, daemon=True).start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()

    def _watch_ingest(self) -> None:
        while not self._closed.wait(self.ingest_poll_s):
            with self._lock:
                for video in list(self.videos.values()):
                    self._refresh(video)


@contextmanager
def running(token: str, **kwargs: Any) -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi(token, **kwargs).start()
    try:
        yield fake
    finally:
        fake.close()


def _error(code: int, message: str, subcode: int | None = None,
           kind: str = "OAuthException") -> dict[str, Any]:  # fmt: skip
    err: dict[str, Any] = {"message": message, "type": kind, "code": code,
                           "fbtrace_id": "AbCdEf123"}  # fmt: skip
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


def _unsupported() -> tuple[int, dict[str, Any]]:
    return 400, _error(100, "Unsupported request - method type or object does not exist.",
                       33, "GraphMethodException")  # fmt: skip


def _start_time(form: dict[str, str]) -> int | None:
    if "event_params" in form:
        start = json.loads(form["event_params"]).get("start_time")
        return None if start is None else int(start)
    if "planned_start_time" in form:
        return int(form["planned_start_time"])
    return None


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _since(value: str) -> float:
    if value.lstrip("-").isdigit():
        return float(value)
    return datetime.fromisoformat(value).timestamp()


def _made_at(comment: dict[str, Any]) -> float:
    made = comment.get("created_time")
    return datetime.strptime(made, "%Y-%m-%dT%H:%M:%S%z").timestamp() if made else 0.0


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError(cursor) from None
    if not text.startswith("pos:"):
        raise ValueError(cursor)
    return int(text[4:])


def _token(seen: Seen) -> str | None:
    auth = seen.headers.get("authorization", "")
    for prefix in ("Bearer ", "OAuth "):
        if auth.startswith(prefix):
            return auth[len(prefix) :]
    return seen.form.get("access_token") or seen.query.get("access_token")


def _handler(fake: FakeGraphApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            seen = Seen(
                method=self.command,
                path=url.path,
                query={k: v[-1] for k, v in parse_qs(url.query).items()},
                form={k: v[-1] for k, v in parse_qs(body).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            if fake._hung.is_set():  # accepts the connection, never answers (until closed)
                fake._closed.wait(3600)
                return
            if fake.delay_s:
                time.sleep(fake.delay_s)
            status, answer = fake.handle(seen)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
