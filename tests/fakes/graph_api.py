"""A fake Facebook Graph API on loopback: real HTTP, the real answer and error shapes.

Tests inject errors with `fail(code, ...)`; every request is kept in `requests` so a
test can count attempts and check that the token never went into a URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERSION = "v25.0"


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
    comments: list[dict[str, Any]] = field(default_factory=list)


class FakeGraphApi:
    """Live videos of one page; `base_url` goes into `[facebook] graph_api`."""

    def __init__(self, token: str, page_id: str = "1234567890", rtmp_base: str = "") -> None:
        self.token, self.page_id = token, page_id
        self.rtmp_base = rtmp_base or "rtmp://127.0.0.1:1935/live"
        self.videos: dict[str, Video] = {}
        self.requests: list[Seen] = []
        self.failures: list[Failure] = []
        self._next = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/{VERSION}"

    def fail(self, code: int, http: int = 400, subcode: int | None = None, times: int = 1,
             message: str | None = None) -> None:  # fmt: skip
        """Answer the next `times` requests with this Graph API error."""
        self.failures.append(Failure(code, http, subcode, message or Failure.message, times))

    def stream_url(self, video_id: str) -> str:
        return f"{self.rtmp_base}/FB-{video_id}"

    # -- request handling ---------------------------------------------------------------
    def handle(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(seen)
            if self.failures:
                failure = self.failures[0]
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.pop(0)
                return failure.http, _error(failure.code, failure.message, failure.subcode)
            token = _token(seen)
            if token is None:
                return 400, _error(104, "An access token is required to request this resource.")
            if token != self.token:
                return 400, _error(190, "Error validating access token: Session has expired.",
                                   463, "OAuthException")  # fmt: skip
            return self._route(seen)

    def _route(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        parts = [p for p in seen.path.split("/") if p]
        if parts[:1] == [VERSION]:
            parts = parts[1:]
        if seen.method == "POST" and parts == [self.page_id, "live_videos"]:
            return 200, self._create(seen.form)
        if len(parts) == 1 and parts[0] in self.videos:
            video = self.videos[parts[0]]
            if seen.method == "POST" and seen.form.get("end_live_video") == "true":
                video.status = "VOD"
                return 200, {"id": video.id}
            if seen.method == "GET":
                return 200, self._video_json(video)
        if len(parts) == 2 and parts[0] in self.videos and parts[1] == "comments":
            return 200, {"data": self.videos[parts[0]].comments, "paging": {}}
        return 400, _error(100, "Unsupported request - method type or object does not exist.",
                           33, "GraphMethodException")  # fmt: skip

    def _create(self, form: dict[str, str]) -> dict[str, Any]:
        start = None
        if "event_params" in form:
            start = json.loads(form["event_params"]).get("start_time")
        elif "planned_start_time" in form:
            start = int(form["planned_start_time"])
        self._next += 1
        video = Video(str(self._next), form.get("title", ""), form.get("description", ""),
                      form.get("status", "UNPUBLISHED"), start)  # fmt: skip
        self.videos[video.id] = video
        return {"id": video.id, "stream_url": self.stream_url(video.id),
                "secure_stream_url": self.stream_url(video.id)}  # fmt: skip

    def _video_json(self, video: Video) -> dict[str, Any]:
        return {"id": video.id, "status": video.status, "title": video.title,
                "secure_stream_url": self.stream_url(video.id),
                "permalink_url": f"/{self.page_id}/videos/{video.id}", "live_views": 0}  # fmt: skip

    # -- lifetime -----------------------------------------------------------------------
    def start(self) -> FakeGraphApi:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


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
