"""Who is calling: a user's bearer token (API) or a signed session cookie (pages).

Tokens are those `user add` printed; only their SHA-256 is stored and compared in
constant time (`users.user_for_token`). Failed sign-ins are counted per address: past
the limit in a minute, the address is refused (429) until the minute has passed, right
token or not. Sessions are signed cookies, not stored: they carry the user's id and a
piece of their token's hash, so revoking the user ends them. A request signed in by
cookie that changes something must carry the session's CSRF token (form field
`csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from broadcaster.db.models import User
from broadcaster.web.errors import ApiError

SESSION_COOKIE = "bc_session"
FORM_COOKIE = "bc_form"
SESSION_MAX_AGE_S = 12 * 3600
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Caller:
    """A signed-in user, as the routes see them."""

    id: int
    name: str
    role: str
    by_cookie: bool = False
    csrf: str | None = None

    @property
    def can_write(self) -> bool:
        return self.role == "operator"


class SignInLimiter:
    """At most `limit` failed sign-ins per address in `window_s`; then refused till it ends."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        found = self._failures.setdefault(address, deque())
        while found and found[0] <= now - self.window_s:
            found.popleft()
        return found

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent(address, now)
            if len(recent) < self.limit:
                if not recent:
                    self._failures.pop(address, None)
                return None
            return max(1, int(recent[0] + self.window_s - now + 0.999))

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(address, now).append(now)
            if len(self._failures) > 10_000:  # many addresses: forget the quiet ones
                for key in [k for k, v in self._failures.items() if not v or v[-1] < now - 60]:
                    del self._failures[key]


class Sessions:
    """Signed cookie sessions: `{"uid", "th", "csrf"}`, valid for `SESSION_MAX_AGE_S`."""

    def __init__(self, key: str) -> None:
        self.serializer = URLSafeTimedSerializer(key, salt="broadcaster-session")
        self.form_serializer = URLSafeTimedSerializer(key, salt="broadcaster-form")

    def make(self, user: User) -> tuple[str, str]:
        """A cookie value for `user` and its CSRF token."""
        csrf = secrets.token_urlsafe(24)
        value = self.serializer.dumps({"uid": user.id, "th": user.token_hash[:16], "csrf": csrf})
        return value, csrf

    def read(self, value: str) -> dict[str, Any] | None:
        try:
            data = self.serializer.loads(value, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def form_token(self, nonce: str | None) -> tuple[str, str]:
        """(nonce for the `bc_form` cookie, CSRF token for the form) before sign-in: the
        token is the signed nonce, so it only works from the browser holding the cookie."""
        nonce = nonce or secrets.token_urlsafe(16)
        return nonce, self.form_serializer.dumps(nonce)

    def form_token_ok(self, token: str, nonce: str | None) -> bool:
        try:
            signed = self.form_serializer.loads(token, max_age=3600)
        except BadSignature:
            return False
        return bool(nonce) and isinstance(signed, str) and hmac.compare_digest(signed, nonce or "")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer TOKEN`; ApiError 401 for another scheme."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "authorization: use 'Authorization: Bearer TOKEN' with the token `user add` printed",
            "authorization",
            {"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def csrf_ok(caller: Caller, sent: str | None) -> bool:
    return bool(caller.csrf and sent and hmac.compare_digest(caller.csrf, sent))
