"""Sign-in for people: a form that takes the token, a signed session cookie, sign-out.

Every form carries a CSRF token: before sign-in a signed one-hour token, after it the
session's own. The pages of issue 4.7 build on `signed_in` and the session's `csrf`.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from broadcaster.users import user_for_token
from broadcaster.web.auth import (
    FORM_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    client_address,
    csrf_ok,
)
from broadcaster.web.context import WebContext, caller_from_cookie, context, refuse_if_limited

router = APIRouter(include_in_schema=False)
Ctx = Annotated[WebContext, Depends(context)]


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title></head><body>{body}</body></html>"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def _login_form(
    request: Request, ctx: WebContext, note: str = "", status: int = 200
) -> HTMLResponse:
    nonce, csrf = ctx.sessions.form_token(request.cookies.get(FORM_COOKIE))
    station = escape(ctx.station.settings.station.name)
    page = _page(
        f"Sign in: {station}",
        f"<h1>{station}</h1>{note}"
        "<form method='post' action='/login'>"
        f"<input type='hidden' name='csrf_token' value='{escape(csrf)}'>"
        "<label>Token <input type='password' name='token' autocomplete='current-password' "
        "required></label> <button>Sign in</button></form>"
        "<p>The token is the one <code>broadcaster user add</code> printed.</p>",
        status,
    )
    page.set_cookie(
        FORM_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return page


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Ctx) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    caller = caller_from_cookie(ctx, cookie) if cookie else None
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    return _page(
        ctx.station.settings.station.name,
        f"<p>Signed in as {escape(caller.name)} ({escape(caller.role)}).</p>"
        "<p><a href='/docs'>API documentation</a> · <a href='/schedule.ics'>schedule "
        "(calendar)</a></p>"
        "<form method='post' action='/logout'>"
        f"<input type='hidden' name='csrf_token' value='{escape(caller.csrf or '')}'>"
        "<button>Sign out</button></form>",
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: Ctx) -> Response:
    return _login_form(request, ctx)


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    token: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if not ctx.sessions.form_token_ok(csrf_token, request.cookies.get(FORM_COOKIE)):
        note = "<p role='alert'>The form expired; try again.</p>"
        return _login_form(request, ctx, note, 403)
    address = client_address(request)
    refuse_if_limited(ctx, address)
    with ctx.station.sessions() as session:
        user = user_for_token(session, token.strip()) if token.strip() else None
        if user is None:
            ctx.limiter.failed(address)
            note = "<p role='alert'>That token is not valid.</p>"
            return _login_form(request, ctx, note, 401)
        value, _csrf = ctx.sessions.make(user)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(FORM_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, ctx: Ctx, csrf_token: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    caller = caller_from_cookie(ctx, cookie) if cookie else None
    if caller is not None and not csrf_ok(caller, csrf_token):
        return _page("Sign out", "<p role='alert'>The form expired; reload the page.</p>", 403)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
