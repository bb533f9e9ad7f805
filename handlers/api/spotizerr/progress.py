"""Spotizerr's progress routes (/api/prgs/...): list, one task, updates since a time, the SSE
stream (handlers.api.spotizerr.progress_stream), cancel one or all, delete. A user sees and
touches only their own tasks."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response, mark_streaming
from handlers.api.keys import context
from handlers.api.spotizerr.base import spotizerr
from handlers.api.spotizerr.params import base_url, query_flag, query_float, query_int
from handlers.api.spotizerr.progress_stream import stream_progress
from handlers.api.spotizerr.tasks import counts_json, task_json
from handlers.context import Context
from handlers.downloads import tasks
from handlers.identity.auth import Principal

__all__ = ["setup_progress_routes"]


async def _counts(ctx: Context, principal: Principal) -> dict[str, Any]:
    return counts_json(await tasks.task_counts(ctx, principal))


async def progress_list(request: web.Request) -> web.Response:
    principal, ctx = await require_principal(request), context(request)
    page, limit = query_int(request, "page", 1, 1, 1_000_000), query_int(request, "limit", 50,
                                                                          1, 100)
    active_only = query_flag(request, "active_only")
    found = await tasks.list_tasks(ctx, principal, active_only=active_only,
                                   offset=(page - 1) * limit, limit=limit)
    pages = max(1, (found.total + limit - 1) // limit)
    listed = [task_json(job, base_url(request)) for job in found.jobs]
    return json_response({
        "tasks": listed, **await _counts(ctx, principal), "timestamp": time.time(),
        "pagination": {"page": page, "limit": limit, "total_items": found.total,
                       "total_count": found.total, "total_pages": pages,
                       "has_more": page < pages}})


async def progress_updates(request: web.Request) -> web.Response:
    principal, ctx = await require_principal(request), context(request)
    since = query_float(request, "since")
    if since is None:  # no `since`: the paginated snapshot, as Spotizerr answers
        return await progress_list(request)
    page, limit = query_int(request, "page", 1, 1, 1_000_000), query_int(request, "limit", 20,
                                                                          1, 100)
    now = time.time()
    found = await tasks.task_updates(ctx, principal, since,
                                              active_only=query_flag(request, "active_only"),
                                              offset=(page - 1) * limit, limit=limit)
    url = base_url(request)
    return json_response({
        "tasks": [task_json(job, url) for job in [*found.active, *found.updated]],
        "current_timestamp": now, "since_timestamp": since, **await _counts(ctx, principal),
        "updated_count": found.updated_total,
        "pagination": {"page": page, "limit": limit, "total_non_active": found.updated_total,
                       "has_more": found.updated_total > page * limit,
                       "returned_non_active": len(found.updated)}})


async def progress_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job = await tasks.get_task(context(request), principal,
                                        request.match_info["task_id"])
    return json_response(task_json(job, base_url(request)))


async def cancel_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job = await tasks.cancel_task(context(request), principal,
                                           request.match_info["task_id"])
    return json_response({"status": "cancelled", "message": "Task cancelled",
                          "task_id": job.id})


async def cancel_all(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    jobs = await tasks.cancel_all(context(request), principal)
    return json_response({
        "message": f"Attempted to cancel all active tasks. {len(jobs)} tasks cancelled.",
        "cancelled_count": len(jobs), "task_ids": [j.id for j in jobs], "errors": []})


async def delete_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    task_id = request.match_info["task_id"]
    await tasks.delete_task(context(request), principal, task_id)
    return json_response({"message": f"Task {task_id} deleted successfully"})


def setup_progress_routes(app: web.Application) -> None:
    r = app.router
    # fixed paths before /api/prgs/{task_id}
    spotizerr.add(r, "GET", "/api/prgs/list", progress_list)
    spotizerr.add(r, "GET", "/api/prgs/updates", progress_updates)
    spotizerr.add(r, "GET", "/api/prgs/stream", mark_streaming(stream_progress))
    spotizerr.add(r, "POST", "/api/prgs/cancel/all", cancel_all)
    spotizerr.add(r, "POST", "/api/prgs/cancel/{task_id}", cancel_one)
    spotizerr.add(r, "DELETE", "/api/prgs/delete/{task_id}", delete_one)
    spotizerr.add(r, "GET", "/api/prgs/{task_id}", progress_one)
