"""Errors as JSON: `{"error": {"message", "field"}}`, never a traceback, secret or path.

The station's error family maps onto status codes here, as the CLI maps it onto exit
codes: bad input 422 (400 when the request itself is malformed), an unknown thing in
the path 404, an overlap 409, too large 413. Anything else is a bug or an outage: 500
or 503 with a plain sentence, the details only in the log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from broadcaster.errors import BadInput, Conflict, NotFound
from broadcaster.web.models import ErrorOut

log = logging.getLogger("broadcaster.web")

_FIELD = re.compile(r"^(?:--)?([a-z_][a-z0-9_]*):\s")


class ApiError(Exception):
    """An error with its status code, for the web layer's own refusals."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


def error_body(message: str, field: str | None = None, problems: list[str] | None = None) -> dict:
    return {"error": {"message": message, "field": field, "problems": problems or []}}


def field_of(message: str) -> str | None:
    """The field a domain message names first (`start: ... is in the past` -> `start`)."""
    match = _FIELD.match(message)
    return match.group(1) if match else None


def bad_input_response(exc: BadInput, status: int | None = None) -> JSONResponse:
    if status is None:
        status = 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 422
    head = exc.args[0] if exc.args else str(exc)
    message = str(head) + ("" if not exc.problems else ": " + "; ".join(exc.problems))
    field = field_of(str(head)) or ("start" if isinstance(exc, Conflict) else None)
    return JSONResponse(error_body(message, field, exc.problems), status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return "the body is not valid JSON", None
    text = str(first.get("msg", "invalid"))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"{field}: {text}" if field else text) + more, field


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON shape above."""

    @app.exception_handler(BadInput)
    async def _bad_input(_request: Request, exc: BadInput) -> JSONResponse:
        return bad_input_response(exc)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.message, exc.field), status_code=exc.status, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, field = _validation_message(exc)
        return JSONResponse(error_body(message, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such page or route"
        return JSONResponse(
            error_body(message), status_code=exc.status_code, headers=dict(exc.headers or {})
        )

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("%s %s: database unavailable: %s", request.method, request.url.path, exc.orig)
        busy = "locked" in str(exc.orig)
        message = (
            "the database is busy; try again in a moment"
            if busy
            else "the database cannot be reached right now"
        )
        return JSONResponse(error_body(message), status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(PoolTimeout)
    async def _pool_busy(request: Request, _exc: PoolTimeout) -> JSONResponse:
        log.warning("%s %s: no database connection free in time", request.method, request.url.path)
        return JSONResponse(
            error_body("the server is busy; try again in a moment"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("%s %s: database error: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(error_body("database error (see the server's log)"), status_code=500)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(error_body("internal error (see the server's log)"), status_code=500)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        401: "no token, or a token that is not a user's",
        403: "the user's role may not do this",
        422: "the input cannot be accepted; the message names the field",
        429: "too many failed sign-ins from this address",
        503: "the database cannot be reached",
    }.items()
}
"""Responses every protected route may give."""
