"""The episode library for people: each episode's duration, loudness, true peak and title
card, and an upload form that shows the preparation's progress and a refusal's reason.

The form sends the file to `POST /api/episodes` (the API's upload, with the session's CSRF
token in `X-CSRF-Token`) and follows `GET /api/episodes/jobs/{id}`: one upload path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from broadcaster import episodes as library
from broadcaster.db.models import Episode
from broadcaster.schedule.times import format_duration
from broadcaster.web.pages_common import Ctx, Person, render

router = APIRouter(include_in_schema=False)


@router.get("/episodes", response_class=HTMLResponse)
def episode_library(request: Request, ctx: Ctx, caller: Person) -> Response:
    with ctx.station.sessions() as session:
        rows = [
            {
                "id": e.id,
                "title": e.title,
                "series": e.series,
                "partners": list(e.partners or []),
                "kind": e.source_kind,
                "duration": format_duration(e.duration_s),
                "loudness": e.loudness_lufs,
                "true_peak": e.true_peak_dbtp,
                "card": bool(e.card_path) and Path(e.card_path or "").is_file(),
            }
            for e in library.all_episodes(session)
        ]
    return render(
        request,
        ctx,
        "episodes.html",
        caller,
        title="Episodes",
        episodes=rows,
        max_mb=ctx.max_upload_bytes // (1024 * 1024),
    )


@router.get("/episodes/{episode_id}/card.png")
def title_card(
    ctx: Ctx, _caller: Person, episode_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]
) -> Response:
    """The episode's title card (the Facebook video's still), for the library's thumbnail."""
    with ctx.station.sessions() as session:
        episode = session.get(Episode, episode_id)
        path = Path(episode.card_path) if episode and episode.card_path else None
    if path is None or not path.is_file():
        return Response("no title card", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=300"})
