"""Spotizerr's track downloads and task progress: /api/track/download/{id} (202 or 409 with
the existing task), /api/prgs/list and /api/prgs/{task_id}. A user sees only their tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handlers import downloads
from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.spotizerr.base import spotizerr
from handlers.errors import Invalid
from hub.keys import ctx_key
from store.records import Job

__all__ = ["setup_download_routes", "task_json"]

# Spotizerr's words for a task's state
STATUS = {"queued": "queued", "running": "downloading", "completed": "complete",
          "failed": "error", "cancelled": "cancelled", "skipped": "skipped"}


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def task_json(job: Job) -> dict[str, Any]:
    result = job.result if isinstance(job.result, dict) else {}
    return {"task_id": job.id, "download_type": job.payload.get("download_type", "track"),
            "name": job.payload.get("name", ""), "artist": job.payload.get("artist", ""),
            "status": STATUS.get(str(job.status), str(job.status)),
            "progress": job.progress, "error": job.error, "attempts": job.attempts,
            "created_at": _iso(job.created_at), "completed_at": _iso(job.finished_at),
            "file_path": result.get("file_path")}


async def download_track(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job, duplicate = await downloads.start_track_download(
        request.app[ctx_key], principal, request.match_info["track_id"])
    if duplicate:
        return json_response({"error": "Duplicate download detected.",
                              "details": "This track is already queued or downloading.",
                              "existing_task": job.id, "task_id": job.id}, status=409)
    return json_response({"task_id": job.id}, status=202)


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query.get(name, default))
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise Invalid(f"{name} must be between {low} and {high}", code="validation")
    return value


async def progress_list(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    page, limit = _int(request, "page", 1, 1, 100_000), _int(request, "limit", 50, 1, 100)
    active_only = request.query.get("active_only", "").lower() in ("1", "true")
    jobs, total = await downloads.list_tasks(request.app[ctx_key], principal,
                                             active_only=active_only,
                                             offset=(page - 1) * limit, limit=limit)
    return json_response({"tasks": [task_json(j) for j in jobs], "pagination": {
        "page": page, "limit": limit, "total_count": total,
        "total_pages": (total + limit - 1) // limit, "has_more": page * limit < total}})


async def progress_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job = await downloads.get_task(request.app[ctx_key], principal, request.match_info["task_id"])
    return json_response(task_json(job))


def setup_download_routes(app: web.Application) -> None:
    r = app.router
    spotizerr.add(r, "GET", "/api/track/download/{track_id}", download_track)
    spotizerr.add(r, "GET", "/api/prgs/list", progress_list)
    spotizerr.add(r, "GET", "/api/prgs/{task_id}", progress_one)
