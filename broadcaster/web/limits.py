"""Request bodies other than uploads are small: refused past `MAX_BODY` (413), by their
`Content-Length` or while they stream, so a huge JSON body is never held in memory.
Every response also says `X-Content-Type-Options: nosniff`."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 1024 * 1024
UPLOAD_PATHS = ("/api/episodes",)


class _TooLarge(BaseException):
    """A BaseException, so that FastAPI's `except Exception` around reading the body lets
    it through to `BodyLimit` (it would make it a 400)."""


def _refusal() -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps(
        {"error": {"message": f"body: larger than {MAX_BODY // 1024} KB", "field": "body"}}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return body, headers


class BodyLimit:
    """ASGI middleware: the limit above, and the nosniff header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_nosniff(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] == "POST" and scope["path"] in UPLOAD_PATHS:
            await self.app(scope, receive, send_nosniff)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await self._refuse(send_nosniff)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_nosniff)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send_nosniff)

    @staticmethod
    async def _refuse(send: Send) -> None:
        body, headers = _refusal()
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
