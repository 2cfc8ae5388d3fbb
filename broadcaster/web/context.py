"""What the routes share: the station, the sign-in limiter, sessions, preparation jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from broadcaster.db.models import User
from broadcaster.station import Station
from broadcaster.users import user_for_token
from broadcaster.web.auth import (
    SAFE_METHODS,
    SESSION_COOKIE,
    Caller,
    Sessions,
    SignInLimiter,
    bearer_token,
    client_address,
    csrf_ok,
)
from broadcaster.web.errors import ApiError
from broadcaster.web.jobs import PreparationJobs


@dataclass
class WebContext:
    station: Station
    limiter: SignInLimiter
    sessions: Sessions
    jobs: PreparationJobs
    max_upload_bytes: int


def context(request: Request) -> WebContext:
    ctx = request.app.state.web
    assert isinstance(ctx, WebContext)
    return ctx


def refuse_if_limited(ctx: WebContext, address: str) -> None:
    wait = ctx.limiter.retry_after(address)
    if wait is not None:
        raise ApiError(
            429,
            f"too many failed sign-ins from this address; try again in {wait} s",
            "authorization",
            {"Retry-After": str(wait)},
        )


def caller_from_cookie(ctx: WebContext, value: str) -> Caller | None:
    data = ctx.sessions.read(value)
    if data is None:
        return None
    with ctx.station.sessions() as session:
        user = session.get(User, data.get("uid"))
        if user is None or user.token_hash[:16] != data.get("th"):
            return None
        return Caller(user.id, user.name, user.role, by_cookie=True, csrf=str(data.get("csrf")))


BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="The token `broadcaster user add` printed",
)
"""Publishes the scheme in the OpenAPI document (the docs' Authorize button); the header is
read by `signed_in` itself, for the station's own messages."""


def signed_in(
    request: Request,
    _published: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Caller:
    """The caller, by bearer token or page session; 401 if neither, 429 if rate-limited."""
    ctx = context(request)
    address = client_address(request)
    token = bearer_token(request)
    if token is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        caller = caller_from_cookie(ctx, cookie) if cookie else None
        if caller is None:
            raise ApiError(
                401,
                "authorization: sign in with 'Authorization: Bearer TOKEN' "
                "(the token `broadcaster user add` printed)",
                "authorization",
                {"WWW-Authenticate": "Bearer"},
            )
        return caller
    refuse_if_limited(ctx, address)
    with ctx.station.sessions() as session:
        user = user_for_token(session, token)
        if user is None:
            ctx.limiter.failed(address)
            raise ApiError(
                401,
                "authorization: the token is not valid (mistyped, or the user was revoked)",
                "authorization",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return Caller(user.id, user.name, user.role)


def reader(caller: Caller = Depends(signed_in)) -> Caller:
    """Organisers and operators read."""
    return caller


def writer(request: Request, caller: Caller = Depends(signed_in)) -> Caller:
    """Only operators write; a page session must also send its CSRF token."""
    if not caller.can_write:
        raise ApiError(
            403, f"role: {caller.name} is an {caller.role}; only operators can change this", "role"
        )
    sent = request.headers.get("x-csrf-token")
    if caller.by_cookie and request.method not in SAFE_METHODS and not csrf_ok(caller, sent):
        raise ApiError(403, "csrf_token: missing or wrong; reload the page", "csrf_token")
    return caller
