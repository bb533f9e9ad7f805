"""Spotizerr's downloads: `GET /api/{track,album,playlist}/download/{id}` (202 with the task id,
409 with the existing one), `GET /api/artist/download/{id}?album_type=...` (the albums queued
and those already queued or running), and `GET /api/{type}/download/cancel?task_id=`."""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import Handler, json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import spotizerr
from handlers.downloads import start, tasks
from handlers.errors import FieldError, Invalid

__all__ = ["setup_download_routes"]


def _download(download_type: str) -> Handler:
    async def download(request: web.Request) -> web.Response:
        principal = await require_principal(request, changes_state=True)
        job, duplicate = await start.start_download(
            context(request), principal, download_type, request.match_info["item_id"])
        if duplicate:
            return json_response({"error": "Duplicate download detected.",
                                  "details": f"This {download_type} is already queued or "
                                             "downloading.",
                                  "existing_task": job.id, "task_id": job.id}, status=409)
        return json_response({"task_id": job.id}, status=202)

    return download


async def download_artist(request: web.Request) -> web.Response:
    principal = await require_principal(request, changes_state=True)
    raw = request.query.get("album_type", "")
    types = [t.strip() for t in raw.split(",") if t.strip()] or None
    queued = await start.start_artist_download(context(request), principal,
                                                   request.match_info["item_id"], types)
    return json_response({
        "status": "complete",
        "message": "Artist discography processing initiated. "
                   f"{len(queued.queued)} albums queued.",
        "queued_albums": queued.queued, "duplicate_albums": queued.duplicates,
        "task_id": queued.job.id}, status=202)


async def cancel(request: web.Request) -> web.Response:
    principal = await require_principal(request, changes_state=True)
    task_id = request.query.get("task_id", "").strip()
    if not task_id:
        raise Invalid("Missing process id (task_id) parameter", code="validation",
                      fields=[FieldError(("query", "task_id"), "field required", "missing")])
    job = await tasks.cancel_task(context(request), principal, task_id)
    return json_response({"status": "cancelled", "message": "Download cancelled",
                          "task_id": job.id})


def setup_download_routes(app: web.Application) -> None:
    r = app.router
    for kind in start.DOWNLOAD_TYPES:
        # the fixed path first: `cancel` is not an id
        spotizerr.add(r, "GET", f"/api/{kind}/download/cancel", cancel)
    for kind in ("track", "album", "playlist"):
        spotizerr.add(r, "GET", f"/api/{kind}/download/{{item_id}}", _download(kind))
    spotizerr.add(r, "GET", "/api/artist/download/{item_id}", download_artist)
