"""What every page shares: the templates, who is signed in, the CSRF check of a form.

Pages are Jinja2 templates rendered on the server; the few live parts (the on-air panel,
upload progress) are plain JavaScript served by the app. Nothing is loaded from elsewhere:
the Content-Security-Policy allows this site only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException

from broadcaster.web.auth import SESSION_COOKIE, Caller, csrf_ok
from broadcaster.web.context import WebContext, caller_from_cookie, context
from broadcaster.web.i18n import LANG_COOKIE, LANGUAGES, Words, pick

HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
Ctx = Annotated[WebContext, Depends(context)]


def cookie_caller(request: Request, ctx: WebContext) -> Caller | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return caller_from_cookie(ctx, cookie) if cookie else None


def page_caller(request: Request, ctx: Ctx) -> Caller:
    """The signed-in person; a visitor without a session is sent to the sign-in form."""
    caller = cookie_caller(request, ctx)
    if caller is None:
        raise HTTPException(303, "sign in first", headers={"Location": "/login"})
    return caller


Person = Annotated[Caller, Depends(page_caller)]


def words_for(request: Request, ctx: WebContext) -> Words:
    return Words(pick(request.cookies.get(LANG_COOKIE)), ctx.station.settings.zone)


def render(
    request: Request,
    ctx: WebContext,
    template: str,
    caller: Caller | None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """`template` with the header's values (station, person, role, language switch)."""
    words = words_for(request, ctx)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = TEMPLATES.get_template(template).render(
        t=words,
        lang=words.lang,
        languages=LANGUAGES,
        station=ctx.station.settings.station.name,
        zone=ctx.station.settings.zone.key,
        caller=caller,
        csrf=(caller.csrf or "") if caller else "",
        here=here,
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def refuse_form(
    request: Request, ctx: WebContext, caller: Caller, sent: str | None
) -> HTMLResponse | None:
    """A page that refuses a change, or None when `caller` may make it: operators only, and
    the form must carry the session's CSRF token (a forged POST from elsewhere has none)."""
    if not caller.can_write:
        return message_page(request, ctx, caller, "forbidden", "operators_only", 403)
    if not csrf_ok(caller, sent):
        return message_page(request, ctx, caller, "forbidden", "csrf_refused", 403)
    return None


def message_page(
    request: Request, ctx: WebContext, caller: Caller | None, title: str, text: str, status: int
) -> HTMLResponse:
    words = words_for(request, ctx)
    return render(
        request, ctx, "message.html", caller, status, title=words(title), message=words(text)
    )


def svg(markup: str) -> Markup:
    """Markup the server drew itself (charts.py escapes every label)."""
    return Markup(markup)
