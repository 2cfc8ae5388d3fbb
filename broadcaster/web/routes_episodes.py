"""The episode library over HTTP: list, show, and upload (prepared in the background)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from broadcaster import episodes as library
from broadcaster.audio.probe import probe
from broadcaster.config import Settings
from broadcaster.db.models import Episode
from broadcaster.errors import BadInput
from broadcaster.web.auth import Caller
from broadcaster.web.context import WebContext, context, reader, writer
from broadcaster.web.errors import ERROR_RESPONSES, ApiError, ErrorOut
from broadcaster.web.jobs import public_message
from broadcaster.web.models import EpisodeOut, JobOut
from broadcaster.web.uploads import Upload, free_bytes, receive

router = APIRouter()
# response_model_exclude_unset: keys a route leaves out (e.g. `title` when booking) stay
# out, as in the CLI's --json.
Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
EpisodeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DISK_MARGIN = 200 * 1024 * 1024
"""Uploads are refused when they would leave less than this free (rendition, card, log)."""

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "title"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string", "maxLength": 254},
                        "series": {"type": "string"},
                        "partner": {"type": "array", "items": {"type": "string"}},
                        "description": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _public_source(episode: Episode) -> str | None:
    """Where an episode comes from, without server paths or credentials in a URL."""
    if episode.source_kind != "live":
        return FsPath(episode.source).name if episode.source else None
    parts = urlsplit(episode.source)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def episode_out(episode: Episode, settings: Settings) -> dict[str, Any]:
    """`episode show --json` for the web: file names instead of the server's paths."""
    data = library.detail(episode, settings)
    data.pop("media_path", None)
    data.pop("card_path", None)
    data["media_file"] = FsPath(episode.media_path).name if episode.media_path else None
    data["card_file"] = FsPath(episode.card_path).name if episode.card_path else None
    data["source"] = _public_source(episode)
    return data


@router.get(
    "/api/episodes",
    response_model_exclude_unset=True,
    response_model=list[EpisodeOut],
    tags=["episodes"],
    responses=ERROR_RESPONSES,
)
def list_episodes(ctx: Ctx, _caller: Reader) -> Any:
    """The library, with each episode's duration and loudness."""
    with ctx.station.sessions() as session:
        return [episode_out(e, ctx.station.settings) for e in library.all_episodes(session)]


@router.get(
    "/api/episodes/jobs/{job_id}",
    response_model_exclude_unset=True,
    response_model=JobOut,
    tags=["episodes"],
    responses={**ERROR_RESPONSES, 404: {"model": ErrorOut, "description": "no such job"}},
)
def job(ctx: Ctx, _caller: Reader, job_id: Annotated[str, Path(max_length=64)]) -> Any:
    """An upload's preparation: stage and progress, then the episode or why it was refused."""
    found = ctx.jobs.get(job_id)
    if found is None:
        raise ApiError(404, f"job {job_id}: no such job (jobs are kept until a restart)", "job_id")
    episode = None
    if found.episode_id is not None:
        with ctx.station.sessions() as session:
            row = session.get(Episode, found.episode_id)
            episode = episode_out(row, ctx.station.settings) if row else None
    return ctx.jobs.as_json(found, episode)


@router.get(
    "/api/episodes/{episode_id}",
    response_model_exclude_unset=True,
    response_model=EpisodeOut,
    tags=["episodes"],
    responses={**ERROR_RESPONSES, 404: {"model": ErrorOut, "description": "no such episode"}},
)
def show_episode(ctx: Ctx, _caller: Reader, episode_id: EpisodeId) -> Any:
    """One episode: duration, loudness, true peak, series, partners."""
    with ctx.station.sessions() as session:
        return episode_out(library.get(session, episode_id), ctx.station.settings)


def _fields(upload: Upload) -> library.EpisodeFields:
    title = upload.text("title")
    if title is None:
        raise BadInput("title: give the episode a title")
    partners = tuple(p.strip() for p in upload.fields.get("partner", []) if p.strip())
    fields = library.EpisodeFields(
        title, upload.text("series") or None, partners, upload.text("description") or None
    )
    fields.check()
    return fields


@router.post(
    "/api/episodes",
    response_model_exclude_unset=True,
    status_code=202,
    response_model=JobOut,
    tags=["episodes"],
    openapi_extra=UPLOAD_BODY,
    responses={
        **ERROR_RESPONSES,
        400: {"model": ErrorOut, "description": "not a multipart body"},
        413: {"model": ErrorOut, "description": "over [web] max_upload_mb"},
        415: {"model": ErrorOut, "description": "not multipart/form-data"},
    },
)
async def upload_episode(request: Request, ctx: Ctx, _caller: Writer) -> Any:
    """Upload a recording (multipart: `file`, `title`, optional `series`, `partner`...,
    `description`). It is checked at once (an empty or non-audio file is refused here),
    then prepared in the background: follow `GET /api/episodes/jobs/{id}`."""
    folder = ctx.station.settings.path(ctx.station.settings.station.media_dir) / "uploads"
    wanted = min(int(request.headers.get("content-length", "0") or 0), ctx.max_upload_bytes)
    if free_bytes(folder) < wanted + DISK_MARGIN:
        raise ApiError(413, "file: the server has no room for it right now", "file")
    upload = await receive(request, folder, ctx.max_upload_bytes)
    try:
        if upload.path is None:
            raise BadInput("file: send the recording in a field called 'file'")
        fields = _fields(upload)
        if upload.size == 0:
            raise BadInput(f"file: {upload.file_name}: the file is empty")
        await run_in_threadpool(probe, upload.path)
    except BadInput as exc:
        upload.discard()
        path = upload.path or FsPath("/nonexistent")
        message = public_message(str(exc), path, upload.file_name)
        if not message.startswith(("file:", "title:", "partner:")):
            message = f"file: {message}"
        raise BadInput(message) from None
    except BaseException:
        upload.discard()
        raise
    job = ctx.jobs.submit(upload.path, upload.file_name, fields)
    return JSONResponse(
        ctx.jobs.as_json(job, None),
        status_code=202,
        headers={"Location": f"/api/episodes/jobs/{job.id}"},
    )
