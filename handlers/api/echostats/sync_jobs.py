"""EchoStats' `/api/v1/sync-jobs` (the user's listening jobs, paged and filtered),
`/api/v1/sync-jobs/stats` and `POST /api/v1/sync-jobs/trigger` (a Spotify sync now:
`already_running` when one is queued or running; 409 without a linked Spotify account)."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats, iso
from handlers.api.echostats._query import QueryReader
from handlers.api.keys import context
from handlers.listening.sync import start_spotify_sync
from handlers.listening.sync_jobs import (
    JOB_TYPES,
    STATUSES,
    SyncJob,
    list_sync_jobs,
    sync_job_stats,
)

__all__ = ["setup_routes", "PREFIX"]

PREFIX = "/api/v1/sync-jobs"
MAX_LIMIT = 100


class SyncJobOut(msgspec.Struct, kw_only=True):
    id: str
    job_type: str
    status: str
    items_processed: int
    items_total: int | None
    error_message: str | None
    started_at: str | None
    completed_at: str | None
    created_at: str | None
    steps: list[dict[str, Any]]


class SyncJobsOut(msgspec.Struct):
    items: list[SyncJobOut]
    total: int
    page: int
    pages: int


class StatsOut(msgspec.Struct, kw_only=True):
    total_jobs: int
    completed: int
    failed: int
    running: int
    total_items_synced: int
    last_sync_at: str | None


class TriggerOut(msgspec.Struct):
    status: str
    job_id: str
    message: str


def _job(job: SyncJob) -> SyncJobOut:
    return SyncJobOut(id=job.id, job_type=job.job_type, status=job.status,
                      items_processed=job.items_processed, items_total=job.items_total,
                      error_message=job.error_message, started_at=iso(job.started_at),
                      completed_at=iso(job.completed_at), created_at=iso(job.created_at),
                      steps=job.steps)


async def jobs(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    page, limit = query.page(), query.limit(20, MAX_LIMIT)
    status = query.choice("status", tuple(STATUSES))
    job_type = query.choice("job_type", tuple(JOB_TYPES))
    query.check()
    found = await list_sync_jobs(context(request), principal.user.id, status=status,
                                 job_type=job_type, offset=(page - 1) * limit, limit=limit)
    return json_response(SyncJobsOut([_job(j) for j in found.items], total=found.total,
                                     page=page, pages=math.ceil(found.total / limit)))


async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await sync_job_stats(context(request), principal.user.id)
    return json_response(StatsOut(
        total_jobs=found.total_jobs, completed=found.completed, failed=found.failed,
        running=found.running, total_items_synced=found.total_items_synced,
        last_sync_at=iso(found.last_sync_at)))


async def trigger(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    started = await start_spotify_sync(context(request), principal.user.id)
    if started.already_running:
        return json_response(TriggerOut("already_running", started.job_id,
                                        "A sync is already in progress"))
    return json_response(TriggerOut("started", started.job_id, "Sync job started"))


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", PREFIX, jobs)
    echostats.add(r, "GET", f"{PREFIX}/stats", stats)
    echostats.add(r, "POST", f"{PREFIX}/trigger", trigger)
