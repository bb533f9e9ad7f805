"""Spotizerr's download history (/api/history/...): the list with limit, offset, download_type
and status filters, one entry, its children, stats, search, recent, failed, cleanup. The
history is the user's own download tasks (top-level ones in lists)."""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import iso, spotizerr
from handlers.api.spotizerr.params import query_int
from handlers.api.spotizerr.tasks import HISTORY_STATUS, child_json, history_json
from handlers.downloads import tasks

__all__ = ["setup_history_routes"]


async def history_list(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    limit, offset = query_int(request, "limit", 100, 1, 500), query_int(request, "offset", 0,
                                                                        0, 10**9)
    download_type = request.query.get("download_type") or None
    status = request.query.get("status") or None
    page = await tasks.list_history(context(request), principal,
                                             download_type=download_type, status=status,
                                             offset=offset, limit=limit)
    body = {"downloads": [history_json(job) for job in page.jobs],
            "pagination": {"limit": limit, "offset": offset, "returned_count": len(page.jobs),
                           "total_count": page.total}}
    filters = {k: v for k, v in (("download_type", download_type), ("status", status)) if v}
    if filters:
        body["filters"] = filters
    return json_response(body)


async def history_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job = await tasks.get_task(context(request), principal,
                                        request.match_info["task_id"])
    return json_response(history_json(job))


async def history_children(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    job, children = await tasks.task_children(context(request), principal,
                                                       request.match_info["task_id"])
    entry = history_json(job)
    tracks = [child_json(child, position) for position, child in enumerate(children, 1)]
    return json_response({"task_id": job.id, "download_type": entry["download_type"],
                          "title": entry["name"], "children_table": entry["children_table"],
                          "tracks": tracks, "track_count": len(children)})


async def history_stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    stats = await tasks.history_stats(context(request), principal)
    by_status: dict[str, int] = {}
    for status, count in stats.by_status.items():
        by_status[HISTORY_STATUS[status]] = by_status.get(HISTORY_STATUS[status], 0) + count
    tracks = {HISTORY_STATUS[s]: n for s, n in stats.tracks_by_status.items()}
    return json_response({
        "total_downloads": stats.total, "by_status": by_status, "by_type": stats.by_type,
        "retrying": stats.retrying, "tracks": tracks,
        "total_tracks": sum(stats.tracks_by_status.values()),
        "bytes_downloaded": stats.bytes_downloaded,
        "first_download": iso(stats.first_at), "last_download": iso(stats.last_at)})


async def history_search(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query, limit = request.query.get("q", ""), query_int(request, "limit", 50, 1, 200)
    jobs = await tasks.search_history(context(request), principal, query, limit)
    return json_response({"query": query, "results": [history_json(j) for j in jobs],
                          "result_count": len(jobs), "limit": limit})


async def history_recent(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    limit = query_int(request, "limit", 20, 1, 100)
    page = await tasks.list_history(context(request), principal, limit=limit)
    return json_response({"downloads": [history_json(j) for j in page.jobs],
                          "count": len(page.jobs), "limit": limit})


async def history_failed(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    limit = query_int(request, "limit", 50, 1, 200)
    page = await tasks.list_history(context(request), principal, status="failed",
                                             limit=limit)
    return json_response({"downloads": [history_json(j) for j in page.jobs],
                          "count": len(page.jobs), "limit": limit})


async def history_cleanup(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_json(request, required=False)
    days_old = body.get("days_old", 30)
    deleted = await tasks.cleanup_history(context(request), principal, days_old)
    return json_response({"message": "Successfully cleaned up old download history",
                          "deleted_records": deleted, "days_old": days_old})


def setup_history_routes(app: web.Application) -> None:
    r = app.router
    # fixed paths before /api/history/{task_id}
    spotizerr.add(r, "GET", "/api/history/", history_list)
    spotizerr.add(r, "GET", "/api/history/stats", history_stats)
    spotizerr.add(r, "GET", "/api/history/search", history_search)
    spotizerr.add(r, "GET", "/api/history/recent", history_recent)
    spotizerr.add(r, "GET", "/api/history/failed", history_failed)
    spotizerr.add(r, "POST", "/api/history/cleanup", history_cleanup)
    spotizerr.add(r, "GET", "/api/history/{task_id}", history_one)
    spotizerr.add(r, "GET", "/api/history/{task_id}/children", history_children)
