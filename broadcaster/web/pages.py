"""Sign-in for people: a form that takes the token, a signed session cookie, sign-out; the
home page, the language switch and the files the pages load (CSS, script, Khmer font).

Every form carries a CSRF token: before sign-in a signed one-hour token, after it the
session's own. The other pages (`pages_*.py`) build on `pages_common.page_caller`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from broadcaster.users import user_for_token
from broadcaster.web.auth import (
    FORM_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    client_address,
    csrf_ok,
)
from broadcaster.web.context import WebContext, refuse_if_limited
from broadcaster.web.i18n import LANG_COOKIE, LANGUAGES
from broadcaster.web.pages_common import (
    HERE,
    Ctx,
    cookie_caller,
    message_page,
    render,
    words_for,
)

router = APIRouter(include_in_schema=False)

KHMER_FONT = Path("/usr/share/fonts/truetype/khmeros/KhmerOScontent.ttf")
"""Debian's fonts-khmeros (LGPL-2.1+), served as the pages' Khmer web font."""
STATIC = {
    "style.css": (HERE / "static" / "style.css", "text/css; charset=utf-8"),
    "pages.js": (HERE / "static" / "pages.js", "text/javascript; charset=utf-8"),
    "khmer.ttf": (KHMER_FONT, "font/ttf"),
}


def _login_form(
    request: Request, ctx: WebContext, note: str = "", status: int = 200
) -> HTMLResponse:
    nonce, csrf = ctx.sessions.form_token(request.cookies.get(FORM_COOKIE))
    title = words_for(request, ctx)("sign_in")
    page = render(request, ctx, "login.html", None, status, title=title, note=note, form_csrf=csrf)
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
    caller = cookie_caller(request, ctx)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, ctx, "home.html", caller, title=ctx.station.settings.station.name)


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
        return _login_form(request, ctx, "form_expired", 403)
    address = client_address(request)
    refuse_if_limited(ctx, address)
    with ctx.station.sessions() as session:
        user = user_for_token(session, token.strip()) if token.strip() else None
        if user is None:
            ctx.limiter.failed(address)
            return _login_form(request, ctx, "bad_token", 401)
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
    caller = cookie_caller(request, ctx)
    if caller is not None and not csrf_ok(caller, csrf_token):
        return message_page(request, ctx, caller, "sign_out", "csrf_refused", 403)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Read the pages in `code` (en or km) from now on; back to the page it was asked on."""
    local = next.startswith("/") and not next.startswith("//") and "\\" not in next
    back = next if local else "/"
    response = RedirectResponse(back, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' stylesheet, script and Khmer font, from this server only."""
    found = STATIC.get(name)
    if found is None or not found[0].is_file():
        missing = "fonts-khmeros is not installed" if name == "khmer.ttf" else "no such file"
        return Response(missing, status_code=404, media_type="text/plain")
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "max-age=3600"})


def _include_pages() -> None:
    """The pages of SPEC 4.7, each group in its own module, served under this router."""
    from broadcaster.web import (
        pages_episodes,
        pages_log,
        pages_on_air,
        pages_provinces,
        pages_week,
    )

    for module in (pages_week, pages_episodes, pages_on_air, pages_log, pages_provinces):
        router.include_router(module.router)


_include_pages()
