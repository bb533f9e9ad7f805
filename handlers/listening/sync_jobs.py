"""A user's listening jobs as EchoStats' sync jobs: the Spotify syncs ("periodic", the user's
first one "initial"), rollup builds ("rollup_build") and history imports ("import"), with
their progress, steps and outcome, and totals over them.

A job's status is EchoStats' pending (queued), running, completed (completed or skipped) or
failed (failed or cancelled). A user sees only their own jobs.
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.listening.rollups import ROLLUP_BUILD_KIND
from handlers.listening.sync import SPOTIFY_SYNC_KIND, sync_state
from store.records import Job

__all__ = ["IMPORT_KIND", "JOB_TYPES", "STATUSES", "SyncJob", "SyncJobPage", "SyncJobStats",
           "list_sync_jobs", "sync_job_stats"]

IMPORT_KIND = "listening.import"  # Spotify-export imports (handlers.listening)

# job type -> (job kind, payload fields it has)
JOB_TYPES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "periodic": (SPOTIFY_SYNC_KIND, {"initial": False}),
    "initial": (SPOTIFY_SYNC_KIND, {"initial": True}),
    "rollup_build": (ROLLUP_BUILD_KIND, None),
    "import": (IMPORT_KIND, None),
}
KINDS = (SPOTIFY_SYNC_KIND, ROLLUP_BUILD_KIND, IMPORT_KIND)

# EchoStats' status -> the job statuses it stands for
STATUSES: dict[str, tuple[str, ...]] = {
    "pending": ("queued",),
    "running": ("running",),
    "completed": ("completed", "skipped"),
    "failed": ("failed", "cancelled"),
}
_STATUS_OF = {stored: shown for shown, stored_ones in STATUSES.items() for stored in stored_ones}


class SyncJob(msgspec.Struct, frozen=True, kw_only=True):
    """One job; times are epoch seconds, `steps` the job's `{action, status, detail, items,
    error}` list as it reported it."""

    id: str
    job_type: str
    status: str
    items_processed: int
    items_total: int | None
    steps: list[dict[str, Any]]
    error_message: str | None
    started_at: float | None
    completed_at: float | None
    created_at: float


class SyncJobPage(msgspec.Struct, frozen=True):
    items: list[SyncJob]
    total: int


class SyncJobStats(msgspec.Struct, frozen=True, kw_only=True):
    total_jobs: int
    completed: int
    failed: int
    running: int
    total_items_synced: int
    last_sync_at: float | None


def _job_type(job: Job) -> str:
    if job.kind == SPOTIFY_SYNC_KIND:
        return "initial" if job.payload.get("initial") else "periodic"
    return "rollup_build" if job.kind == ROLLUP_BUILD_KIND else "import"


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _sync_job(job: Job) -> SyncJob:
    progress = job.progress or {}
    steps = progress.get("steps")
    return SyncJob(
        id=job.id, job_type=_job_type(job), status=_STATUS_OF.get(str(job.status), "pending"),
        items_processed=_int(progress.get("items_processed")) or 0,
        items_total=_int(progress.get("items_total")),
        steps=[s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else [],
        error_message=job.error, started_at=job.started_at, completed_at=job.finished_at,
        created_at=job.created_at)


async def list_sync_jobs(ctx: Context, user_id: int, *, status: str | None = None,
                         job_type: str | None = None, offset: int = 0, limit: int = 20
                         ) -> SyncJobPage:
    """The user's jobs, newest first (`status` one of STATUSES, `job_type` of JOB_TYPES)."""
    kinds, payload = ((JOB_TYPES[job_type][0],), JOB_TYPES[job_type][1]) if job_type \
        else (KINDS, None)
    page = await ctx.store.jobs.list(owner_id=user_id, kinds=kinds,
                                     statuses=STATUSES[status] if status else (),
                                     payload=payload, offset=offset, limit=limit)
    return SyncJobPage([_sync_job(j) for j in page.jobs], page.total)


async def _count(ctx: Context, user_id: int, statuses: tuple[str, ...] = ()) -> int:
    return (await ctx.store.jobs.list(owner_id=user_id, kinds=KINDS, statuses=statuses,
                                      limit=0)).total


async def sync_job_stats(ctx: Context, user_id: int) -> SyncJobStats:
    """How many jobs the user has, by outcome; how many listens the Spotify syncs stored and
    when the last one finished."""
    state = await sync_state(ctx, user_id)
    return SyncJobStats(total_jobs=await _count(ctx, user_id),
                        completed=await _count(ctx, user_id, STATUSES["completed"]),
                        failed=await _count(ctx, user_id, STATUSES["failed"]),
                        running=await _count(ctx, user_id, STATUSES["running"]),
                        total_items_synced=state.items_synced, last_sync_at=state.last_sync_at)
