"""The FastAPI application: the API of SPEC 3.5, the sign-in pages, the metrics."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import Response
from fastapi.telemetry import TelemetryConfig

from broadcaster.station import Station
from broadcaster.web import (
    errors,
    metrics,
    pages,
    routes_callins,
    routes_episodes,
    routes_provinces,
    routes_schedule,
)
from broadcaster.web.auth import Caller, Sessions, SignInLimiter
from broadcaster.web.context import WebContext, reader
from broadcaster.web.jobs import PreparationJobs
from broadcaster.web.limits import BodyLimit

log = logging.getLogger("broadcaster.web")

DESCRIPTION = """The station's API (SPEC 3.5). Calls carry `Authorization: Bearer TOKEN`,
the token `broadcaster user add` printed: organisers read, operators read and write.
`GET /api/health` and `GET /schedule.ics` are open to anyone. Errors are
`{"error": {"message", "field"}}`. Times are typed as `YYYY-MM-DD HH:MM` in the
station's zone or ISO 8601 with an offset, and given back with the station's offset."""


def session_key(station: Station) -> str:
    env = station.settings.web.session_key_env
    key = station.settings.secret(env)
    if key:
        return key
    log.info("page sessions: $%s is not set; sessions last until a restart", env)
    return secrets.token_urlsafe(32)


NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}
"""FastAPI's OpenTelemetry stays off: nothing about requests (or their errors) leaves the
station, whatever OTEL_* variables the environment holds; /metrics is what we publish."""


def create_app(station: Station, *, session_secret: str | None = None) -> FastAPI:
    """The app for `station`; its preparation worker starts with the first upload and
    stops with `app.state.web.jobs.stop()` (the server does it when it stops)."""
    web = station.settings.web
    jobs = PreparationJobs(station)
    ctx = WebContext(
        station=station,
        limiter=SignInLimiter(web.failed_sign_ins_per_minute),
        sessions=Sessions(session_secret or session_key(station)),
        jobs=jobs,
        max_upload_bytes=web.max_upload_mb * 1024 * 1024,
    )

    app = FastAPI(
        title=f"Broadcaster: {station.settings.station.name}",
        description=DESCRIPTION,
        version="1",
        telemetry=NO_TELEMETRY,
    )
    app.state.web = ctx
    app.add_middleware(BodyLimit)
    app.add_middleware(routes_callins.WebhookFastPath)
    errors.install(app)
    app.include_router(routes_schedule.router)
    app.include_router(routes_episodes.router)
    app.include_router(routes_provinces.router)
    app.include_router(routes_callins.router)
    app.include_router(pages.router)
    scrape = metrics.Scrape(station, jobs)

    @app.get(
        "/metrics",
        tags=["status"],
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
            **errors.ERROR_RESPONSES,
        },
    )
    def prometheus_metrics(_caller: Annotated[Caller, Depends(reader)]) -> Response:
        """Slots aired and missed, leg gaps and reconnects by cause, what is on air,
        preparation jobs (Prometheus text format; scrape with the bearer token)."""
        return Response(scrape.render(), media_type=metrics.CONTENT_TYPE)

    return app
